"""Roles and how they become Pyramid principals.

Global roles come from group membership (a group is named by the role it
gives); local roles (Owner, justerare, ...) are held on one object. Both
become ``role:<name>`` principals, so a permission map can name either.
"""
from pyramid.authorization import Authenticated, Everyone

GLOBAL_ROLES = {
    "officer": "Handläggare",
    "director": "Förvaltningschef",
    "clerk": "Registrator",
    "ks_chair": "Kommunstyrelsens ordförande",
    "ks_member": "Kommunstyrelsens ledamot",
    "kf_chair": "Kommunfullmäktiges ordförande",
    "kf_member": "Kommunfullmäktiges ledamot",
    "auditor": "Revisor",
    "admin": "Systemförvaltare",
}
LOCAL_ROLES = {
    "Owner": "Ägare (handläggaren som skapade ärendet)",
    "Adjuster": "Justerare",
}
# Pseudo-roles that a permission map may name.
PSEUDO_ROLES = {"Anonymous": Everyone, "Authenticated": Authenticated}

KNOWN_ROLES = set(GLOBAL_ROLES) | set(LOCAL_ROLES) | set(PSEUDO_ROLES)


def role_principal(role):
    """The principal a role name stands for in an ACL."""
    return PSEUDO_ROLES.get(role) or "role:" + role


def user_principal(login):
    return "user:" + login

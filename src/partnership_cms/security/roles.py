"""Roles and how they become Pyramid principals.

Global roles come from group membership (a group is named by the role it
gives); local roles (Owner, justerare, ...) are held on one object. Both
become ``role:<name>`` principals, so a permission map can name either.
"""
from pyramid.authorization import Authenticated, Everyone
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("partnership_cms")  # titles are shown in the UI

GLOBAL_ROLES = {
    "officer": _("Handläggare"),
    "director": _("Förvaltningschef"),
    "clerk": _("Registrator"),
    "ks_chair": _("Kommunstyrelsens ordförande"),
    "ks_member": _("Kommunstyrelsens ledamot"),
    "kf_chair": _("Kommunfullmäktiges ordförande"),
    "kf_member": _("Kommunfullmäktiges ledamot"),
    "auditor": _("Revisor"),
    "admin": _("Systemförvaltare"),
}
LOCAL_ROLES = {
    "Owner": _("Ägare (handläggaren som skapade ärendet)"),
    "Adjuster": _("Justerare"),
}
# Pseudo-roles that a permission map may name.
PSEUDO_ROLES = {"Anonymous": Everyone, "Authenticated": Authenticated}

KNOWN_ROLES = set(GLOBAL_ROLES) | set(LOCAL_ROLES) | set(PSEUDO_ROLES)


def role_principal(role):
    """The principal a role name stands for in an ACL."""
    return PSEUDO_ROLES.get(role) or "role:" + role


def user_principal(login):
    return "user:" + login

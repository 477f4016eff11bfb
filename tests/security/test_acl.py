"""One ACL lookup, from the object's state, for the policy and the catalog alike."""
from pyramid.authorization import DENY_ALL, Allow, Everyone

from partnership_cms.security.permissions import ADD, EDIT, VIEW, transition_permission
from partnership_cms.security.policy import acl_of, view_principals


def test_the_acl_comes_from_the_state(unit):
    note = unit.note()
    acl = acl_of(unit.config.registry, note)
    assert (Allow, "role:Owner", EDIT) in acl and (Allow, "role:clerk", VIEW) in acl
    assert (Allow, "role:Owner", transition_permission("publish")) in acl
    assert acl[-1] == DENY_ALL
    note.state = "public"
    assert (Allow, Everyone, VIEW) in acl_of(unit.config.registry, note)
    assert (Allow, "role:Owner", EDIT) not in acl_of(unit.config.registry, note)


def test_a_confidential_object_grants_nothing_to_the_public(unit):
    note = unit.note(confidential=True)
    note.state = "public"
    assert not [ace for ace in acl_of(unit.config.registry, note) if ace[1] == Everyone and ace[0] == Allow]
    assert Everyone not in view_principals(unit.config.registry, note)


def test_folders_take_add_from_the_workflow_and_the_root_keeps_its_own(unit):
    assert acl_of(unit.config.registry, unit.root["notes"]) == [(Allow, "role:officer", ADD)]
    assert acl_of(unit.config.registry, unit.root) == unit.root.__acl__


def test_policy_and_catalog_agree(unit):
    note = unit.note(owner="olle")
    allowed = view_principals(unit.config.registry, note)
    # The Owner role resolves to the user who holds it; the clerk keeps the role principal.
    assert allowed == {"user:olle", "role:clerk"}
    assert unit.request("olle").has_permission(VIEW, note)
    assert unit.request("clara").has_permission(VIEW, note)
    assert not unit.request("anna").has_permission(VIEW, note)

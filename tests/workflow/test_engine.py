"""The engine on its own: a transition changes the state, writes history and
announces it (the catalog and the audit trail follow in their subscribers);
every refusal has a code and a translatable reason and changes nothing."""
import pytest

from partnership_cms.catalog import search
from partnership_cms.events import AuditAction, ContentChanged, notify
from partnership_cms.schema.loader import COMMENT_MAX_LENGTH
from partnership_cms.workflow import GuardFailed, InvalidData, NotAllowed, NotAvailable, UnknownTransition


def test_a_transition_changes_state_and_history_and_reaches_audit_and_catalog(unit):
    note = unit.note(body="Text")
    request = unit.request("olle")
    entry = unit.workflows.perform(request, note, "publish", {"comment": "Klart"})
    assert note.state == "public"
    assert note.history[-1] == entry and entry["from"] == "draft" and entry["to"] == "public"
    assert entry["roles"] == ["Owner"] and entry["actor"] == "olle"
    (audited,) = unit.root.audit_log.chain("/notes/n1")
    assert audited["action"] == AuditAction.TRANSITION and audited["details"]["comment"] == "Klart"
    assert audited["state"] == "public" and audited["roles"] == ["officer"]
    objects, total = search(request, ["system.Everyone"], type="Note", state="public")
    assert (objects, total) == ([note], 1)


def test_a_refused_transition_changes_nothing_and_says_why_with_a_code(unit):
    note = unit.note()  # no body: the complete guard refuses
    request = unit.request("olle")
    with pytest.raises(GuardFailed) as info:
        unit.workflows.perform(request, note, "publish", {})
    assert info.value.code == "guard_failed"
    message, errors = info.value.rendered(request)
    assert message == "Fältet 'Text' måste fyllas i." and errors == {"guards": [message]}
    assert note.state == "draft" and note.history == ()
    assert unit.root.audit_log.chain("/notes/n1") == []


def test_who_may_not_is_refused_before_any_guard(unit):
    note = unit.note(body="Text")
    for login in ("anna", "clara", None):  # another officer, a clerk, anonymous
        with pytest.raises(NotAllowed) as info:
            unit.workflows.perform(unit.request(login), note, "publish", {})
        assert info.value.code == "not_allowed"
    assert note.state == "draft"


def test_unknown_and_unavailable_transitions_have_their_own_codes(unit):
    note = unit.note(body="Text")
    request = unit.request("olle")
    with pytest.raises(UnknownTransition) as unknown:
        unit.workflows.perform(request, note, "nope", {})
    unit.workflows.perform(request, note, "publish", {})
    with pytest.raises(NotAvailable) as again:
        unit.workflows.perform(request, note, "publish", {})
    assert (unknown.value.code, again.value.code) == ("unknown_transition", "not_available")
    assert again.value.rendered(request)[0] == "Övergången 'Publicera' är inte möjlig i läget 'Publicerad'."


def test_reasons_are_rendered_in_the_users_language(unit):
    note = unit.note(body="Text")
    request = unit.request("olle")
    unit.workflows.perform(request, note, "publish", {})
    request.locale_name = "en"
    with pytest.raises(NotAvailable) as info:
        unit.workflows.perform(request, note, "publish", {})
    # The state and transition titles come from the definition's English titles.
    assert "'Published'" in info.value.rendered(request)[0]


def test_a_comment_over_its_limit_is_refused(unit):
    note = unit.note(body="Text")
    with pytest.raises(InvalidData) as info:
        unit.workflows.perform(unit.request("olle"), note, "publish", {"comment": "x" * (COMMENT_MAX_LENGTH + 1)})
    assert "comment" in info.value.errors and note.state == "draft"


def test_start_in_files_an_object_in_a_state_with_its_evidence(unit):
    note = unit.note(body="Text")
    request = unit.request("clara")
    entry = unit.workflows.start_in(request, note, "public", comment="Importerad.",
                                    evidence={"file": "a.txt", "history": {"file": "a.txt"}})
    assert note.state == "public" and entry["action"] == "import" and entry["data"] == {"file": "a.txt"}
    (audited,) = unit.root.audit_log.chain("/notes/n1")
    assert audited["action"] == "import"
    assert audited["details"] == {"file": "a.txt", "from": "draft", "to": "public"}
    with pytest.raises(NotAvailable):
        unit.workflows.start_in(request, note, "nowhere", comment="", evidence={})


def test_any_content_event_reaches_both_subscribers(unit):
    note = unit.note(body="Text")
    request = unit.request("olle")
    note.data["title"] = "Om den nya bryggan"
    notify(request, ContentChanged, note, AuditAction.EDIT, {"changes": ["title"]})
    assert unit.root.audit_log.chain("/notes/n1")[-1]["details"] == {"changes": ["title"]}
    objects, _total = search(request, ["role:clerk"], text="bryggan")
    assert objects == [note]

"""An amendment changes only what the amended object's schema lets a user
edit, with values that schema accepts: checked at its submit and again when
applied, so the agreement's page never breaks (issue 10, item 5)."""
import pytest
from pyramid.traversal import find_resource

from partnership_cms.scripting import app_request

from .test_agreement import adopt_seed_case


def signed_agreement(api, seed_url):
    agreement = adopt_seed_case(api, seed_url)
    parties = api.get(agreement).json["parties"]
    api.transition(agreement, "sign", "clerk",
                   signatures=[{"party": p, "signed_on": "2026-10-10"} for p in parties])
    return agreement


def new_amendment(api, agreement, *changes):
    res = api.post("/amendments", {"title": "Ändring", "amends": agreement, "motivation": "M",
                                   "changes": list(changes)}, user="officer", status=201)
    return res.json["@id"].replace("http://localhost", "")


@pytest.mark.parametrize("change,field_title", [
    ({"field": "signatures", "operation": "replace", "text": "Ingen"}, "Underskrifter"),  # system
    ({"field": "ends_on", "operation": "replace", "text": "not-a-date"}, "Upphör att gälla"),  # system
    ({"field": "version", "operation": "replace", "text": "7"}, "Version"),  # system
    ({"field": "no_such_field", "operation": "replace", "text": "x"}, "no_such_field"),
    ({"field": "notice_months", "operation": "replace", "text": "sex"}, "Uppsägningstid (månader)"),
    ({"field": "notice_months", "operation": "insert", "text": "6"}, "Uppsägningstid (månader)"),
    ({"field": "termination_rule", "operation": "replace", "text": "never"}, "Uppsägningsregel"),
    ({"field": "title", "operation": "delete"}, "Rubrik"),  # required
    ({"field": "title", "operation": "replace", "text": "x" * 301}, "Rubrik"),  # too long
])
def test_an_amendment_changes_only_what_a_user_may_edit(app, api, seed_url, change, field_title):
    agreement = signed_agreement(api, seed_url)
    before = api.get(agreement).json
    amendment = new_amendment(api, agreement, {"field": "rights", "operation": "replace", "text": "Ok."}, change)
    offered = {t["id"] for t in api.get(amendment + "/@workflow", user="officer").json["transitions"]}
    assert "submit" not in offered and "withdraw" in offered
    res = api.transition(amendment, "submit", "officer", status=422)
    assert res.json["type"] == "GuardFailed"
    [reason] = res.json["errors"]["guards"]
    assert reason.startswith(f"Ändringen av {field_title} går inte att göra: "), reason
    assert api.get(amendment, user="officer").json["review_state"] == "draft"
    assert "amendments" not in api.get(agreement).json["links"]  # submit's action did not run
    api.get(amendment, user="officer")
    page = api.test.get(agreement, headers={"Accept": "text/html"})  # the public page stays whole
    assert before["title"] in page.text


def test_a_valid_amendment_is_applied(api, seed_url):
    agreement = signed_agreement(api, seed_url)
    amendment = new_amendment(api, agreement, {"field": "notice_months", "operation": "replace", "text": "12"},
                              {"field": "termination_rule", "operation": "replace", "text": "months"},
                              {"field": "other_terms", "operation": "delete"})
    api.transition(amendment, "submit", "officer")
    api.transition(amendment, "adopt", "ks_chair")
    api.transition(amendment, "apply", "clerk")
    doc = api.get(agreement).json
    assert (doc["version"], doc["notice_months"], doc["termination_rule"]) == (2, 12, "months")
    assert not doc.get("other_terms")


def test_applying_checks_the_changes_again(app, api, seed_url):
    """An amendment submitted before these rules (or tampered with) is refused when applied."""
    agreement = signed_agreement(api, seed_url)
    amendment = new_amendment(api, agreement, {"field": "rights", "operation": "replace", "text": "Ok."})
    api.transition(amendment, "submit", "officer")
    api.transition(amendment, "adopt", "ks_chair")
    with app_request(app.registry) as request:
        obj = find_resource(request.root, amendment)
        obj.data["changes"] = [{"field": "ends_on", "operation": "replace", "text": "not-a-date"}]
    before = api.get(agreement).json
    offered = {t["id"] for t in api.get(amendment + "/@workflow", user="clerk").json["transitions"]}
    assert "apply" not in offered
    res = api.transition(amendment, "apply", "clerk", status=422)
    assert "Upphör att gälla" in res.json["message"]
    after = api.get(agreement).json
    assert (after["version"], after.get("ends_on"), after.get("versions")) == (
        before["version"], before.get("ends_on"), before.get("versions"))
    assert api.get(amendment, user="clerk").json["review_state"] == "adopted"
    api.test.get(agreement, headers={"Accept": "text/html"}, status=200)

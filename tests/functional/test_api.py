"""The JSON API through the real app: creating and editing, reading, search
and who sees what, the workflow offer, errors, OpenAPI, CSRF and tokens."""
import re

import pytest

from conftest import browse, within_ks_mandate
from partnership_cms.api import serialize
from partnership_cms.content.models import Content, ContentFolder, Root
from partnership_cms.schema import get_schemas
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts

PROPOSAL = {
    "@type": "Proposal",
    "title": "Samverkan om lärarutbildning",
    "unit": "Kommunstyrelsens förvaltning",
    "decision_points": ["Avtalet godkänns."],
    "summary": "Kommunen och högskolan föreslås samverka.",
    "recipients": ["Södertörns högskola"],
}


def local(url):
    return url.replace("http://localhost", "")


def create(api, user="officer", **fields):
    res = api.post("/proposals", dict(PROPOSAL, **fields), user=user, status=201)
    return local(res.json["@id"])


def found(api, user=None, **params):
    """The paths a search as ``user`` returns."""
    res = api.get("/@search", user=user, b_size=100, **params)
    return [local(item["@id"]) for item in res.json["items"]]


def adopt(api, url):
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    api.transition(url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")


# -- creating and editing ------------------------------------------------------------
def test_create_answers_201_with_location_and_dnr(api):
    res = api.post("/proposals", PROPOSAL, user="officer", status=201)
    assert res.headers["Location"] == res.json["@id"]
    assert res.json["dnr"].startswith("KS-") and res.json["dnr"].endswith("/2")
    assert res.json["review_state"] == "draft" and res.json["creator"] == "officer"


def test_wrong_type_for_the_folder_is_400(api):
    body = dict(PROPOSAL, **{"@type": "Decision"})
    res = api.post("/proposals", body, user="officer", status=400)
    assert res.json["type"] == "BadRequest" and "Proposal" in res.json["message"]


@pytest.mark.parametrize("fields,invalid", [
    ({"nonsense": "x"}, {"nonsense"}),
    ({"dnr": "KS-2026/999"}, {"dnr"}),
    ({"title": "x" * 301}, {"title"}),
    ({"dated": "igår"}, {"dated"}),
    ({"title": "x" * 301, "dated": "2026-02-30"}, {"title", "dated"}),
])
def test_invalid_fields_are_422_with_a_message_per_field(api, fields, invalid):
    res = api.post("/proposals", dict(PROPOSAL, **fields), user="officer", status=422)
    assert res.json["type"] == "ValidationError"
    assert set(res.json["errors"]) == invalid
    assert all(isinstance(m, str) and m for m in res.json["errors"].values())


def test_patch_answers_with_the_changes(api):
    url = create(api)
    body = {"summary": "Ny sammanfattning.", "unit": PROPOSAL["unit"]}  # the unit is unchanged
    res = api.patch(url, body, user="officer")
    assert res.json["changes"] == [{"field": "summary", "old": PROPOSAL["summary"],
                                    "new": "Ny sammanfattning."}]
    assert res.json["summary"] == "Ny sammanfattning."


def test_patch_without_edit_permission_is_403(api, seed_url):
    url = create(api)
    for user in ("director", "clerk", "ks_member"):  # only the owner edits a draft
        res = api.patch(url, {"summary": "Nej."}, user=user, status=403)
        assert res.json["type"] == "Forbidden"
    api.patch(seed_url, {"summary": "Nej."}, user="officer", status=403)  # not after submitting
    assert api.patch(url, {"summary": "Nej."}, status=401).json["type"] == "Unauthorized"


# -- reading and searching ---------------------------------------------------------------
def test_get_returns_the_object_with_links(api, seed_url):
    doc = api.get(seed_url, user="ks_member").json
    assert doc["@id"] == "http://localhost" + seed_url
    assert doc["@type"] == "Proposal" and doc["id"] == seed_url.rsplit("/", 1)[1]
    assert doc["title"] and doc["review_state"] == "ks"
    assert local(doc["links"]["agreement"]).startswith("/agreements/")


def test_search_by_type_state_and_swedish_words(api, seed_url):
    url = create(api, title="Södertörns högskola och Älvsjö")
    for words in ("södertörns", "ÄLVSJÖ", "Södertörns Älvsjö", "högskola"):
        assert url in found(api, "officer", SearchableText=words)
    assert found(api, "officer", SearchableText="Ålidhem") == []
    assert found(api, "officer", portal_type="Proposal", review_state="ks") == [seed_url]
    assert url in found(api, "officer", portal_type="Proposal", review_state="draft")
    agreements = api.get("/@search", user="officer", portal_type="Agreement").json["items"]
    assert agreements and {i["@type"] for i in agreements} == {"Agreement"}


def test_search_pages_through_the_results(api):
    for n in range(4):
        create(api, title=f"Förslag {n}")
    everything = found(api, "officer", portal_type="Proposal")
    assert len(everything) == 5
    first = api.get("/@search", user="officer", portal_type="Proposal", b_size=2).json
    rest = api.get("/@search", user="officer", portal_type="Proposal", b_start=2, b_size=2).json
    assert first["items_total"] == rest["items_total"] == 5
    assert (rest["b_start"], rest["b_size"]) == (2, 2)
    assert [local(i["@id"]) for i in first["items"] + rest["items"]] == everything[:4]


def test_search_never_returns_what_the_caller_may_not_see(api):
    draft = create(api, title="Utkast om Älvsjö")
    assert draft in found(api, "officer", SearchableText="älvsjö")
    assert draft in found(api, "director", SearchableText="älvsjö")
    assert draft not in found(api, "ks_member", SearchableText="älvsjö")
    assert draft not in found(api, None, SearchableText="älvsjö")
    api.get(draft, user="ks_member", status=403)
    api.get(draft, status=401)

    public = create(api, title="Öppet beslut om Älvsjö")
    secret = create(api, title="Hemligt beslut om Älvsjö", confidential=True,
                    confidentiality_reference="OSL 19 kap. 1 §")
    adopt(api, public)
    adopt(api, secret)
    anonymous = found(api, None, SearchableText="älvsjö")
    assert public in anonymous and secret not in anonymous
    api.get(public)
    api.get(secret, status=401)


def test_workflow_offers_only_what_the_caller_may_do(api, seed_url):
    within_ks_mandate(api, seed_url)
    def offered(user):
        return {t["id"] for t in api.get(seed_url + "/@workflow", user=user).json["transitions"]}

    assert offered("ks_chair") == {
        "ks_propose", "ks_adopt", "ks_refer_back", "ks_table", "ks_reject"}
    assert offered("officer") == offered("director") == {"withdraw"}
    assert offered("ks_member") == offered("clerk") == set()


# -- errors ----------------------------------------------------------------------------------
def test_errors_are_json(api, seed_url):
    for path in ("/proposals/ks-1999-1", "/no-such-folder", seed_url + "/@no-such-view"):
        res = api.get(path, user="clerk", status=404)
        assert res.json["type"] == "NotFound" and res.json["message"]
    headers = {"Authorization": "Bearer " + api.login("officer"),
               "Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]"):
        res = api.test.post("/proposals", body, headers=headers, status=400)
        assert res.json["type"] == "BadRequest" and res.json["message"]


def test_an_unexpected_error_is_500_json_without_traceback(api, seed_url, monkeypatch):
    def broken(request, obj):
        raise RuntimeError("intern detalj som inte ska läcka")

    monkeypatch.setattr(serialize, "full", broken)
    res = api.get(seed_url, user="clerk", status=500)
    assert res.json["type"] == "InternalServerError" and res.json["message"]
    assert "intern detalj" not in res.text and "Traceback" not in res.text


def test_openapi_document_lists_every_path(app, api):
    doc = api.get("/@openapi.json").json
    assert doc["openapi"].startswith("3.1") and doc["info"]["title"] and doc["info"]["version"]
    schemas = doc["components"]["schemas"]
    containers = [s.container for s in get_schemas(app.registry).values()]
    assert {s.type_name for s in get_schemas(app.registry).values()} <= set(schemas)
    for path, operations in doc["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in {"get", "post", "patch", "put", "delete"}
            assert operation["responses"]
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert set(re.findall(r"{(\w+)}", path)) == declared, (method, path)
    refs = [r for r in _refs(doc) if r.startswith("#/components/schemas/")]
    assert refs and all(r.rsplit("/", 1)[1] in schemas for r in refs)

    # Every view of the JSON API is documented, with its method (HTML pages are not API).
    documented = set()
    for view in app.registry.introspector.get_category("views"):
        spec = view["introspectable"]
        if getattr(spec["callable"], "__module__", "") != "partnership_cms.api.views":
            continue
        context, name, methods = spec["context"], spec["name"], spec["request_methods"]
        methods = (methods,) if isinstance(methods, str) else methods
        if context is Root:
            paths = ["/" + name]
        elif context is ContentFolder and not name:
            paths = ["/" + c for c in containers]
        elif context is Content:
            paths = [f"/{c}/{{id}}" + (f"/{name}" if name else "") for c in containers]
            if name == "@workflow" and "POST" in methods:
                paths = [p + "/{transition}" for p in paths]
        else:
            continue  # exception views
        for path in paths:
            assert path in doc["paths"], path
            for method in methods:
                assert method.lower() in doc["paths"][path], (method, path)
            documented.add(path)
    assert {"/", "/@login", "/@search", "/@audit", "/proposals/{id}/@workflow"} <= documented


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# -- CSRF and tokens ---------------------------------------------------------------------------
def browser_session(app, login):
    """A session cookie for ``login`` from a real browser log-in (a forged signed
    cookie no longer logs in: the session must exist on the server), and its CSRF token."""
    browser = browse(app, login)
    token = browser.get("/login").html.select_one("input[name=csrf_token]")["value"]
    return "pcms_session", browser.cookies["pcms_session"], token


def test_cookie_requests_need_a_csrf_token_bearer_requests_do_not(app, api):
    api.login("officer")  # before the cookie: a log-in that carries a cookie needs a token too
    name, value, token = browser_session(app, "officer")
    api.test.set_cookie(name, value)
    draft = create(api)  # Bearer (with the cookie present too): no token needed
    api.test.get(draft, headers={"Accept": "application/json"}, status=200)  # the cookie logs in

    res = api.test.post("/proposals", {"title": "Formulär"}, status=400)  # a forged form
    assert res.json["type"] == "CSRFError"
    res = api.test.post_json("/proposals", PROPOSAL, status=400)
    assert res.json["type"] == "CSRFError"
    res = api.test.patch_json(draft, {"summary": "Ändrad"}, status=400)
    assert res.json["type"] == "CSRFError"
    res = api.test.post_json("/proposals", PROPOSAL, headers={"X-CSRF-Token": token}, status=201)
    assert res.json["creator"] == "officer"


def test_logout_revokes_the_token(api):
    draft = create(api)
    token = api.login("officer")
    api.post("/@logout", user="officer")
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    assert api.test.get(draft, headers=headers, status=401).json["type"] == "Unauthorized"
    api.test.post_json("/@logout", {}, headers=headers, status=401)


def test_tokens_of_inactive_users_stop_working(app, api):
    draft = create(api)
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        accounts.set_active(request, "officer", False)
    api.get(draft, user="officer", status=401)
    api.test.post_json("/@login", {"login": "officer", "password": "demo"}, status=401)


def test_wrong_password_and_unknown_user_look_the_same(api):
    wrong = api.test.post_json("/@login", {"login": "officer", "password": "fel"}, status=401)
    unknown = api.test.post_json("/@login", {"login": "okand", "password": "demo"}, status=401)
    assert wrong.json == unknown.json
    assert wrong.json["type"] == "Unauthorized"

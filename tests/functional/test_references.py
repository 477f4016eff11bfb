"""A reference names only what the user may view, and a forbidden object is
answered as if it did not exist (issue 10, item 4)."""
from .test_case_path import COMPLETE


def test_a_reference_to_what_the_user_may_not_view_is_refused_as_missing(api):
    res = api.post("/proposals", COMPLETE, user="clerk", status=201)  # the clerk's draft
    hidden = res.json["@id"].replace("http://localhost", "")
    api.get(hidden, user="officer", status=403)
    missing = hidden + "-finns-inte"

    answers = []
    for path in (hidden, missing):
        res = api.post("/amendments", {"title": "Ändring", "amends": path}, user="officer", status=422)
        answers.append((res.status_int, res.json["type"], res.json["errors"]["amends"].replace(path, "…")))
    assert answers[0] == answers[1]
    assert api.get("/amendments", user="clerk").json["items_total"] == 0

    # The same when editing, and on a typed reference.
    res = api.post("/agreements", {"title": "Avtal"}, user="officer", status=201)
    agreement = res.json["@id"].replace("http://localhost", "")
    res = api.patch(agreement, {"proposal": hidden}, user="officer", status=422)
    assert "proposal" in res.json["errors"]
    assert api.get(agreement, user="officer").json.get("proposal") in (None, "")
    # Who may view it may link it.
    api.patch(agreement, {"proposal": hidden}, user="clerk")

"""Four eyes: nobody gives themselves a role, the creator stays Owner, and
whoever submitted a case does not also approve it (issue 10, item 2)."""
import re

from conftest import browse

from .test_case_path import create_proposal


def transition_ids(page):
    """The transitions a document page offers (buttons and links to forms)."""
    return set(re.findall(r'name="name" value="(\w+)"', page.text)) | set(
        re.findall(r"/transition\?name=(\w+)", page.text))


def test_nobody_grants_themselves_a_role(api):
    url = create_proposal(api)
    res = api.post(url + "/@sharing", {"login": "director", "role": "Owner"}, user="director", status=403)
    assert res.json["message"] == "Du kan inte ge dig själv en roll."
    api.post(url + "/@sharing", {"login": "clerk", "role": "Adjuster"}, user="clerk", status=403)
    assert api.get(url + "/@sharing", user="clerk").json["local_roles"] == {"officer": ["Owner"]}
    api.patch(url, {"title": "Ändrat av direktören"}, user="director", status=403)


def test_the_creator_stays_owner(api):
    url = create_proposal(api)
    res = api.post(url + "/@sharing", {"login": "officer", "role": "Owner", "granted": False},
                   user="clerk", status=403)
    assert res.json["message"] == "Den som skapade dokumentet är alltid dess ägare."
    assert api.get(url + "/@sharing", user="clerk").json["local_roles"] == {"officer": ["Owner"]}
    # A colleague made Owner can be made one no more.
    api.post(url + "/@sharing", {"login": "ks_member", "role": "Owner"}, user="clerk")
    api.post(url + "/@sharing", {"login": "ks_member", "role": "Owner", "granted": False}, user="clerk")


def test_who_submitted_a_case_may_not_approve_it(app, api):
    url = create_proposal(api)
    api.post(url + "/@sharing", {"login": "director", "role": "Owner"}, user="clerk")  # by someone else
    api.transition(url, "submit", "director")
    offered = {t["id"] for t in api.get(url + "/@workflow", user="director").json["transitions"]}
    assert "approve" not in offered and "return" in offered
    res = api.transition(url, "approve", "director", status=422)
    reason = ("Du utförde själv 'Skicka till granskning' och får därför inte utföra "
              "'Signera tjänsteutlåtandet': det ska göras av någon annan.")
    assert res.json["errors"]["guards"] == [reason]
    assert api.get(url, user="director").json["review_state"] == "review"

    browser = browse(app, "director")
    offered = transition_ids(browser.get(url))
    assert "approve" not in offered and "return" in offered
    form = browser.get(url + "/transition", {"name": "approve"}).forms["transition-form"]
    page = form.submit("save", status=422)
    assert "Åtgärden kan inte utföras:" in page.text and "det ska göras av någon annan" in page.text

    # Returned and submitted again by its officer, the director may sign it.
    api.transition(url, "return", "director", comment="Officeren skickar in.")
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    assert [h["actor"] for h in api.get(url + "/@history", user="clerk").json] == [
        "director", "director", "officer", "director"]

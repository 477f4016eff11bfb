"""The document pages: each type laid out like its Swedish original, the
transitions the engine offers, transition forms, the history with its diff."""
import re

import webtest

from conftest import browse, within_ks_mandate

XSS = '<script>alert(1)</script> "quotes"'




def in_order(text, *parts):
    """Every part occurs in ``text``, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found != -1, f"{part!r} not found after {text[max(0, position - 80):position]!r}"
        position = found + len(part)


def transition_ids(page):
    """The transitions a document page offers: buttons and links to forms."""
    buttons = {f["name"].value for f in transition_buttons(page)}
    links = set(re.findall(r"/transition\?name=(\w+)", page.text))
    return buttons | links


def transition_buttons(page):
    forms = page.forms.values()
    return [f for f in forms if f.action.endswith("/transition") and "name" in f.fields]


def button(page, transition):
    return next(f for f in transition_buttons(page) if f["name"].value == transition)


def agreement_of(api, seed_url):
    url = api.get(seed_url, user="clerk").json["links"]["agreement"]
    return url.replace("http://localhost", "")


def new_draft(browser, title="Ny utredning", **fields):
    """A proposal created through the add form; returns its path."""
    form = browser.get("/proposals/add").forms["add-form"]
    form.set("title", title, index=0)  # sub-fields of lists are called title too
    for name, value in fields.items():
        form[name] = value
    res = form.submit("save", status=303)
    return res.location.replace("http://localhost", "").rstrip("/")


def test_proposal_reads_like_a_tjansteutlatande(app, seed_url):
    page = browse(app, "ks_chair").get(seed_url)
    text = page.text
    assert text.startswith("<!DOCTYPE html>")
    assert text.count("<h1") == 1
    in_order(text, "Tjänsteutlåtande", "Diarienummer", "KS-", "Ansvarig enhet",
             "Kommunstyrelsens förvaltning", "Daterad", "11 augusti 2021", "Förslag till beslut",
             "<ol>", "godk", "Sammanfattning", "Bakgrund", "Förvaltningens synpunkter",
             "Ekonomiska och juridiska konsekvenser", "Underskrifter", "Camilla Broo",
             "Kommundirektör", "Bilagor", "Bilaga</span> 1.", "Beslutet ska skickas till")
    assert "Läge:</span> Kommunstyrelsen" in text
    # Multi-paragraph text stays paragraphs.
    background = text[text.index("<h2>Bakgrund</h2>"):text.index("<h2>Förvaltningens")]
    assert background.count("<p>") > 5
    # Links: the agreement (bilaga 1), the history, the workflow diagram.
    assert page.html.find("a", href=re.compile(r"/agreements/agreement-\d+-1/$")) is not None
    assert f'href="http://localhost{seed_url}/history"' in text
    img = page.html.find("img", src=f"http://localhost{seed_url}/workflow.svg")
    assert img is not None and "nuvarande läge: Kommunstyrelsen" in img["alt"]
    assert "/edit" not in text  # KS may not edit the officer's report


def test_transitions_offered_as_the_engine_allows(app, api, seed_url):
    within_ks_mandate(api, seed_url)
    assert transition_ids(browse(app, "ks_member").get(seed_url)) == set()
    assert "Åtgärder du kan göra nu" not in browse(app, "ks_member").get(seed_url).text
    for user in ("ks_chair", "officer", "director", "clerk"):
        offered = {t["id"] for t in api.get(seed_url + "/@workflow", user=user).json["transitions"]}
        assert transition_ids(browse(app, user).get(seed_url)) == offered, user
    offered = transition_ids(browse(app, "ks_chair").get(seed_url))
    assert offered >= {"ks_propose", "ks_adopt", "ks_table"}


def test_propose_to_kf_with_meeting_date_and_votes(app, api, seed_url):
    browser = browse(app, "ks_chair")
    form = browser.get(seed_url).click(href="name=ks_propose").forms["transition-form"]
    form["date"] = "2026-10-01"
    form["decision_text"] = "Kommunstyrelsen föreslår att avtalet godkänns.\n\nAndra stycket."
    form["votes_yes"], form["votes_no"], form["votes_abstain"] = "9", "2", "2"
    form.set("member", "Kalle Ledamot (KS)", index=0)
    form.set("reason", "Avtalet är för vagt.", index=0)
    form.set("kind", "approve", index=0)
    form.set("mover", "Karin Ordförande (KS)", index=0)
    form.set("item", "Kalle Ledamot (KS)", index=0)  # the first justerare
    res = form.submit("save", status=303)
    page = res.follow()
    assert "Åtgärden ”Föreslå kommunfullmäktige” är utförd." in page.text
    assert "Läge:</span> Kommunfullmäktige" in page.text
    decision_link = page.html.find("a", href=re.compile(r"/decisions/ks-2026-p\d+/$"))
    assert decision_link is not None and "KS § 1" in decision_link.text

    decision = browser.get(decision_link["href"])
    in_order(decision.text, "Protokollsutdrag", "Kommunstyrelsen", "1 oktober 2026", "Paragraf",
             "§ 1", "Diarienummer", "Beslutsutfall", "Förslag till kommunfullmäktige",
             "<h2>Beslut</h2>", "<p>Kommunstyrelsen föreslår", "<p>Andra stycket.</p>",
             "Yrkanden", "Bifall", "Karin Ordförande (KS)", "Omröstning", "Ja-röster", "<td>9</td>",
             "Reservationer", "Kalle Ledamot (KS)", "Avtalet är för vagt.",
             "Justering och anslag", "Justerare", "Beslutet ska skickas till")
    assert "Läge:</span> Protokollförd" in decision.text
    assert api.get(seed_url, user="clerk").json["review_state"] == "kf"


def test_bad_date_rerenders_in_swedish_and_keeps_the_values(app, api, seed_url):
    browser = browse(app, "ks_chair")
    form = browser.get(seed_url + "/transition?name=ks_adopt").forms["transition-form"]
    form["date"] = "2026-02-30"
    form["decision_text"] = "Beslutet gäller."
    form["votes_yes"] = "7"
    form["votes_no"] = "sju"
    res = form.submit("save", status=422)
    assert "Ogiltigt datum" in res.text
    assert "inte ett nummer" in res.text  # colander's Swedish message for the vote count
    form = res.forms["transition-form"]
    assert form["date"].value == "2026-02-30"
    assert form["decision_text"].value == "Beslutet gäller."
    assert form["votes_yes"].value == "7"
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"  # nothing happened


def test_a_required_comment_is_asked_for_next_to_the_field(app, api, seed_url):
    browser = browse(app, "director")
    form = browser.get(seed_url).click(href="name=withdraw").forms["transition-form"]
    res = form.submit("save", status=422)
    assert res.html.find(id=re.compile("^error-")) is not None
    res.forms["transition-form"]["comment"] = "Ärendet utgår."
    res.forms["transition-form"].submit("save", status=303)
    assert api.get(seed_url, user="clerk").json["review_state"] == "withdrawn"


def test_guard_failure_is_shown_with_its_reason(app):
    browser = browse(app, "officer")
    path = new_draft(browser)
    page = browser.get(path)
    assert "submit" not in transition_ids(page)  # incomplete: the engine does not offer it
    res = browser.post(path + "/transition", {"name": "submit", "csrf_token": csrf(page)},
                       status=422)
    assert "Åtgärden kan inte utföras" in res.text
    alert = res.html.find(role="alert").text
    assert "Sammanfattning" in alert and "måste fyllas i" in alert
    assert browser.get(path).html.find(string=re.compile("Utkast")) is not None


def test_submit_button_sends_the_case_to_review(app, api):
    browser = browse(app, "officer")
    path = new_draft(browser, unit="Kommunstyrelsens förvaltning", summary="Kort sammanfattning.")
    form = browser.get(path + "/edit").forms["edit-form"]
    form.set("item", "Avtalet godkänns.", index=0)  # decision point
    form.set("item", "Södertörns högskola", index=2)  # recipient
    form.submit("save", status=303)
    page = browser.get(path)
    assert "submit" in transition_ids(page)
    res = button(page, "submit").submit(status=303)
    assert "Ärendet har skickats till granskning." in res.follow().text
    assert api.get(path, user="officer").json["review_state"] == "review"


def test_agreement_and_amendment_pages(app, api, seed_url):
    agreement = agreement_of(api, seed_url)
    page = browse(app, "officer").get(agreement)
    in_order(page.text, "Version</span> 1", "Parter", "Huddinge kommun", "Bakgrund och syfte",
             "Fokusområden", "<ol>", "Organisering och ledning", "Rättigheter", "Uppsägning",
             "Uppsägningsregel", "Till närmaste kalenderårsskifte", "Uppsägningstid (månader)", "6",
             "Övriga avtalspunkter")
    assert page.html.find("a", href=f"http://localhost{seed_url}/") is not None  # its proposal

    res = api.post("/amendments", {
        "title": "Tilläggsavtal 1", "amends": agreement, "mover": "Hanna Handläggare",
        "changes": [{"field": "rights", "operation": "replace",
                     "text": "Resultaten publiceras öppet.\n\nAlltid."}],
        "motivation": "Förtydligande.",
    }, user="officer", status=201)
    amendment = res.json["@id"].replace("http://localhost", "")
    page = browse(app, "officer").get(amendment)
    in_order(page.text, "Ändrar", agreement, "Förslagsställare", "Hanna Handläggare",
             "<h2>Ändringar</h2>", "<h3>Rättigheter</h3>", "Åtgärd:</span> Ersätt", "Ny lydelse",
             "<p>Resultaten publiceras öppet.</p>", "<p>Alltid.</p>", "<h2>Motivering</h2>",
             "Förtydligande.")


def test_earlier_agreement_versions_are_linked(app, api, seed_url):
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    agreement = agreement_of(api, seed_url)
    decision = api.get(seed_url, user="clerk").json["links"]["decisions"][-1].replace("http://localhost", "")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")  # approves the agreement
    parties = api.get(agreement).json["parties"]
    api.transition(agreement, "sign", "clerk",
                   signatures=[{"party": p, "signed_on": "2026-10-10"} for p in parties])
    change = {"field": "rights", "operation": "replace", "text": "Nytt."}
    res = api.post("/amendments", {"title": "Tillägg", "amends": agreement, "motivation": "M",
                                   "changes": [change]}, user="officer", status=201)
    amendment = res.json["@id"].replace("http://localhost", "")
    api.transition(amendment, "submit", "officer")
    api.transition(amendment, "adopt", "ks_chair")
    api.transition(amendment, "apply", "clerk")
    browser = webtest.TestApp(app)  # a signed agreement is public
    page = browser.get(agreement)
    in_order(page.text, "Version</span> 2", "Underskrifter", "10 oktober 2026",
             "Tidigare versioner", "Tillägg")
    old = page.click(href=r"\?version=1")
    assert "Du läser en tidigare version av avtalet." in old.text
    assert "Nytt." not in old.text and "Version</span> 1" in old.text
    assert "Åtgärder du kan göra nu" not in old.text


def test_history_shows_transitions_and_the_diff_of_an_edit(app):
    browser = browse(app, "officer")
    path = new_draft(browser, summary="Kommunen ska samverka med högskolan.")
    form = browser.get(path + "/edit").forms["edit-form"]
    form["summary"] = "Kommunen ska samverka nära med Södertörns högskola."
    form.submit("save", status=303)
    history = browser.get(path + "/history")
    in_order(history.text, "Skapades", "Hanna Handläggare", "Ändrade uppgifter", "Sammanfattning")
    hidden = '<span class="visually-hidden">'
    assert re.search(rf"<ins>{hidden}Tillagt:</span>[^<]*nära[^<]*</ins>", history.text)
    assert re.search(rf"<del>{hidden}Borttaget:</span>[^<]*högskolan\.</del>", history.text)


def test_history_of_the_seed_case_names_people_and_states(app, seed_url):
    history = browse(app, "auditor").get(seed_url + "/history")
    in_order(history.text, "Skapades", "Hanna Handläggare", "Skicka till granskning", "Från",
             "Utkast", "till", "Granskning", "Klart för granskning.", "Signera tjänsteutlåtandet",
             "Camilla Broo", "Kommunstyrelsen")


def test_user_text_is_escaped_everywhere(app):
    browser = browse(app, "officer")
    path = new_draft(browser, title=XSS, summary=XSS)
    for url in (path, path + "/history", path + "/edit", path + "/transition?name=withdraw"):
        text = browser.get(url).text
        assert "<script>alert(1)" not in text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, url
    page = browser.get(path)
    heading = page.html.find("h1")  # the case number, then the title, as text
    assert heading.find(class_="doc-number").text.startswith("KS-") and heading.text.endswith(" " + XSS)


def test_pages_need_view_permission(app, seed_url):
    draft = new_draft(browse(app, "officer"))
    browser = browse(app, "ks_member")
    for url in (draft, draft + "/history", draft + "/transition?name=submit"):
        assert "Du saknar behörighet" in browser.get(url, status=403).text
    assert "/login" in webtest.TestApp(app).get(draft, status=303).location


def csrf(page):
    return page.html.find("input", {"name": "csrf_token"})["value"]


def test_a_transition_the_user_may_not_perform_is_refused(app, api, seed_url):
    browser = browse(app, "ks_member")
    token = csrf(browser.get(seed_url))
    browser.post(seed_url + "/transition", {"name": "ks_adopt", "csrf_token": token}, status=403)
    browser.get(seed_url + "/transition?name=ks_adopt", status=403)
    browser.get(seed_url + "/transition?name=no_such_thing", status=404)
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"


def test_field_labels_follow_the_language(app, seed_url):
    browser = browse(app, "ks_chair")
    browser.set_cookie("_LOCALE_", "en")
    page = browser.get(seed_url)
    assert "<h2>Proposed decision</h2>" in page.text and "<h2>Summary</h2>" in page.text
    assert "Propose to the council" in page.text

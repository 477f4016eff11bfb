"""Pages for people never trained on them (issue 13): a blocked step says why
and where to act, irreversible steps ask first, forms say what is needed and
how long it may be, lists name themselves once, registers carry their column
names for small screens."""
import re

from conftest import browse, within_ks_mandate

from .test_document import csrf, new_draft, transition_ids


def blocked(page):
    """The disabled transition buttons: {title: (button, reason element)}."""
    found = {}
    for button in page.html.select("section.transitions button[disabled]"):
        found[button.text.strip()] = (button, page.html.find(id=button["aria-describedby"]))
    return found


def form_tag(form):
    """The <form> element of a WebTest form."""
    return form.html.find("form")


def adopted_by_ks(api, seed_url):
    """The seed case adopted by KS; returns the path of its KS decision (not justerat yet)."""
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    decision = api.get(seed_url, user="clerk").json["links"]["decisions"][-1]
    return decision.replace("http://localhost", "")


# -- blocked steps ----------------------------------------------------------------------
def test_an_incomplete_draft_shows_submit_disabled_with_the_field_to_fill(app, api):
    browser = browse(app, "officer")
    path = new_draft(browser)
    page = browser.get(path)
    assert "submit" not in transition_ids(page)  # not offered as a working button
    button, reason = blocked(page)["Skicka till granskning"]
    assert button.name == "button" and button.has_attr("disabled")
    assert "Fältet 'Sammanfattning' måste fyllas i." in reason.text
    link = reason.find("a", href=re.compile(r"/edit#field-summary$"))
    assert link is not None and link.text == "Fyll i Sammanfattning"
    # The link lands on the field itself.
    edit = browser.get(link["href"].replace("http://localhost", "").split("#")[0])
    assert edit.html.find(id="field-summary").name == "textarea"
    # The API keeps its list of what is offered and adds the blocked ones with the same words.
    state = api.get(path + "/@workflow", user="officer").json
    assert [t["id"] for t in state["transitions"]] == ["withdraw"]
    submit = next(t for t in state["blocked"] if t["id"] == "submit")
    assert "Fältet 'Sammanfattning' måste fyllas i." in submit["reasons"]
    refused = api.transition(path, "submit", "officer", status=422).json
    assert set(submit["reasons"]) <= set(refused["errors"]["guards"])


def test_dispatch_before_justering_links_to_the_decision(app, api, seed_url):
    decision = adopted_by_ks(api, seed_url)
    page = browse(app, "clerk").get(seed_url)
    _button, reason = blocked(page)["Expediera"]
    assert "är inte justerat" in reason.text
    link = reason.find("a")
    assert link["href"].endswith(decision + "/") and link.text.startswith("Gå till KS §")


def test_no_reason_link_for_someone_who_may_not_edit(app, api):
    officer = browse(app, "officer")
    path = new_draft(officer)
    director = browse(app, "director")
    page = director.get(path)
    _button, reason = blocked(page).get("Skicka till granskning", (None, None))
    assert reason is None  # submit is the owner's: the director is not shown it at all


# -- confirmation ------------------------------------------------------------------------
def test_close_asks_first_and_needs_confirmed(app, api, seed_url):
    decision = adopted_by_ks(api, seed_url)
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-02")
    api.transition(seed_url, "dispatch", "clerk", dispatched_on="2026-10-03")
    browser = browse(app, "clerk")
    page = browser.get(seed_url)
    form = next(f for f in page.forms.values() if "name" in f.fields and f["name"].value == "close")
    assert form_tag(form)["data-confirm"].startswith("Är du säker? Ärendet avslutas och arkiveras.")
    # Without JavaScript the button posts without "confirmed": the page asks, nothing changes.
    asked = form.submit()
    assert asked.status_int == 200
    assert "Är du säker?" in asked.html.find(id="confirm-question").text
    assert api.get(seed_url, user="clerk").json["review_state"] == "dispatched"
    # The confirmation page's own button carries "confirmed".
    confirm_form = asked.forms["transition-form"]
    assert confirm_form["confirmed"].value == "1"
    confirm_form.submit("save", status=303)
    assert api.get(seed_url, user="clerk").json["review_state"] == "closed"


def test_confirmation_page_by_get_and_destructive_look(app, seed_url):
    browser = browse(app, "director")
    page = browser.get(seed_url + "/transition?name=withdraw")
    assert "Är du säker?" in page.html.find(id="confirm-question").text
    assert "btn destructive" in str(page.html.find("button", {"name": "save"}))
    # On the document page the destructive step looks apart.
    link = browser.get(seed_url).html.find("a", href=re.compile(r"transition\?name=withdraw"))
    assert "destructive" in link["class"]
    # A bare POST (a crafted request, no "confirmed") does nothing.
    res = browser.post(seed_url + "/transition", {"name": "withdraw", "comment": "Bort.",
                                                  "csrf_token": csrf(page)})
    assert res.status_int == 200 and "Är du säker?" in res.text
    assert "Återtagen" not in browser.get(seed_url).html.find(class_="doc-type").text


def test_a_safe_step_posts_at_once(app):
    browser = browse(app, "officer")
    path = new_draft(browser, unit="Enheten", summary="Kort.")
    form = browser.get(path + "/edit").forms["edit-form"]
    form.set("item", "Avtalet godkänns.", index=0)
    form.set("item", "Södertörns högskola", index=2)
    form.submit("save", status=303)
    page = browser.get(path)
    submit = next(f for f in page.forms.values() if "name" in f.fields and f["name"].value == "submit")
    assert not form_tag(submit).has_attr("data-confirm")
    submit.submit(status=303)


# -- forms ----------------------------------------------------------------------------------
def test_add_form_marks_required_and_later_needed_fields(app):
    page = browse(app, "officer").get("/proposals/add")
    title = page.html.find(id="field-title")
    assert title["aria-required"] == "true" and title["maxlength"] == "300"
    assert page.html.find(id="mark-field-title").text == "obligatoriskt"
    summary = page.html.find(id="field-summary")
    assert "aria-required" not in summary.attrs
    assert page.html.find(id="mark-field-summary").text == "behövs senare"
    assert "mark-field-summary" in summary["aria-describedby"]
    legend = page.html.find(class_="form-legend").text
    assert "måste fyllas i" in legend and "innan ärendet skickas vidare" in legend
    assert "Högst 300 tecken." in page.html.find(id="help-field-title").text


def test_a_too_long_title_is_refused_in_characters(app):
    browser = browse(app, "officer")
    form = browser.get("/proposals/add").forms["add-form"]
    form.set("title", "x" * 301, index=0)
    res = form.submit("save", status=422)
    assert "Högst 300 tecken." in res.html.find(id="error-field-title").text


def test_lists_are_named_once_with_add_and_remove_for_javascript(app, api, seed_url):
    page = browse(app, "officer").get("/proposals/add")
    legends = [le for le in page.html.find_all("legend") if "Beslutet ska skickas till" in le.text]
    assert len(legends) == 1
    assert page.html.find("main").get_text().count("Beslutet ska skickas till") == 1  # said once
    assert page.html.select(".deform-seq button.seq-add[hidden]")
    assert page.html.select(".deform-seq-item button.seq-remove[hidden]")
    assert page.html.select_one(".deform-proto")["prototype"]
    assert "<script" not in page.html.find("main").decode()  # the CSP allows no inline script
    # A list of groups (signatures): the list's name once, no title per row.
    clerk = browse(app, "clerk")
    agreement = api.get(seed_url, user="clerk").json["links"]["agreement"].replace("http://localhost", "")
    decision = adopted_by_ks(api, seed_url)
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-02")  # approves the agreement
    sign = clerk.get(agreement + "/transition?name=sign", status=200)
    assert sign.html.find("form", id="transition-form").text.count("Underskrifter") == 1


def test_rare_fields_are_folded_away(app):
    page = browse(app, "officer").get("/proposals/add")
    details = page.html.find("details", class_="rare-fields")
    assert details is not None and not details.has_attr("open")
    assert details.find(attrs={"name": "confidential"}) is not None
    assert details.find(id="field-attachments") is not None
    assert "Sekretessmarkerad" in details.summary.text
    assert page.html.find(id="field-summary").find_parent("details") is None


def test_the_javascript_is_a_static_file(app):
    browser = browse(app, "officer")
    page = browser.get("/proposals/add")
    script = page.html.find("script", src=True)
    js = browser.get(script["src"].replace("http://localhost", ""))
    assert "seq-add" in js.text and "data-confirm" in js.text


# -- small screens --------------------------------------------------------------------------
def test_register_cells_name_their_column(app):
    page = browse(app, "clerk").get("/proposals")
    table = page.html.find("table", class_="stacked")
    headers = [th.text.strip() for th in table.thead.find_all("th")]
    cells = table.tbody.tr.find_all("td")
    assert [td["data-label"] for td in cells] == headers
    start = browse(app, "ks_chair").get("/")
    assert all(td.has_attr("data-label") for td in start.html.select("table.stacked td"))

"""The seed case's journey through the real UI in headless Chromium, each step
by the right demo user, with axe-core (WCAG 2.1 A/AA) on every kind of page.
"""
import re

import pytest

pytestmark = pytest.mark.browser


def follow(locator):
    """Click a link or button that loads a page, and wait for that page."""
    with locator.page.expect_navigation():
        locator.click()


def test_login_start_and_error_pages(page, login, logout, axe, shot):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "sv"
    axe(page, "login")
    shot(page, "login")

    # A wrong password: the same words whether the user exists or not, announced.
    page.get_by_label("Användarnamn").fill("officer")
    page.get_by_label("Lösenord").fill("fel")
    follow(page.locator("main form").get_by_role("button", name="Logga in"))
    assert page.get_by_role("alert").inner_text() == "Fel användarnamn eller lösenord."
    axe(page, "login with error")

    page.goto("/finns-inte")
    assert page.get_by_role("heading", level=1).inner_text() == "Sidan finns inte"
    axe(page, "404")
    shot(page, "404")

    login(page, "officer")
    assert page.get_by_role("link", name="Mina uppgifter").is_visible()
    axe(page, "start page (officer)")
    shot(page, "start-officer")

    # Logged in without the right: told so (403), offered another log-in.
    response = page.goto("/@audit")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Du saknar behörighet"
    assert page.get_by_role("link", name="Logga in som en annan användare").is_visible()
    axe(page, "403")
    shot(page, "403")

    logout(page)
    page.goto("/")
    axe(page, "start page (anonymous)")


def test_language_switch_to_english(page, login, axe):
    page.goto("/login")
    follow(page.get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    axe(page, "login (English)")
    follow(page.get_by_role("link", name="Svenska"))
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in"


def test_registers_and_admin(page, login, axe, shot):
    login(page, "clerk")
    for label, path in [("Ärenden", "/proposals"), ("Beslut", "/decisions"),
                        ("Avtal", "/agreements"), ("Ändringar", "/amendments")]:
        follow(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=label))
        assert page.url.endswith(path)
        assert page.get_by_role("heading", level=1).inner_text() == label
        axe(page, f"register {path}")
    page.goto("/proposals")
    shot(page, "register-proposals")

    login(page, "admin")
    follow(page.get_by_role("link", name="Administration"))
    axe(page, "admin: users")
    shot(page, "admin-users")
    follow(page.get_by_role("link", name="officer", exact=True))
    axe(page, "admin: one user")


# -- the seed case's journey ------------------------------------------------------------

NEW_CASE = "Samverkan om feriejobb med Södertörns högskola"


def main(pg):
    return pg.locator("main")


def state_of(pg):
    """The state shown on a document page ('Läge: Granskning' -> 'Granskning')."""
    return main(pg).locator(".doc-type .state").inner_text().split(":", 1)[1].strip()


def flash(pg):
    return main(pg).locator(".flash").inner_text().strip()


def open_task(pg, heading, title):
    """From 'Mina uppgifter', open the document ``title`` in the worklist group ``heading``."""
    pg.goto("/")
    group = main(pg).locator("section.worklist").filter(
        has=pg.get_by_role("heading", level=2, name=heading))
    assert group.count() == 1, f"no worklist group {heading!r}: {main(pg).inner_text()}"
    follow(group.get_by_role("link", name=title))
    # The heading: the document's number ("KS-2026/2", "KS § 3"), if any, then its title.
    text = main(pg).get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(r"(?:\S+(?: § \d+)? )?" + re.escape(title), text), text


def act(pg, title):
    """Start the transition ``title`` on a document page: a button, or a link to its form."""
    actions = main(pg).locator("section.transitions")
    control = actions.get_by_role("button", name=title, exact=True).or_(
        actions.get_by_role("link", name=title, exact=True))
    assert control.count() == 1, f"{title!r} is not offered: {actions.all_inner_texts()}"
    follow(control)


def submit_form(pg, button):
    follow(main(pg).locator("form.deform").get_by_role("button", name=button, exact=True))
    alert = main(pg).locator(".alert, .error, .errorMsg")
    assert not alert.count(), f"the form was refused: {alert.all_inner_texts()}"


def fill_decision(pg, yes, no, abstain=0, text=None):
    """The decision data of a KS/KF transition form (meeting date is today by default)."""
    form = main(pg).locator("form.deform")
    assert form.get_by_label("Sammanträdesdatum").input_value(), "meeting date has no default"
    if text:
        form.get_by_label("Beslut", exact=True).fill(text)
    form.get_by_label("Ja-röster").fill(str(yes))
    form.get_by_label("Nej-röster").fill(str(no))
    form.get_by_label("Avstår").fill(str(abstain))


def test_journey_from_new_proposal_to_dispatch_and_audit(page, live_server, login, axe, shot):
    pg = page

    # The officer: "Mina uppgifter", a new proposal through the add form, edited, submitted.
    login(pg, "officer")
    assert main(pg).get_by_role("heading", level=1).inner_text() == "Mina uppgifter"
    follow(pg.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ärenden"))
    follow(main(pg).get_by_role("link", name="Nytt ärende"))
    axe(pg, "add form")
    shot(pg, "add-form")
    # Sent empty first: deform's errors, in Swedish, next to the fields.
    follow(main(pg).locator("form.deform").get_by_role("button", name="Skapa", exact=True))
    assert "Det uppstod problem med ditt formulär" in main(pg).inner_text()
    assert "Krävd" in main(pg).inner_text()
    axe(pg, "add form with errors")
    shot(pg, "add-form-errors")
    form = main(pg).locator("form.deform")
    form.get_by_label("Rubrik", exact=True).fill(NEW_CASE)
    form.get_by_label("Ansvarig enhet").fill("Kommunstyrelsens förvaltning")
    form.get_by_label("Förslag till beslut").first.fill("Avtalet om feriejobb godkänns.")
    form.get_by_label("Sammanfattning").fill("Kommunen och högskolan erbjuder feriejobb.")
    form.get_by_label("Beslutet ska skickas till").first.fill("Södertörns högskola")
    submit_form(pg, "Skapa")
    # The heading names the new case number before the title.
    assert re.fullmatch(r"KS-2026/\d+ " + re.escape(NEW_CASE), main(pg).get_by_role("heading", level=1).inner_text())
    assert "har skapats" in flash(pg)
    assert state_of(pg) == "Utkast"
    new_case_url = pg.url
    axe(pg, "document: proposal (draft)")

    follow(main(pg).get_by_role("link", name="Redigera"))
    axe(pg, "edit form")
    shot(pg, "edit-form")
    main(pg).locator("form.deform").get_by_label("Bakgrund").fill("Ett försök sommaren 2026.")
    submit_form(pg, "Spara")
    assert flash(pg) == "Ändringarna är sparade."

    act(pg, "Skicka till granskning")
    assert flash(pg) == "Ärendet har skickats till granskning."
    assert state_of(pg) == "Granskning"

    # The director signs it from "Att signera".
    login(pg, "director")
    open_task(pg, "Att signera", NEW_CASE)
    act(pg, "Signera tjänsteutlåtandet")
    assert state_of(pg) == "Kommunstyrelsen"
    assert pg.url.rstrip("/") == new_case_url.rstrip("/")

    # The seed case (already before KS): the KS chair proposes it to KF.
    login(pg, "ks_chair")
    axe(pg, "start page (KS chair)")
    shot(pg, "start-ks-chair")
    seed = main(pg).locator("section.worklist").filter(
        has=pg.get_by_role("heading", level=2, name="Inför kommunstyrelsen"))
    seed_link = seed.get_by_role("link").filter(has_not_text=NEW_CASE).first
    seed_title = seed_link.inner_text().strip()
    follow(seed_link)
    seed_url = pg.url
    assert state_of(pg) == "Kommunstyrelsen"
    axe(pg, "document: proposal (KS)")
    shot(pg, "document-proposal")
    act(pg, "Föreslå kommunfullmäktige")
    assert main(pg).get_by_role("heading", level=1).inner_text() == "Föreslå kommunfullmäktige"
    axe(pg, "transition form (KS propose)")
    shot(pg, "transition-form")
    fill_decision(pg, yes=9, no=4, text="Kommunstyrelsen föreslår att avtalet godkänns.")
    submit_form(pg, "Föreslå kommunfullmäktige")
    assert pg.url.rstrip("/") == seed_url.rstrip("/")
    assert state_of(pg) == "Kommunfullmäktige"

    # The KF chair adopts it.
    login(pg, "kf_chair")
    open_task(pg, "Inför kommunfullmäktige", seed_title)
    act(pg, "Bifall (kommunfullmäktige)")
    fill_decision(pg, yes=49, no=12, abstain=0)
    submit_form(pg, "Bifall (kommunfullmäktige)")
    assert state_of(pg) == "Beslutad"

    # ... and justifies the KF decision, on the decision's own page.
    decisions = main(pg).locator("dl.facts").get_by_role("link").filter(has_text="KF §")
    assert decisions.count() == 1, main(pg).inner_text()
    follow(decisions)
    decision_url = pg.url
    assert state_of(pg) == "Protokollförd"
    axe(pg, "document: decision")
    shot(pg, "document-decision")
    act(pg, "Justera protokollet")
    submit_form(pg, "Justera protokollet")
    assert pg.url.rstrip("/") == decision_url.rstrip("/")
    assert state_of(pg) == "Justerad"

    # The clerk posts the decision and dispatches the proposal.
    login(pg, "clerk")
    pg.goto(decision_url)
    act(pg, "Anslå på anslagstavlan")
    submit_form(pg, "Anslå på anslagstavlan")
    assert state_of(pg) == "Anslagen"
    assert "överklagas" in main(pg).inner_text()
    open_task(pg, "Att expediera", seed_title)
    act(pg, "Expediera")
    submit_form(pg, "Expediera")
    assert pg.url.rstrip("/") == seed_url.rstrip("/")
    assert state_of(pg) == "Expedierad"
    shot(pg, "document-proposal-dispatched")

    # The case's history and workflow pages.
    follow(main(pg).get_by_role("link", name="Historik"))
    history = main(pg).inner_text()
    for step in ("Skicka till granskning", "Signera tjänsteutlåtandet", "Föreslå kommunfullmäktige",
                 "Bifall (kommunfullmäktige)", "Expediera"):
        assert step in history, step
    axe(pg, "history")
    shot(pg, "history")
    pg.goto(seed_url)
    follow(main(pg).get_by_role("link", name="Arbetsflödet beskrivet i text"))
    axe(pg, "workflow diagram page")
    shot(pg, "workflow")
    svg = pg.request.get(seed_url.rstrip("/") + "/workflow.svg")
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")

    # The agreement attached to the seed case.
    pg.goto(seed_url)
    follow(main(pg).locator("dt:text-is('Avtal (bilaga)') + dd a"))
    assert main(pg).locator(".doc-type").inner_text().startswith("Avtal")
    axe(pg, "document: agreement")
    shot(pg, "document-agreement")

    # The auditor verifies the whole chain.
    login(pg, "auditor")
    follow(pg.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Granskning"))
    axe(pg, "audit view")
    follow(main(pg).get_by_role("button", name="Verifiera kedjan"))
    result = main(pg).locator("#verification")
    assert "Kedjan är hel." in result.inner_text(), result.inner_text()
    axe(pg, "audit view (verified)")
    shot(pg, "audit-verified")


def test_amendment_add_form_and_page(page, login, axe, shot):
    """The fourth document type: the clerk proposes an amendment to the seed agreement."""
    pg = page
    login(pg, "clerk")
    follow(pg.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ändringar"))
    follow(main(pg).get_by_role("link", name="Ny ändring"))
    axe(pg, "add form (amendment: choices, references, rows of fields)")
    form = main(pg).locator("form.deform")
    form.get_by_label("Rubrik", exact=True).fill("Tydligare syfte")
    amends = form.get_by_label("Ändrar")
    options = amends.locator("option").all_inner_texts()
    agreement = next(o for o in options if "partnerskap" in o.lower())
    amends.select_option(label=agreement)
    form.get_by_label("Avsnitt (fält)").first.fill("purpose")
    form.get_by_label("Åtgärd").first.select_option(label="Ersätt")
    form.get_by_label("Ny lydelse").first.fill("Parterna samverkar om utbildning och forskning.")
    form.get_by_label("Motivering").fill("Syftet blir tydligare.")
    submit_form(pg, "Skapa")
    assert main(pg).get_by_role("heading", level=1).inner_text() == "Tydligare syfte"
    axe(pg, "document: amendment")
    shot(pg, "document-amendment")

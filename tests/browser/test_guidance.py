"""Issue 13 in Chromium: a blocked step explains itself, irreversible steps ask
first (with and without JavaScript), list rows are added and removed without
saving, and the registers and document pages pass axe at 390 px."""
import pytest

from .test_journey import follow, main, submit_form

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def state_text(pg):
    return main(pg).locator(".doc-type .state").inner_text()


def list_field(form, legend):
    return form.locator("fieldset.list-field").filter(has=form.page.locator("legend", has_text=legend))


def new_amendment(pg, title):
    """The clerk's amendment to the seed agreement, through the add form."""
    pg.goto("/amendments/add")
    form = main(pg).locator("form.deform")
    form.get_by_label("Rubrik", exact=True).fill(title)
    amends = form.get_by_label("Ändrar")
    options = amends.locator("option").all_inner_texts()
    amends.select_option(label=next(o for o in options if "partnerskap" in o.lower()))
    form.get_by_label("Motivering").fill("Syftet blir tydligare.")
    submit_form(pg, "Skapa")
    assert main(pg).get_by_role("heading", level=1).inner_text() == title


def test_blocked_step_explained_and_a_row_added_with_javascript(page, login, axe):
    pg = page
    login(pg, "officer")
    pg.goto("/proposals/add")
    form = main(pg).locator("form.deform")
    form.get_by_label("Rubrik", exact=True).fill("Avtal om praktikplatser")
    recipients = list_field(form, "Beslutet ska skickas till")
    rows = recipients.locator(".deform-seq-item")
    before = rows.count()
    # JavaScript: a new row without saving, and a row removed.
    recipients.get_by_role("button", name="Lägg till rad").click()
    assert rows.count() == before + 1
    rows.nth(before).get_by_role("textbox").fill("Tredje mottagaren")
    rows.nth(0).get_by_role("textbox").fill("Första mottagaren")
    rows.nth(1).get_by_role("button", name="Ta bort rad").click()
    assert rows.count() == before
    axe(pg, "add form with an added row")
    submit_form(pg, "Skapa")
    text = main(pg).inner_text()
    assert "Första mottagaren" in text and "Tredje mottagaren" in text

    # The draft lacks what submit needs: the button is there, disabled, with the guard's words.
    button = main(pg).get_by_role("button", name="Skicka till granskning")
    assert button.is_disabled()
    why = pg.locator("#" + button.get_attribute("aria-describedby"))
    assert "Fältet 'Sammanfattning' måste fyllas i." in why.inner_text()
    axe(pg, "document with a blocked step")
    follow(why.get_by_role("link", name="Fyll i Sammanfattning"))
    assert pg.url.endswith("/edit#field-summary")
    assert pg.locator("#field-summary").is_visible()


def test_confirmation_with_javascript(page, login):
    pg = page
    login(pg, "clerk")
    new_amendment(pg, "Ändring som återtas")
    withdraw = main(pg).locator("section.transitions").get_by_role("button", name="Återta", exact=True)
    asked = []
    pg.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    withdraw.click()
    pg.wait_for_timeout(300)
    assert asked and asked[0].startswith("Är du säker?")
    assert state_text(pg).endswith("Utkast")  # dismissed: nothing happened
    pg.once("dialog", lambda dialog: dialog.accept())
    follow(withdraw)
    assert state_text(pg).endswith("Återtagen")


def test_confirmation_without_javascript(browser, live_server, login, axe):
    context = browser.new_context(base_url=live_server, locale="sv-SE", java_script_enabled=False)
    try:
        pg = context.new_page()
        login(pg, "clerk")
        new_amendment(pg, "Ändring som återtas utan skript")
        follow(main(pg).locator("section.transitions").get_by_role("button", name="Återta", exact=True))
        assert "Är du säker?" in main(pg).locator("#confirm-question").inner_text()
        follow(main(pg).locator("form.deform").get_by_role("button", name="Återta", exact=True))
        assert state_text(pg).endswith("Återtagen")
    finally:
        context.close()


def test_phone_width_registers_and_documents(page, login, axe):
    pg = page
    pg.set_viewport_size(PHONE)
    login(pg, "clerk")
    for path in ("/", "/proposals", "/decisions", "/agreements", "/amendments"):
        pg.goto(path)
        axe(pg, f"390 px: {path}")
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    pg.goto("/proposals")
    first = main(pg).locator("table.stacked tbody tr").first
    assert first.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content") != "none"
    follow(first.get_by_role("link").first)
    axe(pg, "390 px: document")
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    pg.goto("/proposals/add")
    axe(pg, "390 px: add form")

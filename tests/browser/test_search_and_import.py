"""Swedish search and the import preview in headless Chromium, with axe-core."""
import os

import pytest

pytestmark = pytest.mark.browser

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "importer", "data")


def follow(locator):
    with locator.page.expect_navigation():
        locator.click()


@pytest.mark.parametrize("query", ["södertörn", "hogskolan"])
def test_swedish_search_finds_the_seed_case(page, login, axe, shot, query):
    login(page, "clerk")
    follow(page.locator("header nav").get_by_role("link", name="Sök"))
    page.get_by_label("Sökord").fill(query)
    follow(page.locator("main form").get_by_role("button", name="Sök"))
    results = page.locator("ol.results li")
    assert results.count() >= 1
    assert "Södertörns högskola" in results.first.inner_text()
    assert page.locator("ol.results mark").count() >= 1
    assert page.locator("nav.facets").is_visible()
    axe(page, f"search ({query})")
    shot(page, f"search-{query}")


def test_import_preview_then_confirm(page, login, axe, shot):
    login(page, "clerk")
    page.goto("/import")
    page.set_input_files("#import-file", os.path.join(DATA, "utlatande_ocr.txt"))
    follow(page.locator("#import-form").get_by_role("button", name="Importera"))
    preview = page.locator("#import-preview")
    assert "Inget är registrerat ännu" in preview.inner_text()
    axe(page, "import preview")
    shot(page, "import-preview")
    follow(page.get_by_role("button", name="Registrera dokumentet"))
    assert "/proposals/" in page.locator("#import-result a").first.get_attribute("href")
    axe(page, "import result")

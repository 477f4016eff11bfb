"""A bilaga as a file in headless Chromium: a clerk uploads a PDF to the seed
case's bilaga 1 through the document page's form, sees it listed, downloads
the same bytes; axe-core finds nothing on the page."""
import datetime
import hashlib
import re

import pytest
from weasyprint import HTML

pytestmark = pytest.mark.browser

SEED = f"/proposals/ks-{datetime.date.today().year}-1"


def small_pdf():
    """A real one-page PDF, made the way the protocols are (WeasyPrint)."""
    return HTML(string="<html lang='sv'><body><h1>Avtal om samverkan</h1>"
                       "<p>Södertörns högskola och Huddinge kommun.</p></body></html>").write_pdf()


def test_a_clerk_uploads_and_downloads_a_pdf_bilaga(page, login, axe, shot, tmp_path):
    pdf = small_pdf()
    path = tmp_path / "Avtal om samverkan.pdf"
    path.write_bytes(pdf)
    login(page, "clerk")
    page.goto(SEED)
    section = page.locator("#attachments")
    bilaga_1 = section.locator("li", has_text=re.compile(r"Bilaga\s*1\."))
    assert "Filen saknas" in bilaga_1.inner_text()
    axe(page, "document with bilagor to fill")

    bilaga_1.get_by_label("Filen saknas – ladda upp").set_input_files(str(path))
    with page.expect_navigation():
        bilaga_1.get_by_role("button", name="Ladda upp", exact=True).click()

    assert "Filen Avtal om samverkan.pdf har laddats upp." in page.locator("main").inner_text()
    bilaga_1 = page.locator("#attachments li", has_text=re.compile(r"Bilaga\s*1\."))
    facts = bilaga_1.locator(".file-facts").inner_text()
    assert "PDF" in facts and "kB" in facts and "uppladdad av" in facts
    link = bilaga_1.get_by_role("link", name="Avtal om samverkan.pdf")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Avtal om samverkan.pdf"
    with open(download.path(), "rb") as f:
        downloaded = f.read()
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(pdf).hexdigest()
    assert downloaded == pdf
    axe(page, "document with an uploaded bilaga")
    shot(page, "bilaga-uploaded")

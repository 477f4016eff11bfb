"""HTML + the print stylesheet -> PDF/A (WeasyPrint), fetching nothing from outside.

Protocols are kept for ever (arkivlagen), so they are written as PDF/A-2u:
PDF/A-2 is what Riksarkivet's e-arkiv and the FGS packages accept (PDF/A-3
may carry embedded files of any kind, which archives refuse), and level U
maps every glyph to Unicode, so the archived text stays searchable and
copyable. The fonts are Debian's DejaVu/Liberation (``make packages``),
embedded by WeasyPrint as PDF/A requires.

WeasyPrint would fetch any URL a page names (a stylesheet, an image);
``StaticOnlyFetcher`` serves our own static files from disk and refuses
everything else, so rendering never makes a network request.
"""
from __future__ import annotations

import mimetypes
import os
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")
PRINT_CSS = os.path.join(STATIC_DIR, "print.css")
# See the module docstring for why A-2u.
PDF_VARIANT = "pdf/a-2u"


class FetchRefused(ValueError):
    """A URL outside our static files (WeasyPrint logs it and leaves the resource out)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files below ``static/`` (by ``file:`` path or under ``static_url``); refuses the rest.

    ``refused`` lists what was asked for and refused (tests read it)."""

    def __init__(self, static_url: str | None = None, static_dir: str = STATIC_DIR):
        super().__init__(allowed_protocols=("file", "http", "https"))
        self.static_url = static_url.rstrip("/") + "/" if static_url else None
        self.static_dir = os.path.realpath(static_dir)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise FetchRefused(f"refused to fetch {url}: only the application's static files")
        with open(path, "rb") as f:
            body = f.read()
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    def _local_path(self, url: str) -> str | None:
        """The file below ``static_dir`` that ``url`` names, or None."""
        relative = None
        if url.startswith("file:"):
            relative = os.path.relpath(unquote(urlsplit(url).path), self.static_dir)
        elif self.static_url and url.startswith(self.static_url):
            relative = unquote(urlsplit(url[len(self.static_url):]).path)
        if relative is None:
            return None
        path = os.path.realpath(os.path.join(self.static_dir, relative))
        # realpath resolves '..' and links: what lands outside static/ is refused.
        if not path.startswith(self.static_dir + os.sep) or not os.path.isfile(path):
            return None
        return path


def render_pdf(html: str, static_url: str | None = None, stylesheet: str = PRINT_CSS,
               fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF/A-2u bytes of ``html`` (a whole page, ``<html lang="sv">`` with its
    ``<title>`` and ``<meta name="author">``, which become the PDF's metadata),
    laid out with the print ``stylesheet``. ``static_url`` is where the page's
    links to our static files begin (``request.static_url`` of the folder)."""
    fetcher = fetcher or StaticOnlyFetcher(static_url)
    document = HTML(string=html, base_url=static_url or STATIC_DIR + os.sep, url_fetcher=fetcher)
    css = CSS(filename=stylesheet, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[css], pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf

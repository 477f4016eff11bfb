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

A 30-paragraph protocol takes seconds of CPU to lay out, and anyone may ask
for a posted one; ``render_pdf`` keeps the last PDFs it made (``PdfCache``)
keyed by the SHA-256 of their HTML, so a PDF is laid out again only when its
text changed (a correction, a signature, the anslagsbevis) or it fell out.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from collections import OrderedDict
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


class PdfCache:
    """The most recently used PDFs of one process, at most ``max_bytes`` in all."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pdfs: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # waitress serves from several threads

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            pdf = self._pdfs.get(key)
            if pdf is not None:
                self._pdfs.move_to_end(key)
            return pdf

    def put(self, key: tuple, pdf: bytes) -> None:
        if len(pdf) > self.max_bytes:
            return
        with self._lock:
            if key in self._pdfs:
                return
            self._pdfs[key] = pdf
            self._size += len(pdf)
            while self._size > self.max_bytes:
                _key, dropped = self._pdfs.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._pdfs.clear()
            self._size = 0


CACHE = PdfCache(max_bytes=64 * 1024 * 1024)


def render_pdf(html: str, static_url: str | None = None, stylesheet: str = PRINT_CSS,
               fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF/A-2u bytes of ``html`` (a whole page, ``<html lang="sv">`` with its
    ``<title>`` and ``<meta name="author">``, which become the PDF's metadata),
    laid out with the print ``stylesheet``. ``static_url`` is where the page's
    links to our static files begin (``request.static_url`` of the folder).
    The same HTML gives the PDF made before (``CACHE``), unless a ``fetcher`` is given."""
    if fetcher is not None:
        return _layout(html, static_url, stylesheet, fetcher)
    key = (hashlib.sha256(html.encode("utf-8")).digest(), static_url, stylesheet)
    pdf = CACHE.get(key)
    if pdf is None:
        pdf = _layout(html, static_url, stylesheet, StaticOnlyFetcher(static_url))
        CACHE.put(key, pdf)
    return pdf


def _layout(html: str, static_url: str | None, stylesheet: str, fetcher: StaticOnlyFetcher) -> bytes:
    document = HTML(string=html, base_url=static_url or STATIC_DIR + os.sep, url_fetcher=fetcher)
    css = CSS(filename=stylesheet, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[css], pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf

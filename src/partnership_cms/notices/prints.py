"""The protocol and its extracts (protokollsutdrag) as PDF/A files.

The text is the protocol document itself (``protocols.render``: the same
template as the HTML page), inside a print page that adds the kommun's name
for the running head, the PDF's metadata and, once posted, the anslagsbevis
(posting certificate). An extract is that document with one paragraph.
"""
from __future__ import annotations

import hashlib

from babel.dates import format_date
from pyramid.renderers import render

from ..documents.pdf import render_pdf
from ..protocols.render import TEMPLATE, ProtocolText
from .board import notice_of

PRINT_TEMPLATE = "partnership_cms:templates/protocol_print.pt"


class NoSuchParagraph(LookupError):
    """The protocol has no paragraph of that number."""


def _fragment(request, protocol, items):
    # The protocol's own template, with the paragraphs to show.
    return render(TEMPLATE, {"p": ProtocolText(request, protocol), "data": {**protocol.data, "items": items}},
                  request=request)


def _print_page(request, protocol, fragment, title, extract_of=None):
    locale = request.localizer.locale_name or "sv"
    notice = notice_of(request, protocol) if protocol.data.get("posted_on") else None
    return render(PRINT_TEMPLATE, {
        "kommun": request.app_settings.kommun_name, "title": title, "fragment": fragment,
        "notice": notice, "extract_of": extract_of, "protocol": protocol,
        "date": lambda value: format_date(value, format="long", locale=locale) if value else "",
    }, request=request)


def _pdf(request, html):
    return render_pdf(html, static_url=request.static_url("partnership_cms:static/"))


def protocol_pdf(request, protocol) -> bytes:
    """The whole protocol as PDF/A, the same text as its page."""
    items = list(protocol.data.get("items") or ())
    html = _print_page(request, protocol, _fragment(request, protocol, items), protocol.title)
    return _pdf(request, html)


def paragraph_item(protocol, paragraph):
    """The item of § ``paragraph``; NoSuchParagraph when the protocol has none."""
    for item in protocol.data.get("items") or ():
        if item.get("paragraph") == paragraph:
            return item
    raise NoSuchParagraph(paragraph)


def extract_pdf(request, protocol, paragraph) -> bytes:
    """The protokollsutdrag of § ``paragraph`` as PDF/A (NoSuchParagraph if it has none)."""
    item = paragraph_item(protocol, paragraph)
    title = f"Protokollsutdrag § {paragraph} – {protocol.title}"
    html = _print_page(request, protocol, _fragment(request, protocol, [item]), title, extract_of=item)
    return _pdf(request, html)


def sha256_of(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()

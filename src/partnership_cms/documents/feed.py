"""An Atom feed (RFC 4287) of notices, made with feedgen.

The caller gives plain values (``FeedEntry``); nothing here reads the
database or knows a request, so the feed says exactly what the page says.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

ATOM_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class FeedEntry:
    """One notice: its stable ``id`` (a URL or a tag: URI), the page that shows
    it (``link``), a file to download (``enclosure``: URL, and its type), when it
    was ``updated`` (an aware datetime) and its text."""

    id: str
    title: str
    link: str
    updated: datetime.datetime
    summary: str
    enclosure: str | None = None
    enclosure_type: str = "application/pdf"


class _Enclosure(BaseEntryExtension):
    """Writes an entry's enclosure link with its ``rel`` and ``type``: feedgen 1.0.0
    drops both from an entry's links (it reads them back from the new element)."""

    def __init__(self):
        self.href: str | None = None
        self.type = ""

    def extend_atom(self, entry):
        if self.href:
            xml_elem("link", entry, href=self.href, rel="enclosure", type=self.type)
        return entry


def atom_feed(feed_id: str, title: str, feed_url: str, page_url: str, author: str,
              entries: list[FeedEntry], language: str = "sv") -> bytes:
    """The Atom document (UTF-8 bytes) of ``entries``, newest first as given.

    ``updated`` of the feed is that of its newest entry (a fixed date when it
    has none), so an unchanged board gives byte-identical feeds."""
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": author})
    fg.link(href=feed_url, rel="self", type=ATOM_TYPE)
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.language(language)
    newest = max((e.updated for e in entries), default=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    fg.updated(newest)
    # feedgen puts the entry added last first; add the oldest first to keep the given order.
    for entry in reversed(entries):
        fe = fg.add_entry()
        fe.id(entry.id)
        fe.title(entry.title)
        # Written without its rel (see _Enclosure), which in Atom means "alternate".
        fe.link(href=entry.link, rel="alternate")
        if entry.enclosure:
            fe.register_extension("pcms_enclosure", _Enclosure, atom=True, rss=False)
            fe.pcms_enclosure.href, fe.pcms_enclosure.type = entry.enclosure, entry.enclosure_type
        fe.updated(entry.updated)
        fe.summary(entry.summary)
    return fg.atom_str(pretty=True)

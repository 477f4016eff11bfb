"""documents/feed.py: an Atom feed that parses, in the order given, with each enclosure."""
import datetime
import xml.etree.ElementTree as ET

from partnership_cms.documents.feed import FeedEntry, atom_feed

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_is_atom_with_the_entries_in_order_and_their_pdf():
    entries = [
        FeedEntry("urn:x:2", "KS 2026-03-02", "http://app/anslagstavla#p2",
                  datetime.datetime(2026, 3, 5, 9, tzinfo=datetime.UTC), "Överklaga senast 26 mars 2026",
                  enclosure="http://app/protocols/p2/protocol.pdf"),
        FeedEntry("urn:x:1", "KF 2026-02-16", "http://app/anslagstavla#p1",
                  datetime.datetime(2026, 2, 19, 9, tzinfo=datetime.UTC), "Äldre anslag"),
    ]
    feed = ET.fromstring(atom_feed("urn:x", "Anslagstavla", "http://app/anslagstavla/feed.atom",
                                   "http://app/anslagstavla", "Huddinge kommun", entries))
    assert feed.tag == ATOM + "feed"
    assert feed.findtext(ATOM + "updated").startswith("2026-03-05T09:00:00")
    assert [e.findtext(ATOM + "id") for e in feed.iter(ATOM + "entry")] == ["urn:x:2", "urn:x:1"]
    first = next(feed.iter(ATOM + "entry"))
    assert first.findtext(ATOM + "summary") == "Överklaga senast 26 mars 2026"
    links = {(link.get("rel") or "alternate", link.get("href"), link.get("type"))
             for link in first.iter(ATOM + "link")}
    assert links == {("alternate", "http://app/anslagstavla#p2", None),
                     ("enclosure", "http://app/protocols/p2/protocol.pdf", "application/pdf")}
    self_link = [link for link in feed.findall(ATOM + "link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "http://app/anslagstavla/feed.atom"


def test_an_empty_board_has_a_valid_feed_that_does_not_change():
    args = ("urn:x", "Anslagstavla", "http://app/feed.atom", "http://app/", "Huddinge kommun", [])
    assert atom_feed(*args) == atom_feed(*args)
    assert ET.fromstring(atom_feed(*args)).find(ATOM + "entry") is None

"""The search across all types: Swedish word forms, å/ä/ö typed as a/o,
facets that count only what the caller may see, matches marked in the text."""
import re

import pytest
import webtest

from conftest import browse
from partnership_cms.catalog.text import normalize
from partnership_cms.views.search import snippet


@pytest.mark.parametrize("word,same_as", [
    ("Södertörn", "Södertörns"), ("hogskolan", "högskola"), ("högskolan", "Högskolans"),
    ("kommunerna", "kommun"), ("avtalet", "avtal"), ("sodertorn", "Södertörn"),
])
def test_word_forms_meet(word, same_as):
    assert normalize(word) == normalize(same_as)


def test_different_words_stay_apart():
    assert normalize("organ") != normalize("organisation")
    assert normalize("avtal") != normalize("avslag")


@pytest.mark.parametrize("query", ["södertörn", "Södertörns högskola", "hogskolan", "högskolan", "HOGSKOLA",
                                   "godkänns", "godkänna", "samverkan"])
def test_the_seed_case_is_found_by_its_word_forms(app, query):
    page = browse(app, "clerk").get("/search", params={"q": query})
    assert "avtal om strategiskt partnerskap" in page.text
    assert "<mark>" in page.text


def test_facets_count_and_narrow(app):
    browser = browse(app, "clerk")
    page = browser.get("/search", params={"q": "högskola"})
    facets = page.html.select_one("nav.facets")
    assert facets is not None
    labels = [a.get_text() for a in facets.select("a")]
    assert "Ärende" in labels and "Avtal" in labels
    proposal_link = next(a for a in facets.select("a") if a.get_text() == "Ärende")
    narrowed = browser.get(proposal_link["href"])
    results = narrowed.html.select("ol.results li")
    assert results and all("Ärende" in li.select_one(".result-meta").get_text() for li in results)
    # Within one type the states appear as a facet too.
    assert "Kommunstyrelsen" in narrowed.html.select_one("nav.facets").get_text()


def test_the_public_sees_only_what_is_public(app):
    anonymous = webtest.TestApp(app)
    page = anonymous.get("/search", params={"q": "högskola"}, headers={"Accept": "text/html"})
    # The seed case stands before KS: not public yet, and no facet counts it.
    assert "avtal om strategiskt partnerskap" not in page.text
    assert "Inga träffar" in page.text


def test_the_snippet_marks_matches_and_keeps_markup_as_text():
    segments = snippet(["<b>Kommunen</b> samverkar med Södertörns högskola om forskning."], {normalize("högskolan")})
    assert ("högskola", True) in segments
    assert "".join(text for text, _match in segments).startswith("<b>Kommunen</b>")


def test_markup_in_a_document_is_escaped_on_the_page(app, api):
    api.post("/proposals", {"@type": "Proposal", "title": "<script>alert(1)</script> om högskolan"}, user="officer",
             status=201)
    page = browse(app, "officer").get("/search", params={"q": "högskolan"})
    assert "<script>alert(1)</script>" not in page.text
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", page.text)


def test_every_page_links_to_the_search(app):
    for page in (browse(app, "clerk").get("/"), webtest.TestApp(app).get("/", headers={"Accept": "text/html"})):
        links = [a["href"] for a in page.html.select("header nav a")]
        assert any(href.endswith("/search") for href in links)

"""documents/pdf.py: HTML to PDF/A-2u, Swedish text intact, page numbers, nothing fetched from outside."""
import io
import re

import pypdf

from partnership_cms.documents.pdf import CACHE, PDF_VARIANT, PdfCache, StaticOnlyFetcher, render_pdf

PAGE = """<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">
<title>Protokoll KS 2026-03-02</title><meta name="author" content="Huddinge kommun"></head>
<body><p class="kommun">Huddinge kommun</p><h1>Protokoll</h1>
<p>Kommunstyrelsen beslutar att godkänna avtalet om strategiskt partnerskap med Södertörns högskola.</p>
{more}</body></html>"""


def text_of(pdf):
    """The reader and the text, lines joined (a word hyphenated at a line's end made whole)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", re.sub(r"(?<=\w)[-\u00ad]\n(?=\w)", "", text))


def test_the_pdf_is_pdf_a_2u_with_the_swedish_text_and_its_metadata():
    pdf = render_pdf(PAGE.format(more=""))
    reader, text = text_of(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "godkänna avtalet om strategiskt partnerskap med Södertörns högskola" in text
    assert "Sida 1 av 1" in text
    # The running head is the kommun's name from the page.
    assert text.count("Huddinge kommun") >= 2
    xmp = reader.xmp_metadata
    assert xmp is not None
    description = xmp.rdf_root.getElementsByTagNameNS("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "Description")
    pdfaid = {(a.localName, a.value) for d in description for a in d.attributes.values()
              if a.namespaceURI == "http://www.aiim.org/pdfa/ns/id/"}
    assert PDF_VARIANT == "pdf/a-2u"
    assert pdfaid == {("part", "2"), ("conformance", "U")}
    assert reader.metadata.title == "Protokoll KS 2026-03-02"
    assert reader.metadata.author == "Huddinge kommun"


def test_every_page_says_which_of_how_many_it_is():
    paragraphs = "".join(f"<h2>§ {n}</h2><p>{'Beslutet är fattat. ' * 60}</p>" for n in range(1, 13))
    _, text = text_of(render_pdf(PAGE.format(more=paragraphs)))
    pages = text.count("Sida ")
    assert pages >= 3
    assert f"Sida 1 av {pages}" in text and f"Sida {pages} av {pages}" in text


def test_nothing_outside_our_static_files_is_fetched():
    fetcher = StaticOnlyFetcher("http://app.example/static")
    more = ('<img src="https://tracker.example/pixel.png" alt="">'
            '<link rel="stylesheet" href="http://app.example/static/../../etc/passwd">'
            '<link rel="stylesheet" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://app.example/static/style.css">')
    pdf = render_pdf(PAGE.format(more=more), "http://app.example/static", fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    assert sorted(fetcher.refused) == sorted(["https://tracker.example/pixel.png",
                                              "http://app.example/static/../../etc/passwd", "file:///etc/passwd"])


def test_the_fetcher_serves_a_static_file_and_refuses_a_way_out():
    fetcher = StaticOnlyFetcher("http://app.example/static")
    response = fetcher.fetch("http://app.example/static/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    for url in ("http://app.example/static/%2e%2e/documents/pdf.py", "http://other.example/static/print.css"):
        try:
            fetcher.fetch(url)
        except ValueError:
            continue
        raise AssertionError(f"{url} was fetched")


def test_the_same_html_gives_the_pdf_made_before_and_changed_html_a_new_one():
    CACHE.clear()
    page = PAGE.format(more="<p>Paragraf 1: bifall.</p>")
    first = render_pdf(page)
    assert render_pdf(page) is first  # laid out once
    corrected = render_pdf(page.replace("bifall", "avslag"))
    assert corrected is not first
    assert "Paragraf 1: avslag." in text_of(corrected)[1]
    assert "Paragraf 1: bifall." in text_of(render_pdf(page))[1]


def test_the_cache_keeps_the_most_recently_used_within_its_bytes():
    cache = PdfCache(max_bytes=100)
    for name in ("a", "b"):
        cache.put((name,), name.encode() * 40)
    assert cache.get(("a",)) is not None  # now the most recently used
    cache.put(("c",), b"c" * 40)
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == b"a" * 40 and cache.get(("c",)) == b"c" * 40
    cache.put(("huge",), b"x" * 101)  # larger than the whole cache: not kept, nothing dropped
    assert cache.get(("huge",)) is None and cache.get(("a",)) is not None

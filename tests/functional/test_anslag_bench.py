"""The anslagstavla bench's data setup (bench/anslag_bench.py) at a small size:
the cases, the posted protocols, the newest on the public board with as many
paragraphs as asked, the older ones laga kraft and archived. No timing here:
the bench prints figures, tests never do."""
import os
import sys

import webtest

from conftest import close_app

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")
sys.path.insert(0, BENCH)
import anslag_bench  # noqa: E402  (the bench's modules import each other by their own names)


def test_the_anslag_bench_setup_posts_its_protocols_on_the_public_board(tmp_path):
    db = anslag_bench.AnslagDatabase(str(tmp_path), cases=50, protocols=20, paragraphs=6)
    db.create()
    assert db.counts["cases"] == 51 and db.counts["protocols"] == 20  # with the seed case
    app = db.app()
    try:
        public = webtest.TestApp(app)  # nobody logged in
        big = db.big.rsplit("/", 1)[1]
        board = public.get("/anslagstavla")
        current = [a["id"] for a in board.html.find_all("article", class_="notice")]
        # The last three weeks' meetings are within their appeal period; 20 weekdays reach further back.
        assert big in current and 0 < len(current) < 20 and db.finalized == 20 - len(current)
        archived = public.get("/anslagstavla?arkiv=1").html.find_all("article", class_="notice")
        assert len(archived) == 20 - len(current)
        page = public.get(db.big)
        paragraphs = [h for h in page.html.select("article.protocol h2, article.protocol h3") if "§" in h.get_text()]
        assert len(paragraphs) == 6
        pdf = public.get(db.big + "/protocol.pdf")
        assert pdf.content_type == "application/pdf" and pdf.body[:5] == b"%PDF-"
    finally:
        close_app(app)

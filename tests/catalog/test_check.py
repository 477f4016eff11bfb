"""``partnership-cms check-catalog``: the catalog compared with the objects.

Each test changes the stored catalog (or an object) behind the application's
back, straight in Data.fs, and the command must name the index and the path."""
import datetime

import pytest
import transaction
import ZODB
from hypatia.text import widcode

from conftest import Api, close_app, make_app, write_ini
from functional.test_concurrency import PROPOSAL
from partnership_cms import catalog, cli
from partnership_cms.catalog import pending, recent
from partnership_cms.content import APP_KEY

YEAR = datetime.date.today().year
SEED = f"/proposals/ks-{YEAR}-1"


def made(tmp_path):
    """The demo database with one more case (in review), closed; returns (its .ini, the case's path)."""
    app = make_app(tmp_path)
    api = Api(app)
    url = api.post("/proposals", PROPOSAL, user="officer", status=201).json["@id"].replace("http://localhost", "")
    api.transition(url, "submit", "officer")
    close_app(app)
    return write_ini(tmp_path), url


@pytest.fixture
def database(tmp_path):
    """``made``, with every document moved into the value indexes, as in a
    register past its first hundred documents (``pending.py``)."""
    ini, url = made(tmp_path)
    behind_the_back(tmp_path, lambda root: pending.move_into_indexes(root.catalog))
    return ini, url


def behind_the_back(ini_folder, change):
    """Run ``change(root)`` on the stored root and commit, outside the application."""
    db = ZODB.DB(str(ini_folder / "Data.fs"))
    try:
        with transaction.manager:
            change(db.open().root()[APP_KEY])
    finally:
        db.close()


def check(ini, capsys):
    code = cli.main(["check-catalog", ini])
    return code, capsys.readouterr().out


def test_an_intact_catalog_agrees(database, capsys):
    ini, _url = database
    code, out = check(ini, capsys)
    assert code == 0, out
    assert out.startswith("The catalog agrees with the ")


def test_a_docid_removed_from_a_state_entry_is_found(database, tmp_path, capsys):
    """The entry a search reads (state -> docids) loses the case: the worklist would miss it."""
    ini, url = database

    def remove(root):
        catalog = root.catalog
        docid = catalog.docid_by_path[url]
        catalog.indexes["state"]._fwd_index["Proposal:review"].remove(docid)

    behind_the_back(tmp_path, remove)
    code, out = check(ini, capsys)
    assert code == 1
    assert f"state\t{url}: is not found under 'Proposal:review'" in out
    assert "1 differences in state" in out


def test_a_stale_value_a_word_and_a_missing_object_are_found(database, tmp_path, capsys):
    ini, url = database

    def tamper(root):
        catalog = root.catalog
        docid = catalog.docid_by_path[url]
        # The object changes with no reindex: its stored state is now stale.
        root["proposals"][url.rsplit("/", 1)[1]].state = "ks"
        # A keyword the object does not have.
        catalog.indexes["allowed"]._fwd_index["user:mallory"] = catalog.indexes["allowed"].family.IF.TreeSet([docid])
        # The seed case leaves the word index of one of its words (once the new
        # documents' texts are in it, as the hundredth new document would put them).
        recent.move_into_index(catalog)
        seed = catalog.docid_by_path[SEED]
        text = catalog.indexes["text"]
        wid = text.lexicon.get_wid("hogskol")
        postings = text.index._wordinfo[wid]
        del postings[seed]
        text.index._wordinfo[wid] = postings  # a plain dict while small: store it again
        # A catalog entry whose object is gone.
        catalog.path_by_docid[12345] = "/proposals/borta"
        catalog.docid_by_path["/proposals/borta"] = 12345

    behind_the_back(tmp_path, tamper)
    code, out = check(ini, capsys)
    assert code == 1
    assert f"state\t{url}: holds 'Proposal:review', the object has 'Proposal:ks'" in out
    assert f"allowed\t{url}: is found under 'user:mallory', which it does not have" in out
    assert f"text\t{SEED}: is not found under the words ['hogskol']" in out
    assert "paths\t/proposals/borta: docid 12345 is in the catalog, but no object is there" in out


def test_a_changed_recent_text_and_a_recent_text_of_no_object_are_found(database, tmp_path, capsys):
    """A new document's words wait among the recent texts: the check reads them there."""
    ini, url = database

    def tamper(root):
        catalog = root.catalog
        docid = catalog.docid_by_path[url]
        texts = catalog.recent_texts
        texts[docid] = recent.RecentText(widcode.encode(widcode.decode(texts[docid].code)[1:]))
        texts[12345] = recent.RecentText(texts[docid].code)

    behind_the_back(tmp_path, tamper)
    code, out = check(ini, capsys)
    assert code == 1
    assert f"text\t{url}: holds other words among the recent texts than the object's text" in out
    assert "is among the recent texts, but no object has that docid" in out


def test_a_changed_kept_value_and_a_stale_text_digest_are_found(database, tmp_path, capsys):
    """What reindex compares with (one string per document: its values and its text's
    digest) must be the object's, or a change would be skipped as no change."""
    ini, url = database

    def tamper(root):
        cat = root.catalog
        values, digest = catalog.unpack_values(cat.indexed_values[cat.docid_by_path[url]])
        state = catalog.VALUE_INDEXES.index("state")
        changed = (*values[:state], "Proposal:ks", *values[state + 1:])
        cat.indexed_values[cat.docid_by_path[url]] = catalog.pack_values(changed, digest)
        values, _digest = catalog.unpack_values(cat.indexed_values[cat.docid_by_path[SEED]])
        cat.indexed_values[cat.docid_by_path[SEED]] = catalog.pack_values(values, catalog.text_digest("förr"))

    behind_the_back(tmp_path, tamper)
    code, out = check(ini, capsys)
    assert code == 1
    assert f"indexed_values\t{url}: keeps " in out and '"Proposal:ks"' in out
    assert f"text\t{SEED}: the remembered digest is not that of the object's text" in out
    assert "2 differences in indexed_values, text" in out


def test_a_changed_pending_document_and_one_also_indexed_are_found(tmp_path, capsys):
    """Documents not yet in the value indexes: one whose waiting values are not its
    object's, and one that is also in an index (a search would count it twice)."""
    ini, url = made(tmp_path)
    code, out = check(ini, capsys)
    assert code == 0, out  # everything new waits: that agrees

    def tamper(root):
        cat = root.catalog
        waiting = pending.pending_values(cat)
        docid = cat.docid_by_path[url]
        waiting[docid] = waiting[docid].replace("Proposal:review", "Proposal:draft")
        seed = cat.docid_by_path[SEED]
        cat.indexes["body"]._fwd_index["ks"] = cat.indexes["body"].family.IF.TreeSet([seed])

    behind_the_back(tmp_path, tamper)
    code, out = check(ini, capsys)
    assert code == 1
    assert f"  pending_values\t{url}: keeps " in out, out
    assert f"  body\t{SEED}: waits to be indexed, but is already found under 'ks'" in out, out

"""Catalog search: permissions, newest-first paging over large registers,
and text reindexing only when the text changed."""
import datetime

from partnership_cms import catalog
from partnership_cms.catalog import pending, recent
from partnership_cms.content.services import create_content
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security.policy import search_principals


def test_large_register_pages_newest_first(app):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        objs = [create_content(request, "Proposal", {"title": f"Ärende {i}"})
                for i in range(catalog.SCAN_THRESHOLD + 30)]
        # One case changed later than all the others: it must head the list.
        later = objs[7]
        later.modified = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
        catalog.reindex(request, later)
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        principals = search_principals(request)
        page1, total = catalog.search(request, principals, type="Proposal", state="draft")
        page2, _ = catalog.search(request, principals, type="Proposal", state="draft", start=25)
        assert total == catalog.SCAN_THRESHOLD + 30  # the seed case is before KS, not a draft
        assert page1[0].title == "Ärende 7"
        assert len(page1) == len(page2) == 25
        assert not {o.__name__ for o in page1} & {o.__name__ for o in page2}
        # Newest first, to the minute the index keeps.
        minutes = [o.modified.replace(second=0, microsecond=0) for o in page1 + page2]
        assert minutes == sorted(minutes, reverse=True)
        # Someone who may not see drafts finds none of them.
        act_as(request, request.root.principals.users["ks_member"])
        assert catalog.search(request, search_principals(request), type="Proposal", state="draft")[1] == 0



def test_a_kept_total_and_a_walked_page_answer_as_counting_all_would(app):
    """The second search of a committed state takes its total from ``_TOTALS`` and
    walks the index for its page: both as the first, which counted every match;
    a commit and a change in the transaction itself are counted again."""
    def drafts(request, **kwargs):
        objects, total = catalog.search(request, search_principals(request), type="Proposal",
                                        state="draft", **kwargs)
        return [o.__name__ for o in objects], total

    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        for i in range(catalog.SCAN_THRESHOLD + 30):
            create_content(request, "Proposal", {"title": f"Ärende {i}"})
    for reverse in (True, False):
        with app_request(app.registry) as request:
            act_as(request, request.root.principals.users["officer"])
            catalog._TOTALS.clear()
            first = [drafts(request, reverse=reverse, start=start) for start in (0, 25, 200)]
            kept = catalog._TOTALS[request.root._p_jar.db()][1]
            assert list(kept.values()) == [catalog.SCAN_THRESHOLD + 30]
            again = [drafts(request, reverse=reverse, start=start) for start in (0, 25, 200)]
            assert again == first
            assert first[0][1] == catalog.SCAN_THRESHOLD + 30 and len(first[2][0]) == 25
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        create_content(request, "Proposal", {"title": "Ännu ett"})
        # Uncommitted in this transaction: counted here, not from the kept total.
        assert drafts(request)[1] == catalog.SCAN_THRESHOLD + 31
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        assert drafts(request)[1] == catalog.SCAN_THRESHOLD + 31
        # Another user's principals have their own total.
        act_as(request, request.root.principals.users["ks_member"])
        assert drafts(request)[1] == 0


def test_text_is_reindexed_only_when_it_changes(app):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        obj = create_content(request, "Proposal", {"title": "Bibliotek i Flemingsberg"})
        cat = request.root.catalog
        docid = cat.docid_for("/proposals/" + obj.__name__)
        # A new document's words wait among the recent texts, then go into the index.
        for held_words in (lambda: cat.recent_texts[docid],
                           lambda: cat.indexes["text"].index._docwords[docid]):
            words_before = held_words()
            obj.state = "review" if obj.state == "draft" else "draft"
            catalog.reindex(request, obj)
            assert held_words() is words_before
            recent.move_into_index(cat)
        obj.data["title"] = "Simhall i Flemingsberg"
        catalog.reindex(request, obj)
        principals = search_principals(request)
        assert catalog.search(request, principals, text="Simhall")[1] == 1
        assert catalog.search(request, principals, text="Bibliotek")[1] == 0


def test_new_texts_are_found_before_and_after_they_move_into_the_index(app, monkeypatch):
    queries = {  # query -> the titles it finds
        "simhall": {"Simhall i Flemingsberg", "Simhallen i Tumba"},
        '"simhall i flemingsberg"': {"Simhall i Flemingsberg"},
        "simh*": {"Simhall i Flemingsberg", "Simhallen i Tumba"},
        "simhall AND NOT tumba": {"Simhall i Flemingsberg"},
        "bibliotek OR tumba": {"Bibliotek i Flemingsberg", "Simhallen i Tumba"},
        "ishall": set(),
    }

    def found(request):
        principals = search_principals(request)
        return {q: {o.title for o in catalog.search(request, principals, text=q)[0]} for q in queries}

    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        cat = request.root.catalog
        waiting = len(recent.recent_texts(cat) or ())  # the fixture's own documents
        monkeypatch.setattr(recent, "RECENT_LIMIT", waiting + 4)
        for title in ("Simhall i Flemingsberg", "Simhallen i Tumba", "Bibliotek i Flemingsberg"):
            create_content(request, "Proposal", {"title": title})
        assert len(cat.recent_texts) == waiting + 3  # not yet in the index, found all the same
        assert found(request) == queries
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        cat = request.root.catalog
        create_content(request, "Proposal", {"title": "Cykelbana"})  # the fourth moves them all
        assert len(cat.recent_texts) == 0
        assert found(request) == queries
        assert catalog.search(request, search_principals(request), text="cykelbana")[1] == 1


def test_a_changed_state_moves_the_document_between_sets(app):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        name = create_content(request, "Proposal", {"title": "Cykelbana i Flemingsberg"}).__name__
        pending.move_into_indexes(request.root.catalog)  # in the indexes, as past the first hundred
    with app_request(app.registry) as request:  # a new transaction: nothing written yet
        act_as(request, request.root.principals.users["officer"])
        obj = request.root["proposals"][name]
        cat = request.root.catalog
        index = cat.indexes["state"]
        docid = cat.docid_for("/proposals/" + name)
        counted = index.indexed_count()
        own_dnr_set = cat.indexes["dnr"]._fwd_index[obj.data["dnr"]]
        own_dnr_set._p_deactivate()
        obj.state = "review"
        catalog.reindex(request, obj)
        assert docid in index._fwd_index["Proposal:review"]
        assert docid not in index._fwd_index.get("Proposal:draft", ())
        assert index._rev_index[docid] == "Proposal:review"
        assert index.indexed_count() == counted
        assert not index._num_docs._p_changed  # the shared counter is not rewritten
        assert own_dnr_set._p_changed is None  # an unchanged value's set is not even read
        principals = search_principals(request)
        found, _ = catalog.search(request, principals, type="Proposal", state="review")
        assert obj in found
        assert obj not in catalog.search(request, principals, type="Proposal", state="draft")[0]


def test_history_lives_in_the_object_record(app):
    from persistent.list import PersistentList

    from partnership_cms.content.models import Content

    obj = Content("Proposal", {"title": "Äldre ärende"}, "draft", "officer")
    obj.history = PersistentList([{"action": "submit"}])  # as objects from before kept it
    obj.add_history({"action": "return"})
    assert obj.history == ({"action": "submit"}, {"action": "return"})
    assert Content("Proposal", {}, "draft", "officer").history == ()


def test_case_numbers_sort_as_numbers(app):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        for i in range(11):  # KS-<year>/2 .. /12 (the seed case is 1)
            create_content(request, "Proposal", {"title": f"Ärende {i}"})
        principals = search_principals(request)
        found, total = catalog.search(request, principals, type="Proposal", sort="dnr", reverse=False)
        numbers = [int(o.data["dnr"].rsplit("/", 1)[1]) for o in found]
        assert total == 12 and numbers == list(range(1, 13))
        newest = catalog.search(request, principals, type="Proposal", sort="dnr", reverse=True, size=3)[0]
        assert [int(o.data["dnr"].rsplit("/", 1)[1]) for o in newest] == [12, 11, 10]
        assert catalog.case_number_key("KS-2026/9") < catalog.case_number_key("KS-2026/10")
        assert catalog.case_number_key("KS-2025/99") < catalog.case_number_key("KS-2026/1")


def test_a_walk_past_many_other_documents_gives_up_and_sorts_the_matches(app, monkeypatch):
    """Oldest first, the drafts come after 300 cases submitted an hour before them
    (a register's oldest drafts were submitted long ago): the walk stops after
    as many tests as there are matches (more than WALK_DENSITY per row), and the
    matches sorted give the same page."""
    monkeypatch.setattr(catalog, "WALK_DENSITY", 5)  # 50 tests for 10 rows: fewer than the drafts
    drafts = catalog.SCAN_THRESHOLD + 30
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        for i in range(300):
            old = create_content(request, "Proposal", {"title": f"Inskickat {i}"})
            old.state = "review"
            old.modified -= datetime.timedelta(hours=1)
            catalog.reindex(request, old)
        made = []
        for i in range(drafts):  # each in a minute of its own, so that their order is known
            draft = create_content(request, "Proposal", {"title": f"Utkast {i}"})
            draft.modified += datetime.timedelta(minutes=i)
            catalog.reindex(request, draft)
            made.append(draft.__name__)
    tested = []
    walk = catalog._walk

    def counted(cat, visible, stop, reverse, budget):
        def test(docid):
            tested.append(docid)
            return visible(docid)
        return walk(cat, test, stop, reverse, budget)

    monkeypatch.setattr(catalog, "_walk", counted)
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        for reverse, expected in ((False, made[:10]), (True, made[::-1][:10])):
            del tested[:]
            objects, total = catalog.search(request, search_principals(request), type="Proposal",
                                            state="draft", reverse=reverse, size=10)
            assert total == drafts
            assert [o.__name__ for o in objects] == expected
            # Oldest first it gave up after as many tests as there are drafts (fewer than the 300).
            assert len(tested) <= drafts + 1 if not reverse else len(tested) <= 10 + catalog.TIE_LIMIT

"""New documents wait beside the value indexes (``catalog/pending.py``): every
question the catalog answers gets the same answer before and after they move in."""
import datetime
import random

from partnership_cms import catalog
from partnership_cms.catalog import pending
from partnership_cms.catalog.check import check_catalog
from partnership_cms.content.services import create_content
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security.policy import search_principals

STATES = ("draft", "review", "ks", "kf")
READERS = ("officer", "director", "clerk", "ks_member", "kf_member")
QUESTIONS = ({}, {"type": "Proposal"}, {"type": "Proposal", "state": "draft"},
             {"state": ["review", "ks"]}, {"type": ["Proposal", "Decision"], "state": "kf"},
             {"local_role": "officer:Owner"}, {"text": "cykelbana"}, {"body": "KS"})
ORDERS = (("modified", True), ("modified", False), ("dnr", False), ("dnr", True),
          ("title_sort", False), ("title_sort", True))


def answers(request):
    """What every reader finds for every question, order and page, with its facets,
    and the unfiltered paths: plain data, to compare."""
    found = []
    cat = request.root.catalog
    for login in READERS:
        act_as(request, request.root.principals.users[login])
        principals = search_principals(request)
        for question in QUESTIONS:
            for sort, reverse in ORDERS:
                for start in (0, 20):
                    objects, total = catalog.search(request, principals, sort=sort, reverse=reverse,
                                                    start=start, size=20, **question)
                    found.append((login, question, sort, reverse, start, [o.__name__ for o in objects], total))
            docids = catalog.matching(request, principals, **question)
            found.append((login, question, sorted(docids), catalog.facets(request, docids)))
    found.append(sorted(catalog.paths_of_type(cat, "Proposal")))
    found.append(catalog.paths_with_case_number(cat, "KS-2026/3"))
    return found


def make_cases(request, count, rng, start_minute=0):
    """``count`` proposals in random states, each changed in a minute of its own
    (so that no order depends on how ties fall), some with a text to find."""
    act_as(request, request.root.principals.users["officer"])
    base = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    made = []
    for i in range(count):
        title = f"Ärende {start_minute + i:04d}" + (" om cykelbana" if i % 3 == 0 else "")
        obj = create_content(request, "Proposal", {"title": title})
        change(request, obj, rng.choice(STATES), base + datetime.timedelta(minutes=start_minute + i))
        made.append(obj)
    return made


def change(request, obj, state, when):
    obj.state = state
    obj.modified = when
    if state != "draft":
        obj.data["body"] = "KS"
    catalog.reindex(request, obj)


def test_pending_documents_answer_as_indexed_ones(app, monkeypatch):
    """250 new cases (more than a walk of the modified index needs) all waiting,
    then all moved in: the same answers, and the catalog agrees both times."""
    monkeypatch.setattr(pending, "PENDING_LIMIT", 10_000)
    with app_request(app.registry) as request:
        made = make_cases(request, catalog.SCAN_THRESHOLD + 50, random.Random(3))
        cat = request.root.catalog
        docid = cat.docid_by_path["/proposals/" + made[0].__name__]
        assert all(docid not in cat.indexes[name]._rev_index for name in catalog.VALUE_INDEXES)
        before = answers(request)
        assert check_catalog(request) == []
        pending.move_into_indexes(cat)
        assert not pending.pending_values(cat)
        assert docid in cat.indexes["state"]._rev_index
        assert answers(request) == before
        assert check_catalog(request) == []


def test_some_waiting_and_some_indexed_answer_as_all_indexed(app, monkeypatch):
    """Cases moved in batches of 40 as they are made, then changes to waiting and
    to indexed ones, in later transactions (the decoded pending documents are kept
    per committed state): the answers are those of every case in the indexes."""
    monkeypatch.setattr(pending, "PENDING_LIMIT", 40)
    rng = random.Random(5)
    with app_request(app.registry) as request:
        made = [o.__name__ for o in make_cases(request, 230, rng)]
    with app_request(app.registry) as request:
        waiting = pending.pending_values(request.root.catalog)
        assert 0 < len(waiting) < 40  # some wait, the rest moved in batches
        answers(request)  # decodes the committed pending documents once
    with app_request(app.registry) as request:
        folder = request.root["proposals"]
        for minute, name in enumerate(rng.sample(made, 60), start=1000):
            change(request, folder[name], rng.choice(STATES), datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
                   + datetime.timedelta(minutes=minute))
    with app_request(app.registry) as request:
        cat = request.root.catalog
        assert pending.pending_values(cat)
        mixed = answers(request)
        assert check_catalog(request) == []
        pending.move_into_indexes(cat)
        assert answers(request) == mixed


def test_a_reader_never_finds_a_waiting_document_they_may_not_view(app):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        draft = create_content(request, "Proposal", {"title": "Hemlig cykelbana"})
        cat = request.root.catalog
        assert pending.waiting(cat, cat.docid_by_path["/proposals/" + draft.__name__]) is not None
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["officer"])
        assert catalog.search(request, search_principals(request), text="hemlig")[1] == 1
        act_as(request, request.root.principals.users["ks_member"])
        assert catalog.search(request, search_principals(request), text="hemlig")[1] == 0
        assert catalog.search(request, search_principals(request), type="Proposal", state="draft")[1] == 0


def test_the_create_that_fills_the_bucket_moves_every_waiting_document_in(app, monkeypatch):
    monkeypatch.setattr(pending, "PENDING_LIMIT", 5)
    with app_request(app.registry) as request:
        cat = request.root.catalog
        pending.move_into_indexes(cat)  # the demo data's
        act_as(request, request.root.principals.users["officer"])
        names = [create_content(request, "Proposal", {"title": f"Ärende {i}"}).__name__ for i in range(4)]
        assert len(pending.pending_values(cat)) == 4
        names.append(create_content(request, "Proposal", {"title": "Det femte"}).__name__)
        assert len(pending.pending_values(cat)) == 0
        state = cat.indexes["state"]._fwd_index["Proposal:draft"]
        assert all(cat.docid_by_path["/proposals/" + name] in state for name in names)
        assert check_catalog(request) == []


def test_documents_waiting_do_not_make_a_search_copy_the_index_sets(app, monkeypatch):
    """The index's own sets are read as they are (a copy costs as much as the set is
    large): the waiting documents are met apart and joined only when some match."""
    with app_request(app.registry) as request:
        cat = request.root.catalog
        pending.move_into_indexes(cat)  # the seed case (in ks) into the indexes
        act_as(request, request.root.principals.users["officer"])
        create_content(request, "Proposal", {"title": "Ett utkast som väntar"})
    joined = []
    union = catalog.union
    monkeypatch.setattr(catalog, "union", lambda a, b: joined.append((len(a), len(b))) or union(a, b))
    with app_request(app.registry) as request:
        cat = request.root.catalog
        assert len(pending.pending_values(cat)) == 1
        act_as(request, request.root.principals.users["ks_member"])
        principals = search_principals(request)
        assert len(catalog.matching(request, principals, type="Proposal", state="ks")) == 1
        assert catalog.search(request, principals, type="Proposal")[1] == 1  # the draft is not hers
        assert joined == []
        act_as(request, request.root.principals.users["officer"])
        assert catalog.search(request, search_principals(request), type="Proposal", state="draft")[1] == 1
        assert joined == [(0, 1)]  # none indexed, the waiting one joined

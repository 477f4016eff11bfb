"""The catalog on its own: what it indexes follows the object, and a search
returns only what the caller's principals may view."""
import pytest

from partnership_cms.catalog import reindex, search


def test_search_filters_by_state_and_permission(unit):
    request = unit.request("olle")
    mine, theirs = unit.note("n1", owner="olle"), unit.note("n2", owner="anna")
    for obj in (mine, theirs):
        reindex(request, obj)
    assert search(request, ["user:olle"], type="Note", state="draft")[1] == 1
    assert search(request, ["role:clerk"], type="Note", state="draft")[1] == 2
    assert search(request, ["system.Everyone"], type="Note")[1] == 0
    theirs.state = "public"
    reindex(request, theirs)
    assert search(request, ["system.Everyone"], type="Note") == ([theirs], 1)
    assert search(request, ["role:clerk"], type="Note", state="draft") == ([mine], 1)


def test_text_is_found_and_follows_edits(unit):
    request = unit.request("olle")
    note = unit.note(body="Samverkan med högskolan")
    reindex(request, note)
    assert search(request, ["role:clerk"], text="högskolan")[1] == 1
    note.data["body"] = "Något annat"
    reindex(request, note)
    assert search(request, ["role:clerk"], text="högskolan")[1] == 0


@pytest.mark.parametrize("scan", [False, True])
def test_changes_within_one_minute_are_newest_first(unit, monkeypatch, scan):
    """The modified index holds minutes; ties within a minute follow the exact time."""
    import datetime

    import partnership_cms.catalog as catalog_module

    if scan:  # the path for large registers, which walks the index from its newest end
        monkeypatch.setattr(catalog_module, "SCAN_THRESHOLD", 1)
    request = unit.request("olle")
    base = datetime.datetime(2026, 12, 2, 10, 15, 0, tzinfo=datetime.UTC)
    notes = []
    for n in range(12):
        note = unit.note(f"n{n}")
        note.modified = base + datetime.timedelta(seconds=n * 4)  # all within 10:15
        reindex(request, note)
        notes.append(note)
    newest_first = list(reversed(notes))
    assert search(request, ["user:olle"], type="Note", size=5)[0] == newest_first[:5]
    assert search(request, ["user:olle"], type="Note", start=5, size=5)[0] == newest_first[5:10]

"""The catalog on its own: what it indexes follows the object, and a search
returns only what the caller's principals may view."""
import pytest

from partnership_cms.catalog import reindex, search
from units import Unit


@pytest.fixture
def unit(tmp_path):
    unit = Unit(tmp_path)
    yield unit
    unit.close()


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

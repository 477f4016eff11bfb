"""A content type is data: a throw-away type (Note) written as two YAML files
in a temporary copy of schemas/ and workflows/ gets its navigation entry,
register, add form, document page, JSON API and search, with no Python."""
import datetime
import os
import shutil

import pytest
import transaction
import webtest

from conftest import PROJECT, Api, browse, make_app
from partnership_cms.content.models import ContentFolder
from partnership_cms.scripting import app_request

YEAR = datetime.date.today().year

NOTE_SCHEMA = """\
type: Note
title: {sv: Anteckning, en: Note}
container: notes
plural: {sv: Anteckningar, en: Notes}
add_label: {sv: Ny anteckning, en: New note}
nav: 5
date_field: noted_on
register:
  - title
  - noted_on
  - kind
  - state
  - modified
done_messages:
  publish: {sv: Anteckningen är publicerad., en: The note is published.}
fields:
  - {name: title, type: string, required: true, title: {sv: Rubrik, en: Title}}
  - {name: noted_on, type: date, title: {sv: Antecknad, en: Noted on}}
  - name: kind
    type: choice
    title: {sv: Slag, en: Kind}
    choices:
      memo: {sv: Promemoria, en: Memo}
      minutes: {sv: Minnesanteckning, en: Minutes}
  - {name: text, type: text, title: {sv: Text, en: Text}}
  - {name: tags, type: list, item: string, title: {sv: Etiketter, en: Tags}}
"""

NOTE_WORKFLOW = """\
type: Note
initial: draft
add_roles: [officer, clerk]
states:
  - id: draft
    title: {sv: Utkast, en: Draft}
    worklist: {sv: Anteckningar att publicera, en: Notes to publish}
    permissions:
      view: [Owner, clerk]
      edit: [Owner]
  - id: published
    title: {sv: Publicerad, en: Published}
    final: true
    permissions:
      view: [Anonymous, Owner, clerk, officer]
transitions:
  - id: publish
    title: {sv: Publicera, en: Publish}
    from: [draft]
    to: published
    roles: [Owner]
"""


@pytest.fixture
def note_app(tmp_path):
    folders = {}
    for kind, text in (("schemas", NOTE_SCHEMA), ("workflows", NOTE_WORKFLOW)):
        folders[kind] = tmp_path / kind
        shutil.copytree(os.path.join(PROJECT, kind), folders[kind])
        (folders[kind] / "note.yaml").write_text(text, encoding="utf-8")
    app = make_app(tmp_path, **{"partnership_cms.schemas": str(folders["schemas"]),
                                "partnership_cms.workflows": str(folders["workflows"])})
    yield app
    app.registry._zodb_databases[""].close()
    transaction.manager.free = None


def test_the_root_has_a_folder_for_the_new_type(note_app):
    with app_request(note_app.registry) as request:
        folder = request.root["notes"]
        assert isinstance(folder, ContentFolder) and folder.type_name == "Note"


def test_a_yaml_only_type_gets_register_add_form_document_and_done_message(note_app):
    officer = browse(note_app, "officer")
    start = officer.get("/")
    nav = [a.get_text(strip=True) for a in start.html.select("nav[aria-label=Huvudmeny] a")]
    assert nav[1:6] == ["Ärenden", "Beslut", "Avtal", "Ändringar", "Anteckningar"]

    register = officer.get("/notes")
    assert register.html.find("h1").get_text(strip=True) == "Anteckningar"
    add = register.html.find("a", string="Ny anteckning")
    assert add["href"] == "http://localhost/notes/add"

    page = officer.get("/notes/add")
    assert page.html.find("h1").text == "Lägg till anteckning"
    form = page.forms["add-form"]
    form.set("title", "Möte med föreningarna", index=0)
    form["date"] = "2025-03-04"
    form["kind"] = "memo"
    form["text"] = "Vi talade om lokalerna.\n\nOch om bidragen."
    form.set("item", "lokaler", index=0)
    res = form.submit("save", status=303)
    assert res.location == f"http://localhost/notes/note-{YEAR}-1/"
    doc = res.follow()
    assert "Möte med föreningarna har skapats." in doc.text
    # The generic document page: facts, text sections, lists under "Övriga uppgifter".
    text = doc.html.find("main").get_text(" ", strip=True)
    for expected in ("Anteckning", "Utkast", "Antecknad", "4 mars 2025", "Promemoria",
                     "Vi talade om lokalerna.", "Och om bidragen.", "Övriga uppgifter",
                     "Etiketter", "lokaler"):
        assert expected in text, expected

    # The register's columns are the schema's, fields included; the year comes from noted_on.
    register = officer.get("/notes", {"year": "2025"})
    headings = [th.get_text(" ", strip=True) for th in register.html.select("main table thead th")]
    assert headings == ["Rubrik", "Antecknad", "Slag", "Status", "Senast ändrad"]
    cells = [td.get_text(" ", strip=True) for td in register.html.select("main table tbody td")]
    assert cells[:4] == ["Möte med föreningarna", "2025-03-04", "Promemoria", "Utkast"]
    assert officer.get("/notes", {"year": str(YEAR)}).html.select("main table tbody tr") == []
    sort = [o["value"] for o in register.html.select("select#sort option")]
    assert sort == ["modified", "title"]  # no number column, so no sorting by number

    # The transition's message comes from the schema.
    form = next(f for f in doc.forms.values() if f.get("name", default=None) is not None
                and f["name"].value == "publish")
    res = form.submit(status=303)
    assert "Anteckningen är publicerad." in res.follow().text
    public = webtest.TestApp(note_app).get(f"/notes/note-{YEAR}-1")
    assert "Möte med föreningarna" in public.text


def test_a_yaml_only_type_has_the_json_api_and_search(note_app):
    api = Api(note_app)
    res = api.post("/notes", {"title": "Anteckning från API:t", "noted_on": "2024-05-06",
                              "kind": "minutes"}, user="clerk", status=201)
    url = res.json["@id"].replace("http://localhost", "")
    assert url == f"/notes/note-{YEAR}-1"
    doc = api.get(url, user="clerk").json
    assert (doc["title"], doc["noted_on"], doc["review_state"]) == (
        "Anteckning från API:t", "2024-05-06", "draft")
    api.post("/notes", {"title": "Felaktig", "kind": "poem"}, user="clerk", status=422)
    found = api.get("/@search", user="clerk", portal_type="Note").json["items"]
    assert [item["title"] for item in found] == ["Anteckning från API:t"]
    # Only its owner and the clerks see a draft note; the officer does not.
    assert api.get("/@search", user="officer", portal_type="Note").json["items"] == []
    api.transition(url, "publish", "clerk")
    assert api.get(url, user="officer").json["review_state"] == "published"
    found = api.get("/@search", user="officer", portal_type="Note", SearchableText="API").json
    assert [item["title"] for item in found["items"]] == ["Anteckning från API:t"]

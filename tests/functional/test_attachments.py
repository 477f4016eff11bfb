"""Bilagor as files: upload (API and the document page's form), the limits
(size, kind from the bytes), download headers, removal, the audit entries
with the SHA-256, verification catching a file changed behind the
application's back, search in a PDF's text, and the seed's placeholders."""
import hashlib
import io
import os
import re
import stat
import zipfile

import pytest
import transaction
import webtest
import yaml

from conftest import browse, make_app
from partnership_cms import check_blob_storage
from partnership_cms.audit.log import canonical, state_digest
from partnership_cms.content.models import Content
from partnership_cms.evolve import DatabaseNotReady
from partnership_cms.schema.errors import SchemaError
from partnership_cms.schema.filetypes import detect
from partnership_cms.schema.loader import load_schema_file, to_json_value

PROPOSAL = {
    "@type": "Proposal",
    "title": "Ny simhall i Solby",
    "unit": "Kultur- och fritidsförvaltningen",
    "decision_points": ["Förstudien godkänns."],
    "summary": "En förstudie om en ny simhall.",
    "recipients": ["Fritidsnämnden"],
    "attachments": [{"number": 1, "title": "Förstudie"}, {"number": 2, "title": "Karta"}],
}


def make_pdf(text):
    """A one-page PDF whose text layer says ``text`` (built by hand: pypdf reads it)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


PDF = make_pdf("Forstudie om Solbybadet och dess simbassanger")


def path_of(url):
    return url.replace("http://localhost", "").rstrip("/")


def auth(api, user):
    return {"Authorization": "Bearer " + api.login(user), "Accept": "application/json"}


def upload(api, url, user, data=PDF, filename="förstudie.pdf", number=None, status=201):
    params = {"number": str(number)} if number is not None else {}
    return api.test.post(f"{url}/@attachments", params, upload_files=[("file", filename, data)],
                         headers=auth(api, user), status=status)


def draft(api):
    res = api.post("/proposals", PROPOSAL, user="officer", status=201)
    return path_of(res.json["@id"])


def trail(api, url):
    return api.get("/@audit", user="auditor", b_size=1000, object=url).json["items"]


def verify(api):
    return api.get("/@audit/verify", user="auditor").json


# -- upload and download over the API ------------------------------------------------------
def test_a_clerk_uploads_bilaga_1_of_the_seed_case_and_anyone_who_may_view_downloads_it(api, seed_url):
    res = upload(api, seed_url, "clerk", number=1)
    described = res.json
    assert described["filename"] == "förstudie.pdf" and described["kind"] == "pdf"
    assert described["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (described["size"], described["number"], described["uploader"]) == (len(PDF), 1, "clerk")
    assert res.headers["Location"] == described["@id"]

    listing = api.get(f"{seed_url}/@attachments", user="ks_member").json["items"]
    assert [f["sha256"] for f in listing] == [described["sha256"]]

    file = api.test.get(path_of(described["@id"]), headers=auth(api, "ks_member"))
    assert file.body == PDF
    assert file.headers["Content-Type"] == "application/pdf"
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert file.headers["Content-Disposition"] == (
        "attachment; filename=\"f_rstudie.pdf\"; filename*=UTF-8''f%C3%B6rstudie.pdf")
    # Not visible to the public in this state: no file either.
    api.test.get(path_of(described["@id"]), headers={"Accept": "application/json"}, status=401)


def test_refused_files_write_nothing(api, seed_url):
    too_big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    assert upload(api, seed_url, "clerk", data=too_big, status=413).json["type"] == "PayloadTooLarge"
    # Named .pdf, but the bytes are a Windows program: the name does not count.
    res = upload(api, seed_url, "clerk", data=b"MZ\x90\x00" + b"\x00" * 100, status=415)
    assert res.json["type"] == "UnsupportedMediaType" and "innehållet" in res.json["message"]
    # A ZIP that is no Office document.
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "hej")
    upload(api, seed_url, "clerk", data=plain_zip.getvalue(), filename="avtal.docx", status=415)
    upload(api, seed_url, "clerk", data=b"", status=422)
    upload(api, seed_url, "clerk", number=9, status=422)  # the case lists no bilaga 9
    api.test.post(f"{seed_url}/@attachments", {}, headers=auth(api, "clerk"), status=422)  # no file
    # Who may not attach in this state: a KS member who may view, the owner (only
    # clerks attach after the draft), the public.
    upload(api, seed_url, "ks_member", status=403)
    upload(api, seed_url, "officer", status=403)
    api.test.post(f"{seed_url}/@attachments", upload_files=[("file", "a.pdf", PDF)],
                  headers={"Accept": "application/json"}, status=401)
    assert api.get(f"{seed_url}/@attachments", user="clerk").json["items"] == []
    assert not [e for e in trail(api, seed_url) if e["action"].startswith("attachment")]


def test_a_listed_bilaga_takes_one_file(api, seed_url):
    upload(api, seed_url, "clerk", number=2)
    res = upload(api, seed_url, "clerk", number=2, status=422)
    assert "redan en fil" in res.json["message"]
    upload(api, seed_url, "clerk")  # a file that fills no listed bilaga


# -- removal and the audit ---------------------------------------------------------------------
def test_upload_and_removal_are_audited_with_the_sha256(api):
    url = draft(api)
    image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    added = upload(api, url, "officer", data=image, filename="karta.png", number=2).json
    assert added["kind"] == "png"
    file = api.test.get(path_of(added["@id"]), headers=auth(api, "officer"))
    assert file.headers["Content-Type"] == "image/png"

    # Removal needs EDIT: the clerk may attach to a draft but not edit it.
    api.test.delete(path_of(added["@id"]), headers=auth(api, "clerk"), status=403)
    removed = api.test.delete(path_of(added["@id"]), headers=auth(api, "officer")).json["removed"]
    assert removed["sha256"] == hashlib.sha256(image).hexdigest()
    api.test.delete(path_of(added["@id"]), headers=auth(api, "officer"), status=404)
    api.test.get(path_of(added["@id"]), headers=auth(api, "officer"), status=404)

    entries = trail(api, url)
    assert [e["action"] for e in entries[:2]] == ["attachment_removed", "attachment_added"]
    for entry in entries[:2]:
        assert entry["details"]["sha256"] == hashlib.sha256(image).hexdigest()
        assert entry["details"]["filename"] == "karta.png" and entry["actor"] == "officer"
    assert verify(api)["valid"] is True


def test_the_auditors_page_shows_the_file_and_its_hash(app, api, seed_url):
    upload(api, seed_url, "clerk", number=1)
    page = browse(app, "auditor").get("/audit", params={"action": "attachment_added"})
    assert "Filen förstudie.pdf laddades upp (SHA-256 " + hashlib.sha256(PDF).hexdigest() in page.text


def test_verification_finds_a_file_changed_behind_the_applications_back(app, api, seed_url):
    file_id = upload(api, seed_url, "clerk", number=1).json["id"]
    assert verify(api)["valid"] is True

    db = app.registry._zodb_databases[""]
    manager = transaction.TransactionManager(explicit=True)
    conn = db.open(manager)
    with manager:
        proposal = conn.root()["partnership_cms"]["proposals"][seed_url.rsplit("/", 1)[1]]
        stored = proposal.files[file_id].blob.committed()
    conn.close()
    os.chmod(stored, stat.S_IRUSR | stat.S_IWUSR)
    with open(stored, "r+b") as f:
        f.seek(len(PDF) - 20)
        f.write(b"X")

    result = verify(api)
    assert result["valid"] is False
    problem = next(p for p in result["problems"] if p["code"] == "file_changed")
    assert problem["chain"] == seed_url and problem["params"]["file"] == file_id
    assert "förstudie.pdf" in problem["reason"]
    # The object itself is unchanged: only the file is named.
    assert [p["code"] for p in result["problems"]] == ["file_changed"]


def test_an_object_without_files_keeps_its_old_digest(app, seed_url):
    obj = Content("Proposal", {"title": "x"}, "draft", "officer")
    old = hashlib.sha256(canonical({
        "type": obj.type_name, "state": obj.state, "data": to_json_value(dict(obj.data)),
        "local_roles": {}, "links": {}})).hexdigest()
    assert state_digest(obj) == old


# -- search ---------------------------------------------------------------------------------------
def test_a_word_in_an_uploaded_pdf_finds_the_case(api, seed_url):
    def found(word):
        items = api.get("/@search", user="clerk", SearchableText=word).json["items"]
        return [path_of(i["@id"]) for i in items]

    assert seed_url not in found("simbassanger")
    upload(api, seed_url, "clerk", number=1)
    assert seed_url in found("simbassanger")
    assert seed_url in found("Forstudie")


# -- the document page ----------------------------------------------------------------------------
def test_the_seed_shows_bilaga_1_and_2_as_placeholders_a_clerk_fills_through_the_form(app, seed_url):
    member = browse(app, "ks_member").get(seed_url)
    bilagor = member.html.find(id="attachments")
    assert re.search(r"Bilaga\s*1\.", bilagor.text) and re.search(r"Bilaga\s*2\.", bilagor.text)
    assert bilagor.text.count("Filen saknas") == 2 and bilagor.find("form") is None

    clerk = browse(app, "clerk")
    page = clerk.get(seed_url)
    assert page.html.find(id="attachments").text.count("Filen saknas – ladda upp") == 2
    form = next(f for f in page.forms.values()
                if f.action.endswith("/attachments") and f.fields.get("number")
                and f["number"].value == "1")
    form["file"] = webtest.Upload("Avtal om samverkan.pdf", PDF, "application/pdf")
    res = form.submit(status=303)
    page = res.follow()
    assert "Filen Avtal om samverkan.pdf har laddats upp." in page.text
    bilagor = page.html.find(id="attachments")
    assert bilagor.text.count("Filen saknas – ladda upp") == 1
    link = bilagor.find("a", string="Avtal om samverkan.pdf")
    download = clerk.get(link["href"])
    assert download.body == PDF and download.headers["Content-Type"] == "application/pdf"
    # Nobody may edit the case at KS: no removal button.
    assert bilagor.find("button", string=re.compile("Ta bort")) is None


def test_the_upload_form_needs_the_csrf_token_and_a_real_file(app, seed_url):
    clerk = browse(app, "clerk")
    clerk.post(f"{seed_url}/attachments", {"number": "2"},
               upload_files=[("file", "karta.pdf", PDF)], status=400)
    token = clerk.get(seed_url).html.find("input", {"name": "csrf_token"})["value"]
    res = clerk.post(f"{seed_url}/attachments", {"csrf_token": token},
                     upload_files=[("file", "karta.pdf", b"not a pdf at all")],
                     headers={"Accept": "text/html"}, status=415)
    assert "<html" in res.text and "Filens innehåll är inte av en tillåten typ" in res.text


def test_the_owner_removes_a_file_from_a_draft_on_its_page(app, api):
    url = draft(api)
    upload(api, url, "officer", number=1)
    officer = browse(app, "officer")
    page = officer.get(url)
    form = next(f for f in page.forms.values() if f.action.endswith("/remove-attachment"))
    page = form.submit(status=303).follow()
    assert "Filen förstudie.pdf har tagits bort." in page.text
    assert page.html.find(id="attachments").text.count("Filen saknas – ladda upp") == 2


# -- what the bytes are -----------------------------------------------------------------------------
def office_file(entries, first=None):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        if first:
            z.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF requires
        for name in entries:
            z.writestr(name, "<x/>")
    return data.getvalue()


@pytest.mark.parametrize("data,kind", [
    (PDF, "pdf"),
    (b"\x89PNG\r\n\x1a\n\x00", "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (office_file(["[Content_Types].xml", "word/document.xml"]), "docx"),
    (office_file(["[Content_Types].xml", "xl/workbook.xml"]), "xlsx"),
    (office_file(["[Content_Types].xml", "ppt/presentation.xml"]), "pptx"),
    (office_file(["content.xml"], first=("mimetype", "application/vnd.oasis.opendocument.text")), "odt"),
    (office_file(["word/document.xml"]), None),
    (b"PK\x03\x04broken", None),
    (b"<html><script>alert(1)</script>", None),
    (b"", None),
])
def test_the_kind_comes_from_the_bytes(data, kind):
    assert detect(data) == kind


# -- the schema key ---------------------------------------------------------------------------------
def schema_with(tmp_path, files):
    doc = {"type": "Thing", "title": {"sv": "Sak", "en": "Thing"}, "container": "things",
           "files": files, "fields": [
               {"name": "title", "type": "string", "title": "Rubrik"},
               {"name": "code", "type": "string", "title": "Kod"},
               {"name": "bilagor", "type": "list", "title": "Bilagor", "item": [
                   {"name": "number", "type": "integer", "title": "Nr"},
                   {"name": "title", "type": "string", "title": "Rubrik"}]}]}
    path = tmp_path / "thing.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_schema_file(str(path))


@pytest.mark.parametrize("files,reason", [
    ("pdf", "must be {max_bytes"),
    ({"max_bytes": 0, "types": ["pdf"]}, "positive whole number"),
    ({"max_bytes": 10, "types": ["exe"]}, "types must be a list of"),
    ({"max_bytes": 10, "types": []}, "types must be a list of"),
    ({"max_bytes": 10, "types": ["pdf"], "numbered": "code"}, "must be a field of type list"),
    ({"max_bytes": 10, "types": ["pdf"], "numbered": "nothing"}, "is no field"),
    ({"max_bytes": 10, "types": ["pdf"], "colour": "red"}, "must be {max_bytes"),
])
def test_a_broken_files_key_is_refused(tmp_path, files, reason):
    with pytest.raises(SchemaError) as info:
        schema_with(tmp_path, files)
    assert info.value.key == "files" and reason in info.value.reason


def test_a_files_key_is_read(tmp_path):
    rules = schema_with(tmp_path, {"max_bytes": 10, "types": ["pdf", "png"],
                                   "numbered": "bilagor"}).presentation.files
    assert (rules.max_bytes, rules.types, rules.numbered) == (10, ("pdf", "png"), "bilagor")


def test_the_server_refuses_a_database_without_blob_storage(tmp_path):
    app = make_app(tmp_path, demo=False, **{"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    try:
        with pytest.raises(DatabaseNotReady, match="blobstorage_dir"):
            check_blob_storage(app.registry, "production.ini")
    finally:
        app.registry._zodb_databases[""].close()
        transaction.manager.free = None

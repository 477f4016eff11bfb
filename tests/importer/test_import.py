"""Importing documents: the service and the ``partnership-cms import`` command."""
import hashlib
import os

import pytest
import transaction

from conftest import make_app, write_ini
from partnership_cms import cli
from partnership_cms.demo import SEED_FILE
from partnership_cms.importer.service import import_document
from partnership_cms.scripting import act_as, app_request

DATA = os.path.join(os.path.dirname(__file__), "data")
# The scanned seed document (OCR text, broken å/ä/ö) is kept once, as the demo's seed case.
SEED_OCR = SEED_FILE


def data(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def tiny_pdf(lines):
    """A one-page PDF whose text layer holds ``lines`` (Helvetica, WinAnsi: å/ä/ö work)."""
    def esc(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    shown = " ".join(f"({esc(line)}) '" for line in lines)
    stream = ("BT /F1 11 Tf 14 TL 50 800 Td " + shown + " ET").encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)



@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path, demo=False)
    yield app
    app.registry._zodb_databases[""].close()
    transaction.manager.free = None


def test_officers_report_becomes_a_draft_proposal_with_repaired_text(app):
    content = data(SEED_OCR)
    with app_request(app.registry) as request:
        act_as(request, None)
        obj, created = import_document(request, content, "seed_ocr.txt")
        assert created and obj.type_name == "Proposal" and obj.state == "draft"
        assert obj.data["recipients"] == ["Södertörns högskola", "Samtliga nämnder och bolag"]
        assert obj.data["decision_points"][0].endswith("godkänns.")
        path = request.root.imports[hashlib.sha256(content).hexdigest()]
        assert path == "/" + "/".join(["proposals", obj.__name__])
        entry = request.root.audit_log.chain(path)[-1]
        assert entry["action"] == "import"
        details = entry["details"]
        assert details["file"] == "seed_ocr.txt"
        assert details["sha256"] == hashlib.sha256(content).hexdigest()
        assert {"original": "godkénns", "replacement": "godkänns"}.items() <= next(
            r for r in details["repairs"] if r["original"] == "godkénns").items()
        assert all(0.5 <= r["confidence"] <= 1 for r in details["repairs"])
        assert obj.history[-1]["action"] == "import"
        assert "seed_ocr.txt" in obj.history[-1]["comment"]
        assert "bokstäver rättade" in obj.history[-1]["comment"]
        # Re-import: the same object, nothing new.
        again, created = import_document(request, content, "another-name.txt")
        assert again is obj and not created
        assert len(request.root["proposals"]) == 1


def test_protocol_extract_becomes_a_posted_decision(app):
    with app_request(app.registry) as request:
        act_as(request, None)
        obj, created = import_document(request, data("protokoll_ks.txt"), "ks-142.txt")
        assert created and obj.type_name == "Decision"
        assert obj.state == "posted"  # justerat and anslaget according to the extract
        assert (obj.data["body"], obj.data["paragraph"], obj.data["dnr"]) == ("KS", 142, "KS-2021/457")
        assert obj.data["posted_on"].isoformat() == "2021-09-21"
        assert obj.data["appeal_ends_on"] is not None
        assert [m["kind"] for m in obj.data["motions"]] == ["approve", "refer_back"]
        # (The repair turns the first name "Lisa" into "Läsa": a known weakness with names.)
        assert obj.data["reservations"][0]["member"].endswith("Carlsson (M)")
        history = obj.history[-1]
        assert (history["from"], history["to"]) == ("recorded", "posted")
        assert "justering och anslag" in history["comment"]
        entry = request.root.audit_log.chain("/decisions/" + obj.__name__)[-1]
        assert entry["action"] == "import" and entry["state"] == "posted"


def test_audit_trail_still_verifies_after_import(app):
    from partnership_cms.audit import verify_all

    with app_request(app.registry) as request:
        act_as(request, None)
        import_document(request, data("protokoll_ks.txt"), "ks-142.txt")
        import_document(request, data("utlatande_ocr.txt"), "utlatande.txt")
    with app_request(app.registry) as request:
        assert verify_all(request.root).ok


def test_cli_imports_several_files_skips_duplicates_and_names_failures(tmp_path, capsys, monkeypatch):
    ini = write_ini(tmp_path, **{"zodbconn.uri": f"file://{tmp_path}/cli/Data.fs"})
    (tmp_path / "cli").mkdir()
    assert cli.main(["init", ini]) == 0
    other = tmp_path / "annan-namnd.txt"
    other.write_bytes(data("protokoll_correct.txt"))  # a committee, not KS/KF: refused
    files = [SEED_OCR, os.path.join(DATA, "protokoll_ks.txt"),
             SEED_OCR, str(other)]
    capsys.readouterr()
    assert cli.main(["import", ini, *files]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("[1/4] ") and "→ /proposals/" in lines[0] and "bokstäver rättade" in lines[0]
    assert lines[1].startswith("[2/4] ") and "→ /decisions/" in lines[1]
    assert lines[2].startswith("[3/4] ") and "redan importerad" in lines[2]
    assert "annan-namnd.txt" in err and "Miljö- och samhällsbyggnadsnämnden" in err
    assert cli.main(["import", ini, os.path.join(DATA, "protokoll_ks.txt")]) == 0
    assert "redan importerad" in capsys.readouterr().out


def test_a_pdf_with_a_text_layer_is_imported_like_its_text(app):
    # Blank lines are drawn as a space: an empty text run leaves no line in the text layer.
    lines = [line or " " for line in data(SEED_OCR).decode("utf-8").splitlines()]
    pdf = tiny_pdf(lines)
    with app_request(app.registry) as request:
        act_as(request, None)
        obj, created = import_document(request, pdf, "tjansteutlatande.pdf")
        assert created and obj.type_name == "Proposal"
        assert obj.title.startswith("Förslag till avtal om strategiskt partnerskap mellan Södertörns")
        assert obj.data["recipients"] == ["Södertörns högskola", "Samtliga nämnder och bolag"]
        assert request.root.imports[hashlib.sha256(pdf).hexdigest()].startswith("/proposals/")

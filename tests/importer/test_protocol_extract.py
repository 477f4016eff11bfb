"""Structure recognition of a protokollsutdrag."""
import datetime
import os

from partnership_cms.demo import SEED_FILE
from partnership_cms.importer.protocol_extract import (
    looks_like_extract,
    motion,
    parse_protocol_extract,
    reservation,
)
from partnership_cms.importer.repair import repair_text

DATA = os.path.join(os.path.dirname(__file__), "data")


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


def test_ks_extract_parts():
    extract = parse_protocol_extract(read("protokoll_ks.txt"))
    assert (extract.body, extract.body_name) == ("KS", "Kommunstyrelsen")
    assert extract.paragraph == 142
    assert extract.case_number == "KS-2021/457"
    assert extract.title == "Avtal om strategiskt partnerskap mellan Södertörns högskola och Huddinge kommun"
    assert extract.meeting_date == datetime.date(2021, 9, 13)
    assert extract.justified_on == datetime.date(2021, 9, 20)  # "20 september 2021"
    assert extract.posted_on == datetime.date(2021, 9, 21)  # ISO
    assert extract.decision.startswith("Kommunstyrelsen föreslår")
    assert "\n\n1. Förslag till avtal" in extract.decision and extract.decision.endswith("samverkan.")
    assert extract.summary.count("\n\n") == 1
    assert len(extract.motions) == 2
    assert motion(extract.motions[0])["kind"] == "approve"
    assert motion(extract.motions[1]) == {"kind": "refer_back", "mover": "Lisa Carlsson (M)",
                                          "text": extract.motions[1]}
    assert extract.proposition_order.startswith("Ordföranden ställer först proposition")
    assert reservation(extract.reservations[0])["member"] == "Lisa Carlsson (M)"
    assert extract.recipients == ["Södertörns högskola", "Samtliga nämnder och bolag"]
    assert extract.unrecognised == ["Justerandes signatur\t\tUtdragsbestyrkande"]  # kept, not dropped


def test_other_body_and_heading_variant():
    extract = parse_protocol_extract(read("protokoll_correct.txt"))
    assert (extract.body, extract.body_name) == ("", "Miljö- och samhällsbyggnadsnämnden")
    assert (extract.paragraph, extract.case_number) == (87, "MSN-2021/1123")
    assert extract.title == "Trafiksäkerhetsåtgärder vid Vårbackaskolan"
    assert extract.meeting_date == datetime.date(2021, 9, 14)
    assert extract.decision.count("\n\n") == 3  # intro + three numbered points
    assert [motion(m)["kind"] for m in extract.motions] == ["approve", "add"]
    assert extract.recipients == ["Vårbackaskolans rektor",
                                  "Grundskoleavdelningen, barn- och utbildningsförvaltningen",
                                  "Trafikenheten"]
    assert extract.justified_on is None and extract.posted_on is None


def test_ocr_headings_are_recognised():
    ocr = read("protokoll_ocr.txt")
    extract = parse_protocol_extract(ocr)
    assert "Sammanfattning av érendet" in extract.headings
    assert extract.summary and extract.reservations and len(extract.recipients) == 3
    repaired = parse_protocol_extract(repair_text(ocr).text)
    assert repaired.body_name == "Miljö- och samhällsbyggnadsnämnden"
    correct = parse_protocol_extract(read("protokoll_correct.txt")).recipients
    assert repaired.recipients[1:] == correct[1:]  # "Varbackaskolans" is a name the repair keeps


def test_kind_detection():
    assert looks_like_extract(read("protokoll_ks.txt"))
    assert looks_like_extract(read("protokoll_ocr.txt"))
    assert not looks_like_extract(read(SEED_FILE))  # the scanned seed document
    assert not looks_like_extract(read("utlatande_correct.txt"))


def test_case_number_with_sub_number_and_lines_kept():
    text = "Kommunfullmäktige\n\n§ 3 Årsredovisning\nDnr KS-2014/742.912\n\nBeslut\nGodkänns.\n\nEn rad till\n"
    extract = parse_protocol_extract(text)
    assert (extract.body, extract.paragraph, extract.case_number) == ("KF", 3, "KS-2014/742.912")
    assert extract.decision == "Godkänns.\n\nEn rad till"

"""The officer's report parser, on the OCR seed and on correctly spelled texts."""

import re
from collections import Counter
from pathlib import Path

import pytest

from partnership_cms.demo import SEED_FILE
from partnership_cms.importer.officers_report import parse_officers_report

SEED = Path(SEED_FILE).read_text(encoding="utf-8")

# Headings and key words of the seed, spelled as a repair step would spell them.
RESPELLINGS = {
    "\nForslag till beslut\n": "\nFörslag till beslut\n",
    "Kommunstyrelsens férslag till kommunfullmdéktige": (
        "Kommunstyrelsens förslag till kommunfullmäktige"
    ),
    "Forvaltningens synpunkter": "Förvaltningens synpunkter",
    "Mal och budget 2021\n": "Mål och budget 2021\n",
    "Pagaende samverkan med Sédertérns hogskola": "Pågående samverkan med Södertörns högskola",
    " Forslag till avtal om strategiskt partnerskap\nI forslaget": (
        " Förslag till avtal om strategiskt partnerskap\nI förslaget"
    ),
    "= Rdttigheter.": "= Rättigheter.",
    "kalenderarsskifte": "kalenderårsskifte",
    "sex manader 1\nforvig": "sex månader i\nförväg",
    "Kommundirektor Bitrddande kommundirektor": "Kommundirektör Biträdande kommundirektör",
    "Sodertorns hogskola\nSamtliga ndmnder": "Södertörns högskola\nSamtliga nämnder",
}


def respelled_seed() -> str:
    text = SEED
    for old, new in RESPELLINGS.items():
        assert old in text, old
        text = text.replace(old, new)
    # Other bullet characters than the OCR's » and =.
    return text.replace("\n»  ", "\n• ").replace("\n» ", "\n• ").replace("\n= ", "\n- ")


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def output_words(report) -> Counter:
    """Every word the report holds, the headings and "Bilaga N" labels included."""
    parts = [
        report.title,
        report.proposing_body_line,
        *report.decision_points,
        report.summary,
        report.background,
        report.administration_views,
        report.consequences,
        *[f"{s['name']} {s['title']}" for s in report.signatories],
        *[f"Bilaga {a['number']}. {a['title']}" for a in report.attachments],
        *report.recipients,
        *report.headings,
        *report.unrecognised,
    ]
    return Counter(word for part in parts for word in words(part))


def test_seed_is_a_copy_of_the_shared_seed():
    shared = Path("/work/shared/seeds/000_bf2246c4a17bfbb0.txt")
    if not shared.exists():
        pytest.skip("shared seed not available")
    assert shared.read_bytes() == SEED.encode("utf-8")


def test_seed_sections():
    report = parse_officers_report(SEED)
    assert report.title == (
        "Forslag till avtal om strategiskt partnerskap mellan S6dertorns hogskola "
        "och Huddinge kommun"
    )
    assert report.headings == [
        "Forslag till beslut",
        "Sammanfattning",
        "Bakgrund",
        "Forvaltningens synpunkter",
        "Ekonomiska och juridiska konsekvenser",
        "Bilagor",
        "Beslutet ska skickas till",
    ]
    assert report.proposing_body_line == "Kommunstyrelsens férslag till kommunfullmdéktige"
    assert len(report.decision_points) == 1
    assert report.decision_points[0].startswith("Forslag till avtal om strategiskt partnerskap")
    assert report.decision_points[0].endswith("daterat den 11 augusti 2021, godkénns.")
    assert report.summary.startswith("Innovationer och utveckling dr nyckelfragor")
    # The page break (a line starting with a space) after a full stop is a paragraph break.
    assert "\n\nAvtalet forutsitter arbetsinsatser" in report.summary
    assert report.background.startswith("Inledning\n\nEn kunskapsledd ekonomi")
    for subheading in (
        "Kommunens strategi for samverkan med akademierna",
        "Mal och budget 2021",
        "Pagaende samverkan med Sédertérns hogskola",
        "Forslag till avtal om strategiskt partnerskap",
    ):
        assert f"\n\n{subheading}\n\n" in report.background
    assert report.administration_views.startswith("Kommunstyrelsens forvaltning anser")
    assert report.consequences.startswith("Avtalet forutsétter arbetsinsatser")
    assert report.consequences.endswith("om kommunen finner for gott att lamna samverkan.")
    assert "Camilla" not in report.consequences
    assert report.unrecognised == []


def test_seed_signatories_attachments_recipients():
    report = parse_officers_report(SEED)
    assert report.signatories == [
        {"name": "Camilla Broo", "title": "Kommundirektor"},
        {"name": "Patrik Forshage", "title": "Bitrddande kommundirektor"},
    ]
    assert report.attachments == [
        {
            "number": 1,
            "title": "Forslag till avtal om strategiskt partnerskap mellan Sodertdrns "
            "hogskola och Huddinge kommun.",
        },
        {"number": 2, "title": "Strategi for samverkan med akademierna"},
    ]
    assert report.recipients == ["Sodertorns hogskola", "Samtliga ndmnder och bolag"]


def test_seed_agreement():
    agreement = parse_officers_report(SEED).agreement
    assert agreement["parties"] == ["Huddinge kommun", "Sédertérns hogskola"]
    assert agreement["purpose"].startswith("Arbeta langsiktigt och systematiskt")
    assert agreement["focus_areas"] == [
        "Samverkan inom utbildning och kompetensforsorjning/kompetensutveckling",
        "Samverkan inom forskning och samhillsutveckling/verksamhetsutveckling.",
    ]
    assert agreement["organisation"].startswith("Partnerskapet styrs av en ledningsgrupp")
    assert agreement["rights"].startswith("Forskare/ldrare, studenter och Huddinge kommun")
    assert len(agreement["other_terms"]) == 1
    assert agreement["other_terms"][0].startswith("Sedvanliga avtalspunkter")
    assert agreement["termination"] == {"rule": "calendar_year_turn", "notice_months": 6}


def test_seed_nothing_lost():
    report = parse_officers_report(SEED)
    assert output_words(report) == Counter(words(SEED))


def test_correctly_spelled_seed_parses_alike():
    ocr = parse_officers_report(SEED)
    report = parse_officers_report(respelled_seed())
    assert report.headings[0] == "Förslag till beslut"
    assert report.proposing_body_line == "Kommunstyrelsens förslag till kommunfullmäktige"
    assert report.decision_points == ocr.decision_points
    assert report.summary == ocr.summary
    assert "\n\nPågående samverkan med Södertörns högskola\n\n" in report.background
    assert report.signatories == [
        {"name": "Camilla Broo", "title": "Kommundirektör"},
        {"name": "Patrik Forshage", "title": "Biträdande kommundirektör"},
    ]
    assert report.recipients == ["Södertörns högskola", "Samtliga nämnder och bolag"]
    assert report.attachments == ocr.attachments
    assert report.agreement["parties"] == ocr.agreement["parties"]
    assert report.agreement["focus_areas"] == ocr.agreement["focus_areas"]
    assert report.agreement["rights"] == ocr.agreement["rights"]
    assert report.agreement["termination"] == {"rule": "calendar_year_turn", "notice_months": 6}
    assert report.unrecognised == []
    assert output_words(report) == Counter(words(respelled_seed()))


def test_form_feed_page_breaks_parse_like_indented_lines():
    with_form_feeds = SEED.replace("\n ", "\n\f")
    assert with_form_feeds != SEED
    assert parse_officers_report(with_form_feeds) == parse_officers_report(SEED)


MADE_UP = """\
Ny simhall i Solby

Handläggare: Bo Ek, kultur- och fritidsförvaltningen

Förslag till beslut
Kommunstyrelsens förslag till kommunfullmäktige
1. Förstudien om en ny simhall i Solby, bilaga 1 till förvaltningens
tjänsteutlåtande daterat den 3 mars 2025, godkänns.
2. Kultur- och fritidsnämnden får i uppdrag att ta fram ett
investeringsunderlag.

Sammanfattning
Solby saknar simhall sedan 2019.

Bakgrund

Nuvarande lokaler
Den gamla simhallen stängdes 2019 efter en vattenskada.

Förvaltningens synpunkter

Förvaltningen ser behov av en ny simhall.

Ekonomiska och juridiska konsekvenser

Förstudien kostar 2 miljoner kronor.

Anna Andersson
Förvaltningschef

Bilagor
Bilaga 1. Förstudie ny simhall
i Solby

Handlingen finns hos registrator.

Beslutet ska skickas till
Kultur- och fritidsnämnden
Ekonomiavdelningen
"""


def test_made_up_report_with_correct_headings():
    report = parse_officers_report(MADE_UP)
    assert report.title == "Ny simhall i Solby"
    assert report.proposing_body_line == "Kommunstyrelsens förslag till kommunfullmäktige"
    assert report.decision_points == [
        "Förstudien om en ny simhall i Solby, bilaga 1 till förvaltningens "
        "tjänsteutlåtande daterat den 3 mars 2025, godkänns.",
        "Kultur- och fritidsnämnden får i uppdrag att ta fram ett investeringsunderlag.",
    ]
    assert report.summary == "Solby saknar simhall sedan 2019."
    assert report.background == (
        "Nuvarande lokaler\n\nDen gamla simhallen stängdes 2019 efter en vattenskada."
    )
    assert report.administration_views == "Förvaltningen ser behov av en ny simhall."
    assert report.consequences == "Förstudien kostar 2 miljoner kronor."
    assert report.signatories == [{"name": "Anna Andersson", "title": "Förvaltningschef"}]
    assert report.attachments == [{"number": 1, "title": "Förstudie ny simhall i Solby"}]
    assert report.recipients == ["Kultur- och fritidsnämnden", "Ekonomiavdelningen"]
    # Nothing fits the preamble line and the note under Bilagor, so they are kept aside.
    assert report.unrecognised == [
        "Handläggare: Bo Ek, kultur- och fritidsförvaltningen",
        "Handlingen finns hos registrator.",
    ]
    assert report.agreement["parties"] == []
    assert report.agreement["termination"] is None


def test_ocr_damaged_headings_are_recognised():
    text = (
        "Titel\n\nF6rslag till beslut\n\nAvtalet godkénns.\n\nSammanfattnimg\n\nKort.\n\n"
        "Bakgrumd\n\nLang.\n\nFérvaltningens synpunkter\n\nBra.\n\n"
        "Ekonomiska och juridiska konsekvenser\n\nInga.\n\n"
        "Bilag0r\nBilaga 1. Avtal\n\nBeslutet ska skickas tiil\nNamnden\n"
    )
    report = parse_officers_report(text)
    assert len(report.headings) == 7
    assert report.proposing_body_line == ""
    assert report.decision_points == ["Avtalet godkénns."]
    assert (report.summary, report.background) == ("Kort.", "Lang.")
    assert (report.administration_views, report.consequences) == ("Bra.", "Inga.")
    assert report.attachments == [{"number": 1, "title": "Avtal"}]
    assert report.recipients == ["Namnden"]
    assert report.unrecognised == []


@pytest.mark.parametrize(
    "sentence, months",
    [
        ("Avtalet kan sägas upp till närmaste kalenderårsskifte med tre månaders varsel.", 3),
        ("Avtalet kan sägas upp till kalenderårsskiftet med 12 månaders uppsägningstid.", 12),
        ("Uppsägning sker till närmaste kalenderarsskifte, tolv mdnader i forvag.", 12),
        ("Avtalet kan sägas upp med tre månaders varsel.", None),
    ],
)
def test_termination_clause(sentence, months):
    text = f"Titel\n\nEkonomiska och juridiska konsekvenser\n\n{sentence}\n"
    termination = parse_officers_report(text).agreement["termination"]
    expected = {"rule": "calendar_year_turn", "notice_months": months} if months else None
    assert termination == expected


def test_names_that_do_not_divide_evenly_stay_one_signatory():
    text = (
        "Titel\n\nBakgrund\n\nText.\n\nAnna Maria Berg Per Ek\nKommundirektör Ekonomichef\n\n"
        "Bilagor\n\nBilaga 1. Avtal\n"
    )
    report = parse_officers_report(text)
    assert report.signatories == [
        {"name": "Anna Maria Berg Per Ek", "title": "Kommundirektör Ekonomichef"}
    ]
    assert report.background == "Text."


def test_decision_without_proposing_body_line():
    text = (
        "Titel\n\nFörslag till beslut\nFörslag till avtal om samverkan mellan kommunen och\n"
        "högskolan godkänns.\n\nSammanfattning\n\nKort.\n"
    )
    report = parse_officers_report(text)
    assert report.proposing_body_line == ""
    assert report.decision_points == [
        "Förslag till avtal om samverkan mellan kommunen och högskolan godkänns."
    ]

"""Tests for the repair of Swedish letters broken by OCR."""

import pathlib

import pytest

from partnership_cms.demo import SEED_FILE
from partnership_cms.importer import repair, repair_cli

DATA = pathlib.Path(__file__).parent / "data"
# The scanned seed document (OCR text, broken å/ä/ö) is kept once, as the demo's seed case.
SEED_OCR = pathlib.Path(SEED_FILE)


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("ocr", "expected"), [
    # the seed's kinds of damage: plain vowel, é, d, i, digits, &, extra letters
    ("Kommunstyrelsens férslag till kommunfullmdéktige",
     "Kommunstyrelsens förslag till kommunfullmäktige"),
    ("Förslaget mellan Sédertdrns hogskola och kommunen godkénns.",
     "Förslaget mellan Södertörns högskola och kommunen godkänns."),
    ("Det 6vergripande madlet 1 M4l och budget",
     "Det övergripande målet i Mål och budget"),
    ("Utgédngspunkten &r att det 1 Flemingsberg finns",
     "Utgångspunkten är att det i Flemingsberg finns"),
    ("hallbara l16sningar framdver", "hållbara lösningar framöver"),
    ("= Rdttigheter. Forskare/ldrare har rétt", "= Rättigheter. Forskare/lärare har rätt"),
    ("Master i1 Ledarskap", "Master i Ledarskap"),
    # the same kinds of damage in sentences that are not in the seed
    ("Nimnden beslutar att godkénna forslaget.", "Nämnden beslutar att godkänna förslaget."),
    ("Beslutet ska skickas till socialnémnden och miljdforvaltningen.",
     "Beslutet ska skickas till socialnämnden och miljöförvaltningen."),
    ("Férskolan har 120 platser och behovs for att mota efterfragan.",
     "Förskolan har 120 platser och behövs för att möta efterfrågan."),
    ("Darfor behover kommunen s&kerstalla att alla far samma mojligheter.",
     "Därför behöver kommunen säkerställa att alla får samma möjligheter."),
    ("TJANSTEUTLATANDE", "TJÄNSTEUTLÅTANDE"),
])
def test_repairs_damaged_words(ocr, expected):
    assert repair.repair_text(ocr).text == expected


@pytest.mark.parametrize(("ocr", "expected"), [
    ("det dr bra", "det är bra"),
    ("for att", "för att"),
    ("Ledningsgruppen traffas en gang per ar.", "Ledningsgruppen träffas en gång per år."),
    ("Gruppen traffas tva ggr/ar.", "Gruppen träffas två ggr/år."),
    ("Det ar viktigt att ga vidare.", "Det är viktigt att gå vidare."),
    ("Hon sa att det var bra, sa vi gick.", "Hon sa att det var bra, så vi gick."),
    ("De som bor i kommunen bor fa hjalp.", "De som bor i kommunen bör få hjälp."),
    ("Det gick snabbare an vantat.", "Det gick snabbare än väntat."),
    ("Kostnaden beriknas for 1 ar.", "Kostnaden beräknas för 1 år."),
])
def test_context_decides_words_valid_both_ways(ocr, expected):
    assert repair.repair_text(ocr).text == expected


def test_lone_one_stays_a_number_where_a_number_belongs():
    text = "Enligt bilaga 1 till beslutet den 1 april 2021 kostar det 1 000 kronor."
    assert repair.repair_text(text).text == text


def test_leaves_names_numbers_dates_and_abbreviations_alone():
    text = ("Huddinge kommun och ULF i Flemingsberg, KS-2021/457, den 11 augusti 2021.\n"
            "Camilla Broo\tPatrik Forshage\n")
    result = repair.repair_text(text)
    assert result.text == text
    assert result.changes == []


def test_correct_swedish_comes_back_identical_without_changes():
    paragraph = (
        "Kommunfullmäktige beslutade i juni att ge socialnämnden i uppdrag att se över\n"
        "hur stödet till äldre som bor hemma kan förbättras. Nämnden har därför låtit\n"
        "genomföra en enkät bland brukare och anhöriga. Resultatet visar att de flesta är\n"
        "nöjda med hemtjänsten, men att många önskar färre personer som besöker dem under\n"
        "veckan. Förvaltningen föreslår att arbetet med mindre arbetsgrupper fortsätter och\n"
        "att en uppföljning görs nästa år.\n")
    result = repair.repair_text(paragraph)
    assert result.text == paragraph
    assert result.changes == []


@pytest.mark.parametrize("name", ["seed_correct.txt", "protokoll_correct.txt",
                                  "utlatande_correct.txt"])
def test_correct_documents_are_not_changed(name):
    text = read(name)
    assert repair.repair_text(text).text == text


def test_layout_is_kept_byte_for_byte():
    ocr = ("  Forslag\ttill  beslut  \n\n\x0c Kommunstyrelsens férslag\r\n"
           "\t\tgodkénns.   \n\n\n= dr  pd\x0cplats \n")
    expected = ("  Förslag\ttill  beslut  \n\n\x0c Kommunstyrelsens förslag\r\n"
                "\t\tgodkänns.   \n\n\n= är  på\x0cplats \n")
    result = repair.repair_text(ocr)
    assert result.text == expected
    # only the words differ: every separator is exactly where it was
    assert repair.WORD_RE.split(result.text)[::2] == repair.WORD_RE.split(ocr)[::2]


def test_changes_carry_position_and_confidence():
    text = "Detta dr\nen bra l16sning."
    changes = repair.repair_text(text).changes
    assert [(c.line, c.column, c.original, c.replacement) for c in changes] == [
        (1, 7, "dr", "är"), (2, 8, "l16sning", "lösning")]
    for change in repair.repair_text(read(SEED_OCR)).changes:
        assert 0.0 <= change.confidence <= 1.0
        assert change.reason


def test_uncertain_changes_are_proposed_not_applied():
    text = "Kommunstyrelsens férslag godkénns."
    proposed = repair.repair_text(text, min_confidence=1.01)
    assert proposed.text == text
    assert len(proposed.changes) == 2
    assert repair.apply_changes(text, proposed.changes, 0.0) == \
        "Kommunstyrelsens förslag godkänns."
    assert repair.apply_changes(text, proposed.changes[:1], 0.0) == \
        "Kommunstyrelsens förslag godkénns."


def test_apply_changes_refuses_changes_for_another_text():
    changes = repair.repair_text("godkénns").changes
    with pytest.raises(ValueError):
        repair.apply_changes("something else", changes)


def test_match_case():
    assert repair.match_case("M4l", "mål") == "Mål"
    assert repair.match_case("OVER", "över") == "ÖVER"
    assert repair.match_case("6ver", "över") == "över"


def test_seed_pair_restores_most_damaged_words():
    result = repair_cli.evaluate(read(SEED_OCR), read("seed_correct.txt"))
    assert result.words == 1302
    assert result.restored_share >= 0.90
    assert result.wrongly_changed_share <= 0.01


def test_evaluation_aligns_texts_of_different_length():
    result = repair_cli.evaluate("Det dr bra och extra", "Det är bra")
    assert (result.words, result.damaged, result.restored) == (3, 1, 1)


def test_repair_text_command(tmp_path, capsys):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"Forslag till beslut\r\nDet dr bra.\n")
    assert repair_cli.main_repair_text([str(path), "--changes"]) == 0
    out, err = capsys.readouterr()
    assert out == "Förslag till beslut\r\nDet är bra.\n"
    rows = [line.split("\t") for line in err.splitlines()]
    assert rows[0][:5] == ["line", "column", "original", "replacement", "confidence"]
    assert rows[1][:4] == ["1", "1", "Forslag", "Förslag"]
    assert rows[2][:4] == ["2", "5", "dr", "är"]


def test_repair_text_command_with_high_threshold_only_proposes(tmp_path, capsys):
    path = tmp_path / "scan.txt"
    path.write_text("Det dr bra.", encoding="utf-8")
    assert repair_cli.main_repair_text([str(path), "--min-confidence", "1.1",
                                        "--changes"]) == 0
    out, err = capsys.readouterr()
    assert out == "Det dr bra."
    assert "\tno\t" in err


def test_repair_text_command_reports_missing_file(tmp_path, capsys):
    assert repair_cli.main_repair_text([str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err


def test_repair_eval_command(capsys):
    code = repair_cli.main_evaluate([str(SEED_OCR),
                                     str(DATA / "seed_correct.txt")])
    assert code == 0
    out = capsys.readouterr().out
    for label in ("words", "words damaged", "damaged words restored",
                  "correct words changed", "word accuracy before",
                  "word accuracy after", "words per second"):
        assert label in out

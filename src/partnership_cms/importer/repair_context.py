"""Context rules for OCR words that are Swedish either way.

"ar" may be "år" or "är", "bor" may be "bor" or "bör", and a lone "1" may be
the number or the preposition "i".  Word frequencies cannot decide these, so
we look at the neighbouring words with a few general grammatical rules of
Swedish (a number or "per" before a noun, a pronoun before a verb, a modal
verb before an infinitive).  None of the rules names a word of one document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {"ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio",
                "tio", "elva", "tolv", "femton", "tjugo", "trettio", "hundra"}
# Words after which a noun of time is expected: "per år", "varje år", "i år".
BEFORE_YEAR = NUMBER_WORDS | {"per", "varje", "vart", "varannat", "samma",
                              "nästa", "förra", "senaste", "kommande", "flera",
                              "några", "många", "halvt", "ggr", "gång", "gånger",
                              "kr", "kronor", "i", "under", "ett", "första"}
SUBJECT_PRONOUNS = {"jag", "du", "han", "hon", "vi", "ni", "de", "dom", "man"}
# Words that are often the subject right before "är".
BEFORE_IS = SUBJECT_PRONOUNS | {"det", "detta", "den", "denna", "som", "vilket",
                                "här", "där", "vad", "vem", "hur", "syftet"}
# "bor i", "bor på": living somewhere; otherwise "bör" (should).
AFTER_LIVE = {"i", "på", "hos", "kvar", "nära", "tillsammans", "ensam", "ensamma",
              "utomlands", "inom", "där", "här", "vid", "själv", "själva", "hemma",
              "ihop", "utanför", "centralt", "permanent", "fortfarande", "nu"}
POSSESSIVES = {"min", "din", "sin", "hans", "hennes", "deras", "vår", "er"}
# Infinitive markers and modal verbs: the next word is a verb.
BEFORE_VERB = {"att", "kan", "ska", "skall", "kunna", "vill", "bör", "måste",
               "får", "behöver", "kommer", "skulle", "kunde"}
NEUTER_BEFORE_NOUN = {"ett", "detta", "samma", "vilket", "annat", "nytt",
                      "något", "varje", "eget"}
PREPOSITIONS_BEFORE_NOUN = {"av", "för", "i", "med", "till", "på", "från", "om",
                            "alla", "hos", "åt"}
# Comparatives take "än": "mer än", "effektivare än".
COMPARATIVES = {"mer", "mera", "mindre", "fler", "färre", "bättre", "sämre",
                "större", "högre", "lägre", "längre", "hellre", "snarare",
                "annat", "annan", "andra", "tidigare", "senare", "mest"}
# Verbs with a Swedish twin without å/ä/ö ("förstå"/"första", "ändra"/"andra").
INFINITIVES = {"ändra", "förstå", "vara", "äga", "mäta", "låta", "låna", "nå",
               "få", "stå", "gå", "må", "läsa", "bära", "nämna", "sänka", "höja"}
WITHOUT_ACCENTS = str.maketrans("åäö", "aao")

MONTHS = {"januari", "februari", "mars", "april", "maj", "juni", "juli",
          "augusti", "september", "oktober", "november", "december"}
# A number is expected after these: "bilaga 1", "punkt 1", "den 1 april".
BEFORE_NUMBER = {"bilaga", "bilagan", "bilagor", "punkt", "punkterna", "kapitel",
                 "kap", "avsnitt", "steg", "fas", "nr", "nummer", "sida", "sidan",
                 "sid", "del", "version", "etapp", "alternativ", "bild", "tabell",
                 "figur", "diagram", "rad", "kolumn", "grupp", "nivå", "klass",
                 "kvartal", "tertial", "period", "zon", "årskurs", "åk", "plan",
                 "våning", "paragraf", "mål", "och", "eller", "till", "den",
                 "från", "per", "senast", "före", "efter", "mellan", "bilagorna"}
# A number comes before these: "1 kap.", "1 st", "1 år", "1 000".
AFTER_NUMBER = {"st", "kr", "tkr", "mkr", "mnkr", "miljon", "miljoner", "miljard",
                "procent", "timme", "timmar", "år", "ar", "månad", "månader",
                "vecka", "veckor", "dag", "dagar", "gång", "person", "personer",
                "plats", "platser", "heltid", "kap", "av", "och", "till", "eller",
                "januari", "tjänst", "tjänster", "meter", "km", "kilometer", "m"}
SENTENCE_END = re.compile(r"[.!?:»=•*—–]\s*$|\n\s*\n")


@dataclass
class Token:
    """A word of the text, the separator before it and its best reading."""

    text: str
    index: int  # offset in the text
    sep_before: str
    best: str = ""
    line: int = 1
    column: int = 1

    def sentence_start(self, prev: Token | None) -> bool:
        """True if the token starts a sentence, heading or list item."""
        return prev is None or bool(SENTENCE_END.search(self.sep_before))


def _plain(word: str) -> str:
    """The word as the scanner most often prints it: "här" -> "har"."""
    return word.translate(WITHOUT_ACCENTS)


def _word(token: Token | None) -> str:
    return token.best if token else ""


def bonus(word: str, prev: Token | None, nxt: Token | None,
          token: Token) -> tuple[float, str]:
    """log10 bonus for reading `token` as `word` given its neighbours."""
    before = _word(prev) if prev and not token.sentence_start(prev) else ""
    after = _word(nxt) if nxt and not nxt.sentence_start(token) else ""
    if word == "år":
        year_next = nxt is not None and re.fullmatch(r"(19|20)\d\d", nxt.text)
        if before in BEFORE_YEAR or before.isdigit() or year_next \
                or token.sep_before.strip() == "/":
            return 3.0, f"context: '{before or after}' goes with 'år'"
    if word == "är" and before in BEFORE_IS:
        return 0.5, f"context: '{before} är'"
    if word == "sa" and before in SUBJECT_PRONOUNS:
        return 2.5, f"context: '{before} sa'"
    if word == "bor" and _plain(after) in {_plain(w) for w in AFTER_LIVE}:
        return 2.0, f"context: 'bor {after}'"
    if word == "bör" and after and _plain(after) not in {_plain(w) for w in AFTER_LIVE}:
        return 1.0, "context: 'bör' before a verb"
    if word == "far" and before in POSSESSIVES:
        return 2.0, f"context: '{before} far'"
    if word == "sätt" and (before in NEUTER_BEFORE_NOUN or after == "att"):
        return 1.5, "context: 'ett sätt'"
    if word == "satt" and before in SUBJECT_PRONOUNS:
        return 1.5, f"context: '{before} satt'"
    if word in INFINITIVES and before in BEFORE_VERB \
            and token.text.lower() == _plain(word):
        return 1.5, f"context: '{before} {word}'"
    if word == "än" and (before in COMPARATIVES or before.endswith("are")):
        return 2.0, f"context: '{before} än'"
    if word == "våra" and before in PREPOSITIONS_BEFORE_NOUN:
        return 1.5, f"context: '{before} våra'"
    if word == "mån" and before == "i" and after == "av":
        return 3.0, "context: 'i mån av'"
    return 0.0, ""


def lone_one(prev: Token | None, token: Token,
             nxt: Token | None) -> tuple[str, float, str] | None:
    """Decide whether a lone "1" is the preposition "i"; None keeps it.

    The scanner reads "i" as "1".  A real number follows words such as
    "bilaga" or precedes units ("1 kap.", "1 000"); "1 april" after "den" is
    a date.  Between two ordinary words the preposition is far more likely.
    """
    if nxt is None or not nxt.text[0].isalpha():
        return None
    if not re.fullmatch(r"[ \t]+|[ \t]*\n[ \t]*", nxt.sep_before):
        return None  # "1." "1)" "1:" are list numbers
    after = nxt.best or nxt.text.lower()
    if after in AFTER_NUMBER or nxt.text.lower() in AFTER_NUMBER:
        return None
    if token.sentence_start(prev):
        if prev is not None and nxt.text[0].islower() and after not in MONTHS:
            return "I", 0.6, "context: '1' starting a sentence"
        return None
    before = _word(prev)
    if not prev or not prev.text.isalpha() or before in BEFORE_NUMBER:
        return None
    if after in MONTHS:
        return "i", 0.55, f"context: '{before} 1 {after}' (not 'den 1 {after}')"
    return "i", 0.9, f"context: '1' between '{before}' and '{after}'"

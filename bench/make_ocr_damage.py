"""Damage a correct Swedish text the way the municipality's scanner OCR did.

The substitution rates below were counted on the hand-corrected seed document
(src/partnership_cms/demo/seed_huddinge_2021.txt against
tests/importer/data/seed_correct.txt): in that scan every
å/ä/ö was broken, mostly into a plain vowel, 'é', 'd' or 'i', sometimes into a
digit or a two-letter sequence, and about a third of the lone prepositions "i"
came out as "1".  We keep a small chance that a letter survives, since other
scans will not be quite as bad.

Usage: python bench/make_ocr_damage.py CORRECT_FILE OUT_FILE [--seed N]
"""

import argparse
import random
import re

# true letter -> list of (ocr output, weight); weights are the seed's counts.
DAMAGE = {
    "ö": [("o", 113), ("d", 12), ("é", 10), ("6", 6), ("oé", 1), ("16", 1), ("ö", 7)],
    "ä": [("é", 25), ("d", 25), ("i", 22), ("a", 17), ("id", 3), ("&", 2), ("dé", 1),
          ("éd", 1), ("éi", 1), ("da", 1), ("ä", 5)],
    "å": [("a", 47), ("é", 12), ("d", 10), ("4", 2), ("i", 2), ("ad", 1), ("éd", 1),
          ("éa", 1), ("å", 4)],
}
# Capital letters: the scanner lost the accent or read a digit/sign.
DAMAGE_UPPER = {
    "Ö": [("O", 20), ("6", 2), ("0", 1), ("Ö", 1)],
    "Ä": [("A", 20), ("&", 1), ("Ä", 1)],
    "Å": [("A", 20), ("4", 1), ("Å", 1)],
}
LONE_I = [("1", 8), ("i1", 1), ("i", 20)]


def pick(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    """Pick an output with probability proportional to its weight."""
    outputs = [output for output, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(outputs, weights=weights)[0]


def damage_text(text: str, seed: int = 1) -> str:
    """Return text with å/ä/ö and lone "i" broken like the seed scan."""
    rng = random.Random(seed)
    parts = re.split(r"(\w+)", text)
    for index in range(1, len(parts), 2):
        word = parts[index]
        if word == "i":
            parts[index] = pick(rng, LONE_I)
            continue
        letters = []
        for char in word:
            if char in DAMAGE:
                letters.append(pick(rng, DAMAGE[char]))
            elif char in DAMAGE_UPPER:
                letters.append(pick(rng, DAMAGE_UPPER[char]))
            else:
                letters.append(char)
        parts[index] = "".join(letters)
    return "".join(parts)


def main() -> None:
    """Command-line entry: write the damaged version of a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("correct_file")
    parser.add_argument("out_file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.correct_file, encoding="utf-8") as handle:
        text = handle.read()
    with open(args.out_file, "w", encoding="utf-8") as handle:
        handle.write(damage_text(text, args.seed))


if __name__ == "__main__":
    main()

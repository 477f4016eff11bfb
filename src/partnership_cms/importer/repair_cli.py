"""Command-line entries for the OCR repair: repair a file, evaluate a repair.

`partnership-cms repair-text FILE` writes the repaired text to stdout;
`partnership-cms repair-eval OCR_FILE CORRECT_FILE` measures how well the
repair restores a damaged text whose correct version is known.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from dataclasses import dataclass

from partnership_cms.importer import repair


def _read(path: str) -> str:
    # newline="" keeps "\r\n" and lone "\r" as they are in the file.
    if path == "-":
        return sys.stdin.buffer.read().decode("utf-8")
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def main_repair_text(argv: list[str] | None = None) -> int:
    """Entry for `partnership-cms repair-text FILE`; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="partnership-cms repair-text",
        description="Repair Swedish letters broken by OCR; the text goes to stdout.")
    parser.add_argument("file", help="UTF-8 text file, or - for stdin")
    parser.add_argument("--changes", action="store_true",
                        help="print every proposed change as TSV on stderr")
    parser.add_argument("--min-confidence", type=float,
                        default=repair.DEFAULT_MIN_CONFIDENCE,
                        help="apply changes at least this confident (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        text = _read(args.file)
    except (OSError, UnicodeDecodeError) as error:
        print(f"repair-text: {error}", file=sys.stderr)
        return 2
    result = repair.repair_text(text, args.min_confidence)
    sys.stdout.buffer.write(result.text.encode("utf-8"))
    sys.stdout.flush()
    if args.changes:
        print("line\tcolumn\toriginal\treplacement\tconfidence\tapplied\treason",
              file=sys.stderr)
        for change in result.changes:
            applied = "yes" if change.confidence >= args.min_confidence else "no"
            print(f"{change.line}\t{change.column}\t{change.original}\t"
                  f"{change.replacement}\t{change.confidence:.3f}\t{applied}\t"
                  f"{change.reason}", file=sys.stderr)
    return 0


@dataclass
class Evaluation:
    """Word-level figures of one repair against the correct text."""

    words: int
    damaged: int
    restored: int
    wrongly_changed: int
    correct_before: int
    correct_after: int
    seconds: float

    @property
    def restored_share(self) -> float:
        return self.restored / self.damaged if self.damaged else 1.0

    @property
    def wrongly_changed_share(self) -> float:
        undamaged = self.words - self.damaged
        return self.wrongly_changed / undamaged if undamaged else 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else float("inf")

    def report(self) -> str:
        """The figures as aligned text lines."""
        return "\n".join([
            f"words                   {self.words}",
            f"words damaged           {self.damaged}",
            f"damaged words restored  {self.restored} ({self.restored_share:.1%})",
            f"correct words changed   {self.wrongly_changed} "
            f"({self.wrongly_changed_share:.2%})",
            f"word accuracy before    {self.correct_before / self.words:.2%}",
            f"word accuracy after     {self.correct_after / self.words:.2%}",
            f"words per second        {self.words_per_second:.0f}",
        ])


def align_words(ocr: list[str], correct: list[str]) -> list[tuple[int, int]]:
    """Pairs of (OCR index, correct index) for words at the same place.

    Repairs change words only, so the lists normally have the same length;
    otherwise difflib pairs up equal-sized runs and leaves the rest unpaired.
    """
    if len(ocr) == len(correct):
        return list(zip(range(len(ocr)), range(len(correct)), strict=True))
    pairs: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, ocr, correct, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=True))
    return pairs


def evaluate(ocr_text: str, correct_text: str,
             min_confidence: float = repair.DEFAULT_MIN_CONFIDENCE) -> Evaluation:
    """Repair `ocr_text` and compare OCR, repair and truth word by word."""
    repair.get_lexicon()  # load outside the timing
    started = time.perf_counter()
    repaired_text = repair.repair_text(ocr_text, min_confidence).text
    seconds = time.perf_counter() - started
    ocr = repair.WORD_RE.findall(ocr_text)
    repaired = repair.WORD_RE.findall(repaired_text)
    correct = repair.WORD_RE.findall(correct_text)
    damaged = restored = wrong = before = after = 0
    for ocr_index, correct_index in align_words(ocr, correct):
        truth = correct[correct_index]
        was, now = ocr[ocr_index], repaired[ocr_index]
        before += was == truth
        after += now == truth
        if was != truth:
            damaged += 1
            restored += now == truth
        elif now != truth:
            wrong += 1
    # Words of the correct text that could not be paired count as damaged
    # and not restored.
    damaged += len(correct) - len(align_words(ocr, correct))
    return Evaluation(len(correct), damaged, restored, wrong, before, after, seconds)


def main_evaluate(argv: list[str] | None = None) -> int:
    """Entry for `partnership-cms repair-eval OCR_FILE CORRECT_FILE`."""
    parser = argparse.ArgumentParser(
        prog="partnership-cms repair-eval",
        description="Measure the OCR repair against a correct version of the text.")
    parser.add_argument("ocr_file")
    parser.add_argument("correct_file")
    parser.add_argument("--min-confidence", type=float,
                        default=repair.DEFAULT_MIN_CONFIDENCE)
    args = parser.parse_args(argv)
    try:
        ocr_text, correct_text = _read(args.ocr_file), _read(args.correct_file)
    except (OSError, UnicodeDecodeError) as error:
        print(f"repair-eval: {error}", file=sys.stderr)
        return 2
    print(evaluate(ocr_text, correct_text, args.min_confidence).report())
    return 0

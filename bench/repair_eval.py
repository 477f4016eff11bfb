"""Evaluate the OCR repair on every text pair in tests/importer/data.

A pair is NAME_ocr.txt (damaged) with NAME_correct.txt.  Prints one block of
figures per pair and a total.  Usage, from the repository root:

    PYTHONPATH=src python bench/repair_eval.py [NAME ...] [--repeat N]
"""

import argparse
import pathlib
import statistics
import sys

from partnership_cms.importer import repair
from partnership_cms.importer.repair_cli import Evaluation, evaluate

DATA = pathlib.Path(__file__).resolve().parent.parent / "tests" / "importer" / "data"


def main() -> int:
    """Evaluate the named pairs (default: all) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="pair names, e.g. seed holdout")
    parser.add_argument("--min-confidence", type=float,
                        default=repair.DEFAULT_MIN_CONFIDENCE)
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per text; the median time is reported (default 5)")
    args = parser.parse_args()
    names = args.names or sorted(path.name[:-len("_ocr.txt")]
                                 for path in DATA.glob("*_ocr.txt"))
    total = Evaluation(0, 0, 0, 0, 0, 0, 0.0)
    for name in names:
        ocr = (DATA / f"{name}_ocr.txt").read_text(encoding="utf-8")
        correct = (DATA / f"{name}_correct.txt").read_text(encoding="utf-8")
        runs = []
        for _ in range(max(1, args.repeat)):
            # Start every run with empty caches so that the speed is honest.
            repair.get_lexicon().clear_cache()
            runs.append(evaluate(ocr, correct, args.min_confidence))
        result = runs[0]
        result.seconds = statistics.median(run.seconds for run in runs)
        print(f"== {name}\n{result.report()}\n")
        for field in ("words", "damaged", "restored", "wrongly_changed",
                      "correct_before", "correct_after", "seconds"):
            setattr(total, field, getattr(total, field) + getattr(result, field))
    if len(names) > 1:
        print(f"== total\n{total.report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

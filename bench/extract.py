"""Time reader -> validated facts over corpus/ in one process; prints words/second (median of runs).

    python bench/extract.py [--runs 5] [corpus/]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from kg.extract import Extractor
from kg.ontology import load_lexicon
from kg.reader import read_document
from kg.validate import validate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default="corpus")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    paths = sorted(p for p in Path(a.corpus).iterdir() if p.suffix in (".txt", ".md"))
    extractor, lexicon = Extractor(), load_lexicon()
    times, words, facts = [], 0, 0
    for _ in range(a.runs):
        t0 = time.perf_counter()
        words = facts = 0
        for p in paths:
            doc = read_document(p)
            good, _rejects = validate(extractor.extract(doc), lexicon)
            words += doc.word_count
            facts += len(good)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"{len(paths)} papers, {words} words, {facts} validated facts")
    print(f"median {median:.2f} s over {a.runs} runs -> {words / median:,.0f} words/s (one process)")


if __name__ == "__main__":
    main()

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
    times, cpu_times, words, facts = [], [], 0, 0
    for _ in range(a.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        words = facts = 0
        for p in paths:
            doc = read_document(p)
            good, _rejects = validate(extractor.extract(doc), lexicon)
            words += doc.word_count
            facts += len(good)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    median, cpu = statistics.median(times), statistics.median(cpu_times)
    print(f"{len(paths)} papers, {words} words, {facts} validated facts")
    print(f"median wall {median:.2f} s over {a.runs} runs -> {words / median:,.0f} words/s (one process)")
    # CPU time is what one core spends; it stays meaningful when other work shares the machine
    print(f"median CPU  {cpu:.2f} s -> {words / cpu:,.0f} words per CPU-second")


if __name__ == "__main__":
    main()

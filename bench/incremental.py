"""Cost of adding one paper to a growing store, on a labelled SYNTHETIC corpus.

    python bench/incremental.py [--papers 1000] [--sizes 10,100,1000] [--probes 5] [--workdir DIR]
                                [--parallel 100] [--keep]

1. Corpus. ``--papers`` synthetic papers (+ ``--probes`` more) are written to ``DIR/corpus``. Each one is made
   by recombining sentences of the seed papers (``corpus/*.txt``) that state a value with a unit: the material
   is swapped for another one from a pool of real electrolyte formulas and compositional variants of them,
   and every value before a unit is replaced by a random value of the same magnitude. A table, citations and a
   reference list (from a shared pool of synthetic DOIs, so papers cite common works) are added. Every file
   says that it is synthetic in its title and first paragraph, and ``DIR/labels.jsonl`` lists what was put in
   each sentence (doc, line, material, value as written, unit as written): the labels.
2. Timing. The store is filled to each size in ``--sizes`` (in one process, ``kg.pipeline.ingest``); at each
   size, each probe paper is ingested (timed) and removed again, so the size stays put. Reported: the median
   over probes (each the minimum of ``--repeat`` runs, the run least disturbed by other load) of (a)
   ``ingest([probe])`` in a warm process (extractor loaded: the marginal cost of a paper), wall and CPU time,
   and the ``Store.write_paper`` share of it, and (b) the wall time of the command
   ``kg --store DIR/store ingest probe.txt`` (adds Python start-up and spaCy load, the same at every size).
   Target: the 1000-paper time within 1.3x of the 10-paper time.
3. ``--parallel K``: wall time of ``kg ingest --workers 1`` and ``--workers 2`` over the first K papers
   into fresh stores (each worker process loads spaCy itself).

Everything generated is deterministic (seeded) and lives under ``--workdir`` (default a temporary folder).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "corpus"

BASE_FORMULAS = [
    "Li6PS5Cl", "Li6PS5Br", "Li6PS5I", "Li10GeP2S12", "Li7P3S11", "Li3PS4", "Li4SnS4", "Li3InCl6", "Li3YCl6",
    "Li3YBr6", "Li2ZrCl6", "Li3ScCl6", "Li7La3Zr2O12", "Li6.4La3Zr1.4Ta0.6O12", "Li6.25Al0.25La3Zr2O12",
    "Li1.3Al0.3Ti1.7(PO4)3", "Li1.5Al0.5Ge1.5(PO4)3", "Li0.33La0.56TiO3", "Li3OCl", "Li2OHCl", "LiBH4",
    "Li4(BH4)3I", "Na3PS4", "Na3SbS4", "Na2.88Sb0.88W0.12S4", "Na3PSe4", "NaCB11H12", "Na2B12H12",
    "Na3Zr2Si2PO12", "Na2.9PS3.9Cl0.1", "Li9.54Si1.74P1.44S11.7Cl0.3", "Li5.5PS4.5Cl1.5", "Li3ErCl6",
]
UNITS = r"(?:mS\s*cm[⁻−-]?¹|mS\s*cm\^?\{?-1\}?|S\s*cm[⁻−-]?¹|S\s*cm\^?\{?-1\}?|mS/cm|S/cm|meV|eV|mA\s*cm[⁻−-]?²|mA\s*cm\^?\{?-2\}?|V\b|°C|K\b)"
_NUMBER_UNIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s*(?:×\s*10[⁻−-]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+\s*)?)(" + UNITS + ")")
_FORMULA = re.compile(r"(?<!\S)((?:[A-Z][a-z]?[0-9₀-₉.]*){2,}?)(?=[\s,;:]|\.(?:\s|$))")
ELEMENTS = set("H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
               "Rb Sr Y Zr Nb Mo Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf "
               "Ta W Re Os Ir Pt Au Hg Tl Pb Bi".split())
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _is_formula(s: str) -> bool:
    """A whole token made of element symbols with at least one count (Li₆PS₅Cl, Na3SbS4)."""
    plain = s.translate(_SUB)
    symbols = re.findall(r"[A-Z][a-z]?", plain)
    return (len(symbols) >= 2 and any(c.isdigit() for c in plain) and all(e in ELEMENTS for e in symbols)
            and re.fullmatch(r"(?:[A-Z][a-z]?[0-9.]*)+", plain) is not None and not plain.endswith("."))


def _formulas(sent: str) -> list[re.Match]:
    return [m for m in _FORMULA.finditer(sent) if _is_formula(m.group(1))]


def seed_sentences() -> list[str]:
    """Sentences of the seeds with a formula and at least one number before a unit (the templates)."""
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" in line or line.lstrip().startswith(("-", "[", "|", "#")):
                continue
            for sent in _SPLIT.split(line.strip()):
                if not (40 <= len(sent) <= 320) or not sent.endswith("."):
                    continue
                if _formulas(sent) and _NUMBER_UNIT.search(sent):
                    out.append(sent)
    return sorted(set(out))


def material_pool(rng: random.Random) -> list[str]:
    """Real formulas plus compositional variants (Li6-xPS5-xCl1+x, Li7-xLa3Zr2-xTaxO12, ...)."""
    pool = list(BASE_FORMULAS)
    for x in (0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7):
        pool.append(f"Li{6 - x:g}PS{5 - x:g}Cl{1 + x:g}")
        pool.append(f"Li{6 - x:g}PS{5 - x:g}Br{1 + x:g}")
        pool.append(f"Li{7 - x:g}La3Zr{2 - x:g}Ta{x:g}O12")
        pool.append(f"Li{3 - x:g}In{1 - x:g}Zr{x:g}Cl6")
        pool.append(f"Na{3 - x:g}Sb{1 - x:g}W{x:g}S4")
        pool.append(f"Li{1 + x:g}Al{x:g}Ti{2 - x:g}(PO4)3")
    rng.shuffle(pool)
    return pool


def _new_value(text: str, rng: random.Random) -> str:
    value = float(text) * rng.uniform(0.4, 2.5)
    decimals = len(text.split(".")[1]) if "." in text else 0
    out = f"{value:.{max(decimals, 1 if value < 10 else 0)}f}"
    return out if float(out) != 0 else text


def make_paper(i: int, rng: random.Random, templates: list[str], pool: list[str], refs: list[str]) -> tuple[str, list[dict]]:
    """One synthetic paper's text and its labels."""
    doc = f"syn_{i:05d}"
    mats = rng.sample(pool, 4)
    lines = [f"Synthetic paper {i}: {mats[0]} and {mats[1]} solid electrolytes for all-solid-state batteries", "",
             "A. Synthetic, B. Generated and C. Bench", "", f"DOI: 10.5555/sse-synthetic-paper.{i}", "",
             "Abstract", "",
             "This is a synthetic paper made by bench/incremental.py from sentences of the seed corpus with other "
             "materials and values; it is not real data.", "", "1. Introduction", ""]
    labels: list[dict] = []
    my_refs = rng.sample(range(len(refs)), 10)
    for k in range(rng.randint(14, 22)):
        sent = rng.choice(templates)
        mat = rng.choice(mats) if rng.random() < 0.7 else rng.choice(pool)
        m = _formulas(sent)[0]
        sent = sent[:m.start(1)] + mat + sent[m.end(1):]
        vals = []

        def repl(mm):
            v = _new_value(mm.group(1), rng)
            vals.append((v, mm.group(3)))
            return v + mm.group(2) + mm.group(3)

        sent = _NUMBER_UNIT.sub(repl, sent)
        sent = re.sub(r"\s*\[\d+(?:[,–-]\d+)*\]", "", sent)
        n = rng.randint(1, 10)
        sent = sent[:-1] + f" [{n}]."
        lines.append(sent)
        lines.append("")
        labels.extend({"doc": doc, "line": len(lines) - 1, "material": mat, "value": v, "unit": u,
                       "source": "text"} for v, u in vals)
        if k == 6:
            lines += ["2. Results and discussion", ""]
    lines += ["Table 1. Ionic conductivity and activation energy of the electrolytes (synthetic values).",
              "Electrolyte\tσ (mS cm⁻¹) @RT\tEa (eV)\tRefs."]
    for mat in mats[:rng.randint(2, 4)]:
        sigma, ea, n = f"{rng.uniform(0.05, 12):.2f}", f"{rng.uniform(0.18, 0.45):.2f}", rng.randint(1, 10)
        lines.append(f"{mat}\t{sigma}\t{ea}\t[{n}]")
        labels.append({"doc": doc, "line": len(lines), "material": mat, "value": sigma, "unit": "mS cm⁻¹",
                       "source": "table"})
        labels.append({"doc": doc, "line": len(lines), "material": mat, "value": ea, "unit": "eV", "source": "table"})
    lines += ["", "References", ""]
    for n, r in enumerate(my_refs, 1):
        lines.append(f"[{n}] {refs[r]}")
    return "\n".join(lines) + "\n", labels


def reference_pool(rng: random.Random, n: int = 300) -> list[str]:
    surnames = ["Kato", "Kamaya", "Deiseroth", "Asano", "Murugan", "Zhang", "Wang", "Li", "Janek", "Zeier",
                "Nazar", "Ceder", "Mo", "Hayashi", "Tatsumisago", "Orimo", "Udovic", "Famprikis", "Bachman"]
    journals = ["Nat. Energy", "Adv. Energy Mater.", "J. Am. Chem. Soc.", "Chem. Mater.", "Energy Environ. Sci.",
                "ACS Energy Lett.", "Solid State Ionics", "J. Mater. Chem. A"]
    words = ["lithium", "sodium", "superionic", "conductor", "halide", "sulfide", "argyrodite", "garnet",
             "interface", "stability", "solid", "electrolyte", "batteries", "transport", "fast", "ion"]
    out = []
    for i in range(n):
        a, b = rng.sample(surnames, 2)
        title = " ".join(rng.sample(words, 6)).capitalize()
        year = rng.randint(2005, 2024)
        out.append(f"{a[0]}. {a}, {b[0]}. {b}, {title}, {rng.choice(journals)} {rng.randint(1, 40)} ({year}) "
                   f"{rng.randint(100, 9999)}. doi:10.5555/sse-synthetic.{i}")
    return out


def build_corpus(out: Path, n: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    templates = seed_sentences()
    if len(templates) < 20:
        raise SystemExit(f"only {len(templates)} template sentences found in {SEEDS}")
    pool, refs = material_pool(rng), reference_pool(rng)
    corpus = out / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    paths = []
    with open(out / "labels.jsonl", "w", encoding="utf-8") as labels_fh:
        for i in range(n):
            text, labels = make_paper(i, rng, templates, pool, refs)
            p = corpus / f"syn_{i:05d}.txt"
            p.write_text(text, encoding="utf-8")
            paths.append(p)
            for lab in labels:
                labels_fh.write(json.dumps(lab, ensure_ascii=False) + "\n")
    (out / "SYNTHETIC.md").write_text(
        f"# Synthetic corpus ({n} papers)\n\nMade by `bench/incremental.py` from {len(templates)} sentences of the "
        "seed papers, with other materials and values. Not real data. `labels.jsonl` lists what each sentence and "
        "table row was given.\n", encoding="utf-8")
    print(f"synthetic corpus: {n} papers from {len(templates)} seed sentences, {len(pool)} materials -> {corpus}")
    return paths


def _cli_ingest(store: Path, files: list[Path], workers: int = 1) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg.cli", "--store", str(store), "ingest", "--no-progress",
                    "--workers", str(workers), *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--probes", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="runs per probe (the minimum is kept)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--parallel", type=int, default=0, help="also time --workers 1 vs 2 on this many papers")
    ap.add_argument("--fill-workers", type=int, default=1, help="processes used to fill the store (not timed)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    sizes = sorted(int(s) for s in a.sizes.split(","))
    if sizes[-1] > a.papers:
        raise SystemExit(f"--sizes up to {sizes[-1]} needs --papers >= {sizes[-1]}")
    work = a.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = build_corpus(work, a.papers + a.probes)
    papers, probes = paths[:a.papers], paths[a.papers:]

    from kg.extract import Extractor
    from kg.ontology import load_lexicon
    from kg.pipeline import _Context, file_sha256, ingest, process_file
    from kg.store import Store

    ctx = {"lexicon": load_lexicon(), "extractor": Extractor(), "progress": False}
    pctx = _Context(lexicon=ctx["lexicon"], extractor=ctx["extractor"])
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    store_path = work / "store"
    if store_path.exists():
        shutil.rmtree(store_path)
    results = []
    filled = 0
    for size in sizes:
        t0 = time.perf_counter()
        with Store(store_path) as s:
            rep = ingest(papers[filled:size], s, workers=a.fill_workers, **ctx)
            assert rep.ok, [p.error for p in rep.failed]
        fill_s = time.perf_counter() - t0
        filled = size
        warm, cpu, write, cli = [], [], [], []
        with Store(store_path) as s:
            triples = s.triple_count()
            for p in probes:
                best = best_cpu = best_write = float("inf")
                for _ in range(a.repeat):  # the minimum of repeats: least disturbed by other load on the machine
                    t0, c0 = time.perf_counter(), time.process_time()
                    rep = ingest([p], s, **ctx)
                    best = min(best, time.perf_counter() - t0)
                    best_cpu = min(best_cpu, time.process_time() - c0)
                    assert [x.status for x in rep.papers] == ["ingested"]
                    s.remove_paper(p.stem)
                    _, quads = process_file(p, file_sha256(p), pctx)  # the store's share: the write alone
                    t0 = time.perf_counter()
                    s.write_paper(p.stem, quads)
                    best_write = min(best_write, time.perf_counter() - t0)
                    s.remove_paper(p.stem)
                warm.append(best)
                cpu.append(best_cpu)
                write.append(best_write)
        for p in probes[:3]:
            runs = []
            for _ in range(2):
                runs.append(_cli_ingest(store_path, [p]))
                with Store(store_path) as s:
                    s.remove_paper(p.stem)
            cli.append(min(runs))
        row = {"papers": size, "triples": triples, "warm_ingest_s": statistics.median(warm),
               "warm_ingest_cpu_s": statistics.median(cpu), "write_s": statistics.median(write),
               "cli_ingest_s": statistics.median(cli), "fill_s": fill_s}
        results.append(row)
        print(f"{size:>6} papers {triples:>9,} triples | add one paper: {row['warm_ingest_s'] * 1000:6.1f} ms in-process"
              f" ({row['warm_ingest_cpu_s'] * 1000:.1f} ms CPU, of which the store write {row['write_s'] * 1000:.1f} ms),"
              f" {row['cli_ingest_s']:5.2f} s as a command | (filled in {fill_s:.1f} s)", flush=True)
    first, last = results[0], results[-1]
    r_warm = last["warm_ingest_s"] / first["warm_ingest_s"]
    r_cpu = last["warm_ingest_cpu_s"] / first["warm_ingest_cpu_s"]
    r_write = last["write_s"] / first["write_s"]
    r_cli = last["cli_ingest_s"] / first["cli_ingest_s"]
    print(f"ratio {last['papers']} / {first['papers']} papers: {r_cpu:.2f}x CPU, {r_warm:.2f}x wall in-process "
          f"({r_write:.2f}x the store write), {r_cli:.2f}x as a command (target <= 1.3x): "
          f"{'OK' if max(r_cpu, r_warm, r_cli) <= 1.3 else 'MISSED (see the wall/CPU split: other load?)'}")
    if a.parallel:
        sub = papers[:a.parallel]
        times = {1: float("inf"), 2: float("inf")}
        for _ in range(2):
            for w in (1, 2):
                dest = work / f"store-w{w}"
                if dest.exists():
                    shutil.rmtree(dest)
                times[w] = min(times[w], _cli_ingest(dest, sub, workers=w))
        print(f"--workers on {len(sub)} papers: 1 -> {times[1]:.1f} s, 2 -> {times[2]:.1f} s, "
              f"speed-up {times[1] / times[2]:.2f}x")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    (work / "results.json").write_text(json.dumps(results, indent=1))
    if not a.keep and a.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

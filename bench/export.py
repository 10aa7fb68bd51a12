"""Time every export on a SYNTHETIC store of ~5 million triples shaped like the real model.

    python bench/export.py                       # build /tmp/kg-bench-export (once), time every export
    python bench/export.py --triples 500000      # smaller
    python bench/export.py --only neo4j gephi-gexf                 # some exports
    python bench/export.py --store /tmp/sse-kg-bench-store         # bench/query.py's store, as it is

The store is synthetic (labelled so in the output). It is built with ``bench/query.py``'s generator (the graph
issue's benchmark: corpus-shaped proportions, one named graph per paper) when that file is there; otherwise
with the small generator here (``synthetic_quads``: papers with reference lists, shared materials and
references, measurements and synthesis facts with evidence, methods and citations, same predicates and IRI
patterns as ``kg.graph``). ``--store`` can also point at an existing store (e.g. bench/query.py's).

Each export runs in a child process so that its peak memory (ru_maxrss) is its own; the table gives seconds,
output size and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyoxigraph as ox  # noqa: E402

from kg import iris  # noqa: E402
from kg.namespaces import BIBO, CITO, DCTERMS, FABIO, PROV, RDF, RDFS, SKOS, SSE, UNIT, XSD  # noqa: E402

EXPORTS = {
    "rdf-nquads": ("rdf", "nquads", "kg.nq"),
    "rdf-trig": ("rdf", "trig", "kg.trig"),
    "rdf-turtle": ("rdf", "turtle", "kg.ttl"),
    "rdf-ntriples": ("rdf", "ntriples", "kg.nt"),
    "rdf-jsonld": ("rdf", "jsonld", "kg.jsonld"),
    "facts-jsonl": ("facts", "jsonl", "facts.jsonl"),
    "facts-csv": ("facts", "csv", "facts.csv"),
    "neo4j": ("neo4j", None, "neo4j"),
    "gephi-gexf": ("gephi", "gexf", "kg.gexf"),
    "gephi-graphml": ("gephi", "graphml", "kg.graphml"),
}

PROPERTIES = [  # key, IRI local name, unit IRI, unit string, value range (log10 or linear)
    ("ionic_conductivity", "IonicConductivity", UNIT["S-PER-CentiM"], "S/cm", ("log", -8, -1.5)),
    ("activation_energy", "ActivationEnergy", UNIT.EV, "eV", ("lin", 0.1, 0.8)),
    ("electrochemical_window", "ElectrochemicalWindow", UNIT.V, "V", ("lin", 1.0, 6.0)),
    ("transference_number", "TransferenceNumber", UNIT.UNITLESS, "", ("lin", 0.1, 1.0)),
    ("critical_current_density", "CriticalCurrentDensity", SSE["MilliA-PER-CentiM2"], "mA/cm2", ("lin", 0.1, 5)),
    ("specific_capacity", "SpecificCapacity", UNIT["MilliA-HR-PER-GM"], "mAh/g", ("lin", 50, 250)),
    ("interfacial_resistance", "InterfacialResistance", SSE["OHM-CentiM2"], "Ohm cm2", ("lin", 1, 2000)),
]
SYNTH = ["ball milling", "high-energy ball milling", "solid-state reaction", "sol-gel", "melt quenching",
         "annealing", "spark plasma sintering", "solution synthesis", "hot pressing", "co-precipitation"]
CHAR = ["EIS", "XRD", "NMR", "Raman spectroscopy", "SEM", "TEM", "XPS", "DFT", "cyclic voltammetry", "DC polarization"]
FAMILIES = ["sulfide", "oxide", "halide", "hydride", "polymer", "composite", "other"]
ELEMENTS = ["Li", "Na", "P", "S", "Cl", "Br", "I", "O", "La", "Zr", "Ge", "Si", "Sn", "Y", "In", "B", "H", "Al",
            "Ti", "Ta", "Nb", "Ga", "Sc", "Er", "N", "F", "C"]


def _camel(label: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in label.replace("-", " ").split())


def synthetic_quads(target: int, seed: int = 7):
    """Quads of ~``target`` triples: (doc_id, [ox.Quad]) per paper, streamed paper by paper."""
    rnd = random.Random(seed)
    nn, lit = ox.NamedNode, ox.Literal
    T = nn(str(RDF.type))
    P = {name: nn(str(v)) for name, v in {
        "acad": BIBO.AcademicArticle, "fabio": FABIO.ResearchPaper, "ident": DCTERMS.identifier,
        "title": DCTERMS.title, "creator": DCTERMS.creator, "doi": BIBO.doi, "year": SSE.year, "journal": SSE.journal,
        "cites": CITO.cites, "ref": SSE.Reference, "bdoc": BIBO.Document, "number": SSE.number, "line": SSE.line,
        "citation": DCTERMS.bibliographicCitation, "material": SSE.material, "mat": SSE.Material,
        "family": SSE.family, "label": RDFS.label, "formula": SSE.formula, "matw": SSE.materialAsWritten,
        "meas": SSE.Measurement, "syn": SSE.SynthesisFact, "property": SSE.property, "key": SSE.key,
        "value": SSE.value, "valueMax": SSE.valueMax, "unit": SSE.unit, "unitString": SSE.unitString,
        "qual": SSE.qualifier, "temp": SSE.temperatureC, "rt": SSE.atRoomTemperature, "method": SSE.method,
        "pref": SKOS.prefLabel, "derived": PROV.wasDerivedFrom, "ev": SSE.Evidence, "paper": SSE.paper,
        "text": SSE.text, "source": SSE.source, "refMarker": SSE.refMarker, "contentHash": SSE.contentHash,
        "sourcePath": SSE.sourcePath, "factCount": SSE.factCount, "authors": SSE.authors}.items()}
    dbl = nn(str(XSD.double))
    integer = nn(str(XSD.integer))
    boolean = nn(str(XSD.boolean))
    n_papers = max(1, round(target / 4600))
    n_materials = max(50, n_papers * 25)
    n_refs = max(100, n_papers * 30)
    materials = []
    for i in range(n_materials):
        formula = "".join(f"{rnd.choice(ELEMENTS)}{rnd.randint(1, 12)}" for _ in range(rnd.randint(2, 4))) + f"x{i}"
        materials.append((nn(f"{iris.ID}material/{formula}"), formula, rnd.choice(FAMILIES)))
    refs = [nn(f"{iris.ID}ref/doi/10.{1000 + i % 9000}/syn.{i}") for i in range(n_refs)]
    methods = [(nn(f"{SSE}{_camel(m)}"), m) for m in SYNTH + CHAR]
    produced = 0
    for p in range(n_papers):
        if produced >= target:
            break
        doc = f"syn{p:06d}_{rnd.getrandbits(32):08x}"
        g = nn(str(iris.graph_iri(doc)))
        paper = nn(str(iris.paper_iri(doc)))
        qs = []
        seen_in_paper: set[tuple] = set()

        def add(s, pr, o, once=False):
            if once:  # a statement repeated inside one paper (a property's key, a method's label) is one quad
                if (s, pr, o) in seen_in_paper:
                    return
                seen_in_paper.add((s, pr, o))
            qs.append(ox.Quad(s, pr, o, g))
        add(paper, T, P["acad"])
        add(paper, T, P["fabio"])
        add(paper, P["ident"], lit(doc))
        add(paper, P["title"], lit(f"Synthetic paper {p} on solid electrolytes"))
        add(paper, P["doi"], lit(f"10.9999/synthetic.{p}"))
        add(paper, P["year"], lit(str(2000 + p % 25), datatype=integer))
        add(paper, P["journal"], lit("J. Synthetic Data"))
        authors = [f"A. Author{p}-{k}" for k in range(5)]
        for a in authors:
            add(paper, P["creator"], lit(a))
        add(paper, P["authors"], lit("; ".join(authors)))
        add(paper, P["contentHash"], lit(f"{p:064x}"))
        add(paper, P["sourcePath"], lit(f"synthetic/{doc}.txt"))
        paper_refs = rnd.sample(refs, k=min(len(refs), 40))
        for k, r in enumerate(paper_refs, start=1):
            add(paper, P["cites"], r)
            add(r, T, P["ref"])
            add(r, T, P["bdoc"])
            add(r, P["number"], lit(str(k), datatype=integer))
            add(r, P["line"], lit(str(500 + k), datatype=integer))
            add(r, P["citation"], lit(f"[{k}] B. Writer, Synthetic reference {r.value[-6:]}, J. Syn. (2019)."))
            add(r, P["title"], lit(f"Synthetic reference {r.value[-6:]}"))
            add(r, P["year"], lit("2019", datatype=integer))
            add(r, P["creator"], lit("B. Writer"))
        n_facts = 200
        add(paper, P["factCount"], lit(str(n_facts), datatype=integer))
        mats_done = set()
        for i in range(n_facts):
            mat, formula, fam = rnd.choice(materials)
            if mat not in mats_done:
                mats_done.add(mat)
                add(mat, T, P["mat"])
                add(mat, T, nn(f"{SSE}{'OtherMaterial' if fam == 'other' else fam.capitalize()}"))
                add(mat, P["family"], lit(fam))
                add(mat, P["label"], lit(formula))
                add(mat, P["formula"], lit(formula))
            line = 10 + i * 2
            ev = nn(f"{iris.ID}evidence/{doc}/{i:016x}")
            f = nn(f"{iris.ID}fact/{doc}/{i:016x}")
            add(f, P["material"], mat)
            add(f, P["matw"], lit(formula))
            add(f, P["formula"], lit(formula))
            add(f, P["derived"], ev)
            add(ev, T, P["ev"])
            add(ev, P["paper"], paper)
            add(ev, P["line"], lit(str(line), datatype=integer))
            add(ev, P["text"], lit(f"{formula} shows a value of interest at line {line} [{i % 40 + 1}]."))
            add(ev, P["source"], lit(rnd.choice(["text", "text", "table", "caption"])))
            if rnd.random() < 0.8:
                key, local, unit, ustr, (kind, lo, hi) = rnd.choice(PROPERTIES)
                prop = nn(f"{SSE}{local}")
                add(f, T, P["meas"])
                add(f, P["property"], prop)
                add(prop, P["key"], lit(key), once=True)
                value = 10 ** rnd.uniform(lo, hi) if kind == "log" else rnd.uniform(lo, hi)
                add(f, P["value"], lit(repr(float(f"{value:.3g}")), datatype=dbl))
                if rnd.random() < 0.1:
                    add(f, P["valueMax"], lit(repr(float(f"{value * 1.5:.3g}")), datatype=dbl))
                add(f, P["unit"], unit if isinstance(unit, ox.NamedNode) else nn(str(unit)))
                add(f, P["unitString"], lit(ustr))
                add(f, P["qual"], lit(rnd.choice(["=", "=", "=", "~", ">", "<"])))
                if rnd.random() < 0.3:
                    add(f, P["rt"], lit("true", datatype=boolean))
                else:
                    add(f, P["temp"], lit(repr(float(rnd.choice([25, 30, 60, 80, 100, -20]))), datatype=dbl))
                if rnd.random() < 0.3:
                    m, label = rnd.choice(methods[len(SYNTH):])
                    add(f, P["method"], m)
                    add(m, P["pref"], lit(label), once=True)
            else:
                add(f, T, P["syn"])
                m, label = rnd.choice(methods[:len(SYNTH)])
                add(f, P["method"], m)
                add(m, P["pref"], lit(label), once=True)
            if rnd.random() < 0.7:
                k = i % 40 + 1
                add(f, P["refMarker"], lit(str(k)))
                add(f, P["cites"], paper_refs[k - 1])
        produced += len(qs)
        yield doc, qs


def build_store(path: Path, triples: int) -> int:
    """Build the synthetic store: with bench/query.py's generator (the graph issue's, shaped on the corpus
    proportions) when it is there, else with ``synthetic_quads`` above."""
    try:
        sys.path.insert(0, str(REPO / "bench"))
        import query as qbench  # type: ignore[import-not-found]

        n_papers = max(1, round(triples / 4800))  # ~4.8 k quads per synthetic paper there
        print(f"synthetic store: bench/query.py's generator, {n_papers} papers -> {path}")
        store = qbench.build_store(path, n_papers, 7, False)
        n = len(store)
        del store
        return n
    except (ImportError, AttributeError, TypeError) as exc:
        print(f"(bench/query.py's generator not usable: {exc})")
    from kg.store import Store

    print(f"synthetic store: bench/export.py's small generator, ~{triples:,} triples -> {path}")
    t0 = time.perf_counter()
    with Store(path) as s:
        s.ox.bulk_extend(q for _doc, qs in synthetic_quads(triples) for q in qs)
        n = len(s.ox)
    print(f"  built {n:,} quads in {time.perf_counter() - t0:.1f}s")
    return n


def run_one(name: str, store_path: Path, out_dir: Path) -> dict:
    """One export in this process; prints a JSON line with seconds, size and peak RSS."""
    from kg.store import Store

    kind, fmt, target = EXPORTS[name]
    out = out_dir / target
    t0 = time.perf_counter()
    with Store(store_path, writable=False) as s:
        if kind == "rdf":
            from kg.export import export_rdf

            export_rdf(s, fmt, out)
        elif kind == "facts":
            from kg.export import export_facts

            export_facts(s, fmt, out)
        elif kind == "neo4j":
            from kg.export_neo4j import export_neo4j

            export_neo4j(s, out)
        else:
            from kg.export_gephi import export_gephi

            export_gephi(s, out, fmt)
    secs = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.rglob("*")) if out.is_dir() else out.stat().st_size
    return {"export": name, "seconds": round(secs, 2), "bytes": size, "peak_rss_mb": round(_peak_rss_mb(), 1)}


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (reset by exec), not ru_maxrss, which a child started with
    fork+exec inherits from its parent."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=Path("/tmp/kg-bench-export"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/kg-bench-export-out"))
    ap.add_argument("--triples", type=int, default=5_000_000)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--only", nargs="*", choices=sorted(EXPORTS))
    ap.add_argument("--one", choices=sorted(EXPORTS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.one:
        args.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_one(args.one, args.store, args.out)))
        return 0
    if args.rebuild and args.store.exists():
        shutil.rmtree(args.store)
    if not (args.store / "CURRENT").exists():
        build_store(args.store, args.triples)
    from kg.store import Store

    with Store(args.store, writable=False) as s:
        n = len(s.ox)
        papers = len(s.papers())
    print(f"SYNTHETIC store {args.store}: {n:,} quads, {papers:,} papers; {os.cpu_count()} CPUs")
    if args.out.exists():
        shutil.rmtree(args.out)
    print("| export | seconds | output | peak RSS |\n|---|---|---|---|")
    for name in args.only or EXPORTS:
        res = subprocess.run([sys.executable, __file__, "--one", name, "--store", str(args.store), "--out",
                              str(args.out)], capture_output=True, text=True)
        if res.returncode != 0:
            print(f"| {name} | failed: {res.stderr.strip().splitlines()[-1] if res.stderr.strip() else res.returncode} | | |")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"| {name} | {r['seconds']:.1f} | {r['bytes'] / 1e6:,.0f} MB | {r['peak_rss_mb']:,.0f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

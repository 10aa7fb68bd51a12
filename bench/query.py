"""Time every cookbook query (queries/*.rq) on a SYNTHETIC store shaped like the real model, and on rdflib.

    python bench/query.py                          # >= 5 M triples (about 1,050 synthetic papers), 5 runs
    python bench/query.py --papers 200 --runs 3    # smaller
    python bench/query.py --rdflib-papers 0        # skip the rdflib comparison

The data is synthetic (labelled so: paper ids ``syn-000001``, journal "Synthetic Journal"): it follows the
instance model of ontology/README.md with the proportions of the seed-corpus build (per paper ~180 references
with ~6 authors each, ~105 measurements and ~27 synthesis facts, one evidence node per ~1.4 facts, 78 % of
facts citing 1-3 references, 36 % with a temperature, 14 % "RT", 9 % ranges, every single value linked to its
comparison group as ingest does (``kg.iris``), materials and references shared across papers from pools, a few
well-known materials such as Li6PS5Cl, LiBH4, Li3InCl6 in many papers).
Values are drawn per property from plausible ranges (conductivity log-uniform 1e-9..0.1 S/cm, ...).

The large store is generated once into ``--dir`` (reused when its parameters match; ``--rebuild``) and loaded
with ``pyoxigraph.Store.bulk_load``. Each query runs once to warm up, then ``--runs`` times; the median wall
time is reported, the results being fully iterated. In the same run, the first ``--rdflib-papers`` papers
(same generator, same seed) are loaded into an in-memory ``rdflib.Dataset`` and into an in-memory pyoxigraph
store, and every query is timed there too (rdflib: median of ``--rdflib-runs``; a query past
``--rdflib-timeout`` seconds is stopped and reported as ``> N s``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # kg importable when not installed (bench hosts)
from kg import iris  # noqa: E402  the generator mints group IRIs exactly as ingest does

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "queries"

SSE = "https://w3id.org/sse-kg/ontology#"
ID = "https://w3id.org/sse-kg/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
BIBO = "http://purl.org/ontology/bibo/"
CITO_CITES = "<http://purl.org/spar/cito/cites>"
PROV_DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS_PREF = "<http://www.w3.org/2004/02/skos/core#prefLabel>"

# property key -> (IRI local name, unit string, QUDT unit IRI, value sampler, share of measurements)
PROPERTIES = {
    "ionic_conductivity": ("IonicConductivity", "S/cm", "http://qudt.org/vocab/unit/S-PER-CentiM",
                           lambda r: 10 ** r.uniform(-9, -1), 0.55),
    "specific_capacity": ("SpecificCapacity", "mAh/g", "http://qudt.org/vocab/unit/MilliA-HR-PER-GM",
                          lambda r: r.uniform(50, 2500), 0.20),
    "electrochemical_window": ("ElectrochemicalWindow", "V", "http://qudt.org/vocab/unit/V",
                               lambda r: r.choice([r.uniform(0, 6), float(r.randint(3, 10))]), 0.10),
    "activation_energy": ("ActivationEnergy", "eV", "http://qudt.org/vocab/unit/EV",
                          lambda r: r.uniform(0.1, 0.8), 0.08),
    "transference_number": ("TransferenceNumber", "", "http://qudt.org/vocab/unit/UNITLESS",
                            lambda r: r.uniform(0.2, 1.0), 0.03),
    "critical_current_density": ("CriticalCurrentDensity", "mA/cm2", SSE + "MilliA-PER-CentiM2",
                                 lambda r: r.uniform(0.1, 7), 0.03),
    "electronic_conductivity": ("ElectronicConductivity", "S/cm", "http://qudt.org/vocab/unit/S-PER-CentiM",
                                lambda r: 10 ** r.uniform(-12, -6), 0.01),
}
FAMILIES = [("hydride", "Hydride", 0.28), ("sulfide", "Sulfide", 0.18), ("oxide", "Oxide", 0.18),
            ("other", "OtherMaterial", 0.15), ("composite", "Composite", 0.12), ("halide", "Halide", 0.06),
            ("polymer", "Polymer", 0.03)]
FAMILY_CLASS = {f: c for f, c, _ in FAMILIES}
METHODS = [("BallMilling", "ball milling"), ("Milling", "milling"), ("Mixing", "mixing"),
           ("HeatTreatment", "heat treatment"), ("Infiltration", "infiltration"),
           ("MechanochemicalSynthesis", "mechanochemical synthesis"), ("Coating", "coating"),
           ("HighEnergyBallMilling", "high-energy ball milling"), ("CrossLinking", "cross-linking"),
           ("Sintering", "sintering"), ("HotPressing", "hot pressing"), ("Polymerization", "polymerization"),
           ("Electrospinning", "electrospinning"), ("Precipitation", "precipitation"), ("Annealing", "annealing"),
           ("PulsedLaserDeposition", "pulsed laser deposition"), ("Melting", "melting"),
           ("SolidStateReaction", "solid-state reaction"), ("PlanetaryBallMilling", "planetary ball milling"),
           ("ColdPressing", "cold pressing"), ("SolutionSynthesis", "solution synthesis"),
           ("Sputtering", "sputtering"), ("MeltQuenching", "melt quenching"), ("Calcination", "calcination")]
WELL_KNOWN = [("Li6PS5Cl", "sulfide"), ("LiBH4", "hydride"), ("Li3InCl6", "halide"), ("Li7P3S11", "sulfide"),
              ("Li10GeP2S12", "sulfide"), ("Li7La3Zr2O12", "oxide"), ("NaCB11H12", "hydride"),
              ("Li2ZrCl6", "halide"), ("Na3Zr2PSi2O12", "oxide"), ("Li6PS5Br", "sulfide")]
ELEMENTS = {"hydride": ["B", "H", "C", "N", "Mg", "Na"], "sulfide": ["P", "S", "Ge", "Si", "Sn", "Cl", "Br"],
            "oxide": ["La", "Zr", "O", "Ta", "Ti", "Al", "P"], "halide": ["In", "Cl", "Zr", "Y", "Sc", "Br"],
            "composite": ["PEO", "LiTFSI", "LLZO", "PVDF"], "polymer": ["PEO", "PAN", "PVDF", "PMMA"],
            "other": ["X", "Y", "Z"]}
WORDS = ("the ionic conductivity of the electrolyte was measured by impedance spectroscopy at room temperature "
         "and compared with the values reported for related compounds prepared by ball milling and annealing "
         "which show a lower activation energy and a wider electrochemical stability window").split()


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dbl(x: float) -> str:
    return f'"{x!r}"^^<{XSD}double>'


def _int(n: int) -> str:
    return f'"{n}"^^<{XSD}integer>'


def _h(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


class Pools:
    """Materials and references shared by the synthetic papers (deterministic for a seed and size)."""

    def __init__(self, n_papers: int, seed: int):
        r = random.Random(seed)
        n_mat = max(200, 20 * n_papers)
        self.materials: list[tuple[str, str, str, str | None]] = []  # (iri, label, family, formula)
        for name, fam in WELL_KNOWN:
            self.materials.append((str(iris.material_iri(name, name)), name, fam, name))
        weights = [w for _, _, w in FAMILIES]
        for i in range(n_mat):
            fam = r.choices([f for f, _, _ in FAMILIES], weights)[0]
            if fam in ("composite", "polymer", "other"):
                parts = r.sample(ELEMENTS[fam], 2)
                label = f"{parts[0]}/{parts[1]}-syn{i}"
                self.materials.append((f"{ID}material/name/{label.lower().replace('/', '%2F')}", label, fam, None))
            else:
                els = r.sample(ELEMENTS[fam], 3)
                label = "Li" + "".join(f"{e}{r.randint(1, 12)}" for e in els) + f"Syn{i % 97}"
                formula = label if r.random() < 0.6 else None
                self.materials.append((f"{ID}material/syn/{_h('m', i)}", label, fam, formula))
        self.n_refs = max(1000, 120 * n_papers)


def paper_nquads(i: int, pools: Pools, seed: int) -> list[str]:
    """The N-Quads lines of synthetic paper ``i`` (its named graph ``id:graph/syn-<i>``)."""
    r = random.Random(seed * 1_000_003 + i)
    doc = f"syn-{i:06d}"
    g = f"<{ID}graph/{doc}>"
    paper = f"<{ID}paper/{doc}>"
    out: list[str] = []
    add = out.append

    def q(s: str, p: str, o: str) -> None:
        add(f"{s} {p} {o} {g} .")

    # paper node
    q(paper, RDF_TYPE, f"<{BIBO}AcademicArticle>")
    q(paper, RDF_TYPE, "<http://purl.org/spar/fabio/ResearchPaper>")
    q(paper, f"<{DCT}identifier>", _lit(doc))
    q(paper, f"<{DCT}title>", _lit(f"Synthetic paper {i} on solid electrolytes"))
    q(paper, f"<{SSE}journal>", _lit("Synthetic Journal"))
    year = r.randint(1995, 2025)
    q(paper, f"<{SSE}year>", _int(year))
    q(paper, f"<{BIBO}doi>", _lit(f"10.9999/syn.{i}"))
    for key in ("contentHash", "fileHash"):
        q(paper, f"<{SSE}{key}>", _lit(_h(key, i) * 4))
    q(paper, f"<{SSE}sourcePath>", _lit(f"/synthetic/{doc}.txt"))
    authors = [f"Author{r.randint(1, 5000)}, A." for _ in range(r.randint(2, 8))]
    for a in authors:
        q(paper, f"<{DCT}creator>", _lit(a))
    q(paper, f"<{SSE}authors>", _lit("; ".join(authors)))

    # references (drawn from the shared pool: the same work cited by several papers is one node)
    n_refs = r.randint(90, 270)
    ref_nodes = []
    for n in range(1, n_refs + 1):
        k = int(pools.n_refs * r.random() ** 1.6)  # skewed: some works are cited by many papers
        node = f"<{ID}ref/doi/10.8888/syn.{k}>" if k % 7 == 0 else f"<{ID}ref/{_h('ref', k)}>"
        ref_nodes.append(node)
        q(paper, CITO_CITES, node)
        q(node, RDF_TYPE, f"<{SSE}Reference>")
        q(node, RDF_TYPE, f"<{BIBO}Document>")
        q(node, f"<{SSE}number>", _int(n))
        q(node, f"<{SSE}line>", _int(400 + n))
        q(node, f"<{DCT}title>", _lit(f"Synthetic cited work {k} on ionic conductors"))
        q(node, f"<{DCT}bibliographicCitation>", _lit(f"[{n}] A. Author et al., Synthetic cited work {k}, J. Syn. "
                                                     f"{k % 50} ({1980 + k % 45})."))
        q(node, f"<{SSE}year>", _int(1980 + k % 45))
        if k % 7 == 0:
            q(node, f"<{BIBO}doi>", _lit(f"10.8888/syn.{k}"))
        for a in range(r.randint(3, 9)):
            q(node, f"<{DCT}creator>", _lit(f"Cited{(k * 31 + a) % 9000}, B."))

    # facts
    n_meas, n_syn = r.randint(60, 150), r.randint(10, 45)
    paper_mats = [pools.materials[int(len(pools.materials) * r.random() ** 2.5)] for _ in range(50)]
    paper_mats += r.sample(pools.materials[:len(WELL_KNOWN)], 3)
    mats_done: set[str] = set()
    props_done: set[str] = set()
    methods_done: set[str] = set()
    groups_done: set[str] = set()
    prop_keys = list(PROPERTIES)
    prop_w = [PROPERTIES[k][4] for k in prop_keys]
    evidence: list[tuple[str, int]] = []
    n_counts = {"meas": 0, "syn": 0}

    def material(m) -> str:
        iri, label, fam, formula = m
        node = f"<{iri}>"
        if iri not in mats_done:
            mats_done.add(iri)
            q(node, RDF_TYPE, f"<{SSE}Material>")
            q(node, RDF_TYPE, f"<{SSE}{FAMILY_CLASS[fam]}>")
            q(node, f"<{SSE}family>", _lit(fam))
            q(node, RDFS_LABEL, _lit(label))
            if formula:
                q(node, f"<{SSE}formula>", _lit(formula))
        return node

    def new_evidence() -> str:
        if evidence and r.random() < 0.3:
            return evidence[-1][0]
        line = r.randint(20, 400)
        node = f"<{ID}evidence/{doc}/{_h('ev', i, len(evidence))}>"
        evidence.append((node, line))
        q(node, RDF_TYPE, f"<{SSE}Evidence>")
        q(node, f"<{SSE}paper>", paper)
        q(node, f"<{SSE}line>", _int(line))
        q(node, f"<{SSE}text>", _lit(" ".join(r.choices(WORDS, k=r.randint(25, 60))) + "."))
        q(node, f"<{SSE}source>", _lit(r.choices(["text", "table", "caption"], [0.75, 0.2, 0.05])[0]))
        return node

    def cites(node: str) -> None:
        if r.random() < 0.78:
            for _ in range(r.choice([1, 1, 1, 2, 3])):
                n = r.randint(1, n_refs)
                q(node, f"<{SSE}refMarker>", _lit(str(n)))
                q(node, CITO_CITES, ref_nodes[n - 1])

    def method(node: str) -> None:
        local_m, label = r.choice(METHODS)
        meth = f"<{SSE}{local_m}>"
        q(node, f"<{SSE}method>", meth)
        if local_m not in methods_done:
            methods_done.add(local_m)
            q(meth, SKOS_PREF, _lit(label))

    for j in range(n_meas):
        m = r.choice(paper_mats)
        key = r.choices(prop_keys, prop_w)[0]
        local, unit, qudt, sample, _ = PROPERTIES[key]
        node = f"<{ID}fact/{doc}/{_h('f', i, j)}>"
        q(node, RDF_TYPE, f"<{SSE}Measurement>")
        q(node, f"<{SSE}material>", material(m))
        q(node, f"<{SSE}materialAsWritten>", _lit(m[1]))
        if m[3]:
            q(node, f"<{SSE}formula>", _lit(m[3]))
        prop = f"<{SSE}{local}>"
        q(node, f"<{SSE}property>", prop)
        if key not in props_done:
            props_done.add(key)
            q(prop, f"<{SSE}key>", _lit(key))
            q(prop, f"<{SSE}canonicalUnit>", _lit(unit))
        v = sample(r)
        q(node, f"<{SSE}value>", _dbl(v))
        is_range = r.random() < 0.09
        if is_range:
            q(node, f"<{SSE}valueMax>", _dbl(v * r.uniform(1.1, 3)))
        q(node, f"<{SSE}unit>", f"<{qudt}>")
        q(node, f"<{SSE}unitString>", _lit(unit))
        q(node, f"<{SSE}qualifier>", _lit(r.choices(["=", "~", ">", "<", ">=", "<="], [80, 10, 4, 3, 2, 1])[0]))
        t = r.random()
        temperature = None
        if t < 0.36:
            temperature = float(r.choice([25, 27, 30, 40, 60, 80, 100, 110, 120, 150]))
            q(node, f"<{SSE}temperatureC>", _dbl(temperature))
        elif t < 0.50:
            temperature = "RT"
            q(node, f"<{SSE}atRoomTemperature>", f'"true"^^<{XSD}boolean>')
        if not is_range:
            condition = iris.comparison_condition(temperature)
            group = f"<{iris.comparison_group_iri(m[0], SSE + local, condition)}>"
            q(node, f"<{SSE}comparisonGroup>", group)
            if group not in groups_done:
                groups_done.add(group)
                q(group, RDF_TYPE, f"<{SSE}ComparisonGroup>")
                q(group, f"<{SSE}condition>", _lit(condition))
        if r.random() < 0.13:
            method(node)
        q(node, PROV_DERIVED, new_evidence())
        cites(node)
        n_counts["meas"] += 1
    for j in range(n_syn):
        m = r.choice(paper_mats)
        node = f"<{ID}fact/{doc}/{_h('s', i, j)}>"
        q(node, RDF_TYPE, f"<{SSE}SynthesisFact>")
        q(node, f"<{SSE}material>", material(m))
        q(node, f"<{SSE}materialAsWritten>", _lit(m[1]))
        if m[3]:
            q(node, f"<{SSE}formula>", _lit(m[3]))
        method(node)
        q(node, PROV_DERIVED, new_evidence())
        cites(node)
        n_counts["syn"] += 1
    for key, value in (("referenceCount", n_refs), ("measurementCount", n_counts["meas"]),
                       ("synthesisCount", n_counts["syn"]), ("factCount", n_counts["meas"] + n_counts["syn"])):
        q(paper, f"<{SSE}{key}>", _int(value))
    return out


def generate(n_papers: int, seed: int, pools: Pools | None = None):
    """Yield N-Quads chunks (bytes) of ``n_papers`` synthetic papers."""
    pools = pools or Pools(n_papers, seed)
    chunk: list[str] = []
    for i in range(1, n_papers + 1):
        chunk.extend(paper_nquads(i, pools, seed))
        if len(chunk) > 400_000:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def build_store(path: Path, n_papers: int, seed: int, rebuild: bool) -> ox.Store:
    meta = path / "bench-params.json"
    params = {"papers": n_papers, "seed": seed, "generator": 3}
    if path.exists() and not rebuild and meta.exists() and json.loads(meta.read_text()) == params:
        print(f"reusing {path} ({params})", flush=True)
        return ox.Store(str(path))
    if path.exists():
        import shutil

        shutil.rmtree(path)
    path.mkdir(parents=True)
    store = ox.Store(str(path))
    t0 = time.perf_counter()
    n = 0
    for data in generate(n_papers, seed):
        store.bulk_load(data, ox.RdfFormat.N_QUADS)
        n += data.count(b"\n")
        print(f"\r  loaded {n:,} quads ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    store.optimize()
    print(f"\r  generated and bulk-loaded {n:,} quads in {time.perf_counter() - t0:.1f} s", flush=True)
    meta.write_text(json.dumps(params))
    return store


def cookbook() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(QUERIES.glob("*.rq"))]


def time_ox(store: ox.Store, text: str, runs: int) -> tuple[float, int]:
    def once() -> int:
        res = store.query(text)
        if isinstance(res, ox.QueryBoolean):
            return 1
        return sum(1 for _ in res)

    n = once()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), n


def _rdflib_worker(conn, data: bytes, runs: int) -> None:  # child process: one rdflib dataset, queries on demand
    import rdflib

    ds = rdflib.Dataset()
    t0 = time.perf_counter()
    ds.parse(data=data.decode(), format="nquads")
    conn.send(("loaded", time.perf_counter() - t0))
    while True:
        text = conn.recv()
        if text is None:
            return
        times, n = [], 0
        for _ in range(runs):
            t0 = time.perf_counter()
            n = len(list(ds.query(text)))
            times.append(time.perf_counter() - t0)
            conn.send(("run", times[-1]))
        conn.send(("done", statistics.median(times), n))


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=1050, help="synthetic papers in the large store (~4.8 k "
                                                             "triples each; 1050 -> >= 5 M)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/sse-kg-bench-store"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rdflib-papers", type=int, default=10, help="papers for the rdflib comparison (0 = skip)")
    ap.add_argument("--rdflib-runs", type=int, default=3)
    ap.add_argument("--rdflib-timeout", type=float, default=120.0)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--only", nargs="*", help="query name prefixes to run (default: all)")
    ap.add_argument("--build-only", action="store_true", help="generate the large store and stop")
    a = ap.parse_args()

    print(f"SYNTHETIC data: {a.papers} generated papers (seed {a.seed}) shaped like the sse-kg model", flush=True)
    big = build_store(a.dir, a.papers, a.seed, a.rebuild)
    n_big = len(big)
    print(f"large store: {n_big:,} quads in {a.dir}", flush=True)
    if a.build_only:
        return
    queries = [(n, t) for n, t in cookbook() if not a.only or any(n.startswith(o) for o in a.only)]
    results = {name: {} for name, _ in queries}
    for name, text in queries:
        med, n = time_ox(big, text, a.runs)
        results[name].update(big_s=med, big_rows=n)
        print(f"  {name:45s} {fmt_s(med):>9s}  {n:>7,} rows", flush=True)

    n_small = 0
    if a.rdflib_papers:
        pools = Pools(a.papers, a.seed)  # the same pools: the small set is the first papers of the large one
        data = b"".join(generate(a.rdflib_papers, a.seed, pools))
        small = ox.Store()
        small.load(data, ox.RdfFormat.N_QUADS)
        n_small = len(small)
        print(f"small set: first {a.rdflib_papers} papers, {n_small:,} quads (pyoxigraph in memory vs rdflib "
              f"{__import__('rdflib').__version__} Dataset in memory)", flush=True)
        for name, text in queries:
            med, n = time_ox(small, text, a.runs)
            results[name].update(small_ox_s=med, small_rows=n)
        parent, child = mp.Pipe()
        proc = mp.get_context("fork").Process(target=_rdflib_worker, args=(child, data, a.rdflib_runs), daemon=True)
        proc.start()
        _, load_s = parent.recv()
        print(f"  rdflib parse: {load_s:.1f} s", flush=True)
        for name, text in queries:
            if proc is None:
                results[name]["rdflib_s"] = None
                continue
            parent.send(text)
            deadline = time.perf_counter() + a.rdflib_timeout
            while True:
                if not parent.poll(max(0.0, deadline - time.perf_counter())):
                    proc.kill()
                    proc.join()
                    proc = None
                    results[name]["rdflib_s"] = f"> {a.rdflib_timeout:g} s"
                    # restart a worker for the remaining queries
                    parent, child = mp.Pipe()
                    proc = mp.get_context("fork").Process(target=_rdflib_worker,
                                                          args=(child, data, a.rdflib_runs), daemon=True)
                    proc.start()
                    parent.recv()
                    break
                msg = parent.recv()
                if msg[0] == "run":
                    deadline = time.perf_counter() + a.rdflib_timeout
                    continue
                _, med, n = msg
                results[name].update(rdflib_s=med, rdflib_rows=n)
                if n != results[name]["small_rows"]:
                    results[name]["rows_differ"] = True
                break
            r = results[name]
            print(f"  {name:45s} ox {fmt_s(r['small_ox_s']):>8s}  rdflib "
                  f"{r['rdflib_s'] if isinstance(r['rdflib_s'], str) else fmt_s(r['rdflib_s']):>9s}", flush=True)
        if proc is not None:
            parent.send(None)
            proc.join(10)

    print()
    head = f"| query | pyoxigraph, {n_big / 1e6:.1f} M quads (on disk) | rows |"
    sep = "|---|---:|---:|"
    if a.rdflib_papers:
        head += f" pyoxigraph, {n_small / 1e3:.0f} k quads (memory) | rdflib, {n_small / 1e3:.0f} k quads (memory) |"
        sep += "---:|---:|"
    print(head)
    print(sep)
    for name, _ in queries:
        r = results[name]
        line = f"| `{name}` | {fmt_s(r['big_s'])} | {r['big_rows']:,} |"
        if a.rdflib_papers:
            rd = r.get("rdflib_s")
            rd_text = rd if isinstance(rd, str) else fmt_s(rd)
            if r.get("rows_differ"):
                rd_text += f" ({r.get('rdflib_rows')} rows vs {r['small_rows']})"
            line += f" {fmt_s(r['small_ox_s'])} | {rd_text} |"
        print(line)
    import os

    print(f"\n{os.cpu_count()} CPUs; load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    slow = [n for n, _ in queries if results[n]["big_s"] >= 1.0]
    print(f"\ntarget < 1 s per query on {n_big / 1e6:.1f} M quads: "
          + ("met by every query" if not slow else f"NOT met by {', '.join(slow)}"))
    if a.json:
        a.json.write_text(json.dumps({"papers": a.papers, "quads": n_big, "small_quads": n_small,
                                      "results": results}, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())

"""The ingest pipeline: files -> read -> extract -> validate -> graph -> SHACL -> store (one paper at a time).

``ingest(paths, store)`` expands folders to ``.txt``/``.md`` files, skips files whose bytes have not changed
since they were stored, and writes each paper atomically (``Store.write_paper``). A file that cannot be read
is reported (one line naming the file) and the others are still ingested.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import KGError
from kg.namespaces import PREFIXES

SUFFIXES = {".txt", ".md", ".pdf"}
# Counting a store's triples reads all of it (Oxigraph keeps no count): after an ingest into a bigger store the
# count is skipped, so that adding one paper costs the same whatever the store's size (`kg stats` counts).
COUNT_STORE_MAX_PAPERS = 200


@dataclass
class PaperReport:
    path: str
    doc_id: str
    status: str = "ingested"  # ingested | unchanged | failed
    error: str | None = None
    facts: int = 0
    measurements: int = 0
    syntheses: int = 0
    rejects: int = 0
    shacl_rejects: int = 0
    references: int = 0
    citations: int = 0
    blocks: int = 0
    tables: int = 0
    triples: int = 0
    seconds: float = 0.0
    shacl_report: str | None = None  # violations that could not be turned into rejects


@dataclass
class IngestReport:
    papers: list[PaperReport] = field(default_factory=list)
    seconds: float = 0.0
    store_triples: int | None = 0  # None: not counted (a store of more than COUNT_STORE_MAX_PAPERS papers)

    def _of(self, status: str) -> list[PaperReport]:
        return [p for p in self.papers if p.status == status]

    @property
    def ingested(self) -> list[PaperReport]:
        return self._of("ingested")

    @property
    def unchanged(self) -> list[PaperReport]:
        return self._of("unchanged")

    @property
    def failed(self) -> list[PaperReport]:
        return self._of("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def totals(self) -> dict[str, Any]:
        ing = self.ingested
        return {
            "papers": len(ing),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
            "facts": sum(p.facts for p in ing),
            "measurements": sum(p.measurements for p in ing),
            "syntheses": sum(p.syntheses for p in ing),
            "rejects": sum(p.rejects for p in ing),
            "triples": sum(p.triples for p in ing),
            "store_triples": self.store_triples,
            "seconds": round(self.seconds, 2),
        }


# -- file discovery ----------------------------------------------------------------------------------------------

def expand_paths(paths: list[str | os.PathLike]) -> tuple[list[Path], list[PaperReport]]:
    """Files to ingest (folders expanded recursively to ``.txt``/``.md``, sorted, each real file once, no
    symlink loops) and a failed report for each argument that does not exist."""
    out: list[Path] = []
    missing: list[PaperReport] = []
    seen_files: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            seen_dirs: set[str] = set()
            found: list[Path] = []
            for root, dirs, files in os.walk(p, followlinks=True):
                real = os.path.realpath(root)
                if real in seen_dirs:
                    dirs[:] = []
                    parent = os.path.realpath(os.path.dirname(root))
                    if os.path.commonpath([real, parent]) == real:  # a link back to a folder above it
                        missing.append(PaperReport(path=root, doc_id=Path(root).name, status="failed",
                                                   error=f"{root}: symlink loop (leads back to {real}); not followed"))
                    continue
                seen_dirs.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in SUFFIXES:
                        if f.is_file():
                            found.append(f)
                        else:
                            missing.append(PaperReport(path=str(f), doc_id=f.stem, status="failed",
                                                       error=f"{f}: {_not_a_file(f)}"))
            for f in sorted(found):
                key = os.path.realpath(f)
                if key not in seen_files:
                    seen_files.add(key)
                    out.append(f)
        elif p.is_file():
            key = os.path.realpath(p)
            if key not in seen_files:
                seen_files.add(key)
                out.append(p)
        else:
            missing.append(PaperReport(path=str(p), doc_id=p.stem, status="failed", error=f"{p}: {_not_a_file(p)}"))
    return out, missing


def _not_a_file(p: Path) -> str:
    """Why ``p`` (neither a folder nor a regular file) cannot be ingested."""
    try:
        os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop; skipped"
        if p.is_symlink():
            return "broken symlink (its target does not exist); skipped"
        return "no such file or directory"
    return "not a regular file (a FIFO, socket or device); skipped"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- SHACL demotion ----------------------------------------------------------------------------------------------

_FOCUS = re.compile(r"Focus Node:\s*(\S+)")
_MESSAGE = re.compile(r"Message:\s*(.+)")


def _expand(token: str) -> str | None:
    token = token.strip()
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    if token.startswith(("http://", "https://")):
        return token
    if ":" in token:
        prefix, local = token.split(":", 1)
        if prefix in PREFIXES:
            return PREFIXES[prefix] + local
    return None


def shacl_violations(report: str) -> dict[str, list[str]]:
    """Focus node IRI -> messages, parsed from a pyshacl text report."""
    out: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=\S[^\n]*(?:Constraint Violation|Validation Result))", report):
        focus = _FOCUS.search(block)
        if not focus:
            continue
        iri = _expand(focus.group(1))
        if iri is None:
            continue
        msgs = [m.strip() for m in _MESSAGE.findall(block)] or ["SHACL violation"]
        out.setdefault(iri, []).extend(msgs)
    return out


# -- one paper ---------------------------------------------------------------------------------------------------

class _Context:
    """Per-process heavy objects: the lexicon and the spaCy extractor (constructed once, reused)."""

    def __init__(self, lexicon=None, extractor=None, shacl: bool = True):
        self._lexicon = lexicon
        self._extractor = extractor
        self.shacl = shacl

    @property
    def lexicon(self):
        if self._lexicon is None:
            from kg.ontology import load_lexicon

            self._lexicon = load_lexicon()
        return self._lexicon

    @property
    def extractor(self):
        if self._extractor is None:
            from kg.extract import Extractor

            self._extractor = Extractor()
        return self._extractor


def process_file(path: Path, file_hash: str, ctx: _Context, *,
                 source_path: str | None = None) -> tuple[PaperReport, list[ox.Quad]]:
    """read -> extract -> validate -> graph -> SHACL for one file. Raises KGError (ReadError) on a bad file.
    ``source_path`` is the path recorded for the paper when ``path`` is a copy (a Dask worker's temporary file)."""
    from kg.facts import Reject
    from kg.graph import fact_nodes, paper_counts, paper_triples, rejects_triples, to_quads, unique_facts
    from kg.reader import read_document
    from kg.validate import validate

    t0 = time.perf_counter()
    doc = read_document(Path(path))
    if source_path is not None:
        doc.path = source_path
    candidates = ctx.extractor.extract(doc)
    facts, rejects = validate(candidates, ctx.lexicon)
    facts, rejects = unique_facts(doc.doc_id, facts), list(rejects)
    graph = paper_triples(doc, facts, ctx.lexicon, n_rejects=len(rejects), file_hash=file_hash)
    rep = PaperReport(path=str(source_path or path), doc_id=doc.doc_id)
    if ctx.shacl:
        from kg.validate import shacl_validate

        conforms, report = shacl_validate(graph)
        if not conforms:
            violations = shacl_violations(report)
            by_iri = {str(iris.fact_iri(doc.doc_id, f)): f for f in facts}
            bad: dict[str, list[str]] = {}
            for focus, msgs in violations.items():
                if focus in by_iri:
                    bad.setdefault(focus, []).extend(msgs)
                    continue
                # a violation on an evidence or material node demotes the facts that use it
                from rdflib import URIRef

                users = [str(s) for s in graph.subjects(None, URIRef(focus)) if s in fact_nodes(graph)]
                for u in users:
                    bad.setdefault(u, []).extend(msgs)
            if bad:
                kept = []
                for f in facts:
                    key = str(iris.fact_iri(doc.doc_id, f))
                    if key in bad:
                        ev = f.evidence
                        rejects.append(Reject(kind=f.kind, reason="SHACL: " + "; ".join(sorted(set(bad[key]))),
                                              doc=doc.doc_id, line=ev.line, text=ev.text,
                                              candidate=f.model_dump(mode="json")))
                        rep.shacl_rejects += 1
                    else:
                        kept.append(f)
                facts = kept
                graph = paper_triples(doc, facts, ctx.lexicon, n_rejects=len(rejects), file_hash=file_hash)
                conforms, report = shacl_validate(graph)
            if not conforms:
                rep.shacl_report = report
    quads = to_quads(graph) + to_quads(rejects_triples(doc.doc_id, rejects))
    counts = paper_counts(doc, facts, len(rejects))
    for key in ("facts", "measurements", "syntheses", "rejects", "references", "citations", "blocks", "tables"):
        setattr(rep, key, counts[key])
    rep.triples = len(quads)
    rep.seconds = time.perf_counter() - t0
    return rep, quads


# worker-process side (workers > 1)
_WORKER_CTX: _Context | None = None


def _worker_init(shacl: bool) -> None:
    global _WORKER_CTX
    _WORKER_CTX = _Context(shacl=shacl)
    _WORKER_CTX.lexicon  # noqa: B018 - load now, not on the first paper
    _WORKER_CTX.extractor  # noqa: B018


def _worker(path: str, file_hash: str):
    try:
        rep, quads = process_file(Path(path), file_hash, _WORKER_CTX)
    except KGError as exc:
        return ("error", str(exc))
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    return ("ok", rep, data)


# -- the loop ----------------------------------------------------------------------------------------------------

def ingest(paths, store, workers: int = 1, progress: bool = True, *, lexicon=None, extractor=None,
           shacl: bool = True, force: bool = False, console=None, dask=None) -> IngestReport:
    """Ingest files/folders into ``store`` (a writable ``kg.store.Store``). See the module docstring.
    ``dask``: a Dask scheduler address (``tcp://host:8786``), ``"local"``, or a ``distributed.Client``: the
    extraction then runs on that cluster (``kg.distributed``); the writes stay here, serialized, one atomic
    write per paper."""
    t0 = time.perf_counter()
    files, report_missing = expand_paths(list(paths))
    report = IngestReport(papers=list(report_missing))
    for r in report_missing:
        _say(console, f"[red]error[/red] {r.error}", r.error)

    # unchanged files and duplicate doc ids are settled before any heavy work
    todo: list[tuple[Path, str]] = []
    owner: dict[str, Path] = {}
    for f in files:
        doc_id = f.stem
        if doc_id in owner:
            msg = f"{f}: duplicate doc id {doc_id!r} (also {owner[doc_id]}); not ingested"
            report.papers.append(PaperReport(path=str(f), doc_id=doc_id, status="failed", error=msg))
            _say(console, f"[red]error[/red] {msg}", msg)
            continue
        owner[doc_id] = f
        try:
            h = file_sha256(f)
        except OSError as exc:
            msg = f"{f}: cannot read: {exc.strerror}"
            report.papers.append(PaperReport(path=str(f), doc_id=doc_id, status="failed", error=msg))
            _say(console, f"[red]error[/red] {msg}", msg)
            continue
        if not force and store.paper_hash(doc_id, raw=True) == h:
            report.papers.append(PaperReport(path=str(f), doc_id=doc_id, status="unchanged"))
            continue
        todo.append((f, h))

    bar = _progress(console) if progress and todo else None
    task = bar.add_task("ingest", total=len(todo)) if bar else None

    def done(path: Path, result) -> None:
        if result[0] == "error":
            msg = result[1]
            report.papers.append(PaperReport(path=str(path), doc_id=path.stem, status="failed", error=msg))
            _say(console, f"[red]error[/red] {msg}", msg, bar)
        else:
            rep, quads = result[1], result[2]
            if isinstance(quads, bytes):
                quads = list(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
            store.write_paper(rep.doc_id, quads)
            report.papers.append(rep)
        if bar:
            bar.update(task, advance=1, description=path.name)

    try:
        if bar:
            bar.start()
        if dask is not None and todo:
            from kg.distributed import extract_on_cluster

            for f, result in extract_on_cluster(dask, todo, shacl=shacl, workers=workers):
                done(f, result)
        elif workers > 1 and len(todo) > 1:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=mp.get_context("spawn"),
                                     initializer=_worker_init, initargs=(shacl,)) as pool:
                futures = [(f, pool.submit(_worker, str(f), h)) for f, h in todo]
                for f, fut in futures:
                    done(f, fut.result())
        else:
            ctx = _Context(lexicon=lexicon, extractor=extractor, shacl=shacl)
            for f, h in todo:
                if bar:
                    bar.update(task, description=f.name)
                try:
                    rep, quads = process_file(f, h, ctx)
                except KGError as exc:
                    done(f, ("error", str(exc)))
                    continue
                done(f, ("ok", rep, quads))
    finally:
        if bar:
            bar.stop()
    order = {str(f): i for i, f in enumerate(files)}
    report.papers.sort(key=lambda p: order.get(p.path, -1))
    report.store_triples = store.triple_count() if _at_most_papers(store, COUNT_STORE_MAX_PAPERS) else None
    report.seconds = time.perf_counter() - t0
    return report


def _at_most_papers(store, limit: int) -> bool:
    """Whether the store holds at most ``limit`` papers (stops reading graph names past that)."""
    n = 0
    for g in store.ox.named_graphs():
        if isinstance(g, ox.NamedNode) and g.value.startswith(iris.GRAPH_PREFIX):
            n += 1
            if n > limit:
                return False
    return True


def _progress(console):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console or Console(stderr=True), transient=False)


def _say(console, rich_text: str, plain: str, bar=None) -> None:
    if plain and rich_text.endswith(plain):
        # the message goes out verbatim: a path may hold rich markup ("[bold]x.txt" lost its name, "a[/b].txt"
        # crashed the whole ingest with a MarkupError)
        from rich.markup import escape

        rich_text = rich_text[: len(rich_text) - len(plain)] + escape(plain)
    if bar is not None:
        bar.console.print(rich_text)
    elif console is not None:
        console.print(rich_text)
    else:
        print(plain, file=sys.stderr)

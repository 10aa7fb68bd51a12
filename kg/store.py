"""The on-disk knowledge graph: pyoxigraph (RocksDB) with one named graph per paper.

Layout: paper ``D`` lives in two named graphs, ``id:graph/D`` (paper node, references, materials, facts,
evidence) and ``id:rejects/D`` (its rejected candidates). The default graph is unused.

Atomicity. pyoxigraph 0.5 has no Python transaction API, but ``Store.update`` runs one SPARQL UPDATE request
(all its operations) as ONE transaction: "either the full operation succeeds, or nothing is written".
``write_paper`` therefore replaces a paper with a single request
``DROP SILENT GRAPH <g> ; DROP SILENT GRAPH <r> ; INSERT DATA { GRAPH <g> {...} GRAPH <r> {...} }``:
a failure (or a kill) anywhere leaves the old paper or the new one, never a mix. (``remove_graph`` followed
by ``extend`` would be two transactions.) The quads are fully materialised before the request is sent, so an
error while producing them writes nothing at all.

Concurrency. Writers take ``<store>/kg-write.lock`` with ``fcntl.flock`` (non-blocking) and write their PID
in it; a second writer gets ``StoreBusyError("store <path> is in use by PID <pid>")``. Readers take no lock:
they open the store read-write if RocksDB lets them (no other process has it open), otherwise read-only
(``pyoxigraph.Store.read_only``), which sees the last committed state (each paper whole: one write is one
RocksDB batch). RocksDB may fail such a read (the writer compacted a file away under it): the open is retried,
then a ``StoreBusyError`` / ``QueryError`` says "store <path> is being written by PID <pid> ...; try again"
(tests/test_concurrency.py).
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import KGError, QueryError, StoreBusyError
from kg.namespaces import PREFIXES, SSE, XSD

LOCK_NAME = "kg-write.lock"
_read_only = ox.Store.read_only  # how a reader opens a store another process has open (see Store._open_snapshot)
_CONTENT_HASH = ox.NamedNode(str(SSE.contentHash))
_FILE_HASH = ox.NamedNode(str(SSE.fileHash))


def _is_lock_error(exc: OSError) -> bool:
    text = str(exc)
    return "LOCK" in text or "lock" in text


def to_term(value: Any) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A Python value as a typed RDF term (for query bindings): terms pass through, bool/int/float get
    xsd:boolean/integer/double, ``<iri>`` strings become IRIs, other strings plain literals."""
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(str(XSD.boolean)))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(str(XSD.double)))
    text = str(value)
    if len(text) > 2 and text.startswith("<") and text.endswith(">"):
        return ox.NamedNode(text[1:-1])  # raises ValueError on an invalid IRI
    return ox.Literal(text)


class Store:
    """A knowledge-graph store on disk. ``Store(path)`` opens it for writing (taking the writer lock);
    ``Store(path, writable=False)`` (or ``Store.reader(path)``) opens it for queries only."""

    def __init__(self, path: str | os.PathLike, *, writable: bool = True, open_timeout: float = 10.0):
        self.path = Path(path)
        self.writable = writable
        self._lock_fd: int | None = None
        self._ox: ox.Store | None = None
        self.snapshot = False  # opened read-only while another process has the store open
        if writable:
            self.path.mkdir(parents=True, exist_ok=True)
            self._acquire_lock()
            try:
                self._ox = self._open_rw(open_timeout)
            except BaseException:
                self._release_lock()
                raise
        else:
            if not (self.path / "CURRENT").exists():
                raise KGError(f"no knowledge-graph store at {self.path} (run `kg --store {self.path} ingest ...`)")
            if self._lock_held_elsewhere():
                # a writer or `kg serve` (whose Oxigraph server opens the store read-only, so RocksDB's own lock
                # is free) has the store: never open it read-write under them
                self._ox = self._open_snapshot()
            else:
                try:
                    self._ox = ox.Store(str(self.path))
                except OSError as exc:
                    if not _is_lock_error(exc):
                        raise KGError(f"cannot open store {self.path}: {exc}") from exc
                    self._ox = self._open_snapshot()
        self.read_only = not writable

    def _open_snapshot(self, tries: int = 5) -> ox.Store:
        """Another process has the store open (a writer): open it read-only, which reads the last committed
        state. RocksDB can fail that open while the writer compacts files away under it ("Corruption: ... No
        such file"): retried, then a clear StoreBusyError instead of RocksDB's alarming message."""
        self.snapshot = True
        for attempt in range(tries):
            try:
                return _read_only(str(self.path))
            except (OSError, RuntimeError) as exc:
                last = exc
                time.sleep(0.05 * (attempt + 1))
        raise StoreBusyError(f"store {self.path} is being written by PID {self.writer_pid()}: no consistent "
                             f"snapshot could be read ({last}); try again when it is done") from last

    def writer_pid(self) -> str:
        """The PID written in the writer lock file (the process that writes or serves the store), or 'unknown'."""
        try:
            return (self.path / LOCK_NAME).read_text(encoding="ascii", errors="replace").strip() or "unknown"
        except OSError:
            return "unknown"

    def read_error(self, exc: Exception) -> QueryError:
        """The QueryError for a failed read. A snapshot whose files a writer compacted away under the query
        ("IO error: No such file ... .sst") says so, and that trying again works."""
        if self.snapshot and isinstance(exc, (OSError, RuntimeError)) and re.search(
                r"IO error|Corruption|No such file", str(exc)):
            return QueryError(f"store {self.path} is being written by PID {self.writer_pid()} and changed under "
                              f"this query ({exc}); try again")
        return QueryError(f"SPARQL query failed: {exc}")

    @classmethod
    def reader(cls, path: str | os.PathLike) -> Store:
        return cls(path, writable=False)

    # -- locking ------------------------------------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.path / LOCK_NAME

    def _lock_held_elsewhere(self) -> bool:
        """Whether another process holds the writer lock (a shared probe lock fails while it does)."""
        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except OSError as exc:
            return exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES)
        finally:
            os.close(fd)

    def _acquire_lock(self) -> None:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                os.close(fd)
                raise
            try:
                pid = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise StoreBusyError(f"store {self.path} is in use by PID {pid}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            try:
                os.ftruncate(self._lock_fd, 0)
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None

    def _open_rw(self, timeout: float) -> ox.Store:
        # A reader (which takes no kg lock) may hold RocksDB's own LOCK for a moment: retry briefly.
        deadline = time.monotonic() + timeout
        while True:
            try:
                return ox.Store(str(self.path))
            except OSError as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    if _is_lock_error(exc):
                        raise StoreBusyError(f"store {self.path} is in use by another process ({exc})") from exc
                    raise KGError(f"cannot open store {self.path}: {exc}") from exc
                time.sleep(0.1)

    def close(self) -> None:
        if self._ox is not None:
            if self.writable:
                try:
                    self._ox.flush()
                except OSError:
                    pass
            self._ox = None
        self._release_lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self._release_lock()
        except Exception:  # noqa: BLE001
            pass

    @property
    def ox(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store``."""
        if self._ox is None:
            raise KGError(f"store {self.path} is closed")
        return self._ox

    def _check_writable(self) -> None:
        if not self.writable:
            raise KGError(f"store {self.path} was opened read-only")

    # -- writing ------------------------------------------------------------------------------------------------

    def write_paper(self, doc_id: str, quads: Iterable[ox.Quad], *, _extra_update: str = "") -> int:
        """Replace paper ``doc_id`` (its facts graph and its rejects graph) by ``quads``, all or nothing.

        Every quad must be in ``id:graph/<doc_id>`` or ``id:rejects/<doc_id>``. Returns the number of quads
        written. ``_extra_update`` is appended to the same request (tests use it to inject a failure).
        """
        self._check_writable()
        g = ox.NamedNode(str(iris.graph_iri(doc_id)))
        r = ox.NamedNode(str(iris.rejects_graph_iri(doc_id)))
        allowed = {g, r}
        by_graph: dict[ox.NamedNode, list[str]] = defaultdict(list)
        n = 0
        for q in quads:  # materialise everything first: an error here writes nothing
            if q.graph_name not in allowed:
                raise ValueError(f"quad {q} is not in the graphs of paper {doc_id}")
            by_graph[q.graph_name].append(f"{q.subject} {q.predicate} {q.object} .")
            n += 1
        parts = [f"DROP SILENT GRAPH {g} ;\nDROP SILENT GRAPH {r} ;\n"]
        if by_graph:
            parts.append("INSERT DATA {\n")
            for graph, lines in by_graph.items():
                parts.append(f"GRAPH {graph} {{\n")
                parts.append("\n".join(lines))
                parts.append("\n}\n")
            parts.append("}\n")
        if _extra_update:
            parts.append(" ;\n" + _extra_update)
        self.ox.update("".join(parts))
        return n

    def remove_paper(self, doc_id: str) -> bool:
        """Remove a paper's graphs (one transaction). Returns whether the paper was there."""
        self._check_writable()
        existed = doc_id in self.papers()
        self.ox.update(f"DROP SILENT GRAPH <{iris.graph_iri(doc_id)}> ;\n"
                       f"DROP SILENT GRAPH <{iris.rejects_graph_iri(doc_id)}>")
        return existed

    def clear(self) -> None:
        self._check_writable()
        self.ox.update("DROP ALL")

    # -- reading ------------------------------------------------------------------------------------------------

    def papers(self) -> list[str]:
        """Doc ids of the papers in the store, sorted."""
        out = set()
        for name in self.ox.named_graphs():
            if isinstance(name, ox.NamedNode) and name.value.startswith(iris.GRAPH_PREFIX):
                out.add(iris.doc_id_of_graph(name.value))
        return sorted(out)

    def paper_hash(self, doc_id: str, *, raw: bool = False) -> str | None:
        """The stored paper's ``sse:contentHash`` (sha256 of its text as read), or with ``raw=True`` its
        ``sse:fileHash`` (sha256 of the file's bytes, what ingest compares to skip an unchanged file);
        None if the paper is not stored."""
        g = ox.NamedNode(str(iris.graph_iri(doc_id)))
        paper = ox.NamedNode(str(iris.paper_iri(doc_id)))
        for q in self.ox.quads_for_pattern(paper, _FILE_HASH if raw else _CONTENT_HASH, None, g):
            return q.object.value
        return None

    def paper_quads(self, doc_id: str, *, rejects: bool = False) -> list[ox.Quad]:
        iri = iris.rejects_graph_iri(doc_id) if rejects else iris.graph_iri(doc_id)
        return list(self.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(iri))))

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None, *, union: bool = False):
        """Run a SPARQL query with the project prefixes predeclared. ``bindings`` maps variable names to
        values (typed RDF terms, or Python values converted by ``to_term``); they are substituted as terms
        by the engine (SEP-0007), never pasted into the query text. ``union=True`` makes the default graph
        the union of all graphs. Raises ``QueryError`` with the parser's message on a bad query."""
        subs = {ox.Variable(k.lstrip("?$")): to_term(v) for k, v in (bindings or {}).items()}
        try:
            return self.ox.query(sparql, prefixes=PREFIXES, substitutions=subs or None,
                                 use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise self.read_error(exc) from exc

    def select(self, sparql: str, bindings: Mapping[str, Any] | None = None, *, union: bool = False) -> list[dict]:
        """A SELECT query's rows as dicts of variable name -> pyoxigraph term (unbound variables absent)."""
        res = self.query(sparql, bindings, union=union)
        names = [v.value for v in res.variables]
        rows = []
        try:  # results stream: a read error can come while iterating
            for sol in res:
                row = {}
                for name in names:
                    term = sol[name]
                    if term is not None:
                        row[name] = term
                rows.append(row)
        except (OSError, RuntimeError) as exc:
            raise self.read_error(exc) from exc
        return rows

    def triple_count(self, doc_id: str | None = None) -> int:
        """Number of quads in the store (or in one paper's two graphs)."""
        if doc_id is None:
            return len(self.ox)
        return len(self.paper_quads(doc_id)) + len(self.paper_quads(doc_id, rejects=True))

    def dump(self, output, fmt: ox.RdfFormat, *, from_graph=None, prefixes: dict | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if from_graph is not None:
            kwargs["from_graph"] = from_graph
        if prefixes is not None:
            kwargs["prefixes"] = prefixes
        self.ox.dump(output, fmt, **kwargs)

    def rdflib_graph(self):
        """An ``rdflib.Dataset`` over this very store (oxrdflib's ``Oxigraph`` store plugin wrapping the open
        ``pyoxigraph.Store``, so no second RocksDB handle is needed): rdflib's API over Oxigraph on disk."""
        import rdflib
        from oxrdflib import OxigraphStore

        from kg.namespaces import bind_all

        ds = rdflib.Dataset(store=OxigraphStore(store=self.ox))
        bind_all(ds)
        return ds

    def __repr__(self) -> str:
        mode = "rw" if self.writable else "ro"
        return f"<kg.Store {self.path} {mode}>"

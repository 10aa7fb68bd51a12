"""The on-disk store: round trip, atomic replacement, the writer lock, readers."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time

import pyoxigraph as ox
import pytest
from conftest import REPO, paper_quads

from kg import iris
from kg.errors import KGError, QueryError, StoreBusyError
from kg.store import Store


def test_round_trip(store_path):
    quads = paper_quads("paperA")
    with Store(store_path) as s:
        assert s.papers() == []
        assert s.write_paper("paperA", quads) == len(quads)
    with Store(store_path, writable=False) as s:
        assert s.papers() == ["paperA"]
        assert s.triple_count() == len(quads) == s.triple_count("paperA")
        assert set(s.ox) == set(quads)
        assert s.paper_hash("paperA") == "a" * 64
        assert s.paper_hash("paperA", raw=True) == "f" * 64
        assert s.paper_hash("nope") is None


def test_write_replaces_and_remove(store_path):
    a, b = paper_quads("paperA"), paper_quads("paperB", sha="b" * 64)
    with Store(store_path) as s:
        s.write_paper("paperA", a)
        s.write_paper("paperB", b)
        total = s.triple_count()
        assert total == len(a) + len(b)
        s.write_paper("paperA", a)  # rewrite: same triples, nothing duplicated
        assert s.triple_count() == total
        a2 = paper_quads("paperA", sha="c" * 64, title="Changed")
        s.write_paper("paperA", a2)
        assert s.paper_hash("paperA") == "c" * 64
        assert s.triple_count("paperA") == len(a2)
        assert s.remove_paper("paperA") is True
        assert s.remove_paper("paperA") is False
        assert s.papers() == ["paperB"]
        assert s.triple_count() == len(b)
        # the shared material node still exists in paperB's graph
        mat = ox.NamedNode(str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl")))
        assert list(s.ox.quads_for_pattern(mat, None, None, ox.NamedNode(str(iris.graph_iri("paperB")))))


def test_write_rejects_foreign_graph(store_path):
    bad = ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"), ox.NamedNode("http://g"))
    with Store(store_path) as s:
        with pytest.raises(ValueError):
            s.write_paper("paperA", [bad])
        assert s.triple_count() == 0


def _old_state(s: Store):
    return sorted(map(str, s.ox))


def test_replace_is_atomic_when_the_quads_fail_midway(store_path):
    old = paper_quads("paperA")
    new = paper_quads("paperA", sha="d" * 64, title="New")

    def exploding():
        for i, q in enumerate(new):
            if i == len(new) // 2:
                raise RuntimeError("boom in the middle of the write")
            yield q

    with Store(store_path) as s:
        s.write_paper("paperA", old)
        before = _old_state(s)
        with pytest.raises(RuntimeError, match="boom"):
            s.write_paper("paperA", exploding())
        assert _old_state(s) == before
        assert s.triple_count() == len(old)
        assert s.paper_hash("paperA") == "a" * 64


def test_replace_is_atomic_when_the_transaction_fails_after_the_insert(store_path):
    """The failure comes after DROP + INSERT inside the same update request: Oxigraph rolls it all back."""
    old = paper_quads("paperA")
    new = paper_quads("paperA", sha="d" * 64, title="New")
    with Store(store_path) as s:
        s.write_paper("paperA", old)
        before = _old_state(s)
        with pytest.raises(Exception):
            s.write_paper("paperA", new, _extra_update="DROP GRAPH <http://example.org/does-not-exist>")
        assert _old_state(s) == before
        assert s.triple_count() == len(old)


KILL_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from conftest import paper_quads
    from kg.store import Store
    s = Store({path!r})
    a = paper_quads("paperA")
    b = paper_quads("paperA", sha="e" * 64, title="B version")
    b = b + paper_quads("paperA", sha="e" * 64, title="B version extra")  # bigger than a
    print("ready", flush=True)
    while True:
        s.write_paper("paperA", a)
        s.write_paper("paperA", b)
""")


def test_kill_during_writes_leaves_old_or_new(store_path):
    a = paper_quads("paperA")
    b = paper_quads("paperA", sha="e" * 64, title="B version")
    b = b + paper_quads("paperA", sha="e" * 64, title="B version extra")
    valid = {frozenset(map(str, a)), frozenset(map(str, b))}
    code = KILL_WRITER.format(tests=str(REPO / "tests"), path=str(store_path))
    for delay in (0.3, 0.55):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store(store_path) as s:
            assert frozenset(map(str, s.ox)) in valid


def _hold_lock(path, ready, release):
    s = Store(path)
    ready.set()
    release.wait(20)
    s.close()


def test_second_writer_gets_busy_error_naming_the_pid(store_path):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(store_path), ready, release))
    proc.start()
    try:
        assert ready.wait(30)
        with pytest.raises(StoreBusyError) as exc:
            Store(store_path)
        assert str(exc.value) == f"store {store_path} is in use by PID {proc.pid}"
        # readers still work while the writer holds the store
        with Store(store_path, writable=False) as r:
            assert r.papers() == []
    finally:
        release.set()
        proc.join(30)
    with Store(store_path) as s:  # released: a new writer gets in
        assert s.writable


def test_reader_needs_an_existing_store(tmp_path):
    with pytest.raises(KGError, match="no knowledge-graph store"):
        Store(tmp_path / "missing", writable=False)


def test_query_bindings_and_errors(filled_store):
    with Store(filled_store, writable=False) as s:
        rows = s.select("SELECT ?doc ?id WHERE { GRAPH ?g { ?p dcterms:identifier ?id } BIND(?id AS ?doc) }",
                        {"id": "paperB"})
        assert [r["doc"].value for r in rows] == ["paperB"]
        with pytest.raises(QueryError, match="syntax"):
            s.query("SELECT WHERE {")
        with pytest.raises(KGError):
            s.write_paper("paperA", [])


def test_rdflib_view(filled_store):
    from rdflib import URIRef

    from kg.namespaces import DCTERMS

    with Store(filled_store, writable=False) as s:
        ds = s.rdflib_graph()
        g = ds.graph(URIRef(str(iris.graph_iri("paperA"))))
        assert str(g.value(URIRef(str(iris.paper_iri("paperA"))), DCTERMS.identifier)) == "paperA"


def test_reader_opens_a_snapshot_while_the_writer_lock_is_held(store_path):
    """`kg serve` holds the writer lock while Oxigraph's server reads the store read-only (RocksDB's own lock is
    then free): a reader must not open the store read-write under it."""
    import fcntl

    with Store(store_path) as s:
        s.write_paper("paperA", paper_quads("paperA"))
    fd = os.open(store_path / "kg-write.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        reader = Store(store_path, writable=False)
        try:
            assert reader.snapshot is True
            assert reader.papers() == ["paperA"]
        finally:
            reader.close()
    finally:
        os.close(fd)
    reader = Store(store_path, writable=False)
    try:
        assert reader.snapshot is False  # no writer: the plain open
    finally:
        reader.close()

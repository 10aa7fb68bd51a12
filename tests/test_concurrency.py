"""Concurrent use of one store by real processes: a second ``kg ingest`` is refused with "store ... is in use
by PID <pid>" while the first runs (and nothing is corrupted); ``kg query`` (and any reader) during an ingest
either reads a consistent snapshot (every paper whole) or says clearly that the store is being written.

The writer is the real ``kg ingest`` (under the marker wrapper of test_crash_safety, which prints ``@@open``
once it holds the store), re-ingesting papers with ``--force`` into a copy of the corpus store: the quads it
writes are the ones already there, so any partially visible write shows as a wrong per-paper count.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import CORPUS
from test_crash_safety import Child

from kg.cli import check_store
from kg.errors import KGError, QueryError, StoreBusyError
from kg.store import Store

COUNTS = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
KG = str(Path(sys.executable).parent / "kg")


def counts(store: Store) -> dict[str, int]:
    return {r["g"].value: int(r["n"].value) for r in store.select(COUNTS)}


@pytest.fixture
def store_copy(corpus_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(corpus_store.path, copy, ignore=shutil.ignore_patterns("LOCK", "kg-write.lock"))
    with Store(copy, writable=False) as s:
        expected = counts(s)
        nquads = sorted(map(str, s.ox))
    return copy, expected, nquads


def test_two_ingests_and_queries_during_an_ingest(store_copy):
    store, expected, nquads = store_copy
    papers = sorted(CORPUS.glob("00[34]_*.txt"))  # the two smallest papers: two writes of 4358 and 1643 quads
    writer = Child(store, "ingest", *map(str, papers), "--force", "--no-progress")
    writer.wait_for("open")

    outcomes: list[str] = []
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                with Store(store, writable=False) as s:
                    got = counts(s)
                outcomes.append("consistent" if got == expected else f"INCONSISTENT {got}")
            except (StoreBusyError, QueryError) as exc:
                assert f"PID {writer.proc.pid}" in str(exc), exc
                outcomes.append("busy")
            except Exception as exc:  # noqa: BLE001 - anything else is a failure, reported below
                outcomes.append(f"ERROR {type(exc).__name__}: {exc}")

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        # a second ingest is refused at once, naming the first one's PID
        t0 = time.perf_counter()
        second = subprocess.run([KG, "--store", str(store), "ingest", str(CORPUS), "--no-progress"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert second.stderr.strip() == f"error: store {store} is in use by PID {writer.proc.pid}", second.stderr
        assert time.perf_counter() - t0 < 30
        # kg query (its own process) while the ingest runs: a consistent answer, or a clear "busy"
        queries = []
        while writer.proc.poll() is None and len(queries) < 3:
            q = subprocess.run([KG, "--store", str(store), "query", "--format", "csv", COUNTS],
                               capture_output=True, text=True, timeout=120)
            queries.append(q)
        for q in queries:
            if q.returncode == 0:
                rows = dict(line.split(",") for line in q.stdout.splitlines()[1:])
                assert {g: int(n) for g, n in rows.items()} == expected
            else:
                assert re.fullmatch(rf"error: store {re.escape(str(store))} is being written by PID "
                                    rf"{writer.proc.pid}.*", q.stderr.strip(), re.S), q.stderr
            assert "Traceback" not in q.stderr
        out, err = writer.proc.communicate(timeout=180)
        assert writer.proc.returncode == 0, err
    finally:
        stop.set()
        reader.join(60)
        if writer.proc.poll() is None:
            writer.proc.kill()
    assert outcomes and all(o in ("consistent", "busy") for o in outcomes), [o for o in outcomes if o[0] in "IE"]
    assert outcomes.count("consistent") >= 1
    # nothing corrupted: the store is what it was (the same papers written again), and valid
    with Store(store) as s:
        assert sorted(map(str, s.ox)) == nquads
        assert check_store(s, shacl=False) == []
    print(f"\n{len(outcomes)} reads during the ingest: {outcomes.count('consistent')} consistent, "
          f"{outcomes.count('busy')} busy; kg query exit codes {[q.returncode for q in queries]}")


def test_busy_message_when_no_snapshot_can_be_read(tmp_path, monkeypatch):
    """When the read-only open fails while a writer holds the store (RocksDB: a file compacted away under the
    reader), the reader says the store is being written, by whom: no RocksDB 'Corruption' traceback."""
    import pyoxigraph as ox

    import kg.store

    path = tmp_path / "s"
    with Store(path) as w:
        w.ox.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")
        calls = []

        def failing_read_only(p):
            calls.append(p)
            raise RuntimeError(f"Corruption: IO error: No such file or directory: {p}/000249.sst")

        monkeypatch.setattr(kg.store, "_read_only", failing_read_only)
        with pytest.raises(StoreBusyError) as exc:
            Store(path, writable=False)
        assert str(exc.value).startswith(f"store {path} is being written by PID {os.getpid()}")
        assert len(calls) >= 2  # retried
        assert isinstance(exc.value, KGError)
        monkeypatch.setattr(kg.store, "_read_only", ox.Store.read_only)
        with Store(path, writable=False) as r:  # the real snapshot works
            assert len(r.ox) == 1

"""kg serve: the Oxigraph server over the corpus store, end to end (HTTP with urllib, SPARQLWrapper)."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.errors import KGError, StoreBusyError

pytestmark = pytest.mark.skipif(
    not (Path(sys.executable).parent / "oxigraph").exists() and shutil.which("oxigraph") is None,
    reason="the Oxigraph server binary is not installed (pip install 'sse-kg[serve]')")

QUERIES = Path(__file__).resolve().parent.parent / "queries"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, query: str) -> dict:
    req = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def post_query(url: str, query: str) -> dict:
    req = urllib.request.Request(url, data=query.encode(), method="POST",
                                 headers={"Content-Type": "application/sparql-query",
                                          "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


COUNT_FACTS = ("PREFIX sse: <https://w3id.org/sse-kg/ontology#> SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { "
               "GRAPH ?g { VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t } }")


def test_kg_serve_read_only_end_to_end(corpus_store):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    from kg.store import Store

    port = free_port()
    kg_bin = Path(sys.executable).parent / "kg"
    proc = subprocess.Popen([str(kg_bin), "--store", str(corpus_store.path), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # printed once the server answers
        assert f"http://127.0.0.1:{port}/query (read-only" in line, (line, proc.stderr.read() if proc.poll() else "")
        ox_pid = int(re.search(r"oxigraph PID (\d+)", line).group(1))
        url = f"http://127.0.0.1:{port}/query"
        expected = corpus_store.report.totals()["facts"]

        # SPARQL 1.1 Protocol: GET with ?query=, and POST application/sparql-query (a cookbook file)
        res = get_json(url, COUNT_FACTS)
        assert int(res["results"]["bindings"][0]["n"]["value"]) == expected
        rows = post_query(url, (QUERIES / "02_values_for_material.rq").read_text())["results"]["bindings"]
        assert any(r["doc"]["value"] == "001_7c7ad0d35d41c675" and r["line"]["value"] == "169"
                   and float(r["value"]["value"]) == 0.00496 for r in rows)

        # SPARQLWrapper
        sw = SPARQLWrapper(url)
        sw.setQuery(COUNT_FACTS)
        sw.setReturnFormat(JSON)
        assert int(sw.query().convert()["results"]["bindings"][0]["n"]["value"]) == expected

        # UPDATE is refused (403), by plain HTTP and through SPARQLWrapper; nothing changed
        req = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=b"DROP ALL", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(req, timeout=10)
        assert exc.value.code == 403 and b"read-only" in exc.value.read()
        up = SPARQLWrapper(url, updateEndpoint=f"http://127.0.0.1:{port}/update")
        up.setMethod(POST)
        up.setQuery("CLEAR ALL")
        with pytest.raises(Exception):  # noqa: B017 - SPARQLWrapper raises urllib's HTTPError for a 403
            up.query()
        assert int(get_json(url, COUNT_FACTS)["results"]["bindings"][0]["n"]["value"]) == expected

        # a writer is refused while the store is served
        with pytest.raises(StoreBusyError, match="in use by PID"):
            Store(corpus_store.path)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
    assert code == 0
    # the server process is gone, the port and the writer lock are free again
    with pytest.raises(ProcessLookupError):
        os.kill(ox_pid, 0)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=2)
    Store(corpus_store.path).close()


def test_allow_update_timeout_and_refusals(corpus_store, tmp_path):
    from SPARQLWrapper import POST, SPARQLWrapper

    from kg.serve import Server
    from kg.store import Store

    copy = tmp_path / "store"
    shutil.copytree(corpus_store.path, copy, ignore=shutil.ignore_patterns("kg-write.lock", "LOCK"))
    before = Store(copy, writable=False)
    n0 = before.triple_count()
    before.close()

    with Server(copy, port=free_port(), allow_update=True, timeout=1) as srv:
        assert srv.command[1] == "serve" and "--timeout-s" in srv.command
        up = SPARQLWrapper(srv.query_url, updateEndpoint=srv.update_url)
        up.setMethod(POST)
        up.setQuery("INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> 1 } }")
        up.query()
        res = get_json(srv.query_url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert int(res["results"]["bindings"][0]["n"]["value"]) == n0 + 1
        # the query timeout: a runaway cross product is cancelled after ~1 s, not answered
        t0 = time.perf_counter()
        try:
            body = urllib.request.urlopen(srv.query_url + "?" + urllib.parse.urlencode(
                {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }"}),
                timeout=30).read()
        except (urllib.error.HTTPError, urllib.error.URLError, ConnectionError) as exc:
            body = str(exc).encode()
        assert time.perf_counter() - t0 < 15
        assert b'"value"' not in body  # no count came back
        # read-write needs the store to itself: a second server (or a writer) is refused
        with pytest.raises(StoreBusyError):
            Server(copy, port=free_port()).start()
    with Store(copy, writable=False) as s:
        assert s.triple_count() == n0 + 1  # the update was persisted

    # a store open in another process: read-only serving still works, read-write reports the lock
    holder = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(copy)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with Server(copy, port=free_port()) as srv:
            assert get_json(srv.query_url, "ASK { GRAPH <urn:test:g> { ?s ?p ?o } }")["boolean"] is True
        with pytest.raises(KGError, match="lock|another process"):
            Server(copy, port=free_port(), allow_update=True).start()
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_serve_refuses_a_missing_store_and_a_busy_port(tmp_path, corpus_store):
    from kg.serve import Server

    with pytest.raises(KGError, match="no knowledge-graph store"):
        Server(tmp_path / "nothing").start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(KGError, match="cannot listen"):
            Server(corpus_store.path, port=s.getsockname()[1]).start()

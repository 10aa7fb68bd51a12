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


# -- the result-size limit (kg.serve_proxy in front of Oxigraph) --------------------------------------------------

ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")
GRAPH_TYPES = ("application/n-triples", "text/turtle", "application/rdf+xml", "application/n-quads")


def fetch(url: str, query: str | None = None, accept: str = "application/sparql-results+json",
          method: str = "GET") -> tuple[int, bytes, str]:
    """(status, body, content type) of one request, errors included."""
    data = None
    headers = {"Accept": accept}
    if query is not None and method == "GET":
        url += "?" + urllib.parse.urlencode({"query": query})
    elif query is not None:
        data, headers["Content-Type"] = query.encode(), "application/sparql-query"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def row_count(body: bytes, accept: str) -> int:
    import pyoxigraph as ox

    if accept == "text/csv":
        import csv
        import io

        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    fmt = ox.QueryResultsFormat.from_media_type(accept)
    if fmt is not None:
        return len(list(ox.parse_query_results(body, format=fmt)))
    return len(list(ox.parse(body, format=ox.RdfFormat.from_media_type(accept))))


@pytest.fixture(scope="module")
def limited(corpus_store):
    """kg serve with a 1,000-row limit over the corpus store (~25k quads)."""
    from kg.serve import Server

    with Server(corpus_store.path, port=free_port(), max_rows=1000) as srv:
        yield srv


def test_a_result_over_the_row_limit_is_refused_in_every_format(limited):
    """More rows than --max-rows: 422 with the reason, for SPARQL results (JSON, XML, CSV, TSV), for graphs
    (CONSTRUCT: triples) and for the Graph Store Protocol; never a 200 with part of the rows. (Without the proxy
    Oxigraph answers all of these with a 200 and every row.)"""
    message = b"result has more than 1000 rows (kg serve --max-rows); add LIMIT to the query or raise the limit"
    oxigraph = limited.backend_url + "/query"  # Oxigraph itself, behind the proxy
    for accept in RESULT_TYPES:
        status, body, ctype = fetch(limited.query_url, ALL_QUADS, accept)
        assert (status, body, ctype) == (422, message, "text/plain; charset=utf-8"), accept
        status, body, _ = fetch(oxigraph, ALL_QUADS, accept)
        assert status == 200 and row_count(body, accept) > 20000, accept
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    for accept in GRAPH_TYPES:
        assert fetch(limited.query_url, construct, accept)[:2] == (422, message), accept
    assert fetch(limited.query_url, ALL_QUADS, method="POST")[:2] == (422, message)  # POST application/sparql-query
    graph = fetch(limited.query_url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g "
                                     "ORDER BY DESC(?n) LIMIT 1")[1]
    biggest = json.loads(graph)["results"]["bindings"][0]
    assert int(biggest["n"]["value"]) > 1000
    store_get = limited.url + "/store?" + urllib.parse.urlencode({"graph": biggest["g"]["value"]})
    assert fetch(store_get, accept="application/n-triples")[:2] == (422, message)
    assert fetch(limited.backend_url + store_get[len(limited.url):], accept="application/n-triples")[0] == 200


def test_a_result_under_the_row_limit_is_oxigraphs_answer_unchanged(limited):
    """At or under the limit: 200, the same bytes and content type as Oxigraph's own answer, all rows; errors
    and small answers pass through as Oxigraph gives them."""
    oxigraph = limited.backend_url + "/query"
    for accept in RESULT_TYPES + GRAPH_TYPES:
        query = (f"{ALL_QUADS} LIMIT 1000" if accept in RESULT_TYPES else  # the store's order: the same each time
                 "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1000")
        via_proxy, direct = fetch(limited.query_url, query, accept), fetch(oxigraph, query, accept)
        assert via_proxy[0] == 200 and via_proxy == direct, accept
        assert row_count(via_proxy[1], accept) == 1000, accept
    for query in ("ASK { GRAPH ?g { ?s ?p ?o } }", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"):
        assert fetch(limited.query_url, query) == fetch(oxigraph, query)
    assert fetch(limited.query_url, "SELEC nothing")[0] == 400
    assert fetch(limited.query_url, "SELEC nothing") == fetch(oxigraph, "SELEC nothing")
    status, body, ctype = fetch(limited.url + "/", accept="text/html")  # the YASGUI page
    assert status == 200 and ctype.startswith("text/html") and body == fetch(limited.backend_url + "/",
                                                                             accept="text/html")[1]


def test_a_result_over_the_byte_limit_is_refused(corpus_store):
    from kg.serve import Server

    with Server(corpus_store.path, port=free_port(), max_rows=0, max_bytes=50_000) as srv:
        status, body, _ = fetch(srv.query_url, ALL_QUADS)
        assert status == 422
        assert body == (b"result is larger than 50000 bytes (kg serve --max-bytes); add LIMIT to the query or "
                        b"raise the limit")
        small = f"{ALL_QUADS} LIMIT 20"
        assert fetch(srv.query_url, small) == fetch(srv.backend_url + "/query", small)
        assert fetch(srv.query_url, small)[0] == 200


def test_a_refused_result_is_cut_early_and_the_server_goes_on(corpus_store):
    """A 625-million-row cross product with no timeout: refused as soon as the limit is passed (closing the
    connection to Oxigraph stops the query), and the next queries are answered."""
    from kg.serve import Server

    cross = "SELECT * WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }"
    with Server(corpus_store.path, port=free_port(), timeout=None, max_rows=5000) as srv:
        t0 = time.perf_counter()
        status, body, _ = fetch(srv.query_url, cross)
        assert status == 422 and b"more than 5000 rows" in body
        assert time.perf_counter() - t0 < 10
        for _ in range(3):
            assert fetch(srv.query_url, "ASK { GRAPH ?g { ?s ?p ?o } }")[:2] == (200, b'{"head":{},"boolean":true}')
        assert srv.proc.poll() is None


def test_kg_serve_limits_on_the_command_line(corpus_store):
    from typer.testing import CliRunner

    from kg.cli import app
    from kg.serve import parse_size

    help_text = " ".join(CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "--max-rows" in help_text and "--max-bytes" in help_text and "0 = no limit" in help_text
    assert "100000" in help_text and "128M" in help_text  # the defaults
    assert [parse_size(x) for x in ("0", "1000", "128M", "128MiB", "1g", "512k")] == [
        0, 1000, 128 * 2**20, 128 * 2**20, 2**30, 512 * 2**10]
    for bad in ("lots", "-1M", "inf", "nan"):
        with pytest.raises(KGError, match="not a byte count"):
            parse_size(bad)

    port = free_port()
    kg_bin = Path(sys.executable).parent / "kg"
    proc = subprocess.Popen([str(kg_bin), "--store", str(corpus_store.path), "serve", "--port", str(port),
                             "--max-rows", "300", "--max-bytes", "1M"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "results up to 300 rows, 1 MiB" in line, (line, proc.stderr.read() if proc.poll() else "")
        url = f"http://127.0.0.1:{port}/query"
        assert fetch(url, ALL_QUADS)[:2] == (422, b"result has more than 300 rows (kg serve --max-rows); add LIMIT "
                                                  b"to the query or raise the limit")
        status, body, _ = fetch(url, ALL_QUADS + " LIMIT 300")
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 300
        status, body, _ = fetch(url, "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 300", "text/csv")
        assert status == 200 and row_count(body, "text/csv") == 300
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    bad = subprocess.run([str(kg_bin), "--store", str(corpus_store.path), "serve", "--max-bytes", "lots"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "not a byte count: 'lots'" in bad.stderr


@pytest.mark.parametrize("read_size", [1, 7, 64 * 1024])
def test_row_counting_reads_what_oxigraph_writes(monkeypatch, read_size):
    """The proxy's counters on Oxigraph's own serializations, with values that hold quotes, commas, tabs, CR/LF,
    braces and '<result>' (CSV records span lines; JSON/XML strings hold structure characters), fed in reads of
    any size (a CRLF or a token split between two reads)."""
    import io

    import pyoxigraph as ox

    from kg import serve_proxy

    monkeypatch.setattr(serve_proxy, "READ_SIZE", read_size)
    store = ox.Store()
    tricky = ['a "quoted", value', "two\r\nlines,\tand a tab", "}]},{\"x\":[{", "<result></result>", "\r", '"', ""]
    store.extend(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(v))
                 for i, v in enumerate(tricky * 3))
    n = len(tricky) * 3
    for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV,
                ox.QueryResultsFormat.TSV):
        data = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(format=fmt)
        body = serve_proxy._Body(io.BytesIO(data), 0)
        assert sum(1 for _ in serve_proxy.rows(fmt.media_type, body)) == n, fmt
        assert body.rest() == data
    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        data = store.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(format=fmt)
        assert sum(1 for _ in serve_proxy.rows(fmt.media_type, serve_proxy._Body(io.BytesIO(data), 0))) == n, fmt

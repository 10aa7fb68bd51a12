"""``--store http://...``: the SPARQL 1.1 Protocol / Update / Graph Store client against a real Oxigraph server
(the ``oxigraph`` package from PyPI), started here on 127.0.0.1 on a free port and stopped afterwards."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import CORPUS, paper_quads
from typer.testing import CliRunner

from kg import iris
from kg.cli import app
from kg.errors import KGError, QueryError
from kg.remote_store import RemoteStore, SparqlClient, bind_values, is_remote, open_store
from kg.store import Store

runner = CliRunner()


def _oxigraph_binary() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    assert Path(exe).exists(), "the `oxigraph` server (pip install oxigraph) is a test dependency"
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """An in-memory Oxigraph server on 127.0.0.1:<free port>; its base URL."""
    port = _free_port()
    proc = subprocess.Popen([_oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph server did not start: {proc.stderr.read().decode()[:500]}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def remote(server):
    """A writable RemoteStore on the (emptied) server."""
    s = RemoteStore(server)
    s.clear()
    yield s
    s.close()


def test_urls_and_endpoints():
    assert is_remote("http://h:1") and is_remote("HTTPS://h/x") and not is_remote("kg-store")
    c = SparqlClient("http://h:7878/")
    assert (c.query_url, c.update_url, c.gsp_url) == ("http://h:7878/query", "http://h:7878/update",
                                                      "http://h:7878/store")
    c = SparqlClient("http://h:3030/kg?query=query&update=update&gsp=data")
    assert (c.query_url, c.update_url, c.gsp_url) == ("http://h:3030/kg/query", "http://h:3030/kg/update",
                                                      "http://h:3030/kg/data")
    c = SparqlClient("http://u:p%40ss@h:7200/repositories/kg?query=&update=statements&gsp=rdf-graphs/service")
    assert (c.query_url, c.update_url) == ("http://h:7200/repositories/kg", "http://h:7200/repositories/kg/statements")
    assert c._auth == "Basic dTpwQHNz"  # u:p@ss
    with pytest.raises(KGError, match="unknown store URL parameter"):
        SparqlClient("http://h/x?sparql=1")


def test_bind_values_is_term_syntax_never_text():
    evil = ox.Literal('" } ; DROP ALL ; #')
    q = bind_values('# a WHERE { in a comment\nSELECT ?x WHERE { ?x ?p "{" . FILTER(?v > ?min) }',
                    {"x": evil, "min": ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))})
    assert q.endswith('WHERE { VALUES (?x ?min) { ("\\" } ; DROP ALL ; #" "3"^^<http://www.w3.org/2001/XMLSchema#integer>) }  ?x ?p "{" . FILTER(?v > ?min) }')
    q = bind_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://a")})
    assert q == "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://a>) }  ?s ?p ?o }"


def test_round_trip_replace_remove(remote):
    a, b = paper_quads("paperA"), paper_quads("paperB", sha="b" * 64, title="Another")
    assert remote.write_paper("paperA", a) == len(a)
    remote.write_paper("paperB", b)
    assert remote.papers() == ["paperA", "paperB"]
    assert remote.paper_hash("paperA") == "a" * 64 and remote.paper_hash("paperA", raw=True) == "f" * 64
    assert remote.paper_hash("nope") is None
    assert remote.triple_count() == len(a) + len(b) and remote.triple_count("paperA") == len(a)
    assert set(remote.ox) == set(a) | set(b)
    assert set(remote.paper_quads("paperA")) == {q for q in a if q.graph_name.value.endswith("graph/paperA")}
    remote.write_paper("paperA", a)  # the same again: nothing doubles
    assert remote.triple_count() == len(a) + len(b)
    a2 = paper_quads("paperA", sha="c" * 64, title="Changed")
    remote.write_paper("paperA", a2)
    assert remote.paper_hash("paperA") == "c" * 64 and set(remote.paper_quads("paperA")) <= set(a2)
    assert remote.remove_paper("paperA") is True and remote.remove_paper("paperA") is False
    assert remote.papers() == ["paperB"] and set(remote.ox) == set(b)
    mat = ox.NamedNode(str(iris.material_iri("Li6PS5Cl", "Li6PS5Cl")))
    assert remote.ox.quads_for_pattern(mat, None, None, ox.NamedNode(str(iris.graph_iri("paperB"))))


def test_replace_is_one_transaction_on_the_server(remote):
    """DROP + INSERT of the new version run, then the request fails: the server rolls all of it back."""
    old = paper_quads("paperA")
    remote.write_paper("paperA", old)
    before = set(remote.ox)
    with pytest.raises(OSError, match="HTTP 500"):
        remote.write_paper("paperA", paper_quads("paperA", sha="d" * 64, title="New"),
                           _extra_update="DROP GRAPH <http://example.org/does-not-exist>")
    assert set(remote.ox) == before and remote.paper_hash("paperA") == "a" * 64


def test_queries_bindings_errors_and_results(remote):
    remote.write_paper("paperA", paper_quads("paperA"))
    remote.write_paper("paperB", paper_quads("paperB", sha="b" * 64, title="Another"))
    rows = remote.select("SELECT ?doc WHERE { GRAPH ?g { ?p dcterms:identifier ?doc } }", {"doc": "paperB"})
    assert [r["doc"].value for r in rows] == ["paperB"]
    assert remote.select("SELECT ?doc WHERE { GRAPH ?g { ?p dcterms:identifier ?doc } }",
                         {"doc": '" } } ; DROP ALL ; #'}) == []
    assert remote.papers() == ["paperA", "paperB"]  # the "injection" was a literal
    big = remote.select("SELECT ?v WHERE { GRAPH ?g { ?f sse:value ?v } FILTER(?v > ?min) } ORDER BY ?v",
                        {"min": 0.24})
    assert [float(r["v"].value) for r in big] == [0.25, 0.25]  # the activation energy of both papers
    with pytest.raises(QueryError, match="syntax"):
        remote.query("SELECT WHERE {")
    with pytest.raises(KGError, match="local store only"):
        remote.rdflib_graph()
    assert bool(remote.query("ASK { GRAPH ?g { ?s a sse:Measurement } }"))
    triples = remote.query("CONSTRUCT { ?s a ?t } WHERE { GRAPH ?g { ?s a ?t } } LIMIT 5")
    assert isinstance(triples, ox.QueryTriples) and len(list(triples)) == 5


def test_unreachable_server_is_one_clear_error():
    port = _free_port()
    with pytest.raises(KGError, match=f"SPARQL server http://127.0.0.1:{port} does not answer"):
        open_store(f"http://127.0.0.1:{port}")
    result = runner.invoke(app, ["--store", f"http://127.0.0.1:{port}", "stats"])
    assert result.exit_code == 1 and "does not answer" in result.output


def test_cli_on_the_server_matches_a_local_store(server, corpus_store, tmp_path):
    """`kg --store http://... ingest` gives the server exactly the quads a local store gets for that paper;
    stats, query --param, validate, export and remove work the same."""
    RemoteStore(server).clear()
    doc = "004_94c3a70fc55f882e"
    paper = CORPUS / f"{doc}.txt"
    res = runner.invoke(app, ["--store", server, "ingest", "--no-progress", str(paper)])
    assert res.exit_code == 0, res.output
    assert "ingested" in res.output
    res = runner.invoke(app, ["--store", server, "ingest", "--no-progress", str(paper)])
    assert res.exit_code == 0 and "unchanged" in res.output
    with Store(corpus_store.path, writable=False) as local, RemoteStore(server, writable=False) as rem:
        assert set(map(str, rem.ox)) == set(map(str, local.paper_quads(doc))) | set(
            map(str, local.paper_quads(doc, rejects=True)))
        from kg.export import read_facts

        assert read_facts(rem) == [f for f in read_facts(local) if f["doc"] == doc]
    res = runner.invoke(app, ["--store", server, "stats", "--format", "json"])
    assert res.exit_code == 0
    stats = json.loads(res.output)
    assert [p["doc"] for p in stats["papers"]] == [doc] and stats["papers"][0]["facts"] > 10
    res = runner.invoke(app, ["--store", server, "query", "--format", "csv", "-p", "m=NaCB11H12",
                              "SELECT ?m (COUNT(?f) AS ?n) WHERE { GRAPH ?g { ?f sse:materialAsWritten ?m } } GROUP BY ?m"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == "m,n" and res.output.splitlines()[1].startswith("NaCB11H12,")
    assert runner.invoke(app, ["--store", server, "validate"]).exit_code == 0
    out = tmp_path / "backup.nq"
    assert runner.invoke(app, ["--store", server, "export", "rdf", "--format", "nquads", "-o", str(out)]).exit_code == 0
    assert len(list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))) == stats["triples"]
    res = runner.invoke(app, ["--store", server, "remove", doc])
    assert res.exit_code == 0 and f"removed {doc}" in res.output
    with RemoteStore(server, writable=False) as rem:
        assert rem.papers() == [] and rem.triple_count() == 0

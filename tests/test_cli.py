"""The ``kg`` command line on tiny hand-made stores (and, when the pipeline is there, the corpus)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.store import Store

runner = CliRunner()

COMMANDS = [[], ["ingest"], ["stats"], ["query"], ["rejects"], ["validate"], ["remove"], ["export"],
            ["export", "facts"], ["export", "rdf"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "kg")
def test_help_for_every_command(cmd):
    result = runner.invoke(app, [*cmd, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def _dump(path):
    with Store(path, writable=False) as s:
        return sorted(map(str, s.ox))


def test_query_param_is_a_literal_not_query_text(filled_store):
    before = _dump(filled_store)
    evil = '" } ; DROP ALL ; #'
    result = runner.invoke(app, ["--store", str(filled_store), "query", "--format", "json", "--param", f"x={evil}",
                                 "SELECT ?doc ?x WHERE { GRAPH ?g { ?p dcterms:identifier ?doc } } ORDER BY ?doc"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [b["x"]["value"] for b in data["results"]["bindings"]] == [evil, evil]
    assert [b["doc"]["value"] for b in data["results"]["bindings"]] == ["paperA", "paperB"]
    assert _dump(filled_store) == before


def test_query_param_binds_a_filter_value(filled_store):
    result = runner.invoke(app, ["--store", str(filled_store), "query", "-f", "csv", "-p", "doc=paperB",
                                 "SELECT ?doc ?t WHERE { GRAPH ?g { ?p dcterms:identifier ?doc ; dcterms:title ?t } }"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["doc,t", "paperB,Another"]


def test_bad_sparql_exits_2_with_the_parser_message(filled_store):
    result = runner.invoke(app, ["--store", str(filled_store), "query", "SELEC ?x WHERE { ?x ?y ?z }"])
    assert result.exit_code == 2
    assert "error at 1:1" in result.output or "expected" in result.output


def test_query_from_file_and_formats(filled_store, tmp_path):
    q = tmp_path / "count.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?f a sse:Measurement } }")
    for fmt, expect in (("tsv", "6"), ("csv", "6"), ("table", "6")):
        result = runner.invoke(app, ["--store", str(filled_store), "query", str(q), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert expect in result.stdout
    result = runner.invoke(app, ["--store", str(filled_store), "query", "ASK { GRAPH ?g { ?s a sse:Reject } }"])
    assert result.stdout.strip() == "true"


def test_stats_rejects_validate_remove(filled_store):
    s = ["--store", str(filled_store)]
    result = runner.invoke(app, [*s, "stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    a = data["papers"][0]
    assert (a["doc"], a["blocks"], a["tables"], a["references"], a["citations"], a["facts"], a["rejects"]) == \
        ("paperA", 4, 1, 3, 3, 4, 1)
    assert a["max_ref_number"] == 3 and a["pct_markers_resolved"] == 75.0 and a["pct_refs_year_title"] == 33.3
    result = runner.invoke(app, [*s, "rejects", "--doc", "paperA", "--format", "jsonl"])
    assert [json.loads(x) for x in result.stdout.splitlines()] == [
        {"doc": "paperA", "line": 20, "kind": "measurement", "reason": "unit not convertible: Ω", "text": "R = 5 Ω"}]
    result = runner.invoke(app, [*s, "validate", "--no-shacl"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*s, "remove", "paperA"])
    assert result.exit_code == 0
    assert runner.invoke(app, [*s, "remove", "paperA"]).exit_code == 1
    with Store(filled_store, writable=False) as st:
        assert st.papers() == ["paperB"]
    # the comparison groups paperA shared with paperB live on in paperB's graph, with paperB's members only
    result = runner.invoke(app, [*s, "query", "-f", "csv", "SELECT ?g ?cond (COUNT(?f) AS ?n) WHERE { GRAPH ?g { "
                                 "?f sse:comparisonGroup ?c . ?c sse:condition ?cond } } GROUP BY ?g ?cond ORDER BY ?cond"])
    assert result.stdout.splitlines()[1:] == [
        "https://w3id.org/sse-kg/id/graph/paperB,no temperature given,1",
        "https://w3id.org/sse-kg/id/graph/paperB,room temperature,1"]
    assert runner.invoke(app, [*s, "validate", "--no-shacl"]).exit_code == 0


def test_validate_reports_a_fact_without_provenance(filled_store):
    import pyoxigraph as ox

    with Store(filled_store) as st:
        st.ox.update("DELETE { GRAPH ?g { ?f prov:wasDerivedFrom ?e } } WHERE { GRAPH ?g { ?f prov:wasDerivedFrom ?e } }",
                     prefixes={"prov": "http://www.w3.org/ns/prov#"})
        assert isinstance(st.ox, ox.Store)
    result = runner.invoke(app, ["--store", str(filled_store), "validate", "--no-shacl"])
    assert result.exit_code == 1
    assert "fact without provenance" in result.stdout


def test_validate_reports_measurements_without_comparison_group(filled_store):
    assert runner.invoke(app, ["--store", str(filled_store), "validate", "--no-shacl"]).exit_code == 0
    with Store(filled_store) as st:  # a store written before comparison groups existed
        st.ox.update("DELETE { GRAPH ?g { ?f sse:comparisonGroup ?c } } WHERE { GRAPH ?g { ?f sse:comparisonGroup ?c } }",
                     prefixes={"sse": "https://w3id.org/sse-kg/ontology#"})
    result = runner.invoke(app, ["--store", str(filled_store), "validate", "--no-shacl"])
    assert result.exit_code == 1
    assert "without a comparison group" in result.stdout and "kg ingest --force" in result.stdout


def test_export_commands(filled_store, tmp_path):
    s = ["--store", str(filled_store)]
    out = tmp_path / "f.jsonl"
    result = runner.invoke(app, [*s, "export", "facts", "--format", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 8
    for fmt in ("turtle", "ntriples", "nquads", "trig"):
        o = tmp_path / f"d.{fmt}"
        result = runner.invoke(app, [*s, "export", "rdf", "--format", fmt, "-o", str(o)])
        assert result.exit_code == 0, result.output
        assert o.stat().st_size > 0
    import pyoxigraph as ox

    quads = list(ox.parse(path=str(tmp_path / "d.nquads"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == 304
    # the two single values of each paper (Li6PS5Cl at RT, PEO-LiTFSI without temperature) meet their twins of the
    # other paper at one comparison group each; the range (LPSCl glass, 0.25-0.30 eV) is in none
    members = {(q.graph_name.value.rsplit("/", 1)[-1], q.object.value) for q in quads
               if q.predicate.value == "https://w3id.org/sse-kg/ontology#comparisonGroup"}
    groups = {g for _, g in members}
    assert len(members) == 4 and len(groups) == 2
    assert {d for d, _ in members} == {"paperA", "paperB"}
    conditions = {q.object.value for q in quads if q.predicate.value == "https://w3id.org/sse-kg/ontology#condition"}
    assert conditions == {"room temperature", "no temperature given"}
    # each paper graph names the canonical unit of each property kind it uses (6 kind-graph pairs)
    assert sum(1 for q in quads if q.predicate.value == "https://w3id.org/sse-kg/ontology#canonicalUnit") == 6
    # two of them link the hand-made papers' Li6PS5Cl to the ontology's LPSCl (one per paper graph)
    links = [q for q in quads if q.predicate.value == "http://www.w3.org/2004/02/skos/core#exactMatch"]
    assert {q.object.value for q in links} == {"https://w3id.org/sse-kg/ontology#material-LPSCl"}


def test_missing_store_is_an_error(tmp_path):
    result = runner.invoke(app, ["--store", str(tmp_path / "nope"), "stats"])
    assert result.exit_code == 1
    assert "no knowledge-graph store" in result.output


def test_ingest_reports_failed_file_and_exit_1(tmp_path, monkeypatch):
    """An unreadable file fails alone (one line naming it); the exit code is 1."""
    pytest.importorskip("kg.reader")
    bad = tmp_path / "papers"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    result = runner.invoke(app, ["--store", str(tmp_path / "st"), "ingest", str(bad), "--no-progress"])
    assert result.exit_code == 1
    assert "empty.txt" in result.output


def test_corpus_ingest_export(corpus_store, tmp_path):
    rep = corpus_store.report
    assert rep.ok and len(rep.ingested) == 5
    result = runner.invoke(app, ["--store", str(corpus_store.path), "export", "facts", "-o", str(tmp_path / "f.jsonl")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "f.jsonl").read_text().splitlines()]
    assert len(rows) == sum(p.facts for p in rep.ingested)
    # ingesting again: everything unchanged
    from kg.pipeline import ingest

    with Store(corpus_store.path) as s:
        again = ingest([corpus_store.path.parent.parent / "x"], s, progress=False)  # a missing path fails alone
    assert len(again.failed) == 1

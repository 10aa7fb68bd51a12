"""RDF export: every format parses with rdflib with the right number of statements; N-Quads (the backup) loaded
into a fresh store gives the same quads and the same facts."""
from __future__ import annotations

import json
import warnings

import pyoxigraph as ox
import pytest
import rdflib

from kg.export import RDF_FORMATS, export_rdf, read_facts
from kg.store import Store

DATASET = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}
TRIPLES = {"turtle": "turtle", "ntriples": "nt"}


@pytest.fixture(scope="module")
def corpus_counts(corpus_store):
    with Store(corpus_store.path, writable=False) as s:
        quads = len(s.ox)
        triples = int(s.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
                      [0]["n"].value)
        graphs = sum(1 for _ in s.ox.named_graphs())
        facts = read_facts(s)
        papers = s.papers()
    return {"quads": quads, "triples": triples, "graphs": graphs, "facts": facts, "papers": papers}


def test_formats_listed():
    for name in ("turtle", "ntriples", "nquads", "trig", "jsonld"):
        assert name in RDF_FORMATS


@pytest.mark.parametrize("fmt", sorted(DATASET))
def test_dataset_formats_parse_with_rdflib(corpus_store, corpus_counts, tmp_path, fmt):
    out = tmp_path / f"kg.{fmt}"
    with Store(corpus_store.path, writable=False) as s:
        export_rdf(s, fmt, out)
    ds = rdflib.Dataset()
    with warnings.catch_warnings():  # rdflib's own parsers use its deprecated ConjunctiveGraph API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(str(out), format=DATASET[fmt])
    default = ds.default_graph.identifier
    quads = [q for q in ds.quads((None, None, None, None)) if q[3] is not None and q[3] != default]
    assert len(quads) == corpus_counts["quads"]
    graphs = {q[3] for q in quads}
    assert len(graphs) == corpus_counts["graphs"]  # the named graph per paper is kept
    assert all(str(g).startswith("https://w3id.org/sse-kg/id/") for g in graphs)
    if fmt == "jsonld":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert isinstance(doc, (list, dict))


@pytest.mark.parametrize("fmt", sorted(TRIPLES))
def test_triple_formats_parse_with_rdflib(corpus_store, corpus_counts, tmp_path, fmt):
    out = tmp_path / f"kg.{fmt}"
    with Store(corpus_store.path, writable=False) as s:
        export_rdf(s, fmt, out)
    g = rdflib.Graph()
    g.parse(str(out), format=TRIPLES[fmt])
    assert len(g) == corpus_counts["triples"]  # the union of the paper graphs, each triple once


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_restore_into_a_fresh_store(corpus_store, corpus_counts, tmp_path, fmt):
    """The backup procedure of the README: export, bulk-load into an empty store, same quads and same facts."""
    backup = tmp_path / f"backup.{fmt}"
    with Store(corpus_store.path, writable=False) as s:
        export_rdf(s, fmt, backup)
        original = set(s.ox.quads_for_pattern(None, None, None, None))
    fresh = tmp_path / "restored"
    with Store(fresh) as s:
        s.ox.bulk_load(path=str(backup), format=RDF_FORMATS[fmt])
    with Store(fresh, writable=False) as s:
        assert len(s.ox) == corpus_counts["quads"]
        assert set(s.ox.quads_for_pattern(None, None, None, None)) == original
        assert read_facts(s) == corpus_counts["facts"]
        assert s.papers() == corpus_counts["papers"]


def test_cli_export_rdf_jsonld(corpus_store, tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    out = tmp_path / "kg.jsonld"
    res = CliRunner().invoke(app, ["--store", str(corpus_store.path), "export", "rdf", "--format", "jsonld",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.JSON_LD)
    assert len(store) > 1000

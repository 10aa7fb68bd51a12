"""kg.open(path): .query() -> pandas.DataFrame, .facts(...) filters bound safely, .to_networkx(), timeouts."""
from __future__ import annotations

import time

import pandas as pd
import pytest

import kg
from kg.api import QueryTimeout
from kg.errors import QueryError

P001 = "001_7c7ad0d35d41c675"
P002 = "002_d6695a1a1fff5ef5"
MAT = "https://w3id.org/sse-kg/id/material/"


@pytest.fixture(scope="module")
def db(corpus_store):
    with kg.open(corpus_store.path) as g:
        yield g


def test_query_returns_a_typed_dataframe(db):
    df = db.query("SELECT ?doc ?n ?flag WHERE { GRAPH ?g { ?p a bibo:AcademicArticle ; dcterms:identifier ?doc ; "
                  "sse:referenceCount ?n } BIND(?n > 100 AS ?flag) } ORDER BY ?doc")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["doc", "n", "flag"] and len(df) == 5
    assert df["n"].dtype.kind == "i" and df["flag"].dtype == bool
    assert df.loc[df["doc"] == "004_94c3a70fc55f882e", "n"].item() == 94
    assert db.query("ASK { GRAPH ?g { ?f a sse:Measurement } }") is True
    tri = db.query("CONSTRUCT { ?p a bibo:AcademicArticle } WHERE { GRAPH ?g { ?p a bibo:AcademicArticle } }")
    assert list(tri.columns) == ["subject", "predicate", "object"] and len(tri) == 5


def test_query_params_are_terms_never_text(db):
    q = "SELECT ?doc ?title WHERE { GRAPH ?g { ?p dcterms:identifier ?doc ; dcterms:title ?title } }"
    df = db.query(q, doc=P002)
    assert df["title"].tolist() == ["Hydrides for solid-state batteries: A review"]
    assert db.query(q, {"doc": '" } } ; DROP ALL ; #'}).empty
    assert len(db) > 20_000  # nothing was dropped
    # a .rq file with keyword parameters
    df = db.query("queries/08_activation_energy_vs_conductivity.rq")
    assert "ea_eV" in df.columns and df["ea_eV"].is_monotonic_increasing


def test_bad_query_names_line_and_column(db):
    with pytest.raises(QueryError) as exc:
        db.query("SELECT ?x WHERE {\n  ?x ?y }")
    assert "2:" in str(exc.value)  # the parser's "error at 2:9: ..."


def test_facts_filters(db):
    # 001:189: three Li3InCl6 conductivities (3.2e-5 at 60 °C, 1.49e-3 at RT, 2.04e-3 at 25 °C)
    df = db.facts(material="Li3InCl6", property="ionic_conductivity")
    line189 = df[(df["doc"] == P001) & (df["line"] == 189)]
    assert sorted(line189["value"]) == pytest.approx([3.2e-5, 1.49e-3, 2.04e-3])
    assert set(df["family"]) == {"halide"} and set(df["unit"]) == {"S/cm"}
    # formula written differently, property by label: the same material node
    same = db.facts(material="Li$_3$InCl$_6$", property="ionic conductivity")
    assert set(same["fact"]) == set(df["fact"])
    # room temperature = RT flag or 20-30 °C; min_value in S/cm
    rt = db.facts(property="ionic_conductivity", family="halide", min_value=1e-3, temperature="RT")
    assert not rt.empty
    assert all(r.room_temperature or 20 <= r.temperature_c <= 30 for r in rt.itertuples())
    assert all(max(r.value, r.value_max if pd.notna(r.value_max) else 0) >= 1e-3 for r in rt.itertuples())
    assert ((rt["material_iri"] == MAT + "Cl3La0.475Li0.388Ta0.238") & (rt["value"] == 0.00302)).any()
    assert not ((rt["material_iri"] == MAT + "Cl6In1Li3") & (rt["value"] == 3.2e-5)).any()
    # a temperature in °C, a range, and max_value
    t60 = db.facts(material="Li3InCl6", temperature=60)
    assert t60["value"].tolist() == pytest.approx([3.2e-5])
    hot = db.facts(property="ionic_conductivity", material="LiBH4", temperature=(100, 130))
    assert ((hot["doc"] == P002) & (hot["line"] == 111) & (hot["value"] == 1e-3)).any()  # 002:111 "10^-3 (120 °C)"
    low = db.facts(property="activation_energy", max_value=0.2)
    assert len(low) and (low["value"] <= 0.2).all()
    assert ((low["material_iri"] == MAT + "Cl3La0.475Li0.388Ta0.238") & (low["value"] == 0.197)).any()
    # filter values are bound, never pasted: an injection attempt is just an unknown material
    assert db.facts(material='x" } } DROP ALL #').empty and db.facts(family='halide" || true || "').empty


def test_to_networkx(db):
    g = db.to_networkx()
    assert g.number_of_nodes() > 1000
    n = MAT + "Cl6In1Li3"
    assert g.nodes[n]["type"] == "material" and g.nodes[n]["family"] == "halide"


def test_timeout_kills_a_runaway_query(db):
    t0 = time.perf_counter()
    with pytest.raises(QueryTimeout):
        db.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }", timeout=1.5)
    assert time.perf_counter() - t0 < 10
    # within the time the same path answers, parameters included
    df = db.query("queries/13_find_materials.rq", text="LLZ", timeout=30)
    assert MAT + "La3Li7O12Zr2" in set(df["m"])


def test_cli_query_timeout(corpus_store):
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["--store", str(corpus_store.path), "query", "--timeout", "1",
                              "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }"])
    assert res.exit_code == 3 and "timed out" in res.output
    res = runner.invoke(app, ["--store", str(corpus_store.path), "query", "--timeout", "30", "-f", "tsv",
                              "SELECT ?doc WHERE { GRAPH ?g { ?p dcterms:identifier ?doc } } ORDER BY ?doc LIMIT 1"])
    assert res.exit_code == 0 and res.stdout.splitlines()[1] == '"000_b0d81f5c3d40473d"'

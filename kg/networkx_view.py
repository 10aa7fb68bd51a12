"""The knowledge graph as a ``networkx.MultiDiGraph``: ``to_networkx(store)``.

Node kinds (attribute ``type``) and their ids (the RDF IRI, so a node can be looked up in SPARQL again;
families use the ontology class IRI):

============  ==========================================================================================
``paper``      ``id:paper/<doc_id>``; ``doc_id``, ``title``, ``year``, ``doi``, ``journal`` (when known)
``reference``  ``id:ref/...``; ``title``, ``doi``, ``year``, ``citation`` (the entry as printed)
``material``   ``id:material/...``; ``formula``, ``family``
``family``     ``sse:Sulfide`` ...; ``key`` (``sulfide``)
``property``   ``sse:IonicConductivity`` ...; ``key`` (``ionic_conductivity``), ``unit``
``method``     ``sse:BallMilling`` ...; ``kind`` (``synthesis`` / ``characterization``)
``measurement`` ``id:fact/...``; ``property``, ``value``, ``unit``, ``unit_iri``, ``qualifier``, ``value_max``,
               ``temperature_c``, ``at_room_temperature``, ``material_as_written``, ``doc_id``, ``line``,
               ``evidence``, ``source``
``synthesis``  ``id:fact/...``; ``method``, ``material_as_written``, ``doc_id``, ``line``, ``evidence``, ``source``
============  ==========================================================================================

Every node has ``type``, ``label`` and ``iri``. Edges are keyed by their relation (the key is also the
``relation`` attribute, for exporters that drop multigraph keys):

* measurement/synthesis ``material`` -> material, ``property`` -> property (measurements), ``method`` -> method,
  ``reported_in`` -> paper (attributes ``line``, ``source``), ``cites`` -> reference (the source the sentence
  cites)
* material ``family`` -> family
* paper ``cites`` -> reference (attribute ``number``: the entry's number in that paper's list)
* method ``broader`` -> its parent method (ontology hierarchy; roots "synthesis"/"characterization" left out)

Why measurements are nodes, not edges. A measurement is an n-ary relation: one material, one property, a value
with unit and conditions, 0..n methods, the paper and line it was read from, 0..n cited references. As an edge
(material -> property) it could carry the value but not its links to methods, paper and cited references, which
are what the cookbook questions follow ("which references back the halide conductivities", "which methods made
the most conductive material"). As nodes these are two-hop paths, the graph is the RDF model one-to-one
(``docs/model.md``), and two measurements of the same material and property stay two nodes with their own
provenance. Synthesis facts are nodes for the same reason (they carry evidence and citations).

Attributes are plain ``str``/``int``/``float``/``bool``; absent values are left out (never ``None``) and
multi-valued things are edges (never lists), so GraphML, GEXF, GML and JSON exporters all accept the graph.

Example (doctest; builds a tiny store):

>>> import tempfile, pyoxigraph as ox
>>> from kg.store import Store
>>> from kg.networkx_view import to_networkx
>>> d = tempfile.mkdtemp()
>>> with Store(d) as s:
...     _ = s.write_paper("p1", [ox.Quad(ox.NamedNode(s_), ox.NamedNode(p_), o_,
...         ox.NamedNode("https://w3id.org/sse-kg/id/graph/p1")) for s_, p_, o_ in [
...         ("https://w3id.org/sse-kg/id/paper/p1", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
...          ox.NamedNode("http://purl.org/ontology/bibo/AcademicArticle")),
...         ("https://w3id.org/sse-kg/id/paper/p1", "http://purl.org/dc/terms/identifier", ox.Literal("p1")),
...     ]])
...     g = to_networkx(s)
>>> dict(g.nodes["https://w3id.org/sse-kg/id/paper/p1"])
{'type': 'paper', 'label': 'p1', 'iri': 'https://w3id.org/sse-kg/id/paper/p1', 'doc_id': 'p1'}
"""
from __future__ import annotations

import os
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.namespaces import PREFIXES, SSE

__all__ = ["to_networkx", "NODE_TYPES"]

NODE_TYPES = ("paper", "reference", "material", "family", "property", "method", "measurement", "synthesis")

_PAPERS = """
SELECT ?p ?doc ?title ?year ?doi ?journal WHERE { GRAPH ?g {
  ?p a bibo:AcademicArticle ; dcterms:identifier ?doc .
  OPTIONAL { ?p dcterms:title ?title } OPTIONAL { ?p sse:year ?year }
  OPTIONAL { ?p bibo:doi ?doi } OPTIONAL { ?p sse:journal ?journal } } }
"""
_REFS = """
SELECT ?p ?r ?n ?title ?doi ?year ?raw WHERE { GRAPH ?g {
  ?p a bibo:AcademicArticle ; cito:cites ?r .
  OPTIONAL { ?r sse:number ?n } OPTIONAL { ?r dcterms:title ?title } OPTIONAL { ?r bibo:doi ?doi }
  OPTIONAL { ?r sse:year ?year } OPTIONAL { ?r dcterms:bibliographicCitation ?raw } } }
"""
_MATERIALS = """
SELECT ?m ?label ?formula ?family WHERE { GRAPH ?g {
  ?m a sse:Material . OPTIONAL { ?m rdfs:label ?label } OPTIONAL { ?m sse:formula ?formula }
  OPTIONAL { ?m sse:family ?family } } }
"""
_FACTS = """
SELECT ?f ?type ?m ?matw ?paper ?doc ?line ?text ?source ?prop ?key ?value ?vmax ?unit ?unitiri ?qual ?temp ?rt
WHERE { GRAPH ?g {
  VALUES ?type { sse:Measurement sse:SynthesisFact }
  ?f a ?type ; sse:material ?m ; prov:wasDerivedFrom ?ev .
  ?ev sse:paper ?paper ; sse:line ?line ; sse:text ?text .
  OPTIONAL { ?paper dcterms:identifier ?doc }
  OPTIONAL { ?f sse:materialAsWritten ?matw } OPTIONAL { ?ev sse:source ?source }
  OPTIONAL { ?f sse:property ?prop OPTIONAL { ?prop sse:key ?key } }
  OPTIONAL { ?f sse:value ?value } OPTIONAL { ?f sse:valueMax ?vmax }
  OPTIONAL { ?f sse:unitString ?unit } OPTIONAL { ?f sse:unit ?unitiri }
  OPTIONAL { ?f sse:qualifier ?qual } OPTIONAL { ?f sse:temperatureC ?temp }
  OPTIONAL { ?f sse:atRoomTemperature ?rt } } }
"""
_FACT_METHODS = """
SELECT ?f ?meth ?label WHERE { GRAPH ?g {
  ?f sse:material ?m ; sse:method ?meth . OPTIONAL { ?meth skos:prefLabel ?label } } }
"""
_FACT_CITES = """
SELECT ?f ?r WHERE { GRAPH ?g { ?f sse:material ?m ; cito:cites ?r } }
"""

_FAMILY_CLASS = {"other": "OtherMaterial"}


def _ox_store(store) -> ox.Store:
    if isinstance(store, ox.Store):
        return store
    if hasattr(store, "ox"):
        return store.ox
    raise TypeError(f"expected a kg.store.Store or pyoxigraph.Store, got {type(store).__name__}")


def _val(term) -> Any:
    """A pyoxigraph term as a plain Python scalar (numbers and booleans typed); None for unbound."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype is not None else ""
        text = term.value
        try:
            if dt.endswith(("#integer", "#int", "#long", "#gYear")):
                return int(text)
            if dt.endswith(("#double", "#float", "#decimal")):
                return float(text)
            if dt.endswith("#boolean"):
                return text in ("true", "1")
        except ValueError:
            return text
        return text
    return term.value


def _put(attrs: dict, **kw) -> dict:
    """Set attributes that have a value, never overwriting an existing one (first value wins)."""
    for k, v in kw.items():
        if v is None or v == "" or k in attrs:
            continue
        attrs[k] = v
    return attrs


def _family_iri(key: str) -> str:
    name = _FAMILY_CLASS.get(key) or "".join(w[:1].upper() + w[1:] for w in key.replace("-", " ").split())
    return f"{SSE}{name}"


def _lexicon():
    try:
        from kg.ontology import load_lexicon

        return load_lexicon()
    except Exception:  # noqa: BLE001 - the view works without the ontology (labels fall back to IRIs)
        return None


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def to_networkx(store, *, methods_hierarchy: bool = True) -> nx.MultiDiGraph:
    """The union of every paper graph as a MultiDiGraph (see the module docstring for the schema).

    ``store`` is a ``kg.store.Store`` (open for reading is enough), a ``pyoxigraph.Store``, or a path to a
    store directory (opened read-only for the call). ``methods_hierarchy`` adds ``broader`` edges from each
    method to its ontology parents.
    """
    if isinstance(store, (str, os.PathLike)):
        from kg.store import Store

        with Store(store, writable=False) as s:
            return to_networkx(s, methods_hierarchy=methods_hierarchy)
    oxs = _ox_store(store)

    def rows(q: str):
        return oxs.query(q, prefixes=PREFIXES)

    lex = _lexicon()
    g = nx.MultiDiGraph(name="sse-kg")
    nodes = g.nodes

    def node(iri: str, type_: str, label: str | None = None) -> dict:
        if iri not in g:
            g.add_node(iri, type=type_, label=label or _short(iri), iri=iri)
        return nodes[iri]

    def edge(u: str, v: str, relation: str, **attrs) -> None:
        if g.has_edge(u, v, key=relation):
            return
        g.add_edge(u, v, key=relation, relation=relation, **{k: x for k, x in attrs.items() if x is not None})

    # papers
    for s in rows(_PAPERS):
        p = s["p"].value
        doc = _val(s["doc"])
        a = node(p, "paper", doc)
        _put(a, doc_id=doc, title=_val(s["title"]), year=_val(s["year"]), doi=_val(s["doi"]),
             journal=_val(s["journal"]))

    # references (paper -> reference, numbered per paper)
    for s in rows(_REFS):
        r = s["r"].value
        title = _val(s["title"])
        a = node(r, "reference", title or _val(s["raw"]) or _short(r))
        _put(a, title=title, doi=_val(s["doi"]), year=_val(s["year"]), citation=_val(s["raw"]))
        edge(s["p"].value, r, "cites", number=_val(s["n"]))

    # materials and families
    for s in rows(_MATERIALS):
        m = s["m"].value
        label = _val(s["label"]) or _val(s["formula"])
        a = node(m, "material", label)
        fam = _val(s["family"])
        _put(a, formula=_val(s["formula"]), family=fam)
        if fam:
            f = _family_iri(fam)
            node(f, "family", fam)["key"] = fam
            edge(m, f, "family")

    # facts
    for s in rows(_FACTS):
        f = s["f"].value
        is_meas = s["type"].value == f"{SSE}Measurement"
        m = s["m"].value
        mat = node(m, "material")
        paper = s["paper"].value
        node(paper, "paper")
        line = _val(s["line"])
        source = _val(s["source"])
        matw = _val(s["matw"])
        if is_meas:
            prop = s["prop"].value if s["prop"] is not None else None
            key = _val(s["key"])
            value = _val(s["value"])
            unit = _val(s["unit"])
            qual = _val(s["qual"])
            pk = lex.property_by_iri(prop) if (lex is not None and prop) else None
            plabel = pk.label if pk is not None else (key or (_short(prop) if prop else ""))
            label = f"{matw or mat['label']} {plabel} {'' if qual in (None, '=') else qual}{value:g} {unit or ''}"
            a = node(f, "measurement", " ".join(label.split()))
            _put(a, property=key, value=value, unit=unit, unit_iri=_val(s["unitiri"]), qualifier=qual,
                 value_max=_val(s["vmax"]), temperature_c=_val(s["temp"]), at_room_temperature=_val(s["rt"]))
            if prop:
                pa = node(prop, "property", plabel)
                _put(pa, key=key or (pk.key if pk is not None else None),
                     unit=pk.canonical_unit if pk is not None else None)
                edge(f, prop, "property")
        else:
            a = node(f, "synthesis", f"{matw or mat['label']} synthesis")
        _put(a, material_as_written=matw, doc_id=_val(s["doc"]), line=line, evidence=_val(s["text"]), source=source)
        edge(f, m, "material")
        edge(f, paper, "reported_in", line=line, source=source)

    # methods of facts
    for s in rows(_FACT_METHODS):
        f, meth = s["f"].value, s["meth"].value
        if f not in g:
            continue
        label = _val(s["label"])
        entry = lex.method_by_label(label) if (lex is not None and label) else None
        a = node(meth, "method", label)
        _put(a, kind=entry.kind if entry is not None else None)
        if nodes[f]["type"] == "synthesis":
            _put(nodes[f], method=label)
            nodes[f]["label"] = f"{nodes[f]['label'].removesuffix(' synthesis')} by {label or _short(meth)}"
        edge(f, meth, "method")

    if methods_hierarchy and lex is not None:
        by_iri = {str(e.iri): e for e in lex.methods.values()}
        for meth in [n for n, d in g.nodes(data=True) if d["type"] == "method"]:
            entry = by_iri.get(meth)
            while entry is not None and entry.parent_iri and entry.parent_iri in by_iri:
                parent = by_iri[entry.parent_iri]
                _put(node(parent.iri, "method", parent.label), kind=parent.kind)
                edge(str(entry.iri), str(parent.iri), "broader")
                entry = parent

    # what each fact cites
    for s in rows(_FACT_CITES):
        f, r = s["f"].value, s["r"].value
        if f in g:
            node(r, "reference")
            edge(f, r, "cites")
    return g

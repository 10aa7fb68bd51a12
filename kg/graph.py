"""Facts -> RDF: the triples of ONE paper, following the instance-data model of ``ontology/README.md``.

A paper's named graph (``id:graph/<doc_id>``) is self-contained: it carries the paper node, its references,
the material nodes its facts use, the facts and their evidence. Shared nodes (materials, references) get the
same IRI in every paper (see ``kg.iris``), so the union of the graphs merges them, and removing one paper
removes only that paper's copy. Rejects go into a second graph, ``id:rejects/<doc_id>``.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kg import iris, resolve
from kg.facts import Measurement, Reject, Synthesis
from kg.models import Document
from kg.namespaces import BIBO, CITO, DCTERMS, FABIO, PROV, RDF, RDFS, SKOS, SSE, XSD, bind_all

COUNT_PREDICATES = {
    "blocks": SSE.blockCount,
    "tables": SSE.tableCount,
    "references": SSE.referenceCount,
    "citations": SSE.citationCount,
    "facts": SSE.factCount,
    "measurements": SSE.measurementCount,
    "syntheses": SSE.synthesisCount,
    "rejects": SSE.rejectCount,
    "max_ref_number": SSE.maxReferenceNumber,
    "refs_with_year_title": SSE.referencesWithYearTitle,
    "marker_numbers": SSE.markerNumberCount,
    "marker_numbers_resolved": SSE.markerNumbersResolved,
}

_RANGE = re.compile(r"^\s*(\d+)\s*[-–—]\s*(\d+)\s*$")


def _lit(value: Any, datatype=None) -> Literal:
    return Literal(value, datatype=datatype)


def double_lexical(x: float) -> str:
    """The lexical form Oxigraph stores an xsd:double under (shortest round-trip digits, positional, no
    trailing ``.0``), so that what we write is byte-identical to what we read back."""
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "INF" if x > 0 else "-INF"
    text = format(Decimal(repr(x)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _double(x: float) -> Literal:
    return Literal(double_lexical(x), datatype=XSD.double, normalize=False)


def _int(x: int) -> Literal:
    return Literal(int(x), datatype=XSD.integer)


def _family(material: str, formula: str | None, lexicon=None) -> str | None:
    try:
        from kg.chemistry import classify_family
    except ImportError:
        return None
    try:
        fam = classify_family(material, formula, lexicon)
    except Exception:  # noqa: BLE001
        return None
    return fam or None


def family_class(family: str | None) -> URIRef | None:
    """``sulfide`` -> ``sse:Sulfide``, ``other`` -> ``sse:OtherMaterial`` (ontology/README.md); None if empty."""
    if not family:
        return None
    name = re.sub(r"[^0-9A-Za-z]+", " ", family).strip()
    if not name or name.lower() in {"unknown", "none"}:
        return None
    if name.lower() == "other":
        return SSE.OtherMaterial
    return SSE["".join(w[:1].upper() + w[1:] for w in name.split())]


def property_iri(lexicon, key: str) -> URIRef:
    entry = _lookup(getattr(lexicon, "properties", None), key)
    return URIRef(entry.iri) if entry is not None and getattr(entry, "iri", None) else SSE[key]


def unit_iri(lexicon, key: str) -> URIRef | None:
    entry = _lookup(getattr(lexicon, "properties", None), key)
    qudt = getattr(entry, "qudt_unit", None) if entry is not None else None
    return URIRef(qudt) if qudt else None


def method_iri(lexicon, label: str) -> URIRef:
    """The ontology IRI of a method named by any of its labels ("EIS" -> sse:EIS)."""
    entry = _lookup(getattr(lexicon, "methods", None), label) or lexicon.method_by_label(label)
    if entry is not None and getattr(entry, "iri", None):
        return URIRef(entry.iri)
    return SSE["method/" + re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_")]


def _lookup(table, key):
    if not table:
        return None
    try:
        return table[key]
    except (KeyError, TypeError):
        pass
    try:
        return table.get(key.lower())
    except AttributeError:
        return None


def marker_numbers(marker: str) -> list[int]:
    """Reference numbers of a marker string as written: ``"52"`` -> [52], ``"52–54"`` -> [52, 53, 54]."""
    marker = marker.strip().strip("[]()")
    out: list[int] = []
    for part in re.split(r"\s*,\s*", marker):
        if part.isdigit():
            out.append(int(part))
        elif m := _RANGE.match(part):
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and b - a < 200:
                out.extend(range(a, b + 1))
    return out


def unique_facts(doc_id: str, facts: Iterable) -> list:
    """Facts with identical content (same fact IRI) once, first occurrence kept."""
    seen: set[URIRef] = set()
    out = []
    for f in facts:
        key = iris.fact_iri(doc_id, f)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def paper_counts(doc: Document, facts: Iterable, n_rejects: int) -> dict[str, int]:
    facts = list(facts)
    ref_numbers = {r.number for r in doc.references}
    numbers = [n for c in doc.citations for n in c.numbers]
    return {
        "blocks": len(doc.blocks),
        "tables": sum(1 for b in doc.blocks if b.kind == "table"),
        "references": len(doc.references),
        "citations": len(doc.citations),
        "facts": len(facts),
        "measurements": sum(1 for f in facts if f.kind == "measurement"),
        "syntheses": sum(1 for f in facts if f.kind == "synthesis"),
        "rejects": n_rejects,
        "max_ref_number": max(ref_numbers, default=0),
        "refs_with_year_title": sum(1 for r in doc.references if r.year and r.title),
        "marker_numbers": len(numbers),
        "marker_numbers_resolved": sum(1 for n in numbers if n in ref_numbers),
    }


def paper_triples(doc: Document, facts: Iterable[Measurement | Synthesis], lexicon, *, n_rejects: int = 0,
                  file_hash: str | None = None) -> Graph:
    """The named graph of one paper (identifier ``id:graph/<doc_id>``): paper, references, materials, facts."""
    facts = unique_facts(doc.doc_id, facts)
    g = Graph(identifier=iris.graph_iri(doc.doc_id))
    bind_all(g)
    add = g.add
    paper = iris.paper_iri(doc.doc_id)

    # -- the paper --
    add((paper, RDF.type, BIBO.AcademicArticle))
    add((paper, RDF.type, FABIO.ResearchPaper))
    add((paper, DCTERMS.identifier, Literal(doc.doc_id)))
    add((paper, SSE.contentHash, Literal(doc.sha256)))
    add((paper, SSE.sourcePath, Literal(str(doc.path))))
    if file_hash:
        add((paper, SSE.fileHash, Literal(file_hash)))
    if doc.title:
        add((paper, DCTERMS.title, Literal(doc.title)))
    if doc.doi:
        add((paper, BIBO.doi, Literal(iris.normalize_doi(doc.doi))))
    if doc.year:
        add((paper, SSE.year, _int(doc.year)))
        add((paper, DCTERMS.date, Literal(f"{int(doc.year):04d}", datatype=XSD.gYear)))
    if doc.journal:
        add((paper, SSE.journal, Literal(doc.journal)))
    for author in doc.authors:
        add((paper, DCTERMS.creator, Literal(author)))
    if doc.authors:
        add((paper, SSE.authors, Literal("; ".join(doc.authors))))
    for key, value in paper_counts(doc, facts, n_rejects).items():
        add((paper, COUNT_PREDICATES[key], _int(value)))

    # -- references --
    ref_by_number: dict[int, URIRef] = {}
    used: set[URIRef] = set()
    for ref in doc.references:
        if ref.number in ref_by_number:
            continue  # a number listed twice: keep the first entry
        node = iris.reference_iri(ref)
        if node in used:  # two entries of one list with the same identity: keep them apart in this paper
            node = URIRef(f"{node}-{iris.paper_iri(doc.doc_id).rsplit('/', 1)[-1]}-{ref.number}")
        used.add(node)
        ref_by_number[ref.number] = node
        add((paper, CITO.cites, node))
        add((node, RDF.type, SSE.Reference))
        add((node, RDF.type, BIBO.Document))
        add((node, SSE.number, _int(ref.number)))
        add((node, SSE.line, _int(ref.line)))
        add((node, DCTERMS.bibliographicCitation, Literal(ref.raw)))
        if ref.title:
            add((node, DCTERMS.title, Literal(ref.title)))
        if ref.doi:
            add((node, BIBO.doi, Literal(iris.normalize_doi(ref.doi))))
        if ref.year:
            add((node, SSE.year, _int(ref.year)))
        for author in ref.authors:
            add((node, DCTERMS.creator, Literal(author)))

    # -- facts --
    materials_done: set[URIRef] = set()
    for fact in facts:
        node = iris.fact_iri(doc.doc_id, fact)
        mat = iris.material_iri(fact.material, fact.formula)
        if mat not in materials_done:
            materials_done.add(mat)
            add((mat, RDF.type, SSE.Material))
            family = _family(fact.material, fact.formula, lexicon)
            cls = family_class(family)
            if cls is not None:
                add((mat, RDF.type, cls))
            if family:
                add((mat, SSE.family, Literal(family)))
            add((mat, RDFS.label, Literal(fact.formula or fact.material)))
            if fact.formula:
                add((mat, SSE.formula, Literal(fact.formula)))
            known = resolve.known_material(lexicon, fact.material, fact.formula) if lexicon else None
            if known is not None:
                add((mat, SKOS.exactMatch, URIRef(known.iri)))
            parent = resolve.parent_material(lexicon, fact.material, fact.formula) if lexicon else None
            if parent is not None:
                add((mat, SSE.variantOf, URIRef(parent.iri)))
        add((node, SSE.material, mat))
        add((node, SSE.materialAsWritten, Literal(fact.material)))
        if fact.formula:
            add((node, SSE.formula, Literal(fact.formula)))
        if fact.kind == "measurement":
            add((node, RDF.type, SSE.Measurement))
            prop = property_iri(lexicon, fact.property)
            add((node, SSE.property, prop))
            add((prop, SSE.key, Literal(fact.property)))
            add((prop, SSE.canonicalUnit, Literal(fact.unit)))  # validated: a fact's unit is its kind's canonical unit
            add((node, SSE.value, _double(fact.value)))
            if fact.value_max is not None:
                add((node, SSE.valueMax, _double(fact.value_max)))
            unit = unit_iri(lexicon, fact.property)
            if unit is not None:
                add((node, SSE.unit, unit))
            add((node, SSE.unitString, Literal(fact.unit)))
            add((node, SSE.qualifier, Literal(fact.qualifier)))
            if fact.temperature_c == "RT":
                add((node, SSE.atRoomTemperature, Literal(True)))
            elif fact.temperature_c is not None:
                add((node, SSE.temperatureC, _double(fact.temperature_c)))
            if fact.value_max is None:  # a range is not one value: it has nothing to be compared with
                condition = iris.comparison_condition(fact.temperature_c)
                group = iris.comparison_group_iri(mat, prop, condition)
                add((node, SSE.comparisonGroup, group))
                add((group, RDF.type, SSE.ComparisonGroup))
                add((group, SSE.condition, Literal(condition)))
            for label in fact.methods:
                m = method_iri(lexicon, label)
                add((node, SSE.method, m))
                add((m, SKOS.prefLabel, Literal(label)))
        else:
            add((node, RDF.type, SSE.SynthesisFact))
            m = method_iri(lexicon, fact.method)
            add((node, SSE.method, m))
            add((m, SKOS.prefLabel, Literal(fact.method)))
        ev = fact.evidence
        ev_node = iris.evidence_iri(doc.doc_id, ev.line, ev.text, ev.source)
        add((node, PROV.wasDerivedFrom, ev_node))
        add((ev_node, RDF.type, SSE.Evidence))
        add((ev_node, SSE.paper, paper))
        add((ev_node, SSE.line, _int(ev.line)))
        add((ev_node, SSE.text, Literal(ev.text)))
        add((ev_node, SSE.source, Literal(ev.source)))
        for marker in fact.refs:
            add((node, SSE.refMarker, Literal(marker)))
            for n in marker_numbers(marker):
                if n in ref_by_number:
                    add((node, CITO.cites, ref_by_number[n]))
    return g


def rejects_triples(doc_id: str, rejects: Iterable[Reject]) -> Graph:
    """The rejects graph of one paper (identifier ``id:rejects/<doc_id>``)."""
    g = Graph(identifier=iris.rejects_graph_iri(doc_id))
    bind_all(g)
    paper = iris.paper_iri(doc_id)
    for r in rejects:
        node = iris.reject_iri(doc_id, r)
        g.add((node, RDF.type, SSE.Reject))
        g.add((node, SSE.paper, paper))
        g.add((node, SSE.kind, Literal(r.kind)))
        g.add((node, SSE.reason, Literal(r.reason)))
        g.add((node, SSE.line, _int(r.line)))
        g.add((node, SSE.text, Literal(r.text)))
        g.add((node, SSE.candidateJson, Literal(json.dumps(r.candidate, sort_keys=True, ensure_ascii=False,
                                                             default=str))))
    return g


# -- rdflib -> pyoxigraph ----------------------------------------------------------------------------------------

_XSD_STRING = str(XSD.string)


def to_ox_term(term, _cache: dict = {}):  # noqa: B006 - deliberate memo of NamedNodes
    if isinstance(term, URIRef):
        node = _cache.get(term)
        if node is None:
            if len(_cache) > 100_000:
                _cache.clear()
            node = _cache[term] = ox.NamedNode(str(term))
        return node
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=to_ox_term(term.datatype))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def to_quads(graph: Graph) -> list[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the graph's named graph."""
    g = to_ox_term(graph.identifier)
    conv = to_ox_term
    return [ox.Quad(conv(s), conv(p), conv(o), g) for s, p, o in graph]


def fact_nodes(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, SSE.Measurement)) | set(graph.subjects(RDF.type, SSE.SynthesisFact))

"""Exports, read back from the store (never from extractor memory).

``export_facts(store, "jsonl"|"csv", out)`` writes the facts contract, one fact per line/row, sorted by
(doc, line). ``export_rdf(store, fmt, out)`` streams the whole dataset (or its union, for triple formats).
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from typing import IO, Any

import pyoxigraph as ox

from kg.graph import marker_numbers
from kg.namespaces import PREFIXES

FACTS_QUERY = """
SELECT ?g ?f ?type ?mat ?matw ?formula ?prop ?key ?value ?vmax ?unit ?qual ?temp ?rt ?line ?text ?source ?doc
WHERE {
  GRAPH ?g {
    VALUES ?type { sse:Measurement sse:SynthesisFact }
    ?f a ?type ;
       sse:material ?mat ;
       sse:materialAsWritten ?matw ;
       prov:wasDerivedFrom ?ev .
    ?ev sse:line ?line ; sse:text ?text ; sse:paper ?paper .
    ?paper dcterms:identifier ?doc .
    OPTIONAL { ?ev sse:source ?source }
    OPTIONAL { ?f sse:formula ?formula }
    OPTIONAL { ?f sse:property ?prop . OPTIONAL { ?prop sse:key ?key } }
    OPTIONAL { ?f sse:value ?value }
    OPTIONAL { ?f sse:valueMax ?vmax }
    OPTIONAL { ?f sse:unitString ?unit }
    OPTIONAL { ?f sse:qualifier ?qual }
    OPTIONAL { ?f sse:temperatureC ?temp }
    OPTIONAL { ?f sse:atRoomTemperature ?rt }
  }
}
"""

GRAPHS_QUERY = """
SELECT DISTINCT ?g WHERE { GRAPH ?g { ?f prov:wasDerivedFrom ?e } }
"""


def _graph_order(graph: str) -> str:
    return graph.rsplit("/", 1)[-1]  # the document id, which the graph IRI ends with


METHODS_QUERY = """
SELECT ?g ?f ?m ?label WHERE { GRAPH ?g { ?f sse:method ?m . OPTIONAL { ?m skos:prefLabel ?label } } }
"""

MARKERS_QUERY = """
SELECT ?g ?f ?marker WHERE { GRAPH ?g { ?f sse:refMarker ?marker } }
"""

REFS_QUERY = """
SELECT ?g ?n ?ref ?doi WHERE { GRAPH ?g { ?ref a sse:Reference ; sse:number ?n . OPTIONAL { ?ref bibo:doi ?doi } } }
"""

MEASUREMENT_FIELDS = ["kind", "doc", "line", "material", "formula", "material_iri", "property", "value", "value_max",
                      "unit", "qualifier", "temperature_c", "methods", "refs", "cited", "evidence", "source"]
SYNTHESIS_FIELDS = ["kind", "doc", "line", "material", "formula", "material_iri", "method", "refs", "cited",
                    "evidence", "source"]
CSV_FIELDS = ["kind", "doc", "line", "material", "formula", "material_iri", "property", "value", "value_max", "unit",
              "qualifier", "temperature_c", "methods", "method", "refs", "cited", "evidence", "source"]


def _v(term) -> Any:
    return None if term is None else term.value


def _num(text: str) -> float:
    return float(text)


def _marker_key(marker: str):
    nums = marker_numbers(marker)
    return (nums[0] if nums else 10**9, marker)


def read_facts(store) -> list[dict[str, Any]]:
    """Every fact in the store as a contract dict, sorted by (doc, line, ...)."""
    return list(iter_facts(store))


def iter_facts(store) -> Iterator[dict[str, Any]]:
    """The facts paper by paper (graphs in document order), so an export holds one paper at a time."""
    ox_store = store.ox if hasattr(store, "ox") else store
    graphs = sorted((s["g"].value for s in ox_store.query(GRAPHS_QUERY, prefixes=PREFIXES)), key=_graph_order)
    for graph in graphs:
        yield from _facts_of_graph(ox_store, ox.NamedNode(graph))


def _facts_of_graph(ox_store, graph: ox.NamedNode) -> list[dict[str, Any]]:
    bound = {ox.Variable("g"): graph}
    q = lambda text: ox_store.query(text, prefixes=PREFIXES, substitutions=bound)  # noqa: E731

    methods: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in q(METHODS_QUERY):
        label = s["label"]
        methods[(s["g"].value, s["f"].value)].append(label.value if label is not None else s["m"].value)
    markers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in q(MARKERS_QUERY):
        markers[(s["g"].value, s["f"].value)].append(s["marker"].value)
    refs: dict[tuple[str, int], str] = {}
    for s in q(REFS_QUERY):
        try:
            n = int(s["n"].value)
        except ValueError:
            continue
        doi = s["doi"]
        refs.setdefault((s["g"].value, n), doi.value if doi is not None else s["ref"].value)

    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    for s in q(FACTS_QUERY):
        g, f = s["g"].value, s["f"].value
        if (g, f) in seen:
            continue
        seen.add((g, f))
        kind = "measurement" if s["type"].value.endswith("#Measurement") else "synthesis"
        ms = sorted(set(markers.get((g, f), [])), key=_marker_key)
        cited: list[str | None] = []
        for m in ms:
            nums = marker_numbers(m)
            cited.extend(refs.get((g, n)) for n in nums) if nums else cited.append(None)
        row: dict[str, Any] = {
            "kind": kind,
            "doc": s["doc"].value,
            "line": int(s["line"].value),
            "material": s["matw"].value,
            "formula": _v(s["formula"]),
            "material_iri": s["mat"].value,
        }
        labels = sorted(set(methods.get((g, f), [])))
        if kind == "measurement":
            temp, rt = s["temp"], s["rt"]
            key = s["key"]
            prop = s["prop"]
            row.update({
                "property": key.value if key is not None else (prop.value.rsplit("#", 1)[-1] if prop else None),
                "value": _num(s["value"].value) if s["value"] is not None else None,
                "value_max": _num(s["vmax"].value) if s["vmax"] is not None else None,
                "unit": _v(s["unit"]) or "",
                "qualifier": _v(s["qual"]) or "=",
                "temperature_c": (_num(temp.value) if temp is not None
                                  else ("RT" if rt is not None and rt.value == "true" else None)),
                "methods": labels,
            })
        else:
            row["method"] = labels[0] if labels else None
        row.update({"refs": ms, "cited": cited, "evidence": s["text"].value, "source": _v(s["source"]) or "text"})
        out.append(row)
    out.sort(key=lambda r: (r["doc"], r["line"], r["kind"], r["material"], r.get("property") or r.get("method") or "",
                            r.get("value") or 0.0, r["evidence"]))
    return out


def _open_out(out) -> tuple[IO[str], bool]:
    if out is None or out == "-":
        import sys

        return sys.stdout, False
    if hasattr(out, "write"):
        return out, False
    return open(out, "w", encoding="utf-8", newline=""), True


def export_facts(store, fmt: str, out) -> int:
    """Write the facts contract as ``jsonl`` or ``csv`` to ``out`` (path, file object, or '-'). Returns the count."""
    fmt = fmt.lower()
    if fmt not in {"jsonl", "csv"}:
        raise ValueError(f"unknown facts format {fmt!r} (jsonl or csv)")
    rows = iter_facts(store)
    count = 0
    fh, close = _open_out(out)
    try:
        if fmt == "jsonl":
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                count += 1
        else:
            w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                flat = {k: ("; ".join("" if x is None else str(x) for x in v) if isinstance(v, list)
                            else ("" if v is None else v)) for k, v in r.items()}
                w.writerow(flat)
                count += 1
    finally:
        if close:
            fh.close()
    return count


RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
}


def export_rdf(store, fmt: str, out) -> None:
    """Stream the store as RDF. Dataset formats (nquads, trig, jsonld) keep the named graphs; triple formats
    (turtle, ntriples) get the union of all graphs, each triple once."""
    try:
        rdf_format = RDF_FORMATS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown RDF format {fmt!r} ({', '.join(sorted(RDF_FORMATS))})") from None
    ox_store = store.ox if hasattr(store, "ox") else store
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if rdf_format.supports_datasets:
        kwargs = {"prefixes": prefixes} if prefixes else {}
        if isinstance(out, (str, os.PathLike)) and str(out) != "-":
            ox_store.dump(str(out), rdf_format, **kwargs)
        else:
            _write_bytes(out, ox_store.dump(None, rdf_format, **kwargs))
        return
    # triples: union of graphs, deduplicated by CONSTRUCT (streamed by the serializer)
    triples = ox_store.query("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } } }")
    kwargs = {"prefixes": prefixes} if prefixes else {}
    if isinstance(out, (str, os.PathLike)) and str(out) != "-":
        with open(out, "wb") as fh:
            ox.serialize(triples, fh, rdf_format, **kwargs)
    else:
        _write_bytes(out, ox.serialize(triples, None, rdf_format, **kwargs))


def _write_bytes(out, data: bytes) -> None:
    import sys

    if out is None or out == "-":
        sys.stdout.buffer.write(data)
    elif isinstance(out, io.TextIOBase):
        out.write(data.decode("utf-8"))
    else:
        out.write(data)

"""Gephi export: GEXF 1.3 (or 1.2draft) and GraphML, built on ``kg.networkx_view.to_networkx``.

``export_gephi(store, path, "gexf"|"graphml", facts=False)``.

Two views:

* **entities** (default, for pictures): papers, references, materials, families, property kinds and methods.
  Each fact (measurement or synthesis) becomes weighted edges between the entities it links:
  material -``property``-> property kind, material -``method``-> method, material -``reported_in``-> paper,
  material -``cites``-> reference (the source the sentence cites), plus the graph's own structure:
  paper -``cites``-> reference (reference list), material -``family``-> family, method -``broader``-> method.
* **facts** (``facts=True``): the ``to_networkx`` graph itself, measurement and synthesis nodes included.

Edge attributes: ``relation``, ``facts`` (the number of facts behind the edge: for ``material -property->
IonicConductivity`` the number of conductivity measurements of that material; for a paper's reference-list
entry the number of that paper's facts citing it; for ``family`` the facts about the material; for ``broader``
the facts using the narrower method) and ``weight`` = max(1, facts) (Gephi's edge weight; an entry nobody
cites still draws as a thin edge).

Node attributes: ``type``, ``family`` (material family; for fact nodes the family of their material; ``""``
where it does not apply), ``label``, ``degree``, and the ``to_networkx`` attributes (``iri``, ``value``,
``year`` ...; ``key`` is renamed ``kg_key``, since networkx's GEXF writer turns ``key`` into ``networkx_key``).
Every attribute has one type over all nodes (numbers mixed with text become text, int with float become float),
no value is None, lists are flattened to ``"; "``-joined strings. Visual attributes: size grows with the degree,
colour by type (GEXF ``viz:size`` / ``viz:color``; GraphML ``size``, ``r``, ``g``, ``b`` and ``color``
attributes, which Gephi's GraphML importer reads).

networkx writes GEXF 1.3 with a wrong XML Schema instance namespace (``http://w3.org/2001/...``, missing
``www``), which makes ``xsi:schemaLocation`` an unknown attribute; the writer here fixes it.
"""
from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

__all__ = ["gephi_graph", "export_gephi", "write_gexf", "TYPE_COLOURS", "GEXF_NS", "XSI_NS"]

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GEXF_NS = {"1.3": "http://gexf.net/1.3", "1.2draft": "http://www.gexf.net/1.2draft"}

TYPE_COLOURS: dict[str, tuple[int, int, int]] = {
    "paper": (31, 119, 180),
    "reference": (160, 160, 160),
    "material": (44, 160, 44),
    "family": (23, 190, 207),
    "property": (255, 127, 14),
    "method": (148, 103, 189),
    "measurement": (214, 39, 40),
    "synthesis": (227, 119, 194),
}
_DEFAULT_COLOUR = (90, 90, 90)
MIN_SIZE, MAX_SIZE = 4.0, 40.0

FACT_TYPES = ("measurement", "synthesis")


class _GEXFWriter(GEXFWriter):
    """networkx's writer with the GEXF 1.3 header fixed (XSI namespace) and 1.2draft as it is."""

    versions = {
        **GEXFWriter.versions,
        "1.3": {
            "NS_GEXF": "http://gexf.net/1.3",
            "NS_VIZ": "http://gexf.net/1.3/viz",
            "NS_XSI": XSI_NS,
            "SCHEMALOCATION": "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd",
            "VERSION": "1.3",
        },
    }


def write_gexf(graph: nx.Graph, path: str | os.PathLike, *, version: str = "1.3") -> None:
    """Write a GEXF file (``version`` "1.3" with the header fixed, or "1.2draft")."""
    writer = _GEXFWriter(encoding="utf-8", prettyprint=False, version=version)
    writer.add_graph(graph)
    writer.write(str(path))


# -- building the graph ------------------------------------------------------------------------------------------

def _fact_links(g: nx.MultiDiGraph, f: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for _, v, key in g.out_edges(f, keys=True):
        out[key].append(v)
    return out


def _flat(v: Any) -> Any:
    if isinstance(v, (list, tuple, set, frozenset)):
        return "; ".join(str(x) for x in (sorted(v, key=str) if isinstance(v, (set, frozenset)) else v)
                         if x is not None)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _unify_types(items) -> None:
    """One Python type per attribute name over ``items`` (an iterable of attribute dicts): bool stays bool only
    if every value is; int+float -> float; anything with a str (or mixed bool/number) -> str."""
    items = list(items)
    kinds: dict[str, set[type]] = defaultdict(set)
    for d in items:
        for k, v in d.items():
            if k == "viz":
                continue
            kinds[k].add(type(v))
    target: dict[str, type] = {}
    for k, ts in kinds.items():
        if len(ts) <= 1:
            continue
        target[k] = float if ts <= {int, float} else str
    for d in items:
        for k, t in target.items():
            if k in d:
                v = d[k]
                d[k] = (("true" if v else "false") if isinstance(v, bool) and t is str else t(v))


def gephi_graph(source, *, facts: bool = False) -> nx.DiGraph:
    """The Gephi view of the store (``source``: a ``kg.store.Store``, a path, or a ``to_networkx`` graph)."""
    if isinstance(source, nx.MultiDiGraph):
        g = source
    else:
        from kg.networkx_view import to_networkx

        g = to_networkx(source)
    types = nx.get_node_attributes(g, "type")
    fact_nodes = [n for n, t in types.items() if t in FACT_TYPES]

    # facts behind each structural edge
    material_facts: Counter[str] = Counter()
    method_facts: Counter[str] = Counter()
    paper_ref_facts: Counter[tuple[str, str]] = Counter()
    projected: dict[tuple[str, str], tuple[str, int]] = {}

    def bump(u: str, v: str, relation: str) -> None:
        rel, n = projected.get((u, v), (relation, 0))
        projected[(u, v)] = (rel, n + 1)

    fact_material: dict[str, str] = {}
    for f in fact_nodes:
        links = _fact_links(g, f)
        mats = links.get("material", [])
        for m in mats:
            material_facts[m] += 1
        for meth in set(links.get("method", [])):
            method_facts[meth] += 1
        for paper in links.get("reported_in", []):
            for ref in set(links.get("cites", [])):
                paper_ref_facts[(paper, ref)] += 1
        if not mats:
            continue
        m = mats[0]
        fact_material[f] = m
        if not facts:
            for rel in ("property", "method", "reported_in", "cites"):
                for target in dict.fromkeys(links.get(rel, [])):
                    bump(m, target, rel)

    out = nx.DiGraph(name="sse-kg (Gephi)")
    keep = (lambda n: True) if facts else (lambda n: types.get(n) not in FACT_TYPES)
    for n, d in g.nodes(data=True):
        if keep(n):  # networkx's GEXF writer renames an attribute "key" to "networkx_key": name it "kg_key"
            out.add_node(n, **{("kg_key" if k == "key" else k): _flat(v) for k, v in d.items() if v is not None})
    for u, v, key, d in g.edges(keys=True, data=True):
        if not (keep(u) and keep(v)):
            continue
        if key == "cites" and types.get(u) == "paper":
            n_facts = paper_ref_facts.get((u, v), 0)
        elif key == "family":
            n_facts = material_facts.get(u, 0)
        elif key == "broader":
            n_facts = method_facts.get(u, 0)
        elif types.get(u) in FACT_TYPES:
            n_facts = 1
        else:
            n_facts = 0
        attrs = {k: _flat(x) for k, x in d.items() if x is not None and k != "key"}
        attrs.update(relation=key, facts=int(n_facts), weight=float(max(1, n_facts)))
        if out.has_edge(u, v):  # two relations between one pair: keep one edge, add the facts
            e = out.edges[u, v]
            if key not in str(e["relation"]).split("+"):
                e["relation"] = f"{e['relation']}+{key}"
            e["facts"] += attrs["facts"]
            e["weight"] = float(max(1, e["facts"]))
            continue
        out.add_edge(u, v, **attrs)
    for (u, v), (rel, n_facts) in projected.items():
        if out.has_edge(u, v):
            e = out.edges[u, v]
            e["facts"] += n_facts
            e["weight"] = float(max(1, e["facts"]))
            if rel not in str(e["relation"]).split("+"):
                e["relation"] = f"{e['relation']}+{rel}"
        else:
            out.add_edge(u, v, relation=rel, facts=n_facts, weight=float(max(1, n_facts)))

    # family, degree, size, colour
    degrees = dict(out.degree())
    max_deg = max(degrees.values(), default=0) or 1
    for n, d in out.nodes(data=True):
        t = d.get("type", "")
        if t == "material":
            fam = d.get("family", "")
        elif t == "family":
            fam = d.get("kg_key", d.get("label", ""))
        elif t in FACT_TYPES:
            fam = g.nodes[fact_material[n]].get("family", "") if n in fact_material else ""
        else:
            fam = ""
        d["family"] = str(fam or "")
        d["label"] = str(d.get("label") or n)
        d["type"] = str(t)
        deg = degrees.get(n, 0)
        d["degree"] = int(deg)
        size = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(deg / max_deg)
        r, gr, b = TYPE_COLOURS.get(t, _DEFAULT_COLOUR)
        d["viz"] = {"size": round(size, 3), "color": {"r": r, "g": gr, "b": b, "a": 1.0}}
    _unify_types(d for _, d in out.nodes(data=True))
    _unify_types(d for _, _, d in out.edges(data=True))
    return out


def _graphml_ready(graph: nx.DiGraph) -> nx.DiGraph:
    """GraphML has no viz element: size and colour become plain attributes (Gephi reads size, r, g, b)."""
    h = graph.copy()
    for _, d in h.nodes(data=True):
        viz = d.pop("viz", None) or {}
        c = viz.get("color", {})
        d["size"] = float(viz.get("size", MIN_SIZE))
        d["r"], d["g"], d["b"] = int(c.get("r", 0)), int(c.get("g", 0)), int(c.get("b", 0))
        d["color"] = "#{:02x}{:02x}{:02x}".format(d["r"], d["g"], d["b"])
    return h


def export_gephi(store, path: str | os.PathLike, fmt: str = "gexf", *, facts: bool = False,
                 gexf_version: str = "1.3") -> dict[str, Any]:
    """Write the Gephi view as GEXF or GraphML. Returns {"nodes", "edges", "format", "path"}."""
    fmt = fmt.lower()
    if fmt not in ("gexf", "graphml"):
        raise ValueError(f"unknown Gephi format {fmt!r} (gexf or graphml)")
    graph = gephi_graph(store, facts=facts)
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gexf":
        write_gexf(graph, path, version=gexf_version)
    else:
        nx.write_graphml(_graphml_ready(graph), str(path), encoding="utf-8", named_key_ids=True)
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "format": fmt, "path": str(path)}

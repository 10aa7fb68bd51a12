"""The Python entry point: ``kg.open(path)`` -> a :class:`KnowledgeGraph` to query into pandas.

>>> import kg                                                     # doctest: +SKIP
>>> g = kg.open("kg-store")                                       # doctest: +SKIP
>>> g.query("queries/02_values_for_material.rq", material="Li3InCl6")   # a DataFrame   # doctest: +SKIP
>>> g.facts(property="ionic_conductivity", family="halide", min_value=1e-3, temperature="RT")  # doctest: +SKIP
>>> nxg = g.to_networkx()                                         # doctest: +SKIP

Values are never pasted into query text. ``query(..., **params)`` hands them to Oxigraph as RDF terms
(SEP-0007 substitutions, see ``kg.store.Store.query``); Oxigraph substitutes only variables that the SELECT
clause projects, so a parameter variable must appear there (the cookbook queries in ``queries/`` do, and default
it with ``COALESCE(?param, default)``). ``facts()`` binds its numbers the same way and its material, family and
property as one ``VALUES`` row of terms serialised (escaped) by pyoxigraph: Oxigraph applies substitutions after
planning, and a ``VALUES`` row lets it plan index lookups from the given material (docs/model.md).

``timeout=`` runs the query in a child process (Oxigraph's embedded engine cannot be interrupted from Python)
that opens the store read-only, and kills it when the time is up: :class:`QueryTimeout` is raised.

pandas is an optional dependency (``pip install 'sse-kg[pandas]'``); without it ``query``/``facts`` raise an
ImportError naming the extra, and ``rows()`` returns plain dicts.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError, QueryError

__all__ = ["open", "KnowledgeGraph", "QueryTimeout", "query_with_timeout", "term_value", "FACTS_QUERY"]

_builtin_open = open


class QueryTimeout(QueryError):
    """A query ran past its ``timeout``."""


def term_value(term) -> Any:
    """A pyoxigraph term as a plain Python value: xsd numbers -> int/float, xsd:boolean -> bool, other literals
    -> str, IRIs -> the IRI string, blank nodes -> ``_:id``, unbound (None) -> None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1] if term.datatype is not None else "string"
        text = term.value
        try:
            if dt in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                      "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "gYear"):
                return int(text)
            if dt in ("double", "float", "decimal"):
                return float(text)
            if dt == "boolean":
                return text in ("true", "1")
        except ValueError:
            return text
        return text
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("kg.open(...).query() returns a pandas.DataFrame: pip install 'sse-kg[pandas]'") from exc
    return pd


def _solutions_rows(result) -> tuple[list[str], list[tuple]]:
    names = [v.value for v in result.variables]
    return names, [tuple(term_value(sol[n]) for n in names) for sol in result]


# -- timeouts: the query runs in a child process ------------------------------------------------------------------

def _child_main() -> None:  # pragma: no cover - exercised through query_with_timeout in a subprocess
    """``python -m kg.api``: read (path, sparql, params, union, fmt) as a pickle on stdin, write the result."""
    path, sparql, params, union, fmt = pickle.load(sys.stdin.buffer)
    from kg.query import format_result, run_query
    from kg.store import Store

    try:
        with Store(path, writable=False) as store:
            if union:
                result = store.query(sparql, params, union=True)
            else:
                result = run_query(store, sparql, params)
            if isinstance(result, ox.QueryTriples):
                payload = ("text", format_result(result, fmt if fmt != "results" else "turtle"))
            else:
                buf = result.serialize(None, ox.QueryResultsFormat.JSON)
                payload = ("results", buf)
    except KGError as exc:
        payload = ("error", str(exc))
    sys.stdout.buffer.write(pickle.dumps(payload))
    sys.stdout.buffer.flush()


def query_with_timeout(path: str | os.PathLike, sparql: str, params: Mapping[str, Any] | None = None, *,
                       timeout: float, union: bool = False, fmt: str = "results"):
    """Run ``sparql`` on the store at ``path`` in a child process, killed after ``timeout`` seconds.

    Returns a ``pyoxigraph.QuerySolutions`` / ``QueryBoolean`` (parsed back from the child's SPARQL JSON
    results), or for CONSTRUCT/DESCRIBE the graph rendered as text in ``fmt`` (turtle by default). Raises
    :class:`QueryTimeout` when the time is up, :class:`QueryError` for a bad query.
    """
    from kg.store import to_term

    subs = {str(k).lstrip("?$"): to_term(v) for k, v in (params or {}).items()}
    data = pickle.dumps((str(path), sparql, subs, union, fmt))
    proc = subprocess.Popen([sys.executable, "-c", "from kg.api import _child_main; _child_main()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise QueryTimeout(f"query timed out after {timeout:g} s (stopped)") from None
    if proc.returncode != 0 or not out:
        raise QueryError(f"query process failed (exit {proc.returncode}): {err.decode('utf-8', 'replace')[-2000:]}")
    kind, payload = pickle.loads(out)
    if kind == "error":
        raise QueryError(payload)
    if kind == "text":
        return payload
    return ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)


# -- facts -------------------------------------------------------------------------------------------------------

_FACTS_OUT = ("?material ?family ?property ?value ?value_max ?unit ?qualifier ?temperature_c "
              "?room_temperature ?doc ?line ?source ?evidence ?material_iri ?fact")

# Filters, written only for the filters a call gives (the query's shape depends on which filters are used; every
# value is still a bound RDF term). A parameter variable must be projected for Oxigraph to substitute it.
_FACT_FILTERS = {
    "min_value": "FILTER(COALESCE(?value_max, ?value) >= ?min_value)",
    "max_value": "FILTER(?value <= ?max_value)",
    "rt_only": "FILTER(COALESCE(?room_temperature, false) || (BOUND(?temperature_c) && ?temperature_c >= 20 "
               "&& ?temperature_c <= 30))",
    "temp_min": "FILTER(BOUND(?temperature_c) && ?temperature_c >= ?temp_min && ?temperature_c <= ?temp_max)",
}

# From a material or a family: index lookups from there (see docs/model.md, "Writing queries that stay fast").
_FACTS_LOOKUP = """
SELECT {params} {out}
WHERE {{
  {binds}
  GRAPH ?g {{
    ?fact sse:material ?material_iri .
    ?material_iri sse:family ?family ; rdfs:label ?material .
    ?fact sse:property ?property ; prov:wasDerivedFrom ?ev .
    OPTIONAL {{ ?fact sse:valueMax ?value_max }}
    OPTIONAL {{ ?fact sse:temperatureC ?temperature_c }}
    OPTIONAL {{ ?fact sse:atRoomTemperature ?room_temperature }}
    OPTIONAL {{ ?ev sse:source ?source }}
    ?fact sse:value ?value ; sse:unitString ?unit ; sse:qualifier ?qualifier .
    ?ev sse:line ?line ; sse:text ?evidence ; sse:paper ?paper .
    ?paper dcterms:identifier ?doc .
  }}
  {filters}
}}
"""

# Everything, or one property: hash-joined one-pattern scans (many rows: scans beat one lookup per row).
_FACTS_SCAN = """
SELECT {params} {out}
WHERE {{
  {{ SELECT {params} ?fact ?g ?property ?value ?value_max ?temperature_c ?room_temperature WHERE {{
      {binds}
      GRAPH ?g {{ ?fact sse:property ?property }}
      {{ SELECT ?fact ?value WHERE {{ GRAPH ?g {{ ?fact sse:value ?value }} }} }}
      OPTIONAL {{ SELECT ?fact ?value_max WHERE {{ GRAPH ?g {{ ?fact sse:valueMax ?value_max }} }} }}
      OPTIONAL {{ SELECT ?fact ?temperature_c WHERE {{ GRAPH ?g {{ ?fact sse:temperatureC ?temperature_c }} }} }}
      OPTIONAL {{ SELECT ?fact ?room_temperature WHERE {{ GRAPH ?g {{ ?fact sse:atRoomTemperature ?room_temperature }} }} }}
      {filters}
  }} }}
  {{ SELECT ?fact ?material_iri WHERE {{ GRAPH ?g {{ ?fact sse:material ?material_iri }} }} }}
  {{ SELECT ?fact ?unit WHERE {{ GRAPH ?g {{ ?fact sse:unitString ?unit }} }} }}
  {{ SELECT ?fact ?qualifier WHERE {{ GRAPH ?g {{ ?fact sse:qualifier ?qualifier }} }} }}
  {{ SELECT ?fact ?ev WHERE {{ GRAPH ?g {{ ?fact prov:wasDerivedFrom ?ev }} }} }}
  {{ SELECT ?ev ?line WHERE {{ GRAPH ?g {{ ?ev sse:line ?line }} }} }}
  {{ SELECT ?ev ?evidence WHERE {{ GRAPH ?g {{ ?ev sse:text ?evidence }} }} }}
  OPTIONAL {{ SELECT ?ev ?source WHERE {{ GRAPH ?g {{ ?ev sse:source ?source }} }} }}
  {{ SELECT ?g ?doc WHERE {{ GRAPH ?g {{ ?paper a bibo:AcademicArticle ; dcterms:identifier ?doc }} }} }}
  {{ SELECT DISTINCT ?g ?material_iri ?family ?material WHERE {{
      GRAPH ?g {{ ?material_iri sse:family ?family OPTIONAL {{ ?material_iri rdfs:label ?material }} }} }} }}
}}
"""


def facts_query(params: Mapping[str, Any]) -> str:
    """The SPARQL text :meth:`KnowledgeGraph.facts` runs for these (already converted) parameters.

    The material, family and property filters are bound by a ``VALUES`` row placed first, built from RDF
    terms serialised by pyoxigraph (so a value is always one escaped term, never query text): Oxigraph plans
    from that known row and looks everything else up. (Its substitutions, used for the numeric filters, are
    applied after planning, so a substituted IRI would not steer the plan.)"""
    bound = [(var, params[key]) for key, var in (("p_material", "material_iri"), ("p_family", "family"),
                                                 ("p_property", "property")) if key in params]
    for _, term in bound:
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise TypeError(f"expected an RDF term, got {term!r}")
    values = ""
    if bound:
        values = (f"VALUES ({' '.join('?' + v for v, _ in bound)}) "
                  f"{{ ({' '.join(str(t) for _, t in bound)}) }}")
    names = [k for k in ("min_value", "max_value", "rt_only", "temp_min", "temp_max") if k in params]
    filters = "\n      ".join(f for k, f in _FACT_FILTERS.items() if k in params)
    template = _FACTS_LOOKUP if ("p_material" in params or "p_family" in params) else _FACTS_SCAN
    return template.format(params=" ".join("?" + n for n in names), out=_FACTS_OUT, filters=filters, binds=values)


# (kept for reference: the filters and columns of facts(), as one query)
FACTS_QUERY = facts_query({})

_MATERIAL_BY_NAME = """
SELECT DISTINCT ?m WHERE {
  VALUES ?name { %s }
  GRAPH ?g { { ?m sse:formula ?name } UNION { ?m rdfs:label ?name }
             UNION { ?x sse:materialAsWritten ?name ; sse:material ?m } }
  FILTER(STRSTARTS(STR(?m), "https://w3id.org/sse-kg/id/material/"))
}
"""

_FACT_COLUMNS = ["doc", "line", "material", "family", "property", "value", "value_max", "unit", "qualifier",
                 "temperature_c", "room_temperature", "source", "evidence", "material_iri", "fact"]


def _property_iri(prop: str) -> ox.NamedNode:
    if prop.startswith(("http://", "https://")):
        return ox.NamedNode(prop)
    if prop.startswith("<") and prop.endswith(">"):
        return ox.NamedNode(prop[1:-1])
    from kg.namespaces import SSE

    try:
        from kg.ontology import load_lexicon

        lex = load_lexicon()
        entry = lex.properties.get(prop) or lex.property_by_label(prop)
        if entry is not None:
            return ox.NamedNode(str(entry.iri))
    except Exception:  # noqa: BLE001 - without the ontology, fall back to CamelCase of the key
        pass
    if prop.startswith("sse:"):
        return ox.NamedNode(str(SSE) + prop[4:])
    camel = "".join(w[:1].upper() + w[1:] for w in prop.replace("-", "_").replace(" ", "_").split("_"))
    return ox.NamedNode(str(SSE) + camel)


def _material_iris(store, material: str) -> list[ox.NamedNode]:
    """The material nodes a user's material string means: an IRI as given; else the identity IRI of the text
    as a formula (``kg.iris.material_iri``), of the well-known material it abbreviates (``LLZO`` -> its
    formula, from ``ontology/materials.ttl``), and every node whose formula, label or as-written name is
    exactly the text."""
    if material.startswith(("http://", "https://")):
        return [ox.NamedNode(material)]
    if material.startswith("<") and material.endswith(">"):
        return [ox.NamedNode(material[1:-1])]
    from kg import iris

    found = [str(iris.material_iri(material, material))]
    try:
        from kg.ontology import load_lexicon

        entry = load_lexicon().alias(material)
        if entry is not None and entry.formula:
            found.append(str(iris.material_iri(material, entry.formula)))
    except Exception:  # noqa: BLE001 - the ontology is optional here
        pass
    # the name is one RDF term serialised by pyoxigraph (escaped), in a VALUES row the planner starts from
    for r in store.select(_MATERIAL_BY_NAME % ox.Literal(material)):
        found.append(r["m"].value)
    return [ox.NamedNode(x) for x in dict.fromkeys(found)]


def _temperature_bounds(temperature) -> tuple[float, float] | str:
    """``"RT"`` -> "RT"; a number -> that temperature ± 0.5 °C; a (low, high) pair -> that range (°C)."""
    if isinstance(temperature, str):
        if temperature.strip().lower() in ("rt", "room", "room temperature"):
            return "RT"
        temperature = float(temperature)
    if isinstance(temperature, (tuple, list)):
        low, high = temperature
        return float(low), float(high)
    t = float(temperature)
    return t - 0.5, t + 0.5


class KnowledgeGraph:
    """A store opened for querying. Use :func:`open`; close with ``.close()`` or a ``with`` block."""

    def __init__(self, path: str | os.PathLike | None = None):
        from kg.paths import DEFAULT_STORE
        from kg.store import Store

        self.path = Path(path if path is not None else os.environ.get("KG_STORE", DEFAULT_STORE))
        self.store = Store(self.path, writable=False)

    # -- lifecycle --
    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<kg.KnowledgeGraph {self.path}>"

    # -- raw results --
    def _run(self, sparql: str, params: Mapping[str, Any] | None, *, timeout: float | None, union: bool):
        from kg.query import load_query, run_query

        text = load_query(str(sparql)) if isinstance(sparql, (str, os.PathLike)) else sparql
        if timeout is not None:
            return query_with_timeout(self.path, text, params, timeout=timeout, union=union)
        if union:
            return self.store.query(text, params, union=True)
        return run_query(self.store, text, params)

    def rows(self, sparql: str | os.PathLike, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None, union: bool = False, **kw) -> list[dict[str, Any]]:
        """A SELECT query's rows as dicts of plain Python values (no pandas needed)."""
        result = self._run(sparql, {**(params or {}), **kw}, timeout=timeout, union=union)
        if isinstance(result, ox.QueryBoolean):
            return [{"boolean": bool(result)}]
        names, rows = _solutions_rows(result)
        return [dict(zip(names, r)) for r in rows]

    def query(self, sparql: str | os.PathLike, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None, union: bool = False, **kw):
        """Run a SPARQL query (text, or a ``.rq`` file) and return a ``pandas.DataFrame``.

        SELECT: one column per projected variable, values converted by :func:`term_value` (unbound -> None).
        ASK: a ``bool``. CONSTRUCT/DESCRIBE: a DataFrame with ``subject``, ``predicate``, ``object`` columns
        (with ``timeout``: the Turtle text). Parameters come as ``params={...}`` or keywords
        (``material="Li6PS5Cl"``): Python values become typed literals, ``"<iri>"`` an IRI; pyoxigraph terms
        pass through. The project prefixes (sse:, id:, prov:, ...) are predeclared. ``union=True`` makes the
        default graph the union of all paper graphs.
        """
        pd = _pandas()
        result = self._run(sparql, {**(params or {}), **kw}, timeout=timeout, union=union)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, str):
            return result
        if isinstance(result, ox.QueryTriples):
            rows = [(term_value(t.subject), term_value(t.predicate), term_value(t.object)) for t in result]
            return pd.DataFrame(rows, columns=["subject", "predicate", "object"])
        names, rows = _solutions_rows(result)
        return pd.DataFrame.from_records(rows, columns=names)

    # -- facts --
    def fact_rows(self, property: str | None = None, material: str | None = None, family: str | None = None,
                  min_value: float | None = None, max_value: float | None = None, temperature=None, *,
                  timeout: float | None = None) -> list[dict[str, Any]]:
        """Measurements matching every given filter, as dicts (see :meth:`facts`)."""
        params: dict[str, Any] = {}
        if property is not None:
            params["p_property"] = _property_iri(property)
        if family is not None:
            params["p_family"] = ox.Literal(str(family).lower())
        if min_value is not None:
            params["min_value"] = float(min_value)
        if max_value is not None:
            params["max_value"] = float(max_value)
        if temperature is not None:
            bounds = _temperature_bounds(temperature)
            if bounds == "RT":
                params["rt_only"] = True
            else:
                params["temp_min"], params["temp_max"] = bounds
        materials = _material_iris(self.store, material) if material is not None else [None]
        keys = self._property_keys()
        out = []
        seen = set()
        for m in materials:
            p = dict(params) if m is None else {**params, "p_material": m}
            subs = {k: v for k, v in p.items() if not k.startswith("p_")}
            for r in self.rows(facts_query(p), subs, timeout=timeout):
                if r["fact"] in seen:
                    continue
                seen.add(r["fact"])
                out.append({
                    "doc": r["doc"], "line": r["line"], "material": r["material"], "family": r["family"],
                    "property": keys.get(r["property"]) or r["property"].rsplit("#", 1)[-1], "value": r["value"],
                    "value_max": r["value_max"], "unit": r["unit"], "qualifier": r["qualifier"],
                    "temperature_c": r["temperature_c"], "room_temperature": bool(r["room_temperature"]),
                    "source": r["source"], "evidence": r["evidence"], "material_iri": r["material_iri"],
                    "fact": r["fact"],
                })
        out.sort(key=lambda r: (r["doc"], r["line"], r["property"], r["value"], r["fact"]))
        return out

    def facts(self, property: str | None = None, material: str | None = None, family: str | None = None,
              min_value: float | None = None, max_value: float | None = None, temperature=None, *,
              timeout: float | None = None):
        """Measurements as a DataFrame (one row per measurement, sorted by paper and line), filtered by:

        * ``property``: contract key (``"ionic_conductivity"``), label (``"activation energy"``) or IRI
        * ``material``: a formula or name as written (matched by identity: ``"Li6PS5Cl"`` also finds
          ``Li$_6$PS$_5$Cl``; a name such as ``"LLZO"`` matches that name) or a material IRI
        * ``family``: ``oxide``, ``sulfide``, ``halide``, ``hydride``, ``polymer``, ``composite``, ``other``
        * ``min_value`` / ``max_value``: in the property's canonical unit (S/cm, eV, V, ...); a range
          ``a-b`` passes ``min_value`` when its upper end does
        * ``temperature``: ``"RT"`` (reported at room temperature, or 20-30 °C), a number in °C (± 0.5),
          or a ``(low, high)`` pair in °C

        Every value is an RDF term (substituted, or one escaped term in a ``VALUES`` row), never query text.
        """
        pd = _pandas()
        return pd.DataFrame.from_records(self.fact_rows(property, material, family, min_value, max_value,
                                                        temperature, timeout=timeout), columns=_FACT_COLUMNS)

    def _property_keys(self) -> dict[str, str]:
        """Property kind IRI -> contract key (``sse:key``, as the paper graphs carry it)."""
        rows = self.store.select("SELECT DISTINCT ?p ?k WHERE { GRAPH ?g { ?p sse:key ?k } }")
        return {r["p"].value: r["k"].value for r in rows}

    # -- other views --
    def to_networkx(self):
        """The graph as a ``networkx.MultiDiGraph`` (see ``kg.networkx_view``)."""
        from kg.networkx_view import to_networkx

        return to_networkx(self.store)

    def papers(self) -> list[str]:
        return self.store.papers()

    def __len__(self) -> int:
        return self.store.triple_count()


def open(path: str | os.PathLike | None = None) -> KnowledgeGraph:  # noqa: A001 - the public name is kg.open
    """Open the knowledge-graph store at ``path`` (default: ``$KG_STORE`` or ``./kg-store``) for querying."""
    return KnowledgeGraph(path)


if __name__ == "__main__":  # pragma: no cover
    _child_main()

"""The validation gate between extraction and the graph.

* :func:`validate` turns the extractor's candidates into pydantic facts (``kg.facts``) or rejects with a
  reason: unknown property, non-canonical unit, non-finite or implausible value, ``value_max < value``,
  empty material, unknown method, bad qualifier/temperature, and anything pydantic refuses.
* :func:`shacl_validate` checks a paper's RDF graph against ``ontology/shapes.ttl`` with pySHACL.
"""
from __future__ import annotations

import dataclasses
import math
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from kg.chemistry import normalize_formula
from kg.facts import Fact, FactEvidence, Measurement, Reject, Synthesis
from kg.models import Candidate, CandidateMeasurement, CandidateSynthesis
from kg.ontology import SHAPES_FILE, SSE, Lexicon, OntologyError, load_graph, load_lexicon
from kg.paths import ONTOLOGY_DIR

QUALIFIERS = {"=": "=", "~": "~", ">": ">", "<": "<", ">=": ">=", "<=": "<=",
              "≈": "~", "∼": "~", "≃": "~", "≥": ">=", "≤": "<=", "⩾": ">=", "⩽": "<=", "=~": "~", "~=": "~"}
_RT = re.compile(r"^(?:rt|r\.t\.|room[\s-]temperature|ambient(?:\s+temperature)?)$", re.I)


class _Bad(Exception):
    pass


def _g(x: float) -> str:
    """A number for a message: 50 -> '50', 1e-12 -> '1e-12', 0.0032 -> '0.0032'."""
    return f"{x:g}"


def _with_unit(x: float, unit: str) -> str:
    return f"{_g(x)} {unit}" if unit else _g(x)


# ---------------------------------------------------------------------------------------------- units

_UNIT_SPACES = re.compile(r"\s+")
_UNIT_EQUIV = str.maketrans({"²": "2", "³": "3", "⁻": "-", "¹": "1", "·": "*", "Ω": "ohm", "μ": "u", "µ": "u"})
_ureg = None
_ureg_lock = threading.Lock()


def _same_unit(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        u = _UNIT_SPACES.sub("", (u or "").translate(_UNIT_EQUIV))
        return u.replace("^", "").replace("**", "")

    return norm(a) == norm(b)


def _pint_quantity(unit: str):
    """The pint quantity of a unit string as papers write it (``S cm-1``, ``mA cm^-2``), or None."""
    global _ureg
    with _ureg_lock:
        if _ureg is None:
            import pint

            _ureg = pint.UnitRegistry()
    u = (unit or "").translate(_UNIT_EQUIV).strip()
    u = u.replace("mAh", "mA*h").replace("Ah", "A*h")
    u = re.sub(r"([A-Za-z])\^?\{?(-?\d+)\}?", r"\1**\2", u)
    u = re.sub(r"(?<=[\w)])\s+(?=[A-Za-z(])", "*", u)
    try:
        return _ureg(u) if u else _ureg("dimensionless")
    except Exception:  # pint raises many kinds
        return None


def _unit_reason(unit: str, key: str, canonical: str, pint_unit: str) -> str:
    shown = canonical if canonical else "no unit"
    q = _pint_quantity(unit)
    if q is None:
        return f"unknown unit {unit!r} for {key} (expected {shown})"
    ref = _pint_quantity(pint_unit)
    if ref is not None and q.dimensionality != ref.dimensionality:
        return f"unit {unit!r} has the wrong dimension for {key} (expected {shown})"
    return f"unit {unit!r} is not the canonical unit of {key} (expected {shown}; not converted)"


# ---------------------------------------------------------------------------------------------- gate

def validate(candidates: list[Candidate], lexicon: Lexicon | None = None) -> tuple[list[Fact], list[Reject]]:
    """Candidates -> (facts, rejects). Method labels are canonicalised to the ontology's prefLabels,
    formulas normalized (``kg.chemistry.normalize_formula``), qualifiers like ``≈``/``≥`` to ``~``/``>=``."""
    lex = lexicon if lexicon is not None else load_lexicon()
    facts: list[Fact] = []
    rejects: list[Reject] = []
    for c in candidates:
        try:
            if isinstance(c, CandidateMeasurement) or getattr(c, "kind", None) == "measurement":
                facts.append(_measurement(c, lex))
            elif isinstance(c, CandidateSynthesis) or getattr(c, "kind", None) == "synthesis":
                facts.append(_synthesis(c, lex))
            else:
                raise _Bad(f"unknown candidate kind {getattr(c, 'kind', type(c).__name__)!r}")
        except _Bad as e:
            rejects.append(_reject(c, str(e)))
        except ValidationError as e:
            rejects.append(_reject(c, _pydantic_reason(e)))
    return facts, rejects


def _pydantic_reason(e: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in e.errors():
        loc = prefix + ".".join(str(x) for x in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", "invalid"))
    return "invalid fact: " + "; ".join(parts)


def _candidate_dict(c: Any) -> dict:
    if dataclasses.is_dataclass(c) and not isinstance(c, type):
        return dataclasses.asdict(c)
    return dict(getattr(c, "__dict__", {}) or {})


def _reject(c: Any, reason: str) -> Reject:
    ev = getattr(c, "evidence", None)
    kind = getattr(c, "kind", "measurement")
    return Reject(
        kind=kind if kind in ("measurement", "synthesis") else "measurement",
        reason=reason,
        doc=str(getattr(ev, "doc", "") or ""),
        line=int(getattr(ev, "line", 0) or 0),
        text=str(getattr(ev, "text", "") or ""),
        candidate=_candidate_dict(c),
    )


def _material(c: Any) -> tuple[str, str | None]:
    material = (c.material or "").strip()
    if not material:
        raise _Bad("empty material")
    formula = None
    if c.formula and c.formula.strip():
        formula = normalize_formula(c.formula) or None
    return material, formula


def _evidence(c: Any) -> FactEvidence:
    ev = c.evidence
    try:
        return FactEvidence(doc=ev.doc, line=ev.line, text=ev.text, source=ev.source)
    except ValidationError as e:
        raise _Bad(_pydantic_reason(e, "evidence.")) from None


def _method_label(text: str, lex: Lexicon, kind: str | None = None) -> str:
    m = lex.methods.get(text) or lex.method_by_label(text)
    if m is None:
        raise _Bad(f"unknown method {text!r} (not an ontology label)")
    if kind is not None and m.kind != kind:
        raise _Bad(f"method {m.label!r} is a {m.kind} method, not a {kind} method")
    return m.label


def _number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise _Bad(f"{what} {x!r} is not a number") from None
    x = float(x)
    if not math.isfinite(x):
        raise _Bad(f"{what} {x} is not a finite number")
    return x


def _measurement(c: CandidateMeasurement, lex: Lexicon) -> Measurement:
    material, formula = _material(c)
    pk = lex.properties.get(c.property) or lex.property_by_label(c.property or "")
    if pk is None:
        raise _Bad(f"unknown property {c.property!r}")
    key, unit = pk.key, pk.canonical_unit
    if not _same_unit(c.unit or "", unit):
        raise _Bad(_unit_reason(c.unit or "", key, unit, pk.pint_unit))
    value = _number(c.value, "value")
    value_max = None if c.value_max is None else _number(c.value_max, "value_max")
    for v in (value, value_max):
        if v is not None and not (pk.min_value <= v <= pk.max_value):
            raise _Bad(f"{key} {_with_unit(v, unit)} outside plausible range "
                       f"{_g(pk.min_value)}–{_with_unit(pk.max_value, unit)}")
    if value_max is not None and value_max < value:
        raise _Bad(f"value_max {_g(value_max)} is below value {_g(value)}")
    q = QUALIFIERS.get((c.qualifier or "=").strip())
    if q is None:
        raise _Bad(f"unknown qualifier {c.qualifier!r}")
    t = c.temperature_c
    if isinstance(t, str):
        s = t.strip()
        if _RT.match(s):
            t = "RT"
        else:
            try:
                t = float(s.replace("°C", "").replace("° C", "").strip())
            except ValueError:
                raise _Bad(f"temperature {c.temperature_c!r} is neither a number of °C nor RT") from None
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        t = float(t)
        if not math.isfinite(t) or not (-273.15 <= t <= 3000):
            raise _Bad(f"temperature {_g(t)} °C outside plausible range -273.15–3000 °C")
    methods: list[str] = []
    for m in c.methods or []:
        label = _method_label(m, lex)
        if label not in methods:
            methods.append(label)
    return Measurement(
        material=material, formula=formula, property=key, value=value, value_max=value_max, unit=unit,
        qualifier=q, temperature_c=t, methods=methods, refs=[str(r) for r in c.refs or []],
        evidence=_evidence(c),
    )


def _synthesis(c: CandidateSynthesis, lex: Lexicon) -> Synthesis:
    material, formula = _material(c)
    if not (c.method or "").strip():
        raise _Bad("empty method")
    label = _method_label(c.method.strip(), lex, kind="synthesis")
    return Synthesis(material=material, formula=formula, method=label, refs=[str(r) for r in c.refs or []],
                     evidence=_evidence(c))


# ---------------------------------------------------------------------------------------------- SHACL

_shacl_lock = threading.Lock()
SH = Namespace("http://www.w3.org/ns/shacl#")


def measurement_class(property_iri: str) -> URIRef:
    """The class of the measurements of a property kind: ``sse:IonicConductivity`` ->
    ``sse:IonicConductivityMeasurement`` (owl:equivalentClass of the restriction sse:property hasValue P)."""
    return URIRef(str(property_iri) + "Measurement")


def property_shapes(lexicon: Lexicon) -> Graph:
    """One SHACL NodeShape per property kind: the unit it must use and its plausible range, from the
    ontology (properties.ttl).  Targets :func:`measurement_class` of the property."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("sse", SSE)
    for key, p in sorted(lexicon.properties.items()):
        shape = URIRef(f"{p.iri}MeasurementShape")
        unit_txt = f" {p.canonical_unit}" if p.canonical_unit else ""
        rng = f"{_g(p.min_value)}–{_g(p.max_value)}{unit_txt}"
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, SH.targetClass, measurement_class(p.iri)))
        g.add((shape, RDFS.comment, Literal(f"generated from properties.ttl for {key}")))
        u = BNode()
        g.add((shape, SH.property, u))
        g.add((u, SH.path, SSE.unit))
        g.add((u, SH["in"], _rdf_list(g, [URIRef(p.qudt_unit)])))
        g.add((u, SH.message, Literal(f"{key}: unit must be <{p.qudt_unit}> ({p.canonical_unit or 'no unit'})")))
        for path in (SSE.value, SSE.valueMax):
            b = BNode()
            g.add((shape, SH.property, b))
            g.add((b, SH.path, path))
            g.add((b, SH.minInclusive, Literal(p.min_value, datatype=XSD.double)))
            g.add((b, SH.maxInclusive, Literal(p.max_value, datatype=XSD.double)))
            what = "value" if path == SSE.value else "value_max"
            g.add((b, SH.message, Literal(f"{key} {what} outside plausible range {rng}")))
    return g


def _rdf_list(g: Graph, items: list) -> BNode:
    head = BNode()
    Collection(g, head, items)
    return head


@lru_cache(maxsize=4)
def _shapes_graph(path: str) -> Graph:
    f = Path(path)
    if not f.is_file():
        raise OntologyError(f"{f}: SHACL shapes file missing")
    try:
        return Graph().parse(f, format="turtle")
    except Exception as e:  # noqa: BLE001
        raise OntologyError(f"{f}: does not parse as Turtle: {e}") from e


@lru_cache(maxsize=4)
def _all_shapes_cached(shapes_path: str, ontology_dir: str) -> Graph:
    g = Graph()
    for t in _shapes_graph(shapes_path):
        g.add(t)
    for t in property_shapes(load_lexicon(ontology_dir)):
        g.add(t)
    for prefix, ns in _shapes_graph(shapes_path).namespaces():
        g.bind(prefix, ns)
    return g


def all_shapes(ontology_dir: str | Path = ONTOLOGY_DIR) -> Graph:
    """``shapes.ttl`` plus the per-property shapes generated from ``properties.ttl``."""
    d = str(Path(ontology_dir).resolve())
    return _all_shapes_cached(str(Path(d) / SHAPES_FILE), d)


@lru_cache(maxsize=4)
def _support_graph(path: str) -> Graph:
    """The part of the ontology the shapes need next to the data: the class hierarchy and the types of
    property kinds and methods."""
    onto = load_graph(path)
    g = Graph()
    for t in onto.triples((None, RDFS.subClassOf, None)):
        if isinstance(t[2], URIRef):
            g.add(t)
    for cls in (SSE.PropertyKind, SSE.SynthesisMethod, SSE.ModificationMethod, SSE.CharacterizationMethod):
        for s in onto.subjects(RDF.type, cls):
            g.add((s, RDF.type, cls))
            if cls == SSE.PropertyKind:
                g.add((measurement_class(s), RDFS.subClassOf, SSE.Measurement))
    return g


def shacl_validate(graph: Graph, shapes: Graph | str | Path | None = None,
                   ontology_dir: str | Path = ONTOLOGY_DIR) -> tuple[bool, str]:
    """Validate an instance graph against the SHACL shapes; returns (conforms, readable report).

    ``shapes``: a graph or a path; default ``shapes.ttl`` plus the per-property shapes generated from
    ``properties.ttl`` (:func:`all_shapes`).  The data is copied into a scratch graph together with the
    ontology's class hierarchy and the types of property kinds and methods, and every measurement is
    typed with :func:`measurement_class` of its property; the caller's graph is not modified.
    The report is pySHACL's text report (``Focus Node:``, ``Value Node:``, ``Result Path:``,
    ``Message:`` per violation) under a one-line summary.
    """
    from pyshacl import validate as pyshacl_validate

    d = str(Path(ontology_dir).resolve())
    if shapes is None:
        sg = all_shapes(d)
    elif isinstance(shapes, Graph):
        sg = shapes
    else:
        sg = _shapes_graph(str(Path(shapes).resolve()))
    data = Graph()
    for t in graph.triples((None, None, None)):
        data.add(t)
    for t in _support_graph(d):
        data.add(t)
    for m, p in list(data.subject_objects(SSE.property)):
        if isinstance(p, URIRef):
            data.add((m, RDF.type, measurement_class(p)))
    with _shacl_lock:  # pySHACL mutates shared shape objects; keep one run at a time per process
        conforms, _, text = pyshacl_validate(
            data, shacl_graph=sg, inference="none", abort_on_first=False, allow_warnings=True,
            advanced=False, meta_shacl=False, debug=False, inplace=True,
        )
    n = text.count("Constraint Violation")
    summary = "SHACL: conforms" if conforms else f"SHACL: {n} violation{'s' if n != 1 else ''}"
    return bool(conforms), f"{summary}\n{text}"

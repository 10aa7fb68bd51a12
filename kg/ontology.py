"""The ontology as data: load ``ontology/*.ttl`` with rdflib into a :class:`Lexicon`.

The lexicon is what the other stages need from the ontology: property kinds (contract key, labels,
canonical unit, QUDT unit, pint dimension, plausible range), methods (labels, parent, kind), well-known
materials (abbreviations, formula, family, roles) and class names ("sulfide electrolytes" -> sulfide).
IRIs come from the Turtle files, so the graph builder uses ``lexicon.properties[key].iri`` and
``lexicon.methods[label].iri`` and never mints its own.
"""
from __future__ import annotations

import csv
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg.errors import KGError
from kg.paths import ONTOLOGY_DIR

SSE = Namespace("https://w3id.org/sse-kg/ontology#")
SSE_ID = Namespace("https://w3id.org/sse-kg/id/")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
EMMO_ECHEM = Namespace("https://w3id.org/emmo/domain/electrochemistry#")

ONTOLOGY_FILES = ("sse.ttl", "properties.ttl", "methods.ttl", "materials.ttl", "units.ttl")
SHAPES_FILE = "shapes.ttl"


class OntologyError(KGError):
    """The ontology files are missing, do not parse, or are inconsistent."""


@dataclass(frozen=True)
class PropertyKind:
    key: str
    iri: str
    label: str
    alt_labels: tuple[str, ...]
    canonical_unit: str
    qudt_unit: str
    dimension: str
    min_value: float
    max_value: float
    pint_unit: str = ""


@dataclass(frozen=True)
class MethodEntry:
    label: str
    iri: str
    alt_labels: tuple[str, ...]
    parent_label: str | None
    kind: str  # "synthesis" | "modification" | "characterization"
    parent_iri: str | None = None


@dataclass(frozen=True)
class MaterialEntry:
    label: str
    iri: str
    formula: str | None
    family: str
    types: tuple[str, ...]
    alt_labels: tuple[str, ...] = ()


@dataclass
class Lexicon:
    properties: dict[str, PropertyKind]
    methods: dict[str, MethodEntry]
    materials: dict[str, MaterialEntry]
    classes: dict[str, str]
    units: dict[str, str] = field(default_factory=dict)  # unit string -> unit IRI
    solvents: list[str] = field(default_factory=list)  # ontology/solvents.csv: "THF", "ethanol", ...
    path: str = ""
    _prop_index: dict[str, PropertyKind] = field(default_factory=dict, repr=False)
    _method_index: dict[str, MethodEntry] = field(default_factory=dict, repr=False)
    _material_index: dict[str, MaterialEntry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for p in self.properties.values():
            for lab in (p.key, p.label, *p.alt_labels):
                self._prop_index.setdefault(_fold(lab), p)
        for m in self.methods.values():
            for lab in (m.label, *m.alt_labels):
                self._method_index.setdefault(_fold(lab), m)
        for name, e in self.materials.items():
            self._material_index.setdefault(_fold(name), e)

    def property_by_label(self, text: str) -> PropertyKind | None:
        """The property named by ``text`` (contract key, prefLabel or altLabel; case-insensitive)."""
        return self._prop_index.get(_fold(text)) if text else None

    def property_by_iri(self, iri: str) -> PropertyKind | None:
        return next((p for p in self.properties.values() if p.iri == str(iri)), None)

    def method_by_label(self, text: str) -> MethodEntry | None:
        """The method named by ``text`` (prefLabel or altLabel; case-insensitive)."""
        return self._method_index.get(_fold(text)) if text else None

    def method_ancestors(self, label: str) -> list[str]:
        """Labels of the parents of a method, nearest first (the root label last)."""
        out: list[str] = []
        m = self.methods.get(label)
        while m is not None and m.parent_label and m.parent_label not in out:
            out.append(m.parent_label)
            m = self.methods.get(m.parent_label)
        return out

    def alias(self, abbr: str) -> MaterialEntry | None:
        """The well-known material named ``abbr``: exact label first, then case-insensitive, then by
        formula (``Li₆PS₅Cl`` -> LPSCl)."""
        if not abbr:
            return None
        e = self.materials.get(abbr) or self._material_index.get(_fold(abbr))
        if e is not None:
            return e
        from kg.chemistry import formula_key

        key = formula_key(abbr)
        if key is None:
            return None
        for entry in self.materials.values():
            if entry.formula and formula_key(entry.formula) == key:
                return entry
        return None

    def class_family(self, name: str) -> str | None:
        """The family of a class name ("sulfide electrolytes" -> "sulfide"), case-insensitive."""
        f = _fold(name)
        return next((fam for n, fam in self.classes.items() if _fold(n) == f), None)


def _fold(text: str) -> str:
    return " ".join(str(text).replace("–", "-").replace("−", "-").split()).casefold()


_LOCK = threading.Lock()


def csv_rows(name: str, path: str | Path = ONTOLOGY_DIR) -> list[dict[str, str]]:
    """The rows of a word list of the ontology directory (``solvents.csv``, ``chemical_names.csv``, ...);
    none when the file is absent."""
    f = Path(path) / name
    if not f.is_file():
        return []
    with open(f, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_lexicon(path: str | Path = ONTOLOGY_DIR) -> Lexicon:
    """The lexicon of the ontology directory ``path`` (cached per resolved path)."""
    return _load_cached(str(Path(path).resolve()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> Lexicon:
    with _LOCK:
        return _build(load_graph(path), path)


def load_graph(path: str | Path = ONTOLOGY_DIR) -> Graph:
    """The ontology files of ``path`` parsed into one rdflib graph (shapes not included)."""
    d = Path(path)
    g = Graph()
    g.bind("sse", SSE)
    for name in ONTOLOGY_FILES:
        f = d / name
        if not f.is_file():
            if name == "units.ttl":
                continue
            raise OntologyError(f"{f}: ontology file missing")
        try:
            g.parse(f, format="turtle")
        except Exception as e:  # rdflib raises several kinds
            raise OntologyError(f"{f}: does not parse as Turtle: {e}") from e
    return g


def _str(g: Graph, s, p) -> str | None:
    v = g.value(s, p)
    return None if v is None else str(v)


def _labels(g: Graph, s, p) -> tuple[str, ...]:
    return tuple(sorted({str(o) for o in g.objects(s, p) if isinstance(o, Literal)}, key=str.casefold))


def _float(g: Graph, s, p, where: str) -> float:
    v = g.value(s, p)
    if v is None:
        raise OntologyError(f"{where}: missing {p}")
    try:
        return float(v)
    except (TypeError, ValueError) as e:
        raise OntologyError(f"{where}: {p} is not a number: {v!r}") from e


def _build(g: Graph, path: str) -> Lexicon:
    family_key: dict[URIRef, str] = {}
    for cls, key in g.subject_objects(SSE.familyKey):
        family_key[cls] = str(key)

    properties: dict[str, PropertyKind] = {}
    for s in sorted(g.subjects(RDF.type, SSE.PropertyKind)):
        where = f"{path}: {s}"
        key = _str(g, s, SSE.key)
        label = _str(g, s, SKOS.prefLabel)
        unit = _str(g, s, SSE.canonicalUnit)
        qudt = _str(g, s, SSE.qudtUnit)
        dim = _str(g, s, SSE.dimension)
        if key is None or label is None or unit is None or qudt is None or dim is None:
            raise OntologyError(f"{where}: a property kind needs sse:key, skos:prefLabel, sse:canonicalUnit, "
                                "sse:qudtUnit and sse:dimension")
        properties[key] = PropertyKind(
            key=key, iri=str(s), label=label, alt_labels=_labels(g, s, SKOS.altLabel), canonical_unit=unit,
            qudt_unit=qudt, dimension=dim, min_value=_float(g, s, SSE.minValue, where),
            max_value=_float(g, s, SSE.maxValue, where), pint_unit=_str(g, s, SSE.pintUnit) or unit,
        )

    methods: dict[str, MethodEntry] = {}
    kinds = ((SSE.SynthesisMethod, "synthesis"), (SSE.ModificationMethod, "modification"),
             (SSE.CharacterizationMethod, "characterization"))
    for cls, kind in kinds:
        for s in sorted(g.subjects(RDF.type, cls)):
            label = _str(g, s, SKOS.prefLabel)
            if label is None:
                raise OntologyError(f"{path}: method {s} has no skos:prefLabel")
            if label in methods:
                raise OntologyError(f"{path}: two methods labelled {label!r}: {methods[label].iri} and {s}")
            parent = g.value(s, SKOS.broader)
            parent_label = _str(g, parent, SKOS.prefLabel) if parent is not None else None
            methods[label] = MethodEntry(
                label=label, iri=str(s), alt_labels=_labels(g, s, SKOS.altLabel), parent_label=parent_label,
                kind=kind, parent_iri=str(parent) if parent is not None else None,
            )

    materials: dict[str, MaterialEntry] = {}
    classes: dict[str, str] = {}
    type_names = {
        SSE.SolidElectrolyte, SSE.CathodeActiveMaterial, SSE.AnodeActiveMaterial, SSE.Filler, SSE.Salt,
        SSE.Binder, SSE.Plasticizer, SSE.Ligand,
    }
    for s in sorted(set(g.subjects(SSE.family, None))):
        fam_iri = g.value(s, SSE.family)
        fam = family_key.get(fam_iri)
        if fam is None:
            raise OntologyError(f"{path}: {s} has sse:family {fam_iri}, which has no sse:familyKey")
        label = _str(g, s, SKOS.prefLabel)
        if label is None:
            continue
        alts = _labels(g, s, SKOS.altLabel)
        if (s, RDF.type, SSE.MaterialClassName) in g:
            for name in (label, *alts):
                classes[name] = fam
            continue
        types = tuple(sorted(str(t).rsplit("#", 1)[-1] for t in g.objects(s, RDF.type) if t in type_names))
        entry = MaterialEntry(label=label, iri=str(s), formula=_str(g, s, SSE.formula), family=fam,
                              types=types, alt_labels=alts)
        for name in (label, *alts):
            materials.setdefault(name, entry)

    units = {str(o): str(s) for s, o in g.subject_objects(SSE.unitString)}
    solvents = [row["name"] for row in csv_rows("solvents.csv", path) if row.get("name")]
    return Lexicon(properties=properties, methods=methods, materials=materials, classes=classes, units=units,
                   solvents=solvents, path=path)

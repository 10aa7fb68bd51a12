"""Every instance IRI the project mints, in one place.

All IRIs are deterministic functions of the content, so re-ingesting the same paper produces the same
triples, and shared things (materials, references) get the same IRI in every paper:

* paper            ``id:paper/<doc_id>``
* named graphs     ``id:graph/<doc_id>`` (facts) and ``id:rejects/<doc_id>`` (rejects)
* material         ``id:material/<slug>``: the formula's identity key (``kg.chemistry.formula_key``) when the
                   material has a formula, else its lower-cased, whitespace-normalised name
* reference        ``id:ref/doi/<doi, lower-cased, url-quoted>`` when a DOI is printed, else
                   ``id:ref/<sha1(first author surname | year | title)[:16]>``
* fact             ``id:fact/<doc_id>/<sha1(kind, material, property|method, value, ...)[:16]>``
* evidence         ``id:evidence/<doc_id>/<sha1(line, source, text)[:16]>``
* comparison group ``id:group/<sha1(material IRI, property IRI, condition)[:16]>``: no doc id, so the single
                   values of one material and property under one condition meet at one node across papers
* reject           ``id:reject/<doc_id>/<sha1(kind, reason, line, text, candidate)[:16]>``
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from urllib.parse import quote

from rdflib import URIRef

from kg.namespaces import ID

_WS = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _q(text: str, safe: str = "") -> str:
    return quote(text, safe=safe)


def _sha(*parts: object, n: int = 16) -> str:
    payload = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:n]


def _norm(text: str | None) -> str:
    """Lower-cased letters and digits only (accents folded): for matching across papers."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", text.lower())


def _num(x: float | int | str | None) -> str | None:
    if x is None:
        return None
    if isinstance(x, (int, float)):
        return repr(float(x))
    return str(x)


# -- papers and graphs -------------------------------------------------------------------------------------------

def paper_iri(doc_id: str) -> URIRef:
    return URIRef(f"{ID}paper/{_q(doc_id)}")


def graph_iri(doc_id: str) -> URIRef:
    """The named graph holding one paper's facts, references and metadata."""
    return URIRef(f"{ID}graph/{_q(doc_id)}")


def rejects_graph_iri(doc_id: str) -> URIRef:
    """The named graph holding one paper's rejected candidates."""
    return URIRef(f"{ID}rejects/{_q(doc_id)}")


GRAPH_PREFIX = f"{ID}graph/"
REJECTS_PREFIX = f"{ID}rejects/"


def doc_id_of_graph(iri: str) -> str | None:
    """The doc id of a paper graph or rejects graph IRI, else None."""
    from urllib.parse import unquote

    for prefix in (GRAPH_PREFIX, REJECTS_PREFIX):
        if iri.startswith(prefix):
            return unquote(iri[len(prefix):])
    return None


# -- materials ---------------------------------------------------------------------------------------------------

def _formula_key(text: str) -> str | None:
    try:
        from kg.chemistry import formula_key
    except ImportError:  # chemistry module not there yet: a conservative fallback
        key = _WS.sub("", text)
        return key if re.fullmatch(r"(?:[A-Z][a-z]?[0-9.]*|[()\[\]·.0-9])+", key or "-") else None
    try:
        return formula_key(text)
    except Exception:  # noqa: BLE001 - a formula that does not parse is simply not a formula
        return None


def material_key(material: str, formula: str | None) -> str:
    """The identity key of a material: its formula key, or ``name/<lower-cased, normalised name>``."""
    key = None
    if formula:
        key = _formula_key(formula)
    if key is None and material:
        key = _formula_key(material)
    if key:
        return key
    return "name/" + _WS.sub(" ", material.strip()).lower()


def material_iri(material: str, formula: str | None = None) -> URIRef:
    """The same formula (or, formula-less, the same lower-cased name) gives the same node in every paper."""
    key = material_key(material, formula)
    if key.startswith("name/"):
        return URIRef(f"{ID}material/name/{_q(key[5:])}")
    return URIRef(f"{ID}material/{_q(key)}")


# -- references --------------------------------------------------------------------------------------------------

def _surname(author: str) -> str:
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0]
    parts = [p for p in re.split(r"[\s.]+", author) if p]
    # "J. Smith" -> Smith ; "Smith J" -> Smith (initials are short)
    long_parts = [p for p in parts if len(p) > 2 or not p[:1].isupper() or len(parts) == 1]
    return long_parts[-1] if long_parts else (parts[-1] if parts else "")


def normalize_doi(doi: str) -> str:
    doi = doi.strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    return doi.rstrip(".,;").lower()


def reference_key(ref) -> str:
    """A key under which the same work cited by two papers matches (without the ``id:`` prefix)."""
    if getattr(ref, "doi", None):
        return "doi/" + _q(normalize_doi(ref.doi), safe="/")
    first = _norm(_surname(ref.authors[0])) if ref.authors else ""
    year = str(ref.year or "")
    if ref.title:
        basis = ("t", first, year, _norm(ref.title))
    elif first or ref.year or ref.volume or ref.pages:
        basis = ("v", first, year, _norm(ref.journal), _norm(ref.volume), _norm(ref.pages))
    else:
        basis = ("r", _norm(ref.raw))
    return _sha(*basis)


def reference_iri(ref) -> URIRef:
    return URIRef(f"{ID}ref/{reference_key(ref)}")


# -- facts, evidence, rejects ------------------------------------------------------------------------------------

def fact_iri(doc_id: str, fact) -> URIRef:
    """Deterministic: two identical facts of one paper get one IRI (and so one node)."""
    ev = fact.evidence
    if fact.kind == "measurement":
        basis = ("measurement", fact.material, fact.property, _num(fact.value), _num(fact.value_max), fact.unit,
                 fact.qualifier, _num(fact.temperature_c), ev.line, ev.text)
    else:
        basis = ("synthesis", fact.material, fact.method, None, None, None, None, None, ev.line, ev.text)
    return URIRef(f"{ID}fact/{_q(doc_id)}/{_sha(*basis)}")


def evidence_iri(doc_id: str, line: int, text: str, source: str) -> URIRef:
    return URIRef(f"{ID}evidence/{_q(doc_id)}/{_sha(line, source, text)}")


def comparison_condition(temperature_c: float | str | None) -> str:
    """The condition under which two values of one property of one material are comparable: "room temperature"
    (RT, or 20-30 °C), else the temperature to the nearest 5 °C, else "no temperature given".

    >>> comparison_condition("RT"), comparison_condition(27.0), comparison_condition(61.0), comparison_condition(None)
    ('room temperature', 'room temperature', '60 °C', 'no temperature given')
    """
    if temperature_c is None:
        return "no temperature given"
    if temperature_c == "RT" or 20 <= float(temperature_c) <= 30:
        return "room temperature"
    return f"{math.floor(float(temperature_c) / 5 + 0.5) * 5} °C"


def comparison_group_iri(material: str, property_: str, condition: str) -> URIRef:
    """The node shared by the single values of one material (IRI) and property (IRI) under one condition."""
    return URIRef(f"{ID}group/{_sha(str(material), str(property_), condition)}")


def reject_iri(doc_id: str, reject) -> URIRef:
    basis = (reject.kind, reject.reason, reject.line, reject.text,
             json.dumps(reject.candidate, sort_keys=True, default=str))
    return URIRef(f"{ID}reject/{_q(doc_id)}/{_sha(*basis)}")

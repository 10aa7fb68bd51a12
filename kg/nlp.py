"""The spaCy stage: a blank English pipeline with the project's own components, registered by name.

Each component does one thing on a ``Doc`` of normalized text and records what it found in
``doc.spans[...]`` with the parsed value on the span's extension attribute:

=================  ======================  ==========================================
component          ``doc.spans`` key       ``span._.`` attribute
=================  ======================  ==========================================
sse_sentences      (sentence starts)
sse_materials      ``materials``           ``material`` (MaterialMention)
sse_quantities     ``quantities``          ``quantity`` (Quantity)
sse_properties     ``properties``          ``property`` (contract key)
sse_conditions     ``temperatures``        ``temperature`` (°C float or "RT")
sse_methods        ``methods``             ``method`` (ontology prefLabel)
sse_citations      ``citations``           ``refs`` (list of marker strings)
=================  ======================  ==========================================

The lexicons (property words, method names, material aliases) come from ``ontology/`` through
``kg.ontology.load_lexicon``; a paper's own abbreviations are passed per document in
``doc.user_data["aliases"]``.

>>> nlp = build_pipeline()
>>> doc = nlp("LLZO shows an ionic conductivity of 0.3 mS cm^-1 at RT [90].")
>>> [(s.text, s._.property) for s in doc.spans["properties"]]
[('ionic conductivity', 'ionic_conductivity')]
"""
from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg import bibliography, materials, quantities
from kg.ontology import Lexicon, load_lexicon

for _name in ("material", "quantity", "property", "temperature", "method", "refs", "start", "end"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

_ABBREVIATIONS = frozenset(
    "al fig figs e.g i.e vs ca ref refs no approx eq eqs ltd co inc dr prof st resp cf wt etc nos vol ed".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\^[\d,–\-]+|\s?\[[\d,–\-\s]+\])?\s+(?=[A-Z(\[$\d])")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.$")


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in _SENTENCE_END.finditer(text):
        head = text[max(0, m.start() - 12):m.start()]
        w = _WORD_BEFORE.search(head)
        if w and w.group(1).lower() in _ABBREVIATIONS:
            continue  # "et al.", "Fig."
        if w and len(w.group(1)) == 1 and not re.search(r"(?:°|\d\s?)[A-Z]$", head[:-1]):
            continue  # an initial "J.", not the unit of "25 °C." or "300 K."
        starts.add(m.end())
    return starts


def lexicon_aliases(lexicon: Lexicon) -> dict[str, str | None]:
    """Abbreviation or name -> formula (None for names without one), from ontology/materials.ttl."""
    out: dict[str, str | None] = {}
    for key, entry in lexicon.materials.items():
        out[key] = entry.formula
    return out


def property_labels(lexicon: Lexicon) -> tuple[tuple[str, str], ...]:
    """(label, contract key) for every prefLabel and altLabel of every property kind."""
    return tuple(
        (label, key) for key, p in lexicon.properties.items() for label in {p.label, *p.alt_labels, key.replace("_", " ")}
    )


def method_labels(lexicon: Lexicon) -> tuple[tuple[str, str], ...]:
    """(label, prefLabel) for every label of every method."""
    return tuple((label, pref) for pref, m in lexicon.methods.items() for label in {pref, *m.alt_labels})


def _span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is not None:
        span._.start, span._.end = start, end
    return span


@Language.component("sse_sentences")
def sentences(doc: Doc) -> Doc:
    """Sentence starts from punctuation, not after ``et al.``, ``Fig.``, ``vs.`` and the like.

    The start offsets go to ``doc.user_data["sentence_starts"]`` (what later stages read) and mark
    the tokens that begin a sentence.
    """
    starts = sorted(_sentence_starts(doc.text))
    doc.user_data["sentence_starts"] = starts
    for start in starts:
        span = doc.char_span(start, min(start + 1, len(doc.text)), alignment_mode="expand")
        if span is not None and len(span):
            span[0].is_sent_start = True
    return doc


@Language.factory("sse_materials")
def make_materials(nlp: Language, name: str):
    base_aliases = lexicon_aliases(load_lexicon())

    def component(doc: Doc) -> Doc:
        aliases = {**base_aliases, **doc.user_data.get("aliases", {})}
        spans = []
        for m in materials.find_materials(doc.text, aliases):
            span = _span(doc, m.start, m.end, "MATERIAL")
            if span is not None:
                span._.material = m
                spans.append(span)
        doc.spans["materials"] = spans
        return doc

    return component


@Language.component("sse_quantities")
def find_quantities(doc: Doc) -> Doc:
    spans = []
    for q in quantities.find_quantities(doc.text):
        span = _span(doc, q.start, q.end, "QUANTITY")
        if span is not None:
            span._.quantity = q
            spans.append(span)
    doc.spans["quantities"] = spans
    return doc


@lru_cache(maxsize=4)
def _label_pattern(labels: tuple[tuple[str, str], ...]) -> re.Pattern:
    """One alternation of every label, longest first; short symbolic labels stay case-sensitive."""
    parts = []
    for label, _ in sorted(labels, key=lambda x: -len(x[0])):
        body = re.escape(label).replace(r"\ ", r"[\s-]").replace(r"\-", r"[\s-]?")
        if len(label) <= 4 or not label.islower():
            parts.append(rf"(?-i:{body})")
        else:
            parts.append(body)
    return re.compile(r"(?<![\w^])(?:" + "|".join(parts) + r")(?![a-z])", re.I)


def _labeled_component(doc: Doc, labels: tuple[tuple[str, str], ...], key: str, attr: str) -> Doc:
    lookup = {label.lower(): value for label, value in labels}
    spans = []
    for m in _label_pattern(labels).finditer(doc.text):
        value = lookup.get(re.sub(r"[\s-]+", " ", m.group().lower())) or lookup.get(m.group().lower())
        if value is None:
            value = _fuzzy_lookup(m.group(), lookup)
        span = _span(doc, m.start(), m.end(), key.upper())
        if span is not None and value is not None:
            setattr(span._, attr, value)
            spans.append(span)
    doc.spans[key] = spans
    return doc


def _fuzzy_lookup(text: str, lookup: dict[str, str]) -> str | None:
    squashed = re.sub(r"[\s-]+", "", text.lower())
    for label, value in lookup.items():
        if re.sub(r"[\s-]+", "", label) == squashed:
            return value
    return None


@Language.factory("sse_properties")
def make_properties(nlp: Language, name: str):
    labels = property_labels(load_lexicon())
    return lambda doc: _labeled_component(doc, labels, "properties", "property")


@Language.factory("sse_methods")
def make_methods(nlp: Language, name: str):
    labels = method_labels(load_lexicon())
    return lambda doc: _labeled_component(doc, labels, "methods", "method")


_TEMPERATURE = re.compile(
    r"(?P<num>-?\d+(?:\.\d+)?)\s?(?:~\s?)?(?P<unit>°\s?C|℃|K)(?![\w^])"
    r"|(?P<rt>\b(?:RT|rt|r\.t\.|room[\s-]temperature|ambient(?:\stemperature)?)\b)"
)


@Language.component("sse_conditions")
def find_conditions(doc: Doc) -> Doc:
    """Temperatures: ``30 °C``, ``373 K`` (to °C), ``RT``/``room temperature``/``rt`` -> "RT"."""
    spans = []
    for m in _TEMPERATURE.finditer(doc.text):
        if m.group("rt"):
            value: float | str = "RT"
        else:
            v = float(m.group("num"))
            value = round(v - 273.15, 2) if m.group("unit") == "K" else v
            if m.group("unit") == "K" and v < 150:
                continue  # "4 K" is rarely a test temperature; more often a typo or a count
        span = _span(doc, m.start(), m.end(), "TEMPERATURE")
        if span is not None:
            span._.temperature = value
            spans.append(span)
    doc.spans["temperatures"] = spans
    return doc


_BRACKET_CITE = re.compile(r"\[(?P<body>\d{1,3}(?:\s?[,–\-−]\s?\d{1,3})*)\]")
_SUPER_CITE = re.compile(r"(?<=[A-Za-z.,;)\]])\^(?P<body>\d{1,3}(?:[,–\-−]\d{1,3})*)(?![\d^])")


def expand_markers(body: str) -> list[str]:
    """``77–79`` -> ['77', '78', '79']; ``1,206–208`` -> ['1', '206', '207', '208'] (see kg.bibliography)."""
    return [str(n) for n in (bibliography.expand_numbers(body) or [])]


@Language.component("sse_citations")
def find_citations(doc: Doc) -> Doc:
    """Citation markers ``[52]``, ``[77–79]`` or superscripts (``^113`` after normalization)."""
    style = doc.user_data.get("citation_style", "bracket")
    pattern = _SUPER_CITE if style == "superscript" else _BRACKET_CITE
    spans = []
    for m in pattern.finditer(doc.text):
        span = _span(doc, m.start(), m.end(), "CITATION")
        if span is not None:
            span._.refs = expand_markers(m.group("body"))
            spans.append(span)
    doc.spans["citations"] = spans
    return doc


PIPELINE = ("sse_sentences", "sse_materials", "sse_quantities", "sse_properties", "sse_conditions", "sse_methods", "sse_citations")


def build_pipeline() -> Language:
    """``spacy.blank("en")`` with the project's components, in the order of ``PIPELINE``."""
    nlp = spacy.blank("en")
    for name in PIPELINE:
        nlp.add_pipe(name)
    return nlp


__all__ = ["build_pipeline", "expand_markers", "Lexicon", "PIPELINE"]

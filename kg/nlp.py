"""The spaCy stage: a blank English pipeline with the project's own components, registered by name.

Each component does one thing on a ``Doc`` of normalized text. What it finds goes to
``doc.user_data[key]`` as ``(start_char, end_char, value)`` triples (what later stages read) and, for
looking at in displaCy or a notebook, to ``doc.spans[key]`` with the key as label:

=================  ===================  ==========================================
component          key                  value
=================  ===================  ==========================================
sse_sentences      ``sentence_starts``  (character offsets)
sse_materials      ``materials``        MaterialMention
sse_quantities     ``quantities``       Quantity
sse_properties     ``properties``       contract key (``ionic_conductivity``)
sse_conditions     ``temperatures``     °C as a float, or "RT"
sse_methods        ``methods``          ontology prefLabel
sse_citations      ``citations``        marker strings (``["77", "78", "79"]``)
=================  ===================  ==========================================

Values live in ``user_data`` rather than in span extensions because spaCy keys span extensions by
their character offsets: a cell ``TiS2|LiBH4|Li`` and the electrolyte inside it are one token, and
their spans would share (and overwrite) one value.

The lexicons (property words, method names, material aliases) come from ``ontology/`` through
``kg.ontology.load_lexicon``; a paper's own abbreviations are passed per document in
``doc.user_data["aliases"]``.

>>> nlp = build_pipeline()
>>> doc = nlp("LLZO shows an ionic conductivity of 0.3 mS cm^-1 at RT [90].")
>>> [(doc.text[s:e], value) for s, e, value in doc.user_data["properties"]]
[('ionic conductivity', 'ionic_conductivity')]
"""
from __future__ import annotations

import re

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from kg import bibliography, materials, quantities
from kg.ontology import Lexicon, load_lexicon

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


def text_of(doc: Doc) -> str:
    """The doc's text, built once: spaCy rebuilds ``Doc.text`` from the tokens on every access."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def _annotate(doc: Doc, key: str, found: list[tuple[int, int, object]]) -> Doc:
    """Record a component's findings: the values in ``user_data``, token spans in ``doc.spans``."""
    doc.user_data[key] = found
    spans = (doc.char_span(start, end, label=key, alignment_mode="expand") for start, end, _ in found)
    doc.spans[key] = [span for span in spans if span is not None]
    return doc


@Language.component("sse_sentences")
def sentences(doc: Doc) -> Doc:
    """Sentence starts from punctuation, not after ``et al.``, ``Fig.``, ``vs.`` and the like.

    The start offsets go to ``doc.user_data["sentence_starts"]`` (what later stages read) and mark
    the tokens that begin a sentence.
    """
    text = text_of(doc)
    starts = sorted(_sentence_starts(text))
    doc.user_data["sentence_starts"] = starts
    for start in starts:
        span = doc.char_span(start, min(start + 1, len(text)), alignment_mode="expand")
        if span is not None and len(span):
            span[0].is_sent_start = True
    return doc


@Language.factory("sse_materials")
def make_materials(nlp: Language, name: str):
    base_aliases = lexicon_aliases(load_lexicon())
    lowercase_names = materials.lowercase_alias_pattern(base_aliases)  # (a paper defines abbreviations, not these)

    def component(doc: Doc) -> Doc:
        aliases = {**base_aliases, **doc.user_data.get("aliases", {})}
        found = materials.find_materials(text_of(doc), aliases, lowercase_names=lowercase_names)
        return _annotate(doc, "materials", [(m.start, m.end, m) for m in found])

    return component


@Language.component("sse_quantities")
def find_quantities(doc: Doc) -> Doc:
    return _annotate(doc, "quantities", [(q.start, q.end, q) for q in quantities.find_quantities(text_of(doc))])


def _label_variants(label: str) -> set[str]:
    """A label as papers write it: "ball milling", "ball-milling"; "in situ", "in-situ"; and the plural of a
    word label ("solid-state reactions", "ionic conductivities")."""
    forms = {label}
    if label.islower() and len(label) > 4 and label[-1].isalpha():
        if label.endswith("sis"):
            forms.add(label[:-3] + "ses")
        elif label.endswith("y") and label[-2] not in "aeiou":
            forms.add(label[:-1] + "ies")
        elif not label.endswith(("s", "ing", "ed")):
            forms.add(label + ("es" if label.endswith(("ch", "sh", "x")) else "s"))
    return {v for f in forms for v in (f, f.replace(" ", "-"), f.replace("-", " "), f.replace("-", ""))}


def _labeled_component(nlp: Language, labels: tuple[tuple[str, str], ...], key: str):
    """A component that finds the labels of a lexicon (property words, method names) with spaCy's
    PhraseMatcher: lower-case matching for words, exact matching for short symbols (``Ea``, ``σ``)."""
    exact, folded = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
    values: dict[str, str] = {}
    for label, value in labels:
        for variant in _label_variants(label):
            symbolic = len(label) <= 4 or not label.islower()
            values[variant if symbolic else variant.lower()] = value
            (exact if symbolic else folded).add(key, [nlp.make_doc(variant)])

    def component(doc: Doc) -> Doc:
        spans = [doc[s:e] for _, s, e in exact(doc)] + [doc[s:e] for _, s, e in folded(doc)]
        found = []
        for span in filter_spans(spans):  # the longest of overlapping matches
            value = values.get(span.text) or values.get(span.text.lower())
            if value is not None:
                found.append((span.start_char, span.end_char, value))
        found.sort()
        return _annotate(doc, key, found)

    return component


@Language.factory("sse_properties")
def make_properties(nlp: Language, name: str):
    return _labeled_component(nlp, property_labels(load_lexicon()), "properties")


@Language.factory("sse_methods")
def make_methods(nlp: Language, name: str):
    return _labeled_component(nlp, method_labels(load_lexicon()), "methods")


_TEMPERATURE = re.compile(
    r"(?P<num>-?\d+(?:\.\d+)?)\s?(?:~\s?)?(?P<unit>°\s?C|℃|K)(?![\w^])"
    r"|(?P<rt>\b(?:RT|rt|r\.t\.|room[\s-]temperature|ambient(?:\stemperature)?)\b)"
)


@Language.component("sse_conditions")
def find_conditions(doc: Doc) -> Doc:
    """Temperatures: ``30 °C``, ``373 K`` (to °C), ``RT``/``room temperature``/``rt`` -> "RT"."""
    found = []
    for m in _TEMPERATURE.finditer(text_of(doc)):
        if m.group("rt"):
            value: float | str = "RT"
        else:
            v = float(m.group("num"))
            value = round(v - 273.15, 2) if m.group("unit") == "K" else v
            if m.group("unit") == "K" and v < 150:
                continue  # "4 K" is rarely a test temperature; more often a typo or a count
        found.append((m.start(), m.end(), value))
        pos = m.start()
        # "at 450 and 500 °C", "at 25, 60 and 80 °C": the numbers listed before share the unit
        while not m.group("rt") and (item := _LISTED_NUMBER.search(text_of(doc), max(0, pos - 24), pos)):
            v = float(item.group("num"))
            found.append((item.start("num"), item.end("num"), round(v - 273.15, 2) if m.group("unit") == "K" else v))
            pos = item.start("num")
    return _annotate(doc, "temperatures", sorted(found))


_LISTED_NUMBER = re.compile(r"(?<![\d.^])(?P<num>-?\d+(?:\.\d+)?)\s?(?:,\s?and|,|and)\s?$")


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
    found = [(m.start(), m.end(), expand_markers(m.group("body"))) for m in pattern.finditer(text_of(doc))]
    return _annotate(doc, "citations", found)


PIPELINE = ("sse_sentences", "sse_materials", "sse_quantities", "sse_properties", "sse_conditions", "sse_methods", "sse_citations")


def build_pipeline() -> Language:
    """``spacy.blank("en")`` with the project's components, in the order of ``PIPELINE``."""
    nlp = spacy.blank("en")
    for name in PIPELINE:
        nlp.add_pipe(name)
    return nlp


__all__ = ["build_pipeline", "expand_markers", "Lexicon", "PIPELINE"]

"""Extraction: a Document's blocks -> candidate facts (before the validation gate).

reader -> normalizer -> NLP components (``kg.nlp``) -> relations (``kg.relations``, ``kg.synthesis``, ``kg.tables``) ->
``CandidateMeasurement`` / ``CandidateSynthesis`` with their evidence (document, 1-based line, text).

>>> from kg.reader import parse_document
>>> text = "A title of four words\\nA. Author\\n\\nLLZO shows an ionic conductivity of 0.3 mS cm⁻¹ at RT [1].\\n"
>>> doc = parse_document(text, "demo")
>>> [(c.material, c.value, c.temperature_c) for c in Extractor().extract(doc)]
[('LLZO', 0.0003, 'RT')]
"""
from __future__ import annotations


from kg import materials, relations, synthesis, tables
from kg.models import Block, CandidateMeasurement, CandidateSynthesis, Document, Evidence
from kg.nlp import build_pipeline, expand_markers, lexicon_aliases, method_labels, property_labels
from kg.normalizer import normalize
from kg.ontology import load_lexicon

TEXT_BLOCKS = ("paragraph", "caption")


class Extractor:
    """Holds the spaCy pipeline and the lexicons; ``extract(doc)`` is safe to call many times."""

    def __init__(self):
        self.nlp = build_pipeline()
        self.lexicon = load_lexicon()
        self.aliases = lexicon_aliases(self.lexicon)
        self.process_methods = {label for label, m in self.lexicon.methods.items() if m.kind != "characterization"}
        self.synthesis_methods = {
            label: set(self.lexicon.method_ancestors(label))
            for label, m in self.lexicon.methods.items() if m.kind == "synthesis"
        }
        self.solvents = synthesis.solvent_pattern(self.lexicon.solvents)
        self.table_words = tables.Vocabulary(
            properties=property_labels(self.lexicon),
            methods=[(label, pref) for label, pref in method_labels(self.lexicon) if pref in self.synthesis_methods],
            units={key: entry.canonical_unit for key, entry in self.lexicon.properties.items()},
        )

    def extract(self, doc: Document) -> list[CandidateMeasurement | CandidateSynthesis]:
        style = "superscript" if any(len(c.text) and not c.text.startswith("[") for c in doc.citations[:20]) else "bracket"
        text_blocks = [b for b in doc.blocks if b.kind in TEXT_BLOCKS]
        normalized = [normalize(b.text) for b in text_blocks]
        aliases = dict(self.aliases)
        defined: dict[str, str | None] = {}
        for n in normalized:
            for abbr, formula in materials.abbreviation_definitions(n.text, aliases).items():
                defined.setdefault(abbr, formula)  # the paper's first definition holds
        aliases.update(defined)
        out: list[CandidateMeasurement | CandidateSynthesis] = []
        contexts = [{"aliases": aliases, "citation_style": style} for _ in normalized]
        paragraphs = [relations.sentences_of(d) for d in self.nlp.pipe(_with_user_data(self.nlp, normalized, contexts))]
        paper_subject = relations.paper_subject(paragraphs)
        for sentences, (block, norm) in zip(paragraphs, zip(text_blocks, normalized)):
            source = "caption" if block.kind == "caption" else "text"
            subject, cell, study = paper_subject, None, None
            previous: list = []
            last_specific: list = []  # the specific materials of the sentence before
            thread, subject_at = synthesis.SynthesisThread(), -9
            for i, sent in enumerate(sentences):
                study = relations.cited_study(sent, study)
                pointed = relations.class_pointed_at(sent, previous)
                pair = relations.pair_pointed_at(sent, last_specific)
                located = [x for owner in pair for x in relations.measurements(sent, owner, cell, self.process_methods)] \
                    if pair else relations.measurements(sent, pointed or subject, cell, self.process_methods)
                located += thread.facts(sent, i, sentences[i - 1].text if i else "", self.synthesis_methods,
                                           self.solvents, subject if i - subject_at <= 2 else None)
                for offset, candidate in located:
                    candidate.evidence = Evidence(doc.doc_id, _line(block, norm, offset), candidate.evidence.text, source)
                    if not sent.citations and study and study[0]:
                        candidate.refs = list(study[0])  # the sentence goes on about the study named before
                    out.append(candidate)
                specific = [m for m in sent.materials if m.value.kind not in ("class", "cell", "cell_part")]
                last_specific = specific
                if specific:
                    named = relations.sentence_subject(sent, specific)
                    subject, subject_at = (named, i) if named is not None else (subject, subject_at)
                cells = [m for m in sent.materials if m.value.kind == "cell"]
                if cells:
                    cell = cells[-1]
                previous = (previous + sent.materials)[-12:]  # the paragraph's recent mentions, for "these X"
        for block in doc.blocks:
            if block.kind == "table":
                out.extend(tables.table_facts(
                    block, doc.doc_id, aliases, self.table_words, style, expand_markers
                ))
        return _unique(out)


def _unique(candidates: list) -> list:
    """One fact per statement: "less than 0.5 eV (<0.5 eV)" or a method named twice in a line state it once."""
    seen, out = set(), []
    for c in candidates:
        if isinstance(c, CandidateSynthesis):
            key = (c.evidence.line, c.material, c.method)
        else:
            key = (c.evidence.line, c.evidence.text, c.material, c.property, c.value, c.value_max, c.temperature_c)
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out


def _with_user_data(nlp, normalized, contexts):
    """Docs made by the tokenizer, carrying per-document data for the components."""
    for n, ctx in zip(normalized, contexts):
        d = nlp.make_doc(n.text)
        d.user_data.update(ctx, text=n.text)
        yield d


def _line(block: Block, norm, offset: int) -> int:
    return block.line_of(norm.source_offset(offset))

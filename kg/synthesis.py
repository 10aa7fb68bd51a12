"""Synthesis statements: which material was made or processed by which method, sentence by sentence.

"X was prepared by M", "M ... to synthesize X", "ball-milled X", "strategies such as M1, M2 for X", "X using
THF" (a solution synthesis), and, across the sentences of a paragraph, the later steps of a synthesis just
stated ("The powder was then annealed"). Works on the ``Sentence`` objects of ``kg.relations``.

>>> from kg.extract import Extractor
>>> from kg.reader import parse_document
>>> doc = parse_document("A title of four words\\nA. Author\\n\\nLi3InCl6 was prepared by ball milling [3].\\n", "demo")
>>> [(c.material, c.method) for c in Extractor().extract(doc)]
[('Li3InCl6', 'ball milling')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.models import CandidateSynthesis
from kg.relations import (
    MAKE_VERB, SUPPORT_OR_COMPONENT, Located, Mention, Sentence, evidence_of, is_generic_class,
)

_SYNTHESIS_CUE = re.compile(
    r"\b(?:synthesis|syntheses|preparation|fabrication|strategies|such as|methods?|routes?|approach(?:es)?|"
    r"techniques?|prepared|synthesi[sz]ed|fabricated|made|obtained|produced|grown|deposited|processed|treated|"
    r"prepare|synthesi[sz]e|fabricate|produce|utilized|employed|"
    r"formed|manufactured|developed|constructed|realized|coated|cast|casted|sintered|milled|annealed|"
    r"ball-milled|quenched|via|through|using|by)\b",
    re.I,
)
# the same, with the citation markers that items of a list may carry: "A [79-88], B [89-113], and other C"
_ITEM_JOIN = re.compile(r"^\s?(?:\[[\d,–\-\s]+\]\s?)?(?:,|and|or|, and|,\s?and)\s?(?:(?:other|different|various|several|some)\s)?$")


def syntheses(s: Sentence, synthesis_methods: dict[str, set[str]]) -> list[Located]:
    """"X was prepared by M", "strategies such as M for X", "ball-milled X": (material, method) pairs.
    ``synthesis_methods`` maps each synthesis method label to its broader methods.

    Method names written next to each other ("in situ UV-curing crosslinking") state one method.
    """
    methods = _merge_adjacent([m for m in s.methods if m.value in synthesis_methods], s.text, synthesis_methods)
    if not methods or not s.materials:
        return []
    if not _SYNTHESIS_CUE.search(s.text):
        # "the in situ polymerization of poly(1,3-dioxolane)", "electrodes infiltrated with X": a method of a
        # material, or a participle, says it on its own
        methods = [m for m in methods if _METHOD_OF.match(s.text, m.end) or _PARTICIPLE.search(m.text)]
    out: list[Located] = []
    seen = set()
    previous, previous_end = None, 0
    for meth in methods:
        if meth.value in _WEAK_METHODS and not re.search(r"\b(?:by|via|through)\s+$", s.text[:meth.start]):
            continue  # "mixing" states a synthesis only as "prepared by mixing ..."
        if _PROCESS_PARAMETER.match(s.text, meth.end) and not _PARAMETER_APPLIED.search(s.text, 0, meth.start):
            continue  # "the sintering temperature of LLZO", "milling time": a parameter, not a statement
        if _CONTRASTED.search(s.text, max(0, meth.start - 80), meth.start):
            continue  # "a method that eliminates the need for ball milling", "higher than with ball milling"
        mat = _made_by(meth, s)
        if mat is not None and _PRECURSOR_FOR.search(s.text, max(0, mat.start - 30), mat.start):
            mat = None  # "the precursor for X was prepared by mixing": not X
        if out and _NEXT_STEP.search(s.text, previous_end, meth.start) and meth.start - previous_end <= 150 \
                and ";" not in s.text[previous_end:meth.start]:
            mat = previous  # "X was prepared by milling of A, B and C, with a subsequent crystallization step"
        if mat is None:
            mat = _listed_with(meth, methods, s)
        if mat is None:
            continue
        previous, previous_end = mat, meth.end
        if meth.value in _WEAK_METHODS and re.search(r"\bsolutions?\b", s.text[meth.end:meth.end + 80]):
            meth = Mention(meth.start, meth.end, meth.text, _SOLUTION_METHOD)  # mixing solutions: wet chemistry
        refs = [c for c in s.citations if c.start >= meth.end]
        refs = refs or [c for c in s.citations if c.end <= meth.start][-1:]
        made_list = _coordinated(mat, s)
        if mat.start > meth.end:
            made_list += _coordinated_after(mat, s)  # "the LPSCl-infiltrated LCO and Gr electrodes": both
        for made in made_list:  # "A and B composites were synthesized by M": both
            if (made.text, meth.value) in seen:
                continue
            seen.add((made.text, meth.value))
            out.append((
                s.offset + meth.start,
                CandidateSynthesis(made.text, made.value.formula, meth.value, list(refs[0].value) if refs else [],
                                   evidence_of(s.text)),
            ))
    return out


# "tuned by applying different annealing temperatures": the parameter is varied, so the step was done
_PARAMETER_APPLIED = re.compile(r"\bby\s(?:applying|using|varying|changing)\s(?:the\s)?(?:different\s)?$")
_CONTRASTED = re.compile(
    r"\b(?:than|compared\s(?:with|to)|instead\sof|rather\sthan|without|eliminat\w*|avoid\w*|unlike)\b[^.;,()]{0,60}$")


_PRECURSOR_FOR = re.compile(r"\bprecursors?\s(?:for|of|to)\s(?:the\s)?$")
_LIST_SEPARATOR = re.compile(r"\s?(?:,\s?(?:and|or)?|and|or)\s?")


def _listed_with(meth: Mention, methods: list[Mention], s: Sentence) -> Mention | None:
    """The material of the next method in a list of methods: "approaches such as sol-gel, hydrothermal, solvent
    selection, and precipitation methods to make X" (the items between may be other words)."""
    later = [m for m in methods if m.start > meth.end]
    if not later:
        return None
    between = s.text[meth.end:later[0].start]
    items = _LIST_SEPARATOR.split(between)
    if len(items) < 2 or len(between) > 40 or any(len(item.split()) > 2 or not item.islower() and item
                                                  for item in items):
        return None
    made = _made_by(later[0], s)
    return made if made is not None else _listed_with(later[0], methods, s)


_NEXT_STEP = re.compile(r"\b(?:subsequent(?:ly)?|followed\sby|then|after\swhich|before)\b")


@dataclass
class SynthesisThread:
    """The synthesis a paragraph is describing, sentence after sentence: its product, the sentence that stated
    it, and the methods it was given, so that a later step ("The powder was then annealed") finds its product."""
    product: CandidateSynthesis | None = None
    stated_at: int = -1
    methods: set[str] = field(default_factory=set)

    def facts(self, s: Sentence, i: int, previous_text: str, synthesis_methods: dict,
              solvents: re.Pattern, recent_subject: Mention | None = None) -> list[Located]:
        """The synthesis facts of sentence ``i`` of the paragraph (``previous_text`` is sentence ``i - 1``;
        ``recent_subject`` the material one of the two sentences before is about, if any)."""
        made = syntheses(s, synthesis_methods)
        if not made and self.product is not None and i - self.stated_at <= 2:
            p = self.product
            made = follow_up_syntheses(s, synthesis_methods, (p.material, p.formula, p.refs), self.methods)
        elif not made and self.product is None and recent_subject is not None and _ABOUT_SUBJECT.search(s.text):
            # "Li2ZnCl4 has two polymorphs. The solid-state synthesis conducted at high temperatures gives ..."
            subject = (recent_subject.text, recent_subject.value.formula, [])
            made = follow_up_syntheses(s, synthesis_methods, subject, set(), cue=None)
        made += solvent_syntheses(s, previous_text, solvents)
        if made:
            last = made[-1][1]
            if self.product is None or last.material != self.product.material:
                self.methods = set()
            self.product, self.stated_at = last, i
            self.methods |= {c.method for _, c in made if c.material == last.material}
        return made


# "The solid-state synthesis conducted at ...", "when prepared via a mechanochemical method", "subjecting the
# mixture to an annealing process": a sentence about how the material just named is made
_ABOUT_SUBJECT = re.compile(
    r"\b(?:[Tt]he\s(?:[\w-]+\s){0,3}(?:synthesis|route|preparation)\b|[Ww]hen\s(?:it\sis\s|being\s)?(?:prepared|"
    r"synthesi[sz]ed|made)\b|subject(?:ing|ed)\s(?:the\s[\w-]+\s|it\s)?to\b)"
)
_FOLLOW_UP = re.compile(
    r"\b(?:then|subsequently|afterwards|thereafter|followed\sby|subject(?:ed|ing)\s(?:the\s[\w-]+\s|it\s)?to|"
    r"[Tt]he\s(?:(?:resulting|obtained|as-prepared|milled|mixed)\s)?(?:powders?|products?|samples?|mixtures?|"
    r"pellets?|synthesis)|[Ww]hen\s(?:it\sis\s|being\s)?(?:prepared|synthesi[sz]ed|made))\b"
)


def follow_up_syntheses(s: Sentence, synthesis_methods: dict, product: tuple[str, str | None, list[str]],
                        known: set[str], cue: re.Pattern | None = _FOLLOW_UP) -> list[Located]:
    """A later step of a synthesis just stated, in a sentence that names no material of its own:
    "X was obtained by ball milling. The powder was then annealed at 260 °C" gives X an annealing.
    ``product`` is (material as written, formula, refs); a method of the same lineage as one ``known`` for the
    product is not stated again."""
    material, formula, product_refs = product
    if (cue is not None and not cue.search(s.text)) or any(m.value.kind != "class" or not is_generic_class(m)
                                                            for m in s.materials):
        return []
    lineage = set().union(*[{k} | synthesis_methods.get(k, set()) for k in known]) - {"synthesis"}
    out: list[Located] = []
    for meth in _merge_adjacent([m for m in s.methods if m.value in synthesis_methods], s.text, synthesis_methods):
        if meth.value in _WEAK_METHODS or _PROCESS_PARAMETER.match(s.text, meth.end):
            continue
        if ({meth.value} | synthesis_methods[meth.value]) & lineage:
            continue
        lineage |= {meth.value} | synthesis_methods[meth.value] - {"synthesis"}
        refs = [list(c.value) for c in s.citations][:1] or [list(product_refs)]
        out.append((s.offset + meth.start, CandidateSynthesis(material, formula, meth.value, refs[0],
                                                               evidence_of(s.text))))
    return out


def solvent_pattern(solvents: list[str]) -> re.Pattern:
    """ "using THF", "using a mixture of THF and ACN", "using water or MeOH": made in a solvent."""
    names = "|".join(re.escape(n) for n in sorted(solvents, key=len, reverse=True))
    return re.compile(rf"\busing\s(?:an?\s|the\s)?(?:mixture\sof\s)?(?:{names})\b(?!-)")


# where a clause ends: ";" or a full stop that does not end "et al.", "e.g.", "i.e.", "vs." or "Fig."
_FULL_STOP = r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bFig)\.\s"
_CLAUSE_END = re.compile(rf"[;]|{_FULL_STOP}")
_USING_CLAUSE_END = re.compile(rf"[;:]|{_FULL_STOP}|,\s(?=[^,]*\busing\b)")
_SOLUTION_TOPIC = re.compile(r"\b(?:synthesi[sz]\w*|prepar\w*|manufactur\w*|fabricat\w*)\b", re.I)


def solvent_syntheses(s: Sentence, previous_text: str, solvents: re.Pattern) -> list[Located]:
    """ "Xu et al. manufactured X using THF and ACN as solvents", "... reported. For example, X using MeOH, Y using
    EtOH": X and Y by solution synthesis, in a sentence (or after one) about making things."""
    uses = list(solvents.finditer(s.text)) if "using" in s.text else []
    if not uses or not (_SOLUTION_TOPIC.search(s.text) or _SOLUTION_TOPIC.search(previous_text)):
        return []
    out: list[Located] = []
    for use in uses:
        clause_start = max([0] + [m.end() for m in _USING_CLAUSE_END.finditer(s.text, 0, use.start())])
        before = [m for m in s.materials if clause_start <= m.start and m.end <= use.start() and not is_generic_class(m)
                  and m.value.kind not in ("cell", "cell_part")]
        if not before or use.start() - before[-1].end > 40:
            continue
        refs = [c for c in s.citations if c.start >= use.end()][:1]
        for made in _coordinated(before[-1], s):
            out.append((s.offset + use.start(), CandidateSynthesis(
                made.text, made.value.formula, _SOLUTION_METHOD, list(refs[0].value) if refs else [],
                evidence_of(s.text))))
    return out


def _coordinated_after(mat: Mention, s: Sentence) -> list[Mention]:
    """The materials joined to ``mat`` after it: "LCO and Gr" gives Gr for LCO."""
    out, last = [], mat
    for m in [m for m in s.materials if m.start >= mat.end and m.value.kind not in ("cell", "cell_part")]:
        if not _ITEM_JOIN.match(s.text[last.end:m.start]):
            break
        out.append(m)
        last = m
    return out


def _coordinated(mat: Mention, s: Sentence) -> list[Mention]:
    """The list a material ends, when it is the last of "A, B and C" (materials, or classes: "metal-organic
    frameworks [79-88], metal hydrides [89-113] and ..."), else just the material; generic classes ("other
    energy storage materials") end a list but are not part of it."""
    same_kind = [m for m in s.materials if m.value.kind != "cell" and (m.value.kind == "class") == (mat.value.kind == "class")]
    if mat not in same_kind:
        return [mat]
    run = [mat]
    i = same_kind.index(mat)
    while i > 0 and _ITEM_JOIN.match(s.text[same_kind[i - 1].end:run[0].start]):
        i -= 1
        run.insert(0, same_kind[i])
    specific_run = [m for m in run if not is_generic_class(m)]
    return specific_run or run


_WEAK_METHODS = {"mixing"}
_SOLUTION_METHOD = "solution synthesis"
_PROCESS_PARAMETER = re.compile(r"\s(?:temperatures?|times?|durations?|speeds?|conditions|parameters|steps?|atmosphere)\b")
_PARTICIPLE = re.compile(r"(?:ed|en|un)$")  # ball-milled, electrospun, melt-infiltrated, confined
_MADE = re.compile(
    r"\b(?:prepared|synthesi[sz]ed|fabricated|developed|obtained|produced|designed|made)\s+(?:an?\s+|the\s+|novel\s+|new\s+)*$"
)


def _made_by(meth: Mention, s: Sentence) -> Mention | None:
    """The material a method made, by the first rule that applies:

    1. right after a participle, past articles and adjectives: "ball-milled X", "confined the highly
       conductive X", "ball-milled TiS2 | ... | Li" (a cell's positive electrode);
    2. before "formed/prepared by M": "X formed by partial dehydrogenation", "X, was prepared by solvent-free M";
    3. for a coating, what it is put on: "coating A on X particles";
    4. after "M of X", or the product of "M of X to form Y";
    5. the product of "M ... to synthesize X";
    6. the object of "prepared/synthesized X" before the method;
    7. the nearest material before it in the clause (a formula rather than the class right after it:
       "X (0 ≤ x ≤ 33) glass SE"; or before a colon that lists methods: "methods for X: (a) M1 ...; (b) M2"),
       else the first one after it.
    """
    candidates = [m for m in s.materials if not is_generic_class(m) and m.value.kind != "cell"]
    after = [m for m in candidates if m.start >= meth.end and m.start - meth.end <= 40]
    if _PARTICIPLE.search(meth.text) and re.match(r"\s(?:with|by|in|into)\s", s.text[meth.end:meth.end + 7]):
        # "LiCoO2 electrodes infiltrated with LPGeSI": what was treated comes before the participle
        prior = [m for m in s.materials if m.end <= meth.start and meth.start - m.end <= 25 and not is_generic_class(m)
                 and m.value.kind not in ("cell", "cell_part")]
        if prior:
            return prior[-1]
    if _PARTICIPLE.search(meth.text):
        # "ball-milled TiS2 | Li2B12H12 | Li": the participle may name a cell's positive electrode too
        next_one = [m for m in s.materials if m.start >= meth.end and not is_generic_class(m) and m.value.kind != "cell_part"]
        if next_one and next_one[0].start - meth.end <= 40 and _ONLY_ADJECTIVES.fullmatch(s.text[meth.end:next_one[0].start]):
            return next_one[0]
    # (a name can run into the method: "LLZO thin films" and "films deposited")
    before = [m for m in candidates if m.end <= meth.start or m.start < meth.start < m.end]
    if before and _FORMED_BY.search(s.text[before[-1].end:meth.start]):
        return before[-1]
    if "coat" in meth.value:
        # "by coating a phase of LYC and carbon on NCA particles": what is coated, not the coating
        on = [m for m in candidates if meth.end < m.start <= meth.end + 90
              and _COATED_ON.search(s.text, max(meth.end, m.start - 20), m.start)
              and not re.search(r"[;.]\s", s.text[meth.end:m.start])]
        if on:
            return on[0]
    of = _METHOD_OF.match(s.text, meth.end)
    if of and after and after[0].start == of.end():
        product = _PRODUCT.match(s.text, after[0].end)
        later = [m for m in candidates if product and m.start >= product.end()]
        return later[0] if product and later and later[0].start - product.end() <= 10 else after[0]
    inside = _METHOD_IN.match(s.text, meth.end)
    if inside and after and after[0].start == inside.end() and not _VESSEL.match(s.text, after[0].end):
        return after[0]  # "defects generated by ball-milling in Na2B12H12"
    for m in [m for m in candidates if meth.end <= m.start <= meth.end + 120][:3]:
        if _TO_MAKE.fullmatch(s.text, meth.end, m.start):
            return m
    made = [m for m in before if _MADE.search(s.text[max(0, m.start - 40):m.start])]
    if made:
        return made[-1]
    clause_start = max([0] + [m.end() for m in _CLAUSE_END.finditer(s.text, 0, meth.start)])
    # "LiBH4 in mesoporous silica scaffold (MCM-41) by melt-infiltration": the scaffold holds what was made
    in_clause = [m for m in before if m.end >= clause_start and not SUPPORT_OR_COMPONENT.match(s.text, m.end)
                 and not (_FILLING.search(meth.value) and _INTO_HOST.search(s.text, max(0, m.start - 40), m.start))]
    mixture = _MIXTURE_OF.search(s.text, clause_start, meth.start)
    if in_clause and mixture and in_clause[-1].start >= mixture.end():
        # "a mixture of A, B and C was milled and heat treated to obtain X": the product, never a reagent
        result = _RESULT.search(s.text, meth.end)
        product = [m for m in candidates if result and result.end() <= m.start <= result.end() + 40]
        return product[0] if product and not re.search(r"[;.]\s", s.text[meth.end:product[0].start]) else None
    if len(in_clause) > 1 and in_clause[-1].value.kind == "class" and in_clause[-2].value.kind != "class" and \
            re.fullmatch(r"\s?(?:\([^()]*\)\s?)?", s.text[in_clause[-2].end:in_clause[-1].start]):
        return in_clause[-2]  # "the (100-x)(...)·xLiBH4 (0 ≤ x ≤ 33) glass SE can be prepared by ...": the formula
    if not in_clause and ":" in s.text[:clause_start]:
        colon = s.text.rindex(":", 0, clause_start)
        in_clause = [m for m in before if m.end <= colon]
    return in_clause[-1] if in_clause else (after[0] if after else None)


# "ball-milling in Na2B12H12" is done to it; "milled in ZrO2 jars" is done in a vessel
_METHOD_IN = re.compile(r"\sin\s(?:the\s)?")
_VESSEL = re.compile(r"\s(?:jars?|vials?|crucibles?|containers?|boats?|tubes?|ampoules?|atmosphere|solutions?|media|medium)\b")
# "confined X into mesoporous silica SBA-15 via nanoconfinement": what fills a host, not the host
_FILLING = re.compile(r"infiltrat|confine")
_INTO_HOST = re.compile(r"\b(?:into|in)\s(?:the\s|an?\s)?(?:[a-z-]+\s){0,2}$")
_COATED_ON = re.compile(r"\s(?:on|onto)\s(?:the\s)?(?:surfaces?\sof\s(?:the\s)?)?$")
# "polymerization of poly(DOL)", "of the triazine COF": a method followed by what it made
_METHOD_OF = re.compile(r"\s(?:of|on)\s(?:the\s)?(?:[a-z][a-z-]+\s){0,2}(?=[A-Z(\[]|poly)")
_ONLY_ADJECTIVES = re.compile(r"\s?(?:(?:the|a|an|highly|very|as-prepared|pristine|[a-z]+(?:ive|ous|al|ic|ine))\s)*")
_FORMED_BY = re.compile(
    r"^,?\s?(?:\S+\s)?(?:formed|prepared|synthesi[sz]ed|obtained|made|produced|fabricated)\s(?:by|via|through)\s"
    r"(?:the\s|a\s)?(?:[\w-]+\s){0,2}$"
)
# "the sol-gel method to initially synthesize nanosized powders of X": the product named after the method
_TO_MAKE = re.compile(
    r"\s?(?:methods?|routes?|techniques?|process(?:es)?|approach(?:es)?)?\s?(?:(?:was|were|have\sbeen|has\sbeen)\s"
    r"(?:used|employed|applied)\s)?(?:(?:under|in|at)\s[\w-]+\s)?"
    rf"(?:to\s(?:\w+ly\s)?{MAKE_VERB}\s|for\sthe\s(?:synthesis|preparation|fabrication)(?:\sor\s[a-z]+)?\sof\s)"
    r"(?:the\s|a\s|an\s)?(?:[\w-]+\s){0,6}?(?:of\s)?(?:the\s)?$"
)
_PRODUCT = re.compile(r"\s(?:to form|to produce|forming|into)\s(?:the\s|a\s|different\s)*")
_MIXTURE_OF = re.compile(r"\b(?:mixtures?\sof(?:\sthe)?(?:\sprecursors)?|precursors|starting\smaterials|reactants|raw\smaterials)\b")
_RESULT = re.compile(
    rf"\b(?:to\s(?:\w+ly\s)?{MAKE_VERB}|result(?:ed|s|ing)?\sin|yield(?:ed|ing|s)?|giving|forming)\s(?:the\s|an?\s)?"
)


def _merge_adjacent(methods: list[Mention], text: str, ancestors: dict[str, set[str]]) -> list[Mention]:
    """Method names written next to each other name one method, the last word being its head:
    "UV-curing crosslinking" is a crosslinking, "heating quenching" a quenching. A coating made by a
    deposition method is that deposition: "ALD coating"."""
    out: list[Mention] = []
    for m in methods:
        if out and 0 <= m.start - out[-1].end <= 2 and not text[out[-1].end:m.start].strip(" -"):
            head = m.value
            if m.value == "coating" and "vapour deposition" in ancestors.get(out[-1].value, ()):
                head = out[-1].value
            out[-1] = Mention(out[-1].start, m.end, text[out[-1].start:m.end], head)
            continue
        out.append(m)
    return out

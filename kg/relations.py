"""Relation extraction over sentences: attach each value to its material, property, temperature,
methods and citation markers (synthesis statements are ``kg.synthesis``).

Works on the spans the NLP stage left on a ``Doc`` (see ``kg.nlp``). One sentence at a time, with the
paragraph's running subject for sentences that name no material.

Worked examples, one per rule: tests/test_extract.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc

from kg.materials import MaterialMention
from kg.models import Candidate, CandidateMeasurement, Evidence
from kg.nlp import text_of
from kg.ontology import csv_rows

# the unit's dimension decides which properties a value can be; words decide among them
UNIT_PROPERTIES = {
    "S/cm": ("ionic_conductivity", "electronic_conductivity"),
    "eV": ("activation_energy",),
    "V": ("electrochemical_window",),
    "mA/cm2": ("critical_current_density",),
    "mAh/g": ("specific_capacity",),
}
# properties whose unit is shared with other quantities (a voltage, a current density): only taken
# when the sentence names the property
NEEDS_WORD = {"electrochemical_window", "critical_current_density", "activation_energy", "electronic_conductivity"}

_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_REQUIREMENT = re.compile(
    r"\b(?:should|must|need(?:s|ed)? to|required?|requirements?|ideal|prerequisite|target|desired|necessary|"
    r"(?:it is|are|is) (?:important|essential|crucial|vital) to|(?:task|goal|aim|challenge) is to|"
    r"design(?:ing)? (?:a|an|new) (?:\w+ )?(?:solid|electrolyte|material|conductor))\b",
    re.I,
)
# a hypothetical value used in a calculation: "able to fully charge a 120 mA h g^-1 ... electrode"
_HYPOTHETICAL = re.compile(
    r"\b(?:able to|capable of|enough to|sufficient to|we consider|consider(?:ing)? an?|assum(?:e|ing)|hypothetical)\b"
    r"[^,;()]{0,60}$",
    re.I,
)


@dataclass
class Mention:
    start: int
    end: int
    text: str
    value: object


@dataclass
class Sentence:
    """One sentence's mentions, offsets relative to the sentence text."""

    text: str
    offset: int  # of the sentence in the doc text
    materials: list[Mention] = field(default_factory=list)
    quantities: list[Mention] = field(default_factory=list)
    properties: list[Mention] = field(default_factory=list)
    temperatures: list[Mention] = field(default_factory=list)
    methods: list[Mention] = field(default_factory=list)
    citations: list[Mention] = field(default_factory=list)


# a candidate fact with its offset in the doc text (the extractor turns the offset into a source line)
Located = tuple[int, Candidate]


def evidence_of(text: str) -> Evidence:
    """Evidence whose document and line the extractor fills in."""
    return Evidence("", 0, text.strip())


def sentences_of(doc: Doc) -> list[Sentence]:
    """Group the doc's spans by sentence."""
    out = []
    keys = ("materials", "quantities", "properties", "temperatures", "methods", "citations")
    found = {k: sorted(doc.user_data.get(k, []), key=lambda item: item[0]) for k in keys}
    cursor = {k: 0 for k in keys}
    starts = doc.user_data.get("sentence_starts") or [0]
    text = text_of(doc)
    bounds = list(zip(starts, starts[1:] + [len(text)]))
    for s0, s1 in bounds:
        sentence = Sentence(text[s0:s1], s0)
        for key in keys:
            items, i = found[key], cursor[key]
            while i < len(items) and items[i][0] < s1:
                start, end, value = items[i]
                if start >= s0:
                    written = value.text if key == "materials" else text[start:end]
                    getattr(sentence, key).append(Mention(start - s0, end - s0, written, value))
                i += 1
            cursor[key] = i
        out.append(sentence)
    return out


def _property_for(q: Mention, s: Sentence) -> str | None:
    unit = q.value.unit
    candidates = UNIT_PROPERTIES.get(unit)
    if not candidates:
        return None
    named = [p for p in s.properties if p.value in candidates]
    if unit == "S/cm":
        before = [p for p in named if p.start < q.start]
        nearest = (before or named or [None])[-1] if before else (named[0] if named else None)
        if nearest is not None and nearest.value == "electronic_conductivity":
            return "electronic_conductivity"
        return "ionic_conductivity"
    prop = candidates[0]
    if prop in NEEDS_WORD and not named:
        return None
    return prop


def _temperature_for(q: Mention, s: Sentence, same: list[Mention], prop: str) -> float | str | None:
    """A temperature stated for this value: right after it (before the next value), else in the clause."""
    if prop in ("activation_energy", "electrochemical_window", "critical_current_density"):
        # an Ea, a window or a CCD takes only a temperature given for it: "0.3 eV at 100 °C", not the "at 25 °C"
        # of a conductivity in the same sentence
        t = next((t for t in s.temperatures if 0 <= t.start - q.end <= 8), None)
        return t.value if t is not None and re.match(r"\s?(at|@)\s", s.text[q.end:t.start] + " ") else None
    paired = _paired_temperatures(s, same)
    if paired is not None:
        return paired.get(id(q))
    nxt = min((o.start for o in same if o.start > q.start), default=len(s.text))
    after = [t for t in s.temperatures if q.end <= t.start < nxt and t.start - q.end <= 60]
    if after:
        t = after[0]
        prefix = s.text[max(q.end, t.start - 12):t.start].lower()
        if re.search(r"above|below|over|up to|from|>|<", prefix) or re.match(r"\s?[-–]\s?\d", s.text[t.end:t.end + 4]):
            return None
        return t.value
    close = _closing_paren(s.text, q.end)
    if close is not None:  # "(170 mA h g^-1, 1st cycle; and 140 mA h g^-1, 100th cycle) at 150 °C": the group's
        t = next((t for t in s.temperatures if re.fullmatch(r"\)\s?(?:at|@)\s?", s.text[close:t.start])), None)
        if t is not None:
            return t.value
    if len(same) == 1 or len(s.temperatures) == 1:  # one temperature in the sentence holds for its values
        # ... unless it is in parentheses right after another value: "1.3×10^-5 S cm^-1 (30 °C)"
        owned = {t.start for t in s.temperatures for o in s.quantities if 0 <= t.start - o.end <= 3}
        reach = len(s.text) if len(s.temperatures) == 1 else 80
        before = [t for t in s.temperatures if t.end <= q.start and q.start - t.end <= reach and t.start not in owned]
        if before:
            t = before[-1]
            prefix = s.text[max(0, t.start - 12):t.start].lower()
            if not re.search(r"above|below|over|up to|from|>|<|between", prefix):
                if t.value == "RT" or re.search(r"\b(?:at|under)\s*$|\(\s*$|@\s*$", s.text[max(0, t.start - 7):t.start]):
                    return t.value
    if len(s.temperatures) == 1:
        # "has exceeded 1 mS cm^-1 and some can even reach 20 mS cm^-1 at room temperature"
        t = s.temperatures[0]
        between = s.text[q.end:t.start]
        owned = any(0 <= t.start - o.end <= 3 for o in s.quantities if o is not q)
        if t.start > q.end and not owned and ";" not in between and not any(
            q.end <= m.start < t.start for m in s.materials
        ) and _AT_TEMPERATURE.search(s.text, max(0, t.start - 30), t.start):
            return t.value
    return None


# "at 25 °C", "under 60 °C", "at a temperature of 55 °C"
_AT_TEMPERATURE = re.compile(
    r"\b(?:at|under)\s(?:[\d.]+\s?C\s?(?:and|,)\s)?(?:an?\s(?:elevated\s|operating\s|testing\s)?temperature\sof\s)?$"
)  # ("at 0.1C and 30 °C": a C-rate may come first)


def _closing_paren(text: str, i: int) -> int | None:
    """Where the parenthesis around position ``i`` closes, when ``i`` is inside one (within 120 characters)."""
    depth_left = 0
    for j in range(i - 1, max(-1, i - 120), -1):
        if text[j] == ")":
            depth_left += 1
        elif text[j] == "(":
            if depth_left == 0:
                break
            depth_left -= 1
    else:
        return None
    depth = 0
    for j in range(i, min(len(text), i + 120)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            if depth == 0:
                return j
            depth -= 1
    return None


def _paired_temperatures(s: Sentence, same: list[Mention]) -> dict[int, float | str] | None:
    """"from 1.4×10^-7 to 1.6×10^-5 S cm^-1 between RT and 120 °C", "0.36 and 1.2 μS cm^-1 at 450 and 500 °C,
    respectively": two values and two temperatures map one to one."""
    temps = s.temperatures
    for t1, t2 in zip(temps, temps[1:]):
        if not re.fullmatch(r"\s?(?:and|,)\s?", s.text[t1.end:t2.start]):
            continue
        values = [q for q in same if q.end <= t1.start]
        if len(values) != 2:
            continue
        # "... between RT and 120 °C"; "0.36 and 1.2 μS cm^-1 at 450 and 500 °C, respectively"
        if re.search(r"between\s$", s.text[:t1.start]) or (
            _RESPECTIVELY.search(s.text, t2.end) and re.search(r"\bat\s$", s.text[:t1.start])
        ):
            return {id(values[0]): t1.value, id(values[1]): t2.value}
    return None


def _refs_for(q: Mention, s: Sentence) -> list[str]:
    after = [c for c in s.citations if c.start >= q.end]
    if after:
        return list(after[0].value)
    before = [c for c in s.citations if c.end <= q.start]
    return list(before[-1].value) if before else []


# "X was synthesized via M using A and B": A and B are what it was made from
_MADE_USING = re.compile(r"\b(?:synthesi[sz]ed|prepared|made|obtained|fabricated)\b[^.;:]*\busing\s[^.;:]*$")
# "with different mass ratios of PAN/PEI": a varied component, not the material
_PROPORTION_OF = re.compile(r"\b(?:ratios?|contents?|amounts?|concentrations?|fractions?|loadings?)\sof\s(?:the\s)?$")
_REAGENT = re.compile(r"\b(?:starting (?:with|from)|from the precursors?|precursors?|reagents?)\b[^.;:]*$")
_COMPARED = re.compile(
    r"\b(?:than|among|amongst|compared\s(?:with|to)|relative\sto)\s(?:that of\s|those of\s|other\s|the\s|most\s|all\s|"
    r"methods\susing\s|ones\swith\s)*$"
)
# "This composite electrolyte", "The resulting materials", "Such membranes": a class that points back
_ANAPHOR = re.compile(r"\b(?:[Tt]his|[Tt]hese|[Ss]uch|[Tt]he (?:resulting|resultant|obtained|as-prepared|same|prepared))\s$")
_AS_CLASS = re.compile(r"(?<!such)\sas\s(?:an?\s|the\s)?$")
_ELECTRODE_CLASS = re.compile(r"\b(?:cathodes?|anodes?|electrodes?)(?:\s+materials?)?$", re.I)
_ELECTRODE_AFTER = re.compile(
    r"(?:\s(?:and|or)\s\S+)?(?:\s[\w-]+){0,2}?\s(?:cathode|positive electrode|working electrode|anode|electrode)\b"
)
_PAREN_SUBJECT = re.compile(r"\)\s(?:\w+\s){0,2}?(?:exhibited|showed|delivered|displayed|achieved|had|reached|retained)\b")
_CAPACITY_FOR = re.compile(r"(?:^|\bcapacit(?:y|ies)\s)(?:for|of)\s(?:the\s)?$")


def _battery_pattern() -> re.Pattern:
    names = "|".join(sorted((row["acronym"] for row in csv_rows("battery_names.csv")), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{names})s?(?![\w-])")


_BATTERY = _battery_pattern()  # ontology/battery_names.csv: "ASSLSBs", "SIB"


def _battery_named_last(s: Sentence, q: Mention) -> Mention | None:
    """A battery acronym named before a capacity, nearer to it than any material: C7's "cell as named"."""
    named = list(_BATTERY.finditer(s.text, 0, q.start))
    if not named or any(m.end > named[-1].end() and m.end <= q.start for m in s.materials):
        return None
    b = named[-1]
    holder = [m for m in s.materials if m.end <= b.start() and m.value.kind not in ("class", "cell_part")][-1:]
    if holder and re.fullmatch(r"\s(?:in|for)\s(?:the\s)?(?:[\w-]+\s)?", s.text[holder[0].end:b.start()]):
        return None  # "LiCoO2 in ASSBs delivered ...": the active material is named
    return Mention(b.start(), b.end(), b.group(), MaterialMention(b.start(), b.end(), b.group(), None, "cell"))


def _material_for(q: Mention, s: Sentence, subject: Mention | None, prop: str, cell: Mention | None) -> Mention | None:
    if prop != "specific_capacity":
        # "not stable with high-voltage cathodes (>4.0 V)": a value of the electrodes, not of a material here
        nearest = [m for m in s.materials if m.end <= q.start][-1:]
        if nearest and nearest[0].value.kind == "class" and _ELECTRODE_CLASS.search(nearest[0].text):
            return None
    if prop == "specific_capacity":
        # "the MgH2 ... working electrode", "a Na3(VOPO4)2F cathode": the active material, named as such
        for m in s.materials:
            if m.end <= q.start and m.value.kind not in ("class", "cell_part") and _ELECTRODE_AFTER.match(s.text, m.end):
                return m
        cells = [m for m in s.materials if m.value.kind == "cell"]
        if cells:
            before = [m for m in cells if m.end <= q.start]
            return before[-1] if before else cells[0]
        named = [m for m in s.materials if m.end <= q.start and m.value.kind not in ("class", "cell_part")][-1:]
        if named and _CAPACITY_FOR.search(s.text, max(0, named[0].start - 40), named[0].start) \
                and not re.search(r"[;.]\s", s.text[named[0].end:q.start]):
            return named[0]  # "the capacity for graphite increased from 265 to 320 mA h g-1"
        if named and s.text[named[0].start - 1:named[0].start] == "(" and _PAREN_SUBJECT.match(s.text, named[0].end):
            return named[0]  # "The Mg-rich nanocomposite (0.7MgH2+0.3TiH2) exhibited a higher specific capacity"
        if cell is not None:
            return cell  # the paragraph's cell: its positive electrode, not the electrolyte named beside it
        battery = _battery_named_last(s, q)
        if battery is not None:
            return battery  # "the improved cyclability of ASSLSBs (discharge capacity of ...)": the cell as named
    # "higher than B", "the highest among all hydride SEs": what a value is compared with does not own it
    compared = [m for m in s.materials if _COMPARED.search(s.text, max(0, m.start - 40), m.start)]
    before = [m for m in s.materials if m.end <= q.start and m.value.kind not in ("cell", "cell_part") and m not in compared]
    # "X, starting with A and B (C), which had ...": the reagents do not own X's value
    reagents = [m for m in before if _REAGENT.search(s.text, max(0, m.start - 80), m.start)
                or _PROPORTION_OF.search(s.text, max(0, m.start - 40), m.start)]
    if len(reagents) < len(before):
        before = [m for m in before if m not in reagents]
    # "X as amorphous SEs, which had ...": the class after "as" says what X is; the value is X's
    if len(before) > 1 and before[-1].value.kind == "class" and _AS_CLASS.search(s.text, 0, before[-1].start):
        before = before[:-1]
    specific = [m for m in before if m.value.kind != "class"]
    # "1.2 mS cm^-1 for Li6PS5Cl" / "... of X" right after the value
    tail = s.text[q.end:q.end + 40]
    m_after = re.match(r"\)?\s?(?:\([^)]*\)\s?)?(?:at [^,;]{1,20}\s)?(?:for|of|in|by)\s(?:the\s)?", tail)
    if m_after:
        follow = [m for m in s.materials if q.end + m_after.end() <= m.start <= q.end + m_after.end() + 2]
        if follow:
            return follow[0]
    if before and before[-1].value.kind == "class" and subject is not None and (
        _ANAPHOR.search(s.text, 0, before[-1].start) or (is_generic_class(before[-1]) and not specific)
    ):
        # "This composite electrolyte resulted in ...", "measurements with a setup for solid-state electrolytes
        # demonstrated ...": the material the paragraph is about
        return subject
    if specific:
        return specific[-1]
    if before:
        return before[-1]
    after = [m for m in s.materials if m.start >= q.end and m.value.kind != "cell_part" and m not in compared]
    if after and after[0].start - q.end < 60:
        return after[0]
    # a sentence that names only a generic class ("... used as a solid electrolyte") or what a value is compared
    # with ("a factor of two wider than other sulfide materials") still goes on about the subject
    return subject if all(is_generic_class(m) or m in compared for m in s.materials) else None


def measurements(
    s: Sentence, subject: Mention | None, cell: Mention | None = None, process_methods: set[str] | frozenset = frozenset()
) -> list[Located]:
    """Every property value of one sentence, attached to its material, temperature and sources."""
    out: list[Located] = []
    if not s.quantities and not s.properties:
        return out
    typed: list[tuple[Mention, str]] = []
    for q in s.quantities:
        prop = _property_for(q, s)
        if prop and not _HYPOTHETICAL.search(s.text[max(0, q.start - 90):q.start]):
            typed.append((q, prop))
    typed.extend(_transference_numbers(s))
    if not typed:
        return out
    if _REQUIREMENT.search(s.text) and not re.search(r"\b(?:showed|exhibited|achieved|reached|delivered)\b", s.text):
        return out
    methods = sorted({m.value for m in s.methods if m.value in process_methods})
    by_prop: dict[str, list[Mention]] = {}
    for q, prop in typed:
        by_prop.setdefault(prop, []).append(q)
    respectively = _respectively_map(s, typed)
    listed = sorted({id(m): m for m in respectively.values()}.values(), key=lambda m: m.start)
    last_mapped = max((q.end for q, _ in typed if id(q) in respectively), default=len(s.text))
    for q, prop in typed:
        mats = [respectively.get(id(q)) or _material_for(q, s, subject, prop, cell)]
        # "..., respectively, and an electrochemical window of 1.2 V": one value after the list holds for all
        if id(q) not in respectively and len(listed) > 1 and q.start > last_mapped and not any(
            last_mapped <= m.start < q.start for m in s.materials
        ):
            mats = listed
        if prop in SHARED_BY_A_PAIR and len(mats) == 1 and mats[0] is not None and len(by_prop[prop]) == 1 \
                and not respectively:
            mats = _paired_before(mats[0], s) + mats  # "the window of A and B is 0-2 V": one value for both
        for mat in mats:
            if mat is not None:
                out.append(_measurement(s, q, prop, mat, by_prop, methods))
    return out


# a window stated once for "A and B" is both materials'; a conductivity after "A and B" is more often a product's
SHARED_BY_A_PAIR = frozenset({"electrochemical_window"})


def _paired_before(mat: Mention, s: Sentence) -> list[Mention]:
    """The material A of "A and B" when ``mat`` is B (both specific), else nothing."""
    specific = [m for m in s.materials if m.value.kind not in ("class", "cell", "cell_part")]
    if mat not in specific or specific.index(mat) == 0:
        return []
    a = specific[specific.index(mat) - 1]
    return [a] if s.text[a.end:mat.start] == " and " else []


def _measurement(s: Sentence, q: Mention, prop: str, mat: Mention, by_prop: dict, methods: list[str]) -> Located:
    qty = q.value
    return (
        s.offset + q.start,
        CandidateMeasurement(
            material=_with_stated_composition(mat.text, s.text),
            formula=mat.value.formula,
            property=prop,
            value=qty.value,
            value_max=qty.value_max,
            unit=qty.unit,
            qualifier=qty.qualifier,
            temperature_c=_temperature_for(q, s, by_prop[prop], prop),
            methods=methods,
            refs=_refs_for(q, s),
            evidence=evidence_of(s.text),
        ),
    )


_VARIABLE_IN_FORMULA = re.compile(r"(?<=[\d)·.\s(-])([xyz])(?=[A-Z(\s·)]|$)")
_VARIABLE_SET = re.compile(r"(?<![\w(])([xyz])\s?=\s?(\d+(?:\.\d+)?(?:/\d+)?)(?!\d|\.\d|\s?[-–,]\s?\d)")


def _with_stated_composition(name: str, text: str) -> str:
    """A value stated for one member of a family of compositions: "(100-x)(0.6MgS·0.4P2S5)·xMgI2" with
    "... for samples with x = 20" in the sentence is "(100-x)(0.6MgS·0.4P2S5)·xMgI2 (x = 20)"."""
    if "=" not in text or "=" in name:
        return name
    variables = set(_VARIABLE_IN_FORMULA.findall(name))
    stated = {(v, n) for v, n in _VARIABLE_SET.findall(text) if v in variables}
    if len(stated) != 1:
        return name
    ((var, value),) = stated
    return f"{name} ({var} = {value})"


def sentence_subject(s: Sentence, specific: list[Mention]) -> Mention | None:
    """The material the next sentences go on about: the product of "... to synthesize X", else one the
    sentence names in parentheses ("... on the surface of NCM particles (NCM@APA)"), else the first one that
    is not a substrate or a varied component ("MgI2 content"): the sentence's subject rather than the reagents
    listed after it ("X was prepared by milling A, B and C"). None when the sentence names no other (the
    subject stays as it was)."""
    products = [m for m in specific if _TO_PRODUCE.search(s.text, max(0, m.start - 50), m.start)]
    if products:
        return products[-1]
    named = [m for m in specific if s.text[m.start - 1:m.start] == "(" and s.text[m.end:m.end + 1] == ")"]
    if named:
        return named[-1]
    candidates = [m for m in specific if not SUPPORT_OR_COMPONENT.match(s.text, m.end)
                      and not _COMPARED.search(s.text, max(0, m.start - 40), m.start)
                      and not _MADE_USING.search(s.text, max(0, m.start - 100), m.start)
                      and not _PROPORTION_OF.search(s.text, max(0, m.start - 40), m.start)]
    return candidates[0] if candidates else None


# "The cell incorporating this electrolyte showed ...": anywhere in a sentence that names no material
_THIS_HEAD = re.compile(r"\b[Tt]his\s(?P<head>electrolyte|membrane|composite|film|glass|conductor|polymer)\b(?P<they>)")
_POINTING = re.compile(
    r"^(?:[A-Z][a-z]+(?:\s[a-z]+)?,\s)?(?:(?:[Tt]hese|[Ss]uch|[Bb]oth)\s(?:two\s|kinds of\s|types of\s)?(?P<head>[a-z-]+)\b"
    r"|(?P<they>[Tt]hey)\s)"
)


def class_pointed_at(s: Sentence, previous: list[Mention]) -> Mention | None:
    """The class a material-less sentence points back to among the paragraph's recent mentions: "... two types of
    composite solid electrolytes. These electrolytes show ..." (the head noun must match), "Furthermore, they
    exhibit ..." (a plural class), "the cell incorporating this electrolyte showed ..."."""
    if s.materials:
        return None
    m = _POINTING.match(s.text) or _THIS_HEAD.search(s.text)
    if not m:
        return None
    head = (m.group("head") or "").lower()
    named = [c for c in previous if c.value.kind == "class" and not is_generic_class(c)
             and (c.text.lower().endswith(head) if head else c.text.endswith("s"))]
    return named[-1] if named else None


PAPER_SUBJECT_SHARE = 0.35  # of the material mentions of a paper: a research article about one material


def paper_subject(paragraphs: list[list[Sentence]]) -> Mention | None:
    """The material a paper is about when one dominates its text (a research article on one compound: "NCB",
    "MM-NCB" and "NaCB11H12" are one formula), so a paragraph that names none still goes on about it; None
    for reviews, where no material does."""
    counts: dict[str, int] = {}
    first: dict[str, Mention] = {}
    total = 0
    for sentences in paragraphs:
        for s in sentences:
            for m in s.materials:
                if m.value.kind in ("class", "cell", "cell_part"):
                    continue
                key = m.value.formula or m.text
                counts[key] = counts.get(key, 0) + 1
                first.setdefault(key, m)
                total += 1
    if not counts:
        return None
    key = max(counts, key=counts.get)
    return first[key] if counts[key] >= PAPER_SUBJECT_SHARE * total and total >= 20 else None


MAKE_VERB = r"(?:synthesi[sz]e|prepare|produce|fabricate|obtain|make|form|give|yield|generate)"
# "dissolving A, B and C ... to synthesize X materials": X is what the next sentence talks about
_TO_PRODUCE = re.compile(rf"\bto\s(?:\w+ly\s)?{MAKE_VERB}\s(?:the\s|an?\s)?$")
# "grown on MgO (100) substrates", "an increase in MgI2 content": a support or a varied component, not the subject
SUPPORT_OR_COMPONENT = re.compile(
    r"\s(?:\(\d+\)\s)?(?:substrates?|wafers?|content|concentration|amount|ratio|additions?|precursors?|scaffolds?|"
    r"templates?|hosts?)\b"
)
# "Sun et al. [52]", "Oumellal and co-workers", "Hayashi and co-authors": a sentence that names a study
_AUTHORS = re.compile(
    r"\b[A-Z][A-Za-z'’\-]+(?:\s(?:and|&)\s[A-Z][A-Za-z'’\-]+)?\s?(?:[*_]?et\s?al\.?[*_]?|and\sco-?(?:workers|authors)|"
    r"and\s(?:his|her|their)\s(?:co-?workers|colleagues|group)|and\scolleagues|['’]s\sgroup)"
)
# "In the present study, we report ...", "our results": the authors' own work, not the study named before
_OWN_WORK = re.compile(r"\b(?:[Ww]e|[Oo]ur|(?:this|the present|the current)\s(?:work|study|paper|article))\b")
STUDY_SPAN = 5  # sentences; a paragraph that goes on longer has usually moved on to other work


def cited_study(s: Sentence, current: tuple[list[str], int] | None) -> tuple[list[str], int] | None:
    """The markers of the study a paragraph is talking about after sentence ``s``, with the number of
    sentences since the one that named it.

    A sentence that names authors starts a study (its first marker after the names, or none when the
    names come without one); a sentence about the authors' own work ends it; other sentences go on with
    the current study, for at most ``STUDY_SPAN`` sentences.
    """
    m = _AUTHORS.search(s.text)
    if not m:
        if current is None or _OWN_WORK.search(s.text) or current[1] >= STUDY_SPAN:
            return None
        return current[0], current[1] + 1
    after = [c for c in s.citations if c.start >= m.start()]
    return (list(after[0].value), 0) if after else None


_LIST_JOIN = re.compile(r"^\s?(?:,|and|or|, and|,\s?and)\s?$")


_BOTH = re.compile(r"\b(?:both|the\stwo)\b")
_THEIR_BOTH = re.compile(r"\b(?:[Tt]heir|[Tt]hey)\b.*\bboth\b|\b[Bb]oth\s(?:of\sthem|compounds|materials|electrolytes)\b")


def pair_pointed_at(s: Sentence, last_specific: list[Mention]) -> list[Mention]:
    """The two materials of the sentence before, when this one names none and says they both have a value:
    "A and B were studied. Their activation energies are both as low as 0.22 eV." """
    names = list({m.text: m for m in last_specific}.values())
    if s.materials or len(names) != 2 or not _THEIR_BOTH.search(s.text):
        return []
    return names


def _respectively_map(s: Sentence, typed: list[tuple[Mention, str]]) -> dict[int, Mention]:
    """Values to materials in order: "A, B and C show 1, 2 and 3 mS cm^-1, respectively", and without
    "respectively" when the materials are one coordinated list ("(A and B) ... (1 at T1 and 2 at T2)")."""
    respectively = bool(_RESPECTIVELY.search(s.text))
    out: dict[int, Mention] = {}
    by_prop: dict[str, list[Mention]] = {}
    for q, prop in typed:
        by_prop.setdefault(prop, []).append(q)
    for prop, qs in by_prop.items():
        if len(qs) < 2:
            continue
        mats = [m for m in s.materials if m.end <= qs[0].start and m.value.kind not in ("class", "cell", "cell_part")]
        if len(mats) < len(qs):
            continue
        run = mats[-len(qs):]
        coordinated = all(_LIST_JOIN.match(s.text[a.end:b.start]) for a, b in zip(run, run[1:]))
        # "A reaches ..., while B reaches ..., and both have low activation energies (0.29 and 0.20 eV)"
        both = len(qs) == 2 and run[0].text != run[1].text and bool(_BOTH.search(s.text, run[-1].end, qs[0].start))
        if respectively or both or (coordinated and len(mats) == len(qs)):
            for q, m in zip(qs, run):
                out[id(q)] = m
    return out


class _Number:
    """A bare number dressed as a quantity (transference numbers have no unit)."""

    def __init__(self, value: float, qualifier: str):
        self.value, self.value_max, self.unit, self.qualifier, self.formula = value, None, "", qualifier, None


def _transference_numbers(s: Sentence) -> list[tuple[Mention, str]]:
    out = []
    for p in s.properties:
        if p.value != "transference_number":
            continue
        window = s.text[p.end:p.end + 50]
        m = re.search(r"(?:of|=|is|was|were|reached|reaching|as high as|up to|:|~|≈|about|\()\s?(?P<q>~|≈|>|<)?\s?(?P<v>0?\.\d+|1(?:\.0+)?)(?!\d|\.\d|[\^%])", window)
        if not m:
            continue
        v = float(m.group("v"))
        qual = {"~": "~", "≈": "~", ">": ">", "<": "<"}.get(m.group("q") or "", "=")
        start = p.end + m.start("v")
        out.append((Mention(start, start + len(m.group("v")), m.group("v"), _Number(v, qual)), "transference_number"))
    return out


# "solid electrolytes", "SEs", "materials": a class with no chemistry or structure in its name
_GENERIC_CLASS = re.compile(
    r"^(?:(?:the|these|such|other|new|novel|various|initial|efficient|fast|ionic|conductive|thin-film|thin|film|"
    r"solid|solid-state|all-solid-state|inorganic|ideal|electrolyte|battery|energy|storage|cathode|anode|"
    r"electrode)\s)*(?:solid\s)?(?:electrolytes?|SEs?|SSEs?|materials?|composites?|membranes?|conductors?)$",
    re.I,
)


def is_generic_class(m: Mention) -> bool:
    return m.value.kind == "class" and bool(_GENERIC_CLASS.match(m.text))

"""Material mentions in normalized text: formulas, composites, abbreviations and class phrases.

>>> aliases = {"LLZO": "Li7La3Zr2O12", "PEO": None, "LiTFSI": None}
>>> [(m.text, m.formula) for m in find_materials("Li6PS5Cl and PEO/LiTFSI beat LLZO", aliases)]
[('Li6PS5Cl', 'Li6PS5Cl'), ('PEO/LiTFSI', None), ('LLZO', 'Li7La3Zr2O12')]

Formulas are element-validated by ``kg.chemistry`` (no "PEO" as P+E+O); names without a formula come
from the alias lexicon (ontology/materials.ttl) or from the paper's own abbreviation definitions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg import chemistry
from kg.ontology import csv_rows

# the same tokens come back on every page ("LiBH4", "PEO"): parse each once
_is_formula = lru_cache(maxsize=1 << 16)(chemistry.is_formula)
_normalize_formula = lru_cache(maxsize=1 << 16)(chemistry.normalize_formula)

# a run of formula-like characters: Li6PS5Cl, Li1+xAlxTi2-x(PO4)3, 90LiBH4·10P2S5, PEO-PVDF/LiNO3
_TOKEN = re.compile(r"(?<![\w\-/·@–])[\[(]?[A-Z0-9(\[][A-Za-z0-9.()\[\]·+\-–/@:,δ%]*[A-Za-z0-9)\]δ+\-]")
# a part's amount or variable coefficient: "1wt%TiO2", "(1-x)LiBH4", "xCa(BH4)2", "30LiF"
_COEFFICIENT = re.compile(r"^(?:\d+(?:\.\d+)?\s?(?:wt|mol|vol)?%|\(\d*-?[xyzδ]\)|[xyzδ](?=[A-Z(]))")
_SPLIT = re.compile(r"(/|@|–|(?<=[\w)\]])-(?=[A-Z\d(]|[xyz][A-Z(])|·(?=[A-Z(]))")
_SEPARATORS = {"/", "@", "–", "-", "·"}
# an ion in brackets, a space group (P6_3mc, I2_13, P2_1), an isotope (7Li) or one element with a count (H2)
_NOT_A_MATERIAL = re.compile(r"^(?:Li|Na|K|Mg|Zn)[-–](?:S|O2|air|ion|Se)$|^\[[^\]]+\][-+]?$|^[PIFCR]\d|^\d+[A-Z][a-z]?$|^[A-Z][a-z]?\d*$")
# layered-oxide cathodes named by their Ni:Co:Mn ratio: NCM811, NMC622, NCM71515, NCM90, NCA80
_LAYERED_OXIDE = re.compile(r"^(?:NCM|NMC|NCA)\d{2,6}$")
_PLURAL_ABBREVIATION = re.compile(r"^[A-Z]{2,}s$")  # "SSEs", "SPEs": not Einsteinium
_WORDLIKE = re.compile(r"^[A-Z][a-z]+$")
_PLAIN = re.compile(r"[A-Z][a-z]+|[\d.,]+")  # a capitalized word or a number
_DEFINITION = re.compile(r"\((?P<abbr>[A-Z][A-Za-z0-9\-+]{1,11})\)")

CLASS_HEADS = (
    r"electrolytes?|SEs|SSEs|SPEs|CSEs|ISEs|HSEs|SE|SSE|SPE|CSE|conductors?|anodes?|cathodes?|glass(?:es)?|"
    r"glass-ceramics?|ceramics?|membranes?|composites?|hydrides|borohydrides|closo-borates|sulfides|oxides|halides|"
    r"garnets?|thio-LISICONs?|LISICONs?|NASICONs?|argyrodites?|perovskites?|polymers?|materials|frameworks?|"
    r"oxychlorides|oxyhalides|chlorides|bromides|iodides|fluorides|nitrides|phosphates|silicates|borates|"
    r"thiophosphates|hydroborates|nanocomposites|systems"
)
# structural families that name a class on their own, without a modifier
STANDALONE_CLASSES = r"(?:thio-)?LISICONs|NASICONs|garnets|argyrodites|perovskites|anti-perovskites|closo-borates"
_CLASS_HEAD = re.compile(rf"(?<![\w-])(?:(?P<alone>{STANDALONE_CLASSES})|(?P<head>{CLASS_HEADS}))\b")
_SINGULAR_ABBREVIATIONS = frozenset({"SE", "SSE", "SPE", "CSE", "HSE", "ISE"})
_ARTICLE = re.compile(r"(?<![\w-])(?:[Aa]n?)\s$")
_MODIFIER = re.compile(r"[A-Za-z][\w\-+()/]*")
# verbs, adverbs, panel letters "b)"; "based" as in "polymer based SSE" is a modifier's second word
_NOT_A_MODIFIER = re.compile(r"(?!based$)[a-z]+(?:ed|ing|ly)|[a-z]{1,2}\)")
_STOP_WORDS = frozenset(
    "the a an of and or with in for to by as at on is are was were it its their this these that such high higher low "
    "lower good excellent most more other all some various different typical novel new both which than while "
    "whereas obtain obtained has have had can could be been when where thus however also then those from into "
    "between using via show shows showed exhibit exhibits exhibited use uses used improve improves enhance enhances "
    "include includes prepare prepares design designs make makes form forms produce produces study studies "
    "report reports but not made grown built known shown given taken seen".split()
)


# polymers named in words: "poly(ethylene oxide)", "poly(1,3-dioxolane)", "polyacrylonitrile"
_POLYMER_NAME = re.compile(
    r"\bpoly\s?\((?:[^()]|\([^()]*\)){2,40}\)|\bpoly(?:ethylene|propylene|acrylonitrile|imide|styrene|carbonate|"
    r"siloxane|vinylidene|urethane|ester|ether|amide|vinyl|caprolactone|dioxolane|methyl)[a-z]*(?:\s(?:oxide|glycol|fluoride|carbonate|"
    r"methacrylate|acrylate|alcohol))?\b"
)
_PHASE_PREFIX = re.compile(r"(?<![\w-])[αβγδεθκλ](?:''|′′|″|′|')? ?-(?P<name>[A-Z][A-Za-z0-9.()\[\]·+\-–/]*[A-Za-z0-9)\]])")
_LOWERCASE_ALIASES: dict[int, tuple[dict, re.Pattern | None]] = {}


def lowercase_alias_pattern(aliases: dict[str, str | None]) -> re.Pattern | None:
    """One-word lexicon names written in lower case ("graphite", "alumina", "polyimide"), which the formula
    tokenizer (capital or digit first) never sees; cached for the aliases dict of the paper being read."""
    cached = _LOWERCASE_ALIASES.get(id(aliases))
    if cached is not None and cached[0] is aliases:
        return cached[1]
    words = sorted((k for k in aliases if k.isalpha() and k.islower() and len(k) > 4), key=len, reverse=True)
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(words)})(?![\w-])") if words else None
    _LOWERCASE_ALIASES.clear()
    _LOWERCASE_ALIASES[id(aliases)] = (aliases, pattern)
    return pattern


def _chemical_name_pattern() -> re.Pattern:
    """A name in words, cations then an anion (ontology/chemical_names.csv): "lithium silicate", "lithium
    lanthanum zirconate", "sodium sulfide"."""
    cations = "|".join(f"[{w[0].upper()}{w[0]}]{re.escape(w[1:])}" for w in _CATIONS)
    anions = "|".join(sorted((r["word"] for r in _NAME_WORDS if r["role"] == "anion"), key=len, reverse=True))
    return re.compile(rf"\b(?:{cations})(?:[\s-](?:{cations}))*\s(?:{anions})s?\b(?!-)")


_NAME_WORDS = csv_rows("chemical_names.csv")
_CATIONS = sorted((r["word"] for r in _NAME_WORDS if r["role"] == "cation"), key=len, reverse=True)
_CATION_ENDINGS = frozenset(w[-3:] for w in _CATIONS)  # a cheap first look: "ium", "inc", "rus"
_CHEMICAL_NAME = _chemical_name_pattern()
# "Fe^3+-doped Li2ZrCl6", "Nb2O5-doped MgH2", "Al-doped LLZO": a dopant (element, ion or formula) and the host
_DOPED = re.compile(r"(?<![\w^+-])(?:[A-Z][a-z]?(?:\^?\d*[+−])?|[A-Z][a-z]?\d*(?:[A-Z][a-z]?\d*)+)-doped\s$")
# the form a composition takes, written right after it: glasses, glass-ceramics, nanocomposites
_FORM = r"(?:glass-?ceramics?|glass(?:es)?|nanocomposites?|composites?)"
_FILM_HEAD = re.compile(r"\s(?:thin\s|thin-)?films?\b")
_FORM_HEAD = re.compile(rf"\s{_FORM}(?:\s(?:and|or)\s{_FORM})?\b")
_HALOGEN_X = re.compile(r"\s?(\(X\s?=\s?(?:F|Cl|Br|I)(?:\s?(?:,|and|or)\s?(?:F|Cl|Br|I))*\))")
_PLACEHOLDER = re.compile(
    r"\s?\((?P<symbol>[XM])\s?=\s?(?P<first>[A-Z][a-z]?)(?:\s?(?:,|and|or)\s?[A-Z][a-z]?)*\)")
_METAL_M = re.compile(r"\s?(\(M\s?=\s?[A-Z][a-z]?(?:\s?(?:,|and|or)\s?[A-Z][a-z]?)*\))")
_VARIABLE_VALUE = re.compile(r",?\s?(\([xyzδ]\s?=\s?[^()]{1,12}\))")
_ELECTRODE_HEAD = re.compile(r"\b(?:cathodes?|anodes?|electrodes?)$")
# "LPSCl-infiltrated LCO", "PDA-coated LLZTO": the first material only says how the second was treated
_TREATED_WITH = re.compile(r"-(?:infiltrated|coated|impregnated|modified|wrapped|decorated|grafted)\b")
_TYPE_OF = re.compile(r"-(?:type|based|like)\s")
_BASED = re.compile(rf"[\s-]based\s(?:[a-z][\w-]*\s){{0,2}}(?:{CLASS_HEADS})\b")


def _class_phrases(text: str):
    """(start, end) of class phrases: up to three modifiers before a class head ("polymer bi-phase SSEs",
    "Garnet-type SSEs"), or a structural family on its own ("LISICONs")."""
    for m in _CLASS_HEAD.finditer(text):
        pos, modifiers = m.start(), 0
        while modifiers < 3 and pos >= 2 and text[pos - 1] in " \t\n":
            k = pos - 1
            while k > 0 and not text[k - 1].isspace():
                k -= 1
            word = text[k:pos - 1]
            if not _MODIFIER.fullmatch(word) or word.lower() in _STOP_WORDS or _NOT_A_MODIFIER.fullmatch(word):
                break
            modifiers, pos = modifiers + 1, k
        if modifiers:
            yield pos, m.end()
        elif m.group("alone") or (m.group("head") in _SINGULAR_ABBREVIATIONS and _ARTICLE.search(text, 0, m.start())):
            yield m.start(), m.end()  # "LISICONs"; "a SPE prepared via ...": one study's electrolyte


@dataclass
class MaterialMention:
    start: int
    end: int
    text: str
    formula: str | None
    kind: str  # "formula" | "composite" | "alias" | "class" | "cell" | "cell_part"


MAX_NAME_CHARS = 120  # the corpus's longest material name has 52 characters
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")  # PEI, AB, SN: a component named by its initials


def _part_ok(part: str, aliases: dict[str, str | None]) -> str | None:
    """'formula' / 'alias' / 'acronym' when one piece of a composite name is a material, else None."""
    if not part:
        return None
    if part in aliases:
        return "alias"
    if _ACRONYM.match(part):
        return "acronym"
    part = _COEFFICIENT.sub("", part)
    if _WORDLIKE.match(part) or _PLURAL_ABBREVIATION.match(part):
        return None
    if _is_formula(part):
        return "formula"
    return None


def _trim(token: str) -> str:
    token = token.rstrip(".,:;")
    # drop unbalanced closing brackets at the end and opening ones at the start
    pairs = {")": "(", "]": "[", "(": ")", "[": "]"}
    while token and token[-1] in ")]" and token.count(token[-1]) > token.count(pairs[token[-1]]):
        token = token[:-1]
    while token and token[0] in "([" and token.count(token[0]) > token.count(pairs[token[0]]):
        token = token[1:]
    token = token.rstrip(".,:;-")
    if token[:1] == "(" and token[-1:] == ")" and token[1:-1].count("(") == token[1:-1].count(")"):
        token = token[1:-1]
    return token


_PHASE_LETTERS = re.compile(r"[αβγδεθκλ]")
_CHEMISTRY_HINT = re.compile(r"(?:Li|Na|Mg|K)[-–]Se?\b")
_METAL_BEFORE = re.compile(r"(?<![\w])[A-Z][a-z]?\s$")
# a ligand written in lower case inside a formula: "(en)", "(diglyme)" or "-diglyme0.5"
_LIGAND = re.compile(r"(?<=\()(?P<in>[a-z]{2,10})(?=\))|(?<=-)(?P<tail>[a-z]{2,10})(?=[\d.]*$)")


def _ligand_formula(m: re.Match, aliases: dict[str, str | None]) -> str:
    name = m.group("in") or m.group("tail")
    formula = aliases.get(name)
    if not formula:
        return m.group()
    return formula if m.group("in") else f"({formula})"


def classify_token(token: str, aliases: dict[str, str | None]) -> tuple[str, str | None] | None:
    """(kind, formula) for a candidate token, or None when it is not a material."""
    if _LAYERED_OXIDE.match(token):
        return "alias", None
    if token in aliases:
        if aliases[token] is None and (_PLURAL_ABBREVIATION.match(token) or re.fullmatch(CLASS_HEADS, token)):
            return "class", None  # "SEs", "SPE": a paper's short name for a class
        return "alias", aliases[token]
    if _PLURAL_ABBREVIATION.match(token) or _NOT_A_MATERIAL.match(token):
        return None
    if _is_formula(token):
        return "formula", _normalize_formula(token)
    with_ligands = _LIGAND.sub(lambda m: _ligand_formula(m, aliases), token)
    if with_ligands != token and _is_formula(with_ligands):
        return "composite", None  # a solvate or adduct: "Mg(en)1(BH4)2", "Mg(BH4)2-diglyme0.5"
    parts = [p for p in _SPLIT.split(token) if p and p not in _SEPARATORS]
    if len(parts) < 2:
        return None
    kinds = [_part_ok(p, aliases) for p in parts]
    if not any(k in ("formula", "alias") for k in kinds):
        return None  # acronyms alone ("XRD-SEM") name no material
    lenient = sum(1 for k in kinds if k) >= max(2, len(parts) - 1) and not any(
        _WORDLIKE.match(p) or re.fullmatch(r"[\d.%]+", p) for p in parts
    )
    if all(kinds) or lenient:
        return "composite", None
    return None


def find_materials(text: str, aliases: dict[str, str | None] | None = None, classes: bool = True,
                   lowercase_names: re.Pattern | None = None) -> list[MaterialMention]:
    """Material mentions in ``text``, left to right, without overlaps. ``lowercase_names`` is
    ``lowercase_alias_pattern(aliases)`` when the caller has it already (a pipeline reading many paragraphs)."""
    aliases = aliases or {}
    listed_symbol = "(X" in text or "(M" in text  # "(X = Cl, Br)", "(M = Ge, Sn)"
    has_film = "film" in text
    found: list[MaterialMention] = []
    for m in _TOKEN.finditer(text):
        token = _trim(m.group())
        if len(token) < 2 or (_PLAIN.fullmatch(token) and token not in aliases):
            continue  # most tokens are words and numbers ("The", "2023", "4.5"): no material, and cheap to tell
        start = m.start() + m.group().find(token)
        # a run longer than any material name ("1-1-1-...", a line of dashes) is tried by its leading parts only:
        # classifying every cut of it is quadratic
        placeholder = _PLACEHOLDER.match(text, start + len(token)) if listed_symbol and (
            "X" in token or "M" in token) else None
        if placeholder and placeholder.group("symbol") in token and len(token) <= MAX_NAME_CHARS and \
                classify_token(token.replace(placeholder.group("symbol"), placeholder.group("first")), aliases):
            # "LiBH4-NaX (X = Cl, I)", "Li6+xP1-xMxS5I (M = Ge, Sn)": X or M stands for an element the text lists
            hit = ("formula", chemistry.clean_formula_text(token))
        else:
            hit = classify_token(token, aliases) if len(token) <= MAX_NAME_CHARS else None
        if hit is None:
            # a formula followed by junk ("Li6PS5Cl-based"): keep the longest leading part that is a material
            cuts = {i.start() for i in re.finditer(r"[-/@,]", token[:MAX_NAME_CHARS + 1])}
            for cut in sorted(cuts, reverse=True):
                head = _trim(token[:cut])
                hit = classify_token(head, aliases) if len(head) >= 2 else None
                if hit:
                    token = head
                    break
        if hit is None:
            continue
        kind, formula = hit
        metal = _METAL_BEFORE.search(text, max(0, start - 4), start) if token.startswith("(") else None
        if metal:  # "Mg (en)1(BH4)2": the PDF set the metal apart from its ligand
            start, token = metal.start(), text[metal.start():start + len(token)]
        found.append(MaterialMention(start, start + len(token), token, formula, kind))
    # (each rare notation is looked for only when its telltale character is in the text: a quarter of the time)
    phases = _PHASE_PREFIX.finditer(text) if _PHASE_LETTERS.search(text) else ()
    for m in phases:  # "β-Li3PS4", "β''-Al2O3": the phase is part of the name
        token = _trim(m.group("name"))
        hit = classify_token(token, aliases) if 2 <= len(token) <= MAX_NAME_CHARS else None
        if hit is None or hit[0] == "class" or any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        end = m.start("name") + len(token)
        found.append(MaterialMention(m.start(), end, text[m.start():end], hit[1], hit[0]))
    found = [f for f in found if not _TREATED_WITH.match(text, f.end)]
    for m in (_POLYMER_NAME.finditer(text) if "oly" in text else ()):
        if not any(f.start < m.end() and m.start() < f.end for f in found):
            found.append(MaterialMention(m.start(), m.end(), m.group(), None, "alias"))
    lowercase = lowercase_names if lowercase_names is not None else lowercase_alias_pattern(aliases)
    for m in (lowercase.finditer(text) if lowercase is not None else ()):
        if not any(f.start < m.end() and m.start() < f.end for f in found):
            found.append(MaterialMention(m.start(), m.end(), m.group(), aliases[m.group()], "alias"))
    folded = text.lower() if any(ending in text for ending in _CATION_ENDINGS) else ""
    for m in (_CHEMICAL_NAME.finditer(text) if folded and any(c in folded for c in _CATIONS) else ()):
        if not any(f.start < m.end() and m.start() < f.end for f in found):
            found.append(MaterialMention(m.start(), m.end(), m.group(), aliases.get(m.group().lower()), "alias"))
    found.sort(key=lambda x: x.start)
    found = _merge_definitions(text, found)
    for f in found:
        value = _VARIABLE_VALUE.match(text, f.end) or _HALOGEN_X.match(text, f.end) or _METAL_M.match(text, f.end)
        if value and re.search(r"[xyzδXM]", f.text):
            f.end, f.text = value.end(), f"{f.text} {value.group(1)}"  # "Li(BH4)1-x(NH2)x (x = 2/3)"
        doped = _DOPED.search(text, max(0, f.start - 20), f.start) if "-doped" in text else None
        if doped and f.kind in ("formula", "alias"):
            f.start, f.text = doped.start(), text[doped.start():f.end]  # "Fe^3+-doped Li2ZrCl6": its own material
        film = _FILM_HEAD.match(text, f.end) if has_film and f.kind in ("formula", "composite", "alias") else None
        if film:
            f.end, f.text = film.end(), text[f.start:film.end()]  # "LLZO thin films": the form is in the name
        head = _FORM_HEAD.match(text, f.end)
        if head and f.kind in ("formula", "composite"):
            f.end, f.text = head.end(), text[f.start:head.end()]  # "MgS–P2S5–MgI2 glasses and glass-ceramics"
        based = _BASED.match(text, f.end)
        if based and f.formula is None and f.kind in ("composite", "alias"):
            f.end, f.text = based.end(), text[f.start:based.end()]  # "PAN-PEI based electrolyte"
    if "-doped" in text:  # the dopant named before "-doped" is part of the doped material's name
        found = [f for f in found if not any(g is not f and g.start <= f.start and f.end <= g.end for g in found)]
    if classes:
        for s, e in _class_phrases(text):
            overlapping = [f for f in found if f.start < e and s < f.end]
            # a class phrase wins over a formula-less abbreviation at its head ("polymer bi-phase SSEs") and
            # over a formula that only names its type ("UCl3-type SSEs", "LLZO-based electrolytes")
            if any((f.formula is not None and not _TYPE_OF.match(text, f.end)) or f.start < s for f in overlapping):
                continue
            if overlapping and _ELECTRODE_HEAD.search(text, s, e):
                continue  # "NCM cathode": the active material is the mention, the head says its role
            if "liquid" in text[s:e].lower():
                continue  # liquid electrolytes are the reference, not the subject, of this graph
            found = [f for f in found if f not in overlapping]
            found.append(MaterialMention(s, e, text[s:e].strip(), None, "class"))
    for m in (_SLASH_CELL.finditer(text) if "/" in text else ()):
        parts = m.group().replace("/ ", "/").split("/")
        if len(parts) == 2 and not _CELL_WORD.match(text, m.end()):
            continue  # "PEO/LiTFSI": two parts are a composite unless they are called a cell
        if _ANODE.match(parts[0]) and not _ANODE.match(parts[-1]):
            cathode = parts[-1]
        elif _ANODE.match(parts[-1]) and not _ANODE.match(parts[0]):
            cathode = parts[0]
        else:
            continue  # "PEO/LiTFSI/LLZO": a composite, no electrode at either end
        if classify_token(cathode, aliases) is None:
            continue
        found = [f for f in found if not (f.start < m.end() and m.start() < f.end)]
        for part in parts[1:-1]:
            hit = classify_token(part, aliases)
            at = text.find(part, m.start(), m.end())
            if hit is not None and at >= 0:
                found.append(MaterialMention(at, at + len(part), part, hit[1], "cell_part"))
        found.append(MaterialMention(m.start(), m.end(), cathode, _normalize_formula(cathode), "cell"))
    for m in (_CELL.finditer(text) if "|" in text or _CHEMISTRY_HINT.search(text) else ()):
        cathode = m.group("cathode") or m.group("chemistry")
        if cathode.count(")") > cathode.count("("):
            continue  # "(KB-LiBH4 as conductor)|LiBH4|Li": the match began inside a parenthesis
        # the cell mention replaces its positive electrode; the parts inside stay, marked as cell parts
        found = [f for f in found if not (m.start() <= f.start < m.start() + len(cathode) + 1)]
        for f in found:
            if m.start() <= f.start < m.end():
                f.kind = "cell_part"
        found.append(MaterialMention(m.start(), m.end(), cathode, _normalize_formula(cathode), "cell"))
    found.sort(key=lambda x: x.start)
    return _merge_loaded(text, found)


# "CSEs containing 30 wt.% NZSP", "PUA with 20 wt% LiTFSI": a host and what it holds name one material
_LOADED_WITH = re.compile(r"\s(?:containing|with|loaded with|doped with)\s\d+(?:\.\d+)?\s?(?:wt|mol|vol)\.?\s?%\s(?:of\s)?")


# "... containing 7 wt% of A and 60 wt% of B", "a composite electrolyte involving A and B": the rest of the recipe
_AND_LOADED = re.compile(r"\s(?:and|,)\s\d+(?:\.\d+)?\s?(?:wt|mol|vol)\.?\s?%\s(?:of\s)?[A-Za-z0-9()\-]+")
_COMPOSITE_HEAD = re.compile(r"(?:composites?|electrolytes?|membranes?|CSEs?|CPEs?|SPEs?)$")
_INVOLVING = re.compile(r"\s(?:involving|comprising|consisting\sof|composed\sof)\s")
_AND_PART = re.compile(r"\s(?:and|&)\s[A-Za-z0-9()\-]*[A-Z][A-Za-z0-9()\-]*")


def _merge_loaded(text: str, found: list[MaterialMention]) -> list[MaterialMention]:
    out: list[MaterialMention] = []
    merged_end = -1
    for f in found:
        prev = out[-1] if out else None
        joinable = prev is not None and prev.kind not in ("cell", "cell_part") and f.kind not in ("cell", "cell_part")
        if f.start < merged_end:
            continue  # a part of the recipe just merged
        if joinable and _LOADED_WITH.fullmatch(text, prev.end, f.start):
            merged_end = f.end
            while more := _AND_LOADED.match(text, merged_end):
                merged_end = more.end()
        elif joinable and prev.kind == "class" and f.kind != "class" and _COMPOSITE_HEAD.search(prev.text) \
                and _INVOLVING.fullmatch(text, prev.end, f.start):
            more = _AND_PART.match(text, f.end)
            merged_end = more.end() if more else f.end
        else:
            out.append(f)
            continue
        out[-1] = MaterialMention(prev.start, merged_end, text[prev.start:merged_end], None, "composite")
    return out


# a cell written with slashes, negative electrode first or last: "Na/Na11Sn2PSe12/C-Se", "LiI@Li/LPSCl/NCM",
# "NCM/LPSCl/Li-In", "NCM/Gr full cells"; two parts ("PEO/LiTFSI") are a composite unless called a cell
_SLASH_CELL = re.compile(
    r"(?<![\w/@.\-–])[A-Za-z0-9@().\-–]+(?:/ ?[A-Za-z0-9@().\-–]+(?:\s(?:SSE|SE|electrolyte)(?=/))?){1,4}(?<![.\-–])(?![\w/])"
)  # ("S-C-Li10SnP2S12/Li10SnP2S12 SSE/Li-In": a part may name its role)
_ANODE = re.compile(
    r"^(?:\S*@)?(?:Li|Na|K|Mg|Zn|Ca|Al|Li-In|In-Li|Li–In|Na3Sn|Na2Sn|Na15Sn4|Gr|graphite|Si|In|LTO|Li4Ti5O12)$"
)
_CELL_WORD = re.compile(r"(?:\s[\w-]+){0,2}\s(?:full\s)?(?:cells?|batter(?:y|ies)|SSBs?|ASSBs?)\b")
# a cell as written: "TiS2|LiBH4|Li", "Li|LiBH4-30LiF|Li"; its first part is the positive electrode
_CELL = re.compile(
    # parts are bounded ({0,80}): unbounded runs made a long "1-1-1-..." line quadratic (seconds per line)
    r"(?<![\w|(])(?P<cathode>[A-Za-z0-9·@\-][A-Za-z0-9().·@\-–]{0,80})(?:\s\([^()|]{1,40}\))?"
    r"(?:\s?\|\s?(?:[\w-]+\s(?=[A-Z]))?[A-Za-z0-9().·@\-–]{0,80}){2,3}(?<=[\w)])(?![\w|])"
    # "a Li–S SSB": a battery chemistry names its positive electrode
    r"|(?<![\w-])(?:Li|Na|Mg|K)[-–](?P<chemistry>S|Se)(?=\s(?:SSBs?|ASSBs?|batter(?:y|ies)|cells?)\b)"
)


def _merge_definitions(text: str, found: list[MaterialMention]) -> list[MaterialMention]:
    """``Li7La3Zr2O12 (LLZO)`` is one mention: the formula as written with its abbreviation."""
    out: list[MaterialMention] = []
    skip = set()
    for i, f in enumerate(found):
        if i in skip:
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (
            nxt is not None and (f.formula is not None or _POLYMER_NAME.fullmatch(f.text))
            and f.kind in ("formula", "alias") and nxt.kind == "alias"
            and re.fullmatch(r"\s?\(", text[f.end:nxt.start]) and text[nxt.end:nxt.end + 1] == ")"
        ):
            out.append(MaterialMention(f.start, nxt.end + 1, text[f.start:nxt.end + 1], f.formula, f.kind))
            skip.add(i + 1)
        else:
            out.append(f)
    return out


def abbreviation_definitions(text: str, aliases: dict[str, str | None]) -> dict[str, str | None]:
    """Abbreviations a paper defines: ``Li7La3Zr2O12 (LLZO)`` -> {'LLZO': 'Li7La3Zr2O12'}."""
    out: dict[str, str | None] = {}
    for m in _DEFINITION.finditer(text):
        words = text[max(0, m.start() - 120):m.start()].split()[-6:]
        if not words:
            continue
        abbr, full = m.group("abbr"), " ".join(words)
        last = _trim(words[-1])
        if _is_formula(abbr) and not re.fullmatch(r"[A-Z]{2,}[a-z]?", abbr):
            continue  # "(Li2S)" restates a formula; it is no abbreviation
        if abbr in out:
            continue  # the paper's first definition holds
        if _is_formula(last):
            out[abbr] = _normalize_formula(last)
        elif abbr not in aliases and _MATERIAL_WORDS.search(_expansion(abbr, full) or ""):
            out[abbr] = None
    return out


_MATERIAL_WORDS = re.compile(
    r"electrolyte|polymer|poly|oxide|sulfide|halide|hydride|borate|composite|membrane|glass|ceramic|salt|imide|"
    r"framework|carbon|nanotube|graphene|garnet|phosphate|nitride|conductor|ether|carbonate|acrylate|fluoride",
    re.I,
)


def _expansion(abbr: str, full: str) -> str | None:
    """The words an abbreviation stands for: 'solid polymer electrolytes (SPEs)' -> 'solid polymer electrolytes'.

    The initials of the last words before the parenthesis must spell the abbreviation; None otherwise.
    """
    letters = "".join(c.lower() for c in abbr.rstrip("s") if c.isalpha())
    words = re.findall(r"[A-Za-z]+", full)
    for n in range(1, len(words) + 1):
        initials = "".join(w[0].lower() for w in words[-n:])
        if letters and (initials == letters or (initials.endswith(letters) and n <= len(letters) + 1)):
            return " ".join(words[-n:])
    # poly(ethylene oxide) (PEO): the letters can come from inside words
    tail = " ".join(words[-3:]).lower()
    return " ".join(words[-3:]) if letters and letters[0] == tail[:1] and all(c in tail for c in letters) else None

"""Chemical formulas as written in papers: parsing, normalization, identity keys, material families.

Pure functions, standard library only.

Notation handled (after :func:`clean_formula_text` has removed markup):

* stoichiometric and decimal counts: ``Li7La3Zr2O12``, ``Li2.7In0.7Hf0.3Cl6``, ``Li6PS5Cl0.5Br0.5``;
* unicode sub/superscripts (``Li₆PS₅Cl``), LaTeX (``$\\text{Li}_6\\text{PS}_5\\text{Cl}$``, ``Li_{6,4}``);
* groups ``Na4(CB11H12)2(B12H12)``, ``Li1.3Al0.3Ti1.7(PO4)3``, brackets ``[BH4]−`` (charges dropped);
* adducts and mixtures joined by ``·`` or ``-`` with optional leading coefficients (integer, decimal or
  fraction) that multiply their part: ``LiBH4·NH3``, ``90LiBH4·10P2S5``, ``1/3LiBH4·2/3(0.75Li2S·0.25P2S5)``,
  ``1.5Li2O-TaCl5``;
* variable compositions (``Li1+xAlxTi2−x(PO4)3``, ``Li7−xPS6−xClx``): formulas without numeric counts —
  :func:`is_formula` is True, :func:`parse_formula` returns None.

What counts as a formula (so that English words and acronyms are not):

* every token must be an element symbol (Z <= 103) or a variable count (x, y, z, δ);
* one element alone is a formula only with an integer count >= 2 (``S8``, ``H2``), so ``In``, ``As``,
  ``Li``, ``S1`` are not;
* text without any digit must contain a two-letter symbol and no run of three or more one-letter symbols,
  so all-caps acronyms (``CV``, ``SPS``, ``PS``, ``SN``, ``PEO``) and ``LiPON``, ``LiFSI``, ``LiBOB``,
  ``NaSICON`` are names, not formulas, while ``LiI``, ``LiCl``, ``NaOH``, ``TiS`` are formulas.
"""
from __future__ import annotations

import re
from typing import Any

_SYMBOLS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb "
    "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr"
)
ELEMENTS: frozenset[str] = frozenset(_SYMBOLS.split())
"""Element symbols H..Lr (the superheavy ones are left out: ``Mc``, ``Cn`` ... collide with names)."""

FAMILIES = ("oxide", "sulfide", "halide", "hydride", "polymer", "composite", "other")

VARIABLES = "xyzδ"

# ---------------------------------------------------------------------------------------------- cleaning

_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ", "0123456789+-=()x")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ"
_RE_SUPER = re.compile(f"[{_SUPERSCRIPTS}]+")
_RE_DOLLAR = re.compile(r"\$")
_RE_TEXTCMD = re.compile(r"\\(?:text|mathrm|mathbf|mathit|rm|bf|textrm|mbox|ce)\s*\{([^{}]*)\}")
_RE_SUBBRACE = re.compile(r"_\s*\{([^{}]*)\}")
_RE_SUBCHAR = re.compile(r"_\s*([^\s{])")
_RE_SUPBRACE = re.compile(r"\^\s*\{[^{}]*\}")
_RE_SUPCHAR = re.compile(r"\^\s*[^\s{]")
_RE_CDOT = re.compile(r"\\(?:cdot|bullet|cdotp)\b\s*")
_RE_DELTA = re.compile(r"\\delta\b\s*")
_RE_LATEX_BRACES = re.compile(r"[{}]")
_RE_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
_RE_SPACE = re.compile(r"\s+")
_RE_DOTS = re.compile(r"[·•∙⋅*]")
_RE_DASHES = re.compile(r"[−–—‐‑‒﹣－]")
_RE_DECIMAL_COMMA = re.compile(r"(?<=[A-Za-z)\]]\d),(?=\d)|(?<=[A-Za-z)\]]\d\d),(?=\d)")
_RE_TRAILING_CHARGE = re.compile(r"(?:(?<=[\])])\d*[+-]|(?<=[A-Za-z0-9])[+-])$")
_RE_BRACKET_CHARGE = re.compile(r"(?<=\])\d*[+-](?=[·\-)\]]|$)")
_RE_NUMBER = re.compile(r"\d*\.\d+|\d+")


def _brace_decimal_comma(m: re.Match) -> str:
    return re.sub(r"(?<=\d),(?=\d)", ".", m.group(1))


def clean_formula_text(text: str) -> str:
    """Remove markup from a formula as written: LaTeX, ``$``, unicode sub/superscripts, spaces.

    Superscripts (charges) are dropped, subscripts flattened, adduct dots unified to ``·`` and every
    dash or minus sign to ``-``.  The result is not validated.
    """
    s = _RE_DOLLAR.sub("", text)
    for _ in range(3):  # nested \text{...}
        s2 = _RE_TEXTCMD.sub(r"\1", s)
        if s2 == s:
            break
        s = s2
    s = _RE_CDOT.sub("·", s)
    s = _RE_DELTA.sub("δ", s)
    s = _RE_SUPBRACE.sub("", s)
    s = _RE_SUPCHAR.sub("", s)
    s = _RE_SUBBRACE.sub(_brace_decimal_comma, s)
    s = _RE_SUBCHAR.sub(r"\1", s)
    s = _RE_LATEX_CMD.sub("", s)
    s = _RE_LATEX_BRACES.sub("", s)
    s = _RE_SUPER.sub("", s)
    s = s.translate(_SUB)
    s = _RE_SPACE.sub("", s)
    s = _RE_DOTS.sub("·", s)
    s = _RE_DASHES.sub("-", s)
    s = _RE_DECIMAL_COMMA.sub(".", s)
    s = _RE_BRACKET_CHARGE.sub("", s)
    s = _RE_TRAILING_CHARGE.sub("", s)
    s = _RE_VAR_COEFF_DOT.sub(r"\1", s)  # "(100-x)·(0.75Li2S·0.25P2S5)": a coefficient multiplies directly
    return s


def _fmt_number(text: str) -> str:
    """``2.0`` -> ``2``, ``0.50`` -> ``0.5``, ``.5`` -> ``0.5``, ``007`` -> ``7``."""
    if "." in text:
        whole, frac = text.split(".", 1)
        frac = frac.rstrip("0")
        whole = whole.lstrip("0") or "0"
        return f"{whole}.{frac}" if frac else whole
    return text.lstrip("0") or "0"


def _fmt_count(x: float) -> str:
    """A count as a short stable string: ``6.0`` -> ``6``, ``1/3`` -> ``0.333333``."""
    r = round(x, 6)
    if r == int(r):
        return str(int(r))
    return f"{r:.6f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------- parsing

_RE_ELEMENT = re.compile(r"[A-Z][a-z]?")
_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
_TERM = rf"(?:{_NUM}?[{VARIABLES}]|{_NUM})"
_RE_COUNT = re.compile(rf"{_TERM}(?:[+-]{_TERM})*(?:/\d+)?")
_RE_PLAIN_COUNT = re.compile(_NUM)
_RE_COEFF = re.compile(rf"(?:\d+/\d+|{_NUM})(?=[A-Z(\[])")
# a variable amount in a pseudo-binary or -ternary system: "(100-x)(0.75Li2S·0.25P2S5)·xLiBH4", "(1-x)LiBH4"
_RE_VAR_COEFF = re.compile(rf"\({_NUM}?-[{VARIABLES}]\)(?=[A-Z(\[])|[{VARIABLES}](?=[A-Z(\[])")
_RE_VAR_COEFF_DOT = re.compile(rf"(\({_NUM}?-[{VARIABLES}]\))·(?=[A-Z(\[])")
_RE_HAS_VAR = re.compile(f"[{VARIABLES}]")
_CLOSE = {"(": ")", "[": "]"}


class _Fail(Exception):
    pass


class _Parser:
    """Recursive descent over cleaned text.  Collects counts (None once a variable count is seen)."""

    def __init__(self, s: str):
        self.s = s
        self.i = 0
        self.variable = False
        self.tokens: list[str] = []  # element symbols in order of appearance

    def parse(self) -> dict[str, float]:
        counts = self.mixture()
        if self.i != len(self.s):
            raise _Fail
        return counts

    def mixture(self) -> dict[str, float]:
        total: dict[str, float] = {}
        while True:
            part = self.part()
            for el, n in part.items():
                total[el] = total.get(el, 0.0) + n
            if self.i < len(self.s) and self.s[self.i] in "·-+" and self._part_starts(self.i + 1):
                self.i += 1
                continue
            return total

    def _part_starts(self, j: int) -> bool:
        s = self.s
        if j >= len(s):
            return False
        if s[j] in "([" or s[j].isupper():
            return True
        return bool(_RE_COEFF.match(s, j) or _RE_VAR_COEFF.match(s, j))

    def part(self) -> dict[str, float]:
        s = self.s
        coeff = 1.0
        m = _RE_COEFF.match(s, self.i)
        if m:
            coeff = _number(m.group(0))
            self.i = m.end()
        elif _RE_VAR_COEFF.match(s, self.i):
            self.variable = True
            self.i = _RE_VAR_COEFF.match(s, self.i).end()
        counts: dict[str, float] = {}
        n_units = 0
        while self.i < len(s):
            c = s[self.i]
            if c.isupper():
                el = self.element()
                sub = {el: 1.0}
            elif c in _CLOSE:
                self.i += 1
                sub = self.mixture()
                while self.i < len(s) and s[self.i] == ",":  # a shared site, shares not given: Li6PS5[Cl,Br]
                    self.i += 1
                    sub = dict.fromkeys({**sub, **self.mixture()}, 1.0)
                    self.variable = True
                if self.i >= len(s) or s[self.i] != _CLOSE[c]:
                    raise _Fail
                self.i += 1
                if c == "[":  # charge written right after a bracket: [B12H12]2-
                    cm = re.compile(r"\d*[+-](?=[·)\]]|$)").match(s, self.i)
                    if cm:
                        self.i = cm.end()
                        n_units += 1
                        for el, n in sub.items():
                            counts[el] = counts.get(el, 0.0) + n
                        continue
            else:
                break
            mult = self.count()
            for el, n in sub.items():
                counts[el] = counts.get(el, 0.0) + n * mult
            n_units += 1
        if n_units == 0:
            raise _Fail
        return {el: n * coeff for el, n in counts.items()}

    def element(self) -> str:
        s, i = self.s, self.i
        two = s[i : i + 2]
        if len(two) == 2 and two[1].islower() and two in ELEMENTS:
            self.i += 2
            return self._tok(two)
        if s[i] in ELEMENTS:
            # a lowercase letter after a one-letter symbol must be a variable count (Alx, Nx)
            if i + 1 < len(s) and s[i + 1].islower() and s[i + 1] not in VARIABLES:
                raise _Fail
            self.i += 1
            return self._tok(s[i])
        raise _Fail

    def _tok(self, el: str) -> str:
        self.tokens.append(el)
        return el

    def count(self) -> float:
        s = self.s
        m = _RE_COUNT.match(s, self.i)
        if m:
            text = m.group(0)
            if _RE_HAS_VAR.search(text):
                self.variable = True
                self.i = m.end()
                return 1.0
            if re.fullmatch(rf"{_NUM}/\d+", text):  # Li4/3Ti5/3O4
                self.i = m.end()
                return _number(text)
            m = _RE_PLAIN_COUNT.match(s, self.i)  # "TaCl5-2Li2O": the dash joins parts
            self.i = m.end()
            return _number(m.group(0))
        # (C2H4O)n : a polymer repeat unit
        if self.i < len(s) and s[self.i] == "n" and self.i > 0 and s[self.i - 1] == ")":
            self.variable = True
            self.i += 1
        return 1.0


def _number(text: str) -> float:
    if "/" in text:
        a, b = text.split("/", 1)
        if float(b) == 0:
            raise _Fail  # "Li1/0": no formula (was a ZeroDivisionError)
        return float(a) / float(b)
    return float(text)


def _analyse(text: str) -> tuple[str, dict[str, float], bool, list[str]] | None:
    """(cleaned text, counts, has variables, element tokens) or None when ``text`` is not a formula."""
    if not text or len(text) > 200:
        return None
    s = clean_formula_text(text)
    if not s or not (s[0].isupper() or s[0].isdigit() or s[0] in "(["):
        return None
    p = _Parser(s)
    try:
        counts = p.parse()
    except _Fail:
        return None
    tokens = p.tokens
    if not tokens:
        return None
    if not p.variable and not any(n > 0 for n in counts.values()):
        return None  # "0AcAc": a zero coefficient leaves no atoms (it had no formula_key)
    if len(tokens) == 1:
        n = counts.get(tokens[0], 0.0)
        if p.variable or n < 2 or n != int(n) or not re.search(r"\d", s):
            return None
    if not re.search(r"\d", s):
        if not any(len(t) == 2 for t in tokens):
            return None
        if re.search(r"(?<![A-Z])[A-Z]{3}", re.sub(r"[A-Z][a-z]", "_", s)):
            return None
    return s, counts, p.variable, tokens


def is_formula(text: str) -> bool:
    """True when ``text`` is a chemical formula, including ones with variable counts (``Li7−xPS6−xClx``)."""
    return _analyse(text) is not None


def parse_formula(text: str) -> dict[str, float] | None:
    """Element counts of a formula (coefficients of mixture parts applied), or None.

    None for text that is not a formula and for formulas with variable counts.
    """
    a = _analyse(text)
    if a is None or a[2]:
        return None
    return {el: n for el, n in a[1].items()}


def formula_elements(text: str) -> frozenset[str] | None:
    """The elements of a formula, also for variable formulas; None when not a formula."""
    a = _analyse(text)
    return None if a is None else frozenset(a[3])


def normalize_formula(text: str) -> str | None:
    """The canonical plain string of a formula, element order as written; None when not a formula.

    ``Li₆PS₅Cl``, ``Li6PS5Cl`` and ``$\\text{Li}_6\\text{PS}_5\\text{Cl}$`` all give ``Li6PS5Cl``.
    """
    a = _analyse(text)
    if a is None:
        return None
    return _RE_NUMBER.sub(lambda m: _fmt_number(m.group(0)), a[0])


def formula_key(text: str) -> str | None:
    """A stable identity key: element counts sorted by symbol (``Cl1Li6P1S5``) for numeric formulas,
    the normalized string for variable ones; None when not a formula."""
    a = _analyse(text)
    if a is None:
        return None
    if a[2]:
        return _RE_NUMBER.sub(lambda m: _fmt_number(m.group(0)), a[0])
    return "".join(f"{el}{_fmt_count(n)}" for el, n in sorted(a[1].items()) if n > 0) or None


# ---------------------------------------------------------------------------------------------- families

_HALOGENS = frozenset({"F", "Cl", "Br", "I"})
_CHALCOGENS = frozenset({"S", "Se", "Te"})
_RE_HYDRATE = re.compile(r"·\d*(?:\.\d+)?H2O$")

_POLYMER_NAMES = frozenset(
    """PEO PVDF HFP PVDF-HFP PVdF PVdF-HFP PAN PMMA PEG PPC PVA PTMC PCL PEGDA PEGDME PEGMA PEGDMA POEG
    PPEGMA PTFE PVP PI PE PP PEC PTHF PUA PEI PDA PDMS PSS SEBS NBR SBR CMC PEGMEA PEGMEME PVC PES PVAc
    PLA PET PAA TPU PU PVB PS""".split()
)
_SALT_WORDS = re.compile(
    r"^(?:Li|Na|K|Mg)(?:TFSI|FSI|TFSA|FSA|BOB|DFOB|BETI|ClO4|PF6|BF4|AsF6|CF3SO3|Tf|OTf|NO3|Im)$"
)
_RE_POLYMER_WORD = re.compile(r"\bpoly|polymer|\bSPEs?\b|\bGPEs?\b", re.I)
_RE_COMPOSITE_WORD = re.compile(r"composite|hybrid|\bCPEs?\b|\bCSEs?\b", re.I)
_KEYWORD_FAMILY = [
    (re.compile(r"hydride|hydroborate|borohydride|closo|carba|\bBH4\b", re.I), "hydride"),
    (re.compile(r"sulfide|sulphide|thiophosphate|argyrodite|\bLGPS\b|thio-?LISICON|selenide|\bLPS", re.I), "sulfide"),
    (re.compile(r"halide|chloride|bromide|iodide|fluoride", re.I), "halide"),
    (re.compile(r"oxide|garnet|NASICON|LISICON|perovskite|LiPON|\bLLZ|\bLLTO|\bLATP|\bLAGP|glass-ceramic", re.I), "oxide"),
]
_RE_SPLIT_PARTS = re.compile(r"\s*(?:/|\s\+\s|\+|@|\band\b|[-–—−](?![xyz\d]))\s*")


def _is_polymer_name(word: str) -> bool:
    w = word.strip().strip("()")
    if not w:
        return False
    if w in _POLYMER_NAMES or w.upper() in _POLYMER_NAMES:
        return True
    return bool(_RE_POLYMER_WORD.search(w))


def _family_from_elements(counts: dict[str, float] | None, elements: frozenset[str], variable_text: str) -> str:
    el = set(elements)
    has = el.__contains__
    o = counts.get("O", 0.0) if counts else (1.0 if has("O") else 0.0)
    chal = sum(counts.get(x, 0.0) for x in _CHALCOGENS) if counts else float(any(has(x) for x in _CHALCOGENS))
    if has("H"):
        if has("B"):
            return "hydride"
        if has("C") and not has("B"):
            if variable_text.endswith(")n"):
                return "polymer"
            return "other"
        if not has("O") and (has("Al") or has("N") or el <= {"H", "Li", "Na", "K", "Mg", "Ca", "Ti", "Zr", "Al", "Sc", "Y", "La", "Be", "Rb", "Cs", "Sr", "Ba", "V", "Nb", "Ni", "Fe", "Pd"}):
            return "hydride"
    if chal > 0 and (o == 0 or chal >= o):
        return "sulfide"
    if has("O"):
        return "oxide"
    if el & _HALOGENS:
        return "halide"
    return "other"


def _family_of_formula(text: str) -> str | None:
    s = normalize_formula(text)
    if s is None:
        return None
    s = _RE_HYDRATE.sub("", s)  # Li3InCl6·2H2O is a halide
    a = _analyse(s)
    if a is None:
        return None
    _, counts, variable, tokens = a
    return _family_from_elements(None if variable else counts, frozenset(tokens), s)


def _family_of_name(name: str, lexicon: Any = None) -> str | None:
    n = name.strip()
    if not n:
        return None
    if lexicon is not None:
        mats = getattr(lexicon, "materials", {}) or {}
        entry = mats.get(n)
        if entry is None:
            alias = getattr(lexicon, "alias", None)
            entry = alias(n) if callable(alias) else None
        if entry is not None and getattr(entry, "family", None):
            return entry.family
        classes = getattr(lexicon, "classes", {}) or {}
        low = n.lower()
        for cname, fam in classes.items():
            if cname.lower() == low:
                return fam
    if _is_polymer_name(n):
        return "polymer"
    if _SALT_WORDS.match(n):
        return "other"
    for rx, fam in _KEYWORD_FAMILY:
        if rx.search(n):
            return fam
    return None


def _part_kind(part: str, lexicon: Any) -> str:
    """'polymer', 'salt', 'ceramic' or '' for one component of a composite's name."""
    p = part.strip()
    if not p:
        return ""
    if _is_polymer_name(p):
        return "polymer"
    if _SALT_WORDS.match(p):
        return "salt"
    if lexicon is not None:
        entry = (getattr(lexicon, "materials", {}) or {}).get(p)
        if entry is not None:
            types = {t.lower() for t in getattr(entry, "types", ()) or ()}
            fam = getattr(entry, "family", "")
            if fam == "polymer" or "polymer" in types:
                return "polymer"
            if "salt" in types:
                return "salt"
            return "ceramic"
    fam = _family_of_formula(p) or _family_of_name(p, None)
    if fam == "polymer":
        return "polymer"
    if fam or p[0].isupper() or p[0].isdigit():  # an abbreviation (LFP, LLZTO) or a formula
        return "ceramic"
    return ""


def classify_family(material: str, formula: str | None, lexicon: Any = None) -> str:
    """One of ``oxide, sulfide, halide, hydride, polymer, composite, other``.

    Precedence: a name that mixes a polymer with a salt, filler or ceramic (``PEO/LiTFSI``, ``PEO-LLZO``,
    ``LLZTO-PEO``) or says "composite"/"hybrid" -> composite; then the composition of ``formula`` (or of
    ``material`` when it is a formula): B and H -> hydride (hydroborates, also in mixtures with sulfides);
    H with Al/N or only metals and no O -> hydride; S/Se/Te at least as abundant as O -> sulfide; O ->
    oxide (``Li3OCl`` antiperovskite, phosphates, ``Li2SO4``); F/Cl/Br/I -> halide (water of hydration is
    ignored); organic C-H -> other (``(...)n`` -> polymer); then the lexicon's aliases and class names
    (``lexicon.materials`` / ``lexicon.classes``, duck-typed); then keywords (``PEO``, "polymer" ->
    polymer; "sulfide electrolytes", "argyrodite" -> sulfide; "garnet", "NASICON" -> oxide ...).
    """
    material = material or ""
    if _RE_COMPOSITE_WORD.search(material):
        return "composite"
    parts = [p for p in _RE_SPLIT_PARTS.split(material.strip()) if p and p.strip()]
    if len(parts) >= 2 and not is_formula(material):
        kinds = [_part_kind(p, lexicon) for p in parts]
        if "polymer" in kinds and any(k in ("salt", "ceramic") for k in kinds):
            return "composite"
        if all(k == "polymer" for k in kinds):
            return "polymer"
    for text in (formula, material):
        if text:
            fam = _family_of_formula(text)
            if fam is not None:
                return fam
    fam = _family_of_name(material, lexicon)
    if fam is not None:
        return fam
    if len(parts) >= 2:
        for p in parts:
            fam = _family_of_formula(p) or _family_of_name(p, lexicon)
            if fam is not None:
                return fam
    return "other"

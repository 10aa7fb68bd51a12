"""Numbers with units in normalized text: values, ranges, lists, qualifiers, converted with pint.

Works on the normalizer's output (``10^-3``, ``cm^-1``, ``×``).

>>> [ (q.value, q.unit, q.qualifier) for q in find_quantities("σ = 1.9 × 10^-3 S cm^-1 at RT") ]
[(0.0019, 'S/cm', '=')]
>>> q = find_quantities("a window of 0-5 V")[0]; (q.value, q.value_max, q.unit)
(0.0, 5.0, 'V')
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from kg.errors import ParseError

# --- numbers ---------------------------------------------------------------------------------------
_NUM = r"\d+(?:\.\d+)?"
_EXP = r"10\s?\^\s?\(?\s?[-+]?\s?\d{1,2}\)?"
# "(1.35 ± 0.07) × 10^-3": a mantissa with its uncertainty in parentheses
_MANTISSA = rf"(?:{_NUM}|\({_NUM}\s?±\s?{_NUM}\))"
_VALUE = rf"(?:{_MANTISSA}\s?[×x*·]\s?{_EXP}|{_EXP}|{_NUM}(?:[eE][-+]?\d{{1,2}})?)"  # "3.3·10^-4" too
_VALUE_RE = re.compile(_VALUE)

# --- units (as they appear after normalization) -------------------------------------------------------
# Each entry: regex, pint expression (None: dimensionless handled apart), canonical contract unit.
_UNIT_TABLE: list[tuple[str, str]] = [
    # ("μ S cm^-1": a PDF may set the micro sign apart)
    (r"(?P<p>[mµμu]?)(?:(?<=[µμ])\s)?S\s?(?:·\s?)?(?:cm\s?\^?\s?-\s?1|/\s?cm|cm-1)(?![\w^])", "{p}S/cm"),
    (r"cm\s(?P<p>[mµμu]?)S\s?\^\s?-\s?1(?![\w^])", "{p}S/cm"),  # "10^-5 cm S^-1": the factors swapped
    (r"(?P<p>[mµμu]?)S\s?(?:·\s?)?(?:m\s?\^?\s?-\s?1|/\s?m)(?![\w^])", "{p}S/m"),
    # "mA h g_{NCM}^-1": per gram of the named active material
    (r"(?P<p>[mµμ]?)A\s?(?:·\s?)?h\s?(?:·\s?)?(?:g(?:[A-Z][A-Za-z0-9]{0,7})?\s?\^?\s?-\s?1|/\s?g)(?![\w^])", "{p}A*h/g"),
    (r"(?P<p>[mµμ]?)Ah\s?(?:g\s?\^?\s?-\s?1|/\s?g)(?![\w^])", "{p}A*h/g"),
    (r"(?P<p>[mµμ]?)A\s?(?:·\s?)?(?:cm\s?\^?\s?-\s?2|/\s?cm\^?2|/\s?cm2)(?![\w^])", "{p}A/cm**2"),
    (r"kJ\s?(?:·\s?)?(?:mol\s?\^?\s?-\s?1|/\s?mol)(?![\w^])", "kJ/mol"),
    (r"(?P<p>[m]?)eV(?![\w])", "{p}eV"),
    (r"V(?:\s?\(?vs\.?\s?(?:Li|Na|Mg|K)\s?/\s?(?:Li|Na|Mg|K)\s?\^?\+?\)?)?(?![\w])", "V"),
    (r"°\s?C(?![a-z])|℃", "degC"),
    (r"K(?![\w+^])", "K"),
]
_UNIT_RE = re.compile("|".join(f"(?P<u{i}>{pat.replace('(?P<p>', f'(?P<p{i}>')})" for i, (pat, _) in enumerate(_UNIT_TABLE)))

_CANONICAL = {  # pint dimensionality -> contract unit
    "S/cm": "S/cm", "eV": "eV", "V": "V", "mA/cm2": "mA/cm2", "mAh/g": "mAh/g",
}

_QUALIFIER_WORDS = [
    (r"~|≈|∼|about|approximately|approx\.|around|roughly|nearly|close to|ca\.", "~"),
    (r"≥|>=|at least|no less than|not less than", ">="),
    (r"≤|<=", "<="),
    (r">|over|above|exceeding|exceeds?|surpassing|more than|higher than|greater than|wider than|beyond|in excess of", ">"),
    (r"<|less than|below|lower than|under", "<"),
    (r"up to|can reach|reaching|reached up to|as much as|do not go beyond|not exceeding|a maximum of up to", "<="),
]
_QUAL_RE = re.compile(
    r"(?P<q>" + "|".join(f"(?:{w})" for w, _ in _QUALIFIER_WORDS) + r")\s*(?:of\s+|than\s+)?$", re.I
)

_SEP = r"\s?(?:–|—|-|to|~)\s?"
_LIST_SEP = r"\s?(?:,\s?and|,|and|or|and/or|vs\.?|versus)\s?"  # "165 vs. 150 mA h g^-1": two values

# One quantity: VALUE [SEP VALUE] UNIT, with an optional list of values before it sharing the unit.
# "(1.35 ± 0.05) mS cm^-1": the uncertainty is read past, not kept
_QTY_RE = re.compile(
    rf"(?<![\w.^/-])\(?(?P<first>{_VALUE})(?:(?P<rng>{_SEP})(?P<second>{_VALUE}))?(?:\s?±\s?{_NUM}\)?)?\s?(?P<unit>{_UNIT_RE.pattern})"
)
_LIST_ITEM_RE = re.compile(rf"(?P<v>{_VALUE})(?:\s?\([^()]{{1,25}}\))?{_LIST_SEP}$")


@dataclass
class Quantity:
    """A value (or range) with its unit converted to the canonical contract unit."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str  # canonical contract unit ("S/cm", "eV", "V", "mA/cm2", "mAh/g", "°C") or as written
    qualifier: str
    unit_as_written: str
    in_list: bool = False  # one of "A, B and C <unit>"


def parse_number(text: str) -> float:
    """``1.9 × 10^-3`` or ``1.9·10^-3`` -> 0.0019; ``10^-4`` -> 1e-4; ``2.5e-6`` -> 2.5e-6. Raises ParseError."""
    t = re.sub(r"±[\d.]+", "", text.replace(" ", "")).replace("(", "").replace(")", "")
    m = re.fullmatch(rf"(?:(?P<m>{_NUM})[×x*·])?10\^(?P<e>[-+]?\d{{1,2}})", t)
    try:
        if m:
            mant = float(m.group("m")) if m.group("m") else 1.0
            v = mant * 10.0 ** int(m.group("e"))
        else:
            v = float(t)
    except ValueError:
        raise ParseError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise ParseError(f"not a finite number: {text!r}")
    return v


def _unit_key(m: re.Match) -> str:
    for i, (_, expr) in enumerate(_UNIT_TABLE):
        if m.group(f"u{i}") is not None:
            prefix = m.groupdict().get(f"p{i}") or ""
            prefix = {"µ": "u", "μ": "u"}.get(prefix, prefix)
            return expr.format(p=prefix)
    raise ParseError(f"unknown unit {m.group()!r}")


@lru_cache(maxsize=None)
def _registry():
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=256)
def conversion(unit_expr: str) -> tuple[float, str]:
    """(factor, canonical unit) for a pint unit expression: ``mS/cm`` -> (0.001, 'S/cm')."""
    if unit_expr in ("degC", "K"):
        return 1.0, "°C"
    ureg = _registry()
    q = ureg.Quantity(1.0, unit_expr)
    if q.check("[energy]/[substance]"):
        return float((q / ureg.avogadro_constant).to("eV").magnitude), "eV"
    for target, canonical in (("S/cm", "S/cm"), ("eV", "eV"), ("V", "V"), ("mA/cm**2", "mA/cm2"), ("mA*h/g", "mAh/g")):
        if q.check(ureg.Quantity(1.0, target).dimensionality):
            return float(q.to(target).magnitude), canonical
    raise ParseError(f"unit {unit_expr!r} has no canonical unit")


def convert(value: float, unit_expr: str) -> tuple[float, str]:
    """``convert(373, 'K')`` -> (99.85, '°C'); ``convert(1.9, 'mS/cm')`` -> (0.0019, 'S/cm')."""
    if unit_expr == "K":
        return round(value - 273.15, 2), "°C"
    factor, canonical = conversion(unit_expr)
    return _round(value * factor), canonical


def _round(v: float) -> float:
    return float(f"{v:.6g}")


def qualifier_before(text: str, start: int) -> str:
    """The qualifier words just before a value: ``over 10^-4`` -> '>'; default '='."""
    window = text[max(0, start - 40):start]
    m = _QUAL_RE.search(window)
    if not m:
        return "="
    word = m.group("q").lower()
    for pattern, q in _QUALIFIER_WORDS:
        if re.fullmatch(pattern, word, re.I):
            return q
    return "="


def find_quantities(text: str) -> list[Quantity]:
    """Every value with a unit in ``text`` (normalized), lists expanded, ranges kept as ranges."""
    out: list[Quantity] = []
    for m in _QTY_RE.finditer(text):
        unit_m = _UNIT_RE.fullmatch(m.group("unit"))
        if unit_m is None:
            continue
        try:
            expr = _unit_key(unit_m)
            first = parse_number(m.group("first"))
            second = parse_number(m.group("second")) if m.group("second") else None
        except ParseError:
            continue
        rng = (m.group("rng") or "").strip()
        if second is not None and rng == "to" and re.search(r"\bfrom\s*$", text[max(0, m.start() - 8):m.start()]) \
                and not (expr == "V" and re.search(r"\b(?:range|ranging|window|between)\b", text[max(0, m.start() - 30):m.start()])):
            # "increased from A to B": two values (before and after), not a range
            v1, canonical = _convert_or_raw(first, expr)
            out.append(Quantity(m.start(), m.start() + len(m.group("first")), v1, None, canonical, "=", m.group("unit")))
            out.append(Quantity(m.start("second"), m.end(), _convert_or_raw(second, expr)[0], None, canonical, "=", m.group("unit")))
            continue
        if second is not None and rng in ("-", "~") and second < first and expr not in ("degC", "K"):
            # "5-1 V" is no range; keep the second value alone
            first, second = second, None
        v1, canonical = _convert_or_raw(first, expr)
        v2 = _convert_or_raw(second, expr)[0] if second is not None else None
        if v2 is not None and v2 < v1:
            v1, v2 = v2, v1  # a range written high to low
        qual = qualifier_before(text, m.start())
        quantity = Quantity(m.start(), m.end(), v1, v2, canonical, qual, m.group("unit"))
        items = _list_before(text, m.start(), expr)
        for s, e, v in items:
            out.append(Quantity(s, e, v, None, canonical, qualifier_before(text, s), m.group("unit"), in_list=True))
        if items:
            quantity.in_list = True
        out.append(quantity)
    return out


def _convert_or_raw(value: float, expr: str) -> tuple[float, str]:
    try:
        return convert(value, expr)
    except ParseError:
        return value, expr


def _list_before(text: str, start: int, expr: str) -> list[tuple[int, int, float]]:
    """Values listed before a quantity that share its unit: ``1.2, 3.4 and 5.6 mS cm^-1``."""
    items: list[tuple[int, int, float]] = []
    pos = start
    while len(items) < 8:
        window_start = max(0, pos - 60)
        m = _LIST_ITEM_RE.search(text, window_start, pos)
        if not m or m.end() != pos:
            break
        # the value must stand alone: not the tail of a word/formula
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ".^/_-"):
            break
        try:
            v = convert(parse_number(m.group("v")), expr)[0]
        except ParseError:
            break
        items.insert(0, (m.start(), m.start() + len(m.group("v")), v))
        pos = m.start()
    return items


def find_bare_numbers(text: str) -> list[tuple[int, int, float]]:
    """Unitless numbers (for transference numbers): ``0.56`` -> (start, end, 0.56)."""
    out = []
    for m in re.finditer(rf"(?<![\w.^/-])({_NUM})(?![\w.^%/]|\s?(?:°|K\b|mS|S\b|V\b|eV|mA|wt|mol|nm|µm|h\b|min|C\b))", text):
        try:
            out.append((m.start(), m.end(), float(m.group(1))))
        except ValueError:
            continue
    return out

"""Normalize PDF-converted text for the NLP stage, keeping a map back to source offsets.

What it does, in one pass over the text with one compiled pattern:

* inline LaTeX: ``$\\text{Li}_{1.5}\\text{Al}_{0.4}$`` -> ``Li1.5Al0.4``; ``\\times`` -> ``×``;
  ``\\mathrm{S\\,cm^{-1}}`` -> ``S cm^-1``; ``\\sim`` -> ``~``; ``^\\circ\\text{C}`` -> ``°C``
* unicode subscripts are flattened (``Li₆PS₅Cl`` -> ``Li6PS5Cl``), superscripts become ``^``
  exponents (``10⁻³`` -> ``10^-3``, ``cm⁻¹`` -> ``cm^-1``, ``Li⁺`` -> ``Li^+``)
* OCR slips of the seeds: ``imes`` for ``×``, decimal commas in subscripts (``Li_{6,4}`` ->
  ``Li6.4``), spaces before subscripts (``Li ₆PS ₅Cl``, ``Li _{0.33}``), NBSP and thin spaces, the
  unicode minus sign.

>>> normalize("Li ₆PS ₅Cl has 1.9 × 10⁻³ S cm⁻¹").text
'Li6PS5Cl has 1.9 × 10^-3 S cm^-1'
>>> n = normalize("$\\\\text{Li}_{3}$ x"); n.text, n.source_offset(n.text.index("x"))
('Li3 x', 16)
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ", "0123456789+-=()x")
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿˣ", "0123456789+-=()nx")
_SUB_CHARS = "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₓ"
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿˣ"

# LaTeX commands that become a plain character (or nothing).
_COMMANDS = {
    "times": "×", "cdot": "·", "sim": "~", "approx": "~", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "pm": "±", "mu": "µ", "sigma": "σ", "delta": "δ", "beta": "β", "nu": "ν", "tau": "τ", "theta": "θ",
    "gamma": "γ", "omega": "ω", "pi": "π", "Phi": "Φ", "AA": "Å", "degree": "°", "circ": "°", "prime": "'",
    "infty": "∞", "rightarrow": "→", "leftrightarrow": "↔", "ll": "≪", "parallel": "‖", "qquad": " ",
    "left": "", "right": "", "ln": "ln", "bar": "", "sqrt": "√", "int": "∫", "frac": "", "tag": "",
}
_WRAPPERS = r"text|mathrm|mathbf|mathit|rm|mbox|textrm|textit|textbf|operatorname"

_PATTERN = re.compile(
    "|".join(
        [
            r"(?P<dollar>\$)",
            rf"(?P<wrap>\\(?:{_WRAPPERS})\s*)",
            r"(?P<space>\\[,;:! ]|[\u00a0\u2009\u202f\u2002\u2003\u2007\u200a])",
            r"(?P<zw>[\u200b\u200c\u200d\ufeff\u00ad])",
            r"(?P<cmd>\\[A-Za-z]+)",
            # a subscript group, possibly after a stray space: " _{6,4}" / "_{0.33}" / "_5"
            r"(?P<sub> ?_\{(?P<subin>[^{}]*)\}| ?_(?P<subone>[A-Za-z0-9]))",
            r"(?P<degree>\^\s*\\circ\s*)",
            r"(?P<sup> ?\^\{(?P<supin>[^{}]*)\}| ?\^(?P<supone>[A-Za-z0-9+\-−]))",
            r"(?P<uniSub> ?[" + _SUB_CHARS + r"]+)",
            # "Li ₆ La ₃ Zr ₂": the space a PDF leaves between a subscript and the next element
            r"(?P<subgap>(?<=[" + _SUB_CHARS + r"}]) (?=(?:[A-Z][a-z]?)+ ?(?:[" + _SUB_CHARS + r"]|_))"
            r"|(?<=[" + _SUB_CHARS + r"]) (?=(?:[A-Z][a-z]?)+(?![\w^])))",
            r"(?P<uniSup>(?:(?<=[\w)]) (?=[⁻⁺])|(?<=\b10) )?[" + _SUP_CHARS + r"]+)",
            r"(?P<imes>(?<=[\d\s$])imes(?=\s*10))",
            r"(?P<minus>[−‐‑﹣－])",
            r"(?P<brace>[{}])",
        ]
    )
)


@dataclass
class Normalized:
    """Normalized text plus the offset map: ``source_offset(i)`` is where char i came from."""

    text: str
    _norm_starts: list[int] = field(default_factory=list, repr=False)
    _src_starts: list[int] = field(default_factory=list, repr=False)

    def source_offset(self, i: int) -> int:
        k = bisect_right(self._norm_starts, i) - 1
        if k < 0:
            return i
        norm_start, src_start = self._norm_starts[k], self._src_starts[k]
        return src_start + (i - norm_start)


def _script_text(inner: str) -> str:
    """The content of a ``_{...}``/``^{...}`` group, its own LaTeX flattened."""
    return normalize(inner).text.replace(" ", "") if ("\\" in inner or "$" in inner) else inner.replace(" ", "")


def _replacement(m: re.Match) -> str:
    kind = m.lastgroup
    if kind in ("dollar", "wrap", "zw", "brace", "subgap"):
        return ""
    if kind == "space":
        return " "
    if kind == "cmd":
        name = m.group()[1:]
        return _COMMANDS.get(name, "")
    if kind == "sub":
        inner = m.group("subin") if m.group("subin") is not None else m.group("subone")
        inner = _script_text(inner)
        return re.sub(r"(?<=\d),(?=\d)", ".", inner)  # OCR decimal comma: Li_{6,4}
    if kind == "sup":
        inner = m.group("supin") if m.group("supin") is not None else m.group("supone")
        inner = _script_text(inner).replace("−", "-")
        if inner in ("°", "\\circ", "o"):
            return "°"
        return "^" + inner if inner else ""
    if kind == "uniSub":
        return m.group().lstrip(" ").translate(SUBSCRIPTS)
    if kind == "uniSup":
        return "^" + m.group().lstrip(" ").translate(SUPERSCRIPTS)
    if kind == "degree":
        return "°"
    if kind == "imes":
        return "×"
    if kind == "minus":
        return "-"
    return m.group()


def normalize(text: str) -> Normalized:
    """Normalize one piece of text (a line, a sentence, a cell). See the module docstring."""
    out: list[str] = []
    norm_starts: list[int] = []
    src_starts: list[int] = []
    pos = 0
    n = 0
    for m in _PATTERN.finditer(text):
        if m.start() > pos:
            chunk = text[pos:m.start()]
            norm_starts.append(n)
            src_starts.append(pos)
            out.append(chunk)
            n += len(chunk)
        rep = _replacement(m)
        if rep:
            norm_starts.append(n)
            src_starts.append(m.start())
            out.append(rep)
            n += len(rep)
        pos = m.end()
    if pos < len(text):
        norm_starts.append(n)
        src_starts.append(pos)
        out.append(text[pos:])
    result = "".join(out)
    if "  " in result or "° C" in result:
        result, norm_starts, src_starts = _collapse(result, norm_starts, src_starts)
    return Normalized(result, norm_starts, src_starts)


_COLLAPSE = re.compile(r"(?<=°) (?=[CFK]\b)| {2,}")


def _collapse(text: str, norm_starts: list[int], src_starts: list[int]):
    """Squeeze runs of spaces and join ``° C``; rebuilds the map through the removed spans."""
    removed: list[tuple[int, int]] = []  # (position in the old text, chars removed there)
    pieces = []
    pos = 0
    for m in _COLLAPSE.finditer(text):
        keep = " " if m.group().startswith("  ") else ""
        pieces.append(text[pos:m.start()] + keep)
        removed.append((m.start() + len(keep), len(m.group()) - len(keep)))
        pos = m.end()
    pieces.append(text[pos:])
    new_text = "".join(pieces)

    def shift(i: int) -> int:
        return i - sum(k for at, k in removed if at < i)

    return new_text, [shift(i) for i in norm_starts], src_starts


def plain(text: str) -> str:
    """Normalized text without the offset map (for cells, headers and short strings)."""
    return normalize(text).text.strip()

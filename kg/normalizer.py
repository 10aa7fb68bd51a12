"""Normalize PDF-converted text for the NLP stage, keeping a map back to source offsets.

What it does, in one pass over the text with one compiled pattern:

* inline LaTeX: ``$\\text{Li}_{1.5}\\text{Al}_{0.4}$`` -> ``Li1.5Al0.4``; ``\\times`` -> ``×``;
  ``\\mathrm{S\\,cm^{-1}}`` -> ``S cm^-1``; ``\\sim`` -> ``~``; ``^\\circ\\text{C}`` -> ``°C``
* unicode subscripts are flattened (``Li₆PS₅Cl`` -> ``Li6PS5Cl``), superscripts become ``^``
  exponents (``10⁻³`` -> ``10^-3``, ``cm⁻¹`` -> ``cm^-1``, ``Li⁺`` -> ``Li^+``)
* markdown and HTML emphasis around words is dropped: ``*in situ*`` -> ``in situ``, ``<i>et al.</i>`` ->
  ``et al.``
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

_SPACES = "\u00a0\u2009\u202f\u2002\u2003\u2007\u200a"
_ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u00ad"
_MINUS = "−‐‑﹣－"
# Every alternative below starts with one of these characters. Checking it first lets the regex engine skip
# ordinary text quickly (3-4x faster over the corpus); tests/test_normalizer.py checks the list is complete.
_FIRST_CHARS = r"$\\ _^·i(\-{}*<" + "\n" + _SPACES + _ZERO_WIDTH + _MINUS + _SUB_CHARS + _SUP_CHARS
_PATTERN = re.compile(
    "(?=[" + _FIRST_CHARS + "])(?:" + "|".join(
        [
            r"(?P<dollar>\$)",
            rf"(?P<wrap>\\(?:{_WRAPPERS})\s*)",
            r"(?P<space>\\[,;:! ]|[" + _SPACES + "])",
            r"(?P<zw>[" + _ZERO_WIDTH + "])",
            # "M\sigma(BH_4)(NH_2)": OCR read the g of Mg as a sigma
            r"(?P<ocrsigma>(?<=M)\\sigma(?=[(\[A-Z_\d]))",
            r"(?P<cmd>\\[A-Za-z]+(?:(?<=\\cdot) )?)",  # "\\cdot x": the space ends the command name
            # a subscript group, possibly after a stray space: " _{6,4}" / "_{0.33}" / "_5"
            # (a space before a math-mode count is a PDF artifact too: "Mg(diglyme) $_{0.5}$")
            r"(?P<sub> ?_\{(?P<subin>[^{}]*)\}| ?_(?P<subone>[A-Za-z0-9])| \$_\{(?P<subnum>[\d.xyzδ+\-]+)\})",
            r"(?P<degree>\^\s*\\circ\s*)",
            r"(?P<sup> ?\^\{(?P<supin>[^{}]*)\}| ?\^(?P<supone>[A-Za-z0-9+\-−]))",
            r"(?P<uniSub> ?[" + _SUB_CHARS + r"]+)",
            # "Li ₆ La ₃ Zr ₂": the space a PDF leaves after a subscript (kept or dropped: _joins_formula)
            r"(?P<subgap>(?:(?<=[" + _SUB_CHARS + r"}])|(?<=}\$)|(?<=_[A-Za-z0-9])) (?=\$?\(?[A-Z]))",
            # "LiBH₄ · NH₃", "I_{0.25} · (0.75Li₂S · 0.25P₂S₅)": an adduct dot set off by spaces
            r"(?P<dotgap>(?<=[\w)}" + _SUB_CHARS + r"]) ?· ?(?=[\d(A-Z]))",
            r"(?P<uniSup>(?:(?<=[\w)]) (?=[⁻⁺])|(?<=\b10) )?[" + _SUP_CHARS + r"]+)",
            r"(?P<imes>(?<=[\d\s$])imes(?=\s*10))",
            # "ZnO(a)LATP": OCR read the "@" of a coated material as "(a)"
            r"(?P<ocrat>(?<=[A-Za-z)\]])\(a\)(?=[A-Z]))",
            r"(?P<minus>[" + _MINUS + "])",
            # "MM-\nNCB", "ball-\nmilled": a hyphenated word broken across lines is one word
            r"(?P<hyphenbreak>(?<=[A-Za-z0-9)*])-\n(?=[A-Za-z0-9(]))",
            r"(?P<brace>[{}])",
            # emphasis around a word or two: "*in situ*", "*closo*-borates", "<i>et al.</i>" (the words stay)
            r"(?P<emph>(?<![\w*])\*(?=[A-Za-z](?:[^*\n]{0,30}?[A-Za-z.])?\*(?![\w*]))|(?<=[A-Za-z.])\*(?![\w*])|</?i>)",
        ]
    ) + ")"
)


@dataclass
class Normalized:
    """Normalized text plus the offset map: ``source_offset(i)`` is where char i came from."""

    text: str
    _norm_starts: list[int] = field(default_factory=list, repr=False)
    _src_starts: list[int] = field(default_factory=list, repr=False)
    _pre_map: list[int] | None = field(default=None, repr=False)  # after the math-space pass
    _src_len: int | None = field(default=None, repr=False)  # length of the text the segments came from

    def source_offset(self, i: int) -> int:
        k = bisect_right(self._norm_starts, i) - 1
        offset = i if k < 0 else self._src_starts[k] + (i - self._norm_starts[k])
        if k >= 0:
            # a replacement longer than its source ("⁰" -> "^0") must not run past it (out of the text, or
            # backwards against the next segment)
            limit = self._src_starts[k + 1] if k + 1 < len(self._src_starts) else self._src_len
            if limit is not None and offset > limit:
                offset = max(limit, self._src_starts[k])
        if self._pre_map is not None:
            offset = self._pre_map[min(offset, len(self._pre_map) - 1)] if self._pre_map else offset
        return offset


_MATH = re.compile(r"\$[^$]*\$")
_TEXT_GROUP = re.compile(rf"\\(?:{_WRAPPERS})\s*\{{[^{{}}]*\}}")


def _math_spaces(text: str) -> tuple[str, list[int]] | None:
    """Drop the spaces LaTeX ignores in math mode (``$0.75 \\text{Li}_2 \\text{S}$`` -> one formula).

    Spaces inside ``\\text{...}`` and escaped spaces (``\\ ``) stay. Returns the new text and, for each
    of its characters, the source offset; None when there is nothing to do.
    """
    if "$" not in text:
        return None
    chars = list(text)
    drop: set[int] = set()
    for m in _MATH.finditer(text):
        protected = set()
        for t in _TEXT_GROUP.finditer(text, m.start(), m.end()):
            protected.update(range(t.start(), t.end()))
        for i in range(m.start() + 1, m.end() - 1):
            if i in protected:
                continue
            if text[i] == "~":
                chars[i] = " "  # a math-mode tie is a space
            elif text[i] == " " and text[i - 1] != "\\" and not (text[i - 1].isalpha() and text[i + 1].isalpha()):
                drop.add(i)  # ("\\cdot x" keeps its space: it ends a command name)
    if not drop and chars == list(text):
        return None
    kept = [i for i in range(len(text)) if i not in drop]
    return "".join(chars[i] for i in kept), kept


def _script_text(inner: str) -> str:
    """The content of a ``_{...}``/``^{...}`` group, its own LaTeX flattened."""
    return normalize(inner).text.replace(" ", "") if ("\\" in inner or "$" in inner) else inner.replace(" ", "")


def _replacement(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "dotgap":
        return "·"
    if kind == "subgap":
        return "" if _joins_formula(m.string, m.start()) else " "
    if kind in ("dollar", "wrap", "zw", "brace", "emph"):
        return ""
    if kind == "space":
        return " "
    if kind == "cmd":
        name = m.group()[1:].rstrip()
        return _COMMANDS.get(name, "")
    if kind == "sub":
        inner = next(g for g in (m.group("subin"), m.group("subone"), m.group("subnum")) if g is not None)
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
    if kind == "ocrat":
        return "@"
    if kind == "ocrsigma":
        return "g"
    if kind == "hyphenbreak":
        return "-"
    if kind == "minus":
        return "-"
    return m.group()


_NEXT_PART = re.compile(r"\(?(?P<els>(?:[A-Z][a-z]?)+) ?(?P<sub>[" + _SUB_CHARS + r"]|_)?")
_SINGLE_ELEMENT = re.compile(r"^\(?[A-Z][a-z]?$")
_FINAL_ANION = re.compile(r"(?:Cl|Br|I|F|O|S|Se|N|H)(?![\w^])")


def _joins_formula(text: str, gap: int) -> bool:
    """Is the space at ``gap`` (after a subscript) inside one formula?

    "Li ₆ PS ₅", "Li ₃ AlH ₆", "NaCB ₁₁ H ₁₂", "PS ₅ Cl": yes. "MgH ₂ LiBH ₄" (two compounds of a cell),
    "TiS ₂ Li (" (a counter electrode): no.
    """
    last = gap - 2 if text[gap - 1] == "$" else gap - 1
    if text[last] == "}" and text.rfind("{", 0, last) != text.rfind("_{", 0, last) + 1:
        return False  # the group before the gap is no subscript ("10^{-4} S")
    start = gap + 2 if text[gap + 1:gap + 2] == "$" else gap + 1
    nxt = _NEXT_PART.match(text, start)
    if nxt is None:
        return False
    if text[start] == "(" and nxt.group("sub") is not None:
        return True  # a group continues the formula: "Li(BH₄)_{1-x} (NH₂)_x"
    if nxt.group("sub") is None:
        return bool(_FINAL_ANION.match(text, start))
    if _SINGLE_ELEMENT.match(nxt.group("els")):
        return True
    words = text[max(0, gap - 40):gap].split()
    while len(words) > 1 and words[-1][0] in _SUB_CHARS + "_":
        words[-1] = words.pop(-2) + words[-1]
    prev = re.sub(r"[" + _SUB_CHARS + r"_{}\d.,]", "", words[-1]) if words else ""
    return bool(_SINGLE_ELEMENT.match(prev))


def normalize(text: str) -> Normalized:
    """Normalize one piece of text (a line, a sentence, a cell). See the module docstring."""
    pre = _math_spaces(text)
    pre_map = None
    if pre is not None:
        text, pre_map = pre
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
    return Normalized(result, norm_starts, src_starts, pre_map, len(text))


_COLLAPSE = re.compile(r"(?<=°) (?=[CFK]\b)| {2,}")


def _collapse(text: str, norm_starts: list[int], src_starts: list[int]):
    """Squeeze runs of spaces and join ``° C``, rebuilding the offset map around what was removed."""
    removed: list[tuple[int, int]] = []  # (start, end) in the old text
    for m in _COLLAPSE.finditer(text):
        keep = 1 if m.group().startswith("  ") else 0
        removed.append((m.start() + keep, m.end()))
    if not removed:
        return text, norm_starts, src_starts

    def source(i: int) -> int:
        k = bisect_right(norm_starts, i) - 1
        return i if k < 0 else src_starts[k] + (i - norm_starts[k])

    # kept runs of the old text, each cut again where an old segment starts
    cuts = sorted(set(norm_starts) | {e for _, e in removed} | {0})
    new_norm, new_src, pieces = [], [], []
    n, pos = 0, 0
    for a, b in removed + [(len(text), len(text))]:
        run_cuts = [c for c in cuts if pos <= c < a] or ([pos] if pos < a else [])
        if run_cuts and run_cuts[0] != pos:
            run_cuts.insert(0, pos)
        for j, c in enumerate(run_cuts):
            end = run_cuts[j + 1] if j + 1 < len(run_cuts) else a
            new_norm.append(n)
            new_src.append(source(c))
            n += end - c
        pieces.append(text[pos:a])
        pos = b
    return "".join(pieces), new_norm, new_src


def plain(text: str) -> str:
    """Normalized text without the offset map (for cells, headers and short strings)."""
    return normalize(text).text.strip()

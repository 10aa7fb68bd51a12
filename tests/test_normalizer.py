"""kg.normalizer: LaTeX, unicode scripts, OCR slips, offset map, and real lines of the seed papers."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.normalizer import normalize, plain

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.mark.parametrize(
    "src, expected",
    [
        # inline LaTeX
        (r"$\text{Li}_{1.5}\text{Al}_{0.4}$", "Li1.5Al0.4"),
        (r"1.9 $\times$ 10^{-3}", "1.9 × 10^-3"),
        (r"$\mathrm{S\,cm^{-1}}$", "S cm^-1"),
        (r"$\sim$5 nm", "~5 nm"),
        (r"25 $^\circ\text{C}$", "25 °C"),
        (r"25 $^{\circ}$C", "25 °C"),
        # unicode sub/superscripts
        ("Li₆PS₅Cl", "Li6PS5Cl"),
        ("10⁻³", "10^-3"),
        ("cm⁻¹", "cm^-1"),
        ("Li⁺", "Li^+"),
        ("10 ⁻⁴ S cm ⁻¹", "10^-4 S cm^-1"),
        ("2.8 × 10 ⁻⁴", "2.8 × 10^-4"),
        # OCR slips
        ("1.6 imes 10^{-3}", "1.6 × 10^-3"),
        ("Li_{6,4}PS_{5,4}Cl_{0,6}", "Li6.4PS5.4Cl0.6"),
        ("Li ₆PS ₅Cl", "Li6PS5Cl"),
        ("Li _{0.33}La", "Li0.33La"),
        ("Li ₆ La ₃ Zr ₂ O ₁₂", "Li6La3Zr2O12"),
        ("4\u00a0mS\u2009cm", "4 mS cm"),
        ("−5 °C", "-5 °C"),
        ("25 ° C", "25 °C"),
        ("x\u200by", "xy"),
        ("a  b", "a b"),
        ("Li ₆PS ₅Cl has 1.9 × 10⁻³ S cm⁻¹", "Li6PS5Cl has 1.9 × 10^-3 S cm^-1"),
        ("Ca(diglyme) $_{0.5}$ (BH₄)₂", "Ca(diglyme)0.5(BH4)2"),
        ("ZnO(a)LATP, panel (a) Li", "ZnO@LATP, panel (a) Li"),
        (r"$M\sigma(BH_4)_2$ and $\sigma$", "Mg(BH4)2 and σ"),
    ],
)
def test_normalize_text(src, expected):
    assert normalize(src).text == expected
    assert plain(src) == expected


def test_plain_strips_surrounding_space():
    assert plain("  Li₃InCl₆ \u00a0") == "Li3InCl6"


def test_plain_text_is_unchanged():
    s = "Li6PS5Cl shows 4.96 mS cm^-1 at 25 °C [12]."
    assert normalize(s).text == s
    n = normalize(s)
    assert [n.source_offset(i) for i in range(len(s))] == list(range(len(s)))


def test_source_offset_maps_back_through_latex():
    src = r"$\text{Li}_{3}$ x has 10⁻³ S"
    n = normalize(src)
    assert n.text == "Li3 x has 10^-3 S"
    assert n.source_offset(n.text.index(" x") + 1) == src.index(" x") + 1
    assert n.source_offset(0) == src.index("L")
    assert n.source_offset(n.text.index("has")) == src.index("has")
    assert n.source_offset(n.text.index("10")) == src.index("10")
    assert n.source_offset(n.text.index("^")) == src.index("⁻")
    assert n.source_offset(n.text.index("S")) == src.index("S")


def test_source_offset_through_subscripts_and_nbsp():
    src = "at 25\u00a0°C and Li ₆PS ₅Cl end 10⁻⁴ S cm⁻¹ x"
    n = normalize(src)
    assert n.text == "at 25 °C and Li6PS5Cl end 10^-4 S cm^-1 x"
    for word in ("°C", "and", "Li", "PS", "Cl", "end", "10", "S", "cm", " x"):
        assert n.source_offset(n.text.index(word)) == src.index(word)


# (seed file prefix, a substring copied from the seed, its normalized form)
SEED_LINES = [
    ("000", "Li₃N, sulfide, argyrodite", "Li3N, sulfide, argyrodite"),
    ("000", "ion conductivity above 10^{-4} S cm⁻¹, accompanied",
     "ion conductivity above 10^-4 S cm^-1, accompanied"),
    ("001", r"$1.5\text{Li}_2\text{O-TaCl}_5$	6.6	0.274 eV	[159]", "1.5Li2O-TaCl5\t6.6\t0.274 eV\t[159]"),
    ("001", r"of over $10^{-4} \text{ S cm}^{-1}$ at 30°C , with LiCl as the adsorbent.",
     "of over 10^-4 S cm^-1 at 30°C , with LiCl as the adsorbent."),
    ("001", "PEO/LiClO ₄	SiO ₂	10%	Nanoparticle	/	/	4.4 × 10 ⁻⁵ /30 °C	[179]",
     "PEO/LiClO4\tSiO2\t10%\tNanoparticle\t/\t/\t4.4 × 10^-5 /30 °C\t[179]"),
    ("002", r"$1.6 imes 10^{-3} (25 \ ^{\circ}C)$", "1.6×10^-3(25 °C)"),  # math-mode spaces dropped
    ("002", "NaCB ₁₂ H ₁₂	1.2 × 10 ⁻¹ (110 °C)", "NaCB12H12\t1.2 × 10^-1 (110 °C)"),
    ("002", "while NaCB₁₁H₁₂ reaches 10⁻¹ S cm⁻¹ at 100 °C", "while NaCB11H12 reaches 10^-1 S cm^-1 at 100 °C"),
    ("003", "coated a NASICON-type SE $Li_{1,3}Al_{0,3}Ti_{1,7}(PO_4)_3$ (LATP)",
     "coated a NASICON-type SE Li1.3Al0.3Ti1.7(PO4)3 (LATP)"),
    ("003", "(e.g., LiCoO₂: 140 mA h g⁻¹, LiFePO₄: 170 mA h g⁻¹",
     "(e.g., LiCoO2: 140 mA h g^-1, LiFePO4: 170 mA h g^-1"),
    ("004", r"collected at 428 K ($155\text{ }^{\circ}\text{C}$), a peak",
     "collected at 428 K (155 °C), a peak"),
    ("004", "leading to an rt conductivity of 4 mS cm⁻¹.", "leading to an rt conductivity of 4 mS cm^-1."),
    ("004", "critical current density of 0.12 mA cm⁻², able", "critical current density of 0.12 mA cm^-2, able"),
]


@pytest.mark.parametrize("prefix, src, expected", SEED_LINES)
def test_seed_lines(prefix, src, expected):
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    assert src in path.read_text(encoding="utf-8"), "the example must be copied from the seed"
    assert normalize(src).text == expected


def test_every_seed_has_a_line_here():
    assert {p for p, _, _ in SEED_LINES} == {"000", "001", "002", "003", "004"}


def test_first_character_check_skips_no_match():
    """The normalizer's pattern starts with a look-ahead on the first characters of its alternatives (for
    speed); without it the pattern must find exactly the same matches, on every corpus line and on text
    built from the characters that matter."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg import normalizer

    lookahead = "(?=[" + normalizer._FIRST_CHARS + "])"
    assert normalizer._PATTERN.pattern.startswith(lookahead)
    plain_pattern = re.compile(normalizer._PATTERN.pattern[len(lookahead):])

    def spans(pattern, text):
        return [(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text)]

    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            assert spans(normalizer._PATTERN, line) == spans(plain_pattern, line)

    alphabet = st.sampled_from(list("$\\_^{}()·-−ia mes10ₓ₂⁻⁺°CLi\n\u00a0\u200b") + ["\\cdot", "\\text{", "imes"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(alphabet, max_size=30).map("".join))
    def same(text):
        assert spans(normalizer._PATTERN, text) == spans(plain_pattern, text)

    same()


@pytest.mark.parametrize("text, expected", [
    ("by *in situ* cross-linking", "by in situ cross-linking"),
    ("Kim *et al.* and Lee <i>et al.</i> [3]", "Kim et al. and Lee et al. [3]"),
    ("sodium *closo*-\nborates", "sodium closo-borates"),
    ("the *R*-3 phase", "the R-3 phase"),
    ("**Table 2.** Conductivities", "**Table 2.** Conductivities"),
    ("a*b and 5*3", "a*b and 5*3"),
])
def test_emphasis_around_words_is_dropped(text, expected):
    n = normalize(text)
    assert n.text == expected
    assert text[n.source_offset(n.text.index(expected.split()[-1]))] == expected.split()[-1][0]

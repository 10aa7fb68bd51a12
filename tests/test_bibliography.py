"""Reference lists and citation markers of the five seed papers (kg.bibliography)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from kg.bibliography import (
    citation_markers,
    detect_style,
    expand_numbers,
    find_citations,
    find_reference_section,
    parse_references,
)
from kg.models import CitationMarker, Reference

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = {p.name[:3]: p for p in sorted(CORPUS.glob("*.txt"))}


@lru_cache(maxsize=None)
def seed(key: str):
    lines = SEEDS[key].read_text(encoding="utf-8").split("\n")
    start = find_reference_section(lines)
    refs = parse_references(lines, start)
    style = detect_style(lines, refs)
    markers = citation_markers(lines, start, style)
    return lines, start, refs, style, markers


def ref(key: str, number: int) -> Reference:
    (found,) = [r for r in seed(key)[2] if r.number == number]
    return found


# ---------------------------------------------------------------------------------------------
# reference section


@pytest.mark.parametrize(
    "key, index, heading",
    [("000", 283, "References"), ("001", 392, "References"), ("002", 427, "References"),
     ("003", 411, "References"), ("004", 661, "699 **REFERENCES**")],
)
def test_reference_heading(key, index, heading):
    lines, start, *_ = seed(key)
    assert start == index
    assert lines[start].strip() == heading


def test_reference_heading_variants():
    assert find_reference_section(["Intro", "Notes and references", "1 A. B, T, *J.*, 2020, 1, 2."]) == 1
    assert find_reference_section(["## References", "x", "**REFERENCES**", "y"]) == 2  # the last one wins
    assert find_reference_section(["SSEs\tConductivity\tReferences", "text"]) is None  # a table header
    assert find_reference_section(["no heading here"]) is None


# ---------------------------------------------------------------------------------------------
# hand-checked entries, one block per style


def test_mdpi_entries():
    r = ref("000", 1)
    assert (r.number, r.line) == (1, 286)
    assert r.authors == ["Schlem, R.", "Burmeister, C.F.", "Michalowski, P.", "Ohno, S.", "Dewald, G.F.",
                         "Kwade, A.", "Zeier, W.G."]
    assert r.title == "Energy Storage Materials for Solid-State Batteries: Design by Mechanochemistry"
    assert (r.journal, r.year, r.volume, r.pages, r.doi) == ("Adv. Energy Mater.", 2021, "11", "2101022", None)
    assert "CrossRef" not in r.raw and r.raw.startswith("Schlem, R.;")

    r = ref("000", 36)  # the "36." label was lost in conversion
    assert r.line == 322
    assert r.authors[0] == "Wang, Y." and r.authors[-1] == "Lu, L." and len(r.authors) == 6
    assert r.title == "Development of Solid-State Electrolytes for Sodium-Ion Battery–A Short Review"
    assert (r.journal, r.year, r.volume, r.pages) == ("Nano Mater. Sci.", 2019, "1", "91–100")

    r = ref("000", 40)  # journal not in italics
    assert r.authors == ["Dudney, N.J."]
    assert (r.title, r.journal, r.year, r.volume, r.pages) == (
        "Thin Film Micro-Batteries", "Electrochem. Soc. Interface", 2008, "17", "44-48")

    r = ref("000", 3)  # a web page: no journal, no publication year
    assert r.title == "Battery2030+—Battery 2030+" and r.journal is None and r.year is None

    r = ref("001", 1)  # MDPI without the leading "- "
    assert r.line == 395
    assert r.authors == ["Pan, J.", "Zhao, P.", "Wang, N.N.", "Huang, F.Q.", "Dou, S.X."]
    assert (r.journal, r.year, r.volume, r.pages) == ("Energy Environ. Sci.", 2022, "15", "2753–2775")


def test_elsevier_entries():
    r = ref("002", 1)  # the first entry lost its "[1]"
    assert (r.number, r.line) == (1, 430)
    assert r.authors == ["X. Yang", "K.R. Adair", "X. Gao", "X. Sun"]
    assert r.title == ("Recent advances and perspectives on thin electrolytes for high-energy-density "
                       "solid-state lithium batteries")
    assert (r.journal, r.year, r.volume, r.pages) == ("Energy Environ. Sci.", 2021, "14", "643–671")
    assert r.doi == "10.1039/D0EE02714F"

    r = ref("002", 2)  # "https:// doi.org/..."
    assert r.authors[:2] == ["X. Feng", "H.-H. Wu"] and r.authors[3] == "M. Świętosławski"
    assert (r.journal, r.year, r.volume, r.pages) == ("Nano Res.", 2022, "15", "352–360")
    assert r.doi == "10.1007/s12274-021-3482-0"

    assert ref("002", 3).doi == "10.1016/j.ensm.2021.02.036"  # "10.1016/ j.ensm..."
    assert ref("002", 12).doi == "10.1016/j.nanoen.2019.104295"  # "j.nanoen. 2019..."
    assert ref("002", 4).journal == "Adv. Mater." and ref("002", 4).year == 2018  # wrapped over 2 lines

    r = ref("002", 9)  # a truncated duplicate line precedes the full entry
    assert r.line == 442 and r.pages == "49–57" and len(r.authors) == 8

    r = ref("002", 26)  # a thesis
    assert r.title.startswith("Phase Behavior") and r.year == 2013 and r.journal is None


def test_rsc_entries():
    r = ref("003", 1)
    assert (r.number, r.line) == (1, 414)
    assert r.authors == ["B. Scrosati", "J. Garche"]
    assert (r.title, r.journal, r.year, r.volume, r.pages) == (
        "Lithium batteries: Status, prospects and future", "J. Power Sources", 2010, "195", "2419–2430")

    r = ref("003", 12)  # wrapped across a blank line
    assert r.authors == ["C. Zhang", "Y.-L. Wei", "P.-F. Cao", "M.-C. Lin"]
    assert r.title == "Energy storage system: Current studies on batteries and power condition system"
    assert (r.journal, r.year, r.volume, r.pages) == ("Renewable Sustainable Energy Rev.", 2018, "82", "3091–3106")

    r = ref("003", 112)  # label lost, entry wrapped
    assert r.line == 539 and r.authors[0] == "S. Liu" and r.authors[-1] == "C.-W. Nan"
    assert r.journal == "Adv. Energy Mater." and r.year == 2022

    r = ref("003", 127)  # plain-text journal with a comma in it
    assert (r.journal, r.year, r.volume, r.pages) == ("Angew. Chem., Int. Ed.", 2023, "62", "e202217203")
    assert r.title.endswith("(MgPON) Solid-State Electrolytes")


def test_acs_entries():
    r = ref("004", 1)  # lines carry PDF line numbers "700 (1) ..."
    assert (r.number, r.line) == (1, 664)
    assert r.authors[4] == "Kuposov, A. Y." and r.authors[-1] == "Casas-Cabanas, M." and len(r.authors) == 8
    assert r.title == "Challenges of Today for Na-Based Batteries of the Future: From Materials to Cell Metrics"
    assert (r.journal, r.year, r.volume, r.pages) == ("J. Power Sources", 2021, "482", "228872")
    assert not r.raw[:1].isdigit()

    r = ref("004", 93)
    assert r.authors == ["Murgia, F.", "Brighi, M.", "Černý, R."]
    assert r.title == "Room-Temperature-Operating Na Solid-State Battery with Complex Hydride as Electrolyte"
    assert (r.journal, r.year, r.volume, r.pages) == ("Electrochem. Commun.", 2019, "106", "106534")

    r = ref("004", 54)  # trailing line numbers "... Phase 886"
    assert r.raw == ("Gaffet, E.; Yousfi, L. Crystal to Non-Equilibrium Phase Transition Induced by Ball-Milling. "
                     "*Mater. Sci. Forum* **1992**, 88–90, 51–58.")
    assert (r.volume, r.pages) == ("88–90", "51–58")

    assert ref("004", 25).journal == "J. Am. Chem. Soc."  # "*J.*\nAm. Chem. Soc."
    assert ref("004", 11).title == "A New Breed of Battery - Investor Presentation"  # a web document
    assert ref("004", 11).authors == []


def test_parse_stops_at_back_matter():
    lines = ["References", "1. Doe, J. A Title. *J. Chem.* **2020**, *5*, 1–9. [CrossRef]",
             "Disclaimer/Publisher's Note: The statements ...", "2. Not, A. Reference. *X* **2021**, *1*, 1."]
    refs = parse_references(lines, 0)
    assert [r.number for r in refs] == [1]
    assert refs[0].raw == "Doe, J. A Title. *J. Chem.* **2020**, *5*, 1–9."


# ---------------------------------------------------------------------------------------------
# markers


def test_range_expansion():
    assert expand_numbers("77–79") == [77, 78, 79]
    assert expand_numbers("1,206–208") == [1, 206, 207, 208]
    assert expand_numbers("5-7") == expand_numbers("5−7") == expand_numbers("⁵⁻⁷") == [5, 6, 7]
    assert expand_numbers("45, 46") == [45, 46]
    assert expand_numbers("11.12") is None
    assert expand_numbers("11.12", allow_dot=True) == [11, 12]
    assert expand_numbers("0.5", allow_dot=True) is None
    assert expand_numbers("9–3") is None


def test_bracket_markers():
    text = "as shown [52], [77–79] and [45,46]; see [1,206–208] and [11.12] but not [BH4] [CrossRef] [0.5]"
    found = [(text[s:e], nums) for s, e, nums in find_citations(text, "bracket")]
    assert found == [("[52]", [52]), ("[77–79]", [77, 78, 79]), ("[45,46]", [45, 46]),
                     ("[1,206–208]", [1, 206, 207, 208]), ("[11.12]", [11, 12])]
    assert find_citations("[[CrossRef](#)] [B_{12}H_{12}] [S cm ⁻¹]", "bracket") == []


def test_superscript_markers():
    text = "precursors,^{1,2} with batteries.^{3–6} electrode,⁷ thus LIBs.¹²⁻¹⁵ and (bcc)⁶⁴ with Kang et al. ¹¹⁴"
    found = [nums for _, _, nums in find_citations(text, "superscript")]
    assert found == [[1, 2], [3, 4, 5, 6], [7], [12, 13, 14, 15], [64], [114]]


@pytest.mark.parametrize(
    "text",
    [
        "4 mS cm⁻¹ at rt", "of 4 mS cm^{-1}", "area of 2 cm^{2} and", "per m^{2}.", "1 m² area", "10⁻³ S",
        "10^{3} times", "10⁷ Hz", "Li⁺ ions", "Mg²⁺ conductivity", "Fe³⁺-doped", "[B_xH_x]²⁻ (x = 1",
        "[B12H12]^{2-} anion", "²³Na NMR", "(c) ^{23}Na SS-NMR", "a charge ^{+}", "Li^{δ-}", "V (Å ³)",
        "x^{2} + y", "$(x+1)^{2}$", "A h g_{NCM}⁻¹", "Nanchang^{ab} and", "Seongki Ahn ^{b *c}",
    ],
)
def test_superscript_pitfalls_are_not_citations(text):
    assert find_citations(text, "superscript") == []


def test_line_numbered_body():
    lines = ["72 weakest coordinating anions.³⁵ In addition, many theoretical",
             "73^{36–38} and experimental^{39–41} studies", "74 ship between"]
    markers = citation_markers(lines, len(lines), "superscript")
    assert markers == [CitationMarker([35], 1, "³⁵"), CitationMarker([36, 37, 38], 2, "^{36–38}"),
                       CitationMarker([39, 40, 41], 2, "^{39–41}")]


def test_bad_style():
    with pytest.raises(ValueError):
        find_citations("[1]", "numeric")


# ---------------------------------------------------------------------------------------------
# acceptance over the seeds

EXPECTED = {  # key: (style, entries, highest number, numbers missing from the text)
    "000": ("bracket", 270, 270, set()),
    "001": ("bracket", 236, 236, set()),
    "002": ("bracket", 141, 142, {87}),  # entry [87] is absent from the converted text
    "003": ("superscript", 176, 176, set()),
    "004": ("superscript", 94, 94, set()),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_acceptance(key):
    lines, start, refs, style, markers = seed(key)
    exp_style, n_entries, highest, missing = EXPECTED[key]
    numbers = [r.number for r in refs]
    assert style == exp_style
    assert len(numbers) == len(set(numbers)) == n_entries
    assert max(numbers) == highest
    assert set(range(1, highest + 1)) - set(numbers) == missing
    assert numbers == sorted(numbers)
    assert all(start < r.line - 1 < len(lines) for r in refs)
    with_year_title = sum(1 for r in refs if r.year and r.title)
    assert with_year_title / len(refs) >= 0.95
    assert sum(1 for r in refs if r.journal) / len(refs) >= 0.95
    cited = [n for m in markers for n in m.numbers]
    assert len(markers) >= 80
    assert sum(1 for n in cited if n <= highest) / len(cited) >= 0.95
    assert all(m.text in lines[m.line - 1] for m in markers)


def test_docstring_examples():
    import doctest

    import kg.bibliography

    assert doctest.testmod(kg.bibliography).failed == 0

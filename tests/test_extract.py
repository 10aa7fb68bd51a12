"""kg.extract end to end: hand-written texts via parse_document, then hand-checked facts of each seed."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import Extractor
from kg.models import CandidateMeasurement, CandidateSynthesis
from kg.reader import parse_document, read_document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
# a title and an author line first, so the sentence under test is a paragraph (line 5)
HEAD = "A test paper on solid electrolytes for batteries\n\nA. Author and B. Writer\n\n"


@pytest.fixture(scope="session")
def extractor():
    return Extractor()


def run(extractor, body):
    return extractor.extract(parse_document(HEAD + body, "hand"))


def measurements(cands):
    return [(c.material, c.formula, c.property, c.value, c.value_max, c.unit, c.qualifier, c.temperature_c, c.refs,
             c.evidence.line, c.evidence.source) for c in cands if isinstance(c, CandidateMeasurement)]


def test_material_value_temperature_citation(extractor):
    (c,) = run(extractor, "Li6PS5Cl exhibits an ionic conductivity of 4.96 mS cm⁻¹ at 25 °C [12].\n")
    assert isinstance(c, CandidateMeasurement)
    assert (c.material, c.formula, c.property, c.unit, c.qualifier, c.temperature_c, c.refs) == (
        "Li6PS5Cl", "Li6PS5Cl", "ionic_conductivity", "S/cm", "=", 25.0, ["12"])
    assert c.value == pytest.approx(0.00496, rel=1e-9) and c.value_max is None
    assert (c.evidence.doc, c.evidence.line, c.evidence.source) == ("hand", 5, "text")
    assert c.evidence.text == "Li6PS5Cl exhibits an ionic conductivity of 4.96 mS cm^-1 at 25 °C [12]."


def test_kelvin_and_power_of_ten(extractor):
    out = measurements(run(extractor, "The ionic conductivity of Li7La3Zr2O12 is 10⁻⁴ S cm⁻¹ at 373 K.\n"))
    assert out == [("Li7La3Zr2O12", "Li7La3Zr2O12", "ionic_conductivity", 0.0001, None, "S/cm", "=", 99.85, [], 5, "text")]


def test_respectively_conductivities(extractor):
    out = measurements(run(extractor, "Li6PS5Cl and Li3InCl6 show ionic conductivities of 4.96 and 1.49 mS cm⁻¹, respectively.\n"))
    assert [(m[0], m[2], m[3], m[9]) for m in out] == [
        ("Li6PS5Cl", "ionic_conductivity", 0.00496, 5), ("Li3InCl6", "ionic_conductivity", 0.00149, 5)]


def test_respectively_activation_energies_with_refs(extractor):
    out = measurements(run(extractor, "The activation energies of Li6PS5Cl and Li3InCl6 are 0.25 and 0.33 eV, respectively [4,5].\n"))
    assert [(m[0], m[2], m[3], m[5], m[8]) for m in out] == [
        ("Li6PS5Cl", "activation_energy", 0.25, "eV", ["4", "5"]), ("Li3InCl6", "activation_energy", 0.33, "eV", ["4", "5"])]


def test_class_after_as_names_what_the_material_is(extractor):
    out = measurements(run(extractor, "Chen et al. described lithium niobium oxychlorides as glassy SEs, which reach 1.1 mS cm⁻¹.\n"))
    assert [(m[0], m[2], m[3]) for m in out] == [("lithium niobium oxychlorides", "ionic_conductivity", 0.0011)]
    out = measurements(run(extractor, "Polymers, such as PEO-based electrolytes, show limited oxidation stability (<3.8 V).\n"))
    assert [(m[0], m[2], m[3], m[6]) for m in out] == [("PEO-based electrolytes", "electrochemical_window", 3.8, "<")]


def test_cited_study_carries_over_until_own_work_or_span(extractor):
    text = ("Park et al. [7] milled Li3YCl6 for two hours. The Li3YCl6 powder showed 0.5 mS cm⁻¹ at 25 °C. "
            "In the present study, Li3YBr6 reaches 1.7 mS cm⁻¹ at 25 °C.\n")
    out = measurements(run(extractor, text))
    assert [(m[0], m[3], m[8]) for m in out] == [("Li3YCl6", 0.0005, ["7"]), ("Li3YBr6", 0.0017, [])]
    filler = " ".join(f"The Li3YCl6 pellet was pressed at {p} MPa." for p in (100, 200, 300, 400, 500))
    out = measurements(run(extractor, f"Park et al. [7] milled Li3YCl6. {filler} Li3YCl6 showed 0.5 mS cm⁻¹.\n"))
    assert [(m[0], m[3], m[8]) for m in out] == [("Li3YCl6", 0.0005, [])]


def test_paragraph_subject_is_the_product_not_the_reagents(extractor):
    text = ("A garnet, Li6.5La3Zr1.5Nb0.5O12, was prepared by milling Li2CO3, La2O3 and ZrO2. "
            "The pellet showed 0.6 mS cm⁻¹ at 25 °C. LiNbO3 was coated on LiCoO2 particles (LiCoO2@LiNbO3). "
            "An electrochemical window of 4.4 V was reached.\n")
    out = measurements(run(extractor, text))
    assert [(m[0], m[2], m[3]) for m in out] == [
        ("Li6.5La3Zr1.5Nb0.5O12", "ionic_conductivity", 0.0006), ("LiCoO2@LiNbO3", "electrochemical_window", 4.4)]


def test_capacities_without_the_word_capacity_and_group_temperature(extractor):
    out = measurements(run(extractor, "With the new binder, the utilization of LiFePO4 increased from 151 to 163 mA h g⁻¹.\n"))
    assert [(m[0], m[2], m[3]) for m in out] == [("LiFePO4", "specific_capacity", 151.0), ("LiFePO4", "specific_capacity", 163.0)]
    text = "The LiCoO2 cathode delivered (150 mA h g⁻¹, 1st cycle; and 131 mA h g⁻¹, 50th cycle) at 60 °C and 0.1 C.\n"
    assert [(m[3], m[7]) for m in measurements(run(extractor, text))] == [(150.0, 60.0), (131.0, 60.0)]
    text = "NCM/Gr pouch full cells delivered 171 mA h g⁻¹ at 0.1C.\n"
    assert [(m[0], m[3]) for m in measurements(run(extractor, text))] == [("NCM", 171.0)]


def test_anaphoric_class_and_substrates_leave_the_paragraph_subject(extractor):
    text = ("Park et al. made a thio-LISICON/polymer (Li3.25Ge0.25P0.75S4/PEO) composite electrolyte. "
            "This composite electrolyte gave discharge capacities of 1183 mA h g⁻¹. "
            "Films of Li6BaLa2Ta2O12 were made. They were grown on MgO (100) substrates. "
            "The bulk showed 5.0 × 10⁻⁵ S cm⁻¹ at 25 °C.\n")
    out = measurements(run(extractor, text))
    assert [(m[0], m[3]) for m in out] == [("Li3.25Ge0.25P0.75S4/PEO", 1183.0), ("Li6BaLa2Ta2O12", 5e-05)]
    out = measurements(run(extractor, "The coated ZnO(a)LATP gave 156 mA h g_{NCM}^{-1} at 0.2C.\n"))
    assert [(m[0], m[2], m[3]) for m in out] == [("ZnO@LATP", "specific_capacity", 156.0)]


def test_design_goals_and_comparisons(extractor):
    text = "The task is to design a solid electrolyte with an ionic conductivity above 10⁻³ S cm⁻¹ at RT.\n"
    assert measurements(run(extractor, text)) == []
    text = ("A new electrolyte, Na4B10S17, is stable. It shows an electrochemical window of 2.4 V, wider than other sulfide "
            "materials.\n")
    assert [(m[0], m[2], m[3]) for m in measurements(run(extractor, text))] == [("Na4B10S17", "electrochemical_window", 2.4)]


def test_a_varied_component_is_not_the_subject(extractor):
    text = ("The glasses were (100-x)(0.7Li2S·0.3P2S5)·xLiI. An increase in LiI content raised the conductivity. "
            "The highest conductivity was 1.1 mS cm⁻¹ at 25 °C for x = 20.\n")
    assert [m[0] for m in measurements(run(extractor, text))] == ["(100-x)(0.7Li2S·0.3P2S5)·xLiI (x = 20)"]


@pytest.mark.parametrize("text, expected", [
    ("The Li3-xIn1-xZrxCl6 samples with x = 0.5 exhibit conductivities of 1.6 mS cm⁻¹ at 25 °C.",
     ["Li3-xIn1-xZrxCl6 (x = 0.5)"]),
    ("Li7-xPS6-xClx with x = 0.5 and x = 1 showed 1 and 2 mS cm⁻¹, respectively.", ["Li7-xPS6-xClx"] * 2),
    ("Li6PS5Cl shows 3 mS cm⁻¹ at 25 °C, three times more than for x = 3.", ["Li6PS5Cl"]),
])
def test_a_composition_the_sentence_states_names_the_material(extractor, text, expected):
    assert [m[0] for m in measurements(run(extractor, text + "\n"))] == expected


@pytest.mark.parametrize("text, expected", [
    ("A LiF interlayer between Li and Li6PS5Cl improved the cycling of ASSLBs (discharge capacity of 150 mA h g⁻¹).",
     "ASSLBs"),
    ("The flexible SIBs kept a discharge capacity of 95 mA h g⁻¹ over 200 cycles.", "SIBs"),
    ("LiCoO2 in ASSBs delivered 140 mA h g⁻¹.", "LiCoO2"),
])
def test_a_battery_named_by_acronym_owns_a_capacity_when_no_electrode_is_named(extractor, text, expected):
    assert [m[0] for m in measurements(run(extractor, text + "\n"))] == [expected]


@pytest.mark.parametrize("text, expected", [
    # "the capacity for X" is X's, not the paragraph cell's
    ("The NCM/Gr full cells were cycled at 0.1C. The specific capacity for graphite increased from 300 to "
     "340 mA h g⁻¹.", [("graphite", 300.0), ("graphite", 340.0)]),
    # "Their ... are both" after a sentence naming two materials: both
    ("Li3YCl6 and Li3ErCl6 were made by ball milling. Their activation energies are both as low as 0.3 eV. "
     "Li3YCl6 is stable. They both melt.", [("Li3YCl6", 0.3), ("Li3ErCl6", 0.3)]),
    # a composition named in parentheses after the subject owns its capacity
    ("The cells used a MgH2–TiH2/LiBH4/Li configuration. The Ti-rich composite (0.3MgH2+0.7TiH2) exhibited a "
     "specific capacity of 900 mA h g⁻¹.", [("0.3MgH2+0.7TiH2", 900.0)]),
    # a proportion names a component, not the material; "a SPE" is one study's electrolyte
    ("Lee et al. prepared a PVDF-PAN based membrane, with different weight ratios of PVDF/PAN, reaching "
     "0.8 mS cm⁻¹ at room temperature. Kim et al. reported a SPE made by UV curing, with 0.2 mS cm⁻¹ at 30 °C.",
     [("PVDF-PAN based membrane", 0.0008), ("SPE", 0.0002)]),
])
def test_which_material_owns_a_value(extractor, text, expected):
    assert [(m[0], m[3]) for m in measurements(run(extractor, text + "\n"))] == expected


def test_both_pairs_two_values_with_the_two_materials_named_before(extractor):
    text = ("Li3YCl6 reaches 0.5 mS cm⁻¹ at 25 °C, while Li3InCl6 reaches 1.5 mS cm⁻¹ at 25 °C, and both have "
            "low activation energies (0.40 and 0.35 eV).\n")
    assert [(m[0], m[2], m[3]) for m in measurements(run(extractor, text)) if m[2] == "activation_energy"] == [
        ("Li3YCl6", "activation_energy", 0.40), ("Li3InCl6", "activation_energy", 0.35)]


def test_a_window_stated_once_for_a_pair_is_both(extractor):
    text = "The electrochemical stability window of Li3YCl6 and Li3InCl6 is 0–4 V.\n"
    assert [(m[0], m[3], m[4]) for m in measurements(run(extractor, text))] == [
        ("Li3YCl6", 0.0, 4.0), ("Li3InCl6", 0.0, 4.0)]


def test_what_a_material_was_made_using_is_not_the_subject(extractor):
    text = ("A polymer SSE was synthesized via in situ polymerization using Mg(BH4)2 and DOL. The cell showed a "
            "discharge capacity of 72 mA h g⁻¹ at room temperature.\n")
    out = run(extractor, text)
    assert measurements(out) == []
    assert [(c.material, c.method) for c in out] == [("polymer SSE", "in situ polymerization")]


def test_electrodes_and_treated_materials_in_capacity_sentences(extractor):
    text = ("Tests with an NCM cathode and an Al2O3 interlayer gave a discharge capacity of 135 mA h g⁻¹. "
            "The Li3YCl6-infiltrated LCO and Gr electrodes achieved capacities of 141 mA h g⁻¹ and 364 mA h g⁻¹, "
            "respectively. The LiCoO2 cells retained 120 mA h g⁻¹ after 100 cycles at a temperature of 55 °C.\n")
    assert [(m[0], m[3], m[7]) for m in measurements(run(extractor, text))] == [
        ("NCM", 135.0, None), ("LCO", 141.0, None), ("Gr", 364.0, None), ("LiCoO2", 120.0, 55.0)]


def test_window_does_not_take_the_conductivity_temperature(extractor):
    text = "Li3YBr6 shows 1.7 mS cm⁻¹ at 25 °C and an electrochemical window of 0–4 V.\n"
    assert [(m[2], m[7]) for m in measurements(run(extractor, text))] == [
        ("ionic_conductivity", 25.0), ("electrochemical_window", None)]


def test_a_paper_about_one_material_goes_on_about_it(extractor):
    about = "".join(f"Sample {i} of Na3SbS4 was milled for {i} h with Na3SbS4 seeds.\n\n" for i in range(12))
    text = about + "In the cubic phase, the activation energy is 0.21 eV.\n"
    out = measurements(run(extractor, text))
    assert [(m[0], m[1], m[2], m[3]) for m in out] == [("Na3SbS4", "Na3SbS4", "activation_energy", 0.21)]
    # a review (no material dominates) leaves such a value without a material
    review = "".join(f"Li{i + 2}PS4Cl{i} and Na{i + 1}PS4 were studied.\n\n" for i in range(12))
    assert measurements(run(extractor, review + "In the cubic phase, the activation energy is 0.21 eV.\n")) == []


def test_generic_class_in_a_later_sentence_leaves_the_subject(extractor):
    text = ("Na3SbS4 showed 1.1 mS cm⁻¹ at 25 °C. Cyclic voltammetry with a cell for solid electrolytes "
            "demonstrated a wide oxidation onset (up to 4.1 V vs. Na^+/Na).\n")
    assert [(m[0], m[2], m[3]) for m in measurements(run(extractor, text))] == [
        ("Na3SbS4", "ionic_conductivity", 0.0011), ("Na3SbS4", "electrochemical_window", 4.1)]


def test_the_group_a_value_is_compared_with_does_not_own_it(extractor):
    text = "It has the highest conductivity among all halide SEs, reaching 3.1 mS cm⁻¹ at 25 °C.\n"
    assert measurements(run(extractor, text)) == []
    text = "Li3YBr6 shows 1.7 mS cm⁻¹, higher than Li3YCl6.\n"
    assert [m[0] for m in measurements(run(extractor, text))] == ["Li3YBr6"]


def test_reagents_and_c_rates(extractor):
    text = ("Ota et al. prepared a new compound, Ca(en)2(BH4)2, starting with Ca(BH4)2 and ethylenediamine "
            "(H2N(CH2)2NH2), which had a conductivity of up to 2·10^-5 S cm^-1 at 343 K.\n")
    assert [(m[0], m[3]) for m in measurements(run(extractor, text))] == [("Ca(en)2(BH4)2", 2e-05)]
    text = "The LCO and Gr electrodes gave 140 mA h g⁻¹ and 350 mA h g⁻¹, respectively, at 0.1C and 30 °C.\n"
    assert [(m[0], m[3], m[7]) for m in measurements(run(extractor, text))] == [("LCO", 140.0, 30.0), ("Gr", 350.0, 30.0)]


def test_these_electrolytes_point_back_to_the_class(extractor):
    text = ("A slurry method gave two types of sodium composite electrolytes, including PEO and NZSP. "
            "These electrolytes show conductivities above 10⁻⁴ S cm⁻¹ at 60 °C. "
            "Furthermore, they exhibit an electrochemical window of up to 4.6 V.\n")
    assert [(m[0], m[2], m[3]) for m in measurements(run(extractor, text))] == [
        ("sodium composite electrolytes", "ionic_conductivity", 0.0001),
        ("sodium composite electrolytes", "electrochemical_window", 4.6)]


def test_listed_temperatures_pair_with_listed_values(extractor):
    text = "The Li3PO4 films showed 0.36 and 1.2 μ S cm⁻¹ at 450 and 500 °C, respectively.\n"
    assert [(m[3], m[7]) for m in measurements(run(extractor, text))] == [(3.6e-07, 450.0), (1.2e-06, 500.0)]


def test_a_compared_material_is_not_the_subject(extractor):
    text = ("The route costs less compared with methods using Li2S and gives Li6PS5Br electrolytes. "
            "The resulting electrolyte shows about 2 mS cm⁻¹.\n")
    assert [(m[0], m[3]) for m in measurements(run(extractor, text))] == [("Li6PS5Br", 0.002)]


def test_this_electrolyte_points_back_across_sentences(extractor):
    text = ("They made an elastic polymer, termed the P-NBR-VEC electrolyte. A LiF film on Li gave a stable interface. "
            "This lowers the resistance. The cell with this electrolyte reached a critical current density of 1.3 mA cm⁻².\n")
    assert [(m[0], m[2], m[3]) for m in measurements(run(extractor, text))] == [
        ("P-NBR-VEC electrolyte", "critical_current_density", 1.3)]


def test_markdown_italic_et_al_names_a_study(extractor):
    text = ("Kim *et al.* [35] proposed a new binder. The resulting NCM/Gr full cells delivered 160 mA h g⁻¹ at 0.2C.\n")
    assert [(m[0], m[3], m[8]) for m in measurements(run(extractor, text))] == [("NCM", 160.0, ["35"])]


def test_activation_energy(extractor):
    out = measurements(run(extractor, "The activation energy of Li3InCl6 is 0.33 eV.\n"))
    assert out == [("Li3InCl6", "Li3InCl6", "activation_energy", 0.33, None, "eV", "=", None, [], 5, "text")]


def test_window_range(extractor):
    out = measurements(run(extractor, "Li3InCl6 has a wide electrochemical stability window of 0–5 V.\n"))
    assert out == [("Li3InCl6", "Li3InCl6", "electrochemical_window", 0.0, 5.0, "V", "=", None, [], 5, "text")]


def test_transference_number(extractor):
    out = measurements(run(extractor, "PEO/LiTFSI shows a transference number of 0.56 at 60 °C.\n"))
    assert out == [("PEO/LiTFSI", None, "transference_number", 0.56, None, "", "=", 60.0, [], 5, "text")]
    out = measurements(run(extractor, "The transference number of Li3InCl6 is 0.99 at RT.\n"))
    assert [(m[0], m[2], m[3], m[7]) for m in out] == [("Li3InCl6", "transference_number", 0.99, "RT")]


def test_abbreviation_defined_in_paper(extractor):
    out = measurements(run(extractor, "Li7La3Zr2O12 (LLZO) is a garnet. LLZO reaches an ionic conductivity of 0.5 mS cm⁻¹ at RT.\n"))
    assert out == [("LLZO", "Li7La3Zr2O12", "ionic_conductivity", 0.0005, None, "S/cm", "=", "RT", [], 5, "text")]


def test_line_number_inside_a_multiline_paragraph(extractor):
    body = "Sulfide electrolytes are soft and easy to press into dense pellets\nat low pressure, and Li6PS5Cl exhibits an ionic conductivity of\n4.96 mS cm⁻¹ at 25 °C [12].\n"
    out = measurements(run(extractor, body))
    assert [(m[0], m[3], m[9]) for m in out] == [("Li6PS5Cl", 0.00496, 7)]


def test_tab_table(extractor):
    body = ("Table 1. Data.\nElectrolyte\tσ (mS cm⁻¹) @RT\tEa (eV)\tRefs.\n"
            "Li6PS5Cl\t4.96\t0.25\t[1]\nLi10GeP2S12\t12\t0.22\t[2]\n")
    out = measurements(run(extractor, body))
    assert out == [
        ("Li6PS5Cl", "Li6PS5Cl", "ionic_conductivity", 0.00496, None, "S/cm", "=", "RT", ["1"], 7, "table"),
        ("Li6PS5Cl", "Li6PS5Cl", "activation_energy", 0.25, None, "eV", "=", None, ["1"], 7, "table"),
        ("Li10GeP2S12", "Li10GeP2S12", "ionic_conductivity", 0.012, None, "S/cm", "=", "RT", ["2"], 8, "table"),
        ("Li10GeP2S12", "Li10GeP2S12", "activation_energy", 0.22, None, "eV", "=", None, ["2"], 8, "table"),
    ]


def test_table_with_two_header_rows_and_a_ragged_row(extractor):
    # a grouped header (OCR misspelled "Capacity"), compositions in the cathode cells, one row that lost a cell
    body = ("Table 2. Cells.\n\tCathode\t\tCapasity\t\t\nRef.\tCAM (wt%)\tAnode\t(mA h g⁻¹)\tC-rate\tT (°C)\n"
            "Lee et al. [4]\tNCM811 (75) C65 (2)\tGraphite\t181\t0.1C\t25\n"
            "Ota et al. [5]\tLiCoO2 (70)\t155\t0.2C\t60\n")
    out = measurements(run(extractor, body))
    assert [(m[0], m[2], m[3], m[7], m[8]) for m in out] == [
        ("NCM811", "specific_capacity", 181.0, 25.0, ["4"]), ("LiCoO2", "specific_capacity", 155.0, 60.0, ["5"])]


def test_table_window_bounds(extractor):
    body = "Table 3. Windows.\nType\tPotential window (V)\nOxides\tUp to 7\nSulfides\t<4 for Na3PS4\n"
    out = measurements(run(extractor, body))
    assert [(m[0], m[2], m[3], m[6]) for m in out] == [
        ("Oxides", "electrochemical_window", 7.0, "<="), ("Na3PS4", "electrochemical_window", 4.0, "<")]


def test_table_cell_with_a_lost_exponent_is_skipped(extractor):
    body = "Table 4. Films.\nSSE\tσ (mS cm⁻¹)\nLi3PO4\t5.72 × 10^-°\nLi3BO3\t1.2 × 10^-3\n"
    assert [(m[0], m[3]) for m in measurements(run(extractor, body))] == [("Li3BO3", 1.2e-06)]


def test_table_prose_cell_states_a_value(extractor):
    body = ("Table 5. Classes.\nType\tConductivity (S cm⁻¹)\tAdvantages\nHalide electrolytes\t10⁻³\t"
            "Deformable, high oxidation voltage (up to 4.5 V), 20 nm grains\n")
    out = measurements(run(extractor, body))
    assert [(m[0], m[2], m[3], m[6]) for m in out] == [
        ("Halide electrolytes", "ionic_conductivity", 0.001, "="), ("Halide electrolytes", "electrochemical_window", 4.5, "<=")]


def test_table_material_cell_that_names_a_method(extractor):
    body = "Table 3. Conductivities.\nMaterial\tσ (mS cm⁻¹)\tRef.\nLi3PS4 as-prepared\t0.2\t[5]\nLi3PS4 ball-milled\t0.4\t[6]\n"
    out = run(extractor, body)
    assert [(m[0], m[3]) for m in measurements(out)] == [("Li3PS4 as-prepared", 0.0002), ("Li3PS4 ball-milled", 0.0004)]
    assert [(c.material, c.formula, c.method, c.refs, c.evidence.line) for c in out if isinstance(c, CandidateSynthesis)] \
        == [("Li3PS4 ball-milled", "Li3PS4", "ball milling", ["6"], 8)]


def test_table_long_material_cell_is_the_name(extractor):
    body = ("Table 4. Composites.\nElectrolyte\tσ (mS cm⁻¹)\tRef.\n"
            "Composite of polycarbonate-based polymer/inorganic Li1.5Al0.5Ge1.5(PO4)3 (LAGP)\t0.05\t[9]\n")
    assert [(m[0], m[3]) for m in measurements(run(extractor, body))] == [
        ("Composite of polycarbonate-based polymer/inorganic Li1.5Al0.5Ge1.5(PO4)3 (LAGP)", 5e-05)]


def test_table_transference_column(extractor):
    body = "Table 2. Transport.\nPolymer\tLi salt\tt_{Li+}\tRef.\nPEO\tLiTFSI\t0.56\t[52]\nPPEGMA\tLiPVAOB\t0.76\t[53]\n"
    out = measurements(run(extractor, body))
    assert [(m[0], m[2], m[3], m[8], m[9]) for m in out] == [
        ("PEO/LiTFSI", "transference_number", 0.56, ["52"], 7), ("PPEGMA/LiPVAOB", "transference_number", 0.76, ["53"], 8)]


def test_synthesis(extractor):
    (c,) = run(extractor, "Li3InCl6 was prepared by ball milling [3].\n")
    assert isinstance(c, CandidateSynthesis)
    assert (c.material, c.formula, c.method, c.refs) == ("Li3InCl6", "Li3InCl6", "ball milling", ["3"])
    assert (c.evidence.line, c.evidence.source, c.evidence.text) == (5, "text", "Li3InCl6 was prepared by ball milling [3].")


@pytest.mark.parametrize("text, expected", [
    ("A garnet, Li7La3Zr2O12, was prepared by solvent-free mechanochemical milling of Li2CO3 and La2O3.",
     [("Li7La3Zr2O12", "milling")]),
    ("One study used the sol-gel method to synthesize nanosized powders of Li1.3Al0.3Ti1.7(PO4)3.",
     [("Li1.3Al0.3Ti1.7(PO4)3", "sol-gel")]),
    ("The (100-x)(0.6MgS·0.4P2S5)·xMgI2 (0 ≤ x ≤ 30) glass SE can be prepared by a mechanochemical method.",
     [("(100-x)(0.6MgS·0.4P2S5)·xMgI2", "mechanochemical synthesis")]),
    ("Examples are sulfide glasses [3-5], different complex hydrides [6], and other energy storage materials, "
     "which are synthesized mechanochemically.",
     [("sulfide glasses", "mechanochemical synthesis"), ("complex hydrides", "mechanochemical synthesis")]),
    ("Wu et al. reported on the in situ polymerization of poly(1,3-dioxolane) in the cell.",
     [("poly(1,3-dioxolane)", "in situ polymerization")]),
    ("The sintering temperature of Li7La3Zr2O12 is high.", []),
    ("ALD was used to make efficient ionic conductors and thin-film materials.", []),
    ("The LiCoO2 electrodes were infiltrated with Li6PS5Cl.", [("LiCoO2", "infiltration")]),
    ("The Li5La3Ta2O12 compound was synthesized as a target via high-temperature solid-state reactions.",
     [("Li5La3Ta2O12", "solid-state reaction")]),
    ("Kim et al. utilized ALD to synthesize ion-conductive Li3BO3.", [("Li3BO3", "atomic layer deposition")]),
    ("The cell with the ball-milled TiS2 | Li3YCl6 | Li-In configuration was cycled.", [("TiS2", "ball milling")]),
    ("Lee et al. improved it by coating a layer of Li3InCl6 and carbon on LiNiO2 particles.", [("LiNiO2", "coating")]),
    ("Strategies to improve gel electrolytes include crosslinking [4], blending [5] and grafting [6].",
     [("gel electrolytes", "cross-linking"), ("gel electrolytes", "blending"), ("gel electrolytes", "grafting")]),
    # a later step of the same synthesis, in the same sentence or in the next ones of the paragraph
    ("The garnet Li6.6La3Zr1.6Ta0.4O12 was made by ball milling of Li2CO3, La2O3 and ZrO2 in ethanol, with a "
     "subsequent crystallization step.",
     [("Li6.6La3Zr1.6Ta0.4O12", "ball milling"), ("Li6.6La3Zr1.6Ta0.4O12", "crystallization heat treatment")]),
    ("The glass 75Li2S·25P2S5 was obtained by ball milling. Its color is yellow. The powder was then annealed at "
     "250 °C for 1 h.", [("75Li2S·25P2S5", "ball milling"), ("75Li2S·25P2S5", "annealing")]),
    ("Li3YBr6 was prepared mechanochemically. Milling procedures alone were used in the synthesis, which was then "
     "subjected to a heat treatment.", [("Li3YBr6", "mechanochemical synthesis"), ("Li3YBr6", "heat treatment")]),
    ("Li3YBr6 was prepared by ball milling. Ball milling is cheap. Sintering is slow. The pellets were then "
     "sintered.", [("Li3YBr6", "ball milling")]),
    ("Li3YBr6 was prepared by ball milling. LiBr was then dried by heating.",
     [("Li3YBr6", "ball milling"), ("LiBr", "heat treatment")]),
    ("Li2MgCl4 has two polymorphs. The solid-state synthesis at 600 °C gives the olivine form. Subjecting the "
     "powder to an annealing process gives the spinel. When prepared via a mechanochemical method, it is cubic.",
     [("Li2MgCl4", "solid-state reaction"), ("Li2MgCl4", "annealing"), ("Li2MgCl4", "mechanochemical synthesis")]),
    ("Li3YCl6 is a halide. Ball milling is a widely used technique.", []),
    # a mixture of precursors is milled: the product, or nothing, never a reagent
    ("A mixture of Li2S, P2S5 and LiBr was milled and then heat treated to obtain Li6PS5Br.",
     [("Li6PS5Br", "milling"), ("Li6PS5Br", "heat treatment")]),
    ("A mixture of the precursors Li2S, P2S5 and LiI was pre-processed via milling.", []),
    # methods listed together share their material; a contrasted method, or a precursor, states nothing
    ("Groups have studied wet routes, such as sol-gel, hydrothermal, solvent choice, and precipitation methods, "
     "to make halide SSEs.",
     [("halide SSEs", "sol-gel"), ("halide SSEs", "solvothermal synthesis"), ("halide SSEs", "precipitation")]),
    ("Their solution route to Li6PS5Br eliminates the need for high-energy ball milling.",
     [("Li6PS5Br", "solution synthesis")]),
    ("The yield of Li2S was higher than with ball-milling methods.", []),
    ("The precursor for Li7P3S11 was prepared by mixing Li2S and P2S5 in DME.", []),
    ("Ball milling has been used for the synthesis or modification of a whole group of solid electrolytes and "
     "lithium closo-borates.", [("lithium closo-borates", "ball milling")]),
    ("The grain size of Li4Ti5O12 was tuned by applying different annealing temperatures.",
     [("Li4Ti5O12", "annealing")]),
    # made in a solvent: solution synthesis, when the sentence (or the one before) is about making things
    ("Park et al. synthesized Li3PS4 using THF and Li7P3S11 using a mixture of ACN and THF.",
     [("Li3PS4", "solution synthesis"), ("Li7P3S11", "solution synthesis")]),
    ("Some groups prepared electrolytes in polar solvents. For example, Na3SbS4 using water or methanol, and Li6PS5Br "
     "using ethanol.", [("Na3SbS4", "solution synthesis"), ("Li6PS5Br", "solution synthesis")]),
    ("The conductivity of Li3PS4 was measured using water-free cells.", []),
    ("Li3PS4 is unstable using water as a solvent.", []),
    # what fills a host, not the host
    ("Confinement of LiBH4 in mesoporous silica scaffold (SBA-15) by melt-infiltration was proposed.",
     [("LiBH4", "infiltration")]),
    ("They confined the conductive Li4(BH4)3I into mesoporous silica via nanoconfinement.",
     [("Li4(BH4)3I", "nanoconfinement")]),
    ("The ionic conductivity of Li2ZrCl6 rises when it is gently heated.", [("Li2ZrCl6", "heat treatment")]),
    ("They studied the water-based processing of the LiFePO4-PEO composite cathode.",
     [("LiFePO4-PEO composite", "water-based processing")]),
    ("They made thin sulfide SE membranes by infiltrating a Li6PS5Br solution into porous PI mats.",
     [("thin sulfide SE membranes", "infiltration")]),
    ("The Li3YCl6-infiltrated NCM and LCO electrodes were cycled.",
     [("NCM", "infiltration"), ("LCO", "infiltration")]),
    ("Schematic of a crosslinked polymer based SSE made by in situ cross-linking.",
     [("polymer based SSE", "cross-linking")]),
    ("To make Li6PS5Br cheaper, Kim et al. introduced a solution-based synthesis method.",
     [("Li6PS5Br", "solution synthesis")]),
    ("The defects generated by ball-milling in Li2B12H12 stabilized the cubic phase.", [("Li2B12H12", "ball milling")]),
    ("Li3YCl6 was then ball-milled in ZrO2 jars.", [("Li3YCl6", "ball milling")]),
    ("They proposed a dry powder painting technique, in which NCA and LCO electrodes were sprayed onto foil.",
     [("NCA", "dry processing"), ("LCO", "dry processing")]),
    ("Micrographs of Li3PO4 thin films deposited at 500 °C on Si.", [("Li3PO4 thin films", "vapour deposition")]),
    # a coating made by a deposition method is that deposition
    ("The Al2O3-ALD coating on the LLZO pellets improved the stability.", [("LLZO", "atomic layer deposition")]),
])
def test_synthesis_product_not_reagent(extractor, text, expected):
    out = [(c.material, c.method) for c in run(extractor, text + "\n") if isinstance(c, CandidateSynthesis)]
    assert out == expected


def test_no_facts_in_plain_prose(extractor):
    assert run(extractor, "Solid electrolytes are promising for safe batteries.\n") == []


def test_extract_is_repeatable(extractor):
    doc = parse_document(HEAD + "The activation energy of Li3InCl6 is 0.33 eV.\n", "hand")
    assert measurements(extractor.extract(doc)) == measurements(extractor.extract(doc))


# --- the seeds: facts checked by hand against the text ------------------------------------------------

# (seed, line, material, property, value, value_max, temperature_c, refs or None to skip)
SEED_FACTS = [
    ("000", 85, "Na2.88Sb0.88W0.12S4", "ionic_conductivity", 0.032, None, "RT", []),
    ("000", 143, "NSPSe", "ionic_conductivity", 0.001, None, "RT", None),
    ("000", 161, "Na2B12H12", "ionic_conductivity", 0.1, None, 255.85, None),  # "above ... around 529 K"
    ("000", 190, "LiPON", "ionic_conductivity", 2e-06, None, None, ["154"]),
    ("001", 137, "Li7La3Zr2O12 (LLZO)", "ionic_conductivity", 0.0003, None, "RT", ["90"]),
    ("001", 165, "Li4SnS4", "ionic_conductivity", 7e-05, None, 20.0, ["118"]),
    ("001", 189, "Li2ZrCl6", "ionic_conductivity", 0.000446, None, "RT", None),
    ("001", 93, "CA/PEGMEA/SN/LiTFSI", "transference_number", 0.56, None, 25.0, ["52"]),
    ("001", 96, "PEO/LiFSI", "ionic_conductivity", 0.00028, None, 30.0, ["55"]),
    ("002", 100, "LiBH4", "electrochemical_window", 0.0, 5.0, None, None),
    ("002", 149, "Li4(BH4)3I", "ionic_conductivity", 1e-05, None, "RT", ["32"]),
    ("002", 257, "NaCB11H12", "ionic_conductivity", 0.1, None, 100.0, None),
    ("002", 259, "Na3NH2B12H12", "ionic_conductivity", 0.0001, None, 100.0, None),
    ("003", 329, "Li6.5P0.5Ge0.5S5I", "ionic_conductivity", 0.00054, None, 30.0, None),
    ("003", 231, "Li6BaLa2Ta2O12", "activation_energy", 0.44, None, None, None),
    ("003", 231, "Li6BaLa2Ta2O12", "activation_energy", 0.42, None, None, None),
    ("003", 201, "Li6.4La3Zr1.4Ta0.6O12", "ionic_conductivity", 0.000653, None, 25.0, ["116"]),
    ("003", 203, "Li5.4PS4.4Cl1.6", "ionic_conductivity", 0.0084, None, 60.0, ["118"]),
    ("004", 30, "NaCB11H12", "ionic_conductivity", 0.004, None, "RT", None),
    ("004", 271, "MM-NCB", "activation_energy", 0.205, None, None, None),
    ("004", 271, "MM-NCB", "activation_energy", 0.671, None, None, None),
    ("004", 273, "NCB", "activation_energy", 0.629, None, None, None),
    ("004", 493, "MM-NCB", "critical_current_density", 0.3, None, None, None),
    ("004", 540, "NCB", "ionic_conductivity", 0.004, None, "RT", None),
]


@pytest.fixture(scope="session")
def seed_facts(extractor):
    return {p: extractor.extract(read_document(next(CORPUS.glob(f"{p}_*.txt")))) for p in ("000", "001", "002", "003", "004")}


@pytest.mark.parametrize("seed, line, material, prop, value, value_max, temp, refs", SEED_FACTS)
def test_seed_fact(seed_facts, seed, line, material, prop, value, value_max, temp, refs):
    hits = [c for c in seed_facts[seed] if isinstance(c, CandidateMeasurement) and c.evidence.line == line
            and c.material == material and c.property == prop and c.value == pytest.approx(value, rel=1e-9)]
    assert hits, f"{material} {prop} {value} not found on line {line} of seed {seed}"
    c = hits[0]
    assert c.value_max == (pytest.approx(value_max, rel=1e-9) if value_max is not None else None)
    assert c.temperature_c == temp
    if refs is not None:
        assert c.refs == refs
    assert c.evidence.doc.startswith(seed + "_")


def test_seed_004_abstract_milling_synthesis(seed_facts):
    syn = [(c.material, c.method, c.evidence.line) for c in seed_facts["004"] if isinstance(c, CandidateSynthesis)]
    assert ("NaCB11H12", "high-energy ball milling", 30) in syn


def test_every_seed_has_a_checked_fact():
    assert {f[0] for f in SEED_FACTS} == {"000", "001", "002", "003", "004"}

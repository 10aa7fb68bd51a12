"""kg.quantities: every notation of the seeds, ranges, lists, qualifiers, unit conversion."""
from __future__ import annotations

import pytest

from kg.errors import ParseError
from kg.normalizer import plain
from kg.quantities import convert, find_bare_numbers, find_quantities, parse_number


def q1(text):
    qs = find_quantities(plain(text))
    assert len(qs) == 1, qs
    q = qs[0]
    return q.value, q.value_max, q.unit, q.qualifier


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.9 × 10^-3 S cm^-1", (0.0019, None, "S/cm", "=")),
        ("4.36 × 10^-4 S cm^-1", (0.000436, None, "S/cm", "=")),
        ("10^-4 S/cm", (0.0001, None, "S/cm", "=")),
        ("~10^-5 S cm^-1", (1e-05, None, "S/cm", "~")),
        (">10^-4 S cm^-1", (0.0001, None, "S/cm", ">")),
        ("over 10^-4 S cm^-1", (0.0001, None, "S/cm", ">")),
        ("≥ 10^-3 S cm^-1", (0.001, None, "S/cm", ">=")),
        ("about 0.3 eV", (0.3, None, "eV", "~")),
        ("at least 5 V", (5.0, None, "V", ">=")),
        ("up to 7 V", (7.0, None, "V", "<=")),
        ("below 0.5 eV", (0.5, None, "eV", "<")),
        ("1.49–2.04 mS cm^-1", (0.00149, 0.00204, "S/cm", "=")),
        ("0-5 V", (0.0, 5.0, "V", "=")),
        ("12 µS cm^-1", (1.2e-05, None, "S/cm", "=")),
        ("2.5e-6 S/cm", (2.5e-06, None, "S/cm", "=")),
        ("0.3 S m^-1", (0.003, None, "S/cm", "=")),
        ("0.25 eV", (0.25, None, "eV", "=")),
        ("205 meV", (0.205, None, "eV", "=")),
        ("50 kJ mol^-1", (0.518213, None, "eV", "=")),
        ("4.2 V vs. Li/Li+", (4.2, None, "V", "=")),
        ("0.12 mA cm^-2", (0.12, None, "mA/cm2", "=")),
        ("3 mA/cm2", (3.0, None, "mA/cm2", "=")),
        ("140 mA h g^-1", (140.0, None, "mAh/g", "=")),
        ("141 mAh g^-1", (141.0, None, "mAh/g", "=")),
        ("373 K", (99.85, None, "°C", "=")),
        ("25 °C", (25.0, None, "°C", "=")),
        # unicode and OCR forms go through the normalizer first
        ("10 ⁻⁴ S cm ⁻¹", (0.0001, None, "S/cm", "=")),
        ("1.6 imes 10^{-3} S cm^{-1}", (0.0016, None, "S/cm", "=")),
        ("0.12 mA cm⁻²", (0.12, None, "mA/cm2", "=")),
        ("4 mS cm⁻¹", (0.004, None, "S/cm", "=")),
    ],
)
def test_single_quantity(text, expected):
    assert q1(text) == expected


def test_kj_per_mol_divides_by_faraday():
    (q,) = find_quantities("Ea = 96.485 kJ mol^-1")
    assert q.unit == "eV" and q.value == pytest.approx(1.0, rel=1e-5)


def test_unit_as_written_and_span():
    text = "σ = 1.9 × 10^-3 S cm^-1 at RT"
    (q,) = find_quantities(text)
    assert (q.start, q.end, q.unit_as_written) == (4, 23, "S cm^-1")
    assert text[q.start:q.end] == "1.9 × 10^-3 S cm^-1"


def test_from_to_gives_two_values():
    qs = find_quantities("increased from 10^-6 to 10^-3 S cm^-1")
    assert [(q.value, q.value_max, q.unit) for q in qs] == [(1e-06, None, "S/cm"), (0.001, None, "S/cm")]


def test_versus_gives_two_values():
    qs = find_quantities("(165 vs. 150 mA h g^-1 and 153 versus 121 mA h g^-1)")
    assert [(q.value, q.unit) for q in qs] == [(165.0, "mAh/g"), (150.0, "mAh/g"), (153.0, "mAh/g"), (121.0, "mAh/g")]


def test_centre_dot_as_times():
    qs = find_quantities("up to 6·10^-5 S cm^-1 and 3.3 · 10^-4 S cm^-1")
    assert [(q.value, q.unit) for q in qs] == [(6e-05, "S/cm"), (0.00033, "S/cm")]


def test_list_shares_unit():
    qs = find_quantities("1.2 and 3.4 mS cm^-1")
    assert [(q.value, q.unit, q.in_list) for q in qs] == [(0.0012, "S/cm", True), (0.0034, "S/cm", True)]
    qs = find_quantities("1.2, 3.4 and 5.6 mS cm^-1")
    assert [q.value for q in qs] == [0.0012, 0.0034, 0.0056]
    assert [(q.start, q.end) for q in qs[:2]] == [(0, 3), (5, 8)]


def test_value_with_temperature():
    qs = find_quantities(plain("4.96 mS cm⁻¹ at 25 °C"))
    assert [(q.value, q.unit) for q in qs] == [(0.00496, "S/cm"), (25.0, "°C")]


def test_reversed_dash_pair_is_not_a_range():
    assert q1("5-1 V") == (1.0, None, "V", "=")


@pytest.mark.parametrize("text", ["Li6PS5Cl", "Fig. 3", "in 2021 the", "Li7La3Zr2O12 and 5 wt%", "x = 0.5", ""])
def test_no_quantity(text):
    assert find_quantities(text) == []


def test_value_inside_formula_is_not_a_quantity():
    # the 5 of "PS5" is no value: only the free-standing 5 V is
    qs = find_quantities("Li6PS5 5 V")
    assert [(q.value, q.start) for q in qs] == [(5.0, 7)]


@pytest.mark.parametrize(
    "text, value",
    [("1.9 × 10^-3", 0.0019), ("10^-4", 0.0001), ("2.5e-6", 2.5e-06), ("1.9×10^(-3)", 0.0019), ("42", 42.0), ("0.56", 0.56)],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["abc", "1e999", "", "1.2.3"])
def test_parse_number_errors(text):
    with pytest.raises(ParseError):
        parse_number(text)


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (373, "K", (99.85, "°C")),
        (1.9, "mS/cm", (0.0019, "S/cm")),
        (50, "kJ/mol", (0.518213, "eV")),
        (205, "meV", (0.205, "eV")),
        (1, "uS/cm", (1e-06, "S/cm")),
        (1, "A*h/g", (1000.0, "mAh/g")),
        (1, "A/cm**2", (1000.0, "mA/cm2")),
        (25, "degC", (25.0, "°C")),
        (1, "S/m", (0.01, "S/cm")),
        (4.2, "V", (4.2, "V")),
    ],
)
def test_convert(value, unit, expected):
    v, u = convert(value, unit)
    assert u == expected[1]
    assert v == pytest.approx(expected[0], rel=1e-9)


def test_convert_unknown_unit():
    with pytest.raises(ParseError):
        convert(1, "kg")


def test_bare_numbers_skip_units():
    text = "t = 0.56 while 25 °C and 3 V"
    assert [v for _, _, v in find_bare_numbers(text)] == [0.56]

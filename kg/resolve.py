"""Entity resolution: how a material of a paper relates to the well-known materials of the ontology.

Plain functions over the lexicon (ontology/materials.ttl):

>>> from kg.ontology import load_lexicon
>>> lex = load_lexicon()
>>> known_material(lex, "Li₆PS₅Cl", "Li6PS5Cl").label
'LPSCl'
>>> parent_material(lex, "Ta-doped LLZO", None).label
'LLZO'
>>> parent_material(lex, "Li6.55Ga0.15La3Zr2O12", "Li6.55Ga0.15La3Zr2O12").label
'LLZO'
"""
from __future__ import annotations

import re

from kg import chemistry

# "Ta-doped LLZO", "Ga-substituted Li7La3Zr2O12", "LLZO doped with Ta"
_DOPED = re.compile(r"^[A-Z][a-z]?(?:,\s?[A-Z][a-z]?)*[-\s](?:doped|substituted|co-doped)\s(?P<host>\S+)|^(?P<host2>\S+)\sdoped\swith\s")
MAX_DOPANTS = 2


def known_material(lexicon, material: str, formula: str | None):
    """The lexicon entry that *is* this material (same name, abbreviation or composition), or None."""
    return lexicon.alias(material) or (lexicon.alias(formula) if formula else None)


def parent_material(lexicon, material: str, formula: str | None):
    """The well-known compound a doped or non-stoichiometric variant derives from, or None.

    By name ("Ta-doped LLZO" -> LLZO), else by composition: the known formula whose elements are all
    in this one, with at most two more (dopants), e.g. Li6.55Ga0.15La3Zr2O12 -> Li7La3Zr2O12. A material
    that is itself a known one has no parent, nor one that two known compounds could equally be.
    """
    m = _DOPED.match(material)
    if m:
        host = lexicon.alias(m.group("host") or m.group("host2"))
        if host is not None:
            return host
    if not formula or known_material(lexicon, material, formula) is not None:
        return None
    elements = chemistry.formula_elements(formula)
    if not elements:
        return None
    candidates = []
    for entry in _entries_with_formula(lexicon):
        parent_elements = chemistry.formula_elements(entry.formula)
        if not parent_elements or len(parent_elements) < 3:
            continue  # LiCl is no parent of every chloride
        if parent_elements <= elements and len(elements - parent_elements) <= MAX_DOPANTS:
            candidates.append((len(parent_elements), entry))
    if not candidates:
        return None
    best = max(size for size, _ in candidates)
    top = [entry for size, entry in candidates if size == best]
    return top[0] if len(top) == 1 else None  # Li6PS5Cl0.5Br0.5: LPSCl or LPSBr? not clear, no link


def _entries_with_formula(lexicon):
    seen = set()
    for entry in lexicon.materials.values():
        if entry.formula and entry.iri not in seen:
            seen.add(entry.iri)
            yield entry

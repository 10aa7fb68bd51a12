"""Typed objects passed between the pipeline's stages.

reader -> Document (blocks, references) -> extract -> Candidate* -> validate -> Measurement/Synthesis | Reject
-> graph -> store.  Internal stage objects are dataclasses; the boundary between extraction and the
graph (what may enter the store) is pydantic, see ``kg.validate``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal[
    "title", "authors", "doi", "front", "heading", "paragraph", "table", "caption", "footnote", "references",
]


@dataclass
class TableRow:
    """One table row: its cells as written and its 1-based source line."""

    cells: list[str]
    line: int
    is_section: bool = False  # a row that names a group of the rows below ("SSE with CVD")


@dataclass
class Block:
    """A typed span of the source file. ``line_start``/``line_end`` are 1-based and inclusive."""

    kind: BlockKind
    text: str
    line_start: int
    line_end: int
    rows: list[TableRow] = field(default_factory=list)  # tables only; rows[0] is the header
    caption: str = ""  # tables only: the caption that introduces the table, if any

    def line_of(self, offset: int) -> int:
        """The 1-based source line of a character offset into ``text`` (lines joined by '\\n')."""
        return self.line_start + self.text.count("\n", 0, offset)


@dataclass
class Reference:
    """One entry of a paper's reference list."""

    number: int
    raw: str
    line: int
    authors: list[str] = field(default_factory=list)
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None


@dataclass
class CitationMarker:
    """A citation marker in the body, e.g. ``[77–79]`` -> numbers [77, 78, 79]."""

    numbers: list[int]
    line: int
    text: str


@dataclass
class Document:
    """A paper as read from disk: metadata, typed blocks and its bibliography."""

    doc_id: str
    path: str
    sha256: str
    lines: list[str]
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    doi: str | None = None
    year: int | None = None
    journal: str | None = None
    references: list[Reference] = field(default_factory=list)
    citations: list[CitationMarker] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return sum(len(line.split()) for line in self.lines)


@dataclass
class Evidence:
    doc: str
    line: int
    text: str
    source: Literal["text", "table", "caption"] = "text"


@dataclass
class CandidateMeasurement:
    """A measurement as the extractor found it, before the validation gate.

    ``value``/``value_max`` are in ``unit``, which the extractor has already converted to the property's
    canonical unit where it could (``S/cm``, ``eV``, ``V``, ``""``, ``mA/cm2``, ``mAh/g``); a unit it could
    not convert is left as written, and the gate rejects it.
    """

    material: str
    formula: str | None
    property: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str
    temperature_c: float | str | None
    methods: list[str]
    refs: list[str]
    evidence: Evidence
    kind: Literal["measurement"] = "measurement"


@dataclass
class CandidateSynthesis:
    """A statement that a material was made or processed by a method."""

    material: str
    formula: str | None
    method: str
    refs: list[str]
    evidence: Evidence
    kind: Literal["synthesis"] = "synthesis"


Candidate = CandidateMeasurement | CandidateSynthesis

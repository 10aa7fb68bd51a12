"""The validated facts: pydantic models at the boundary between extraction and the graph.

Only these objects enter the store; ``kg.validate`` builds them from the extractor's candidates
(or a ``Reject`` with a reason when it cannot).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FactEvidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc: str = Field(min_length=1)
    line: int = Field(ge=1)
    text: str = Field(min_length=1)
    source: Literal["text", "table", "caption"] = "text"


class Measurement(BaseModel):
    """A value of a property of a material, in the property's canonical unit."""

    kind: Literal["measurement"] = "measurement"
    material: str = Field(min_length=1)
    formula: str | None = None
    property: str
    value: float
    value_max: float | None = None
    unit: str
    qualifier: Literal["=", "~", ">", "<", ">=", "<="] = "="
    temperature_c: float | Literal["RT"] | None = None
    methods: list[str] = []
    refs: list[str] = []
    evidence: FactEvidence


class Synthesis(BaseModel):
    """A statement that a material was made or processed by a method (an ontology label)."""

    kind: Literal["synthesis"] = "synthesis"
    material: str = Field(min_length=1)
    formula: str | None = None
    method: str = Field(min_length=1)
    refs: list[str] = []
    evidence: FactEvidence


Fact = Measurement | Synthesis


class Reject(BaseModel):
    """A candidate fact that failed the gate, with the reason; it goes to the rejects report."""

    kind: Literal["measurement", "synthesis"]
    reason: str
    doc: str
    line: int
    text: str
    candidate: dict

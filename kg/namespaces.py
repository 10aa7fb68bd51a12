"""Every RDF namespace the project uses, declared once.

``SSE`` is the project ontology, ``ID`` the root of all instance data (papers, materials, references,
facts, named graphs). Import from here; never spell a namespace IRI elsewhere.
"""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

SSE = Namespace("https://w3id.org/sse-kg/ontology#")
ID = Namespace("https://w3id.org/sse-kg/id/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
EMMO = Namespace("https://w3id.org/emmo#")

PREFIXES: dict[str, str] = {
    "sse": str(SSE),
    "id": str(ID),
    "bibo": str(BIBO),
    "cito": str(CITO),
    "fabio": str(FABIO),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "skos": str(SKOS),
    "emmo": str(EMMO),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def sparql_prefixes() -> str:
    """``PREFIX`` lines for every namespace, to put in front of a SPARQL query."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_all(graph) -> None:
    """Bind every project prefix on an rdflib graph or dataset (for readable serializations)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)


__all__ = [
    "SSE", "ID", "BIBO", "CITO", "FABIO", "PROV", "DCTERMS", "QUDT", "UNIT", "SKOS", "EMMO",
    "RDF", "RDFS", "OWL", "XSD", "PREFIXES", "sparql_prefixes", "bind_all",
]

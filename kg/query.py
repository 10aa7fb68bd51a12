"""``kg query``: run a SPARQL query against the store, with safely bound parameters, and format results.

Parameters (``--param name=value``) become RDF terms, never query text: they are handed to Oxigraph as
SEP-0007 substitutions (``pyoxigraph.Store.query(..., substitutions=...)``), so a value such as
``" } ; DROP ALL ; #`` is just a string literal. Value syntax: ``<iri>`` -> IRI; ``prefix:local`` with a
project prefix -> IRI; ``"text"`` -> string (forced); integers / decimals / ``true``/``false`` -> typed
literals (xsd:integer / xsd:double / xsd:boolean); ``value^^xsd:type`` -> that datatype; anything else ->
a plain string literal.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import PREFIXES, XSD

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$")
_PNAME = re.compile(r"^([A-Za-z][\w-]*):([\w./#-]*)$")
_TYPED = re.compile(r"^(.*)\^\^(?:<([^<>\s]+)>|([A-Za-z][\w-]*):([\w-]+))$", re.S)
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_param_value(text: str) -> ox.NamedNode | ox.Literal:
    """A ``--param`` value as an RDF term (see the module docstring)."""
    if len(text) >= 2 and text.startswith("<") and text.endswith(">") and " " not in text:
        try:
            return ox.NamedNode(text[1:-1])
        except ValueError as exc:
            raise QueryError(f"invalid IRI {text}: {exc}") from exc
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return ox.Literal(text[1:-1])
    if m := _TYPED.match(text):
        lexical, iri, prefix, local = m.groups()
        if iri is None:
            if prefix not in PREFIXES:
                return ox.Literal(text)
            iri = PREFIXES[prefix] + local
        return ox.Literal(lexical, datatype=ox.NamedNode(iri))
    if _INT.match(text):
        return ox.Literal(text.lstrip("+"), datatype=ox.NamedNode(str(XSD.integer)))
    if _FLOAT.match(text):
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD.double)))
    if text in ("true", "false"):
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD.boolean)))
    if (m := _PNAME.match(text)) and m.group(1) in PREFIXES:
        return ox.NamedNode(PREFIXES[m.group(1)] + m.group(2))
    return ox.Literal(text)


def parse_params(items: list[str] | None) -> dict[str, ox.NamedNode | ox.Literal]:
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for item in items or []:
        if "=" not in item:
            raise QueryError(f"bad --param {item!r}: expected name=value")
        name, value = item.split("=", 1)
        name = name.strip().lstrip("?$")
        if not _VAR.match(name):
            raise QueryError(f"bad --param {item!r}: {name!r} is not a SPARQL variable name")
        out[name] = parse_param_value(value)
    return out


def load_query(text_or_file: str) -> str:
    """The query text: the argument itself, or the content of the file it names (``.rq``/``.sparql``/any
    existing file)."""
    p = Path(text_or_file)
    looks_like_file = text_or_file.endswith((".rq", ".sparql")) or ("\n" not in text_or_file and len(text_or_file) < 4096
                                                                    and "{" not in text_or_file)
    if looks_like_file:
        try:
            if p.is_file():
                return p.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{p}: cannot read query file: {exc.strerror}") from exc
        if text_or_file.endswith((".rq", ".sparql")):
            raise QueryError(f"{p}: no such query file")
    return text_or_file


def run_query(store, sparql: str, params: dict[str, Any] | None = None):
    """Run ``sparql`` on a ``kg.store.Store`` with ``params`` substituted; raise QueryError on failure."""
    try:
        return store.query(sparql, params)
    except QueryError as exc:
        msg = str(exc)
        if "SELECT projection" in msg:
            msg += (" (a --param variable must be in the SELECT clause: Oxigraph substitutes it as a constant and"
                    " returns it in the results)")
        raise QueryError(msg) from exc


def _term_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, iri in PREFIXES.items():
            if term.value.startswith(iri) and prefix in ("sse", "id"):
                return f"{prefix}:{term.value[len(iri):]}"
        return term.value
    return term.value


def format_result(result, fmt: str = "table", console=None) -> str | None:
    """Render a query result. Returns the text for csv/tsv/json (and triples); prints a rich table for
    ``table`` when ``console`` is given (else returns a plain text table)."""
    fmt = fmt.lower()
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": value})
        return "true" if value else "false"
    if isinstance(result, ox.QueryTriples):
        rdf_fmt = {"tsv": ox.RdfFormat.N_TRIPLES, "csv": ox.RdfFormat.N_TRIPLES, "json": ox.RdfFormat.JSON_LD}.get(
            fmt, ox.RdfFormat.TURTLE)
        prefixes = PREFIXES if rdf_fmt is ox.RdfFormat.TURTLE else None
        data = ox.serialize(result, None, rdf_fmt, **({"prefixes": prefixes} if prefixes else {}))
        return data.decode("utf-8")
    # SELECT
    if fmt in ("csv", "tsv", "json"):
        buf = io.BytesIO()
        result.serialize(buf, {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                               "json": ox.QueryResultsFormat.JSON}[fmt])
        return buf.getvalue().decode("utf-8")
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r} (table, csv, tsv, json)")
    names = [v.value for v in result.variables]
    rows = [[_term_text(sol[n]) for n in names] for sol in result]
    if console is not None:
        from rich.table import Table

        from rich.markup import escape

        table = Table(*names, show_lines=False, caption=f"{len(rows)} row(s)")
        for r in rows:
            table.add_row(*(escape(c) for c in r))  # values verbatim: "[x = 2/3]" is no rich markup
        console.print(table)
        return None
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)

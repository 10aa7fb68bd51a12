"""The ``kg`` command line: ``kg [--store PATH] COMMAND ...`` (store default ``./kg-store``, env ``KG_STORE``)."""
from __future__ import annotations

import json
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.errors import KGError, QueryError, StoreBusyError
from kg.paths import DEFAULT_STORE

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Turn papers on solid-state electrolytes into an RDF knowledge graph, and query it.")
export_app = typer.Typer(no_args_is_help=True, help="Export facts (JSONL/CSV) or the RDF dataset.")
app.add_typer(export_app, name="export")

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 220)
err = Console(stderr=True, soft_wrap=True)  # one message, one line (not cut at 80 columns when piped)


class _State:
    store_path: Path = Path(DEFAULT_STORE)


state = _State()


@app.callback()
def main(store: str = typer.Option(DEFAULT_STORE, "--store", "-s", envvar="KG_STORE", show_default=True,
                                   metavar="PATH|URL",
                                   help="Store directory, or a SPARQL server URL http(s)://host:port/... "
                                        "(see kg.remote_store) (env KG_STORE).")) -> None:
    from kg.remote_store import is_remote

    state.store_path = store if is_remote(store) else Path(store)


def _fail(message: str, code: int = 1) -> None:
    # the message is printed verbatim: a path such as "a[/b]" is no rich markup (it was a MarkupError)
    err.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def _writer():
    from kg.remote_store import open_store

    try:
        return open_store(state.store_path)
    except StoreBusyError as exc:
        _fail(str(exc))
    except KGError as exc:
        _fail(str(exc))


def _reader():
    from kg.remote_store import open_store

    try:
        return open_store(state.store_path, writable=False)
    except KGError as exc:
        _fail(str(exc))


# -- ingest ------------------------------------------------------------------------------------------------------

@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files (.txt/.md/.pdf) or folders to ingest."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Processes for extraction."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Extract on a Dask cluster: scheduler address tcp://host:8786, or "
                                            "'local' (a LocalCluster of --workers processes)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    shacl: bool = typer.Option(True, "--shacl/--no-shacl", help="SHACL-check each paper graph before storing."),
    force: bool = typer.Option(False, "--force", help="Re-ingest files even if unchanged."),
) -> None:
    """Read, extract, validate and store papers (one named graph per paper; unchanged files are skipped)."""
    from kg.pipeline import ingest as run_ingest

    with _writer() as store:
        try:
            report = run_ingest(paths, store, workers=workers, progress=progress and err.is_terminal,
                                shacl=shacl, force=force, console=err, dask=dask)
        except KGError as exc:
            _fail(str(exc))
    table = Table(title=f"ingest into {state.store_path}")
    for col in ("paper", "status", "facts", "meas.", "synth.", "rejects", "refs", "citations", "blocks", "tables",
                "triples", "s"):
        table.add_column(col, justify="left" if col in ("paper", "status") else "right")
    for p in report.papers:
        if p.status == "ingested":
            table.add_row(escape(p.doc_id), p.status, str(p.facts), str(p.measurements), str(p.syntheses), str(p.rejects),
                          str(p.references), str(p.citations), str(p.blocks), str(p.tables), str(p.triples),
                          f"{p.seconds:.2f}")
        else:
            table.add_row(escape(p.doc_id), p.status, *[""] * 10)
    out.print(table)
    t = report.totals()
    summary = Table(show_header=True)
    for col in ("papers", "unchanged", "failed", "facts", "rejects", "triples", "store triples", "seconds"):
        summary.add_column(col, justify="right")
    summary.add_row(str(t["papers"]), str(t["unchanged"]), str(t["failed"]), str(t["facts"]), str(t["rejects"]),
                    str(t["triples"]), "-" if t["store_triples"] is None else str(t["store_triples"]),
                    f"{t['seconds']:.1f}")
    out.print(summary)
    for p in report.papers:
        if p.shacl_report:
            err.print(f"[yellow]warning:[/yellow] {escape(p.path)}: SHACL violations remain (see `kg validate`)")
    if report.failed:
        # each failure was reported once, as it happened ("error <file>: <why>")
        err.print(f"[red]{len(report.failed)} file(s) failed[/red] (see the errors above); the others were stored",
                  highlight=False)
        raise typer.Exit(1)


# -- stats -------------------------------------------------------------------------------------------------------

STATS_QUERY = """
SELECT ?doc ?title ?blocks ?tables ?refs ?maxref ?yt ?cits ?marks ?resolved ?facts ?meas ?syn ?rejects WHERE {
  GRAPH ?g {
    ?p a bibo:AcademicArticle ; dcterms:identifier ?doc .
    OPTIONAL { ?p dcterms:title ?title }
    OPTIONAL { ?p sse:blockCount ?blocks } OPTIONAL { ?p sse:tableCount ?tables }
    OPTIONAL { ?p sse:referenceCount ?refs } OPTIONAL { ?p sse:maxReferenceNumber ?maxref }
    OPTIONAL { ?p sse:referencesWithYearTitle ?yt } OPTIONAL { ?p sse:citationCount ?cits }
    OPTIONAL { ?p sse:markerNumberCount ?marks } OPTIONAL { ?p sse:markerNumbersResolved ?resolved }
    OPTIONAL { ?p sse:factCount ?facts } OPTIONAL { ?p sse:measurementCount ?meas }
    OPTIONAL { ?p sse:synthesisCount ?syn } OPTIONAL { ?p sse:rejectCount ?rejects }
  }
} ORDER BY ?doc
"""


def read_stats(store) -> list[dict]:
    rows = []
    seen = set()
    for r in store.select(STATS_QUERY):
        doc = r["doc"].value
        if doc in seen:
            continue
        seen.add(doc)
        n = {k: int(v.value) for k, v in r.items() if k not in ("doc", "title")}
        get = lambda k: n.get(k, 0)  # noqa: E731
        rows.append({
            "doc": doc, "title": r["title"].value if "title" in r else None,
            "blocks": get("blocks"), "tables": get("tables"), "references": get("refs"),
            "max_ref_number": get("maxref"),
            "pct_refs_year_title": round(100.0 * get("yt") / get("refs"), 1) if get("refs") else None,
            "citations": get("cits"), "marker_numbers": get("marks"),
            "pct_markers_resolved": round(100.0 * get("resolved") / get("marks"), 1) if get("marks") else None,
            "facts": get("facts"), "measurements": get("meas"), "syntheses": get("syn"), "rejects": get("rejects"),
        })
    return rows


@app.command()
def stats(fmt: str = typer.Option("table", "--format", "-f", help="table or json")) -> None:
    """Per-paper counts (blocks, tables, references, citations, facts, rejects) and bibliography figures."""
    with _reader() as store:
        rows = read_stats(store)
        triples = store.triple_count()
        materials = store.select("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH ?g { ?m a sse:Material } }")
    n_materials = int(materials[0]["n"].value) if materials else 0
    if fmt == "json":
        out.print_json(json.dumps({"papers": rows, "triples": triples, "materials": n_materials}))
        return
    table = Table(title=f"{state.store_path}: {len(rows)} papers, {triples} triples, {n_materials} materials")
    cols = [("paper", "doc"), ("blocks", "blocks"), ("tables", "tables"), ("refs", "references"),
            ("max ref #", "max_ref_number"), ("% yr+title", "pct_refs_year_title"), ("citations", "citations"),
            ("% markers resolved", "pct_markers_resolved"), ("facts", "facts"), ("meas.", "measurements"),
            ("synth.", "syntheses"), ("rejects", "rejects")]
    for title, _ in cols:
        table.add_column(title, justify="left" if title == "paper" else "right")
    for r in rows:
        table.add_row(*["-" if r[k] is None else str(r[k]) for _, k in cols])
    if rows:
        tot = lambda k: sum(r[k] for r in rows)  # noqa: E731
        table.add_row("TOTAL", str(tot("blocks")), str(tot("tables")), str(tot("references")), "", "",
                      str(tot("citations")), "", str(tot("facts")), str(tot("measurements")), str(tot("syntheses")),
                      str(tot("rejects")), style="bold")
    out.print(table)


# -- query -------------------------------------------------------------------------------------------------------

class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    tsv = "tsv"


@app.command()
def query(
    sparql: str = typer.Argument(..., help="A SPARQL query, or a file (.rq) holding one."),
    fmt: QueryFormat = typer.Option(QueryFormat.table, "--format", "-f", help="Output format."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p",
                                              help="name=value, bound as an RDF term (repeatable)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", "-t", min=0.01,
                                            help="Stop the query after this many seconds (exit code 3)."),
) -> None:
    """Run a SPARQL query (project prefixes predeclared; default graph = the union of all paper graphs is
    NOT implied: use GRAPH ?g { ... })."""
    from kg.query import format_result, load_query, parse_params, run_query

    try:
        text = load_query(sparql)
        params = parse_params(param)
    except QueryError as exc:
        _fail(str(exc), 2)
    if timeout is not None and isinstance(state.store_path, Path):
        # the embedded engine cannot be interrupted: run the query in a child process (kg.api) and kill it
        from kg.api import QueryTimeout, query_with_timeout

        try:
            result = query_with_timeout(state.store_path, text, params, timeout=timeout,
                                        fmt="turtle" if fmt is QueryFormat.table else fmt.value)
            if isinstance(result, str):
                rendered = result
            elif fmt is QueryFormat.table:
                rendered = format_result(result, "table", console=out)
            else:
                rendered = format_result(result, fmt.value)
        except QueryTimeout as exc:
            _fail(str(exc), 3)
        except QueryError as exc:
            _fail(str(exc), 2)
        if rendered is not None:
            sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")
        return
    with _reader() as store:
        if timeout is not None and hasattr(store.ox, "timeout"):  # a SPARQL server: the HTTP request's timeout
            store.ox.timeout = timeout
        try:
            result = run_query(store, text, params)
            if fmt is QueryFormat.table:
                rendered = format_result(result, "table", console=out)
            else:
                rendered = format_result(result, fmt.value)
        except QueryError as exc:
            _fail(str(exc), 2)
        except (OSError, RuntimeError) as exc:  # a read error while the results stream out
            _fail(str(store.read_error(exc)) if hasattr(store, "read_error") else f"SPARQL query failed: {exc}", 2)
    if rendered is not None:
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")


# -- rejects -----------------------------------------------------------------------------------------------------

REJECTS_QUERY = """
SELECT ?doc ?line ?kind ?reason ?text WHERE {
  GRAPH ?g { ?r a sse:Reject ; sse:paper ?p ; sse:line ?line ; sse:kind ?kind ; sse:reason ?reason ; sse:text ?text . }
  GRAPH ?pg { ?p dcterms:identifier ?doc }
}
"""


def read_rejects(store, doc: str | None = None) -> list[dict]:
    rows = []
    for r in store.select(REJECTS_QUERY):
        d = r["doc"].value
        if doc is not None and d != doc:
            continue
        rows.append({"doc": d, "line": int(r["line"].value), "kind": r["kind"].value, "reason": r["reason"].value,
                     "text": r["text"].value})
    rows.sort(key=lambda x: (x["doc"], x["line"], x["reason"]))
    return rows


@app.command()
def rejects(
    doc: Optional[str] = typer.Option(None, "--doc", "-d", help="Only this paper (doc id)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or jsonl"),
) -> None:
    """List the candidate facts that failed validation, with reason, paper and line."""
    with _reader() as store:
        if doc is not None and doc not in store.papers():
            _fail(f"no paper {doc!r} in {state.store_path}")
        rows = read_rejects(store, doc)
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(rows)} rejects")
    for col in ("paper", "line", "kind", "reason", "text"):
        table.add_column(col, overflow="fold")
    for r in rows:
        text = r["text"] if len(r["text"]) <= 80 else r["text"][:77] + "..."
        table.add_row(escape(r["doc"]), str(r["line"]), r["kind"], escape(r["reason"]), escape(text))
    out.print(table)


# -- validate ----------------------------------------------------------------------------------------------------

INVARIANTS = {
    "paper graph without a paper node carrying sse:contentHash and sse:sourcePath": """
        SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o }
          FILTER(STRSTARTS(STR(?g), "https://w3id.org/sse-kg/id/graph/"))
          FILTER NOT EXISTS { GRAPH ?g { ?paper a bibo:AcademicArticle ; sse:contentHash ?h ; sse:sourcePath ?sp } } }""",
    "fact without provenance (prov:wasDerivedFrom an evidence node with paper, line and text)": """
        SELECT DISTINCT ?g ?f WHERE { GRAPH ?g { VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t .
          FILTER NOT EXISTS { ?f prov:wasDerivedFrom ?ev . ?ev sse:paper ?paper ; sse:line ?l ; sse:text ?x } } }""",
    "fact without a material": """
        SELECT DISTINCT ?g ?f WHERE { GRAPH ?g { VALUES ?t { sse:Measurement sse:SynthesisFact } ?f a ?t .
          FILTER NOT EXISTS { ?f sse:material ?m . ?m a sse:Material } } }""",
    "measurement without property, value or unit string": """
        SELECT DISTINCT ?g ?f WHERE { GRAPH ?g { ?f a sse:Measurement .
          FILTER NOT EXISTS { ?f sse:property ?p ; sse:value ?v ; sse:unitString ?u } } }""",
    "single-valued measurement without a comparison group (written before groups existed: kg ingest --force)": """
        SELECT DISTINCT ?g ?f WHERE { GRAPH ?g { ?f a sse:Measurement .
          FILTER NOT EXISTS { ?f sse:comparisonGroup ?c . ?c sse:condition ?cond }
          FILTER NOT EXISTS { ?f sse:valueMax ?vmax } } }""",
    "synthesis fact without exactly one method": """
        SELECT ?g ?f WHERE { GRAPH ?g { ?f a sse:SynthesisFact . OPTIONAL { ?f sse:method ?m } } }
        GROUP BY ?g ?f HAVING (COUNT(?m) != 1)""",
    "rejects graph without its paper graph": """
        SELECT DISTINCT ?g WHERE { GRAPH ?g { ?r a sse:Reject ; sse:paper ?paper }
          FILTER NOT EXISTS { GRAPH ?pg { ?paper a bibo:AcademicArticle } } }""",
    # every node of a paper graph but the paper and its facts is reached from something in that graph
    # (evidence from its fact, a material from its fact, a reference from the paper that cites it, ...)
    "orphan node (nothing in its paper graph links to it)": """
        SELECT DISTINCT ?g ?f WHERE { GRAPH ?g { ?f ?p ?o .
          FILTER NOT EXISTS { ?f a ?t . VALUES ?t { bibo:AcademicArticle sse:Measurement sse:SynthesisFact } }
          FILTER NOT EXISTS { ?y ?p2 ?f } }
          FILTER(STRSTARTS(STR(?g), "https://w3id.org/sse-kg/id/graph/")) }""",
}


def check_store(store, *, shacl: bool = True) -> list[str]:
    """Violations of the store invariants and of the SHACL shapes, as readable lines (empty = valid)."""
    from kg import iris

    problems: list[str] = []
    for title, q in INVARIANTS.items():
        for r in store.select(q):
            where = iris.doc_id_of_graph(r["g"].value) or r["g"].value
            node = f" {r['f'].value}" if "f" in r else ""
            problems.append(f"{where}: {title}{node}")
    if shacl:
        import pyoxigraph as ox
        import rdflib

        from kg.validate import shacl_validate

        for doc in store.papers():
            g_iri = ox.NamedNode(str(iris.graph_iri(doc)))
            data = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g_iri)
            graph = rdflib.Graph(identifier=rdflib.URIRef(g_iri.value))
            graph.parse(data=data.decode("utf-8"), format="nt")
            conforms, report = shacl_validate(graph)
            if not conforms:
                problems.append(f"{doc}: SHACL violations:\n" + "\n".join("    " + l for l in report.splitlines()))
    return problems


@app.command()
def validate(shacl: bool = typer.Option(True, "--shacl/--no-shacl", help="Also run the SHACL shapes.")) -> None:
    """Check every paper graph against the SHACL shapes and the store invariants (exit 1 on violations)."""
    with _reader() as store:
        papers = store.papers()
        problems = check_store(store, shacl=shacl)
    if problems:
        for p in problems:
            out.print(f"[red]✗[/red] {p}", highlight=False)
        out.print(f"{len(problems)} problem(s) in {len(papers)} paper(s)")
        raise typer.Exit(1)
    out.print(f"[green]✓[/green] {len(papers)} paper(s): store invariants hold"
              + (", SHACL conforms" if shacl else ""))


# -- remove ------------------------------------------------------------------------------------------------------

@app.command()
def remove(doc_id: str = typer.Argument(..., help="The paper's doc id (see `kg stats`).")) -> None:
    """Remove a paper (its facts graph and its rejects graph) from the store."""
    with _writer() as store:
        existed = store.remove_paper(doc_id)
    if not existed:
        _fail(f"no paper {doc_id!r} in {state.store_path}")
    out.print(f"removed {doc_id}")


# -- export ------------------------------------------------------------------------------------------------------

class FactsFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class RdfFormatName(str, Enum):
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    jsonld = "jsonld"


@export_app.command("facts")
def export_facts_cmd(
    fmt: FactsFormat = typer.Option(FactsFormat.jsonl, "--format", "-f", help="jsonl or csv"),
    output: str = typer.Option("-", "--output", "-o", help="Output file ('-' = stdout)."),
) -> None:
    """Export the facts contract (read back from the store), sorted by doc and line."""
    from kg.export import export_facts

    t0 = time.perf_counter()
    with _reader() as store:
        n = export_facts(store, fmt.value, output)
    if output != "-":
        err.print(f"{n} facts -> {output} ({time.perf_counter() - t0:.2f}s)")


@export_app.command("rdf")
def export_rdf_cmd(
    fmt: RdfFormatName = typer.Option(RdfFormatName.trig, "--format", "-f",
                                      help="turtle/ntriples (union of graphs) or nquads/trig/jsonld (named graphs)"),
    output: str = typer.Option("-", "--output", "-o", help="Output file ('-' = stdout)."),
) -> None:
    """Export the RDF dataset (streamed by Oxigraph's serializer)."""
    from kg.export import export_rdf

    with _reader() as store:
        export_rdf(store, fmt.value, output)
    if output != "-":
        err.print(f"RDF ({fmt.value}) -> {output}")


@export_app.command("neo4j")
def export_neo4j_cmd(
    output: Path = typer.Option(..., "--output", "-o", help="Output folder (created)."),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, help="Rows per UNWIND batch in load.cypher."),
) -> None:
    """Neo4j: neo4j-admin bulk-import CSVs (one file per label / relationship type), load.cypher for a running
    server, README.md with the exact commands."""
    from kg.export_neo4j import export_neo4j

    t0 = time.perf_counter()
    with _reader() as store:
        res = export_neo4j(store, output, batch_size=batch_size)
    err.print(f"{res.node_count} nodes, {res.relationship_count} relationships -> {output} "
              f"({time.perf_counter() - t0:.2f}s); see {output / 'README.md'}")


class GephiFormat(str, Enum):
    gexf = "gexf"
    graphml = "graphml"


@export_app.command("gephi")
def export_gephi_cmd(
    output: Path = typer.Option(..., "--output", "-o", help="Output file (.gexf or .graphml)."),
    fmt: Optional[GephiFormat] = typer.Option(None, "--format", "-f", help="gexf (default) or graphml; "
                                              "default from the file extension"),
    facts: bool = typer.Option(False, "--facts/--no-facts", help="Keep measurement/synthesis nodes (default: "
                                                                "entities only, edges weighted by facts)."),
) -> None:
    """Gephi: GEXF 1.3 or GraphML with type/family/label attributes, degree-based size, colour by type."""
    from kg.export_gephi import export_gephi

    kind = fmt.value if fmt is not None else ("graphml" if output.suffix.lower() == ".graphml" else "gexf")
    t0 = time.perf_counter()
    with _reader() as store:
        res = export_gephi(store, output, kind, facts=facts)
    err.print(f"{res['nodes']} nodes, {res['edges']} edges ({kind}) -> {output} ({time.perf_counter() - t0:.2f}s)")


# -- serve -------------------------------------------------------------------------------------------------------

@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."),
    port: int = typer.Option(7878, "--port", min=1, max=65535, help="TCP port."),
    allow_update: bool = typer.Option(False, "--allow-update", help="Accept SPARQL UPDATE (default: read-only)."),
    timeout: float = typer.Option(30.0, "--timeout", "-t", min=0, help="Query timeout in seconds (0 = none)."),
    union_default_graph: bool = typer.Option(False, "--union-default-graph",
                                             help="Default graph = union of all paper graphs."),
    cors: bool = typer.Option(False, "--cors", help="Allow cross-origin requests (browser front ends)."),
    max_rows: int = typer.Option(100_000, "--max-rows", min=0,
                                 help="Refuse (HTTP 422) a result with more rows than this: solutions, triples, "
                                      "CSV/TSV records (0 = no limit)."),
    max_bytes: str = typer.Option("128M", "--max-bytes", metavar="SIZE",
                                  help="Refuse (HTTP 422) a result larger than this many bytes: 134217728, 128M, "
                                       "1G (0 = no limit). Results are held in memory until complete."),
) -> None:
    """Serve the store as a SPARQL 1.1 Protocol endpoint (http://HOST:PORT/query) with the Oxigraph server;
    read-only unless --allow-update, results limited to --max-rows/--max-bytes. Writers (kg ingest/remove) are
    refused while it runs. Ctrl-C stops it."""
    from kg.serve import Server, parse_size, serve_forever

    if not isinstance(state.store_path, Path):
        _fail("kg serve serves a store directory, not a SPARQL server URL")
    try:
        server = Server(state.store_path, host=host, port=port, allow_update=allow_update, timeout=timeout or None,
                        union_default_graph=union_default_graph, cors=cors, max_rows=max_rows,
                        max_bytes=parse_size(max_bytes))
    except KGError as exc:
        _fail(str(exc))
    try:
        code = serve_forever(server, announce=lambda msg: (print(msg, flush=True)))
    except StoreBusyError as exc:
        _fail(str(exc))
    except KGError as exc:
        _fail(str(exc))
    raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()

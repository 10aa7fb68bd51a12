"""A store on a SPARQL server: ``kg --store http://host:7878 ...`` (Oxigraph server, Fuseki, GraphDB, Virtuoso).

``RemoteStore`` is a ``kg.store.Store`` whose Oxigraph handle is replaced by ``SparqlClient``, an HTTP client
that offers the few ``pyoxigraph.Store`` methods the project calls, over three standard protocols:

* SPARQL 1.1 Protocol (queries): ``POST <query endpoint>`` with ``application/sparql-query``; results come back
  as SPARQL JSON (parsed by pyoxigraph into the same ``QuerySolutions``/``QueryBoolean`` a local store gives)
  or N-Triples for CONSTRUCT/DESCRIBE (loaded into an in-memory store, so the caller gets ``QueryTriples``);
* SPARQL 1.1 Update: ``POST <update endpoint>`` with ``application/sparql-update``. ``write_paper`` sends a
  paper as ONE request (``DROP SILENT GRAPH g ; DROP SILENT GRAPH r ; INSERT DATA {...}``), which the spec asks
  a service to treat atomically; Oxigraph server runs it in one transaction (tested: a request that fails
  half-way leaves the old paper);
* SPARQL 1.1 Graph Store HTTP Protocol: ``GET <gsp endpoint>?graph=<iri>`` reads one paper's graph, and
  ``GET <gsp endpoint>`` with ``Accept: application/n-quads`` the whole dataset (``kg export rdf``).

Endpoints. The URL names the server's base; the defaults are Oxigraph server's paths (``/query``, ``/update``,
``/store``). Other servers name theirs in the URL's query string (an empty value = the base URL itself)::

    http://host:7878                                               Oxigraph server (``oxigraph serve``)
    http://host:3030/kg?query=query&update=update&gsp=data         Apache Jena Fuseki, dataset ``kg``
    http://host:7200/repositories/kg?query=&update=statements&gsp=rdf-graphs/service   GraphDB
    http://host:8890?query=sparql&update=sparql&gsp=sparql-graph-crud                  Virtuoso

``user:password@`` in the URL is sent as HTTP Basic authentication. Query parameters (``--param``) are bound
by a ``VALUES`` block placed first in the query's WHERE group, built from terms serialised by pyoxigraph: a
value never becomes query text. There is no writer lock across machines: the server serializes requests, and
each paper's write is one atomic request.
"""
from __future__ import annotations

import base64
import io
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError
from kg.store import Store

SCHEMES = ("http://", "https://")
_JSON = "application/sparql-results+json"
_NT = "application/n-triples"
_NQ = "application/n-quads"


def is_remote(location: Any) -> bool:
    """Whether a ``--store`` value names a SPARQL server rather than a directory."""
    return isinstance(location, str) and location.lower().startswith(SCHEMES)


class RemoteError(OSError):
    """An HTTP request to the SPARQL server failed (status and the server's message)."""


# -- query text helpers ------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r'(?P<ws>\s+)|(?P<comment>#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[A-Za-z0-9_\-.:%]*)?|:[A-Za-z0-9_\-.:%]*)'
    r'|(?P<punct>.)', re.S)


def _where_brace(sparql: str) -> int | None:
    """Offset just after the ``{`` that opens the query's WHERE group (top level), or None."""
    depth = 0
    seen_where = False
    first_top_brace = None
    form = None
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup
        if kind == "word":
            w = m.group().upper()
            if depth == 0 and form is None and w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = w
            if depth == 0 and w == "WHERE":
                seen_where = True
        elif kind == "punct":
            c = m.group()
            if c == "{":
                if depth == 0:
                    if seen_where:
                        return m.end()
                    if first_top_brace is None:
                        first_top_brace = m.end()
                        if form in ("SELECT", "ASK"):
                            return m.end()  # "SELECT * { ... }" without the WHERE keyword
                depth += 1
            elif c == "}":
                depth = max(0, depth - 1)
    return None if form in ("CONSTRUCT",) else first_top_brace


def bind_values(sparql: str, bindings: Mapping[str, Any]) -> str:
    """``sparql`` with ``VALUES (?a ?b) { (term term) }`` first in its WHERE group. Terms are pyoxigraph terms
    (serialised by pyoxigraph, so a value cannot inject query text)."""
    if not bindings:
        return sparql
    at = _where_brace(sparql)
    if at is None:
        raise SyntaxError("cannot bind parameters: the query has no WHERE group")
    names, terms = [], []
    for name, term in bindings.items():
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise TypeError(f"parameter {name}: only IRIs and literals can be bound, not {term!r}")
        names.append(f"?{name.value if isinstance(name, ox.Variable) else str(name).lstrip('?$')}")
        terms.append(str(term))
    values = f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    return sparql[:at] + values + sparql[at:]


def _prologue(prefixes: Mapping[str, str] | None) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())


# -- the HTTP client ---------------------------------------------------------------------------------------------

class SparqlClient:
    """The subset of ``pyoxigraph.Store`` that kg uses, over SPARQL 1.1 Protocol / Update / Graph Store HTTP."""

    def __init__(self, url: str, *, timeout: float = 120.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KGError(f"not a SPARQL server URL: {url}")
        params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(params) - {"query", "update", "gsp"}
        if unknown:
            raise KGError(f"{url}: unknown store URL parameter(s) {', '.join(sorted(unknown))} (query, update, gsp)")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        if ":" in parts.hostname:  # an IPv6 literal
            netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self.base = base

        def endpoint(key: str, default: str) -> str:
            path = params.get(key, default).strip("/")
            return f"{base}/{path}" if path else base

        self.query_url = endpoint("query", "query")
        self.update_url = endpoint("update", "update")
        self.gsp_url = endpoint("gsp", "store")
        self.timeout = timeout
        self._auth = None
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            pw = urllib.parse.unquote(parts.password or "")
            self._auth = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode("ascii")

    def __repr__(self) -> str:
        return f"<SparqlClient {self.base}>"

    # -- HTTP --

    def _request(self, method: str, url: str, *, data: bytes | None = None, content_type: str | None = None,
                 accept: str | None = None, ok404: bool = False) -> tuple[int, str, bytes]:
        headers = {"User-Agent": "sse-kg"}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        if self._auth:
            headers["Authorization"] = self._auth
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace").strip()
            if ok404 and exc.code == 404:
                return 404, "", b""
            if exc.code == 400:
                raise SyntaxError(body or "bad request") from None
            raise RemoteError(f"{method} {url}: HTTP {exc.code}: {body[:500]}") from None
        except urllib.error.URLError as exc:
            raise RemoteError(f"cannot reach {url}: {exc.reason}") from None
        except (TimeoutError, ConnectionError) as exc:
            raise RemoteError(f"{method} {url}: {exc}") from None

    # -- pyoxigraph.Store's API --

    def query(self, query: str, *, prefixes: Mapping[str, str] | None = None, substitutions=None,
              use_default_graph_as_union: bool = False, base_iri: str | None = None, **_ignored):
        text = _prologue(prefixes) + (f"BASE <{base_iri}>\n" if base_iri else "") + query
        if substitutions:
            text = bind_values(text, {(k.value if isinstance(k, ox.Variable) else k): v
                                      for k, v in substitutions.items()})
        url = self.query_url + ("?union-default-graph" if use_default_graph_as_union else "")
        _, ctype, body = self._request("POST", url, data=text.encode("utf-8"),
                                       content_type="application/sparql-query; charset=utf-8",
                                       accept=f"{_JSON}, {_NT};q=0.9, text/turtle;q=0.8")
        ctype = ctype.split(";")[0].strip().lower()
        if ctype in (_JSON, "application/json"):
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if ctype in ("application/sparql-results+xml", "application/xml"):
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        fmt = ox.RdfFormat.from_media_type(ctype) or ox.RdfFormat.N_TRIPLES
        local = ox.Store()
        local.load(body, format=fmt)
        return local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    def update(self, update: str, *, prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> None:
        text = _prologue(prefixes) + (f"BASE <{base_iri}>\n" if base_iri else "") + update
        self._request("POST", self.update_url, data=text.encode("utf-8"),
                      content_type="application/sparql-update; charset=utf-8")

    def _select(self, text: str) -> list[dict]:
        res = self.query(text)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names} for sol in res]

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"):
            if isinstance(row["g"], ox.NamedNode):
                yield row["g"]

    def graph_quads(self, graph: ox.NamedNode) -> list[ox.Quad]:
        """One named graph by the Graph Store Protocol (empty if the server has no such graph)."""
        url = self.gsp_url + "?" + urllib.parse.urlencode({"graph": graph.value})
        status, ctype, body = self._request("GET", url, accept=_NT, ok404=True)
        if status == 404 or not body.strip():
            return []
        fmt = ox.RdfFormat.from_media_type(ctype.split(";")[0].strip()) or ox.RdfFormat.N_TRIPLES
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(body, format=fmt)]

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> list[ox.Quad]:  # noqa: A002
        if subject is None and predicate is None and object is None and isinstance(graph_name, ox.NamedNode):
            return self.graph_quads(graph_name)
        s, p, o = (str(t) if t is not None else v for t, v in ((subject, "?s"), (predicate, "?p"), (object, "?o")))
        if isinstance(graph_name, ox.NamedNode):
            where = f"GRAPH {graph_name} {{ {s} {p} {o} }} BIND({graph_name} AS ?g)"
        elif isinstance(graph_name, ox.DefaultGraph):
            where = f"{s} {p} {o}"
        else:
            where = f"{{ {s} {p} {o} }} UNION {{ GRAPH ?g {{ {s} {p} {o} }} }}"
        out = []
        for row in self._select(f"SELECT * WHERE {{ {where} }}"):
            g = row.get("g")
            out.append(ox.Quad(subject or row["s"], predicate or row["p"], object or row["o"],
                               g if g is not None else ox.DefaultGraph()))
        return out

    def __len__(self) -> int:
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        return int(rows[0]["n"].value) if rows else 0

    def _dataset(self) -> bytes:
        """The whole dataset as N-Quads: GSP ``GET`` on the store (Oxigraph, Fuseki's dataset URL), else a SELECT."""
        try:
            status, ctype, body = self._request("GET", self.gsp_url, accept=_NQ)
            if ctype.split(";")[0].strip().lower() == _NQ:
                return body
        except (RemoteError, SyntaxError):
            pass
        buf = io.StringIO()
        for row in self._select("SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"):
            g = row.get("g")
            buf.write(f"{row['s']} {row['p']} {row['o']}{'' if g is None else ' ' + str(g)} .\n")
        return buf.getvalue().encode("utf-8")

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(list(ox.parse(self._dataset(), format=ox.RdfFormat.N_QUADS)))

    def dump(self, output=None, format: ox.RdfFormat | None = None, *, from_graph=None,  # noqa: A002
             prefixes: Mapping[str, str] | None = None, base_iri: str | None = None):
        fmt = format or ox.RdfFormat.N_QUADS
        if from_graph is not None:
            items: list = [ox.Triple(q.subject, q.predicate, q.object) for q in self.graph_quads(from_graph)]
        else:
            if not fmt.supports_datasets:
                raise ValueError(f"{fmt} cannot hold a dataset: pass from_graph")
            items = list(ox.parse(self._dataset(), format=ox.RdfFormat.N_QUADS))
        kwargs: dict[str, Any] = {}
        if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            kwargs["prefixes"] = dict(prefixes)
        if isinstance(output, str):
            with open(output, "wb") as fh:
                ox.serialize(items, fh, fmt, **kwargs)
            return None
        return ox.serialize(items, output, fmt, **kwargs)

    def flush(self) -> None:
        return None

    def ping(self) -> None:
        """Raise ``KGError`` unless the query endpoint answers."""
        try:
            self.query("ASK { }")
        except (RemoteError, SyntaxError, ValueError) as exc:
            raise KGError(f"SPARQL server {self.base} does not answer: {exc}") from exc


# -- the store -----------------------------------------------------------------------------------------------------

class RemoteStore(Store):
    """``kg.store.Store`` on a SPARQL server. Same methods (``write_paper`` atomic per paper, ``remove_paper``,
    ``paper_hash``, ``query``/``select`` with safe bindings, ``triple_count``, ``dump``); no file lock."""

    def __init__(self, url: str, *, writable: bool = True, timeout: float = 120.0):  # noqa: D107 - no super().__init__
        self.path = url  # what messages name
        self.url = url
        self.writable = writable
        self.read_only = not writable
        self._lock_fd = None
        self._ox = SparqlClient(url, timeout=timeout)
        self._ox.ping()

    @classmethod
    def reader(cls, url: str) -> RemoteStore:
        return cls(url, writable=False)

    @property
    def lock_path(self):  # no lock file: the server serializes requests
        return None

    def close(self) -> None:
        self._ox = None

    def rdflib_graph(self):
        """Not offered for a server: rdflib's SPARQL store creates graphs and reads the default graph, which does
        not fit this layout. Query with ``query``/``select``, or copy a paper with ``paper_quads``."""
        raise KGError(f"{self.url}: rdflib_graph() works on a local store only; use query()/select() here")

    def __repr__(self) -> str:
        return f"<kg.RemoteStore {self.url} {'rw' if self.writable else 'ro'}>"


def open_store(location, *, writable: bool = True) -> Store:
    """A local ``Store`` for a directory, a ``RemoteStore`` for an ``http(s)://`` URL."""
    if is_remote(location):
        return RemoteStore(str(location), writable=writable)
    return Store(location, writable=writable)

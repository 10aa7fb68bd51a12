"""The result-size limit of ``kg serve`` (``--max-rows``, ``--max-bytes``): a small HTTP proxy in front of Oxigraph.

Why it exists: the Oxigraph server has a query timeout but no limit on the size of a result. A query such as
``SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }`` streams the whole store (tens of MB a second) until the timeout
cancels it, and the client gets a ``200`` whose body is huge, or cut off with an error message at the end. So
``kg serve`` runs Oxigraph on a private loopback port and puts this proxy on the public address. It forwards
every request as it came (method, path, headers, body; ``/query``, ``/update``, ``/store``, ``/``) and relays
Oxigraph's status, headers and body, with one difference: it reads a response whole before it sends any of it,
counting rows as the bytes come in:

* SPARQL results in JSON, XML and TSV are counted with pyoxigraph's parsers, which come from the same Rust code
  as the server's serializers and read exactly what it writes. CSV, which pyoxigraph does not parse, is counted
  by records: Oxigraph ends each with CRLF and quotes any value that holds a quote, comma or line break, so a
  record ends at a CRLF outside double quotes. RDF (CONSTRUCT/DESCRIBE, Graph Store GET) counts triples or quads
  with pyoxigraph's RDF parsers. Any other body (the YASGUI page, error messages) counts only towards the byte
  limit.
* over ``max_rows`` rows or ``max_bytes`` bytes: the proxy closes its connection to Oxigraph, which stops the
  query, and answers ``422 Unprocessable Content`` with a plain-text reason such as "result has more than 100000
  rows (kg serve --max-rows); add LIMIT to the query or raise the limit". A truncated ``200`` is never sent.
  Why 422: the request is valid but this server will not answer it as asked, and sending it again unchanged
  fails again, so it is a client error (4xx). 413 means the *request* body is too large, and a client would
  blame its upload. 500 and 507 say the server failed, which invites retries. The SPARQL 1.1 Protocol leaves
  the status code of a refused query to the server, as long as it is not a 2xx.
* a result that Oxigraph itself cut short becomes a ``500`` with the end of its output, not a broken ``200``.
  This happens when the query timeout cancels a query after the ``200`` header has gone out: Oxigraph then
  appends "The SPARQL operation has been cancelled" to the body.

Cost: the whole response sits in memory until it is complete, up to ``max_bytes`` for each request in flight.
Responses that are not ``200`` are relayed with only the byte limit.
"""
from __future__ import annotations

import http.client
import http.server
import socket
import socketserver
import threading
from collections.abc import Iterator

import pyoxigraph as ox

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade"}
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "expect", "accept-encoding"}  # identity bodies only
READ_SIZE = 64 * 1024


class Refused(Exception):
    """A response that is not relayed: its status and plain-text message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class _Body:
    """A file-like view of an upstream response body for the parsers: it keeps every byte it reads and raises
    ``Refused`` once more than ``max_bytes`` have come in (0: no limit)."""

    def __init__(self, resp: http.client.HTTPResponse, max_bytes: int):
        self.resp, self.max_bytes = resp, max_bytes
        self.parts: list[bytes] = []
        self.size = 0
        self.refused: Refused | None = None  # kept in case a parser wraps the exception it gets from read()
        self._chunk, self._pos = b"", 0

    def _fill(self) -> bool:
        chunk = self.resp.read(READ_SIZE)  # (read1 would not mark a Content-Length body complete)
        if not chunk:
            return False
        self.size += len(chunk)
        if self.max_bytes and self.size > self.max_bytes:
            self.refused = Refused(422, f"result is larger than {self.max_bytes} bytes (kg serve --max-bytes); add "
                                        "LIMIT to the query or raise the limit")
            raise self.refused
        self.parts.append(chunk)
        self._chunk, self._pos = chunk, 0
        return True

    def read(self, n: int | None = -1) -> bytes:
        if self._pos >= len(self._chunk) and not self._fill():
            return b""
        end = len(self._chunk) if n is None or n < 0 else self._pos + n
        out = self._chunk[self._pos:end]
        self._pos += len(out)
        return out

    def rest(self) -> bytes:
        """Read what the parser left (normally nothing) and return the whole body."""
        self._pos = len(self._chunk)
        while self._fill():
            pass
        return b"".join(self.parts)


def _csv_records(body: _Body) -> Iterator[None]:
    """One item per CSV record after the header line: a record ends at a CRLF outside double quotes (a quote
    inside a quoted value is doubled, so quote parity tells inside from outside)."""
    inside, header, carry = False, True, b""
    while chunk := body.read(READ_SIZE):
        data = carry + chunk
        carry = b"\r" if data.endswith(b"\r") else b""  # a CRLF may straddle two reads
        lines = (data[:-1] if carry else data).split(b"\r\n")
        for i, line in enumerate(lines):
            if line.count(b'"') % 2:
                inside = not inside
            if i < len(lines) - 1 and not inside:
                if header:
                    header = False
                else:
                    yield None


def rows(content_type: str, body: _Body) -> Iterator[object]:
    """The rows of a result body, parsed as they are read: solutions, a boolean, triples/quads or CSV records."""
    media = content_type.split(";")[0].strip().lower()
    if media == "text/csv":
        return _csv_records(body)
    results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
    if results_format is not None:
        parsed = ox.parse_query_results(body, format=results_format)
        return iter(parsed) if isinstance(parsed, ox.QuerySolutions) else iter((parsed,))
    rdf_format = ox.RdfFormat.from_media_type(media) if media else None
    if rdf_format is not None:
        return ox.parse(body, format=rdf_format)
    return iter(())


def read_limited(resp: http.client.HTTPResponse, method: str, max_rows: int, max_bytes: int) -> bytes:
    """The whole body of an upstream response, or ``Refused`` when it breaks a limit or (a 200) is broken."""
    body = _Body(resp, max_bytes)
    if resp.status != 200 or method == "HEAD":
        return body.rest()
    count = 0
    try:
        for _ in rows(resp.getheader("Content-Type", ""), body):
            count += 1
            if max_rows and count > max_rows:
                raise Refused(422, f"result has more than {max_rows} rows (kg serve --max-rows); add LIMIT to the "
                                   "query or raise the limit")
    except Refused:
        raise
    except Exception as exc:
        if body.refused is not None:
            raise body.refused from None
        if not isinstance(exc, SyntaxError):
            raise
        tail = body.rest()[-160:].decode("utf-8", "replace")
        raise Refused(500, "the query failed while Oxigraph was sending its result; the response it began ends "
                           f"with: {tail}") from None
    return body.rest()


def _read_chunked(rfile) -> bytes:
    """A request body sent with ``Transfer-Encoding: chunked``."""
    parts = []
    while size := int(rfile.readline().split(b";")[0].strip() or b"0", 16):
        parts.append(rfile.read(size))
        rfile.readline()
    while rfile.readline() not in (b"\r\n", b"\n", b""):  # trailer fields
        pass
    return b"".join(parts)


class _Handler(http.server.BaseHTTPRequestHandler):
    """One client connection (keep-alive: many requests), with its own keep-alive connection to Oxigraph."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 300  # seconds a client connection may sit idle
    server: ResultLimitProxy

    def setup(self) -> None:
        super().setup()
        self.upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        self._drop_upstream()
        super().finish()

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet, like Oxigraph
        pass

    def _drop_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def _request(self, body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        """Send the request to Oxigraph; once more on a fresh connection if a kept-alive one was closed under us
        and the request is a read (a write is never sent twice)."""
        while True:
            fresh = self.upstream is None
            if fresh:
                self.upstream = http.client.HTTPConnection(*self.server.backend, timeout=self.server.upstream_timeout)
            try:
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                return self.upstream.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop_upstream()
                if fresh or not (self.command in ("GET", "HEAD", "OPTIONS") or self.path.startswith("/query")):
                    raise

    def _forward(self) -> None:
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                body = _read_chunked(self.rfile)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
        except ValueError:
            self.close_connection = True  # where the next request starts is unknown
            return self._reply(400, "bad Content-Length or chunked body")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in NOT_FORWARDED}
        if body is not None or self.command in ("POST", "PUT", "PATCH"):
            body = body or b""
        try:
            resp = self._request(body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self._drop_upstream()
            return self._reply(502, f"the Oxigraph server behind kg serve does not answer: {exc}")
        try:
            payload = read_limited(resp, self.command, self.server.max_rows, self.server.max_bytes)
        except Refused as refused:
            if not resp.isclosed():
                self._drop_upstream()  # closing the connection stops Oxigraph streaming the rest
            return self._reply(refused.status, refused.message)
        except (OSError, http.client.HTTPException) as exc:
            self._drop_upstream()
            return self._reply(502, f"the Oxigraph server behind kg serve broke off its response: {exc!r}")
        if resp.will_close:
            self._drop_upstream()
        self.send_response_only(resp.status, resp.reason)
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        length = resp.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(payload))
        self.send_header("Content-Length", length)
        self._end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _forward

    def _reply(self, status: int, message: str) -> None:
        data = message.encode("utf-8")
        self.send_response_only(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self._end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _end_headers(self) -> None:
        if self.close_connection:  # the client asked for it (Connection: close, HTTP/1.0)
            self.send_header("Connection", "close")
        self.end_headers()


class ResultLimitProxy(http.server.ThreadingHTTPServer):
    """Listens on ``host:port`` and forwards to the Oxigraph server at ``backend`` (host, port), refusing results
    over ``max_rows`` rows or ``max_bytes`` bytes (0: no limit). ``start()`` serves in a background thread,
    ``stop()`` stops listening."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, backend: tuple[str, int], *, max_rows: int, max_bytes: int,
                 upstream_timeout: float | None = None):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.backend, self.max_rows, self.max_bytes = backend, max_rows, max_bytes
        self.upstream_timeout = upstream_timeout
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:  # HTTPServer's looks the host name up (getfqdn), which can stall
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away is no error
            super().handle_error(request, client_address)

    def start(self) -> ResultLimitProxy:
        self._thread = threading.Thread(target=self.serve_forever, name="kg-serve-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

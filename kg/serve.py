"""``kg serve``: the store as a SPARQL 1.1 Protocol endpoint, served by the real Oxigraph server.

We do not write an HTTP server. The ``oxigraph`` package on PyPI (extra ``serve``) ships Oxigraph's server
binary (``oxigraph serve`` / ``oxigraph serve-read-only``), which reads the same RocksDB directory the
embedded ``pyoxigraph.Store`` writes. ``kg serve`` runs it as a child process:

* read-only by default: ``oxigraph serve-read-only --location STORE`` opens RocksDB read-only, which works
  even while another process holds the store open (RocksDB's ``LOCK`` is not taken), and answers a SPARQL
  UPDATE with ``403 The server is read-only``. (A read-only open can race with a process that has the store
  open read-write and is compacting at that moment; such a start is retried.) ``--allow-update`` runs ``oxigraph serve --location STORE``
  (read-write; it needs RocksDB's lock, so no other process may have the store open).
* bound to ``127.0.0.1:7878`` unless ``--host``/``--port`` say otherwise;
* ``--timeout SECONDS`` (default 30) is Oxigraph's ``--timeout-s``: a query running longer is cancelled;
* ``--max-rows N`` (default 100,000) and ``--max-bytes N`` (default 128 MiB) limit the size of a result, which
  Oxigraph cannot do: with either limit on (0 turns one off), Oxigraph listens on a private loopback port and
  ``kg.serve_proxy`` listens on ``--host``/``--port``. It forwards every request and relays Oxigraph's
  answer, but a result over a limit gets ``422`` "result has more than N rows (kg serve --max-rows); add
  LIMIT to the query or raise the limit" instead of a huge or cut-off ``200``. A query cancelled by the
  timeout after its ``200`` began gets ``500`` with Oxigraph's message. With both limits 0 Oxigraph listens
  on the public address itself, as before: results stream, and a cancelled query may end a ``200`` early
  with an error message;
* ``--union-default-graph`` makes the default graph the union of the paper graphs (off by default, as in
  ``kg query``: use ``GRAPH ?g { ... }``).

Writers. Opening RocksDB read-only while another process writes it is undefined behaviour (Oxigraph's
documentation), so ``kg serve`` takes the project's writer lock file (``<store>/kg-write.lock``, see
``kg.store``): shared while serving read-only, exclusive with ``--allow-update``. While it serves, ``kg ingest``
and ``kg remove`` fail with "store ... is in use by PID <pid>" instead of writing under the server, and
``kg serve`` refuses to start while a writer holds the lock.

Endpoints (Oxigraph's): ``GET/POST /query`` (SPARQL 1.1 Protocol), ``POST /update`` (with ``--allow-update``),
``/store`` (Graph Store Protocol), ``/`` (a YASGUI page). Stopping: Ctrl-C, or SIGTERM to ``kg serve``, which
stops the server process and releases the lock.

Programmatic use (tests, notebooks)::

    with Server("kg-store", port=7879) as srv:   # starts, waits until it answers
        urllib.request.urlopen(srv.query_url + "?query=" + urllib.parse.quote("ASK {}"))
"""
from __future__ import annotations

import errno
import fcntl
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from kg.errors import KGError, StoreBusyError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 100_000  # rows (solutions, triples/quads, CSV/TSV records) in one result
DEFAULT_MAX_BYTES = 128 * 2**20  # bytes in one result; the proxy holds a result in memory until it is complete
LOCK_NAME = "kg-write.lock"  # the same file kg.store.Store's writers lock


def find_oxigraph() -> str:
    """The ``oxigraph`` server binary: next to this Python (a virtual environment's ``bin/``), else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise KGError("the Oxigraph server binary is not installed: pip install 'sse-kg[serve]' (PyPI package "
                  "'oxigraph', which ships the 'oxigraph' executable)")


def server_command(store: str | os.PathLike, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                   allow_update: bool = False, timeout: float | None = DEFAULT_TIMEOUT_S,
                   union_default_graph: bool = False, cors: bool = False, binary: str | None = None) -> list[str]:
    """The oxigraph command line ``kg serve`` runs."""
    cmd = [binary or find_oxigraph(), "serve" if allow_update else "serve-read-only",
           "--location", str(store), "--bind", f"{host}:{port}"]
    if timeout:
        cmd += ["--timeout-s", str(max(1, round(timeout)))]
    if union_default_graph:
        cmd.append("--union-default-graph")
    if cors:
        cmd.append("--cors")
    return cmd


def _host_for_url(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def parse_size(text: str | int) -> int:
    """A byte count as ``kg serve --max-bytes`` takes it: ``134217728``, ``128M``, ``128MiB``, ``1G``, ``512k``
    (K/M/G are powers of 1024); ``0`` means no limit."""
    value = str(text).strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        size = float(number) * scale
    except ValueError:
        raise KGError(f"not a byte count: {text!r} (examples: 134217728, 128M, 1G; 0 = no limit)") from None
    if not math.isfinite(size) or size < 0:
        raise KGError(f"not a byte count: {text!r}")
    return int(size)


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One Oxigraph server process over a kg store. ``start()`` takes the writer lock (shared when read-only,
    exclusive with ``allow_update``), starts the process and waits until it answers; ``stop()`` ends it
    (SIGTERM, then SIGKILL) and releases the lock. Usable as a context manager.

    With a result limit (``max_rows`` or ``max_bytes`` not 0; both are on by default) Oxigraph listens on
    ``127.0.0.1:backend_port`` (a free port) and a ``kg.serve_proxy.ResultLimitProxy`` thread on
    ``host:port``; ``url``/``query_url`` are always the public address."""

    def __init__(self, store: str | os.PathLike, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 allow_update: bool = False, timeout: float | None = DEFAULT_TIMEOUT_S,
                 union_default_graph: bool = False, cors: bool = False, log=None,
                 max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES):
        self.store = Path(store)
        self.host, self.port = host, int(port)
        self.allow_update = allow_update
        self.timeout = timeout
        self.union_default_graph = union_default_graph
        self.cors = cors
        self.log = log  # a file object for the server's output (default: a pipe we drain on failure)
        self.max_rows, self.max_bytes = int(max_rows or 0), int(max_bytes or 0)
        if self.max_rows < 0 or self.max_bytes < 0:
            raise KGError("--max-rows and --max-bytes take 0 (no limit) or a positive number")
        self.backend_port: int | None = None  # Oxigraph's private port behind the proxy (chosen on first use)
        self.proc: subprocess.Popen | None = None
        self.proxy = None  # kg.serve_proxy.ResultLimitProxy while serving with a limit
        self._lock_fd: int | None = None

    @property
    def limited(self) -> bool:
        return bool(self.max_rows or self.max_bytes)

    @property
    def url(self) -> str:
        return f"http://{_host_for_url(self.host)}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def backend_url(self) -> str:
        """Where Oxigraph itself answers: a private loopback port behind the proxy, or the public ``url``."""
        return f"http://127.0.0.1:{self.backend_port}" if self.limited else self.url

    @property
    def command(self) -> list[str]:
        if self.limited and self.backend_port is None:
            self.backend_port = _free_loopback_port()
        host, port = ("127.0.0.1", self.backend_port) if self.limited else (self.host, self.port)
        return server_command(self.store, host=host, port=port, allow_update=self.allow_update,
                              timeout=self.timeout, union_default_graph=self.union_default_graph, cors=self.cors)

    # -- lock --
    def _lock(self) -> None:
        if not (self.store / "CURRENT").exists():
            raise KGError(f"no knowledge-graph store at {self.store} (run `kg --store {self.store} ingest ...`)")
        fd = os.open(self.store / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        mode = fcntl.LOCK_EX if self.allow_update else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError as exc:
            pid = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                what = "in use" if self.allow_update else "being written"
                raise StoreBusyError(f"store {self.store} is {what} by PID {pid}") from None
            raise
        if self.allow_update or not os.pread(fd, 64, 0).strip():
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            try:
                if self.allow_update:
                    os.ftruncate(self._lock_fd, 0)
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None

    # -- process --
    def start(self, wait: float = 20.0) -> Server:
        if self.proc is not None:
            raise KGError("server already started")
        cmd = self.command  # fails early when the binary is missing
        _check_port_free(self.host, self.port)
        self._lock()
        # Read-only opening can race with another process that has the store open read-write and is flushing
        # or compacting at that moment ("Corruption: ... No such file"): RocksDB's read-only open sees a file
        # list that just changed. Such a start is retried a few times before giving up; so is a start whose
        # private port was taken in the meantime.
        attempts = 5
        try:
            for attempt in range(attempts):
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                             stdout=self.log if self.log is not None else subprocess.PIPE,
                                             stderr=subprocess.STDOUT)
                try:
                    self.wait_ready(wait)
                    break
                except KGError as exc:
                    port_taken = self.limited and "Address already in use" in str(exc)
                    transient = port_taken or (not self.allow_update and ("Corruption" in str(exc)
                                                                          or "No such file" in str(exc)))
                    if not transient or attempt == attempts - 1 or self.proc.poll() is None:
                        raise
                    self.proc = None
                    if port_taken:
                        self.backend_port = None
                        cmd = self.command
                    time.sleep(0.2 * (attempt + 1))
            if self.limited:
                self._start_proxy()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_proxy(self) -> None:
        from kg.serve_proxy import ResultLimitProxy

        upstream_timeout = self.timeout + 60 if self.timeout else None
        try:
            self.proxy = ResultLimitProxy(self.host, self.port, ("127.0.0.1", self.backend_port),
                                          max_rows=self.max_rows, max_bytes=self.max_bytes,
                                          upstream_timeout=upstream_timeout).start()
        except OSError as exc:
            raise KGError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None

    def wait_ready(self, wait: float = 20.0) -> None:
        """Wait until Oxigraph answers a query (at ``backend_url``)."""
        deadline = time.monotonic() + wait
        probe = self.backend_url + "/query?query=ASK%7B%7D"
        while True:
            if self.proc is None or self.proc.poll() is not None:
                output = ""
                if self.proc is not None and self.proc.stdout is not None:
                    output = self.proc.stdout.read().decode("utf-8", "replace").strip()
                code = None if self.proc is None else self.proc.returncode
                hint = ""
                if "lock" in output.lower():
                    hint = " (the store is open in another process; --allow-update needs it to itself)"
                raise KGError(f"oxigraph server exited with code {code}{hint}: {output[-1500:]}")
            try:
                with urllib.request.urlopen(probe, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise KGError(f"oxigraph server did not answer at {self.backend_url} within {wait:g} s")
            time.sleep(0.05)

    def stop(self, grace: float = 5.0) -> int | None:
        """Stop the server (SIGTERM, SIGKILL after ``grace`` seconds) and release the lock; its exit code."""
        code = None
        try:
            if self.proxy is not None:
                self.proxy.stop()
                self.proxy = None
            if self.proc is not None:
                if self.proc.poll() is None:
                    self.proc.send_signal(signal.SIGTERM)
                    try:
                        self.proc.wait(grace)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait()
                code = self.proc.returncode
                if self.proc.stdout is not None:
                    self.proc.stdout.close()
        finally:
            self._unlock()
        return code

    def wait(self) -> int:
        assert self.proc is not None
        return self.proc.wait()

    def __enter__(self) -> Server:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise KGError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve_forever(server: Server, announce=print) -> int:
    """Start ``server``, print where it listens, run until Ctrl-C / SIGTERM, stop it. Returns an exit code."""
    stopping = {"signal": None}

    def on_term(signum, frame):  # noqa: ARG001
        stopping["signal"] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        server.start()
        mode = "read-write (SPARQL UPDATE allowed)" if server.allow_update else "read-only"
        t = f"{server.timeout:g} s" if server.timeout else "none"
        rows = f"{server.max_rows} rows" if server.max_rows else "no row limit"
        size = f"{server.max_bytes / 2**20:g} MiB" if server.max_bytes else "no byte limit"
        announce(f"SPARQL endpoint {server.query_url} ({mode}; query timeout {t}; results up to {rows}, {size}); "
                 f"store {server.store}; oxigraph PID {server.proc.pid}")
        if server.allow_update:
            announce(f"SPARQL update endpoint {server.update_url}")
        announce("Ctrl-C or SIGTERM stops it.")
        # drain the server's log so its pipe never fills
        assert server.proc is not None
        if server.proc.stdout is not None:
            for line in server.proc.stdout:
                sys.stderr.write(line.decode("utf-8", "replace"))
        code = server.wait()
        return code if code else 0
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)

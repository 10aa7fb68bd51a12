"""Extraction on a Dask distributed cluster: ``kg ingest --dask tcp://scheduler:8786 papers/``.

The engine is Dask's (``distributed``): its scheduler places tasks, retries on lost workers and balances load;
this module only says what one task is. The machine that runs ``kg ingest`` (the *client*):

1. settles which files need work (unchanged files are skipped before anything is sent);
2. reads each file and submits ``extract_remote(name, source_path, bytes, sha256, shacl)``: the bytes travel with
   the task, so workers need no shared file system (only ``pip install sse-kg`` in the same version);
3. keeps at most ``in_flight`` papers submitted at a time (about four per worker thread), so a corpus of
   100,000 files is not read into memory at once;
4. writes each finished paper into the store itself (``Store.write_paper``: one atomic write per paper, all
   writes serialized in this one process), in the order the results come back.

A worker builds the spaCy extractor once per process (the first task pays for it) and keeps it in a module
global; a lock makes threads of one worker process take turns. ``"local"`` starts a ``LocalCluster`` on this
machine (``--workers`` processes, bound to 127.0.0.1), which is handy to try the path without a cluster.
See ``docs/cluster.md`` for running the scheduler and workers.
"""
from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import KGError

CONNECT_TIMEOUT = "20s"  # how long to wait for the scheduler (Dask retries within it)
_CTX = None
_CTX_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()


def _context(shacl: bool):
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            from kg.pipeline import _Context

            ctx = _Context(shacl=shacl)
            ctx.lexicon  # noqa: B018 - load now
            ctx.extractor  # noqa: B018
            _CTX = ctx
    _CTX.shacl = shacl
    return _CTX


def extract_remote(name: str, source_path: str, data: bytes, file_hash: str, shacl: bool = True):
    """One paper on a worker: the file's bytes -> ``("ok", PaperReport, n-quads bytes)`` or ``("error", msg)``.

    ``name`` is the file's name (its stem is the doc id, its suffix picks the reader); ``source_path`` is the path
    on the client, recorded as the paper's ``sse:sourcePath`` and used in error messages."""
    import pyoxigraph as ox

    from kg.pipeline import process_file

    with tempfile.TemporaryDirectory(prefix="kg-dask-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        try:
            with _RUN_LOCK:
                rep, quads = process_file(path, file_hash, _context(shacl), source_path=source_path)
        except KGError as exc:
            return ("error", str(exc).replace(str(path), source_path))
    return ("ok", rep, ox.serialize(quads, format=ox.RdfFormat.N_QUADS))


def connect(address: Any, workers: int = 1):
    """A ``distributed.Client`` for ``address`` (``tcp://host:port``, ``"local"``, or a Client/LocalCluster), and
    whether we opened it (and must close it)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - an optional extra
        raise KGError("--dask needs Dask: pip install 'sse-kg[dask]' (dask[distributed])") from exc
    if isinstance(address, Client):
        return address, False
    if hasattr(address, "scheduler_address"):  # a cluster object
        return Client(address), True
    address = str(address)
    if address == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, worker_dashboard_address=None)
        client = Client(cluster)
        client._kg_cluster = cluster  # closed with the client
        return client, True
    try:
        return Client(address, timeout=CONNECT_TIMEOUT), True
    except (OSError, TimeoutError) as exc:
        raise KGError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc


def _close(client) -> None:
    cluster = getattr(client, "_kg_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def extract_on_cluster(address: Any, todo: list[tuple[Path, str]], *, shacl: bool = True, workers: int = 1,
                       in_flight: int | None = None) -> Iterator[tuple[Path, tuple]]:
    """Run ``extract_remote`` for each ``(path, sha256)`` on the cluster; yield ``(path, result)`` as results
    arrive. A file that cannot be read here yields an error result for that file only."""
    from distributed import as_completed

    client, owned = connect(address, workers)
    try:
        if in_flight is None:
            threads = sum((client.nthreads() or {}).values()) or 1
            in_flight = max(4, 4 * threads)
        pending = list(todo)
        pending.reverse()
        by_key: dict[str, Path] = {}
        ac = as_completed()

        def submit_next() -> bool:
            while pending:
                path, h = pending.pop()
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    errors.append((path, ("error", f"{path}: cannot read: {exc.strerror}")))
                    continue
                fut = client.submit(extract_remote, path.name, str(path), data, h, shacl, pure=False,
                                    key=f"kg-extract-{path.stem}-{h[:12]}-{os.urandom(4).hex()}")
                by_key[fut.key] = path
                ac.add(fut)
                return True
            return False

        errors: list[tuple[Path, tuple]] = []
        for _ in range(in_flight):
            if not submit_next():
                break
        yield from errors
        errors.clear()
        for fut in ac:
            path = by_key.pop(fut.key)
            try:
                result = fut.result()
            except KGError as exc:
                result = ("error", str(exc))
            except Exception as exc:  # noqa: BLE001 - a worker died or the task raised: report this paper only
                result = ("error", f"{path}: extraction failed on the cluster: {type(exc).__name__}: {exc}")
            finally:
                fut.release()
            submit_next()
            yield from errors
            errors.clear()
            yield path, result
    finally:
        if owned:
            _close(client)

"""``kg ingest --dask tcp://...``: extraction on a Dask distributed cluster (a LocalCluster on 127.0.0.1 here,
with an in-process worker), writes in the client, the same triples as a local ingest."""
from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from kg.cli import app
from kg.store import Store

runner = CliRunner()
DOCS = ["004_94c3a70fc55f882e", "000_b0d81f5c3d40473d"]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    c = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1", protocol="tcp",
                     dashboard_address=None, worker_dashboard_address=None)
    try:
        yield c
    finally:
        c.close()


def test_cli_ingest_on_a_dask_cluster(cluster, corpus_store, tmp_path):
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    # the papers are copied to a folder the workers never see: the bytes travel with the tasks
    src = tmp_path / "papers"
    src.mkdir()
    for doc in DOCS:
        shutil.copy(CORPUS / f"{doc}.txt", src / f"{doc}.txt")
    (src / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    store = tmp_path / "store"
    res = runner.invoke(app, ["--store", str(store), "ingest", "--no-progress", "--dask", address, str(src)])
    assert res.exit_code == 1, res.output  # one bad file: reported, the others stored
    flat = "".join(res.output.split())  # the console wraps long lines
    assert f"{src / 'broken.txt'}:binaryfile" in flat  # the error names the client's path, not a worker's copy
    assert res.output.count("ingested") == 2
    with Store(store, writable=False) as s, Store(corpus_store.path, writable=False) as local:
        assert s.papers() == sorted(DOCS)
        for doc in DOCS:
            remote_quads = {str(q) for q in s.paper_quads(doc) + s.paper_quads(doc, rejects=True)}
            local_quads = {str(q) for q in local.paper_quads(doc) + local.paper_quads(doc, rejects=True)}
            # identical but for the recorded source path (the copy's folder)
            rename = lambda t: t.replace(str(src), str(CORPUS))  # noqa: E731
            assert {rename(q) for q in remote_quads} == local_quads
            assert s.select("SELECT ?p ?sp WHERE { GRAPH ?g { ?p sse:sourcePath ?sp } }", {"p": f"<https://w3id.org/sse-kg/id/paper/{doc}>"})[0]["sp"].value == str(src / f"{doc}.txt")
    # the unchanged check happens before anything is sent to the cluster
    res = runner.invoke(app, ["--store", str(store), "ingest", "--no-progress", "--dask", address, *(str(src / f"{d}.txt") for d in DOCS)])
    assert res.exit_code == 0 and res.output.count("│ unchanged") == 2


def test_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    import socket

    import kg.distributed

    monkeypatch.setattr(kg.distributed, "CONNECT_TIMEOUT", "1s")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "p.txt").write_text("A paper about solid electrolytes for batteries\n\nLi3InCl6 is a halide.\n")
    res = runner.invoke(app, ["--store", str(tmp_path / "s"), "ingest", "--no-progress", "--dask",
                              f"tcp://127.0.0.1:{port}", str(tmp_path / "p.txt")])
    assert res.exit_code == 1
    assert f"cannotreachtheDaskschedulerattcp://127.0.0.1:{port}" in "".join(res.output.split())

"""Crash safety: the real ``kg`` command in a child process, killed with SIGKILL at chosen points of an ingest,
a replacement of a changed paper and a removal. After every kill: the store opens; each paper is either fully
there (the same quads and facts as the clean build) or absent; the store invariants hold (and ``kg validate``
with SHACL, once); running the command again completes the store to exactly the clean build (same sorted
N-Quads).

How the kill points are found. The child runs ``kg.cli.app`` under a small test wrapper (``WRAPPER`` below,
test code only) that wraps the store's ``pyoxigraph.Store`` and prints a marker line when the store is open and
before and after every SPARQL UPDATE (one update = one paper write or one removal). The test reads the markers
and sends SIGKILL from outside: after ``@@open`` (early: lock taken, nothing written), while the next paper is
being extracted (mid-paper), or a few milliseconds after ``@@update-start`` (inside the store write: the
update of a corpus paper takes ~100-400 ms and pyoxigraph releases the GIL during it). When the kill lands
after the update had finished, the ``@@update-end`` marker says so and the test knows which state to expect.

Integrity: ``kg validate`` finds orphan nodes and facts without provenance.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from kg.cli import app, check_store
from kg.export import read_facts
from kg.store import Store

WRAPPER = textwrap.dedent("""
    import sys
    import kg.store

    def mark(what):
        sys.stdout.write("@@" + what + "\\n")
        sys.stdout.flush()

    class Marked:
        def __init__(self, real):
            self._real = real
        def __getattr__(self, name):
            return getattr(self._real, name)
        def __len__(self):
            return len(self._real)
        def __iter__(self):
            return iter(self._real)
        def update(self, *args, **kwargs):
            mark("update-start")
            result = self._real.update(*args, **kwargs)
            mark("update-end")
            return result

    _open = kg.store.Store._open_rw
    def _open_rw(self, timeout):
        store = Marked(_open(self, timeout))
        mark("open")
        return store
    kg.store.Store._open_rw = _open_rw

    from kg.cli import app
    sys.argv = ["kg"] + sys.argv[1:]
    app()
""")


class Child:
    """``kg ARGS`` under the marker wrapper."""

    def __init__(self, store: Path, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-c", WRAPPER, "--store", str(store), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.markers: list[str] = []

    def wait_for(self, marker: str, nth: int = 1) -> None:
        seen = 0
        while True:
            line = self.proc.stdout.readline()
            assert line, f"child ended before {marker} #{nth}: {self.markers} {self.proc.stderr.read()[-2000:]}"
            if line.startswith("@@"):
                self.markers.append(line[2:].strip())
                if self.markers[-1] == marker:
                    seen += 1
                    if seen == nth:
                        return

    def kill(self, after: float = 0.0) -> list[str]:
        """SIGKILL after ``after`` seconds; the markers the child printed after the one waited for."""
        if after:
            time.sleep(after)
        n = len(self.markers)
        self.proc.send_signal(signal.SIGKILL)
        rest = self.proc.stdout.read()
        self.proc.wait(30)
        self.proc.stderr.close()
        assert self.proc.returncode == -signal.SIGKILL
        self.markers += [line[2:].strip() for line in rest.splitlines() if line.startswith("@@")]
        return self.markers[n:]


def run_kg(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "kg"), "--store", str(store), *args],
                          capture_output=True, text=True, timeout=240)


def paper_state(store: Path) -> dict[str, frozenset[str]]:
    """doc -> its quads (facts graph and rejects graph); opening the store for writing proves it opens."""
    Store(store).close()
    with Store(store, writable=False) as s:
        return {d: frozenset(map(str, s.paper_quads(d))) | frozenset(map(str, s.paper_quads(d, rejects=True)))
                for d in s.papers()}


@pytest.fixture(scope="module")
def clean(corpus_store):
    with Store(corpus_store.path, writable=False) as s:
        state = {d: frozenset(map(str, s.paper_quads(d))) | frozenset(map(str, s.paper_quads(d, rejects=True)))
                 for d in s.papers()}
        nquads = sorted(map(str, s.ox))
        facts = read_facts(s)
    assert len(state) == 5
    return {"state": state, "nquads": nquads, "facts": facts}


def check_after_kill(store: Path, clean_state: dict, *, allowed: dict | None = None) -> dict:
    """Each paper equals its clean version (or one of ``allowed[doc]``), the invariants hold."""
    state = paper_state(store)
    for doc, quads in state.items():
        ok = allowed.get(doc, [clean_state[doc]]) if allowed else [clean_state[doc]]
        assert quads in ok, f"{doc}: {len(quads)} quads, a partial or foreign paper"
    with Store(store, writable=False) as s:
        assert check_store(s, shacl=False) == []
        # no quad outside the papers' graphs (the default graph is unused)
        assert sum(1 for _ in s.ox.quads_for_pattern(None, None, None, ox.DefaultGraph())) == 0
    return state


def facts_by_doc(facts: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in facts:
        out.setdefault(f["doc"], []).append(f)
    return out


def test_kill_ingest_remove_and_replace(clean, tmp_path):
    store = tmp_path / "store"
    corpus = str(CORPUS)
    papers = sorted(clean["state"])
    log = []

    # 1. early: the writer lock is taken and the store open, nothing written yet
    child = Child(store, "ingest", corpus, "--no-progress")
    child.wait_for("open")
    after = child.kill(0.05)
    assert "update-start" not in after
    assert check_after_kill(store, clean["state"]) == {}
    log.append("early (store open, before the first paper): empty store")

    # 2. mid-paper: the first paper is stored, the second one is being extracted
    child = Child(store, "ingest", corpus, "--no-progress")
    child.wait_for("update-end", 1)
    assert child.kill(0.3) == []
    state = check_after_kill(store, clean["state"])
    assert sorted(state) == papers[:1]
    log.append(f"mid-paper (extracting {papers[1]}): {sorted(state)}")

    # 3. during the store write: SIGKILL inside the UPDATE that writes the next paper
    child = Child(store, "ingest", corpus, "--no-progress")
    child.wait_for("update-start", 1)
    after = child.kill(0.02)
    state = check_after_kill(store, clean["state"])
    finished = "update-end" in after
    assert sorted(state) == (papers[:2] if finished else papers[:1])
    log.append(f"inside the write of {papers[1]} (update {'had finished' if finished else 'cut'}): {sorted(state)}")
    # the facts of what is there are the clean build's facts, paper by paper; kg validate (with SHACL) is clean
    with Store(store, writable=False) as s:
        got = facts_by_doc(read_facts(s))
    want = facts_by_doc(clean["facts"])
    assert {d: got.get(d, []) for d in state} == {d: want.get(d, []) for d in state}
    res = CliRunner().invoke(app, ["--store", str(store), "validate"])
    assert res.exit_code == 0 and "SHACL conforms" in res.stdout, res.stdout

    # 4. running ingest again completes the store to exactly the clean build
    res = run_kg(store, "ingest", corpus, "--no-progress")
    assert res.returncode == 0, res.stderr
    with Store(store, writable=False) as s:
        assert sorted(map(str, s.ox)) == clean["nquads"]

    # 5. replacing a changed paper, killed inside the write: the old paper or the new one, never a mix
    doc = papers[-1]
    changed_dir = tmp_path / "changed"
    changed_dir.mkdir()
    changed = changed_dir / f"{doc}.txt"
    text = (CORPUS / f"{doc}.txt").read_text(encoding="utf-8")
    changed.write_text(text.replace("\n", "\nThe ionic conductivity of Li3InCl6 is 1.49 mS cm⁻¹ at 25 °C.\n", 1),
                       encoding="utf-8")
    child = Child(store, "ingest", str(changed), "--no-progress")
    child.wait_for("update-start", 1)
    after = child.kill(0.005)
    killed_state = paper_state(store)
    res = run_kg(store, "ingest", str(changed), "--no-progress")  # completes the replacement
    assert res.returncode == 0, res.stderr
    new = paper_state(store)[doc]
    assert new != clean["state"][doc]
    check_after_kill(store, clean["state"], allowed={doc: [new]})
    assert killed_state[doc] in (clean["state"][doc], new)
    assert {d: q for d, q in killed_state.items() if d != doc} == {d: q for d, q in clean["state"].items() if d != doc}
    log.append(f"inside the replacing write of {doc}: "
               f"{'old' if killed_state[doc] == clean['state'][doc] else 'new'} paper "
               f"(update {'had finished' if 'update-end' in after else 'cut'})")

    # 6. removal, killed at the start of its update: the paper is there (whole) or gone
    child = Child(store, "remove", doc)
    child.wait_for("update-start", 1)
    after = child.kill()
    state = check_after_kill(store, clean["state"], allowed={doc: [new]})
    assert set(state) in (set(papers), set(papers) - {doc})
    log.append(f"inside the removal of {doc}: {'still there' if doc in state else 'removed'} "
               f"(update {'had finished' if 'update-end' in after else 'cut'})")
    if doc in state:
        assert run_kg(store, "remove", doc).returncode == 0  # running it again completes it
    # exactly the clean build without that paper
    graphs = (f" <https://w3id.org/sse-kg/id/graph/{doc}>", f" <https://w3id.org/sse-kg/id/rejects/{doc}>")
    with Store(store, writable=False) as s:
        assert sorted(map(str, s.ox)) == [q for q in clean["nquads"] if not q.endswith(graphs)]
        assert read_facts(s) == [f for f in clean["facts"] if f["doc"] != doc]
    print("\n".join(log))


# -- integrity: kg validate checks the store's own invariants ------------------------------------------------------

def _validate(path) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--store", str(path), "validate", "--no-shacl"])
    return res.exit_code, res.stdout


def test_validate_finds_orphan_nodes(filled_store):
    assert _validate(filled_store)[0] == 0
    g = "https://w3id.org/sse-kg/id/graph/paperA"
    with Store(filled_store) as s:
        # a dangling node, and an evidence node whose fact is gone (what a half-applied delete would leave)
        s.ox.update(f"""INSERT DATA {{ GRAPH <{g}> {{ <urn:test:stray> <urn:test:p> "left over" }} }} ;
            DELETE {{ GRAPH <{g}> {{ ?f ?p ?o }} }} WHERE {{ GRAPH <{g}> {{
              ?f a <https://w3id.org/sse-kg/ontology#SynthesisFact> ; ?p ?o }} }}""")
    code, text = _validate(filled_store)
    assert code == 1
    orphans = [line for line in text.splitlines() if "orphan node" in line]
    assert any(line.endswith("urn:test:stray") for line in orphans), text
    assert len(orphans) >= 2, text  # the stray node and the synthesis fact's evidence
    assert all(line.lstrip("✗ ").startswith("paperA:") for line in orphans)


def test_validate_checks_hash_source_and_material(filled_store):
    with Store(filled_store) as s:
        s.ox.update("""DELETE WHERE { GRAPH <https://w3id.org/sse-kg/id/graph/paperB> {
                         ?p <https://w3id.org/sse-kg/ontology#contentHash> ?h } } ;
                       DELETE WHERE { GRAPH <https://w3id.org/sse-kg/id/graph/paperA> {
                         ?f <https://w3id.org/sse-kg/ontology#material> ?m } }""")
    code, text = _validate(filled_store)
    assert code == 1
    assert "paperB: paper graph without a paper node carrying sse:contentHash and sse:sourcePath" in text
    assert "paperA: fact without a material" in text


def test_kill_leaves_the_lock_free(tmp_path):
    """A writer killed while holding the lock does not lock the store out: the kernel drops the flock."""
    store = tmp_path / "s"
    child = Child(store, "remove", "nothing")
    child.wait_for("open")
    child.kill()
    assert (store / "kg-write.lock").read_text().strip().isdigit()  # the dead writer's PID is still written
    with Store(store) as s:
        assert s.writable
    shutil.rmtree(store)
    assert not os.path.exists(store)

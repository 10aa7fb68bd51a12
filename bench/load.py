"""Loopback load test of ``kg serve``: N SPARQL queries from T client threads, latency percentiles, errors.

    python bench/load.py --store kg-store                      # starts kg serve (read-only) on a free port
    python bench/load.py --url http://127.0.0.1:7878/query     # an endpoint that is already running
    python bench/load.py --store kg-store -n 2000 -t 8 --json

Every request is a SPARQL 1.1 Protocol GET (``?query=``, JSON results) over one keep-alive HTTP connection per
thread; the queries cycle through a small mix of what a front end asks (a count, a paper's facts, a material's
values, an ASK, a cookbook query). A request counts as an error unless it gets a 200 with a parsable JSON body
whose shape matches the query (bindings or boolean). Loopback only: the client refuses a non-loopback host.
"""
from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFIXES = ("PREFIX sse: <https://w3id.org/sse-kg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")

MIX = [
    PREFIXES + "SELECT (COUNT(?f) AS ?n) WHERE { GRAPH ?g { ?f a sse:Measurement } }",
    PREFIXES + "SELECT ?doc ?title WHERE { GRAPH ?g { ?p dcterms:identifier ?doc ; dcterms:title ?title } } "
               "ORDER BY ?doc",
    PREFIXES + "SELECT ?f ?v ?u WHERE { GRAPH ?g { ?m rdfs:label \"Li6PS5Cl\" . ?f sse:material ?m ; "
               "sse:value ?v ; sse:unitString ?u } } LIMIT 50",
    PREFIXES + "ASK { GRAPH ?g { ?m rdfs:label \"Li3InCl6\" } }",
    PREFIXES + "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 20",
]


def cookbook(name: str = "02_values_for_material.rq") -> str:
    return (REPO / "queries" / name).read_text(encoding="utf-8")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_load(url: str, queries: list[str], n: int = 2000, threads: int = 8, timeout: float = 30.0) -> dict:
    """Send ``n`` queries (cycling through ``queries``) from ``threads`` threads; latencies in ms."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"load test is loopback only, not {host}")
    port = parts.port or 80
    paths = [f"{parts.path}?{urllib.parse.urlencode({'query': q})}" for q in queries]
    counter = iter(range(n))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                path = paths[i % len(paths)]
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
                    resp = conn.getresponse()
                    body = resp.read()
                    ms = (time.perf_counter() - t0) * 1000
                    if resp.status != 200:
                        raise ValueError(f"HTTP {resp.status}: {body[:200]!r}")
                    data = json.loads(body)
                    if "boolean" not in data and "bindings" not in data.get("results", {}):
                        raise ValueError(f"unexpected body {body[:200]!r}")
                    with lock:
                        latencies.append(ms)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
        finally:
            conn.close()

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {
        "queries": n, "threads": threads, "ok": len(lat), "errors": len(errors), "first_errors": errors[:5],
        "wall_s": round(wall, 2), "qps": round(len(lat) / wall, 1) if wall else None,
        "p50_ms": round(percentile(lat, 50), 2), "p90_ms": round(percentile(lat, 90), 2),
        "p99_ms": round(percentile(lat, 99), 2), "max_ms": round(lat[-1], 2) if lat else None,
        "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="a kg store directory: serve it read-only on a free loopback port")
    ap.add_argument("--url", help="a running endpoint (http://127.0.0.1:PORT/query)")
    ap.add_argument("-n", type=int, default=2000, help="number of queries (default 2000)")
    ap.add_argument("-t", "--threads", type=int, default=8, help="client threads (default 8)")
    ap.add_argument("--cookbook", action="store_true", help="add queries/02_values_for_material.rq to the mix")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    queries = MIX + ([cookbook()] if args.cookbook else [])
    if bool(args.store) == bool(args.url):
        ap.error("give --store or --url")
    if args.url:
        res = run_load(args.url, queries, args.n, args.threads)
    else:
        sys.path.insert(0, str(REPO))
        from kg.serve import Server

        with Server(args.store, port=free_port()) as srv:
            res = run_load(srv.query_url, queries, args.n, args.threads)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{res['ok']}/{res['queries']} queries ok from {res['threads']} threads in {res['wall_s']} s "
              f"({res['qps']} queries/s); latency p50 {res['p50_ms']} ms, p90 {res['p90_ms']} ms, "
              f"p99 {res['p99_ms']} ms, max {res['max_ms']} ms; errors: {res['errors']}")
        for e in res["first_errors"]:
            print("  " + e)
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

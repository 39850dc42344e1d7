"""Latency of ``POST /api/drivers`` what-ifs on the sample, through a real ``planner serve``.

Each meeting starts the app afresh on 127.0.0.1 (uvicorn, in this process), then plays
a meeting's moves over one keep-alive HTTP connection: the target multiple from 6x to
10.5x, the buffer, the ticket and productivity caps, a fixed conversion, changed hires.
Prints one JSON line: p50 and p95 wall time of the reachable what-ifs the first time
each is asked (the target: p95 < 150 ms), the CPU time they took (what they cost on an
idle core: on a shared machine the wall time also holds the waits for a core; the load
average is printed), the same moves asked again in the same meeting (``revisit_``: the
warm engines answer LPs they solved before), and the what-ifs out of reach separately
(they also bisect the diagnosis).

    python benchmarks/serve_whatif.py [--scenario scenarios/sample_10x.toml] [--repeat 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def moves() -> list[dict[str, Any]]:
    """A meeting's what-ifs: each one change away from the opened 10x story."""
    out: list[dict[str, Any]] = []
    out += [{"target_multiple": 6.0 + 0.25 * i} for i in range(19)]
    out += [{"buffer": b} for b in (0.05, 0.12, 0.15, 0.2)]
    out += [{"levers": {"ticket": {"cap": c}}} for c in (0.3, 0.35, 0.45, 0.5)]
    out += [{"levers": {"productivity": {"cap": c}}} for c in (6.0, 6.5, 7.5, 8.0)]
    out += [{"levers": {"conversion": {"fixed": f}}} for f in (0.1, 0.15, 0.2)]
    out += [{"target_multiple": 8.0, "levers": {"ticket": {"cap": 0.3},
                                                "conversion": {"fixed": 0.05}}}]
    out += [{"hires": [{"grade": "C", "team": "T03", "month": 2, "count": n}]}
            for n in (20, 40)]
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class Sample:
    """One what-if: wall and CPU milliseconds, and whether the target was reachable."""

    wall: float
    cpu: float
    feasible: bool


def meeting(opened: Any) -> tuple[list[Sample], list[Sample]]:
    """Play the meeting's moves on a fresh server, then the same moves again.

    The first pass is what the page costs when each move is new to the server (the
    levers' driver engines are built as the moves reach them); the second is a meeting
    going back to positions it has seen (the engines answer LPs solved before).
    """
    import uvicorn

    from planner.serve.app import ServeConfig, create_app
    from planner.serve.model import WhatIfModel

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    save_dir = Path(tempfile.mkdtemp())
    app = create_app(WhatIfModel(opened), ServeConfig("127.0.0.1", port, None, save_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/")
    cookie = connection.getresponse()
    session = cookie.getheader("set-cookie", "").split(";")[0]
    cookie.read()

    def post(body: dict[str, Any]) -> Sample:
        start, cpu = time.perf_counter(), time.process_time()
        connection.request("POST", "/api/drivers", json.dumps(body),
                           {"Content-Type": "application/json", "Cookie": session})
        response = connection.getresponse()
        data = json.loads(response.read())
        took, used = time.perf_counter() - start, time.process_time() - cpu
        if response.status != 200:
            raise SystemExit(f"{body}: HTTP {response.status}: {data}")
        return Sample(took * 1000, used * 1000, bool(data["feasible"]))

    post({})  # the opened scenario, as the page loads it: not counted
    first = [post(body) for body in moves()]
    again = [post(body) for body in moves()]
    server.should_exit = True
    thread.join(timeout=10)
    return first, again


def main(argv: list[str] | None = None) -> int:
    from planner.sample.generate import write_sample
    from planner.scenario import load_scenario
    from planner.serve.model import Opened

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "sample_10x.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if scenario.data_dir is not None and scenario.data_dir.is_dir():
        opened = Opened.load(args.scenario)
    else:  # no sample written yet: write one beside a copy of the scenario
        folder = Path(tempfile.mkdtemp()) / "sample"
        write_sample(folder, seed=7)
        text = args.scenario.read_text(encoding="utf-8").replace(
            'dir = "../data/sample"', f'dir = "{folder.as_posix()}"')
        path = folder.parent / args.scenario.name
        path.write_text(text, encoding="utf-8")
        opened = Opened.load(path)
    first: list[Sample] = []
    again: list[Sample] = []
    for _ in range(args.repeat):  # each meeting on a fresh server: nothing solved yet
        meeting_first, meeting_again = meeting(opened)
        first += meeting_first
        again += meeting_again
    reachable = [s for s in first if s.feasible]
    revisits = [s for s in again if s.feasible]
    unreachable = [s.wall for s in first if not s.feasible]
    print(json.dumps({
        "measure": "serve_whatif", "scenario": opened.scenario.name,
        "meetings": args.repeat, "what_ifs": len(first), "reachable": len(reachable),
        "p50_ms": round(statistics.median(s.wall for s in reachable), 1),
        "p95_ms": round(percentile([s.wall for s in reachable], 0.95), 1),
        "max_ms": round(max(s.wall for s in reachable), 1),
        "cpu_p50_ms": round(statistics.median(s.cpu for s in reachable), 1),
        "cpu_p95_ms": round(percentile([s.cpu for s in reachable], 0.95), 1),
        "revisit_p50_ms": round(statistics.median(s.wall for s in revisits), 1),
        "revisit_p95_ms": round(percentile([s.wall for s in revisits], 0.95), 1),
        "load_average": round(os.getloadavg()[0], 2), "cores": os.cpu_count(),
        "target_p95_ms": 150,
        "out_of_reach": len(unreachable),
        "out_of_reach_p50_ms": round(statistics.median(unreachable), 1) if unreachable else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

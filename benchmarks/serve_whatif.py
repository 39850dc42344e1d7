"""Latency of ``POST /api/drivers`` what-ifs on the sample, through a real ``planner serve``.

Each meeting starts ``planner serve`` afresh on 127.0.0.1 (its own process, as the
browser is another), then plays a meeting's moves over one keep-alive HTTP connection:
the target multiple from 6x to 10.5x, the buffer, the ticket and productivity caps, a
fixed conversion, changed hires. Prints one JSON line: p50 and p95 wall time of the
reachable what-ifs the first time each is asked (the target: p95 < 150 ms); the CPU
time the server's solving thread took (its ``Server-Timing`` header: what a what-if
costs on an idle core; on a shared machine the wall time also holds the waits for a
core, and the load average is printed); the same moves asked again in the same meeting
(``revisit_``: the warm engines answer LPs they solved before); and the what-ifs out of
reach separately (they also bisect the diagnosis).

    python benchmarks/serve_whatif.py [--scenario scenarios/sample_10x.toml] [--repeat 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
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


def _rounded(value: float) -> float | None:
    """Milliseconds to 0.1, or None (JSON null) when not measured."""
    return None if math.isnan(value) else round(value, 1)


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


def meeting(scenario: Path) -> tuple[list[Sample], list[Sample]]:
    """Play the meeting's moves on a fresh ``planner serve``, then the same moves again.

    The server is the real command in its own process (the browser is another process
    too). The first pass is what the page costs when each move is new to the server (the
    levers' driver engines are built as the moves reach them); the second is a meeting
    going back to positions it has seen (the engines answer LPs solved before). The CPU
    figure is the solving thread's own, from the answer's ``Server-Timing`` header.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    save_dir = Path(tempfile.mkdtemp())
    command = [str(Path(sys.executable).with_name("planner")), "serve", str(scenario),
               "--port", str(port), "--save-dir", str(save_dir)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        connection = _connect(port, server)
        connection.request("GET", "/")
        cookie = connection.getresponse()
        session = cookie.getheader("set-cookie", "").split(";")[0]
        cookie.read()

        def post(body: dict[str, Any]) -> Sample:
            start = time.perf_counter()
            connection.request("POST", "/api/drivers", json.dumps(body),
                               {"Content-Type": "application/json", "Cookie": session})
            response = connection.getresponse()
            data = json.loads(response.read())
            took = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"{body}: HTTP {response.status}: {data}")
            return Sample(took * 1000, _timing(response.getheader("server-timing", ""), "cpu"),
                          bool(data["feasible"]))

        post({})  # the opened scenario, as the page loads it: not counted
        first = [post(body) for body in moves()]
        again = [post(body) for body in moves()]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return first, again


def _connect(port: int, server: subprocess.Popen[bytes]) -> http.client.HTTPConnection:
    """Wait for the server to answer (it reads the history first), then connect."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = server.stderr.read().decode() if server.stderr else ""
            raise SystemExit(f"planner serve exited: {said}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        except OSError:
            time.sleep(0.1)
    raise SystemExit("planner serve did not start within 120 s")


def _timing(header: str, name: str) -> float:
    """The ``dur`` of metric ``name`` in a ``Server-Timing`` header (NaN when absent)."""
    for metric in header.split(","):
        parts = [p.strip() for p in metric.split(";")]
        if parts[0] == name:
            for part in parts[1:]:
                if part.startswith("dur="):
                    return float(part[4:])
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    from planner.sample.generate import write_sample
    from planner.scenario import load_scenario

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "sample_10x.toml")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    path = args.scenario.resolve()
    if scenario.data_dir is None or not Path(scenario.data_dir).is_dir():
        # no sample written yet: write one beside a copy of the scenario
        folder = Path(tempfile.mkdtemp()) / "sample"
        write_sample(folder, seed=7)
        text = args.scenario.read_text(encoding="utf-8").replace(
            'dir = "../data/sample"', f'dir = "{folder.as_posix()}"')
        path = folder.parent / args.scenario.name
        path.write_text(text, encoding="utf-8")
    first: list[Sample] = []
    again: list[Sample] = []
    for _ in range(args.repeat):  # each meeting on a fresh server: nothing solved yet
        meeting_first, meeting_again = meeting(path)
        first += meeting_first
        again += meeting_again
    reachable = [s for s in first if s.feasible]
    revisits = [s for s in again if s.feasible]
    unreachable = [s.wall for s in first if not s.feasible]
    print(json.dumps({
        "measure": "serve_whatif", "scenario": scenario.name,
        "meetings": args.repeat, "what_ifs": len(first), "reachable": len(reachable),
        "p50_ms": round(statistics.median(s.wall for s in reachable), 1),
        "p95_ms": round(percentile([s.wall for s in reachable], 0.95), 1),
        "max_ms": round(max(s.wall for s in reachable), 1),
        "cpu_p50_ms": _rounded(statistics.median(s.cpu for s in reachable)),
        "cpu_p95_ms": _rounded(percentile([s.cpu for s in reachable], 0.95)),
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

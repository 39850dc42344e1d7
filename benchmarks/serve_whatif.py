"""Latency of ``POST /api/drivers`` what-ifs on the sample, through a real ``planner serve``.

Starts the app on 127.0.0.1 (uvicorn, in this process), then plays a meeting's moves
over one keep-alive HTTP connection: the target multiple from 6x to 10.5x, the buffer,
the ticket and productivity caps, a fixed conversion, changed hires. Prints one JSON
line: p50 and p95 wall time of the reachable what-ifs (the target: p95 < 150 ms), the
CPU time they took (what they cost on an idle core: on a shared machine the wall time
also holds the waits for a core; the load average is printed), and the what-ifs out of
reach separately (they also bisect the diagnosis).

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


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from planner.sample.generate import write_sample
    from planner.scenario import load_scenario
    from planner.serve.app import ServeConfig, create_app
    from planner.serve.model import Opened, WhatIfModel

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

    def post(body: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
        start, cpu = time.perf_counter(), time.process_time()
        connection.request("POST", "/api/drivers", json.dumps(body),
                           {"Content-Type": "application/json", "Cookie": session})
        response = connection.getresponse()
        data = json.loads(response.read())
        took, used = time.perf_counter() - start, time.process_time() - cpu
        if response.status != 200:
            raise SystemExit(f"{body}: HTTP {response.status}: {data}")
        return took, used, data

    post({})  # the first solve loads the code paths; not counted
    reachable: list[float] = []
    unreachable: list[float] = []
    cpu: list[float] = []
    for _ in range(args.repeat):
        for body in moves():
            took, used, data = post(body)
            (reachable if data["feasible"] else unreachable).append(took * 1000)
            if data["feasible"]:
                cpu.append(used * 1000)
    server.should_exit = True
    thread.join(timeout=10)
    print(json.dumps({
        "measure": "serve_whatif", "scenario": opened.scenario.name,
        "what_ifs": len(reachable) + len(unreachable),
        "reachable": len(reachable),
        "p50_ms": round(statistics.median(reachable), 1),
        "p95_ms": round(percentile(reachable, 0.95), 1),
        "max_ms": round(max(reachable), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "load_average": round(os.getloadavg()[0], 2), "cores": os.cpu_count(),
        "target_p95_ms": 150,
        "out_of_reach": len(unreachable),
        "out_of_reach_p50_ms": round(statistics.median(unreachable), 1) if unreachable else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

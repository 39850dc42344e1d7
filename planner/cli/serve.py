"""``planner serve SCENARIO``: the what-if page for the acceptance meeting."""

from __future__ import annotations

import argparse

from planner import api
from planner.cli.env import Env


def cmd_serve(args: argparse.Namespace, env: Env) -> int:
    """``planner serve SCENARIO [--host H] [--port P] [--lang en|zh] [--token T]``."""

    def say(line: str) -> None:
        print(line, file=env.stdout, flush=True)

    api.serve(args.scenario, host=args.host, port=args.port, lang=args.lang,
              token=args.token, save_dir=args.save_dir, say=say, progress=env.progress)
    return 0

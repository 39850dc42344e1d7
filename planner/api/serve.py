"""The what-if page as an API step: ``serve(scenario, ...)`` runs it until Ctrl-C.

The web framework is imported only when the page starts, so the other steps load as
fast as before.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from planner.errors import ScenarioError

#: Hosts that reach only this machine: no token needed there.
LOOPBACK = ("127.0.0.1", "localhost", "::1")

__all__ = ["LOOPBACK", "serve", "serve_token"]


def serve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token the server requires, and whether it was generated here.

    Any host but the loopback needs one: ``--token`` or a random one.

    Examples
    --------
    >>> serve_token("127.0.0.1", None)
    (None, False)
    >>> serve_token("127.0.0.1", "abc")
    ('abc', False)
    >>> token, generated = serve_token("0.0.0.0", None)
    >>> generated, len(token) >= 20
    (True, True)
    """
    if token is not None:
        return token, False
    if host in LOOPBACK:
        return None, False
    return secrets.token_urlsafe(24), True


def serve(scenario: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8750,
          lang: str = "en", token: str | None = None,
          save_dir: str | os.PathLike[str] | None = None,
          say: Callable[[str], None] = print,
          progress: Callable[[str], None] | None = None) -> None:
    """Start the what-if page for a scenario and serve it until interrupted.

    Parameters
    ----------
    scenario : str or PathLike
        The scenario TOML file the page opens.
    host, port : str, int
        Where to listen; any host but the loopback requires a token.
    lang : {"en", "zh"}
        Page and workbook labels.
    token : str, optional
        The token every request must carry (generated when the host needs one).
    save_dir : str or PathLike, optional
        Where "Save as scenario" writes (default: the scenario's folder).
    say : callable
        Receives the lines a user must see: the address, a generated token.
    progress : callable, optional
        Receives progress lines while the history is read.

    Raises
    ------
    ScenarioError
        A bad token, port or save folder.
    """
    import uvicorn

    from planner.serve.app import ServeConfig, create_app
    from planner.serve.model import Opened, WhatIfModel

    report = progress or (lambda _: None)
    if token is not None and len(token) < 8:
        raise ScenarioError("--token: use at least 8 characters (or leave it out on "
                            "127.0.0.1; another host gets a random one)")
    if not 0 < port < 65536:
        raise ScenarioError(f"--port {port}: give a port from 1 to 65535, e.g. 8750")
    required, generated = serve_token(host, token)
    start = time.perf_counter()
    report(f"reading {scenario} and its history")
    opened = Opened.load(Path(scenario))
    for warning in opened.warnings:
        report(f"WARNING: {warning}")
    home = opened.scenario.path.parent if opened.scenario.path is not None else Path.cwd()
    folder = Path(save_dir or home).resolve()
    if not folder.is_dir():
        raise ScenarioError(f"--save-dir {folder}: not a folder; create it or give another")
    config = ServeConfig(host, port, required, folder, lang)
    app = create_app(WhatIfModel(opened), config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={required}" if required else "")
    say(f"planner serve: {opened.scenario.name} ready in {time.perf_counter() - start:.1f} s "
        f"at {url}")
    if generated:
        say(f"planner serve: token {required} (generated: every request must carry it)")
    say(f"planner serve: scenarios are saved into {folder}; Ctrl-C stops")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=2))
    server.run()

"""The ``planner serve`` web app (Starlette): the what-if page and its JSON API.

==========================  ==========================================================
``GET /``                   the page (its scripts, styles and charts from ``static/``)
``GET /api/state``          the opened scenario, its levers and this session's state
``POST /api/drivers``       solve a what-if's driver model (the page calls it on every
                            change; scripts may too)
``POST /api/plan``          run the whole plan of a what-if in the background
``GET /api/plan``           its progress, then team targets, months, capacity
``GET /api/download``       the zip of that plan's workbooks and CSV files
``POST /api/save``          save the what-if as a new scenario file
==========================  ==========================================================

Safety: the app answers only for the host it was started on (a page on another site
cannot reach it through DNS rebinding); a token, when set, must come with every request
(``Authorization: Bearer``, ``X-Planner-Token``, or the cookie the page gets from
``/?token=...``); ``POST`` takes JSON only (so another site's form cannot post to it);
request bodies are at most :data:`MAX_BODY` bytes (413 past that, with or without a
``Content-Length``), nest at most 6 deep and hold no text over 200 characters
(:func:`~planner.serve.changes.check_json`); a what-if hires a bounded number of seats
and new teams, and plans run one at a time with a bounded queue
(:mod:`planner.serve.sessions`); every path the app opens or writes is its own (its
package files, its session folders, the save folder), never one from a request. Errors,
unknown paths and methods included, are JSON ``{"error": "..."}`` with the scenario
schema's own message for a wrong value, never a traceback: 400 a bad request, 401 no
token, 404 nothing there, 405 a wrong method, 409 busy or a name taken, 413 too large,
415 not JSON, 421 another host.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planner.errors import (
    CalendarError,
    InputError,
    MappingError,
    OutputError,
    PlannerError,
    ScenarioError,
)
from planner.serve.changes import Changes, check_json, parse_changes
from planner.serve.model import WhatIfModel
from planner.serve.planning import check_name, plan_work, save_scenario
from planner.serve.sessions import Busy, Session, SessionStore

#: Largest request body accepted (a what-if is a few hundred bytes).
MAX_BODY = 64 * 1024
SESSION_COOKIE = "planner_session"
TOKEN_COOKIE = "planner_token"
#: The page allows only its own scripts, styles and images.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class ServeConfig:
    """How the app was started.

    Attributes
    ----------
    host, port : str, int
        Where it listens (the only ``Host`` it answers to, with ``localhost`` for
        127.0.0.1).
    token : str or None
        Required on every request when set.
    save_dir : Path
        The one folder "Save as scenario" writes to.
    lang : str
        ``en`` or ``zh``: the page's and the workbooks' language.
    """

    host: str
    port: int
    token: str | None
    save_dir: Path
    lang: str = "en"

    def allowed_hosts(self) -> set[str] | None:
        """``Host`` headers answered (None: any, when listening on every address)."""
        if self.host in ("0.0.0.0", "::", ""):
            return None
        names = {self.host, f"[{self.host}]"}
        if self.host in ("127.0.0.1", "localhost", "::1"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        return {f"{name}:{self.port}" for name in names} | names


class Guard:
    """ASGI middleware: host check, token, JSON-only posts, body size, security headers."""

    def __init__(self, app: ASGIApp, config: ServeConfig) -> None:
        self.app = app
        self.config = config
        self.hosts = config.allowed_hosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        if self.hosts is not None and headers.get("host", "") not in self.hosts:
            return _error(f"host {headers.get('host', '')!r} is not served here; open "
                          f"http://{self.config.host}:{self.config.port}/", 421)
        if self.config.token is not None and not self._has_token(scope, headers):
            return _error("this planner needs its token: open the address planner serve "
                          "printed (…/?token=...), or send Authorization: Bearer TOKEN", 401)
        if scope["method"] == "POST":
            media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json":
                return _error("send the request body as JSON (Content-Type: "
                              "application/json)", 415)
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                return _error(f"request body over {MAX_BODY} bytes", 413)
        return None

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        token = self.config.token or ""
        offered = [headers.get("x-planner-token", "")]
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            offered.append(auth[7:].strip())
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie is no token
            cookie = SimpleCookie()
        if TOKEN_COOKIE in cookie:
            offered.append(cookie[TOKEN_COOKIE].value)
        if scope.get("path") == "/":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            offered += query.get("token", [])
        return any(secrets.compare_digest(o.encode(), token.encode()) for o in offered if o)


class TooLarge(PlannerError):
    """A request body over :data:`MAX_BODY` bytes (sent without a ``Content-Length``)."""


def _error(message: str, status: int) -> JSONResponse:
    """``{"error": message}``; text JSON cannot carry (a lone surrogate) is escaped."""
    text = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": text}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (unknown path, wrong method) as JSON errors."""
    if isinstance(exc, HTTPException):
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        allow = headers.get("allow")
        detail = {404: f"no such page or API: {request.url.path}",
                  405: f"{request.method} is not served at {request.url.path}"
                       + (f"; use {allow}" if allow else "")}.get(exc.status_code,
                                                                  str(exc.detail))
        response = _error(detail, exc.status_code)
        if allow:
            response.headers["allow"] = allow
        return response
    return _error(f"unexpected error: {type(exc).__name__}: {exc}", 500)


def _status_of(error: PlannerError) -> int:
    if isinstance(error, ScenarioError | InputError | MappingError | CalendarError):
        return 400
    if isinstance(error, OutputError | Busy):
        return 409
    if isinstance(error, TooLarge):
        return 413
    return 500


def _answers(endpoint: Endpoint) -> Endpoint:
    """Errors become JSON with a status; never a traceback."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except PlannerError as exc:
            return _error(str(exc), _status_of(exc))
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            return _error(f"unexpected error: {type(exc).__name__}: {exc}", 500)

    return wrapped


async def _json(request: Request) -> Any:
    """The request body as JSON: at most :data:`MAX_BODY` bytes, bounded nesting and text.

    Checked by :func:`~planner.serve.changes.check_json`.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge(f"request body over {MAX_BODY} bytes")
    try:
        value = json.loads(bytes(body) or b"{}")
    except RecursionError:
        raise ScenarioError("the request body is not a what-if: JSON nested too deeply"
                            ) from None
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise ScenarioError(f"the request body is not JSON: {exc}") from None
    check_json(value)
    return value


def create_app(model: WhatIfModel, config: ServeConfig,
               store: SessionStore | None = None) -> Starlette:
    """The web app over a warm :class:`~planner.serve.model.WhatIfModel`.

    Parameters
    ----------
    model : WhatIfModel
        The opened scenario.
    config : ServeConfig
        Host, port, token, save folder, language.
    store : SessionStore, optional
        Where the sessions live (default: a new temporary folder).

    Returns
    -------
    Starlette
    """
    sessions = store or SessionStore()
    static = resources.files("planner.serve") / "static"
    opened_result: dict[str, Any] = {}

    def session_of(request: Request) -> tuple[Session, bool]:
        found = sessions.get(request.cookies.get(SESSION_COOKIE))
        return (found, False) if found is not None else (sessions.new(), True)

    def with_cookie(response: Response, session: Session, new: bool,
                    request: Request) -> Response:
        if new:
            response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="strict")
        token = request.query_params.get("token")
        if config.token and token and secrets.compare_digest(token.encode(),
                                                             config.token.encode()):
            response.set_cookie(TOKEN_COOKIE, config.token, httponly=True, samesite="strict")
        return response

    def solve(session: Session, changes: Changes) -> tuple[dict[str, Any], str]:
        """The what-if's answer, and its ``Server-Timing`` (wall and this thread's CPU)."""
        start, cpu = time.perf_counter(), time.thread_time()
        with session.lock:
            scenario, _ = model.scenario_for(changes, session.folder)
            answer = model.drivers(scenario)
        session.view = changes.as_json()
        timing = (f"solve;dur={(time.perf_counter() - start) * 1000:.1f}, "
                  f"cpu;dur={(time.thread_time() - cpu) * 1000:.1f}")
        return answer, timing

    opened_lock = threading.Lock()

    def solve_opened() -> dict[str, Any]:
        """The opened scenario's own answer (the first column of the side-by-side view)."""
        with opened_lock:
            scenario, _ = model.scenario_for(Changes(), sessions.root)
            return model.drivers(scenario)

    @_answers
    async def page(request: Request) -> Response:
        session, new = session_of(request)
        html = (static / "index.html").read_text(encoding="utf-8")
        html = html.replace('lang="en"', f'lang="{config.lang}"', 1)
        return with_cookie(Response(html, media_type="text/html; charset=utf-8"), session,
                           new, request)

    @_answers
    async def state(request: Request) -> Response:
        session, new = session_of(request)
        if not opened_result:
            opened_result.update(await run_in_threadpool(solve_opened))
        base = model.base
        answer = {
            "scenario": {"name": base.name, "file": base.path.name if base.path else "",
                         "year": base.year, "target_multiple": base.target_multiple,
                         "target_amount": base.target_amount, "buffer": base.buffer,
                         "history_total": model.opened.baselines.total_amount},
            "levers": model.lever_settings(),
            "hires": [{"grade": h.grade, "team": h.team, "month": h.month, "count": h.count,
                       **({"new_team": True} if h.new_team else {})} for h in base.hires],
            "choices": model.choices(), "lang": config.lang,
            "warnings": model.opened.warnings, "view": session.view,
            "variants": session.variants, "opened": opened_result,
            "plan": session.job.as_json() if session.job else {"state": "none"},
            "save_dir": config.save_dir.name,
        }
        return with_cookie(JSONResponse(answer), session, new, request)

    @_answers
    async def drivers(request: Request) -> Response:
        changes = parse_changes(await _json(request), model.base)
        session, new = session_of(request)
        answer, timing = await run_in_threadpool(solve, session, changes)
        return with_cookie(JSONResponse(answer, headers={"Server-Timing": timing}), session,
                           new, request)

    @_answers
    async def start_plan(request: Request) -> Response:
        changes = parse_changes(await _json(request), model.base)
        session, new = session_of(request)

        def start() -> dict[str, Any]:
            with session.lock:
                scenario, _ = model.scenario_for(changes, session.folder)
            return session.start_plan(changes.as_json(),
                                      plan_work(model, scenario, config.lang)).as_json()

        answer = await run_in_threadpool(start)
        return with_cookie(JSONResponse(answer, status_code=202), session, new, request)

    @_answers
    async def plan_status(request: Request) -> Response:
        session, new = session_of(request)
        answer = session.job.as_json() if session.job else {"state": "none"}
        return with_cookie(JSONResponse(answer), session, new, request)

    @_answers
    async def download(request: Request) -> Response:
        session, _ = session_of(request)
        job = session.job
        if job is None or job.zip_path is None or not job.zip_path.is_file():
            return _error("no plan to download yet: press Plan first", 404)
        name = f"{model.base.name}-plan-{job.number}.zip"
        return FileResponse(job.zip_path, media_type="application/zip", filename=name)

    @_answers
    async def save(request: Request) -> Response:
        body = await _json(request)
        if (not isinstance(body, dict) or not isinstance(body.get("name"), str)
                or not set(body) <= {"name", "changes"}):
            raise ScenarioError('send {"name": "NEW_NAME", "changes": {...}} and nothing else')
        name = check_name(body["name"])
        changes = parse_changes(body.get("changes", {}), model.base)
        session, new = session_of(request)

        def write() -> dict[str, Any]:
            with session.lock:  # solved first: a what-if the data refuses is not saved
                scenario, _ = model.scenario_for(changes, session.folder, name)
                result = model.drivers(scenario)
            saved = save_scenario(model, changes, name, config.save_dir)
            variant = {"name": saved["name"], "file": saved["file"],
                       "changes": changes.as_json(), "drivers": result}
            session.add_variant(variant)
            return {**saved, "variant": variant}

        answer = await run_in_threadpool(write)
        return with_cookie(JSONResponse(answer, status_code=201), session, new, request)

    routes = [
        Route("/", page),
        Route("/api/state", state),
        Route("/api/drivers", drivers, methods=["POST"]),
        Route("/api/plan", start_plan, methods=["POST"]),
        Route("/api/plan", plan_status, methods=["GET"]),
        Route("/api/download", download),
        Route("/api/save", save, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        sessions.close()

    return Starlette(routes=routes, middleware=[Middleware(Guard, config=config)],
                     exception_handlers={HTTPException: _http_error, Exception: _http_error},
                     lifespan=lifespan)


__all__ = ["MAX_BODY", "ServeConfig", "create_app"]

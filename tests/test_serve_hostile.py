"""``planner serve`` against a careless or hostile user: every route, every bad body.

Each test checks the exact answer (status and message) the app gives; the fuzz test at
the end sends a few hundred seeded random bodies and checks every answer is a JSON error
or a result, never a traceback or a 500.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_serve_api import served  # noqa: F401 - the module's own opened sample

import planner.serve.app as serve_app
from planner.errors import OutputError, ScenarioError
from planner.scenario.values import Hire
from planner.serve.app import MAX_BODY, ServeConfig, create_app
from planner.serve.changes import MAX_SEATS, MAX_TEXT, check_json, parse_changes
from planner.serve.planning import check_name, save_scenario
from planner.serve.sessions import MAX_VARIANTS, PLAN_QUEUE, Busy, PlanJob, Session, SessionStore

JSON = {"content-type": "application/json"}
TOKEN = "s3cret-token"


@pytest.fixture()
def client(served: tuple[Path, Path, Any], tmp_path: Path) -> Iterator[TestClient]:  # noqa: F811
    """A client of a fresh app (its own sessions and save folder)."""
    yield from _client(served, tmp_path)


def _client(served: tuple[Path, Path, Any], tmp_path: Path,  # noqa: F811
            token: str | None = None) -> Iterator[TestClient]:
    save_dir = tmp_path / "saved"
    save_dir.mkdir(exist_ok=True)
    app = create_app(served[2], ServeConfig("127.0.0.1", 8750, token, save_dir),
                     SessionStore(tmp_path / f"sessions-{time.time_ns()}"))
    with TestClient(app, base_url="http://127.0.0.1:8750",
                    raise_server_exceptions=False) as test_client:
        yield test_client


def error_of(response: Any, status: int) -> str:
    """The JSON error of a response, after checking its status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert isinstance(error, str) and "Traceback" not in error
    return error


def raw(client: TestClient, path: str, body: bytes) -> Any:
    return client.post(path, content=body, headers=JSON)


# --- bodies -----------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    (b"null", 'the request body must be a JSON object such as {"target_multiple": 8.0}, '
              "not null"),
    (b"[1]", 'the request body must be a JSON object such as {"target_multiple": 8.0}, '
             "not a list"),
    (b'"x"', 'the request body must be a JSON object such as {"target_multiple": 8.0}, '
             "not text"),
    (b"{not json", "the request body is not JSON: Expecting property name enclosed in "
                   "double quotes: line 1 column 2 (char 1)"),
    (b"\xff\xfe", "the request body is not JSON: Expecting value: line 1 column 1 (char 0)"),
    (b"[" * 5000 + b"]" * 5000, "the request body is not a what-if: JSON nested too deeply"),
    (b'{"levers": {"ticket": {"cap": [[[[[1]]]]]}}}',
     "levers.ticket.cap[0][0][0][0]: nested deeper than 6 levels; a what-if is at most 4 "
     "deep (levers.NAME.products[i])"),
    (b'{"levers": {"ticket": {"cap": "' + b"x" * 5000 + b'"}}}',
     f"levers.ticket.cap: text of 5000 characters; at most {MAX_TEXT}"),
    (b'{"levers": {"ticket\\n": {"cap": 0.3}}}',
     "levers: the key 'ticket\\n' has control characters"),
    (b'{"\\ud800": 1}', "the request body: '\\ud800' is not valid Unicode text"),
    (b'{"levers": {"ticket": {"cap": "\\udfff"}}}',
     "levers.ticket.cap: '\\udfff' is not valid Unicode text"),
    (b'{"levers": null}', "levers: null cannot be written in a scenario file; leave the key "
                          "out to keep the opened scenario's value"),
    (b'{"hires": null}', "hires: null cannot be written in a scenario file; leave the key "
                         "out to keep the opened scenario's value"),
    (b'{"levers": {"ticket": null}}', "levers.ticket: null cannot be written in a scenario "
                                      "file"),
    (b'{"hires": [null]}', "hires[0]: null cannot be written in a scenario file"),
    (b'{"levers": {"ticket": {"products": [null]}}}',
     "levers.ticket.products[0]: null cannot be written in a scenario file"),
])
def test_malformed_bodies_get_a_400_naming_what_is_wrong(client: TestClient, body: bytes,
                                                         message: str) -> None:
    for path in ("/api/drivers", "/api/plan"):
        assert message in error_of(raw(client, path, body), 400)
    assert client.get("/api/plan").json() == {"state": "none"}  # nothing started


@pytest.mark.parametrize(("body", "message"), [
    ({"target_multiple": float("nan")},
     "what-if.toml line 5: target.multiple: nan must be a finite number > 0 and <= 1000"),
    ({"target_multiple": 0}, "target.multiple: 0 must be a finite number > 0 and <= 1000"),
    ({"target_multiple": 1e300}, "target.multiple: 1e+300 must be a finite number > 0"),
    ({"target_multiple": 10**30},
     "target.multiple: 1000000000000000000000000000000 must be a finite number > 0"),
    ({"target_multiple": True}, "target.multiple: True must be integer or number"),
    ({"target_amount": 5e10, "target_multiple": 8},
     "target.multiple: give exactly one of [target] multiple (of the trailing 12 months) or "
     "amount"),
    ({"target_amount": 5e10},
     "target_amount: the opened scenario gives its target as a multiple (10); a scenario "
     "written over it (base = ...) cannot remove that: send target_multiple instead"),
    ({"buffer": -0.1}, "target.buffer: -0.1 must be a finite number between 0 and 1"),
    ({"buffer": "0.1"}, "target.buffer: '0.1' must be integer or number"),
    ({"levers": []}, "levers: must be a table of levers, e.g. [levers.repurchase]"),
    ({"levers": {"ticket": 3}}, "levers.ticket: 3 must be a table"),
    ({"levers": {"nolever": {"cap": 0.3}}},
     "levers.nolever.kind: missing; a lever named 'nolever' needs kind = one of customers, "
     "conversion, repurchase, ticket, productivity"),
    ({"levers": {"ticket": {"kind": "price"}}}, "levers.ticket.kind: 'price' must be one of"),
    ({"levers": {"ticket": {"products": "../../etc/passwd"}}},
     "levers.ticket.products: '../../etc/passwd' must be list"),
    ({"levers": {"ticket": {"cost": 0}}},
     "levers.ticket.cost: 0 must be a finite number > 0 and <= 1000"),
    ({"levers": {"ticket": {"min": 0.5, "cap": 0.1}}}, "levers.ticket.cap: 0.1 must be >= "
                                                       "min (0.5)"),
    ({"hires": {}}, "hires: must be an array of tables, e.g. [[hires]]"),
    ({"hires": 10**20}, "hires: must be an array of tables, e.g. [[hires]]"),
    ({"hires": 2.5}, "hires: must be an array of tables, e.g. [[hires]]"),
    ({"hires": [{"grade": "Z", "team": "T03", "month": 2, "count": 5}]},
     "hires[0].grade: 'Z' has no productivity in the history (known grades: A, B, C, D, E)"),
    ({"hires": [{"grade": "C", "team": "T99", "month": 2, "count": 5}]},
     "hires[0].team: 'T99' is not a team in the data; did you mean 'T09'?"),
    ({"hires": [{"grade": "C", "team": "T03", "month": 0, "count": 5}]},
     "hires[0].month: 0 must be 1..12"),
    ({"hires": [{"grade": "C", "team": "T03", "month": 13, "count": 5}]},
     "hires[0].month: 13 must be 1..12"),
    ({"hires": [{"grade": "C", "team": "T03", "month": 2, "count": 10**9}]},
     "hires[0].count: 1000000000 must be between 0 and 100000"),
    ({"hires": [{"grade": "C", "team": "T03", "month": 2, "count": 5, "extra": 1}]},
     "hires[0].extra: unknown key (known: count, grade, month, new_team, team)"),
])
def test_wrong_values_get_the_schemas_message(client: TestClient, body: dict[str, Any],
                                              message: str) -> None:
    sent = raw(client, "/api/drivers", json.dumps(body).encode())  # NaN as JSON writes it
    assert message in error_of(sent, 400)


def test_absurd_hires_are_refused_before_any_work(client: TestClient) -> None:
    """10^9 seats, or 100,000 seats in each of 500 rows, never reach the roster."""
    rows = [{"grade": "C", "team": "T03", "month": 1 + i % 12, "count": 100_000}
            for i in range(500)]
    started = time.perf_counter()
    answer = client.post("/api/drivers", json={"hires": rows})
    assert time.perf_counter() - started < 2.0
    assert error_of(answer, 400) == (f"hires: 50,000,000 seats in all; a what-if hires at "
                                     f"most {MAX_SEATS:,} (each seat is planned week by week)")
    one = [{"grade": "C", "team": "T03", "month": 2, "count": MAX_SEATS + 1}]
    assert "10,001 seats in all" in error_of(client.post("/api/plan", json={"hires": one}), 400)
    teams = [{"grade": "C", "team": f"N{i}", "month": 2, "count": 1, "new_team": True}
             for i in range(21)]
    assert error_of(client.post("/api/plan", json={"hires": teams}), 400) == (
        "hires: 21 new teams; a what-if starts at most 20 (each team is planned product by "
        "product)")
    many = [{"grade": "C", "team": "T03", "month": 2, "count": 1}] * 501
    assert error_of(client.post("/api/drivers", json={"hires": many}), 400) == (
        "hires: 501 rows; a what-if has at most 500")
    assert client.get("/api/plan").json() == {"state": "none"}


def test_the_opened_scenarios_own_hires_are_always_allowed(served) -> None:  # noqa: F811
    base = served[2].base
    rows = [{"grade": h.grade, "team": h.team, "month": h.month, "count": h.count}
            for h in base.hires]
    assert parse_changes({"hires": rows}, base).hires == rows
    own = tuple(Hire("C", f"N{i}", 2, 100_000, new_team=True) for i in range(600))
    heavy = [{"grade": "C", "team": f"N{i}", "month": 2, "count": 100_000, "new_team": True}
             for i in range(600)]
    assert parse_changes({"hires": heavy}, replace(base, hires=own)).hires == heavy
    with pytest.raises(ScenarioError, match=r"^hires: 600 rows; a what-if has at most 500$"):
        parse_changes({"hires": heavy}, base)
    with pytest.raises(ScenarioError, match=r"^hires: 300,000 seats in all; a what-if hires "
                                            r"at most 10,000 \(each seat"):
        parse_changes({"hires": heavy[:3]}, base)


def test_body_size_is_limited_with_or_without_a_length(client: TestClient) -> None:
    big = b'{"target_multiple": 8' + b" " * MAX_BODY + b"}"
    assert error_of(raw(client, "/api/drivers", big), 413) == (
        f"request body over {MAX_BODY} bytes")

    def chunks() -> Iterator[bytes]:  # sent chunked: no Content-Length to check first
        yield b'{"target_multiple": 8'
        for _ in range(MAX_BODY // 1024 + 1):
            yield b" " * 1024
        yield b"}"

    chunked = client.post("/api/drivers", content=chunks(), headers=JSON)
    assert error_of(chunked, 413) == f"request body over {MAX_BODY} bytes"
    assert error_of(client.post("/api/drivers", content=b"{}", headers={
        "content-type": "application/json-patch+json"}), 415).startswith("send the request")
    assert client.post("/api/drivers", content=b"{}", headers={
        "content-type": "Application/JSON; charset=utf-8"}).status_code == 200


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    assert error_of(client.get("/api/nope"), 404) == "no such page or API: /api/nope"
    assert error_of(client.get("/static/nope.js"), 404) == "no such page or API: /static/nope.js"
    wrong = client.get("/api/drivers")
    assert error_of(wrong, 405) == "GET is not served at /api/drivers; use POST"
    assert wrong.headers["allow"] == "POST"
    assert error_of(client.delete("/api/save"), 405).startswith("DELETE is not served")
    assert client.get("/api/plan?id=../../etc").json() == {"state": "none"}  # no job ids


# --- save -------------------------------------------------------------------------------

NAME_RULE = ("use letters, digits, '_', '-' and '.' (at most 64, starting with a letter or "
             "digit, not ending with '.'); it names the file")


@pytest.mark.parametrize("name", ["a/b", "..", "../escape", ".hidden", "/etc/passwd",
                                  "C:\\x", "", "x" * 65, "ünï", "a.", "name ", "a\x00b",
                                  "..\\..\\x"])
def test_save_refuses_names_that_are_not_plain_file_names(client: TestClient, tmp_path: Path,
                                                          name: str) -> None:
    error = error_of(client.post("/api/save", json={"name": name, "changes": {}}), 400)
    shown = name.removesuffix(".toml")
    assert error == f"name {shown!r}: {NAME_RULE}"
    assert list((tmp_path / "saved").iterdir()) == []


@pytest.mark.parametrize("name", ["CON", "nul", "com1.toml", "LPT9", "aux.backup", "Prn"])
def test_save_refuses_names_windows_keeps(client: TestClient, tmp_path: Path,
                                          name: str) -> None:
    error = error_of(client.post("/api/save", json={"name": name, "changes": {}}), 400)
    assert error == (f"name {name.removesuffix('.toml')!r}: Windows keeps this name for a "
                     "device; choose another")
    assert list((tmp_path / "saved").iterdir()) == []


def test_save_never_overwrites_and_keeps_no_half_file(client: TestClient,
                                                      tmp_path: Path) -> None:
    save_dir = tmp_path / "saved"
    (save_dir / "kept.toml").write_text("# someone's own file\n", encoding="utf-8")
    taken = client.post("/api/save", json={"name": "kept.toml", "changes": {}})
    assert error_of(taken, 409) == (f"kept.toml exists in {save_dir}; choose another name "
                                    "(a saved scenario is never overwritten)")
    assert (save_dir / "kept.toml").read_text(encoding="utf-8") == "# someone's own file\n"
    longest = client.post("/api/save", json={"name": "x" * 64, "changes": {}})
    assert longest.status_code == 201 and (save_dir / f"{'x' * 64}.toml").is_file()
    unknown = client.post("/api/save", json={"name": "n", "changes": {}, "path": "/tmp/x"})
    assert error_of(unknown, 400) == ('send {"name": "NEW_NAME", "changes": {...}} and '
                                      "nothing else")
    assert error_of(client.post("/api/save", json={"name": 5}), 400).startswith("send {")
    assert error_of(client.post("/api/save", json={"name": "n", "changes": None}),
                    400).endswith("not null")
    # a what-if the data refuses (a grade with no productivity) is not saved either
    bad = {"name": "bad-grade", "changes": {"hires": [
        {"grade": "Z", "team": "T03", "month": 2, "count": 5}]}}
    assert "'Z' has no productivity" in error_of(client.post("/api/save", json=bad), 400)
    bad_value = {"name": "bad-value", "changes": {"buffer": 2}}
    assert "target.buffer: 2 must be" in error_of(client.post("/api/save", json=bad_value), 400)
    assert sorted(p.name for p in save_dir.iterdir()) == ["kept.toml", f"{'x' * 64}.toml"]
    assert len(client.get("/api/state").json()["variants"]) == 1


def test_concurrent_saves_of_one_name_write_one_file(served, tmp_path: Path) -> None:  # noqa: F811
    model = served[2]
    save_dir = tmp_path / "saved"
    save_dir.mkdir()
    outcomes: list[str] = []
    go = threading.Barrier(8)

    def save(multiple: float) -> None:
        changes = parse_changes({"target_multiple": multiple}, model.base)
        go.wait()
        try:
            save_scenario(model, changes, "race", save_dir)
            outcomes.append(f"saved {multiple}")
        except OutputError as exc:
            outcomes.append(str(exc))

    # none of them the opened 10x, which a saved file leaves out (only what changed)
    threads = [threading.Thread(target=save, args=(5.5 + i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1
    assert outcomes.count(f"race.toml exists in {save_dir}; choose another name (a saved "
                          "scenario is never overwritten)") == 7
    assert [p.name for p in save_dir.iterdir()] == ["race.toml"]  # no temporary file left
    multiple = saved[0].split()[1]
    assert f"multiple = {multiple}" in (save_dir / "race.toml").read_text(encoding="utf-8")


def test_save_into_a_folder_that_cannot_be_written_is_a_409(served, tmp_path: Path) -> None:  # noqa: F811
    missing = tmp_path / "gone"
    with pytest.raises(OutputError, match=r"^cannot write new\.toml into .*gone: No such file"):
        save_scenario(served[2], parse_changes({}), "new", missing)


def test_check_name_drops_toml_and_keeps_the_rest() -> None:
    assert check_name("meeting-8x.toml") == "meeting-8x"
    assert check_name("v1.2_final") == "v1.2_final"
    assert check_name("console") == "console"  # only the device names themselves


# --- sessions and token ---------------------------------------------------------------

def test_forged_or_missing_session_cookies_get_a_new_empty_session(client: TestClient) -> None:
    client.post("/api/drivers", json={"target_multiple": 7.0})
    mine = client.cookies["planner_session"]
    assert client.get("/api/state").json()["view"] == {"target_multiple": 7.0}
    client.cookies.clear()
    client.cookies.set("planner_session", mine[:-2] + "xx")
    forged = client.get("/api/state")
    assert forged.json()["view"] == {}
    new = forged.cookies["planner_session"]
    assert new not in (mine, mine[:-2] + "xx")
    client.cookies.clear()
    client.cookies.set("planner_session", mine)
    assert client.get("/api/state").json()["view"] == {"target_multiple": 7.0}


def test_cookieless_requests_cannot_push_out_a_page_in_use(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s", limit=3)
    page = store.new()
    assert store.get(page.id) is page  # the page came back: in use
    for _ in range(10):  # scripts without the cookie, one request each
        store.new()
    assert store.get(page.id) is page and len(store) == 3
    store.close()


@pytest.mark.parametrize("headers", [
    {}, {"authorization": "Bearer wrong-token"}, {"authorization": f"Basic {TOKEN}"},
    {"x-planner-token": TOKEN[:-1]}, {"x-planner-token": TOKEN + "x"},
    {"cookie": "planner_token=wrong"}, {"cookie": 'planner_token="; bad'},
    {"x-planner-token": ("é" * 12).encode("utf-8")},
])
def test_every_route_needs_the_token(served, tmp_path: Path,  # noqa: F811
                                     headers: dict[str, Any]) -> None:
    for test_client in _client(served, tmp_path, token=TOKEN):
        for method, path in [("GET", "/"), ("GET", "/api/state"), ("POST", "/api/drivers"),
                             ("POST", "/api/plan"), ("GET", "/api/plan"),
                             ("GET", "/api/download"), ("POST", "/api/save"),
                             ("GET", "/static/app.js"), ("GET", "/api/nope")]:
            response = test_client.request(method, path, headers={**JSON, **headers},
                                           content=b"{}")
            assert error_of(response, 401).startswith("this planner needs its token")
        assert test_client.post("/api/drivers?token=" + TOKEN, json={}).status_code == 401
        good = test_client.post("/api/drivers", json={}, headers={"x-planner-token": TOKEN})
        assert good.status_code == 200


# --- plan jobs --------------------------------------------------------------------------

@pytest.fixture()
def held_plans(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Plans whose work waits for the event (the real plan is in test_serve_api)."""
    release = threading.Event()

    def plan_work(model: Any, scenario: Any, lang: str
                  ) -> Callable[[PlanJob, Path], dict[str, Any]]:
        def work(job: PlanJob, out_dir: Path) -> dict[str, Any]:
            job.say("held")
            assert release.wait(30)
            out_dir.mkdir(parents=True)
            (out_dir / "plan.csv").write_text(f"name\n{scenario.name}\n", encoding="utf-8")
            return {"name": scenario.name}
        return work

    monkeypatch.setattr(serve_app, "plan_work", plan_work)
    yield release
    release.set()


def wait_done(client: TestClient) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    job = client.get("/api/plan").json()
    while job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get("/api/plan").json()
    return job


def test_plan_twice_download_early_and_a_bounded_queue(served, tmp_path: Path,  # noqa: F811
                                                       held_plans: threading.Event) -> None:
    for first in _client(served, tmp_path):
        assert first.post("/api/plan", json={"target_multiple": 6.0}).status_code == 202
        again = first.post("/api/plan", json={})
        assert error_of(again, 409) == ("a plan is already running for this page; wait for "
                                        "it to finish")
        assert error_of(first.get("/api/download"), 404) == ("no plan to download yet: press "
                                                             "Plan first")
        assert first.get("/api/plan").json()["progress"] == ["held"]
        # cookie-less scripts: each request is a new page; the queue stays bounded
        cookies = dict(first.cookies)
        answers = []
        for _ in range(PLAN_QUEUE + 2):
            first.cookies.clear()
            answers.append(first.post("/api/plan", json={}))
        first.cookies.update(cookies)
        assert [a.status_code for a in answers] == [202] * (PLAN_QUEUE - 1) + [409] * 3
        assert error_of(answers[-1], 409) == (f"{PLAN_QUEUE} plans are running or waiting "
                                              "already; try again when one finishes")
        held_plans.set()
        job = wait_done(first)
        assert job["state"] == "done" and job["result"] == {"name": "sample_10x-what-if"}
        download = first.get("/api/download")
        assert download.status_code == 200 and download.content[:2] == b"PK"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(  # every queued plan finishes
                t.name.startswith("plan-") for t in threading.enumerate()):
            time.sleep(0.05)
        assert first.post("/api/plan", json={}).status_code == 202  # the queue is free again
        assert wait_done(first)["state"] == "done"


def test_two_plan_requests_at_once_start_one_plan(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s")
    session = store.new()
    release = threading.Event()
    ran: list[int] = []

    def work(job: PlanJob, out_dir: Path) -> dict[str, Any]:
        ran.append(job.number)
        release.wait(30)
        out_dir.mkdir(parents=True)
        return {}

    go = threading.Barrier(6)
    outcomes: list[str] = []

    def start() -> None:
        go.wait()
        try:
            session.start_plan({}, work)
            outcomes.append("started")
        except Busy as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    assert outcomes.count("started") == 1
    assert outcomes.count("a plan is already running for this page; wait for it to "
                          "finish") == 5
    deadline = time.monotonic() + 30
    while session.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ran == [1] and session.job is not None and session.job.state == "done"
    store.close()


def test_a_page_keeps_the_last_variants_side_by_side(tmp_path: Path) -> None:
    session = Session("id", tmp_path)
    for i in range(MAX_VARIANTS + 5):
        session.add_variant({"name": f"v{i}"})
    assert [v["name"] for v in session.variants] == [f"v{i}" for i in range(5, MAX_VARIANTS + 5)]


def test_a_plan_session_keeps_its_folder_while_running(tmp_path: Path) -> None:
    session = Session("id", tmp_path)
    release = threading.Event()
    job = session.start_plan({}, lambda j, out: (release.wait(30), out.mkdir(), {})[2])
    assert job.state == "running"
    release.set()
    deadline = time.monotonic() + 30
    while session.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.state == "done" and job.zip_path == tmp_path / "plan-1.zip"
    assert not (tmp_path / "plan-1").exists()


# --- the fuzz ---------------------------------------------------------------------------

ATOMS: list[Any] = [0, 1, -1, 0.5, 8.0, 12.5, 1e9, -1e-9, 10**20, True, False, None, "",
                    "8", "ticket", "T03", "C", "*", "../x", "\u00e9", [], {}, [1, "a"],
                    {"a": 1}]
KEYS = ["target_multiple", "target_amount", "buffer", "levers", "hires", "target",
        "multiple", "__proto__", "levers ", "LEVERS"]
LEVERS = ["ticket", "conversion", "customers", "repurchase", "productivity", "nolever", ""]
LEVER_KEYS = ["cap", "min", "fixed", "cost", "kind", "products", "segments", "caps"]
HIRE_KEYS = ["grade", "team", "month", "count", "new_team", "extra"]
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e309", "-0", "1e-400", "9" * 40]


def _value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.random()
    if depth < 3 and pick < 0.1:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 3 and pick < 0.15:
        return {rng.choice(KEYS): _value(rng, depth + 1) for _ in range(rng.randint(0, 2))}
    if pick < 0.45:
        return round(rng.uniform(-2.0, 20.0), rng.randint(0, 3))
    return rng.choice(ATOMS)


def _body(rng: random.Random) -> Any:
    """A what-if as a careless script would send it: mostly right, often wrong."""
    body: dict[str, Any] = {}
    for key in rng.sample(KEYS, rng.randint(0, 3)):
        if key == "levers" and rng.random() < 0.8:
            body[key] = {rng.choice(LEVERS): {k: _value(rng) for k in
                                              rng.sample(LEVER_KEYS, rng.randint(0, 2))}
                         for _ in range(rng.randint(0, 3))}
        elif key == "hires" and rng.random() < 0.8:
            body[key] = [{k: _value(rng) for k in rng.sample(HIRE_KEYS, rng.randint(2, 5))}
                         for _ in range(rng.randint(0, 3))]
        else:
            body[key] = _value(rng)
    if rng.random() < 0.08:
        return rng.choice([None, 1, "x", [body]])
    return body


def _raw(rng: random.Random, body: Any) -> bytes:
    text = json.dumps(body)
    mutation = rng.random()
    if mutation < 0.1 and ":" in text:  # a number JSON cannot hold
        at = text.index(":") + 1
        end = text.find(",", at) if "," in text[at:] else text.rfind("}")
        text = text[:at] + " " + rng.choice(RAW_NUMBERS) + text[end:]
    elif mutation < 0.15:
        text = text[: rng.randint(0, len(text))]  # cut short
    elif mutation < 0.18:
        text = "[" * rng.randint(10, 3000) + text
    elif mutation < 0.2:
        text = text.replace('"', '"\\ud83', 1)
    return text.encode("utf-8", "surrogatepass")


def test_fuzzed_bodies_get_a_result_or_a_json_error(client: TestClient, tmp_path: Path,
                                                    held_plans: threading.Event) -> None:
    held_plans.set()  # plans run (the held work returns at once): the parsing is fuzzed
    rng = random.Random(16)
    seen: dict[int, int] = {}
    started = time.perf_counter()
    for i in range(300):
        body = _body(rng)
        path = rng.choice(["/api/drivers"] * 6 + ["/api/save", "/api/plan"])
        if path == "/api/save":
            body = {"name": rng.choice(["fz", f"fz-{i}", "../fz", "CON", ""]), "changes": body}
        response = raw(client, path, _raw(rng, body))
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code in {200, 201, 202, 400, 404, 409, 413}, (
            body, response.text)
        answer = response.json()
        if response.status_code >= 400:
            assert isinstance(answer["error"], str) and answer["error"], answer
            assert not answer["error"].startswith("unexpected error"), (body, answer)
            assert "Traceback" not in answer["error"]
    assert time.perf_counter() - started < 60
    assert seen.get(400, 0) > 100 and seen.get(200, 0) > 10  # both kinds were exercised
    for path in (tmp_path / "saved").iterdir():  # saved files only, under plain names
        assert check_name(path.name) == path.stem and path.suffix == ".toml"


def test_check_json_allows_what_the_page_sends() -> None:
    check_json({"target_multiple": 8.0, "buffer": 0.1,
                "levers": {"ticket": {"cap": 0.3, "products": ["LOAN"]},
                           "conversion": {"fixed": None}},
                "hires": [{"grade": "C", "team": "T03", "month": 2, "count": 10}]})
    with pytest.raises(ScenarioError, match=r"^levers: a key of 201 characters; at most 200$"):
        check_json({"levers": {"k" * 201: {}}})

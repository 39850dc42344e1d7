"""``planner serve``: the JSON API over HTTP (Starlette's test client, no browser)."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from starlette.testclient import TestClient

from planner.scenario import load_scenario
from planner.serve.app import MAX_BODY, ServeConfig, create_app
from planner.serve.model import Opened, WhatIfModel
from planner.serve.sessions import SessionStore

ISSUE_BODY = {"target_multiple": 8.0, "buffer": 0.1,
              "levers": {"ticket": {"cap": 0.3}, "conversion": {"fixed": 0.05}}}


@pytest.fixture(scope="module")
def served(opened_sample: tuple[Path, Opened]):
    """The 10x story's scenario file, this module's save folder (beside the file, as
    ``planner serve`` has it) and its own what-if model on the session's opened sample
    (read once per session)."""
    path, opened = opened_sample
    save_dir = Path(tempfile.mkdtemp(prefix="saved-", dir=path.parent))
    return path, save_dir, WhatIfModel(opened)


def client_for(served, token: str | None = None, host: str = "127.0.0.1") -> TestClient:
    path, save_dir, model = served
    config = ServeConfig(host, 8750, token, save_dir)
    app = create_app(model, config, SessionStore(save_dir.parent / f"sessions-{time.time_ns()}"))
    return TestClient(app, base_url="http://127.0.0.1:8750")


def child_file(folder: Path, base: Path, body: str) -> Path:
    path = folder / "child.toml"
    path.write_text(f'base = "{base.as_posix()}"\nname = "child"\n{body}', encoding="utf-8")
    return path


def test_drivers_answers_what_planner_drivers_gives(served, tmp_path: Path) -> None:
    path = served[0]
    with client_for(served) as client:
        response = client.post("/api/drivers", json=ISSUE_BODY)
    assert response.status_code == 200
    timing = dict(part.strip().split(";dur=") for part in
                  response.headers["server-timing"].split(","))
    assert set(timing) == {"solve", "cpu"}
    assert 0 < float(timing["cpu"]) and 0 < float(timing["solve"])
    got = response.json()
    assert got["feasible"] is True
    assert got["multiple"] == pytest.approx(8.0, rel=1e-12)
    child = child_file(tmp_path, path, "[target]\nmultiple = 8.0\nbuffer = 0.1\n"
                       "[levers.ticket]\ncap = 0.3\n[levers.conversion]\nfixed = 0.05\n")
    run = run_cli("drivers", child, "--out", tmp_path / "out")
    assert run.status == 0, run.stderr
    table = pd.read_csv(tmp_path / "out" / "drivers.csv", keep_default_na=False)
    levers = {row["lever"]: row for row in got["levers"]}
    assert list(levers) == table["lever"].tolist()
    for row in table.to_dict("records"):
        lever = levers[row["lever"]]
        assert lever["uplift"] == pytest.approx(row["uplift"], rel=1e-9, abs=1e-12)
        assert lever["cap"] == pytest.approx(row["cap"], rel=1e-9, abs=1e-12)
        assert lever["binding"] == row["binding"]
    assert levers["conversion"]["uplift"] == pytest.approx(0.05)
    assert levers["conversion"]["binding"] == "fixed"
    assert levers["ticket"]["uplift"] <= 0.3 + 1e-9
    steps = got["waterfall"]
    assert steps[0] == {"step": "last year", "start": 0.0, "end": 1.0}
    assert steps[-1]["end"] == pytest.approx(8.0, rel=1e-9)
    assert steps[-2]["end"] == pytest.approx(8.0, rel=1e-6)  # the contributions add up


def test_out_of_reach_gives_the_largest_multiple_and_the_diagnosis(served) -> None:
    with client_for(served) as client:
        got = client.post("/api/drivers", json={"target_multiple": 15.0}).json()
    assert got["feasible"] is False
    assert 10.0 < got["reach_multiple"] < 15.0
    assert got["message"].startswith("target 15.00x")
    assert got["diagnosis"].startswith("# Target unreachable")
    assert any(row["binding"] == "cap" for row in got["levers"])


@pytest.mark.parametrize(("body", "message"), [
    ({"levers": {"ticket": {"cap": "x"}}},
     "what-if.toml line 5: levers.ticket.cap: 'x' must be integer or number"),
    ({"levers": {"ticket": {"caps": 0.3}}}, "levers.ticket.caps: unknown key; did you mean 'cap'?"),
    ({"target_multiple": -2}, "target.multiple: -2 must be a finite number > 0 and <= 1000"),
    ({"buffer": 1.5}, "target.buffer: 1.5 must be a finite number between 0 and 1"),
    ({"target_multiplier": 8}, "target_multiplier: unknown key; did you mean 'target_multiple'?"),
    ({"buffer": None}, "buffer: null cannot be written in a scenario file"),
    ({"hires": [{"grade": "C", "team": "t03", "month": 2, "count": 5}]}, "'t03'"),
    ([1, 2], "the request body must be a JSON object"),
])
def test_bad_input_gets_400_with_the_schemas_message(served, body, message: str) -> None:
    with client_for(served) as client:
        response = client.post("/api/drivers", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error
    assert "Traceback" not in response.text


def test_numbers_json_cannot_hold_get_the_schemas_message(served) -> None:
    with client_for(served) as client:
        response = client.post("/api/drivers", content=b'{"levers": {"ticket": {"cap": Infinity}}}',
                               headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "levers.ticket.cap: inf must be a finite number between -0.99 and 100" in (
        response.json()["error"])


def test_messages_are_the_scenario_files_own(served, tmp_path: Path) -> None:
    """The same what-if as a file gives the same message, word for word."""
    path = served[0]
    with client_for(served) as client:
        error = client.post("/api/drivers", json={"levers": {"ticket": {"cap": "x"}}}).json()
    child = child_file(tmp_path, path, '[levers.ticket]\ncap = "x"\n')
    with pytest.raises(Exception) as raised:
        load_scenario(child)
    assert error["error"].split(": ", 1)[1] == str(raised.value).split(": ", 1)[1]


def test_requests_are_bounded_and_json_only(served) -> None:
    with client_for(served) as client:
        big = client.post("/api/drivers", content=b"{" + b" " * MAX_BODY + b"}",
                          headers={"content-type": "application/json"})
        form = client.post("/api/drivers", content=b"target_multiple=3",
                           headers={"content-type": "application/x-www-form-urlencoded"})
        broken = client.post("/api/drivers", content=b"{not json",
                             headers={"content-type": "application/json"})
        levers = client.post("/api/drivers", json={"levers": {f"l{i}": {} for i in range(65)}})
    assert big.status_code == 413
    assert form.status_code == 415
    assert broken.status_code == 400 and "not JSON" in broken.json()["error"]
    assert levers.status_code == 400 and "at most 64" in levers.json()["error"]


def test_no_path_from_the_browser_is_opened(served) -> None:
    with client_for(served) as client:
        assert client.get("/static/../app.py").status_code == 404
        assert client.get("/static/%2e%2e/app.py").status_code == 404
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/api/download").status_code == 404
        assert client.get("/api/download?path=/etc/passwd").status_code == 404


def test_other_hosts_are_refused_and_tokens_required(served) -> None:
    with client_for(served) as client:
        refused = client.get("/", headers={"host": "attacker.example:8750"})
    assert refused.status_code == 421
    with client_for(served, token="s3cret-token") as client:
        assert client.post("/api/drivers", json={}).status_code == 401
        bearer = client.post("/api/drivers", json={},
                             headers={"authorization": "Bearer s3cret-token"})
        assert bearer.status_code == 200
        assert client.get("/?token=wrong").status_code == 401
        page = client.get("/?token=s3cret-token")
        assert page.status_code == 200 and "planner_token" in page.headers["set-cookie"]
        assert client.get("/api/state").status_code == 200  # the cookie carries it now
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_sessions_do_not_see_each_other(served) -> None:
    with client_for(served) as alice, client_for(served) as bob:
        alice.get("/")
        bob.get("/")
        assert alice.cookies["planner_session"] != bob.cookies["planner_session"]
        alice.post("/api/drivers", json={"target_multiple": 7.0})
        bob.post("/api/drivers", json={"target_multiple": 9.0})
        assert alice.get("/api/state").json()["view"]["target_multiple"] == 7.0
        assert bob.get("/api/state").json()["view"]["target_multiple"] == 9.0


def test_save_writes_a_new_file_over_the_opened_one(served, tmp_path: Path) -> None:
    path, save_dir, _ = served
    body = {"name": "meeting-8x", "changes": {**ISSUE_BODY, "levers": {
        **ISSUE_BODY["levers"], "customers": {"cap": 2.0}}}}
    with client_for(served) as client:
        saved = client.post("/api/save", json=body)
        again = client.post("/api/save", json=body)
        bad = client.post("/api/save", json={"name": "../escape", "changes": {}})
    assert saved.status_code == 201, saved.text
    file = save_dir / "meeting-8x.toml"
    text = file.read_text(encoding="utf-8")
    assert text == saved.json()["toml"]
    assert 'base = "../sample_10x.toml"' in text
    assert "buffer" not in text and "customers" not in text  # unchanged: left out
    assert "[levers.conversion]\nfixed = 0.05" in text and "multiple = 8.0" in text
    assert again.status_code == 409 and "never overwritten" in again.json()["error"]
    assert file.read_text(encoding="utf-8") == text
    assert bad.status_code == 400 and not (save_dir.parent / "escape.toml").exists()
    assert sorted(p.name for p in save_dir.iterdir()) == ["meeting-8x.toml"]
    run = run_cli("drivers", file, "--out", tmp_path / "out")
    assert run.status == 0, run.stderr
    table = pd.read_csv(tmp_path / "out" / "drivers.csv", keep_default_na=False)
    variant = {row["lever"]: row["uplift"] for row in saved.json()["variant"]["drivers"]["levers"]}
    assert table.set_index("lever")["uplift"].to_dict() == pytest.approx(variant, rel=1e-9)


def test_plan_runs_in_the_background_and_downloads_as_a_zip(served) -> None:
    with client_for(served) as client:
        started = client.post("/api/plan", json={"target_multiple": 6.0})
        assert started.status_code == 202
        busy = client.post("/api/plan", json={})  # one at a time per page
        assert busy.status_code == 409 and "already running" in busy.json()["error"]
        deadline = time.monotonic() + 240
        job = started.json()
        while job["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            job = client.get("/api/plan").json()
        assert job["state"] == "done", job
        assert "solving the driver model" in job["progress"]
        result = job["result"]
        assert result["multiple"] == pytest.approx(6.0, rel=1e-6)
        assert len(result["teams"]) == 12 and len(result["months"]) == 12
        download = client.get("/api/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    assert {"plan.csv", "summary.xlsx", "drivers.csv"} <= set(names)
    assert any(name.startswith("teams/") for name in names)
    plan = pd.read_csv(archive.open("plan.csv"))
    assert plan["amount"].sum() == pytest.approx(result["team_total"], abs=0.01)
    by_team = plan.groupby("team")["amount"].sum()
    for row in result["teams"]:
        assert by_team[row["team"]] == pytest.approx(row["target"], abs=0.01)

"""``planner serve`` in a real browser: Debian's Chromium driven by Selenium.

Loads the page, moves sliders with the keyboard, sees the uplifts and the waterfall
change, runs the plan, saves the scenario, and checks that ``planner plan`` on the
saved file gives the numbers the page showed. A screenshot at 1366x768 is kept in the
test's tmp_path (and copied to ``$PLANNER_SERVE_SCREENSHOT`` when that is set: the
README's picture is taken this way).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import run_cli

from planner.serve.app import ServeConfig, create_app
from planner.serve.model import Opened, WhatIfModel
from planner.serve.sessions import SessionStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
           "chromium-driver; .ci/run installs them)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(opened_sample: tuple[Path, Opened], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[dict[str, Any]]:
    """The app on the session's opened sample (read once per session), served by uvicorn."""
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    # saved scenarios go beside the opened file, as with `planner serve`
    save_dir = Path(tempfile.mkdtemp(prefix="saved-", dir=opened_sample[0].parent))
    port = free_port()
    config = ServeConfig("127.0.0.1", port, None, save_dir)
    app = create_app(WhatIfModel(opened_sample[1]), config, SessionStore(folder / "sessions"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield {"url": f"http://127.0.0.1:{port}/", "save_dir": save_dir}
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1366,768"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # the page's viewport itself is 1366x768 (a window of that size has less room inside)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1366, "height": 768, "deviceScaleFactor": 1,
                            "mobile": False})
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def idle(driver: Any) -> None:
    """Wait until the page has no what-if in flight."""
    wait_for(lambda: driver.execute_script("return document.body.dataset.idle === 'true'"),
             60, "the what-if to be solved")


def uplifts(driver: Any) -> dict[str, float]:
    return driver.execute_script(
        "const out = {}; for (const tr of document.querySelectorAll('#levers tr[data-lever]')) "
        "{ out[tr.dataset.lever] = Number(tr.querySelector('.uplift-value').dataset.value); } "
        "return out;")


def waterfall_svg(driver: Any) -> str:
    return str(driver.execute_script("return document.querySelector('#waterfall svg').outerHTML"))


def press(driver: Any, element_id: str, key: str, times: int) -> None:
    element = driver.find_element("id", element_id)
    element.click()
    for _ in range(times):
        element.send_keys(key)


def test_meeting_in_the_browser(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    start = time.monotonic()
    browser.get(server["url"])
    idle(browser)
    assert time.monotonic() - start < 10
    status = browser.find_element("id", "status")
    assert status.get_attribute("data-state") == "feasible"
    before, chart_before = uplifts(browser), waterfall_svg(browser)
    assert before["customers"] == pytest.approx(2.0)  # at its cap in the 10x story

    # the target slider: 20 steps of 0.05 down, from 10x to 9x
    target = browser.find_element("id", "target-multiple")
    target.click()  # a click moves a range input to where it lands: set it back first
    browser.execute_script("arguments[0].value = '10'; arguments[0].dispatchEvent("
                           "new Event('input'))", target)
    idle(browser)
    press(browser, "target-multiple", Keys.ARROW_LEFT, 20)
    idle(browser)
    assert browser.find_element("id", "target-multiple-num").get_attribute("value") == "9"
    after, chart_after = uplifts(browser), waterfall_svg(browser)
    assert after["repurchase"] < before["repurchase"]  # productivity stays at its cap
    assert after != before and chart_after != chart_before
    assert "9.00x" in browser.find_element("id", "feasibility").text

    # the ticket lever's cap slider: 10 steps of 0.01 down, from +40% to +30%
    cap = browser.find_element("css selector", "tr[data-lever='ticket'] input.cap")
    browser.execute_script("arguments[0].focus()", cap)
    for _ in range(10):
        cap.send_keys(Keys.ARROW_LEFT)
    idle(browser)
    row = browser.find_element("css selector", "tr[data-lever='ticket']")
    assert row.find_element("css selector", ".cap-value").text == "+30.0%"
    shown = uplifts(browser)
    assert shown["ticket"] == pytest.approx(0.30)
    assert row.find_element("css selector", ".binding").get_attribute("data-value") == "cap"

    # Plan: progress, then team targets and the charts
    browser.find_element("id", "plan-btn").click()
    wait_for(lambda: browser.find_element("id", "plan-result").is_displayed(), 300, "the plan")
    teams = browser.execute_script(
        "const out = {}; for (const tr of document.querySelectorAll('#teams tr[data-team]')) "
        "{ out[tr.dataset.team] = Number(tr.querySelector('.target').dataset.value); } "
        "return out;")
    assert len(teams) == 12
    assert browser.find_elements("css selector", "#monthly-chart svg rect.bar.plan")
    assert browser.find_elements("css selector", "#capacity-chart svg rect.bar.cap")
    assert browser.find_element("id", "download").is_displayed()

    # Save as scenario
    name = browser.find_element("id", "save-name")
    name.clear()
    name.send_keys("meeting-9x")
    browser.find_element("id", "save-btn").click()
    wait_for(lambda: browser.find_element("id", "save-msg").get_attribute("data-file"), 60,
             "the scenario to be saved")
    saved = server["save_dir"] / "meeting-9x.toml"
    assert saved.is_file()
    assert browser.find_elements("css selector", "#variants tbody tr")

    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "serve.png"
    assert browser.save_screenshot(str(shot))
    from PIL import Image

    assert Image.open(shot).size == (1366, 768)
    if os.environ.get("PLANNER_SERVE_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["PLANNER_SERVE_SCREENSHOT"])

    # planner plan on the saved file reproduces what the page showed
    run = run_cli("plan", saved, "--out", tmp_path / "out")
    assert run.status == 0, run.stderr
    drivers = pd.read_csv(tmp_path / "out" / "drivers.csv", keep_default_na=False)
    assert drivers.set_index("lever")["uplift"].to_dict() == pytest.approx(shown, rel=1e-9,
                                                                           abs=1e-12)
    plan = pd.read_csv(tmp_path / "out" / "plan.csv")
    assert plan.groupby("team")["amount"].sum().to_dict() == pytest.approx(teams, abs=0.01)

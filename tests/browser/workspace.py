"""Driving openvre's JupyterLab workspace in a real browser: open the lab, open panels, time what users wait for.

The figures the issue asks for (search time, availability shown, lag after a transfer ends, actions and
seconds from data to notebook) are recorded with :class:`Figures` and written next to the screenshots,
never asserted as timings: these machines are noisy, and speed goals are judged by benchmarks and notes.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, WebSocket, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import SCREENSHOTS

LAB_READY_MS = 60_000


def open_lab(page: Page, lab_url: str) -> None:
    """Wait for JupyterLab's shell and dismiss nothing: the news prompt is off in openvre's lab."""
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_READY_MS)
    assert page.url.startswith(lab_url), page.url


def open_panel(page: Page, panel_id: str) -> Locator:
    """Click the panel's tab in the left sidebar until the panel shows, and return the panel.

    A click on the tab of the panel already shown collapses the sidebar, and a panel may be shown but not
    yet visible while the lab lays itself out: so check, click, check again, rather than click blindly.
    """
    panel = page.locator(f"#{panel_id}")
    tab = page.locator(f".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='{panel_id}']")
    expect(tab).to_be_visible(timeout=LAB_READY_MS)
    for _ in range(3):
        if panel.is_visible():
            break
        tab.click()
        try:
            panel.wait_for(state="visible", timeout=3000)
        except PlaywrightTimeout:
            continue
    expect(panel).to_be_visible()
    return panel


@dataclass
class Figures:
    """Measured user-facing waits and action counts of one tour, written as JSON beside the screenshots."""

    name: str
    values: dict[str, float | int | str] = field(default_factory=dict)

    def record(self, key: str, value: float | int | str) -> None:
        self.values[key] = round(value, 3) if isinstance(value, float) else value

    def write(self) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-figures.json"
        path.write_text(json.dumps(self.values, indent=2) + "\n")
        print(f"\n{self.name} figures: {json.dumps(self.values)}")  # shown with pytest -s / in CI logs
        return path


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def lap(self) -> float:
        """Seconds since the start or the last lap."""
        now = time.perf_counter()
        elapsed, self.started = now - self.started, now
        return elapsed


_ARM_PAGE_TIMER = """([start, event, ends]) => {
  const timing = {start: null, shown: {}};
  window.__openvreTiming = timing;
  const check = () => {
    if (timing.start === null) return;
    for (const [name, selector] of Object.entries(ends)) {
      if (!(name in timing.shown) && document.querySelector(selector)) {
        timing.shown[name] = performance.now() - timing.start;
      }
    }
    if (Object.keys(timing.shown).length === Object.keys(ends).length) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
  document.querySelector(start).addEventListener(event, () => { timing.start ??= performance.now(); check(); },
                                                 {capture: true, once: true});
}"""


class PageTimer:
    """Milliseconds from a user's event to elements appearing, measured by the page's own clock.

    Playwright's ``expect`` polls (100 ms, then longer), so a stopwatch around it overstates short waits; a
    MutationObserver armed before the event sees the DOM change when it happens (the paint follows within
    a frame).
    """

    def __init__(self, page: Page, start: str, event: str, ends: dict[str, str]) -> None:
        self.page = page
        page.evaluate(_ARM_PAGE_TIMER, [start, event, ends])

    def milliseconds(self) -> dict[str, float]:
        shown: dict[str, float] = self.page.evaluate("() => window.__openvreTiming.shown")
        return shown


class KernelAnswered:
    """Set once a kernel answers ``kernel_info`` over the page's kernel websocket: the notebook can run code.

    The notebook's status shows "idle" from the REST API before JupyterLab's websocket to the kernel is
    connected (~2 s later on this machine); timing openvre's part from there would charge it the kernel start.
    """

    def __init__(self, page: Page) -> None:
        self._page = page
        self._answered = threading.Event()
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        def frame(payload: str | bytes) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", errors="replace")
            if '"kernel_info_reply"' in text:
                self._answered.set()

        socket.on("framereceived", frame)

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._answered.is_set():
            assert time.monotonic() < deadline, "the kernel never answered over its websocket"
            self._page.wait_for_timeout(20)  # Playwright's sync API delivers events while it waits

"""Browser tests: the real app served by waitress, driven by Playwright in
Debian's headless Chromium, checked with axe-core.

Nothing here downloads a browser: Chromium comes from apt (``/usr/bin/chromium``,
installed by ``.ci/run``) and axe-core from npm (``tests/browser/package-lock.json``,
installed by ``make test``). Missing either is a failure with the command to
run, never a skip.

Fixtures:

* ``live_server`` -- a fresh database with the demo users and the seed case,
  served on 127.0.0.1 on a free port (4 threads); yields the base URL.
* ``browser`` -- one Chromium for the session; ``page`` -- a fresh context
  (no cookies) and page per test, Swedish by default.
* ``login(page, user)`` -- logs in through the form (logging out first if
  someone is logged in); ``logout(page)``.
* ``axe(page, name)`` -- runs axe-core (WCAG 2.0/2.1 A and AA) on the page,
  fails with the violations listed readably; ``shot(page, name)`` saves a
  full-page screenshot under ``test-artifacts/screenshots/``.
"""
import contextlib
import json
import os
import re
import shutil
import threading

import pytest
import transaction
import waitress
from waitress import wasyncore

from conftest import PROJECT, make_app

CHROMIUM = os.environ.get("PCMS_CHROMIUM", "/usr/bin/chromium")
# As root and on a closed network (see PITFALLS.md, "Browser tests on these machines").
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = os.path.join(PROJECT, "tests", "browser", "node_modules", "axe-core", "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = os.path.join(PROJECT, "test-artifacts", "screenshots")
TIMEOUT_MS = 15_000


# -- the server ------------------------------------------------------------------

NARROW = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextlib.contextmanager
def serving(app, name):
    """``app`` served by waitress on a free port of 127.0.0.1: yields its base URL, then stops it."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    runner = threading.Thread(target=server.run, name=name, daemon=True)
    runner.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from inside the server's own loop, which then ends.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        runner.join(10)
        server.task_dispatcher.shutdown()
        app.registry._zodb_databases[""].close()
        transaction.manager.free = None
    assert not runner.is_alive(), "the test server did not stop"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A fresh app (demo users, seed case before KS) served by waitress; yields its base URL."""
    with serving(make_app(tmp_path_factory.mktemp("browser")), "waitress-browser-tests") as url:
        yield url


# -- the browser -----------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}, which is missing. Install Debian's "
            "package: `apt-get update && apt-get install -y chromium` (.ci/run does this in CI). "
            "Never `playwright install`: its download cannot work here.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright gives every launch a fresh, empty --user-data-dir of its own
    # (a temporary folder it deletes on close); we add the flags PITFALLS asks for.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000,
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh context (no cookies) and page, Swedish, with the live server as base URL."""
    context = browser.new_context(
        base_url=live_server, locale="sv-SE", timezone_id="Europe/Stockholm",
        viewport=DESKTOP,
    )  # the app's CSP stays on: axe is evaluated through DevTools (run_axe)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


@pytest.fixture
def sessions(browser, live_server):
    """``open(user)``: a page in a browser context of its own, logged in as ``user``
    (None: nobody), for tests where several people act at once."""
    contexts, errors = [], []

    def open_as(user):
        context = browser.new_context(base_url=live_server, locale="sv-SE", timezone_id="Europe/Stockholm",
                                      viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(f"{user}: {exc}"))
        return do_login(pg, user) if user else pg

    yield open_as
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def both_widths(pg, axe, name):
    """axe-core on the page as it is, at desktop width and at 390 px."""
    axe(pg, name)
    pg.set_viewport_size(NARROW)
    axe(pg, f"{name} (390 px)")
    pg.set_viewport_size(DESKTOP)


# -- helpers (as fixtures, so tests need no imports) ---------------------------------

def _logged_in_name(pg):
    box = pg.locator(".user-box .user-name")
    return box.inner_text().strip() if box.count() else None


def do_logout(pg):
    """Log out through the header's button (if someone is logged in)."""
    if pg.url in ("", "about:blank"):
        return
    if pg.locator(".user-box form button").count():
        with pg.expect_navigation():
            pg.locator(".user-box form button").click()
        assert _logged_in_name(pg) is None


def do_login(pg, user, password="demo"):
    """Log in through the form; returns the start page the app sent us to."""
    do_logout(pg)
    pg.goto("/login")
    pg.get_by_label("Användarnamn").fill(user)
    pg.get_by_label("Lösenord").fill(password)
    with pg.expect_navigation():
        pg.locator("main form").get_by_role("button", name="Logga in").click()
    assert _logged_in_name(pg), \
        f"log-in as {user} failed: {pg.url}\n{pg.locator('main').inner_text()}"
    return pg


@pytest.fixture
def login():
    return do_login


@pytest.fixture
def logout():
    return do_logout


def format_violations(violations):
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  [{', '.join(v['tags'])}]")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"]:
            target = " > ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def run_axe(pg):
    """axe-core's results for the current page (WCAG 2.0/2.1, levels A and AA)."""
    if not os.path.exists(AXE_JS):
        pytest.fail(
            f"axe-core is missing ({AXE_JS}). `make test` installs it; by hand: "
            "`npm ci --prefix tests/browser`.", pytrace=False,
        )
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the pages'
        # Content-Security-Policy allows no inline script, and must not be bypassed here.
        with open(AXE_JS, encoding="utf-8") as f:
            pg.evaluate("(source) => { (0, eval)(source); }", f.read())
    return pg.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                              resultTypes: ['violations']});
            return {violations: r.violations, incomplete: r.incomplete.length};
        }""",
        AXE_TAGS,
    )


class Accessibility:
    """``axe(page, name)``: no WCAG 2.1 A/AA violations allowed; remembers what it checked."""

    def __init__(self):
        self.checked = []

    def __call__(self, pg, name):
        results = run_axe(pg)
        self.checked.append(name)
        violations = results["violations"]
        if violations:
            shot_path = save_screenshot(pg, f"axe-failure-{name}")
            report = os.path.join(SCREENSHOTS, f"axe-failure-{_slug(name)}.json")
            with open(report, "w", encoding="utf-8") as f:
                json.dump(violations, f, ensure_ascii=False, indent=2)
            pytest.fail(
                f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {name} "
                f"({pg.url}); screenshot {shot_path}:\n{format_violations(violations)}",
                pytrace=False,
            )
        return results


@pytest.fixture
def axe():
    return Accessibility()


def _slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def save_screenshot(pg, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, f"{_slug(name)}.png")
    pg.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def shot():
    return save_screenshot


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    """Screenshots are from this run only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    os.makedirs(SCREENSHOTS, exist_ok=True)
    yield


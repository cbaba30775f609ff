"""A real browser for tests: Playwright for Python driving Debian's Chromium headless (STACK-NOTES 17; Playwright's
own browser download does not work here), in a process of its own.

Playwright's sync API does not mix with eventlet's monkey-patching (the root conftest): its dispatcher greenlet
and eventlet's hub each wait for the other, and a page wait never returns. So a test runs browser *steps* — plain
Playwright functions in a script of its own (``script``: ``def step(browser, **args) -> dict``) — in a separate,
unpatched Python process: ``run_steps(script, "step", **args)`` returns what the step returned (JSON), or fails
the test with the step's error. A step may save its context's cookies (``storage_state``) to a file for the next.
"""
import json
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
RESULT = "::result::"

_RUNNER = f"""
import importlib.util, json, sys, traceback
from playwright.sync_api import sync_playwright
spec = importlib.util.spec_from_file_location("steps", sys.argv[1])
steps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(steps)
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path={CHROMIUM!r}, args={ARGS!r}, headless=True)
    try:
        result = getattr(steps, sys.argv[2])(browser, **json.loads(sys.argv[3]))
    finally:
        browser.close()
print({RESULT!r} + json.dumps(result, ensure_ascii=False, default=str), flush=True)
"""


def run_steps(script, step, timeout=180, **args):
    done = subprocess.run([sys.executable, "-c", _RUNNER, str(script), step, json.dumps(args, ensure_ascii=False)],
                          capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    assert done.returncode == 0 and lines, f"browser step {step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return json.loads(lines[-1][len(RESULT):])

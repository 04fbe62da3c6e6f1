#!/usr/bin/env python3
"""The browser client in a real browser: Debian's chromium driven by Playwright, against
the real server on a fresh database. Usage: run.py [path to the invigil binary].

Environment: INVIGIL_CHROMIUM (default /usr/bin/chromium), INVIGIL_AXE (axe.min.js from
the npm package axe-core; without it the accessibility checks are a failure when
INVIGIL_TEST_REQUIRE_BROWSER is set, else skipped), INVIGIL_SCREENSHOTS (a folder to
save the README's screenshots in)."""

import os
import sys
import time
import traceback

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, AnswerKey, Server  # noqa: E402
import scenarios  # noqa: E402


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ROOT / "target" / "debug" / "invigil"
    chromium = os.environ.get("INVIGIL_CHROMIUM", "/usr/bin/chromium")
    server = Server(binary)
    failures = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            env = scenarios.Env(server, browser, AnswerKey())
            for name, test in scenarios.TESTS:
                started = time.monotonic()
                try:
                    test(env)
                    print(f"ok     {name} ({time.monotonic() - started:.1f} s)", flush=True)
                except Exception:
                    failures.append(name)
                    print(f"FAILED {name}\n{traceback.format_exc()}", flush=True)
                finally:
                    env.close_contexts()
            browser.close()
    finally:
        server.stop()
    if failures:
        print(f"{len(failures)} browser tests failed: {', '.join(failures)}")
        print("server log:\n" + open(server.log.name).read()[-4000:])
        sys.exit(1)
    print(f"all {len(scenarios.TESTS)} browser tests passed")


if __name__ == "__main__":
    main()

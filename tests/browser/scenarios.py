"""The scenarios: what candidates, proctors and partners do in the browser, and what they
must see."""

import json
import os
import re
import time

from playwright.sync_api import expect

from harness import PASSWORD

TESTS = []


def test(fn):
    TESTS.append((fn.__name__, fn))
    return fn


class Env:
    def __init__(self, server, browser, key):
        self.server = server
        self.browser = browser
        self.key = key
        self.contexts = []
        self.count = 0
        self.certificate = None
        server.staff("admin", "admin@example.com")
        server.staff("proctor", "proctor@example.com")

    def page(self, **options):
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    def close_contexts(self):
        for c in self.contexts:
            c.close()
        self.contexts = []

    def email(self, who):
        self.count += 1
        return f"{who}{self.count}@example.com"

    def candidate(self, page, who="ada", name="Ada Lovelace"):
        """Registers in the browser, opens the mailed verification link; signed in."""
        email = self.email(who)
        page.goto("/register")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Full name, as it should appear on certificates").fill(name)
        page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        token = self.server.mailed_token(email, "/verify-email")
        page.goto(f"/verify-email?token={token}")
        expect(page.get_by_text("Your e-mail address is verified")).to_be_visible()
        return email

    def start_exam(self, page, code="MLOA-F"):
        page.goto(f"/certifications/{code}")
        page.get_by_role("link", name="Take this exam").click()
        page.get_by_label("I have read the rules and I am ready").check()
        page.get_by_role("button", name="Start the exam now").click()
        page.wait_for_url(re.compile(r"/exam/"))
        expect(page.locator(".navigator button").first).to_be_visible()
        return page.url.rsplit("/", 1)[1]

    def answer_current(self, page):
        stem = page.locator(".stem").inner_text()
        item = self.key.item(stem)
        kind = item["kind"]
        if kind == "lab":
            page.locator("textarea.code").fill(item["artifact"]["reference"])
        elif kind == "ordering":
            target = self.key.correct_texts(stem)
            for position, text in enumerate(target):
                current = page.locator(".ordering li span").all_inner_texts()
                for _ in range(current.index(text) - position):
                    page.get_by_role("button", name=f"Move “{text}” up").click()
        else:
            for text in self.key.correct_texts(stem):
                page.get_by_label(text, exact=True).check()

    def answer_all(self, page):
        buttons = page.locator(".navigator button")
        for i in range(buttons.count()):
            buttons.nth(i).click()
            self.answer_current(page)
        expect(page.locator("#connection")).to_have_text("All answers saved.", timeout=20_000)

    def submit(self, page):
        page.locator("#submit").click()
        page.get_by_role("button", name="Submit now").click()
        page.wait_for_url(re.compile(r"/attempts/"))

    def session(self, page):
        return page.evaluate("JSON.parse(localStorage.getItem('invigil.session'))")

    def shot(self, page, name):
        folder = os.environ.get("INVIGIL_SCREENSHOTS")
        if folder:
            page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=False)


@test
def a_candidate_registers_passes_the_foundation_and_opens_the_certificate(env):
    page = env.page()
    env.candidate(page, "grace", "Grace Hopper")
    page.goto("/")
    expect(page.get_by_role("heading", name="Certifications")).to_be_visible()
    env.shot(page, "catalog")
    env.start_exam(page)
    env.answer_all(page)
    env.shot(page, "exam")
    env.submit(page)
    expect(page.locator("#outcome")).to_have_text("You passed.")
    expect(page.locator("#score")).to_contain_text("100%")
    env.shot(page, "result")
    page.locator("#certificate-link").click()
    page.wait_for_url(re.compile(r"/c/"))
    expect(page.locator("main")).to_contain_text("Grace Hopper")
    number = page.url.rsplit("/", 1)[1]
    expect(page.locator("main")).to_contain_text(number)
    env.shot(page, "certificate")
    env.certificate = number
    assert not page.errors, page.errors


@test
def answers_changed_offline_survive_a_reload_and_reach_the_server(env):
    page = env.page()
    env.candidate(page)
    attempt = env.start_exam(page)
    buttons = page.locator(".navigator button")
    chosen = {}
    singles = []
    for i in range(buttons.count()):
        buttons.nth(i).click()
        if page.locator("input[type=radio]").count() >= 2:
            singles.append(i)
        if len(singles) == 3:
            break
    for i in singles:
        buttons.nth(i).click()
        page.locator("input[type=radio]").nth(0).check()
    expect(page.locator("#connection")).to_have_text("All answers saved.")

    page.context.set_offline(True)
    for i in singles:
        buttons.nth(i).click()
        radio = page.locator("input[type=radio]").nth(1)
        radio.check()
        chosen[page.locator(".stem").inner_text()] = radio.get_attribute("value")
    expect(page.locator("#connection")).to_contain_text("kept on this device")
    page.reload()
    expect(page.locator(".navigator button").first).to_be_visible()
    expect(page.locator("#connection")).to_contain_text("kept on this device", timeout=20_000)
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("All answers saved.", timeout=40_000)

    status, seen = env.server.call("GET", f"/v1/attempts/{attempt}", token=env.session(page)["access"])
    assert status == 200, seen
    stems = {q["id"]: q["stem"] for q in seen["questions"]}
    on_server = {stems[a["question_id"]]: a["selected"] for a in seen["answers"]}
    for stem, option in chosen.items():
        assert on_server.get(stem) == [option], (stem, on_server.get(stem), option)


@test
def the_countdown_follows_the_server_when_the_device_clock_is_ten_minutes_wrong(env):
    page = env.page()
    env.candidate(page)
    page.clock.install(time=time.time() + 600)
    attempt = env.start_exam(page)
    status, seen = env.server.call("GET", f"/v1/attempts/{attempt}", token=env.session(page)["access"])
    assert status == 200, seen
    shown = int(page.locator("#countdown").get_attribute("data-seconds"))
    assert abs(shown - seen["time_remaining_seconds"]) <= 3, (shown, seen["time_remaining_seconds"])
    expect(page.locator("#countdown")).to_contain_text("Time left 1:19:")


@test
def a_pause_by_the_proctor_covers_the_exam_within_five_seconds(env):
    page = env.page()
    env.candidate(page)
    attempt = env.start_exam(page)
    proctor = env.server.token("proctor@example.com")
    status, body = env.server.call("POST", f"/v1/proctor/attempts/{attempt}/actions",
                                   {"action": "pause", "note": "camera check"}, token=proctor)
    assert status == 200, body
    expect(page.locator("#overlay-title")).to_have_text("Your exam is paused", timeout=5_000)
    expect(page.locator("#countdown")).to_contain_text("Paused")
    env.server.call("POST", f"/v1/proctor/attempts/{attempt}/actions", {"action": "warn", "note": "Look at the screen, please."}, token=proctor)
    env.server.call("POST", f"/v1/proctor/attempts/{attempt}/actions", {"action": "resume", "note": None}, token=proctor)
    expect(page.locator("#overlay")).to_be_hidden(timeout=5_000)
    expect(page.locator("#proctor-warning")).to_contain_text("Look at the screen, please.", timeout=5_000)
    env.server.call("POST", f"/v1/proctor/attempts/{attempt}/actions", {"action": "terminate", "note": "Someone else answered."}, token=proctor)
    expect(page.locator("#overlay-title")).to_have_text("Your exam was ended by a proctor", timeout=5_000)

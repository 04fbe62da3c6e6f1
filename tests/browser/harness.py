"""What the browser tests share: the real `invigil serve` on a fresh database, staff made
with the command line, mail read from the .eml files it writes, the bank's answer key
(only the program holds it), and Debian's chromium driven by Playwright."""

import email
import email.policy
import json
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import time
import tomllib
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "a long staff passphrase"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The binary on a database of its own, in a folder of its own (its mail goes there)."""

    def __init__(self, binary, **settings):
        self.binary = os.path.abspath(str(binary))
        self.dir = tempfile.mkdtemp(prefix="invigil-browser-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            INVIGIL_DATABASE_URL=os.path.join(self.dir, "invigil.db"),
            INVIGIL_BIND=f"127.0.0.1:{self.port}",
            INVIGIL_QUESTION_BANK=str(ROOT / "question-bank"),
            INVIGIL_PUBLIC_URL=self.url,
            INVIGIL_OUTBOX_INTERVAL_MS="100",
            INVIGIL_WORKERS="2",
            RUST_LOG="warn",
        )
        self.env.update(settings)
        self.env.pop("INVIGIL_JWT_SECRET", None)
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.process = subprocess.Popen(
            [self.binary, "serve"], env=self.env, cwd=self.dir, stdout=self.log, stderr=self.log
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("the server did not start: " + open(self.log.name).read())

    def stop(self):
        self.process.kill()
        self.process.wait()

    def staff(self, role, email):
        subprocess.run(
            [self.binary, "user", "create", "--role", role, "--email", email,
             "--full-name", f"Staff {role.title()}", "--password-stdin"],
            input=STAFF_PASSWORD.encode(), env=self.env, cwd=self.dir, check=True,
            stdout=subprocess.DEVNULL,
        )

    def call(self, method, path, body=None, token=None, api_key=None):
        """The API, for what a test arranges or checks behind the browser's back."""
        req = urllib.request.Request(self.url + path, method=method)
        req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", "Bearer " + token)
        if api_key:
            req.add_header("x-api-key", api_key)
        data = json.dumps(body).encode() if body is not None else None
        try:
            with urllib.request.urlopen(req, data=data, timeout=20) as resp:
                text = resp.read()
                return resp.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def token(self, email, password=STAFF_PASSWORD):
        status, body = self.call("POST", "/v1/auth/login", {"email": email, "password": password})
        assert status == 200, body
        return body["access_token"]

    def mailed_token(self, to, page):
        """The token of the newest link to `page` mailed to `to`."""
        for _ in range(100):
            paths = sorted(pathlib.Path(self.dir, "mail-outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
            for path in reversed(paths):
                mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if to not in str(mail["To"]):
                    continue
                found = re.findall(re.escape(page) + r"\?token=([\w-]+)", mail.get_body(("plain",)).get_content())
                if found:
                    return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no link to {page} was mailed to {to}")


class AnswerKey:
    """The bank's keys, found by a question's stem: what a candidate who studied knows."""

    def __init__(self):
        self.items = {}
        for path in (ROOT / "question-bank").glob("*/*.toml"):
            for q in tomllib.loads(path.read_text()).get("question", []):
                self.items[q["stem"].strip()] = q

    def item(self, stem):
        return self.items[stem.strip()]

    def correct_texts(self, stem):
        item = self.item(stem)
        return [item["options"][i].strip() for i in item["correct"]]

    def lab_reference(self, stem):
        return self.item(stem)["artifact"]["reference"]

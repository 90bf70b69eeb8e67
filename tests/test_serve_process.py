"""``postergen serve`` as a process: the command starts a working server, and a lead that
was acknowledged survives the server being killed with SIGKILL mid-load."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_kit import ENV, JSON, SECRET_ENV, built, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return built(tmp_path_factory)


class Process:
    def __init__(self, site, db: Path, port: int, *extra: str):
        self.args = [sys.executable, "-m", "postergen", "serve", str(site.spec), "--site", str(site.site),
                     "--db", str(db), "--cache", str(db.parent / "cache"), "--port", str(port), *extra]
        self.url = f"http://127.0.0.1:{port}"
        self.log = db.parent / f"serve-{port}.log"
        self.proc = None

    def start(self) -> None:
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("postergen serve did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
        return self.log.read_text()


def test_serve_command_runs_a_server(site, tmp_path):
    server = Process(site, tmp_path / "leads.sqlite", free_port())
    server.start()
    try:
        r = httpx.post(server.url + "/api/lead", data={"phone": "13912345678", "consent": "yes", "channel": "moments",
                                                       "variant": "base"}, headers=JSON)
        assert r.status_code == 200 and r.json()["ok"]
        assert httpx.get(server.url + r.json()["poster_url"], timeout=60).headers["content-type"] == "image/jpeg"
    finally:
        output = server.stop()
    assert f"serving {site.site} for campaign tea-invite-3 on {server.url}/" in output
    assert '"POST /api/lead" 200' in output and "13912345678" not in output
    with sqlite3.connect(tmp_path / "leads.sqlite") as conn:
        assert conn.execute("SELECT phone FROM leads").fetchall() == [("13912345678",)]


def test_serve_command_explains_a_bad_setting(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(SECRET_ENV, None)
    out = subprocess.run([sys.executable, "-m", "postergen", "serve", str(site.spec), "--site", str(site.site)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "serve needs the campaign secret" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "postergen", "serve", str(site.spec), "--site", str(site.site), "--rate", "lots"],
                         cwd=ROOT, env={**env, **ENV}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "'lots' is not a rate: write e.g. 20/min, 5/10s or 0 for no limit" in out.stderr


def test_no_acknowledged_lead_is_lost_when_the_server_is_killed(site, tmp_path):
    db = tmp_path / "leads.sqlite"
    server = Process(site, db, free_port(), "--rate", "0")
    server.start()
    phones = [f"1391{n:07d}" for n in range(240)]
    acked: set[str] = set()
    lock = threading.Lock()
    todo = list(phones)

    def submitter() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            while True:
                with lock:
                    if not todo:
                        return
                    phone = todo.pop()
                while True:  # as the landing page does: keep the lead and retry until acknowledged
                    try:
                        r = client.post("/api/lead", data={"phone": phone, "consent": "yes", "channel": "moments",
                                                           "variant": "base"}, headers=JSON)
                        if r.status_code == 200 and r.json()["ok"]:
                            with lock:
                                acked.add(phone)
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.05)

    threads = [threading.Thread(target=submitter) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        while len(acked) < 60:
            time.sleep(0.005)
        server.kill()  # mid-load: requests in flight fail, nothing is flushed on the way out
        killed_at = len(acked)
        server.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        server.stop()
    assert 60 <= killed_at < len(phones)
    assert acked == set(phones)
    with sqlite3.connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT phone FROM leads")]
    assert sorted(stored) == sorted(phones)  # every acknowledged lead, each once

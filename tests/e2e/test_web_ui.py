"""test_web_ui.py: the web UI embedded in proctor serve, in Debian's
Chromium (headless, playwright-core; tests/browser/ui.cjs): log in with a
token, the project filter hides the other project's session, a session
recorded by a real `proctor run` shows its real process names in the tree,
and a type filter narrows the events table; a global since that starts
after cat ended drops cat from the tree and the timeline (which opens on the
range), and clearing it brings cat back. Screenshots: the test's tmp dir. Also: the assets are exactly the embedded files (no file system)."""
import datetime
import json
import os
import shutil
import subprocess
import time
import urllib.parse

import pytest

from conftest import PROCTOR, ROOT, require, run
from test_serve import Server, raw_get


def browser_problem():
    if not shutil.which("chromium"):
        return "no chromium (scripts/install-deps.sh installs it)"
    if not os.path.isdir(os.path.join(ROOT, "web/node_modules/playwright-core")):
        return "no web/node_modules (make runs npm ci)"
    return None


def test_ui_in_a_real_browser(proctor, tmp_path):
    require(browser_problem())
    p = proctor.run(["/bin/sh", "-c", "cat /etc/hostname > /dev/null; ls / > /dev/null"],
                    "--project", "shop")
    assert p.returncode == 0, p.stderr
    p = proctor.run(["/bin/true"], "--project", "bank")
    assert p.returncode == 0, p.stderr
    shop, bank = [s for s in proctor.sessions()]
    events = proctor.events(shop["session"])
    procs = [e for e in events if e["type"].startswith("process.")]
    tok = proctor.cli("token", "create", "--all-projects", "--read", check=True).stdout.strip()
    srv = Server(proctor.db)
    try:
        tree = srv.json(f"/api/v1/sessions/{shop['session']}/tree", tok)["processes"]
        cat, ls = ([p for p in tree if p["comm"] == c][0] for c in ("cat", "ls"))
        assert cat["end"] < ls["start"]  # sh waits for cat before it forks ls
        r = run(["node", os.path.join(ROOT, "tests/browser/ui.cjs"), f"http://127.0.0.1:{srv.port}/",
                 tok, shop["session"], bank["session"], str(tmp_path), ls["start"]], timeout=180)
    finally:
        srv.stop()
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["badLogin"] == "That token is not valid."
    assert seen["before"] == [shop["session"], bank["session"]]
    assert seen["afterProject"] == [shop["session"]]
    assert seen["sessionOptions"] == ["", shop["session"]]
    assert seen["summarySession"] == shop["session"]
    assert sorted(seen["comms"]) == sorted(["sh", "cat", "ls"])
    assert seen["timelineLanes"] == 3
    assert seen["loaded"] == len(events) == shop["events"]
    assert 0 < seen["rendered"] < seen["loaded"]  # virtualised: only the rows in view
    assert seen["filteredLoaded"] == len(procs)
    assert seen["filteredTypes"] and all(t.startswith("process.") for t in seen["filteredTypes"])
    assert "project=shop" in seen["url"] and "type=process." in seen["url"]
    assert f"session={shop['session']}" in seen["url"]
    assert (seen["sharedType"], seen["sharedProject"]) == ("process.", "shop")
    def ms(rfc3339):  # as Date.parse reads it: whole milliseconds
        return int(datetime.datetime.fromisoformat(rfc3339[:23]).replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
    since_ms = ms(ls["start"])
    assert seen["ranged"] == {"comms": ["sh", "ls"], "lanes": 2, "lo": since_ms}
    assert "since=" + urllib.parse.quote(ls["start"], safe="") in seen["rangeUrl"]
    assert sorted(seen["unranged"]["comms"]) == sorted(["sh", "cat", "ls"])
    assert seen["unranged"]["lanes"] == 3 and seen["unranged"]["lo"] == ms(tree[0]["start"])
    assert "since=" not in seen["unrangedUrl"]
    for shot in ("1-sessions.png", "2-session.png", "3-filtered.png", "4-range.png",
                 "5-unranged.png"):
        assert (tmp_path / shot).stat().st_size > 10000


def test_assets_are_the_embedded_files_only(proctor):
    proctor.run(["/bin/true"], check=True)
    srv = Server(proctor.db)
    try:
        st, body, r = srv.get("/")
        assert st == 200 and r.getheader("Content-Type") == "text/html; charset=utf-8"
        assert b'<div id="app"></div>' in body
        assert "default-src 'self'" in r.getheader("Content-Security-Policy")
        scripts = [l.split('src="')[1].split('"')[0] for l in body.decode().splitlines()
                   if "<script" in l]
        assert len(scripts) == 1 and scripts[0].startswith("/assets/index-")
        st, js, r = srv.get(scripts[0])
        assert st == 200 and r.getheader("Content-Type") == "text/javascript; charset=utf-8"
        assert b"http://" not in js and b"https://" not in js  # no CDN, nothing fetched off-host
        for path in ("/index.html/", "/assets/", "/assets/../index.html", "/src/main.ts",
                     "/web/package.json", "/../../etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd"):
            data = raw_get(srv.port, path)
            assert data.startswith(b"HTTP/1.1 404"), (path, data[:100])
            assert b"root:" not in data
    finally:
        srv.stop()


def test_session_status_follows_a_live_session(proctor, tmp_path):
    """The list and the picker say live / ended with the exit code, and a
    live session turns ended in the open page when it ends (no reload)."""
    require(browser_problem())
    p = proctor.run(["/bin/sh", "-c", "exit 3"], "--project", "shop")
    assert p.returncode == 3, p.stderr
    gate = tmp_path / "gate"
    runner = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--project", "shop", "--",
                               "/bin/sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.05; done"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    srv = None
    try:
        for _ in range(300):
            if len(proctor.sessions()) == 2:
                break
            time.sleep(0.1)
        ended, live = [s["session"] for s in proctor.sessions()]
        tok = proctor.cli("token", "create", "--project", "shop", "--read",
                          check=True).stdout.strip()
        srv = Server(proctor.db)
        r = run(["node", os.path.join(ROOT, "tests/browser/live.cjs"),
                 f"http://127.0.0.1:{srv.port}/", tok, live, ended, str(gate), str(tmp_path)],
                timeout=180)
    finally:
        gate.write_text("")
        runner.wait(timeout=60)
        if srv:
            srv.stop()
    assert r.returncode == 0, r.stderr
    assert runner.returncode == 0
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["before"] == {"live": "live", "liveText": "live", "endedText": "ended, exit 3",
                              "options": ["none", f"{ended} (ended, exit 3)", f"{live} (live)"]}
    assert seen["after"] == {"live": "ended", "liveText": "ended, exit 0",
                             "endedText": "ended, exit 3",
                             "options": ["none", f"{ended} (ended, exit 3)",
                                         f"{live} (ended, exit 0)"]}
    for shot in ("live-1.png", "live-2.png"):
        assert (tmp_path / shot).stat().st_size > 10000

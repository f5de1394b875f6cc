"""test_agent_claude_tls.py: the real Claude Code (a stripped Bun binary with
BoringSSL built in) over HTTPS to the scripted API (tests/e2e/agents/,
--https: a test CA made in the test's directory), under proctor. Its
BoringSSL SSL_read/SSL_write are hooked at exec for the agent's process
alone (docs/EVENTS-llm.md "llm.capture"), so every model call the API
answered is an llm.call with the exact id, model, token counts and tool_use
ids it sent; the Bash tool call is an llm.tool_call linked to the processes
it ran; and the distinctive API key is nowhere in the store's bytes.
Also: without a signature for the binary, the locator's scan hooks it late
(the delay shown, the misses counted) and caches the offsets by build id,
so the next run hooks at exec."""
import json
import os
import pwd
import re
import socket
import sqlite3
import subprocess
import time
import uuid

import pytest

from conftest import PROCTOR, ROOT, execs, of_type, run

HARNESS = os.path.join(ROOT, "tests", "e2e", "agents", "claude_harness.sh")
SIGS = os.path.join(ROOT, "data", "tls-signatures")
TOOL_CMD = "sh -c 'cat /etc/hostname | wc -c'"


def claude_https(proctor, tmp_path, env_extra, name):
    """One harness run over HTTPS under proctor; (harness dir, API key, proctor's stderr)."""
    hdir = tmp_path / name
    hdir.mkdir()
    key = "sk-ant-proctor-test-" + uuid.uuid4().hex
    env = dict(os.environ, PROCTOR_HARNESS_DIR=str(hdir), PROCTOR_HARNESS_API_KEY=key,
               **env_extra)
    wrap = (f"{PROCTOR} run --db {proctor.db} --user proctor-agent --agent claude "
            f"--project shop --grace 2s --")
    p = run([HARNESS, "--https", "--wrap", wrap, "--", TOOL_CMD], timeout=400, env=env)
    if p.returncode == 77 and os.environ.get("CI") != "true":
        pytest.skip("Claude Code could not be installed from npm here")
    assert p.returncode == 0, f"harness failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return hdir, key, (hdir / "claude.err").read_text()


def sent_messages(hdir):
    """What the scripted API answered: one entry per message it sent."""
    out = []
    for line in (hdir / "server.log").read_text().splitlines():
        e = json.loads(line)
        if e.get("sent"):
            out.append(e)
    assert out, "the fake API sent no message"
    return out


def store_bytes(db):
    raw = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            raw += open(db + suffix, "rb").read()
        except OSError:
            pass
    return raw


def claude_exec(ev):
    claude = [e for e in execs(ev) if re.search(r"claude", e["process.executable.path"])]
    assert claude, "the agent's own exec was not recorded"
    return claude[0]


def test_claude_code_https_llm_calls(proctor, tmp_path):
    hdir, key, summary = claude_https(proctor, tmp_path, {"PROCTOR_TLS_CACHE": "none"}, "h")
    ev = proctor.events()
    agent = claude_exec(ev)
    sent = sent_messages(hdir)

    # Every message the API sent is one llm.call, exact, from the agent's process.
    calls = of_type(ev, "llm.call")
    by_id = {c.get("gen_ai.response.id"): c for c in calls}
    assert sorted(by_id) == sorted(m["id"] for m in sent), (calls, sent)
    assert len(calls) == len(sent)
    for m in sent:
        c = by_id[m["id"]]
        assert c["process.pid"] == agent["process.pid"]
        assert c["tls.library"] == "boringssl"
        assert c["gen_ai.provider.name"] == "anthropic"
        assert c["gen_ai.request.model"] == m["model"]
        assert c["gen_ai.response.model"] == m["model"]
        assert c["gen_ai.request.stream"] is m["stream"]
        u = m["usage"]
        assert c["gen_ai.usage.input_tokens"] == u["input_tokens"]
        assert c["gen_ai.usage.output_tokens"] == u["output_tokens"]
        assert c["gen_ai.usage.cache_read.input_tokens"] == u["cache_read_input_tokens"]
        assert c["gen_ai.usage.cache_creation.input_tokens"] == u["cache_creation_input_tokens"]
        assert c["gen_ai.response.finish_reasons"] == [m["stop_reason"]]
        assert c["llm.tool_calls"] == m["tool_use_ids"]
        assert c["url.path"] == "/v1/messages"
        assert c["server.address"] == "127.0.0.1"
        assert c["http.response.status_code"] == 200
        assert c["llm.complete"] is True

    # The one Bash tool_use: an llm.tool_call, linked to the processes it ran.
    tool_ids = [t for m in sent for t in m["tool_use_ids"]]
    assert len(tool_ids) == 1
    tcs = of_type(ev, "llm.tool_call")
    assert [t["gen_ai.tool.call.id"] for t in tcs] == tool_ids
    assert tcs[0]["gen_ai.tool.name"] == "Bash"
    assert tcs[0]["llm.tool.command"] == TOOL_CMD
    sh = [e for e in execs(ev) if e["process.command_args"] == ["sh", "-c", "cat /etc/hostname | wc -c"]]
    cat = [e for e in execs(ev, "cat") if e["process.command_args"] == ["cat", "/etc/hostname"]]
    wc = [e for e in execs(ev, "wc") if e["process.command_args"] == ["wc", "-c"]]
    assert len(sh) == 1 and len(cat) == 1 and len(wc) == 1
    for e in (sh[0], cat[0], wc[0]):
        assert e.get("gen_ai.tool.call.id") == tool_ids[0], e["process.command_line"]
    assert agent.get("gen_ai.tool.call.id") is None
    # its command declared what it did: the real agent's wrapper (the shell snapshot it
    # sources, the eval, the cwd file it writes in /tmp) gives no intent.mismatch
    assert of_type(ev, "intent.mismatch") == [], of_type(ev, "intent.mismatch")

    # Hooked at exec from the shipped signature, in the agent's process only.
    caps = of_type(ev, "llm.capture")
    assert [c["llm.capture.hooked"] for c in caps] == [True], caps
    cap = caps[0]
    assert cap["tls.library"] == "boringssl"
    assert cap["tls.hooks"] == 1 and cap["tls.hooks.missed"] == 0
    assert 0 < cap["tls.hook.max_delay_us"] < 5_000_000
    assert cap["tls.bytes_captured"] > 0 and cap["tls.bytes_cut"] == 0
    assert "located by scanning" not in summary
    assert "request was sent before the hook landed" not in summary
    print(f"tls.hook.max_delay_us={cap['tls.hook.max_delay_us']}")

    # The API key: nowhere in the store, in any form the file holds.
    raw = store_bytes(proctor.db)
    assert key.encode() not in raw
    dump = "\n".join(sqlite3.connect(proctor.db).iterdump())
    assert key not in dump and "x-api-key" not in dump.lower()


def test_claude_code_unknown_build_scanned_and_cached(proctor, tmp_path):
    """No signature for the binary: the locator scans it on a thread; the
    agent is hooked when it ends if it still runs (its delay recorded, what
    came before counted), else its miss is counted: the cold run races the
    scan by design (docs/EVENTS-llm.md), so either outcome, never silence.
    The offsets are cached by build id, the same as the shipped entry's; the
    next run hooks from the cache at exec and records every call."""
    empty = tmp_path / "no-signatures"
    empty.write_text("proctor-tls-signatures 1\n")
    cache = tmp_path / "cache"
    env = {"PROCTOR_TLS_SIGNATURES": str(empty), "PROCTOR_TLS_CACHE": str(cache)}
    hdir, key, summary = claude_https(proctor, tmp_path, env, "cold")
    assert re.search(r"1 Bun executables with no usable TLS signature, located by scanning "
                     r"\(longest \d+ ms", summary), summary
    ev = proctor.events()
    caps = of_type(ev, "llm.capture")
    assert len(caps) == 1, caps
    if caps[0]["llm.capture.hooked"]:
        assert caps[0]["tls.library"] == "boringssl" and caps[0]["tls.hooks"] == 1, caps
    else:  # every agent process ended before the scan did: counted
        assert caps[0]["tls.hooks"] == 0 and caps[0]["tls.hooks.missed"] >= 1, caps
    cold_delay = caps[0]["tls.hook.max_delay_us"]

    shipped = [l.split() for l in open(SIGS) if l.startswith("boringssl ")]
    cached = [l.split() for l in cache.read_text().splitlines() if l.startswith("boringssl ")]
    assert len(cached) == 1
    assert cached[0][:6] in [s[:6] for s in shipped], (cached, shipped)
    assert key.encode() not in store_bytes(proctor.db)

    # the next run: hooked from the cache at exec, every call recorded
    hdir, key, summary = claude_https(proctor, tmp_path, env, "warm")
    assert "located by scanning" not in summary
    ev = proctor.events(proctor.last_session()["session"])
    caps = of_type(ev, "llm.capture")
    assert [c["llm.capture.hooked"] for c in caps] == [True], caps
    sent = sent_messages(hdir)
    got = sorted(c["gen_ai.response.id"] for c in of_type(ev, "llm.call"))
    assert got == sorted(m["id"] for m in sent)
    print(f"cold tls.hook.max_delay_us={cold_delay} "
          f"cached tls.hook.max_delay_us={caps[0]['tls.hook.max_delay_us']}")


def test_claude_code_signature_that_does_not_fit_is_not_used(proctor, tmp_path):
    """An entry for the binary's build id whose bytes are not the file's (a
    patched binary, a wrong entry) places no uprobe from it: the summary
    says so and the locator decides (here: the right offsets, hooked)."""
    shipped = [l.split() for l in open(SIGS) if l.startswith("boringssl ")][0]
    wrong = shipped[:4] + ["00" * 16, shipped[5]]
    sigs = tmp_path / "wrong-signatures"
    sigs.write_text("proctor-tls-signatures 1\n" + " ".join(wrong) + "\n")
    env = {"PROCTOR_TLS_SIGNATURES": str(sigs), "PROCTOR_TLS_CACHE": "none"}
    hdir, key, summary = claude_https(proctor, tmp_path, env, "wrong")
    assert "its build id is in the TLS signatures, but the bytes at the offsets differ" \
        in summary, summary
    assert "1 Bun executables with no usable TLS signature, located by scanning" in summary
    caps = of_type(proctor.events(), "llm.capture")
    assert [c["llm.capture.hooked"] for c in caps] == [True], caps


def first_bytes(pid, exe, offs):
    """The byte at each file offset of exe in process pid's memory (None:
    not mapped there, or the process is gone)."""
    out = []
    try:
        maps = open(f"/proc/{pid}/maps").read().splitlines()
        with open(f"/proc/{pid}/mem", "rb") as mem:
            for off in offs:
                b = None
                for line in maps:
                    f = line.split()
                    if len(f) < 6 or f[5] != exe or "x" not in f[1]:
                        continue
                    lo, hi = (int(x, 16) for x in f[0].split("-"))
                    moff = int(f[2], 16)
                    if moff <= off < moff + (hi - lo):
                        mem.seek(lo + off - moff)
                        b = mem.read(1)[0]
                out.append(b)
    except OSError:
        return [None] * len(offs)
    return out


def test_only_the_tracked_claude_carries_breakpoints(proctor, tmp_path):
    """An untracked Claude Code (same inode) alive while the tracked one is
    hooked has no breakpoint at SSL_read/SSL_write; the tracked one has one
    at each (int3 in its copy of the page)."""
    sig = [l.split() for l in open(SIGS) if l.startswith("boringssl ")][0]
    offs = [int(sig[2], 16), int(sig[3], 16)]
    cache = os.environ.get("PROCTOR_TEST_CACHE", "/var/cache/proctor-test")
    exe = os.path.realpath(f"{cache}/claude/node_modules/.bin/claude")
    if not os.path.exists(exe):
        run([HARNESS, "--", "true"], timeout=400)  # installs it (or skips below)
    if not os.path.exists(exe):
        pytest.skip("Claude Code could not be installed from npm here")
    # untracked: waits for the answer of an API that accepts and never replies
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    peer = subprocess.Popen(
        [exe, "-p", "hello"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "ANTHROPIC_API_KEY": "x",
             "ANTHROPIC_BASE_URL": "http://127.0.0.1:%d" % silent.getsockname()[1],
             "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1",
             "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"})
    hdir = tmp_path / "h"
    hdir.mkdir()
    env = dict(os.environ, PROCTOR_HARNESS_DIR=str(hdir), PROCTOR_TLS_CACHE="none")
    wrap = f"{PROCTOR} run --db {proctor.db} --user proctor-agent --agent claude --grace 1s --"
    h = subprocess.Popen([HARNESS, "--https", "--wrap", wrap, "--", TOOL_CMD], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tracked = None
    try:
        deadline = time.time() + 300
        while h.poll() is None and time.time() < deadline and not tracked:
            uid = _uid("proctor-agent")  # the harness makes the user
            for pid in (p for p in os.listdir("/proc") if p.isdigit()):
                try:
                    if (os.readlink(f"/proc/{pid}/exe") != exe or
                            os.stat(f"/proc/{pid}").st_uid != uid):
                        continue
                except (OSError, TypeError):
                    continue
                b = first_bytes(pid, exe, offs)
                if b == [0xCC, 0xCC]:
                    tracked = (b, first_bytes(peer.pid, exe, offs))
            time.sleep(0.02)
        out = h.communicate(timeout=400)[0]
    finally:
        peer.kill()
        peer.wait()
        silent.close()
        if h.poll() is None:
            h.kill()
    if h.returncode == 77 and os.environ.get("CI") != "true":
        pytest.skip("Claude Code could not be installed from npm here")
    assert h.returncode == 0, out
    assert tracked, "no breakpoint ever seen in the tracked Claude Code"
    assert tracked[1] == [0x55, 0x55], tracked  # push %rbp: the untracked copy is untouched


def _uid(name):
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None

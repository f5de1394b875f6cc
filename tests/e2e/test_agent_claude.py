"""test_agent_claude.py: a real third-party agent harness under proctor. The
real Claude Code CLI (from npm) runs as an ordinary user against a local
scripted Anthropic API (tests/e2e/agents/), which makes it run one Bash tool
command. Every descendant of the agent -- the tool's shell and that shell's
children -- must be recorded, attributed, with correct lineage."""
import os
import pwd
import re

import pytest

from conftest import PROCTOR, ROOT, execs, of_type, run

HARNESS = os.path.join(ROOT, "tests", "e2e", "agents", "claude_harness.sh")
TOOL_CMD = "sh -c 'cat /etc/hostname | wc -c'"


def ancestors(pid, parent_of):
    seen = []
    while pid in parent_of and pid not in seen:
        seen.append(pid)
        pid = parent_of[pid]
    return seen + [pid]


def test_claude_code_bash_tool_subtree(proctor):
    wrap = (f"{PROCTOR} run --db {proctor.db} --user proctor-agent --agent claude "
            f"--project shop --grace 2s --")
    p = run([HARNESS, "--wrap", wrap, "--", TOOL_CMD], timeout=400)
    if p.returncode == 77 and os.environ.get("CI") != "true":
        pytest.skip("Claude Code could not be installed from npm here")
    assert p.returncode == 0, f"harness failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    ev = proctor.events()
    uid = pwd.getpwnam("proctor-agent").pw_uid

    claude = [e for e in execs(ev) if re.search(r"claude", e["process.executable.path"])]
    assert claude, "the agent's own exec was not recorded"
    agent_pid = claude[0]["process.pid"]

    # The Bash tool: bash -c "... eval 'sh -c ...' ..." -> sh -c '...' -> cat, wc
    sh = [e for e in execs(ev) if e["process.command_args"] == ["sh", "-c", "cat /etc/hostname | wc -c"]]
    assert len(sh) == 1, [e["process.command_line"] for e in execs(ev)]
    sh = sh[0]
    cat = [e for e in execs(ev, "cat") if e["process.command_args"] == ["cat", "/etc/hostname"]]
    wc = [e for e in execs(ev, "wc") if e["process.command_args"] == ["wc", "-c"]]
    assert len(cat) == 1 and len(wc) == 1
    assert cat[0]["process.parent_pid"] == sh["process.pid"]
    assert wc[0]["process.parent_pid"] == sh["process.pid"]
    tool_shell = [e for e in execs(ev) if e["process.pid"] == sh["process.parent_pid"]]
    assert tool_shell and "eval" in tool_shell[-1]["process.command_line"], \
        "the tool's bash was not recorded as sh's parent"

    # Lineage from every tool process back to the agent, through fork records.
    parent_of = {}
    for e in of_type(ev, "process.fork"):
        if not e["process.thread"]:
            parent_of[e["process.pid"]] = e["process.parent_pid"]
    for e in (sh, cat[0], wc[0]):
        assert agent_pid in ancestors(e["process.pid"], parent_of), \
            f"{e['process.command_line']} does not descend from the agent"

    # Attribution and identity on every event; nothing lost; exits recorded.
    assert all(e["agent"] == "claude" and e["project"] == "shop" for e in ev)
    assert all(e["process.user.id"] == uid for e in execs(ev))
    exits = {e["process.pid"] for e in of_type(ev, "process.exit")}
    assert {sh["process.pid"], cat[0]["process.pid"], wc[0]["process.pid"], agent_pid} <= exits
    ses = proctor.last_session()
    assert ses["drops"] == 0 and ses["exit.code"] == 0
    tree = proctor.cli("tree", check=True).stdout
    assert "sh -c 'cat /etc/hostname | wc -c'" in tree

    # Claude Code's TLS is BoringSSL built into a stripped Bun binary: hooked
    # at exec from the shipped signature (docs/EVENTS-llm.md); this run is
    # plain HTTP, so nothing went through it (test_agent_claude_tls.py).
    caps = of_type(ev, "llm.capture")
    assert [c["llm.capture.hooked"] for c in caps] == [True], caps
    assert caps[0]["tls.library"] == "boringssl" and caps[0]["tls.hooks"] == 1
    assert re.search(r"claude", caps[0]["tls.library.path"][0])
    assert caps[0]["tls.bytes_captured"] == 0

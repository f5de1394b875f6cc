"""test_policy_hook.py: `proctor hook claude-code` (docs/POLICY.md "Feedback to
the agent"), run as Claude Code runs a command hook: the hook's JSON on
stdin, from inside a `proctor run` session (it finds the session from its own
cgroup and the policy from the session's feed). A PreToolUse the policy denies
gets permissionDecision deny with the rule's reason; anything else gets no
decision; outside a session: a message, exit 0, no decision; malformed input
under an enforced policy: denied (fail closed)."""
import json
import os
import pathlib
import shlex
import shutil
import tempfile

import pytest

from conftest import PROCTOR, run


def policy(tmp_path, text):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    return str(f)


POLICY = """files:
  deny:
    - path: "{home}/.ssh/**"
      name: no-ssh
      reason: "SSH keys are off limits"
  write_only_under: ["{ws}/**"]
exec:
  deny:
    - argv: ["rm", "-rf", "/"]
      name: no-rm-root
      reason: "never delete the whole filesystem"
"""


def hook_in_session(proctor, tmp_path, f, inputs):
    """Run the hook once per input inside one session; its stdout per input."""
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    script = []
    for i, text in enumerate(inputs):
        (tmp_path / f"in{i}").write_text(text)
        script.append(f"{PROCTOR} hook claude-code < {tmp_path}/in{i} > {ws}/out{i} "
                      f"2> {ws}/err{i}; echo $? > {ws}/rc{i}")  # writable: the workspace
    p = proctor.run(["/bin/sh", "-c", "; ".join(script)], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    return [((ws / f"out{i}").read_text(), (ws / f"err{i}").read_text(),
             int((ws / f"rc{i}").read_text())) for i in range(len(inputs))]


def pre(tool, **tool_input):
    return json.dumps({"session_id": "s1", "hook_event_name": "PreToolUse", "cwd": "/",
                       "tool_name": tool, "tool_input": tool_input})


def decision(out):
    o = json.loads(out)["hookSpecificOutput"]
    assert o["hookEventName"] == "PreToolUse"
    return o["permissionDecision"], o["permissionDecisionReason"]


def test_pre_tool_use_denies_with_the_rules_reason(proctor, tmp_path):
    home, ws = tmp_path / "home", tmp_path / "ws"
    f = policy(tmp_path, POLICY.format(home=home, ws=ws))
    res = hook_in_session(proctor, tmp_path, f, [
        pre("Bash", command="ls && rm -rf / ; echo done"),
        pre("Bash", command=f"echo key > {home}/.ssh/id_rsa"),
        pre("Write", file_path=f"{home}/.ssh/config", content="x"),
        pre("Edit", file_path="/etc/hosts", old_string="a", new_string="b"),
        pre("Read", file_path=f"{home}/.ssh/id_rsa"),
        pre("Bash", command=f"echo ok > {ws}/a; rm -rf {ws}/build"),
        pre("Write", file_path=f"{ws}/src/main.c", content="x"),
        json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash",
                    "tool_input": {"command": "rm -rf /"}}),
    ])
    assert all(rc == 0 for _, _, rc in res), res
    assert decision(res[0][0]) == ("deny", "proctor policy rule 'no-rm-root': never delete the "
                                   "whole filesystem (exec rm -rf /)")
    assert decision(res[1][0]) == ("deny", "proctor policy rule 'no-ssh': SSH keys are off "
                                   f"limits (write {home}/.ssh/id_rsa)")
    assert decision(res[2][0])[1].startswith("proctor policy rule 'no-ssh'")
    assert decision(res[3][0]) == ("deny", "proctor policy rule 'files.write_only_under': "
                                   f"writes outside {ws}/** are denied (write /etc/hosts)")
    assert decision(res[4][0])[1].startswith("proctor policy rule 'no-ssh'")
    assert [out for out, _, _ in res[5:]] == ["", "", ""]


def test_outside_a_session_no_decision(tmp_path):
    p = run([PROCTOR, "hook", "claude-code"], input=pre("Bash", command="rm -rf /"))
    assert (p.returncode, p.stdout) == (0, "")
    assert p.stderr == "proctor hook: not inside a proctor session: no decision\n"


def test_malformed_input_fails_closed_under_enforce(proctor, tmp_path):
    home, ws = tmp_path / "home", tmp_path / "ws"
    f = policy(tmp_path, POLICY.format(home=home, ws=ws))
    res = hook_in_session(proctor, tmp_path, f, [
        "{not json", json.dumps({"tool_name": "Bash"}), pre("Bash", command="echo 'unterminated"),
    ])
    for out, err, rc in res:
        assert rc == 0
        assert decision(out)[0] == "deny"
        assert "fail closed" in decision(out)[1]
    assert res[0][1].startswith("proctor hook: malformed hook input: ")
    assert res[2][1] == ("proctor hook: cannot judge this tool call: the command has an "
                         "unterminated quote\n")


def test_malformed_input_under_audit_gets_no_decision(proctor, tmp_path):
    f = policy(tmp_path, "files:\n  mode: audit\n  deny:\n    - path: /etc/shadow\n")
    res = hook_in_session(proctor, tmp_path, f, ["{not json"])
    assert res[0][0] == "" and res[0][2] == 0


def test_usage(tmp_path):
    for args in (["vim"], [], ["claude-code", "x"]):
        p = run([PROCTOR, "hook", *args])
        assert p.returncode == 2 and "usage: proctor hook claude-code|codex" in p.stderr, args


# ---- PostToolUse: the kernel's violations during the tool call ----------------

POST_POLICY = """files:
  deny:
    - path: "{secret}/**"
      name: no-secret
      reason: "the secret directory is off limits"
exec:
  deny:
    - argv: ["touch", "forbidden"]
      name: no-forbidden
      reason: "never create the forbidden file"
"""


def post():
    return json.dumps({"session_id": "s1", "hook_event_name": "PostToolUse", "cwd": "/",
                       "tool_name": "Bash", "tool_input": {"command": "x"},
                       "tool_response": {"stdout": ""}})


def feed_session(tmp_path, text, tool_steps, opts=(), proctor=None, mode=0o700):
    """One session: per step, a PreToolUse hook, the step's shell command (the
    tool), a PostToolUse hook. Returns the Post hooks' (stdout, stderr) and
    the session's policy.violation records."""
    d = tmp_path / "s"
    d.mkdir(mode=0o755)
    (d / "pre").write_text(pre("Bash", command="x"))
    (d / "post").write_text(post())
    script = []
    for i, cmd in enumerate(tool_steps):
        script.append(f"{PROCTOR} hook claude-code < {d}/pre > /dev/null 2>&1; {cmd}; "
                      f"{PROCTOR} hook claude-code < {d}/post > {d}/out{i} 2> {d}/err{i}")
    os.chmod(d, 0o777)
    f = d / "p.yaml"
    f.write_text(text)
    os.chmod(f, 0o644)
    p = proctor.run(["/bin/sh", "-c", "; ".join(script)], "--policy", str(f), *opts, cwd=d)
    assert p.returncode == 0, p.stderr
    outs = [((d / f"out{i}").read_text(), (d / f"err{i}").read_text())
            for i in range(len(tool_steps))]
    vs = [e for e in proctor.events() if e["type"] == "policy.violation"]
    return outs, vs


def context(out):
    o = json.loads(out)["hookSpecificOutput"]
    assert o["hookEventName"] == "PostToolUse" and set(o) == {"hookEventName",
                                                              "additionalContext"}
    return o["additionalContext"]


def test_post_tool_use_reports_the_tool_calls_violations(proctor, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key").write_text("k\n")
    outs, vs = feed_session(tmp_path, POST_POLICY.format(secret=secret), [
        f"cat {secret}/key",                       # fanotify refuses the open
        "true",                                     # nothing
        "touch forbidden; touch ok",                # exec_kill kills the first touch
    ], proctor=proctor)
    assert len(vs) == 2, vs
    fan, kill = vs
    assert (fan["policy.rule"], fan["policy.verdict"], fan["file.path"]) == \
        ("no-secret", "blocked", f"{secret}/key")
    assert (kill["policy.rule"], kill["policy.verdict"]) == ("no-forbidden", "blocked")
    assert context(outs[0][0]) == (
        "proctor: 1 policy violation during this tool call:\n- rule 'no-secret' (blocked by fanotify): the secret directory is "
        f"off limits; attempted: open {secret}/key by cat (pid {fan['process.pid']})")
    assert outs[1] == ("", "")
    assert context(outs[2][0]) == (
        "proctor: 1 policy violation during this tool call:\n- rule 'no-forbidden' (blocked by exec_kill): never create the "
        f"forbidden file; attempted: exec touch forbidden (pid {kill['process.pid']})")
    assert not (tmp_path / "s" / "forbidden").exists() and (tmp_path / "s" / "ok").exists()
    assert [err for _, err in outs] == ["", "", ""]


@pytest.fixture
def open_dir():
    """A directory under /tmp the agent's user can reach (pytest's is 0700)."""
    d = tempfile.mkdtemp(prefix="proctor-hook-")
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def test_post_tool_use_as_the_agents_user(proctor, open_dir):
    """The hook runs as the agent's user: it reads the session's feed (root's
    file, readable by the user's group), never the store."""
    from conftest import AGENT_USER
    tmp_path = open_dir
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o755)
    (secret / "key").write_text("k\n")
    os.chmod(secret / "key", 0o644)
    outs, vs = feed_session(tmp_path, POST_POLICY.format(secret=secret),
                            [f"cat {secret}/key"], opts=("--user", AGENT_USER),
                            proctor=proctor)
    assert len(vs) == 1
    assert context(outs[0][0]).endswith(f"attempted: open {secret}/key by cat "
                                        f"(pid {vs[0]['process.pid']})")


def test_post_tool_use_without_a_policy(proctor, tmp_path):
    (tmp_path / "post").write_text(post())
    p = proctor.run(["/bin/sh", "-c", f"{PROCTOR} hook claude-code < {tmp_path}/post"])
    assert p.returncode == 0
    assert p.stdout == ""
    assert "proctor hook: session " in p.stderr and " has no policy: no decision\n" in p.stderr


def test_the_feed_is_removed_at_the_sessions_end(proctor, tmp_path):
    f = policy(tmp_path, "files:\n  deny:\n    - path: /etc/shadow\n")
    p = proctor.run(["/bin/sh", "-c", "head -1 /run/proctor-feedback/$(sed -n "
                     "'s|.*/proctor/\\([^/]*\\).*|\\1|p' /proc/self/cgroup | head -1).jsonl"],
                    "--policy", f)
    assert p.returncode == 0, p.stderr
    ses = proctor.last_session()["session"]
    assert json.loads(p.stdout) == {"feed": 1, "session": ses, "policy": f,
                                    "workspace": os.getcwd()}
    assert not os.path.exists(f"/run/proctor-feedback/{ses}.jsonl")


# ---- Codex: the same protocol; apply_patch is a write of every file it names ----

def test_codex_pre_tool_use(proctor, tmp_path):
    home, ws = tmp_path / "home", tmp_path / "ws"
    f = policy(tmp_path, POLICY.format(home=home, ws=ws))
    patch = ("*** Begin Patch\n*** Update File: src/a.c\n@@\n-x\n+y\n"
             f"*** Add File: {home}/.ssh/authorized_keys\n+ssh-ed25519 AAAA\n*** End Patch\n")
    ok_patch = "*** Begin Patch\n*** Add File: src/new.c\n+int x;\n*** End Patch\n"
    ws.mkdir()
    inputs = [pre("Bash", command="rm -rf /"),
              json.dumps({"hook_event_name": "PreToolUse", "cwd": str(ws),
                          "tool_name": "apply_patch", "tool_input": {"command": patch}}),
              json.dumps({"hook_event_name": "PreToolUse", "cwd": str(ws),
                          "tool_name": "apply_patch", "tool_input": {"command": ok_patch}}),
              json.dumps({"hook_event_name": "PreToolUse", "cwd": str(ws),
                          "tool_name": "apply_patch", "tool_input": {"command": "hello"}})]
    script = []
    for i, text in enumerate(inputs):
        (tmp_path / f"c{i}").write_text(text)
        script.append(f"{PROCTOR} hook codex < {tmp_path}/c{i} > {ws}/out{i} 2> {ws}/err{i}")
    p = proctor.run(["/bin/sh", "-c", "; ".join(script)], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    out = [(ws / f"out{i}").read_text() for i in range(len(inputs))]
    assert decision(out[0]) == ("deny", "proctor policy rule 'no-rm-root': never delete the "
                                "whole filesystem (exec rm -rf /)")
    assert decision(out[1]) == ("deny", "proctor policy rule 'no-ssh': SSH keys are off "
                                f"limits (write {home}/.ssh/authorized_keys)")
    assert out[2] == ""
    assert decision(out[3]) == ("deny", "proctor: this tool call cannot be checked against the "
                                "policy; denied (fail closed)")
    assert (ws / "err3").read_text() == ('proctor hook: cannot judge this tool call: the patch '
                                        'names no file (no "*** Add/Update/Delete File:")\n')


def test_the_agent_cannot_swap_the_policy(proctor, tmp_path):
    """The policy comes from the session's feed (root's), not from the
    environment the agent controls."""
    home, ws = tmp_path / "home", tmp_path / "ws"
    f = policy(tmp_path, POLICY.format(home=home, ws=ws))
    lax = tmp_path / "lax.yaml"
    lax.write_text("files:\n  mode: audit\n  deny:\n    - path: /nothing\n")
    ws.mkdir()
    (tmp_path / "in").write_text(pre("Bash", command="rm -rf /"))
    p = proctor.run(["/bin/sh", "-c", f"PROCTOR_POLICY={lax} {PROCTOR} hook claude-code "
                     f"< {tmp_path}/in > {ws}/out"], "--policy", f, cwd=ws)
    assert p.returncode == 0, p.stderr
    assert decision((ws / "out").read_text())[1].startswith("proctor policy rule 'no-rm-root'")

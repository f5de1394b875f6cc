"""test_policy_hook.py: `proctor hook claude-code` (docs/POLICY.md "Feedback to
the agent"), run as Claude Code runs a command hook: the hook's JSON on
stdin, from inside a `proctor run` session (it finds the session from its own
cgroup and the policy from $PROCTOR_POLICY). A PreToolUse the policy denies
gets permissionDecision deny with the rule's reason; anything else gets no
decision; outside a session: a message, exit 0, no decision; malformed input
under an enforced policy: denied (fail closed)."""
import json
import shlex

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
    p = run([PROCTOR, "hook", "codex"])
    assert p.returncode == 2 and "usage: proctor hook claude-code" in p.stderr

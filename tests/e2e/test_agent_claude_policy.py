"""test_agent_claude_policy.py: the real Claude Code (from npm, against the
scripted API in tests/e2e/agents/) under `proctor run --policy`, with
proctor's hooks installed by `proctor hook install claude-code`. Its Bash tool
runs a command the static PreToolUse check cannot see into (a plain `cat` of
a denied file): the kernel refuses the open (fanotify), the secret never
reaches the model, and the rule's reason reaches Claude Code's next request
to the API through the PostToolUseFailure hook."""
import json
import os
import pwd
import shutil
import tempfile

import pytest

from conftest import PROCTOR, ROOT, run

HARNESS = os.path.join(ROOT, "tests", "e2e", "agents", "claude_harness.sh")
# Its own user: the hooks installed into its settings never reach another
# test's (or another engineer's) Claude Code runs as proctor-agent.
HOOK_USER = "proctor-hookagent"
SECRET = "TOPSECRET-deploy-key-4711"
REASON = "the deploy key is off limits; ask the operator instead"


def requests(dump):
    """The JSON bodies of the /v1/messages requests in the harness's dump."""
    out = []
    for chunk in open(dump).read().split("==== ")[1:]:
        head, _, rest = chunk.partition("\n")
        if not head.startswith("POST /v1/messages"):
            continue
        body = rest.partition("\n")[2].strip()
        try:
            out.append(json.loads(body))
        except ValueError:
            pass
    return out


@pytest.fixture
def hook_user():
    if run(["id", "-u", HOOK_USER]).returncode != 0:
        run(["useradd", "-m", "-s", "/bin/bash", HOOK_USER], check=True)
    home = pwd.getpwnam(HOOK_USER).pw_dir
    p = run(["runuser", "-u", HOOK_USER, "--", "env", f"HOME={home}", PROCTOR, "hook",
             "install", "claude-code"], check=True)
    assert p.stdout.startswith(f"proctor hook: {home}/.claude/settings.json: ")
    yield home
    run(["runuser", "-u", HOOK_USER, "--", "env", f"HOME={home}", PROCTOR, "hook",
         "uninstall", "claude-code"], check=True)


def test_claude_code_is_told_why_the_kernel_blocked_its_tool(proctor, hook_user):
    d = tempfile.mkdtemp(prefix="proctor-agent-policy-")
    try:
        os.chmod(d, 0o755)
        key = os.path.join(d, "deploy_key")
        with open(key, "w") as f:
            f.write(SECRET + "\n")
        os.chmod(key, 0o644)  # the user could read it: only the policy stops it
        pol = os.path.join(d, "p.yaml")
        with open(pol, "w") as f:
            f.write(f'files:\n  deny:\n    - path: "{key}"\n      name: no-keys\n'
                    f'      reason: "{REASON}"\n')
        os.chmod(pol, 0o644)
        hdir = os.path.join(d, "harness")
        wrap = (f"{PROCTOR} run --db {proctor.db} --policy {pol} --user {HOOK_USER} "
                f"--agent claude --grace 2s --")
        env = dict(os.environ, PROCTOR_HARNESS_DIR=hdir, PROCTOR_HARNESS_DUMP="1")
        p = run([HARNESS, "--user", HOOK_USER, "--wrap", wrap, "--", f"cat {key}"],
                timeout=400, env=env)
        if p.returncode == 77 and os.environ.get("CI") != "true":
            pytest.skip("Claude Code could not be installed from npm here")
        assert p.returncode == 0, f"harness failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"

        # The kernel blocked it: one violation, the file unread and unchanged.
        vs = [e for e in proctor.events() if e["type"] == "policy.violation"]
        assert [(v["policy.rule"], v["policy.verdict"], v["policy.mechanism"], v["file.path"],
                 v["process.executable.path"]) for v in vs] == \
            [("no-keys", "blocked", "fanotify", key, "/usr/bin/cat")], vs
        assert open(key).read() == SECRET + "\n"

        # The next request after the tool call carries the tool's failure and,
        # right after it, the hook's context with the rule and its reason.
        reqs = requests(os.path.join(hdir, "bodies.txt"))
        assert not any(SECRET in json.dumps(r) for r in reqs), "the secret reached the model"
        with_result = [r for r in reqs if any(
            isinstance(m.get("content"), list) and
            any(b.get("type") == "tool_result" for b in m["content"] if isinstance(b, dict))
            for m in r.get("messages", []))]
        assert with_result, "no request carried the tool_result"
        msgs = with_result[0]["messages"]
        i = next(i for i, m in enumerate(msgs) if isinstance(m.get("content"), list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"]))
        result = [b for b in msgs[i]["content"] if b.get("type") == "tool_result"][0]
        assert result["is_error"] is True
        assert result["content"] == f"Exit code 1\ncat: {key}: Operation not permitted"
        later = json.dumps(msgs[i + 1:])
        want = ("proctor: 1 policy violation during this tool call:"
                f"\\n- rule 'no-keys' (blocked by fanotify): {REASON}; "
                f"attempted: open {key} by cat (pid {vs[0]['process.pid']})")
        assert want in later, later[:2000]
    finally:
        shutil.rmtree(d, ignore_errors=True)

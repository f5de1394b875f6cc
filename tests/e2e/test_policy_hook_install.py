"""test_policy_hook_install.py: `proctor hook install|uninstall claude-code
[--managed]` (docs/POLICY.md "Feedback to the agent"): the exact settings file
it writes, idempotence, other settings and hooks kept, bad files refused
untouched."""
import json
import os

from conftest import PROCTOR, run

CMD = f"{PROCTOR} hook claude-code"


def ours():
    return {"matcher": "*", "hooks": [{"type": "command", "command": CMD}]}


def hook(*args, home, env=None):
    e = {"PATH": os.environ["PATH"], "HOME": str(home), **(env or {})}
    return run([PROCTOR, "hook", *args], env=e)


def test_install_into_empty_user_settings(tmp_path):
    p = hook("install", "claude-code", home=tmp_path)
    f = tmp_path / ".claude" / "settings.json"
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout == f"proctor hook: {f}: PreToolUse, PostToolUse and PostToolUseFailure run {CMD}\n"
    assert f.read_text() == json.dumps(
        {"hooks": {"PreToolUse": [ours()], "PostToolUse": [ours()],
                   "PostToolUseFailure": [ours()]}}, indent=2) + "\n"
    assert oct(f.stat().st_mode & 0o777) == "0o600"
    before = f.read_text()
    assert hook("install", "claude-code", home=tmp_path).returncode == 0
    assert f.read_text() == before  # idempotent


def test_install_keeps_other_settings_and_uninstall_restores_them(tmp_path):
    f = tmp_path / ".claude" / "settings.json"
    f.parent.mkdir()
    other = {"type": "command", "command": "/usr/local/bin/lint"}
    orig = {"model": "opus", "permissions": {"allow": ["Bash(ls:*)"]},
            "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [other]}],
                      "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}}
    f.write_text(json.dumps(orig))
    os.chmod(f, 0o644)
    assert hook("install", "claude-code", home=tmp_path).returncode == 0
    want = json.loads(json.dumps(orig))
    want["hooks"]["PreToolUse"].append(ours())
    want["hooks"]["PostToolUse"] = [ours()]
    want["hooks"]["PostToolUseFailure"] = [ours()]
    assert f.read_text() == json.dumps(want, indent=2) + "\n"
    assert oct(f.stat().st_mode & 0o777) == "0o644"  # the file's mode is kept
    # an older install (another proctor path) is replaced, not duplicated
    old = json.loads(f.read_text())
    old["hooks"]["PostToolUse"][0]["hooks"][0]["command"] = "/opt/old/proctor hook claude-code"
    f.write_text(json.dumps(old))
    assert hook("install", "claude-code", home=tmp_path).returncode == 0
    assert f.read_text() == json.dumps(want, indent=2) + "\n"
    p = hook("uninstall", "claude-code", home=tmp_path)
    assert (p.returncode, p.stdout) == (0, f"proctor hook: {f}: no proctor hooks\n")
    assert f.read_text() == json.dumps(orig, indent=2) + "\n"
    assert hook("uninstall", "claude-code", home=tmp_path).returncode == 0
    assert f.read_text() == json.dumps(orig, indent=2) + "\n"


def test_managed_settings(tmp_path):
    f = tmp_path / "etc" / "claude-code" / "managed-settings.json"
    env = {"PROCTOR_CLAUDE_MANAGED_SETTINGS": str(f)}
    p = hook("install", "claude-code", "--managed", home=tmp_path / "nohome", env=env)
    assert p.returncode == 0, p.stderr
    assert f.read_text() == json.dumps(
        {"hooks": {"PreToolUse": [ours()], "PostToolUse": [ours()],
                   "PostToolUseFailure": [ours()]}}, indent=2) + "\n"
    assert oct(f.stat().st_mode & 0o777) == "0o644"  # Claude Code reads it as the user
    assert not (tmp_path / "nohome").exists()
    assert hook("uninstall", "claude-code", "--managed", home=tmp_path, env=env).returncode == 0
    assert f.read_text() == "{}\n"


def test_bad_settings_are_refused_untouched(tmp_path):
    f = tmp_path / ".claude" / "settings.json"
    f.parent.mkdir()
    for text, why in [('{"a": 1,', "end of file expected"),
                      ("[1]", "not a JSON object"),
                      ('{"a": 1, "a": 2}', "duplicate object key"),
                      ('{"hooks": []}', '"hooks" is not an object'),
                      ('{"hooks": {"PostToolUse": {}}}', '"hooks.PostToolUse" is not an array')]:
        f.write_text(text)
        p = hook("install", "claude-code", home=tmp_path)
        assert p.returncode == 2, (text, p.stderr)
        assert p.stderr.startswith(f"proctor hook: {f}") and "the file is left as it is" in p.stderr
        assert f.read_text() == text
    assert os.listdir(f.parent) == ["settings.json"]  # no temporary file left


def test_codex_hooks_json(tmp_path):
    f = tmp_path / ".codex" / "hooks.json"
    cmd = f"{PROCTOR} hook codex"
    p = hook("install", "codex", home=tmp_path)
    assert (p.returncode, p.stdout) == (0, f"proctor hook: {f}: PreToolUse and PostToolUse "
                                        f"run {cmd}\n")
    group = {"matcher": "Bash|apply_patch", "hooks": [{"type": "command", "command": cmd}]}
    assert f.read_text() == json.dumps({"hooks": {"PreToolUse": [group],
                                                  "PostToolUse": [group]}}, indent=2) + "\n"
    assert hook("install", "codex", home=tmp_path).returncode == 0
    assert json.loads(f.read_text())["hooks"]["PreToolUse"] == [group]
    assert hook("uninstall", "codex", home=tmp_path).returncode == 0
    assert f.read_text() == "{}\n"
    p = hook("install", "codex", "--managed", home=tmp_path)
    assert p.returncode == 2 and "usage: proctor hook" in p.stderr


def test_install_usage(tmp_path):
    for args in (["install"], ["install", "vim"], ["install", "claude-code", "--global"],
                 ["uninstall"]):
        p = hook(*args, home=tmp_path)
        assert p.returncode == 2 and "usage: proctor hook" in p.stderr, args
    p = run([PROCTOR, "hook", "install", "claude-code"], env={"PATH": os.environ["PATH"]})
    assert p.returncode == 2 and "$HOME is not set" in p.stderr

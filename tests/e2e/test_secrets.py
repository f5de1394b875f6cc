"""test_secrets.py: keys never stored (issue 15 §2). LLM provider keys in
real commands (`sh -c 'echo KEY'`, `python3 -c '... "KEY" ...'`, env
assignments, a quoted password) under `proctor run` reach no output: not
the SQLite file (raw bytes, WAL included), `log --json`, `tree`,
`sessions` (text and JSON), a JSON lines export or the run's own output.
The marker `[REDACTED:RULE]` is where each key was, in every derived field:
process.command_args, process.command_line, the session's command and the
processes table behind `tree`. All keys here are fake."""
import glob
import json
import os

from conftest import execs

# Real formats (prefix, alphabet, length), clearly fake content.
ANTHROPIC = "sk-ant-api03-" + "FAKE-test-key-not-real-0123456789_" * 2 + "x" * 25 + "AA"
OPENAI = "sk-proj-" + "FAKEtestKEYnotREAL0123456789" * 2 + "T3BlbkFJ" + "fakeFAKE" * 4
HF = "hf_" + "FAKEtestTOKENnotREALabcdefghijklmn"
GROQ = "gsk_" + "FAKEtestKEYnotREAL" * 2 + "abcdefghijklmnop"
PASSWORD = "Zq8-not-a-real-password"
PY = "/usr/bin/python3"  # not a pyenv shim: one exec with exactly this argv


def all_outputs(proctor, run, jsonl):
    """Every place a recorded value can be read back from, as bytes."""
    files = [f for f in glob.glob(proctor.db + "*") if os.path.isfile(f)]
    assert any(f.endswith("-wal") for f in files) or files, files
    return {
        "store": b"".join(open(f, "rb").read() for f in files),
        "log": proctor.cli("log", "--json", check=True).stdout.encode(),
        "log text": proctor.cli("log", check=True).stdout.encode(),
        "tree": proctor.cli("tree", check=True).stdout.encode(),
        "sessions": proctor.cli("sessions", check=True).stdout.encode(),
        "sessions json": proctor.cli("sessions", "--json", check=True).stdout.encode(),
        "jsonl": jsonl.read_bytes(),
        "run output": (run.stdout + run.stderr).encode(),
    }


def assert_nowhere(outputs, *secrets):
    for where, data in outputs.items():
        assert data, f"{where} is empty"
        for s in secrets:
            assert s.encode() not in data, f"{s[:16]}... leaked into {where}"


def exec_of(events, argv0):
    found = [e for e in execs(events) if e["process.command_args"][0] == argv0]
    assert len(found) == 1, [e["process.command_args"] for e in execs(events)]
    return found[0]


def test_anthropic_key_in_sh_c_is_nowhere(proctor, tmp_path):
    jsonl = tmp_path / "events.jsonl"
    p = proctor.run(["sh", "-c", f"echo {ANTHROPIC} >/dev/null"], "--jsonl", str(jsonl))
    assert p.returncode == 0, p.stderr
    out = all_outputs(proctor, p, jsonl)
    assert_nowhere(out, ANTHROPIC, ANTHROPIC[13:45])
    e = exec_of(proctor.events(), "sh")
    assert e["process.command_args"] == ["sh", "-c", "echo [REDACTED:anthropic_key] >/dev/null"]
    assert e["process.command_line"] == "sh -c 'echo [REDACTED:anthropic_key] >/dev/null'"
    assert e["redaction.rules"] == ["anthropic_key"]
    assert proctor.last_session()["command"] == e["process.command_args"]
    assert b"[REDACTED:anthropic_key]" in out["tree"]
    assert b"[REDACTED:anthropic_key]" in out["sessions"]
    exported = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert exec_of(exported, "sh")["process.command_line"] == e["process.command_line"]


def test_openai_key_in_python_c_is_nowhere(proctor, tmp_path):
    jsonl = tmp_path / "events.jsonl"
    code = f'import sys; k = "{OPENAI}"; sys.exit(0 if len(k) > 40 else 1)'
    p = proctor.run([PY, "-c", code], "--jsonl", str(jsonl))
    assert p.returncode == 0, p.stderr
    assert_nowhere(all_outputs(proctor, p, jsonl), OPENAI, OPENAI[8:40])
    e = exec_of(proctor.events(), PY)
    clean = 'import sys; k = "[REDACTED:openai_key]"; sys.exit(0 if len(k) > 40 else 1)'
    assert e["process.command_args"] == [PY, "-c", clean]
    assert e["process.command_line"] == f"{PY} -c '{clean}'"
    assert proctor.last_session()["command"] == [PY, "-c", clean]


def test_env_assignments_and_a_quoted_password(proctor, tmp_path):
    """KEY=value arguments by the variable's name, and a password that
    shell quoting ('\\'') would hide from a rule run on the command line
    alone: the line is rebuilt from the redacted arguments."""
    jsonl = tmp_path / "events.jsonl"
    code = f"DB_PASS='{PASSWORD}'; print(len(DB_PASS))"
    p = proctor.run(["env", f"HF_TOKEN={HF}", f"GROQ_KEY={GROQ}", "SIGNING_KEY=abcdef0123456789",
                     PY, "-c", code], "--jsonl", str(jsonl))
    assert p.returncode == 0, p.stderr
    assert_nowhere(all_outputs(proctor, p, jsonl), HF, GROQ, PASSWORD, "abcdef0123456789")
    events = proctor.events()
    e = exec_of(events, "env")
    assert e["process.command_args"] == [
        "env", "HF_TOKEN=[REDACTED:huggingface_token]", "GROQ_KEY=[REDACTED:groq_key]",
        "SIGNING_KEY=[REDACTED:env_secret]", PY, "-c",
        "DB_PASS='[REDACTED:env_secret]'; print(len(DB_PASS))"]
    assert e["process.command_line"] == (
        "env 'HF_TOKEN=[REDACTED:huggingface_token]' 'GROQ_KEY=[REDACTED:groq_key]' "
        f"'SIGNING_KEY=[REDACTED:env_secret]' {PY} -c "
        "'DB_PASS='\\''[REDACTED:env_secret]'\\''; print(len(DB_PASS))'")
    assert sorted(e["redaction.rules"]) == ["env_secret", "groq_key", "huggingface_token"]
    py = exec_of(events, PY)
    assert py["process.command_args"][2] == "DB_PASS='[REDACTED:env_secret]'; print(len(DB_PASS))"


def test_ordinary_commands_are_not_redacted(proctor):
    """Positive control for the tests above: clean arguments stay as given."""
    p = proctor.run(["sh", "-c", "TOKENIZERS_PARALLELISM=false git --version >/dev/null; "
                                 "echo 0eaf4716-997a-43f6-a6de-ebca844651a8 >/dev/null"])
    assert p.returncode == 0, p.stderr
    e = exec_of(proctor.events(), "sh")
    assert e["process.command_args"][2].startswith("TOKENIZERS_PARALLELISM=false git --version")
    assert "redaction.rules" not in e
    assert "REDACTED" not in json.dumps(proctor.events())


GITLEAKS_RULES = """# gitleaks format
title = "corp"
[[rules]]
id = "corp-api-token"
regex = '''(?i)\\b(corp_[a-z0-9]{16})\\b'''
keywords = ["corp_"]
[rules.allowlist]
stopwords = ["example"]
"""
CORP = "corp_0a1b2c3d4e5f6a7b"


def test_gitleaks_rule_file(proctor, tmp_path):
    """--redact-rules FILE and the config's redaction.rules_file both load a
    gitleaks file on top of the built-in rules; its allowlist holds."""
    rules = tmp_path / "rules.toml"
    rules.write_text(GITLEAKS_RULES)
    cfg = tmp_path / "proctor.yaml"
    cfg.write_text(f"redaction:\n  rules_file: {rules}\n")
    script = f"echo {CORP} corp_example0000000 {ANTHROPIC} >/dev/null"
    want = ["sh", "-c", "echo [REDACTED:corp-api-token] corp_example0000000 "
                        "[REDACTED:anthropic_key] >/dev/null"]
    for opts in (["--redact-rules", str(rules)], ["--config", str(cfg)]):
        jsonl = tmp_path / "events.jsonl"
        p = proctor.run(["sh", "-c", script], "--jsonl", str(jsonl), *opts)
        assert p.returncode == 0, p.stderr
        assert_nowhere(all_outputs(proctor, p, jsonl), CORP, ANTHROPIC)
        sid = proctor.last_session()["session"]
        e = exec_of(proctor.events(sid), "sh")
        assert e["process.command_args"] == want
        assert sorted(e["redaction.rules"]) == ["anthropic_key", "corp-api-token"]
        assert proctor.last_session()["command"] == want


def test_malformed_rule_file_is_refused(proctor, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(GITLEAKS_RULES + "\n[extend]\nuseDefault = true\n")
    line = GITLEAKS_RULES.count("\n") + 2
    marker = tmp_path / "ran"
    p = proctor.run(["touch", str(marker)], "--redact-rules", str(rules))
    assert p.returncode == 2, p.stderr
    assert f"{rules}:{line}: table [extend] is not supported" in p.stderr
    assert not marker.exists()
    cfg = tmp_path / "proctor.yaml"
    cfg.write_text(f"redaction:\n  rules_file: {tmp_path}/missing.toml\n")
    p = proctor.run(["touch", str(marker)], "--config", str(cfg))
    assert p.returncode != 0
    assert f"{tmp_path}/missing.toml: No such file or directory" in p.stderr
    assert not marker.exists()

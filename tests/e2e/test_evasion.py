"""test_evasion.py: runs every program in tests/evasion/ under `proctor run`
and checks the events each one declares. A program performs one side effect in
an unusual way; its header says what proctor must record.

Header lines (in comments, anywhere in the first 40 lines):
  expect: {JSON}       some event must contain every key/value given
  expect-not: {JSON}   no event may match
  build: FLAGS         C only: extra gcc flags (e.g. -static -luring -lpthread)
  setup: SHELL         run before, outside proctor, with $WORK set
  user: NAME           run the program as this user (proctor run --user);
                       proctor-agent is skipped, with the reason, where it cannot exist
  needs: WHAT          skip, with the reason, where the machine lacks it:
                       "userns" (an unprivileged user may create user namespaces)
  timeout: SECONDS     default 30
  policy: YAML         run under --policy (one line of flow YAML; $WORK substituted)
Every program declares at least one expect: (expect-not alone would pass
when nothing at all is recorded).
Matching: string values starting with "~" are regular expressions (re.search);
"$WORK" in any string is the per-program work directory (also argv[1], the
cwd and $WORK for the program); lists must be equal; numbers equal."""
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import AGENT_USER, PROCTOR, ROOT, agent_user_problem, require, run, userns_problem

EVASION = os.path.join(ROOT, "tests", "evasion")
PROGRAMS = sorted(p for p in glob.glob(os.path.join(EVASION, "*"))
                  if p.endswith((".c", ".sh", ".py")))


def parse_header(path):
    spec = {"expect": [], "expect-not": [], "build": "", "setup": [], "user": None, "timeout": 30,
            "needs": "", "policy": None}
    with open(path, errors="replace") as f:
        for line in f.readlines()[:40]:
            m = re.search(r"(expect-not|expect|build|setup|user|timeout|needs|policy):\s*(.*)$",
                          line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if val.endswith("*/"):
                val = val[:-2].strip()
            if key in ("expect", "expect-not"):
                spec[key].append(json.loads(val))
            elif key == "setup":
                spec["setup"].append(val)
            elif key == "timeout":
                spec["timeout"] = int(val)
            else:
                spec[key] = val
    return spec


def subst(v, work):
    if isinstance(v, str):
        return v.replace("$WORK", work)
    if isinstance(v, list):
        return [subst(x, work) for x in v]
    return v


def matches(event, want, work):
    for k, v in want.items():
        v = subst(v, work)
        if k not in event:
            return False
        got = event[k]
        if isinstance(v, str) and v.startswith("~"):
            if not isinstance(got, str) or not re.search(v[1:], got):
                return False
        elif got != v:
            return False
    return True


def build(path, spec, outdir):
    if not path.endswith(".c"):
        return [("/bin/sh" if path.endswith(".sh") else "/usr/bin/python3"), path]
    exe = os.path.join(outdir, os.path.basename(path)[:-2])
    cmd = ["gcc", "-O1", "-o", exe, path] + spec["build"].split()
    p = run(cmd)
    assert p.returncode == 0, f"build failed: {' '.join(cmd)}\n{p.stderr}"
    return [exe]


@pytest.mark.parametrize("path", PROGRAMS, ids=[os.path.basename(p) for p in PROGRAMS])
def test_evasion(path, tmp_path, request):
    spec = parse_header(path)
    # expect-not alone would pass when nothing at all is recorded
    assert spec["expect"], f"{path} declares no expect: line (a positive control)"
    if spec["user"] == AGENT_USER:
        require(agent_user_problem())
    if "userns" in spec["needs"].split():
        require(userns_problem())
    if spec["user"]:
        # pytest's base temp dir is private (0700, re-enforced by every pytest
        # run): a program run as another user is built and run under /var/tmp.
        tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="proctor-evasion-", dir="/var/tmp"))
        request.addfinalizer(lambda: shutil.rmtree(tmp_path, ignore_errors=True))
    work = str(tmp_path / "work")
    os.makedirs(work)
    os.chmod(work, 0o777)
    os.chmod(str(tmp_path), 0o755)
    env = dict(os.environ, WORK=work)
    for s in spec["setup"]:
        run(["sh", "-c", s], check=True, env=env, cwd=work)
    cmd = build(path, spec, str(tmp_path)) + [work]
    db = str(tmp_path / "p.db")
    opts = ["--db", db, "--grace", "1s"]
    if spec["user"]:
        opts += ["--user", spec["user"]]
    if spec["policy"]:
        pol = tmp_path / "policy.yaml"
        pol.write_text(subst(spec["policy"], work) + "\n")
        opts += ["--policy", str(pol)]
    p = run([PROCTOR, "run", *opts, "--", *cmd], timeout=spec["timeout"] + 30, env=env, cwd=work)
    assert "drops" in p.stderr, p.stderr
    out = run([PROCTOR, "log", "--json", "--db", db], check=True).stdout
    events = [json.loads(l) for l in out.splitlines() if l.strip()]
    for want in spec["expect"]:
        assert any(matches(e, want, work) for e in events), (
            f"no event matches {want}\nprogram exit {p.returncode}, stderr:\n{p.stderr}\n"
            + "\n".join(json.dumps(e) for e in events if e["type"] != "process.fork")[-6000:])
    for bad in spec["expect-not"]:
        hits = [e for e in events if matches(e, bad, work)]
        assert not hits, f"unexpected event for {bad}: {hits[:2]}"

"""`proctor policy check FILE`: exit codes and exact output for the contract's
examples and for bad files; `proctor run --policy` refuses the v2 sections this
build does not enforce, and bad input (duplicates, documents, depth) to --policy
and --config stops before anything runs."""
import ctypes
import os
import subprocess
import time
from pathlib import Path

from conftest import PROCTOR

HERE = Path(__file__).parent
SPEC = HERE / "policies" / "spec_examples.yaml"


def check(*args, env_off="bpf_lsm", cwd=None):
    env = dict(os.environ, PROCTOR_MECHANISMS_OFF=env_off)
    return subprocess.run([PROCTOR, "policy", "check", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=30)


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(VERSION)


def test_spec_examples_mechanisms_on_this_host(tmp_path):
    p = check(str(SPEC), cwd=HERE.parent.parent)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == f"{SPEC}: valid"
    host = lines[1:8]
    assert host[0] == "host mechanisms:"
    assert host[1] == "  cgroup_sock_addr  yes  BPF_CGROUP_INET4/6_CONNECT, SENDMSG"
    assert host[2] == "  exec_kill         yes  tp_btf/sched_process_exec + bpf_send_signal"
    assert host[3] == "  fanotify          yes  FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM"
    assert host[4] == f"  landlock          yes  ABI {landlock_abi()}"
    assert host[5] == "  seccomp_unotify   yes  SECCOMP_GET_NOTIF_SIZES"
    assert host[6] == "  bpf_lsm           no   turned off by PROCTOR_MECHANISMS_OFF"
    nyet = "not enforced by this build yet"
    assert lines[8:] == [
        "rules:",
        "  line 3: egress default deny: cgroup_sock_addr: enforced",
        "  line 5: egress allow api.anthropic.com ports 443: cgroup_sock_addr: enforced",
        "  line 22: label secret: label_tracking: enforced",
        "  line 9: files.deny ~/.ssh/** read,write: fanotify: enforced",
        "  line 12: files.deny /etc/shadow: fanotify+seccomp_unotify: enforced; notify only "
        "for: create, delete, rename and metadata (seccomp_unotify is not used by this build "
        "yet)",
        "  line 13: files.write_only_under: landlock: enforced",
        "  line 16: exec.deny git push * --force*: exec_kill: enforced",
        "  line 17: exec.deny git push --force* **: exec_kill: enforced",
        "  line 18: exec.deny /usr/bin/sudo: exec_kill: enforced",
        "  line 19: exec.deny rm -rf /: exec_kill: enforced",
        "  line 20: exec.allow_only: exec_kill: enforced",
        "  line 25: declassify secret by /usr/bin/gpg **: label_tracking: enforced",
        "  line 26: no-secret-egress: label_tracking+cgroup_sock_addr: enforced",
        "  line 31: tests-before-commit: exec_kill (temporal: satisfied bit kept by the kernel): "
        "enforced",
        "14 rules: 14 enforced, 0 not enforced by this build yet, 0 notify only on this host",
    ]


def test_without_mechanisms_rules_are_notify_only_and_say_why(tmp_path):
    off = "fanotify,landlock,seccomp_unotify,exec_kill,bpf_lsm"
    p = check(str(SPEC), "--agent", "/usr/bin/true", env_off=off, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    why = "turned off by PROCTOR_MECHANISMS_OFF"
    nyet = "not enforced by this build yet"
    assert f"  line 9: files.deny ~/.ssh/** read,write: notify only: read, write and exec opens " \
           f"needs fanotify ({why}): {nyet}" in lines
    assert f"  line 16: exec.deny git push * --force*: notify only: exec by argv needs exec_kill " \
           f"({why}): {nyet}" in lines
    assert f"  line 20: exec.allow_only: notify only: exec needs exec_kill ({why}): {nyet}" in lines
    assert f"  line 31: tests-before-commit: notify only: exec unless succeeded needs exec_kill " \
           f"({why}): {nyet}" in lines
    # egress keeps its mechanism: cgroup sock_addr cannot be turned off by this build
    assert "  line 3: egress default deny: cgroup_sock_addr: enforced" in lines
    # run from another directory, proctor's own binary is outside ${workspace}/**
    self = os.path.realpath(PROCTOR)
    assert f"{SPEC}:20:15: warning: rule 'exec.allow_only' would block proctor's own binary " \
           f"{self}" in lines
    # labels need no probed mechanism; the label connect rule keeps cgroup sock_addr
    assert "  line 26: no-secret-egress: label_tracking+cgroup_sock_addr: enforced" in lines
    assert lines[-1] == "14 rules: 5 enforced, 9 not enforced by this build yet, 9 notify " \
                        "only on this host"


LABEL_RULES = """\
labels:
  secret: {sources: ["/srv/keys/**"]}
rules:
  - {name: no-secret-writes, if: {label: secret}, deny: {write: "/srv/out/**"}}
  - {name: no-data, if: {label: secret}, deny: {open: ["/srv/data/**"]}}
  - {name: no-push, if: {label: secret}, deny: {exec: {argv: [git, push, "**"]}}}
  - name: release-after-tests
    deny: {write: "/srv/dist/**"}
    unless: {succeeded: {argv: [make, test]}}
  - {name: no-writes, if: {label: secret}, deny: write}
"""


def test_label_and_history_file_rules_mechanisms(tmp_path):
    """The label rules deny {write|open: GLOB} and {exec: {argv}}, and a
    temporal write rule, and a bare deny: write (the session's mounts), get
    their mechanism; without fanotify the file rules are notify only."""
    f = write(tmp_path, LABEL_RULES)
    lines = check(f).stdout.splitlines()
    assert [l for l in lines if l.startswith("  line ")] == [
        "  line 2: label secret: label_tracking: enforced",
        "  line 4: no-secret-writes: label_tracking+fanotify: enforced",
        "  line 5: no-data: label_tracking+fanotify: enforced",
        "  line 6: no-push: label_tracking+exec_kill: enforced",
        "  line 7: release-after-tests: fanotify (temporal: satisfied bit kept by the kernel): "
        "enforced",
        "  line 10: no-writes: label_tracking+fanotify (the session's mounts, standalone): "
        "enforced",
    ], lines
    off = check(f, env_off="fanotify").stdout.splitlines()
    why = "turned off by PROCTOR_MECHANISMS_OFF"
    assert "  line 4: no-secret-writes: label_tracking: not enforced by this build yet; notify " \
           f"only for: opens decided on labels and history needs fanotify ({why})" in off, off
    assert "  line 7: release-after-tests: notify only: opens unless succeeded needs fanotify " \
           f"({why}): not enforced by this build yet" in off, off


def write(tmp_path, text, name="p.yaml"):
    f = tmp_path / name
    f.write_text(text)
    return str(f)


BAD = [
    ("egress:\n  default: deny\n  mode: enforce\n  allow: []\n  mode: audit\n",
     "5:3: duplicate key 'mode' (first at line 3); every key appears once"),
    ("egress:\n  default: deny\n  default: allow\n",
     "3:3: duplicate key 'default' (first at line 2); every key appears once"),
    ("egress:\n  default: deny\n---\negress:\n  default: allow\n",
     "3:1: a second YAML document ('---'): the file must hold exactly one"),
    ("egress:\n  default: deny\n  allow:\n    - cidr: 10.0.0.0/8\n      ports: [443]\n"
     "      ports: [80]\n",
     "6:7: duplicate key 'ports' (first at line 5); every key appears once"),
    ("files:\n  deny:\n    - path: .ssh/id_rsa\n",
     "3:13: '.ssh/id_rsa' can never match: paths are matched as the kernel resolved them, "
     "absolute (start it with '/', '~', '${workspace}' or '**')"),
    ("exec:\n  deny:\n    - argv: [git, push]\n      colour: red\n",
     "4:7: unknown key 'colour' in exec.deny (known: argv, path, name, reason, effect, mode)"),
    ("rules:\n  - if: {label: secret}\n    deny: connect\n",
     "2:17: unknown label 'secret' (define it under 'labels:')"),
]


def test_bad_files_exit_2_with_position(tmp_path):
    for text, want in BAD:
        f = write(tmp_path, text)
        p = check(f)
        assert p.returncode == 2, (text, p.stdout, p.stderr)
        assert p.stderr == f"{f}:{want}\n", (text, p.stderr)
        assert p.stdout == ""


def test_deep_nesting_fails_fast(tmp_path):
    f = write(tmp_path, "[" * 200_000)
    t0 = time.monotonic()
    p = check(f)
    assert time.monotonic() - t0 < 5
    assert p.returncode == 2 and p.stderr == f"{f}:1:33: nested deeper than 32 levels\n"


def test_usage_errors():
    p = subprocess.run([PROCTOR, "policy"], capture_output=True, text=True)
    assert p.returncode == 2 and "usage: proctor policy check FILE" in p.stderr
    p = subprocess.run([PROCTOR, "policy", "check", "/nonexistent.yaml"], capture_output=True,
                       text=True)
    assert p.returncode == 2 and p.stderr == "/nonexistent.yaml: No such file or directory\n"
    p = subprocess.run([PROCTOR, "policy", "check", str(SPEC), "--agent", "no-such-agent-xyz"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "--agent no-such-agent-xyz: not found" in p.stderr


def test_run_refuses_v2_sections_before_anything_runs(proctor, tmp_path):
    marker = tmp_path / "ran"
    # a connect denied until a test passes: not enforced (test_policy_temporal.py has
    # the enforced temporal rules)
    f = write(tmp_path, "egress:\n  default: allow\nrules:\n  - name: t\n"
                        "    deny: connect\n"
                        "    unless: {succeeded: {argv: [\"*pytest*\", \"**\"]}}\n")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--policy", f)
    assert p.returncode == 2
    assert f"{f}:4:5: rule 't': this build parses but does not enforce it yet (of rules with " \
           f"unless (history) only deny: {{exec: ...}}, {{open: GLOB}} or {{write: GLOB}} are " \
           f"enforced yet (not deny: connect, not except))" in p.stderr
    assert not marker.exists()
    # labels (and label connect rules) run, enforced (test_policy_labels.py)
    f = write(tmp_path, "labels:\n  secret:\n    sources: [/x]\n", "labels.yaml")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--policy", f)
    assert p.returncode == 0, p.stderr
    assert marker.exists()
    marker.unlink()
    # the egress section alone still runs, enforced
    f = write(tmp_path, "egress:\n  default: allow\n", "ok.yaml")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--policy", f)
    assert p.returncode == 0, p.stderr
    assert marker.exists()


def test_run_refuses_duplicates_in_policy_and_config(proctor, tmp_path):
    marker = tmp_path / "ran"
    f = write(tmp_path, "egress: {default: deny, mode: enforce, mode: audit}\n")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--policy", f)
    assert p.returncode == 2
    assert f"{f}:1:40: duplicate key 'mode' (first at line 1)" in p.stderr
    cfg = write(tmp_path, "batch: {size: 1}\nbatch: {size: 2}\n", "cfg.yaml")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--config", cfg)
    assert p.returncode == 2
    assert f"{cfg}:2:1: duplicate key 'batch' (first at line 1)" in p.stderr
    cfg = write(tmp_path, "batch: {size: 1}\n---\nbatch: {size: 2}\n", "cfg2.yaml")
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--config", cfg)
    assert p.returncode == 2 and f"{cfg}:2:1: a second YAML document" in p.stderr
    assert not marker.exists()

"""test_policy_labels.py: information-flow labels kept in the kernel
(bpf/policy/labels.bpf.c, docs/POLICY.md "labels") and the label rule
`deny: connect` decided at the cgroup sock_addr hook: the spec's
no-secret-egress example blocks a process that read the secret (or got it
through a pipe) and lets an unlabelled sibling and the `except` destination
through; process.labels on the labelled process's events; policy.label
when a process first gets a label. Evasion cases: tests/evasion/policy_label_*."""
import json
import os

import pytest

import netlab
from conftest import of_type
from netlab import OTHER4, SRV4

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = ["/usr/bin/python3", os.path.join(HERE, "netclient.py")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = netlab.NetLab(str(tmp_path_factory.mktemp("netlab")))
    yield lab
    lab.close()


def policy(tmp_path, secret_dir):
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
egress:
  default: allow
  resolvers: [{SRV4}]
labels:
  secret:
    sources: ["{secret_dir}/**", "~/.aws/credentials", "**/.env"]
rules:
  - name: no-secret-egress
    if: {{label: secret}}
    deny: connect
    except: [{{domain: allowed.test, ports: [8080]}}]
    reason: "a process that has read a secret may not open network connections"
""")
    return str(f)


def test_no_secret_egress(proctor, lab, tmp_path):
    d = tmp_path / "ssh"
    d.mkdir()
    key = d / "id_rsa"
    key.write_text("PRIVATE KEY\n")
    nc = " ".join(CLIENT)
    script = "; ".join([
        f"{nc} tcp:{OTHER4}:8080:1:1",                  # before any label
        f"cat {key} > /dev/null",                       # cat gets the label, not its shell
        f"{nc} tcp:{OTHER4}:8080:2:1",                  # an unlabelled sibling
        f"k=$(cat {key})",                              # the shell reads it through a pipe
        f"{nc} tcp:{OTHER4}:8080:3:1 tcp:allowed.test:8080:4:1",  # labelled: denied, except
    ])
    before = len(lab.seen())
    p = proctor.run(lab.wrap(["/bin/sh", "-c", script]), "--policy", policy(tmp_path, d),
                    "--grace", "1s")
    assert p.returncode == 0, p.stderr
    res = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    assert [(r["host"], r["ok"], r.get("error")) for r in res] == [
        (OTHER4, True, None), (OTHER4, True, None), (OTHER4, False, "EPERM"),
        ("allowed.test", True, None)], res
    # the denied connect never reached the peer: it saw the two before and the except
    seen = [s for s in lab.seen()[before:] if "tcp" in s]
    assert sorted(s.get("received") for s in seen) == [1, 2, 4], seen
    ev = proctor.events()
    v = of_type(ev, "policy.violation")
    assert len(v) == 1, v
    v = v[0]
    assert (v["policy.rule"], v["policy.verdict"], v["policy.effect"], v["policy.mechanism"],
            v["policy.mode"], v["policy.labels"], v["network.peer.address"],
            v["network.peer.port"], v["process.name"], v["process.labels"]) == (
        "no-secret-egress", "blocked", "block", "cgroup_sock_addr", "enforce", ["secret"],
        OTHER4, 8080, "python3", ["secret"])
    assert v["policy.reason"] == "a process that has read a secret may not open network " \
                                 "connections"
    denied = [f for f in of_type(ev, "net.flow") if f["verdict"] == "DENIED"]
    assert [(f["network.peer.address"], f["policy.rule"], f["process.pid"]) for f in denied] == [
        (OTHER4, "no-secret-egress", v["process.pid"])]
    allowed = [f for f in of_type(ev, "net.flow")
               if f["server.address"] == "allowed.test" and f["network.peer.port"] == 8080
               and f["network.transport"] == "tcp"]  # (not getaddrinfo's UDP probes)
    assert len(allowed) == 1 and allowed[0]["verdict"] == "ALLOWED", allowed
    assert allowed[0]["process.labels"] == ["secret"]
    # where each label came from: the two cats opened the key (a source),
    # the shell read the second cat's pipe; python inherited it (no record)
    labels = of_type(ev, "policy.label")
    assert [(e["process.name"], e["policy.label.cause"], e.get("file.path"),
             e["policy.labels"]) for e in labels] == [
        ("cat", "source", str(key), ["secret"]), ("cat", "source", str(key), ["secret"]),
        ("sh", "read_labelled", None, ["secret"])], labels
    sh_pid = labels[2]["process.pid"]
    # process.labels: on every event of a labelled process from then on, never before
    clients = [e for e in of_type(ev, "process.exec") if e["process.name"] == "python3"]
    assert [e.get("process.labels") for e in clients] == [None, None, ["secret"]], clients
    assert all(e.get("process.labels") is None for e in ev
               if e["process.pid"] == sh_pid and e["time"] < labels[2]["time"])


def test_audit_mode_records_would_block(proctor, lab, tmp_path):
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("x\n")
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - {{name: r-audit, if: {{label: secret}}, deny: connect, mode: audit}}
""")
    script = f"cat {d}/k >/dev/null; python3 -c 'import sys; sys.stdin.read()' < {d}/k; " \
             f"k=$(cat {d}/k); {' '.join(CLIENT)} tcp:{OTHER4}:8080:1:1"
    p = proctor.run(lab.wrap(["/bin/sh", "-c", script]), "--policy", str(f), "--grace", "1s")
    assert p.returncode == 0, p.stderr
    res = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    assert [r["ok"] for r in res] == [True], res
    v = of_type(proctor.events(), "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mode"]) for x in v] == [
        ("r-audit", "would_block", "audit")]
    flows = [x for x in of_type(proctor.events(), "net.flow") if x["network.peer.port"] == 8080]
    assert [(x["verdict"], x.get("policy.bypass"), x["policy.rule"]) for x in flows] == [
        ("BYPASSED", "audit", "r-audit")]


def test_refuses_rules_it_does_not_enforce(proctor, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("labels:\n  secret: {sources: [\"/nonexistent/**\"]}\nrules:\n"
                 "  - {name: no-exec, if: {label: secret}, deny: {exec: {argv: [git, \"**\"]}}}\n")
    p = proctor.run(["/usr/bin/touch", str(tmp_path / "ran")], "--policy", str(f))
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines()[-1] == (
        f"proctor: error: invalid policy: {f}:4:5: rule 'no-exec': this build parses but does "
        f"not enforce it yet (of label rules only deny: connect, deny: exec and deny: {{exec: "
        f"{{path}}}} are enforced yet), so it will not "
        f"run with it (nothing may claim to block what it cannot block); `proctor policy check "
        f"{f}` shows the mechanism each rule will get; see docs/POLICY.md")
    assert not (tmp_path / "ran").exists()  # nothing ran


def test_label_exec_rules_kill_at_exec(proctor, tmp_path):
    """deny: {exec: {path}} and deny: exec with a label: the exec hook kills
    the labelled process's new image before its first instruction; the same
    program runs before the label; audit records would_block and lets it run."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("x\n")
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - name: no-touch-after-secret
    if: {{label: secret}}
    deny: {{exec: {{path: "/usr/bin/touch"}}}}
    reason: "no touch after a secret"
  - {{name: no-exec-audit, if: {{label: secret}}, deny: exec, mode: audit}}
""")
    script = f"touch {tmp_path}/a1; echo a1=$?; read x < {d}/k; touch {tmp_path}/a2; " \
             f"echo a2=$?; /bin/true; echo t=$?"
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    assert [l for l in p.stdout.split() if "=" in l] == ["a1=0", "a2=137", "t=0"], p.stdout
    assert (tmp_path / "a1").exists() and not (tmp_path / "a2").exists()
    v = of_type(proctor.events(), "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mechanism"],
             x["process.executable.path"], x["policy.labels"], x["policy.killed"]) for x in v] == [
        ("no-touch-after-secret", "blocked", "exec_kill", "/usr/bin/touch", ["secret"], True),
        ("no-exec-audit", "would_block", "exec_kill", "/usr/bin/true", ["secret"], False)]
    assert v[0]["policy.reason"] == "no touch after a secret"

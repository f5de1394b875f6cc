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
                 "  - {name: no-connect-untested, deny: connect,\n"
                 "     unless: {succeeded: {argv: [pytest, \"**\"]}}}\n")
    p = proctor.run(["/usr/bin/touch", str(tmp_path / "ran")], "--policy", str(f))
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines()[-1] == (
        f"proctor: error: invalid policy: {f}:4:5: rule 'no-connect-untested': this build "
        f"parses but does not enforce it yet (of rules with unless (history) only deny: "
        f"{{exec: ...}}, {{open: GLOB}} or {{write: GLOB}} are enforced yet (not deny: "
        f"connect, not except)), so it will not "
        f"run with it (nothing may claim to block what it cannot block); `proctor policy check "
        f"{f}` shows the mechanism each rule will get; see docs/POLICY.md")
    assert not (tmp_path / "ran").exists()  # nothing ran


def test_label_argv_rule_kills_at_exec(proctor, tmp_path):
    """deny: {exec: {argv}} with a label: an exec rule bit the exec-kill hook
    keeps only for a process holding the label; the same command line runs
    before the label, and another one runs after it."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("x\n")
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - name: no-b-after-secret
    if: {{label: secret}}
    deny: {{exec: {{argv: ["touch", "*/b*"]}}}}
    reason: "no b files after a secret"
""")
    t = tmp_path
    script = f"touch {t}/b1; echo b1=$?; read x < {d}/k; touch {t}/a2; echo a2=$?; " \
             f"touch {t}/b2; echo b2=$?"
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    assert [l for l in p.stdout.split() if "=" in l] == ["b1=0", "a2=0", "b2=137"], p.stdout
    assert (t / "b1").exists() and (t / "a2").exists() and not (t / "b2").exists()
    v = of_type(proctor.events(), "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mechanism"],
             x["process.command_args"], x["policy.labels"], x["policy.reason"]) for x in v] == [
        ("no-b-after-secret", "blocked", "exec_kill", ["touch", f"{t}/b2"], ["secret"],
         "no b files after a secret")]


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


OPENER = """\
import errno, os, sys
out = []
for op in sys.argv[1:]:
    kind, path = op.split(":", 1)
    try:
        if kind == "read":
            open(path).read()
        elif kind == "write":
            with open(path, "w") as f:
                f.write("new\\n")
        elif kind == "append":
            with open(path, "a") as f:
                f.write("more\\n")
        out.append("ok")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
print(" ".join(out))
"""


def test_label_file_rules_block_at_open(proctor, tmp_path):
    """deny: {write: GLOB} and deny: {open: GLOB} with a label, through
    fanotify: a process that read the secret may not open a file under out/
    for writing (its reads there pass) nor open anything under data/; the
    same opens before the label and by an unlabelled sibling pass; audit
    records would_block and lets the write through."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("KEY\n")
    for sub in ("out", "data", "aud"):
        (tmp_path / sub).mkdir()
    (tmp_path / "out" / "a").write_text("old\n")
    (tmp_path / "data" / "x").write_text("data\n")
    prog = tmp_path / "opener.py"
    prog.write_text(OPENER)
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - name: no-secret-writes
    if: {{label: secret}}
    deny: {{write: "{tmp_path}/out/**"}}
    reason: "a process that has read a secret may not write under out/"
  - name: no-data-after-secret
    if: {{label: secret}}
    deny: {{open: ["{tmp_path}/data/**"]}}
  - {{name: aud, if: {{label: secret}}, deny: {{write: "{tmp_path}/aud/**"}}, mode: audit}}
""")
    py = f"/usr/bin/python3 {prog}"
    o, da, au = tmp_path / "out", tmp_path / "data", tmp_path / "aud"
    script = "; ".join([
        f"{py} write:{o}/a0 read:{da}/x",                                   # before any label
        f"{py} read:{d}/k write:{o}/a read:{o}/a append:{o}/a write:{o}/b "
        f"read:{da}/x write:{au}/y",                                        # labelled
        f"{py} write:{o}/c read:{da}/x",                                    # unlabelled sibling
    ])
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "ok ok", "ok EPERM ok EPERM EPERM EPERM ok", "ok ok"], p.stdout
    # the refused open truncated nothing; the audited write went through
    assert (o / "a").read_text() == "old\n"
    assert (au / "y").read_text() == "new\n"
    assert (o / "a0").exists() and (o / "c").exists()
    # O_CREAT made the file before the permission check refused the open: empty
    assert (o / "b").read_text() == ""
    ev = proctor.events()
    v = of_type(ev, "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mechanism"], x["policy.access"],
             x["file.path"], x["policy.labels"], x["process.name"]) for x in v] == [
        ("no-secret-writes", "blocked", "fanotify", "write", f"{o}/a", ["secret"], "python3"),
        ("no-secret-writes", "blocked", "fanotify", "write", f"{o}/a", ["secret"], "python3"),
        ("no-secret-writes", "blocked", "fanotify", "write", f"{o}/b", ["secret"], "python3"),
        ("no-data-after-secret", "blocked", "fanotify", "open", f"{da}/x", ["secret"],
         "python3"),
        ("aud", "would_block", "fanotify", "write", f"{au}/y", ["secret"], "python3"),
    ], v
    assert v[0]["policy.reason"] == "a process that has read a secret may not write under out/"
    assert len({x["process.pid"] for x in v}) == 1
    assert all(x["process.labels"] == ["secret"] for x in v)


def test_tree_marks_labelled_processes(proctor, tmp_path):
    """proctor tree: under each labelled process, where its label came from:
    the source file it opened, the fd of a labelled pipe it read, or its
    parent (inherited); an unlabelled process has no LABEL line."""
    d = tmp_path / "ssh"
    d.mkdir()
    key = d / "k"
    key.write_text("KEY\n")
    f = tmp_path / "p.yaml"
    f.write_text(f'labels:\n  secret: {{sources: ["{d}/**"]}}\n')
    script = f"/bin/true; cat {key} > /dev/null; k=$(cat {key}); /bin/echo done"
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    ev = proctor.events()
    fd = [e["file.fd"] for e in of_type(ev, "policy.label") if e["process.name"] == "sh"]
    assert len(fd) == 1, of_type(ev, "policy.label")
    t = proctor.cli("tree", check=True).stdout.splitlines()
    got = [(l.split("  [pid")[0].strip(" ├└─│"), None) if "[pid" in l else l.strip(" │")
           for l in t[1:] if "[pid" in l or "LABEL" in l]
    assert got[0][0].startswith("/bin/sh -c '/bin/true; cat "), t  # quoted, cut at 100
    assert got[1:] == [
        f"LABEL secret from fd {fd[0]} (read_labelled)",
        ("/bin/true", None),
        (f"cat {key}", None),
        f"LABEL secret from {key} (source)",
        (f"cat {key}", None),
        f"LABEL secret from {key} (source)",
        ("/bin/echo done", None),
        "LABEL secret inherited",
    ], t


def test_folded_reopen_still_reads_inode_labels(proctor, tmp_path):
    """The open hook folds a process's repeated opens of one file (the second
    open here, within the fold window: a repeat record), and a folded repeat
    skips the source DFA (its path was matched at the first open); the
    inode's labels are still read: a file a labelled process wrote between
    two opens labels the reader at the second."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("KEY\n")
    f = tmp_path / "p.yaml"
    f.write_text(f'labels:\n  secret: {{sources: ["{d}/**"]}}\n')
    data, m1, m2 = tmp_path / "data", tmp_path / "m1", tmp_path / "m2"
    data.write_text("plain\n")
    reader = (f"import os, time\nopen('{data}').read()\nopen('{m1}', 'w').close()\n"
              f"while not os.path.exists('{m2}'): time.sleep(0.005)\nopen('{data}').read()\n")
    script = f"/usr/bin/python3 -c \"{reader}\" & while [ ! -e {m1} ]; do sleep 0.01; done; " \
             f"cat {d}/k >> {data}; touch {m2}; wait"
    p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    ev = proctor.events()
    labels = [(e["process.name"], e["policy.label.cause"], e.get("file.path"))
              for e in of_type(ev, "policy.label")]
    assert labels == [("cat", "source", f"{d}/k"), ("python3", "read_labelled", str(data))], \
        labels
    opens = [e for e in of_type(ev, "file.open")
             if e["process.name"] == "python3" and e.get("file.path") == str(data)]
    assert sum(e.get("file.open_count", 1) for e in opens) == 2, opens


def test_bare_label_write_rule_covers_every_mount(proctor, tmp_path):
    """A bare `deny: write` with a label: every regular file, on every mount
    of the session (its own mount namespace, each mount marked; /tmp here is
    the root file system, /dev/shm a tmpfs). A process that read the secret
    may not open a file for writing (reads pass, /dev/null passes: not a
    regular file); the same writes before the label and by an unlabelled
    sibling pass."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("KEY\n")
    x = tmp_path / "x"
    x.write_text("old\n")
    shm = f"/dev/shm/proctor-bare-{os.getpid()}"
    prog = tmp_path / "opener.py"
    prog.write_text(OPENER)
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - name: no-writes-after-secret
    if: {{label: secret}}
    deny: write
    reason: "a process that has read a secret may not write files"
""")
    py = f"/usr/bin/python3 {prog}"
    script = "; ".join([
        f"{py} write:{tmp_path}/w0",                                          # before any label
        f"{py} read:{d}/k write:{tmp_path}/w1 read:{x} append:{x} write:{shm} "
        f"write:/dev/null",                                                    # labelled
        f"{py} write:{tmp_path}/w2 append:{shm}",                             # unlabelled sibling
    ])
    try:
        p = proctor.run(["/bin/sh", "-c", script], "--policy", str(f))
        assert p.returncode == 0, p.stderr
        assert p.stdout.splitlines() == ["ok", "ok EPERM ok EPERM EPERM ok", "ok ok"], p.stdout
        assert x.read_text() == "old\n"
        assert open(shm).read() == "more\n"  # created empty by the refused O_CREAT
    finally:
        if os.path.exists(shm):
            os.unlink(shm)
    assert (tmp_path / "w0").exists() and (tmp_path / "w2").exists()
    assert (tmp_path / "w1").read_text() == ""
    v = of_type(proctor.events(), "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.mechanism"], x["policy.access"],
             x["file.path"], x["policy.labels"], x["process.name"]) for x in v] == [
        ("no-writes-after-secret", "blocked", "fanotify", "write", f"{tmp_path}/w1", ["secret"],
         "python3"),
        ("no-writes-after-secret", "blocked", "fanotify", "write", str(x), ["secret"],
         "python3"),
        ("no-writes-after-secret", "blocked", "fanotify", "write", shm, ["secret"], "python3"),
    ], v
    assert v[0]["policy.reason"] == "a process that has read a secret may not write files"


def test_bare_label_open_rule_and_env_glob_at_any_depth(proctor, tmp_path):
    """`deny: {open: "**/.env"}` with a label matches .env at any depth (the
    glob has no literal directory: the session's mounts are marked), not
    x.env nor .envrc; a bare `deny: open` denies a labelled process every
    regular file, for reading or writing."""
    d = tmp_path / "ssh"
    d.mkdir()
    (d / "k").write_text("KEY\n")
    ws = tmp_path / "ws"
    for sub in ("", "a", "a/b/c"):
        (ws / sub).mkdir(parents=True, exist_ok=True)
        (ws / sub / ".env").write_text("S=1\n")
    (ws / "a" / "x.env").write_text("x\n")
    (ws / ".envrc").write_text("y\n")
    prog = tmp_path / "opener.py"
    prog.write_text(OPENER)
    f = tmp_path / "p.yaml"
    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - name: no-env-after-secret
    if: {{label: secret}}
    deny: {{open: "**/.env"}}
""")
    py = f"/usr/bin/python3 {prog}"
    envs = f"read:{ws}/.env read:{ws}/a/.env read:{ws}/a/b/c/.env read:{ws}/a/x.env " \
           f"read:{ws}/.envrc"
    p = proctor.run(["/bin/sh", "-c", f"{py} {envs}; {py} read:{d}/k {envs}"],
                    "--policy", str(f))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["ok ok ok ok ok", "ok EPERM EPERM EPERM ok ok"], p.stdout
    v = of_type(proctor.events(), "policy.violation")
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.access"], x["file.path"])
            for x in v] == [("no-env-after-secret", "blocked", "open", f"{ws}/{e}")
                            for e in (".env", "a/.env", "a/b/c/.env")], v

    f.write_text(f"""\
labels:
  secret: {{sources: ["{d}/**"]}}
rules:
  - {{name: no-open-after-secret, if: {{label: secret}}, deny: open}}
""")
    p = proctor.run(["/bin/sh", "-c", f"{py} read:{d}/k read:{ws}/a/x.env write:{ws}/new; "
                     f"{py} read:{ws}/a/x.env"], "--policy", str(f))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["ok EPERM EPERM", "ok"], p.stdout
    assert (ws / "new").read_text() == ""
    v = of_type(proctor.events(), "policy.violation")  # the last session's
    assert [(x["policy.rule"], x["policy.verdict"], x["policy.access"], x["file.path"])
            for x in v] == [("no-open-after-secret", "blocked", "open", f"{ws}/a/x.env"),
                            ("no-open-after-secret", "blocked", "open", f"{ws}/new")], v
    assert v[0]["policy.reason"] == "a process labelled secret may not open anything"

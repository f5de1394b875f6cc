"""test_sensitive.py: sensitive access is a field on the event (issue 15
§7): file.sensitive, file.sensitive_category (credential kinds from the
path, procsys/container from the decoder), file.sensitive_access (read,
write, failed) and a raised event.severity, in the store and in every
export; `log --path` also matches file.target_path (a rename into ~/.ssh)."""
import json

from conftest import AGENT_USER, of_type


def sensitive_view(events, prefix):
    return sorted((e["type"], e.get("file.path"), e.get("file.target_path"),
                   e.get("file.sensitive"), e.get("file.sensitive_category"),
                   e.get("file.sensitive_access"), e["event.severity"])
                  for e in events if e["type"].startswith("file.")
                  and (e.get("file.path", "").startswith(prefix)
                       or e.get("file.target_path", "").startswith(prefix)))


def test_credential_read_write_failed_and_rename_into_ssh(proctor, tmp_path):
    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True)
    (ssh / "id_ed25519").write_text("key\n")
    plain = tmp_path / "plain.txt"
    plain.write_text("x\n")
    src = tmp_path / "ak"
    jsonl = tmp_path / "out.jsonl"
    script = (f"cat {ssh}/id_ed25519 > /dev/null; echo more >> {ssh}/id_ed25519; "
              f"cat {ssh}/missing 2>/dev/null; cat {plain} > /dev/null; "
              f"echo ak > {src}; python3 -c 'import os; os.rename(\"{src}\", \"{ssh}/authorized_keys\")'")
    p = proctor.run(["sh", "-c", script], "--jsonl", str(jsonl))
    assert p.returncode == 0, p.stderr
    evs = proctor.events()
    got = sensitive_view(evs, str(ssh))
    key, ak = f"{ssh}/id_ed25519", f"{ssh}/authorized_keys"
    assert got == sorted([
        ("file.open", key, None, True, "ssh", "read", "warning"),
        ("file.read", key, None, True, "ssh", "read", "warning"),
        ("file.open", key, None, True, "ssh", "write", "error"),
        ("file.write", key, None, True, "ssh", "write", "error"),
        ("file.open", f"{ssh}/missing", None, True, "ssh", "failed", "warning"),
        ("file.metadata", str(src), ak, True, "ssh", "write", "error"),
    ]), got
    # an ordinary file stays ordinary; no credential access is an escape
    plain_evs = [e for e in evs if e.get("file.path") == str(plain)]
    assert plain_evs and all("file.sensitive" not in e and "file.sensitive_category" not in e
                             and e["event.severity"] == "info" for e in plain_evs)
    assert of_type(evs, "security.escape") == []
    # exports carry the same fields
    exported = [json.loads(l) for l in jsonl.read_text().splitlines()]
    assert sensitive_view(exported, str(ssh)) == got
    # log --path finds the rename by its target
    found = proctor.events(None, "--path", "*/.ssh/authorized_keys")
    assert [(e["type"], e["file.path"], e["file.target_path"]) for e in found] == \
        [("file.metadata", str(src), ak)]


def test_procsys_open_is_sensitive_and_still_an_escape(proctor):
    p = proctor.run(["sh", "-c", "cat /proc/sys/kernel/core_pattern > /dev/null; "
                     "echo x 2>/dev/null > /proc/sysrq-trigger; true"], "--user", AGENT_USER)
    assert p.returncode == 0, p.stderr
    evs = proctor.events()
    paths = ("/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger")
    opens = [e for e in of_type(evs, "file.open") if e["file.path"] in paths]
    assert [(e["file.path"], e["file.sensitive"], e["file.sensitive_category"],
             e["file.sensitive_access"], e["event.severity"]) for e in opens] == [
        (paths[0], True, "procsys", "read", "warning"),
        (paths[1], True, "procsys", "failed", "warning")]
    assert [e["file.path"] for e in of_type(evs, "security.escape")] == list(paths)

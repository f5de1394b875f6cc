"""test_tree.py: `proctor tree` marks each process with its activity, so a
reviewer sees at a glance who read credentials, what was contacted, and who
tried to escape. Real programs, real events, exact lines."""
import os


def test_tree_annotations(proctor, tmp_path):
    ssh = tmp_path / "home" / ".ssh"
    ssh.mkdir(parents=True)
    key = ssh / "id_rsa"
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n")
    out = tmp_path / "out.txt"
    script = (f"cat {key} >/dev/null; echo hi > {out}; unshare -n true 2>/dev/null; "
              "/usr/bin/python3 -c \"import socket; s=socket.socket(); s.settimeout(1); "
              "s.connect_ex(('127.0.0.1', 9))\"")
    p = proctor.run(["sh", "-c", script])
    assert p.returncode == 0, p.stderr
    lines = proctor.cli("tree", check=True).stdout.splitlines()

    def notes_of(prefix):
        """Notes under the process line whose label starts with prefix."""
        i = next(i for i, l in enumerate(lines)
                 if "[pid" in l and l.lstrip("│├└─ ").startswith(prefix))
        notes = []
        for l in lines[i + 1:]:
            if "[pid" in l:
                break
            notes.append(l.strip(" │"))
        return notes

    cat = notes_of(f"cat {key}")
    assert f"SENSITIVE READ: {key}" in cat
    assert any(n.startswith("files: ") and " opened" in n for n in cat)
    # unshare succeeded as root and exec'd true: the line shows the last exec,
    # the chain shows both.
    unshare = notes_of("true ")
    assert "exec chain: unshare -n true ⇒ true" in unshare
    assert "ESCAPE ATTEMPT: namespace(unshare)" in unshare
    py = notes_of("/usr/bin/python3 -c")
    assert any(n.startswith("net: 127.0.0.1:9") for n in py), py
    sh = notes_of("sh -c 'cat")
    assert any("written" in n for n in sh), sh  # the shell's redirect wrote out.txt
    assert not any("SENSITIVE" in n for n in py + unshare)

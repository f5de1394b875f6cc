"""test_fail_closed.py: fail-closed recording (issue 15 §4). With a 1 MiB ring
buffer, 30,000 distinct file opens overflow it (thousands of drops without
the option). Under --fail-closed the session cgroup is frozen while the
reader is behind and thawed once it has caught up: 0 drops, every open
recorded, the freezes shown in the summary and in /metrics; a process
outside the session is never frozen."""
import os
import re
import subprocess

from conftest import PROCTOR, run
from siem_receivers import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
N = 30000


def build_opener(tmp_path):
    exe = str(tmp_path / "open_many")
    subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(HERE, "progs", "open_many.c")],
                   check=True)
    d = tmp_path / "files"
    d.mkdir()
    for i in range(N):
        (d / f"f{i:05d}").touch()
    return exe, d


def test_fail_closed_records_every_open_with_a_1mib_ring(proctor, tmp_path):
    exe, d = build_opener(tmp_path)
    port = free_port()
    scraped = tmp_path / "metrics"
    # After the flood the agent reads /metrics of its own recorder (a
    # freeze is over by then: the agent runs again).
    script = (f"{exe} {d} {N} && curl -s http://127.0.0.1:{port}/metrics > {scraped}")
    outside = subprocess.Popen(["sleep", "300"])
    try:
        p = proctor.run(["sh", "-c", script], "--ringbuf-mb", "1", "--fail-closed",
                        "--metrics", f"127.0.0.1:{port}", timeout=300)
        outside_state = open(f"/proc/{outside.pid}/stat").read().rsplit(")", 1)[1].split()[0]
    finally:
        outside.kill()
        outside.wait()
    assert p.returncode == 0, p.stderr
    assert re.search(r", \d+ events, 0 drops, exit 0", p.stderr), p.stderr
    m = re.search(r"fail-closed: frozen (\d+) times, (\S+) in all", p.stderr)
    assert m and int(m.group(1)) >= 1, p.stderr
    assert "kernel ring buffer losses" not in p.stderr
    s = proctor.last_session()
    assert s["drops"] == 0
    opened = {e["file.path"] for e in proctor.events(None, "--type", "file.open")
              if e["file.path"].startswith(str(d) + "/")}
    assert opened == {f"{d}/f{i:05d}" for i in range(N)}
    text = scraped.read_text()
    freezes = re.search(r"^proctor_failclosed_freezes_total (\d+)$", text, re.M)
    frozen_s = re.search(r"^proctor_failclosed_frozen_seconds_total ([0-9.]+)$", text, re.M)
    assert freezes and int(freezes.group(1)) >= 1, text
    assert frozen_s and float(frozen_s.group(1)) > 0, text
    assert re.search(r"^proctor_ringbuf_lost_events_total 0$", text, re.M), text
    assert outside_state == "S"  # sleeping, never frozen with the session


def test_fail_closed_summary_without_pressure(proctor):
    p = proctor.run(["true"], "--fail-closed")
    assert p.returncode == 0, p.stderr
    assert "fail-closed: frozen 0 times, 0us in all" in p.stderr, p.stderr


def test_without_fail_closed_no_freeze_line(proctor):
    p = proctor.run(["true"])
    assert p.returncode == 0, p.stderr
    assert "fail-closed" not in p.stderr

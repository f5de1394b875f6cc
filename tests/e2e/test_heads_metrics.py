"""test_heads_metrics.py: the store's chain heads in /metrics (docs/STORE.md
"The chain head in the sinks", docs/SINKS.md): proctor_store_heads_total
counts the signed heads exported to the other sinks, and
proctor_store_heads_lost_total the (head, sink) pairs a sink lost, never
event losses. The daemon's /metrics and `status --json` agree with each
other and with what the sinks got: a JSON lines sink keeps every head, a
webhook that answers 400 loses every one; a standalone run serves the same."""
import json
import re
import subprocess
import time

from conftest import PROCTOR
from siem_receivers import HttpReceiver, free_port
from test_daemon import Daemon

QUIET = "auto_adopt: {agents: false, containers: {enabled: false}}\n"
# longer than the 1 s checkpoint interval: periodic heads and a final one
WORKLOAD = ["sh", "-c", "cat /etc/hostname >/dev/null; sleep 1.3; ls / >/dev/null"]


def metric(text, name):
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    assert m, text
    return int(m.group(1))


def scrape(port):
    return subprocess.run(["curl", "-s", f"http://127.0.0.1:{port}/metrics"],
                          capture_output=True, text=True, timeout=10).stdout


def heads_in(path):
    return sum(1 for line in open(path) if '"type":"store.chain_head"' in line)


def test_daemon_metrics_and_status_agree_on_heads_and_their_losses(tmp_path):
    rx = HttpReceiver(lambda req: (400, {}, b'{"error":"bad data"}'))
    out = tmp_path / "siem.jsonl"
    cfg = tmp_path / "daemon.yaml"
    cfg.write_text(QUIET)
    port = free_port()
    dm = Daemon(tmp_path, "--config", str(cfg), "--metrics", f"127.0.0.1:{port}",
                "--export", f"jsonl:{out}",
                "--export", f"webhook://127.0.0.1:{rx.port}/hook?drain=100ms").start()
    try:
        p = dm.run(WORKLOAD, "--daemon", timeout=120)
        assert p.returncode == 0, p.stderr
        sid = dm.store().last_session()["session"]
        deadline, last = time.time() + 30, None
        while time.time() < deadline:  # the webhook's losses are reported late
            text = scrape(port)
            st = json.loads(dm.cli("status", "--json", check=True).stdout)["store"]
            now = (metric(text, "proctor_store_heads_total"),
                   metric(text, "proctor_store_heads_lost_total"), st["heads"],
                   st["heads_lost"], heads_in(out))
            if now == last and now[0] == now[1]:
                break
            last = now
            time.sleep(0.5)
        heads, lost, st_heads, st_lost, in_jsonl = now
        mine = [json.loads(x) for x in open(out) if '"type":"store.chain_head"' in x]
        assert [h["session"] for h in mine] == [sid] * len(mine)
        assert any(h.get("store.checkpoint.final") for h in mine), mine[-1]
        assert heads >= 2  # a periodic head and the final one
        assert (st_heads, in_jsonl) == (heads, heads)  # every head the jsonl sink got
        assert (lost, st_lost) == (heads, heads)  # the webhook lost each one, once
        assert metric(text, "proctor_ringbuf_lost_events_total") == 0
        text_status = dm.cli("status", check=True).stdout
        assert f"{heads} chain heads exported, {heads} lost" in text_status, text_status
    finally:
        dm.stop()
        rx.stop()
    s = dm.store().last_session()
    assert s["drops"] == 0  # head losses are no event losses


def test_standalone_metrics_count_heads(proctor, tmp_path):
    out = tmp_path / "siem.jsonl"
    port = free_port()
    scraped = tmp_path / "metrics"
    script = (f"cat /etc/hostname >/dev/null; sleep 2.5; "
              f"curl -s http://127.0.0.1:{port}/metrics > {scraped}")
    p = proctor.run(["sh", "-c", script], "--export", f"jsonl:{out}",
                    "--metrics", f"127.0.0.1:{port}")
    assert p.returncode == 0, p.stderr
    text = scraped.read_text()
    heads = metric(text, "proctor_store_heads_total")
    assert heads >= 1  # the periodic ones, before the final head
    assert heads_in(out) >= heads + 1  # ... which came after the scrape
    assert metric(text, "proctor_store_heads_lost_total") == 0

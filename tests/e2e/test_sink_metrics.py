"""test_sink_metrics.py: `proctor run --metrics ADDR` serves Prometheus
/metrics (checked by `promtool check metrics`) and /healthz (503 while a
sink cannot deliver)."""
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

from conftest import PROCTOR
from siem_receivers import free_port


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def scrape_while_running(proctor, tmp_path, export, seconds=6):
    port = free_port()
    out = {}

    def scrape():
        # Poll until the command's first exec is counted (BPF load takes a
        # moment), while it still runs.
        deadline = time.monotonic() + seconds - 1
        while True:
            time.sleep(0.2)
            try:
                out["metrics"] = fetch(f"http://127.0.0.1:{port}/metrics")
            except OSError:
                continue
            if 'type="process.exec"' in out["metrics"][1] or time.monotonic() > deadline:
                break
        out["healthz"] = fetch(f"http://127.0.0.1:{port}/healthz")

    t = threading.Thread(target=scrape)
    t.start()
    env = dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))
    p = proctor.run(["sh", "-c", f"ls / >/dev/null; sleep {seconds}"], "--metrics",
                    f"127.0.0.1:{port}", "--export", export, env=env)
    t.join()
    assert p.returncode == 0, p.stderr
    return out


def test_metrics_pass_promtool(proctor, tmp_path):
    rx_port = free_port()
    out = scrape_while_running(proctor, tmp_path,
                               f"webhook://127.0.0.1:{rx_port}/x?token=SECRET&drain=100ms")
    code, text = out["metrics"]
    assert code == 200
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    for name in ["proctor_build_info{", "proctor_events_total{type=\"process.exec\"}",
                 "proctor_ringbuf_lost_events_total ", "proctor_dropped_events_total{reason=\"spool_full\"}",
                 "proctor_rate_limited_events_total ", "proctor_sink_sends_total{",
                 "proctor_sink_send_failures_total{", "proctor_sink_spool_bytes{",
                 "proctor_sink_send_duration_seconds_bucket{", "proctor_sink_spool_events{",
                 "proctor_sink_rejected_events_total{", "proctor_sink_spool_evicted_events_total{"]:
        assert name in text, name
    assert "SECRET" not in text          # sink labels never carry URL queries
    label = f'{{sink="webhook://127.0.0.1:{rx_port}/x"}}'
    values = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    assert float(values["proctor_sink_spool_events" + label]) > 0   # waiting, not lost
    assert float(values["proctor_sink_spool_bytes" + label]) > 0
    assert float(values["proctor_sink_up" + label]) == 0
    assert float(values["proctor_sink_send_failures_total" + label]) >= 1
    # The receiver is down: health says so.
    code, body = out["healthz"]
    assert code == 503 and "not delivering" in body


def test_healthz_ok(proctor, tmp_path):
    out = scrape_while_running(proctor, tmp_path, f"jsonl:{tmp_path / 'x.jsonl'}", seconds=1.5)
    assert out["healthz"][0] == 200

"""test_sink_drops.py: drops are per sink (issue 15 §7). A webhook that
answers 400 loses every event it is sent: with the store beside it that is
the webhook's loss, never "events were lost"; alone, it is the session's.
The summary, -v, `sessions --json` and /metrics agree."""
import re
import subprocess

from conftest import PROCTOR
from siem_receivers import HttpReceiver, free_port


def rejecting():
    return HttpReceiver(lambda req: (400, {}, b'{"error":"bad data"}'))


def test_webhook_400_is_the_webhooks_loss_when_the_store_has_them(proctor):
    rx = rejecting()
    try:
        url = f"webhook://127.0.0.1:{rx.port}/hook?token=T0K&drain=100ms"
        p = proctor.run(["sh", "-c", "echo a; echo b"], "--export", url)
    finally:
        rx.stop()
    assert p.returncode == 0, p.stderr
    s = proctor.last_session()
    stored = proctor.events(s["session"])
    assert s["drops"] == 0 and s["events"] == len(stored) > 0
    # the store says whose loss it was, as the summary does (no query: tokens)
    assert s["drops.by_sink"] == {f"webhook://127.0.0.1:{rx.port}/hook": len(stored)}, s
    assert re.search(rf", {s['events']} events, 0 drops, exit 0", p.stderr), p.stderr
    assert "events were lost" not in p.stderr
    line = f"sink webhook://127.0.0.1:{rx.port}/hook lost {len(stored)} events (a loss at this sink"
    assert line in p.stderr, p.stderr
    assert "T0K" not in p.stderr


def test_verbose_and_metrics_agree_with_the_summary(proctor, tmp_path):
    rx = rejecting()
    port = free_port()
    scraped = tmp_path / "metrics"
    # the agent waits for the webhook's answers, then reads its recorder's /metrics
    script = (f"echo a; sleep 2; curl -s http://127.0.0.1:{port}/metrics > {scraped}")
    try:
        url = f"webhook://127.0.0.1:{rx.port}/hook?drain=100ms"
        p = subprocess.run([PROCTOR, "-v", "run", "--db", proctor.db, "--export", url,
                            "--metrics", f"127.0.0.1:{port}", "--", "sh", "-c", script],
                           capture_output=True, text=True, timeout=120)
    finally:
        rx.stop()
    assert p.returncode == 0, p.stderr
    s = proctor.last_session()
    assert s["drops"] == 0
    lost = int(re.search(rf"sink webhook://127\.0\.0\.1:{rx.port}/hook lost (\d+) events",
                         p.stderr).group(1))
    assert lost == s["events"]
    assert s["drops.by_sink"] == {f"webhook://127.0.0.1:{rx.port}/hook": lost}, s
    assert re.search(rf"sink webhook://127\.0\.0\.1:{rx.port}/hook\S*: \d+ records, \d+ batches, "
                     rf"\d+ errors, {lost} dropped", p.stderr), p.stderr
    assert re.search(rf"sink sqlite:\S+: {s['events']} records, \d+ batches, 0 errors, 0 dropped",
                     p.stderr), p.stderr
    text = scraped.read_text()
    m = re.search(rf'^proctor_sink_lost_events_total{{sink="webhook://127\.0\.0\.1:{rx.port}/hook"}} (\d+)$',
                  text, re.M)
    assert m and 0 < int(m.group(1)) <= lost, text
    assert re.search(r'^proctor_sink_lost_events_total{sink="sqlite:[^"]+"} 0$', text, re.M), text
    assert re.search(r'^proctor_dropped_events_total{reason="sink_error"} 0$', text, re.M), text


def test_webhook_alone_losing_everything_is_an_event_loss(proctor, tmp_path):
    rx = rejecting()
    try:
        url = f"webhook://127.0.0.1:{rx.port}/hook?drain=100ms"
        p = subprocess.run([PROCTOR, "run", "--db", "none", "--export", url, "--", "sh", "-c",
                            "echo a"], capture_output=True, text=True, timeout=120)
    finally:
        rx.stop()
    assert p.returncode == 0, p.stderr
    m = re.search(r", (\d+) events, (\d+) drops \(events were lost\), exit 0", p.stderr)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 0, p.stderr
    assert f"sink webhook://127.0.0.1:{rx.port}/hook lost {m.group(1)} events\n" in p.stderr

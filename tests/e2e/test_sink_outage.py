"""test_sink_outage.py: no loss across a receiver outage or a proctor
restart. The receiver is killed mid-stream and restarted; proctor spools,
retries and replays. Then proctor itself exits while the receiver is down
and the next run delivers what was left first. Every event must arrive
exactly once and in order."""
import json
import re
import os
import threading
import time

from siem_receivers import HttpReceiver, free_port


def env_for(tmp_path):
    return dict(os.environ)  # the spool lives next to the test's store


def received(rx):
    out = []
    for r in list(rx.requests):
        doc = json.loads(r["body"])
        for rl in doc["resourceLogs"]:
            for sl in rl["scopeLogs"]:
                for lr in sl["logRecords"]:
                    attrs = {a["key"]: a["value"] for a in lr["attributes"]}
                    if lr.get("eventName") != "store.chain_head":  # the events only
                        out.append((lr, attrs))
    return out


def seq_of(attrs):
    args = attrs.get("process.command_args", {}).get("arrayValue", {}).get("values", [])
    vals = [v["stringValue"] for v in args]
    if len(vals) == 3 and vals[0] == "/bin/echo" and vals[1] == "seq":
        return int(vals[2])
    return None


def key(lr, attrs):
    return (lr["timeUnixNano"], lr.get("eventName"), attrs.get("process.tid", {}).get("intValue"))


def test_receiver_outage_mid_stream(proctor, tmp_path):
    port = free_port()
    rx = HttpReceiver(port=port)
    n = 60
    cmd = ["sh", "-c", f"for i in $(seq 1 {n}); do /bin/echo seq $i >/dev/null; sleep 0.05; done"]

    def outage():
        time.sleep(1.0)
        rx.stop()           # receiver dies mid-stream...
        time.sleep(1.5)
        rx.start()          # ...and comes back on the same port

    t = threading.Thread(target=outage)
    t.start()
    p = proctor.run(cmd, "--export", f"otlp+http://127.0.0.1:{port}?encoding=json",
                    env=env_for(tmp_path))
    t.join()
    assert p.returncode == 0, p.stderr
    events = proctor.events()
    try:
        assert rx.wait(lambda: len(received(rx)) >= len(events), timeout=20)
        got = received(rx)
        seqs = [s for s in (seq_of(a) for _, a in got) if s is not None]
        assert seqs == list(range(1, n + 1))          # all, once, in order
        keys = [key(lr, a) for lr, a in got]
        assert len(keys) == len(set(keys)) == len(events)
        assert proctor.last_session()["drops"] == 0
    finally:
        rx.stop()


def test_proctor_restart_replays_spool_first(proctor, tmp_path):
    port = free_port()
    url = f"otlp+http://127.0.0.1:{port}?encoding=json&drain=300ms"
    cmd1 = ["sh", "-c", "for i in 1 2 3 4 5; do /bin/echo seq $i >/dev/null; done"]
    p = proctor.run(cmd1, "--export", url, env=env_for(tmp_path))   # receiver is down
    assert p.returncode == 0
    assert "stay spooled" in p.stderr
    rx = HttpReceiver(port=port)
    try:
        cmd2 = ["sh", "-c", "for i in 6 7 8; do /bin/echo seq $i >/dev/null; done"]
        p = proctor.run(cmd2, "--export", url, env=env_for(tmp_path))
        assert p.returncode == 0, p.stderr
        s1, s2 = [s["session"] for s in proctor.sessions()]
        n1, n2 = len(proctor.events(s1)), len(proctor.events(s2))
        assert rx.wait(lambda: len(received(rx)) >= n1 + n2, timeout=20)
        got = received_with_session(rx)
        assert len(got) == n1 + n2                                  # exactly once
        assert [s for s, _ in got] == [s1] * n1 + [s2] * n2         # spool first, in order
        seqs = [q for q in (seq_of(a) for _, a in got) if q is not None]
        assert seqs == [1, 2, 3, 4, 5, 6, 7, 8]
    finally:
        rx.stop()


def received_with_session(rx):
    out = []
    for r in list(rx.requests):
        for rl in json.loads(r["body"])["resourceLogs"]:
            res = {a["key"]: a["value"]["stringValue"] for a in rl["resource"]["attributes"]}
            for sl in rl["scopeLogs"]:
                for lr in sl["logRecords"]:
                    attrs = {a["key"]: a["value"] for a in lr["attributes"]}
                    if lr.get("eventName") != "store.chain_head":  # the events only
                        out.append((res["proctor.session"], attrs))
    return out


def test_full_spool_drops_oldest_and_counts_them(proctor, tmp_path):
    """Receiver down, tiny spool: the oldest events are evicted and every
    one of them is counted as the sink's loss (the store has them: not the
    session's drops); the rest is delivered by the next run. Delivered +
    lost = recorded."""
    port = free_port()
    # 64 KiB holds the newest few dozen events of a ~400 KB session (each echo
    # is a fork, an exec, its file opens/reads and an exit): eviction is certain.
    url = f"otlp+http://127.0.0.1:{port}?encoding=json&drain=200ms&spool_max=64K"
    cmd = ["sh", "-c", "for i in $(seq 1 60); do /bin/echo seq $i >/dev/null; done"]
    p = proctor.run(cmd, "--export", url, env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    s1 = proctor.last_session()
    # the store has every event: the evictions are the OTLP sink's loss only
    assert s1["drops"] == 0 and "events were lost" not in p.stderr, p.stderr
    m = re.search(rf"sink otlp\+http://127\.0\.0\.1:{port} lost (\d+) events", p.stderr)
    assert m, p.stderr
    lost = int(m.group(1))
    assert lost > 0, "a 64 KiB spool cannot hold this session"
    rx = HttpReceiver(port=port)
    try:
        p = proctor.run(["true"], "--export", url, env=env_for(tmp_path))
        assert p.returncode == 0, p.stderr
        n2 = len(proctor.events(proctor.last_session()["session"]))
        got = received_with_session(rx)
        assert rx.wait(lambda: len(received_with_session(rx)) >= s1["events"] - lost + n2)
        got = received_with_session(rx)
        from_first = [a for s, a in got if s == s1["session"]]
        assert len(from_first) + lost == s1["events"]
        # What survived is the newest part, still in order.
        seqs = [q for q in (seq_of(a) for a in from_first) if q is not None]
        assert seqs == list(range(61 - len(seqs), 61))
    finally:
        rx.stop()


def test_concurrent_runs_share_a_destination(proctor, tmp_path):
    """Two proctor runs at once, same store and same export URL: each gets
    its own spool (the second uses DIR.2), nothing is corrupted or lost."""
    import subprocess
    from conftest import PROCTOR
    rx = HttpReceiver()
    url = f"otlp+http://127.0.0.1:{rx.port}?encoding=json"
    cmd = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do /bin/echo seq $i >/dev/null; sleep 0.1; done"]
    try:
        procs = [subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--export", url, "--", *cmd],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            assert "sqlite sink" not in err, err
        sessions = [s["session"] for s in proctor.sessions()]
        assert len(sessions) == 2
        want = {s: len(proctor.events(s)) for s in sessions}
        assert rx.wait(lambda: len(received_with_session(rx)) >= sum(want.values()))
        got = received_with_session(rx)
        per = {s: sum(1 for ss, _ in got if ss == s) for s in sessions}
        seen, dups = set(), []
        for ss, a in got:
            k = (ss, json.dumps(a, sort_keys=True))
            if k in seen:
                dups.append(k)
            seen.add(k)
        assert (per, dups[:3]) == (want, []), (len(dups), len(rx.requests), len(rx.refused))
        for s in sessions:
            seqs = [q for q in (seq_of(a) for ss, a in got if ss == s) if q is not None]
            assert seqs == list(range(1, 9))
        assert os.path.isdir(glob_one(proctor.db + ".spool/*.2"))
    finally:
        rx.stop()


def glob_one(pattern):
    import glob
    found = glob.glob(pattern)
    assert len(found) == 1, (pattern, found)
    return found[0]

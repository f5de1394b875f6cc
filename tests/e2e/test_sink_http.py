"""test_sink_http.py: contract tests of the HTTP sinks against local
receivers that behave like the real services: a webhook, Splunk HEC
(/services/collector/event, Authorization: Splunk, HEC codes), and an
OpenSearch/Elasticsearch _bulk endpoint (NDJSON create into a data stream,
item-level errors, 409 on a duplicate _id)."""
import json
import os

from siem_receivers import HttpReceiver, self_signed


def events_only(recs):
    """Received records without the store's chain heads (docs/EVENTS.md
    store.chain_head), which every sink beside a store also receives."""
    return [e for e in recs if e.get("type") != "store.chain_head"]


def env_for(tmp_path):
    return dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))


def run(proctor, tmp_path, url, cmd=("sh", "-c", "/bin/echo one >/dev/null; /bin/true")):
    p = proctor.run(list(cmd), "--export", url, env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    return p, proctor.events()


def test_webhook_json_arrays(proctor, tmp_path):
    rx = HttpReceiver()
    try:
        _, events = run(proctor, tmp_path, f"webhook://127.0.0.1:{rx.port}/hook?token=T0K")
        assert rx.wait(lambda: len(events_only(e for r in rx.requests
                                               for e in json.loads(r["body"]))) >= len(events))
        got = events_only(e for r in rx.requests for e in json.loads(r["body"]))
        assert all(isinstance(json.loads(r["body"]), list) for r in rx.requests)
        assert rx.requests[0]["path"] == "/hook"
        assert rx.requests[0]["headers"]["Authorization"] == "Bearer T0K"
        assert got == events                 # same flat objects, same order
    finally:
        rx.stop()


def hec_events(req):
    dec, body, out, i = json.JSONDecoder(), req["body"].decode(), [], 0
    while i < len(body):
        while i < len(body) and body[i].isspace():
            i += 1
        if i >= len(body):
            break
        obj, i = dec.raw_decode(body, i)
        out.append(obj)
    return out


def test_splunk_hec_contract(proctor, tmp_path):
    state = {"n": 0}
    indexed = []

    def respond(req):
        if req["headers"].get("Authorization") != "Splunk HECTOKEN":
            return 401, {}, b'{"text":"Invalid token","code":4}'
        if req["path"] != "/services/collector/event":
            return 404, {}, b'{"text":"not found","code":404}'
        state["n"] += 1
        evs = [ev for ev in hec_events(req) if ev["event"]["type"] != "store.chain_head"]
        if state["n"] == 1:
            return 503, {}, b'{"text":"Server is busy","code":9}'
        if state["n"] == 2 and len(evs) > 2:
            # Second event is malformed: the first is indexed, the rest is not.
            indexed.append(evs[0])
            return 400, {}, b'{"text":"Invalid data format","code":6,"invalid-event-number":1}'
        indexed.extend(evs)
        return 200, {}, b'{"text":"Success","code":0}'

    rx = HttpReceiver(respond)
    try:
        p, events = run(proctor, tmp_path,
                        f"splunk-hec://127.0.0.1:{rx.port}?token=HECTOKEN&index=main",
                        ("sh", "-c", "/bin/echo a; /bin/echo b; /bin/echo c"))
        assert rx.wait(lambda: len(indexed) >= len(events) - 1)
        assert "HEC refused an event" in p.stderr
        for ev in indexed:
            assert ev["source"] == "proctor" and ev["sourcetype"] == "proctor:event"
            assert ev["index"] == "main" and ev["host"] == ev["event"]["host.name"]
            assert isinstance(ev["time"], float)
        # Exactly the events minus the refused second one, in order.
        assert [ev["event"] for ev in indexed] == events[:1] + events[2:]
    finally:
        rx.stop()


def test_opensearch_bulk_contract(proctor, tmp_path):
    docs = {}
    order = []
    state = {"n": 0}

    def respond(req):
        assert req["path"] == "/_bulk"
        lines = req["body"].decode().splitlines()
        state["n"] += 1
        items = []
        for k in range(0, len(lines), 2):
            action = json.loads(lines[k])["create"]
            doc = json.loads(lines[k + 1])
            assert action["_index"] == "ss4o_logs-proctor-default"
            if doc["type"] == "store.chain_head":
                items.append({"create": {"_id": action["_id"], "status": 201}})
                continue
            if state["n"] == 1 and k == 0:
                items.append({"create": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}})
                continue
            if action["_id"] in docs:
                items.append({"create": {"_id": action["_id"], "status": 409,
                                         "error": {"type": "version_conflict_engine_exception"}}})
                continue
            docs[action["_id"]] = doc
            order.append(action["_id"])
            items.append({"create": {"_id": action["_id"], "status": 201}})
        body = json.dumps({"took": 1, "errors": any(i["create"]["status"] > 299 for i in items),
                           "items": items}).encode()
        return 200, {"Content-Type": "application/json"}, body

    rx = HttpReceiver(respond)
    try:
        _, events = run(proctor, tmp_path, f"opensearch://127.0.0.1:{rx.port}")
        assert rx.wait(lambda: len(docs) >= len(events))
        got = [docs[i] for i in order]
        assert len(got) == len(events)
        assert all("@timestamp" in d for d in got)
        assert sorted(d["time"] for d in got) == sorted(e["time"] for e in events)
        for d in got:
            d.pop("@timestamp")
        assert sorted(json.dumps(d, sort_keys=True) for d in got) == \
            sorted(json.dumps(e, sort_keys=True) for e in events)
    finally:
        rx.stop()


def test_bulk_custom_index_and_rejected_item(proctor, tmp_path):
    seen = []

    def respond(req):
        # ?user=&password= -> HTTP basic authentication
        assert req["headers"]["Authorization"] == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="
        lines = req["body"].decode().splitlines()
        items = []
        for k in range(0, len(lines), 2):
            action = json.loads(lines[k])["create"]
            seen.append(action["_index"])
            st = 400 if k == 0 else 201
            items.append({"create": {"status": st, "error": {"type": "mapper_parsing_exception",
                                                              "reason": "bad field"}}
                          if st == 400 else {"status": st}})
        return 200, {}, json.dumps({"errors": True, "items": items}).encode()

    rx = HttpReceiver(respond)
    try:
        p, events = run(proctor, tmp_path, f"elasticsearch://127.0.0.1:{rx.port}/logs-proctor-test"
                                                  "?user=elastic&password=changeme")
        assert set(seen) == {"logs-proctor-test"}
        assert "rejected: 400 bad field" in p.stderr
    finally:
        rx.stop()


def test_https_webhook_verifies_the_server(proctor, tmp_path):
    cert, key = self_signed(tmp_path)
    rx = HttpReceiver(tls=(cert, key))
    try:
        # Without the CA the self-signed server is refused: nothing is sent,
        # the events stay spooled (and are not lost).
        p = proctor.run(["true"], "--export", f"https://127.0.0.1:{rx.port}/h?drain=300ms",
                        env=env_for(tmp_path))
        assert p.returncode == 0 and "stay spooled" in p.stderr
        assert not rx.requests
        # With ?ca= the next run delivers the spooled events and its own.
        _, events = run(proctor, tmp_path, f"https://127.0.0.1:{rx.port}/h?drain=300ms&ca={cert}")
        total = sum(len(proctor.events(s["session"])) for s in proctor.sessions())
        got = lambda: events_only(e for r in rx.requests for e in json.loads(r["body"]))
        assert rx.wait(lambda: len(got()) >= total)
        assert len(got()) == total
    finally:
        rx.stop()

"""test_sink_otlp.py: `--export otlp+http://` against a local OTLP/HTTP
receiver. Protobuf payloads are decoded with `protoc --decode` against the
.proto files under proto/ (written from the OTLP specification); JSON
payloads are checked against the OTLP JSON rules. Also: gzip, retry on 503
with Retry-After, partial success, and no retry on 400."""
import json
import os
import subprocess

from siem_receivers import HttpReceiver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO = os.path.join(ROOT, "proto")


def env_for(tmp_path):
    return dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))


def protoc_decode(body, msg="opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"):
    p = subprocess.run(["protoc", f"-I{PROTO}", "--decode", msg,
                        "opentelemetry/proto/collector/logs/v1/logs_service.proto"],
                       input=body, capture_output=True, check=True)
    return p.stdout.decode()


def run(proctor, tmp_path, url, cmd):
    p = proctor.run(cmd, "--export", url, env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    return p


def test_protobuf_decodes_with_protoc(proctor, tmp_path):
    rx = HttpReceiver()
    try:
        run(proctor, tmp_path, f"otlp+http://127.0.0.1:{rx.port}", ["sh", "-c", "/bin/true marker-42; /bin/true"])
        events = proctor.events()
        assert rx.wait(lambda: rx.requests)
        req = rx.requests[0]
        assert req["path"] == "/v1/logs"
        assert req["headers"]["Content-Type"] == "application/x-protobuf"
        assert req["headers"]["Content-Encoding"] == "gzip"
        text = "".join(protoc_decode(r["body"]) for r in rx.requests)
        # the events, and the store's signed chain heads (docs/EVENTS.md store.chain_head)
        heads = text.count('event_name: "store.chain_head"')
        assert heads >= 1 and text.count("log_records {") == len(events) + heads
        assert 'key: "service.name"' in text and 'string_value: "proctor"' in text
        assert f'string_value: "{events[0]["session"]}"' in text
        assert 'key: "proctor.session"' in text
        assert "severity_number: SEVERITY_NUMBER_INFO" in text
        assert 'event_name: "process.exec"' in text
        assert 'key: "process.command_args"' in text and "array_value" in text
        assert 'string_value: "marker-42"' in text
        # One resource for the one session.
        assert text.count("resource_logs {") == len(rx.requests)
    finally:
        rx.stop()


def test_json_encoding_rules(proctor, tmp_path):
    rx = HttpReceiver()
    try:
        run(proctor, tmp_path, f"otlp+http://127.0.0.1:{rx.port}/custom/logs?encoding=json",
            ["true"])
        events = proctor.events()
        assert rx.wait(lambda: rx.requests)
        req = rx.requests[0]
        assert req["path"] == "/custom/logs"
        assert req["headers"]["Content-Type"] == "application/json"
        logs = []
        for r in rx.requests:
            doc = json.loads(r["body"])
            for rl in doc["resourceLogs"]:
                attrs = {a["key"]: a["value"] for a in rl["resource"]["attributes"]}
                assert attrs["proctor.session"] == {"stringValue": events[0]["session"]}
                for sl in rl["scopeLogs"]:
                    assert sl["scope"]["name"] == "proctor"
                    logs += [lr for lr in sl["logRecords"]
                             if lr.get("eventName") != "store.chain_head"]
        assert len(logs) == len(events)
        for lr in logs:
            assert isinstance(lr["timeUnixNano"], str) and lr["timeUnixNano"].isdigit()
            assert isinstance(lr["severityNumber"], int)
            attrs = {a["key"]: a["value"] for a in lr["attributes"]}
            assert set(attrs["process.pid"]) == {"intValue"}
            assert isinstance(attrs["process.pid"]["intValue"], str)
        ex = [lr for lr in logs if lr.get("eventName") == "process.exec"][0]
        attrs = {a["key"]: a["value"] for a in ex["attributes"]}
        assert attrs["process.command_args"] == {"arrayValue": {"values": [{"stringValue": "true"}]}}
        assert attrs["process.args_truncated"] == {"boolValue": False}
    finally:
        rx.stop()


def test_retry_after_503_then_delivered_once(proctor, tmp_path):
    calls = []

    def respond(req):
        calls.append(1)
        if len(calls) == 1:
            return 503, {"Retry-After": "1"}, b""
        return 200, {"Content-Type": "application/json"}, b"{}"

    rx = HttpReceiver(respond)
    try:
        run(proctor, tmp_path, f"otlp+http://127.0.0.1:{rx.port}?encoding=json", ["true"])
        events = proctor.events()
        assert rx.wait(lambda: sum(count_json(r) for r in rx.requests) >= len(events))
        assert len(rx.refused) == 1
        assert sum(count_json(r) for r in rx.requests) == len(events)
    finally:
        rx.stop()


def test_400_is_not_retried_and_is_reported(proctor, tmp_path):
    rx = HttpReceiver(lambda req: (400, {}, b"bad payload"))
    try:
        p = run(proctor, tmp_path, f"otlp+http://127.0.0.1:{rx.port}?encoding=json", ["true"])
        # not retried: every record was sent exactly once (the run may cut
        # its records into more than one batch; each batch is refused once)
        events = proctor.events()
        assert rx.refused
        assert sum(count_json(r) for r in rx.refused) == len(events)
        assert len({r["body"] for r in rx.refused}) == len(rx.refused)
        assert "HTTP 400" in p.stderr
    finally:
        rx.stop()


def test_partial_success_is_reported(proctor, tmp_path):
    body = json.dumps({"partialSuccess": {"rejectedLogRecords": "1",
                                          "errorMessage": "too old"}}).encode()
    rx = HttpReceiver(lambda req: (200, {"Content-Type": "application/json"}, body))
    try:
        p = run(proctor, tmp_path, f"otlp+http://127.0.0.1:{rx.port}?encoding=json", ["true"])
        assert "rejected 1 log records: too old" in p.stderr
    finally:
        rx.stop()


def count_json(req):
    """The events in a request (not the store's chain heads: docs/EVENTS.md)."""
    doc = json.loads(req["body"])
    return sum(lr.get("eventName") != "store.chain_head"
               for rl in doc["resourceLogs"] for sl in rl["scopeLogs"] for lr in sl["logRecords"])

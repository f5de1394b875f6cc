"""test_agent_telemetry.py: the agent's own OTLP telemetry (docs/EVENTS-llm.md
agent.telemetry). `proctor run --otlp-receiver 127.0.0.1:0 --otlp-agent-env`
runs a scripted sender that makes a real model call over HTTPS (Python urllib,
OpenSSL: the kernel's llm.call, tls_sse_server.py) and then posts OTLP logs
and metrics shaped like Claude Code's (protobuf made by `protoc --encode`
from the vendored proto/, and JSON) to OTEL_EXPORTER_OTLP_ENDPOINT. The
records land in the sender's session, attributed by its socket (the body's
own pid and session claims are ignored); a sender that reports what the
kernel saw is quiet, one that lies gets agent.telemetry.mismatch records;
bad bodies get 400/415 with a message; a process outside the session is not
recorded but counted."""
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from conftest import PROCTOR as PROCTOR_BIN, of_type
import tls_sse_server as S

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO = os.path.join(ROOT, "proto")
LOGS = "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"
API_KEY = "sk-ant-api03-proctorTelemetryTestKeyNeverStored0123456789abcXYZ"

SENDER = r"""
import json, os, ssl, sys, time, urllib.error, urllib.request
out, plan = sys.argv[1], json.load(open(sys.argv[2]))
ep = os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"]
res = {"pid": os.getpid(), "status": [],
       "env": {k: os.environ.get(k) for k in ("OTEL_EXPORTER_OTLP_ENDPOINT",
               "CLAUDE_CODE_ENABLE_TELEMETRY", "OTEL_LOGS_EXPORTER",
               "OTEL_EXPORTER_OTLP_PROTOCOL")}}
if plan.get("llm"):  # the model call the kernel sees
    port, ca = plan["llm"]
    ctx = ssl.create_default_context(cafile=ca)
    body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
                       "messages": [{"role": "user", "content": "list /tmp"}]}).encode()
    req = urllib.request.Request("https://127.0.0.1:%s/v1/messages" % port, data=body,
                                 headers={"x-api-key": os.environ["ANTHROPIC_API_KEY"],
                                          "anthropic-version": "2023-06-01",
                                          "content-type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
        r.read()
if plan.get("wait"):  # let the test post from outside the session first
    open(plan["wait"] + ".ep", "w").write(ep)
    for _ in range(200):
        if os.path.exists(plan["wait"]):
            break
        time.sleep(0.05)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for path, headers, body_file in plan["posts"]:
    req = urllib.request.Request(ep + path, data=open(body_file, "rb").read(), headers=headers)
    try:
        with opener.open(req, timeout=10) as r:
            res["status"].append([r.status, r.read().decode("latin1")])
    except urllib.error.HTTPError as e:
        res["status"].append([e.code, e.read().decode("latin1")])
json.dump(res, open(out, "w"))
"""


def attr(k, v):
    if isinstance(v, int):
        return 'attributes { key: "%s" value { int_value: %d } }' % (k, v)
    return 'attributes { key: "%s" value { string_value: "%s" } }' % (k, v)


def claude_log(event, **attrs):
    """A log record as Claude Code sends it: body claude_code.EVENT, event.name EVENT,
    token counts as strings."""
    a = [attr("event.name", event), attr("session.id", "claude-session-1"),
         attr("process.pid", "1")]  # a claim: never used for attribution
    a += [attr(k, v) for k, v in attrs.items()]
    return ('log_records { time_unix_nano: 1700000000000000000 '
            'body { string_value: "claude_code.%s" } %s }' % (event, " ".join(a)))


def logs_body(tmp_path, name, records):
    text = ('resource_logs { resource { %s } scope_logs { scope { name: '
            '"com.anthropic.claude_code.events" } %s } }'
            % (attr("service.name", "claude-code"), " ".join(records)))
    p = subprocess.run(["protoc", f"-I{PROTO}", "--encode", LOGS,
                        "opentelemetry/proto/collector/logs/v1/logs_service.proto"],
                       input=text.encode(), capture_output=True, check=True)
    path = tmp_path / name
    path.write_bytes(p.stdout)
    return str(path)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


METRICS_JSON = json.dumps({"resourceMetrics": [{
    "resource": {"attributes": [{"key": "service.name",
                                 "value": {"stringValue": "claude-code"}}]},
    "scopeMetrics": [{"metrics": [{"name": "claude_code.token.usage", "sum": {
        "aggregationTemporality": 1, "isMonotonic": True, "dataPoints": [
            {"asDouble": 1234, "timeUnixNano": "1700000000000000000",
             "attributes": [{"key": "type", "value": {"stringValue": "input"}},
                            {"key": "model", "value": {"stringValue": S.MODEL}}]}]}}]}]}]})

PB = {"Content-Type": "application/x-protobuf"}
JS = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("tlsca")
    srv, port, ca = S.serve(str(d))
    yield port, ca
    srv.shutdown()


def send(proctor, tmp_path, plan, *opts):
    script = write(tmp_path, "sender.py", SENDER)
    planf = write(tmp_path, "plan.json", json.dumps(plan))
    out = str(tmp_path / "out.json")
    env = dict(os.environ, ANTHROPIC_API_KEY=API_KEY)
    for k in list(env):
        if k.startswith("OTEL_") or k == "CLAUDE_CODE_ENABLE_TELEMETRY":
            del env[k]
    p = proctor.run([sys.executable, script, out, planf], "--agent", "teletest",
                    "--otlp-receiver", "127.0.0.1:0", "--otlp-agent-env", *opts,
                    timeout=300, env=env)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    with open(out) as f:
        return p, json.load(f)


def usage(**kw):
    u = dict(model=S.MODEL, input_tokens="1234", output_tokens=str(S.FINAL_OUTPUT_TOKENS),
             cache_read_tokens="789", cache_creation_tokens="56", cost_usd="0.0123",
             duration_ms="850")
    u.update(kw)
    return u


def test_records_in_the_senders_session_and_agreeing_is_quiet(proctor, tmp_path, server):
    logs = logs_body(tmp_path, "logs.pb", [
        claude_log("api_request", **usage()),
        claude_log("tool_decision", tool_name="Bash", decision="accept", source="config"),
        claude_log("tool_result", tool_name="Bash", success="true", duration_ms="12",
                   tool_parameters='{\\"command\\": \\"curl -H x-api-key:%s\\"}' % API_KEY),
        claude_log("tool_result", tool_name="Read", success="true", duration_ms="3"),
    ])
    metrics = write(tmp_path, "metrics.json", METRICS_JSON)
    p, res = send(proctor, tmp_path, {"llm": list(server), "posts": [
        ["/v1/logs", PB, logs], ["/v1/metrics", JS, metrics]]})
    assert res["status"] == [[200, ""], [200, "{}"]]
    env = res["env"]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://127.0.0.1:")
    assert env["CLAUDE_CODE_ENABLE_TELEMETRY"] == "1"
    assert env["OTEL_LOGS_EXPORTER"] == "otlp"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"

    ev = proctor.events()
    call = of_type(ev, "llm.call")
    assert len(call) == 1
    tel = of_type(ev, "agent.telemetry")
    assert [t["agent.telemetry.event"] for t in tel] == [
        "claude_code.api_request", "claude_code.tool_decision", "claude_code.tool_result",
        "claude_code.tool_result", "claude_code.token.usage"]
    for t in tel:  # the socket's process, not the body's claim
        assert t["process.pid"] == res["pid"]
        assert t["session"] == call[0]["session"]
        assert t["agent"] == "teletest"
        assert t["agent.telemetry.service"] == "claude-code"
    api = tel[0]
    assert api["agent.telemetry.signal"] == "logs"
    assert api["gen_ai.request.model"] == S.MODEL
    assert api["gen_ai.usage.input_tokens"] == 1234
    assert api["gen_ai.usage.output_tokens"] == S.FINAL_OUTPUT_TOKENS
    assert api["gen_ai.usage.cache_read.input_tokens"] == 789
    assert api["gen_ai.usage.cache_creation.input_tokens"] == 56
    assert api["agent.telemetry.cost_usd"] == "0.0123"
    assert api["agent.telemetry.duration_ms"] == 850
    assert api["agent.telemetry.session_id"] == "claude-session-1"
    assert api["agent.telemetry.time_unix_nano"] == 1700000000000000000
    assert api["agent.telemetry.attributes_ignored"] == 2  # event.name, process.pid
    assert tel[1]["agent.telemetry.decision"] == "accept"
    assert tel[1]["agent.telemetry.decision_source"] == "config"
    assert tel[2]["gen_ai.tool.name"] == "Bash" and tel[2]["agent.telemetry.success"] is True
    m = tel[4]
    assert m["agent.telemetry.signal"] == "metrics"
    assert m["agent.telemetry.value"] == "1234"
    assert m["agent.telemetry.metric.type"] == "input"
    # it reported the call and both tool calls the kernel saw: quiet
    assert of_type(ev, "agent.telemetry.mismatch") == []
    assert "agent telemetry at http://127.0.0.1:" in p.stderr
    assert "2 requests, 5 records" in p.stderr
    assert "disagreements" not in p.stderr
    # the redactor sees the agent's fields like every other: the key is not stored
    assert "curl -H" in tel[2]["agent.telemetry.tool_arguments"]
    assert API_KEY not in json.dumps(ev)


def test_a_lying_sender_is_flagged(proctor, tmp_path, server):
    logs = logs_body(tmp_path, "logs.pb", [
        claude_log("api_request", **usage(input_tokens="12", output_tokens="34",
                                          cache_read_tokens="0", cache_creation_tokens="0")),
        claude_log("tool_result", tool_name="Bash", success="true"),
        claude_log("tool_result", tool_name="Write", success="true"),  # never asked for
    ])
    p, res = send(proctor, tmp_path, {"llm": list(server), "posts": [["/v1/logs", PB, logs]]})
    assert res["status"] == [[200, ""]]
    ev = proctor.events()
    mis = of_type(ev, "agent.telemetry.mismatch")
    got = sorted((m["agent.telemetry.mismatch.reason"], m.get("gen_ai.tool.name"),
                  m.get("gen_ai.usage.input_tokens"), m.get("gen_ai.usage.output_tokens"),
                  m.get("agent.telemetry.mismatch.reported"),
                  m.get("agent.telemetry.mismatch.observed")) for m in mis)
    assert got == [
        ("reported_call_not_seen", None, 12, 34, None, None),
        ("seen_call_not_reported", None, 1234, S.FINAL_OUTPUT_TOKENS, None, None),
        ("tool_calls_differ", "Read", None, None, 0, 1),
        ("tool_calls_differ", "Write", None, None, 1, 0),
    ]
    call = of_type(ev, "llm.call")[0]
    for m in mis:
        assert m["session"] == call["session"]
        assert m["event.severity"] == "warning"
    assert "4 disagreements between the agent's telemetry and the kernel's record" in p.stderr


def test_bad_bodies_get_a_message_and_nothing_breaks(proctor, tmp_path):
    good = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{
        "body": {"stringValue": "codex.tool_decision"},
        "attributes": [{"key": "tool_name", "value": {"stringValue": "shell"}},
                       {"key": "decision", "value": {"stringValue": "approved"}}]}]}]}]})
    posts = [
        ["/v1/logs", PB, write(tmp_path, "junk.pb", b"\xff\xff\xff\x0f")],
        ["/v1/logs", JS, write(tmp_path, "junk.json", "{\"resourceLogs\": [")],
        ["/v1/metrics", JS, write(tmp_path, "m.json", "{\"resourceMetrics\": 3}")],
        ["/v1/logs", {"Content-Type": "text/plain"}, write(tmp_path, "t.txt", "hi")],
        ["/v1/traces", PB, write(tmp_path, "e.pb", b"")],
        ["/v1/logs", dict(JS, **{"Content-Encoding": "gzip"}),
         write(tmp_path, "bad.gz", b"not gzip")],
        ["/v1/logs", dict(JS, **{"Content-Encoding": "gzip"}),
         write(tmp_path, "good.gz", gzip.compress(good.encode()))],
    ]
    p, res = send(proctor, tmp_path, {"posts": posts})
    st = res["status"]
    assert st[0] == [400, "not an ExportLogsServiceRequest (protobuf)\n"]
    assert st[1][0] == 400 and st[1][1].startswith("not JSON: ")
    assert st[2] == [400, "resourceMetrics: not an array\n"]
    assert st[3] == [415, "Content-Type: application/x-protobuf or application/json\n"]
    assert st[4] == [404, "only /v1/logs and /v1/metrics\n"]
    assert st[5] == [400, "Content-Encoding gzip: not gzip, or over 4 MiB inflated\n"]
    assert st[6] == [200, "{}"]
    tel = of_type(proctor.events(), "agent.telemetry")
    assert len(tel) == 1
    assert tel[0]["agent.telemetry.event"] == "codex.tool_decision"
    assert tel[0]["gen_ai.tool.name"] == "shell"
    assert tel[0]["agent.telemetry.decision"] == "approved"
    assert "1 requests, 1 records, 6 requests refused" in p.stderr


def test_a_process_outside_the_session_is_not_recorded(proctor, tmp_path):
    flag = str(tmp_path / "go")
    body = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{
        "body": {"stringValue": "claude_code.tool_result"},
        "attributes": [{"key": "tool_name", "value": {"stringValue": "Bash"}}]}]}]}]})
    outside = {}

    def post_from_outside():
        for _ in range(400):
            if os.path.exists(flag + ".ep"):
                break
            time.sleep(0.05)
        ep = open(flag + ".ep").read()
        req = urllib.request.Request(ep + "/v1/logs", data=body.encode(), headers=JS)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            outside["status"] = r.status
        open(flag, "w").close()

    t = threading.Thread(target=post_from_outside)
    t.start()
    p, res = send(proctor, tmp_path, {"wait": flag, "posts": [
        ["/v1/logs", JS, write(tmp_path, "in.json", body)]]})
    t.join()
    assert outside["status"] == 200 and res["status"] == [[200, "{}"]]
    tel = of_type(proctor.events(), "agent.telemetry")
    assert [t["process.pid"] for t in tel] == [res["pid"]]
    assert "2 requests, 1 records" in p.stderr
    assert "1 items from processes outside the sessions (not recorded)" in p.stderr


@pytest.mark.parametrize("args,msg", [
    (["--otlp-receiver", "0.0.0.0:4318"], "not a loopback HOST:PORT"),
    (["--otlp-receiver", "127.0.0.1"], "not a loopback HOST:PORT"),
    (["--otlp-receiver", "127.0.0.1:70000"], "not a loopback HOST:PORT"),
    (["--otlp-agent-env"], "--otlp-agent-env needs --otlp-receiver"),
])
def test_usage_errors(proctor, args, msg):
    p = proctor.run(["true"], *args)
    assert p.returncode == 2, p.stderr
    assert msg in p.stderr


def test_the_daemon_receives_for_its_sessions(tmp_path):
    """otlp_receiver in daemon.yaml: a `proctor run` session registered with the daemon
    sends to it (the agent's OTEL_* set by the caller), recorded in the daemon's store."""
    from test_daemon import Daemon
    import socket as so
    with so.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = write(tmp_path, "daemon.yaml", f"otlp_receiver: 127.0.0.1:{port}\n")
    d = Daemon(tmp_path, "--config", cfg).start()
    try:
        logs = logs_body(tmp_path, "logs.pb", [
            claude_log("tool_result", tool_name="Bash", success="false")])
        script = write(tmp_path, "sender.py", SENDER)
        planf = write(tmp_path, "plan.json", json.dumps({"posts": [["/v1/logs", PB, logs]]}))
        out = str(tmp_path / "out.json")
        env = dict(d.env, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}")
        from conftest import run as run_cmd
        p = run_cmd([PROCTOR_BIN, "run", "--agent", "teletest", "--", sys.executable, script,
                     out, planf], env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        with open(out) as f:
            res = json.load(f)
        assert res["status"] == [[200, ""]]
    finally:
        d.stop()
    tel = of_type(d.store().events(), "agent.telemetry")
    assert [(t["agent.telemetry.event"], t["process.pid"], t["agent"], t["gen_ai.tool.name"],
             t["agent.telemetry.success"]) for t in tel] == \
        [("claude_code.tool_result", res["pid"], "teletest", "Bash", False)]

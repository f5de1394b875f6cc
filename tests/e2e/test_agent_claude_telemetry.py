"""test_agent_claude_telemetry.py: the real Claude Code (tests/e2e/agents,
over HTTPS to the scripted API) with its own OpenTelemetry on
(CLAUDE_CODE_ENABLE_TELEMETRY=1, OTEL_LOGS_EXPORTER=otlp,
OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) sending to `proctor run
--otlp-receiver`: its claude_code.api_request records carry the exact model
and token counts the API sent, land in the agent's session from the agent's
own process, its Bash tool_result is there, and since it reported what the
kernel saw (llm.call, llm.tool_call) there is no agent.telemetry.mismatch."""
import json
import os
import socket
import uuid

import pytest

from conftest import PROCTOR, ROOT, execs, of_type, run

HARNESS = os.path.join(ROOT, "tests", "e2e", "agents", "claude_harness.sh")
TOOL_CMD = "sh -c 'cat /etc/hostname | wc -c'"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_claude_code_telemetry_matches_the_kernel(proctor, tmp_path):
    hdir = tmp_path / "h"
    hdir.mkdir()
    port = free_port()
    otel = (f"CLAUDE_CODE_ENABLE_TELEMETRY=1 OTEL_LOGS_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp "
            f"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "
            f"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{port} "
            f"OTEL_LOGS_EXPORT_INTERVAL=500 OTEL_METRIC_EXPORT_INTERVAL=1000")
    key = "sk-ant-proctor-test-" + uuid.uuid4().hex
    env = dict(os.environ, PROCTOR_HARNESS_DIR=str(hdir), PROCTOR_HARNESS_API_KEY=key,
               PROCTOR_HARNESS_ENV=otel)
    wrap = (f"{PROCTOR} run --db {proctor.db} --user proctor-agent --agent claude "
            f"--project shop --grace 2s --otlp-receiver 127.0.0.1:{port} --")
    p = run([HARNESS, "--https", "--wrap", wrap, "--", TOOL_CMD], timeout=400, env=env)
    if p.returncode == 77 and os.environ.get("CI") != "true":
        pytest.skip("Claude Code could not be installed from npm here")
    assert p.returncode == 0, f"harness failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    summary = (hdir / "claude.err").read_text()

    ev = proctor.events()
    sent = [json.loads(l) for l in (hdir / "server.log").read_text().splitlines()]
    sent = [e for e in sent if e.get("sent")]
    claude = [e for e in execs(ev) if "claude" in e["process.executable.path"]]
    assert claude, "the agent's own exec was not recorded"
    tel = of_type(ev, "agent.telemetry")
    api = [t for t in tel if t["agent.telemetry.event"] == "claude_code.api_request"]
    assert api, f"no api_request telemetry: {summary}"
    # One api_request per message the API sent, with its exact counts, from the agent.
    want = sorted((m["model"], m["usage"]["input_tokens"], m["usage"]["output_tokens"],
                   m["usage"]["cache_read_input_tokens"],
                   m["usage"]["cache_creation_input_tokens"]) for m in sent)
    got = sorted((t["gen_ai.request.model"], t["gen_ai.usage.input_tokens"],
                  t["gen_ai.usage.output_tokens"], t["gen_ai.usage.cache_read.input_tokens"],
                  t["gen_ai.usage.cache_creation.input_tokens"]) for t in api)
    assert got == want
    pids = {e["process.pid"] for e in claude}
    for t in tel:
        assert t["process.pid"] in pids
        assert t["session"] == claude[0]["session"]
        assert t["agent.telemetry.service"] == "claude-code"
    results = [t for t in tel if t["agent.telemetry.event"] == "claude_code.tool_result"]
    assert [t["gen_ai.tool.name"] for t in results] == ["Bash"]
    # It told the truth: the kernel saw the same calls and tool calls.
    assert len(of_type(ev, "llm.call")) == len(sent)
    assert of_type(ev, "agent.telemetry.mismatch") == []
    assert "agent telemetry at http://127.0.0.1:%d" % port in summary
    assert key not in json.dumps(ev)

"""test_policy_mcp.py: `proctor mcp` (docs/POLICY.md "proctor mcp"), an MCP
server over stdio, driven by a real client handshake from inside a `proctor
run --policy` session: initialize, notifications/initialized, tools/list,
tools/call of each tool after the kernel blocked something; malformed input
gets JSON-RPC errors and the server keeps serving; outside a session it says
so. The client (below) is the test's: it writes what it sent and got."""
import json
import os
import subprocess
import sys

from conftest import PROCTOR, run

CLIENT = r'''
import json, subprocess, sys
proctor, out, secret = sys.argv[1:4]
subprocess.run(["cat", secret], capture_output=True)          # the kernel refuses it
srv = subprocess.Popen([proctor, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       text=True)
log = []
def send(msg, raw=None):
    srv.stdin.write((raw if raw is not None else json.dumps(msg)) + "\n")
    srv.stdin.flush()
def recv():
    return json.loads(srv.stdout.readline())
def rpc(msg, raw=None):
    send(msg, raw)
    rep = recv()
    log.append([msg if raw is None else raw, rep])
    return rep
rpc({"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}}})
send({"jsonrpc": "2.0", "method": "notifications/initialized"})
rpc({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
rpc({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
     "params": {"name": "list_violations", "arguments": {}}})
rpc({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
     "params": {"name": "explain_policy", "arguments": {"rule": "no-secret"}}})
rpc({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
     "params": {"name": "check_action", "arguments": {"command": "ls; touch forbidden"}}})
rpc({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
     "params": {"name": "check_action", "arguments": {"read": secret + "/../key"}}})
rpc({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
     "params": {"name": "check_action", "arguments": {"write": "/tmp/x"}}})
for raw in ['{"jsonrpc": "2.0", "id": 8, "method": ', '[1, 2]', '"x"',
            '{"jsonrpc": "1.0", "id": 9, "method": "ping"}',
            '{"jsonrpc": "2.0", "id": 10, "method": "resources/list"}',
            '{"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "rm"}}',
            '{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": '
            '{"name": "check_action", "arguments": {"read": 1}}}',
            '{"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}',
            '{"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": 5}',
            '{"jsonrpc": "2.0", "id": 14, "id": 15, "method": "ping"}',
            '{"jsonrpc": "2.0", "id": "s", "method": "ping"}']:
    rpc(None, raw)
srv.stdin.close()
log.append(["exit", srv.wait()])
json.dump(log, open(out, "w"))
'''

POLICY = """files:
  deny:
    - path: "{secret}"
      name: no-secret
      access: [read]
      reason: "the secret is off limits"
exec:
  deny:
    - argv: ["touch", "forbidden"]
      name: no-forbidden
      reason: "never create the forbidden file"
"""


def test_mcp_handshake_and_tools(proctor, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("k\n")
    (tmp_path / "client.py").write_text(CLIENT)
    f = tmp_path / "p.yaml"
    f.write_text(POLICY.format(secret=secret))
    out = tmp_path / "log.json"
    p = proctor.run([sys.executable, str(tmp_path / "client.py"), PROCTOR, str(out), str(secret)],
                    "--policy", str(f), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    log = json.load(open(out))
    ses = proctor.last_session()["session"]
    vs = [e for e in proctor.events() if e["type"] == "policy.violation"]
    assert len(vs) == 1
    reps = [rep for _, rep in log[:-1]]

    init = reps[0]
    assert init["id"] == 1 and init["jsonrpc"] == "2.0"
    assert init["result"]["protocolVersion"] == "2025-06-18"
    assert init["result"]["capabilities"] == {"tools": {"listChanged": False}}
    assert init["result"]["serverInfo"]["name"] == "proctor"
    tools = reps[1]["result"]["tools"]
    assert [t["name"] for t in tools] == ["list_violations", "explain_policy", "check_action"]
    assert all(t["inputSchema"]["type"] == "object" and t["description"] for t in tools)

    def text(rep):
        r = rep["result"]
        assert r["isError"] is False and len(r["content"]) == 1
        return r["content"][0]["text"]

    assert text(reps[2]) == (
        f"1 policy violation recorded in session {ses}:\n- rule 'no-secret' (blocked by "
        f"fanotify): the secret is off limits; attempted: open {secret} by cat "
        f"(pid {vs[0]['process.pid']})")
    assert text(reps[3]) == (
        f"the policy {f} of session {ses}\n- 'no-secret' (files.deny, line 3; effect block, "
        f"mode enforce): denies read access to {secret}. Reason: the secret is off limits")
    assert text(reps[4]) == ("denied by rule 'no-forbidden': never create the forbidden file "
                             "(exec touch forbidden)")
    assert text(reps[5]) == f"denied by rule 'no-secret': the secret is off limits (read {secret})"
    assert text(reps[6]) == "allowed by the policy (the kernel decides again when it runs)"

    errs = [(rep.get("id"), rep["error"]["code"]) for rep in reps[7:-1]]
    assert errs == [(None, -32700), (None, -32600), (None, -32600), (9, -32600),
                    (10, -32601), (11, -32602), (12, -32602), (None, -32600), (13, -32602),
                    (None, -32700)], errs
    assert reps[-1] == {"jsonrpc": "2.0", "id": "s", "result": {}}
    assert log[-1] == ["exit", 0]


def test_mcp_outside_a_session(tmp_path):
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "list_violations"}}]
    p = run([PROCTOR, "mcp"], input="".join(json.dumps(m) + "\n" for m in msgs))
    assert p.returncode == 0
    reps = [json.loads(line) for line in p.stdout.splitlines()]
    assert reps[0]["result"]["protocolVersion"] == "2025-06-18"
    assert reps[1]["result"] == {"content": [{"type": "text", "text": "proctor mcp is not "
                                              "running inside a proctor session"}],
                                 "isError": True}


def test_mcp_usage_and_long_lines(tmp_path):
    p = run([PROCTOR, "mcp", "extra"])
    assert p.returncode == 2 and "usage: proctor mcp" in p.stderr
    p = run([PROCTOR, "mcp"], input="x" * (2 << 20) + "\n" +
            '{"jsonrpc": "2.0", "id": 1, "method": "ping"}\n')
    reps = [json.loads(line) for line in p.stdout.splitlines()]
    assert reps == [{"jsonrpc": "2.0", "id": None,
                     "error": {"code": -32600, "message": "message too long (the limit is 1 MiB)"}},
                    {"jsonrpc": "2.0", "id": 1, "result": {}}]

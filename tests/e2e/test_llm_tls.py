"""test_llm_tls.py: LLM visibility from TLS plaintext (docs/EVENTS-llm.md).
A Python urllib client (OpenSSL 3's libssl, SSL_read_ex/SSL_write_ex) under
proctor talks HTTPS to a local scripted Anthropic API (tls_sse_server.py,
a test CA made here): the llm.call record carries the exact model, token
counts and tool_use ids the server sent, one llm.tool_call per tool_use
block, and the API key the client sent is nowhere in the store."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import PROCTOR as PROCTOR_BIN, of_type, run as run_cmd
import tls_sse_server as S

API_KEY = "sk-ant-api03-proctorTlsTestKeyNeverStored0123456789abcdefXYZ"

CLIENT = r"""
import json, os, ssl, sys, urllib.request
port, ca, stream = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
key = os.environ["ANTHROPIC_API_KEY"]
ctx = ssl.create_default_context(cafile=ca)
prompt = os.environ.get("PROMPT", "list /tmp")
body = json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": stream,
                   "messages": [{"role": "user", "content": prompt}]}).encode()
req = urllib.request.Request("https://127.0.0.1:%s/v1/messages?beta=true" % port, data=body,
                             headers={"x-api-key": key, "authorization": "Bearer " + key,
                                      "anthropic-version": "2023-06-01",
                                      "content-type": "application/json"})
with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
    data = r.read()
print(len(data))
if len(sys.argv) > 4 and sys.argv[4] == "spawn":  # act as an agent: run the Bash tool call
    import subprocess
    args = "".join(json.loads(l[6:])["delta"]["partial_json"] for l in data.decode().splitlines()
                   if l.startswith("data: ") and '"index": 1' in l and "input_json_delta" in l)
    subprocess.run(["sh", "-c", "echo unrelated"], check=True)
    subprocess.run(["bash", "-c", json.loads(args)["command"]], check=True)
    subprocess.run(["true"], check=True)
"""


NODE_CLIENT = r"""
const https = require("https"), fs = require("fs");
const [port, ca] = process.argv.slice(2);
const body = JSON.stringify({model: "claude-sonnet-4-5", max_tokens: 64, stream: true,
                             messages: [{role: "user", content: "list /tmp"}]});
const req = https.request({host: "127.0.0.1", port, path: "/v1/messages", method: "POST",
                           ca: fs.readFileSync(ca),
                           headers: {"x-api-key": process.env.ANTHROPIC_API_KEY,
                                     "content-type": "application/json",
                                     "content-length": Buffer.byteLength(body)}},
                          res => { let n = 0; res.on("data", d => n += d.length);
                                   res.on("end", () => console.log(n)); });
req.end(body);
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("tlsca")
    srv, port, ca = S.serve(str(d))
    yield port, ca
    srv.shutdown()


def run_client(proctor, server, stream, *opts, spawn=False, env_extra=None):
    """The client runs from a file, its key in the environment: argv (which
    the kernel records) names neither the key nor the auth headers."""
    port, ca = server
    script = os.path.join(os.path.dirname(proctor.db), "client.py")
    with open(script, "w") as f:
        f.write(CLIENT)
    env = dict(os.environ, ANTHROPIC_API_KEY=API_KEY, **(env_extra or {}))
    p = proctor.run([sys.executable, script, str(port), ca, "1" if stream else "0"] +
                    (["spawn"] if spawn else []),
                    "--agent", "tlstest", *opts, timeout=300, env=env)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    return p


def test_stream_llm_call_exact(proctor, server):
    p = run_client(proctor, server, True)
    ev = proctor.events()
    calls = of_type(ev, "llm.call")
    assert len(calls) == 1, calls
    c = calls[0]
    assert c["gen_ai.provider.name"] == "anthropic"
    assert c["gen_ai.operation.name"] == "chat"
    assert c["gen_ai.request.model"] == "claude-sonnet-4-5"
    assert c["gen_ai.response.model"] == S.MODEL
    assert c["gen_ai.response.id"] == S.MSG_ID
    assert c["gen_ai.usage.input_tokens"] == 1234
    assert c["gen_ai.usage.output_tokens"] == S.FINAL_OUTPUT_TOKENS
    assert c["gen_ai.usage.cache_read.input_tokens"] == 789
    assert c["gen_ai.usage.cache_creation.input_tokens"] == 56
    assert c["gen_ai.response.finish_reasons"] == ["tool_use"]
    assert c["gen_ai.request.stream"] is True
    assert c["server.address"] == "127.0.0.1"
    assert c["server.port"] == server[0]
    assert c["url.path"] == "/v1/messages"
    assert c["http.request.method"] == "POST"
    assert c["http.response.status_code"] == 200
    assert c["llm.tool_calls"] == [S.TOOL_ID, S.TOOL_ID2]
    assert c["llm.tool_calls.names"] == ["Bash", "Read"]
    assert c["llm.complete"] is True
    assert c["tls.library"] == "openssl"
    assert 0 <= c["llm.time_to_first_chunk_ms"] <= c["llm.duration_ms"]
    assert c["process.name"].startswith("python")

    tools = of_type(ev, "llm.tool_call")
    assert [(t["gen_ai.tool.name"], t["gen_ai.tool.call.id"]) for t in tools] == \
        [("Bash", S.TOOL_ID), ("Read", S.TOOL_ID2)]
    assert tools[0]["llm.tool.command"] == S.BASH_COMMAND
    assert json.loads(tools[0]["gen_ai.tool.call.arguments"]) == \
        {"command": S.BASH_COMMAND, "description": "List /tmp"}
    assert "gen_ai.tool.call.arguments" not in tools[1]  # only Bash-like tools' arguments
    assert all(t["gen_ai.response.id"] == S.MSG_ID for t in tools)

    cap = of_type(ev, "llm.capture")
    assert len(cap) == 1 and cap[0]["llm.capture.hooked"] is True
    assert cap[0]["tls.bytes_captured"] > 0 and cap[0]["tls.bytes_cut"] == 0
    # one hook: the client's libssl, made when the client mapped it
    assert (cap[0]["tls.hooks"], cap[0]["tls.hooks.missed"]) == (1, 0)
    assert [os.path.basename(x) for x in cap[0]["tls.library.path"]] == \
        [os.path.basename(ssl_lib_path())]
    # the gate (app/tls_gate.c) hooked it while the client opened libssl: before its mapping
    assert cap[0]["tls.hook.max_delay_us"] == 0
    assert "1 model calls, 2 tool calls, tokens 1234 in / %d out" % S.FINAL_OUTPUT_TOKENS \
        in p.stderr
    assert "not HTTP/1.1" not in p.stderr
    # data/llm-prices, claude-sonnet-4-5*: 3 in, 15 out, 0.30 cache read, 3.75 cache write
    # per million: 1234*3 + 321*15 + 789*0.30 + 56*3.75 = 8963.7 millionths of a dollar
    assert c["llm.cost_usd"] == 0.0089637
    assert "proctor: model cost $0.008964 (1 calls priced)\n" in p.stderr
    assert "proctor: tool calls: Bash 1, Read 1\n" in p.stderr
    # no prompt or response text without --capture-content
    assert not {"gen_ai.input.messages", "gen_ai.system_instructions", "llm.response.text"} & \
        set(c), c


def test_whole_body_llm_call(proctor, server):
    run_client(proctor, server, False)
    calls = of_type(proctor.events(), "llm.call")
    assert len(calls) == 1, calls
    c = calls[0]
    assert c["gen_ai.response.id"] == S.MSG_ID + "Whole"
    assert (c["gen_ai.usage.input_tokens"], c["gen_ai.usage.output_tokens"]) == (11, 22)
    assert c["gen_ai.request.stream"] is False
    assert c["gen_ai.response.finish_reasons"] == ["end_turn"]
    assert c["llm.tool_calls"] == []
    assert c["llm.complete"] is True


def test_cost_from_price_file(proctor, server, tmp_path):
    """$PROCTOR_LLM_PRICES replaces the shipped table: its prices are used; a
    model it does not name gets no llm.cost_usd, and the summary says so."""
    prices = tmp_path / "prices"
    prices.write_text("proctor-llm-prices 1\nclaude-sonnet-4-5* 1 2 0 1000\n")
    run_client(proctor, server, True, env_extra={"PROCTOR_LLM_PRICES": str(prices)})
    c = of_type(proctor.events(), "llm.call")[0]
    # 1234*1 + 321*2 + 789*0 + 56*1000 = 57876 millionths
    assert c["llm.cost_usd"] == 0.057876
    prices.write_text("proctor-llm-prices 1\ngpt-5* 1.25 10 0.125 0\n")
    p = run_client(proctor, server, True, env_extra={"PROCTOR_LLM_PRICES": str(prices)})
    calls = of_type(proctor.events(proctor.last_session()["session"]), "llm.call")
    assert len(calls) == 1 and "llm.cost_usd" not in calls[0], calls
    assert "proctor: 1 model calls not priced (model not in the price table)\n" in p.stderr
    assert "model cost" not in p.stderr
    prices.write_text("proctor-llm-prices 1\nclaude* 1 2\n")
    p = run_client(proctor, server, True, env_extra={"PROCTOR_LLM_PRICES": str(prices)})
    assert ("proctor: 1 model calls not priced (%s:2: want MODEL-GLOB INPUT OUTPUT "
            "CACHE-READ CACHE-WRITE (USD per million tokens, 0 to 999999))\n" % prices) in p.stderr


GH_TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ012345"


def test_capture_content(proctor, server):
    """--capture-content: the prompt and the response text on llm.call, after
    the redactor (a token in the prompt is stored as its marker); the API key
    and the auth headers still nowhere."""
    run_client(proctor, server, True, "--capture-content",
               env_extra={"PROMPT": "list /tmp, token " + GH_TOKEN})
    c = of_type(proctor.events(), "llm.call")[0]
    assert json.loads(c["gen_ai.input.messages"]) == \
        [{"role": "user", "content": "list /tmp, token [REDACTED:github_token]"}]
    assert c["llm.response.text"] == "Listing."  # the stream's one text block
    assert "gen_ai.system_instructions" not in c and "llm.content_truncated" not in c
    assert "github_token" in c["redaction.rules"]
    raw = open(proctor.db, "rb").read()
    assert GH_TOKEN.encode() not in raw and API_KEY.encode() not in raw
    dump = "\n".join(sqlite3.connect(proctor.db).iterdump())
    assert GH_TOKEN not in dump and API_KEY not in dump
    assert "x-api-key" not in dump.lower() and "authorization" not in dump.lower()


def test_api_key_never_stored(proctor, server):
    run_client(proctor, server, True)
    assert of_type(proctor.events(), "llm.call")
    raw = open(proctor.db, "rb").read()
    for suffix in ("-wal",):
        try:
            raw += open(proctor.db + suffix, "rb").read()
        except OSError:
            pass
    assert API_KEY.encode() not in raw
    dump = "\n".join(sqlite3.connect(proctor.db).iterdump())
    assert "llm.call" in dump
    assert API_KEY not in dump and "x-api-key" not in dump.lower()
    assert "authorization" not in dump.lower()


# Maps argv[1], waits until the kernel put the uprobe's breakpoint (0xcc)
# at its function argv[2] in this process, then execs argv[3:] in the same
# pid: the hook follows the process across the exec (the kernel installs it
# when the new image maps the same file), so a client that makes its first
# TLS write a few ms after start (curl, wget) is hooked from its first
# instruction rather than racing the hook (docs/EVENTS-llm.md, "the window").
PREHOOK = r"""
import ctypes, os, sys, time
fn = ctypes.cast(getattr(ctypes.CDLL(sys.argv[1]), sys.argv[2]), ctypes.c_void_p).value
deadline = time.monotonic() + 60
while ctypes.string_at(fn, 1)[0] != 0xcc:
    if time.monotonic() > deadline:
        sys.exit("no breakpoint at %s after 60 s" % sys.argv[2])
    time.sleep(0.01)
os.execvp(sys.argv[3], sys.argv[3:])
"""


def prehooked(tmp_path, lib, fn, argv):
    script = tmp_path / "prehook.py"
    script.write_text(PREHOOK)
    return [sys.executable, str(script), lib, fn] + argv


def test_curl_openssl(proctor, server, tmp_path):
    """curl (libcurl over the system's OpenSSL 3: plain SSL_read/SSL_write),
    exec'd by a process hooked already: the same exact llm.call; its key
    comes from a header file, so argv holds no secret."""
    port, ca = server
    hdr, body = tmp_path / "headers", tmp_path / "body.json"
    hdr.write_text("x-api-key: %s\ncontent-type: application/json\n" % API_KEY)
    body.write_text(json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
                                "messages": [{"role": "user", "content": "list /tmp"}]}))
    ssl_lib = linked_lib("curl", "libssl")
    p = proctor.run(prehooked(tmp_path, ssl_lib, "SSL_write", [
        "curl", "-sS", "--fail", "--cacert", ca, "-H", "@%s" % hdr, "--data-binary",
        "@%s" % body, "https://127.0.0.1:%d/v1/messages" % port]), "--agent", "tlstest",
        timeout=300)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    ev = proctor.events()
    calls = of_type(ev, "llm.call")
    assert len(calls) == 1, (calls, of_type(ev, "llm.capture"))
    c = calls[0]
    assert (c["gen_ai.response.id"], c["gen_ai.response.model"]) == (S.MSG_ID, S.MODEL)
    assert (c["gen_ai.usage.input_tokens"], c["gen_ai.usage.output_tokens"]) == \
        (1234, S.FINAL_OUTPUT_TOKENS)
    assert c["gen_ai.request.model"] == "claude-sonnet-4-5" and c["url.path"] == "/v1/messages"
    assert c["llm.tool_calls"] == [S.TOOL_ID, S.TOOL_ID2] and c["llm.complete"] is True
    assert c["process.name"] == "curl" and c["tls.library"] == "openssl"
    cap = of_type(ev, "llm.capture")
    # libssl hooked once (before the exec; curl's own mapping finds it hooked), and the
    # libgnutls curl also maps (through librtmp), hooked when mapped
    assert len(cap) == 1 and cap[0]["tls.hooks"] == 2, json.dumps(cap)
    assert cap[0]["tls.library"] == "openssl,gnutls"
    assert cap[0]["tls.library.path"] == [os.path.realpath(ssl_lib),
                                          os.path.realpath(linked_lib("curl", "libgnutls"))]
    assert API_KEY.encode() not in open(proctor.db, "rb").read()


def test_wget_gnutls(proctor, server, tmp_path):
    """wget (GnuTLS 3: gnutls_record_send/gnutls_record_recv in libgnutls),
    exec'd by a process hooked already: the same exact llm.call, named
    gnutls; its key comes from a wgetrc, so argv holds no secret."""
    port, ca = server
    rc, body = tmp_path / "wgetrc", tmp_path / "body.json"
    rc.write_text("header = x-api-key: %s\nheader = content-type: application/json\n" % API_KEY)
    body.write_text(json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
                                "messages": [{"role": "user", "content": "list /tmp"}]}))
    env = dict(os.environ, WGETRC=str(rc))
    gnutls = linked_lib("wget", "libgnutls")
    p = proctor.run(prehooked(tmp_path, gnutls, "gnutls_record_send", [
        "wget", "-q", "-O", "-", "--ca-certificate", ca, "--post-file", str(body),
        "https://127.0.0.1:%d/v1/messages" % port]), "--agent", "tlstest", timeout=300, env=env)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    ev = proctor.events()
    calls = of_type(ev, "llm.call")
    assert len(calls) == 1, (calls, of_type(ev, "llm.capture"))
    c = calls[0]
    assert (c["gen_ai.response.id"], c["gen_ai.response.model"]) == (S.MSG_ID, S.MODEL)
    assert (c["gen_ai.usage.input_tokens"], c["gen_ai.usage.output_tokens"]) == \
        (1234, S.FINAL_OUTPUT_TOKENS)
    assert c["gen_ai.request.model"] == "claude-sonnet-4-5" and c["url.path"] == "/v1/messages"
    assert c["llm.tool_calls"] == [S.TOOL_ID, S.TOOL_ID2] and c["llm.complete"] is True
    assert c["process.name"] == "wget" and c["tls.library"] == "gnutls"
    cap = of_type(ev, "llm.capture")
    assert len(cap) == 1 and cap[0]["tls.hooks"] == 1 and cap[0]["tls.library"] == "gnutls", json.dumps(cap)
    assert cap[0]["tls.library.path"] == [os.path.realpath(gnutls)]
    assert API_KEY.encode() not in open(proctor.db, "rb").read()


def test_node_static_openssl(proctor, server):
    """Node carries its own OpenSSL (exported SSL_read/SSL_write): hooked by
    the executable's inode at the exec of a tracked process."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    if probe_exports_ssl(node) is False:
        pytest.skip("this node links the system libssl (covered by the urllib tests)")
    port, ca = server
    script = os.path.join(os.path.dirname(proctor.db), "client.js")
    with open(script, "w") as f:
        f.write(NODE_CLIENT)
    env = dict(os.environ, ANTHROPIC_API_KEY=API_KEY)
    p = proctor.run([node, script, str(port), ca], "--agent", "tlstest", timeout=300, env=env)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    ev = proctor.events()
    calls = of_type(ev, "llm.call")
    assert len(calls) == 1, calls
    c = calls[0]
    assert (c["gen_ai.response.id"], c["gen_ai.response.model"]) == (S.MSG_ID, S.MODEL)
    assert (c["gen_ai.usage.input_tokens"], c["gen_ai.usage.output_tokens"]) == \
        (1234, S.FINAL_OUTPUT_TOKENS)
    assert c["llm.tool_calls"] == [S.TOOL_ID, S.TOOL_ID2]
    assert c["llm.complete"] is True and c["process.name"] == "node"
    cap = of_type(ev, "llm.capture")
    assert len(cap) == 1 and os.path.realpath(node) in cap[0]["tls.library.path"]


def linked_lib(exe, name):
    """The file the loader maps for exe's library name (ldd)."""
    out = subprocess.run(["ldd", shutil.which(exe)], capture_output=True, text=True,
                         check=True).stdout
    libs = [ln.split("=>")[1].split()[0] for ln in out.splitlines() if name in ln and "=>" in ln]
    assert len(libs) == 1, out
    return libs[0]


def ssl_lib_path():
    """The libssl this Python's ssl module maps."""
    import _ssl  # noqa: F401 (maps libssl)
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "/libssl" in line}
    assert len(libs) == 1, libs
    return libs.pop()


# Prints, as JSON, the first byte of SSL_read, SSL_write, SSL_read_ex and
# SSL_write_ex in its own memory (0xcc: a uprobe's breakpoint is there),
# after one HTTPS request; with "peer PID ADDRS", also those bytes in the
# process PID (read from /proc/PID/mem) at the addresses given.
BYTES = r"""
import ctypes, json, ssl, sys, urllib.request
port, ca = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
req = urllib.request.Request("https://127.0.0.1:%s/v1/messages" % port, data=json.dumps(
    {"model": "claude-sonnet-4-5", "max_tokens": 8, "stream": True, "messages": []}).encode(),
    headers={"content-type": "application/json"})
urllib.request.urlopen(req, context=ctx, timeout=20).read()
lib = ctypes.CDLL("libssl.so.3")
names = ("SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex")
addrs = [ctypes.cast(getattr(lib, n), ctypes.c_void_p).value for n in names]
out = {"addrs": addrs, "own": [ctypes.string_at(a, 1)[0] for a in addrs]}
if len(sys.argv) > 3:
    with open("/proc/%s/mem" % sys.argv[4], "rb") as m:
        out["peer"] = []
        for a in json.loads(sys.argv[5]):
            m.seek(a)
            out["peer"].append(m.read(1)[0])
print(json.dumps(out), flush=True)
if len(sys.argv) <= 3:
    sys.stdin.readline()  # an untracked peer: stay alive while the tracked one looks
"""


def test_only_tracked_processes_carry_breakpoints(proctor, server):
    """An untracked process using the same libssl, alive and mapping it while
    a tracked one is hooked, has no breakpoint at the four functions; the
    tracked one has one at each (the kernel wrote int3 into its copy)."""
    port, ca = server
    script = os.path.join(os.path.dirname(proctor.db), "bytes.py")
    with open(script, "w") as f:
        f.write(BYTES)
    peer = subprocess.Popen([sys.executable, script, str(port), ca], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        before = json.loads(peer.stdout.readline())
        p = proctor.run([sys.executable, script, str(port), ca, "peer", str(peer.pid),
                         json.dumps(before["addrs"])], "--agent", "tlstest", timeout=300)
        assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    finally:
        peer.stdin.write("\n")
        peer.stdin.close()
        peer.wait(timeout=30)
    tracked = json.loads(p.stdout.splitlines()[-1])
    assert tracked["own"] == [0xCC] * 4, tracked
    assert 0xCC not in before["own"], before
    assert tracked["peer"] == before["own"], (tracked, before)
    assert of_type(proctor.events(), "llm.call")  # the tracked request was read


def test_daemon_session_llm_call(tmp_path, server):
    """A session registered with `proctor daemon` gets the same capture: the
    daemon hooks the client when it maps libssl, and the llm.call lands in
    the daemon's store with the exact values the server sent."""
    from test_daemon import Daemon
    port, ca = server
    script = str(tmp_path / "client.py")
    with open(script, "w") as f:
        f.write(CLIENT)
    d = Daemon(tmp_path).start()
    try:
        env = dict(d.env, ANTHROPIC_API_KEY=API_KEY)
        p = run_cmd([PROCTOR_BIN, "run", "--daemon", "--agent", "tlstest", "--", sys.executable,
                     script, str(port), ca, "1"], env=env, timeout=300)
        assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
        assert "(via the daemon)" in p.stderr
    finally:
        d.stop()
    st = d.store()
    ev = st.events(st.last_session()["session"])
    calls = of_type(ev, "llm.call")
    assert len(calls) == 1, calls
    c = calls[0]
    assert (c["gen_ai.response.id"], c["gen_ai.response.model"]) == (S.MSG_ID, S.MODEL)
    assert (c["gen_ai.usage.input_tokens"], c["gen_ai.usage.output_tokens"]) == \
        (1234, S.FINAL_OUTPUT_TOKENS)
    assert c["llm.tool_calls"] == [S.TOOL_ID, S.TOOL_ID2] and c["llm.complete"] is True
    assert [t["gen_ai.tool.call.id"] for t in of_type(ev, "llm.tool_call")] == \
        [S.TOOL_ID, S.TOOL_ID2]
    cap = of_type(ev, "llm.capture")
    assert len(cap) == 1 and cap[0]["llm.capture.hooked"] is True and cap[0]["tls.hooks"] == 1


def probe_exports_ssl(path):
    """Whether the ELF at path defines SSL_write in its dynamic symbols."""
    p = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return any(line.split()[-1] == "SSL_write" for line in p.stdout.splitlines() if line.split())


def test_tool_call_links_its_processes(proctor, server):
    """The agent's next spawn whose argv holds the Bash tool call's command,
    and that spawn's descendants, carry gen_ai.tool.call.id; nothing else does."""
    run_client(proctor, server, True, spawn=True)
    ev = proctor.events()
    tid = "gen_ai.tool.call.id"
    by_cmd = {tuple(e["process.command_args"]): e for e in of_type(ev, "process.exec")}
    bash = by_cmd[("bash", "-c", S.BASH_COMMAND)]
    ls, wc = by_cmd[("ls", "-la", "/tmp")], by_cmd[("wc", "-l")]
    assert bash[tid] == ls[tid] == wc[tid] == S.TOOL_ID
    assert ls["process.parent_pid"] == wc["process.parent_pid"] == bash["process.pid"]
    assert tid not in by_cmd[("sh", "-c", "echo unrelated")]
    assert tid not in by_cmd[("true",)]
    client = [e for e in of_type(ev, "process.exec") if e["process.name"].startswith("python")]
    assert client and all(tid not in e for e in client)
    # every later record of the linked processes carries it: the children's
    # forks, the execs, the exits (bash's own fork came before the link)
    linked = {bash["process.pid"], ls["process.pid"], wc["process.pid"]}
    recs = [e for e in ev if e["process.pid"] in linked and
            (e["type"] in ("process.exec", "process.exit") or
             (e["type"] == "process.fork" and e["process.pid"] != bash["process.pid"]))]
    assert len(recs) >= 7, recs  # bash exec+exit, ls and wc fork+exec+exit
    assert recs and all(e.get(tid) == S.TOOL_ID for e in recs), \
        [(e["type"], e.get(tid)) for e in recs if e.get(tid) != S.TOOL_ID]

    # proctor tree: the tool call (name, id, command) above the subtree it caused,
    # which hangs from it: bash one level deeper, ls and wc below bash
    t = proctor.cli("tree", check=True).stdout.splitlines()
    head = [i for i, line in enumerate(t) if "tool call " in line]
    assert len(head) == 1, t
    i = head[0]
    call = t[i]
    assert call.endswith("tool call Bash (%s): %s" % (S.TOOL_ID, S.BASH_COMMAND)), t
    indent = len(call) - len(call.lstrip(" │├└─"))
    bash_line = t[i + 1]
    assert "bash -c '%s'" % S.BASH_COMMAND in bash_line and \
        "[pid %d" % bash["process.pid"] in bash_line, t
    assert bash_line.lstrip(" │").startswith("└─ ") and \
        len(bash_line) - len(bash_line.lstrip(" │├└─")) == indent + 3, t
    under = [x for x in t[i + 2:] if "[pid" in x][:2]
    assert "ls -la /tmp  [pid" in under[0] and "wc -l  [pid" in under[1], t
    assert all(len(x) - len(x.lstrip(" │├└─")) == indent + 6 for x in under), t
    assert not any("tool call" in x for x in t if "echo unrelated" in x), t

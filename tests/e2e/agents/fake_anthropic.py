#!/usr/bin/python3
"""fake_anthropic.py: a scripted, offline stand-in for the Anthropic Messages API.

Owns: the fake model used by the e2e agent harness (claude_harness.sh).
Stdlib only.  Script (one command: --bash-command; several in a row: --script
FILE, one command a line, '#' lines skipped; the benchmark's agent replay):
  * the FIRST POST /v1/messages that offers a tool named "Bash" gets a tool_use
    reply running the first command;
  * a request carrying the tool_result of command k gets command k+1, and after
    the last one the final text "done";
  * everything else (side queries: titles, quota checks, ...) gets short text.
Any other path (count_tokens, probes, telemetry, ...) gets a harmless 200 JSON.
Every request is logged as one JSON line to --log; --dump also writes bodies.

Every message has its own id and token counts (input 1201+k, output 37+k, cache
read 11+k, cache creation 3+k for the k-th message, k from 0), logged with the
message's model and tool_use ids, so a test can compare what was recorded with
what was sent.  With --tls-cert/--tls-key the server speaks HTTPS only.

Usage: fake_anthropic.py --port 0 (--bash-command CMD | --script FILE) --log FILE [--dump FILE]
                         [--tls-cert PEM --tls-key PEM]
With --port 0 the first stdout line is PORT=<n>.
"""
import argparse
import gzip
import json
import ssl
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
STATE = {"ids": [], "cmds": [], "msgs": 0}  # tool_use ids sent so far; the commands; messages


def log(entry):
    entry["t"] = round(time.time(), 3)
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def dump(method, path, headers, body):
    if not ARGS.dump:
        return
    with LOCK:
        with open(ARGS.dump, "a") as f:
            f.write("==== %s %s\n%s\n%s\n\n" % (method, path, headers,
                                              body.decode("utf-8", "replace")))


def tool_results(req):
    """All tool_result blocks in the request's messages."""
    out = []
    for m in req.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, list):
            out += [b for b in content
                    if isinstance(b, dict) and b.get("type") == "tool_result"]
    return out


def decide(req):
    """Returns (action, content blocks, stop_reason)."""
    tools = req.get("tools") or []
    has_bash = any(isinstance(t, dict) and t.get("name") == "Bash" for t in tools)
    with LOCK:
        ids, cmds = STATE["ids"], STATE["cmds"]
        if ids and ids[-1] in {r.get("tool_use_id") for r in tool_results(req)}:
            if len(ids) < len(cmds):  # the newest step's result came back
                return tool_use(len(ids))
            return "final", [{"type": "text", "text": "done"}], "end_turn"
        if has_bash and not ids:
            return tool_use(0)
    return "text", [{"type": "text", "text": "ok"}], "end_turn"


def tool_use(k):
    """The reply running command k (LOCK held)."""
    tid = "toolu_fake_" + uuid.uuid4().hex[:20]
    STATE["ids"].append(tid)
    n = len(STATE["cmds"])
    what = "Run the test command" if n == 1 else "Run step %d of %d" % (k + 1, n)
    return "tool_use", [{"type": "tool_use", "id": tid, "name": "Bash",
                         "input": {"command": STATE["cmds"][k], "description": what}}], "tool_use"


def usage():
    """The next message's token counts (distinct for every message)."""
    with LOCK:
        k = STATE["msgs"]
        STATE["msgs"] += 1
    return {"input_tokens": 1201 + k, "output_tokens": 37 + k,
            "cache_creation_input_tokens": 3 + k, "cache_read_input_tokens": 11 + k}


def message(model, content, stop_reason, use):
    return {"id": "msg_fake_" + uuid.uuid4().hex[:20], "type": "message",
            "role": "assistant", "model": model, "content": content,
            "stop_reason": stop_reason, "stop_sequence": None, "usage": dict(use)}


def sse(msg, content, stop_reason):
    """The SSE event stream for message msg (content sent as blocks), as bytes."""
    final = msg["usage"]["output_tokens"]
    msg = dict(msg, content=[], stop_reason=None, usage=dict(msg["usage"], output_tokens=1))
    ev = [("message_start", {"type": "message_start", "message": msg})]
    for i, block in enumerate(content):
        if block["type"] == "tool_use":
            start = dict(block, input={})
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        ev += [("content_block_start", {"type": "content_block_start", "index": i,
                                        "content_block": start}),
               ("ping", {"type": "ping"}),
               ("content_block_delta", {"type": "content_block_delta", "index": i,
                                        "delta": delta}),
               ("content_block_stop", {"type": "content_block_stop", "index": i})]
    ev += [("message_delta", {"type": "message_delta",
                              "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                              "usage": {"output_tokens": final}}),
           ("message_stop", {"type": "message_stop"})]
    return "".join("event: %s\ndata: %s\n\n" % (n, json.dumps(d)) for n, d in ev).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # a client that sends less than Content-Length is dropped

    def log_message(self, fmt, *a):  # keep stderr quiet
        pass

    def send(self, code, body, ctype="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("request-id", "req_fake_" + uuid.uuid4().hex[:12])
        if ctype == "text/event-stream":
            self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "gzip":
            raw = gzip.decompress(raw)
        elif enc == "deflate":
            raw = zlib.decompress(raw)
        return raw

    def handle_any(self):
        try:
            self.route()
        except OSError:  # client went away / timed out mid-request
            self.close_connection = True
        except Exception as e:  # never let one request kill the server
            self.close_connection = True
            log({"method": self.command, "path": self.path, "error": repr(e)})
            try:
                self.send(400, {"type": "error", "error": {
                    "type": "invalid_request_error", "message": repr(e)}})
            except OSError:
                pass

    def route(self):
        path = self.path.split("?", 1)[0]
        try:
            raw = self.body()
        except Exception as e:  # bad length / encoding
            log({"method": self.command, "path": path, "error": str(e)})
            self.close_connection = True
            return self.send(400, {"type": "error", "error": {
                "type": "invalid_request_error", "message": "unreadable body"}})
        dump(self.command, self.path, dict(self.headers), raw)
        if self.command == "POST" and path.rstrip("/") == "/v1/messages":
            return self.messages(path, raw)
        entry = {"method": self.command, "path": path, "action": "stub"}
        if path.endswith("/count_tokens"):
            log(entry)
            return self.send(200, {"input_tokens": 10})
        log(entry)
        self.send(200, {})

    def messages(self, path, raw):
        try:
            req = json.loads(raw or b"null")
            if not isinstance(req, dict) or not isinstance(req.get("messages"), list):
                raise ValueError("body must be an object with a messages list")
        except Exception as e:
            log({"method": "POST", "path": path, "error": str(e)})
            return self.send(400, {"type": "error", "error": {
                "type": "invalid_request_error", "message": str(e)}})
        model = str(req.get("model") or "claude-fake")
        action, content, stop = decide(req)
        trs = tool_results(req)
        log({"method": "POST", "path": path, "model": model,
             "tools": len(req.get("tools") or []),
             "bash_tool": any(isinstance(t, dict) and t.get("name") == "Bash"
                              for t in req.get("tools") or []),
             "stream": bool(req.get("stream")), "action": action,
             "tool_result": bool(trs) and action == "final",
             "tool_result_error": any(r.get("is_error") for r in trs),
             # Claude Code refused to run it (validator/permission), not a failed run
             "tool_result_blocked": "<tool_use_error>" in json.dumps(trs),
             "tool_result_content": trs[-1].get("content") if action == "final" else None})
        msg = message(model, content, stop, usage())
        log({"method": "POST", "path": path, "sent": True, "id": msg["id"], "model": model,
             "stream": bool(req.get("stream")), "usage": msg["usage"], "stop_reason": stop,
             "tool_use_ids": [b["id"] for b in content if b["type"] == "tool_use"]})
        if req.get("stream"):
            self.send(200, sse(msg, content, stop), "text/event-stream")
        else:
            self.send(200, msg)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    cmd = p.add_mutually_exclusive_group(required=True)
    cmd.add_argument("--bash-command", help="the one command to run")
    cmd.add_argument("--script", help="file: commands to run in a row, one a line")
    p.add_argument("--log", required=True)
    p.add_argument("--dump", help="also append raw request bodies here (debug)")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", help="the certificate's key (PEM)")
    ARGS = p.parse_args()
    if ARGS.script:
        with open(ARGS.script) as f:
            STATE["cmds"] = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
        if not STATE["cmds"]:
            p.error("--script %s: no commands" % ARGS.script)
    else:
        STATE["cmds"] = [ARGS.bash_command]
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        # the handshake runs in the request's thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    print("PORT=%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

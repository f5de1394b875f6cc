#!/usr/bin/python3
"""fake_api.py: a scripted, offline Anthropic Messages API for the benchmark's
agent replay. A bench variant of tests/e2e/agents/fake_anthropic.py (same SSE
shapes) that plays SEVERAL Bash tool calls in a row:
  * the first POST /v1/messages offering the Bash tool gets tool_use #1;
  * a request carrying the tool_result of tool_use #k gets tool_use #k+1,
    and after the last one the final text "done";
  * anything else (side queries, count_tokens, probes) gets a short reply.
Usage: fake_api.py --port 0 --script FILE --log FILE   (FILE: one command a line)
With --port 0 the first stdout line is PORT=<n>.
"""
import argparse
import gzip
import json
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
STATE = {"ids": [], "cmds": []}


def log(entry):
    entry["t"] = round(time.time(), 3)
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def tool_results(req):
    out = []
    for m in req.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        if isinstance(content, list):
            out += [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    return out


def tool_use(k):
    tid = "toolu_bench_%02d_%s" % (k, uuid.uuid4().hex[:12])
    STATE["ids"].append(tid)
    return "tool_use", [{"type": "tool_use", "id": tid, "name": "Bash",
                         "input": {"command": STATE["cmds"][k],
                                   "description": "bench step %d" % (k + 1)}}], "tool_use"


def decide(req):
    tools = req.get("tools") or []
    has_bash = any(isinstance(t, dict) and t.get("name") == "Bash" for t in tools)
    with LOCK:
        ids = STATE["ids"]
        seen = {r.get("tool_use_id") for r in tool_results(req)}
        if ids and ids[-1] in seen:  # the result of the newest step came back
            if len(ids) < len(STATE["cmds"]):
                return tool_use(len(ids))
            return "final", [{"type": "text", "text": "done"}], "end_turn"
        if has_bash and not ids:
            return tool_use(0)
    return "text", [{"type": "text", "text": "ok"}], "end_turn"


def message(model, content, stop_reason):
    return {"id": "msg_bench_" + uuid.uuid4().hex[:20], "type": "message",
            "role": "assistant", "model": model, "content": content,
            "stop_reason": stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}


def sse(model, content, stop_reason):
    msg = message(model, [], None)
    msg["usage"]["output_tokens"] = 1
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
               ("content_block_delta", {"type": "content_block_delta", "index": i,
                                        "delta": delta}),
               ("content_block_stop", {"type": "content_block_stop", "index": i})]
    ev += [("message_delta", {"type": "message_delta",
                              "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                              "usage": {"output_tokens": 5}}),
           ("message_stop", {"type": "message_stop"})]
    return "".join("event: %s\ndata: %s\n\n" % (n, json.dumps(d)) for n, d in ev).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15

    def log_message(self, fmt, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("request-id", "req_bench_" + uuid.uuid4().hex[:12])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        try:
            self.route()
        except OSError:
            self.close_connection = True
        except Exception as e:  # never let one request kill the server
            self.close_connection = True
            log({"method": self.command, "path": self.path, "error": repr(e)})
            try:
                self.send(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                           "message": repr(e)}})
            except OSError:
                pass

    def route(self):
        path = self.path.split("?", 1)[0]
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "gzip":
            raw = gzip.decompress(raw)
        elif enc == "deflate":
            raw = zlib.decompress(raw)
        if self.command == "POST" and path.rstrip("/") == "/v1/messages":
            req = json.loads(raw or b"null")
            model = str(req.get("model") or "claude-fake")
            action, content, stop = decide(req)
            trs = tool_results(req)
            last = trs[-1] if trs else {}
            log({"method": "POST", "path": path, "action": action,
                 "step": len(STATE["ids"]), "tool_results": len(trs),
                 "blocked": "<tool_use_error>" in json.dumps(last)})
            if req.get("stream"):
                return self.send(200, sse(model, content, stop), "text/event-stream")
            return self.send(200, message(model, content, stop))
        log({"method": self.command, "path": path, "action": "stub"})
        if path.endswith("/count_tokens"):
            return self.send(200, {"input_tokens": 10})
        self.send(200, {})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--script", required=True)
    p.add_argument("--log", required=True)
    ARGS = p.parse_args()
    with open(ARGS.script) as f:
        STATE["cmds"] = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    print("PORT=%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

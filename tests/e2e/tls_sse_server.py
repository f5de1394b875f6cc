"""tls_sse_server.py: a local HTTPS server speaking a scripted Anthropic
Messages API (SSE stream or whole JSON body), for the LLM visibility tests.
A test CA and a server certificate for 127.0.0.1 are made with the openssl
CLI in a directory the test gives. The script's exact values (model, ids,
token counts) are what the tests assert on."""
import hashlib
import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "claude-sonnet-4-5-20250929"
MSG_ID = "msg_01TlsScriptedStream"
TOOL_ID = "toolu_01TlsScriptedBash"
TOOL_ID2 = "toolu_01TlsScriptedRead"
USAGE = {"input_tokens": 1234, "output_tokens": 1, "cache_creation_input_tokens": 56,
         "cache_read_input_tokens": 789}
FINAL_OUTPUT_TOKENS = 321
BASH_COMMAND = "ls -la /tmp | wc -l"
RUN_PREFIX = "run: "  # a user message "run: CMD" gets one Bash tool call with command CMD


def run_tool_id(command):
    """The tool_use id the server gives the Bash tool call of "run: command"."""
    return "toolu_01Run" + hashlib.sha256(command.encode()).hexdigest()[:12]


def make_certs(d):
    """CA and a 127.0.0.1 server certificate in d; returns (ca, cert, key)."""
    ca, cakey = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    cert, key, csr = (os.path.join(d, n) for n in ("srv.pem", "srv.key", "srv.csr"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    q = dict(check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=proctor test CA", "-keyout", cakey, "-out", ca], **q)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", key, "-out", csr], **q)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert], **q)
    os.chmod(ca, 0o644)
    return ca, cert, key


def stream_events(command=None):
    """The scripted stream; with command, its one Bash tool call runs that."""
    msg = {"id": MSG_ID, "type": "message", "role": "assistant", "model": MODEL,
           "content": [], "stop_reason": None, "usage": dict(USAGE)}
    if command is not None:
        return run_events(msg, command)
    bash = {"command": BASH_COMMAND, "description": "List /tmp"}
    args = json.dumps(bash)
    ev = [("message_start", {"type": "message_start", "message": msg}),
          ("content_block_start", {"type": "content_block_start", "index": 0,
                                   "content_block": {"type": "text", "text": ""}}),
          ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                   "delta": {"type": "text_delta", "text": "Listing."}}),
          ("content_block_stop", {"type": "content_block_stop", "index": 0}),
          ("content_block_start", {"type": "content_block_start", "index": 1,
                                   "content_block": {"type": "tool_use", "id": TOOL_ID,
                                                     "name": "Bash", "input": {}}}),
          ("ping", {"type": "ping"})]
    # the tool input arrives in pieces, as the real API sends it
    for i in range(0, len(args), 7):
        ev.append(("content_block_delta", {"type": "content_block_delta", "index": 1,
                                           "delta": {"type": "input_json_delta",
                                                     "partial_json": args[i:i + 7]}}))
    ev += [("content_block_stop", {"type": "content_block_stop", "index": 1}),
           ("content_block_start", {"type": "content_block_start", "index": 2,
                                    "content_block": {"type": "tool_use", "id": TOOL_ID2,
                                                      "name": "Read", "input": {}}}),
           ("content_block_delta", {"type": "content_block_delta", "index": 2,
                                    "delta": {"type": "input_json_delta",
                                              "partial_json": '{"file_path": "/etc/hostname"}'}}),
           ("content_block_stop", {"type": "content_block_stop", "index": 2}),
           ("message_delta", {"type": "message_delta",
                              "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                              "usage": {"output_tokens": FINAL_OUTPUT_TOKENS}}),
           ("message_stop", {"type": "message_stop"})]
    return ["event: %s\ndata: %s\n\n" % (n, json.dumps(d)) for n, d in ev]


def run_events(msg, command):
    args = json.dumps({"command": command})
    ev = [("message_start", {"type": "message_start", "message": msg}),
          ("content_block_start", {"type": "content_block_start", "index": 0,
                                   "content_block": {"type": "tool_use",
                                                     "id": run_tool_id(command),
                                                     "name": "Bash", "input": {}}}),
          ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                   "delta": {"type": "input_json_delta", "partial_json": args}}),
          ("content_block_stop", {"type": "content_block_stop", "index": 0}),
          ("message_delta", {"type": "message_delta",
                             "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                             "usage": {"output_tokens": FINAL_OUTPUT_TOKENS}}),
          ("message_stop", {"type": "message_stop"})]
    return ["event: %s\ndata: %s\n\n" % (n, json.dumps(d)) for n, d in ev]


def requested_command(req):
    """CMD of a request whose last user message is "run: CMD", else None."""
    msgs = req.get("messages") or [{}]
    text = msgs[-1].get("content")
    if isinstance(text, str) and text.startswith(RUN_PREFIX):
        return text[len(RUN_PREFIX):]
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(n) or b"{}")
        if req.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            # one chunk per event, flushed: a real stream
            for e in stream_events(requested_command(req)):
                b = e.encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(b), b))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        body = json.dumps({"id": MSG_ID + "Whole", "type": "message", "role": "assistant",
                           "model": MODEL, "stop_reason": "end_turn",
                           "content": [{"type": "text", "text": "ok"}],
                           "usage": {"input_tokens": 11, "output_tokens": 22,
                                     "cache_creation_input_tokens": 0,
                                     "cache_read_input_tokens": 0}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(d):
    """Start the server on 127.0.0.1 (a thread); returns (server, port, ca path)."""
    ca, cert, key = make_certs(d)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1], ca

"""siem_receivers.py: helpers for the sink end-to-end tests: free loopback
ports, an rsyslogd instance of our own, and small stdlib HTTP receivers that
record what they got (used as OTLP/HEC/bulk/webhook contract peers)."""
import gzip
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


RSYSLOG_CONF = """
global(workDirectory="{dir}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="mmpstrucdata")
template(name="fields" type="list" option.jsonf="on") {{
  property(outname="pri" name="pri" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="$!rfc5424-sd" format="jsonf")
  property(outname="msg" name="msg" format="jsonf" droplastlf="on")
}}
ruleset(name="r") {{
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="{out}" template="fields")
}}
input(type="imudp" address="127.0.0.1" port="{udp}" ruleset="r")
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="r")
"""


class Rsyslog:
    """Our own rsyslogd: UDP and TCP on loopback, one JSON object per
    message with the parsed RFC 5424 header and structured data."""

    def __init__(self, tmp):
        self.dir = str(tmp / "rsyslog")
        os.makedirs(self.dir, exist_ok=True)
        self.out = os.path.join(self.dir, "out.json")
        self.udp = free_port(socket.SOCK_DGRAM)
        self.tcp = free_port()
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(dir=self.dir, out=self.out, udp=self.udp, tcp=self.tcp))
        self.proc = subprocess.Popen(
            ["rsyslogd", "-n", "-f", conf, "-i", os.path.join(self.dir, "pid")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_port(self.tcp)

    def messages(self, want=0, timeout=10):
        """Parsed messages; waits until at least `want` arrived."""
        end = time.time() + timeout
        while True:
            msgs = []
            if os.path.exists(self.out):
                with open(self.out) as f:
                    msgs = [json.loads(line) for line in f if line.strip()]
            if len(msgs) >= want or time.time() > end:
                return msgs
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Recorder(BaseHTTPRequestHandler):
    """Records every request (path, headers, decompressed body); the reply
    is chosen by server.respond(handler, body) -> (code, headers, body)."""

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        req = {"path": self.path, "headers": dict(self.headers), "body": body}
        code, headers, out = self.server.respond(req)
        if code < 300:
            with self.server.lock:
                self.server.requests.append(req)
        else:
            with self.server.lock:
                self.server.refused.append(req)
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


class HttpReceiver:
    def __init__(self, respond=None, port=None, tls=None):
        self.port = port or free_port()
        self.tls = tls  # (certfile, keyfile) to serve HTTPS
        self.respond = respond or (lambda req: (200, {"Content-Type": "application/json"}, b"{}"))
        self.start()

    def start(self):
        self.srv = ThreadingHTTPServer(("127.0.0.1", self.port), Recorder)
        self.srv.requests = getattr(self, "requests", [])
        self.srv.refused = getattr(self, "refused", [])
        self.requests, self.refused = self.srv.requests, self.srv.refused
        self.srv.lock = threading.Lock()
        self.srv.respond = lambda req: self.respond(req)
        if self.tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()

    def wait(self, pred, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            if pred():
                return True
            time.sleep(0.05)
        return False


def self_signed(tmp_path):
    """A certificate for 127.0.0.1 and localhost; returns (cert, key)."""
    d = tmp_path / "pki"
    d.mkdir(exist_ok=True)
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key

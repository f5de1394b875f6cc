"""netlab.py: the network test bed, stdlib only.

As a library (the e2e tests): NetLab() builds a network namespace joined to
the host by a veth pair (host 10.77.0.1 / fd77::1, namespace 10.77.0.2,
10.77.0.3, fd77::2, fd77::3) and starts, inside the namespace, `netlab.py
serve`: a DNS server (UDP and TCP port 53 on 10.77.0.2) answering the test
names, TCP servers on port 8080 of every namespace address, and a UDP
server on port 5353. Every server appends what it saw to a log file, so a
test can prove that a denied attempt never reached the peer.

TCP protocol: the client sends "<n>\\n" followed by any data, then shuts
down its write side; the server counts what it received after the first
line, then sends n bytes and closes. UDP: each datagram is logged and
echoed back."""
import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

NS = "prtestnet"
HOST4, SRV4, OTHER4 = "10.77.0.1", "10.77.0.2", "10.77.0.3"
HOST6, SRV6, OTHER6 = "fd77::1", "fd77::2", "fd77::3"

# name -> list of (type, value)
ZONE = {
    "allowed.test": [("A", SRV4), ("AAAA", SRV6)],
    "api.allowed.test": [("A", SRV4)],
    "other.test": [("A", OTHER4), ("AAAA", OTHER6)],
    "alias.test": [("CNAME", "allowed.test"), ("A", SRV4)],
    "sub.wild.test": [("A", OTHER4)],
    "wild.test": [("A", OTHER4)],
}
TTL = 300


def _log(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


# ---------------------------------------------------------------- DNS server
def _qname(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def _encode_name(name):
    out = b""
    for label in name.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_answer(query):
    """A response to a query (bytes) from ZONE; NXDOMAIN for others."""
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    name, off = _qname(query, 12)
    qtype = struct.unpack("!H", query[off:off + 2])[0]
    question = query[12:off + 4]
    recs = ZONE.get(name.lower())
    answers = []
    if recs:
        owner = b"\xc0\x0c"  # the question name; after a CNAME, its target (uncompressed)
        for rtype, val in recs:
            if rtype == "CNAME":
                answers.append(owner + struct.pack("!HHIH", 5, 1, TTL, len(_encode_name(val)))
                               + _encode_name(val))
                owner = _encode_name(val)
            elif rtype == "A" and qtype == 1:
                answers.append(owner + struct.pack("!HHIH", 1, 1, TTL, 4)
                               + socket.inet_pton(socket.AF_INET, val))
            elif rtype == "AAAA" and qtype == 28:
                answers.append(owner + struct.pack("!HHIH", 28, 1, TTL, 16)
                               + socket.inet_pton(socket.AF_INET6, val))
    rcode = 0 if recs else 3
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(answers), 0, 0)
    return hdr + question + b"".join(answers)


def serve_dns(addr, log):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind((addr, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 53))
    t.listen(16)

    def udp_loop():
        while True:
            q, peer = u.recvfrom(4096)
            try:
                u.sendto(dns_answer(q), peer)
                _log(log, {"dns": "udp", "peer": peer[0], "name": _qname(q, 12)[0]})
            except Exception as e:  # malformed query: ignore
                _log(log, {"dns": "udp-error", "error": str(e)})

    def tcp_one(c, peer):
        with c:
            hdr = c.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                return
            q = c.recv(struct.unpack("!H", hdr)[0], socket.MSG_WAITALL)
            r = dns_answer(q)
            c.sendall(struct.pack("!H", len(r)) + r)
            _log(log, {"dns": "tcp", "peer": peer[0], "name": _qname(q, 12)[0]})

    def tcp_loop():
        while True:
            c, peer = t.accept()
            threading.Thread(target=tcp_one, args=(c, peer), daemon=True).start()

    threading.Thread(target=udp_loop, daemon=True).start()
    threading.Thread(target=tcp_loop, daemon=True).start()


# ---------------------------------------------------------- TCP / UDP servers
def serve_tcp(addr, port, log):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)

    def one(c, peer):
        with c:
            buf = b""
            while b"\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            line, rest = buf.split(b"\n", 1)
            want = int(line)
            got = len(rest)
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                got += len(d)
            chunk = b"r" * 65536
            left = want
            while left > 0:
                c.sendall(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
            _log(log, {"tcp": addr, "port": port, "peer": peer[0], "received": got, "sent": want})

    def loop():
        while True:
            c, peer = s.accept()
            threading.Thread(target=one, args=(c, peer), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def serve_udp(addr, port, log):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))

    def loop():
        while True:
            d, peer = s.recvfrom(65536)
            _log(log, {"udp": addr, "port": port, "peer": peer[0], "bytes": len(d)})
            s.sendto(d, peer)

    threading.Thread(target=loop, daemon=True).start()


def serve(log):
    serve_dns(SRV4, log)
    for a in (SRV4, OTHER4, SRV6, OTHER6):
        serve_tcp(a, 8080, log)
    for a in (SRV4, OTHER4, SRV6):
        serve_udp(a, 5353, log)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


# ------------------------------------------------------------- the test bed
def sh(cmd, check=True):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{cmd}: {p.stderr}")
    return p


class NetLab:
    def __init__(self, workdir):
        self.dir = workdir
        self.log = os.path.join(workdir, "servers.log")
        self.resolv = os.path.join(workdir, "resolv.conf")
        with open(self.resolv, "w") as f:
            f.write(f"nameserver {SRV4}\noptions timeout:1 attempts:1\n")
        self.down()
        sh(f"ip netns add {NS}")
        sh(f"ip link add prt0 type veth peer name prt1")
        sh(f"ip link set prt1 netns {NS}")
        sh(f"ip addr add {HOST4}/24 dev prt0 && ip -6 addr add {HOST6}/64 dev prt0 nodad")
        sh(f"ip link set prt0 up")
        ns = f"ip netns exec {NS}"
        sh(f"{ns} ip addr add {SRV4}/24 dev prt1 && {ns} ip addr add {OTHER4}/24 dev prt1")
        sh(f"{ns} ip -6 addr add {SRV6}/64 dev prt1 nodad && {ns} ip -6 addr add {OTHER6}/64 dev prt1 nodad")
        sh(f"{ns} ip link set prt1 up && {ns} ip link set lo up")
        open(self.log, "w").close()
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS, "/usr/bin/python3",
                                      os.path.abspath(__file__), "serve", self.log],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def down(self):
        sh("ip link del prt0", check=False)
        sh(f"ip netns del {NS}", check=False)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.down()

    def seen(self):
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def wrap(self, cmd):
        """Run cmd with the lab's resolv.conf (private mount namespace)."""
        return ["unshare", "-m", "sh", "-c",
                f"mount --bind {self.resolv} /etc/resolv.conf && exec \"$@\"", "sh", *cmd]


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])

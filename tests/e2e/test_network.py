"""test_network.py: the network family end to end: net.* syscall events,
net.flow records with bytes, durations and verdicts, DNS decoding and
domain attribution, the egress policy in enforce and audit mode, the timed
bypass and policy errors. Traffic goes to servers in a network namespace
(netlab.py) over a veth pair; names are resolved by the real glibc resolver
against the lab's DNS server (a private mount namespace swaps
/etc/resolv.conf for the agent only)."""
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import PROCTOR, of_type
import netlab
from netlab import OTHER4, OTHER6, SRV4, SRV6

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = ["/usr/bin/python3", os.path.join(HERE, "netclient.py")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = netlab.NetLab(str(tmp_path_factory.mktemp("netlab")))
    yield lab
    lab.close()


def write_policy(tmp_path, text, name="policy.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def agent(proctor, lab, actions, *opts, timeout=60):
    """Run netclient.py with actions under proctor; returns (results, events)."""
    p = proctor.run(lab.wrap(CLIENT + list(actions)), "--grace", "1s", "--flow-idle", "1s",
                    *opts, timeout=timeout)
    assert "drops" in p.stderr, p.stderr
    results = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return results, proctor.events(), p


def flows(events, **want):
    out = []
    for e in of_type(events, "net.flow"):
        if all(e.get(k) == v for k, v in want.items()):
            out.append(e)
    return out


def one_flow(events, **want):
    got = flows(events, **want)
    assert len(got) == 1, (want, [
        {k: e.get(k) for k in ("network.transport", "network.peer.address", "network.peer.port",
                               "verdict", "policy.rule", "server.address")}
        for e in of_type(events, "net.flow")])
    return got[0]


def wait_control_socket(proctor):
    """The running session's id, once its bypass control socket exists."""
    for _ in range(200):
        try:
            sid = proctor.sessions()[-1]["session"]
        except (AssertionError, IndexError):
            sid = None
        if sid and os.path.exists(f"/run/proctor/sessions/{sid}.sock"):
            return sid
        time.sleep(0.05)
    raise AssertionError("no control socket")


POLICY = f"""\
egress:
  default: deny
  mode: enforce
  resolvers: [{SRV4}]
  allow:
    - domain: allowed.test
      ports: [8080]
      transport: tcp
  deny:
    - cidr: 169.254.169.254/32
"""


# ------------------------------------------------------------ syscall events
def test_syscall_events_tcp_udp(proctor, lab):
    prog = f"""
import socket
s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen(1); port = s.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port)); a, peer = s.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"x" * 10, ("{SRV4}", 5353))
u.sendto(b"x" * 10, ("{SRV4}", 5353))            # same destination: no second net.send
u.sendmsg([b"y" * 5], [], 0, ("{OTHER4}", 5353))
print(port, peer[1])
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s")
    port, cport = map(int, p.stdout.split())
    ev = proctor.events()
    listen = [e for e in of_type(ev, "net.listen") if e.get("network.local.port") == port]
    assert listen and listen[0]["network.transport"] == "tcp" and listen[0]["event.outcome"] == "success"
    bind = [e for e in of_type(ev, "net.bind") if e.get("network.local.address") == "0.0.0.0"]
    assert bind and bind[0]["network.type"] == "ipv4"
    conn = [e for e in of_type(ev, "net.connect") if e.get("network.peer.port") == port]
    assert conn and conn[0]["network.peer.address"] == "127.0.0.1"
    assert conn[0]["network.local.port"] == cport
    acc = of_type(ev, "net.accept")
    assert acc and acc[0]["network.peer.port"] == cport and acc[0]["network.local.port"] == port
    sends = of_type(ev, "net.send")
    to_srv = [e for e in sends if e["network.peer.address"] == SRV4]
    assert len(to_srv) == 1 and to_srv[0]["network.transport"] == "udp"
    assert to_srv[0]["network.syscall"] == "sendto" and to_srv[0]["network.bytes"] == 10
    other = [e for e in sends if e["network.peer.address"] == OTHER4]
    assert other and other[0]["network.syscall"] == "sendmsg"
    socks = of_type(ev, "net.socket")
    assert {(e["network.type"], e["network.transport"]) for e in socks} >= {("ipv4", "tcp"), ("ipv4", "udp")}


def test_connect_failure_has_errno(proctor, lab):
    prog = """
import socket
s = socket.socket()
try:
    s.connect(("127.0.0.1", 1))
except OSError as e:
    print(e.errno)
"""
    proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s")
    ev = proctor.events()
    c = [e for e in of_type(ev, "net.connect") if e.get("network.peer.port") == 1]
    assert c and c[0]["event.outcome"] == "failure" and c[0]["error.code"] == "ECONNREFUSED"
    f = one_flow(ev, **{"network.peer.port": 1})
    assert (f["verdict"], f["flow.established"], f["event.outcome"], f["error.code"]) == \
        ("ALLOWED", False, "failure", "ECONNREFUSED")


def test_unix_sockets(proctor, tmp_path):
    path = str(tmp_path / "sock")
    prog = f"""
import socket, os
s = socket.socket(socket.AF_UNIX); s.bind("{path}"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("{path}"); a, _ = s.accept()
x = socket.socket(socket.AF_UNIX)
try: x.connect("\\0proctor-abstract")
except OSError: pass
"""
    proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s")
    ev = proctor.events()
    assert any(e["network.type"] == "unix" and e.get("network.local.address") == path
               for e in of_type(ev, "net.bind"))
    assert any(e.get("network.peer.address") == path and e["event.outcome"] == "success"
               for e in of_type(ev, "net.connect"))
    assert any(e.get("network.local.address") == path for e in of_type(ev, "net.accept"))
    assert any(e.get("network.peer.address") == "@proctor-abstract" and e["error.code"] == "ECONNREFUSED"
               for e in of_type(ev, "net.connect"))


# ------------------------------------------------------------------- flows
def test_tcp_flow_bytes_exact_and_duration(proctor, lab):
    res, ev, _ = agent(proctor, lab, [f"tcp:{SRV4}:8080:3000000:1500000"])
    assert res[0]["ok"] and res[0]["received"] == 1500000
    f = one_flow(ev, **{"network.peer.address": SRV4, "network.transport": "tcp"})
    # the client sends "1500000\n" (8 bytes) then 3,000,000 bytes
    assert f["flow.bytes_out"] == 3000008
    assert f["flow.bytes_in"] == 1500000
    assert f["verdict"] == "ALLOWED" and f["policy.rule"] == "none"
    assert f["flow.established"] is True and f["flow.end"] == "closed"
    assert f["network.local.address"] == netlab.HOST4 and f["network.local.port"] > 0
    assert 0 <= f["flow.duration_ms"] < 5000
    assert f["process.name"] == "python3"


def test_tcp_flow_duration(proctor, lab):
    prog = f"""
import socket, time
s = socket.create_connection(("{SRV4}", 8080)); s.sendall(b"5\\n"); time.sleep(0.6)
s.shutdown(socket.SHUT_WR); s.recv(100); s.close()
"""
    proctor.run(lab.wrap(["/usr/bin/python3", "-c", prog]), "--grace", "1s")
    f = one_flow(proctor.events(), **{"network.peer.address": SRV4, "network.transport": "tcp"})
    assert 600 <= f["flow.duration_ms"] < 3000
    assert f["flow.bytes_out"] == 2 and f["flow.bytes_in"] == 5


def test_udp_flow_flushed_after_idle(proctor, lab):
    # three datagrams, then 3 s of silence while the process lives on: the
    # flow must be flushed (flow.end idle) before the process exits
    res, ev, _ = agent(proctor, lab, [f"udpecho:{SRV4}:5353:1000:3", "sleep:3"])
    assert res[0]["ok"] and res[0]["received"] == 3000
    f = one_flow(ev, **{"network.peer.address": SRV4, "network.peer.port": 5353})
    assert f["network.transport"] == "udp"
    assert f["flow.bytes_out"] == 3000 and f["flow.bytes_in"] == 3000  # echoed
    assert f["flow.end"] == "idle"
    exit_ev = [e for e in of_type(ev, "process.exit") if e["process.pid"] == f["process.pid"]]
    assert exit_ev and f["time"] < exit_ev[0]["time"]


def test_ipv6_flow(proctor, lab):
    res, ev, _ = agent(proctor, lab, [f"tcp:[{SRV6}]:8080:100:200"])
    assert res[0]["ok"], res
    f = one_flow(ev, **{"network.peer.address": SRV6})
    assert f["network.type"] == "ipv6" and f["flow.bytes_out"] == 104 and f["flow.bytes_in"] == 200


# --------------------------------------------------------------------- DNS
def test_dns_query_response_and_attribution(proctor, lab):
    res, ev, _ = agent(proctor, lab, ["tcp:alias.test:8080:10:10:4", "tcp:nope.test:8080:1:1"])
    assert res[0]["ok"], res
    assert not res[1]["ok"] and "resolve" in res[1]["error"]
    q = [e for e in of_type(ev, "dns.query") if e["dns.question.name"] == "alias.test"]
    assert q and q[0]["dns.question.type"] == "A" and q[0]["network.peer.address"] == SRV4
    r = [e for e in of_type(ev, "dns.response") if e["dns.question.name"] == "alias.test"]
    assert r and r[0]["dns.response_code"] == "NOERROR"
    assert r[0]["dns.answers"] == ["allowed.test", SRV4]  # CNAME, then A
    nx = [e for e in of_type(ev, "dns.response") if e["dns.question.name"] == "nope.test"]
    assert nx and nx[0]["dns.response_code"] == "NXDOMAIN" and nx[0]["dns.answers"] == []
    # the flow is attributed to the name the agent asked for
    f = one_flow(ev, **{"network.peer.address": SRV4, "network.transport": "tcp"})
    assert f["server.address"] == "alias.test"
    # proctor log --host finds the query, the response and the flow
    p = proctor.cli("log", "--json", "--host", "alias.test", check=True)
    types = {json.loads(l)["type"] for l in p.stdout.splitlines()}
    assert {"dns.query", "dns.response", "net.flow"} <= types


def test_dns_over_tcp(proctor, lab):
    p = proctor.run(["dig", "+tcp", "+tries=1", "+time=2", f"@{SRV4}", "allowed.test", "A"],
                    "--grace", "1s")
    assert SRV4 in p.stdout
    ev = proctor.events()
    q = [e for e in of_type(ev, "dns.query") if e["network.transport"] == "tcp"]
    r = [e for e in of_type(ev, "dns.response") if e["network.transport"] == "tcp"]
    assert q and q[0]["dns.question.name"] == "allowed.test"
    assert r and r[0]["dns.answers"] == [SRV4]


def test_dns_over_tcp_feeds_domain_rules(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, POLICY)
    prog = f"""
import socket, struct, subprocess
q = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\\x07allowed\\x04test\\x00" + struct.pack("!HH", 1, 1)
t = socket.create_connection(("{SRV4}", 53)); t.sendall(struct.pack("!H", len(q)) + q)
n = struct.unpack("!H", t.recv(2, socket.MSG_WAITALL))[0]; r = t.recv(n, socket.MSG_WAITALL)
ip = socket.inet_ntoa(r[-4:])
s = socket.create_connection((ip, 8080)); s.sendall(b"1\\n"); s.shutdown(1); s.recv(10)
print("ok", ip)
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s", "--policy", pol)
    assert "ok " + SRV4 in p.stdout, p.stderr
    f = one_flow(proctor.events(), **{"network.peer.address": SRV4, "network.peer.port": 8080})
    assert f["verdict"] == "ALLOWED" and f["server.address"] == "allowed.test"
    assert f["policy.rule"] == "allow allowed.test ports 8080 tcp"


# ------------------------------------------------------------------ policy
DONE_WHEN = ["tcp:allowed.test:8080:1000:2000:4",   # allowed domain
             f"tcp:{OTHER4}:8080:10:10",             # another address by IP
             "tcp:other.test:8080:10:10:4",          # an unlisted name
             f"udp:{SRV4}:5353:100:2",               # UDP (the allowed host, other port)
             "raw"]                                  # raw socket


def test_policy_enforce_done_when(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, POLICY)
    before = len(lab.seen())
    res, ev, p = agent(proctor, lab, DONE_WHEN, "--policy", pol)
    ok = {r["action"] + ":" + r.get("host", ""): r for r in res}
    assert res[0]["ok"] and res[0]["received"] == 2000, res
    assert [r.get("error") for r in res[1:]] == ["EPERM"] * 4, res
    f = one_flow(ev, **{"network.peer.address": SRV4, "network.peer.port": 8080})
    assert (f["verdict"], f["policy.rule"], f["server.address"]) == \
        ("ALLOWED", "allow allowed.test ports 8080 tcp", "allowed.test")
    assert f["flow.bytes_out"] == 1005 and f["flow.bytes_in"] == 2000
    d = one_flow(ev, **{"network.peer.address": OTHER4, "network.transport": "tcp",
                        "server.address": ""})
    assert (d["verdict"], d["policy.rule"], d["flow.bytes_out"]) == ("DENIED", "default deny", 0)
    assert d["error.code"] == "EPERM"
    n = one_flow(ev, **{"network.peer.address": OTHER4, "network.transport": "tcp",
                        "server.address": "other.test"})
    assert n["verdict"] == "DENIED"
    u = one_flow(ev, **{"network.peer.address": SRV4, "network.peer.port": 5353})
    assert (u["verdict"], u["network.transport"], u["policy.rule"]) == ("DENIED", "udp", "default deny")
    r = one_flow(ev, **{"policy.rule": "raw-socket"})
    assert r["verdict"] == "DENIED" and r["network.transport"] == "raw"
    dns = flows(ev, **{"network.peer.port": 53})
    assert dns and all(x["verdict"] == "ALLOWED" for x in dns)
    # denied attempts never reached a server
    seen = lab.seen()[before:]
    assert not [s for s in seen if s.get("tcp") == OTHER4 or s.get("udp")], seen
    assert [s for s in seen if s.get("tcp") == SRV4 and s["received"] == 1000]
    assert "2 DENIED" in p.stderr or "DENIED" in p.stderr  # run summary


def test_policy_audit_mode(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, POLICY)
    before = len(lab.seen())
    res, ev, p = agent(proctor, lab, DONE_WHEN, "--policy", pol, "--egress", "audit")
    assert all(r["ok"] for r in res), res
    f = one_flow(ev, **{"network.peer.address": SRV4, "network.peer.port": 8080})
    assert f["verdict"] == "ALLOWED"
    for want in ({"network.peer.address": OTHER4, "network.transport": "tcp", "server.address": ""},
                 {"network.peer.address": SRV4, "network.peer.port": 5353},
                 {"policy.rule": "raw-socket"}):
        b = one_flow(ev, **want)
        assert b["verdict"] == "BYPASSED" and b["policy.bypass"] == "audit", b
        assert b["policy.rule"] in ("default deny", "raw-socket")
    u = one_flow(ev, **{"network.peer.address": SRV4, "network.peer.port": 5353})
    assert u["flow.bytes_out"] == 200
    seen = lab.seen()[before:]
    assert [s for s in seen if s.get("tcp") == OTHER4]
    assert "audit mode" in p.stderr


def test_policy_rule_kinds(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, f"""\
egress:
  default: allow
  resolvers: [{SRV4}]
  deny:
    - cidr: {OTHER4}/32
      ports: [8080]
    - domain: "*.wild.test"
    - cidr: fd77::3/128
  allow:
    - cidr: 10.77.0.0/24
      ports: [8000-9000]
      transport: tcp
""")
    res, ev, _ = agent(proctor, lab, [f"tcp:{SRV4}:8080:1:1", f"tcp:{OTHER4}:8080:1:1",
                                      "tcp:sub.wild.test:8081:1:1:4", f"udp:{SRV4}:5353:10:1",
                                      f"tcp:[{OTHER6}]:8080:1:1", "tcp:wild.test:8080:1:1:4"],
                       "--policy", pol)
    assert [r["ok"] for r in res] == [True, False, False, True, False, False], res
    rule = lambda **w: (one_flow(ev, **w)["verdict"], one_flow(ev, **w)["policy.rule"])
    assert rule(**{"network.peer.address": SRV4, "network.peer.port": 8080}) == \
        ("ALLOWED", "allow 10.77.0.0/24 ports 8000-9000 tcp")
    assert rule(**{"network.peer.address": OTHER4, "server.address": ""}) == \
        ("DENIED", f"deny {OTHER4}/32 ports 8080")
    assert rule(**{"server.address": "sub.wild.test", "network.transport": "tcp"}) == \
        ("DENIED", "deny *.wild.test")
    assert rule(**{"network.peer.address": SRV4, "network.peer.port": 5353}) == \
        ("ALLOWED", "default allow")
    assert rule(**{"network.peer.address": OTHER6}) == ("DENIED", "deny fd77::3/128")
    # "*.wild.test" does not cover wild.test itself; its address is 10.77.0.3 -> the /32 rule
    assert rule(**{"server.address": "wild.test", "network.transport": "tcp"}) == \
        ("DENIED", f"deny {OTHER4}/32 ports 8080")


def test_timed_bypass(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, POLICY)
    go = tmp_path / "go"
    first = tmp_path / "first"
    cmd = lab.wrap(CLIENT + [f"tcp:{OTHER4}:8080:1:1", f"mark:{first}", f"waitfile:{go}",
                             f"tcp:{OTHER4}:8080:1:1"])
    proc = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--grace", "1s", "--policy", pol,
                             "--", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sid = wait_control_socket(proctor)
    for _ in range(200):
        if first.exists():
            break
        time.sleep(0.05)
    b = subprocess.run([PROCTOR, "bypass", sid, "5m"], capture_output=True, text=True)
    assert b.returncode == 0 and "bypassed until" in b.stdout, b.stderr
    go.write_text("")
    out, err = proc.communicate(timeout=60)
    res = [json.loads(l) for l in out.splitlines()]
    assert [r["ok"] for r in res if r["action"] == "tcp"] == [False, True], res
    fl = flows(proctor.events(), **{"network.peer.address": OTHER4, "network.transport": "tcp"})
    assert [(f["verdict"], f.get("policy.bypass")) for f in fl] == \
        [("DENIED", None), ("BYPASSED", "timed")]
    assert fl[1]["policy.rule"] == "default deny" and fl[1]["flow.bytes_in"] == 1
    # a session without a socket, a bad duration
    assert subprocess.run([PROCTOR, "bypass", "nosuch", "5m"], capture_output=True).returncode == 1
    assert subprocess.run([PROCTOR, "bypass", sid, "soon"], capture_output=True).returncode == 2


@pytest.mark.parametrize("text,line,reason", [
    ("egress:\n  default: maybe\n", 2, "default must be 'allow' or 'deny'"),
    ("egress:\n  default: deny\n  allow:\n    - domain: 'bad domain!'\n", 4, "is not a domain name"),
    ("egress:\n  default: deny\n  allow:\n    - cidr: 10.0.0.0/40\n", 4, "is not an address or CIDR"),
    ("egress:\n  default: deny\n  allow:\n    - cidr: 10.0.0.0/8\n      ports: [0]\n", 5, "bad port"),
    ("egress:\n  default: deny\n  allow:\n    - cidr: 10.0.0.0/8\n      colour: red\n", 5, "unknown rule key"),
    ("egres:\n  default: deny\n", 1, "unknown section 'egres'"),
    ("egress:\n  allow: []\n", 2, "needs 'default: allow' or 'default: deny'"),
    ("egress: [\n", 2, ""),
])
def test_policy_errors_stop_before_start(proctor, tmp_path, text, line, reason):
    pol = write_policy(tmp_path, text)
    marker = tmp_path / "ran"
    p = proctor.run(["/bin/sh", "-c", f"touch {marker}"], "--policy", pol)
    assert p.returncode == 2
    assert f"{pol}:{line}:" in p.stderr and reason in p.stderr, p.stderr
    assert not marker.exists()


def test_icmp_datagram_socket_is_raw(proctor, lab, tmp_path):
    """Unprivileged "ping" sockets reach any host: denied like raw sockets."""
    pol = write_policy(tmp_path, POLICY)
    key = "/proc/sys/net/ipv4/ping_group_range"
    old = open(key).read().strip()
    with open(key, "w") as f:
        f.write("0 2147483647")
    try:
        res, ev, _ = agent(proctor, lab, ["ping"], "--policy", pol)
    finally:
        with open(key, "w") as f:
            f.write(old)
    assert res == [{"action": "ping", "ok": False, "error": "EPERM"}]
    f = one_flow(ev, **{"policy.rule": "raw-socket"})
    assert f["verdict"] == "DENIED" and f["network.transport"] == "icmp"


def test_denied_udp_then_bypass_same_socket(proctor, lab, tmp_path):
    """A connectionless peer denied once is decided again at the next send:
    the audit of a later bypass is not hidden behind the first denial."""
    pol = write_policy(tmp_path, POLICY)
    go = tmp_path / "go"
    prog = f"""
import socket, os, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: s.sendto(b"a" * 10, ("{SRV4}", 5353)); print("sent1")
except OSError as e: print("denied1", flush=True)
open("{go}.first", "w").close()
while not os.path.exists("{go}"): time.sleep(0.05)
s.sendto(b"b" * 20, ("{SRV4}", 5353)); print("sent2")
"""
    proc = subprocess.Popen([PROCTOR, "run", "--db", proctor.db, "--grace", "1s", "--policy", pol,
                             "--", "/usr/bin/python3", "-c", prog],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sid = wait_control_socket(proctor)
    for _ in range(200):
        if os.path.exists(f"{go}.first"):
            break
        time.sleep(0.05)
    assert subprocess.run([PROCTOR, "bypass", sid, "1m"], capture_output=True).returncode == 0
    go.write_text("")
    out, err = proc.communicate(timeout=60)
    assert out.split() == ["denied1", "sent2"], (out, err)
    fl = flows(proctor.events(), **{"network.peer.address": SRV4, "network.peer.port": 5353})
    assert [(f["verdict"], f["flow.bytes_out"]) for f in fl] == [("DENIED", 0), ("BYPASSED", 20)]


def test_egress_flag_overrides_file_mode(proctor, lab, tmp_path):
    pol = write_policy(tmp_path, POLICY.replace("mode: enforce", "mode: audit"))
    res, ev, _ = agent(proctor, lab, [f"tcp:{OTHER4}:8080:1:1"], "--policy", pol)
    assert res[0]["ok"] and one_flow(ev, **{"network.peer.address": OTHER4})["verdict"] == "BYPASSED"
    res, ev, _ = agent(proctor, lab, [f"tcp:{OTHER4}:8080:1:1"], "--policy", pol, "--egress", "enforce")
    assert res[0]["error"] == "EPERM"
    denied = flows(ev, **{"network.peer.address": OTHER4, "verdict": "DENIED"})
    assert denied and denied[-1]["flow.end"] == "denied"
    p = proctor.run(["/bin/true"], "--egress", "audit")
    assert p.returncode == 2 and "--egress needs --policy" in p.stderr


def test_bypass_refused_from_inside_the_session(proctor, lab, tmp_path):
    """The agent (even as root) cannot lift its own policy with proctor bypass."""
    pol = write_policy(tmp_path, POLICY)
    prog = f"""
import glob, subprocess, time
for _ in range(100):
    socks = glob.glob("/run/proctor/sessions/*.sock")
    if socks: break
    time.sleep(0.05)
sid = sorted(socks, key=lambda p: __import__("os").stat(p).st_mtime)[-1].split("/")[-1][:-5]
p = subprocess.run(["{PROCTOR}", "bypass", sid, "5m"], capture_output=True, text=True)
print(p.returncode, p.stderr.strip())
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s", "--policy", pol)
    assert p.stdout.startswith("1 ") and "inside the session" in p.stdout, (p.stdout, p.stderr)
    assert "bypass until" not in p.stderr


def test_udp_bytes_at_volume_v4_v6(proctor, lab):
    """QUIC-sized datagrams both ways over IPv4 and IPv6: exact payload bytes."""
    res, ev, _ = agent(proctor, lab, [f"udpecho:{SRV4}:5353:1200:400",
                                      f"udpecho:[{SRV6}]:5353:1200:400"])
    assert all(r["ok"] and r["received"] == 480000 for r in res), res
    for addr in (SRV4, SRV6):
        f = one_flow(ev, **{"network.peer.address": addr, "network.peer.port": 5353})
        assert (f["flow.bytes_out"], f["flow.bytes_in"]) == (480000, 480000), f
        assert f["network.type"] == ("ipv6" if ":" in addr else "ipv4")


def test_own_dns_server_cannot_launder_an_address(proctor, lab, tmp_path):
    """The agent runs its own DNS server (reachable: 127.0.0.0/8 is allowed)
    and answers allowed.test with another address. With a policy, only the
    session's resolvers teach the kernel name -> address mappings, so the
    connect to that address is still denied (by default)."""
    pol = write_policy(tmp_path, POLICY.replace("  allow:\n", "  allow:\n    - cidr: 127.0.0.0/8\n"))
    prog = f"""
import socket, struct, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.2", 53))
def serve():
    q, peer = srv.recvfrom(512)
    r = q[:2] + b"\\x81\\x80\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x00" + q[12:] + \\
        b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x01\\x00\\x00\\x04" + socket.inet_aton("{OTHER4}")
    srv.sendto(r, peer)
threading.Thread(target=serve, daemon=True).start()
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(5)
c.sendto(b"\\x00\\x09\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07allowed\\x04test\\x00\\x00\\x01\\x00\\x01",
         ("127.0.0.2", 53))
r = c.recv(512)
ip = socket.inet_ntoa(r[-4:])
s = socket.socket()
try:
    s.connect((ip, 8080)); print("connected", ip)
except OSError as e:
    print("denied", ip, e.errno)
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s", "--policy", pol)
    assert p.stdout.split()[:2] == ["denied", OTHER4], (p.stdout, p.stderr)
    ev = proctor.events()
    r = [e for e in of_type(ev, "dns.response") if e["network.peer.address"] == "127.0.0.2"]
    assert r and r[0]["dns.answers"] == [OTHER4]  # still recorded
    f = one_flow(ev, **{"network.peer.address": OTHER4, "network.transport": "tcp"})
    assert (f["verdict"], f["policy.rule"], f["server.address"]) == ("DENIED", "default deny", "")


def test_many_udp_flows_all_flushed_at_end(proctor):
    """More live flows than one sweep batch (4096): every one is recorded."""
    prog = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(20000, 25000):
    s.sendto(b"x", ("127.0.0.1", port))
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s")
    assert " 0 drops" in p.stderr, p.stderr
    ev = proctor.events(None, "--type", "net.flow")
    ports = {e["network.peer.port"] for e in ev if e["network.transport"] == "udp"
             and e["network.peer.address"] == "127.0.0.1"}
    assert ports == set(range(20000, 25000))
    assert all(e["flow.bytes_out"] == 1 and e["flow.end"] == "session_end" for e in ev
               if e["network.peer.address"] == "127.0.0.1")


def test_domain_rule_over_ipv6(proctor, lab, tmp_path):
    """AAAA answers feed the kernel map too: an allowed name reached over
    IPv6 is allowed and attributed; an unlisted name over IPv6 is denied."""
    pol = write_policy(tmp_path, POLICY)
    res, ev, _ = agent(proctor, lab, ["tcp:allowed.test:8080:10:20:6", "tcp:other.test:8080:1:1:6"],
                       "--policy", pol)
    assert res[0]["ok"] and res[0]["addr"] == SRV6 and res[1]["error"] == "EPERM", res
    a = one_flow(ev, **{"network.peer.address": SRV6, "network.transport": "tcp"})
    assert (a["verdict"], a["server.address"], a["network.type"]) == ("ALLOWED", "allowed.test", "ipv6")
    assert (a["flow.bytes_out"], a["flow.bytes_in"]) == (13, 20)
    d = one_flow(ev, **{"network.peer.address": OTHER6, "network.transport": "tcp"})
    assert (d["verdict"], d["server.address"]) == ("DENIED", "other.test")
    aaaa = [e for e in of_type(ev, "dns.response") if e["dns.question.type"] == "AAAA"
            and e["dns.question.name"] == "allowed.test"]
    assert aaaa and aaaa[0]["dns.answers"] == [SRV6]


def test_non_root_agent_is_enforced(proctor, lab, tmp_path):
    """The policy does not depend on the agent's privileges."""
    pol = write_policy(tmp_path, POLICY)
    os.chmod(pol, 0o644)
    prog = f"""
import os, socket
r = []
for host in ("{OTHER4}", "{SRV4}"):
    s = socket.socket()
    try:
        s.connect((host, 8080)); r.append("ok")
    except OSError as e:
        r.append(str(e.errno))
print(os.getuid(), *r)
"""
    p = proctor.run(["/usr/bin/python3", "-c", prog], "--grace", "1s", "--policy", pol,
                    "--user", "nobody")
    uid, a, b = p.stdout.split()
    assert uid != "0" and a == "1" and b == "1", p.stdout  # EPERM both: no name resolved
    fl = of_type(proctor.events(), "net.flow")
    assert {(f["network.peer.address"], f["verdict"], f["process.user.id"]) for f in fl} == \
        {(OTHER4, "DENIED", int(uid)), (SRV4, "DENIED", int(uid))}


def test_io_uring_connect_is_decided_in_the_kernel(proctor, lab, tmp_path):
    """IORING_OP_CONNECT makes no connect syscall: the cgroup connect hook
    still applies the policy and records the flow."""
    exe = str(tmp_path / "uring_connect")
    subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(HERE, "progs", "uring_connect.c"),
                    "-luring"], check=True)
    pol = write_policy(tmp_path, POLICY)
    p = proctor.run([exe, OTHER4, "8080"], "--grace", "1s", "--policy", pol)
    assert p.stdout.strip() == "-1", p.stdout  # -EPERM
    f = one_flow(proctor.events(), **{"network.peer.address": OTHER4})
    assert (f["verdict"], f["policy.rule"], f["process.name"]) == \
        ("DENIED", "default deny", "uring_connect")
    p = proctor.run([exe, OTHER4, "8080"], "--grace", "1s", "--policy", pol, "--egress", "audit")
    assert p.stdout.strip() == "0"
    f = one_flow(proctor.events(), **{"network.peer.address": OTHER4})
    assert f["verdict"] == "BYPASSED" and f["flow.established"] is True


def test_connect_failing_before_the_syn_ends_its_flow(proctor):
    """ENETUNREACH (no route, in an empty network namespace) never reaches the
    TCP state machine: the flow ends with the syscall, not at session end."""
    prog = """
import socket, time
s = socket.socket()
try:
    s.connect(("10.1.1.1", 80))
except OSError as e:
    print(e.errno)
time.sleep(0.5)
"""
    p = proctor.run(["unshare", "-n", "/usr/bin/python3", "-c", prog], "--grace", "1s")
    ev = proctor.events()
    f = one_flow(ev, **{"network.peer.address": "10.1.1.1"})
    assert (f["error.code"], f["flow.end"], f["flow.established"]) == ("ENETUNREACH", "closed", False)
    exit_ev = [e for e in of_type(ev, "process.exit") if e["process.pid"] == f["process.pid"]]
    assert exit_ev and f["time"] < exit_ev[0]["time"]

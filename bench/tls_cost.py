#!/usr/bin/python3
"""tls_cost.py: what the tls family's uprobes cost per SSL call (a benchmark,
never a timed test). A client and a server TLS object talk through memory
BIOs in one Python process (no network), so the loop is SSL_write_ex +
SSL_read_ex and little else. Modes:
  bare       no proctor loaded
  untracked  proctor running a session (that maps libssl: its process is hooked),
             this process not tracked: it carries no breakpoint, so it should
             equal bare
  tracked    this process under `proctor run` (every call copied to the ring)
The modes are measured in --rounds interleaved rounds (the host's load drifts)
and the median of each is printed.
Usage (root): bench/tls_cost.py [--calls N] [--size BYTES] [--rounds N]."""
import argparse
import os
import statistics
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCTOR = os.environ.get("PROCTOR") or os.path.join(ROOT, "build", "proctor")


def certs(d):
    key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=bench", "-keyout", key, "-out", crt],
                   check=True, capture_output=True)
    return crt, key


def child_runs(ppid, comm):
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read()
        except OSError:
            continue
        name, rest = st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()
        if name == comm and int(rest[1]) == ppid:
            return True
    return False


def loop(crt, key, calls, size):
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(crt, key)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname, cctx.verify_mode = False, ssl.CERT_NONE
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = cctx.wrap_bio(c_in, c_out)
    s = sctx.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):  # handshake
        for o, i in ((c, None), (s, None)):
            try:
                o.do_handshake()
            except ssl.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    msg = b"x" * size
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        c.write(msg)
        s_in.write(c_out.read())
        s.read(size)
    return (time.perf_counter_ns() - t0) / calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=200000)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        crt, key = certs(d)
        if a.child:
            print("%.0f" % loop(crt, key, a.calls, a.size))
            return
        res = {"bare": [], "untracked": [], "tracked": []}
        for _ in range(a.rounds):
            one_round(crt, key, a, d, res)
    print("tls_cost: %d calls of %d bytes (SSL_write_ex + SSL_read_ex per call), median of %d"
          % (a.calls, a.size, a.rounds))
    bare = statistics.median(res["bare"])
    for name in ("bare", "untracked", "tracked"):
        v = statistics.median(res[name])
        print("  %-9s %7.0f ns/call  (+%.0f ns)  rounds: %s" %
              (name, v, v - bare, " ".join("%.0f" % x for x in res[name])))


def one_round(crt, key, a, d, res):
    res["bare"].append(loop(crt, key, a.calls, a.size))
    db = os.path.join(d, "b.db")
    # a session whose process maps libssl: hooked for itself, not for this one
    bg = subprocess.Popen([PROCTOR, "run", "--db", db, "--", sys.executable, "-c",
                           "import ssl, time; time.sleep(600)"], stderr=subprocess.DEVNULL)
    try:
        while not child_runs(bg.pid, os.path.basename(sys.executable)[:15]):
            time.sleep(0.5)
        time.sleep(1)  # its libssl mapped and hooked
        res["untracked"].append(loop(crt, key, a.calls, a.size))
    finally:
        bg.terminate()
        bg.wait()
    p = subprocess.run([PROCTOR, "run", "--db", os.path.join(d, "t.db"), "--", sys.executable,
                        __file__, "--child", "--calls", str(a.calls), "--size", str(a.size)],
                       capture_output=True, text=True, check=True)
    res["tracked"].append(float(p.stdout.split()[-1]))


if __name__ == "__main__":
    main()

"""netclient.py: the "agent" of the network tests. Each argument is one
action; one JSON line per action is printed with its outcome.

  tcp:HOST:PORT:SEND:RECV[:4|6]  connect (HOST resolved by getaddrinfo, i.e.
                                 the system resolver), send "RECV\\n" and SEND
                                 bytes, read RECV bytes back
  udp:HOST:PORT:SIZE:COUNT       COUNT unconnected sendto() of SIZE bytes
  udpecho:HOST:PORT:SIZE:COUNT   the same, reading each echo back
  raw                            socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)
  ping                           socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)
  sleep:SECONDS
  mark:PATH                      create PATH
  waitfile:PATH                  wait (up to 30 s) until PATH exists
"""
import errno
import json
import os
import socket
import sys
import time


def out(**kw):
    print(json.dumps(kw), flush=True)


def err_name(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if getattr(e, "errno", None) else str(e)


def resolve(host, port, fam, kind):
    fams = {"4": socket.AF_INET, "6": socket.AF_INET6}
    return socket.getaddrinfo(host, port, fams.get(fam, socket.AF_UNSPEC), kind)[0]


def tcp(host, port, send, recv, fam=""):
    try:
        af, st, pr, _, sa = resolve(host, int(port), fam, socket.SOCK_STREAM)
    except socket.gaierror as e:
        return out(action="tcp", host=host, ok=False, error="resolve: " + str(e))
    s = socket.socket(af, st, pr)
    try:
        s.connect(sa)
        s.sendall(f"{recv}\n".encode() + b"s" * int(send))
        s.shutdown(socket.SHUT_WR)
        got = 0
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got += len(d)
        out(action="tcp", host=host, addr=sa[0], ok=True, received=got)
    except OSError as e:
        out(action="tcp", host=host, addr=sa[0], ok=False, error=err_name(e))
    finally:
        s.close()


def udp(host, port, size, count, echo=False):
    af, st, pr, _, sa = resolve(host, int(port), "", socket.SOCK_DGRAM)
    s = socket.socket(af, st, pr)
    s.settimeout(5)
    sent = got = 0
    try:
        for _ in range(int(count)):
            sent += s.sendto(b"u" * int(size), sa)
            if echo:
                got += len(s.recv(65536))
        out(action="udp", host=host, addr=sa[0], ok=True, sent=sent, received=got)
    except OSError as e:
        out(action="udp", host=host, addr=sa[0], ok=False, error=err_name(e))
    finally:
        s.close()


def raw():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.close()
        out(action="raw", ok=True)
    except OSError as e:
        out(action="raw", ok=False, error=err_name(e))


def ping():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        s.close()
        out(action="ping", ok=True)
    except OSError as e:
        out(action="ping", ok=False, error=err_name(e))


def main():
    for a in sys.argv[1:]:
        parts = a.split(":")
        # IPv6 literal hosts are written in brackets: tcp:[fd77::3]:8080:...
        if ":[" in a:
            kind, rest = a.split(":[", 1)
            host, rest = rest.split("]:", 1)
            parts = [kind, host] + rest.split(":")
        if parts[0] == "tcp":
            tcp(*parts[1:])
        elif parts[0] == "udp":
            udp(*parts[1:])
        elif parts[0] == "udpecho":
            udp(*parts[1:], echo=True)
        elif parts[0] == "raw":
            raw()
        elif parts[0] == "ping":
            ping()
        elif parts[0] == "sleep":
            time.sleep(float(parts[1]))
        elif parts[0] == "mark":
            open(a.split(":", 1)[1], "w").close()
        elif parts[0] == "waitfile":
            path = a.split(":", 1)[1]
            for _ in range(300):
                if os.path.exists(path):
                    break
                time.sleep(0.1)
            out(action="waitfile", ok=os.path.exists(path))


main()

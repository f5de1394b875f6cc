"""syslog_strict.py: strict parsers for what the syslog sink sends: RFC 5424
(header grammar, SD-ELEMENT/SD-PARAM with its three escapes, nothing
trailing) and ArcSight CEF (seven header fields with \\| and \\\\ escapes, an
extension of key=value pairs with \\= \\\\ \\n \\r escapes). Anything outside
the grammar raises ValueError; a UDP receiver keeps the raw datagrams."""
import re
import socket
import threading

HEADER = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")
SD_NAME = re.compile(r"[!-~]{1,32}")


def parse_5424(raw: bytes):
    text = raw.decode("utf-8")  # must be valid UTF-8
    m = HEADER.match(text)
    if not m:
        raise ValueError(f"bad header: {text[:80]!r}")
    pri = int(m.group(1))
    if pri > 191:
        raise ValueError("PRI out of range")
    i, sd = m.end(), {}
    if text[i] == "-":
        i += 1
    else:
        while i < len(text) and text[i] == "[":
            j = i + 1
            k = j
            while text[k] not in " ]":
                k += 1
            sd_id, params = text[j:k], {}
            if not SD_NAME.fullmatch(sd_id) or any(c in sd_id for c in '="'):
                raise ValueError(f"bad SD-ID {sd_id!r}")
            i = k
            while text[i] == " ":
                eq = text.index("=", i)
                name = text[i + 1:eq]
                if not SD_NAME.fullmatch(name) or any(c in name for c in ' ]"'):
                    raise ValueError(f"bad PARAM-NAME {name!r}")
                if text[eq + 1] != '"':
                    raise ValueError("PARAM-VALUE not quoted")
                i, val = eq + 2, []
                while text[i] != '"':
                    if text[i] == "\\" and text[i + 1] in '"\\]':
                        val.append(text[i + 1])
                        i += 2
                    elif text[i] == "]":
                        raise ValueError("unescaped ] in PARAM-VALUE")
                    else:
                        val.append(text[i])
                        i += 1
                if name in params:
                    raise ValueError(f"PARAM-NAME {name} twice")
                params[name] = "".join(val)
                i += 1
            if text[i] != "]":
                raise ValueError("SD-ELEMENT not closed")
            sd[sd_id] = params
            i += 1
    msg = ""
    if i < len(text):
        if text[i] != " ":
            raise ValueError("no SP before MSG")
        msg = text[i + 1:]
    return {"pri": pri, "timestamp": m.group(2), "hostname": m.group(3), "app": m.group(4),
            "procid": m.group(5), "msgid": m.group(6), "sd": sd, "msg": msg}


def parse_cef(text: str):
    if not text.startswith("CEF:0|"):
        raise ValueError("not CEF:0")
    fields, cur, i = [], [], 4
    while len(fields) < 7:
        i += 1
        c = text[i]
        if c == "\\":
            if text[i + 1] not in "|\\":
                raise ValueError(f"bad header escape \\{text[i + 1]}")
            cur.append(text[i + 1])
            i += 1
        elif c == "|":
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    ext, rest = {}, text[i + 1:]
    # keys are [A-Za-z0-9]+; a value runs to the next ' key=' (unescaped '=')
    pairs = re.split(r" (?=[A-Za-z0-9]+=)", rest)
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9]+", k):
            raise ValueError(f"bad extension pair {p[:60]!r}")
        out, j = [], 0
        while j < len(v):
            if v[j] == "\\":
                e = v[j + 1]
                out.append({"=": "=", "\\": "\\", "n": "\n", "r": "\r"}[e])
                j += 2
            elif v[j] == "=":
                raise ValueError(f"unescaped = in the value of {k}")
            else:
                out.append(v[j])
                j += 1
        if k in ext:
            raise ValueError(f"key {k} twice")
        ext[k] = "".join(out)
    return {"version": fields[0], "vendor": fields[1], "product": fields[2],
            "dev_version": fields[3], "signature": fields[4], "name": fields[5],
            "severity": int(fields[6]), "ext": ext}


class UdpReceiver:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.sock.settimeout(0.2)
        self.stopped = False
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def loop(self):
        while not self.stopped:
            try:
                self.datagrams.append(self.sock.recv(70000))
            except socket.timeout:
                pass

    def stop(self):
        self.stopped = True
        self.th.join()
        self.sock.close()

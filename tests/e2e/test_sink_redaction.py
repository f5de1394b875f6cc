"""test_sink_redaction.py: a corpus of secrets passed to real commands
(argv, environment-style assignments, URLs, headers, a private-key block)
must never reach any sink: not the SQLite store (file bytes, WAL included),
not `sessions --json`, not JSON lines, syslog, OTLP or a webhook. Each
redacted record names the rule that fired. A user regex from --config
works the same way."""
import glob
import gzip
import json
import os

from siem_receivers import HttpReceiver, Rsyslog

SECRETS = {
    "aws_access_key": ("/bin/echo", "AKIAQWERTYUIOPASDFGH"),
    "github_token": ("/bin/echo", "ghp_0123456789abcdefghijABCDEFGHIJ012345"),
    "gitlab_token": ("/bin/echo", "glpat-Abcdefghij1234567890"),
    "slack_token": ("/bin/echo", "xoxb-1234567890-abcdefghijklmnop"),
    "bearer_token": ("/bin/echo", "Authorization: Bearer tokTokTok1234567890"),
    "jwt": ("/bin/echo", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLXNlY3JldA"),
    "private_key": ("/bin/echo", "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterialQQQ\n"
                                 "-----END RSA PRIVATE KEY-----"),
    "password_pair": ("/bin/echo", "password=Hunter2Hunter2"),
    "url_credentials": ("/bin/echo", "postgres://u:Sup3rS3cretPw@db.internal/x"),
    "corp_token": ("/bin/echo", "corp_zq9x8w7v"),
}
# The exact secret substrings that must not appear anywhere.
NEEDLES = ["AKIAQWERTYUIOPASDFGH", "ghp_0123456789abcdefghijABCDEFGHIJ012345",
           "glpat-Abcdefghij1234567890", "xoxb-1234567890-abcdefghijklmnop",
           "tokTokTok1234567890", "eyJzdWIiOiJhZ2VudCJ9", "MIIEsecretkeymaterialQQQ",
           "Hunter2Hunter2", "Sup3rS3cretPw", "corp_zq9x8w7v", "s3kr1tV4lue99",
           "sk-proj-ZZZsecret123"]


def test_no_secret_reaches_any_sink(proctor, tmp_path):
    rs = Rsyslog(tmp_path)
    rx_hook, rx_otlp = HttpReceiver(), HttpReceiver()
    cfg = tmp_path / "proctor.yaml"
    cfg.write_text(f"""
redaction:
  rules:
    - name: corp_token
      regex: 'corp_[a-z0-9]{{8}}'
sinks:
  - url: syslog+udp://127.0.0.1:{rs.udp}
  - url: webhook://127.0.0.1:{rx_hook.port}/hook
  - url: otlp+http://127.0.0.1:{rx_otlp.port}
""")
    jsonl = tmp_path / "events.jsonl"
    script = "; ".join(f"{exe} '{arg}' >/dev/null" for exe, arg in SECRETS.values())
    script += "; /bin/echo --token s3kr1tV4lue99 >/dev/null"
    script += "; env OPENAI_API_KEY=sk-proj-ZZZsecret123 /bin/true"
    env = dict(os.environ, PROCTOR_SPOOL_DIR=str(tmp_path / "spool"))
    try:
        p = proctor.run(["sh", "-c", script], "--config", str(cfg), "--jsonl", str(jsonl), env=env)
        assert p.returncode == 0, p.stderr
        events = proctor.events()
        n = len(events)
        assert rx_hook.wait(lambda: sum(len(json.loads(r["body"])) for r in rx_hook.requests) >= n)
        assert rx_otlp.wait(lambda: rx_otlp.requests)
        msgs = rs.messages(want=n)
        outputs = {
            "store": b"".join(open(f, "rb").read() for f in glob.glob(proctor.db + "*")
                              if os.path.isfile(f)),
            "spool": b"".join(open(f, "rb").read()
                              for f in glob.glob(str(tmp_path / "spool" / "**" / "*"), recursive=True)
                              if os.path.isfile(f)),
            "sessions": proctor.cli("sessions", "--json", check=True).stdout.encode(),
            "log": proctor.cli("log", "--json", check=True).stdout.encode(),
            "jsonl": jsonl.read_bytes(),
            "syslog": json.dumps(msgs).encode(),
            "webhook": b"".join(r["body"] for r in rx_hook.requests),
            "otlp": b"".join(r["body"] for r in rx_otlp.requests),
            "stderr": p.stderr.encode(),
        }
        for where, data in outputs.items():
            assert data, where
            for needle in NEEDLES:
                assert needle.encode() not in data, f"{needle} leaked into {where}"
        # Every rule fired, and each record says which.
        fired = {r for e in events for r in e.get("redaction.rules", [])}
        assert set(SECRETS) | {"secret_argument", "password_pair"} <= fired, fired
        for e in events:
            if e["type"] == "process.exec" and "REDACTED" in e["process.command_line"]:
                assert e["redaction.rules"]
    finally:
        rs.stop()
        rx_hook.stop()
        rx_otlp.stop()

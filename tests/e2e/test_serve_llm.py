"""test_serve_llm.py: the LLM calls and the crashed status in `proctor serve`,
the web UI and `proctor report` (docs/API.md), over real sessions: a Python
client under proctor makes two model calls over TLS to the scripted Anthropic
API (tls_sse_server.py; one streamed with two tool calls, one whole body),
so the store holds real llm.call / llm.tool_call records; a second session
has its recorder killed (-9), so it is crashed."""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import PROCTOR, Proctor, ROOT, require, run
from test_llm_tls import API_KEY, CLIENT
from test_serve import NOSESSION, Server, all_pages
from test_web_ui import browser_problem
import tls_sse_server as S

SVG = "{http://www.w3.org/2000/svg}"


def wait_for(cond, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    d = tmp_path_factory.mktemp("servellm")
    tls, port, ca = S.serve(str(d))
    pr = Proctor(d / "proctor.db")
    script = d / "client.py"
    script.write_text(CLIENT)
    both = f"{sys.executable} {script} {port} {ca} 1 && {sys.executable} {script} {port} {ca} 0"
    p = pr.run(["/bin/sh", "-c", both], "--project", "shop", "--agent", "tlstest", timeout=300,
               env=dict(os.environ, ANTHROPIC_API_KEY=API_KEY))
    tls.shutdown()
    assert p.returncode == 0, p.stderr
    llm_sid = pr.last_session()["session"]
    ctr = d / "ctr"
    rec = subprocess.Popen([PROCTOR, "run", "--db", pr.db, "--project", "shop",
                            "--on-recorder-loss", "kill", "--", "/bin/sh", "-c",
                            f"while :; do /bin/echo x > {ctr}; sleep 0.05; done"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: ctr.exists(), 90)
    finally:
        rec.send_signal(signal.SIGKILL)
        rec.wait()
    crashed = pr.last_session()["session"]
    assert crashed != llm_sid
    tok = pr.cli("token", "create", "--all-projects", "--read", check=True).stdout.strip()
    bank = pr.cli("token", "create", "--project", "bank", "--read", check=True).stdout.strip()
    srv = Server(pr.db)
    yield dict(pr=pr, llm=llm_sid, crashed=crashed, tok=tok, bank=bank, srv=srv, dir=d)
    srv.stop()


def stored_llm(lab):
    return [e for e in lab["pr"].events(lab["llm"]) if e["type"].startswith("llm.")]


def canon(events):
    return sorted(json.dumps(e, sort_keys=True) for e in events)


def test_llm_endpoint_pages_the_llm_records(lab):
    srv, tok, sid = lab["srv"], lab["tok"], lab["llm"]
    page = srv.json(f"/api/v1/sessions/{sid}/llm?limit=1000", tok)
    assert page["limit"] == 1000 and page["next_cursor"] is None
    assert canon(page["events"]) == canon(stored_llm(lab))
    calls = [e for e in page["events"] if e["type"] == "llm.call"]
    assert [(c["gen_ai.response.model"], c["gen_ai.usage.input_tokens"],
             c["gen_ai.usage.output_tokens"], c["llm.tool_calls.names"]) for c in calls] == [
        (S.MODEL, 1234, S.FINAL_OUTPUT_TOKENS, ["Bash", "Read"]), (S.MODEL, 11, 22, [])]
    tools = [e for e in page["events"] if e["type"] == "llm.tool_call"]
    assert [t["gen_ai.tool.call.id"] for t in tools] == [S.TOOL_ID, S.TOOL_ID2]
    assert all(e["type"] in ("llm.call", "llm.tool_call", "llm.capture") for e in page["events"])
    # cursor pages of one event give the same records, in the same order
    got, pages = all_pages(srv, tok, f"/api/v1/sessions/{sid}/llm", 1)
    assert got == page["events"] and pages == len(got) + 1
    # another project's token: the same 404 as a session that does not exist
    st, body, _ = srv.get(f"/api/v1/sessions/{sid}/llm", lab["bank"])
    assert (st, json.loads(body)) == (404, NOSESSION)
    st, body, _ = srv.get(f"/api/v1/sessions/{lab['crashed']}/llm", tok)
    assert (st, json.loads(body)["events"]) == (200, [])


def tail_from_start(srv, tok, sid):
    """The SSE tail from the session's start: (events, whether it ended)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.request("GET", f"/api/v1/sessions/{sid}/events/stream?from=start",
              headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    assert r.status == 200, r.read()
    events, block = [], ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = r.readline().decode()
        if not line:
            break
        block += line
        if line != "\n":
            continue
        if block.startswith("event: end"):
            c.close()
            return events, True
        events += [json.loads(l[6:]) for l in block.splitlines()
                   if l.startswith("data: ") and not block.startswith("event:")]
        block = ""
    c.close()
    return events, False


def test_crashed_status_filter(lab):
    """Crashed at once (the recorder's liveness file is held by no one), and
    still crashed once the next run marked it in the store."""
    srv, tok, pr = lab["srv"], lab["tok"], lab["pr"]

    def ids(status):
        return [s["session"] for s in srv.json(f"/api/v1/sessions?status={status}",
                                                tok)["sessions"]]
    assert ids("crashed") == [lab["crashed"]]
    assert ids("live") == [] and ids("ended") == [lab["llm"]]
    one = srv.json(f"/api/v1/sessions/{lab['crashed']}", tok)
    assert (one["status"], one["end"], one["exit.code"]) == ("crashed", None, None)
    # its live tail sends what the store holds and ends: nothing more will come
    stored = pr.events(lab["crashed"])
    assert tail_from_start(srv, tok, lab["crashed"]) == (stored, True)
    p = pr.run(["/bin/true"], "--project", "bank")
    assert p.returncode == 0 and "marked crashed" in p.stderr, p.stderr
    later = pr.last_session()["session"]
    assert ids("crashed") == [lab["crashed"]]
    assert ids("ended") == [lab["llm"], later] and ids("live") == []
    one = srv.json(f"/api/v1/sessions/{lab['crashed']}", tok)
    assert one["status"] == "crashed" and one["end"] is not None and one["exit.code"] is None
    st, body, _ = srv.get("/api/v1/sessions?status=dead", tok)
    assert (st, json.loads(body)) == (400, {"error": "status: expected live, ended or crashed"})


def llm_calls(lab):
    return [e for e in stored_llm(lab) if e["type"] == "llm.call"]


def cost_texts(calls):
    """What the report and the panel say of cost: from the records, which
    carry llm.cost_usd once a price table knows the model (docs/EVENTS-llm.md),
    else not: (the totals' cost text, each call's cost cell, the sum or None)."""
    priced = [c["llm.cost_usd"] for c in calls if "llm.cost_usd" in c]
    cells = [f"{c['llm.cost_usd']:.4f}" if "llm.cost_usd" in c else "-" for c in calls]
    if not priced:
        return "cost not recorded", cells, None
    total = 0.0
    for v in priced:
        total += v
    return f"cost {total:.4f} USD ({len(priced)} of {len(calls)} calls priced)", cells, total


def test_report_llm_section(lab):
    pr, sid = lab["pr"], lab["llm"]
    c1, c2 = llm_calls(lab)
    cost, cells, _ = cost_texts([c1, c2])
    r = pr.cli("report", sid, "--format", "html", check=True)
    assert "report: LLM calls\n" in r.stderr
    doc = ET.fromstring(r.stdout.split("\n", 1)[1])
    h2 = [h.text for h in doc.iter("h2")]
    assert h2[-2:] == ["LLM calls", "Timeline"]
    paras = ["".join(p.itertext()) for p in doc.iter("p")]
    total = f"2 model calls, 2 tool calls, tokens {1234 + 11} in / {S.FINAL_OUTPUT_TOKENS + 22} out"
    assert f"{total}, {cost}" in paras
    rows = [["".join(td.itertext()) for td in tr.findall("td")] for tr in doc.iter("tr")]
    assert [r_[2:] for r_ in rows if len(r_) == 10] == [
        ["anthropic", S.MODEL, "1234", str(S.FINAL_OUTPUT_TOKENS), f"{c1['llm.duration_ms']} ms",
         "Bash, Read", cells[0], "yes"],
        ["anthropic", S.MODEL, "11", "22", f"{c2['llm.duration_ms']} ms", "-", cells[1], "yes"]]
    assert [r_[1] for r_ in rows if len(r_) == 10] == [str(c1["process.pid"]),
                                                       str(c2["process.pid"])]
    assert [r_ for r_ in rows if len(r_) == 6] == []  # no intent mismatches
    svg = doc.find(f".//{SVG}svg")
    assert len([c for c in svg.iter(f"{SVG}circle") if c.get("fill") == "#7b3fbf"]) == 2

    md = pr.cli("report", sid, "--format", "md", check=True).stdout.splitlines()
    assert "## LLM calls" in md and f"{total}, {cost}" in md
    assert any(l.startswith("| ") and f"| anthropic | {S.MODEL} | 1234 | "
               f"{S.FINAL_OUTPUT_TOKENS} | " in l for l in md)

    # a session without model calls says so
    r = pr.cli("report", lab["crashed"], "--format", "md", check=True).stdout.splitlines()
    assert r[r.index("## LLM calls") + 2] == "No model calls were recorded."


def test_llm_panel_and_crashed_in_a_real_browser(lab, tmp_path):
    require(browser_problem())
    c1, c2 = llm_calls(lab)
    cost, cells, usd = cost_texts([c1, c2])
    r = run(["node", os.path.join(ROOT, "tests/browser/llm.cjs"),
             f"http://127.0.0.1:{lab['srv'].port}/", lab["tok"], lab["llm"], lab["crashed"],
             str(tmp_path)], timeout=180)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["statusText"][lab["crashed"]] == "crashed"
    assert seen["statusText"][lab["llm"]] == "ended, exit 0"
    out = S.FINAL_OUTPUT_TOKENS + 22
    shown_usd = seen["totals"].pop("cost")
    assert (shown_usd == "") if usd is None else abs(float(shown_usd) - usd) < 1e-12
    assert seen["totals"] == {"calls": "2", "tools": "2", "in": "1245", "out": str(out),
                              "text": f"2 model calls, 2 tool calls, tokens 1245 "
                              f"in / {out} out, {cost}"}
    assert seen["calls"] == [
        [S.MODEL, "1234", str(S.FINAL_OUTPUT_TOKENS), f"{c1['llm.duration_ms']} ms",
         "Bash, Read", cells[0], "yes"],
        [S.MODEL, "11", "22", f"{c2['llm.duration_ms']} ms", "-", cells[1], "yes"]]
    assert seen["tools"] == ["Bash", "Read"]
    assert (seen["laneCalls"], seen["laneTools"], seen["laneLabel"]) == (2, 2, "LLM")
    assert seen["crashedOnly"] == [lab["crashed"]] and "status=crashed" in seen["url"]
    assert seen["crashedCard"] == "crashed"
    # a process whose exit the store lacks (the root, killed after its recorder) is not
    # "running" once the session is over: each says what the API's tree holds of it
    tree = lab["srv"].json(f"/api/v1/sessions/{lab['crashed']}/tree", lab["tok"])["processes"]

    def said(p):
        if "exit.code" not in p:
            return f"[pid {p['pid']}, no exit seen]"
        if p["exit.signal"]:
            return f"[pid {p['pid']}, killed by {p['exit.signal']}]"
        return f"[pid {p['pid']}, exit {p['exit.code']}]"
    assert sorted(t[t.rindex("[pid "):] for t in seen["crashedTree"]) == \
        sorted(said(p) for p in tree)
    assert "exit.code" not in tree[0]  # the root: its exit was never recorded
    for shot in ("llm-1.png", "llm-2-crashed.png"):
        assert (tmp_path / shot).stat().st_size > 10000

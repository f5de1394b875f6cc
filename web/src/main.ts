// main.ts: proctor's web UI: a token login, global filters (agent, project,
// session, time) kept in the URL, and the panels of one session: summary,
// timeline (process lanes and an LLM lane, zoom and pan), process tree, a
// virtualised events table read page by page, network flows, security, LLM
// calls (llm.ts); live sessions refresh over the SSE tail.
import "./style.css";
import { api, Json, setToken, tail, token, Unauthorized } from "./api";
import { esc } from "./html";
import { llmLane, llmView, LlmView, renderLlm } from "./llm";

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;

// The URL holds every filter: agent, project, status, session, since, until (global);
// type, pid, path (events); domain, verdict (flows).
const url = new URLSearchParams(location.search);
const f = (k: string): string => url.get(k) ?? "";
function setFilter(k: string, v: string): void {
  if (v) url.set(k, v); else url.delete(k);
  history.replaceState(null, "", "?" + url.toString());
}

function login(msg = ""): void {
  $("#app").innerHTML = `<form id="login"><h2>proctor</h2>
    <p>Paste an API token (<code>proctor token create --project P --read</code>).</p>
    <input id="token" type="password" autocomplete="off" placeholder="pct_...">
    <button id="login-btn" type="submit">Log in</button><p class="err">${esc(msg)}</p></form>`;
  $<HTMLFormElement>("#login").onsubmit = async (ev) => {
    ev.preventDefault();
    setToken($<HTMLInputElement>("#token").value.trim());
    try {
      await api("sessions");
      start();
    } catch (e) {
      setToken(null);
      login(e instanceof Unauthorized ? "That token is not valid." : String(e));
    }
  };
}

function layout(): void {
  const box = (id: string, label: string) =>
    `<label>${label}<input id="f-${id}" value="${esc(f(id))}" size="12"></label>`;
  $("#app").innerHTML = `<header><h1>proctor</h1>
    <label>agent<select id="f-agent"></select></label>
    <label>project<select id="f-project"></select></label>
    <label>status<select id="f-status"><option value="">all</option><option>live</option>
      <option>ended</option><option>crashed</option></select></label>
    <label>session<select id="f-session"></select></label>
    ${box("since", "since")}${box("until", "until")}
    <span id="live"></span><button id="logout">Log out</button></header>
    <main>
      <section class="wide"><h2>Sessions</h2><table id="sessions"></table></section>
      <section id="summary" class="wide"><h2>Summary</h2><div>Select a session.</div></section>
      <section class="wide"><h2>Timeline <small>(wheel: zoom, drag: pan)</small></h2>
        <svg id="timeline" width="100%" height="60"></svg></section>
      <section><h2>Process tree</h2><ul id="tree" class="tree"></ul></section>
      <section><h2>Security</h2><table id="security"></table></section>
      <section id="llm-section" class="wide"><h2>LLM calls</h2><div id="llm"></div></section>
      <section class="wide"><h2>Events <span id="ev-count"></span></h2>
        <label>type <input id="e-type" value="${esc(f("type"))}" size="14"></label>
        <label>pid <input id="e-pid" value="${esc(f("pid"))}" size="7"></label>
        <label>path <input id="e-path" value="${esc(f("path"))}" size="20"></label>
        <div id="ev-scroll"><div id="ev-rows"></div></div></section>
      <section class="wide"><h2>Network flows</h2>
        <label>domain <input id="n-domain" value="${esc(f("domain"))}" size="20"></label>
        <label>verdict <select id="n-verdict"><option value="">all</option>
          <option>ALLOWED</option><option>DENIED</option><option>BYPASSED</option></select></label>
        <table id="flows"></table></section>
    </main>`;
  $<HTMLSelectElement>("#n-verdict").value = f("verdict");
  $<HTMLSelectElement>("#f-status").value = f("status");
  $("#logout").onclick = () => { clearTimeout(listTimer); setToken(null); login(); };
  for (const id of ["agent", "project", "status", "session"])
    $<HTMLSelectElement>("#f-" + id).onchange = (ev) => {
      setFilter(id, (ev.target as HTMLSelectElement).value);
      refresh();
    };
  for (const id of ["since", "until"])
    $<HTMLInputElement>("#f-" + id).onchange = (ev) => {
      setFilter(id, (ev.target as HTMLInputElement).value.trim());
      refresh();
    };
  for (const [sel, key] of [["#e-type", "type"], ["#e-pid", "pid"], ["#e-path", "path"]])
    $<HTMLInputElement>(sel).onchange = (ev) => {
      setFilter(key, (ev.target as HTMLInputElement).value.trim());
      events.reset();
    };
  $<HTMLInputElement>("#n-domain").oninput = (ev) => {
    setFilter("domain", (ev.target as HTMLInputElement).value.trim());
    renderFlows();
  };
  $<HTMLSelectElement>("#n-verdict").onchange = (ev) => {
    setFilter("verdict", (ev.target as HTMLSelectElement).value);
    renderFlows();
  };
}

function options(sel: string, values: string[], current: string, all: string): void {
  const uniq = [...new Set(values)].sort();
  $(sel).innerHTML = `<option value="">${all}</option>` +
    uniq.map((v) => `<option${v === current ? " selected" : ""}>${esc(v)}</option>`).join("");
}

let flows: Json[] = [];
let liveAbort: AbortController | null = null;
let listTimer = 0;

// "live", "ended, exit 3", "crashed" (its recorder died: no exit code is
// known): what the session picker and the list say.
const status = (s: Json): string =>
  s.status === "live" ? "live" : s.status === "crashed" ? "crashed" :
    `ended, exit ${s["exit.code"] ?? "unknown"}`;

// The selectors and the session list; while a listed session is live, the
// list is read again every 2 s, so its status changes without a reload.
async function refreshList(): Promise<Json[]> {
  clearTimeout(listTimer);
  const everyone = (await api("sessions")).sessions as Json[];
  options("#f-agent", everyone.map((s) => s.agent).filter(Boolean), f("agent"), "all");
  options("#f-project", everyone.map((s) => s.project).filter(Boolean), f("project"), "all");
  const shown = (await api("sessions", { agent: f("agent"), project: f("project"),
    status: f("status"), since: f("since"), until: f("until") })).sessions as Json[];
  if (!shown.some((s) => s.session === f("session"))) setFilter("session", "");
  $("#f-session").innerHTML = `<option value="">none</option>` + shown.map((s) =>
    `<option value="${esc(s.session)}" data-status="${esc(s.status)}"` +
    `${s.session === f("session") ? " selected" : ""}>${esc(s.session)} (${esc(status(s))})` +
    "</option>").join("");
  $("#sessions").innerHTML = "<tr><th>session</th><th>project</th><th>agent</th>" +
    "<th>start</th><th>status</th><th>events</th><th>command</th></tr>" +
    shown.map((s) => `<tr class="pick${s.session === f("session") ? " sel" : ""}"
      data-session="${esc(s.session)}"><td>${esc(s.session)}</td><td>${esc(s.project)}</td>
      <td>${esc(s.agent)}</td><td>${esc(s.start)}</td>
      <td class="status ${esc(s.status)}" data-status="${esc(s.status)}">${esc(status(s))}</td>
      <td>${s.events}</td><td><code>${esc((s.command as string[]).join(" "))}</code></td></tr>`)
      .join("");
  for (const tr of document.querySelectorAll<HTMLElement>("#sessions tr.pick"))
    tr.onclick = () => { setFilter("session", tr.dataset.session ?? ""); refresh(); };
  if (shown.some((s) => s.status === "live"))
    listTimer = window.setTimeout(() => refreshList().catch(() => {}), 2000);
  return shown;
}

async function refresh(): Promise<void> {
  try {
    const shown = await refreshList();
    await showSession(shown.find((s) => s.session === f("session")));
  } catch (e) {
    if (e instanceof Unauthorized) return login("The token was revoked or is not valid.");
    $("#summary div").textContent = String(e);
  }
}

async function showSession(s: Json | undefined): Promise<void> {
  liveAbort?.abort();
  liveAbort = null;
  $("#live").textContent = "";
  if (!s) {
    $("#summary div").textContent = "Select a session.";
    for (const id of ["#tree", "#security", "#flows", "#timeline", "#llm"]) $(id).innerHTML = "";
    events.clear();
    return;
  }
  const id = encodeURIComponent(s.session);
  const range = { since: f("since"), until: f("until"), limit: "1000" };
  const [tree, flowPage, viol, sec, llmPage, intent] = await Promise.all([
    api(`sessions/${id}/tree`, { since: f("since"), until: f("until") }),
    api(`sessions/${id}/flows`, range),
    api(`sessions/${id}/violations`, range),
    api(`sessions/${id}/events`, { ...range, type: "security." }),
    api(`sessions/${id}/llm`, range),
    api(`sessions/${id}/events`, { ...range, type: "intent.mismatch" })]);
  summary(s);
  renderTree(tree.processes, s.status === "live");
  flows = flowPage.events;
  renderFlows();
  const notable = [...viol.events, ...sec.events];
  renderSecurity(notable);
  const llm = llmView(llmPage.events, intent.events);
  renderLlm($("#llm"), llm);
  timeline(s, tree.processes, [...notable, ...intent.events], llm);
  events.reset();
  if (s.status === "live") follow(s.session);
}

function follow(session: string): void {
  liveAbort = new AbortController();
  let n = 0;
  let timer = 0;
  $("#live").textContent = "● live";
  tail(session, () => {
    $("#live").textContent = `● live (+${++n})`;
    clearTimeout(timer);
    timer = window.setTimeout(() => refresh(), 1000);
  }, () => { $("#live").textContent = "ended"; refresh(); }, liveAbort.signal).catch(() => {});
}

function summary(s: Json): void {
  const rows: [string, unknown][] = [["session", s.session], ["agent", s.agent || "-"],
    ["project", s.project || "-"], ["user", s.user], ["host", s["host.name"]],
    ["command", (s.command as string[]).join(" ")], ["start (UTC)", s.start],
    ["end (UTC)", s.end ?? "running"], ["status", status(s)], ["exit", s["exit.code"] ?? "-"],
    ["processes", s.processes], ["events", s.events], ["drops", s.drops]];
  $("#summary div").innerHTML = "<table>" +
    rows.map(([k, v]) => `<tr><th>${k}</th><td data-field="${k}">${esc(v)}</td></tr>`).join("") +
    "</table>";
}

// A process with no exit is running in a live session; in an ended or
// crashed one its exit was not seen (as `proctor tree` says).
function renderTree(procs: Json[], live: boolean): void {
  const kids = new Map<number, Json[]>();
  const pids = new Set(procs.map((p) => p.pid));
  for (const p of procs) {
    const parent = pids.has(p.ppid) && p !== procs[0] ? p.ppid : -1;
    kids.set(parent, [...(kids.get(parent) ?? []), p]);
  }
  const seen = new Set<Json>();
  const item = (p: Json): string => {
    if (seen.has(p)) return "";
    seen.add(p);
    const exit = p["exit.signal"] ? `killed by ${p["exit.signal"]}` :
      p["exit.code"] !== undefined ? `exit ${p["exit.code"]}` : live ? "running" : "no exit seen";
    const notes = (p.notes as string[]).map((n) =>
      `<div class="note${/SENSITIVE|ESCAPE/.test(n) ? " alert" : ""}">${esc(n)}</div>`).join("");
    const sub = (kids.get(p.pid) ?? []).map(item).join("");
    return `<li data-pid="${p.pid}"><span class="proc" data-comm="${esc(p.comm)}"><b>${esc(p.comm)}</b>
      <code>${esc((p.argv as string[]).join(" "))}</code> [pid ${p.pid}, ${exit}]</span>${notes}
      ${sub ? `<ul>${sub}</ul>` : ""}</li>`;
  };
  $("#tree").innerHTML = (kids.get(-1) ?? []).map(item).join("");
}

function renderFlows(): void {
  const dom = f("domain"), verdict = f("verdict");
  const shown = flows.filter((e) => (!verdict || e.verdict === verdict) && (!dom ||
    String(e["server.address"] || e["network.peer.address"]).includes(dom)));
  $("#flows").innerHTML = "<tr><th>destination</th><th>port</th><th>verdict</th><th>out</th>" +
    "<th>in</th><th>process</th></tr>" + shown.map((e) => `<tr data-verdict="${esc(e.verdict)}">
    <td>${esc(e["server.address"] || e["network.peer.address"])}</td>
    <td>${esc(e["network.peer.port"])}</td><td>${esc(e.verdict)}</td>
    <td>${esc(e["flow.bytes_out"])} B</td><td>${esc(e["flow.bytes_in"])} B</td>
    <td>${esc(e["process.name"])} ${esc(e["process.pid"])}</td></tr>`).join("");
}

function detail(e: Json): string {
  for (const k of ["file.path", "policy.rule", "escape.category", "privilege.operation",
    "intent.reason",
    "memory.operation", "dns.question.name", "network.peer.address"])
    if (e[k] !== undefined) return `${k}=${e[k]}`;
  if (e["process.command_line"]) return e["process.command_line"];
  return "";
}

function renderSecurity(list: Json[]): void {
  list.sort((a, b) => (a.time < b.time ? -1 : 1));
  $("#security").innerHTML = "<tr><th>time</th><th>type</th><th>process</th><th>detail</th></tr>" +
    list.map((e) => `<tr><td>${esc(e.time)}</td><td>${esc(e.type)}</td>
      <td>${esc(e["process.name"])} ${esc(e["process.pid"])}</td><td>${esc(detail(e))}</td></tr>`)
      .join("");
}

// A time filter as the API takes it (RFC 3339 or nanoseconds since the
// epoch) in milliseconds; NaN when it is neither (the API says why).
const ms = (v: string): number => (/^\d+$/.test(v) ? Number(v) / 1e6 : Date.parse(v));

// Timeline: one lane per process, a bar from start to exit, a mark per
// security event, violation or intent mismatch; above them the LLM lane
// (llm.ts) when the session made model calls; the wheel zooms and a drag
// pans the x range.
function timeline(s: Json, procs: Json[], marks: Json[], llm: LlmView): void {
  const svg = $<HTMLElement>("#timeline") as unknown as SVGSVGElement;
  const t = (iso: string): number => Date.parse(iso);
  // From the first process (the session's start includes the recorder's set-up).
  const t0 = Math.min(...procs.map((p) => t(p.start)), t(s.end ?? new Date().toISOString()));
  const t1 = Math.max(t(s.end ?? new Date().toISOString()), t0 + 1);
  // The global range (the lanes and marks are already limited to it) is the first view.
  const since = f("since") ? ms(f("since")) : NaN, until = f("until") ? ms(f("until")) : NaN;
  let lo = Number.isNaN(since) ? t0 : since, hi = Number.isNaN(until) ? t1 : until;
  if (hi <= lo) hi = lo + 1;
  const lanes = procs.slice(0, 200);
  const top = llm.calls.length || llm.tools.length ? 16 : 0; // the LLM lane
  svg.setAttribute("height", String(top + lanes.length * 14 + 24));
  const draw = (): void => {
    const w = svg.clientWidth || 1000, x = (v: number) => 160 + ((v - lo) / (hi - lo)) * (w - 170);
    let out = top ? llmLane(llm, x, 2) : "";
    const clip = (v: number) => Math.min(Math.max(v, 160), w - 10);
    lanes.forEach((p, i) => {
      const a = clip(x(t(p.start))), b = clip(x(p.end ? t(p.end) : t1));
      out += `<text x="0" y="${top + i * 14 + 11}">${esc(p.comm)} ${p.pid}</text>` +
        `<rect class="proc" x="${a}" y="${top + i * 14 + 2}" width="${Math.max(1, b - a)}"` +
        ` height="10" fill="#7aa7d8"/>`;
    });
    for (const m of marks) {
      const i = lanes.findIndex((p) => p.pid === m["process.pid"]);
      const cx = x(t(m.time));
      if (i >= 0 && cx >= 160 && cx <= w - 10)
        out += `<circle cx="${cx}" cy="${top + i * 14 + 7}" r="4" fill="#c00">` +
          `<title>${esc(m.type)} ${esc(detail(m))}</title></circle>`;
    }
    const foot = top + lanes.length * 14 + 20;
    out += `<text x="160" y="${foot}">+${((lo - t0) / 1000).toFixed(3)}s</text>` +
      `<text x="${w - 80}" y="${foot}">+${((hi - t0) / 1000).toFixed(3)}s</text>`;
    svg.innerHTML = out;
    svg.dataset.lo = String(lo);
    svg.dataset.hi = String(hi);
  };
  svg.onwheel = (ev) => {
    ev.preventDefault();
    const mid = lo + ((ev.offsetX - 160) / ((svg.clientWidth || 1000) - 170)) * (hi - lo);
    const k = ev.deltaY < 0 ? 0.8 : 1.25;
    lo = mid - (mid - lo) * k;
    hi = mid + (hi - mid) * k;
    draw();
  };
  svg.onmousedown = (down) => {
    const start = down.clientX, l0 = lo, h0 = hi;
    const move = (ev: MouseEvent) => {
      const d = ((ev.clientX - start) / ((svg.clientWidth || 1000) - 170)) * (h0 - l0);
      lo = l0 - d;
      hi = h0 - d;
      draw();
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", () => window.removeEventListener("mousemove", move),
      { once: true });
  };
  draw();
}

// The events table: pages of 500 fetched as the user scrolls; only the rows
// in view are in the DOM, so a million-event session scrolls in place.
const ROW = 20;
const events = {
  rows: [] as Json[], cursor: null as string | null, done: false, loading: false, gen: 0,
  clear(): void {
    this.rows = []; this.cursor = null; this.done = true; this.gen++;
    $("#ev-rows").innerHTML = ""; $("#ev-count").textContent = "";
  },
  reset(): void {
    this.clear();
    this.done = !f("session");
    $<HTMLElement>("#ev-scroll").scrollTop = 0;
    $<HTMLElement>("#ev-scroll").onscroll = () => this.render();
    this.more();
  },
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    this.loading = true;
    const gen = this.gen;
    try {
      const page = await api(`sessions/${encodeURIComponent(f("session"))}/events`, {
        type: f("type"), pid: f("pid"), path: f("path"), since: f("since"), until: f("until"),
        limit: "500", ...(this.cursor ? { cursor: this.cursor } : {}) });
      if (gen !== this.gen) return;
      this.rows.push(...page.events);
      this.cursor = page.next_cursor;
      this.done = !page.next_cursor;
    } catch (e) {
      this.done = true;
      $("#ev-count").textContent = String(e);
    } finally {
      this.loading = false;
    }
    this.render();
  },
  render(): void {
    const box = $<HTMLElement>("#ev-scroll"), rows = $<HTMLElement>("#ev-rows");
    rows.style.height = `${(this.rows.length + (this.done ? 0 : 50)) * ROW}px`;
    const first = Math.floor(box.scrollTop / ROW), last = first + Math.ceil(box.clientHeight / ROW) + 5;
    rows.innerHTML = this.rows.slice(first, last).map((e, i) =>
      `<div class="row ev" data-type="${esc(e.type)}" style="top:${(first + i) * ROW}px">` +
      `${esc(String(e.time).slice(11, 23))} ${esc(e["process.pid"])} ${esc(e["process.name"])} ` +
      `<b>${esc(e.type)}</b> ${esc(detail(e))}</div>`).join("");
    $("#ev-count").textContent = `(${this.rows.length}${this.done ? "" : "+"} events)`;
    $("#ev-count").dataset.loaded = String(this.rows.length);
    $("#ev-count").dataset.done = String(this.done);
    if (!this.done && last > this.rows.length - 20) this.more();
  },
};

function start(): void {
  layout();
  refresh();
}

if (token()) start(); else login();

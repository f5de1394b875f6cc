// llm.ts: the LLM panel of a session: its model calls (llm.call, read from
// the agent's TLS: docs/EVENTS-llm.md) with totals of tokens and cost, their
// tool calls, and the intent mismatches of those tool calls. A field a
// record does not have (llm.cost_usd before the price table, tokens of a
// call cut short) shows as "-", never as an error.
import { Json } from "./api";
import { esc } from "./html";

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const dash = (v: unknown, unit = ""): string => (v === undefined || v === null ? "-" : `${v}${unit}`);

export interface LlmView {
  calls: Json[];     // llm.call
  tools: Json[];     // llm.tool_call
  mismatches: Json[]; // intent.mismatch
}

// The llm.* page of the API (sessions/{id}/llm) and the intent.mismatch page.
export function llmView(llm: Json[], intent: Json[]): LlmView {
  return { calls: llm.filter((e) => e.type === "llm.call"),
    tools: llm.filter((e) => e.type === "llm.tool_call"), mismatches: intent };
}

function totals(v: LlmView): string {
  let tin = 0, tout = 0, cost = 0, priced = 0;
  for (const c of v.calls) {
    tin += num(c["gen_ai.usage.input_tokens"]) ?? 0;
    tout += num(c["gen_ai.usage.output_tokens"]) ?? 0;
    const usd = num(c["llm.cost_usd"]);
    if (usd !== undefined) { cost += usd; priced++; }
  }
  const costText = priced ? `cost ${cost.toFixed(4)} USD (${priced} of ${v.calls.length} calls priced)`
    : "cost not recorded";
  return `<p id="llm-totals" data-calls="${v.calls.length}" data-tools="${v.tools.length}"` +
    ` data-in="${tin}" data-out="${tout}" data-cost="${priced ? cost : ""}">` +
    `${v.calls.length} model calls, ${v.tools.length} tool calls, tokens ${tin} in / ${tout} out,` +
    ` ${costText}</p>`;
}

export function renderLlm(el: HTMLElement, v: LlmView): void {
  if (!v.calls.length && !v.tools.length && !v.mismatches.length) {
    el.innerHTML = `<p id="llm-totals" data-calls="0">No model calls were recorded.</p>`;
    return;
  }
  const calls = v.calls.map((c) => {
    const names = (c["llm.tool_calls.names"] as string[] | undefined) ?? [];
    return `<tr class="llm-call" data-model="${esc(c["gen_ai.response.model"] ?? c["gen_ai.request.model"])}"
      data-in="${esc(c["gen_ai.usage.input_tokens"])}" data-out="${esc(c["gen_ai.usage.output_tokens"])}">
      <td>${esc(String(c.time).slice(11, 23))}</td><td>${esc(c["process.name"])} ${esc(c["process.pid"])}</td>
      <td>${esc(c["gen_ai.response.model"] ?? c["gen_ai.request.model"] ?? "-")}</td>
      <td>${esc(dash(c["gen_ai.usage.input_tokens"]))}</td><td>${esc(dash(c["gen_ai.usage.output_tokens"]))}</td>
      <td>${esc(dash(c["llm.duration_ms"], " ms"))}</td><td>${esc(names.join(", ") || "-")}</td>
      <td>${esc(num(c["llm.cost_usd"])?.toFixed(4) ?? "-")}</td>
      <td>${c["llm.complete"] === false ? "no" : "yes"}</td></tr>`;
  }).join("");
  const tools = v.tools.map((t) => `<tr class="llm-tool" data-name="${esc(t["gen_ai.tool.name"])}">
      <td>${esc(String(t.time).slice(11, 23))}</td><td>${esc(t["gen_ai.tool.name"])}</td>
      <td><code>${esc(t["gen_ai.tool.call.id"])}</code></td>
      <td><code>${esc(t["llm.tool.command"] ?? "")}</code></td></tr>`).join("");
  const bad = v.mismatches.map((m) => `<tr class="intent" data-reason="${esc(m["intent.reason"])}">
      <td>${esc(String(m.time).slice(11, 23))}</td><td>${esc(m["process.name"])} ${esc(m["process.pid"])}</td>
      <td><code>${esc(m["gen_ai.tool.call.id"])}</code></td><td class="alert">${esc(m["intent.reason"])}</td>
      <td><code>${esc(m["intent.declared"])}</code></td><td><code>${esc(m["intent.observed"])}</code></td></tr>`)
    .join("");
  el.innerHTML = totals(v) +
    `<table id="llm-calls"><tr><th>time</th><th>process</th><th>model</th><th>tokens in</th>
      <th>tokens out</th><th>duration</th><th>tool calls</th><th>cost (USD)</th><th>complete</th></tr>
      ${calls}</table>` +
    `<h3>Tool calls</h3><table id="llm-tools"><tr><th>time</th><th>tool</th><th>id</th>
      <th>command</th></tr>${tools}</table>` +
    (bad ? `<h3>Intent mismatches</h3><table id="intent"><tr><th>time</th><th>process</th>
      <th>tool call</th><th>reason</th><th>declared</th><th>observed</th></tr>${bad}</table>` : "");
}

// The timeline's LLM lane: a bar per model call from its request to its
// response's end (llm.duration_ms before the record's time), a mark per
// tool call. x maps epoch ms to the picture; y is the lane's top.
export function llmLane(v: LlmView, x: (ms: number) => number, y: number): string {
  let out = `<text x="0" y="${y + 9}">LLM</text>`;
  for (const c of v.calls) {
    const end = Date.parse(c.time), start = end - (num(c["llm.duration_ms"]) ?? 0);
    const a = x(start), b = x(end);
    out += `<rect class="llm-call" x="${a}" y="${y}" width="${Math.max(2, b - a)}" height="10"` +
      ` fill="#7b3fbf"><title>${esc(c["gen_ai.response.model"] ?? "model call")}: tokens ` +
      `${esc(dash(c["gen_ai.usage.input_tokens"]))} in / ${esc(dash(c["gen_ai.usage.output_tokens"]))} out` +
      `</title></rect>`;
  }
  for (const t of v.tools) {
    const cx = x(Date.parse(t.time));
    out += `<path class="llm-tool" d="M${cx} ${y - 1} l5 6 l-5 6 l-5 -6 z" fill="#e0a000">` +
      `<title>${esc(t["gen_ai.tool.name"])} ${esc(t["llm.tool.command"] ?? "")}</title></path>`;
  }
  return out;
}

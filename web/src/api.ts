// api.ts: the /api/v1 client (docs/API.md): bearer token from the login
// form (kept in sessionStorage), JSON errors, and the SSE live tail read
// with fetch (EventSource cannot send an Authorization header).

export type Json = Record<string, any>;

export class Unauthorized extends Error {}

export function token(): string | null {
  return sessionStorage.getItem("proctor-token");
}

export function setToken(t: string | null): void {
  if (t) sessionStorage.setItem("proctor-token", t);
  else sessionStorage.removeItem("proctor-token");
}

export async function api(path: string, params: Record<string, string> = {}): Promise<Json> {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ""));
  const url = "/api/v1/" + path + (q.toString() ? "?" + q.toString() : "");
  const r = await fetch(url, { headers: { Authorization: "Bearer " + (token() ?? "") } });
  if (r.status === 401) throw new Unauthorized("unauthorized");
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ?? r.statusText);
  return body;
}

// Follow a session's events/stream; onEvent per event, onEnd when it ends.
export async function tail(session: string, onEvent: (e: Json) => void, onEnd: () => void,
                           signal: AbortSignal): Promise<void> {
  const r = await fetch(`/api/v1/sessions/${encodeURIComponent(session)}/events/stream`, {
    headers: { Authorization: "Bearer " + (token() ?? "") }, signal,
  });
  if (!r.ok || !r.body) return;
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith("event: end")) return onEnd();
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (data && !block.startsWith("event:")) onEvent(JSON.parse(data.slice(6)));
    }
  }
}

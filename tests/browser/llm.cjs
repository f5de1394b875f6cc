// llm.cjs URL TOKEN SESSION CRASHED OUTDIR: the LLM panel and lane and the
// crashed status in Debian's Chromium (headless, playwright-core): log in,
// open SESSION (real llm.call records), read the panel's totals and rows and
// the timeline's LLM lane; then filter the list by status crashed (only
// CRASHED, which reads crashed in the list and on its summary card). Prints what it saw as one JSON object
// (asserted by tests/e2e/test_serve_llm.py); screenshots go to OUTDIR.
const path = require("path");
const { chromium } = require(path.join(__dirname, "../../web/node_modules/playwright-core"));

async function main() {
  const [url, token, session, crashed, out] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const listed = () => page.$$eval("#sessions tr.pick", (t) => t.map((r) => r.dataset.session));
  const seen = {};

  await page.goto(url);
  await page.fill("#token", token);
  await page.click("#login-btn");
  await page.waitForSelector("#sessions tr.pick");
  seen.before = await listed();
  seen.statusText = await page.$$eval("#sessions tr.pick td.status", (t) =>
    Object.fromEntries(t.map((c) => [c.closest("tr").dataset.session, c.textContent])));
  await page.click(`#sessions tr.pick[data-session="${session}"]`);
  await page.waitForSelector("#llm-totals[data-calls]:not([data-calls='0'])");
  seen.totals = await page.$eval("#llm-totals", (p) => ({ ...p.dataset, text: p.textContent }));
  seen.calls = await page.$$eval("#llm-calls tr.llm-call", (r) =>
    r.map((x) => [...x.querySelectorAll("td")].slice(2).map((td) => td.textContent.trim())));
  seen.tools = await page.$$eval("#llm-tools tr.llm-tool", (r) => r.map((x) => x.dataset.name));
  seen.laneCalls = await page.$$eval("#timeline rect.llm-call", (r) => r.length);
  seen.laneTools = await page.$$eval("#timeline path.llm-tool", (r) => r.length);
  seen.laneLabel = await page.$$eval("#timeline text", (t) => t.map((x) => x.textContent)[0]);
  await page.screenshot({ path: `${out}/llm-1.png`, fullPage: true });

  await page.selectOption("#f-status", "crashed");
  await page.waitForFunction((s) => {
    const rows = [...document.querySelectorAll("#sessions tr.pick")];
    return rows.length === 1 && rows[0].dataset.session === s;
  }, crashed);
  seen.crashedOnly = await listed();
  await page.click(`#sessions tr.pick[data-session="${crashed}"]`);
  await page.waitForFunction((s) => document.querySelector('[data-field="session"]')
    ?.textContent === s, crashed);
  seen.crashedCard = await page.textContent('[data-field="status"]');
  seen.crashedTree = await page.$$eval("#tree .proc", (p) =>
    p.map((x) => x.textContent.replace(/\s+/g, " ").trim()));
  seen.url = page.url();
  await page.screenshot({ path: `${out}/llm-2-crashed.png`, fullPage: true });
  seen.errors = errors;
  await browser.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

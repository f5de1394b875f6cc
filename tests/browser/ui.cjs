// ui.cjs URL TOKEN SHOP_SESSION BANK_SESSION OUTDIR SINCE: drives the web UI in
// Debian's Chromium (headless, playwright-core from web/node_modules) like a
// user: log in with a token, filter by project, open a session, filter the
// events by type, set the global since (SINCE) and clear it again. Prints what it saw as one JSON object (asserted by
// tests/e2e/test_web_ui.py); screenshots go to OUTDIR.
const path = require("path");
const { chromium } = require(path.join(__dirname, "../../web/node_modules/playwright-core"));

async function main() {
  const [url, token, shop, bank, out, since] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const seen = {};
  const listed = () => page.$$eval("#sessions tr.pick", (t) => t.map((r) => r.dataset.session));

  await page.goto(url);
  await page.fill("#token", "pct_" + "0".repeat(48));
  await page.click("#login-btn");
  await page.waitForSelector("#login .err:not(:empty)");
  seen.badLogin = await page.textContent("#login .err");
  errors.length = 0; // the refused login's 401 is expected; nothing else may fail
  await page.fill("#token", token);
  await page.click("#login-btn");
  await page.waitForSelector("#sessions tr.pick");
  seen.before = await listed();
  await page.screenshot({ path: `${out}/1-sessions.png`, fullPage: true });

  await page.selectOption("#f-project", "shop");
  await page.waitForFunction((b) => ![...document.querySelectorAll("#sessions tr.pick")]
    .some((r) => r.dataset.session === b), bank);
  seen.afterProject = await listed();
  seen.sessionOptions = await page.$$eval("#f-session option", (o) => o.map((x) => x.value));

  await page.click(`#sessions tr.pick[data-session="${shop}"]`);
  await page.waitForSelector("#tree .proc");
  await page.waitForFunction(() => document.querySelector("#ev-count")?.dataset.done === "true");
  seen.comms = await page.$$eval("#tree .proc", (s) => s.map((x) => x.dataset.comm));
  seen.summarySession = await page.textContent('[data-field="session"]');
  seen.loaded = Number(await page.getAttribute("#ev-count", "data-loaded"));
  seen.rendered = await page.$$eval("#ev-rows .ev", (r) => r.length);
  seen.timelineLanes = await page.$$eval("#timeline rect.proc", (r) => r.length);
  await page.screenshot({ path: `${out}/2-session.png`, fullPage: true });

  await page.fill("#e-type", "process.");
  await page.dispatchEvent("#e-type", "change");
  await page.waitForFunction((n) => {
    const c = document.querySelector("#ev-count");
    return c?.dataset.done === "true" && Number(c.dataset.loaded) < n;
  }, seen.loaded);
  seen.filteredLoaded = Number(await page.getAttribute("#ev-count", "data-loaded"));
  seen.filteredTypes = await page.$$eval("#ev-rows .ev", (r) => r.map((x) => x.dataset.type));
  seen.url = page.url();
  await page.screenshot({ path: `${out}/3-filtered.png`, fullPage: true });

  // The global range: the tree and the timeline keep only the processes
  // alive in it, the timeline's first view is the range; clearing it brings
  // the others back.
  const treeAndLanes = () => page.evaluate(() => ({
    comms: [...document.querySelectorAll("#tree .proc")].map((x) => x.dataset.comm),
    lanes: document.querySelectorAll("#timeline rect.proc").length,
    lo: Number(document.querySelector("#timeline").dataset.lo),
  }));
  const lanes = seen.timelineLanes;
  await page.fill("#f-since", since);
  await page.dispatchEvent("#f-since", "change");
  await page.waitForFunction((n) => document.querySelectorAll("#timeline rect.proc").length < n,
    lanes);
  seen.ranged = await treeAndLanes();
  seen.rangeUrl = page.url();
  await page.screenshot({ path: `${out}/4-range.png`, fullPage: true });
  await page.fill("#f-since", "");
  await page.dispatchEvent("#f-since", "change");
  await page.waitForFunction((n) => document.querySelectorAll("#timeline rect.proc").length === n,
    lanes);
  seen.unranged = await treeAndLanes();
  seen.unrangedUrl = page.url();
  await page.screenshot({ path: `${out}/5-unranged.png`, fullPage: true });

  // The URL holds the view: a fresh page on it shows the same filters.
  const again = await browser.newPage();
  await again.goto(url); // same origin: the token is per tab (sessionStorage), log in again
  await again.fill("#token", token);
  await again.click("#login-btn");
  await again.waitForSelector("#sessions tr.pick");
  await again.goto(seen.url);
  await again.waitForSelector("#tree .proc");
  seen.sharedType = await again.inputValue("#e-type");
  seen.sharedProject = await again.inputValue("#f-project");
  seen.errors = errors;
  await browser.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

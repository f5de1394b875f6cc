// live.cjs URL TOKEN LIVE_SESSION ENDED_SESSION GATE OUTDIR: the session list
// and picker say each session's status and follow a live one to its end
// without a reload: log in, see LIVE as live and ENDED as ended with its exit,
// create GATE (the live session's command then exits), and wait for LIVE to
// read ended. Prints what it saw as one JSON object (asserted by
// tests/e2e/test_web_ui.py); screenshots go to OUTDIR.
const fs = require("fs");
const path = require("path");
const { chromium } = require(path.join(__dirname, "../../web/node_modules/playwright-core"));

async function main() {
  const [url, token, live, ended, gate, out] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const cell = (id) => `#sessions tr.pick[data-session="${id}"] td.status`;
  const seen = {};
  const look = async (key) => {
    seen[key] = {
      live: await page.getAttribute(cell(live), "data-status"),
      liveText: await page.textContent(cell(live)),
      endedText: await page.textContent(cell(ended)),
      options: await page.$$eval("#f-session option", (o) => o.map((x) => x.textContent)),
    };
  };

  await page.goto(url);
  await page.fill("#token", token);
  await page.click("#login-btn");
  await page.waitForSelector(`${cell(live)}[data-status="live"]`);
  await look("before");
  await page.screenshot({ path: `${out}/live-1.png`, fullPage: true });
  fs.writeFileSync(gate, "");
  await page.waitForSelector(`${cell(live)}[data-status="ended"]`, { timeout: 60000 });
  await look("after");
  await page.screenshot({ path: `${out}/live-2.png`, fullPage: true });
  seen.errors = errors;
  await browser.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

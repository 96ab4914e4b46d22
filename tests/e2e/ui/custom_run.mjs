// Start a backfill from the Prefect UI as a user would: deployment page -> Run ->
// Custom run -> fill the dates and one feed -> Submit. Prints {"run_name": ...}, the name the
// form gave the new flow run (the flow renames it when it starts).
//   node custom_run.mjs UI_URL DEPLOYMENT_ID START END FEED [SCREENSHOT.png]
// Uses Debian's chromium (CHROMIUM, default /usr/bin/chromium); never downloads a browser.
// Every request to anything but the local server is blocked (the UI tries analytics).
import { chromium } from "playwright-core";

const [ui, deploymentId, start, end, feed, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});  // playwright gives the browser a fresh, temporary profile of its own
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1180 } });
  page.setDefaultTimeout(20_000);
  const local = new URL(ui).host;
  await page.route("**/*", (route) =>
    new URL(route.request().url()).host === local ? route.continue() : route.abort());

  await page.goto(`${ui}/deployments/deployment/${deploymentId}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByText("Custom run", { exact: true }).click();
  await page.waitForURL(/\/run/);

  const field = (label) => page.locator(".schema-form-property").filter({
    has: page.locator(".schema-form-property__label", { hasText: new RegExp(`^${label}$`) }),
  });
  // The two date pickers: open, type the date in "Selected Date", Apply; check it shows.
  const day = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", {
    month: "short", timeZone: "UTC" }) + " " + Number(iso.slice(8));
  for (const [label, value] of [["start", start], ["end", end]]) {
    for (let attempt = 0; ; attempt++) {
      await field(label).locator(".p-date-button__control").click();
      const typed = page.locator("input[type=date]");
      await typed.fill(value);
      await page.getByRole("button", { name: "Apply" }).click();
      await typed.waitFor({ state: "detached" });
      const shown = await field(label).locator(".p-date-button__value").textContent();
      if (shown.startsWith(day(value))) break;  // e.g. "Jun 1st, 2025"
      if (attempt === 2) throw new Error(`${label}: the picker shows ${shown}, not ${value}`);
    }
  }
  // The feeds multi-select offers the configured feed names (headless, it opens from
  // the keyboard, not on a click).
  await page.getByRole("button", { name: "No items selected" }).focus();
  await page.keyboard.press("ArrowDown");
  await page.locator(".p-select-option").filter({ hasText: new RegExp(`^${feed}$`) }).click();
  await page.getByText("Run Name", { exact: true }).click();  // closes the list
  await page.locator(".p-select-options").waitFor({ state: "detached" });
  const runName = await page.locator(".p-label").filter({
    has: page.getByText("Run Name", { exact: true }) }).locator("input").first().inputValue();
  if (screenshot) await page.screenshot({ path: screenshot });
  await page.getByRole("button", { name: "Submit" }).click();
  // The UI goes back to the deployment page with a toast "<run name> scheduled to start now".
  await page.getByText(`${runName} scheduled to start`).first().waitFor();
  console.log(JSON.stringify({ run_name: runName }));
} finally {
  await browser.close();
}

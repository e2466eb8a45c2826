// Helpers shared by Jumpgate's real-browser scripts (account.spec.mjs, standings.spec.mjs):
// launching Debian's Chromium through playwright-core, named steps with timings, numbered
// screenshots, error watching, and logging in through the EVE simulator's picker and consent page.

import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const STEP_TIMEOUT_MS = 15_000;
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const VIEWPORT = { width: 1280, height: 860 };

export function fail(message) {
  throw new Error(message);
}

export function expect(condition, message) {
  if (!condition) fail(message);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run of a browser script: its steps, screenshots, the errors its pages reported. */
export class Run {
  /**
   * @param {object} o
   * @param {string} o.base Jumpgate's base URL (JUMPGATE_URL).
   * @param {string} o.shots the screenshot directory (SCREENSHOT_DIR).
   * @param {string} [o.prefix] put before every screenshot's name, e.g. `standings-`.
   */
  constructor({ base, shots, prefix = '' }) {
    this.base = base;
    this.shots = path.resolve(shots);
    this.prefix = prefix;
    this.steps = [];
    this.shotNo = 0;
    this.currentPage = null; // for a screenshot when a step fails
    this.errors = [];
    this.dialogs = [];
  }

  /** Checks the environment, creates the screenshot directory and launches Chromium. */
  async launch(title) {
    expect(this.base, 'JUMPGATE_URL is not set (the base URL of a running Jumpgate, e.g. http://127.0.0.1:8080)');
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's Chromium with \`apt-get update && apt-get install -y chromium\``);
    await mkdir(this.shots, { recursive: true });
    console.log(`${title}: ${this.base}, Chromium ${CHROMIUM}, screenshots in ${this.shots}`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    console.log(`  Chromium ${browser.version()}`);
    return browser;
  }

  /** A new context (own cookies) with the step timeouts, and its first page, watched. */
  async newPage(browser, options = {}) {
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', ...options });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    this.watch(page);
    page.on('dialog', (d) => {
      this.dialogs.push(d.message());
      console.log(`        dialog (${d.type()}): ${d.message()} → accept`);
      d.accept();
    });
    return { context, page };
  }

  /** Runs one named step, recording its outcome and duration. */
  async step(name, fn) {
    const started = Date.now();
    try {
      const value = await fn();
      const ms = Date.now() - started;
      this.steps.push({ name, ok: true, ms });
      console.log(`  ok    ${name} (${ms} ms)`);
      return value;
    } catch (err) {
      const ms = Date.now() - started;
      this.steps.push({ name, ok: false, ms, err });
      console.log(`  FAIL  ${name} (${ms} ms)\n        ${String(err && err.message ? err.message : err).split('\n').join('\n        ')}`);
      const page = this.currentPage;
      if (page) {
        const file = `${this.prefix}failure.png`;
        await page
          .screenshot({ path: path.join(this.shots, file) })
          .then(() => console.log(`        page at failure: ${page.url()} (${file})`))
          .catch(() => {});
      }
      throw err;
    }
  }

  /** Saves `<prefix>NN-name.png` into the screenshot directory: the whole page, or only the
   * viewport for long pages (the simulator's picker lists hundreds of characters). */
  async shot(page, name, { fullPage = true } = {}) {
    this.shotNo += 1;
    const file = path.join(this.shots, `${this.prefix}${String(this.shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
  }

  /** Collects script errors, console errors (CSP violations among them) and failed requests of
   * a page. */
  watch(page) {
    const errors = this.errors;
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      // Failed loads are reported with their URL by the response handler below.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        errors.push(`${page.url()}: console: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (r.status() >= 400 && url.pathname !== '/favicon.ico') errors.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
    });
    page.on('requestfailed', (r) => {
      // Leaving a page cancels its pending loads (lazy portraits): not an error.
      const why = r.failure()?.errorText ?? '';
      if (!why.includes('ERR_ABORTED')) errors.push(`${r.method()} ${r.url()}: ${why}`);
    });
  }

  /** A step that fails when any watched page reported an error. */
  async noErrors() {
    await this.step('no script errors, CSP violations or failed requests on any page', async () => {
      expect(this.errors.length === 0, `errors:\n${this.errors.join('\n')}`);
    });
  }

  /** Runs `main`, prints the summary and `<resultPrefix> <json>` of its result, and exits. */
  async finish(main, resultPrefix) {
    const started = Date.now();
    let code = 0;
    try {
      const result = await main();
      console.log(`\nPASS  ${this.steps.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s, ${this.shotNo} screenshots in ${this.shots}`);
      console.log(`${resultPrefix} ${JSON.stringify(result)}`);
    } catch (err) {
      code = 1;
      const passed = this.steps.filter((s) => s.ok).length;
      console.log(`\nFAIL  ${passed} of ${this.steps.length} steps passed before the failure (${((Date.now() - started) / 1000).toFixed(1)} s); screenshots so far in ${this.shots}`);
      console.error(err && err.stack ? err.stack : String(err));
    }
    process.exit(code);
  }
}

/** The simulator's picker: EVE accounts (sections) with their characters. */
export async function readPicker(page) {
  return page.$$eval('section.account', (sections) =>
    sections.map((s) => ({
      heading: s.querySelector('h2')?.textContent.trim() ?? '',
      characters: [...s.querySelectorAll('button.char')].map((b) => ({
        id: Number(b.value),
        name: b.querySelector('.name')?.textContent.trim() ?? '',
      })),
    })),
  );
}

/** On the simulator's picker: filter by name, pick `character`, then authorize on consent (which
 * must list every scope in `scopes`) and wait until the browser is back on Jumpgate's `back`
 * page. */
export async function pickAndAuthorize(run, page, character, shotName, { back = '/account', scopes = [] } = {}) {
  await page.waitForSelector('#filter', { state: 'visible' });
  // Type the name (the page filters as you type), then submit the search (the server filters).
  await page.fill('#filter', character.name);
  const leftVisible = await page
    .locator('button.char:visible')
    .evaluateAll((bs, q) => bs.filter((b) => !b.dataset.search.includes(q)).length, character.name.toLowerCase());
  if (leftVisible > 0) console.log(`        note: the instant filter left ${leftVisible} non-matching characters visible`);
  await Promise.all([page.waitForURL(/[?&]q=/), page.press('#filter', 'Enter')]);
  const button = page.locator(`button.char[value="${character.id}"]`);
  await button.waitFor({ state: 'visible' });
  const shown = await page.locator('button.char').evaluateAll((bs) => bs.map((b) => b.querySelector('.name')?.textContent.trim()));
  expect(shown.length >= 1 && shown.every((n) => n.toLowerCase().includes(character.name.toLowerCase())), `searching "${character.name}" shows [${shown.join(', ')}]`);
  await run.shot(page, shotName);
  await Promise.all([page.waitForURL(/character_id=/), button.click()]);
  const authorize = page.locator('button[name=decision][value=authorize]');
  await authorize.waitFor({ state: 'visible' });
  const consentName = (await page.locator('.who .name').textContent())?.trim();
  expect(consentName === character.name, `consent page is for "${consentName}", expected "${character.name}"`);
  if (scopes.length > 0) {
    const consent = (await page.locator('body').textContent()) ?? '';
    const missing = scopes.filter((s) => !consent.includes(s));
    expect(missing.length === 0, `the consent page does not ask for ${missing.join(', ')}`);
  }
  await run.shot(page, `${shotName}-consent`);
  await Promise.all([page.waitForURL((u) => u.pathname === back, { timeout: STEP_TIMEOUT_MS }), authorize.click()]);
}

/** Clicks something that submits a form on the page and waits until the next page has loaded. */
export async function clickAndWaitForPage(page, locator) {
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await locator.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** The flash banner's text on the current page ('' when there is none). */
export async function flashText(page) {
  const flash = page.locator('.banner.flash');
  return (await flash.count()) > 0 ? ((await flash.first().textContent()) ?? '').trim() : '';
}

/** A character the Rust test names in `<role>_ID` and `<role>_NAME`. */
export function characterFromEnv(role) {
  const id = Number(process.env[`${role}_ID`]);
  const name = process.env[`${role}_NAME`];
  if (!Number.isInteger(id) || id <= 0 || !name) {
    fail(`${role}_ID and ${role}_NAME must name a character of the simulator (set by the Rust test)`);
  }
  return { id, name };
}

/** Opens path `p` of Jumpgate and expects it answered without an error or a redirect. */
export async function gotoPage(run, page, p) {
  const r = await page.goto(new URL(p, run.base).href);
  expect(r && r.ok(), `GET ${p} answered ${r && r.status()}`);
  expect(new URL(page.url()).pathname === p, `GET ${p} ended on ${page.url()}`);
}

/** Home page → "Log in with EVE Online" → simulator picker and consent → /account. */
export async function logInAs(run, page, who, shotName) {
  await gotoPage(run, page, '/');
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(run.base)), page.click('#login-eve')]);
  await pickAndAuthorize(run, page, who, shotName);
  await page.locator(`#character-${who.id}`).waitFor({ state: 'visible' });
}

// Jumpgate's real-browser test: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) logs in through the EVE simulator, adds an alt, makes the alt main and removes
// the old main, taking a screenshot after every step.
//
//   JUMPGATE_URL=http://127.0.0.1:8080 SCREENSHOT_DIR=../../target/browser-screenshots/account \
//     node account.spec.mjs
//
// Usually started by `cargo test -p jumpgate --test browser`, which spawns a fresh Jumpgate and
// simulator and afterwards checks the database. Exits non-zero when any step fails. The last line
// on stdout on success is `JUMPGATE_BROWSER_RESULT {"main":…,"removed":…}` for that Rust test.

import { Run, expect, readPicker, pickAndAuthorize, clickAndWaitForPage, VIEWPORT } from './lib.mjs';

const run = new Run({ base: process.env.JUMPGATE_URL, shots: process.env.SCREENSHOT_DIR || 'screenshots' });
const BASE = run.base;
const step = (name, fn) => run.step(name, fn);
const shot = (page, name, opts) => run.shot(page, name, opts);

/** The character cards on Jumpgate's /account page. */
async function readCards(page) {
  return page.$$eval('article.character', (cards) =>
    cards.map((c) => ({
      id: Number(c.dataset.character),
      name: c.querySelector('h3')?.childNodes[0]?.textContent.trim() ?? '',
      main: c.querySelector('.badge.main') !== null,
    })),
  );
}

async function expectCards(page, expected, what) {
  const cards = await readCards(page);
  const got = cards.map((c) => `${c.id}${c.main ? ' (main)' : ''}`).sort();
  const want = expected.map((e) => `${e.id}${e.main ? ' (main)' : ''}`).sort();
  expect(JSON.stringify(got) === JSON.stringify(want), `${what}: cards are [${got.join(', ')}], expected [${want.join(', ')}]`);
  for (const e of expected) {
    const card = page.locator(`#character-${e.id}`);
    expect(await card.isVisible(), `${what}: card of ${e.id} is not visible`);
    if (e.main) expect(await card.locator('.badge.main').isVisible(), `${what}: Main badge of ${e.id} is not visible`);
  }
}

async function main() {
  const browser = await run.launch('Jumpgate browser test');
  const dialogs = run.dialogs;
  try {
    const { context, page } = await run.newPage(browser);
    run.currentPage = page;

    await step('home page shows "Log in with EVE Online"', async () => {
      const r = await page.goto(BASE);
      expect(r && r.ok(), `GET ${BASE} answered ${r && r.status()}`);
      await page.locator('#login-eve').waitFor({ state: 'visible' });
      await shot(page, 'home');
    });

    let main;
    let alt;
    await step('simulator login page lists EVE accounts; pick one with 2+ characters', async () => {
      await Promise.all([page.waitForURL((u) => u.href.startsWith(BASE) === false), page.click('#login-eve')]);
      await page.locator('section.account button.char').first().waitFor({ state: 'visible' });
      await shot(page, 'sim-login', { fullPage: false });
      const accounts = await readPicker(page);
      expect(accounts.length > 0, 'the simulator shows no EVE account');
      const account = accounts.find((a) => a.characters.length >= 2);
      expect(account, 'no EVE account on the picker has 2 or more characters');
      [main, alt] = account.characters;
      console.log(`        ${accounts.length} EVE accounts; chose "${account.heading}": main ${main.name} (${main.id}), alt ${alt.name} (${alt.id})`);
    });

    await step(`log in as ${main.name} and authorize`, async () => {
      await pickAndAuthorize(run, page, main, 'sim-pick-main');
    });

    await step('account page shows the character as Main', async () => {
      await expectCards(page, [{ id: main.id, main: true }], 'after first login');
      await shot(page, 'account-main');
    });

    await step(`add ${alt.name} with "Add a character"`, async () => {
      await Promise.all([page.waitForURL((u) => u.href.startsWith(BASE) === false), page.click('#add-character')]);
      await pickAndAuthorize(run, page, alt, 'sim-pick-alt');
    });

    await step('account page shows both characters, the first one Main', async () => {
      await expectCards(page, [{ id: main.id, main: true }, { id: alt.id, main: false }], 'after adding the alt');
      await shot(page, 'account-two');
    });

    await step(`make ${alt.name} main`, async () => {
      const button = page.locator(`.character-wrap:has(#character-${alt.id}) button[data-action=make-main]`);
      await clickAndWaitForPage(page, button);
      expect(new URL(page.url()).pathname === '/account', `Make main led to ${page.url()}`);
      await page.locator(`#character-${alt.id} .badge.main`).waitFor({ state: 'visible' });
      await expectCards(page, [{ id: main.id, main: false }, { id: alt.id, main: true }], 'after Make main');
      await shot(page, 'account-switched');
    });

    await step(`remove ${main.name} (confirm dialog accepted)`, async () => {
      const button = page.locator(`.character-wrap:has(#character-${main.id}) button[data-action=remove]`);
      const noRemoveOnMain = await page.locator(`.character-wrap:has(#character-${alt.id}) button[data-action=remove]`).count();
      expect(noRemoveOnMain === 0, 'the main has a Remove button');
      const before = dialogs.length;
      await clickAndWaitForPage(page, button);
      expect(dialogs.length === before + 1, 'Remove did not ask for confirmation');
      expect(dialogs.at(-1).includes(main.name), `the confirmation does not name ${main.name}: ${dialogs.at(-1)}`);
      expect(new URL(page.url()).pathname === '/account', `Remove led to ${page.url()}`);
      await page.locator(`#character-${main.id}`).waitFor({ state: 'detached' });
      await expectCards(page, [{ id: alt.id, main: true }], 'after Remove');
      await shot(page, 'account-removed');
    });

    await step('account page in dark mode', async () => {
      const dark = await browser.newContext({
        viewport: VIEWPORT,
        colorScheme: 'dark',
        storageState: await context.storageState(),
      });
      try {
        const p = await dark.newPage();
        run.currentPage = p;
        run.watch(p);
        await p.goto(new URL('/account', BASE).href);
        await p.locator(`#character-${alt.id} .badge.main`).waitFor({ state: 'visible' });
        const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = (bg.match(/\d+/g) || []).map(Number);
        expect(r + g + b < 150, `dark mode background is ${bg}, not dark`);
        await shot(p, 'account-dark');
      } finally {
        await dark.close();
      }
    });

    const PHONE = { width: 390, height: 844 };
    for (const [label, viewport, colorScheme] of [
      ['desktop-light', VIEWPORT, 'light'],
      ['desktop-dark', VIEWPORT, 'dark'],
      ['phone-light', PHONE, 'light'],
      ['phone-dark', PHONE, 'dark'],
    ]) {
      await step(`menu at ${label}: administration folds under one heading, the bar's search finds ${alt.name}`, async () => {
        const ctx = await browser.newContext({ viewport, colorScheme, storageState: await context.storageState() });
        try {
          const p = await ctx.newPage();
          run.currentPage = p;
          run.watch(p);
          await p.goto(new URL('/account', BASE).href);
          const admin = p.locator('details.menu', { has: p.locator('summary', { hasText: 'Administration' }) });
          expect(await admin.isVisible(), 'no Administration menu in the bar');
          const audit = admin.locator('a[href="/admin/audit"]');
          expect(!(await audit.isVisible()), 'the Audit log link shows before its menu is opened');
          await admin.locator('summary').click();
          await audit.waitFor({ state: 'visible' });
          await shot(p, `menu-${label}`, { fullPage: false });
          await p.fill('.bar-search input', alt.name.slice(0, 5));
          await Promise.all([p.waitForURL((u) => u.pathname === '/admin/search'), p.press('.bar-search input', 'Enter')]);
          await p.locator(`#found-characters a[href^="/admin/users/"]`, { hasText: alt.name }).first().waitFor({ state: 'visible' });
          await shot(p, `search-${label}`);
        } finally {
          await ctx.close();
        }
      });
    }

    await run.noErrors();

    await context.close();
    return { main: alt.id, removed: main.id };
  } finally {
    await browser.close();
  }
}

await run.finish(main, 'JUMPGATE_BROWSER_RESULT');

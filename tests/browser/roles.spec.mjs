// Jumpgate's real-browser test of leadership roles: headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) with three browser contexts. The administrator (first to log in, so
// superuser) makes the CEO's corporation lead and lets the General FC role approve standings; the
// CEO (EVE's CEO in the simulator) opens Roles from the menu, sees their CEO role and appoints a
// member of their corporation General FC; the member then sees the role on /roles with what it
// carries, and the Approvals link it brings.
//
//   JUMPGATE_URL=http://127.0.0.1:8080 SCREENSHOT_DIR=../../target/browser-screenshots/roles \
//   ADMIN_ID=… ADMIN_NAME=… CEO_ID=… CEO_NAME=… MEMBER_ID=… MEMBER_NAME=… CORPORATION_ID=… \
//   node roles.spec.mjs
//
// Usually started by `cargo test -p jumpgate --test browser roles::`, which afterwards checks the
// database. Screenshots are `roles-NN-….png`. Exits non-zero when any step fails.

import { Run, expect, clickAndWaitForPage, flashText, characterFromEnv, gotoPage, logInAs } from './lib.mjs';

const run = new Run({
  base: process.env.JUMPGATE_URL,
  shots: process.env.SCREENSHOT_DIR || 'screenshots',
  prefix: 'roles-',
});
const CORPORATION = process.env.CORPORATION_ID;

async function expectFlash(page, phrase, what) {
  const flash = await flashText(page);
  expect(flash.includes(phrase), `${what}: the flash says "${flash}", expected "${phrase}"`);
}

async function main() {
  const admin = characterFromEnv('ADMIN');
  const ceo = characterFromEnv('CEO');
  const member = characterFromEnv('MEMBER');
  const browser = await run.launch('Jumpgate roles browser test');
  try {
    const ap = (await run.newPage(browser)).page;
    const cp = (await run.newPage(browser)).page;
    const mp = (await run.newPage(browser)).page;

    await run.step('the administrator makes the corporation lead and lets General FCs approve standings', async () => {
      run.currentPage = ap;
      await logInAs(run, ap, admin, 'admin-login');
      await ap.locator('nav details.menu summary', { hasText: 'Administration' }).click();
      await clickAndWaitForPage(ap, ap.locator('nav a[href="/admin/roles"]'));
      const leading = ap.locator('form[action="/admin/roles/leading"]');
      await leading.locator('input[name=corporations]').fill(CORPORATION);
      await clickAndWaitForPage(ap, leading.locator('button[type=submit]'));
      await expectFlash(ap, 'Saved: the CEOs and Directors of 1 corporation', 'after saving who leads');
      const fc = ap.locator('form.permissions[data-role="general_fc"]');
      await ap.locator('details', { has: fc }).locator('summary').click();
      await fc.locator('input[name=permission][value="standings.approve"]').check();
      await clickAndWaitForPage(ap, fc.locator('button[type=submit]'));
      await expectFlash(ap, 'What General FC carries is saved', 'after saving the General FC role');
      await run.shot(ap, 'admin-roles');
    });

    await run.step('the CEO and the member log in', async () => {
      run.currentPage = cp;
      await logInAs(run, cp, ceo, 'ceo-login');
      run.currentPage = mp;
      await logInAs(run, mp, member, 'member-login');
      expect((await mp.locator('nav a[href="/standings/queue"]').count()) === 0, 'the member already sees Approvals');
    });

    await run.step('the CEO opens Roles, sees the CEO role and appoints the member General FC', async () => {
      run.currentPage = cp;
      await clickAndWaitForPage(cp, cp.locator('nav a[href="/roles"]'));
      const mine = ((await cp.locator('table.roles-held').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(mine.includes('CEO') && mine.includes('from EVE'), `the CEO's roles read: ${mine}`);
      const row = cp.locator('tr[data-role="general_fc"]');
      expect(((await row.textContent()) ?? '').includes('members of'), 'the General FC row does not say whom the CEO reaches');
      expect((await cp.locator('tr[data-role="administrator"]').count()) === 0, 'the CEO is offered the Administrator role');
      await row.locator('input[name=character]').fill(member.name);
      await run.shot(cp, 'ceo-appointing');
      await clickAndWaitForPage(cp, row.locator('button[type=submit]'));
      await expectFlash(cp, `${member.name} is now General FC`, 'after Appoint');
      await cp.locator('tr[data-role="general_fc"]', { hasText: member.name }).waitFor({ state: 'visible' });
    });

    await run.step('the member sees the General FC role, what it carries, and Approvals', async () => {
      run.currentPage = mp;
      await gotoPage(run, mp, '/roles');
      const mine = ((await mp.locator('table.roles-held').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(mine.includes('General FC') && mine.includes('standings.approve'), `the member's roles read: ${mine}`);
      await mp.locator('nav details.menu summary', { hasText: 'Leadership' }).click();
      await mp.locator('nav a[href="/standings/queue"]').waitFor({ state: 'visible' });
      await run.shot(mp, 'member-general-fc');
      await clickAndWaitForPage(mp, mp.locator('nav a[href="/standings/queue"]'));
      expect(new URL(mp.url()).pathname === '/standings/queue', `Approvals led to ${mp.url()}`);
    });

    await run.noErrors();
  } finally {
    await browser.close();
  }
  return {};
}

await run.finish(main, 'JUMPGATE_ROLES_RESULT');

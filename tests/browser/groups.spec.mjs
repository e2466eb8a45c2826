// Jumpgate's real-browser test of groups: headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core) with three browser contexts. The administrator (first to log in, so
// superuser) creates the public group "Fleet Commanders" granting standings.approve and makes the
// manager its manager; the member applies with a message; the manager sees the application
// waiting and accepts it with a note; the member then sees the group on /groups and on /account
// with why they have it, and the Approvals link the group grants.
//
//   JUMPGATE_URL=http://127.0.0.1:8080 SCREENSHOT_DIR=../../target/browser-screenshots/groups \
//   ADMIN_ID=… ADMIN_NAME=… MANAGER_ID=… MANAGER_NAME=… MEMBER_ID=… MEMBER_NAME=… node groups.spec.mjs
//
// Usually started by `cargo test -p jumpgate --test browser groups::`, which afterwards checks the
// database. Screenshots are `groups-NN-….png`. Exits non-zero when any step fails; the last line
// on stdout on success is `JUMPGATE_GROUPS_RESULT {"group":…,"application":…}`.

import { Run, expect, clickAndWaitForPage, flashText, characterFromEnv, gotoPage, logInAs } from './lib.mjs';

const run = new Run({
  base: process.env.JUMPGATE_URL,
  shots: process.env.SCREENSHOT_DIR || 'screenshots',
  prefix: 'groups-',
});
const GROUP = 'Fleet Commanders';
const MESSAGE = 'I have led fleets for years';
const NOTE = 'Welcome, see you on comms';

async function expectFlash(page, phrase, what) {
  const flash = await flashText(page);
  expect(flash.includes(phrase), `${what}: the flash says "${flash}", expected "${phrase}"`);
}

async function main() {
  const admin = characterFromEnv('ADMIN');
  const manager = characterFromEnv('MANAGER');
  const member = characterFromEnv('MEMBER');
  const browser = await run.launch('Jumpgate groups browser test');
  let groupId;
  let applicationId;
  try {
    const ap = (await run.newPage(browser)).page;
    const gp = (await run.newPage(browser)).page;
    const mp = (await run.newPage(browser)).page;

    await run.step('the administrator, manager and member log in (the first becomes superuser)', async () => {
      run.currentPage = ap;
      await logInAs(run, ap, admin, 'admin-login');
      run.currentPage = gp;
      await logInAs(run, gp, manager, 'manager-login');
      run.currentPage = mp;
      await logInAs(run, mp, member, 'member-login');
    });

    await run.step(`the administrator creates the public group "${GROUP}" from the menu`, async () => {
      run.currentPage = ap;
      await ap.locator('nav details.menu summary', { hasText: 'Administration' }).click();
      await clickAndWaitForPage(ap, ap.locator('nav a[href="/admin/groups"]'));
      const form = ap.locator('form[action="/admin/groups"]');
      await form.locator('input[name=name]').fill(GROUP);
      await form.locator('input[name=description]').fill('Lead fleets; decide standings requests');
      await form.locator('select[name=visibility]').selectOption('public');
      await clickAndWaitForPage(ap, form.locator('button[type=submit]'));
      await expectFlash(ap, `Group ${GROUP} created`, 'after Create group');
      const path = new URL(ap.url()).pathname;
      expect(/^\/admin\/groups\/\d+$/.test(path), `Create group led to ${ap.url()}`);
      groupId = Number(path.split('/').pop());
    });

    await run.step('it grants standings.approve and the manager manages it', async () => {
      await ap.locator('input[name=permission][value="standings.approve"]').check();
      await clickAndWaitForPage(ap, ap.locator(`form[action="/admin/groups/${groupId}"] button[type=submit]`));
      await expectFlash(ap, `Group ${GROUP} saved`, 'after Save');
      expect(await ap.locator('input[name=permission][value="standings.approve"]').isChecked(), 'standings.approve is not ticked after saving');
      const add = ap.locator(`form[action="/admin/groups/${groupId}/managers/add"]`);
      await add.locator('input[name=character]').fill(manager.name);
      await clickAndWaitForPage(ap, add.locator('button[type=submit]'));
      await expectFlash(ap, `${manager.name} now manages this group`, 'after Add manager');
      await run.shot(ap, 'admin-group');
    });

    await run.step('the member finds the group under Groups and applies with a message', async () => {
      run.currentPage = mp;
      expect((await mp.locator('nav a[href="/standings/queue"]').count()) === 0, 'the member already sees Approvals');
      await clickAndWaitForPage(mp, mp.locator('nav a[href="/groups"]'));
      const offer = mp.locator('article.group-offer', { hasText: GROUP });
      await offer.locator('input[name=message]').fill(MESSAGE);
      await clickAndWaitForPage(mp, offer.locator('button[data-action=apply]'));
      await expectFlash(mp, 'Application sent', 'after Apply');
      await mp.locator('#applications', { hasText: GROUP }).waitFor({ state: 'visible' });
      await run.shot(mp, 'member-applied');
    });

    await run.step('the manager sees it waiting and accepts it with a note', async () => {
      run.currentPage = gp;
      await gotoPage(run, gp, '/groups');
      const waiting = gp.locator('#managed .badge.pending');
      expect(((await waiting.textContent()) ?? '').includes('1 waiting'), `the manager's groups page shows "${await waiting.textContent()}"`);
      await clickAndWaitForPage(gp, gp.locator(`#managed a[href="/groups/${groupId}"]`));
      const application = gp.locator('article.application', { hasText: member.name });
      expect(((await application.textContent()) ?? '').includes(MESSAGE), 'the application does not show the member\'s message');
      applicationId = Number(await application.getAttribute('data-application'));
      await application.locator('input[name=note]').fill(NOTE);
      await run.shot(gp, 'manager-deciding');
      await clickAndWaitForPage(gp, application.locator('button[data-action=accept]'));
      await expectFlash(gp, 'accepted', 'after Accept');
      await gp.locator('#members', { hasText: member.name }).waitFor({ state: 'visible' });
    });

    await run.step('the member sees the group, why they have it, and the rights it grants', async () => {
      run.currentPage = mp;
      await gotoPage(run, mp, '/groups');
      await mp.locator('#held', { hasText: GROUP }).waitFor({ state: 'visible' });
      await gotoPage(run, mp, '/account');
      const card = ((await mp.locator('#groups').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(card.includes(GROUP) && card.includes(`application accepted by ${manager.name}`), `the account's groups card says: ${card}`);
      await mp.locator('nav details.menu summary', { hasText: 'Leadership' }).click();
      await mp.locator('nav a[href="/standings/queue"]').waitFor({ state: 'visible' });
      await run.shot(mp, 'member-in-group');
      await clickAndWaitForPage(mp, mp.locator('nav a[href="/standings/queue"]'));
      expect(new URL(mp.url()).pathname === '/standings/queue', `Approvals led to ${mp.url()}`);
    });

    await run.noErrors();
  } finally {
    await browser.close();
  }
  return { group: groupId, application: applicationId };
}

await run.finish(main, 'JUMPGATE_GROUPS_RESULT');

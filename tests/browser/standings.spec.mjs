// Jumpgate's real-browser test of the standings manager: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) with two browser contexts, an approver and a
// member. The member grants the contact scopes through the EVE simulator ("Add scopes") and
// requests a standing for their character; the approver approves it with 7.5 and a note in the
// queue; the member sees it approved (and the notification), enrols the character in contact
// sync, clicks "Sync now" and waits until the character is in sync.
//
//   JUMPGATE_URL=http://127.0.0.1:8080 SCREENSHOT_DIR=../../target/browser-screenshots/standings \
//   APPROVER_ID=… APPROVER_NAME=… MEMBER_ID=… MEMBER_NAME=… node standings.spec.mjs
//
// The approver must log in first on a fresh Jumpgate in demo mode (the first login becomes
// superuser); the member's account must get `standings.request` from its state, and job workers
// must run (the sync is a job). Usually started by `cargo test -p jumpgate --test browser
// standings::`, which sets all that up and afterwards checks the database and the
// simulator's contacts. Screenshots are `standings-NN-….png`. Exits non-zero when any step fails;
// the last line on stdout on success is `JUMPGATE_STANDINGS_RESULT {"request":…,…}`.

import { Run, expect, fail, sleep, pickAndAuthorize, clickAndWaitForPage, flashText, characterFromEnv, gotoPage, logInAs } from './lib.mjs';

const run = new Run({
  base: process.env.JUMPGATE_URL,
  shots: process.env.SCREENSHOT_DIR || 'screenshots',
  prefix: 'standings-',
});
const BASE = run.base;
const STANDING = '7.5';
const NOTE = 'Welcome aboard, fly safe';
/** What "Add scopes" (the `standings.sync` EVE login) asks for. */
const CONTACT_SCOPES = ['esi-characters.read_contacts.v1', 'esi-characters.write_contacts.v1'];
/** How long "Sync now" may take to reach "in sync". */
const SYNC_WAIT_MS = 20_000;

const character = characterFromEnv;
const goto = (page, p) => gotoPage(run, page, p);
const logIn = (page, who, shotName) => logInAs(run, page, who, shotName);

/** The member page's row of an entity, with its status (the row's class) and badge text. */
async function subject(page, entity) {
  const row = page.locator(`tr.subject[data-entity="${entity}"]`);
  expect((await row.count()) === 1, `/standings has no row for ${entity}`);
  const classes = ((await row.getAttribute('class')) ?? '').split(/\s+/);
  const badge = ((await row.locator('td .badge').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  return { row, classes, badge };
}

async function main() {
  const approver = character('APPROVER');
  const member = character('MEMBER');
  const entity = `character:${member.id}`;
  const browser = await run.launch('Jumpgate standings browser test');
  try {
    const a = await run.newPage(browser);
    const m = await run.newPage(browser);
    const ap = a.page;
    const mp = m.page;

    await run.step(`approver ${approver.name} logs in first (becomes superuser)`, async () => {
      run.currentPage = ap;
      await logIn(ap, approver, 'approver-login');
      // Approvals sit in the Leadership menu, folded until opened.
      await ap.locator('nav details.menu summary', { hasText: 'Leadership' }).click();
      await ap.locator('nav a[href="/standings/queue"]').waitFor({ state: 'visible' });
    });

    await run.step(`member ${member.name} logs in; /standings says the scopes are missing`, async () => {
      run.currentPage = mp;
      await logIn(mp, member, 'member-login');
      await Promise.all([mp.waitForURL((u) => u.pathname === '/standings'), mp.click('nav a[href="/standings"]')]);
      const s = await subject(mp, entity);
      expect(s.classes.includes('missing-scopes'), `the member's character is [${s.classes.join(' ')}] "${s.badge}", expected missing-scopes`);
      expect((await mp.locator('nav a[href="/standings/queue"]').count()) === 0, 'a member sees the Approvals link');
      await run.shot(mp, 'member-missing-scopes');
    });

    await run.step('member grants the contact scopes with "Add scopes" (standings.sync login)', async () => {
      const add = (await subject(mp, entity)).row.locator('a.button[href*="login=standings.sync"]');
      await Promise.all([mp.waitForURL((u) => !u.href.startsWith(BASE)), add.click()]);
      await pickAndAuthorize(run, mp, member, 'member-add-scopes', { scopes: CONTACT_SCOPES });
    });

    await run.step('member requests a standing for the character', async () => {
      await goto(mp, '/standings');
      const s = await subject(mp, entity);
      expect(s.classes.includes('can-request'), `after Add scopes the character is [${s.classes.join(' ')}] "${s.badge}", expected can-request`);
      await clickAndWaitForPage(mp, s.row.locator(`button[formaction="/standings/request"][value="${entity}"]`));
      expect(new URL(mp.url()).pathname === '/standings', `Request led to ${mp.url()}`);
      const flash = await flashText(mp);
      expect(flash.includes('Standing requested') && flash.includes(member.name), `flash after Request: "${flash}"`);
      const after = await subject(mp, entity);
      expect(after.classes.includes('pending'), `after Request the character is [${after.classes.join(' ')}] "${after.badge}"`);
      await after.row.locator('button', { hasText: 'Cancel request' }).waitFor({ state: 'visible' });
      await run.shot(mp, 'member-request');
    });

    let requestId;
    let preview = '';
    await run.step(`approver sees the request in /standings/queue and approves it with ${STANDING}`, async () => {
      run.currentPage = ap;
      await goto(ap, '/standings/queue');
      const row = ap.locator('tr[id^="request-"]', { hasText: member.name });
      expect((await row.count()) === 1, `the queue has ${await row.count()} rows for ${member.name}`);
      requestId = Number((await row.getAttribute('id')).slice('request-'.length));
      const text = (await row.textContent()).replace(/\s+/g, ' ');
      expect(text.includes(String(member.id)), `the queue row does not show the character id: ${text}`);
      // The row is light: a one-click approve at the default standing and "Decide…", which
      // opens the full decision (standing, notes, reject, diff preview) in the row via htmx.
      await row.locator('button', { hasText: 'Approve ' }).waitFor({ state: 'visible' });
      expect((await row.locator('input[name=standing]').count()) === 0, 'the row carries the full decision form before "Decide…"');
      const opened = ap.waitForResponse((r) => r.url().endsWith(`/standings/queue/${requestId}/decide`));
      await row.locator('a', { hasText: 'Decide' }).click();
      await opened;
      const previewBox = ap.locator(`#preview-${requestId}`);
      const standing = row.locator('input[name=standing]');
      // The preview comes with the decision and again on every change of the standing.
      await previewBox.locator('.standings-preview').waitFor({ state: 'attached' });
      const first = (await previewBox.textContent()).replace(/\s+/g, ' ').trim();
      expect(first.startsWith('Affects '), `the decision opened without a preview: ${first}`);
      const changed = ap.waitForResponse((r) => r.url().includes(`/standings/queue/${requestId}/preview`) && r.url().includes(`standing=${STANDING}`));
      await standing.fill(STANDING);
      await standing.dispatchEvent('change');
      await changed;
      await ap.waitForFunction((id) => document.querySelector(`#preview-${id} .standings-preview`)?.textContent.trim(), requestId);
      preview = (await previewBox.textContent()).replace(/\s+/g, ' ').trim();
      console.log(`        preview: ${preview}`);
      expect(!preview.startsWith('No preview available'), `the diff preview failed: ${preview}`);
      await row.locator('input[name=notes]').fill(NOTE);
      await run.shot(ap, 'approver-queue');
      await clickAndWaitForPage(ap, row.locator('button[type=submit]', { hasText: 'Approve' }));
      expect(new URL(ap.url()).pathname === '/standings/queue', `Approve led to ${ap.url()}`);
      const flash = await flashText(ap);
      expect(flash.includes(`Approved ${member.name} with standing ${STANDING}`), `flash after Approve: "${flash}"`);
      expect((await ap.locator(`#request-${requestId}`).count()) === 0, 'the approved request is still in the queue');
      await run.shot(ap, 'approver-approved');
    });

    let importSeen = '';
    await run.step('approver imports a CSV; its page follows the import live until it is finished', async () => {
      run.currentPage = ap;
      const friend = character('FRIEND');
      await goto(ap, '/standings/entries');
      await ap.locator('textarea[name=csv]').fill(`alliance,${friend.id},10,${friend.name},re-imported from the browser test`);
      await clickAndWaitForPage(ap, ap.locator('form[action="/standings/entries/import"] button[type=submit]'));
      const path = new URL(ap.url()).pathname;
      expect(/^\/standings\/operations\/\d+$/.test(path), `Import led to ${ap.url()}`);
      const progress = ap.locator('#bulk-progress');
      const first = ((await progress.locator('.badge').textContent()) ?? '').trim();
      // A reload would drop this mark: the page must change in place, through htmx polling.
      await ap.evaluate(() => { window.jumpgateMark = 'same page'; });
      await progress.locator('.badge.bulk-finished').waitFor({ state: 'visible', timeout: 20_000 });
      const summary = ((await progress.textContent()) ?? '').replace(/\s+/g, ' ').trim();
      expect(summary.includes('1 standing(s) imported from CSV.'), `the import page says: ${summary}`);
      expect((await ap.evaluate(() => window.jumpgateMark)) === 'same page', 'the page reloaded instead of updating in place');
      importSeen = `${first} → finished`;
      console.log(`        import: ${importSeen}`);
      await run.shot(ap, 'approver-import-finished');
    });

    await run.step(`member sees "Approved ${STANDING}" and the notification on /standings`, async () => {
      run.currentPage = mp;
      await goto(mp, '/standings');
      const s = await subject(mp, entity);
      expect(s.classes.includes('approved'), `the character is [${s.classes.join(' ')}]`);
      expect(s.badge === `Approved ${STANDING}`, `the status badge says "${s.badge}"`);
      const notes = await mp.locator('ul.standings-notifications li').allTextContents();
      const note = notes.map((n) => n.replace(/\s+/g, ' ').trim()).find((n) => n.includes('approved') && n.includes(STANDING));
      expect(note, `no notification of the approval: [${notes.join(' | ')}]`);
      console.log(`        notification: ${note}`);
      const history = ((await mp.locator('table', { hasText: 'Decided' }).textContent()) ?? '').replace(/\s+/g, ' ');
      expect(history.includes(NOTE), `the history does not show the approver's note: ${history}`);
      await run.shot(mp, 'member-approved');
    });

    const enrol = mp.locator(`form[action="/standings/sync/${member.id}/enrol"] button`);
    const now = mp.locator(`form[action="/standings/sync/${member.id}/now"] button`);
    const syncRow = mp.locator('table.sync-table tbody tr', { hasText: member.name });

    await run.step('member opens contact sync from the standings page and enrols the character', async () => {
      await clickAndWaitForPage(mp, mp.locator('#contact-sync'));
      expect(new URL(mp.url()).pathname === '/standings/sync', `"Contact sync" led to ${mp.url()}`);
      await enrol.waitFor({ state: 'visible' });
      expect(((await syncRow.locator('.badge').textContent()) ?? '').trim() === 'not enrolled', 'the character is already enrolled');
      await run.shot(mp, 'member-sync-page');
      await clickAndWaitForPage(mp, enrol);
      expect(new URL(mp.url()).pathname === '/standings/sync', `Enrol led to ${mp.url()}`);
      const flash = await flashText(mp);
      expect(flash.startsWith('Enrolled'), `flash after Enrol: "${flash}"`);
      await now.waitFor({ state: 'visible' });
      await run.shot(mp, 'member-enrolled');
    });

    let status = '';
    await run.step('member clicks "Sync now"; the page shows "in sync" within 20 s', async () => {
      await clickAndWaitForPage(mp, now);
      const flash = await flashText(mp);
      expect(flash === 'A sync starts now.', `flash after Sync now: "${flash}"`);
      await run.shot(mp, 'member-sync-queued');
      const deadline = Date.now() + SYNC_WAIT_MS;
      const seen = [];
      for (;;) {
        const badge = syncRow.locator('.badge');
        status = ((await badge.getAttribute('class')) ?? '').split(/\s+/).find((c) => c.startsWith('sync-')) ?? '';
        const text = ((await badge.textContent()) ?? '').trim();
        if (seen.at(-1) !== text) seen.push(text);
        if (status === 'sync-in_sync') break;
        if (Date.now() > deadline) {
          const message = ((await syncRow.locator('.sync-message').allTextContents()).join(' ') || '').trim();
          fail(`after ${SYNC_WAIT_MS / 1000} s the status is "${text}" (${status})${message ? `: ${message}` : ''}; seen: ${seen.join(' → ')}`);
        }
        await sleep(400);
        await goto(mp, '/standings/sync');
      }
      console.log(`        status: ${seen.join(' → ')}`);
      const last = ((await syncRow.locator('td.small').textContent()) ?? '').replace(/\s+/g, ' ').trim();
      expect(last.includes('last success'), `no last success shown: "${last}"`);
      await run.shot(mp, 'member-in-sync');
    });

    await run.noErrors();
    await a.context.close();
    await m.context.close();
    return { request: requestId, approver: approver.id, member: member.id, preview, status, import: importSeen };
  } finally {
    await browser.close();
  }
}

await run.finish(main, 'JUMPGATE_STANDINGS_RESULT');

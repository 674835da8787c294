// Drives the support console (/_emulator/ui/) in Debian's chromium through
// playwright-core, for tests/it/console.rs. It speaks JSON lines: each step it finishes
// is printed as {"step": NAME, ...what it saw}; where the Rust test must act in between
// (slcli runs), the script waits for a JSON line on stdin. It checks nothing itself: the
// Rust test asserts on what it reports. Any failure prints {"step":"error"} and exits 1.
//
// Environment: BASE_URL, ADMIN_TOKEN, CHROMIUM (the browser binary), SCREENSHOTS (a
// folder), SEARCH_TEXT (a word only the new ticket holds), ATTACHMENT_NAME and
// ATTACHMENT_TEXT (its file), REPLY_TEXT, XSS_TICKET.

const { env, report, instruction, text, launch, run } = require('./protocol.js');
const path = require('node:path');

const BASE = env('BASE_URL');
const TOKEN = env('ADMIN_TOKEN');
const UI = `${BASE}/_emulator/ui/`;
const SHOTS = env('SCREENSHOTS');
// Generous: CI runs this beside the other tests (a 100,000-ticket seed among them) on few
// cores, and a wait that runs out is a failure with no other cause.
const WAIT = 60000;


const visible = (page, selector) => page.locator(selector).isVisible();

async function main() {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));

    // 1. No token: the sign-in form, no data, and 401 from every API call.
    await page.goto(UI);
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    const statuses = await page.evaluate(async (token) => {
      const status = async (path, headers = {}) => (await fetch(path, { headers, cache: 'no-store' })).status;
      return {
        queue: await status('/_emulator/queue'),
        ticket: await status('/_emulator/tickets/160000001'),
        choices: await status('/_emulator/choices'),
        events: await status('/_emulator/events'),
        session: (await fetch('/_emulator/session', { method: 'POST' })).status,
        wrongToken: await status('/_emulator/queue', { Authorization: 'Bearer not-the-token' }),
        rightToken: await status('/_emulator/queue', { Authorization: `Bearer ${token}` }),
      };
    }, TOKEN);
    report('signed-out', {
      signInVisible: await visible(page, '#sign-in'),
      queueVisible: await visible(page, '#queue'),
      rows: await page.locator('#queue-rows tr').count(),
      statuses,
    });

    // 2. A wrong token: still the sign-in form, an error, no rows.
    await page.fill('#token', 'not-the-token');
    await page.press('#token', 'Enter');
    await page.locator('#sign-in-error').filter({ hasText: /not accepted/ }).waitFor();
    report('wrong-token', {
      signInVisible: await visible(page, '#sign-in'),
      queueVisible: await visible(page, '#queue'),
      rows: await page.locator('#queue-rows tr').count(),
      error: await text(page, '#sign-in-error'),
      stored: await page.evaluate(() => sessionStorage.length),
    });

    // 3. The right token: the queue, and a live event stream.
    await page.fill('#token', TOKEN);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'queue.png') });

    // 4. Free text finds the ticket slcli created.
    await page.fill('#f-q', env('SEARCH_TEXT'));
    await page.press('#f-q', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#queue-rows tr[data-ticket]').length === 1);
    const found = page.locator('#queue-rows tr[data-ticket]');
    const ticket = Number(await found.getAttribute('data-ticket'));
    report('found', {
      ticket,
      row: await found.innerText(),
      caption: await text(page, '#queue-caption'),
      tabs: await text(page, '#status-tabs'),
    });

    // The ticket page: its attachment, previewed as text.
    await found.locator('a.title').click();
    await page.locator('#thread li.update').first().waitFor();
    const attachment = env('ATTACHMENT_NAME');
    await page.getByRole('button', { name: `Preview ${attachment}` }).click();
    await page.locator('#preview pre').waitFor();
    const preview = await text(page, '#preview pre');

    // 5. Reply as an employee, awaiting the customer.
    await page.selectOption('#reply-employee', { label: 'Jordan D. (sl-support-jdoe)' });
    await page.fill('#reply-entry', env('REPLY_TEXT'));
    await page.check('#reply-awaiting');
    await page.click('#reply-form button[type=submit]');
    await page.locator('#reply-form .outcome').filter({ hasText: 'Reply sent' }).waitFor();
    await page.locator('#thread li.employee', { hasText: env('REPLY_TEXT') }).waitFor();
    // Survives only as long as the page is not reloaded.
    await page.evaluate(() => { window.notReloaded = true; });
    report('replied', {
      ticket,
      url: page.url(),
      preview,
      files: await text(page, '#files'),
      outcome: await text(page, '#reply-form .outcome'),
      lastUpdate: await page.locator('#thread li.update').last().innerText(),
      flags: await text(page, '#ticket-flags'),
    });

    // 6. The customer answers through slcli; the open page shows it by itself.
    const { customerUpdate } = await instruction();
    await page.locator('#thread li.customer', { hasText: customerUpdate }).waitFor();
    await page.locator('#ticket-flags', { hasText: 'Awaiting customer: no' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'ticket.png'), fullPage: true });
    report('live-update', {
      notReloaded: await page.evaluate(() => window.notReloaded === true),
      lastUpdate: await page.locator('#thread li.update').last().innerText(),
      flags: await text(page, '#ticket-flags'),
    });

    // 7. Close the ticket.
    await page.click('#close-button');
    await page.locator('#state-form .outcome').filter({ hasText: 'Ticket closed' }).waitFor();
    await page.locator('#ticket-status', { hasText: 'Closed' }).waitFor();
    report('closed', {
      status: await text(page, '#ticket-status'),
      outcome: await text(page, '#state-form .outcome'),
      reopenEnabled: await page.locator('#reopen-button').isEnabled(),
    });

    // An action that fails shows the server's error inline: replying to a closed ticket.
    await page.fill('#reply-entry', 'one more thing');
    await page.click('#reply-form button[type=submit]');
    await page.locator('#reply-form .outcome.error').waitFor();
    report('inline-error', { outcome: await text(page, '#reply-form .outcome') });

    // From here the clock's and the fault rules' reads answer 400 ms late, slower than the
    // actions themselves: an action's outcome must still appear only once its view shows
    // the new state (the steps read the view as soon as the outcome appears).
    const SLOW_READS = /\/_emulator\/(clock|faults)(\?|$)/;
    await page.route(SLOW_READS, async (route) => {
      if (route.request().method() === 'GET') await new Promise((done) => setTimeout(done, 400));
      // The Clock and Faults views read again every 2 s: a read still held here when the
      // view is left is cancelled by the browser, and its route is handled already.
      await route.continue().catch((e) => {
        if (!/already handled/.test(String(e))) throw e;
      });
    });

    // The harness's views: the outbox holds the reply and the closing; the clock moves.
    await page.goto(`${UI}#/outbox?ticket=${ticket}`);
    await page.locator('#outbox-messages li.message').first().waitFor();
    const events = await page.locator('#outbox-messages li.message .meta span').allInnerTexts();
    await page.click('a[data-view=clock]');
    await page.locator('#clock-now').waitFor();
    const before = await text(page, '#clock-now');
    await page.fill('#clock-advance-by', '48h');
    await page.click('#clock-advance button');
    await page.locator('#clock-advance .outcome').filter({ hasText: 'Clock now' }).waitFor();
    const after = await text(page, '#clock-now');
    // A double-click is one press: the clock moves by one hour, not two.
    const offsetMs = async () => (await (await fetch(`${BASE}/_emulator/clock`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })).json()).offsetMs;
    const offsetBefore = await offsetMs();
    const saidBefore = await text(page, '#clock-advance .outcome');
    await page.fill('#clock-advance-by', '1h');
    await page.dblclick('#clock-advance button');
    await page.waitForFunction((said) => {
      const now = document.querySelector('#clock-advance .outcome').textContent;
      return now !== said && now.includes('Clock now');
    }, saidBefore, { timeout: WAIT });
    // A second POST, were one sent, lands meanwhile.
    await page.waitForTimeout(1000);
    const doubleClickMovedMs = (await offsetMs()) - offsetBefore;
    await page.fill('#clock-advance-by', 'soon');
    await page.click('#clock-advance button');
    await page.locator('#clock-advance .outcome.error').waitFor();
    const clockError = await text(page, '#clock-advance .outcome');
    await page.click('#clock-real button');
    await page.locator('#clock-real .outcome').filter({ hasText: 'Clock now' }).waitFor();
    report('harness', { events, before, after, doubleClickMovedMs, clockError, facts: await text(page, '#clock-facts') });

    // The fault rules and the journal: a rule added here fails slcli's next getObject once,
    // and the journal shows the injected fault.
    await page.click('a[data-view=faults]');
    await page.locator('#fault-rows tr').first().waitFor();
    await page.fill('#r-service', 'SoftLayer_Ticket');
    await page.fill('#r-method', 'getObject');
    await page.fill('#r-class', 'SoftLayer_Exception_Public');
    await page.fill('#r-message', env('FAULT_MESSAGE'));
    await page.fill('#r-times', '1');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-form .outcome').filter({ hasText: 'Added rule' }).waitFor();
    const rules = await text(page, '#fault-rows');
    await page.fill('#r-class', 'NotAnExceptionClass');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-form .outcome.error').waitFor();
    report('fault-added', { rules, ruleError: await text(page, '#fault-form .outcome') });
    await page.unroute(SLOW_READS);
    await instruction();
    await page.goto(`${UI}#/journal?fault=true`);
    await page.locator('#journal-rows tr[data-call]').first().waitFor();
    const faultRows = await page.locator('#journal-rows tr[data-call]').allInnerTexts();
    await page.click('a[data-view=faults]');
    await page.locator('#fault-rows td.empty').waitFor();
    await page.selectOption('#r-preset', 'rate_limit');
    await page.fill('#r-class', '');
    // A double-click adds one rule, not two.
    await page.dblclick('#fault-form button[type=submit]');
    await page.locator('#fault-rows tr[data-rule]').first().waitFor();
    await page.waitForTimeout(1000);
    const presetRules = (await (await fetch(`${BASE}/_emulator/faults`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    })).json()).rules.length;
    const presetRule = await text(page, '#fault-rows');
    const presetOutcome = await text(page, '#fault-form .outcome');
    await page.click('#fault-rows tr[data-rule] button');
    await page.locator('#fault-rows td.empty').waitFor();
    report('journal', { faultRows, presetRule, presetRules, presetOutcome, rulesLeft: await text(page, '#fault-rows') });

    // 8. Hostile ticket text renders as text; nothing runs.
    const xss = env('XSS_TICKET');
    await page.goto(`${UI}#/ticket/${xss}`);
    await page.locator('#thread li.update').first().waitFor();
    await page.waitForTimeout(500);
    report('xss', {
      entry: await page.locator('#thread li.update .entry').first().textContent(),
      title: await page.locator('#ticket-title').textContent(),
      injected: await page.evaluate(() => document.querySelectorAll('main img, main script, main iframe').length),
      dialogs,
    });
    await page.goto(`${UI}#/?q=onerror`);
    await page.locator(`#queue-rows tr[data-ticket="${xss}"]`).waitFor();
    await page.waitForTimeout(500);
    report('xss-queue', {
      title: await page.locator(`#queue-rows tr[data-ticket="${xss}"] a.title`).textContent(),
      injected: await page.evaluate(() => document.querySelectorAll('main img, main script, main iframe').length),
      dialogs,
    });

    // 9. Keyboard: Tab reaches the search box, and focus is drawn. From a fresh page: the
    // queue shown from a ticket puts the focus on that ticket's row, past the search box.
    await page.goto('about:blank');
    await page.goto(`${UI}#/`);
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'f-q');
    }
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    // Enter on a focused ticket link opens it.
    await page.focus('#queue-rows tr[data-ticket] a.title');
    await page.keyboard.press('Enter');
    await page.locator('#ticket-title').waitFor({ state: 'visible' });
    report('keyboard', { reached, outline, url: page.url() });

    // 10. A phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#thread li.update').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'ticket-phone.png') });
    const ticketOverflow = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.goto(`${UI}#/`);
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'queue-phone.png') });
    report('phone', {
      ticketWidth: ticketOverflow,
      queueWidth: await page.evaluate(() => document.documentElement.scrollWidth),
    });

    // 11. Signing out forgets the token and the data.
    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    report('signed-out-again', {
      stored: await page.evaluate(() => sessionStorage.length),
      rows: await page.locator('#queue-rows tr').count(),
      tokenInUrls: urls.filter((u) => u.includes(TOKEN)),
      dialogs,
      pageErrors,
    });
  } finally {
    await browser.close();
  }
}

run(main);

// The support console at its edges, in Debian's chromium through playwright-core, for
// tests/it/console.rs: what a destructive button removes, a ticket that cannot be
// loaded, actions that fail, hostile text, paging and navigation, a token that cannot be
// sent, a server that stops. SCENARIO names the one to run. Like console.js it speaks
// JSON lines ({"step": NAME, ...what it saw}), waits for a JSON line on stdin where the
// Rust test acts in between, and checks nothing itself.
//
// Environment: BASE_URL, ADMIN_TOKEN, CHROMIUM, SCENARIO, and what the scenario names.
// CONSOLE_UI_DIR, if set, serves the pages from that folder instead of the server (to
// run the scenarios against another version of src/emulator/ui without rebuilding).

const { env, report, instruction, text, launch, run } = require('./protocol.js');
const fs = require('node:fs');
const path = require('node:path');

const BASE = env('BASE_URL');
const TOKEN = env('ADMIN_TOKEN');
const UI = `${BASE}/_emulator/ui/`;
const TOKEN_KEY = 'softlayerEmulatorAdminToken';
// Generous, as in console.js: other tests share the machine.
const WAIT = 60000;
/** The seeded demo user's HTTP Basic credentials, for calls a scenario makes itself. */
const DEMO_BASIC = 'Basic ' + Buffer.from(`demo:${'0123456789abcdef'.repeat(4)}`).toString('base64');
/** One REST read by the demo user, from the page; its status. */
const demoRead = (page) =>
  page.evaluate(async (auth) => (await fetch('/rest/v3.1/SoftLayer_Account/getObject.json', { headers: { Authorization: auth } })).status, DEMO_BASIC);



/** The control API from inside the page, with the token (independent of the console's code). */
function api(page, method, apiPath, body) {
  return page.evaluate(
    async ([method, apiPath, body, token]) => {
      const response = await fetch(`/_emulator/${apiPath}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === null ? undefined : JSON.stringify(body),
      });
      return response.json();
    },
    [method, apiPath, body === undefined ? null : body, TOKEN],
  );
}


// A box for an element that the queue's live refresh may re-render between finding it
// and measuring it (boundingBox is null for a detached row): found and measured again.
async function boxOf(locator) {
  for (let attempt = 0; attempt < 50; attempt++) {
    await locator.waitFor();
    const box = await locator.boundingBox();
    if (box) return box;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no bounding box for ' + locator);
}
async function signIn(page, hash = '') {
  await page.goto(`${UI}${hash}`);
  await page.locator('#token').waitFor({ state: 'visible' });
  await page.fill('#token', TOKEN);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#sign-in').waitFor({ state: 'hidden' });
}

/** How wide the page and each sideways-scrolling box are, against the window. */
const widths = (page) =>
  page.evaluate(() => ({
    window: window.innerWidth,
    document: document.documentElement.scrollWidth,
    tables: [...document.querySelectorAll('.table-wrap')]
      .filter((w) => w.offsetParent !== null)
      .map((w) => w.scrollWidth - w.clientWidth),
  }));

/** The element holding the focus, as `TAG#id`: `BODY#` once it fell to the page. */
const focused = (page) => page.evaluate(() => `${document.activeElement?.tagName}#${document.activeElement?.id || ''}`);

const enabledActionButtons = (page) =>
  page.evaluate(() => [...document.querySelectorAll('.ticket-actions button')].filter((b) => !b.disabled).map((b) => b.textContent));

/**
 * Enter held down for `ms`, as a keyboard does: one press, then after 500 ms the
 * system's auto-repeat, about 30 a second (keydowns with `repeat` set).
 */
async function holdEnter(page, ms) {
  await page.keyboard.down('Enter');
  const start = Date.now();
  await page.waitForTimeout(500);
  while (Date.now() - start < ms) {
    await page.keyboard.down('Enter');
    await page.waitForTimeout(33);
  }
  await page.keyboard.up('Enter');
}

/**
 * Waits until the outcome at `selector` says how an action went (not "Working…"), then a
 * second more for anything a repeated press may have started. `clearOutcome` first, so
 * that the one before is not taken for it.
 */
async function outcomeSettles(page, selector) {
  await page.waitForFunction((sel) => {
    const said = document.querySelector(sel).textContent;
    return said !== '' && !said.startsWith('Working');
  }, selector);
  await page.waitForTimeout(1000);
}
const clearOutcome = (page, selector) => page.evaluate((sel) => { document.querySelector(sel).textContent = ''; }, selector);

/** The console's writes (not its reads) as `METHOD /path`, from now on, into `into`. */
function writes(page, into) {
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (r.method() !== 'GET' && url.pathname.startsWith('/_emulator/') && url.pathname !== '/_emulator/session') {
      into.push(`${r.method()} ${url.pathname}`);
    }
  });
  return into;
}

/**
 * Holds the page's GETs of the control API whose path (and query) `matches` until the
 * returned function is called: a slow answer, made to arrive exactly when the test says.
 */
async function hold(page, matches) {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  const handler = async (route) => {
    if (route.request().method() !== 'GET') return route.fallback();
    await released;
    await route.fallback().catch(() => {});
  };
  const url = (u) => u.pathname.startsWith('/_emulator/') && matches.test(u.pathname.slice('/_emulator/'.length) + u.search);
  await page.route(url, handler);
  return async () => {
    release();
    await page.unroute(url, handler);
  };
}

/**
 * Holds the page's requests by `method` (a write, or GET) to the control API path
 * matching `matches` until `release()`; `held` resolves once one is held.
 */
async function holdRequest(page, method, matches) {
  let release;
  let isHeld;
  const held = new Promise((resolve) => { isHeld = resolve; });
  const go = new Promise((resolve) => { release = resolve; });
  const url = (u) => u.pathname.startsWith('/_emulator/') && matches.test(u.pathname.slice('/_emulator/'.length));
  const handler = async (route) => {
    if (route.request().method() !== method) return route.fallback();
    isHeld();
    await go;
    await route.fallback().catch(() => {});
  };
  await page.route(url, handler);
  return { held, release: () => { release(); return page.unroute(url, handler); } };
}

/** The focused element, by its aria-label, else as `TAG#id`. */
const focusLabel = (page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') || `${document.activeElement?.tagName}#${document.activeElement?.id || ''}`);

/** A REST GET by the demo user, from the page; its status. */
const demoGet = (page, restPath) =>
  page.evaluate(async ([p, auth]) => (await fetch(`/rest/v3.1/${p}`, { headers: { Authorization: auth } })).status, [restPath, DEMO_BASIC]);

/**
 * Waits until the fault view's 2 s poll has drawn the row `selector` anew, changed by
 * `change` (a call that fires its rule): a poll redraws only the rows that changed.
 */
async function faultsRedrawn(page, selector, change) {
  await page.evaluate((sel) => { window.oldRow = document.querySelector(sel); }, selector);
  await change();
  return until(page, () => !window.oldRow.isConnected);
}

/** Waits up to WAIT for `condition` (a function of `arg`, run in the page); at the end of
 * the wait it returns false instead of throwing, so the step reports what is shown. */
const until = (page, condition, arg) =>
  page.waitForFunction(condition, arg, { timeout: WAIT }).then(() => true, () => false);

/**
 * Waits until the page's GET matching `matches` (held by `hold`, now released) has been
 * answered, and a moment for the page to act on the answer.
 */
async function answered(page, matches) {
  await page.waitForEvent('requestfinished', {
    predicate: (r) => matches.test(new URL(r.url()).pathname.slice('/_emulator/'.length) + new URL(r.url()).search),
    timeout: WAIT,
  }).catch(() => {});
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
}

/**
 * Releases a held write to a ticket (`release` of `holdRequest`) and waits until its
 * action has ended in the page: the write answered (or lost), then the reload of the
 * ticket shown (its path matching `reload`) that the action makes next, answered too,
 * and a moment for the page to act. With another ticket shown by then, that one's Send
 * is on all along: it is no sign that the action ended.
 */
async function writeEnded(page, release, reload) {
  let wrote = false;
  const after = new Set();
  const ended = (r) => {
    if (r.method() !== 'GET' && new URL(r.url()).pathname.startsWith('/_emulator/tickets/')) wrote = true;
  };
  const started = (r) => {
    if (wrote) after.add(r);
  };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  page.on('request', started);
  const reloaded = page.waitForEvent('requestfinished', {
    predicate: (r) => after.has(r) && r.method() === 'GET' && reload.test(new URL(r.url()).pathname),
    timeout: WAIT,
  }).then(() => true, () => false);
  await release();
  const done = await reloaded;
  page.off('requestfinished', ended);
  page.off('requestfailed', ended);
  page.off('request', started);
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
  return done;
}

/**
 * Does `act`, which changes the address, and waits until the view it shows has loaded
 * it: app.js marks the view aria-busy until then, and its own hashchange listener,
 * added first, has marked it by the time this one hears the change. The rows of the
 * view's last visit are no sign of its load.
 */
async function navigated(page, act) {
  await page.evaluate(() => {
    window.routed = false;
    window.addEventListener('hashchange', () => { window.routed = true; }, { once: true });
  });
  await act();
  return until(page, () => window.routed
    && ![...document.querySelectorAll('#queue, #ticket, #clock, #outbox, #journal, #faults')]
      .some((v) => !v.hidden && v.hasAttribute('aria-busy')));
}

/** The focus is on something shown (the sign-in's field, now hidden, had it). */
const focusPlaced = () => {
  const now = document.activeElement;
  return Boolean(now && now !== document.body && !now.closest('[hidden]'));
};

const SCENARIOS = {
  // A ticket's loads, held back: a slow error after the address changed to one that is
  // no ticket id; typing in the reply box while the ticket loads; writes coming faster
  // than the ticket's read takes.
  async ticketloads(page) {
    const shown = () => page.evaluate(() => ({
      title: document.title,
      heading: document.getElementById('ticket-title').textContent,
      error: document.getElementById('ticket-error').textContent,
    }));
    await signIn(page, '#/');
    await page.locator('#queue:not([aria-busy])').waitFor();

    let release = await hold(page, /^tickets\/999999999$/);
    await page.goto(`${UI}#/ticket/999999999`);
    await navigated(page, () => page.goto(`${UI}#/ticket/abc`));
    await release();
    await answered(page, /^tickets\/999999999$/);
    report('error-after-another-address', await shown());

    release = await hold(page, /^tickets\/160000001$/);
    await page.goto(`${UI}#/ticket/160000001`);
    await page.click('#reply-entry');
    await page.keyboard.type('Hello ');
    await release();
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.keyboard.type('world');
    report('typed-while-loading', { focus: await focused(page), reply: await page.inputValue('#reply-entry') });

    // Another ticket written every 150 ms, this one's read taking 600 ms.
    await page.route(/\/_emulator\/tickets\/160000002$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.fallback().catch(() => {});
    });
    const demo = DEMO_BASIC;
    let writing = true;
    const writer = (async () => {
      for (const start = Date.now(); writing && Date.now() - start < 20000;) {
        await page.evaluate((auth) => fetch('/rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json', {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ parameters: [{ entry: 'Busy elsewhere.' }] }),
        }), demo);
        await page.waitForTimeout(150);
      }
    })();
    const began = Date.now();
    await page.goto(`${UI}#/ticket/160000002`);
    // Drawn well before the writes stop (20 s), or not at all while they come.
    const drawn = await page.locator('#thread li.update').first().waitFor({ timeout: 15000 }).then(() => true, () => false);
    const after = Date.now() - began;
    writing = false;
    await writer;
    report('drawn-under-writes', { drawn, after, title: await page.title() });
  },

  // The queue after a failed load: a refused search leaves no pager saying what the
  // last one said; a live redraw after a failed search is not read out.
  async queuefailures(page) {
    await signIn(page, '#/');
    await page.locator('#page-next:not([disabled])').waitFor();
    const words = Array.from({ length: 33 }, (_, i) => `w${i}`).join(' ');
    await page.fill('#f-q', words);
    await navigated(page, () => page.press('#f-q', 'Enter'));
    report('refused-search', {
      error: await text(page, '#queue-error'),
      nextDisabled: await page.locator('#page-next').isDisabled(),
      pageInfo: await text(page, '#page-info'),
      status: await page.evaluate(() => document.getElementById('queue-status').textContent),
    });

    await navigated(page, () => page.goto(`${UI}#/`));
    await page.route(/\/_emulator\/queue\?/, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"the disk is full"}' }));
    await page.fill('#f-q', 'pager');
    await navigated(page, () => page.press('#f-q', 'Enter'));
    await page.unroute(/\/_emulator\/queue\?/);
    await page.evaluate(() => {
      window.statusChanges = 0;
      new MutationObserver(() => { window.statusChanges += 1; })
        .observe(document.getElementById('queue-status'), { childList: true, characterData: true, subtree: true });
    });
    // A change: the live redraw draws the page (the announcement would follow in 100 ms).
    await api(page, 'POST', 'tickets/160000001/reply', { employee: 301, entry: 'A change.' });
    const redrawn = await until(page, () => document.getElementById('page-info').textContent !== '');
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));
    report('redraw-after-failure', { redrawn, statusChanges: await page.evaluate(() => window.statusChanges) });
  },

  // An older filter's answer arriving before the newer one's is not drawn: drawn, the
  // outbox showed the last filter's messages under the new address and offered to empty
  // "all 3 messages" (it emptied all of them), and the queue read out the last search's
  // "no tickets" as the new search's answer. A failed Refresh of the journal leaves its
  // Clear off (it asked about "0 calls" and cleared them all).
  async olderanswers(page) {
    const ticket = env('TICKET');
    const held = [];
    let holding = null;
    await page.route((u) => u.pathname.startsWith('/_emulator/') && !u.pathname.startsWith('/_emulator/ui'), async (route) => {
      const u = new URL(route.request().url());
      if (route.request().method() === 'GET' && holding && holding.test(u.pathname + u.search)) {
        await new Promise((resolve) => held.push({ path: u.pathname + u.search, resolve }));
      }
      await route.fallback().catch(() => {});
    });
    const heldNow = async (n) => {
      for (let waited = 0; held.length < n && waited < WAIT; waited += 50) await page.waitForTimeout(50);
      return held.length;
    };
    const release = (matches) => {
      const i = held.findIndex((h) => matches.test(h.path));
      if (i >= 0) held.splice(i, 1)[0].resolve();
      return i >= 0;
    };
    // Long enough for a wrongly drawn answer to show: what is checked is that nothing
    // changes.
    const settle = () => page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 700)));

    await signIn(page, '#/outbox');
    await page.locator('#outbox:not([aria-busy]) #outbox-messages li.message').first().waitFor();
    const outbox = () => page.evaluate(() => ({
      items: document.querySelectorAll('#outbox-messages li.message').length,
      clearDisabled: document.getElementById('outbox-clear').disabled,
      busy: document.getElementById('outbox').hasAttribute('aria-busy'),
    }));
    const before = await outbox();
    holding = /\/_emulator\/outbox/;
    await page.fill('#outbox-filters [name=ticket]', ticket);
    await page.click('#outbox-filters button[type=submit]');
    await heldNow(1);
    await page.fill('#outbox-filters [name=ticket]', '');
    await page.click('#outbox-filters button[type=submit]');
    const outboxHeld = await heldNow(2);
    const olderReleased = release(/ticket=/);
    await settle();
    const whileNewerHeld = await outbox();
    // The unfiltered read (a paged outbox reads its count and then its page).
    release(/^(?!.*ticket=)/);
    holding = null;
    await until(page, () => !document.getElementById('outbox').hasAttribute('aria-busy'));
    report('outbox', { before, outboxHeld, olderReleased, whileNewerHeld, after: await outbox() });
    // The older read's page read, held after its count was let through: let go, so the
    // queue's count of held reads starts from none.
    while (held.length) held.shift().resolve();

    await navigated(page, () => page.goto(`${UI}#/`));
    // The queue's own load is read out first (100 ms after it is drawn).
    await until(page, () => document.getElementById('queue-status').textContent !== '');
    await page.evaluate(() => {
      window.said = [];
      new MutationObserver(() => {
        const now = document.getElementById('queue-status').textContent;
        if (now) window.said.push(now);
      }).observe(document.getElementById('queue-status'), { childList: true, characterData: true, subtree: true });
    });
    holding = /\/_emulator\/queue\?/;
    await page.fill('#f-q', 'nomatchatallzz');
    await page.press('#f-q', 'Enter');
    await heldNow(1);
    await page.fill('#f-q', '');
    await page.press('#f-q', 'Enter');
    const queueHeld = await heldNow(2);
    release(/q=nomatch/);
    await settle();
    const saidWhileNewerHeld = await page.evaluate(() => window.said.slice());
    const emptyShown = await page.locator('#queue-rows').innerText();
    release(/queue\?/);
    holding = null;
    await until(page, () => !document.getElementById('queue').hasAttribute('aria-busy') && window.said.length > 0);
    await settle();
    report('queue', { queueHeld, saidWhileNewerHeld, emptyShown, said: await page.evaluate(() => window.said.slice()) });

    await navigated(page, () => page.goto(`${UI}#/journal`));
    await page.locator('#journal-clear:not([disabled])').waitFor();
    await page.route(/\/_emulator\/journal\?/, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"the disk is full"}' }));
    await page.click('#journal-refresh');
    await until(page, () => document.getElementById('journal-error').textContent !== '');
    await settle();
    report('journal-refresh-failed', {
      error: await text(page, '#journal-error'),
      clearDisabled: await page.locator('#journal-clear').isDisabled(),
    });
  },

  // The browser's Back from a ticket, the focus in its reply box: on the ticket's row.
  // Enter on "Awaiting customer response" sends nothing. The journal's Since says what
  // it takes.
  async backandenter(page) {
    await signIn(page, '#/');
    await page.locator('#queue:not([aria-busy])').waitFor();
    const link = page.locator('#queue-rows tr[data-ticket] a').first();
    const opened = await link.getAttribute('href');
    await link.focus();
    await navigated(page, () => page.keyboard.press('Enter'));
    await page.focus('#reply-entry');
    await navigated(page, () => page.goBack());
    await until(page, focusPlaced);
    report('browser-back', { opened, focus: await page.evaluate(() => document.activeElement.getAttribute('href') ?? `${document.activeElement.tagName}#${document.activeElement.id}`) });

    await navigated(page, () => page.goto(`${UI}#/ticket/160000001`));
    const sent = writes(page, []);
    await page.fill('#reply-entry', 'Not yet: the flag first.');
    await page.focus('#reply-awaiting');
    await page.keyboard.press('Enter');
    // An implicit submission sends at once, in the same key press.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)));
    report('enter-on-awaiting', { sent, reply: await page.inputValue('#reply-entry') });

    report('since-label', { label: await text(page, 'label[for=j-since]') });
  },

  // A view's load that fails after the person moved to another view: the error is not
  // said in that other view. And a poll failing every 2 s writes its alert once.
  async staleerrors(page) {
    const errors = () => page.evaluate(() => Object.fromEntries(
      ['queue', 'ticket', 'clock', 'journal'].map((v) => [v, document.getElementById(`${v}-error`).textContent])));
    await signIn(page, '#/');
    await page.locator('#queue:not([aria-busy])').waitFor();

    let release = await hold(page, /^journal\?/);
    await page.goto(`${UI}#/journal?since=not-a-date`);
    await page.click('#views a[data-view=queue]');
    await page.locator('#queue:not([aria-busy])').waitFor();
    await release();
    await answered(page, /^journal\?/);
    report('journal-to-queue', await errors());

    // Held, then answered 500 (the route added last runs first).
    await page.route(/\/_emulator\/queue\?/, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"the disk is full"}' }));
    release = await hold(page, /^queue\?/);
    await page.goto(`${UI}#/?q=zzz`);
    await page.goto(`${UI}#/ticket/160000001`);
    await page.locator('#thread li.update').first().waitFor();
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await release();
    await answered(page, /^queue\?/);
    await page.unroute(/\/_emulator\/queue\?/);
    report('queue-to-ticket', await errors());

    release = await hold(page, /^queue\?/);
    await page.goto(`${UI}#/nowhere`);
    await page.goto(`${UI}#/clock`);
    await page.locator('#clock:not([aria-busy])').waitFor();
    await release();
    await answered(page, /^queue\?/);
    report('nowhere-to-clock', await errors());

    // The server gone for the Clock's polls: the alert is written once, not every 2 s.
    let polls = 0;
    await page.route(/\/_emulator\/clock$/, (route) => { polls += 1; return route.abort(); });
    await page.evaluate(() => {
      window.alertWrites = 0;
      new MutationObserver(() => { window.alertWrites += 1; })
        .observe(document.getElementById('clock-error'), { childList: true, characterData: true, subtree: true });
    });
    await until(page, () => document.getElementById('clock-error').textContent !== '');
    for (let waited = 0; polls < 3 && waited < WAIT; waited += 100) await page.waitForTimeout(100);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    report('polls-failing', { polls, writes: await page.evaluate(() => window.alertWrites), error: await text(page, '#clock-error') });
    await page.unroute(/\/_emulator\/clock$/);
  },

  // "Empty the outbox", "Clear journal" and "Remove every rule" pressed while their view's
  // first answer is held back: they are off, and nothing is asked or deleted. They were
  // on, and asked "Delete all 0 messages…", then deleted every one.
  async clearbeforeload(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await api(page, 'POST', 'tickets/160000001/reply', { employee: 301, entry: 'Mail to empty.' });
    await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey' });
    // A call for the journal.
    await page.evaluate(() => fetch('/rest/v3.1/SoftLayer_Ticket/160000001/getObject.json', {
      headers: { Authorization: 'Basic ' + btoa('demo:' + '0123456789abcdef'.repeat(4)) },
    }));
    const deletes = writes(page, []);
    for (const [hash, path, button, confirm, row] of [
      // The view fresh (never drawn in this page): its list is empty until the answer is drawn.
      ['#/outbox', /^outbox(\?|$)/, '#outbox-clear', '#outbox-confirm', '#outbox-messages li'],
      ['#/journal', /^journal\?/, '#journal-clear', '#journal-confirm', '#journal-rows tr'],
      ['#/faults', /^faults$/, '#faults-clear', '#faults-confirm', '#fault-rows tr'],
    ]) {
      const release = await hold(page, path);
      await page.goto(`${UI}${hash}`);
      const offWhileLoading = await page.locator(button).isDisabled();
      await page.locator(button).click({ force: true, timeout: 2000 }).catch(() => {});
      const asked = await page.locator(`${confirm} .question`).count();
      if (asked) await page.click(`${confirm} .confirm-yes`);
      await release();
      await page.locator(row).first().waitFor();
      const onOnceDrawn = await until(page, (sel) => !document.querySelector(sel).disabled, button);
      report(`before-load ${hash}`, { offWhileLoading, asked, onOnceDrawn, deletes });
    }
  },

  // "Empty the outbox", "Clear journal", "Remove every rule": never more than the view
  // shows, and only after a question in the page.
  async destructive(page) {
    const ticket = env('TICKET');
    await signIn(page, '#/outbox?account=2001');
    await page.locator('#outbox-messages li.message').first().waitFor();
    report('account-filter', {
      shown: await page.locator('#outbox-messages li.message').count(),
      clearDisabled: await page.locator('#outbox-clear').isDisabled(),
      why: await text(page, '#outbox-clear-why'),
    });
    // Whatever the button's state, a click must not delete.
    await page.locator('#outbox-clear').click({ force: true }).catch(() => {});
    await page.waitForTimeout(500);
    report('account-filter-clicked', { total: (await api(page, 'GET', 'outbox')).messages.length });

    await page.goto(`${UI}#/outbox?ticket=${ticket}`);
    await page.locator('#outbox-clear:not([disabled])').waitFor();
    await page.click('#outbox-clear');
    await page.locator('#outbox-confirm .question').waitFor();
    const question = await text(page, '#outbox-confirm .question');
    await page.click('#outbox-confirm .confirm-no');
    await page.locator('#outbox-confirm').waitFor({ state: 'hidden' });
    const afterCancel = (await api(page, 'GET', 'outbox')).messages.length;
    await page.click('#outbox-clear');
    await page.click('#outbox-confirm .confirm-yes');
    await page.locator('#outbox-outcome', { hasText: 'Deleted' }).waitFor();
    const left = (await api(page, 'GET', 'outbox')).messages;
    report('ticket-filter', {
      question,
      afterCancel,
      focus: await focused(page),
      outcome: await text(page, '#outbox-outcome'),
      leftForTicket: left.filter((m) => String(m.ticketId) === ticket).length,
      left: left.length,
    });

    await page.goto(`${UI}#/outbox`);
    await page.locator('#outbox-clear:not([disabled])').waitFor();
    await page.click('#outbox-clear');
    await page.locator('#outbox-confirm .question').waitFor();
    report('whole-outbox', { question: await text(page, '#outbox-confirm .question') });
    await page.click('#outbox-confirm .confirm-no');

    await page.goto(`${UI}#/journal?transport=rest`);
    await page.locator('#journal-caption', { hasText: /\d+ call/ }).waitFor();
    await page.click('#journal-clear');
    await page.locator('#journal-confirm .question').waitFor();
    const journalQuestion = await text(page, '#journal-confirm .question');
    await page.click('#journal-confirm .confirm-no');
    const journalAfterCancel = (await api(page, 'GET', 'journal')).total;
    await page.click('#journal-clear');
    await page.click('#journal-confirm .confirm-yes');
    await page.locator('#journal-outcome', { hasText: 'Cleared' }).waitFor();
    report('journal', { question: journalQuestion, afterCancel: journalAfterCancel, outcome: await text(page, '#journal-outcome') });

    // A rule's Remove pressed from the keyboard: its row goes, and the focus with it.
    await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey' });
    await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey' });
    await page.goto(`${UI}#/faults`);
    await page.locator('#fault-rows tr[data-rule]').nth(1).waitFor();
    await page.locator('#fault-rows tr[data-rule] button').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#fault-rows tr[data-rule]').length === 1);
    await page.waitForTimeout(200);
    report('remove-one-rule', { focus: await focused(page) });
    await page.click('#faults-clear');
    await page.locator('#faults-confirm .question').waitFor();
    const rulesQuestion = await text(page, '#faults-confirm .question');
    await page.click('#faults-confirm .confirm-no');
    const rulesAfterCancel = (await api(page, 'GET', 'faults')).rules.length;
    await page.click('#faults-clear');
    await page.click('#faults-confirm .confirm-yes');
    await page.locator('#fault-rows td.empty').waitFor();
    await page.waitForTimeout(200);
    report('faults', { question: rulesQuestion, afterCancel: rulesAfterCancel, left: (await api(page, 'GET', 'faults')).rules.length, focus: await focused(page) });
  },

  // A ticket that cannot be loaded, actions that fail, and the action buttons' state.
  async ticket(page) {
    const open = env('TICKET');
    await signIn(page, `#/ticket/${open}`);
    await page.locator('#thread li.update').first().waitFor();
    await page.goto(`${UI}#/ticket/999999999`);
    await page.locator('#ticket-error', { hasText: /\S/ }).waitFor();
    await page.waitForTimeout(300);
    report('missing', {
      title: await text(page, '#ticket-title'),
      error: await text(page, '#ticket-error'),
      facts: await page.locator('#ticket-facts').innerText(),
      updates: await page.locator('#thread li').count(),
      files: await page.locator('#files li').count(),
      enabled: await enabledActionButtons(page),
    });

    // An unassigned ticket preselects nobody, and Assign refuses the placeholder.
    await page.goto(`${UI}#/ticket/${open}`);
    await page.locator('#thread li.update').first().waitFor();
    await page.locator('#assign-form button:not([disabled])').waitFor();
    const unassigned = await page.locator('#assign-employee').inputValue();
    await page.click('#assign-form button[type=submit]');
    await page.locator('#assign-form .outcome.error').waitFor();
    const refused = await text(page, '#assign-form .outcome');
    const stillUnassigned = (await api(page, 'GET', `tickets/${open}`)).assignedEmployeeName;
    // Someone else assigns it: the selector follows the live update.
    await api(page, 'POST', `tickets/${open}/assign`, { employee: 'sl-support-amartin' });
    await page.locator('#ticket-facts', { hasText: 'Ana M.' }).waitFor();
    await page.waitForTimeout(300);
    report('assign', {
      unassigned,
      refused,
      stillUnassigned,
      followed: await page.locator('#assign-employee option:checked').innerText(),
    });

    // Without the event stream, Close must still leave only Reopen enabled. (The route
    // reaches a page's own requests only: the tab opens its own stream, as a browser
    // without SharedWorker does, rather than share the shared worker's.)
    await page.addInitScript(() => {
      delete window.SharedWorker;
    });
    await page.route('**/_emulator/events', (route) => route.abort());
    await page.reload();
    await page.locator('#close-button:not([disabled])').waitFor();
    await page.click('#close-button');
    await page.locator('#state-form .outcome', { hasText: 'Ticket closed' }).waitFor();
    const afterClose = {
      close: await page.locator('#close-button').isEnabled(),
      reopen: await page.locator('#reopen-button').isEnabled(),
    };
    await page.click('#reopen-button');
    await page.locator('#state-form .outcome', { hasText: 'Ticket reopened' }).waitFor();
    report('buttons', {
      afterClose,
      afterReopen: {
        close: await page.locator('#close-button').isEnabled(),
        reopen: await page.locator('#reopen-button').isEnabled(),
      },
    });

    // Move refuses its placeholder (a ticket without a group preselects none).
    await page.selectOption('#group-select', '');
    await page.click('#group-form button[type=submit]');
    await page.locator('#group-form .outcome.error').waitFor();
    const groupRefused = await text(page, '#group-form .outcome');
    await page.selectOption('#group-select', { index: 1 });

    // The server answers an action with an error.
    await page.route(`**/_emulator/tickets/${open}/group`, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"the disk is full"}' }));
    await page.click('#group-form button[type=submit]');
    await page.locator('#group-form .outcome.error').waitFor({ timeout: 10000 });
    const serverError = await text(page, '#group-form .outcome');

    // The server cannot be reached at all: the reply fails beside its button.
    await page.route('**/_emulator/**', (route) => route.abort('connectionrefused'));
    await page.fill('#reply-entry', 'Are you there?');
    await page.click('#reply-form button[type=submit]');
    let settled = true;
    await page
      .locator('#reply-form .outcome.error')
      .waitFor({ timeout: 10000 })
      .catch(() => {
        settled = false;
      });
    report('unreachable', {
      groupRefused,
      serverError,
      settled,
      outcome: await text(page, '#reply-form .outcome'),
      kept: await page.locator('#reply-entry').inputValue(),
      error: await text(page, '#ticket-error'),
      updates: await page.locator('#thread li.update').count(),
      enabled: await enabledActionButtons(page),
    });
  },

  // One customer's unbroken 3,000-character title, long file names and entries; a bidi
  // override in a file name.
  async layout(page) {
    const long = env('TICKET');
    const rlo = env('RLO_TICKET');
    const seen = {};
    for (const [name, width] of [['desktop', 1280], ['phone', 390]]) {
      await page.setViewportSize({ width, height: 844 });
      if (name === 'desktop') await signIn(page, '#/');
      else await page.goto(`${UI}#/`);
      await page.locator(`#queue-rows tr[data-ticket="${long}"]`).waitFor();
      const queue = await widths(page);
      // The other columns keep their width: the account is one line, not a letter a line.
      const accountCell = await boxOf(page.locator(`#queue-rows tr[data-ticket="${long}"] td[data-label=Account]`));
      await page.goto(`${UI}#/ticket/${long}`);
      await page.locator('#files li[data-file]').first().waitFor();
      const ticket = await widths(page);
      await page.goto(`${UI}#/outbox?ticket=${long}`);
      await page.locator('#outbox-messages li.message').first().waitFor();
      const outbox = await widths(page);
      seen[name] = { queue, accountCellWidth: accountCell.width, ticket, outbox };
    }
    report('widths', seen);

    await page.setViewportSize({ width: 1280, height: 844 });
    await page.goto(`${UI}#/ticket/${rlo}`);
    const row = page.locator('#files li[data-file]').first();
    await row.waitFor();
    const box = async (selector) => (await row.locator(selector).first().boundingBox());
    const name = await box('.file-name');
    const size = await box('.muted');
    const date = await box('time');
    const download = await box('button');
    report('bidi', {
      text: await row.innerText(),
      employeeOption: await page.locator('#assign-employee option[value="397"]').innerText(),
      // In reading order: name, size, date, buttons; each starts right of the one before.
      order: [name.x, size.x, date.x, download.x],
      nameEnd: name.x + name.width,
    });
  },

  // "Back to the queue" and paging past the end.
  async navigation(page) {
    const queue = '#/?q=pager&status=1001&sort=priority&order=asc&page=1';
    await signIn(page, queue);
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.locator('#queue-rows tr[data-ticket] a.title').first().click();
    await page.locator('#thread li.update').first().waitFor();
    // The queue's rows of before are still there, hidden: its own load is waited for.
    await navigated(page, () => page.click('#back'));
    report('back', {
      hash: await page.evaluate(() => location.hash),
      search: await page.locator('#f-q').inputValue(),
      sort: await page.locator('#f-sort').inputValue(),
      tab: await page.locator('#status-tabs [aria-current=page]').getAttribute('data-status'),
      page: await text(page, '#page-info'),
    });
    // A ticket's page reloaded still goes back to the queue as it was shown.
    await page.locator('#queue-rows tr[data-ticket] a.title').first().click();
    await page.locator('#thread li.update').first().waitFor();
    await page.reload();
    await page.locator('#thread li.update').first().waitFor();
    report('back-after-reload', { href: await page.locator('#back').getAttribute('href') });

    await page.goto(`${UI}#/?q=pager&page=9999`);
    await page.locator('#page-info', { hasText: /^Page \d+ of \d+/ }).waitFor();
    await page.waitForTimeout(500);
    report('past-the-end', {
      hash: await page.evaluate(() => location.hash),
      page: await text(page, '#page-info'),
      rows: await page.locator('#queue-rows tr[data-ticket]').count(),
      historyLength: await page.evaluate(() => history.length),
    });

    // Paged to the last page by keyboard, the pressed button turns off: the focus stays in
    // the pager (it fell to the page).
    await page.goto(`${UI}#/?q=pager`);
    await page.locator('#page-info', { hasText: /^Page 1 of 2/ }).waitFor();
    await page.focus('#page-next');
    await page.keyboard.press('Enter');
    await page.locator('#page-info', { hasText: /^Page 2 of 2/ }).waitFor();
    await page.waitForTimeout(300);
    const pagerFocus = await focused(page);
    // Back from a ticket, the focus is on its row (it fell to the page).
    const opened = await page.locator('#queue-rows tr[data-ticket] a.title').first().getAttribute('href');
    await page.locator('#queue-rows tr[data-ticket] a.title').first().click();
    await page.locator('#thread li.update').first().waitFor();
    // The focus is placed once the queue has loaded (backInQueue runs after its answer).
    await navigated(page, () => page.click('#back'));
    await until(page, focusPlaced);
    const backFocus = await page.evaluate(() => document.activeElement?.getAttribute('href') ?? document.activeElement?.id ?? null);
    report('focus', { pagerFocus, opened, backFocus });

    // Enter twice on "Next page", the second as the last page is drawn: one turn. The
    // focus had moved to "Previous page", so the second went straight back to page 1.
    for (const [hash, next, info, first, last] of [
      ['#/?q=pager', '#page-next', '#page-info', /^Page 1 of 2/, /^Page 2 of 2/],
      ['#/journal', '#journal-next', '#journal-page', /^calls 1–/, /^calls 51–/],
    ]) {
      await page.goto(`${UI}${hash}`);
      await page.locator(info, { hasText: first }).waitFor();
      await page.focus(next);
      await page.keyboard.press('Enter');
      await page.locator(info, { hasText: last }).waitFor();
      await page.keyboard.press('Enter');
      await page.waitForTimeout(800);
      report('enter-twice', { shown: await text(page, info), hash: await page.evaluate(() => location.hash), focus: await focused(page) });
    }

    // A recipient in another script, as the server stores and mails it (an email input
    // refused it, or sent it as punycode, which matched nothing).
    await page.evaluate(async () => {
      await fetch('/rest/v3.1/SoftLayer_Ticket/160000001/addAttachedAdditionalEmails.json', {
        method: 'POST',
        headers: { Authorization: 'Basic ' + btoa('demo:' + '0123456789abcdef'.repeat(4)), 'Content-Type': 'application/json' },
        body: JSON.stringify({ parameters: [['Jürgen@exämple.test']] }),
      });
    });
    await api(page, 'POST', 'tickets/160000001/reply', { employee: 301, entry: 'To the added address.' });
    await page.goto(`${UI}#/outbox`);
    await page.locator('#outbox-messages li.message').first().waitFor();
    await page.fill('#o-to', 'jürgen@exämple.test');
    await navigated(page, () => page.press('#o-to', 'Enter'));
    report('recipient', {
      hash: await page.evaluate(() => decodeURIComponent(location.hash)),
      messages: await page.locator('#outbox-messages li.message').count(),
    });

    // Signed out, the page is not live, and shows no dot saying so.
    await page.locator('#live', { hasText: 'Live' }).waitFor();
    await page.click('#sign-out');
    await page.locator('#token').waitFor({ state: 'visible' });
    const signedOut = {
      state: await page.evaluate(() => document.getElementById('live').dataset.state ?? null),
      dot: await page.evaluate(() => getComputedStyle(document.getElementById('live'), '::before').content),
    };
    // Signed out just after a write: the change's reload, still waiting, ran with no
    // token and said "The token was not accepted." on the sign-in page.
    const errors = [];
    for (const wait of [80, 150, 220]) {
      await page.fill('#token', TOKEN);
      await page.press('#token', 'Enter');
      await page.locator('#live[data-state=live]').waitFor();
      await page.evaluate(async () => {
        await fetch('/rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json', {
          method: 'POST',
          headers: { Authorization: 'Basic ' + btoa('demo:' + '0123456789abcdef'.repeat(4)), 'Content-Type': 'application/json' },
          body: JSON.stringify({ parameters: [{ entry: 'A change just before signing out.' }] }),
        });
      });
      await page.waitForTimeout(wait);
      await page.click('#sign-out');
      await page.waitForTimeout(600);
      errors.push(await text(page, '#sign-in-error'));
    }
    report('signed-out', { ...signedOut, errors });
  },

  // A double-click on a file's Download, a rule's Remove or the journal's Refresh is one
  // request, as on the forms.
  async doubleClicks(page) {
    const sent = [];
    const journalReadsAt = [];
    page.on('request', (r) => {
      if (r.url().includes('/_emulator/')) sent.push(`${r.method()} ${new URL(r.url()).pathname}`);
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/_emulator/journal') journalReadsAt.push(Date.now());
    });
    const count = (what) => sent.filter((s) => s.includes(what)).length;
    const downloads = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    const download = page.locator('#files li[data-file] button', { hasText: 'Download' }).first();
    await download.waitFor();
    await download.dblclick();
    await page.waitForTimeout(1500);
    const fileGets = sent.filter((s) => s.startsWith('GET') && s.includes('/files/')).length;

    await page.goto(`${UI}#/faults`);
    const remove = page.locator(`#fault-rows tr[data-rule="${env('RULE')}"] button`);
    await remove.waitFor();
    await remove.dblclick();
    await page.locator('#fault-form .outcome', { hasText: 'Removed rule' }).waitFor();
    await page.waitForTimeout(1000);
    const deletes = count(`DELETE /_emulator/faults/${env('RULE')}`);

    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-rows tr').first().waitFor();
    // Quiet first: a change event's refresh (the page reads the journal again on one)
    // is no read of the button's; only those the double-click starts are counted.
    for (let quiet = 0; quiet < 20 && Date.now() - (journalReadsAt.at(-1) || 0) < 700; quiet++) {
      await page.waitForTimeout(200);
    }
    const clicked = Date.now();
    await page.dblclick('#journal-refresh');
    await page.waitForTimeout(1000);
    report('double-clicks', {
      fileGets,
      downloads: downloads.length,
      deletes,
      journalReads: journalReadsAt.filter((t) => t >= clicked && t < clicked + 400).length,
    });
  },

  // A token outside Latin-1 is refused at sign-in, and one kept by an older page recovers.
  async token(page) {
    await page.goto(UI);
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.fill('#token', 'tök✓');
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#sign-in-error', { hasText: /\S/ }).waitFor({ timeout: 10000 });
    report('refused', {
      error: await text(page, '#sign-in-error'),
      stored: await page.evaluate(() => sessionStorage.length),
      signIn: await page.locator('#sign-in').isVisible(),
    });
    await page.evaluate(([key]) => sessionStorage.setItem(key, 'tok“✓”'), [TOKEN_KEY]);
    await page.reload();
    let form = true;
    await page.locator('#token').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {
      form = false;
    });
    report('reloaded', {
      form,
      loading: await page.locator('#loading').isVisible(),
      error: await text(page, '#sign-in-error').catch(() => ''),
      stored: await page.evaluate(() => sessionStorage.length),
    });
  },

  // A preview that arrives after its ticket gave way to another; Preview and Download
  // that fail.
  async files(page) {
    const first = env('TICKET');
    const second = env('OTHER_TICKET');
    const files = '**/_emulator/tickets/*/files/*';
    const previewButton = '#files li[data-file] button[aria-label^=Preview]';
    await signIn(page, `#/ticket/${first}`);
    await page.locator(previewButton).first().waitFor();
    // The file takes a while to come (a large one does).
    await page.route(files, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => {});
    });
    await page.click(previewButton);
    await page.click('#back');
    await page.locator(`#queue-rows tr[data-ticket="${second}"] a.title`).click();
    await page.locator('#thread li.update').first().waitFor();
    await page.waitForTimeout(3000);
    report('race', {
      title: await text(page, '#ticket-title'),
      previewShown: await page.locator('#preview').isVisible(),
      preview: await page.locator('#preview').innerText(),
    });
    await page.unroute(files);

    await page.goto(`${UI}#/ticket/${first}`);
    await page.locator(previewButton).first().waitFor();
    const outcomeOf = async (button, answer) => {
      await page.route(files, answer);
      await page.click(`#files li[data-file] button[aria-label^=${button}]`);
      const seen = await page
        .locator('#files li[data-file] .file-outcome.error')
        .first()
        .innerText({ timeout: 10000 })
        .catch(() => '');
      await page.unroute(files);
      return seen;
    };
    const missing = (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no such file"}' });
    const previewMissing = await outcomeOf('Preview', missing);
    // Live redraws keep it beside its buttons.
    await api(page, 'POST', `tickets/${first}/awaiting-response`, { value: true });
    await page.locator('#ticket-facts', { hasText: 'Awaiting customer: yes' }).waitFor();
    const keptAfterRedraw = await page.locator('#files li[data-file] .file-outcome.error').first().innerText().catch(() => '');
    const downloadMissing = await outcomeOf('Download', missing);
    const unreachable = await outcomeOf('Preview', (route) => route.abort('connectionrefused'));
    await page.route(files, (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":"no"}' }));
    await page.click('#files li[data-file] button[aria-label^=Download]');
    let signInShown = true;
    await page.locator('#token').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {
      signInShown = false;
    });
    report('failures', { previewMissing, keptAfterRedraw, downloadMissing, unreachable, signInShown });

    // An "image" whose bytes are no image: said beside its buttons, no broken image.
    await page.unroute(files);
    await signIn(page, `#/ticket/${env('BROKEN_IMAGE_TICKET')}`);
    await page.locator(previewButton).first().waitFor();
    await page.click(previewButton);
    const brokenImage = await page
      .locator('#files li[data-file] .file-outcome.error')
      .first()
      .innerText({ timeout: 10000 })
      .catch(() => '');
    report('broken-image', { said: brokenImage, previewShown: await page.locator('#preview').isVisible() });
  },

  // A filter that fails leaves no rows of the last one under its error (the outbox then
  // offered to delete them as the failed filter's), and a journal page past the end
  // shows the last page.
  async stale(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/outbox?ticket=${ticket}`);
    await page.locator('#outbox-messages li.message').first().waitFor();
    await page.fill('#outbox-filters [name=ticket]', `${ticket}x`);
    await page.locator('#outbox-filters').evaluate((f) => f.requestSubmit());
    await page.locator('#outbox-error', { hasText: 'Could not load' }).waitFor();
    const outbox = {
      messages: await page.locator('#outbox-messages li.message').count(),
      emptyOff: await page.locator('#outbox-clear').isDisabled(),
    };
    await page.goto(`${UI}#/journal?fault=true`);
    await page.locator('#journal-caption', { hasText: /\d+ call/ }).waitFor();
    await page.goto(`${UI}#/journal?since=not-a-date`);
    await page.locator('#journal-error', { hasText: 'Could not load' }).waitFor();
    const journal = {
      rows: await page.locator('#journal-rows tr[data-call]').count(),
      caption: await text(page, '#journal-caption'),
    };
    await page.goto(`${UI}#/journal?offset=1000`);
    await page.waitForFunction(() => !location.hash.includes('offset=1000'), null, { timeout: 10000 }).catch(() => {});
    await page.locator('#journal-rows tr[data-call]').first().waitFor({ timeout: 10000 }).catch(() => {});
    const pastTheEnd = {
      hash: await page.evaluate(() => location.hash),
      rows: await page.locator('#journal-rows tr[data-call]').count(),
      page: await text(page, '#journal-page'),
    };
    report('stale', { outbox, journal, pastTheEnd });
  },

  // The fault-rule form with numbers it cannot read: refused in the page, nothing sent.
  async faultform(page) {
    await signIn(page, '#/faults');
    await page.locator('#fault-rows td.empty').waitFor();
    const posted = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/_emulator/faults')) posted.push(r.postData());
    });
    const refused = {};
    for (const [field, typed] of [['#r-probability', '50%'], ['#r-times', 'two'], ['#r-latency', '1s'], ['#r-http', 'abc'], ['#r-times', '0'], ['#r-http', '200'], ['#r-latency', '99999999999'], ['#r-after', '-1'], ['#r-after', '9007199254740992'], ['#r-times', '9007199254740992']]) {
      await page.fill('#fault-form #r-method', 'getObject');
      await page.selectOption('#r-preset', 'rate_limit');
      await page.fill(field, typed);
      await page.click('#fault-form button[type=submit]');
      await page.waitForTimeout(500);
      refused[`${field} ${typed}`] = {
        outcome: await text(page, '#fault-form .outcome'),
        error: await page.locator('#fault-form .outcome.error').count(),
        focused: await page.evaluate(() => `#${document.activeElement.id}`),
      };
      await page.fill(field, '');
    }
    // A message with no class to carry it: refused too (it was left out of the rule).
    await page.fill('#r-message', 'custom text');
    await page.click('#fault-form button[type=submit]');
    await page.waitForTimeout(500);
    const messageAlone = {
      outcome: await text(page, '#fault-form .outcome'),
      error: await page.locator('#fault-form .outcome.error').count(),
      focused: await page.evaluate(() => `#${document.activeElement.id}`),
    };
    await page.fill('#r-message', '');
    const rulesAfterRefusals = (await api(page, 'GET', 'faults')).rules.length;
    const postsAfterRefusals = posted.length;
    await page.fill('#r-times', '1');
    await page.fill('#r-probability', '0.5');
    await page.fill('#r-after', '2');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-rows tr[data-rule]').waitFor();
    await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
    const rules = (await api(page, 'GET', 'faults')).rules;
    report('refused', {
      refused, messageAlone, rulesAfterRefusals, postsAfterRefusals,
      addedSaid: await text(page, '#fault-form .outcome'),
      added: rules.map((r) => ({ after: r.after, times: r.times, probability: r.probability })),
      howOften: await text(page, '#fault-rows td[data-label="How often"]'),
    });

    // A latency was said "after 5 ms", the word After's count of calls has ("→ after 5
    // ms. After 9007199254740991 more calls"), and a probability without Times "Every
    // time, p=0.5". Each rule's words, as added and in its row.
    const wording = {};
    // A delay beside a fault's message read "exceeded., delayed 5 ms" ('both').
    for (const [name, typed] of [['delayed', { '#r-latency': '5', '#r-after': '9007199254740991', '#r-times': '9007199254740991' }], ['chance', { '#r-probability': '0.5' }], ['both', { '#r-latency': '5' }]]) {
      await page.fill('#r-service', 'SoftLayer_Ticket');
      await page.fill('#r-method', 'getObject');
      if (name !== 'delayed') await page.selectOption('#r-preset', 'rate_limit');
      for (const [field, value] of Object.entries(typed)) await page.fill(field, value);
      await clearOutcome(page, '#fault-form .outcome');
      await page.click('#fault-form button[type=submit]');
      await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
      const said = await text(page, '#fault-form .outcome');
      const row = `#fault-rows tr[data-rule="${said.match(/Added rule (\d+)/)[1]}"]`;
      wording[name] = {
        said,
        effect: await text(page, `${row} td[data-label="Effect"]`),
        howOften: await text(page, `${row} td[data-label="How often"]`),
      };
    }
    report('wording', wording);
  },

  // Accounts made and deleted while the console is open (the pytest plugin's way).
  async accounts(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    const options = (select) =>
      page.evaluate((id) => [...document.getElementById(id).options].map((o) => o.text), select);
    const selects = ['f-account', 'o-account', 'j-account'];
    // Whether the lists were redrawn within WAIT (a late redraw, given up on after 10 s
    // unsaid, left the step reading the lists from before it), and what they then hold.
    const everywhere = async (name, present) => {
      const redrawn = await until(
        page,
        ([ids, name, present]) => ids.every((id) => [...document.getElementById(id).options].some((o) => o.text.includes(name)) === present),
        [selects, name, present],
      );
      return { redrawn, shown: Object.fromEntries(await Promise.all(selects.map(async (id) => [id, (await options(id)).some((t) => t.includes(name))]))) };
    };
    const { name } = await instruction();
    report('created', await everywhere(name, true));
    await instruction();
    report('deleted', await everywhere(name, false));
  },

  // Live redraws keep the focus and the open details; actions and the confirm box leave
  // the focus somewhere useful.
  async focus(page) {
    const ticket = env('TICKET');
    // Marks the element at `selector` and waits until a live redraw replaced it; a redraw
    // that did not come within WAIT is reported (`redrawn` false, `late` naming it):
    // given up on after 10 s unsaid, the step read the view from before it and tested
    // nothing.
    const redrawn = async (selector, write) => {
      await page.locator(selector).first().evaluate((node) => { node.dataset.old = 'yes'; });
      await write();
      if (!(await until(page, (sel) => !document.querySelector(sel)?.dataset.old, selector))) {
        seen.redrawn = false;
        seen.late.push(selector);
      }
      await page.waitForTimeout(300);
    };
    // Waits until a live reload of `path` was answered after `write` (a view whose
    // content did not change is left as drawn, so there is no replaced node to see).
    const reloaded = async (path, write) => {
      const answered = page
        .waitForResponse((r) => r.url().endsWith(path) && r.request().method() === 'GET', { timeout: WAIT })
        .then(() => true, () => false);
      await write();
      if (!(await answered)) {
        seen.redrawn = false;
        seen.late.push(path);
      }
      await page.waitForTimeout(300);
    };
    let awaiting = false;
    const poke = () => {
      awaiting = !awaiting;
      return api(page, 'POST', `tickets/${ticket}/awaiting-response`, { value: awaiting });
    };
    const active = () => page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, key: a.closest('[data-key]')?.dataset.key || null, label: a.getAttribute('aria-label') || a.id || a.textContent.trim().slice(0, 40) };
    });
    const seen = { redrawn: true, late: [] };

    await signIn(page, '#/');
    await page.locator('#live[data-state=live]').waitFor();
    const link = `#queue-rows tr[data-ticket="${ticket}"] a.title`;
    await page.focus(link);
    await redrawn('#queue-rows tr[data-ticket]', poke);
    seen.queue = await active();

    await page.goto(`${UI}#/ticket/${ticket}`);
    await page.locator('#files li[data-file] button').first().waitFor();
    await page.focus('#files li[data-file] button[aria-label^=Download]');
    await reloaded(`/_emulator/tickets/${ticket}`, poke);
    seen.download = await active();

    await page.focus('#close-button');
    await page.keyboard.press('Enter');
    await page.locator('#state-form .outcome', { hasText: 'Ticket closed' }).waitFor();
    seen.afterClose = await active();
    // A press of its own, after a pause: one at once is the same press again (closetwice).
    await page.waitForTimeout(1000);
    await page.keyboard.press('Enter');
    await page.locator('#state-form .outcome', { hasText: 'Ticket reopened' }).waitFor();
    seen.afterReopen = await active();
    await page.fill('#reply-entry', 'Focus stays.');
    await page.focus('#reply-form button[type=submit]');
    await page.keyboard.press('Enter');
    await page.locator('#reply-form .outcome', { hasText: 'Reply sent' }).waitFor();
    seen.afterReply = await active();

    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-rows tr[data-call] summary').first().waitFor();
    await page.locator('#journal-rows tr[data-call] summary').first().click();
    const call = await page.locator('#journal-rows tr[data-call]').first().getAttribute('data-call');
    await redrawn('#journal-rows tr[data-call]', async () => {
      await poke();
      await page.click('#journal-refresh');
    });
    seen.journalOpen = await page.locator(`#journal-rows tr[data-call="${call}"] details`).evaluate((d) => d.open);

    await page.goto(`${UI}#/outbox`);
    await page.locator('#outbox-messages li.message summary').first().waitFor();
    await page.locator('#outbox-messages li.message summary').first().click();
    const message = await page.locator('#outbox-messages li.message').first().getAttribute('data-message');
    await redrawn('#outbox-messages li.message', () => api(page, 'POST', `tickets/${ticket}/reply`, { employee: 'sl-support-jdoe', entry: 'More mail.' }));
    seen.outboxOpen = await page.locator(`#outbox-messages li[data-message="${message}"] details`).evaluate((d) => d.open);

    await page.goto(`${UI}#/journal`);
    // The rows drawn on the last visit are still there: the button is on once this
    // visit's answer is drawn.
    await page.locator('#journal-clear:not([disabled])').waitFor();
    await page.focus('#journal-clear');
    await page.keyboard.press('Enter');
    await page.locator('#journal-confirm .question').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    seen.escape = {
      hidden: await page.locator('#journal-confirm').isHidden(),
      focus: await active(),
      calls: (await api(page, 'GET', 'journal')).total,
    };
    report('focus', seen);
  },

  // A reply typed while the one before it is still sending stays.
  async reply(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#reply-form button[type=submit]:not([disabled])').waitFor();
    await page.route(`**/_emulator/tickets/${ticket}/reply`, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.fill('#reply-entry', 'The first reply.');
    await page.click('#reply-form button[type=submit]');
    await page.fill('#reply-entry', 'The second, typed meanwhile.');
    await page.locator('#reply-form .outcome', { hasText: 'Reply sent' }).waitFor();
    const kept = await page.locator('#reply-entry').inputValue();
    await page.unroute(`**/_emulator/tickets/${ticket}/reply`);
    await page.click('#reply-form button[type=submit]');
    await page.locator('#thread li.update', { hasText: 'The second, typed meanwhile.' }).waitFor();
    const after = await page.locator('#reply-entry').inputValue();
    // A reply still sending when another ticket is opened: its outcome is not shown there.
    await page.route(`**/_emulator/tickets/${ticket}/reply`, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.fill('#reply-entry', 'Sent from the first ticket.');
    await page.click('#reply-form button[type=submit]');
    await page.goto(`${UI}#/ticket/${env('OTHER_TICKET')}`);
    await page.locator('#ticket-title', { hasText: env('OTHER_TICKET') }).waitFor();
    await page.fill('#reply-entry', 'A draft for the second.');
    await page.waitForTimeout(3000);
    const otherDraft = await page.locator('#reply-entry').inputValue();
    const otherOutcome = await text(page, '#reply-form .outcome').catch(() => '');
    // The box shows whether the ticket waits on the customer; a reply sent as shown
    // leaves that as it was, and one with the box cleared clears it.
    const other = env('OTHER_TICKET');
    await api(page, 'POST', `tickets/${other}/awaiting-response`, { value: true });
    await page.locator('#ticket-flags', { hasText: 'Awaiting customer: yes' }).waitFor();
    const boxShown = await page.locator('#reply-awaiting').isChecked();
    await page.fill('#reply-entry', 'Still waiting on you.');
    await page.click('#reply-form button[type=submit]');
    await page.locator('#thread li.update', { hasText: 'Still waiting on you.' }).waitFor();
    const awaitingKept = (await api(page, 'GET', `tickets/${other}`)).awaitingUserResponse;
    await page.uncheck('#reply-awaiting');
    await page.fill('#reply-entry', 'No longer waiting.');
    await page.click('#reply-form button[type=submit]');
    await page.locator('#ticket-flags', { hasText: 'Awaiting customer: no' }).waitFor();
    report('reply', {
      kept,
      after,
      otherDraft,
      otherOutcome,
      boxShown,
      awaitingKept,
      awaitingCleared: (await api(page, 'GET', `tickets/${other}`)).awaitingUserResponse,
      boxAfter: await page.locator('#reply-awaiting').isChecked(),
    });
  },

  // One failed reload of a ticket (a network blip) undid the person's unsent choices:
  // the awaiting tick, the assignee and the group went back to the ticket's.
  async blip(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#reply-form button[type=submit]:not([disabled])').waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    const another = (sel) => page.evaluate((s) => {
      const select = document.querySelector(s);
      return [...select.options].map((o) => o.value).filter((v) => v && v !== select.value).pop();
    }, sel);
    await page.setChecked('#reply-awaiting', !(await page.isChecked('#reply-awaiting')));
    await page.selectOption('#assign-employee', await another('#assign-employee'));
    await page.selectOption('#group-select', await another('#group-select'));
    const form = () => page.evaluate(() => ({
      awaiting: document.getElementById('reply-awaiting').checked,
      assign: document.getElementById('assign-employee').value,
      group: document.getElementById('group-select').value,
    }));
    const before = await form();
    const employee = (await api(page, 'GET', 'choices')).employees[0].id;
    const write = (entry) => api(page, 'POST', `tickets/${ticket}/reply`, { employee, entry });
    // The next reload of the ticket fails; the one after works.
    const path = `**/_emulator/tickets/${ticket}`;
    await page.route(path, (route) => (route.request().method() === 'GET' ? route.abort('connectionreset') : route.fallback()));
    await write('While the network is down.');
    await page.locator('#ticket-error', { hasText: 'Could not load' }).waitFor();
    await page.unroute(path);
    await write('Once it is back.');
    await page.locator('#thread li.update', { hasText: 'Once it is back.' }).waitFor();
    const after = await form();
    // A choice sent, then a failed reload: it was taken for an unsent choice, and stuck
    // when someone else changed it (and the next reply set the flag again).
    const { employees } = await api(page, 'GET', 'choices');
    const blipAfter = async (press, said) => {
      await page.route(path, (route) => (route.request().method() === 'GET' ? route.abort('connectionreset') : route.fallback()));
      await page.click(press);
      await page.locator(said).waitFor();
      await page.locator('#ticket-error', { hasText: 'Could not load' }).waitFor();
      await page.unroute(path);
    };
    await page.fill('#reply-entry', 'Waiting on you.');
    await page.setChecked('#reply-awaiting', true);
    await blipAfter('#reply-form button[type=submit]', '#reply-form .outcome:has-text("Reply sent")');
    await api(page, 'POST', `tickets/${ticket}/reply`, { employee, entry: 'Not waiting now.', awaitingUserResponse: false });
    await page.locator('#thread li.update', { hasText: 'Not waiting now.' }).waitFor();
    const awaitingSent = await page.isChecked('#reply-awaiting');
    const [mine, theirs] = employees.filter((e) => String(e.id) !== after.assign);
    await page.selectOption('#assign-employee', String(mine.id));
    await blipAfter('#assign-form button[type=submit]', '#assign-form .outcome:has-text("Assigned to")');
    await api(page, 'POST', `tickets/${ticket}/assign`, { employee: theirs.id });
    await page.locator('#ticket-facts', { hasText: theirs.name.replace(/ \(.*\)$/, '') }).waitFor();
    const sent = { awaiting: awaitingSent, assign: await page.inputValue('#assign-employee'), theirs: String(theirs.id) };
    report('blip', { before, after, sent });
  },

  // The Clock view said "Ran: ALERT on #…" for a scheduled alert the server skipped.
  async firedclock(page) {
    await signIn(page, '#/clock');
    await page.locator('#clock:not([aria-busy])').waitFor();
    await page.fill('#clock-advance-by', '3h');
    await page.click('#clock-advance button[type=submit]');
    await page.locator('#clock-advance .outcome', { hasText: 'Clock now' }).waitFor();
    report('advanced', { said: await text(page, '#clock-advance .outcome') });
    // An action that could not run is listed with its `error` (rare: made here).
    await page.route('**/_emulator/clock', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      const answer = await (await route.fetch()).json();
      answer.fired = [{ ticketId: 160000009, kind: 'AUTO_CLOSE', error: 'no id left for its mail' }];
      return route.fulfill({ json: answer });
    });
    await page.fill('#clock-advance-by', '1h');
    await page.click('#clock-advance button[type=submit]');
    await page.locator('#clock-advance .outcome', { hasText: '13:00' }).waitFor();
    report('failed', { said: await text(page, '#clock-advance .outcome') });
  },

  // A rule typed while "Add rule" was being answered was wiped by the answer; the wait
  // said nothing ("Working…" only on the ticket's actions), here and on the Clock.
  async faultwait(page) {
    /** Holds the page's next POST to `apiPath`: resolves `held` once it is, `release` sends it. */
    const holdPost = async (apiPath) => {
      let release;
      let isHeld;
      const held = new Promise((resolve) => { isHeld = resolve; });
      const go = new Promise((resolve) => { release = resolve; });
      const url = `**/_emulator/${apiPath}`;
      // Not `times: 1`: the view's GETs of the same path would use it up.
      const handler = async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        isHeld();
        await go;
        await route.fallback().catch(() => {});
      };
      await page.route(url, handler);
      return { held, release: () => { release(); return page.unroute(url, handler); } };
    };
    await signIn(page, '#/faults');
    await page.locator('#fault-rows td.empty').waitFor();
    let post = await holdPost('faults');
    await page.selectOption('#r-preset', 'rate_limit');
    await page.fill('#r-method', 'getObject');
    await page.click('#fault-form button[type=submit]');
    await post.held;
    const whileAdding = await text(page, '#fault-form .outcome');
    await page.fill('#r-method', 'getTicket');
    await page.fill('#r-class', 'SoftLayer_Exception_Typed');
    await page.fill('#r-message', 'typed meanwhile');
    await post.release();
    await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
    const valuesOf = (names) => page.evaluate((names) => Object.fromEntries(names
      .map((name) => [name, document.getElementById('fault-form').elements[name].value])), names);
    const fields = await valuesOf(['preset', 'method', 'class', 'message']);
    // The next rule typed again alike in part (same Service, same Times): those fields
    // were emptied as still holding what was sent, and the next press added a rule for
    // every service, firing for ever.
    const typeRule = async (values) => {
      for (const [name, value] of Object.entries(values)) await page.fill(`#fault-form [name=${name}]`, value);
    };
    await typeRule({ method: '', class: '', message: '' });
    await typeRule({ service: 'SoftLayer_Ticket', method: 'getObject', http: '503', times: '1' });
    post = await holdPost('faults');
    await page.click('#fault-form button[type=submit]');
    await post.held;
    await typeRule({ service: 'SoftLayer_Ticket', method: 'addUpdate', http: '500', times: '1' });
    await post.release();
    await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
    const retyped = await valuesOf(['service', 'method', 'http', 'times']);
    await page.goto(`${UI}#/clock`);
    await page.locator('#clock:not([aria-busy])').waitFor();
    post = await holdPost('clock');
    await page.fill('#clock-advance-by', '1h');
    await page.click('#clock-advance button[type=submit]');
    await post.held;
    const whileAdvancing = await text(page, '#clock-advance .outcome');
    await post.release();
    await page.locator('#clock-advance .outcome', { hasText: 'Clock now' }).waitFor();
    report('faultwait', { whileAdding, fields, retyped, whileAdvancing });
  },

  // A live redraw without the row that held the focus (its ticket closed by someone
  // else, its rule removed) dropped the focus to <body>: it goes to the row now in its
  // place, else the one before, else the view's title.
  // An Enter pressed right after the move (meant for the row that went) acted on the row
  // the focus moved to: it opened the next ticket, and removed the next rule.
  async rowgone(page) {
    const ticket = env('TICKET');
    const where = () => page.evaluate(() => {
      const a = document.activeElement;
      const row = a.closest('[data-key]');
      return row ? `${row.dataset.key} ${a.tagName}.${a.className}` : `${a.tagName}#${a.id}`;
    });
    const sent = writes(page, []);
    /** Presses Enter as soon as the row `gone` (which had the focus) is redrawn away. */
    const enterOnceMoved = async (gone) => {
      await page.locator(gone).waitFor({ state: 'detached' });
      await page.keyboard.press('Enter');
    };
    await signIn(page, '#/?status=1001');
    await page.locator('#live[data-state=live]').waitFor();
    await page.evaluate(() => {
      window.opened = [];
      window.addEventListener('hashchange', () => window.opened.push(location.hash));
    });
    const title = page.locator(`#queue-rows tr[data-ticket="${ticket}"] a.title`);
    await title.focus();
    await api(page, 'POST', `tickets/${ticket}/close`, {});
    await enterOnceMoved(`#queue-rows tr[data-ticket="${ticket}"]`);
    const queue = await where();
    const rules = [];
    for (const method of ['getObject', 'getUpdates']) rules.push((await api(page, 'POST', 'faults', { method, preset: 'rate_limit' })).id);
    const opened = await page.evaluate(() => window.opened);
    await page.goto(`${UI}#/faults`);
    await page.locator(`#fault-rows tr[data-rule="${rules[1]}"]`).waitFor();
    await page.focus(`#fault-rows tr[data-rule="${rules[0]}"] button`);
    await api(page, 'DELETE', `faults/${rules[0]}`);
    await enterOnceMoved(`#fault-rows tr[data-rule="${rules[0]}"]`);
    const faults = await where();
    await api(page, 'DELETE', `faults/${rules[1]}`);
    await page.locator('#fault-rows td.empty').waitFor();
    // The test's own DELETE of the second rule, and no other.
    const removals = sent.filter((w) => w === `DELETE /_emulator/faults/${rules[1]}`).length;
    report('rowgone', { queue, faults, noRuleLeft: await where(), opened, removals });
  },

  // The browser's Back and Forward between views (but ticket to queue) left the focus on
  // <body>: it goes back where it was in the view shown, else to the view's title.
  async backfocus(page) {
    const where = () => page.evaluate(() => {
      const a = document.activeElement;
      const row = a.closest('[data-key]');
      return row ? `${row.dataset.key} ${a.tagName}` : `${a.tagName}#${a.id}`;
    });
    const seen = {};
    await signIn(page, '#/');
    await api(page, 'POST', `tickets/${env('TICKET')}/reply`, { employee: 301, entry: 'Mail to come back to.' });
    await page.locator('#queue:not([aria-busy])').waitFor();
    await navigated(page, () => page.click('#views a[data-view=journal]'));
    await page.focus('#j-method');
    await navigated(page, () => page.goBack());
    seen.backToQueue = await where();
    await navigated(page, () => page.goForward());
    seen.forwardToJournal = await where();
    await navigated(page, () => page.goto(`${UI}#/outbox`));
    const link = page.locator('#outbox-messages a[href^="#/ticket/"]').first();
    await navigated(page, () => link.press('Enter'));
    seen.message = await page.evaluate(() => document.querySelector('#outbox-messages a[href^="#/ticket/"]').closest('[data-key]').dataset.key);
    await navigated(page, () => page.goBack());
    seen.backToOutbox = await where();
    await navigated(page, () => page.goto(`${UI}#/clock`));
    await page.focus('#clock-advance-by');
    await navigated(page, () => page.goto(`${UI}#/ticket/${env('TICKET')}`));
    await navigated(page, () => page.goBack());
    seen.backToClock = await where();
    // Signed out and in again there, the focus went to the field noted before the
    // sign-out, not to the view's title as after any sign-in.
    await page.click('#sign-out');
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#clock:not([hidden]):not([aria-busy])').waitFor();
    await until(page, focusPlaced);
    seen.signedInAgain = await where();
    report('backfocus', seen);
  },

  // "Send reply" on a closed ticket said why it could not only once pressed: a note
  // beside it says so beforehand.
  async closednote(page) {
    const note = () => page.evaluate(() => ({
      shown: !document.getElementById('reply-closed').hidden,
      text: document.getElementById('reply-closed').textContent,
      describedBy: document.querySelector('#reply-form button[type=submit]').getAttribute('aria-describedby'),
    }));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#close-button:not([disabled])').waitFor();
    const open = await note();
    await page.click('#close-button');
    await page.locator('#reopen-button:not([disabled])').waitFor();
    report('closednote', { open, closed: await note() });
  },

  // A call with a 2,000-character method in the journal, at desktop and phone width.
  async journalwidth(page) {
    const seen = {};
    for (const [name, width] of [['desktop', 1280], ['phone', 360]]) {
      await page.setViewportSize({ width, height: 800 });
      if (name === 'desktop') await signIn(page, '#/journal');
      else await page.goto(`${UI}#/journal`);
      const code = page.locator('#journal-rows tr[data-call] code', { hasText: 'xxxxxxxxxx' }).first();
      await code.waitFor();
      const box = await boxOf(code);
      seen[name] = { ...(await widths(page)), codeRight: box.x + box.width };
    }
    report('widths', seen);
  },

  // Addresses typed by hand, an empty result, and the dates' zone.
  async addresses(page) {
    const ticket = env('TICKET');
    await signIn(page, '#/?account=99999');
    await page.locator('#queue-rows td.empty').waitFor();
    const account = await page.evaluate(() => {
      const s = document.getElementById('f-account');
      return { value: s.value, text: s.options[s.selectedIndex]?.text || '' };
    });
    const empty = await text(page, '#page-info');
    await page.goto(`${UI}#/?page=-3`);
    await page.locator('#page-info', { hasText: /^Page 1 of/ }).waitFor();
    await page.click('#page-next');
    await page.locator('#page-info', { hasText: /^Page 2 of/ }).waitFor({ timeout: 10000 }).catch(() => {});
    const next = await text(page, '#page-info');
    const queueDate = await page.locator('#queue-rows tr[data-ticket] time').first().innerText();
    await page.goto(`${UI}#/ticket/abc`);
    await page.waitForTimeout(1000);
    const bad = {
      queueShown: await page.locator('#queue').isVisible(),
      error: await text(page, '#ticket-error').catch(() => ''),
    };
    await page.goto(`${UI}#/ticket/${ticket}`);
    await page.locator('#thread li.update time').first().waitFor();
    const threadDate = await page.locator('#thread li.update time').first().innerText();
    await page.goto(`${UI}#/outbox?account=99999`);
    await page.locator('#outbox-messages li').first().waitFor();
    const outboxAccount = await page.locator('#o-account').inputValue();
    await page.goto(`${UI}#/clock`);
    await page.locator('#clock-now').waitFor();
    const clock = await text(page, '#clock-facts');
    // A view's address with a query or a trailing slash opens that view; one that names
    // no view says so (both opened the queue, the first with an error about a queue
    // parameter).
    const visible = (id) => page.locator(`#${id}`).isVisible();
    await page.goto(`${UI}#/clock?x=1`);
    await page.waitForTimeout(1000);
    const clockWithQuery = await visible('clock');
    await page.goto(`${UI}#/faults/`);
    await page.waitForTimeout(1000);
    const faultsWithSlash = await visible('faults');
    await page.goto(`${UI}#/ticket/${ticket}/?x=1`);
    await page.locator('#thread li.update').first().waitFor({ timeout: 10000 }).catch(() => {});
    const ticketWithSlash = await visible('thread') && (await text(page, '#ticket-error')) === '';
    await page.goto(`${UI}#/nowhere`);
    await page.locator('#queue-error', { hasText: 'no page' }).waitFor({ timeout: 10000 }).catch(() => {});
    const nowhere = { queue: await visible('queue'), error: await text(page, '#queue-error') };
    // The faults view follows a rule that fires and runs out, with no page change (no
    // change event tells of it).
    const rule = await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey', times: 1 });
    await page.goto(`${UI}#/faults`);
    const row = page.locator(`#fault-rows tr[data-rule="${rule.id}"]`);
    await row.waitFor();
    await page.evaluate(
      async ([token]) => {
        await fetch('/rest/v3.1/SoftLayer_Ticket_Survey/getPreference.json', { headers: { Authorization: 'Basic ' + btoa('demo:' + '0123456789abcdef'.repeat(4)) } });
        return token;
      },
      [TOKEN],
    );
    const gone = await row.waitFor({ state: 'detached', timeout: 10000 }).then(() => true, () => false);
    report('addresses', { account, outboxAccount, empty, next, bad, queueDate, threadDate, clock, clockWithQuery, faultsWithSlash, ticketWithSlash, nowhere, ruleGoneFromView: gone });
  },

  // Many tabs of one browser: every one loads, goes live, follows a write and opens a
  // ticket (a stream per tab held all six of the browser's connections to the server).
  // The Rust test writes, and restarts the server, in between.
  async tabs(page) {
    const count = Number(env('TABS'));
    const context = page.context();
    await context.addInitScript(([key, token]) => sessionStorage.setItem(key, token), [TOKEN_KEY, TOKEN]);
    const tabs = [page];
    while (tabs.length < count) tabs.push(await context.newPage());
    // Short waits: a starved tab never loads, and the report says how many did.
    const within = async (promise) => promise.then(() => true, () => false);
    const every = async (fn) => (await Promise.all(tabs.map(fn))).filter(Boolean).length;
    // One after another, as a person opens them.
    const loaded = [];
    for (const tab of tabs) {
      loaded.push(await within(tab.goto(`${UI}#/`, { timeout: 15000 }).then(() =>
        tab.locator('#queue-rows tr[data-ticket]').first().waitFor({ timeout: 15000 }))));
    }
    const live = await every((tab) => within(tab.locator('#live[data-state=live]').waitFor({ timeout: 15000 })));
    report('opened', { loaded: loaded.filter(Boolean).length, live });

    const follow = async (title) =>
      every((tab) => within(tab.locator('#queue-rows a.title', { hasText: title }).waitFor({ timeout: 15000 })));
    const { title } = await instruction();
    const updated = await follow(title);
    const opened = await every(async (tab, i) => {
      if (i % 3 !== 0 && i !== tabs.length - 1) return false;
      await tab.locator('#queue-rows a.title', { hasText: title }).click({ timeout: 15000 });
      return within(tab.locator('#thread li.update').first().waitFor({ timeout: 15000 }));
    });
    const back = await every(async (tab) => {
      if (!(await tab.locator('#ticket').isVisible())) return true;
      await tab.click('#back');
      return within(tab.locator('#queue-rows a.title', { hasText: title }).waitFor({ timeout: 15000 }));
    });
    report('updated', { updated, opened, back });

    // The server stops: every tab says so; it starts again: every tab is live again and
    // follows the next write.
    await instruction();
    const offline = await every((tab) => within(tab.locator('#live[data-state=reconnecting]').waitFor({ timeout: 15000 })));
    report('offline', { offline });
    const { title: again } = await instruction();
    const relive = await every((tab) => within(tab.locator('#live[data-state=live]').waitFor({ timeout: 20000 })));
    report('restarted', { live: relive, updated: await follow(again) });
  },

  // The server stops while the console is open: the page stops saying "Live".
  async shutdown(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    report('live', { live: await text(page, '#live') });
    await instruction();
    const started = Date.now();
    let gone = true;
    await page.locator('#live:not([data-state=live])').waitFor({ timeout: 15000 }).catch(() => {
      gone = false;
    });
    report('stopped', { gone, afterMs: Date.now() - started, live: await text(page, '#live') });
  },

  // "← Back to the queue" with the server away: the queue cannot load, and the focus,
  // left on the hidden link, fell to the page.
  async backoffline(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#thread li.update').first().waitFor();
    report('ticket', {});
    await instruction();
    await page.focus('#back');
    await page.keyboard.press('Enter');
    await page.locator('#queue-error', { hasText: /\S/ }).waitFor();
    await page.waitForTimeout(300);
    report('back', { error: await text(page, '#queue-error'), focus: await focused(page) });
  },

  // At a phone's width, outcomes and errors quoting a long word (a fault class, a
  // duration, an address's parameter) wrap: the page scrolled sideways to 2,000 px.
  async longwords(page) {
    await page.setViewportSize({ width: 360, height: 800 });
    await signIn(page, '#/faults');
    await page.locator('#fault-rows td.empty').waitFor();
    const seen = {};
    await page.fill('#r-method', 'getAttachedHardware');
    await page.fill('#r-class', `SoftLayer_Exception_${'Long'.repeat(40)}`);
    await page.fill('#r-message', 'x');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
    seen.ruleAdded = await widths(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    const remove = await page.locator('#fault-rows button').first().boundingBox();
    seen.removeButtonRight = remove.x + remove.width;
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(`${UI}#/clock`);
    await page.fill('#clock-advance-by', 'z'.repeat(200));
    await page.click('#clock-advance button[type=submit]');
    await page.locator('#clock-advance .outcome.error').waitFor();
    seen.clockRefused = await widths(page);
    await page.goto(`${UI}#/journal?since=${'q'.repeat(200)}`);
    await page.locator('#journal-error', { hasText: /\S/ }).waitFor();
    seen.journalRefused = await widths(page);
    await page.goto(`${UI}#/?account=${'1'.repeat(200)}`);
    await page.locator('#queue-error', { hasText: /\S/ }).waitFor();
    seen.queueRefused = await widths(page);
    await page.goto(`${UI}#/ticket/${'7'.repeat(300)}`);
    await page.locator('#ticket-error', { hasText: /\S/ }).waitFor();
    seen.ticketAddress = await widths(page);
    // A text file whose line starts right to left and runs on unbroken: it widened the
    // page to 27,000 px, and in its own direction could not be scrolled to.
    await page.goto(`${UI}#/ticket/${env('TICKET')}`);
    await page.locator('#files button[aria-label="Preview ar.txt"]').click();
    await page.locator('#preview pre').waitFor();
    seen.preview = await widths(page);
    seen.previewOverflow = await page.evaluate(() => {
      const pre = document.querySelector('#preview pre');
      return pre.scrollWidth - pre.clientWidth;
    });
    report('widths', seen);
  },

  // Without SharedWorker (Chrome on Android), signed out while the stream's session is
  // still asked for, and that request then fails: the signed-out page said "Offline ·
  // reconnecting…", and the retry, with no token, "The token was not accepted."
  async signoutalone(page) {
    await page.addInitScript(() => {
      delete window.SharedWorker;
    });
    let failing = false;
    await page.route('**/_emulator/session', async (route) => {
      if (!failing) return route.continue();
      await new Promise((resolve) => setTimeout(resolve, 500));
      return route.abort('connectionfailed');
    });
    await signIn(page, '#/');
    await page.locator('#live[data-state=live]').waitFor();
    await page.click('#sign-out');
    failing = true;
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForTimeout(150);
    await page.click('#sign-out');
    await page.waitForTimeout(3800);
    report('signed-out', {
      signIn: await page.locator('#sign-in').isVisible(),
      live: await text(page, '#live'),
      state: await page.evaluate(() => document.getElementById('live').dataset.state ?? null),
      error: await text(page, '#sign-in-error'),
    });
  },

  // A reload already on its way when the person signs out: its answer, read with the old
  // token, filled the signed-out page's hidden views (the ticket's thread, the queue).
  async signoutinflight(page) {
    const ticket = env('TICKET');
    // Every read of the page's own (not the event stream's) takes 1.2 s.
    const slow = async (route) => {
      const url = route.request().url();
      if (route.request().method() === 'GET' && !url.includes('/events') && !url.includes('/session')) {
        await new Promise((resolve) => setTimeout(resolve, 1200));
      }
      await route.continue().catch(() => {});
    };
    const drawn = () => page.evaluate(() => ({
      signIn: !document.getElementById('sign-in').hidden,
      title: document.getElementById('ticket-title').textContent,
      updates: document.querySelectorAll('#thread li.update').length,
      facts: document.getElementById('ticket-facts').children.length,
      rows: document.querySelectorAll('#queue-rows tr[data-ticket]').length,
      tabs: document.querySelectorAll('#status-tabs a').length,
      error: document.getElementById('sign-in-error').textContent,
    }));
    // A write, then the sign-out while the change's reload is out.
    const signOutDuringReload = async (path) => {
      await page.locator('#live[data-state=live]').waitFor();
      await page.waitForTimeout(1000);
      await page.route('**/_emulator/**', slow);
      const reload = page.waitForRequest((r) => r.method() === 'GET' && new URL(r.url()).pathname === `/_emulator/${path}`);
      await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 301, entry: 'Written just before the sign-out.' });
      await reload;
      await page.click('#sign-out');
      const atSignOut = await drawn();
      await page.waitForTimeout(2500);
      await page.unroute('**/_emulator/**', slow);
      return { atSignOut, later: await drawn() };
    };
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#thread li.update').first().waitFor();
    report('ticket', await signOutDuringReload(`tickets/${ticket}`));
    await page.goto(`${UI}#/`);
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    report('queue', await signOutDuringReload('queue'));
  },

  // A question before a delete stays about what it asked: a live redraw that changes
  // what would go, another filter, another view and a sign-out each withdraw it
  // (confirmed, it deleted what the view showed then, or another filter's messages).
  async stalequestions(page) {
    const ticket = env('TICKET');
    const open = (id) => page.locator(`#${id}`).isVisible();
    const question = (id) => page.evaluate((id) => document.querySelector(`#${id} .question`)?.textContent ?? '', id);
    // Leaves nothing open for the next step, whatever the pages did.
    const cancel = async (id) => {
      if (await open(id)) await page.click(`#${id} .confirm-no`);
    };
    const messages = '#outbox-messages li.message';
    await signIn(page, `#/outbox?ticket=${ticket}`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#outbox-clear:not([disabled])').waitFor();
    const before = await page.locator(messages).count();
    await page.click('#outbox-clear');
    const asked = await question('outbox-confirm');
    // Another client's reply mails once more: the list shows one more than the question.
    await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 301, entry: 'More mail meanwhile.' });
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [messages, before]);
    await page.waitForTimeout(300);
    report('live-redraw', {
      asked,
      shown: await page.locator(messages).count(),
      open: await open('outbox-confirm'),
      question: await question('outbox-confirm'),
      outcome: await text(page, '#outbox-outcome'),
      focus: await focused(page),
    });
    await cancel('outbox-confirm');

    // Another filter, one the outbox cannot be emptied by: its button is off, and the
    // open question still deleted the ticket's messages.
    await page.click('#outbox-clear');
    await page.locator('#outbox-confirm .question').waitFor();
    await page.selectOption('#o-event', 'EMPLOYEE_UPDATE');
    await page.waitForFunction(() => location.hash.includes('event='));
    await page.locator('#outbox-clear[disabled]').waitFor();
    await page.waitForTimeout(300);
    report('filter-change', {
      clearDisabled: await page.locator('#outbox-clear').isDisabled(),
      open: await open('outbox-confirm'),
      question: await question('outbox-confirm'),
    });
    await cancel('outbox-confirm');

    // Another view, and back.
    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-caption', { hasText: /\d+ call/ }).waitFor();
    await page.click('#journal-clear');
    await page.locator('#journal-confirm .question').waitFor();
    await page.goto(`${UI}#/faults`);
    await page.locator('#faults').waitFor();
    await page.goBack();
    await page.locator('#journal').waitFor();
    await page.waitForTimeout(300);
    report('view-change', { open: await open('journal-confirm'), question: await question('journal-confirm') });
    await cancel('journal-confirm');

    // A sign-out, and in again.
    await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey' });
    await page.goto(`${UI}#/faults`);
    await page.locator('#fault-rows tr[data-rule]').first().waitFor();
    await page.click('#faults-clear');
    await page.locator('#faults-confirm .question').waitFor();
    await page.click('#sign-out');
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#faults').waitFor();
    await page.locator('#fault-rows tr[data-rule]').first().waitFor();
    await page.waitForTimeout(300);
    report('sign-out', { open: await open('faults-confirm'), question: await question('faults-confirm') });
    await cancel('faults-confirm');

    // A rule added while "Remove every rule" asks about one: the view reads the rules
    // every 2 s.
    await page.click('#faults-clear');
    const rulesAsked = await question('faults-confirm');
    await api(page, 'POST', 'faults', { preset: 'rate_limit', service: 'SoftLayer_Ticket_Survey' });
    await page.waitForFunction(() => document.querySelectorAll('#fault-rows tr[data-rule]').length === 2, null, { timeout: 10000 });
    await page.waitForTimeout(300);
    report('rules-redraw', {
      asked: rulesAsked,
      open: await open('faults-confirm'),
      question: await question('faults-confirm'),
      outcome: await text(page, '#fault-form .outcome'),
      left: (await api(page, 'GET', 'faults')).rules.length,
    });
    await cancel('faults-confirm');
  },

  // "Close preview" pressed from the keyboard: the focus goes back to the Preview button
  // that opened it (it fell to <body>, and the next Tab skipped the files).
  async closepreview(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    const button = page.locator('#files li[data-file] button[aria-label="Preview a.txt"]');
    await button.waitFor();
    const active = () => page.evaluate(() => {
      const a = document.activeElement;
      return `${a.tagName} ${a.getAttribute('aria-label') || a.id || a.textContent.trim().slice(0, 30)}`;
    });
    await button.focus();
    await page.keyboard.press('Enter');
    await page.locator('#preview pre').waitFor();
    // Read out: the file's name, not its contents.
    const announced = await text(page, '#preview-status');
    const liveHoldsText = await page.evaluate(() => {
      const pre = document.querySelector('#preview pre');
      return [...document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]')].some((live) => live.contains(pre));
    });
    await page.locator('#preview button').focus();
    const before = await active();
    await page.keyboard.press('Enter');
    await page.locator('#preview').waitFor({ state: 'hidden' });
    await page.waitForTimeout(300);
    const after = await active();
    await page.keyboard.press('Tab');
    report('closed', { before, after, nextTab: await active(), announced, liveHoldsText, announcedAfter: await text(page, '#preview-status') });
  },

  // What a screen reader is told and how customers' text reads: a search's result is a
  // status (it was announced nowhere), and an Arabic entry runs right to left (it was
  // laid out left to right, its "!" at the wrong end).
  async announce(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.evaluate(() => {
      window.statusChanges = 0;
      new MutationObserver(() => { window.statusChanges += 1; })
        .observe(document.getElementById('queue-status'), { childList: true, characterData: true, subtree: true });
    });
    const status = () => page.evaluate(() => {
      const s = document.getElementById('queue-status');
      return { text: s.textContent, live: s.getAttribute('role') === 'status', changes: window.statusChanges };
    });
    // The pager is read out 100 ms after the page is drawn, emptied first (so that the
    // same words are read again): waited for until it says what the pager says.
    const search = async (q) => {
      await page.fill('#f-q', q);
      await navigated(page, () => page.press('#f-q', 'Enter'));
      await until(page, () => {
        const said = document.getElementById('queue-status').textContent;
        return said !== '' && said === document.getElementById('page-info').textContent;
      });
    };
    await search('zzqqnomatch');
    const first = await status();
    // Another search with the same result: read out again.
    await search('yyqqnomatch');
    const second = await status();
    await search('');
    const all = await status();
    report('searched', { first, second, all });
    // A live redraw (a ticket made meanwhile) changes the pager, silently.
    const before = await text(page, '#page-info');
    await instruction();
    await page.waitForFunction((b) => document.getElementById('page-info').textContent !== b, before);
    await page.waitForTimeout(500);
    report('redrawn', { pageInfo: await text(page, '#page-info'), status: await status() });
    await page.goto(`${UI}#/ticket/${env('TICKET')}`);
    const entry = page.locator('#thread p.entry').first();
    await entry.waitFor();
    const sides = await entry.evaluate((p) => {
      const range = document.createRange();
      range.setStart(p.firstChild, 0);
      range.setEnd(p.firstChild, 1);
      const first = range.getBoundingClientRect();
      const box = p.getBoundingClientRect();
      return { fromRight: Math.round(box.right - first.right), fromLeft: Math.round(first.left - box.left) };
    });
    report('rtl', { sides });
  },

  // Someone else closes the ticket while the focus is on "Close ticket": the button goes
  // off in the live redraw, and the focus fell to <body>; it goes to "Reopen ticket", as
  // after the person's own close. A reset that removes the ticket leaves it on the page,
  // not on <body>.
  async liveclose(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#close-button:not([disabled])').waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    await page.focus('#close-button');
    report('focused', { focus: await focused(page) });
    await instruction();
    // The live close drawn (the button goes off while a view loads too, which a busy
    // machine made look like the close: Enter then went to "Close ticket" itself).
    await page.waitForFunction(() => document.querySelector('#ticket-status')?.textContent === 'Closed'
      && document.querySelector('#close-button')?.disabled, null, { timeout: WAIT });
    // Enter pressed for "Close ticket" just as it went off is no press of "Reopen ticket".
    await page.waitForTimeout(50);
    await page.keyboard.press('Enter');
    const placed = (id) => page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: WAIT })
      .catch(() => {});
    await placed('reopen-button');
    // Long enough for a press taken as "Reopen ticket" to have reopened it.
    await page.waitForTimeout(1000);
    report('closed', { focus: await focused(page), status: await text(page, '#ticket-status') });
    await instruction();
    await page.locator('#ticket-error:not(:empty)').waitFor();
    await placed('ticket-title');
    report('removed', { focus: await focused(page) });
  },

  // "Skip to content" moves the focus and leaves the address alone (it wrote #main, and
  // a reload said "there is no page #main" over the queue); an address of #main opened
  // fresh is the queue, without an error.
  async skiplink(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#thread li.update').first().waitFor();
    await page.locator('a.skip').focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    const skipped = {
      hash: await page.evaluate(() => location.hash),
      focus: await focused(page),
    };
    await page.reload();
    await page.locator('#live[data-state=live]').waitFor();
    await page.waitForTimeout(800);
    const shown = async () => ({
      hash: await page.evaluate(() => location.hash),
      ticket: await page.locator('#ticket').isVisible(),
      queue: await page.locator('#queue').isVisible(),
      error: await text(page, '#queue-error').catch(() => ''),
    });
    report('skipped', { ...skipped, reloaded: await shown() });
    await page.goto('about:blank');
    await page.goto(`${UI}#main`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.waitForTimeout(500);
    report('fresh-main', await shown());
  },

  // Arrowing through a filter list applies each option passed: it added a history entry
  // per key press, and Back had to be pressed once per option. A choice by the pointer
  // (selectOption: no key) still adds one each.
  async selectarrows(page) {
    const entries = () => page.evaluate(() => history.length);
    const hash = () => page.evaluate(() => decodeURIComponent(location.hash));
    // Three presses of ArrowDown in `select`, each waiting for the address to follow.
    const arrow = async (select) => {
      await page.focus(select);
      const start = await entries();
      for (let i = 0; i < 3; i++) {
        const was = await hash();
        await page.keyboard.press('ArrowDown');
        await page.waitForFunction((was) => decodeURIComponent(location.hash) !== was, was, { timeout: 5000 }).catch(() => {});
        await page.waitForTimeout(300);
      }
      return { added: (await entries()) - start, hash: await hash(), value: await page.locator(select).inputValue() };
    };
    const back = async () => {
      await page.goBack();
      await page.waitForTimeout(500);
      return hash();
    };
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    const queueBefore = await hash();
    const queue = await arrow('#f-employee');
    const queueBack = await back();
    report('queue', { before: queueBefore, ...queue, back: queueBack, focus: await focused(page) });

    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-caption', { hasText: /\d+ call/ }).waitFor();
    const journalBefore = await hash();
    const journal = await arrow('#j-transport');
    report('journal', { before: journalBefore, ...journal, back: await back() });

    await page.goto(`${UI}#/outbox`);
    await page.locator('#outbox-messages li').first().waitFor();
    const outboxBefore = await hash();
    const outbox = await arrow('#o-event');
    report('outbox', { before: outboxBefore, ...outbox, back: await back() });

    // The pointer's way: each choice an entry, as before.
    await page.goto(`${UI}#/`);
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    const start = await entries();
    await page.selectOption('#f-awaiting', 'true');
    await page.waitForFunction(() => location.hash.includes('awaiting=true'));
    await page.selectOption('#f-awaiting', 'false');
    await page.waitForFunction(() => location.hash.includes('awaiting=false'));
    await page.waitForTimeout(300);
    report('pointer', { added: (await entries()) - start, back: await back() });
  },

  // A reply still sending when the person signs out, and signs in again at once: the
  // write was done, so its form empties (the answer was dropped as the old sign-in's,
  // and the reply stayed in its box, to be sent a second time by the next press).
  async writeatsignout(page) {
    const ticket = env('TICKET');
    const reply = `**/_emulator/tickets/${ticket}/reply`;
    const updates = async () => (await api(page, 'GET', `tickets/${ticket}`)).updates.length;
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#reply-form button[type=submit]:not([disabled])').waitFor();
    const before = await updates();
    await page.route(reply, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => {});
    });
    const entry = 'Sent just before the sign-out.';
    await page.fill('#reply-entry', entry);
    const isReply = (r) => r.method() === 'POST' && new URL(r.url()).pathname === `/_emulator/tickets/${ticket}/reply`;
    const sent = page.waitForEvent('request', { predicate: isReply, timeout: WAIT });
    await page.click('#reply-form button[type=submit]');
    await sent;
    await page.click('#sign-out');
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    // Back on the ticket, without a reload (which would empty the box whatever happened).
    const hashAtSignIn = await page.evaluate(() => location.hash);
    if (hashAtSignIn !== `#/ticket/${ticket}`) await page.evaluate((t) => { location.hash = `#/ticket/${t}`; }, ticket);
    await page.locator('#ticket-title', { hasText: ticket }).waitFor();
    await page.locator('#thread li.update', { hasText: entry }).waitFor();
    // The reply says how it went once its answer and the redraw after it have come.
    await until(page, () => {
      const said = document.querySelector('#reply-form .outcome').textContent;
      return said !== '' && !said.startsWith('Working');
    });
    await page.unroute(reply);
    report('signed-in-again', {
      hashAtSignIn,
      ticketShown: await page.locator('#ticket').isVisible(),
      replyBox: await page.locator('#reply-entry').inputValue(),
      outcome: await text(page, '#reply-form .outcome').catch(() => ''),
      serverUpdatesAdded: (await updates()) - before,
    });

    // Signed out, and staying so, while a write's answer comes: its redraw, holding no
    // token, said "The token was not accepted." though nobody had typed one.
    await page.locator('#reply-form button[type=submit]:not([disabled])').waitFor();
    const second = await updates();
    await page.route(reply, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => {});
    });
    await page.fill('#reply-entry', 'Sent, then signed out.');
    const sentAgain = page.waitForEvent('request', { predicate: isReply, timeout: WAIT });
    await page.click('#reply-form button[type=submit]');
    const request = await sentAgain;
    await page.click('#sign-out');
    // Answered, and a moment for its redraw (with no token) to say anything it would.
    await page.waitForEvent('requestfinished', { predicate: (r) => r === request, timeout: WAIT }).catch(() => {});
    await page.waitForTimeout(500);
    await page.unroute(reply);
    report('signed-out', {
      signIn: await page.locator('#sign-in').isVisible(),
      error: await text(page, '#sign-in-error'),
      serverUpdatesAdded: (await updates()) - second,
    });
  },

  // An address without `#/` opened fresh: `#main` (a bookmark from when "Skip to
  // content" wrote it) is the queue, and the address says `#/`; any other (`#clock`)
  // says there is no such page over the queue, and keeps the address.
  async slashlessaddress(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    const shown = async () => ({
      hash: await page.evaluate(() => location.hash),
      queue: await page.locator('#queue').isVisible(),
      error: await text(page, '#queue-error').catch(() => ''),
    });
    for (const [step, hash] of [['fresh-clock', '#clock'], ['fresh-main', '#main']]) {
      await page.goto('about:blank');
      await page.goto(`${UI}${hash}`);
      await page.locator('#live[data-state=live]').waitFor();
      await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
      await page.waitForTimeout(500);
      report(step, await shown());
    }
    // The address with no `#` at all, a ticket opened from it, and Back: the queue again
    // (the ticket stayed on screen under the queue's address).
    await page.goto('about:blank');
    await page.goto(UI);
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    await page.locator('#queue-rows tr[data-ticket] a.title').first().click();
    await page.locator('#ticket').waitFor({ state: 'visible' });
    await page.goBack();
    // The title follows the queue's answer (slow on a busy machine); a wait that runs out
    // reports what is shown then.
    await page.waitForFunction(() => document.title.startsWith('Queue'), null, { timeout: 30000 }).catch(() => {});
    await page.waitForTimeout(300);
    report('back-to-plain', {
      ...(await shown()),
      ticket: await page.locator('#ticket').isVisible(),
      title: await page.title(),
    });
    // Back while the ticket is still loading: its answer, arriving over the queue, retitled
    // the queue's tab "#160000101 · Support console" (seen on a busy machine).
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    let heldLoads = 0;
    await page.route(/\/_emulator\/tickets\/\d+$/, async (route) => {
      heldLoads += 1;
      await held;
      await route.continue().catch(() => {});
    });
    await page.locator('#queue-rows tr[data-ticket] a.title').first().click();
    await page.locator('#ticket').waitFor({ state: 'visible' });
    for (let waited = 0; heldLoads === 0 && waited < WAIT; waited += 50) await page.waitForTimeout(50);
    await page.goBack();
    await page.waitForFunction(() => document.title.startsWith('Queue'), null, { timeout: WAIT });
    release();
    await page.waitForTimeout(1000);
    report('back-while-loading', {
      heldLoads,
      ...(await shown()),
      ticket: await page.locator('#ticket').isVisible(),
      title: await page.title(),
    });
  },

  // "Empty the outbox" withdrawn by new mail says so; asked again, that note goes (it
  // stayed under the new question, contradicting it).
  async withdrawnnote(page) {
    const ticket = env('TICKET');
    const messages = '#outbox-messages li.message';
    const question = () => page.evaluate(() => document.querySelector('#outbox-confirm .question')?.textContent ?? '');
    await signIn(page, `#/outbox?ticket=${ticket}`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#outbox-clear:not([disabled])').waitFor();
    const before = await page.locator(messages).count();
    await page.click('#outbox-clear');
    await page.locator('#outbox-confirm .question').waitFor();
    await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 301, entry: 'More mail meanwhile.' });
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [messages, before]);
    await page.waitForTimeout(300);
    const noteAfterWithdraw = await text(page, '#outbox-outcome');
    const openAfterWithdraw = await page.locator('#outbox-confirm').isVisible();
    await page.click('#outbox-clear');
    await page.locator('#outbox-confirm .question').waitFor();
    await page.waitForTimeout(300);
    report('asked-again', {
      noteAfterWithdraw,
      openAfterWithdraw,
      noteWithNewQuestion: await text(page, '#outbox-outcome'),
      newQuestion: await question(),
      open: await page.locator('#outbox-confirm').isVisible(),
    });
    await page.click('#outbox-confirm .confirm-no');
  },

  // A file preview open at sign-out: signed in again to the same ticket, the preview
  // box is hidden (it showed as an empty frame, without its Close button).
  async previewsignout(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    const button = page.locator('#files li[data-file] button[aria-label^=Preview]').first();
    await button.waitFor();
    await button.click();
    await page.locator('#preview pre').waitFor();
    const opened = await page.locator('#preview').isVisible();
    // The two lists of employees are told apart by their names.
    const lists = await page.evaluate(() => ['reply-employee', 'assign-employee'].map((id) => document.getElementById(id).labels[0]?.textContent ?? null));
    // An outcome before the sign-out (Assign with no employee chosen says so).
    await page.click('#assign-form button[type=submit]');
    const assignSaid = await text(page, '#assign-form .outcome');
    await page.click('#sign-out');
    const signedOutTitle = await page.title();
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    const hash = await page.evaluate(() => location.hash);
    if (hash !== `#/ticket/${ticket}`) await page.evaluate((t) => { location.hash = `#/ticket/${t}`; }, ticket);
    await page.locator('#ticket-title', { hasText: ticket }).waitFor();
    await page.locator('#files li[data-file]').first().waitFor();
    await page.waitForTimeout(500);
    report('signed-in-again', {
      opened,
      lists,
      signedOutTitle,
      assignSaid,
      assignSaysNow: await text(page, '#assign-form .outcome'),
      hash,
      hidden: await page.locator('#preview').evaluate((p) => p.hidden),
      visible: await page.locator('#preview').isVisible(),
      text: await page.locator('#preview').evaluate((p) => p.textContent),
    });
  },

  // An action whose server cannot be reached (the redraw fails too, and the ticket's
  // buttons stay off): the focus stays on its form, on the reply box with its draft, on
  // the Assign list; Close, in a form of buttons only, leaves it on the ticket's title.
  // It fell to <body>.
  async failedactionfocus(page) {
    const ticket = env('TICKET');
    const tickets = '**/_emulator/tickets/**';
    const active = () => page.evaluate(() => {
      const a = document.activeElement;
      return `${a.tagName}#${a.id || ''}`;
    });
    const failing = async (prepare, control, form) => {
      // Loaded afresh: the failure before left the ticket unloaded.
      await page.reload();
      await page.locator('#ticket-title', { hasText: ticket }).waitFor();
      await page.locator(`${form} button:not([disabled])`).first().waitFor();
      await prepare();
      await page.route(tickets, (route) => route.abort('connectionrefused'));
      await page.focus(control);
      await page.keyboard.press('Enter');
      await page.locator(`${form} .outcome.error`).waitFor({ timeout: 10000 });
      await page.waitForTimeout(300);
      const seen = {
        outcome: await text(page, `${form} .outcome`),
        focus: await active(),
        enabled: await enabledActionButtons(page),
        error: await text(page, '#ticket-error'),
      };
      await page.unroute(tickets);
      return seen;
    };
    await signIn(page, `#/ticket/${ticket}`);
    const reply = await failing(() => page.fill('#reply-entry', 'Are you there?'), '#reply-form button[type=submit]', '#reply-form');
    reply.draft = await page.locator('#reply-entry').inputValue();
    const assign = await failing(() => page.selectOption('#assign-employee', { index: 1 }), '#assign-form button[type=submit]', '#assign-form');
    const close = await failing(async () => {}, '#close-button', '#state-form');
    report('unreachable', { reply, assign, close });
  },

  // Signed in on each view: the focus, on the token field now hidden, fell to <body> on
  // every view but a ticket's; it goes to the view's title.
  async signinfocus(page) {
    const seen = {};
    for (const hash of ['#/', '#/journal', '#/faults', '#/clock', '#/outbox', `#/ticket/${env('TICKET')}`]) {
      await page.goto(`${UI}${hash}`);
      await page.evaluate(() => sessionStorage.clear());
      await page.reload();
      await page.locator('#token').waitFor({ state: 'visible' });
      await page.fill('#token', TOKEN);
      await page.press('#token', 'Enter');
      await page.locator('#sign-in').waitFor({ state: 'hidden' });
      // The focus moves once the view has loaded, which may be after the page is live.
      await until(page, focusPlaced);
      seen[hash] = await focused(page);
    }
    report('signed-in', seen);
  },

  // A file name with two spaces in a row, in the files list and the preview's title:
  // they showed as one, a name the file does not have.
  async filenamespaces(page) {
    const name = env('FILE_NAME');
    await signIn(page, `#/ticket/${env('TICKET')}`);
    const item = page.locator('#files li[data-file]', { hasText: name.replace(/ +/g, ' ').split(' ')[0] }).first();
    await item.waitFor();
    const listed = item.locator('.file-name');
    const stored = await listed.textContent();
    const shown = await listed.innerText();
    await item.locator('button[aria-label^=Preview]').click();
    await page.locator('#preview pre').waitFor();
    report('file-names', {
      stored,
      shown,
      previewTitle: await page.locator('#preview p.meta bdi').innerText(),
      whiteSpace: await listed.evaluate((n) => getComputedStyle(n).whiteSpace),
    });
  },

  // The journal's Call of a call that named no service or method, and "Clear journal"
  // with nothing to delete (it asked "Delete all 0 calls in the journal?").
  async journalempties(page) {
    const demo = DEMO_BASIC;
    const rest = (path) => page.evaluate(async ([path, auth]) => (await fetch(path, { headers: { Authorization: auth } })).status, [path, demo]);
    await signIn(page, '#/journal');
    await page.locator('#live[data-state=live]').waitFor();
    const status = await rest('/rest/v3.1/');
    const call = (await api(page, 'GET', 'journal?transport=rest')).calls.find((c) => c.path === '/rest/v3.1/' || (!c.service && !c.method));
    // A read alone does not redraw the journal.
    await page.click('#journal-refresh');
    const row = page.locator(`#journal-rows tr[data-call="${call.id}"]`);
    await row.waitFor();
    report('empty-call', {
      status,
      service: call.service ?? null,
      method: call.method ?? null,
      shown: await row.locator('td[data-label=Call]').innerText(),
    });

    // What "Clear journal" does with a view: its state, and the question a click (forced:
    // on a button that is off, it does nothing) brings.
    const clearButton = async () => {
      const disabled = await page.locator('#journal-clear').isDisabled();
      await page.locator('#journal-clear').click({ force: true });
      await page.waitForTimeout(500);
      const question = await page.evaluate(() => document.querySelector('#journal-confirm .question')?.textContent ?? '');
      if (question) await page.click('#journal-confirm .confirm-no');
      return { disabled, question };
    };
    const view = async (hash, caption) => {
      await page.goto(`${UI}${hash}`);
      await page.locator('#journal-caption', { hasText: caption }).waitFor();
      await page.waitForTimeout(300);
      return clearButton();
    };
    // Calls the filter hides go too: there is something to delete.
    const filteredHiding = await view('#/journal?transport=soap', /^0 calls$/);
    // Cleared from the button: nothing left, and the focus stays in the view.
    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-caption', { hasText: /^[1-9]\d* calls?$/ }).waitFor();
    await page.locator('#journal-clear:not([disabled])').waitFor();
    await page.focus('#journal-clear');
    await page.keyboard.press('Enter');
    await page.locator('#journal-confirm .confirm-yes').waitFor();
    await page.click('#journal-confirm .confirm-yes');
    await page.locator('#journal-outcome', { hasText: 'Cleared' }).waitFor();
    await page.locator('#journal-caption', { hasText: /^0 calls$/ }).waitFor();
    await page.waitForTimeout(300);
    const cleared = {
      outcome: await text(page, '#journal-outcome'),
      focus: await focused(page),
      ...(await clearButton()),
    };
    const empty = await view('#/journal', /^0 calls$/);
    const filteredEmpty = await view('#/journal?transport=soap', /^0 calls$/);
    report('nothing-to-clear', { filteredHiding, cleared, empty, filteredEmpty, left: (await api(page, 'GET', 'journal')).total });
  },

  // "Clear journal" off with nothing to delete, whatever redrew the view: Refresh turned
  // it on again; cleared from page 2 the focus fell to the page; an older refresh still
  // counting the journal drew its page over a newer one's.
  async journalclearrefresh(page) {
    const demo = DEMO_BASIC;
    const rest = (path, body) => page.evaluate(async ([path, auth, body]) => (await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: { Authorization: auth },
      body: body ? JSON.stringify(body) : undefined,
    })).status, [path, demo, body ?? null]);
    await signIn(page, '#/journal');
    await page.locator('#live[data-state=live]').waitFor();
    await rest('/rest/v3.1/SoftLayer_Account/getObject.json');
    await page.click('#journal-refresh');
    await page.locator('#journal-caption', { hasText: /^[1-9]\d* calls?$/ }).waitFor();
    // Another client empties the journal (no change event), and Refresh shows it.
    await api(page, 'DELETE', 'journal');
    await page.click('#journal-refresh');
    await page.locator('#journal-caption', { hasText: /^0 calls$/ }).waitFor();
    await page.waitForTimeout(300);
    report('refreshed-empty', { disabled: await page.locator('#journal-clear').isDisabled() });

    // Cleared from the last page, by keyboard: the focus stays in the view.
    for (let i = 0; i < 55; i++) await rest('/rest/v3.1/SoftLayer_Account/getObject.json');
    await page.goto(`${UI}#/journal?offset=50`);
    await page.locator('#journal-page', { hasText: /^calls 51/ }).waitFor();
    await page.locator('#journal-clear').focus();
    await page.keyboard.press('Enter');
    await page.locator('#journal-confirm .confirm-yes').focus();
    await page.keyboard.press('Enter');
    await page.locator('#journal-outcome', { hasText: 'Cleared' }).waitFor();
    await page.locator('#journal-caption', { hasText: /^0 calls$/ }).waitFor();
    await page.waitForTimeout(500);
    report('cleared-from-page-2', { focus: await focused(page), disabled: await page.locator('#journal-clear').isDisabled() });

    // A filtered view showing none counts the whole journal (slowly here); a write that
    // matches comes meanwhile, and its refresh draws the call: the older one draws nothing.
    await rest('/rest/v3.1/SoftLayer_Account/getObject.json');
    await page.goto(`${UI}#/journal?method=addUpdate`);
    await page.locator('#journal-caption', { hasText: /^0 calls$/ }).waitFor();
    await page.route(/journal\?limit=1$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.click('#journal-refresh');
    await page.waitForTimeout(200);
    await rest('/rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json', { parameters: [{ entry: 'race' }] });
    await page.locator('#journal-caption', { hasText: /^1 call$/ }).waitFor();
    await page.waitForTimeout(2500);
    report('older-refresh', { caption: await text(page, '#journal-caption') });
  },

  // The outbox drew every message at once (3,000 took 2 s, and as long again at every
  // live change): it pages by 50, newest first, with a count and a pager, the filters
  // and Back keeping their page.
  async outboxpages(page) {
    const ticket = env('TICKET');
    await signIn(page, '#/clock');
    for (let i = 0; i < 60; i++) await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 'sl-support-jdoe', entry: `Mail ${i}.` });
    const all = (await api(page, 'GET', 'outbox')).messages;
    const shown = () => page.evaluate(() => ({
      caption: document.getElementById('outbox-caption')?.textContent ?? null,
      pageText: document.getElementById('outbox-page')?.textContent ?? null,
      drawn: document.querySelectorAll('#outbox-messages li.message').length,
      first: Number(document.querySelector('#outbox-messages li.message')?.dataset.message),
      hash: location.hash,
    }));
    await navigated(page, () => page.goto(`${UI}#/outbox`));
    const counted = await until(page, (n) => document.getElementById('outbox-caption')?.textContent === `${n} messages`
      && !document.getElementById('outbox').hasAttribute('aria-busy'), all.length);
    report('first-page', { counted, total: all.length, newestId: Math.max(...all.map((m) => m.id)), ...(await shown()) });

    // A live reload of the first page, its page read held back until Older has drawn the
    // second: it gets the second page's answer (see api.js `newest`), and drew it as the
    // first ("messages 1–50", Newer off, the focus moved off the pager).
    const firstPage = /^outbox\?limit=50&offset=/;
    const letGo = await hold(page, firstPage);
    const heldRead = page.waitForEvent('request', { predicate: (r) => /\/_emulator\/outbox\?limit=50&offset=/.test(r.url()), timeout: WAIT });
    await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 'sl-support-jdoe', entry: 'Mail while paging.' });
    await heldRead;
    await page.focus('#outbox-next');
    await navigated(page, () => page.keyboard.press('Enter'));
    await letGo();
    await answered(page, firstPage);
    report('older', { ...(await shown()), total: (await api(page, 'GET', 'outbox?limit=1')).total, focus: await focused(page) });

    await navigated(page, () => page.selectOption('#o-event', 'EMPLOYEE_UPDATE'));
    report('filtered', await shown());
    await navigated(page, () => page.goBack());
    report('back', await shown());
  },

  // "Clear journal" deleted every call, also those made after its question counted
  // (reads redraw nothing, so the view still said 1 call while the journal held 4): it
  // deletes only through the newest call counted, and says what it kept.
  async journalthrough(page) {
    const read = () => demoRead(page);
    await signIn(page, '#/journal');
    await page.locator('#live[data-state=live]').waitFor();
    await api(page, 'DELETE', 'journal');
    // The console's deletes from now on.
    const deletes = [];
    page.on('request', (r) => {
      if (r.method() === 'DELETE') deletes.push(new URL(r.url()).pathname + new URL(r.url()).search);
    });
    await read();
    await page.click('#journal-refresh');
    await page.locator('#journal-caption', { hasText: /^1 call$/ }).waitFor();
    await page.locator('#journal-clear:not([disabled])').click();
    const question = await text(page, '#journal-confirm .question');
    // Held: no redraw of the journal while the question is open, whatever comes.
    const letGo = await hold(page, /^journal/);
    for (let i = 0; i < 3; i++) await read();
    await page.click('#journal-confirm .confirm-yes');
    await letGo();
    await until(page, () => /^Cleared/.test(document.getElementById('journal-outcome').textContent));
    report('cleared', {
      question,
      deletes,
      outcome: await text(page, '#journal-outcome'),
      left: (await api(page, 'GET', 'journal')).total,
    });
  },

  // Calls counted by "Clear journal"'s question can leave the journal before it is
  // answered (pushed out by its 10,000-call cap, or cleared elsewhere): "Cleared N calls"
  // named fewer than asked about without saying why. It says how many had gone.
  async journalgone(page) {
    const read = () => demoRead(page);
    await signIn(page, '#/journal');
    await page.locator('#live[data-state=live]').waitFor();
    await api(page, 'DELETE', 'journal');
    for (let i = 0; i < 5; i++) await read();
    await page.click('#journal-refresh');
    await page.locator('#journal-caption', { hasText: /^5 calls$/ }).waitFor();
    const ids = (await api(page, 'GET', 'journal')).calls.map((c) => c.id).sort((a, b) => a - b);
    await page.locator('#journal-clear:not([disabled])').click();
    const question = await text(page, '#journal-confirm .question');
    // Held: no redraw of the journal while the question is open. Meanwhile another
    // client clears the two oldest calls counted, and two more calls are made.
    const letGo = await hold(page, /^journal/);
    await api(page, 'DELETE', `journal?through=${ids[1]}`);
    for (let i = 0; i < 2; i++) await read();
    await page.click('#journal-confirm .confirm-yes');
    await letGo();
    await until(page, () => /^Cleared/.test(document.getElementById('journal-outcome').textContent));
    report('cleared', { question, outcome: await text(page, '#journal-outcome'), left: (await api(page, 'GET', 'journal')).total });
  },

  // An outcome kept while its ticket was away, "Working…" said again, and a reply that
  // ended while the ticket's page loaded again were written inside #ticket marked
  // aria-busy (not read out), before the focus went to the title, and never changed
  // again. Each write of the reply's outcome is noted with the busy mark and the focus.
  async keptbusy(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    const send = async (words) => {
      await page.fill('#reply-entry', words);
      const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
      await page.click('#reply-form button[type=submit]');
      await sending.held;
      return sending;
    };
    const writes = () => page.evaluate(() => window.writes.splice(0));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.evaluate(() => {
      window.writes = [];
      const out = document.querySelector('#reply-form .outcome');
      new MutationObserver(() => {
        if (out.textContent) window.writes.push({ said: out.textContent, busy: document.getElementById('ticket').getAttribute('aria-busy'), focus: `${document.activeElement.tagName}#${document.activeElement.id}` });
      }).observe(out, { childList: true, characterData: true, subtree: true });
    });

    let sending = await send('sent away');
    await open('#/');
    await sending.release();
    await until(page, () => !document.querySelector('#reply-form button[type=submit]').disabled);
    await writes();
    await open(`#/ticket/${env('TICKET')}`);
    report('sent-away', { writes: await writes() });

    sending = await send('still on its way');
    await open(`#/ticket/${env('OTHER')}`);
    await writes();
    await open(`#/ticket/${env('TICKET')}`);
    const again = await writes();
    report('working-again', { writes: again, ended: await writeEnded(page, sending.release, /\/tickets\/\d+$/) });

    // The reply ends while the ticket's own load (its first GET) is held.
    sending = await send('ends while loading');
    await open('#/');
    let loaded;
    let isHeld;
    const load = new Promise((resolve) => { loaded = resolve; });
    const held = new Promise((resolve) => { isHeld = resolve; });
    const ticketGet = new RegExp(`/_emulator/tickets/${env('TICKET')}$`);
    let once = true;
    const first = async (route) => {
      if (route.request().method() !== 'GET' || !once) return route.fallback();
      once = false;
      isHeld();
      await load;
      await route.fallback().catch(() => {});
    };
    await page.route(ticketGet, first);
    await writes();
    await page.evaluate((h) => { location.hash = h; }, `#/ticket/${env('TICKET')}`);
    await held;
    const ended = await writeEnded(page, sending.release, ticketGet);
    loaded();
    await page.unroute(ticketGet, first);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await until(page, () => document.querySelector('#reply-form .outcome').textContent !== '');
    report('ended-loading', { ended, writes: await writes() });
  },

  // Back on a ticket whose own reply was still on its way (sent before another ticket
  // was shown), Send was off with no reason given: opening the other ticket had cleared
  // the form's "Working…".
  async ownbusy(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    const send = '#reply-form button[type=submit]';
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.fill('#reply-entry', 'a slow reply');
    const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
    await page.click(send);
    await sending.held;
    await open(`#/ticket/${env('OTHER')}`);
    await open(`#/ticket/${env('TICKET')}`);
    const state = async () => ({
      outcome: await text(page, '#reply-form .outcome'),
      disabled: await page.isDisabled(send),
      describedBy: await page.getAttribute(send, 'aria-describedby'),
    });
    const back = await state();
    // Signed out and in again onto the same ticket, which empties every outcome: it said
    // nothing again either.
    await page.click('#sign-out');
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    await page.locator('#ticket:not([aria-busy])').waitFor();
    const signedInAgain = await state();
    await sending.release();
    const ended = await until(page, () => document.querySelector('#reply-form .outcome').textContent.startsWith('Reply sent'));
    report('ownbusy', { ...back, signedInAgain, ended, describedAfter: await page.getAttribute(send, 'aria-describedby') });
  },

  // A Close whose answer was lost while the queue was shown was never said: only the
  // reply kept a failure for its ticket. Back on the ticket, directly or after another
  // ticket, the form says it (an alert), written while the ticket is shown.
  async closeaway(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    const close = /\/_emulator\/tickets\/\d+\/close$/;
    const lose = (route) => route.abort('connectionreset');
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.evaluate(() => new MutationObserver(() => { window.saidShown = !document.getElementById('ticket').hidden; })
      .observe(document.querySelector('#state-form .outcome'), { childList: true, characterData: true, subtree: true }));
    for (const [step, via] of [['via-other', [`#/ticket/${env('OTHER')}`]], ['direct', []]]) {
      // The route added last runs first: the hold, then `lose`.
      await page.route(close, lose);
      const closing = await holdRequest(page, 'POST', /^tickets\/\d+\/close$/);
      await page.click('#close-button');
      await closing.held;
      await open('#/');
      await page.evaluate(() => { window.saidShown = null; });
      await closing.release();
      const ended = await until(page, () => !document.querySelector('#close-button').disabled);
      await page.unroute(close, lose);
      for (const hash of via) await open(hash);
      await open(`#/ticket/${env('TICKET')}`);
      report(step, {
        ended,
        outcome: await text(page, '#state-form .outcome'),
        role: await page.getAttribute('#state-form .outcome', 'role'),
        announced: await page.evaluate(() => window.saidShown),
      });
    }
  },

  // The Faults and Clock views read every 2 s, and the queue at every change anywhere,
  // and each read redrew them whole: a fault's message, a stopped clock's time or a
  // ticket's title the person had selected was deselected, though it had not changed.
  async quietredraws(page) {
    await signIn(page, '#/faults');
    const select = (selector) => page.evaluate((sel) => {
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(sel));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return getSelection().toString();
    }, selector);
    const selected = () => page.evaluate(() => getSelection().toString());
    // The next read of `apiPath` answered, and a moment for the page to draw it.
    const read = async (apiPath) => {
      await page.waitForEvent('requestfinished', { predicate: (r) => new URL(r.url()).pathname === `/_emulator/${apiPath}`, timeout: WAIT });
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    };
    const rule = await api(page, 'POST', 'faults', { service: 'SoftLayer_Ticket_Survey', fault: { class: 'SoftLayer_Exception_Public', message: 'Copy this message please' } });
    await page.locator(`tr[data-rule="${rule.id}"]`).waitFor();
    const faultBefore = await select(`tr[data-rule="${rule.id}"] td[data-label="Effect"]`);
    await read('faults');
    const faultAfter = await selected();

    await api(page, 'POST', 'clock', { set: '2027-01-01T09:00:00-06:00' });
    await navigated(page, () => page.evaluate(() => { location.hash = '#/clock'; }));
    const clockBefore = await select('#clock-now');
    await read('clock');
    const clockAfter = await selected();
    await api(page, 'POST', 'clock', { real: true });

    await navigated(page, () => page.evaluate(() => { location.hash = '#/'; }));
    const [first, second] = await page.evaluate(() => [...document.querySelectorAll('#queue-rows tr[data-ticket]')].slice(0, 2).map((r) => r.dataset.ticket));
    const queueBefore = await select(`tr[data-ticket="${first}"] td[data-label="Title"] bdi`);
    await page.evaluate((id) => { window.changedRow = document.querySelector(`tr[data-ticket="${id}"]`); }, second);
    await api(page, 'POST', `tickets/${second}/reply`, { employee: 301, entry: 'Another ticket changed.' });
    const redrawn = await until(page, () => !window.changedRow.isConnected);
    report('quiet', { faultBefore, faultAfter, clockBefore, clockAfter, queueBefore, queueAfter: await selected(), redrawn });
  },

  // The journal's and the outbox's own filter or page turn changed their caption in
  // silence (the queue says "Page 1 of 1 · …"); a filter the server refused was said,
  // but its field was not marked, as the Clock's and Fault form's refused fields are.
  async saidfilters(page) {
    await signIn(page, '#/journal');
    for (let i = 0; i < 3; i++) await demoRead(page);
    const listen = () => page.evaluate(() => {
      window.said = [];
      new MutationObserver((records) => records.forEach((r) => {
        const node = r.target.nodeType === Node.TEXT_NODE ? r.target.parentElement : r.target;
        const status = node.closest('[role=status]');
        if (status && status.textContent) window.said.push({ id: status.id, text: status.textContent });
      })).observe(document.querySelector('main'), { childList: true, characterData: true, subtree: true });
    });
    // What the status `id` said: the journal's last read can land after the outbox is
    // shown, and its words are not the outbox's.
    const heard = async (id) => {
      await until(page, (want) => window.said.some((s) => s.id === want), id);
      return page.evaluate((want) => window.said.splice(0).filter((s) => s.id === want).map((s) => s.text), id);
    };
    const marked = (selector) => page.evaluate((sel) => {
      const field = document.querySelector(sel);
      return { invalid: field.getAttribute('aria-invalid'), describedBy: field.getAttribute('aria-describedby') };
    }, selector);
    // The first read's words land 100 ms after it (sayAnew): not to be heard as the filter's.
    await until(page, () => document.getElementById('journal-status').textContent !== '');
    await listen();
    await page.fill('#j-service', 'SoftLayer_Account');
    await navigated(page, () => page.press('#j-service', 'Enter'));
    const journal = await heard('journal-status');
    await page.fill('#j-since', 'not a date');
    await navigated(page, () => page.press('#j-since', 'Enter'));
    await until(page, () => document.getElementById('journal-error').textContent !== '');
    const since = await marked('#j-since');
    await page.fill('#j-since', '');
    await navigated(page, () => page.press('#j-since', 'Enter'));
    const sinceTaken = await marked('#j-since');

    await navigated(page, () => page.evaluate(() => { location.hash = '#/outbox'; }));
    await until(page, () => document.getElementById('outbox-status').textContent !== '');
    await page.evaluate(() => { window.said = []; });
    await page.fill('#o-ticket', '160000001');
    await navigated(page, () => page.press('#o-ticket', 'Enter'));
    const outbox = await heard('outbox-status');
    await page.fill('#o-ticket', 'abc');
    await navigated(page, () => page.press('#o-ticket', 'Enter'));
    await until(page, () => document.getElementById('outbox-error').textContent !== '');
    report('said', { journal, since, sinceTaken, outbox, ticket: await marked('#o-ticket'), error: await text(page, '#outbox-error') });
  },

  // On a phone each part of a card's value (a rule's "delayed 5 ms, then preset …", a
  // journal call's class and its "injected by rule" badge) was a flex column of its own,
  // a few letters wide, and its words were broken anywhere ("dela|yed", "injecte|d").
  async phonecells(page) {
    await signIn(page, '#/faults');
    const rule = await api(page, 'POST', 'faults', { service: 'SoftLayer_Ticket', method: 'getObject', preset: 'rate_limit', latency_ms: 5 });
    await demoGet(page, 'SoftLayer_Ticket/160000001/getObject.json');
    await page.setViewportSize({ width: 320, height: 800 });
    // The words of `words` in the cell `selector` that are drawn on more than one line.
    const broken = (selector, words) => page.evaluate(([sel, list]) => {
      const out = [];
      const walker = document.createTreeWalker(document.querySelector(sel), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const word of list) {
          const at = node.data.indexOf(word);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + word.length);
          if ([...range.getClientRects()].filter((r) => r.width > 0).length > 1) out.push(word);
        }
      }
      return out;
    }, [selector, words]);
    await page.locator(`tr[data-rule="${rule.id}"]`).waitFor();
    const effect = await broken(`tr[data-rule="${rule.id}"] td[data-label="Effect"]`, ['delayed', 'then', 'preset', 'rate_limit']);
    await navigated(page, () => page.evaluate(() => { location.hash = '#/journal?fault=true'; }));
    const outcome = await broken('#journal-rows tr:first-child td[data-label="Outcome"]', ['injected', 'rule']);
    report('cells', { effect, outcome, injected: await text(page, '#journal-rows tr:first-child td[data-label="Outcome"]') });
  },

  // A queue filter the server refused ("q takes at most 32 words…", `?sort=bogus`,
  // `?awaiting=maybe`) was said with the parameter's name, which the person never typed,
  // and marked no field.
  async queuerefused(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    const marked = (selector) => page.evaluate((sel) => {
      const field = document.querySelector(sel);
      return { invalid: field.getAttribute('aria-invalid'), describedBy: field.getAttribute('aria-describedby') };
    }, selector);
    const refused = async (selector) => {
      await until(page, () => document.getElementById('queue-error').textContent !== '');
      return { error: await text(page, '#queue-error'), field: await marked(selector) };
    };
    await page.fill('#f-q', Array.from({ length: 34 }, (_, i) => `word${i}`).join(' '));
    await navigated(page, () => page.press('#f-q', 'Enter'));
    const search = await refused('#f-q');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/?sort=bogus'; }));
    const sort = await refused('#f-sort');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/?awaiting=maybe'; }));
    const awaiting = await refused('#f-awaiting');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/'; }));
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    report('refused', { search, sort, awaiting, taken: await marked('#f-awaiting') });
  },

  // Accounts of one company name (the pytest plugin makes one per test from one
  // document) read the same in the account lists and the queue's Account column.
  async samename(page) {
    await signIn(page, '#/');
    await page.locator('#queue-rows tr[data-ticket="160000001"]').waitFor();
    const options = (id) => page.evaluate((sel) => [...document.getElementById(sel).options].map((o) => o.text), id);
    await until(page, () => ['f-account', 'o-account', 'j-account'].every((id) => document.getElementById(id).options.length > 1));
    report('names', {
      lists: { 'f-account': await options('f-account'), 'o-account': await options('o-account'), 'j-account': await options('j-account') },
      column: await text(page, '#queue-rows tr[data-ticket="160000001"] td[data-label="Account"]'),
    });
  },

  // With one journal call's Details open at 1280 px, every row's narrow cells were a
  // letter or three wide: "164" drawn as "1/6/4", "demo" as "dem/o".
  async journaldetails(page) {
    await signIn(page, '#/journal?method=createStandardTicket');
    await page.locator('#journal-rows tr[data-call]').first().waitFor();
    await page.locator('#journal-rows tr[data-call]:first-child summary').click();
    await page.locator('#journal-rows tr[data-call]:first-child pre').waitFor();
    // The words of each row's cells that are drawn on more than one line.
    const broken = await page.evaluate(() => {
      const out = [];
      for (const td of document.querySelectorAll('#journal-rows td:not([data-label="Details"])')) {
        const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.data.matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (lines.size > 1) out.push(`${td.dataset.label}: ${match[0]}`);
          }
        }
      }
      return out;
    });
    report('open', { broken, rows: await page.locator('#journal-rows tr[data-call]').count(), ...await widths(page) });
  },

  // A ticket's page showed none of the customer's feedback and choices (rating, final
  // comments, notification e-mails, agents, tags), though each moved "Last edited".
  async feedback(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#thread li.update.employee').first().waitFor();
    await page.locator('#ticket:not([aria-busy])').waitFor();
    report('feedback', {
      facts: await text(page, '#ticket-facts'),
      employeeUpdate: await text(page, '#thread li.update.employee .meta'),
    });
  },

  // A ticket the customer may not update, or whose updates mail nobody, looked like any
  // other from the support side, and its data centre was not shown.
  async lockedfacts(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket-flags').waitFor();
    await page.locator('#ticket:not([aria-busy])').waitFor();
    report('lockedfacts', { facts: await text(page, '#ticket-facts'), flags: await text(page, '#ticket-flags') });
  },

  // In forced colours (Windows High Contrast) the current status tab, told apart by its
  // colours alone, looked as the others do.
  async forcedtab(page) {
    await page.emulateMedia({ forcedColors: 'active' });
    await signIn(page, '#/?status=1001');
    await page.locator('.tab[aria-current="page"]').waitFor();
    const look = (selector) => page.$eval(selector, (tab) => {
      const style = getComputedStyle(tab);
      return [style.borderTopWidth, style.fontWeight, style.textDecorationLine, style.outlineStyle, style.color, style.backgroundColor].join(' ');
    });
    report('forced', {
      forced: await page.evaluate(() => matchMedia('(forced-colors: active)').matches),
      current: await look('.tab[aria-current="page"]'),
      other: await look('.tab:not([aria-current])'),
    });
  },

  // A Close that ended while the queue (or VIA, another ticket) was shown is kept for its
  // ticket. A snapshot restore then gave its id to another account's new ticket: the kept
  // "Ticket closed." was said there, beside Status: Open, and stayed.
  async keptreused(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    const closing = await holdRequest(page, 'POST', /^tickets\/\d+\/close$/);
    await page.click('#close-button');
    await closing.held;
    await open(process.env.VIA || '#/');
    // Its write answered, and the reload after it: with another ticket shown, the Close
    // button on is that ticket's, no sign that this one's action ended.
    const ended = await writeEnded(page, closing.release, /^\/_emulator\/tickets\/\d+$/);
    report('kept', { ended });
    await instruction();
    await open(`#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    report('reused', {
      facts: await text(page, '#ticket-facts'),
      outcome: await text(page, '#state-form .outcome'),
    });
  },

  // A reply that went while the queue was shown was said only into the hidden form, and
  // after another ticket not at all (the draft just gone). Back on its ticket it is said,
  // as a status written while the ticket is shown, and not again on the next return.
  async replyaway(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    // Noted by the page: the outcome's writes, and whether the last was with the ticket shown.
    await page.evaluate(() => new MutationObserver(() => {
      window.saidShown = !document.getElementById('ticket').hidden;
      window.writes += 1;
    }).observe(document.querySelector('#reply-form .outcome'), { childList: true, characterData: true, subtree: true }));
    for (const [step, via] of [['via-other', [`#/ticket/${env('OTHER')}`]], ['direct', []]]) {
      await page.fill('#reply-entry', `sent away ${step}`);
      const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
      await page.click('#reply-form button[type=submit]');
      await sending.held;
      await open('#/');
      await sending.release();
      const ended = await until(page, () => !document.querySelector('#reply-form button[type=submit]').disabled);
      for (const hash of via) await open(hash);
      await open(`#/ticket/${env('TICKET')}`);
      const seen = {
        ended,
        draft: await page.inputValue('#reply-entry'),
        outcome: await text(page, '#reply-form .outcome'),
        role: await page.getAttribute('#reply-form .outcome', 'role'),
        announced: await page.evaluate(() => window.saidShown),
      };
      // Once: the next way back from the queue writes it no more.
      await page.evaluate(() => { window.writes = 0; });
      await open('#/');
      await open(`#/ticket/${env('TICKET')}`);
      report(step, { ...seen, writesAgain: await page.evaluate(() => window.writes) });
    }
  },

  // A reply whose send failed while the queue was shown (not another ticket) was said
  // into the hidden form: back on its ticket nothing was read out, and after another
  // ticket the draft came back with no word at all.
  async queuefailure(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    const reply = /\/_emulator\/tickets\/\d+\/reply$/;
    const lose = (route) => route.abort('connectionreset');
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    // Noted by the page: whether the outcome was last written with the ticket shown.
    await page.evaluate(() => new MutationObserver(() => { window.saidShown = !document.getElementById('ticket').hidden; })
      .observe(document.querySelector('#reply-form .outcome'), { childList: true, characterData: true, subtree: true }));
    for (const [step, via] of [['via-other', [`#/ticket/${env('OTHER')}`]], ['direct', []]]) {
      await page.fill('#reply-entry', 'my reply');
      // The route added last runs first: the hold, then `lose`.
      await page.route(reply, lose);
      const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
      await page.click('#reply-form button[type=submit]');
      await sending.held;
      await open('#/');
      await sending.release();
      const ended = await until(page, () => !document.querySelector('#reply-form button[type=submit]').disabled);
      await page.unroute(reply, lose);
      for (const hash of via) await open(hash);
      await open(`#/ticket/${env('TICKET')}`);
      report(step, {
        ended,
        draft: await page.inputValue('#reply-entry'),
        outcome: await text(page, '#reply-form .outcome'),
        role: await page.getAttribute('#reply-form .outcome', 'role'),
        announced: await page.evaluate(() => window.saidShown),
      });
    }
  },

  // While one ticket's reply was on its way, every other ticket's Send was off, with no
  // reason given (the busy forms serve every ticket). The first reply reaches the server
  // and its answer is lost once the other ticket's reply is sent.
  async sendsinflight(page) {
    const open = (id) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, `#/ticket/${id}`));
    const send = '#reply-form button[type=submit]';
    const said = (start) => until(page, (t) => document.querySelector('#reply-form .outcome').textContent.includes(t), start);
    let release;
    const go = new Promise((resolve) => { release = resolve; });
    await page.route(`**/_emulator/tickets/${env('TICKET')}/reply`, async (route) => {
      await route.fetch();
      await go;
      await route.abort('connectionreset');
    });
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.fill('#reply-entry', 'To the first ticket.');
    await page.click(send);
    await open(env('OTHER'));
    await page.fill('#reply-entry', 'To the other ticket.');
    const other = { disabled: await page.isDisabled(send), describedBy: await page.getAttribute(send, 'aria-describedby') };
    if (!other.disabled) await page.click(send);
    other.sent = !other.disabled && await said('Reply sent');
    release();
    await open(env('TICKET'));
    const firstSaid = await said('it may have been done all the same');
    const entries = async (id) => (await api(page, 'GET', `tickets/${id}`)).updates.map((u) => u.entry);
    report('inflight', {
      ...other,
      firstSaid,
      role: await page.getAttribute('#reply-form .outcome', 'role'),
      onServer: [(await entries(env('TICKET'))).includes('To the first ticket.'), (await entries(env('OTHER'))).includes('To the other ticket.')],
    });
  },

  // A reply sent with the Awaiting tick while another ticket was shown, its draft
  // written on meanwhile: back on its ticket, the box stayed ticked after someone
  // cleared the flag (the tick sent was taken for one set by hand). And a send refused
  // while away said so again after a sign-out and sign-in, which clear what actions said.
  async sentaway(page) {
    const open = (id) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, `#/ticket/${id}`));
    const reply = /\/_emulator\/tickets\/\d+\/reply$/;
    // Sends the box as it stands, held until the other ticket is shown.
    const sendAway = async (typed) => {
      const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
      await page.click('#reply-form button[type=submit]');
      await sending.held;
      if (typed) await page.type('#reply-entry', typed);
      await open(env('OTHER'));
      return writeEnded(page, sending.release, new RegExp(`/tickets/${env('OTHER')}$`));
    };
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await api(page, 'POST', `tickets/${env('TICKET')}/awaiting-response`, { value: false });
    await page.fill('#reply-entry', 'one');
    await page.check('#reply-awaiting');
    const sent = await sendAway(' and more');
    const set = (await api(page, 'GET', `tickets/${env('TICKET')}`)).awaitingUserResponse;
    await api(page, 'POST', `tickets/${env('TICKET')}/awaiting-response`, { value: false });
    await open(env('TICKET'));
    report('cleared', { sent, set, draft: await page.inputValue('#reply-entry'), awaiting: await page.isChecked('#reply-awaiting') });

    const refuse = (route) => route.fulfill({ status: 409, contentType: 'application/json', body: '{"error":"the ticket is locked"}' });
    await page.route(reply, refuse);
    const refused = await sendAway('');
    await page.unroute(reply, refuse);
    await page.click('#sign-out');
    await page.fill('#token', TOKEN);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await open(env('TICKET'));
    report('signedin', { refused, draft: await page.inputValue('#reply-entry'), outcome: await text(page, '#reply-form .outcome') });
  },

  // At 320-350 px and the default font, Sign out dropped to a row of its own below the
  // title (the bar 134 px tall instead of 96): the title took its one-line width.
  async narrowheader(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#live[data-state=live]').waitFor();
    const seen = {};
    for (const width of [320, 350]) {
      await page.setViewportSize({ width, height: 800 });
      seen[width] = await page.evaluate(() => {
        const box = (selector) => document.querySelector(selector).getBoundingClientRect();
        return { titleRow: box('#sign-out').top < box('.bar h1').bottom, bar: Math.round(box('.bar').height) };
      });
    }
    report('narrowheader', seen);

    // With a 20 px default font ("Large") it dropped at 300-335 px, with 18 px at 300 px.
    const cdp = await page.context().newCDPSession(page);
    const large = {};
    for (const [font, width] of [[18, 300], [20, 320], [20, 335]]) {
      await cdp.send('Page.setFontSizes', { fontSizes: { standard: font } });
      await page.setViewportSize({ width, height: 800 });
      large[`${font}px ${width}`] = await page.evaluate(() => document.querySelector('#sign-out').getBoundingClientRect().top < document.querySelector('.bar h1').getBoundingClientRect().bottom);
    }
    report('narrowheader-large', large);
  },

  // With a larger default font (Chrome's "Very large", 24 px) the header's title was
  // squeezed to a letter a line (the header up to 615 px tall), and at 800 px the ticket
  // page kept its 22rem side panel beside a sliver of ticket: the breakpoint was in px.
  async largefont(page) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 24 } });
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    const seen = {};
    for (const width of [320, 800, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      seen[width] = await page.evaluate(() => {
        const title = document.querySelector('.bar h1');
        return {
          titleLines: Math.round(title.getBoundingClientRect().height / parseFloat(getComputedStyle(title).lineHeight)),
          window: window.innerWidth,
          document: document.documentElement.scrollWidth,
          ticket: Math.round(document.querySelector('.ticket-main').getBoundingClientRect().width),
        };
      });
    }
    report('largefont', seen);

    // At 16-32 px no view scrolled sideways at 320-1280 px, nor any button stuck out of
    // its filter form's cell (Refresh and Clear journal did, even at 16 px): the filter
    // columns and cards were at least 12rem and 16rem wide, the buttons' row never wrapped.
    // Nor does a table scroll sideways in its box, or a card's value start past the card
    // or keep less than a third of it: at 24-32 px the 9rem label of each card's rows was
    // as wide as the card (queue, journal and fault rows, one of each here).
    await api(page, 'POST', 'faults', { service: 'SoftLayer_Ticket_Survey', preset: 'unavailable' });
    await demoRead(page);
    const over = [];
    for (const font of [16, 20, 24, 32]) {
      await cdp.send('Page.setFontSizes', { fontSizes: { standard: font } });
      for (const hash of ['#/', '#/outbox', '#/journal', '#/clock', '#/faults']) {
        await navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
        for (const width of [320, 400, 1024, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          const wide = await page.evaluate(() => {
            const out = [...document.querySelectorAll('.field.actions')].filter((f) => f.offsetParent !== null)
              .flatMap((f) => [...f.children].filter((b) => b.getBoundingClientRect().right > f.getBoundingClientRect().right + 1));
            const wraps = [...document.querySelectorAll('.table-wrap')].filter((w) => w.offsetParent !== null);
            const scrolls = wraps.filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => `${w.scrollWidth}/${w.clientWidth}`);
            // Each value's text against its cell (the label is the cell's ::before, outside the range).
            const cells = wraps.flatMap((w) => [...w.querySelectorAll('tbody td:not(.empty)')]).filter((td) => td.textContent.trim());
            const cut = cells.filter((td) => {
              const range = document.createRange();
              range.selectNodeContents(td);
              const rects = [...range.getClientRects()].filter((r) => r.width > 0);
              const cell = td.getBoundingClientRect();
              const left = Math.min(...rects.map((r) => r.left));
              return Math.max(...rects.map((r) => r.right)) > cell.right + 1 || cell.right - left < cell.width / 3;
            }).map((td) => td.dataset.label);
            return { document: document.documentElement.scrollWidth, window: window.innerWidth, out: out.map((b) => b.textContent), scrolls, cut };
          });
          if (wide.document > wide.window || wide.out.length) over.push(`${font}px ${width} ${hash}: ${wide.document} ${wide.out}`);
          if (width <= 400 && (wide.scrolls.length || wide.cut.length)) over.push(`${font}px ${width} ${hash}: table ${wide.scrolls} cut ${wide.cut}`);
        }
      }
    }
    report('largefont-views', { over });
  },

  // A draft put back with its ticket came without its "Awaiting customer response"
  // tick, and the reply went without it. A send that failed, or whose answer was lost
  // (it may have been done), while another ticket was shown brought the draft back with
  // no word: a resend duplicated a reply the server had taken.
  async draftoutcomes(page) {
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    const shownOn = async () => ({
      draft: await page.inputValue('#reply-entry'),
      awaiting: await page.isChecked('#reply-awaiting'),
      outcome: await text(page, '#reply-form .outcome'),
      role: await page.getAttribute('#reply-form .outcome', 'role'),
    });
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.fill('#reply-entry', 'Please confirm the disk works.');
    await page.check('#reply-awaiting');
    await open(`#/ticket/${env('OTHER')}`);
    await navigated(page, () => page.goBack());
    report('ticked', await shownOn());

    // Each send is held until the other ticket is shown, then ends as `end` says.
    for (const [step, end] of [['lost', (route) => route.abort('connectionreset')],
      ['refused', (route) => route.fulfill({ status: 409, contentType: 'application/json', body: '{"error":"the ticket is locked"}' })]]) {
      // The route added last runs first: the hold, then `end`.
      await page.route(/\/_emulator\/tickets\/\d+\/reply$/, end);
      const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
      await page.click('#reply-form button[type=submit]');
      await sending.held;
      await open(`#/ticket/${env('OTHER')}`);
      const ended = await writeEnded(page, sending.release, new RegExp(`/tickets/${env('OTHER')}$`));
      await page.unroute(/\/_emulator\/tickets\/\d+\/reply$/, end);
      const other = await text(page, '#reply-form .outcome');
      await navigated(page, () => page.goBack());
      report(step, { ended, other, ...await shownOn() });
    }
  },

  // A reply draft was emptied when another ticket was opened, and Back did not bring it
  // back: each ticket keeps its own. One sent while another ticket is shown (its answer
  // held until then) is not brought back with its ticket.
  async ticketdrafts(page) {
    const draft = () => page.inputValue('#reply-entry');
    const open = (hash) => navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.fill('#reply-entry', 'For the first ticket.');
    await open(`#/ticket/${env('OTHER')}`);
    const onOther = await draft();
    await page.fill('#reply-entry', 'For the other ticket.');
    await navigated(page, () => page.goBack());
    const back = await draft();
    await navigated(page, () => page.goForward());
    report('kept', { onOther, back, forward: await draft() });

    const sending = await holdRequest(page, 'POST', /^tickets\/\d+\/reply$/);
    await page.fill('#reply-entry', 'For the other ticket.');
    await page.click('#reply-form button[type=submit]');
    await sending.held;
    await navigated(page, () => page.goBack());
    await sending.release();
    const first = await draft();
    await navigated(page, () => page.goForward());
    // Its Send is off while its reply is on its way (the other ticket's is not).
    const ended = await until(page, () => !document.querySelector('#reply-form button[type=submit]').disabled);
    report('sent-elsewhere', { ended, first, sent: await draft() });
  },

  // The error of a ticket that cannot be loaded was written again, the same, at every
  // write anywhere (each reloads the ticket), and each write of an alert may be read out.
  async ticketerroronce(page) {
    await signIn(page, '#/ticket/999');
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.locator('#live[data-state=live]').waitFor();
    // Counted by the page: the title is drawn again at each failed reload, the error
    // just before it is written.
    await page.evaluate(() => {
      window.writes = { title: 0, error: 0 };
      for (const [id, key] of [['ticket-title', 'title'], ['ticket-error', 'error']]) {
        new MutationObserver(() => { window.writes[key] += 1; })
          .observe(document.getElementById(id), { childList: true, characterData: true, subtree: true });
      }
    });
    let reloads = 0;
    for (let i = 0; i < 3; i++) {
      await api(page, 'POST', 'tickets/160000002/reply', { employee: 'sl-support-jdoe', entry: `Elsewhere ${i}.` });
      if (await until(page, (n) => window.writes.title > n, i)) reloads += 1;
    }
    report('reloaded', { reloads, error: await text(page, '#ticket-error'), errorWrites: await page.evaluate(() => window.writes.error) });
  },

  // At 320 px with the text spacing WCAG 1.4.12 lets a reader set, the header's last
  // link ran past it, and every view scrolled sideways.
  async textspacing(page) {
    await page.setViewportSize({ width: 320, height: 800 });
    await signIn(page, '#/clock');
    await page.addStyleTag({ content: '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }' });
    const wide = {};
    for (const hash of ['#/', `#/ticket/${env('TICKET')}`, '#/outbox', '#/journal', '#/faults', '#/clock']) {
      await navigated(page, () => page.evaluate((h) => { location.hash = h; }, hash));
      wide[hash] = await page.evaluate(() => document.documentElement.scrollWidth);
    }
    report('spaced', { window: await page.evaluate(() => window.innerWidth), wide });
  },

  // Every write anywhere reloads the open ticket, and it was drawn again whole: with
  // 2,000 updates each write to another ticket held the tab ~0.3 s, and the text the
  // person had selected in the thread was cleared. Unchanged, nothing is redrawn; a
  // reply to it adds its own item alone.
  async livethread(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#thread li.update').first().waitFor();
    const before = await page.locator('#thread li.update').count();
    await page.evaluate(() => {
      const seen = { added: 0, removed: 0, files: 0 };
      window.threadChanges = seen;
      new MutationObserver((records) => records.forEach((r) => {
        seen.added += r.addedNodes.length;
        seen.removed += r.removedNodes.length;
      })).observe(document.getElementById('thread'), { childList: true, subtree: true });
      new MutationObserver((records) => { seen.files += records.length; })
        .observe(document.getElementById('files'), { childList: true, subtree: true, characterData: true });
      const range = document.createRange();
      range.selectNodeContents(document.querySelector('#thread li.update .entry'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    });
    const selected = () => page.evaluate(() => getSelection().toString().length);
    const selectedBefore = await selected();
    // A write to another ticket: the open one's reload is held until it is asked for,
    // then answered; a reply to the open ticket after it shows once both are drawn.
    const reload = await holdRequest(page, 'GET', new RegExp(`^tickets/${ticket}$`));
    await api(page, 'POST', `tickets/${env('OTHER')}/reply`, { employee: 'sl-support-jdoe', entry: 'Elsewhere.' });
    await reload.held;
    const finished = page.waitForEvent('requestfinished', { predicate: (r) => new URL(r.url()).pathname === `/_emulator/tickets/${ticket}`, timeout: WAIT });
    await reload.release();
    await finished;
    await api(page, 'POST', `tickets/${ticket}/reply`, { employee: 'sl-support-jdoe', entry: 'Here.' });
    const appended = await until(page, (n) => document.querySelectorAll('#thread li.update').length === n, before + 1);
    report('redrawn', {
      appended,
      before,
      selectedBefore,
      selectedAfter: await selected(),
      ...(await page.evaluate(() => window.threadChanges)),
      last: await text(page, '#thread li.update:last-child .entry'),
    });
  },

  // The actions come after the thread and every file's buttons: the reply box was one
  // Tab per file away (241 presses with 120 files). "Skip to reply", next after the
  // ticket's title, shows when focused and moves the focus to the reply box.
  async replyskip(page) {
    const ticket = env('TICKET');
    await signIn(page, `#/ticket/${ticket}`);
    const titled = await until(page, () => document.activeElement?.id === 'ticket-title');
    await page.keyboard.press('Tab');
    const link = {
      titled,
      focus: await focused(page),
      text: await page.evaluate(() => document.activeElement.textContent),
      shown: await page.evaluate(() => document.activeElement.getBoundingClientRect().left >= 0),
    };
    await page.keyboard.press('Enter');
    const moved = await until(page, () => document.activeElement?.id === 'reply-entry');
    report('skipped', { link, moved, focus: await focused(page), hash: await page.evaluate(() => location.hash) });
    // Hidden while it has the focus (the ticket gone at a live reload): the focus goes
    // to the title, not to the page.
    await page.focus('#skip-reply');
    const gone = new RegExp(`/_emulator/tickets/${ticket}(\\?|$)`);
    await page.route(gone, (route) => route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ error: `ticket ${ticket} does not exist` }),
    }));
    await api(page, 'POST', `tickets/${ticket}/awaiting-response`, { value: true });
    const hiddenWithFocus = await until(page, () => document.getElementById('skip-reply').hidden);
    const focusWhenHidden = await focused(page);
    await page.unroute(gone);
    // Signed out and in again on a ticket, nothing offers to act on it before it is read
    // again (the actions and the link stayed on, with no ticket shown).
    await api(page, 'POST', `tickets/${ticket}/awaiting-response`, { value: false });
    await page.locator('#close-button:not([disabled])').waitFor();
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route(gone, async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    await page.click('#sign-out');
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#ticket:not([hidden])').waitFor();
    const beforeRead = await page.evaluate(() => ({
      skipHidden: document.getElementById('skip-reply').hidden,
      closeDisabled: document.getElementById('close-button').disabled,
    }));
    release();
    await page.locator('#close-button:not([disabled])').waitFor();
    await page.unroute(gone);
    // No ticket shown, no reply to skip to: the link is not offered.
    await page.goto(`${UI}#/ticket/99`);
    const hiddenWithoutTicket = await until(page, () => document.getElementById('skip-reply').hidden);
    // Opened fresh (a new tab, a copied link), its address names no ticket: the queue,
    // without an error, as #main is.
    await page.goto('about:blank');
    await page.goto(`${UI}#reply-entry`);
    await page.locator('#live[data-state=live]').waitFor();
    await page.locator('#queue-rows tr[data-ticket]').first().waitFor();
    const fresh = {
      hash: await page.evaluate(() => location.hash),
      queue: await page.locator('#queue').isVisible(),
      error: await text(page, '#queue-error').catch(() => ''),
    };
    report('elsewhere', { hiddenWithFocus, focusWhenHidden, beforeRead, hiddenWithoutTicket, fresh });
  },

  // Close pressed twice from the keyboard: after Close the focus is on Reopen, and the
  // second Enter (or Space) reopened the ticket; held, Enter closed and reopened it over
  // and over, mailing the customer each time. One press is one action; a second after
  // a pause is one of its own.
  async closetwice(page) {
    const ticket = env('TICKET');
    const sent = writes(page, []);
    const status = async () => (await api(page, 'GET', `tickets/${ticket}`)).statusName;
    const mails = async () => (await api(page, 'GET', `outbox?ticket=${ticket}&event=TICKET_CLOSED`)).messages.length;
    const said = '#state-form .outcome';
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#close-button:not([disabled])').waitFor();

    let before = await mails();
    await page.focus('#close-button');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await outcomeSettles(page, said);
    report('enter-twice', { sent: sent.splice(0), status: await status(), mailed: (await mails()) - before, focus: await focused(page) });

    // Reopen (the focus is on it now) with Space, twice.
    await api(page, 'POST', `tickets/${ticket}/close`, {});
    await page.locator('#reopen-button:not([disabled])').waitFor();
    await clearOutcome(page, said);
    sent.length = 0;
    await page.focus('#reopen-button');
    await page.keyboard.press(' ');
    await page.waitForTimeout(250);
    await page.keyboard.press(' ');
    await outcomeSettles(page, said);
    report('space-twice', { sent: sent.splice(0), status: await status(), focus: await focused(page) });

    await api(page, 'POST', `tickets/${ticket}/reopen`, {});
    await page.locator('#close-button:not([disabled])').waitFor();
    await clearOutcome(page, said);
    sent.length = 0;
    before = await mails();
    await page.focus('#close-button');
    await holdEnter(page, 1500);
    await outcomeSettles(page, said);
    report('held', { sent: sent.splice(0), status: await status(), mailed: (await mails()) - before });

    // Reopen, then, after a pause, Enter again on Close, where the focus went: two actions.
    await api(page, 'POST', `tickets/${ticket}/close`, {});
    await page.locator('#reopen-button:not([disabled])').waitFor();
    await clearOutcome(page, said);
    sent.length = 0;
    await page.focus('#reopen-button');
    await page.keyboard.press('Enter');
    await outcomeSettles(page, said);
    await page.waitForTimeout(500);
    await clearOutcome(page, said);
    await page.keyboard.press('Enter');
    await outcomeSettles(page, said);
    report('after-a-pause', { sent: sent.splice(0), status: await status() });
  },

  // Enter held down, or pressed twice, on the clock's Advance, Add rule and a rule's
  // Remove: once the first action was done, every repeat ran it again (22 hours for one;
  // the emptied rule form sent `{}` and said it failed; every rule removed). One press is
  // one action; a second after a pause is one of its own; so is a double-click.
  async enterrepeats(page) {
    const sent = writes(page, []);
    const hours = async () => (await api(page, 'GET', 'clock')).offsetMs / 3600000;
    const rules = async () => (await api(page, 'GET', 'faults')).rules.length;
    const settled = (selector) => outcomeSettles(page, selector);
    await signIn(page, '#/clock');
    await api(page, 'POST', 'clock', { real: true });
    await api(page, 'DELETE', 'faults');
    sent.length = 0;
    const advance = '#clock-advance .outcome';
    const clearAdvance = () => clearOutcome(page, advance);

    await page.fill('#clock-advance-by', '1h');
    await page.focus('#clock-advance-by');
    await holdEnter(page, 1500);
    await settled(advance);
    const clockHeld = { sent: sent.splice(0), hours: await hours() };

    await clearAdvance();
    await page.focus('#clock-advance-by');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await settled(advance);
    const clockTwice = { sent: sent.splice(0), hours: await hours() };

    // A double-click (the second click 150 ms after the first, on the same spot).
    await clearAdvance();
    const box = await page.locator('#clock-advance button[type=submit]').boundingBox();
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.click(x, y);
    await page.waitForTimeout(150);
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    await settled(advance);
    const clockDoubleClick = { sent: sent.splice(0), hours: await hours() };

    // Enter again after a pause: the clock moves again.
    await page.waitForTimeout(1500);
    await clearAdvance();
    await page.focus('#clock-advance-by');
    await page.keyboard.press('Enter');
    await settled(advance);
    report('clock', { held: clockHeld, twice: clockTwice, doubleClick: clockDoubleClick, afterAPause: { sent: sent.splice(0), hours: await hours() } });

    await page.goto(`${UI}#/faults`);
    await page.locator('#fault-rows td.empty').waitFor();
    const fillRule = async () => {
      await page.fill('#r-method', 'getObject');
      await page.fill('#r-http', '503');
      await page.focus('#r-method');
    };
    await fillRule();
    await holdEnter(page, 1500);
    await settled('#fault-form .outcome');
    const addHeld = { sent: sent.splice(0), rules: await rules(), outcome: await text(page, '#fault-form .outcome') };
    await fillRule();
    await clearOutcome(page, '#fault-form .outcome');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await settled('#fault-form .outcome');
    report('add-rule', { held: addHeld, twice: { sent: sent.splice(0), rules: await rules(), outcome: await text(page, '#fault-form .outcome') } });

    // Five rules, the focus on the first one's Remove.
    const fiveRules = async () => {
      await api(page, 'DELETE', 'faults');
      for (const method of ['getObject', 'getUpdates', 'addUpdate', 'edit', 'getAttachedFile']) {
        await api(page, 'POST', 'faults', { method, http: { status: 503 } });
      }
      sent.length = 0;
      await page.reload();
      await page.locator('#fault-rows tr[data-rule]').nth(4).waitFor();
      await page.locator('#fault-rows tr[data-rule] button').first().focus();
    };
    const onRemove = () => page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    await fiveRules();
    await holdEnter(page, 1500);
    await settled('#fault-form .outcome');
    const removeHeld = { sent: sent.splice(0), rules: await rules(), focus: await onRemove() };
    await fiveRules();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(250);
    await page.keyboard.press('Enter');
    await settled('#fault-form .outcome');
    const removeTwice = { sent: sent.splice(0), rules: await rules(), focus: await onRemove() };
    // After a pause, Enter on the next rule's Remove (where the focus went) removes it.
    await page.waitForTimeout(500);
    await clearOutcome(page, '#fault-form .outcome');
    await page.keyboard.press('Enter');
    await settled('#fault-form .outcome');
    report('remove-rule', { held: removeHeld, twice: removeTwice, afterAPause: { sent: sent.splice(0), rules: await rules() } });
  },

  // A ticket id past 2^53 in the address: Number() rounded it, and the page named (and
  // asked the server for) another ticket than the address did.
  // An action slow to answer (held back 1 s, as a remote or busy server would): meanwhile
  // the person moves on, and their first press on the control they moved to, within a
  // moment of the slow action's end, was dropped as the same press again.
  async slowpresses(page) {
    const ticket = env('TICKET');
    const sent = writes(page, []);
    const held = (route) => setTimeout(() => route.continue(), 1000);
    await signIn(page, '#/clock');
    await page.route('**/_emulator/clock', (route) => (route.request().method() === 'POST' && route.request().postData().includes('advance') ? held(route) : route.continue()));
    await page.fill('#clock-advance-by', '1h');
    await page.press('#clock-advance-by', 'Enter');
    await page.waitForTimeout(100);
    await page.click('#clock-set-to');
    await page.keyboard.type('2027-01-01T09:00:00-06:00');
    await page.waitForFunction(() => document.querySelector('#clock-advance .outcome').textContent.startsWith('Clock now'), null, { polling: 'raf' });
    await page.waitForTimeout(100);
    await page.keyboard.press('Enter');
    await outcomeSettles(page, '#clock-set .outcome');
    report('clock', { sent: sent.splice(0), now: (await api(page, 'GET', 'clock')).now });
    await page.unroute('**/_emulator/clock');

    await page.route('**/_emulator/tickets/*/reply', held);
    await page.goto(`${UI}#/ticket/${ticket}`);
    await page.locator('#close-button:not([disabled])').waitFor();
    await page.fill('#reply-entry', 'A slow reply.');
    await page.focus('#reply-form button[type=submit]');
    await page.keyboard.press('Enter');
    // Tab on to Close while the reply is on its way.
    for (let i = 0; i < 20 && (await focused(page)) !== 'BUTTON#close-button'; i++) await page.keyboard.press('Tab');
    const focus = await focused(page);
    await page.waitForFunction(() => document.querySelector('#reply-form .outcome').textContent.startsWith('Reply sent'), null, { polling: 'raf' });
    await page.waitForTimeout(100);
    await page.keyboard.press('Enter');
    await outcomeSettles(page, '#state-form .outcome');
    report('ticket', { focus, sent: sent.splice(0), status: (await api(page, 'GET', `tickets/${ticket}`)).statusName });
  },

  // Controls that move the focus without an action of the server: Enter twice on Close
  // preview opened the preview again, on a question's Cancel asked it again, on Sign out
  // sent the empty sign-in form. Space held on a link scrolls the page (it activates
  // nothing), and a ticket that cannot be loaded names itself in the tab's title.
  async otherpresses(page) {
    const ticket = env('TICKET');
    const twice = async (selector) => {
      await page.focus(selector);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(250);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(800);
    };
    await signIn(page, `#/ticket/${ticket}`);
    await page.locator('#files button[aria-label^="Preview"]').first().click();
    await page.locator('#preview:not([hidden]) button').waitFor();
    let fetches = 0;
    page.on('request', (r) => { if (/\/files\/\d+$/.test(new URL(r.url()).pathname)) fetches += 1; });
    await twice('#preview button');
    const preview = { hidden: await page.locator('#preview').evaluate((e) => e.hidden), fetches };

    await page.goto(`${UI}#/journal`);
    await page.locator('#journal-clear:not([disabled])').waitFor();
    await page.click('#journal-clear');
    await page.locator('.confirm-no').waitFor();
    await twice('.confirm-no');
    const question = await page.locator('.confirm-no').count();

    await page.setViewportSize({ width: 1280, height: 400 });
    const link = '#views a[data-view="queue"]';
    await page.focus(link);
    await page.keyboard.down(' ');
    const start = Date.now();
    while (Date.now() - start < 1500) {
      await page.keyboard.down(' ');
      await page.waitForTimeout(33);
    }
    await page.keyboard.up(' ');
    const scrolled = await page.evaluate(() => window.scrollY);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.goto(`${UI}#/ticket/${ticket}`);
    await page.locator('#close-button').waitFor();
    await page.goto(`${UI}#/ticket/160000999`);
    await page.waitForFunction(() => document.querySelector('#ticket-error').textContent !== '');
    const title = await page.title();

    await page.goto(`${UI}#/`);
    await page.locator('#queue-rows a').first().waitFor();
    await page.evaluate((id) => { location.hash = `#/ticket/00${id}`; }, ticket);
    await page.waitForFunction((id) => document.title.startsWith(`#${id}`), ticket);
    await page.focus('#back');
    await navigated(page, () => page.keyboard.press('Enter'));
    await until(page, focusPlaced);
    const backFocus = await page.evaluate(() => document.activeElement.getAttribute('href'));

    await twice('#sign-out');
    const signInError = await text(page, '#sign-in-error');
    report('presses', { preview, question, scrolled, title, backFocus, signInError, focus: await focused(page) });
  },

  async bigticketid(page) {
    await signIn(page);
    const seen = {};
    for (const id of ['9007199254740993', '99999999999999999999', '00160000001']) {
      const asked = [];
      const listen = (r) => {
        const m = new URL(r.url()).pathname.match(/^\/_emulator\/tickets\/(.*)$/);
        if (m) asked.push(m[1]);
      };
      page.on('request', listen);
      await page.goto(`${UI}#/ticket/${id}`);
      await page.waitForFunction(() => document.querySelector('#ticket-error').textContent || document.querySelector('#thread li.update'));
      await page.waitForTimeout(300);
      page.off('request', listen);
      seen[id] = { title: await text(page, '#ticket-title'), error: await text(page, '#ticket-error'), asked };
    }
    report('ids', seen);
  },

  // Sign-in on a slow server (the choices held back 1.5 s): the form says it is signing
  // in and takes no second press; signed in, the live dot is not read out.
  async slowsignin(page) {
    let asked = 0;
    await page.route('**/_emulator/choices', async (route) => {
      asked += 1;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.goto(UI);
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForTimeout(300);
    const waiting = {
      status: await page.evaluate(() => document.getElementById('sign-in-status')?.textContent ?? null),
      disabled: await page.isDisabled('#sign-in-form button[type=submit]'),
    };
    await page.press('#token', 'Enter');
    await page.waitForTimeout(200);
    waiting.errorAfterSecondPress = await text(page, '#sign-in-error');
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    await page.locator('#live[data-state=live]').waitFor();
    // The sign-in ends once the first view has loaded, which may be after the page is live.
    await until(page, () => document.getElementById('sign-in-status').textContent === '');
    report('signin', {
      waiting,
      asked,
      statusAfter: await page.evaluate(() => document.getElementById('sign-in-status')?.textContent ?? null),
      live: await page.locator('#live').ariaSnapshot(),
    });
    await page.unroute('**/_emulator/choices');

    // The server fails the check after a press on the button itself: the focus, which
    // left the disabled button for the page, comes back to the form.
    await page.click('#sign-out');
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.route('**/_emulator/choices', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"boom"}' }));
    await page.fill('#token', TOKEN);
    await page.focus('#sign-in-form button[type=submit]');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('sign-in-error').textContent.includes('Could not load'));
    await page.waitForTimeout(100);
    const failedCheck = {
      error: await text(page, '#sign-in-error'),
      focus: await focused(page),
      disabled: await page.isDisabled('#sign-in-form button[type=submit]'),
    };
    await page.unroute('**/_emulator/choices');

    // Signed out while the first view still loads (the queue held back 2 s): the form
    // is the person's again at once, and the old sign-in's end leaves alone what they
    // typed since.
    await page.route('**/_emulator/queue*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await route.continue().catch(() => {});
    });
    const heldQueue = page.waitForEvent('requestfinished', { predicate: (r) => /\/_emulator\/queue/.test(r.url()), timeout: WAIT }).catch(() => {});
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.locator('#sign-out').waitFor({ state: 'visible' });
    await page.click('#sign-out');
    await page.locator('#token').waitFor({ state: 'visible' });
    const afterSignOut = {
      status: await text(page, '#sign-in-status'),
      disabled: await page.isDisabled('#sign-in-form button[type=submit]'),
      field: await page.inputValue('#token'),
    };
    await page.fill('#token', 'typed meanwhile');
    // The old sign-in's view has its answer, and a moment to act on it.
    await heldQueue;
    await page.waitForTimeout(500);
    afterSignOut.fieldAfterTheOldLoad = await page.inputValue('#token');
    report('failures', { failedCheck, afterSignOut });
  },

  // A snapshot restored removed the ticket open with a reply draft, and another
  // customer's new ticket got its id: the tab showed that ticket with the draft and Send
  // ready, and said nothing. The draft stays, Send waits, and the page says why.
  async restoreddraft(page) {
    await signIn(page, `#/ticket/${env('TICKET')}`);
    await page.locator('#ticket:not([aria-busy])').waitFor();
    await page.fill('#reply-entry', 'Dear Demo Company, your disk is replaced.');
    report('drafted', { title: await text(page, '#ticket-title') });
    await instruction();
    await until(page, () => document.getElementById('ticket-facts').textContent.includes('(2001)'));
    const send = '#reply-form button[type=submit]';
    const seen = async () => ({
      title: await text(page, '#ticket-title'),
      draft: await page.inputValue('#reply-entry'),
      sendEnabled: await page.isEnabled(send),
      held: await page.locator('#reply-held-why').isVisible() ? await text(page, '#reply-held-why') : '',
    });
    const shown = await seen();
    // Kept for this ticket on purpose, Send works again.
    const keep = page.locator('#reply-held-keep');
    if (await keep.isVisible()) await keep.click();
    report('restoreddraft', { ...shown, sendAfterKeep: await page.isEnabled(send) });
  },

  // An action whose answer cannot be read (a 2xx, its body cut short) said "Working…"
  // for good on Advance and on Add rule: it ends, saying so.
  async unreadableanswers(page) {
    const ended = (sel) => until(page, (s) => {
      const said = document.querySelector(s).textContent;
      return said !== '' && !said.startsWith('Working');
    }, sel);
    await signIn(page, '#/clock');
    await page.locator('#clock:not([aria-busy])').waitFor();
    await page.route('**/_emulator/clock', (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 200, contentType: 'application/json', body: '{"now":"2027-01-01T00:0' })
      : route.fallback()));
    await page.fill('#clock-advance-by', '1h');
    await page.click('#clock-advance button[type=submit]');
    await ended('#clock-advance .outcome');
    const clock = await text(page, '#clock-advance .outcome');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/faults'; }));
    await page.route('**/_emulator/faults', (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 201, contentType: 'application/json', body: '{"id":' })
      : route.fallback()));
    await page.selectOption('#r-preset', 'rate_limit');
    await page.click('#fault-form button[type=submit]');
    await ended('#fault-form .outcome');
    const ruleSaid = await page.evaluate(() => ({
      role: document.querySelector('#fault-form .outcome').getAttribute('role'),
      preset: document.querySelector('#r-preset').value,
    }));
    const rule = await text(page, '#fault-form .outcome');
    // A reply done, its answer garbled: the box empties (the next press sent it again).
    await navigated(page, () => page.evaluate(() => { location.hash = '#/ticket/160000001'; }));
    await page.route('**/_emulator/tickets/160000001/reply', async (route) => {
      const real = await route.fetch();
      await route.fulfill({ response: real, body: '{"tick' });
    });
    await page.fill('#reply-entry', 'Done, unread.');
    await page.click('#reply-form button[type=submit]');
    await ended('#reply-form .outcome');
    const reply = await page.evaluate(() => ({
      said: document.querySelector('#reply-form .outcome').textContent,
      role: document.querySelector('#reply-form .outcome').getAttribute('role'),
      draft: document.querySelector('#reply-entry').value,
    }));
    // Done, and the connection went before its answer: it may have been done.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.route('**/_emulator/tickets/160000001/reply', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.fill('#reply-entry', 'Done, cut off.');
    await page.click('#reply-form button[type=submit]');
    await ended('#reply-form .outcome');
    const reset = await text(page, '#reply-form .outcome');
    report('unreadable', { clock, rule, ruleSaid, reply, reset });
  },

  // Emptying the outbox, or clearing the journal with calls kept, from page 2 turns the
  // view to page 1: the focus fell to <body> (the button, still on, kept it until the
  // new page's load turned it off). It goes to the first filter field, as on page 1.
  async pagetwofocus(page) {
    const demo = DEMO_BASIC;
    const call = () => page.evaluate((auth) => fetch('/rest/v3.1/SoftLayer_Account/getObject.json', { headers: { Authorization: auth } }).then((r) => r.status), demo);
    const settled = (view, hash, said) => until(page, ([view, hash, said]) => location.hash === hash
      && new RegExp(said).test(document.getElementById(`${view}-outcome`).textContent)
      && !document.getElementById(view).hasAttribute('aria-busy'), [view, hash, said]);
    await signIn(page, '#/clock');
    for (let i = 0; i < 51; i++) await api(page, 'POST', 'tickets/160000001/reply', { employee: 301, entry: `Mail ${i}.` });
    await navigated(page, () => page.evaluate(() => { location.hash = '#/outbox?offset=50'; }));
    await page.locator('#outbox-clear:not([disabled])').waitFor();
    await page.focus('#outbox-clear');
    await page.keyboard.press('Enter');
    await page.locator('#outbox-confirm .confirm-yes').click();
    const outboxShown = await settled('outbox', '#/outbox?', '^Deleted');
    const outbox = await focused(page);
    for (let i = 0; i < 55; i++) await call();
    await navigated(page, () => page.evaluate(() => { location.hash = '#/journal?offset=50'; }));
    await page.locator('#journal-clear:not([disabled])').waitFor();
    await page.focus('#journal-clear');
    await page.keyboard.press('Enter');
    await page.locator('#journal-confirm .confirm-yes').waitFor();
    // Made while the question is open: kept, so Clear stays on.
    for (let i = 0; i < 3; i++) await call();
    await page.locator('#journal-confirm .confirm-yes').click();
    const journalShown = await settled('journal', '#/journal?', 'kept');
    report('pagetwofocus', { outboxShown, outbox, journalShown, journal: await focused(page) });
  },

  // A clock value refused, then sent again and accepted, stayed marked invalid; a rule
  // refused for its method marked no field; the form's own refusals (Latency) marked
  // the field without saying why (no aria-describedby).
  async marks(page) {
    const field = (sel) => page.evaluate((s) => {
      const f = document.querySelector(s);
      return { invalid: f.getAttribute('aria-invalid'), describedBy: f.getAttribute('aria-describedby') };
    }, sel);
    const said = (sel, re) => until(page, ([s, re]) => new RegExp(re).test(document.querySelector(s).textContent), [sel, re]);
    await signIn(page, '#/clock');
    await page.locator('#clock:not([aria-busy])').waitFor();
    // The first Advance refused (as past year 9999), the second let through.
    let refused = false;
    await page.route('**/_emulator/clock', (route) => {
      if (route.request().method() !== 'POST' || refused) return route.fallback();
      refused = true;
      return route.fulfill({ status: 400, contentType: 'application/json', body: '{"error":"the clock cannot pass year 9999"}' });
    });
    await page.fill('#clock-advance-by', '48h');
    await page.click('#clock-advance button[type=submit]');
    await said('#clock-advance .outcome', '^Failed');
    const clockRefused = await field('#clock-advance-by');
    await page.click('#clock-advance button[type=submit]');
    await said('#clock-advance .outcome', '^Clock now');
    const clockAccepted = await field('#clock-advance-by');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/faults'; }));
    const methods = {};
    for (const [service, method] of [['SoftLayer_Ticket', 'nosuch'], ['', 'a b']]) {
      await page.fill('#r-service', service);
      await page.fill('#r-method', method);
      await page.fill('#r-http', '500');
      await page.click('#fault-form button[type=submit]');
      await said('#fault-form .outcome', '^Failed');
      methods[method] = await field('#r-method');
    }
    await page.fill('#r-latency', 'slow');
    await page.click('#fault-form button[type=submit]');
    await said('#fault-form .outcome', '^Latency');
    report('marks', { clockRefused, clockAccepted, methods, latency: await field('#r-latency') });
  },

  // While a rule's removal is on its way, the 2 s poll drew every other Remove on again,
  // and a press on one was dropped without a word: they stay off until it is done.
  async removewhileremoving(page) {
    await signIn(page, '#/faults');
    const [first, second] = [
      await api(page, 'POST', 'faults', { service: 'SoftLayer_Ticket', preset: 'rate_limit' }),
      await api(page, 'POST', 'faults', { service: 'SoftLayer_Account', preset: 'unavailable' }),
    ].map((r) => r.id);
    await page.locator(`tr[data-rule="${second}"]`).waitFor();
    const removal = await holdRequest(page, 'DELETE', /^faults\//);
    await page.click(`tr[data-rule="${first}"] button`);
    await removal.held;
    const redrawn = await faultsRedrawn(page, `tr[data-rule="${second}"]`, () => demoRead(page));
    const offAcrossRedraw = await page.isDisabled(`tr[data-rule="${second}"] button`);
    await removal.release();
    await page.locator(`tr[data-rule="${first}"]`).waitFor({ state: 'detached' });
    const onAfter = await until(page, (id) => !document.querySelector(`tr[data-rule="${id}"] button`)?.disabled, second);
    report('removewhileremoving', { redrawn, offAcrossRedraw, onAfter, outcome: await text(page, '#fault-form .outcome') });
  },

  // Removing a rule by keyboard dropped the focus to <body> while the DELETE ran, and
  // then put it on the first rule's Remove; a slow Advance dropped it too. It stays on
  // the form (its status says "Working…"), and comes back to the row now in the place
  // of the rule removed, or to the button pressed.
  async removefocus(page) {
    await signIn(page, '#/faults');
    const ids = [];
    for (const method of ['getObject', 'getUpdates', 'addUpdate', 'edit']) {
      ids.push((await api(page, 'POST', 'faults', { service: 'SoftLayer_Ticket', method, preset: 'rate_limit' })).id);
    }
    await page.locator(`tr[data-rule="${ids[3]}"]`).waitFor();
    const removal = await holdRequest(page, 'DELETE', /^faults\//);
    await page.focus(`tr[data-rule="${ids[2]}"] button`);
    await page.keyboard.press('Enter');
    await removal.held;
    await faultsRedrawn(page, `tr[data-rule="${ids[0]}"]`, () => demoGet(page, 'SoftLayer_Ticket/160000001/getObject.json'));
    const during = await focusLabel(page);
    await removal.release();
    await page.locator(`tr[data-rule="${ids[2]}"]`).waitFor({ state: 'detached' });
    const wanted = `Remove rule ${ids[3]}`;
    await until(page, (label) => document.activeElement?.getAttribute('aria-label') === label, wanted);
    const after = await focusLabel(page);
    await navigated(page, () => page.evaluate(() => { location.hash = '#/clock'; }));
    const advance = await holdRequest(page, 'POST', /^clock$/);
    await page.fill('#clock-advance-by', '1h');
    await page.focus('#clock-advance button[type=submit]');
    await page.keyboard.press('Enter');
    await advance.held;
    const clockDuring = await focused(page);
    await advance.release();
    await page.locator('#clock-advance .outcome', { hasText: 'Clock now' }).waitFor();
    await until(page, () => document.activeElement === document.querySelector('#clock-advance button'));
    report('removefocus', { during, after, wanted, clockDuring, clockAfter: await page.evaluate(() => document.activeElement.textContent) });
  },

  // The server's refusal of a rule or a clock value named its field in words only: the
  // field is marked (aria-invalid, described by the refusal) until edited. Remove on a
  // rule already gone said "Failed: no fault rule N" as an alert. A U+202E in a fault
  // message turned the rest of its row, and of "Added rule …", around.
  async faultminor(page) {
    const field = (sel) => page.evaluate((s) => {
      const f = document.querySelector(s);
      return { invalid: f.getAttribute('aria-invalid'), describedBy: f.getAttribute('aria-describedby') };
    }, sel);
    const ended = (sel) => until(page, (s) => {
      const said = document.querySelector(s).textContent;
      return said !== '' && !said.startsWith('Working');
    }, sel);
    await signIn(page, '#/clock');
    await page.locator('#clock:not([aria-busy])').waitFor();
    await page.fill('#clock-advance-by', 'xyz');
    await page.click('#clock-advance button[type=submit]');
    await ended('#clock-advance .outcome');
    const clock = await field('#clock-advance-by');
    await navigated(page, () => page.evaluate(() => { location.hash = '#/faults'; }));
    await page.selectOption('#r-preset', 'rate_limit');
    await page.fill('#r-service', 'x y');
    await page.click('#fault-form button[type=submit]');
    await ended('#fault-form .outcome');
    const service = await field('#r-service');
    await page.type('#r-service', 'z');
    const serviceEdited = await field('#r-service');

    await page.fill('#r-service', '');
    await page.selectOption('#r-preset', '');
    await page.fill('#r-class', 'SoftLayer_Exception_Public');
    await page.fill('#r-message', 'abc \u202edef');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#fault-form .outcome', { hasText: 'Added rule' }).waitFor();
    const added = await text(page, '#fault-form .outcome');
    const id = added.match(/Added rule (\d+)/)[1];
    await page.locator(`tr[data-rule="${id}"]`).waitFor();
    const isolated = await page.evaluate((id) => [...document.querySelectorAll(`tr[data-rule="${id}"] bdi`)]
      .some((b) => b.textContent.includes('\u202e')), id);

    // Gone (here removed behind the page's back) before the poll redraws it away: the
    // next poll held, and none before it still on its way.
    let reads = 0;
    const isRead = (r) => r.method() === 'GET' && new URL(r.url()).pathname === '/_emulator/faults';
    page.on('request', (r) => { if (isRead(r)) reads += 1; });
    const settled = (r) => { if (isRead(r)) reads -= 1; };
    page.on('requestfinished', settled);
    page.on('requestfailed', settled);
    const poll = await holdRequest(page, 'GET', /^faults$/);
    await poll.held;
    while (reads > 1) await page.waitForTimeout(50);
    await api(page, 'DELETE', `faults/${id}`);
    await page.click(`tr[data-rule="${id}"] button`);
    await poll.release();
    await ended('#fault-form .outcome');
    const gone = {
      said: await text(page, '#fault-form .outcome'),
      role: await page.getAttribute('#fault-form .outcome', 'role'),
    };
    report('faultminor', { clock, service, serviceEdited, added, isolated, gone });
  },
};

/**
 * Browser context options a scenario needs beyond the others'. `textspacing` adds the
 * reader's own style sheet, as a browser extension does: the console's CSP (style-src
 * 'self') refuses an inline one from the page, so it passed only with CONSOLE_UI_DIR,
 * whose pages come without the CSP header.
 */
const CONTEXT_OPTIONS = { textspacing: { bypassCSP: true } };

async function main() {
  const scenario = SCENARIOS[env('SCENARIO')];
  if (!scenario) throw new Error(`no scenario ${process.env.SCENARIO}`);
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...CONTEXT_OPTIONS[env('SCENARIO')] });
    const pages = process.env.CONSOLE_UI_DIR;
    if (pages) {
      await context.route(`${UI}**`, (route) => {
        const name = new URL(route.request().url()).pathname.slice('/_emulator/ui/'.length) || 'index.html';
        const file = path.join(pages, name);
        if (!fs.existsSync(file)) return route.continue();
        const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'text/html';
        return route.fulfill({ contentType: type, body: fs.readFileSync(file) });
      });
    }
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => d.dismiss().catch(() => {}));
    await scenario(page);
    report('done', { pageErrors });
  } finally {
    await browser.close();
  }
}

run(main);

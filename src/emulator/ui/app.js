// The console's shell: sign-in, the two views (#/ queue, #/ticket/ID), and live updates.
// Without a token the server answers 401 and the console shows only the sign-in form.

import { get, newest, listen, token, keepToken, forgetToken, tokenProblem, Unauthorised, SignedOut } from './api.js';
import { $, withdraw, justActed, outcome, placeOf, findPlace, usable } from './dom.js';
import { initQueue, showQueue, refreshQueue, setQueueChoices } from './queue.js';
import { initTicket, showTicket, refreshTicket, setTicketChoices, ticketIdOf, clearTicket, forgetSendOutcomes, sayKeptOutcomes } from './ticket.js';
import { initHarness, refreshClock, showOutbox, refreshOutbox, setOutboxChoices } from './harness.js';
import { initJournal, showJournal, refreshJournal, showFaults, refreshFaults, setJournalChoices } from './journal.js';

const VIEWS = ['sign-in', 'queue', 'ticket', 'clock', 'outbox', 'journal', 'faults'];
/** What each view reloads when the data changes. */
const REFRESH = {
  queue: refreshQueue,
  ticket: refreshTicket,
  clock: refreshClock,
  outbox: refreshOutbox,
  journal: refreshJournal,
  faults: refreshFaults,
};
let view = null;
/** The ticket last shown, as its address wrote it, for the focus on the way back. */
let lastTicket = null;
/** Where the focus was in each view as it was left (see `placeOf`), for the way back. */
const leftAt = {};
let stopListening = null;
let wasLive = false;
/**
 * The queue's address as last shown (search, tab, sort, page), for "Back to the queue":
 * kept in this tab's sessionStorage, as the token is, so that a ticket's page reloaded
 * still goes back to it (held in memory, it became `#/` on a reload).
 */
const QUEUE_KEY = 'softlayerEmulatorQueueAddress';
const queueHash = () => sessionStorage.getItem(QUEUE_KEY) || '#/';

function show(name) {
  // A question before a delete is about the view as it was asked from: another view,
  // another filter or a sign-out withdraws it (confirmed later, it deleted what the view
  // showed then, or what another filter's would).
  for (const box of document.querySelectorAll('.confirm')) withdraw(box);
  view = name;
  $('loading').hidden = true;
  for (const v of VIEWS) {
    $(v).hidden = v !== name;
    // Busy until the address's load has ended (see `route`): a screen reader waits for
    // it, and so can a test, rather than read the rows left from the last visit.
    if (v === name && v !== 'sign-in') $(v).setAttribute('aria-busy', 'true');
    else $(v).removeAttribute('aria-busy');
  }
  $('sign-out').hidden = name === 'sign-in';
  $('views').hidden = name === 'sign-in';
  for (const link of $('views').querySelectorAll('a')) {
    const current = link.dataset.view === name || (name === 'ticket' && link.dataset.view === 'queue');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Leaves every view with data behind and asks for the token. */
function signIn(message = '') {
  // A sign-in still being checked is over: its end leaves the form alone.
  endSigningIn();
  if (stopListening) stopListening();
  stopListening = null;
  // A change's reload still waiting ran after the sign-out, with no token, and said
  // "The token was not accepted." on the sign-in page.
  clearTimeout(pending);
  pending = null;
  forgetToken();
  sessionStorage.removeItem(QUEUE_KEY);
  // Nor where the focus was in each view: signed in again, it went to a field noted
  // before the sign-out (placeFocus), not to the view's title as after any sign-in.
  for (const name of Object.keys(leftAt)) delete leftAt[name];
  // Nothing read with the old token stays on the page.
  for (const id of ['queue-rows', 'status-tabs', 'ticket-title', 'preview', 'clock-facts', 'outbox-messages', 'journal-rows', 'fault-rows']) {
    $(id).replaceChildren();
  }
  clearTicket();
  // Nor what the actions said, which came back on signing in again (an action still on
  // its way says what it did when it is answered), nor what a reply's send said while
  // its ticket was not shown (its draft stays).
  for (const out of document.querySelectorAll('.outcome')) outcome(out, '');
  forgetSendOutcomes();
  // An open preview, emptied, stayed as an empty frame without its Close button.
  $('preview').hidden = true;
  // The dot is drawn from the state: a page signed out is not live.
  $('live').textContent = '';
  delete $('live').dataset.state;
  show('sign-in');
  // The last view's title ("#160000001 · Support console") named a page no longer shown.
  document.title = 'Sign in · Support console';
  $('sign-in-error').textContent = message;
  $('token').focus();
}

/** The sign-in being checked, counted: one ended by a sign-out leaves the form alone. */
let signingIn = 0;

/** The sign-in form takes presses again, and says nothing is being checked. */
function endSigningIn() {
  signingIn += 1;
  $('sign-in-form').querySelector('button[type=submit]').disabled = false;
  $('sign-in-status').textContent = '';
}

/**
 * A reload of the view shown now failed: said there, unless the person has moved to
 * another view by the time it fails (it said "Could not load: since=…" on the queue).
 */
const failedHere = () => {
  const from = view;
  return (error) => {
    if (view === from || error instanceof Unauthorised) failed(error);
  };
};

/** Anything that failed: a refused token goes back to sign-in; the rest shows inline. */
function failed(error) {
  // Read with the token of a sign-in since ended: nothing of it is shown, not even why.
  if (error instanceof SignedOut) return;
  // Refused for holding no token (a write answered after a sign-out redraws its view):
  // no token was refused, so none is said to have been.
  if (error instanceof Unauthorised && !token()) {
    if (view !== 'sign-in') signIn();
    return;
  }
  if (error instanceof Unauthorised) return signIn('The token was not accepted. Enter the admin token the server printed at start.');
  const target = {
    'sign-in': 'sign-in-error',
    ticket: 'ticket-error',
    clock: 'clock-error',
    outbox: 'outbox-error',
    journal: 'journal-error',
    faults: 'faults-error',
  }[view] || 'queue-error';
  // Written only when it says something new: the Clock and Faults views fail every 2 s
  // while the server is down, and each write of an alert may be read out again.
  const said = `Could not load: ${error.message}`;
  if ($(target).textContent !== said) $(target).textContent = said;
}

/** Counts the addresses shown: a load that ends after another address was shown says
 * nothing (its error landed in whichever view was shown then). */
let routes = 0;

async function route() {
  // In-page links keep the view. `#main` (as "Skip to content" once wrote it, so a
  // bookmark may hold it) opened fresh is the queue, and the address says so; any other
  // address without `#/` says it names no page, as before. The address with no `#` at
  // all is the queue (Back to it kept the view it left).
  const inPage = location.hash !== '' && !location.hash.startsWith('#/');
  if (inPage && view !== null && view !== 'sign-in') return;
  // So is `#reply-entry` ("Skip to reply" opened in a new tab or copied): no ticket named.
  if (location.hash === '#main' || location.hash === '#reply-entry') history.replaceState(null, '', '#/');
  const hash = location.hash || '#/';
  // Any #/ticket/…: one that is not a number says so on the ticket page (it used to
  // open the queue without a word).
  // The view a hash names, without its query or a trailing slash (`#/clock?x=1` and
  // `#/faults/` opened the queue, with an error about a queue parameter).
  const page = hash.replace(/\?.*$/, '').replace(/\/+$/, '') || '#';
  const ticket = page.match(/^#\/ticket\/(.*)$/);
  const left = view;
  rememberFocus(left);
  const mine = ++routes;
  const stillShown = () => mine === routes;
  try {
    if (ticket) {
      // As the ticket view reads it, so that Back finds its row.
      lastTicket = ticketIdOf(ticket[1]);
      show('ticket');
      $('back').href = queueHash();
      await showTicket(ticket[1]);
    } else if (page === '#/clock') {
      show('clock');
      document.title = 'Clock · Support console';
      await refreshClock();
    } else if (page === '#/journal') {
      show('journal');
      document.title = 'Journal · Support console';
      await showJournal(hash.slice(hash.indexOf('?') + 1 || hash.length));
    } else if (page === '#/faults') {
      show('faults');
      document.title = 'Fault rules · Support console';
      await showFaults();
    } else if (page === '#/outbox') {
      show('outbox');
      document.title = 'Outbox · Support console';
      await showOutbox(hash.slice(hash.indexOf('?') + 1 || hash.length));
    } else if (page !== '#') {
      // An address that names no view says so over the queue (it showed the queue as if
      // the address were one of its own).
      show('queue');
      document.title = 'Queue · Support console';
      await showQueue('');
      if (stillShown()) failed(new Error(`there is no page ${page}; this is the queue`));
    } else {
      const from = view;
      show('queue');
      sessionStorage.setItem(QUEUE_KEY, hash);
      document.title = 'Queue · Support console';
      try {
        await showQueue(hash.slice(hash.indexOf('?') + 1 || hash.length));
      } finally {
        // Also when the queue could not load (the server away): the focus was left on
        // the hidden link, and the next Tab left the page. Also by the browser's Back,
        // from the reply box, say: the focus fell to <body>.
        if (from === 'ticket') backInQueue();
      }
    }
  } catch (e) {
    // A refused token is the tab's, whichever view is shown now.
    if (stillShown() || e instanceof Unauthorised) failed(e);
  } finally {
    if (stillShown()) {
      $(view).removeAttribute('aria-busy');
      placeFocus(left);
      // Last, with the page no longer busy and the focus placed: an outcome written
      // while the ticket's page was busy was not read out.
      if (view === 'ticket') sayKeptOutcomes();
    }
  }
}

/** Notes where the focus is in view `name`, being left (nowhere: the focus is outside it). */
function rememberFocus(name) {
  const now = document.activeElement;
  if (name && $(name)) leftAt[name] = now && $(name).contains(now) ? placeOf(now) : null;
}

/**
 * Shown by the browser's Back or Forward (or a link) from another view, the focus was
 * left on the view just hidden, which is the page: the next Tab started from the top.
 * It goes back to where it was when this view was left, if that is still there, or to
 * the view's title. A ticket's page places it itself; from a ticket, the queue puts it
 * on that ticket's row (`backInQueue`); left on something shown (a view's link), it stays.
 */
function placeFocus(from) {
  if (from === null || from === view || view === 'ticket' || focusIsPlaced()) return;
  const back = findPlace($(view), leftAt[view]);
  const target = back && usable(back) ? back : $(`${view}-title`);
  if (target && usable(target)) target.focus();
}

/** Whether the focus is still on something shown (not fallen to the page with its control). */
function focusIsPlaced() {
  const now = document.activeElement;
  return Boolean(now && now !== document.body && !now.closest('[hidden]'));
}

/**
 * Back from a ticket (by "← Back to the queue", or the browser's Back), the focus was
 * left on something now hidden, which is the page: it goes to the ticket's row, or the
 * queue's title. Left on something shown (a view's link), it stays.
 */
function backInQueue() {
  if (focusIsPlaced()) return;
  const row = [...$('queue-rows').querySelectorAll('a')].find((a) => a.getAttribute('href') === `#/ticket/${lastTicket}`);
  (row || $('queue-title')).focus();
}

function setChoices(choices) {
  setQueueChoices(choices);
  setTicketChoices(choices);
  setOutboxChoices(choices);
  setJournalChoices(choices);
}

/**
 * Reloads the choices (accounts come and go: the pytest plugin makes one per test) and
 * what is shown; change events come in bursts, so at most every 250 ms.
 */
let pending = null;
const getChoices = newest();
function changed() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    getChoices('choices').then(setChoices, failed);
    const refresh = REFRESH[view];
    if (refresh) refresh().catch(failedHere());
  }, 250);
}

/**
 * The clock and the fault rules change without a database commit (the clock ticks, a
 * rule fires or runs out), so no change event tells of it: their views read them again
 * every two seconds while shown.
 */
setInterval(() => {
  if ((view === 'clock' || view === 'faults') && !document.hidden && token()) {
    REFRESH[view]().catch(failedHere());
  }
}, 2000);

function liveState(state) {
  const live = $('live');
  if (state === 'unauthorised') return signIn('The token was not accepted.');
  if (state === 'live') {
    live.textContent = 'Live';
    // Whatever changed while the stream was down.
    if (wasLive) changed();
    wasLive = true;
  } else {
    // The stream is gone (the server stopped, or the network): the page is not live.
    live.textContent = 'Offline · reconnecting…';
  }
  live.dataset.state = state;
}

/**
 * Signed in, the focus was on the token field, now hidden, which is the page: it goes to
 * the view's title (a ticket's page puts it on its own). Left where it fell, the next Tab
 * started again from the top of the page.
 */
function afterSignIn() {
  if (focusIsPlaced()) return;
  const title = $(`${view}-title`);
  if (title && !title.closest('[hidden]')) title.focus();
}

/** With a token: check it, fill the choices, start listening, show the address's view. */
async function start() {
  // A token kept before it was checked (by an older page) could never be sent.
  const problem = token() ? tokenProblem(token()) : '';
  if (problem) return signIn(problem);
  let choices;
  try {
    choices = await get('choices');
  } catch (e) {
    // Signed out (and perhaps in again) while the choices came: that sign-in is over.
    if (e instanceof SignedOut) return;
    if (e instanceof Unauthorised) return signIn(token() ? 'The token was not accepted.' : '');
    if (view === null) {
      // Nothing shown yet but "Loading…": say why it stays so.
      $('loading').textContent = `Could not start the console: ${e.message}. Reload the page to try again.`;
      return;
    }
    throw e;
  }
  setChoices(choices);
  wasLive = false;
  stopListening = listen(changed, liveState);
  await route();
}

function init() {
  initQueue();
  initTicket(failed);
  initHarness(failed);
  initJournal(failed);
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    if (!value) {
      $('sign-in-error').textContent = 'Enter the admin token.';
      return;
    }
    const problem = tokenProblem(value);
    if (problem) {
      $('sign-in-error').textContent = problem;
      return;
    }
    keepToken(value);
    $('token').value = '';
    // Until the token is checked the form says so and takes no second press: on a slow
    // server it looked untouched, and a second Enter answered "Enter the admin token."
    // about a token being checked.
    const attempt = ++signingIn;
    $('sign-in-form').querySelector('button[type=submit]').disabled = true;
    $('sign-in-error').textContent = '';
    $('sign-in-status').textContent = 'Signing in…';
    start()
      .then(afterSignIn)
      .catch(failed)
      .finally(() => {
        // A sign-out (or another sign-in) since has the form now.
        if (attempt !== signingIn) return;
        endSigningIn();
        // Not signed in (the server failed): the focus left the disabled button for the
        // page, and the next Tab started from the page's end.
        if (view === 'sign-in' && !focusIsPlaced()) $('token').focus();
      });
  });
  // Enter twice on Sign out: the second sent the empty sign-in form ("Enter the admin
  // token.").
  $('sign-out').addEventListener('click', () => {
    signIn();
    justActed($('sign-in-form'));
  });
  // "Skip to content" moves the focus only: followed as a link, it wrote #main into the
  // address, and the view it skipped to was lost on a reload.
  document.querySelector('a.skip').addEventListener('click', (event) => {
    event.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', () => {
    if (view !== 'sign-in') route();
  });
  start().catch(failed);
}

init();

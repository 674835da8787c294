// The test harness's views (README "Using it in tests"): the emulator's clock, which
// can be moved, and the outbox of e-mails SoftLayer would have sent.

import { get, post, del, newest, ApiError } from './api.js';
import { $, el, fill, when, choose, settle, confirmStep, withdraw, recheck, setField, oneAtATime, refocusAfter, keepPagerFocus, applyOnChange, goTo, markInvalid, markRefused, unmarkRefused, sayAnew, unsay, drawIfChanged } from './dom.js';

const getClock = newest();
const getOutbox = newest();

export async function refreshClock() {
  const clock = await getClock('clock');
  const mode = { real: 'Real time', offset: 'Shifted from real time', fixed: 'Stopped' }[clock.mode] || clock.mode;
  const fact = (term, ...value) => [el('dt', { text: term }), el('dd', {}, ...value)];
  const offset = clock.mode === 'offset' ? `${(clock.offsetMs / 3600000).toFixed(2)} h` : null;
  // Read every 2 s: a stopped clock's time is left as drawn, to be selected and copied.
  // By what is shown: a stopped clock's offsetMs from real time grows at every read.
  drawIfChanged($('clock-facts'), JSON.stringify([clock.now, clock.utc, mode, offset]), () => fill(
    $('clock-facts'),
    fact('Now (US Central)', el('span', { id: 'clock-now', text: clock.now })),
    fact('Now (UTC)', clock.utc),
    fact('Mode', mode),
    offset ? fact('Offset', offset) : [],
  ));
  $('clock-error').textContent = '';
}

/**
 * The scheduled actions a clock change reached, as the server listed them in `fired`:
 * those it ran, those it skipped (an alert for a ticket closed by then mails nothing)
 * and those that failed, each with the server's reason. All were said to have run.
 */
function firedSummary(fired) {
  const name = (f) => `${f.kind} on #${f.ticketId}`;
  const groups = [
    ['Ran', fired.filter((f) => !f.skipped && !f.error).map(name)],
    ['Skipped', fired.filter((f) => f.skipped && !f.error).map((f) => `${name(f)} (${f.skipped})`)],
    ['Failed', fired.filter((f) => f.error).map((f) => `${name(f)} (${f.error})`)],
  ];
  return groups.filter(([, list]) => list.length).map(([said, list]) => ` ${said}: ${list.join(', ')}.`).join('');
}

/** POSTs a clock change and says what it did, and which scheduled actions it reached.
 * A value the server refuses (400) marks the form's field (see `markInvalid`). */
function changeClock(form, body) {
  const field = form.querySelector('input');
  // A refusal's mark is for the value it refused: the same value sent again (the clock
  // has moved since) and accepted stayed marked invalid, described by "Clock now …".
  if (field && !form.dataset.busy) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
  return oneAtATime(form, () => settle(
    form.querySelector('.outcome'),
    () => post('clock', body).catch((e) => {
      if (field && e instanceof ApiError && e.status === 400) markInvalid(field, form.querySelector('.outcome'));
      throw e;
    }),
    (answer) => `Clock now ${answer.now}.${firedSummary(answer.fired || [])}`,
    refreshClock,
  ), form.querySelector('.outcome'));
}

const OUTBOX_FILTERS = ['ticket', 'account', 'to', 'event'];
/**
 * Messages drawn at once, newest first, as the journal pages its calls: drawn whole,
 * 3,000 messages took 2 s to draw and held the tab ~1 s at every live change, and
 * 18,000 froze it for ~10 s.
 */
const OUTBOX_PAGE = 50;

let outboxParams = new URLSearchParams();
/** Whether the next page drawn answers the person (a filter, a page turned): said, as
 * the queue's is. */
let outboxAsked = false;
/** How many messages the filters select (on every page), for the question before emptying. */
let shownMessages = 0;

/**
 * Why the outbox as filtered cannot be emptied, or ''. The server deletes everything or
 * one ticket's messages (it refuses `?account=` on purpose); anything else would delete
 * messages the view does not show, other accounts' among them.
 */
function cannotEmpty() {
  const others = ['account', 'to', 'event'].filter((name) => outboxParams.get(name));
  if (others.length === 0) return '';
  return 'Only the whole outbox or one ticket\'s messages can be emptied: clear the account, recipient and event filters first.';
}

/** The question before emptying the outbox, as the view stands: what would go. */
function emptyQuestion() {
  const ticket = outboxParams.get('ticket');
  const count = `${shownMessages} message${shownMessages === 1 ? '' : 's'}`;
  return ticket
    // As typed when it is a case number or `#ID` already (not "#CS160000102").
    ? `Delete the ${count} of ticket ${/^\d+$/.test(ticket) ? '#' : ''}${ticket}?`
    : `Delete all ${count} in the outbox, of every account?`;
}

export function setOutboxChoices(choices) {
  choose($('o-account'), choices.accounts, 1);
}

export function showOutbox(query) {
  outboxParams = new URLSearchParams(query);
  const form = $('outbox-filters');
  for (const name of OUTBOX_FILTERS) setField(form.elements[name], outboxParams.get(name) ?? '');
  // Off until this filter's messages are drawn: pressed before, it asked about the last
  // filter's count (or "all 0 messages") and emptied what this one holds.
  $('outbox-clear').disabled = true;
  outboxAsked = true;
  return refreshOutbox();
}

/** The address's filters alone, as the server reads them (no page). */
function outboxFilters() {
  return new URLSearchParams([...outboxParams].filter(([name, value]) => OUTBOX_FILTERS.includes(name) && value !== ''));
}

/**
 * The page of messages `offset` from the newest, newest first, how many the filters
 * select, and the `offset` itself: a reload begun before the address turned the page
 * gets the newer page's answer (see `newest`), and is to draw it as that page, not its
 * own. The server lists messages oldest first, so the page's place is counted from the
 * total: read first, and again whenever mail came or went before the page was read
 * (its answer's total differs), so that the page is never one shifted by new mail.
 */
async function readOutboxPage(filters, offset) {
  const at = (query) => get(`outbox?${new URLSearchParams([...filters, ...Object.entries(query)])}`);
  let total = (await at({ limit: 1 })).total;
  for (let tries = 0; ; tries++) {
    const end = total - offset;
    if (end <= 0) return { messages: [], total, offset };
    const start = Math.max(0, end - OUTBOX_PAGE);
    const page = await at({ limit: end - start, offset: start });
    // Mail coming without a pause: the last page read is drawn rather than none.
    if (page.total === total || tries === 5) return { messages: page.messages.slice().reverse(), total: page.total, offset };
    total = page.total;
  }
}

export async function refreshOutbox() {
  const filters = outboxFilters();
  // A typed `offset=abc` or `-5` is the first page.
  const asked = Math.max(0, Math.floor(Number(outboxParams.get('offset'))) || 0);
  let outbox;
  try {
    outbox = await getOutbox(`outbox?${outboxParams}`, () => readOutboxPage(filters, asked));
  } catch (e) {
    // Under the error, no messages of another filter, and nothing to empty: the button
    // offered to delete the last filter's messages as this one's.
    $('outbox-messages').replaceChildren();
    $('outbox-caption').textContent = 'Messages';
    $('outbox-page').textContent = '';
    shownMessages = 0;
    $('outbox-clear').disabled = true;
    $('outbox-clear-why').textContent = '';
    withdraw($('outbox-confirm'));
    // Answered by the error (said as an alert), which names the field it refused.
    outboxAsked = false;
    unsay($('outbox-status'));
    markRefused($('outbox-filters'), e, $('outbox-error'));
    throw e;
  }
  const { messages, total, offset } = outbox;
  // Past the last page (a typed address, or mail emptied meanwhile): the last page, as
  // the journal does, replacing the address rather than adding to it.
  if (offset > 0 && offset >= total) {
    if ($('outbox').hidden) return;
    // Nothing here to empty, and the page to show will say what can be: off now, an
    // action's focus on it moves on (`refocusAfter`) before the page turns (turned off
    // by `showOutbox` after, it dropped the focus to <body>).
    $('outbox-clear').disabled = true;
    const next = new URLSearchParams(outboxParams);
    const last = Math.max(0, Math.ceil(total / OUTBOX_PAGE) - 1) * OUTBOX_PAGE;
    if (last > 0) next.set('offset', String(last));
    else next.delete('offset');
    location.replace(`#/outbox?${next}`);
    return;
  }
  const items = messages.map((m) =>
    el(
      'li',
      { class: 'message', 'data-message': m.id, 'data-key': `message ${m.id}` },
      el('p', { class: 'meta' }, when(m.createDate), ' · ', el('span', { text: m.event }), ' · ',
        m.ticketId ? el('a', { href: `#/ticket/${m.ticketId}`, text: `ticket #${m.ticketId}` }) : 'no ticket'),
      el('h3', {}, el('bdi', { text: m.subject || '(no subject)' })),
      el('p', { class: 'meta' }, 'To: ', el('bdi', { text: (m.to || []).join(', ') })),
      el('details', {}, el('summary', { text: 'Message' }), el('pre', { text: m.body || '' })),
    ),
  );
  if (items.length === 0) items.push(el('li', { class: 'muted', text: 'No messages.' }));
  fill($('outbox-messages'), items);
  shownMessages = total;
  $('outbox-caption').textContent = `${total} message${total === 1 ? '' : 's'}`;
  $('outbox-page').textContent = total
    ? `messages ${offset + 1}–${Math.min(total, offset + OUTBOX_PAGE)} of ${total}`
    : '';
  $('outbox-prev').disabled = offset === 0;
  $('outbox-next').disabled = offset + OUTBOX_PAGE >= total;
  keepPagerFocus($('outbox-prev'), $('outbox-next'));
  const why = cannotEmpty();
  $('outbox-clear').disabled = why !== '' || shownMessages === 0;
  $('outbox-clear-why').textContent = why;
  $('outbox-error').textContent = '';
  unmarkRefused($('outbox-filters'));
  // The person's own filter or page turn is said, as the queue's is (it changed the
  // caption in silence); a live redraw is not (mail comes at every write).
  if (outboxAsked) {
    outboxAsked = false;
    sayAnew($('outbox-status'), total ? `Messages ${offset + 1}–${Math.min(total, offset + OUTBOX_PAGE)} of ${total}.` : 'No messages.');
  }
  // Mail came or went while "Empty the outbox" asked: the question no longer says what goes.
  recheck($('outbox-confirm'), emptyQuestion(), $('outbox-outcome'));
}

export function initHarness(failed) {
  const guard = (fn) => (event) => {
    event.preventDefault();
    fn().catch(failed);
  };
  $('clock-advance').addEventListener('submit', guard(() =>
    changeClock($('clock-advance'), { advance: $('clock-advance-by').value.trim() })));
  $('clock-set').addEventListener('submit', guard(() =>
    changeClock($('clock-set'), { set: $('clock-set-to').value.trim() })));
  $('clock-real').addEventListener('submit', guard(() => changeClock($('clock-real'), { real: true })));

  const form = $('outbox-filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of OUTBOX_FILTERS) {
      const value = form.elements[name].value.trim();
      if (value) next.set(name, value);
    }
    // Another filter starts at its newest messages.
    goTo(`#/outbox?${next}`);
  });
  applyOnChange(form);
  const turn = (by) => {
    const next = outboxFilters();
    const offset = Math.max(0, (Math.floor(Number(outboxParams.get('offset'))) || 0) + by * OUTBOX_PAGE);
    if (offset > 0) next.set('offset', String(offset));
    goTo(`#/outbox?${next}`);
  };
  $('outbox-prev').addEventListener('click', () => turn(-1));
  $('outbox-next').addEventListener('click', () => turn(1));
  $('outbox-clear').addEventListener('click', guard(async () => {
    if (cannotEmpty()) return;
    const ticket = outboxParams.get('ticket');
    if (!(await confirmStep($('outbox-confirm'), emptyQuestion(), 'Delete'))) return;
    await settle(
      $('outbox-outcome'),
      () => del(`outbox${ticket ? `?ticket=${encodeURIComponent(ticket)}` : ''}`),
      (answer) => `Deleted ${answer.deleted} message${answer.deleted === 1 ? '' : 's'}.`,
      refreshOutbox,
    );
    refocusAfter($('outbox-clear'), $('outbox-filters'));
  }));
}

// The test harness's views (README "Using it in tests"): the emulator's clock, which
// can be moved, and the outbox of e-mails SoftLayer would have sent.

import { post, del, newest } from './api.js';
import { $, el, fill, when, choose, settle, confirmStep, withdraw, recheck, setField, oneAtATime, refocusAfter, applyOnChange, goTo } from './dom.js';

const getClock = newest();
const getOutbox = newest();

export async function refreshClock() {
  const clock = await getClock('clock');
  const mode = { real: 'Real time', offset: 'Shifted from real time', fixed: 'Stopped' }[clock.mode] || clock.mode;
  const fact = (term, ...value) => [el('dt', { text: term }), el('dd', {}, ...value)];
  fill(
    $('clock-facts'),
    fact('Now (US Central)', el('span', { id: 'clock-now', text: clock.now })),
    fact('Now (UTC)', clock.utc),
    fact('Mode', mode),
    clock.mode === 'offset' ? fact('Offset', `${(clock.offsetMs / 3600000).toFixed(2)} h`) : [],
  );
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

/** POSTs a clock change and says what it did, and which scheduled actions it reached. */
function changeClock(form, body) {
  return oneAtATime(form, () => settle(
    form.querySelector('.outcome'),
    () => post('clock', body),
    (answer) => `Clock now ${answer.now}.${firedSummary(answer.fired || [])}`,
    refreshClock,
  ));
}

let outboxParams = new URLSearchParams();
/** How many messages the outbox view shows. */
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
    ? `Delete the ${count} of ticket #${ticket}?`
    : `Delete all ${count} in the outbox, of every account?`;
}

export function setOutboxChoices(choices) {
  choose($('o-account'), choices.accounts, 1);
}

export function showOutbox(query) {
  outboxParams = new URLSearchParams(query);
  const form = $('outbox-filters');
  for (const name of ['ticket', 'account', 'to', 'event']) setField(form.elements[name], outboxParams.get(name) ?? '');
  // Off until this filter's messages are drawn: pressed before, it asked about the last
  // filter's count (or "all 0 messages") and emptied what this one holds.
  $('outbox-clear').disabled = true;
  return refreshOutbox();
}

export async function refreshOutbox() {
  let outbox;
  try {
    outbox = await getOutbox(`outbox?${outboxParams}`);
  } catch (e) {
    // Under the error, no messages of another filter, and nothing to empty: the button
    // offered to delete the last filter's messages as this one's.
    $('outbox-messages').replaceChildren();
    shownMessages = 0;
    $('outbox-clear').disabled = true;
    $('outbox-clear-why').textContent = '';
    withdraw($('outbox-confirm'));
    throw e;
  }
  const { messages } = outbox;
  const items = messages
    .slice()
    .reverse()
    .map((m) =>
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
  shownMessages = messages.length;
  const why = cannotEmpty();
  $('outbox-clear').disabled = why !== '' || shownMessages === 0;
  $('outbox-clear-why').textContent = why;
  $('outbox-error').textContent = '';
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
    for (const name of ['ticket', 'account', 'to', 'event']) {
      const value = form.elements[name].value.trim();
      if (value) next.set(name, value);
    }
    goTo(`#/outbox?${next}`);
  });
  applyOnChange(form);
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

// The request journal (every API call, newest first) and the fault rules that make
// chosen calls fail on purpose: the test harness's view of the traffic.

import { get, post, del, newest, ApiError } from './api.js';
import { $, el, cell, fill, fillRows, when, choose, settle, confirmStep, withdraw, recheck, outcome, setField, oneAtATime, waiting, refocusAfter, keepPagerFocus, applyOnChange, goTo, markInvalid, markRefused, unmarkRefused, sayAnew, unsay, shownControls } from './dom.js';

const JOURNAL_FILTERS = ['service', 'method', 'user', 'account', 'transport', 'fault', 'since'];
const JOURNAL_PAGE = 50;

let journalParams = new URLSearchParams();
/** Whether the next page drawn answers the person (a filter, a page turned): said, as
 * the queue's is (see `announceCalls`). */
let journalAsked = false;

export function setJournalChoices(choices) {
  choose($('j-account'), choices.accounts, 1);
}

export function showJournal(query) {
  journalParams = new URLSearchParams(query);
  const form = $('journal-filters');
  for (const name of JOURNAL_FILTERS) setField(form.elements[name], journalParams.get(name) ?? '');
  // Off until this filter's calls are drawn: pressed before, it asked "Delete all 0
  // calls" (or the last filter's count) and cleared every call.
  anyCalls = false;
  showClearState();
  journalAsked = true;
  return refreshJournal();
}

const pretty = (value) => JSON.stringify(value, null, 2);
// A name or message the journal kept by its size only (past 64 KiB) is
// `{elided, bytes}`: shown so, not as "[object Object]".
const shownText = (value) => (value && typeof value === 'object' ? `(${value.bytes} bytes, not kept)` : value);

const getJournal = newest();
const getFaults = newest();
/** What the views show, for the questions before clearing them. */
let shownCalls = 0;
let shownRules = 0;
/** Whether the journal holds any call at all, for "Clear journal" (off with none). */
let anyCalls = false;
/**
 * The newest call in the whole journal when the view counted it: "Clear journal" deletes
 * through it only. Reads redraw nothing (no commit, no change event), so the view said
 * "6 calls" while the journal held 11, and the whole journal went ("Cleared 18 calls").
 */
let newestCounted = 0;
/** How many calls the journal held through `newestCounted`, when the view counted them. */
let countedCalls = 0;
/** Which refresh of the journal is the latest: an older one draws nothing. */
let journalDraws = 0;

/** "Clear journal" on only with something to delete, after whatever turned buttons off. */
const showClearState = () => {
  $('journal-clear').disabled = !anyCalls;
};

/** Whether the view's filters may hide calls. */
const isFiltered = () => JOURNAL_FILTERS.some((name) => journalParams.get(name));

/** The question before clearing the journal, as the view stands. */
function clearQuestion() {
  // The server clears the whole journal; say so when filters hide part of it.
  const calls = `${shownCalls} call${shownCalls === 1 ? '' : 's'}`;
  return isFiltered()
    ? `Delete every call in the journal? Not only the ${calls} these filters show: the calls they hide go too.`
    : `Delete all ${calls} in the journal?`;
}

/** The question before removing every fault rule, as the view stands. */
const removeAllQuestion = () =>
  `Remove all ${shownRules} fault rule${shownRules === 1 ? '' : 's'}? Every call then runs as usual.`;

export async function refreshJournal() {
  const query = new URLSearchParams(journalParams);
  query.set('limit', String(JOURNAL_PAGE));
  let page;
  let whole;
  const draw = ++journalDraws;
  try {
    page = await getJournal(`journal?${query}`);
    // "Clear journal" deletes every call up to the newest counted, the ones the filters
    // hide too: it is off only when there is none at all (it asked "Delete all 0
    // calls…"). The unfiltered first page holds the newest; otherwise the whole journal
    // is read for it, after the page, so that it is at least as new as what was counted.
    whole = !isFiltered() && !Number(journalParams.get('offset') || 0) ? page : await get('journal?limit=1');
  } catch (e) {
    if (draw !== journalDraws) return;
    // Under the error, no calls of another filter.
    $('journal-rows').replaceChildren();
    $('journal-caption').textContent = 'Calls';
    $('journal-page').textContent = '';
    shownCalls = 0;
    // Nothing shown, nothing to ask about: a question would count 0 calls and clear all.
    anyCalls = false;
    newestCounted = 0;
    countedCalls = 0;
    showClearState();
    withdraw($('journal-confirm'));
    // Answered by the error (said as an alert), which names the field it refused.
    journalAsked = false;
    unsay($('journal-status'));
    markRefused($('journal-filters'), e, $('journal-error'));
    throw e;
  }
  // A newer refresh began while this one counted: it draws (this page may be older).
  if (draw !== journalDraws) return;
  anyCalls = whole.total > 0;
  newestCounted = whole.calls[0]?.id ?? 0;
  countedCalls = whole.total;
  const offset = Number(journalParams.get('offset') || 0);
  // Past the last page (a typed address, or calls cleared meanwhile): the last page, as
  // the queue does, replacing the address rather than adding to it.
  if (offset > 0 && offset >= page.total) {
    if ($('journal').hidden) return;
    // Off before the address changes, as the page to show keeps it until drawn: a Clear
    // pressed on page 2 then moves its focus on (`refocusAfter`). Left on (calls made
    // since the question were kept), it kept the focus until `showJournal` turned it
    // off, which dropped it to <body>.
    $('journal-clear').disabled = true;
    const next = new URLSearchParams(journalParams);
    const last = Math.max(0, Math.ceil(page.total / JOURNAL_PAGE) - 1) * JOURNAL_PAGE;
    if (last > 0) next.set('offset', String(last));
    else next.delete('offset');
    location.replace(`#/journal?${new URLSearchParams([...next].filter(([, v]) => v !== ''))}`);
    return;
  }
  const rows = page.calls.map((c) => {
    const failed = c.outcome === 'fault';
    const details = { user: c.user, account: c.account, path: c.path, initId: c.initId, mask: c.mask, filter: c.filter, resultLimit: c.resultLimit, args: c.args, total: c.total, replyBytes: c.replyBytes, cached: c.cached };
    return el(
      'tr',
      { 'data-call': c.id, 'data-key': `call ${c.id}`, class: failed ? 'failed' : null },
      cell('#', String(c.id)),
      cell('Time', when(c.time)),
      cell('Transport', c.transport),
      // A call that named no service or method (`/rest/v3.1/` alone) has them empty: shown
      // as missing, not as a bare `::`.
      cell('Call', el('code', { text: `${shownText(c.service) || '?'}::${shownText(c.method) || '?'}` })),
      cell('User', c.user || '—'),
      cell(
        'Outcome',
        failed
          ? el('span', { class: 'error', title: shownText(c.fault?.message) || null, text: c.fault?.class || 'fault' })
          : 'ok',
        c.injected ? el('span', { class: 'badge', text: ` injected by rule ${c.injected}` }) : null,
      ),
      cell('Status', String(c.status ?? '')),
      cell('Duration', c.durationMs === undefined ? '—' : `${Number(c.durationMs).toFixed(1)} ms`),
      cell('Details', el('details', {}, el('summary', { text: 'Call' }),
        failed ? el('p', { class: 'error', text: shownText(c.fault?.message) || '' }) : null,
        el('pre', { class: 'json', text: pretty(details) }))),
    );
  });
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 9, class: 'empty', text: 'No calls match.' })));
  fill($('journal-rows'), rows);
  shownCalls = page.total;
  $('journal-caption').textContent = `${page.total} call${page.total === 1 ? '' : 's'}`;
  $('journal-page').textContent = page.total
    ? `calls ${offset + 1}–${Math.min(page.total, offset + JOURNAL_PAGE)} of ${page.total}`
    : '';
  $('journal-prev').disabled = offset === 0;
  $('journal-next').disabled = offset + JOURNAL_PAGE >= page.total;
  showClearState();
  keepPagerFocus($('journal-prev'), $('journal-next'));
  $('journal-error').textContent = '';
  unmarkRefused($('journal-filters'));
  announceCalls(page.total, offset);
  // Calls came or went while "Clear journal" asked: the question no longer says what goes.
  recheck($('journal-confirm'), clearQuestion(), $('journal-outcome'));
}

/**
 * Says what the person's own filter or page turn shows, as the queue does: the caption
 * and the pager changed in silence, and a screen reader heard nothing after Enter. Not
 * for a live redraw (a test suite's calls would be read out nonstop).
 */
function announceCalls(total, offset) {
  if (!journalAsked) return;
  journalAsked = false;
  sayAnew($('journal-status'), total ? `Calls ${offset + 1}–${Math.min(total, offset + JOURNAL_PAGE)} of ${total}.` : 'No calls match.');
}

/** Deletes the calls up to `through`, and counts those left (newer: kept), if it can. */
async function clearThrough(through) {
  const answer = await del(`journal?through=${through}`);
  const kept = await get('journal?limit=1').then((left) => left.total, () => null);
  return { ...answer, kept };
}

/**
 * What a clear did: how many calls went, how many newer ones stayed, and how many of the
 * `counted` ones had already gone. With the journal full, calls made while the question
 * was open pushed counted ones out, and "Cleared 7428 calls" after "Delete all 10000
 * calls" did not say where the other 2,572 went.
 */
function clearedSaying({ deleted, kept }, counted) {
  let said = `Cleared ${deleted} call${deleted === 1 ? '' : 's'}.`;
  if (kept) said += ` ${kept === 1 ? 'The call' : `The ${kept} calls`} made since the question counted ${kept === 1 ? 'was' : 'were'} kept.`;
  const gone = counted - deleted;
  // Not "of the N counted": a filtered view's question named only the calls it showed.
  if (gone > 0) said += ` ${gone === 1 ? 'One call' : `${gone} calls`} counted had already left the journal, which keeps only its newest calls (the server's --journal-size, fewer when they are large), or had been cleared elsewhere.`;
  return said;
}

function journalAt(next) {
  goTo(`#/journal?${new URLSearchParams([...next].filter(([, v]) => v !== ''))}`);
}

/**
 * What a rule matches and does, as a list of strings and of what `typed` makes of the
 * text typed into the rule (a service, a user, a fault's class and message): in the
 * table each is isolated in a <bdi>, in the outcome's sentence (text only) its direction
 * controls are shown. A U+202E in a fault message turned the rest of the row around.
 */
function describeMatch(rule, typed) {
  const parts = [rule.transport, rule.service, rule.method].filter(Boolean).map(typed);
  const call = parts.length ? parts.flatMap((part, i) => (i ? [' ', part] : [part])) : ['every call'];
  return rule.user ? [...call, ' by ', typed(rule.user)] : call;
}

function describeEffect(rule, typed) {
  const effects = [];
  if (rule.preset) effects.push([`preset ${rule.preset}`]);
  if (rule.fault) effects.push([typed(rule.fault.class), ': ', typed(rule.fault.message ?? '')]);
  if (rule.http) effects.push([`HTTP ${rule.http.status}`]);
  if (rule.drop_connection) effects.push(['drops the connection']);
  const listed = effects.flatMap((effect, i) => (i ? [', ', ...effect] : effect));
  // "delayed", not "after": "after" is how How often says the calls let through first
  // ("→ after 5 ms. After 9 more calls" said a delay and a count in the same word). Said
  // first, as the server waits first, then answers: after a fault's message it read
  // "exceeded., delayed 5 ms", and after "drops the connection" as though it came later.
  if (!rule.latency_ms) return listed;
  const delay = `delayed ${rule.latency_ms} ms`;
  return listed.length ? [`${delay}, then `, ...listed] : [delay];
}

const isolated = (text) => el('bdi', { text });
const asText = (parts) => parts.join('');

/** Opens the fault rules: "Remove every rule" is off until they are drawn (pressed
 * before, it asked about "all 0 fault rules" and removed every one). */
export function showFaults() {
  $('faults-clear').disabled = true;
  return refreshFaults();
}

export async function refreshFaults() {
  let listed;
  try {
    listed = await getFaults('faults');
  } catch (e) {
    // Under the error the rules shown may be gone or others: nothing to ask about.
    $('faults-clear').disabled = true;
    withdraw($('faults-confirm'));
    throw e;
  }
  const { rules } = listed;
  const row = (r) =>
    el(
      'tr',
      { 'data-rule': r.id, 'data-key': `rule ${r.id}` },
      cell('Rule', String(r.id)),
      cell('Matches', describeMatch(r, isolated)),
      cell('Effect', describeEffect(r, isolated)),
      cell('How often', howOften(r)),
      cell('Fired', String(r.fired)),
      cell('Remove', el('button', { type: 'button', class: 'small secondary', 'aria-label': `Remove rule ${r.id}`, onclick: () => removeRule(r.id), text: 'Remove', ...waiting($('fault-rows')) })),
    );
  const none = () => el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'No fault rules: every call runs as usual.' }));
  fillRows($('fault-rows'), rules, JSON.stringify, row, none);
  shownRules = rules.length;
  $('faults-clear').disabled = shownRules === 0;
  $('faults-error').textContent = '';
  // A rule added, or run out, while "Remove every rule" asked.
  recheck($('faults-confirm'), removeAllQuestion(), $('fault-form').querySelector('.outcome'));
}

/**
 * How often a rule fires, as its row and the words for an added one say it. A
 * probability is said of each call: "every time, p=0.5" said both always and half the
 * time.
 */
function howOften(r) {
  const chance = r.probability !== null && r.probability !== undefined ? `each call with probability ${r.probability}` : '';
  const times = r.times ? `${r.times} time${r.times === 1 ? '' : 's'}` : '';
  return [
    r.after ? `after ${r.after} more call${r.after === 1 ? '' : 's'}, ` : '',
    [times, chance].filter(Boolean).join(', ') || 'every time',
  ].join('');
}

/**
 * One removal at a time: a double-click on Remove sent two DELETEs, the second a 404.
 * A rule gone by the time Remove is pressed (it ran out, between two polls, or another
 * tab removed it) is no failure: the alert "Failed: no fault rule 12" said so.
 */
function removeRule(id) {
  const status = $('fault-form').querySelector('.outcome');
  const remove = () => del(`faults/${id}`).catch((e) => {
    if (e instanceof ApiError && e.status === 404) return { gone: true };
    throw e;
  });
  const said = (answer) => (answer.gone ? `Rule ${id} was already gone: it had run out, or was removed elsewhere.` : `Removed rule ${id}.`);
  return oneAtATime($('fault-rows'), () => settle(status, remove, said, refreshFaults), status);
}

/** The form's field a server's refusal of a rule names, by its words, or null. */
function refusedField(message) {
  const named = message.match(/^unknown (preset|transport|service|method)\b/) || message.match(/^"(http|latency_ms|after|times|probability)"/);
  if (named) return { latency_ms: 'latency' }[named[1]] || named[1];
  // A method the service (or every service) lacks: "SoftLayer_Ticket has no method 'x'",
  // "no service the emulator serves has a method 'x'" (faults.rs `check_names`).
  if (/ has (no|a) method '/.test(message)) return 'method';
  return /exception class/.test(message) ? 'class' : null;
}

/** The number fields, each with what it takes and a test of the text. */
const NUMBERS = {
  http: ['HTTP status', 'a whole number, 400–599', (t) => /^\d+$/.test(t) && Number(t) >= 400 && Number(t) <= 599],
  latency: ['Latency', 'a whole number of milliseconds, at most 600000 (ten minutes)', (t) => /^\d+$/.test(t) && Number(t) <= 600000],
  // Bounded where a Number stops counting exactly: past it the value sent would not be
  // the one typed. Said so: "0 or more" refused 2^53 as if it were no whole number.
  after: ['After', 'a whole number of calls, 0 to 9007199254740991', (t) => /^\d+$/.test(t) && Number.isSafeInteger(Number(t))],
  times: ['Times', 'a whole number, 1 to 9007199254740991', (t) => /^\d+$/.test(t) && Number(t) >= 1 && Number.isSafeInteger(Number(t))],
  probability: ['Probability', 'a number from 0 to 1, such as 0.5', (t) => /^(\d+(\.\d*)?|\.\d+)$/.test(t) && Number(t) <= 1],
};

/**
 * The rule the form describes, with only the fields that were filled in; or, for a
 * number field it cannot read ("50%", "two", "1s"), `problem` and the `field`. Such a
 * value must stop the rule: sent as NaN it would reach the server as null, and a rule
 * whose "Times" was dropped fires for ever.
 */
function ruleFromForm(form) {
  const value = (name) => form.elements[name].value.trim();
  for (const [name, [label, wanted, ok]] of Object.entries(NUMBERS)) {
    if (value(name) !== '' && !ok(value(name))) {
      return { problem: `${label} “${value(name)}” is not ${wanted}. Nothing was added.`, field: form.elements[name] };
    }
  }
  // A message is a fault's: without a class it was left out, and the rule added did
  // something else than what was typed.
  if (value('message') && !value('class')) {
    return { problem: 'A Fault message needs a Fault class (SoftLayer_Exception_…). Nothing was added.', field: form.elements.class };
  }
  const number = (name) => Number(value(name));
  const rule = {};
  for (const key of ['preset', 'service', 'method', 'user', 'transport']) if (value(key)) rule[key] = value(key);
  if (value('class')) rule.fault = { class: value('class'), ...(value('message') ? { message: value('message') } : {}) };
  if (value('http')) rule.http = { status: number('http') };
  if (form.elements.drop.checked) rule.drop_connection = true;
  if (value('latency')) rule.latency_ms = number('latency');
  if (value('after')) rule.after = number('after');
  if (value('times')) rule.times = number('times');
  if (value('probability')) rule.probability = number('probability');
  return { rule };
}

/** A form's named fields. */
const fieldsOf = (form) => [...form.elements].filter((f) => f.name);

/**
 * The fields of `form` the person changes (typing, choosing, ticking) from now until
 * `stop()` is called.
 */
function touchedIn(form) {
  const touched = new Set();
  const note = (event) => touched.add(event.target);
  form.addEventListener('input', note);
  form.addEventListener('change', note);
  return {
    touched,
    stop: () => {
      form.removeEventListener('input', note);
      form.removeEventListener('change', note);
    },
  };
}

/**
 * Once a rule is added, empties the fields sent, as the form's reset would, but those
 * the person has touched since the press (the next rule's): they keep what they hold.
 * The whole form was reset, and what was typed meanwhile was lost; then the fields still
 * holding what was sent were emptied, also those typed again alike for the next rule
 * (same Service, same Times), and the next press added a rule for every service, firing
 * for ever.
 */
function emptySent(sent, touched) {
  for (const field of sent) {
    if (touched.has(field)) continue;
    if (field.type === 'checkbox') {
      field.checked = field.defaultChecked;
    } else {
      field.value = field.tagName === 'SELECT'
        ? ([...field.options].find((o) => o.defaultSelected) || field.options[0])?.value ?? ''
        : field.defaultValue;
    }
  }
}

export function initJournal(failed) {
  const guard = (fn) => (event) => {
    event.preventDefault();
    fn().catch(failed);
  };
  const form = $('journal-filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of JOURNAL_FILTERS) next.set(name, form.elements[name].value.trim());
    journalAt(next);
  });
  applyOnChange(form);
  const turn = (by) => {
    const next = new URLSearchParams(journalParams);
    next.set('offset', String(Math.max(0, Number(journalParams.get('offset') || 0) + by * JOURNAL_PAGE)));
    journalAt(next);
  };
  $('journal-prev').addEventListener('click', () => turn(-1));
  $('journal-next').addEventListener('click', () => turn(1));
  // One read at a time: a double-click read the journal twice.
  // Refresh turns the form's buttons off while it runs and on again after: Clear's own
  // state is set again once it has (it was on with nothing to delete).
  // Also when the refresh fails: the buttons turned on again included Clear, which then
  // asked about "0 calls" and cleared them all.
  $('journal-refresh').addEventListener('click', guard(async () => {
    try {
      await oneAtATime($('journal-refresh').closest('form'), refreshJournal);
    } finally {
      showClearState();
    }
  }));
  $('journal-clear').addEventListener('click', guard(async () => {
    // What the question counts, as it is asked: calls made while it is open are kept.
    const through = newestCounted;
    const counted = countedCalls;
    if (!(await confirmStep($('journal-confirm'), clearQuestion(), 'Clear journal'))) return;
    await settle($('journal-outcome'), () => clearThrough(through), (answer) => clearedSaying(answer, counted), refreshJournal);
    // Cleared, the button is off (nothing left to delete): the focus, on it, fell to the page.
    refocusAfter($('journal-clear'), $('journal-filters'));
  }));

  const rules = $('fault-form');
  rules.addEventListener('submit', guard(() => oneAtATime(rules, async () => {
    const { rule, problem, field } = ruleFromForm(rules);
    for (const field of fieldsOf(rules)) {
      field.removeAttribute('aria-invalid');
      field.removeAttribute('aria-describedby');
    }
    if (problem) {
      outcome(rules.querySelector('.outcome'), problem, true);
      // Described by the refusal, as the server's are: marked alone, a screen reader
      // said the field was invalid but not why.
      markInvalid(field, rules.querySelector('.outcome'));
      field.focus();
      return;
    }
    const sent = fieldsOf(rules);
    const since = touchedIn(rules);
    try {
      await settle(
        rules.querySelector('.outcome'),
        () => post('faults', rule).catch((e) => {
          const named = e instanceof ApiError && e.status === 400 && refusedField(e.message);
          if (named) markInvalid(rules.elements[named], rules.querySelector('.outcome'));
          throw e;
        }),
        (rule) => {
          emptySent(sent, since.touched);
          // A fault's message ends a sentence of its own more often than not.
          const effect = asText(describeEffect(rule, shownControls));
          // With how often: an After or Times typed was otherwise said nowhere but the table.
          const often = howOften(rule);
          return `Added rule ${rule.id}: ${asText(describeMatch(rule, shownControls))} → ${effect}${/[.?!]$/.test(effect) ? '' : '.'} ${often[0].toUpperCase()}${often.slice(1)}.`;
        },
        refreshFaults,
        // Added, its answer unread: emptied too, or the next press added it again.
        () => emptySent(sent, since.touched),
      );
    } finally {
      since.stop();
    }
  }, rules.querySelector('.outcome'))));
  $('faults-clear').addEventListener('click', guard(async () => {
    if (!(await confirmStep($('faults-confirm'), removeAllQuestion(), 'Remove every rule'))) return;
    await settle(rules.querySelector('.outcome'), () => del('faults'), (answer) => `Removed ${answer.deleted} rule${answer.deleted === 1 ? '' : 's'}.`, refreshFaults);
    refocusAfter($('faults-clear'), rules);
  }));
}

// Building the page from data. Ticket text is written by whoever opened the ticket, so
// values only ever become text nodes or attribute values: nothing here parses HTML.

import { ApiError, DoneUnread, Unauthorised } from './api.js';

/** An element with attributes, event handlers and children (strings become text). */
/**
 * An account as every view names it: its name and its id, since names may repeat (the
 * pytest plugin makes one account per test from one document); a generated name ("Test
 * Account 3001") already ends with its id.
 */
export function accountNamed(name, id) {
  if (!name) return [`Account ${id}`];
  const named = el('bdi', { text: name });
  return name.endsWith(` ${id}`) ? [named] : [named, ` (${id})`];
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces every child of `node`. Live updates redraw whole lists, so what the person
 * was at survives by key: in rows marked `data-key`, the focused control (by its place
 * in its row) and the open <details>. Without it every write anywhere took the focus
 * to <body> and folded the journal's and outbox's details.
 */
export function fill(node, ...children) {
  const kept = remember(node);
  node.replaceChildren();
  append(node, children);
  restore(node, kept);
  return node;
}

/**
 * What each list (the ticket's facts, the clock's) was last drawn from, and its first
 * child then: a list emptied since (another ticket, a sign-out) is drawn again.
 */
const drawnFrom = new WeakMap();

/**
 * Runs `draw`, which fills `node`, unless `node` still shows what `signature` describes.
 * Lists are read again at every write anywhere, and the Clock and Faults views every
 * 2 s: redrawn whole, each read cleared the text the person had selected, though
 * nothing had changed.
 */
export function drawIfChanged(node, signature, draw) {
  const last = drawnFrom.get(node);
  if (last && node.firstChild && last.first === node.firstChild && last.signature === signature) return;
  draw();
  drawnFrom.set(node, { signature, first: node.firstChild });
}

/** `node` is drawn at the next `drawIfChanged`, whatever it is drawn from. */
export const drawAgain = (node) => drawnFrom.delete(node);

/** What each row `fillRows` drew was drawn from. */
const rowDrawnFrom = new WeakMap();

/**
 * As `fill`, for rows drawn from data (`draw` makes each one from its datum, `empty` the
 * row said when there is none), keeping every row whose datum is unchanged (by
 * `signature`) as drawn: only rows that came, changed or went are added, replaced or
 * removed. Redrawn whole at every change event (the queue) or poll (the fault rules), a
 * row's text the person had selected was deselected, though that row had not changed.
 */
export function fillRows(node, data, signature, draw, empty) {
  const drawn = new Map();
  for (const row of node.children) if (rowDrawnFrom.has(row)) drawn.set(rowDrawnFrom.get(row), row);
  const rowFor = (key, make) => {
    const kept = drawn.get(key);
    drawn.delete(key);
    if (kept) return kept;
    const row = make();
    rowDrawnFrom.set(row, key);
    return row;
  };
  const items = data.map((datum) => rowFor(signature(datum), () => draw(datum)));
  if (items.length === 0) items.push(rowFor('\u0000empty', empty));
  const children = [...node.children];
  if (items.length === children.length && items.every((item, i) => item === children[i])) return node;
  const kept = remember(node);
  const wanted = new Set(items);
  for (const child of children) if (!wanted.has(child)) child.remove();
  // In order, moving or adding a row only where it is not already in its place.
  let at = node.firstElementChild;
  for (const item of items) {
    if (item === at) at = at.nextElementSibling;
    else node.insertBefore(item, at);
  }
  restore(node, kept);
  return node;
}

/**
 * A table cell labelled for the phone's cards (see console.css), its content in one
 * element: there each part of a cell ("delayed 5 ms, then …", a fault's class, ": ", its
 * message) was a column of its own, a few letters wide, its words broken anywhere.
 */
export const cell = (label, ...content) => el('td', { 'data-label': label }, el('div', { class: 'value' }, ...content));

/** The statuses waiting to be written (see `sayAnew`). */
const sayings = new WeakMap();

/**
 * Writes `text` into the status `node` to be read out, even when it says what it said
 * last (emptied first, written a moment later: the same text again is not read).
 */
export function sayAnew(node, text) {
  unsay(node);
  sayings.set(node, setTimeout(() => {
    node.textContent = text;
  }, 100));
}

/** Empties the status `node`, with nothing waiting to be written into it. */
export function unsay(node) {
  clearTimeout(sayings.get(node));
  node.textContent = '';
}

/**
 * A filter refused by the server ("since=not a date: …", "ticket=abc is not an
 * integer") marks the field of `form` it names, described by `said`, where the refusal
 * is written, as the Clock and Fault forms' refused fields are.
 */
export function markRefused(form, error, said) {
  const named = error instanceof ApiError && error.status === 400 && error.message.match(/^(\w+)=/);
  const field = named && form.elements[named[1]];
  if (field) markInvalid(field, said);
}

/** No field of `form` is marked refused (see `markRefused`): what it holds was taken. */
export function unmarkRefused(form) {
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
}

const FOCUSABLE = 'a[href], button, summary, input, select, textarea, [tabindex]';
const rows = (node) => [...node.querySelectorAll('[data-key]')];

function remember(node) {
  const active = document.activeElement;
  const row = active && node.contains(active) ? active.closest('[data-key]') : null;
  const focus = row && node.contains(row)
    ? { key: row.dataset.key, index: [...row.querySelectorAll(FOCUSABLE)].indexOf(active), place: rows(node).indexOf(row) }
    : null;
  const open = new Set(rows(node).filter((r) => r.querySelector('details[open]')).map((r) => r.dataset.key));
  return { focus, open };
}

/**
 * Where `node` is, to find it again once its view is drawn anew: its row's key and its
 * place in the row (rows are redrawn), or its id; null for neither.
 */
export function placeOf(node) {
  const row = node.closest('[data-key]');
  if (row) return { key: row.dataset.key, index: [...row.querySelectorAll(FOCUSABLE)].indexOf(node) };
  return node.id ? { id: node.id } : null;
}

/** The focusable element at `index` in `row`; index -1: the keyed row itself (a status tab). */
const inRow = (row, index) => (index < 0 ? row : row.querySelectorAll(FOCUSABLE)[index]);

/** The element at `place` (see `placeOf`) in `container`, or null if it is gone. */
export function findPlace(container, place) {
  if (!place) return null;
  if (place.id) return container.querySelector(`#${CSS.escape(place.id)}`);
  const row = rows(container).find((r) => r.dataset.key === place.key);
  return (row && inRow(row, place.index)) || null;
}

function restore(node, { focus, open }) {
  for (const row of rows(node)) {
    if (open.has(row.dataset.key)) for (const d of row.querySelectorAll('details')) d.open = true;
  }
  if (!focus) return;
  const all = rows(node);
  const row = all.find((r) => r.dataset.key === focus.key);
  const target = row && inRow(row, focus.index);
  if (target) target.focus({ preventScroll: true });
  else if (!row) keepNear(node, all, focus);
}

/**
 * The focused row is gone from the redraw (someone closed its ticket, its rule ran out,
 * new tickets pushed it to the next page): the focus goes to the row now in its place,
 * else the one before, else the view's title. It fell to <body>, and the next Tab
 * started again from the top of the page. An Enter pressed for the row that went is not
 * one for the row the focus moved to (see [`justActed`]): it opened the next ticket, or
 * removed the next fault rule, as ticket.js's keepActionFocus already guards.
 */
function keepNear(node, all, focus) {
  const near = all[focus.place] || all[all.length - 1];
  const target = near
    ? inRow(near, focus.index) || near.querySelector(FOCUSABLE)
    : node.closest('section')?.querySelector('h2[tabindex]');
  if (!target) return;
  target.focus({ preventScroll: true });
  justActed(near || null);
}

export const $ = (id) => document.getElementById(id);

/**
 * A date as the person reads it, with the exact value in `datetime`: in US Central time,
 * as SoftLayer writes its dates and the Clock view says "Now (US Central)", and labelled
 * so (CST or CDT) whatever the browser's own zone.
 */
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/Chicago' });
const ZONE = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', timeZoneName: 'short' });
export function when(iso) {
  if (!iso) return el('span', { class: 'muted', text: '—' });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('time', { datetime: iso, title: iso, text: iso });
  const zone = ZONE.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value || 'US Central';
  return el('time', { datetime: iso, title: iso, text: `${DATE.format(date)} ${zone}` });
}

/** Invisible controls that change the direction of the text after them. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text with its direction controls shown as code points, where it cannot be isolated
 * (`<bdi>`): a name's U+202E turned the rest of the text around. */
export const shownControls = (text) =>
  text.replace(BIDI_CONTROLS, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase()}⟩`);

/**
 * Fills a <select> with choices, keeping its first `keep` options and its value (one no
 * longer among the choices stays too, marked: see `pick`). An option holds text alone,
 * so a name's direction controls are shown (an employee's U+202E printed "(sl-rlo)"
 * backwards, there and in "Assigned to …").
 */
export function choose(select, choices, keep = 0) {
  const value = select.value;
  while (select.options.length > keep) select.remove(keep);
  for (const c of choices) select.append(el('option', { value: c.id, text: shownControls(c.name) }));
  pick(select, value);
}

/** Sets a filter field to the address's value: a text box as it is, a <select> by `pick`. */
export function setField(field, value) {
  if (field.tagName === 'SELECT') pick(field, value);
  else field.value = value;
}

/**
 * Sets a <select> to `value`. A value it does not offer (a typed address's
 * `?account=99999`, an account deleted meanwhile) gets an option of its own, saying
 * so, rather than leave the box blank while the view is filtered by it.
 */
export function pick(select, value) {
  for (const o of [...select.options]) if (o.dataset.unknown !== undefined && o.value !== value) o.remove();
  const offered = [...select.options].some((o) => o.value === value);
  // Nothing chosen yet, and no empty choice: the browser's default (the first) stays.
  if (value === '' && !offered) return;
  if (!offered) {
    select.append(el('option', { value, 'data-unknown': true, text: `${value} (no such choice)` }));
  }
  select.value = value;
}

/**
 * Whether the filter form being submitted goes into the history in place of the current
 * entry (see `applyOnChange`).
 */
let replacing = false;

/**
 * Wires a filter form's lists to apply a choice at once (its text boxes apply on Enter).
 * Arrowing through a closed <select> changes it, and so applies it, once per key press:
 * each pushed a history entry, and Back had to be pressed once per option passed. The
 * first change of a list from the keyboard pushes an entry; the next ones, while the
 * list keeps the focus and the address is still that entry, replace it. A choice made
 * with the pointer pushes one, as before.
 */
export function applyOnChange(form) {
  for (const select of form.querySelectorAll('select')) {
    // A key changed it (not a pointer, from the open list); the entry its keys made.
    let keyed = false;
    let entry = null;
    select.addEventListener('keydown', () => {
      keyed = true;
    });
    select.addEventListener('pointerdown', () => {
      keyed = false;
    });
    select.addEventListener('blur', () => {
      keyed = false;
      entry = null;
    });
    select.addEventListener('change', () => {
      replacing = keyed && entry === location.hash;
      try {
        form.requestSubmit();
      } finally {
        replacing = false;
      }
      entry = keyed ? location.hash : null;
      keyed = false;
    });
  }
}

/** Shows the view at `hash`: a new history entry, or the current one's replacement. */
export function goTo(hash) {
  if (replacing) location.replace(hash);
  else location.hash = hash;
}

/**
 * Runs an action, redraws its view, and only then says how it went (`describe` turns the
 * answer into words; the server's refusal, or no answer at all, shows as a failure).
 * Whoever sees the outcome therefore sees the action's effect in the view too, never the
 * view from before it. A redraw that fails still lets the outcome show (the view reports
 * its own error); only a refused token goes past both, to the sign-in form.
 */
/**
 * Runs `action`, a form's submission, one at a time: the form's buttons are off while it
 * runs, and a submission meanwhile (a double-click, Enter pressed twice) is dropped. Two
 * presses of Advance moved the clock twice, and two of Add rule added two rules, where
 * one press was meant. The focus goes back to the button pressed, which lost it when it
 * was turned off; meanwhile it waits on `status`, where the action says how it goes.
 */
export async function oneAtATime(form, action, status = null) {
  if (form.dataset.busy) return;
  const seen = inputs;
  form.dataset.busy = 'true';
  const pressed = document.activeElement;
  const buttons = [...form.querySelectorAll('button')].filter((button) => !button.disabled);
  const place = buttons.includes(pressed) ? { ...placeOf(pressed), row: rows(form).indexOf(pressed.closest('[data-key]')) } : null;
  // A button turned off drops the focus to <body> (the next Tab started from the top,
  // and a redraw meanwhile could not keep it): it waits on the form's status, which
  // says "Working…", and comes back once the action is over.
  if (place && status) {
    // Shown (an empty status is not), as the action will say anyway.
    outcome(status, 'Working…');
    status.tabIndex = -1;
    status.focus({ preventScroll: true });
  }
  for (const button of buttons) {
    button.disabled = true;
    button.dataset.waiting = '';
  }
  try {
    await action();
  } finally {
    delete form.dataset.busy;
    // Also the buttons a redraw drew off meanwhile (see `waiting`).
    for (const button of form.querySelectorAll('button[data-waiting]')) {
      button.disabled = false;
      delete button.dataset.waiting;
    }
    if (place) backToPlace(pressed, place, form, status);
    justActed(form, seen);
  }
}

/**
 * Props for a button drawn into `form` while its action runs: off, as the ones drawn
 * before it, and turned on again with them. The Fault view's poll redrew every Remove on
 * during a slow removal, and a press on another rule's was dropped without a word.
 */
export const waiting = (form) => (form.dataset.busy ? { disabled: true, 'data-waiting': true } : {});

/**
 * After an action, the focus goes back from the status to the button pressed, or, if a
 * redraw replaced it, to the same control of its row, or, if the row went (the rule
 * removed), to that control of the row now in its place: it went to the first rule's
 * Remove. If the person has moved it meanwhile, it stays where they put it.
 */
function backToPlace(pressed, place, form, status) {
  const now = document.activeElement;
  if (now && now !== document.body && now !== status && usable(now)) return;
  const all = rows(form);
  const near = place.row >= 0 ? all[place.row] || all[all.length - 1] : null;
  const target = [pressed, findPlace(form, place), near && inRow(near, place.index)].find(usable);
  if (target) target.focus();
  else refocusAfter(pressed, form);
}

/**
 * A press is one action, also where the action is over before the press is (a local
 * server answers in milliseconds). Enter held down repeated the action as soon as the
 * one before was done (Advance moved the clock 22 h for 1 h; Add rule went on to send
 * the emptied form; Remove, the focus then on the next rule's, removed every rule), and
 * Enter pressed twice ran it twice: after Close the focus is on Reopen, so the second
 * Enter reopened the ticket. So, for every view at once:
 *
 * - a key's auto-repeat activates nothing (Enter still repeats in a text area);
 * - for SETTLE_MS after an action ends, Enter or Space on its form (or row), or on the
 *   control it left the focus on, or there the second click of a double-click, is the
 *   same press again and dropped, unless the person did something else since the press
 *   that began the action (another key, such as Tab or typing, or a click of its own),
 *   also while the action ran: a slow action's next, separate press was dropped.
 *
 * A second press after a pause runs the action again, as it should. Space on a link
 * scrolls the page, and is left to do so.
 */
const SETTLE_MS = 500;
let settling = null;
/** The person's inputs so far (keys and clicks, but the presses dropped here). */
let inputs = 0;

/**
 * An action of `region` (its form; null: none known) has just ended; `seen` is
 * [`inputs`] as it began (by default now: an action that ends as it begins).
 */
export function justActed(region, seen = inputs) {
  const mark = { region, seen, focus: null, until: performance.now() + SETTLE_MS };
  settling = mark;
  // Where the focus is once its caller has put it back (after this returns).
  setTimeout(() => {
    mark.focus = document.activeElement;
  });
}

const echoes = (target) =>
  settling !== null && performance.now() < settling.until && settling.seen === inputs
  && target instanceof Element
  && (Boolean(settling.region?.contains(target)) || target === settling.focus);
const drop = (event) => {
  event.preventDefault();
  event.stopImmediatePropagation();
};

document.addEventListener('keydown', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  // Enter makes a new line in a text area; Space types a space but on a button.
  const press = target !== null && !target.closest('textarea, [contenteditable]')
    && (event.key === 'Enter' || (event.key === ' ' && target.closest('button, summary') !== null));
  if (press && (event.repeat || echoes(target))) {
    drop(event);
    return;
  }
  inputs += 1;
}, true);

document.addEventListener('mousedown', (event) => {
  if (event.detail <= 1) inputs += 1;
}, true);

// Another view (a link, Back) is a new place: no press there repeats one made before.
window.addEventListener('hashchange', () => {
  settling = null;
});

// Text put in a field without a key (pasted by the mouse, filled in by the browser or a
// password manager) is something else done too.
document.addEventListener('input', () => {
  inputs += 1;
}, true);

document.addEventListener('click', (event) => {
  if (event.detail > 1 && echoes(event.target)) drop(event);
}, true);

const CONTROLS = 'button, input, select, textarea, a[href]';

/** Whether `node` can take the focus: in the page, on, and not in a hidden part. */
export const usable = (node) => node && node.isConnected && !node.disabled && !node.closest('[hidden]');

/**
 * After an action, if the focus fell to the page (its control was removed, or turned off
 * by the redraw: a rule's Remove, "Remove every rule" with none left, "Empty the outbox"
 * with nothing in it), puts it back on `pressed` if it can take it, or else on the first
 * control of `near`, or of its view, that can: a keyboard user was sent back to the top
 * of the page.
 */
export function refocusAfter(pressed, near) {
  // A control turned off keeps the focus until the browser next draws, then drops it.
  const now = document.activeElement;
  if (now !== document.body && now !== null && usable(now)) return;
  if (usable(pressed)) {
    pressed.focus();
    return;
  }
  const view = near.closest('section') || near;
  const next = [...near.querySelectorAll(CONTROLS), ...view.querySelectorAll(CONTROLS)].find(usable);
  if (next) next.focus();
}

/**
 * After a pager (`prev`, `next`) turned: at the first or last page the button pressed is
 * off and the focus fell to the page, so it goes to the pager's other button; and a
 * second Enter pressed with the first is the same press (see [`justActed`]), not one on
 * that other button: Enter twice on "Next page" went to the last page and straight back.
 */
export function keepPagerFocus(prev, next) {
  const pressed = document.activeElement;
  if ((pressed !== prev && pressed !== next) || !pressed.disabled) return;
  refocusAfter(pressed, pressed.parentElement);
  justActed(pressed.parentElement);
}

/**
 * `done`, if given, is what the form does once the write is done whatever its answer
 * (empties what was sent): run also for a write done whose answer could not be read,
 * which then says so as a status, not a failure.
 */
export async function settle(node, action, describe, redraw, done = () => {}) {
  const seen = inputs;
  // Said while the action is on its way, as the ticket's actions do: the Clock, fault
  // rule, outbox and journal forms showed nothing, or the last action's outcome, until
  // the answer came.
  outcome(node, 'Working…');
  let said;
  try {
    said = [describe(await action()), false];
  } catch (e) {
    // A refused token goes to sign-in, which empties every outcome.
    if (e instanceof Unauthorised) throw e;
    if (e instanceof DoneUnread) done();
    // Anything else ends "Working…" too (it stayed for good): the action may have been
    // done, or not, and the view redrawn below shows which.
    if (e instanceof DoneUnread) said = [e.message, false];
    else said = [e instanceof ApiError ? `Failed: ${e.message}` : `Failed: ${e.message}. The action may have been done: see what is shown now.`, true];
  }
  let redrawFailed = null;
  try {
    await redraw();
  } catch (e) {
    redrawFailed = e;
  }
  outcome(node, ...said);
  justActed(node.isConnected ? node.closest('form') : null, seen);
  if (redrawFailed) throw redrawFailed;
}

/**
 * Asks in the page before a destructive action: shows `question` in `box` with a button
 * saying `yes` and a Cancel button (focused, the safe choice). Resolves true or false;
 * asking again while a question is open answers the open one false.
 */
export function confirmStep(box, question, yes) {
  if (box.cancelQuestion) box.cancelQuestion();
  // "…so it was withdrawn" beside a new question contradicted it.
  if (box.withdrawnNote) {
    if (box.withdrawnNote.textContent === WITHDRAWN) outcome(box.withdrawnNote, '');
    box.withdrawnNote = null;
  }
  // The button that asked gets the focus back (hiding the box would drop it to <body>).
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const answer = (ok) => {
      box.cancelQuestion = null;
      box.onkeydown = null;
      delete box.dataset.asked;
      const hadFocus = box.contains(document.activeElement);
      fill(box);
      box.hidden = true;
      // The opener may be off by now (a question withdrawn because nothing is left to
      // delete): then the nearest control of the view, not <body>.
      if (hadFocus && opener) refocusAfter(opener, box);
      // Enter twice on Cancel: the second pressed the opener, which asked again.
      justActed(null);
      resolve(ok);
    };
    // Escape dismisses, as it does any dialog.
    box.onkeydown = (event) => {
      if (event.key === 'Escape') answer(false);
    };
    box.cancelQuestion = () => answer(false);
    box.dataset.asked = question;
    fill(
      box,
      el('p', { class: 'question', text: question }),
      el(
        'div',
        { class: 'row' },
        el('button', { type: 'button', class: 'danger confirm-yes', onclick: () => answer(true), text: yes }),
        el('button', { type: 'button', class: 'secondary confirm-no', onclick: () => answer(false), text: 'Cancel' }),
      ),
    );
    box.hidden = false;
    box.querySelector('.confirm-no').focus();
  });
}

/** Answers the question open in `box`, if any, Cancel. */
export function withdraw(box) {
  if (box.cancelQuestion) box.cancelQuestion();
}

/**
 * After a live redraw: withdraws the question open in `box` if the view would now ask
 * another (`question`, as it would word it now: "Delete all 3 messages" where it asked
 * about 2), and says so in `node`. Confirmed, it deleted what the view showed then,
 * not what the question said.
 */
export function recheck(box, question, node) {
  if (!box.cancelQuestion || box.dataset.asked === question) return;
  withdraw(box);
  outcome(node, WITHDRAWN);
  box.withdrawnNote = node;
}

const WITHDRAWN = 'What the question counted changed meanwhile, so it was withdrawn: nothing was deleted. Ask again to see what goes now.';

/**
 * Marks `field` as the one a refusal (`said`, shown beside it) is about, until it is
 * edited: the server's refusals of a rule or a clock value named the field in words
 * only, and the field itself read as fine.
 */
export function markInvalid(field, said) {
  field.setAttribute('aria-invalid', 'true');
  if (said.id) field.setAttribute('aria-describedby', said.id);
  field.addEventListener('input', () => {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }, { once: true });
}

/** Shows what an action did, or why it failed, next to it. */
export function outcome(node, text, failed = false) {
  node.textContent = text;
  node.classList.toggle('error', failed);
  node.setAttribute('role', failed ? 'alert' : 'status');
}

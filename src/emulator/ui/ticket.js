// One ticket: its facts, the whole thread, files (download, preview), devices, and the
// support desk's actions. The action forms are built once; change events redraw only the
// data around them, so a reply being typed survives live updates.

import { post, getBlob, newest, Unauthorised, ApiError } from './api.js';
import { $, el, accountNamed, fill, when, choose, outcome, settle, oneAtATime, refocusAfter, shownControls, usable, justActed, drawIfChanged, drawAgain } from './dom.js';

/** The ticket shown, by its id as the address writes it (digits, not a Number: one past
 * 2^53 was rounded, and the page named another ticket than the address). */
let ticketId = null;
const getTicket = newest();
let previewUrl = null;
/** The ticket as last drawn, or null while it is not (yet) loaded or failed to load. */
let shown = null;
/**
 * The ticket's values the action forms were last set from (group, assignee, awaiting),
 * or null for a ticket not drawn yet. Unlike `shown`, a failed reload keeps it: the
 * next reload that works still tells the person's unsent choices from the ticket's (one
 * network blip reset the awaiting tick, the assignee and the group to the ticket's).
 */
let formFrom = null;
/**
 * The actions running, as `form id` and ticket id (their buttons wait). By ticket: the
 * forms serve every ticket, and a reply on its way to one kept every other ticket's
 * Send off, with no reason given.
 */
const busy = new Set();
const busyKey = (form, id) => `${form.id} ${id}`;
/** Whether `form`'s action for the ticket shown is running. */
const isBusy = (form) => busy.has(busyKey(form, ticketId));
/** What the last Download or Preview of each file (by id) came to, shown beside its
 * buttons and kept across live redraws of the list: [text, failed]. */
const fileOutcomes = new Map();
/** Where a refused token goes (app.js sends the page back to sign-in). */
let onFailure = null;

const IMAGE = /\.(png|jpe?g|gif|bmp)$/i;
const TEXT = /\.(txt|log|csv|conf|cfg|ini|json|xml|ya?ml)$/i;

export function setTicketChoices(choices) {
  choose($('reply-employee'), choices.employees);
  // Keep the "Choose…" placeholders: a ticket without an assignee or a group preselects
  // none.
  choose($('assign-employee'), choices.employees, 1);
  choose($('group-select'), choices.groups, 1);
}

/**
 * Which buttons work: none without a loaded ticket or while their action runs; of close
 * and reopen, the one that applies to the ticket's status.
 */
function updateButtons() {
  const send = $('reply-form').querySelector('button[type=submit]');
  for (const form of document.querySelectorAll('.ticket-actions form')) {
    for (const button of form.querySelectorAll('button')) {
      button.disabled = !shown || isBusy(form);
      // Off while its action runs: the form's "Working…" says why (Send's reasons are
      // gathered below).
      if (button === send) continue;
      if (isBusy(form)) button.setAttribute('aria-describedby', form.querySelector('.outcome').id);
      else button.removeAttribute('aria-describedby');
    }
  }
  // No ticket shown (not found, an error): no reply to skip to. Hidden with the focus on
  // it, the focus would fall to the page: it goes to the title.
  const skip = $('skip-reply');
  if (!shown && document.activeElement === skip) $('ticket-title').focus();
  skip.hidden = !shown;
  const closed = Boolean(shown && shown.statusName === 'Closed');
  if (shown && !isBusy($('state-form'))) {
    $('close-button').disabled = closed;
    $('reopen-button').disabled = !closed;
  }
  // A closed ticket takes no reply (the server refuses it, and said so only once Send
  // was pressed): a note beside the button says so beforehand. The button stays on, so
  // that pressing it still gives the reason, and the draft is kept.
  $('reply-closed').hidden = !closed;
  // A draft written for the ticket that had this id before waits (see `anotherTicket`).
  if (heldDraft) send.disabled = true;
  const why = [closed ? 'reply-closed' : '', heldDraft ? 'reply-held-why' : '', isBusy($('reply-form')) ? 'reply-outcome' : '']
    .filter(Boolean).join(' ');
  if (why) send.setAttribute('aria-describedby', why);
  else send.removeAttribute('aria-describedby');
}

/**
 * Whether the reply box holds a draft written for another ticket under the same id: a
 * snapshot restored removed the ticket, and another customer's new ticket got its id.
 */
let heldDraft = false;

function holdDraft(hold, why = '') {
  heldDraft = hold;
  $('reply-held').hidden = !hold;
  $('reply-held-why').textContent = why;
  updateButtons();
}

/**
 * The reply drafts of the tickets not shown, by ticket id: opening a related ticket
 * emptied the reply box, and Back did not bring the draft back. Each keeps the text, the
 * ticket it was written for (as last drawn, or null), whether it was held (see
 * `heldDraft`) and why, and the "Awaiting customer response" tick (it came back
 * unticked, and the reply went without it). How its send went, if it ended away, is in
 * `endedAway`. The shown ticket's draft is the box itself.
 */
const drafts = new Map();

/** The ticket the draft put back in the box was written for, until the ticket is drawn:
 * another one under its id by then (a restore while it was away) holds it, as for the
 * ticket shown (see `anotherTicket`). */
let draftFor = null;

/** The box's draft put aside for ticket `was` (null: none shown), and `id`'s put back. */
function swapDraft(was, id) {
  const box = $('reply-entry');
  if (was !== null) {
    if (box.value.trim() === '') drafts.delete(was);
    else drafts.set(was, { text: box.value, ticket: formFrom || draftFor, held: heldDraft, why: $('reply-held-why').textContent, awaiting: $('reply-awaiting').checked });
  }
  const saved = (id !== null && drafts.get(id)) || null;
  drafts.delete(id);
  box.value = saved ? saved.text : '';
  $('reply-awaiting').checked = Boolean(saved && saved.awaiting);
  draftFor = saved ? saved.ticket : null;
  holdDraft(Boolean(saved && saved.held), saved ? saved.why : '');
}

/**
 * What each ticket's actions said that ended while the ticket's page was not shown
 * (another ticket, or another view over it), by `busyKey`: `said` ([text, failed]) and
 * the `ticket` acted on, as drawn when the action was pressed (see `keptForAnother`). A reply's
 * draft came back with no word (a resend of a reply the server had taken duplicated it
 * to the customer), a Close, Reopen, Assign or Move failed unannounced, and "Reply
 * sent." was written into the hidden form, or not at all (the draft was just gone). Each
 * is said when its ticket is shown again, once: a failure as an alert, the rest as a
 * status.
 */
const endedAway = new Map();

/**
 * What the ticket shown has to say since it was away, said in its forms: the outcomes
 * kept for it (see `endedAway`), once, and "Working…" again for an action still on its
 * way whose form says nothing (another ticket, or a sign-out, emptied it). Called by
 * app.js once the ticket's page has loaded, is no longer busy and has the focus: written
 * as the page was shown, the text changed inside a subtree marked aria-busy (and one
 * just unhidden), which a screen reader does not read out, and it never changed again.
 */
export function sayKeptOutcomes() {
  if (ticketId === null) return;
  for (const form of document.querySelectorAll('.ticket-actions form')) {
    const key = busyKey(form, ticketId);
    const kept = endedAway.get(key);
    const out = form.querySelector('.outcome');
    endedAway.delete(key);
    if (kept && !isAnother(kept.ticket, shown)) outcome(out, ...kept.said);
    else if (isBusy(form) && !out.textContent) outcome(out, 'Working…');
  }
}

/** What the actions that ended away said is dropped (the drafts stay): a sign-out clears
 * what the actions said, and a refusal came back with its ticket after signing in again. */
export function forgetSendOutcomes() {
  endedAway.clear();
}

/** A reply was sent to ticket `id` while another was shown: its draft is not kept, unless
 * it was written on since (the box kept a reply typed while one was sending). One kept
 * takes the flag the reply set (`ticket`: the answer's, if read), as `sentWith` does for
 * the ticket shown: against the flag as drawn before, the tick sent stayed as a choice
 * made by hand, and came back ticked after someone cleared the flag. */
function draftSent(id, entry, ticket) {
  const draft = drafts.get(id);
  if (draft?.text === entry) drafts.delete(id);
  else if (draft?.ticket && ticket) {
    drafts.set(id, { ...draft, ticket: { ...draft.ticket, awaitingUserResponse: ticket.awaitingUserResponse } });
  }
}

/** Whether `t`, under the id of `was`, is another ticket: another account's, or made at
 * another time. Either unknown (not drawn), it is not known to be. */
const isAnother = (was, t) => Boolean(was && t) && (String(was.accountId) !== String(t.accountId) || was.createDate !== t.createDate);

/**
 * The id shown now names another ticket than the one drawn before (see `heldDraft`):
 * the tab went on to show the other customer's ticket with the reply draft, Send ready,
 * and said nothing. The forms start afresh as for any ticket opened, but the draft is
 * kept (it may be all the person has of it), and Send waits until they say it is for
 * this ticket, or clear it.
 */
function anotherTicket(t) {
  for (const form of document.querySelectorAll('.ticket-actions form')) outcome(form.querySelector('.outcome'), '');
  fileOutcomes.clear();
  ticketGeneration += 1;
  // Drawn again even if the other ticket's files look the same: a Download or Preview
  // outcome said under the one before stayed under its file.
  drawAgain($('files'));
  closePreview();
  formFrom = null;
  if ($('reply-entry').value.trim() === '') return;
  holdDraft(true, `#${t.id} is now another ticket, of ${shownControls(t.accountName || 'another account')} (${t.accountId}): the ticket the reply draft was written for is gone. Check the draft, then keep it for this ticket or clear it.`);
}

/**
 * What the ticket before under `t`'s id said while away is its own: kept, it was said on
 * the one now under its id ("Ticket closed." beside Status: Open, another customer's).
 * Told by the ticket each outcome was kept with, not by what the page drew last: back
 * by way of another ticket, with no draft, nothing of the one before was left to compare.
 */
function keptForAnother(t) {
  for (const form of document.querySelectorAll('.ticket-actions form')) {
    const key = busyKey(form, t.id);
    const kept = endedAway.get(key);
    if (kept && isAnother(kept.ticket, t)) endedAway.delete(key);
  }
}

/**
 * Sets a selector to the ticket's value, unless someone chose another value in it since
 * it was last set (a live update must not undo a choice about to be submitted).
 */
function follow(select, value, before) {
  if (before === undefined || select.value === before) select.value = value;
}

/** Nothing of a ticket stays on the page: under an error only the error shows (and after
 * a sign-out: the actions stayed on, with no ticket shown, until the reload came). */
export function clearTicket() {
  shown = null;
  for (const id of ['ticket-facts', 'thread', 'files', 'devices']) $(id).replaceChildren();
  fileOutcomes.clear();
  closePreview();
  updateButtons();
}

/** Shows the ticket the address names (`idText`, as typed there). */
/** A ticket's id as an address writes it, as the server reads it: leading zeros dropped. */
export const ticketIdOf = (idText) => idText.replace(/^0+(?=\d)/, '');

export async function showTicket(idText) {
  if (!/^\d+$/.test(idText)) {
    swapDraft(ticketId, null);
    ticketId = null;
    clearTicket();
    fill($('ticket-title'), 'No such ticket');
    $('ticket-error').textContent = `“${idText}” is not a ticket id: ticket ids are numbers, as in #/ticket/160000001.`;
    document.title = 'No such ticket · Support console';
    $('ticket-title').focus();
    return;
  }
  // The digits as typed (a Number rounded ids past 2^53), leading zeros aside.
  const id = ticketIdOf(idText);
  if (id !== ticketId) {
    // The tick comes back with the draft (unticked without one).
    swapDraft(ticketId, id);
    ticketId = id;
    // The ticket before's outcomes are not this one's. What this one has to say (an
    // outcome kept for it, or "Working…" for its own action still on its way, whose
    // button is off) is said once its page has loaded (`sayKeptOutcomes`).
    for (const form of document.querySelectorAll('.ticket-actions form')) outcome(form.querySelector('.outcome'), '');
    formFrom = null;
    // The previous ticket's data never shows under this one's heading, even while loading.
    clearTicket();
    fill($('ticket-title'), `Ticket ${id}`);
    document.title = `Ticket ${id} · Support console`;
    $('ticket-error').textContent = '';
  }
  // Back from another view (or signed in again onto it, which emptied every outcome),
  // the box is the draft; an action still on its way, or one that ended meanwhile, says
  // so once the page has loaded (`sayKeptOutcomes`).
  const had = document.activeElement;
  await refreshTicket();
  // Onto the heading, unless the person has moved the focus within the page meanwhile
  // (into the reply box while it loaded: the next keys went to the heading, and were
  // lost), or another ticket is shown by now.
  if (id === ticketId && (document.activeElement === had || document.activeElement === document.body)) {
    $('ticket-title').focus();
  }
}

export async function refreshTicket() {
  if (ticketId === null) return;
  const id = ticketId;
  let t;
  try {
    t = await getTicket(`tickets/${id}`);
  } catch (e) {
    if (e instanceof Unauthorised) throw e;
    // Left for another view while it loaded: its tab title and focus are that view's.
    // Or for another address (`#/ticket/abc`, whose page says it is no ticket id): the
    // error is this ticket's, and it titled that page "Ticket null".
    if ($('ticket').hidden || id !== ticketId) return;
    const had = document.activeElement;
    clearTicket();
    keepActionFocus(had);
    fill($('ticket-title'), `Ticket ${ticketId}`);
    // The tab named the ticket shown before.
    document.title = `Ticket ${ticketId} · Support console`;
    // Written only when it says something new, as app.js `failed` does: every write
    // anywhere reloads the ticket, and each write of an alert may be read out again.
    const said = `Could not load the ticket: ${e.message}`;
    if ($('ticket-error').textContent !== said) $('ticket-error').textContent = said;
    return;
  }
  // The answer for a ticket no longer shown (the newest load is another's, or the person
  // went back to the queue while it loaded, and it retitled the queue's tab): not drawn.
  if (String(t.id) !== ticketId || $('ticket').hidden) return;
  const drawnBefore = formFrom || draftFor;
  const another = Boolean(drawnBefore && isAnother(drawnBefore, t));
  if (another) anotherTicket(t);
  keptForAnother(t);
  draftFor = null;
  $('ticket-error').textContent = '';
  fill($('ticket-title'), `#${t.id} `, el('bdi', { text: t.title || '(no title)' }));
  document.title = `#${t.id} · Support console`;
  // Every write anywhere reloads the ticket (the change event names nothing), so what
  // did not change is left as drawn: redrawn whole, 2,000 updates held the tab ~0.3 s at
  // each write to another ticket, and cleared the text the person had selected.
  drawIfChanged($('ticket-facts'), JSON.stringify({ ...t, updates: null, files: null }), () => renderFacts(t));
  renderThread(t.updates);
  drawIfChanged($('files'), JSON.stringify([ticketId, t.files]), () => renderFiles(t.files));
  drawIfChanged($('devices'), JSON.stringify([t.hardware, t.virtualGuests, t.dedicatedHosts]), () => renderDevices(t));
  const had = document.activeElement;
  const before = formFrom;
  // A draft put back keeps its tick if it was set by hand against the ticket as it was
  // drawn then (the draft's), as a tick does against `formFrom`.
  const awaitingBefore = before || (another ? null : drawnBefore);
  follow($('group-select'), String(t.groupId ?? ''), before ? String(before.groupId ?? '') : undefined);
  follow($('assign-employee'), String(t.assignedEmployeeId ?? ''), before ? String(before.assignedEmployeeId ?? '') : undefined);
  // The reply sends the box as it stands, so it shows the ticket's flag (unless changed
  // by hand): always unchecked, a reply cleared a flag the page showed as set.
  const awaitingBox = $('reply-awaiting');
  if (!awaitingBefore || awaitingBox.checked === Boolean(awaitingBefore.awaitingUserResponse)) {
    awaitingBox.checked = Boolean(t.awaitingUserResponse);
  }
  shown = t;
  formFrom = t;
  updateButtons();
  keepActionFocus(had);
}

function renderFacts(t) {
  const fact = (term, ...value) => [el('dt', { text: term }), el('dd', {}, ...value)];
  const list = (term, values) => (values?.length ? fact(term, el('bdi', { text: values.join(', ') })) : []);
  const flag = (on, label) => el('span', { class: on ? 'badge on' : 'badge off', text: `${label}: ${on ? 'yes' : 'no'}` });
  fill(
    $('ticket-facts'),
    fact('Status', el('span', { class: `badge status-${t.statusId}`, id: 'ticket-status', text: t.statusName })),
    fact('Priority', t.priorityName || '—'),
    fact('Group', t.groupName || '—'),
    fact('Assigned employee', t.assignedEmployeeName ? el('bdi', { text: t.assignedEmployeeName }) : 'Unassigned'),
    fact('Account', ...accountNamed(t.accountName, t.accountId)),
    fact('Subject', t.subjectName || '—'),
    t.locationName ? fact('Location', el('bdi', { id: 'ticket-location', text: t.locationName })) : [],
    fact('Customer contact', el('bdi', { text: t.assignedUserName || '—' })),
    fact('Created', when(t.createDate)),
    fact('Last edited', when(t.lastEditDate), t.lastEditType ? ` by ${t.lastEditType.toLowerCase()}` : ''),
    t.closeDate ? fact('Closed', when(t.closeDate)) : [],
    // What the customer wrote and chose beside the thread (`addFinalComments`,
    // `addAttachedAdditionalEmails`, `addAssignedAgent`, `setTags`): each moved "Last
    // edited by user" with nothing shown changed.
    t.finalComments ? fact('Final comments', el('bdi', { class: 'entry', id: 'ticket-final-comments', text: t.finalComments })) : [],
    list('Notification e-mails', t.additionalEmails),
    list('Assigned agents', t.assignedAgents),
    list('Tags', t.tags),
    fact(
      'Flags',
      el(
        'span',
        { class: 'flags', id: 'ticket-flags' },
        flag(t.administrative, 'Administrative'),
        flag(t.billable, 'Billable'),
        flag(t.awaitingUserResponse, 'Awaiting customer'),
        // A customer whose writes are refused, or who hears nothing of replies, is
        // otherwise a puzzle from the support side.
        flag(t.userEditable, 'Customer may update'),
        flag(t.notifyUserOnUpdate, 'Mails customer on update'),
      ),
    ),
  );
}

function editorLabel(u) {
  const kind = { USER: 'Customer', EMPLOYEE: 'Employee', AUTO: 'Automatic' }[u.editorType] || u.editorType;
  return [u.editorName || (u.editorId ? `#${u.editorId}` : 'unknown'), kind];
}

/** Each update's item drawn, by what it was drawn from (see `updateKey`). */
const updateKeys = new WeakMap();
const updateKey = (u) => JSON.stringify([u.id, u.editorType, u.editorId, u.editorName, u.createDate, u.entry, u.responseRating]);

function updateItem(u) {
  const [name, kind] = editorLabel(u);
  const item = el(
    'li',
    { class: `update ${u.editorType === 'EMPLOYEE' ? 'employee' : 'customer'}`, 'data-update': u.id },
    el(
      'p',
      { class: 'meta' },
      el('strong', { class: 'editor' }, el('bdi', { text: name })), ' · ', el('span', { class: 'kind', text: kind }), ' · ', when(u.createDate),
      // The customer's rating of an employee's reply (`addResponseRating`).
      u.responseRating ? [' · ', el('span', { class: 'rating', text: `rated ${u.responseRating} of 5 by the customer` })] : null,
    ),
    el('p', { class: 'entry', text: u.entry }),
  );
  updateKeys.set(item, updateKey(u));
  return item;
}

/**
 * Draws the thread keeping every item whose update is unchanged: only new updates are
 * added (a reply appends one item), and only items that changed or went are replaced or
 * removed. Text the person has selected in kept items stays selected (every redraw
 * replaced the whole thread, and cleared it).
 */
function renderThread(updates) {
  const thread = $('thread');
  const drawn = new Map();
  for (const item of thread.children) if (updateKeys.has(item)) drawn.set(updateKeys.get(item), item);
  const items = updates.map((u) => drawn.get(updateKey(u)) || updateItem(u));
  if (items.length === 0) items.push(thread.querySelector(':scope > li.muted') || el('li', { class: 'muted', text: 'No updates.' }));
  const wanted = new Set(items);
  for (const item of [...thread.children]) if (!wanted.has(item)) item.remove();
  // In order, moving or adding an item only where it is not already in its place.
  let at = thread.firstChild;
  for (const item of items) {
    if (item === at) at = at.nextSibling;
    else thread.insertBefore(item, at);
  }
}

function renderFiles(files) {
  const items = files.map((f) => {
    const path = `tickets/${ticketId}/files/${f.id}`;
    const previewable = IMAGE.test(f.fileName) || TEXT.test(f.fileName);
    return el(
      'li',
      { 'data-file': f.id, 'data-key': `file ${f.id}` },
      // A customer's file name may hold bidi controls (U+202E): isolated, it cannot
      // reorder the size, date and buttons after it or disguise its extension.
      // Direction controls shown: "photo\u202etxt.png" must not pass for "photognp.txt"
      // (the download keeps the name as it is).
      el('bdi', { class: 'file-name', text: shownControls(f.fileName) }),
      el('span', { class: 'muted', text: ` ${f.fileSize} byte${String(f.fileSize) === '1' ? '' : 's'} · ` }),
      when(f.createDate),
      ' ',
      el('button', { type: 'button', class: 'small', 'aria-label': `Download ${shownControls(f.fileName)}`, onclick: () => fileAction(f.id, 'download', () => download(path, f.fileName)), text: 'Download' }),
      previewable
        ? el('button', { type: 'button', class: 'small secondary', 'aria-label': `Preview ${shownControls(f.fileName)}`, onclick: () => fileAction(f.id, 'preview', () => preview(path, f.fileName, f.id)), text: 'Preview' })
        : null,
      ' ',
      fileOutcome(f.id),
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'muted', text: 'No files.' }));
  fill($('files'), items);
}

function fileOutcome(id) {
  const node = el('span', { class: 'outcome file-outcome' });
  const said = fileOutcomes.get(id);
  if (said) outcome(node, ...said);
  return node;
}

/** Runs a file's Download or Preview and says beside its buttons if it failed (a file
 * gone meanwhile, the server unreachable); a refused token goes back to sign-in. */
/** A file's Download or Preview, one at a time for the file: a double-click fetched it twice, and saved it twice. */
async function fileAction(id, verb, action) {
  const item = $('files').querySelector(`li[data-file="${id}"]`);
  return item ? oneAtATime(item, () => runFileAction(id, verb, action)) : runFileAction(id, verb, action);
}

/** Counts the tickets shown under one id (see `anotherTicket`): a file action begun under
 * the ticket before says nothing under the one that took its id. */
let ticketGeneration = 0;

async function runFileAction(id, verb, action) {
  const forTicket = ticketId;
  const generation = ticketGeneration;
  const say = (...said) => {
    if (ticketId !== forTicket || generation !== ticketGeneration) return;
    if (said[0]) fileOutcomes.set(id, said);
    else fileOutcomes.delete(id);
    const node = $('files').querySelector(`li[data-file="${id}"] .file-outcome`);
    if (node) outcome(node, ...said);
  };
  say('');
  try {
    await action();
  } catch (e) {
    if (e instanceof Unauthorised) return onFailure(e);
    if (!(e instanceof ApiError)) throw e;
    say(`Could not ${verb}: ${e.message}`, true);
  }
}

async function download(path, name) {
  const url = URL.createObjectURL(await getBlob(path));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Counts previews opened and closed: a preview whose file arrives after another one was
 * asked for, or after its ticket gave way to another, is not shown. */
let previewGeneration = 0;

function closePreview() {
  previewGeneration += 1;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  fill($('preview'));
  $('preview').hidden = true;
  $('preview-status').textContent = '';
}

/**
 * "Close preview" pressed: the focus, on the button just removed, fell to <body>, and
 * the next Tab skipped the files; it goes back to the file's Preview button (found
 * again by id: a live redraw may have replaced it), or near it.
 */
function closePreviewOf(id) {
  closePreview();
  refocusAfter($('files').querySelector(`li[data-file="${id}"] button[aria-label^="Preview"]`), $('files'));
  // Enter twice on Close preview: the second pressed Preview, and it opened again.
  justActed($('files'));
}

async function preview(path, name, id) {
  closePreview();
  const mine = previewGeneration;
  const box = $('preview');
  const blob = await getBlob(path);
  const text = IMAGE.test(name) ? null : await blob.text();
  // A large file takes a while: meanwhile the person may have opened another ticket
  // (whose page must not show this one's file) or another preview.
  if (mine !== previewGeneration) return;
  let shown;
  if (text === null) {
    const url = URL.createObjectURL(blob);
    shown = el('img', { src: url, alt: `Preview of ${shownControls(name)}` });
    // Decoded before it is shown: bytes that are no image showed a broken one, unexplained.
    try {
      await shown.decode();
    } catch {
      URL.revokeObjectURL(url);
      throw new ApiError('the file is not an image this browser can show');
    }
    if (mine !== previewGeneration) {
      URL.revokeObjectURL(url);
      return;
    }
    previewUrl = url;
  } else {
    shown = el('pre', { class: 'text-preview', tabindex: 0, 'aria-label': `Contents of ${shownControls(name)}`, text });
  }
  fill(
    box,
    el('p', { class: 'meta' }, el('strong', {}, el('bdi', { class: 'file-name', text: shownControls(name) })), ' ', el('button', { type: 'button', class: 'small secondary', onclick: () => closePreviewOf(id), text: 'Close preview' })),
    shown,
  );
  box.hidden = false;
  // What is read out: the file's name, not its contents (the box held up to 10 MiB of
  // text in a live region, for a screen reader to read whole).
  $('preview-status').textContent = `Preview of ${shownControls(name)} shown below the files.`;
}

function renderDevices(t) {
  const group = (title, devices) =>
    el(
      'div',
      { class: 'devices' },
      el('h4', { text: title }),
      devices.length
        ? el('ul', {}, devices.map((d) => el('li', {}, el('bdi', { text: d.name || '(unnamed)' }), el('span', { class: 'muted', text: ` #${d.id}` }))))
        : el('p', { class: 'muted', text: 'None.' }),
    );
  fill(
    $('devices'),
    group('Hardware', t.hardware),
    group('Virtual guests', t.virtualGuests),
    group('Dedicated hosts', t.dedicatedHosts),
  );
}

/** The value of the ticket each action sets from its form (see `formFrom`). */
const SETS = { reply: 'awaitingUserResponse', assign: 'assignedEmployeeId', group: 'groupId' };

/**
 * The ticket an action answered with: the value it sent is now the ticket's, not an
 * unsent choice. Kept in `formFrom` until a reload works: after a failed one, a box
 * ticked and sent stayed ticked when someone cleared the flag (and the next reply set it
 * again), and an assignee sent stayed chosen when someone reassigned the ticket. Only
 * that value: the answer's others may be newer than the forms, which still hold choices
 * made against `formFrom`.
 */
function sentWith(action, ticket) {
  const field = SETS[action];
  if (field && formFrom && ticket) formFrom = { ...formFrom, [field]: ticket[field] };
}

/**
 * Runs one action: the outcome (`words` for the answer's ticket, or the server's error)
 * shows in the form. `done` is what the form does once the action is done (empties the
 * reply box); `elsewhere` runs instead (with the answer's ticket, if read) when another
 * ticket is shown by then. An outcome while the ticket's page was not shown (another
 * ticket, or another view) is kept for it (see `endedAway`), whatever the action and
 * however it went: only a reply's failure was, and a Close refused, or a reply sent,
 * while the queue was shown was never said.
 */
async function act(form, action, body, words, done = () => {}, elsewhere = () => {}) {
  const out = form.querySelector('.outcome');
  const pressed = document.activeElement;
  // The forms serve every ticket: if another ticket was opened meanwhile, this action's
  // outcome (and `done`, which clears the reply) is not its to show.
  const forTicket = ticketId;
  // Pressed only with the ticket drawn (the buttons are off otherwise).
  const actedOn = shown;
  const key = busyKey(form, forTicket);
  // Pressed while its page loaded, before an outcome kept from the form's last action
  // was said: this action's own outcome is the one said now.
  endedAway.delete(key);
  busy.add(key);
  updateButtons();
  outcome(out, 'Working…');
  const said = el('p');
  try {
    await settle(said, () => post(`tickets/${forTicket}/${action}`, body), (answer) => {
      if (ticketId !== forTicket) {
        elsewhere(answer.ticket);
      } else {
        sentWith(action, answer.ticket);
        done();
      }
      return words(answer.ticket);
    }, refreshTicket, () => {
      // Done, its answer unread: the form empties as on success (a reply left in its box
      // was sent again by the next press).
      if (ticketId === forTicket) done();
      else elsewhere();
    });
  } finally {
    const failed = said.classList.contains('error');
    // Ended while its page was loading again (marked aria-busy), it is kept too: written
    // then, it was not read out, and the load's end says it (`sayKeptOutcomes`). Ended
    // once its id is another ticket's (a restore while it was on its way), it is not
    // that ticket's to say ("Ticket closed." beside its Status: Open).
    if (ticketId !== forTicket || $('ticket').hidden || $('ticket').getAttribute('aria-busy') === 'true') {
      if (said.textContent) endedAway.set(key, { said: [said.textContent, failed], ticket: actedOn });
    } else if (isAnother(actedOn, shown)) outcome(out, '');
    else outcome(out, said.textContent, failed);
    // The redraw has set `shown`: the buttons follow the ticket's new status at once.
    busy.delete(key);
    updateButtons();
    // Not while another ticket is shown: the form is that ticket's now, and its own
    // action may be on its way.
    if (ticketId === forTicket) refocus(form, pressed);
  }
}

/**
 * A button disabled while its action ran lost the focus to <body>: it goes back to that
 * button, or, where it stays off (Close on a closed ticket), to the form's button that
 * applies now (Reopen). Where every button stays off (the server could not be reached,
 * and the ticket could not be loaded again), it goes to the form's first control still
 * usable, the reply box with its draft first, or else to the ticket's title, above the
 * error: it fell to <body>, though after an action the focus stays on its form.
 */
/**
 * A live redraw turned off the action button that had the focus (someone else closed the
 * ticket, or a reset removed it): the focus goes where the person's own action would
 * have left it ([`refocus`]), not to <body>. An action under way places it itself.
 */
function keepActionFocus(had) {
  const form = had?.closest?.('.ticket-actions form');
  if (form && !isBusy(form) && !usable(had)) {
    refocus(form, had);
    // An Enter pressed for the button that went off is not one for the button the
    // focus moved to: it reopened the ticket someone had just closed.
    justActed(form);
  }
}

function refocus(form, pressed) {
  // A button turned off keeps the focus until the browser next draws, then drops it.
  const now = document.activeElement;
  if (now && now !== document.body && (usable(now) || !form.contains(now))) return;
  const target = usable(pressed) && form.contains(pressed)
    ? pressed
    : [form.querySelector('button:not([disabled])'), form.querySelector('textarea'), ...form.querySelectorAll('select, input')].find(usable)
      || $('ticket-title');
  if (target) target.focus();
}

export function initTicket(onUnauthorised) {
  onFailure = onUnauthorised;
  const guard = (fn) => (event) => {
    event.preventDefault();
    fn().catch(onUnauthorised);
  };
  const selected = (select) => select.options[select.selectedIndex]?.text || '';
  // "Skip to reply" moves the focus only, as "Skip to content" does: followed as a link,
  // it would write #reply-entry into the address, which names no view.
  $('skip-reply').addEventListener('click', (event) => {
    event.preventDefault();
    $('reply-entry').focus();
  });
  $('reply-form').addEventListener('submit', guard(async () => {
    if (heldDraft) return;
    const entry = $('reply-entry').value;
    const awaiting = $('reply-awaiting').checked;
    const forTicket = ticketId;
    await act($('reply-form'), 'reply', {
      employee: Number($('reply-employee').value),
      entry,
      awaitingUserResponse: awaiting,
    }, () => `Reply sent${awaiting ? '; the ticket now waits on the customer' : ''}.`, () => {
      // Only the reply that went: one typed while it was sending stays to be sent.
      if ($('reply-entry').value === entry) $('reply-entry').value = '';
    }, (ticket) => draftSent(forTicket, entry, ticket));
  }));
  $('assign-form').addEventListener('submit', guard(async () => {
    if (!$('assign-employee').value) {
      outcome($('assign-form').querySelector('.outcome'), 'Choose the employee to assign first.', true);
      return;
    }
    // Named as sent: the box stays open while the action runs, and another choice made
    // meanwhile was named as if it had been assigned.
    const employee = selected($('assign-employee'));
    await act($('assign-form'), 'assign', { employee: Number($('assign-employee').value) }, () => `Assigned to ${employee}.`);
  }));
  $('group-form').addEventListener('submit', guard(async () => {
    if (!$('group-select').value) {
      outcome($('group-form').querySelector('.outcome'), 'Choose the group to move to first.', true);
      return;
    }
    const group = selected($('group-select'));
    await act($('group-form'), 'group', { group: Number($('group-select').value) }, () => `Moved to ${group}.`);
  }));
  // Enter on "Awaiting customer response" sent the reply at once (a form's implicit
  // submission), often before the box was ticked, and a reply cannot be taken back:
  // Enter does nothing there (Space ticks it; "Send reply" sends).
  $('reply-awaiting').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') event.preventDefault();
  });
  // The held draft is the person's to keep for this ticket, or to clear.
  $('reply-held-keep').addEventListener('click', () => {
    holdDraft(false);
    $('reply-entry').focus();
  });
  $('reply-entry').addEventListener('input', () => {
    if (heldDraft && $('reply-entry').value.trim() === '') holdDraft(false);
  });
  $('state-form').addEventListener('submit', (event) => event.preventDefault());
  $('close-button').addEventListener('click', guard(() => act($('state-form'), 'close', {}, () => 'Ticket closed.')));
  $('reopen-button').addEventListener('click', guard(() => act($('state-form'), 'reopen', {}, () => 'Ticket reopened.')));
}

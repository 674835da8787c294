// One ticket: its facts, the whole thread, files (download, preview), devices, and the
// support desk's actions. The action forms are built once; change events redraw only the
// data around them, so a reply being typed survives live updates.

import { post, getBlob, newest, ApiError } from './api.js';
import { $, el, fill, when, choose, outcome, settle } from './dom.js';

let ticketId = null;
const getTicket = newest();
let previewUrl = null;
/** Whether the action forms still need the ticket's own group and employee chosen. */
let formsUnset = true;

const IMAGE = /\.(png|jpe?g|gif|bmp)$/i;
const TEXT = /\.(txt|log|csv|conf|cfg|ini|json|xml|ya?ml)$/i;

export function setTicketChoices(choices) {
  choose($('reply-employee'), choices.employees);
  choose($('assign-employee'), choices.employees);
  choose($('group-select'), choices.groups);
}

export async function showTicket(id) {
  if (id !== ticketId) {
    ticketId = id;
    for (const form of document.querySelectorAll('.ticket-actions form')) {
      const out = form.querySelector('.outcome');
      outcome(out, '');
    }
    $('reply-entry').value = '';
    $('reply-awaiting').checked = false;
    formsUnset = true;
    closePreview();
  }
  await refreshTicket();
  $('ticket-title').focus();
}

export async function refreshTicket() {
  if (ticketId === null) return;
  let t;
  try {
    t = await getTicket(`tickets/${ticketId}`);
  } catch (e) {
    if (e instanceof ApiError) {
      fill($('ticket-title'), `Ticket ${ticketId}`);
      $('ticket-error').textContent = e.message;
      return;
    }
    throw e;
  }
  $('ticket-error').textContent = '';
  fill($('ticket-title'), `#${t.id} `, el('span', { text: t.title || '(no title)' }));
  document.title = `#${t.id} · Support console`;
  renderFacts(t);
  renderThread(t.updates);
  renderFiles(t.files);
  renderDevices(t);
  if (formsUnset) {
    formsUnset = false;
    if (t.groupId) $('group-select').value = String(t.groupId);
    if (t.assignedEmployeeId) $('assign-employee').value = String(t.assignedEmployeeId);
  }
  const closed = t.statusName === 'Closed';
  $('close-button').disabled = closed;
  $('reopen-button').disabled = !closed;
}

function renderFacts(t) {
  const fact = (term, ...value) => [el('dt', { text: term }), el('dd', {}, ...value)];
  const flag = (on, label) => el('span', { class: on ? 'badge on' : 'badge off', text: `${label}: ${on ? 'yes' : 'no'}` });
  fill(
    $('ticket-facts'),
    fact('Status', el('span', { class: `badge status-${t.statusId}`, id: 'ticket-status', text: t.statusName })),
    fact('Priority', t.priorityName || '—'),
    fact('Group', t.groupName || '—'),
    fact('Assigned employee', t.assignedEmployeeName || 'Unassigned'),
    fact('Account', `${t.accountName || ''} (${t.accountId})`),
    fact('Subject', t.subjectName || '—'),
    fact('Customer contact', t.assignedUserName || '—'),
    fact('Created', when(t.createDate)),
    fact('Last edited', when(t.lastEditDate), t.lastEditType ? ` by ${t.lastEditType.toLowerCase()}` : ''),
    t.closeDate ? fact('Closed', when(t.closeDate)) : [],
    fact(
      'Flags',
      el(
        'span',
        { class: 'flags', id: 'ticket-flags' },
        flag(t.administrative, 'Administrative'),
        flag(t.billable, 'Billable'),
        flag(t.awaitingUserResponse, 'Awaiting customer'),
      ),
    ),
  );
}

function editorLabel(u) {
  const kind = { USER: 'Customer', EMPLOYEE: 'Employee', AUTO: 'Automatic' }[u.editorType] || u.editorType;
  return [u.editorName || (u.editorId ? `#${u.editorId}` : 'unknown'), kind];
}

function renderThread(updates) {
  const items = updates.map((u) => {
    const [name, kind] = editorLabel(u);
    return el(
      'li',
      { class: `update ${u.editorType === 'EMPLOYEE' ? 'employee' : 'customer'}`, 'data-update': u.id },
      el('p', { class: 'meta' }, el('strong', { class: 'editor', text: name }), ' · ', el('span', { class: 'kind', text: kind }), ' · ', when(u.createDate)),
      el('p', { class: 'entry', text: u.entry }),
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'muted', text: 'No updates.' }));
  fill($('thread'), items);
}

function renderFiles(files) {
  const items = files.map((f) => {
    const path = `tickets/${ticketId}/files/${f.id}`;
    const previewable = IMAGE.test(f.fileName) || TEXT.test(f.fileName);
    return el(
      'li',
      { 'data-file': f.id },
      el('span', { class: 'file-name', text: f.fileName }),
      el('span', { class: 'muted', text: ` ${f.fileSize} bytes · ` }),
      when(f.createDate),
      ' ',
      el('button', { type: 'button', class: 'small', 'aria-label': `Download ${f.fileName}`, onclick: () => download(path, f.fileName), text: 'Download' }),
      previewable
        ? el('button', { type: 'button', class: 'small secondary', 'aria-label': `Preview ${f.fileName}`, onclick: () => preview(path, f.fileName), text: 'Preview' })
        : null,
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'muted', text: 'No files.' }));
  fill($('files'), items);
}

async function download(path, name) {
  const url = URL.createObjectURL(await getBlob(path));
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function closePreview() {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  fill($('preview'));
  $('preview').hidden = true;
}

async function preview(path, name) {
  closePreview();
  const box = $('preview');
  const blob = await getBlob(path);
  let shown;
  if (IMAGE.test(name)) {
    previewUrl = URL.createObjectURL(blob);
    shown = el('img', { src: previewUrl, alt: `Preview of ${name}` });
  } else {
    shown = el('pre', { class: 'text-preview', tabindex: 0, 'aria-label': `Contents of ${name}`, text: await blob.text() });
  }
  fill(
    box,
    el('p', { class: 'meta' }, el('strong', { text: name }), ' ', el('button', { type: 'button', class: 'small secondary', onclick: closePreview, text: 'Close preview' })),
    shown,
  );
  box.hidden = false;
}

function renderDevices(t) {
  const group = (title, devices) =>
    el(
      'div',
      { class: 'devices' },
      el('h4', { text: title }),
      devices.length
        ? el('ul', {}, devices.map((d) => el('li', {}, el('span', { text: d.name || '(unnamed)' }), el('span', { class: 'muted', text: ` #${d.id}` }))))
        : el('p', { class: 'muted', text: 'None.' }),
    );
  fill(
    $('devices'),
    group('Hardware', t.hardware),
    group('Virtual guests', t.virtualGuests),
    group('Dedicated hosts', t.dedicatedHosts),
  );
}

/** Runs one action: the outcome (or the server's error) shows in the form. */
async function act(form, action, body, done) {
  const out = form.querySelector('.outcome');
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  outcome(out, 'Working…');
  try {
    // The redraw also sets which of close and reopen applies.
    await settle(out, () => post(`tickets/${ticketId}/${action}`, body), (answer) => done(answer.ticket), refreshTicket);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

export function initTicket(onUnauthorised) {
  const guard = (fn) => (event) => {
    event.preventDefault();
    fn().catch(onUnauthorised);
  };
  const selected = (select) => select.options[select.selectedIndex]?.text || '';
  $('reply-form').addEventListener('submit', guard(async () => {
    const entry = $('reply-entry').value;
    const awaiting = $('reply-awaiting').checked;
    await act($('reply-form'), 'reply', {
      employee: Number($('reply-employee').value),
      entry,
      awaitingUserResponse: awaiting,
    }, () => {
      $('reply-entry').value = '';
      $('reply-awaiting').checked = false;
      return `Reply sent${awaiting ? '; the ticket now waits on the customer' : ''}.`;
    });
  }));
  $('assign-form').addEventListener('submit', guard(() =>
    act($('assign-form'), 'assign', { employee: Number($('assign-employee').value) }, () => `Assigned to ${selected($('assign-employee'))}.`)));
  $('group-form').addEventListener('submit', guard(() =>
    act($('group-form'), 'group', { group: Number($('group-select').value) }, () => `Moved to ${selected($('group-select'))}.`)));
  $('state-form').addEventListener('submit', (event) => event.preventDefault());
  $('close-button').addEventListener('click', guard(() => act($('state-form'), 'close', {}, () => 'Ticket closed.')));
  $('reopen-button').addEventListener('click', guard(() => act($('state-form'), 'reopen', {}, () => 'Ticket reopened.')));
}

// The queue: tickets across every account, filtered, sorted and paged by the server.
// The filters live in the address (#/?status=1001&q=disk) so Back and reload keep them.

import { newest, ApiError } from './api.js';
import { $, el, accountNamed, cell, fill, fillRows, when, choose, setField, keepPagerFocus, applyOnChange, goTo, markInvalid, unmarkRefused } from './dom.js';

const FILTERS = ['q', 'account', 'group', 'employee', 'awaiting', 'sort', 'order'];
const PAGE_SIZE = 25;

let params = new URLSearchParams();
/** The page the server last showed (the address may say -3 or 9999: it clamps). */
let shownPage = 0;

/** The queue's filters as the address holds them. */
/** Whether the next page drawn answers the person (a search, a filter, a page turned). */
let announce = false;
/** The announcement waiting to be said (see `renderPager`). */
let saying = null;

export function showQueue(query) {
  params = new URLSearchParams(query);
  announce = true;
  const form = $('filters');
  for (const name of FILTERS) {
    const field = form.elements[name];
    const value = params.get(name) ?? (name === 'sort' ? 'created' : name === 'order' ? 'desc' : '');
    setField(field, value);
  }
  return refreshQueue();
}

/** Fills the filter choices (accounts, groups, employees). */
export function setQueueChoices(choices) {
  choose($('f-account'), choices.accounts, 1);
  choose($('f-group'), choices.groups, 1);
  choose($('f-employee'), choices.employees, 2);
}

/** The address of the queue with `next` as its filters (empty ones left out). */
const hashOf = (next) => `#/?${new URLSearchParams([...next].filter(([, v]) => v !== ''))}`;

function go(next) {
  goTo(hashOf(next));
}

/** Wires the filter form, the status tabs and the pager once. */
export function initQueue() {
  const form = $('filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) next.set(name, form.elements[name].value.trim());
    if (params.get('status')) next.set('status', params.get('status'));
    go(next);
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    go(new URLSearchParams());
  });
  // Choosing from a list applies at once; the search box applies on Enter or Search.
  applyOnChange(form);
  $('page-prev').addEventListener('click', () => turn(-1));
  $('page-next').addEventListener('click', () => turn(1));
}

function turn(by) {
  const next = new URLSearchParams(params);
  next.set('page', String(Math.max(0, shownPage + by)));
  go(next);
}

/** Reloads the rows and counts for the current filters (also on every change event). */
const getQueue = newest();

export async function refreshQueue() {
  const query = new URLSearchParams(params);
  query.set('pageSize', String(PAGE_SIZE));
  let page;
  try {
    page = await getQueue(`queue?${query}`);
  } catch (e) {
    // Under the error, no rows of other filters, nor their pager ("Next page" on, and
    // "Page 1 of 4" said, over a refused search).
    for (const id of ['queue-rows', 'status-tabs', 'page-info', 'queue-status']) $(id).replaceChildren();
    $('queue-caption').textContent = 'Tickets';
    $('page-prev').disabled = true;
    $('page-next').disabled = true;
    // The person's search was answered, by its error: the next live redraw is no answer
    // to them, and is not read out.
    announce = false;
    // Nor is the last page's, still waiting to be said over the error.
    clearTimeout(saying);
    throw refusedField(e);
  }
  // Past the last page (a typed address, or tickets that left the filter while it was
  // open): show the last page instead, replacing the address rather than adding to it.
  const last = Math.max(0, Math.ceil(page.total / page.pageSize) - 1);
  if (page.page > last) {
    if ($('queue').hidden) return; // left for another view meanwhile
    const next = new URLSearchParams(params);
    if (last > 0) next.set('page', String(last));
    else next.delete('page');
    location.replace(hashOf(next));
    return;
  }
  renderTabs(page.counts);
  renderRows(page.tickets);
  renderPager(page);
  $('queue-error').textContent = '';
  unmarkRefused($('filters'));
}

/**
 * A filter value the server refused ("q takes at most 32 words…", "sort must be
 * created, …") marks its field, and the refusal names the field as shown: the person
 * never typed "q", and no field was marked. Anything else is as it came.
 */
function refusedField(error) {
  const refused = error instanceof ApiError && error.status === 400 && error.message.match(/^(\w+) (.*)$/s);
  const field = refused && $('filters').elements[refused[1]];
  if (!field?.labels?.length) return error;
  markInvalid(field, $('queue-error'));
  return new ApiError(`“${field.labels[0].textContent}” ${refused[2]}`, error.status);
}

function renderTabs(counts) {
  const current = params.get('status') || '';
  const all = counts.reduce((sum, c) => sum + c.count, 0);
  const tab = (status, label, count) => {
    const next = new URLSearchParams(params);
    next.set('status', status);
    next.delete('page');
    return el(
      'a',
      {
        href: hashOf(next),
        class: 'tab',
        'aria-current': status === current ? 'page' : null,
        'data-status': status || 'all',
        'data-key': `status ${status || 'all'}`,
      },
      `${label} `,
      el('span', { class: 'count', text: count }),
    );
  };
  fill(
    $('status-tabs'),
    tab('', 'All', all),
    counts.map((c) => tab(String(c.statusId), c.statusName, c.count)),
  );
}

function priorityLabel(ticket) {
  if (!ticket.priority) return '—';
  return (ticket.priorityName || `Severity ${ticket.priority}`).split(' - ')[0];
}

function renderRows(tickets) {
  const row = (t) =>
    el(
      'tr',
      { 'data-ticket': t.id, 'data-key': `ticket ${t.id}` },
      cell('Ticket', el('a', { href: `#/ticket/${t.id}`, text: `#${t.id}` })),
      cell('Title', el('a', { href: `#/ticket/${t.id}`, class: 'title' }, el('bdi', { text: t.title || '(no title)' }))),
      cell('Account', ...accountNamed(t.accountName, t.accountId)),
      cell('Status', el('span', { class: `badge status-${t.statusId}`, text: t.statusName || t.statusId })),
      cell('Priority', el('span', { title: t.priorityName || null, text: priorityLabel(t) })),
      cell('Group', t.groupName || '—'),
      cell('Assigned', t.assignedEmployeeName ? el('bdi', { text: t.assignedEmployeeName }) : 'Unassigned'),
      cell('Waiting on customer', t.awaitingUserResponse ? 'Yes' : 'No'),
      cell('Last edited', when(t.lastEditDate || t.createDate)),
    );
  const none = () => el('tr', {}, el('td', { colspan: 9, class: 'empty', text: 'No tickets match these filters.' }));
  fillRows($('queue-rows'), tickets, JSON.stringify, row, none);
}

function renderPager(page) {
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const first = page.total === 0 ? 0 : page.page * page.pageSize + 1;
  const last = Math.min(page.total, (page.page + 1) * page.pageSize);
  shownPage = page.page;
  const info = page.total === 0
    ? 'Page 1 of 1 · no tickets'
    : `Page ${page.page + 1} of ${pages} · tickets ${first}–${last} of ${page.total}`;
  $('page-info').textContent = info;
  // Read out for the person's own search, filter or page turn, even when it says what
  // the last one did (emptied first); not for a live redraw (tests that create tickets
  // nonstop had it read three times a second).
  if (announce) {
    announce = false;
    const status = $('queue-status');
    status.textContent = '';
    clearTimeout(saying);
    saying = setTimeout(() => {
      status.textContent = info;
    }, 100);
  }
  $('queue-caption').textContent = `${page.total} ticket${page.total === 1 ? '' : 's'}`;
  $('page-prev').disabled = page.page === 0;
  $('page-next').disabled = page.page + 1 >= pages;
  keepPagerFocus($('page-prev'), $('page-next'));
}

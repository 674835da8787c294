// The SOAP ticket workflow with node-soap (the `soap` package).
//
// Usage: node workflow.js BASE_URL USERNAME API_KEY BODY_FILE
// The `soap` package is resolved from NODE_PATH (./scripts/test.sh installs it under
// target/node-clients).
//
// Loads {BASE_URL}/soap/v3.1/{Service}?wsdl for each service, adds every call header
// with addSoapHeader in the v3.1 namespace, and runs:
//
// 1. SoftLayer_Ticket_Subject::getAllObjects, to pick a subject;
// 2. SoftLayer_Ticket::createStandardTicket with the (non-ASCII) body of BODY_FILE;
// 3. SoftLayer_Ticket::getObject of the new ticket with an object mask;
// 4. SoftLayer_Account::getTickets in pages of two, reading the totalItems header;
// 5. SoftLayer_Ticket::getObject of a ticket that does not exist, which must fault.
//
// node-soap keeps the attributes of rpc/encoded replies (xsi:type, SOAP-ENC:arrayType)
// next to the values ({attributes, $value}); `plain` strips them. Operations without
// parameters are called with `null` arguments: node-soap refuses `{}` for an rpc
// message without parts. Prints one JSON object on stdout.

'use strict';

const fs = require('fs');
const soap = require('soap');

const NS = 'http://api.service.softlayer.com/soap/v3.1/';
const MISSING_TICKET = 999999999;
const PAGE = 2;

const [base, username, apiKey, bodyFile] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile, 'utf8');
const clients = {};

async function client(service) {
  if (!clients[service]) {
    clients[service] = await soap.createClientAsync(`${base}/soap/v3.1/${service}?wsdl`);
  }
  return clients[service];
}

/** A reply value without node-soap's attribute wrappers; SOAP-ENC arrays become arrays. */
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  if ('$value' in value) return value.$value;
  const attributes = value.attributes || {};
  const isArray = Object.keys(attributes).some((k) => k.endsWith('arrayType'));
  if (isArray) {
    const items = value.item === undefined ? [] : value.item;
    return (Array.isArray(items) ? items : [items]).map(plain);
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== 'attributes') out[k] = plain(v);
  }
  return out;
}

async function call(service, method, args, opts = {}) {
  const c = await client(service);
  c.clearSoapHeaders();
  const add = (name, value) => c.addSoapHeader({ [name]: value }, '', 'sl', NS);
  add('authenticate', { username, apiKey });
  if (opts.init !== undefined) add(`${service}InitParameters`, { id: opts.init });
  if (opts.mask !== undefined) add('SoftLayer_ObjectMask', { mask: opts.mask });
  if (opts.limit !== undefined) add('resultLimit', { limit: opts.limit[0], offset: opts.limit[1] });
  const [result, , soapHeader] = await c[`${method}Async`](args);
  return [plain((result || {})[`${method}Return`]), soapHeader || {}];
}

async function main() {
  const out = { stack: 'node-soap' };

  const [subjects] = await call('SoftLayer_Ticket_Subject', 'getAllObjects', null);
  out.subjects = subjects.length;
  const subject = subjects[0];

  const [created] = await call('SoftLayer_Ticket', 'createStandardTicket', {
    templateObject: { subjectId: subject.id, title: 'node ticket' },
    contents: body,
  });
  out.created = { id: created.id, subjectId: created.subjectId, title: created.title };

  const [ticket] = await call('SoftLayer_Ticket', 'getObject', null, {
    init: created.id,
    mask: 'mask[id,title,subjectId,status[name],updates[id,entry]]',
  });
  const updates = [...ticket.updates].sort((a, b) => a.id - b.id);
  out.object = {
    id: ticket.id,
    title: ticket.title,
    subjectId: ticket.subjectId,
    status: ticket.status.name,
    entries: updates.map((u) => u.entry),
  };

  const pages = [];
  const ids = [];
  let total = null;
  let offset = 0;
  while (total === null || offset < total) {
    const [tickets, header] = await call('SoftLayer_Account', 'getTickets', null, {
      mask: 'mask[id]',
      limit: [PAGE, offset],
    });
    total = Number(plain(header.totalItems).amount);
    const page = (tickets || []).map((t) => t.id);
    pages.push(page);
    ids.push(...page);
    offset += PAGE;
    if (page.length === 0 || pages.length > 100) break;
  }
  out.total = total;
  out.pages = pages;
  out.ids = ids;

  try {
    await call('SoftLayer_Ticket', 'getObject', null, { init: MISSING_TICKET });
    out.fault = null;
  } catch (err) {
    const fault = err.root && err.root.Envelope && err.root.Envelope.Body.Fault;
    if (!fault) throw err;
    out.fault = { code: fault.faultcode, message: fault.faultstring };
  }

  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

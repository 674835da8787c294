// The control API under /_emulator/, with the admin token from this tab's sessionStorage
// in an Authorization header: never in a URL, never written to the console log.

const TOKEN_KEY = 'softlayerEmulatorAdminToken';

/** The server refused the token (or there is none). */
export class Unauthorised extends Error {}

/**
 * The tab signed out (or in again) while the call was on its way: its answer was read
 * with a token no longer held, and is dropped. A reload in flight at sign-out filled
 * the signed-out page's hidden views with the old token's data.
 */
export class SignedOut extends Unauthorised {}

/** The server answered with an error; `message` is its explanation. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * A write the server answered with a 2xx, so did, but whose answer could not be read:
 * a write done, whose form empties as on success (said as a failure, the draft stayed
 * and the next press sent the reply a second time).
 */
export class DoneUnread extends ApiError {}

/**
 * Why `value` cannot be a token, or '' if it can. A header carries only Latin-1, and
 * fetch throws on anything else (a pasted typographic quote, say) before the server
 * could refuse it, so such a token is refused here and never kept.
 */
export function tokenProblem(value) {
  const bad = [...value].find((c) => !/[\u0020-\u007e\u00a0-\u00ff]/.test(c));
  if (bad === undefined) return '';
  const code = `U+${bad.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `The token cannot contain “${bad}” (${code}): check for a pasted typographic quote or a stray character.`;
}

export const token = () => sessionStorage.getItem(TOKEN_KEY);
/** Counts sign-ins and sign-outs: a call started under another count is not answered. */
let signedIn = 0;
export const keepToken = (value) => {
  signedIn += 1;
  sessionStorage.setItem(TOKEN_KEY, value);
};
export const forgetToken = () => {
  signedIn += 1;
  sessionStorage.removeItem(TOKEN_KEY);
};

async function request(method, path, body) {
  const current = token();
  if (!current) throw new Unauthorised('No token');
  const headers = { Authorization: `Bearer ${current}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/_emulator/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    // No answer at all (server stopped, network down): an error like the server's own,
    // so every action shows it beside its button. A write may have been done before the
    // connection went: pressed again at once, it was done twice.
    const maybe = method === 'GET' ? '' : '; it may have been done all the same: check what is shown before trying again';
    throw new ApiError(`the server could not be reached (${e.message})${maybe}`, 0);
  }
  if (response.status === 401) throw new Unauthorised('The token was not accepted');
  if (!response.ok) {
    const text = await response.text();
    let message = text || response.statusText;
    try {
      message = JSON.parse(text).error || message;
    } catch {
      // not JSON: the text itself explains
    }
    throw new ApiError(message, response.status);
  }
  return response;
}

/**
 * A read and its body, answered only if the tab is still signed in as when it began:
 * otherwise, answer or failure, it ends in `SignedOut` (which app.js ignores: neither
 * the old token's data nor its errors reach the sign-in page).
 */
async function read(path, body) {
  const mine = signedIn;
  try {
    const answer = await body(await request('GET', path));
    if (mine !== signedIn) throw new SignedOut('Signed out meanwhile');
    return answer;
  } catch (e) {
    if (mine !== signedIn) throw new SignedOut('Signed out meanwhile');
    throw e;
  }
}

export const get = (path) => read(path, (response) => response.json());
export const getBlob = (path) => read(path, (response) => response.blob());
// A write is answered whatever happened meanwhile: it was done, and its form says so
// and empties (dropped, a reply sent just before a sign-out stayed in its box, sent
// again by the next press).
export const post = async (path, body = {}) => answerOf(await request('POST', path, body));
export const del = async (path) => answerOf(await request('DELETE', path));

/**
 * A write's answer. The server said it did the write (a 2xx), so an answer cut short or
 * garbled is still a write done, and said to be (`DoneUnread`): as a bare SyntaxError it
 * left its form saying "Working…" for good.
 */
async function answerOf(response) {
  try {
    return JSON.parse(await response.text());
  } catch {
    throw new DoneUnread(`Done (the server answered ${response.status}), but its answer could not be read: the view is reloaded to show it.`, response.status);
  }
}

/**
 * A GET for a view that reloads: a change event and an action can both reload it, and
 * their answers may arrive out of order. A caller gets the answer of the newest call
 * (by when it started) answered so far: its own, or a newer one's already drawn (an
 * older answer would hide the newer data until the next change). So once any reload has
 * been drawn the view shows at least what the server had when that reload began; an
 * action awaits its reload before it shows its outcome, and whoever sees the outcome
 * sees the action's effect. A call for the address the view shows returns as soon as it
 * is answered: waiting for the newest call instead, a view never drew while writes came
 * faster than its read took. A call for an address the view has since left (another
 * filter, another ticket) waits for the newest call's answer: drawn, the last filter's
 * messages were shown, counted and emptied under the new one's address.
 */
export function newest() {
  let started = 0;
  /** The newest call answered so far, by its start: its address and what it came to. */
  let answered = 0;
  let latest = null;
  /** The newest call's address, and when it is settled. */
  let newestPath = null;
  let newestSettled = null;
  // `read`, if given, reads what `path` names in more than one request (the outbox's
  // page, counted first): `path` is then only the address the view shows.
  return async (path, read = () => get(path)) => {
    const mine = ++started;
    const settled = read()
      .then((data) => ({ data }), (error) => ({ error }))
      .then((outcome) => {
        if (mine > answered) {
          answered = mine;
          latest = { path, outcome };
        }
      });
    newestPath = path;
    newestSettled = settled;
    await settled;
    // Settled, the newest call has made itself `latest`: the loop ends once no newer
    // call for another address is on its way.
    while (latest.path !== newestPath) await newestSettled;
    if (latest.outcome.error) throw latest.outcome.error;
    return latest.outcome.data;
  };
}

/**
 * Calls `onChange` whenever the server says the data changed, from its event stream.
 * The stream opens with a short-lived cookie that a POST with the token hands out,
 * since EventSource cannot send headers. `onState` hears 'live', 'reconnecting' and
 * 'unauthorised'. Returns a function that stops listening.
 *
 * Every tab of the browser shares one stream through events-worker.js: a stream per tab
 * would hold one of the browser's six connections to the server each, and six tabs
 * would leave none for anything else. Without SharedWorker, the tab opens its own.
 */
export function listen(onChange, onState) {
  return typeof SharedWorker === 'function' ? listenShared(onChange, onState) : listenAlone(onChange, onState);
}

function listenShared(onChange, onState) {
  const worker = new SharedWorker('events-worker.js', { name: 'support-console-events' });
  const port = worker.port;
  let stopped = false;
  port.onmessage = async ({ data }) => {
    if (stopped) return;
    if (data.change) onChange();
    else if (data.state) onState(data.state);
    else if (data.session) {
      // The worker has no token: this tab opens the session the stream needs.
      try {
        await request('POST', 'session');
      } catch (e) {
        if (e instanceof Unauthorised && !stopped) onState('unauthorised');
        return; // unreachable: the worker asks again
      }
      if (!stopped) port.postMessage({ session: 'ok' });
    }
  };
  port.start();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    port.postMessage({ bye: true });
    port.close();
    window.removeEventListener('pagehide', stop);
  };
  // A closed tab tells the worker, which closes the stream when no tab is left.
  window.addEventListener('pagehide', stop);
  return stop;
}

function listenAlone(onChange, onState) {
  let source = null;
  let retry = null;
  let stopped = false;
  async function open() {
    retry = null;
    try {
      await request('POST', 'session');
    } catch (e) {
      // Signed out while the session was asked for: the page is not live, nor
      // reconnecting, and no retry (without a token) says the token was refused.
      if (stopped) return;
      if (e instanceof Unauthorised) return onState('unauthorised');
      onState('reconnecting');
      retry = setTimeout(open, 3000);
      return;
    }
    if (stopped) return;
    source = new EventSource('/_emulator/events');
    source.addEventListener('ready', () => onState('live'));
    source.addEventListener('change', () => onChange());
    source.addEventListener('error', () => {
      // Reopen through a new session: the cookie may have expired, or the token changed.
      source.close();
      if (stopped) return;
      onState('reconnecting');
      retry = setTimeout(open, 2000);
    });
  }
  open();
  return () => {
    stopped = true;
    if (source) source.close();
    if (retry) clearTimeout(retry);
  };
}

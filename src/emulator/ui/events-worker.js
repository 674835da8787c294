// One event stream for every console tab of this browser (a SharedWorker). The server
// speaks HTTP/1.1 and a browser opens at most six connections to a host: with a stream
// per tab, six tabs held every connection and froze them all, and a seventh could not
// even load the page. Here one EventSource serves them all, whatever their number.
//
// The worker has no token (it lives in each tab's sessionStorage), so it asks its tabs
// to open a session (POST /_emulator/session sets the stream's cookie) and opens the
// stream when one says it did. Messages to a tab: {state: 'live'|'reconnecting'} and
// {change: true}, and {session: true} to ask for a session; from a tab: {session: 'ok'}
// once it has opened one, and {bye: true} when it stops listening.

const tabs = new Set();
let source = null;
/** 'live' or 'reconnecting'; null before the first stream answered or failed. */
let state = null;
let retry = null;

const tell = (message) => {
  for (const tab of tabs) tab.postMessage(message);
};

function setState(next) {
  state = next;
  tell({ state });
}

/** Asks a tab for a session until the stream is open: one tab a round, in turn, so that
 * while the server is down eight tabs do not knock eight times (a tab that cannot reach
 * the server, or has closed, says nothing; the next round asks the next tab). */
let round = 0;
function ask() {
  clearTimeout(retry);
  retry = null;
  if (source || tabs.size === 0) return;
  const list = [...tabs];
  list[round++ % list.length].postMessage({ session: true });
  retry = setTimeout(ask, 3000);
}

function open() {
  clearTimeout(retry);
  retry = null;
  source = new EventSource('/_emulator/events');
  source.addEventListener('ready', () => setState('live'));
  source.addEventListener('change', () => tell({ change: true }));
  source.addEventListener('error', () => {
    // Reopen through a new session: the cookie may have expired, or the server restarted.
    close();
    setState('reconnecting');
    retry = setTimeout(ask, 2000);
  });
}

function close() {
  if (source) source.close();
  source = null;
}

onconnect = (event) => {
  const tab = event.ports[0];
  tabs.add(tab);
  tab.onmessage = ({ data }) => {
    if (data.bye) {
      tabs.delete(tab);
      // Nobody listens: no connection held for nobody.
      if (tabs.size === 0) {
        close();
        clearTimeout(retry);
        retry = null;
        state = null;
      }
    } else if (data.session === 'ok' && !source) {
      open();
    }
  };
  tab.start();
  if (state) tab.postMessage({ state });
  if (!source && !retry) ask();
  else if (!source) tab.postMessage({ session: true });
};

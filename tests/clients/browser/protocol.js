// What the browser scripts (console.js, console_edges.js) share with tests/it/console.rs:
// their environment, the JSON lines they report on stdout ({"step": NAME, ...what they
// saw}), the JSON lines the Rust test answers on stdin where it acts in between, and
// how they launch Debian's chromium.

const { chromium } = require('playwright-core');
const readline = require('node:readline');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const report = (step, seen = {}) => console.log(JSON.stringify({ step, ...seen }));

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function instruction() {
  const { value, done } = await lines.next();
  if (done) throw new Error('the test closed stdin');
  return JSON.parse(value);
}

const text = (page, selector) => page.locator(selector).innerText();

const launch = () =>
  chromium.launch({
    executablePath: env('CHROMIUM'),
    // Root in a container has no user namespace for chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });

/** Runs `main`: exit 0 when it ends, or report the error and exit 1. */
const run = (main) =>
  main().then(
    () => process.exit(0),
    (e) => {
      report('error', { message: String(e && e.stack ? e.stack : e) });
      process.exit(1);
    },
  );

module.exports = { env, report, instruction, text, launch, run };

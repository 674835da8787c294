// Loads the WSDL of each given service, at both API versions, with node-soap.
//
// Usage: node load_wsdls.js BASE_URL SERVICE...
// Prints one line per document: "{version} {service} node={operations}".

'use strict';

const soap = require('soap');

async function main() {
  const [base, ...services] = process.argv.slice(2);
  for (const version of ['v3', 'v3.1']) {
    for (const service of services) {
      const client = await soap.createClientAsync(`${base}/soap/${version}/${service}?wsdl`);
      const port = client.describe()[`${service}Service`][`${service}Port`];
      console.log(`${version} ${service} node=${Object.keys(port).length}`);
    }
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

"""Loads the WSDL of each given service, at both API versions, with zeep and suds.

Usage: python load_wsdls.py BASE_URL SERVICE...

zeep resolves every type reference when it loads a document (and fetches any schema
it imports), suds builds its type tree; a WSDL that either one rejects fails the run. Prints
one line per document: "{version} {service} zeep={operations} suds={methods}".
"""

import sys

import zeep
from suds.client import Client


def main():
    base, services = sys.argv[1], sys.argv[2:]
    for version in ("v3", "v3.1"):
        for service in services:
            url = f"{base}/soap/{version}/{service}?wsdl"
            z = zeep.Client(url)
            zeep_ops = len(z.service._binding._operations)
            s = Client(url, cache=None)
            suds_ops = len(s.wsdl.services[0].ports[0].methods)
            print(f"{version} {service} zeep={zeep_ops} suds={suds_ops}")


if __name__ == "__main__":
    main()

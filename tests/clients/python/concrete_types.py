"""What zeep and suds make of polymorphic relations in SOAP replies.

Usage: python concrete_types.py BASE_URL USERNAME API_KEY TICKET_ID MASK...

For each mask, calls SoftLayer_Ticket::getUpdates on the ticket with that object mask
and reports, for each update, the class each stack built for the update and for its
`editor` (both map the reply's `xsi:type` to a class of the WSDL); then
getAttachedResources with `mask[id]`, the class of each attachment. Prints one JSON
object on stdout: {"zeep": {...}, "suds": {...}}, each
{"updates": {MASK: [[update class, editor class or null], ...]}, "attachments": [...]}.
"""

import json
import sys

import zeep
from suds.client import Client

NS = "http://api.service.softlayer.com/soap/v3.1/"
SERVICE = "SoftLayer_Ticket"


def with_zeep(base, username, api_key, ticket, masks):
    client = zeep.Client(f"{base}/soap/v3.1/{SERVICE}?wsdl")

    def element(name, **values):
        return client.get_element(f"{{{NS}}}{name}")(**values)

    def call(method, mask):
        headers = [
            element("authenticate", username=username, apiKey=api_key),
            element(f"{SERVICE}InitParameters", id=ticket),
            element("SoftLayer_ObjectMask", mask=mask),
        ]
        reply = getattr(client.service, method)(_soapheaders=headers)
        # A list reply comes with its totalItems header: the items are in the body.
        return reply.body[f"{method}Return"]

    def name(value):
        return None if value is None else value._xsd_type.name

    out = {"updates": {}}
    for mask in masks:
        out["updates"][mask] = [
            [name(u), name(u.editor)] for u in call("getUpdates", mask)
        ]
    out["attachments"] = [name(a) for a in call("getAttachedResources", "mask[id]")]
    return out


def with_suds(base, username, api_key, ticket, masks):
    client = Client(f"{base}/soap/v3.1/{SERVICE}?wsdl", cache=None)

    def make(type_name, **values):
        obj = client.factory.create(f"{{{NS}}}{type_name}")
        for k, v in values.items():
            setattr(obj, k, v)
        return obj

    def call(method, mask):
        client.set_options(
            soapheaders={
                "authenticate": make("authenticate", username=username, apiKey=api_key),
                f"{SERVICE}InitParameters": make(f"{SERVICE}InitParameters", id=ticket),
                "SoftLayer_ObjectMask": make("SoftLayer_ObjectMask", mask=mask),
            }
        )
        return getattr(client.service, method)()

    def name(value):
        return None if value is None else value.__class__.__name__

    out = {"updates": {}}
    for mask in masks:
        out["updates"][mask] = [
            [name(u), name(getattr(u, "editor", None))] for u in call("getUpdates", mask)
        ]
    out["attachments"] = [name(a) for a in call("getAttachedResources", "mask[id]")]
    return out


def main():
    base, username, api_key, ticket = sys.argv[1:5]
    masks = sys.argv[5:]
    ticket = int(ticket)
    report = {
        "zeep": with_zeep(base, username, api_key, ticket, masks),
        "suds": with_suds(base, username, api_key, ticket, masks),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()

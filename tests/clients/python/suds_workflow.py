"""The SOAP ticket workflow with suds (suds-community).

Usage: python suds_workflow.py BASE_URL USERNAME API_KEY BODY_FILE

Loads {BASE_URL}/soap/v3.1/{Service}?wsdl for each service, creates every header with
the client's type factory and passes the ticket template as a dict (suds writes both
with xsi:type annotations, as rpc/encoded asks), and runs the same steps as
zeep_workflow.py. suds
does not hand SOAP response headers to the caller, so the totalItems header is read
from the last received envelope. Prints one JSON object on stdout.
"""

import json
import sys

from suds import WebFault
from suds.client import Client

NS = "http://api.service.softlayer.com/soap/v3.1/"
MISSING_TICKET = 999999999
PAGE = 2


def main():
    base, username, api_key, body_file = sys.argv[1:5]
    with open(body_file, encoding="utf-8") as f:
        body = f.read()
    clients = {}

    def client(service):
        if service not in clients:
            clients[service] = Client(f"{base}/soap/v3.1/{service}?wsdl", cache=None)
        return clients[service]

    def make(service, type_name, **values):
        obj = client(service).factory.create(f"{{{NS}}}{type_name}")
        for k, v in values.items():
            setattr(obj, k, v)
        return obj

    def call(service, method, *args, init=None, mask=None, limit=None):
        c = client(service)
        headers = {"authenticate": make(service, "authenticate", username=username, apiKey=api_key)}
        if init is not None:
            name = f"{service}InitParameters"
            headers[name] = make(service, name, id=init)
        if mask is not None:
            headers["SoftLayer_ObjectMask"] = make(service, "SoftLayer_ObjectMask", mask=mask)
        if limit is not None:
            headers["resultLimit"] = make(
                service, "resultLimit", limit=limit[0], offset=limit[1]
            )
        c.set_options(soapheaders=headers)
        return getattr(c.service, method)(*args)

    def total_items(service):
        envelope = client(service).last_received().getChild("Envelope")
        amount = envelope.getChild("Header").getChild("totalItems").getChild("amount")
        return int(amount.getText())

    out = {"stack": "suds"}

    subjects = call("SoftLayer_Ticket_Subject", "getAllObjects")
    out["subjects"] = len(subjects)
    subject = subjects[0]

    # A dict, not factory.create("SoftLayer_Ticket"): suds' factory builds the whole
    # graph of types a SoftLayer_Ticket reaches, and that graph is the API's.
    template = {"subjectId": subject.id, "title": "suds ticket"}
    created = call("SoftLayer_Ticket", "createStandardTicket", template, body)
    out["created"] = {"id": created.id, "subjectId": created.subjectId, "title": created.title}

    ticket = call(
        "SoftLayer_Ticket",
        "getObject",
        init=created.id,
        mask="mask[id,title,subjectId,status[name],updates[id,entry]]",
    )
    out["object"] = {
        "id": ticket.id,
        "title": ticket.title,
        "subjectId": ticket.subjectId,
        "status": ticket.status.name,
        "entries": [u.entry for u in sorted(ticket.updates, key=lambda u: u.id)],
    }

    pages, ids, total, offset = [], [], None, 0
    while total is None or offset < total:
        tickets = call("SoftLayer_Account", "getTickets", mask="mask[id]", limit=(PAGE, offset))
        total = total_items("SoftLayer_Account")
        page = [t.id for t in tickets or []]
        pages.append(page)
        ids.extend(page)
        offset += PAGE
        if not page or len(pages) > 100:
            break
    out["total"] = total
    out["pages"] = pages
    out["ids"] = ids

    try:
        call("SoftLayer_Ticket", "getObject", init=MISSING_TICKET)
        out["fault"] = None
    except WebFault as e:
        out["fault"] = {"code": e.fault.faultcode, "message": e.fault.faultstring}

    print(json.dumps(out))


if __name__ == "__main__":
    main()

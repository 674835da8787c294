"""The SOAP ticket workflow with zeep, the way softlayer-python's SOAP transport uses it.

Usage: python zeep_workflow.py BASE_URL USERNAME API_KEY BODY_FILE

Loads {BASE_URL}/soap/v3.1/{Service}?wsdl for each service, builds every call header
from the WSDL's own header types (client.get_type on authenticate,
{Service}InitParameters, SoftLayer_ObjectMask, resultLimit), and runs:

1. SoftLayer_Ticket_Subject::getAllObjects, to pick a subject;
2. SoftLayer_Ticket::createStandardTicket with the (non-ASCII) body read from BODY_FILE
   and one attached file, in the WSDL's array type;
3. SoftLayer_Ticket::getObject of the new ticket with an object mask, and
   updateAttachedAdditionalEmails with a stringArray of two addresses, both read back
   (getAttachedFiles, getAttachedAdditionalEmails). zeep builds SOAP-ENC arrays only
   when the encoding schema holds an array's items in a group, as the real one does;
   otherwise it refused its own array types and sent a plain list as an empty array.
   A plain list must now either reach the server whole or be refused by zeep (as
   against the real API), never arrive empty;
4. SoftLayer_Account::getTickets in pages of two, reading the totalItems header;
5. SoftLayer_Ticket::getObject of a ticket that does not exist, which must fault;
6. a copy of SoftLayer_Ticket's WSDL saved to a file (SLDN's SOAP article recommends
   caching it) is loaded, and still resolves the encoding schema it imports.

zeep runs with its default (strict) settings, so an element the WSDL does not declare,
or declares in another order, fails the run. Prints one JSON object on stdout.
"""

import json
import os
import sys
import tempfile
import urllib.request

from zeep import Client, xsd
from zeep.exceptions import Fault, ValidationError
from zeep.helpers import serialize_object

NS = "http://api.service.softlayer.com/soap/v3.1/"
MISSING_TICKET = 999999999
ZEEP_FILE = b"attached by zeep\n"
ZEEP_EMAILS = ["zeep-a@example.com", "zeep-b@example.com"]
PAGE = 2


def total_items(soap_header):
    """The totalItems header's amount. The WSDL binds headers encoded, as the body is (the
    real API's must be: Microsoft's importer, on which SLDN's C# article is built, refuses
    anything else), and zeep gives a typed header part an element name without its
    namespace, so the qualified <ns1:totalItems> the API sends arrives among the header's
    raw elements."""
    if soap_header.get("totalItems") is not None:
        return soap_header["totalItems"]["amount"]
    for element in soap_header.get("_raw_elements") or []:
        if element.tag == f"{{{NS}}}totalItems":
            return int(element.findtext("amount"))
    return None


def main():
    base, username, api_key, body_file = sys.argv[1:5]
    with open(body_file, encoding="utf-8") as f:
        body = f.read()
    clients = {}

    def client(service):
        if service not in clients:
            clients[service] = Client(f"{base}/soap/v3.1/{service}?wsdl")
        return clients[service]

    def header(service, name, **values):
        c = client(service)
        element = xsd.Element(f"{{{NS}}}{name}", c.get_type(f"{{{NS}}}{name}"))
        return element(**values)

    def array(item_type, items):
        return client("SoftLayer_Ticket").get_type(f"{{{NS}}}{item_type}Array")(items)

    def call(service, method, *args, init=None, mask=None, limit=None, **kwargs):
        headers = [header(service, "authenticate", username=username, apiKey=api_key)]
        if init is not None:
            headers.append(header(service, f"{service}InitParameters", id=init))
        if mask is not None:
            headers.append(header(service, "SoftLayer_ObjectMask", mask=mask))
        if limit is not None:
            headers.append(header(service, "resultLimit", limit=limit[0], offset=limit[1]))
        operation = getattr(client(service).service, method)
        result = serialize_object(operation(*args, _soapheaders=headers, **kwargs))
        # Operations whose output binds a header (totalItems, on list results) answer
        # {header, body}; the others answer the return value itself.
        if isinstance(result, dict) and set(result) == {"header", "body"}:
            return result["body"][f"{method}Return"], result["header"]
        return result, None

    out = {"stack": "zeep"}

    subjects, _ = call("SoftLayer_Ticket_Subject", "getAllObjects")
    out["subjects"] = len(subjects)
    subject = subjects[0]

    created, _ = call(
        "SoftLayer_Ticket",
        "createStandardTicket",
        templateObject={"subjectId": subject["id"], "title": "zeep ticket"},
        contents=body,
        # rpc parts are required in zeep; SkipValue leaves the optional ones out.
        attachmentId=xsd.SkipValue,
        rootPassword=xsd.SkipValue,
        controlPanelPassword=xsd.SkipValue,
        accessPort=xsd.SkipValue,
        attachedFiles=array(
            "SoftLayer_Container_Utility_File_Attachment",
            [{"filename": "zeep.txt", "data": ZEEP_FILE}],
        ),
        attachmentType=xsd.SkipValue,
    )
    out["created"] = {
        "id": created["id"],
        "subjectId": created["subjectId"],
        "title": created["title"],
    }

    ticket, _ = call(
        "SoftLayer_Ticket",
        "getObject",
        init=created["id"],
        mask="mask[id,title,subjectId,status[name],updates[id,entry]]",
    )
    out["object"] = {
        "id": ticket["id"],
        "title": ticket["title"],
        "subjectId": ticket["subjectId"],
        "status": ticket["status"]["name"],
        "entries": [u["entry"] for u in sorted(ticket["updates"], key=lambda u: u["id"])],
    }

    files, _ = call("SoftLayer_Ticket", "getAttachedFiles", init=created["id"])
    out["files"] = [f["fileName"] for f in files or []]
    def emails():
        found, _ = call("SoftLayer_Ticket", "getAttachedAdditionalEmails", init=created["id"])
        return sorted(e["email"] for e in found or [])

    call(
        "SoftLayer_Ticket",
        "updateAttachedAdditionalEmails",
        array("string", ZEEP_EMAILS),
        init=created["id"],
    )
    out["emails"] = emails()
    try:
        call(
            "SoftLayer_Ticket",
            "updateAttachedAdditionalEmails",
            ["zeep-plain@example.com"],
            init=created["id"],
        )
        out["plain_list"] = emails()
    except ValidationError:
        out["plain_list"] = "refused by zeep"

    pages, ids, total, offset = [], [], None, 0
    while total is None or offset < total:
        tickets, soap_header = call(
            "SoftLayer_Account", "getTickets", mask="mask[id]", limit=(PAGE, offset)
        )
        total = total_items(soap_header)
        page = [t["id"] for t in tickets or []]
        pages.append(page)
        ids.extend(page)
        offset += PAGE
        if not page or len(pages) > 100:
            break
    out["total"] = total
    # A limit without an offset (SLDN's result-limit article allows it): zeep refuses to
    # send a header whose required member it was not given.
    alone, _ = call("SoftLayer_Account", "getTickets", mask="mask[id]", limit=(1, None))
    out["limit_alone"] = [t["id"] for t in alone or []]
    out["pages"] = pages
    out["ids"] = ids

    try:
        call("SoftLayer_Ticket", "getObject", init=MISSING_TICKET)
        out["fault"] = None
    except Fault as fault:
        out["fault"] = {"code": fault.code, "message": fault.message}

    with tempfile.TemporaryDirectory() as folder:
        saved = os.path.join(folder, "SoftLayer_Ticket.wsdl")
        urllib.request.urlretrieve(f"{base}/soap/v3.1/SoftLayer_Ticket?wsdl", saved)
        copy = Client(saved)
        out["saved_copy_array"] = str(copy.get_type(f"{{{NS}}}stringArray").signature())

    print(json.dumps(out))


if __name__ == "__main__":
    main()

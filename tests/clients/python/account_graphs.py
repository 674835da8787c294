"""SoftLayer_Account's ticket graphs through zeep, as softlayer-python's SOAP transport
calls them (header elements from the WSDL, arguments by the WSDL's part names).

Usage: python account_graphs.py BASE_URL USERNAME API_KEY START END

START and END are ISO 8601 dates with an offset (2027-03-01T00:00:00-06:00). Prints one
JSON object: for "current" (getCurrentTicketStatisticsGraph with detailedGraph) and
"historical" (getHistoricalTicketGraph from START to END), the members zeep read, the
image as its byte count and whether it is a PNG, and the dates as ISO 8601 text.
"""

import datetime
import json
import sys

import zeep

NS = "http://api.service.softlayer.com/soap/v3.1/"
SERVICE = "SoftLayer_Account"


def plain(graph):
    out = {}
    for name in graph:
        value = graph[name]
        if value is None:
            continue
        if isinstance(value, bytes):
            out[name] = {"bytes": len(value), "png": value.startswith(b"\x89PNG\r\n\x1a\n")}
        elif isinstance(value, datetime.datetime):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def main():
    base, username, api_key, start, end = sys.argv[1:6]
    client = zeep.Client(f"{base}/soap/v3.1/{SERVICE}?wsdl")
    auth = client.get_element(f"{{{NS}}}authenticate")(username=username, apiKey=api_key)
    current = client.service.getCurrentTicketStatisticsGraph(
        detailedGraph=True, _soapheaders=[auth]
    )
    historical = client.service.getHistoricalTicketGraph(
        startDate=datetime.datetime.fromisoformat(start),
        endDate=datetime.datetime.fromisoformat(end),
        _soapheaders=[auth],
    )
    print(json.dumps({"current": plain(current), "historical": plain(historical)}))


if __name__ == "__main__":
    main()

"""SoftLayer_User_Customer through zeep and suds, as each client's users write the calls:
the login tokens (SoftLayer_Container_User_Customer_Portal_Token and
SoftLayer_Container_User_Authentication_Token, which both clients read by the WSDL's
types), and getObject of another user of the account by its init parameter, with the
headers given by name (zeep's dict form and suds's soapheaders dict map names to the
headers the operation declares; suds drops any other).

Usage: python user_tokens_and_headers.py BASE_URL USERNAME API_KEY OTHER_USER_ID

Prints one JSON object: for each client, the token's userId and the length of its hash,
and the id of the user getObject answered with.
"""

import json
import sys

import zeep
from suds.client import Client

NS = "http://api.service.softlayer.com/soap/v3.1/"
SERVICE = "SoftLayer_User_Customer"


def via_zeep(base, username, api_key, other):
    client = zeep.Client(f"{base}/soap/v3.1/{SERVICE}?wsdl")
    skip = zeep.xsd.SkipValue
    portal = client.service.getPortalLoginToken(username, api_key, skip, skip)
    headers = {
        "authenticate": {"username": username, "apiKey": api_key},
        f"{SERVICE}InitParameters": {"id": other},
    }
    user = client.service.getObject(_soapheaders=headers)
    token_type = client.get_type("ns0:SoftLayer_Container_User_Authentication_Token")
    auth_token = client.service.getAuthenticationToken(
        token_type(userId=portal.userId, hash=portal.hash),
        _soapheaders={"authenticate": {"username": username, "apiKey": api_key}},
    )
    return {
        "portal": {"userId": portal.userId, "hash": len(portal.hash or "")},
        "authentication": {"userId": auth_token.userId, "hash": len(auth_token.hash or "")},
        "user": user.id,
    }


def via_suds(base, username, api_key, other):
    client = Client(f"{base}/soap/v3.1/{SERVICE}?wsdl", cache=None)
    portal = client.service.getPortalLoginToken(username, api_key)
    client.set_options(
        soapheaders={
            "authenticate": {"username": username, "apiKey": api_key},
            f"{SERVICE}InitParameters": {"id": other},
        }
    )
    user = client.service.getObject()
    return {"portal": {"userId": portal.userId, "hash": len(portal.hash or "")}, "user": user.id}


def main():
    base, username, api_key, other = sys.argv[1:5]
    other = int(other)
    print(
        json.dumps(
            {
                "zeep": via_zeep(base, username, api_key, other),
                "suds": via_suds(base, username, api_key, other),
            }
        )
    )


if __name__ == "__main__":
    main()

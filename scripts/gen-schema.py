#!/usr/bin/env python3
"""Build schema/softlayer.json, the one SoftLayer schema the server is driven by.

It merges the machine-readable surface (types, parameters, return types) with what only
the SLDN pages say: whether a property is local, relational or a count, which headers a
method requires, and the exceptions it documents. Run it again when the reference changes:

    python3 scripts/gen-schema.py ../shared/reference > schema/softlayer.json
"""
import json
import os
import re
import sys


def sections(md):
    """Map '## Local' / '## Relational' / '## Count' to the property names under them."""
    kinds, current = {}, None
    for line in md.splitlines():
        if line.startswith("## "):
            title = line[3:].strip().lower()
            current = title if title in ("local", "relational", "count") else None
        m = re.match(r"#### \[(\w+)\]", line)
        if m and current:
            kinds[m.group(1)] = current
    return kinds


def method_page(md):
    required, optional, exceptions = [], [], []
    block = None
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("### "):
            block = line[4:].strip()
            continue
        item = re.match(r"\*\s+(\S+)", line)
        if block == "Required Headers" and item:
            required.append(item.group(1))
        elif block == "Optional Headers" and item:
            optional.append(item.group(1))
        elif block == "Error Handling" and item and item.group(1).startswith("SoftLayer_"):
            message = ""
            for follow in lines[i + 1:i + 4]:
                q = re.search(r'"(.+?)"', follow) if follow.startswith(">") else None
                if q:
                    message = q.group(1)
                    break
            exceptions.append({"class": item.group(1), "message": message})
    return required, optional, exceptions


def main(ref):
    surface = json.load(open(os.path.join(ref, "api-surface.json")))
    sldn = os.path.join(ref, "sldn")
    types = {}
    for name, t in surface["datatypes"].items():
        page = os.path.join(sldn, "datatypes", name + ".md")
        kinds = sections(open(page).read()) if os.path.exists(page) else {}
        props = {}
        for p in t["properties"]:
            kind = kinds.get(p["name"])
            if kind is None:
                if p["relational"]:
                    kind = "relational"
                elif p["name"].endswith("Count") and p["type"] == "unsignedInt":
                    kind = "count"
                else:
                    kind = "local"
            props[p["name"]] = {"type": p["type"], "kind": kind}
        # A scalar "relational" named like a count of a relational list is a count
        # (SLDN files attachedHardwareCount under Relational).
        names = {p["name"] for p in t["properties"]}
        for pname, prop in props.items():
            stem = pname[:-len("Count")] if pname.endswith("Count") else None
            if stem and prop["type"] in ("unsignedInt", "int") and prop["kind"] == "relational" and (
                    {stem, stem + "s", stem + "es"} & names):
                prop["kind"] = "count"
        # SoftLayer has get{Property} methods only for relational properties: a property
        # the pages do not classify but the type's service has a getter for is relational.
        getters = surface["services"].get(name, {})
        for pname, prop in props.items():
            getter = "get" + pname[0].upper() + pname[1:]
            if pname not in kinds and prop["kind"] == "local" and getter in getters:
                prop["kind"] = "relational"
        types[name] = {"parent": t.get("parent"), "properties": props}
    services = {}
    for name, s in surface["services"].items():
        methods = {}
        for m, spec in s.items():
            page = os.path.join(sldn, "services", name, m + ".md")
            required, optional, exceptions = (
                method_page(open(page).read()) if os.path.exists(page) else ([], [], []))
            methods[m] = {
                "parameters": spec["parameters"],
                "returns": spec["returns"],
                "requiredHeaders": required,
                "optionalHeaders": optional,
                "exceptions": exceptions,
            }
        services[name] = {"methods": methods}
    json.dump({"types": types, "services": services}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference")

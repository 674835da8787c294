#!/usr/bin/env python3
"""Build schema/softlayer.json, the one SoftLayer schema the server is driven by.

It merges the machine-readable surface (types, parameters, return types) with what only
the SLDN pages say: whether a property is local, relational or a count, which headers a
method requires, and the exceptions it documents. Run it again when the reference changes:

    python3 scripts/gen-schema.py ../shared/reference > schema/softlayer.json

The surface (generated from the API metadata) lacks a few methods SLDN documents, such as
SoftLayer_Account::getHistoricalTicketGraph: a method page of a served service that the
surface does not list is learned from the page itself (parameters, return type, headers,
exceptions), and so is every datatype such a method needs that the surface lacks, from
its SLDN datatype page. The reference at hand has no page for some of those datatypes;
schema/sldn-pages/ holds them in SLDN's page format, transcribed from the public SLDN
reference, and is read wherever the reference has no page.
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


# SLDN datatype pages name scalar types in words; the surface names them as XML Schema
# does (the surface's own choice where both describe a property: "unsigned long" and
# "float" are what it makes of them).
PAGE_SCALARS = {
    "boolean": "boolean",
    "integer": "int",
    "string": "string",
    "dateTime": "dateTime",
    "decimal": "decimal",
    "float": "decimal",
    "unsigned integer": "unsignedInt",
    "unsigned long": "unsignedInt",
    "binary data": "base64Binary",
    "void": "void",
}

# The project's transcriptions of SLDN pages the reference lacks.
EXTRA_PAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schema", "sldn-pages")


def page_path(sldn, *parts):
    """An SLDN page: the reference's, else the project's transcription; None if neither."""
    for root in (sldn, EXTRA_PAGES):
        path = os.path.join(root, *parts)
        if os.path.exists(path):
            return path
    return None


def page_type(text):
    """A type as an SLDN page writes it (`integer`, `SoftLayer_Ticket[] `, a link) as the
    surface names it."""
    text = re.sub(r"\[(.+?)\]\(.*?\)", r"\1", text).strip()
    many = text.endswith("[]")
    base = text[:-2].strip() if many else text
    base = PAGE_SCALARS.get(base, base)
    return base + ("[]" if many else "")


def method_signature(md):
    """A method page's parameters and return type, as the surface writes them."""
    parameters, returns, block = [], None, None
    for line in md.splitlines():
        if line.startswith("### "):
            block = line[4:].strip()
            continue
        if block == "Parameters":
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0] not in ("Name", "") and not set(cells[0]) <= {"-", " "}:
                parameters.append({"name": cells[0], "type": page_type(cells[1])})
        elif block == "Return Values" and returns is None:
            item = re.match(r"\*\s+(.+)", line)
            if item:
                returns = page_type(item.group(1))
    return parameters, returns or "void"


def datatype_from_page(md):
    """A datatype's properties from its SLDN page, in the surface's form. The pages do not
    name a parent: SoftLayer's containers derive from SoftLayer_Entity, and a project
    transcription of a subtype names its parent in a `<!-- parent: Type -->` line."""
    parent = re.search(r"<!--\s*parent:\s*(\w+)\s*-->", md)
    props, current, kind = [], None, None
    for line in md.splitlines():
        if line.startswith("## "):
            title = line[3:].strip().lower()
            kind = title if title in ("local", "relational", "count") else None
        m = re.match(r"#### \[(\w+)\]", line)
        if m and kind:
            current = m.group(1)
        m = re.match(r"Type: \*\*(.+?)\*\*", line)
        if m and current:
            props.append({"name": current, "type": page_type(m.group(1)),
                          "relational": kind == "relational"})
            current = None
    return {"parent": parent.group(1) if parent else "SoftLayer_Entity", "properties": props}


def lineage(types, type_name):
    """The type and the types it inherits from, nearest first, as (name, type) pairs; a
    parent the types lack, or a cycle, ends it."""
    seen = set()
    while type_name in types and type_name not in seen:
        seen.add(type_name)
        yield type_name, types[type_name]
        type_name = types[type_name].get("parent")


def inherited_property(datatypes, type_name, prop):
    """The property as the surface gives the type: True for its own, the nearest
    ancestor's for an inherited one, None when neither has it."""
    for name, t in lineage(datatypes, type_name):
        for p in t["properties"]:
            if p["name"] == prop:
                return True if name == type_name else p
    return None


def learn_from_pages(surface, sldn):
    """Adds to the surface the methods of its services that only SLDN's pages document,
    the datatypes they need that the surface lacks, and every datatype the project has
    transcribed (schema/sldn-pages: types the surface's relational properties name, such
    as SoftLayer_User_Customer.timezone, that the emulator serves)."""
    transcribed = os.path.join(EXTRA_PAGES, "datatypes")
    needed = sorted(f[:-3] for f in os.listdir(transcribed) if f.endswith(".md"))
    # Services the transcriptions add (SoftLayer_Locale_Timezone, which SLDN's date
    # article sends callers to).
    extra_services = os.path.join(EXTRA_PAGES, "services")
    for name in sorted(os.listdir(extra_services)) if os.path.isdir(extra_services) else []:
        surface["services"].setdefault(name, {})
    for name, methods in surface["services"].items():
        for root in (sldn, EXTRA_PAGES):
            folder = os.path.join(root, "services", name)
            pages = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".md")) if os.path.isdir(folder) else []
            for method in pages:
                if method.startswith("_") or method in methods:
                    continue
                parameters, returns = method_signature(open(os.path.join(folder, method + ".md")).read())
                methods[method] = {"parameters": parameters, "returns": returns}
                needed += [returns] + [p["type"] for p in parameters]
    # A type the surface has may lack properties its SLDN page documents (the editor's
    # SoftLayer_User_Employee.officePhone, SoftLayer_Virtual_Guest.scaledFlag): the page
    # decides, so that a mask naming one is taken as the API takes it.
    for type_name, t in surface["datatypes"].items():
        path = os.path.join(sldn, "datatypes", type_name + ".md")
        if not os.path.exists(path):
            continue
        for p in datatype_from_page(open(path).read())["properties"]:
            inherited = inherited_property(surface["datatypes"], type_name, p["name"])
            if inherited is None:
                t["properties"].append(p)
            # A subtype's page that narrows a relation it inherits (an employee update's
            # `editor` is a SoftLayer_User_Employee, not any SoftLayer_User_Interface):
            # the subtype declares it so, and a mask through it is checked against the
            # type its getter answers with.
            elif (
                inherited is not True
                and p["type"].startswith("SoftLayer_")
                and p["type"] != inherited["type"]
            ):
                t["properties"].append(dict(inherited, type=p["type"]))
    # A type a method takes or returns, or one transcribed, must have a page. A type only
    # a property names is described if it has one, and otherwise left undescribed, as the
    # surface leaves those of its own properties (SoftLayer_Hardware.monitoringRobot's).
    needed = [(name, True) for name in needed]
    while needed:
        type_name, required = needed.pop()
        type_name = type_name.removesuffix("[]")
        if not type_name.startswith("SoftLayer_") or type_name in surface["datatypes"]:
            continue
        path = page_path(sldn, "datatypes", type_name + ".md")
        if path is None and required:
            sys.exit(f"no SLDN page for {type_name}: add one under schema/sldn-pages/datatypes/")
        if path is None:
            continue
        t = datatype_from_page(open(path).read())
        surface["datatypes"][type_name] = t
        needed += [(p["type"], False) for p in t["properties"]]


# Methods that take no credentials: the portal login takes a username and password as
# its arguments.
ANONYMOUS = {("SoftLayer_User_Customer", "getPortalLoginToken")}


def has_property(types, type_name, prop):
    """Whether the type, or a type it inherits from, has the property."""
    return any(prop in t["properties"] for _, t in lineage(types, type_name))


def fallback_headers(service, method, parameters, returns, types):
    """The headers of a method whose SLDN page is missing or lists none: those every
    documented method of its kind lists. The WSDL declares them, and suds sends only the
    headers an operation declares (it dropped User_Customer::getObject's init parameter
    and answered with the caller). An instance method (getObject, or the getter of a
    property of the service's type) takes the init parameter: required, but optional on
    SoftLayer_User_Customer (the caller without it) and absent on SoftLayer_Account (the
    caller's account), as on their documented methods. A getter takes no arguments; a
    method of the service that returns no SoftLayer type takes no mask, filter or limit
    (SoftLayer_Ticket_Attachment_File::getExtensionWhitelist lists none)."""
    required = [] if (service, method) in ANONYMOUS else ["authenticate"]
    prop = method[3:4].lower() + method[4:] if method.startswith("get") else None
    instance = method == "getObject" or (not parameters and has_property(types, service, prop))
    if not instance and not returns.startswith("SoftLayer_"):
        return required, []
    optional = [f"{service}ObjectMask", "SoftLayer_ObjectMask"]
    init = f"{service}InitParameters"
    if instance and service == "SoftLayer_User_Customer":
        optional.insert(0, init)
    elif instance and service != "SoftLayer_Account":
        required.insert(0, init)
    many = returns.endswith("[]")
    if instance or many:
        optional.append(f"{service}ObjectFilter")
    if many:
        optional.append("resultLimit")
    return required, optional


def relational_getters(service, datatypes, relational):
    """The get{Property} method of every relational property of a service's type, its
    own and inherited, with the property's type as the return type. The surface lists
    only the getters SLDN has a page for (4 of SoftLayer_User_Customer's 37), but the API
    has one for each relational property (SLDN's "relational properties" are those with a
    getter; softlayer-go, generated from the API's metadata, has every one of these), and
    clients call them: `getMasterUser` on an account, `getOpenTickets` on a user."""
    for type_name, t in lineage(datatypes, service):
        for p in t["properties"]:
            if p["name"] in relational.get(type_name, ()):
                yield "get" + p["name"][0].upper() + p["name"][1:], p["type"]


def main(ref):
    surface = json.load(open(os.path.join(ref, "api-surface.json")))
    sldn = os.path.join(ref, "sldn")
    learn_from_pages(surface, sldn)
    types = {}
    # The properties each type files as relational, before counts are told apart: the
    # API has a get{Property} method for each of them (below).
    relational = {}
    for name, t in surface["datatypes"].items():
        page = page_path(sldn, "datatypes", name + ".md")
        kinds = sections(open(page).read()) if page else {}
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
        relational[name] = {n for n, p in props.items() if p["kind"] == "relational"}
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
            page = page_path(sldn, "services", name, m + ".md")
            required, optional, exceptions = (
                method_page(open(page).read()) if page else ([], [], []))
            if not required and not optional:
                required, optional = fallback_headers(
                    name, m, spec["parameters"], spec["returns"], types)
            methods[m] = {
                "parameters": spec["parameters"],
                "returns": spec["returns"],
                "requiredHeaders": required,
                "optionalHeaders": optional,
                "exceptions": exceptions,
            }
        for m, returns in relational_getters(name, surface["datatypes"], relational):
            if m in methods:
                continue
            required, optional = fallback_headers(name, m, [], returns, types)
            methods[m] = {
                "parameters": [],
                "returns": returns,
                "requiredHeaders": required,
                "optionalHeaders": optional,
                "exceptions": [],
            }
        services[name] = {"methods": methods}
    json.dump({"types": types, "services": services}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference")

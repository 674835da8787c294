use super::args::json_values_at_most;
use super::route::Step;
use super::*;
use crate::call::{ExceptionClass, MaskSource, ResultLimit};
use crate::value::Struct;

#[test]
fn json_values_are_counted_outside_strings() {
    assert!(json_values_at_most(b"[1,2,3]", 4));
    assert!(!json_values_at_most(b"[1,2,3]", 3));
    assert!(json_values_at_most(br#"{"a":[1],"b":"x,y,[z{"}"#, 4));
    assert!(!json_values_at_most(br#"{"a":[1],"b":"x,y,[z{"}"#, 3));
    // An escaped quote does not end the string.
    assert!(json_values_at_most(br#"["a\",\",\",",1]"#, 3));
}

const KEY: &str = "0123456789abcdef";

fn creds() -> Option<Credentials> {
    Some(Credentials::ApiKey {
        username: "demo".into(),
        api_key: KEY.into(),
    })
}

fn req(verb: &str, path: &str, query: Option<&str>, body: &[u8]) -> Request {
    parse(verb, path, query, creds(), body).unwrap_or_else(|(f, _)| panic!("{verb} {path}: {f:?}"))
}

fn get(path: &str) -> Request {
    req("GET", path, None, b"")
}

fn fault(verb: &str, path: &str, query: Option<&str>, body: &[u8]) -> (Fault, Format) {
    match parse(verb, path, query, creds(), body) {
        Err(e) => e,
        Ok(r) => panic!("{verb} {path} parsed as {r:?}"),
    }
}

fn status(verb: &str, path: &str, query: Option<&str>, body: &[u8]) -> u16 {
    status_of(&fault(verb, path, query, body).0)
}

fn members(pairs: Vec<(&str, Value)>) -> Struct {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(members(pairs))
}

fn reply(value: Value, total: Option<u64>) -> Reply {
    Reply {
        value,
        type_name: "void".into(),
        total,
        warnings: Vec::new(),
    }
}

fn body_text(answer: &HttpAnswer) -> String {
    String::from_utf8(answer.body.clone()).unwrap()
}

fn json_of(answer: &HttpAnswer) -> serde_json::Value {
    serde_json::from_slice(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", body_text(answer)))
}

fn header<'a>(answer: &'a HttpAnswer, name: &str) -> Option<&'a str> {
    answer
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The call's mask in the string language (REST hands it on parsed).
fn mask_of(call: &Call) -> Option<String> {
    match &call.headers.mask {
        Some(MaskSource::Parsed(m)) => Some(m.to_string()),
        other => panic!("mask is {other:?}"),
    }
}

// ---- paths, formats and methods

#[test]
fn the_extension_picks_the_format_and_json_is_the_default() {
    for (path, format) in [
        ("SoftLayer_Ticket/5.json", Format::Json),
        ("SoftLayer_Ticket/5.xml", Format::Xml),
        ("SoftLayer_Ticket/5.txt", Format::Text),
        ("SoftLayer_Ticket/5.XML", Format::Xml),
        ("SoftLayer_Ticket/5", Format::Json),
        ("SoftLayer_Ticket/5/", Format::Json),
        ("SoftLayer_Ticket/5/getObject.xml/", Format::Xml),
    ] {
        let r = get(path);
        assert_eq!(r.format, format, "{path}");
        assert_eq!(r.call.service, "SoftLayer_Ticket", "{path}");
        assert_eq!(r.call.method, "getObject", "{path}");
        assert_eq!(r.call.headers.init_id, Some(Value::Int(5)), "{path}");
        assert_eq!(format_of(path), format, "{path}");
    }
}

#[test]
fn get_without_a_method_is_get_object_with_or_without_an_id() {
    let r = get("SoftLayer_Account.json");
    assert_eq!(r.call.service, "SoftLayer_Account");
    assert_eq!(r.call.method, "getObject");
    assert_eq!(r.call.headers.init_id, None);
    assert!(r.call.args.is_empty());
    assert!(r.is_direct());
    assert_eq!(r.call.headers.credentials, creds());
}

#[test]
fn other_verbs_without_a_method_are_create_edit_and_delete_object() {
    for (verb, method) in [
        ("POST", "createObject"),
        ("PUT", "editObject"),
        ("DELETE", "deleteObject"),
    ] {
        let r = req(
            verb,
            "SoftLayer_Ticket/5.json",
            None,
            b"{\"parameters\": [{}]}",
        );
        assert_eq!(r.call.method, method, "{verb}");
        assert_eq!(r.call.headers.init_id, Some(Value::Int(5)));
        // Not in the schema: the dispatcher answers 404, whatever the body says.
        assert!(r.call.args.is_empty(), "{verb}: {:?}", r.call.args);
    }
    // (Method names are case-sensitive: `get` is refused, rest::an_http_method_…)
    for verb in ["HEAD", "GET"] {
        let r = req(verb, "SoftLayer_Ticket/5.json", None, b"");
        assert_eq!(r.call.method, "getObject", "{verb}");
        assert_eq!(r.call.headers.init_id, Some(Value::Int(5)));
    }
    let r = req("POST", "SoftLayer_Ticket.json", None, b"not even json");
    assert_eq!(r.call.method, "createObject");
}

#[test]
fn methods_are_named_directly_or_by_their_property() {
    for path in [
        "SoftLayer_Ticket/5/getUpdates.json",
        "SoftLayer_Ticket/5/Updates.json",
        "SoftLayer_Ticket/5/updates.json",
        "SoftLayer_Ticket/5/getupdates.json",
        "softlayer_ticket/5/GETUPDATES",
    ] {
        let r = get(path);
        assert_eq!(r.call.service, "SoftLayer_Ticket", "{path}");
        assert_eq!(r.call.method, "getUpdates", "{path}");
        assert_eq!(r.call.headers.init_id, Some(Value::Int(5)), "{path}");
        assert!(r.is_direct());
    }
    let r = get("SoftLayer_Ticket_Subject/getAllObjects.json");
    assert_eq!(r.call.method, "getAllObjects");
    assert_eq!(r.call.headers.init_id, None);
    let r = get("SoftLayer_Account/OpenTickets");
    assert_eq!(r.call.method, "getOpenTickets");
}

#[test]
fn a_non_numeric_segment_before_a_method_is_the_init_parameter() {
    // slcli 6.2.9's `ticket create` ends with getObject(id=False).
    let r = get("SoftLayer_Ticket/False/getObject.json");
    assert_eq!(r.call.method, "getObject");
    assert_eq!(r.call.headers.init_id, Some(Value::String("False".into())));
    // Far too long for an i64: passed on as text, the dispatcher says "not found".
    let r = get("SoftLayer_Ticket/123456789012345678901234567890/getObject.json");
    assert_eq!(
        r.call.headers.init_id,
        Some(Value::String("123456789012345678901234567890".into()))
    );
}

#[test]
fn path_segments_are_percent_decoded() {
    let r = get("SoftLayer%5FTicket/5/get%55pdates.json");
    assert_eq!(r.call.service, "SoftLayer_Ticket");
    assert_eq!(r.call.method, "getUpdates");
    let r = get("SoftLayer_Ticket/5/setTags/a%2Cb%20c+d.json");
    assert_eq!(r.call.args, vec![Value::String("a,b c+d".into())]);
    // Broken escapes stay as they are.
    let r = get("SoftLayer_Ticket/5/setTags/100%25%zz%4.json");
    assert_eq!(r.call.args, vec![Value::String("100%%zz%4".into())]);
}

#[test]
fn unknown_services_and_methods_are_404() {
    let (f, format) = fault("GET", "Nonexistent.xml", None, b"");
    assert_eq!(f, no_service("Nonexistent", "getObject"));
    assert_eq!(format, Format::Xml);
    assert_eq!(status_of(&f), 404);
    assert_eq!(status("GET", "", None, b""), 404);
    assert_eq!(status("GET", "/.json", None, b""), 404);

    let (f, _) = fault(
        "GET",
        "SoftLayer_Account/BlockDeviceTemplateGroups1.json",
        None,
        b"",
    );
    assert_eq!(
        f,
        Fault::MethodNotFound {
            service: "SoftLayer_Account".into(),
            method: "BlockDeviceTemplateGroups1".into()
        }
    );
    let answer = write_fault(&f, Format::Json);
    assert_eq!(answer.status, 404);
    assert_eq!(
        json_of(&answer),
        serde_json::json!({
            "error": "Function (\"BlockDeviceTemplateGroups1\") is not a valid method for this service.",
            "code": "SoftLayer_Exception_Public"
        })
    );
    // A bare non-numeric segment is a method name, not an id.
    let (f, _) = fault("GET", "SoftLayer_Ticket/abc.json", None, b"");
    assert!(matches!(f, Fault::MethodNotFound { ref method, .. } if method == "abc"));
    let (f, _) = fault(
        "GET",
        "SoftLayer_Ticket/5/noSuchMethod/getObject",
        None,
        b"",
    );
    assert!(matches!(f, Fault::MethodNotFound { ref method, .. } if method == "noSuchMethod"));
}

#[test]
fn unsupported_http_methods_are_405() {
    let (f, format) = fault("PATCH", "SoftLayer_Ticket/5.xml", None, b"");
    assert_eq!(format, Format::Xml);
    let answer = write_fault(&f, format);
    assert_eq!(answer.status, 405);
    assert_eq!(
        header(&answer, "Allow"),
        Some("GET, HEAD, POST, PUT, DELETE")
    );
    assert!(body_text(&answer).contains("PATCH"));
}

// ---- arguments in the path

#[test]
fn path_arguments_follow_the_method_typed_by_its_parameters() {
    let r = get("SoftLayer_Ticket/123/addAttachedHardware/8002.json");
    assert_eq!(r.call.method, "addAttachedHardware");
    assert_eq!(r.call.headers.init_id, Some(Value::Int(123)));
    assert_eq!(r.call.args, vec![Value::Int(8002)]);

    let r = get("SoftLayer_Ticket/123/addAttachedVirtualGuest/9001/true");
    assert_eq!(r.call.args, vec![Value::Int(9001), Value::Bool(true)]);
    let r = get("SoftLayer_Ticket/123/addAttachedVirtualGuest/9001/0");
    assert_eq!(r.call.args, vec![Value::Int(9001), Value::Bool(false)]);

    // Strings stay strings even when they look like numbers.
    let r = get("SoftLayer_Ticket/123/addFinalComments/42.json");
    assert_eq!(r.call.args, vec![Value::String("42".into())]);
    // An int parameter that is not one goes to the handler as text, to be refused there.
    let r = get("SoftLayer_Ticket/123/addAttachedHardware/web01");
    assert_eq!(r.call.args, vec![Value::String("web01".into())]);
}

#[test]
fn too_many_path_arguments_are_400() {
    assert_eq!(
        status(
            "GET",
            "SoftLayer_Ticket/123/addAttachedHardware/1/2.json",
            None,
            b""
        ),
        400
    );
}

#[test]
fn path_arguments_come_before_body_arguments() {
    let r = req(
        "POST",
        "SoftLayer_Ticket/123/addAttachedVirtualGuest/9001.json",
        None,
        b"{\"parameters\": [true]}",
    );
    assert_eq!(r.call.args, vec![Value::Int(9001), Value::Bool(true)]);
}

// ---- bodies

#[test]
fn json_bodies_carry_the_parameters() {
    let body = br#"{"parameters": [{"subjectId": 1005, "title": "t", "assignedUserId": 5001}, "the body"]}"#;
    let r = req(
        "POST",
        "SoftLayer_Ticket/createStandardTicket.json",
        None,
        body,
    );
    assert_eq!(r.call.method, "createStandardTicket");
    assert_eq!(r.call.headers.init_id, None);
    assert_eq!(
        r.call.args,
        vec![
            obj(vec![
                ("subjectId", Value::Int(1005)),
                ("title", Value::from("t")),
                ("assignedUserId", Value::Int(5001)),
            ]),
            Value::from("the body"),
        ]
    );
    // A GET's `null` holds no parameters.
    let r = req("GET", "SoftLayer_Ticket/5/addUpdate", None, b" null ");
    assert!(r.call.args.is_empty());
    // PUT and GET read the body too; DELETE ignores it.
    for verb in ["PUT", "GET"] {
        let r = req(
            verb,
            "SoftLayer_Ticket/5/addUpdate",
            None,
            br#"{"parameters": [{"entry": "x"}]}"#,
        );
        assert_eq!(
            r.call.args,
            vec![obj(vec![("entry", Value::from("x"))])],
            "{verb}"
        );
    }
    // DELETE with a method named is no call at all (see `route`).
    let (f, _) = fault("DELETE", "SoftLayer_Ticket/5/addUpdate", None, b"garbage");
    assert_eq!(f, no_service("SoftLayer_Ticket", "addUpdate"));
}

#[test]
fn json_scalars_sent_as_strings_are_typed_by_the_parameter() {
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addAttachedVirtualGuest",
        None,
        br#"{"parameters": ["9001", "1"]}"#,
    );
    assert_eq!(r.call.args, vec![Value::Int(9001), Value::Bool(true)]);
    // Values that are not strings are left as sent.
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addAttachedHardware",
        None,
        br#"{"parameters": [8001.0]}"#,
    );
    assert_eq!(r.call.args, vec![Value::Float(8001.0)]);
}

#[test]
fn json_body_shapes() {
    let path = "SoftLayer_Ticket/5/addUpdate.json";
    for (body, args) in [
        (&b""[..], vec![]),
        (b"  \n ", vec![]),
        (b"{}", vec![]),
        (b"{\"parameters\": null}", vec![]),
        (b"{\"parameters\": []}", vec![]),
        (b"\xef\xbb\xbf{\"parameters\": [1]}", vec![Value::Int(1)]),
        // A lone parameter not in an array is still that parameter.
        (
            b"{\"parameters\": {\"entry\": \"x\"}}",
            vec![obj(vec![("entry", Value::from("x"))])],
        ),
    ] {
        assert_eq!(
            req("POST", path, None, body).call.args,
            args,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn bad_bodies_are_400_not_well_formed() {
    let path = "SoftLayer_Ticket/5/addUpdate.json";
    for body in [
        &b"{\"parameters\": [1,"[..],
        b"[1, 2]",
        b"{\"params\": [1]}",
        b"\"just a string\"",
        b"parameters=1",
        b"{\"parameters\": [\"\xff\"]}",
        b"<root><parameters><item>1</item></parameters>",
        b"<root><parameters>5</parameters></root>",
        b"<root><something/></root>",
        b"<root/><root/>",
        b"<a>text<b/></a>",
        b"<!DOCTYPE r [<!ENTITY e \"x\">]><root><parameters><item>&e;</item></parameters></root>",
        b"<root><parameters><item>&unknown;</item></parameters></root>",
    ] {
        let (f, format) = fault("POST", path, None, body);
        assert!(
            matches!(f, Fault::Malformed { .. }),
            "{:?} → {f:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(format, Format::Json);
        let answer = write_fault(&f, format);
        assert_eq!(answer.status, 400);
        assert_eq!(
            json_of(&answer)["code"],
            "SoftLayer_Exception_WebService_BadRequest"
        );
    }
    // Deep nesting is refused, not recursed into.
    let deep = format!(
        "<root><parameters>{}{}</parameters></root>",
        "<a>".repeat(200),
        "</a>".repeat(200)
    );
    assert!(matches!(
        fault("POST", path, None, deep.as_bytes()).0,
        Fault::Malformed { .. }
    ));
    let deep = format!("{{\"parameters\": {}{}}}", "[".repeat(500), "]".repeat(500));
    assert!(matches!(
        fault("POST", path, None, deep.as_bytes()).0,
        Fault::Malformed { .. }
    ));
}

#[test]
fn xml_bodies_are_typed_by_the_schema() {
    let body = "<?xml version=\"1.0\"?>\n<root>\n  <parameters>\n    <item>\n      \
                <subjectId>1005</subjectId>\n      <assignedUserId>5001</assignedUserId>\n      \
                <title>Disk &amp; RAID</title>\n      <priority>2</priority>\n      \
                <notifyUserOnUpdateFlag>true</notifyUserOnUpdateFlag>\n    </item>\n    \
                <item>  spaces  kept\n</item>\n    <item>8001</item>\n    <item/>\n    \
                <item/>\n    <item/>\n    <item>\n      <item>\n        <filename>a.txt</filename>\n        \
                <data>aGk=</data>\n      </item>\n    </item>\n  </parameters>\n</root>\n";
    let r = req(
        "POST",
        "SoftLayer_Ticket/createStandardTicket.xml",
        None,
        body.as_bytes(),
    );
    assert_eq!(r.format, Format::Xml);
    assert_eq!(
        r.call.args,
        vec![
            obj(vec![
                ("subjectId", Value::Int(1005)),
                ("assignedUserId", Value::Int(5001)),
                ("title", Value::from("Disk & RAID")),
                ("priority", Value::Int(2)),
                ("notifyUserOnUpdateFlag", Value::Bool(true)),
            ]),
            Value::from("  spaces  kept\n"),
            // attachmentId (int)
            Value::Int(8001),
            // rootPassword, controlPanelPassword, accessPort: empty strings
            Value::from(""),
            Value::from(""),
            Value::from(""),
            // attachedFiles: SoftLayer_Container_Utility_File_Attachment[]
            Value::Array(vec![obj(vec![
                ("filename", Value::from("a.txt")),
                ("data", Value::from("aGk=")),
            ])]),
        ]
    );
}

#[test]
fn xml_body_variants() {
    // <parameters> as the root, CDATA, namespaces, nil and empty ints.
    let body = b"<parameters xmlns:x=\"urn:x\"><x:item><![CDATA[a<b]]></x:item></parameters>";
    let r = req("POST", "SoftLayer_Ticket/5/addFinalComments", None, body);
    assert_eq!(r.call.args, vec![Value::from("a<b")]);

    let body = b"<root><parameters><item>9001</item><item xsi:nil=\"true\" xmlns:xsi=\"urn:xsi\"/></parameters></root>";
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addAttachedVirtualGuest",
        None,
        body,
    );
    assert_eq!(r.call.args, vec![Value::Int(9001), Value::Null]);

    let body = b"<root><parameters><item> </item></parameters></root>";
    let r = req("POST", "SoftLayer_Ticket/5/addAttachedHardware", None, body);
    assert_eq!(r.call.args, vec![Value::Null]);

    // string[]: items, or one bare string.
    let body =
        b"<root><parameters><item><item>a@x</item><item>b@x</item></item></parameters></root>";
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addAttachedAdditionalEmails",
        None,
        body,
    );
    assert_eq!(
        r.call.args,
        vec![Value::Array(vec![Value::from("a@x"), Value::from("b@x")])]
    );
    let body = b"<root><parameters><item>a@x</item></parameters></root>";
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addAttachedAdditionalEmails",
        None,
        body,
    );
    assert_eq!(r.call.args, vec![Value::Array(vec![Value::from("a@x")])]);

    // An empty root, or one without parameters, is no parameters at all.
    let r = req("POST", "SoftLayer_Ticket/5/addUpdate", None, b"<root/>");
    assert!(r.call.args.is_empty());
    // Parameters beyond the method's: structs or lists of items, text otherwise.
    let body = b"<root><parameters><item><entry>x</entry><weird><a>1</a></weird></item><item><item>1</item></item><item>7</item></parameters></root>";
    let r = req("POST", "SoftLayer_Ticket/5/addUpdate", None, body);
    assert_eq!(
        r.call.args,
        vec![
            obj(vec![
                ("entry", Value::from("x")),
                ("weird", obj(vec![("a", Value::from("1"))]))
            ]),
            // attachedFiles
            Value::Array(vec![Value::from("1")]),
            Value::from("7"),
        ]
    );
    // Latin-1 that is not UTF-8, declared as such; undeclared, it is refused (XML
    // reads a body without a declaration as UTF-8).
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addFinalComments",
        None,
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><root><parameters><item>caf\xe9</item></parameters></root>",
    );
    assert_eq!(r.call.args, vec![Value::from("café")]);
    let (refused, _) = fault(
        "POST",
        "SoftLayer_Ticket/5/addFinalComments",
        None,
        b"<root><parameters><item>caf\xe9</item></parameters></root>",
    );
    assert!(matches!(refused, Fault::Malformed { .. }), "{refused:?}");
}

// ---- query parameters

#[test]
fn object_masks_with_or_without_mask_brackets() {
    for (query, mask) in [
        ("objectMask=mask[id,title]", "mask[id,title]"),
        (
            "objectMask=mask%5Bid%2C+updates%5Bentry%5D%5D",
            "mask[id,updates[entry]]",
        ),
        ("objectMask=id;updates.entry", "mask[id,updates[entry]]"),
        ("objectmask=%20mask.status%20", "mask[status]"),
    ] {
        let r = req("GET", "SoftLayer_Ticket/5.json", Some(query), b"");
        assert_eq!(mask_of(&r.call).as_deref(), Some(mask), "{query}");
    }
    let r = req(
        "GET",
        "SoftLayer_Ticket/5.json",
        Some("objectMask=&x=1"),
        b"",
    );
    assert_eq!(r.call.headers.mask, None);
    // A parser fault's place counts from the mask as sent, as over XML-RPC and SOAP
    // (trimmed first, it said line 1 where they said line 3).
    let (refused, _) = fault(
        "GET",
        "SoftLayer_Ticket/5.json",
        Some("objectMask=%0A%0Amask[id,,title]"),
        b"",
    );
    assert!(
        refused.message().contains("line 3 at column 9"),
        "{refused:?}"
    );
}

#[test]
fn object_filters_are_json() {
    let q = "objectFilter=%7B%22tickets%22%3A%7B%22id%22%3A%7B%22operation%22%3A5%7D%7D%7D";
    let r = req("GET", "SoftLayer_Account/getTickets.json", Some(q), b"");
    assert_eq!(
        r.call.headers.filter,
        Some(obj(vec![(
            "tickets",
            obj(vec![("id", obj(vec![("operation", Value::Int(5))]))])
        )]))
    );
    let r = req(
        "GET",
        "SoftLayer_Account/getTickets.json",
        Some("objectFilter=null"),
        b"",
    );
    assert_eq!(r.call.headers.filter, None);
    for bad in [
        "objectFilter={",
        "objectFilter=[1]",
        "objectFilter=5",
        "objectFilter=%7B%22a%22",
    ] {
        let (f, _) = fault("GET", "SoftLayer_Account/getTickets.xml", Some(bad), b"");
        assert_eq!(status_of(&f), 400, "{bad}");
        assert!(
            matches!(
                f,
                Fault::BadArgument {
                    class: ExceptionClass::Public,
                    ..
                }
            ),
            "{f:?}"
        );
    }
}

#[test]
fn result_limits_are_offset_limit_or_limit() {
    for (query, limit) in [
        (
            "resultLimit=0,2",
            Some(ResultLimit {
                offset: 0,
                limit: Some(2),
            }),
        ),
        (
            "resultLimit=5,10",
            Some(ResultLimit {
                offset: 5,
                limit: Some(10),
            }),
        ),
        (
            "resultLimit=2",
            Some(ResultLimit {
                offset: 0,
                limit: Some(2),
            }),
        ),
        (
            "resultLimit=%205%20,%2010",
            Some(ResultLimit {
                offset: 5,
                limit: Some(10),
            }),
        ),
        // -0 is 0, as XML-RPC's `<int>-0</int>` is ("0 is negative", it said).
        (
            "resultLimit=-0,1",
            Some(ResultLimit {
                offset: 0,
                limit: Some(1),
            }),
        ),
        // softlayer-python sends `offset,0` when it has an offset only.
        (
            "resultLimit=100,0",
            Some(ResultLimit {
                offset: 100,
                limit: None,
            }),
        ),
        ("resultLimit=", None),
    ] {
        let r = req("GET", "SoftLayer_Account/getTickets.json", Some(query), b"");
        assert_eq!(r.call.headers.limit, limit, "{query}");
    }
    for bad in [
        "resultLimit=-1",
        "resultLimit=a,b",
        "resultLimit=1,2,3",
        "resultLimit=1.5",
    ] {
        assert_eq!(
            status("GET", "SoftLayer_Account/getTickets.json", Some(bad), b""),
            400,
            "{bad}"
        );
    }
}

#[test]
fn credentials_pass_through_untouched() {
    let apikey = Some(Credentials::ApiKey {
        username: "apikey".into(),
        api_key: KEY.into(),
    });
    let r = parse("GET", "SoftLayer_Account.json", None, apikey.clone(), b"").unwrap();
    assert_eq!(r.call.headers.credentials, apikey);
    let r = parse("GET", "SoftLayer_Account.json", None, None, b"").unwrap();
    assert_eq!(r.call.headers.credentials, None);
    let (call, format) =
        parse_request("GET", "SoftLayer_Ticket/5/Updates.xml", None, creds(), b"").unwrap();
    assert_eq!(call.method, "getUpdates");
    assert_eq!(format, Format::Xml);
}

// ---- nested resources

#[test]
fn an_id_after_a_list_method_picks_one_item() {
    let r = get("SoftLayer_Account/getTickets/160000001.json");
    assert!(!r.is_direct());
    assert_eq!(r.call.service, "SoftLayer_Account");
    assert_eq!(r.call.method, "getTickets");
    assert_eq!(r.call.headers.init_id, None);
    assert_eq!(mask_of(&r.call).as_deref(), Some("mask[]"));
    // The pick is an id condition the list's SQL applies.
    assert_eq!(r.call.headers.item_id, Some(160000001));
    assert_eq!(r.nav.steps, vec![Step::Pick("160000001".into())]);
    assert!(r.guard.is_none());
}

/// What the journal keeps of a walked path: the path, with the caller's mask and
/// limit (the call's own are the walk's).
#[test]
fn a_walked_path_keeps_the_request_as_sent() {
    let r = req(
        "GET",
        "SoftLayer_Account/getTickets/160000001/getUpdates.xml",
        Some("objectMask=entry&resultLimit=1,2"),
        b"",
    );
    let segments = ["SoftLayer_Account", "getTickets", "160000001", "getUpdates"];
    assert_eq!(
        r.nested,
        Some(NestedPath {
            segments: segments.map(String::from).to_vec(),
            mask: Some("mask[entry]".into()),
            limit: Some(ResultLimit::new(1, 2)),
            verb: None,
        })
    );
    // A direct call, and a call moved to the item's own service, are the whole
    // request as they stand.
    assert_eq!(get("SoftLayer_Ticket/5/getUpdates.json").nested, None);
    let moved = req(
        "POST",
        "SoftLayer_Account/Tickets/5/addUpdate",
        None,
        br#"{"parameters": [{"entry": "hi"}]}"#,
    );
    assert!(moved.guard.is_some());
    assert_eq!(moved.nested, None);
}

#[test]
fn relational_properties_walk_down_through_the_mask() {
    let r = req(
        "GET",
        "SoftLayer_Account/Tickets/5/Updates.json",
        Some("objectMask=mask[entry,editor]&resultLimit=1,2"),
        b"",
    );
    assert_eq!(r.call.method, "getTickets");
    assert_eq!(
        mask_of(&r.call).as_deref(),
        Some("mask[updates[entry,editor]]")
    );
    assert_eq!(r.call.headers.limit, None);
    assert_eq!(
        r.nav.steps,
        vec![Step::Pick("5".into()), Step::Property("updates".into())]
    );
    assert_eq!(
        r.nav.limit,
        Some(ResultLimit {
            offset: 1,
            limit: Some(2)
        })
    );
    assert_eq!(r.nav.type_name, "SoftLayer_Ticket_Update[]");

    let r = req(
        "GET",
        "SoftLayer_Ticket/5/getUpdates/77/getTicket.json",
        Some("objectMask=filteredMask(SoftLayer_Ticket)[id,status[name]]"),
        b"",
    );
    assert_eq!(r.call.service, "SoftLayer_Ticket");
    assert_eq!(r.call.method, "getUpdates");
    assert_eq!(r.call.headers.init_id, Some(Value::Int(5)));
    assert_eq!(
        mask_of(&r.call).as_deref(),
        Some("filteredMask[ticket(SoftLayer_Ticket)[id,status[name]]]")
    );
}

#[test]
fn picking_the_last_item_adds_an_id_to_a_mask_of_local_properties() {
    let r = req(
        "GET",
        "SoftLayer_Ticket/5/Updates/77.json",
        Some("objectMask=mask[entry]"),
        b"",
    );
    assert_eq!(mask_of(&r.call).as_deref(), Some("mask[entry,id]"));
    assert!(r.nav.strip_id);
    let r = req(
        "GET",
        "SoftLayer_Ticket/5/Updates/77.json",
        Some("objectMask=mask[editor]"),
        b"",
    );
    assert_eq!(mask_of(&r.call).as_deref(), Some("mask[editor,id]"));
    assert!(!r.nav.strip_id, "defaults (id among them) plus editor");
    let r = req(
        "GET",
        "SoftLayer_Ticket/5/Updates/77.json",
        Some("objectMask=mask[id,entry]"),
        b"",
    );
    assert_eq!(mask_of(&r.call).as_deref(), Some("mask[id,entry]"));
    assert!(!r.nav.strip_id);
}

#[test]
fn nested_mistakes() {
    // A property of a list needs an id first.
    let (f, _) = fault(
        "GET",
        "SoftLayer_Account/getTickets/Updates.json",
        None,
        b"",
    );
    assert_eq!(status_of(&f), 400, "{f:?}");
    // Unknown properties, local properties and a second id are not methods.
    for path in [
        "SoftLayer_Account/getTickets/5/Nope.json",
        "SoftLayer_Ticket/5/Updates/77/title.json",
        "SoftLayer_Ticket/5/Updates/77/78.json",
        "SoftLayer_Ticket/5/UpdateCount/1.json",
    ] {
        let (f, _) = fault("GET", path, None, b"");
        assert!(matches!(f, Fault::MethodNotFound { .. }), "{path}: {f:?}");
    }
    // A mask that does not parse: the API's parser exception, 500 as the real API
    // answers its mask faults.
    let (f, _) = fault(
        "GET",
        "SoftLayer_Account/getTickets/5",
        Some("objectMask=mask[id"),
        b"",
    );
    assert_eq!(status_of(&f), 500);
}

#[test]
fn a_method_of_the_picked_items_service_moves_the_call_there() {
    let r = req(
        "POST",
        "SoftLayer_Account/Tickets/5/addUpdate.json",
        Some("objectMask=mask[entry]"),
        br#"{"parameters": [{"entry": "hi"}]}"#,
    );
    assert!(!r.is_direct());
    assert_eq!(r.call.service, "SoftLayer_Ticket");
    assert_eq!(r.call.method, "addUpdate");
    assert_eq!(r.call.headers.init_id, Some(Value::Int(5)));
    assert_eq!(r.call.args, vec![obj(vec![("entry", Value::from("hi"))])]);
    assert_eq!(mask_of(&r.call).as_deref(), Some("mask[entry]"));
    assert!(r.nav.steps.is_empty());
    let guard = r.guard.as_ref().expect("a guard");
    assert_eq!(guard.call.service, "SoftLayer_Account");
    assert_eq!(guard.call.method, "getTickets");
    assert_eq!(mask_of(&guard.call).as_deref(), Some("mask[id]"));
    assert_eq!(guard.nav.steps, vec![Step::Pick("5".into())]);

    let r = get("SoftLayer_Account/getTickets/5/addAttachedHardware/8001.json");
    assert_eq!(r.call.service, "SoftLayer_Ticket");
    assert_eq!(r.call.args, vec![Value::Int(8001)]);

    // PUT and DELETE on a nested item: its service's editObject and deleteObject,
    // a 404 before anything is looked up when the service has no such method.
    let r = req(
        "PUT",
        "SoftLayer_Account/Users/5002.json",
        None,
        br#"{"parameters": [{}]}"#,
    );
    assert_eq!(r.call.service, "SoftLayer_User_Customer");
    assert_eq!(r.call.method, "editObject");
    assert_eq!(r.call.headers.init_id, Some(Value::Int(5002)));
    assert!(r.guard.is_some());
    for (verb, path, service, method) in [
        (
            "PUT",
            "SoftLayer_Account/Tickets/5.json",
            "SoftLayer_Ticket",
            "editObject",
        ),
        (
            "DELETE",
            "SoftLayer_Ticket_Subject_Category/1/Subjects/1005",
            "SoftLayer_Ticket_Subject",
            "deleteObject",
        ),
    ] {
        let (f, _) = fault(verb, path, None, b"");
        assert_eq!(
            f,
            Fault::MethodNotFound {
                service: service.into(),
                method: method.into()
            }
        );
    }
    // …and a 404 naming the item's type when it has no service here.
    let (f, _) = fault("PUT", "SoftLayer_Ticket/5/Updates/77.json", None, b"");
    assert_eq!(
        f,
        Fault::MethodNotFound {
            service: "SoftLayer_Ticket_Update".into(),
            method: "editObject".into()
        }
    );
}

/// A dispatcher that records calls and answers from a table.
fn run_with(
    request: &Request,
    answer: impl Fn(&Call) -> Result<Reply, Fault>,
) -> (Result<Reply, Fault>, Vec<(String, String)>) {
    let mut calls = Vec::new();
    let mut dispatch = |call: &Call| {
        calls.push((call.service.clone(), call.method.clone()));
        answer(call)
    };
    let out = request.run(&mut dispatch);
    (out, calls)
}

fn tickets() -> Value {
    Value::Array(vec![
        obj(vec![("id", Value::Int(4)), ("title", Value::from("four"))]),
        obj(vec![
            ("id", Value::Int(5)),
            ("title", Value::from("five")),
            (
                "updates",
                Value::Array(
                    (70..76)
                        .map(|i| {
                            obj(vec![
                                ("id", Value::Int(i)),
                                ("entry", Value::from(format!("e{i}"))),
                            ])
                        })
                        .collect(),
                ),
            ),
            ("assignedUser", Value::Null),
        ]),
    ])
}

#[test]
fn navigation_picks_descends_and_pages() {
    let list = |_: &Call| Ok(reply(tickets(), Some(2)));

    let (out, calls) = run_with(&get("SoftLayer_Account/getTickets/5.json"), list);
    let out = out.unwrap();
    assert_eq!(out.value.get("title"), Some(&Value::from("five")));
    assert_eq!(out.total, None);
    assert_eq!(
        calls,
        vec![("SoftLayer_Account".into(), "getTickets".into())]
    );

    let r = req(
        "GET",
        "SoftLayer_Account/getTickets/5/Updates",
        Some("resultLimit=1,2"),
        b"",
    );
    let out = run_with(&r, list).0.unwrap();
    assert_eq!(out.total, Some(6));
    let ids: Vec<_> = match &out.value {
        Value::Array(items) => items
            .iter()
            .map(|u| u.get("id").cloned().unwrap())
            .collect(),
        v => panic!("{v:?}"),
    };
    assert_eq!(ids, vec![Value::Int(71), Value::Int(72)]);
    let r = req(
        "GET",
        "SoftLayer_Account/getTickets/5/Updates",
        Some("resultLimit=10,5"),
        b"",
    );
    assert_eq!(run_with(&r, list).0.unwrap().value, Value::Array(vec![]));

    let r = req(
        "GET",
        "SoftLayer_Account/getTickets/5/Updates/73",
        Some("objectMask=mask[entry]"),
        b"",
    );
    assert_eq!(
        run_with(&r, list).0.unwrap().value,
        obj(vec![("entry", Value::from("e73"))])
    );

    let r = get("SoftLayer_Account/getTickets/5/AssignedUser");
    assert_eq!(run_with(&r, list).0.unwrap().value, Value::Null);
    // Ids that are not in the list, and picks from nothing, are 404.
    for path in [
        "SoftLayer_Account/getTickets/6",
        "SoftLayer_Account/getTickets/5/Updates/99",
        "SoftLayer_Account/getTickets/5/AssignedUser/5001",
    ] {
        let err = run_with(&get(path), list).0.unwrap_err();
        assert_eq!(status_of(&err), 404, "{path}: {err:?}");
    }
    // A single object is picked when it has the id.
    let single = |_: &Call| Ok(reply(obj(vec![("id", Value::Int(5001))]), None));
    let r = get("SoftLayer_Ticket/5/getAssignedUser/5001");
    assert_eq!(
        run_with(&r, single).0.unwrap().value,
        obj(vec![("id", Value::Int(5001))])
    );
    // Faults of the call pass through untouched.
    let denied = |_: &Call| {
        Err(Fault::unauthenticated(
            ExceptionClass::InvalidLegacyToken,
            "Invalid API token.",
        ))
    };
    assert_eq!(status_of(&run_with(&r, denied).0.unwrap_err()), 401);
}

#[test]
fn guards_run_first_and_stop_the_call_when_the_item_is_not_in_the_list() {
    let answer = |call: &Call| match call.method.as_str() {
        "getTickets" => Ok(reply(tickets(), Some(2))),
        "addUpdate" => Ok(reply(
            Value::Array(vec![obj(vec![("id", Value::Int(1))])]),
            Some(1),
        )),
        m => panic!("unexpected {m}"),
    };
    let body = br#"{"parameters": [{"entry": "hi"}]}"#;
    let r = req("POST", "SoftLayer_Account/Tickets/5/addUpdate", None, body);
    let (out, calls) = run_with(&r, answer);
    assert_eq!(out.unwrap().total, Some(1));
    assert_eq!(
        calls,
        vec![
            ("SoftLayer_Account".into(), "getTickets".into()),
            ("SoftLayer_Ticket".into(), "addUpdate".into())
        ]
    );
    let r = req("POST", "SoftLayer_Account/Tickets/6/addUpdate", None, body);
    let (out, calls) = run_with(&r, answer);
    assert_eq!(out.unwrap_err(), Fault::not_found("6"));
    assert_eq!(calls.len(), 1);
}

#[test]
fn handle_writes_what_the_dispatcher_answers() {
    let answer = handle(
        "GET",
        "SoftLayer_Ticket/5/getUpdates.json",
        Some("resultLimit=0,1"),
        creds(),
        b"",
        |call| {
            assert_eq!(
                call.headers.limit,
                Some(ResultLimit {
                    offset: 0,
                    limit: Some(1)
                })
            );
            Ok(reply(
                Value::Array(vec![obj(vec![("id", Value::Int(1))])]),
                Some(3),
            ))
        },
    );
    assert_eq!(answer.status, 200);
    assert_eq!(header(&answer, "SoftLayer-Total-Items"), Some("3"));
    assert_eq!(json_of(&answer), serde_json::json!([{"id": 1}]));

    let answer = handle("GET", "SoftLayer_Ticket/5.xml", None, None, b"", |_| {
        Err(Fault::unauthenticated(
            ExceptionClass::Public,
            "No valid authentication headers found.",
        ))
    });
    assert_eq!(answer.status, 401);
    assert!(header(&answer, "WWW-Authenticate").is_some());
    assert_eq!(
        body_text(&answer),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root><error>No valid authentication headers found.</error>\
         <code>SoftLayer_Exception_Public</code></root>"
    );

    let answer = handle("GET", "Nope.json", None, None, b"", |_| {
        panic!("not dispatched")
    });
    assert_eq!(answer.status, 404);
    assert_eq!(
        json_of(&answer),
        serde_json::json!({"error": NO_SERVICE, "code": "SoftLayer_Exception_Public"})
    );
}

// ---- replies

#[test]
fn json_replies() {
    let value = obj(vec![
        ("id", Value::Int(5)),
        ("title", Value::from("a \"b\" é")),
        (
            "createDate",
            Value::DateTime("2026-10-01T09:15:00-05:00".into()),
        ),
        ("flag", Value::Bool(true)),
        ("nothing", Value::Null),
        ("data", Value::Base64(b"hi".to_vec())),
        ("ratio", Value::Float(0.5)),
    ]);
    let answer = write_reply(&reply(value, None), Format::Json, false);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    assert!(answer.headers.is_empty());
    assert_eq!(
        body_text(&answer),
        r#"{"id":5,"title":"a \"b\" é","createDate":"2026-10-01T09:15:00-05:00","flag":true,"nothing":null,"data":"aGk=","ratio":0.5}"#
    );
    let answer = write_reply(&reply(Value::Array(vec![]), Some(0)), Format::Json, false);
    assert_eq!(body_text(&answer), "[]");
    assert_eq!(header(&answer, "SoftLayer-Total-Items"), Some("0"));
    assert_eq!(
        body_text(&write_reply(&reply(Value::Null, None), Format::Json, false)),
        "null"
    );
    assert_eq!(
        body_text(&write_reply(
            &reply(Value::Bool(false), None),
            Format::Json,
            false
        )),
        "false"
    );
}

#[test]
fn xml_replies() {
    let value = Value::Array(vec![
        obj(vec![
            ("id", Value::Int(5)),
            ("title", Value::from("<b> & \r\n\u{1}")),
            ("flag", Value::Bool(false)),
            ("assignedUser", Value::Null),
            (
                "updates",
                Value::Array(vec![obj(vec![("entry", Value::from("x"))])]),
            ),
            ("status", obj(vec![("name", Value::from("Open"))])),
            ("bad name", Value::Int(1)),
            ("9lives", Value::Int(9)),
        ]),
        Value::Int(7),
    ]);
    let answer = write_reply(&reply(value, Some(2)), Format::Xml, false);
    assert_eq!(answer.content_type, "application/xml; charset=utf-8");
    assert_eq!(header(&answer, "SoftLayer-Total-Items"), Some("2"));
    assert_eq!(
        body_text(&answer),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root><item><id>5</id>\
         <title>&lt;b&gt; &amp; &#13;\n\u{fffd}</title><flag>false</flag><assignedUser/>\
         <updates><item><entry>x</entry></item></updates><status><name>Open</name></status>\
         <bad_name>1</bad_name><_9lives>9</_9lives></item><item>7</item></root>"
    );
    assert_eq!(
        body_text(&write_reply(&reply(Value::Null, None), Format::Xml, false)),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root/>"
    );
    assert_eq!(
        body_text(&write_reply(
            &reply(Value::Bool(true), None),
            Format::Xml,
            false
        )),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>true</root>"
    );
}

#[test]
fn xml_replies_parse_back_as_xml_bodies() {
    // What the server writes, a client may send back.
    let template = obj(vec![("entry", Value::from("a < b & c\r\nline 2"))]);
    let written = write_reply(
        &reply(
            Value::Struct(members(vec![(
                "parameters",
                Value::Array(vec![template.clone()]),
            )])),
            None,
        ),
        Format::Xml,
        false,
    );
    let r = req(
        "POST",
        "SoftLayer_Ticket/5/addUpdate.xml",
        None,
        &written.body,
    );
    assert_eq!(r.call.args, vec![template]);
}

#[test]
fn text_replies() {
    for (value, text) in [
        (Value::from("plain & simple"), "plain & simple"),
        (Value::Int(42), "42"),
        (Value::Bool(true), "true"),
        (Value::Null, ""),
        (Value::Float(1.5), "1.5"),
        (Value::Base64(b"hi".to_vec()), "aGk="),
        (obj(vec![("id", Value::Int(1))]), "{\"id\":1}"),
    ] {
        let answer = write_reply(&reply(value, None), Format::Text, false);
        assert_eq!(answer.content_type, "text/plain; charset=utf-8");
        assert_eq!(body_text(&answer), text);
    }
}

#[test]
fn fault_statuses() {
    use ExceptionClass::*;
    for (fault, status, code) in [
        (
            Fault::unauthenticated(InvalidLegacyToken, "Invalid API token."),
            401,
            "SoftLayer_Exception_InvalidLegacyToken",
        ),
        (
            Fault::unauthenticated(Public, "No valid authentication headers found."),
            401,
            "SoftLayer_Exception_Public",
        ),
        (
            Fault::not_found(5),
            404,
            "SoftLayer_Exception_ObjectNotFound",
        ),
        (
            no_service("S", "getObject"),
            404,
            "SoftLayer_Exception_Public",
        ),
        (
            Fault::MethodNotFound {
                service: "S".into(),
                method: "x".into(),
            },
            404,
            "SoftLayer_Exception_Public",
        ),
        (
            Fault::MalformedInitParameter,
            400,
            "SoftLayer_Exception_WebService_BadRequest",
        ),
        (
            Fault::malformed("x"),
            400,
            "SoftLayer_Exception_WebService_BadRequest",
        ),
        (
            Fault::invalid_value("Invalid value"),
            400,
            "SoftLayer_Exception_InvalidValue",
        ),
        (
            Fault::bad_argument("Property 'x' not valid for 'SoftLayer_Ticket'."),
            400,
            "SoftLayer_Exception_Public",
        ),
        (
            Fault::documented(
                Exception,
                "This hardware is already attached to this ticket.",
            ),
            500,
            "SoftLayer_Exception",
        ),
        (
            Fault::UnsupportedVerb {
                verb: "PATCH".into(),
            },
            405,
            "SoftLayer_Exception_WebService_BadRequest",
        ),
        (Fault::internal("a store error"), 500, "SoftLayer_Exception"),
    ] {
        for format in [Format::Json, Format::Text] {
            let answer = write_fault(&fault, format);
            assert_eq!(answer.status, status, "{fault:?}");
            assert_eq!(answer.content_type, "application/json");
            let json = json_of(&answer);
            assert_eq!(json["code"], code, "{fault:?}");
            assert_eq!(
                json.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["error", "code"]
            );
        }
        let answer = write_fault(&fault, Format::Xml);
        assert_eq!(answer.status, status);
        let text = body_text(&answer);
        assert!(text.contains(&format!("<code>{code}</code>")), "{text}");
    }
    let text = body_text(&write_fault(
        &Fault::MethodNotFound {
            service: "S".into(),
            method: "a<b".into(),
        },
        Format::Xml,
    ));
    assert!(
        text.contains(
            "<error>Function (\"a&lt;b\") is not a valid method for this service.</error>"
        ),
        "{text}"
    );
}

// ---- robustness

#[test]
fn no_input_makes_the_codec_panic() {
    let paths = [
        "",
        "/",
        "//",
        ".json",
        "a.b.c",
        "SoftLayer_Ticket/%",
        "SoftLayer_Ticket/%ff%fe/getObject",
        "SoftLayer_Ticket/5/getUpdates/1/2/3/4/5/6",
        "SoftLayer_Account/getTickets/1/Updates/2/Editor/3",
        "SoftLayer_Account/Tickets/1/Updates/2/Ticket/3/Updates/4/Ticket",
        "SoftLayer_Ticket//5//getObject.txt",
        "SoftLayer_Ticket/5/addAttachedHardware/99999999999999999999999",
        "SoftLayer_Ticket/-5/getObject",
        "SoftLayer_User_Customer/1/getObject",
        "SoftLayer_Ticket/5/getAttachedFile/x/y",
    ];
    let queries = [
        None,
        Some(""),
        Some("&&=&"),
        Some("objectMask=mask[[[[]"),
        Some("objectFilter=%"),
        Some("resultLimit=18446744073709551615,18446744073709551615"),
        Some("objectMask=%ZZ"),
    ];
    let bodies: [&[u8]; 6] = [
        b"",
        b"{",
        b"<",
        b"\xff\xfe",
        b"{\"parameters\":[[[[{}]]]]}",
        b"<a><parameters><b><c/></b></parameters></a>",
    ];
    for verb in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        for path in paths {
            for query in queries {
                for body in bodies {
                    let answer = handle(verb, path, query, None, body, |_| {
                        Ok(reply(tickets(), Some(2)))
                    });
                    // 500 only for a mask the API refuses (as the real API
                    // answers one), never the server's own failure.
                    let body = String::from_utf8_lossy(&answer.body);
                    let mask_fault = answer.status == 500
                        && (body.contains("SoftLayer_Exception_Common_Parser")
                            || body.contains("SoftLayer_Exception_WebService_ObjectMask"));
                    assert!(
                        answer.status == 200 || (400..500).contains(&answer.status) || mask_fault,
                        "{verb} {path} {query:?}: {} {body}",
                        answer.status
                    );
                }
            }
        }
    }
}

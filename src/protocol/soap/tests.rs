use super::write::{is_written_date, looks_like_date_time};
use super::*;
use crate::call::{Credentials, MaskSource, ResultLimit};
use crate::protocol::wsdl;
use crate::value::{Struct, Value};
use std::fmt::Write as _;

/// A shared struct is written as its copies would be, also where the WSDL declares
/// it as another type (an update's `editor` is a `SoftLayer_User_Interface`, a
/// ticket's `assignedUser` a `SoftLayer_User_Customer`).
#[test]
fn shared_structs_are_written_as_their_copies_would_be() {
    // A getObject reply holding the ticket `value`.
    let reply_with = |value: Value| {
        let reply = Reply {
            value,
            type_name: "SoftLayer_Ticket".into(),
            total: None,
            warnings: Vec::new(),
        };
        let body = write_reply("SoftLayer_Ticket", "getObject", ApiVersion::V3_1, &reply);
        String::from_utf8(body).unwrap()
    };
    let write = |shared: bool| reply_with(crate::value::ticket_showing_one_user(shared));
    let shared = write(true);
    assert_eq!(shared, write(false));
    assert_eq!(shared.matches(">5002</id>").count(), 5, "{shared}");
    assert!(shared.contains("<assignedUser xsi:type=\"ns1:SoftLayer_User_Customer\">"));
    assert!(shared.contains("<editor xsi:type=\"ns1:SoftLayer_User_Customer\">"));

    // A struct of no type of its own is written as the type its place declares, in
    // that type's order: shared, it is copied only where it is written the same way.
    let untyped = || {
        let mut s = Struct::new();
        s.insert("name".into(), "n".into());
        s.insert("firstName".into(), "f".into());
        s
    };
    let write = |shared: bool| {
        let one = untyped();
        let of = |s: &Struct| Value::Struct(if shared { s.clone() } else { untyped() });
        let mut ticket = Struct::of_type("SoftLayer_Ticket", 3);
        ticket.insert("assignedUser".into(), of(&one));
        ticket.insert("status".into(), of(&one));
        let mut other = Struct::of_type("SoftLayer_Ticket", 2);
        other.insert("status".into(), of(&one));
        other.insert("assignedUser".into(), of(&one));
        ticket.insert("lastTicket".into(), Value::Struct(other));
        reply_with(Value::Struct(ticket))
    };
    let shared = write(true);
    assert_eq!(shared, write(false));
    assert!(shared.contains("<status xsi:type=\"ns1:SoftLayer_Ticket_Status\"><name xsi:type=\"xsd:string\">n</name><firstName"), "{shared}");
    assert!(shared.contains("<assignedUser xsi:type=\"ns1:SoftLayer_User_Customer\"><firstName xsi:type=\"xsd:string\">f</firstName><name"), "{shared}");
}

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The quick check of written dates agrees with chrono's parser on what it accepts,
/// and leaves everything else to it.
#[test]
fn written_dates_are_told_as_chrono_tells_them() {
    for s in [
        "2026-11-30T14:05:09-06:00",
        "1999-01-01T00:00:00+00:00",
        "2024-02-29T23:59:59+05:30",
    ] {
        assert!(is_written_date(s), "{s}");
        assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{s}");
    }
    for s in [
        "2023-02-29T00:00:00-06:00",
        "2026-13-01T00:00:00-06:00",
        "2026-11-30T24:00:00-06:00",
        "2026-11-30T14:05:09Z",
        "2026-11-30T14:05:09.5-06:00",
        "2026-11-30 14:05:09-06:00",
        "2026-11-3aT14:05:09-06:00",
        "2026-11-30T14:05:09-0600",
        "",
        "Ticket 2026-11-30T14:05:09-06:00",
    ] {
        assert!(!is_written_date(s), "{s}");
    }
    // What the quick check leaves out, the parsers still accept.
    assert!(looks_like_date_time("2026-11-30T14:05:09Z"));
    assert!(looks_like_date_time("2026-11-30T14:05:09.5"));
    assert!(!looks_like_date_time("2023-02-29T00:00:00-06:00"));
}

/// An envelope in the shape PHP's SoapClient sends.
fn envelope(header: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
         xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" \
         SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">\
         <SOAP-ENV:Header>{header}</SOAP-ENV:Header><SOAP-ENV:Body>{body}</SOAP-ENV:Body>\
         </SOAP-ENV:Envelope>"
    )
}

fn auth() -> String {
    format!("<ns1:authenticate><username>demo</username><apiKey>{KEY}</apiKey></ns1:authenticate>")
}

fn parse(service: &str, text: &str) -> Call {
    parse_call(service, text.as_bytes()).unwrap_or_else(|f| panic!("{f:?}\n{text}"))
}

fn ticket(header: &str, body: &str) -> Call {
    parse("SoftLayer_Ticket", &envelope(header, body))
}

fn assert_malformed(text: &[u8]) -> String {
    match parse_call("SoftLayer_Ticket", text) {
        Err(Fault::Malformed { detail }) => detail,
        other => panic!("{:?} parsed as {other:?}", String::from_utf8_lossy(text)),
    }
}

fn demo() -> Option<Credentials> {
    Some(Credentials::ApiKey {
        username: "demo".into(),
        api_key: KEY.into(),
    })
}

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(*s)).collect())
}

// --- requests --------------------------------------------------------------------

/// The raw example of SLDN's SOAP article, with its `https://api.softlayer.com/soap/v3/`
/// namespace.
#[test]
fn sldn_article_example() {
    let text = format!(
        r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://api.softlayer.com/soap/v3/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<SOAP-ENV:Header>
    <ns1:authenticate>
        <username>demo</username>
        <apiKey>{KEY}</apiKey>
    </ns1:authenticate>
</SOAP-ENV:Header>
<SOAP-ENV:Body>
    <ns1:getObject/>
</SOAP-ENV:Body>
</SOAP-ENV:Envelope>"#
    );
    let call = parse("SoftLayer_Account", &text);
    assert_eq!(call.service, "SoftLayer_Account");
    assert_eq!(call.method, "getObject");
    assert_eq!(call.headers.credentials, demo());
    assert!(call.args.is_empty());
}

/// PHP's SoapClient: every value annotated, SOAP-ENC arrays, base64Binary.
#[test]
fn php_encoded_request() {
    let call = ticket(
        &format!(
            "{}<ns1:SoftLayer_TicketInitParameters><id>160000001</id></ns1:SoftLayer_TicketInitParameters>",
            auth()
        ),
        "<ns1:addUpdate><templateObject xsi:type=\"ns1:SoftLayer_Ticket_Update\">\
         <entry xsi:type=\"xsd:string\">hi</entry></templateObject>\
         <attachedFiles SOAP-ENC:arrayType=\"ns1:SoftLayer_Container_Utility_File_Attachment[1]\" \
         xsi:type=\"ns1:SoftLayer_Container_Utility_File_AttachmentArray\">\
         <item xsi:type=\"ns1:SoftLayer_Container_Utility_File_Attachment\">\
         <data xsi:type=\"xsd:base64Binary\">aGVsbG8=</data>\
         <filename xsi:type=\"xsd:string\">a.txt</filename></item></attachedFiles></ns1:addUpdate>",
    );
    assert_eq!(call.method, "addUpdate");
    assert_eq!(call.headers.credentials, demo());
    assert_eq!(call.headers.init_id, Some(Value::Int(160000001)));
    assert_eq!(call.args.len(), 2);
    assert_eq!(call.args[0].get("entry"), Some(&Value::from("hi")));
    let Value::Array(files) = &call.args[1] else {
        panic!("{:?}", call.args[1])
    };
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].get("data"),
        Some(&Value::Base64(b"hello".to_vec()))
    );
    assert_eq!(files[0].get("filename"), Some(&Value::from("a.txt")));
}

/// zeep and node-soap send no `xsi:type`: the WSDL types the values.
#[test]
fn untyped_values_are_typed_by_the_schema() {
    let call = ticket(
        &auth(),
        "<ns0:createStandardTicket xmlns:ns0=\"http://api.service.softlayer.com/soap/v3.1/\">\
         <templateObject><subjectId>1001</subjectId><title>t</title><priority>2</priority>\
         <billableFlag>false</billableFlag></templateObject>\
         <contents>body</contents><attachmentId>7</attachmentId></ns0:createStandardTicket>",
    );
    assert_eq!(call.method, "createStandardTicket");
    let t = &call.args[0];
    assert_eq!(t.get("subjectId"), Some(&Value::Int(1001)));
    assert_eq!(t.get("title"), Some(&Value::from("t")));
    assert_eq!(t.get("priority"), Some(&Value::Int(2)));
    assert_eq!(t.get("billableFlag"), Some(&Value::Bool(false)));
    assert_eq!(call.args[1], Value::from("body"));
    assert_eq!(call.args[2], Value::Int(7));
    assert_eq!(call.args.len(), 3);
}

/// Headers and the operation without any namespace, and in a default namespace.
#[test]
fn unnamespaced_and_default_namespace() {
    let text = format!(
        "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header>\
         <authenticate><username>demo</username><apiKey>{KEY}</apiKey></authenticate>\
         <SoftLayer_TicketInitParameters><id>5</id></SoftLayer_TicketInitParameters>\
         </e:Header><e:Body><getObject/></e:Body></e:Envelope>"
    );
    let call = parse("SoftLayer_Ticket", &text);
    assert_eq!(call.headers.credentials, demo());
    assert_eq!(call.headers.init_id, Some(Value::Int(5)));
    assert_eq!(call.method, "getObject");

    let text = format!(
        "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Header>\
         <authenticate xmlns=\"urn:whatever\"><username>demo</username><apiKey>{KEY}</apiKey></authenticate>\
         </Header><Body><getObject xmlns=\"http://api.service.softlayer.com/soap/v3/\"/></Body></Envelope>"
    );
    let call = parse("SoftLayer_Account", &text);
    assert_eq!(call.headers.credentials, demo());
    assert_eq!(call.method, "getObject");
}

/// `string[]` arguments: a SOAP-ENC array, a wrapper of `item`s, node-soap's wrapper
/// of same-named elements, repeated elements, a single element, an empty element.
#[test]
fn arrays_both_ways() {
    let cases = [
        (
            "<emails SOAP-ENC:arrayType=\"xsd:string[2]\" xsi:type=\"ns1:stringArray\">\
             <item xsi:type=\"xsd:string\">a@x.com</item><item xsi:type=\"xsd:string\">b@x.com</item></emails>",
            vec!["a@x.com", "b@x.com"],
        ),
        (
            "<emails><item>a@x.com</item><item>b@x.com</item></emails>",
            vec!["a@x.com", "b@x.com"],
        ),
        (
            "<emails><emails>a@x.com</emails><emails>b@x.com</emails></emails>",
            vec!["a@x.com", "b@x.com"],
        ),
        (
            "<emails>a@x.com</emails><emails>b@x.com</emails>",
            vec!["a@x.com", "b@x.com"],
        ),
        ("<emails>a@x.com</emails>", vec!["a@x.com"]),
        ("<emails/>", vec![]),
        ("<emails xsi:type=\"SOAP-ENC:Array\"/>", vec![]),
    ];
    for (xml, expected) in cases {
        let call = ticket(
            &auth(),
            &format!("<ns1:addAttachedAdditionalEmails>{xml}</ns1:addAttachedAdditionalEmails>"),
        );
        assert_eq!(call.args, vec![strings(&expected)], "{xml}");
    }
}

/// A value typed with another XML Schema scalar, or as an array, than the WSDL declares
/// is read by its `xsi:type`, as PHP's SoapServer reads it: it then means what the
/// same typed value means over XML-RPC (taken, or refused by the argument check).
#[test]
fn a_typed_value_is_read_by_its_type_where_another_scalar_is_declared() {
    let arg = |body: &str| ticket(&auth(), body).args;
    let cases = [
        (
            "<ns1:addAttachedHardware><hardwareId xsi:type=\"xsd:double\">8002.0</hardwareId></ns1:addAttachedHardware>",
            Value::Float(8002.0),
        ),
        (
            "<ns1:addAttachedHardware><hardwareId xsi:type=\"xsd:int\">8002</hardwareId></ns1:addAttachedHardware>",
            Value::Int(8002),
        ),
        (
            "<ns1:addAttachedHardware><hardwareId>8002</hardwareId></ns1:addAttachedHardware>",
            Value::Int(8002),
        ),
        // A prefix bound to no schema namespace names no simple type.
        (
            "<ns1:addAttachedHardware><hardwareId xsi:type=\"ns1:double\">8002</hardwareId></ns1:addAttachedHardware>",
            Value::Int(8002),
        ),
        (
            "<ns1:setTags><tags xsi:type=\"xsd:boolean\">true</tags></ns1:setTags>",
            Value::Bool(true),
        ),
        (
            "<ns1:setTags><tags xsi:type=\"xsd:double\">5.0</tags></ns1:setTags>",
            Value::Float(5.0),
        ),
        (
            "<ns1:setTags><tags xsi:type=\"ns1:stringArray\" SOAP-ENC:arrayType=\"xsd:string[0]\"/></ns1:setTags>",
            Value::Array(vec![]),
        ),
        // Base64 where text is declared is still the text it spells (SOAP::Lite).
        (
            "<ns1:setTags><tags xsi:type=\"xsd:base64Binary\">YSxi</tags></ns1:setTags>",
            Value::from("a,b"),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(arg(body), vec![expected], "{body}");
    }
    let header = format!(
        "{}<ns1:SoftLayer_TicketInitParameters><id xsi:type=\"xsd:double\">160000001.0</id>\
         </ns1:SoftLayer_TicketInitParameters>",
        auth()
    );
    let call = ticket(&header, "<ns1:getObject/>");
    assert_eq!(call.headers.init_id, Some(Value::Float(160000001.0)));
}

/// Arrays of structs: node-soap's same-named wrapper, zeep's bare struct, repeated.
#[test]
fn arrays_of_structs() {
    let one = "<filename>a.txt</filename><data>aGVsbG8=</data>";
    for xml in [
        format!("<attachedFiles><attachedFiles>{one}</attachedFiles></attachedFiles>"),
        format!("<attachedFiles>{one}</attachedFiles>"),
        format!("<attachedFiles><item>{one}</item></attachedFiles>"),
    ] {
        let call = ticket(
            &auth(),
            &format!(
                "<ns1:addUpdate><templateObject><entry>x</entry></templateObject>{xml}</ns1:addUpdate>"
            ),
        );
        let Value::Array(files) = &call.args[1] else {
            panic!("{xml}: {:?}", call.args)
        };
        assert_eq!(files.len(), 1, "{xml}");
        assert_eq!(
            files[0].get("data"),
            Some(&Value::Base64(b"hello".to_vec()))
        );
    }
    let call = ticket(
        &auth(),
        &format!(
            "<ns1:addUpdate><templateObject/><attachedFiles>{one}</attachedFiles>\
             <attachedFiles>{one}</attachedFiles></ns1:addUpdate>"
        ),
    );
    let Value::Array(files) = &call.args[1] else {
        panic!("{:?}", call.args)
    };
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| f.get("filename") == Some(&Value::from("a.txt")))
    );
}

/// Every header of SLDN articles on authentication, init parameters and result limits, typed and untyped.
#[test]
fn call_headers() {
    let header = format!(
        "{}<ns1:SoftLayer_TicketInitParameters xsi:type=\"ns1:SoftLayer_TicketInitParameters\">\
         <id xsi:type=\"xsd:int\">160000001</id></ns1:SoftLayer_TicketInitParameters>\
         <ns1:SoftLayer_ObjectMask><mask>mask[id,updates[entry]]</mask></ns1:SoftLayer_ObjectMask>\
         <ns1:resultLimit><limit>2</limit><offset>4</offset></ns1:resultLimit>\
         <ns1:User-Agent>tests</ns1:User-Agent>",
        auth()
    );
    let call = ticket(&header, "<ns1:getUpdates/>");
    assert_eq!(call.headers.credentials, demo());
    assert_eq!(call.headers.init_id, Some(Value::Int(160000001)));
    assert_eq!(
        call.headers.mask,
        Some(MaskSource::Text("mask[id,updates[entry]]".into()))
    );
    assert_eq!(
        call.headers.limit,
        Some(ResultLimit {
            offset: 4,
            limit: Some(2)
        })
    );

    // The portal token form, and a string init id.
    let call = ticket(
        "<ns1:authenticate><userId>5001</userId><authToken>tok</authToken></ns1:authenticate>\
         <ns1:SoftLayer_TicketInitParameters><id>abc</id></ns1:SoftLayer_TicketInitParameters>",
        "<ns1:getObject/>",
    );
    assert_eq!(
        call.headers.credentials,
        Some(Credentials::PortalToken {
            user_id: 5001,
            token: "tok".into()
        })
    );
    assert_eq!(call.headers.init_id, Some(Value::from("abc")));
}

/// SLDN's SOAP article writes the limit as bare text before `<offset>`.
#[test]
fn result_limit_as_in_the_sldn_article() {
    let call = ticket(
        "<resultLimit xsi:type=\"slt:resultLimit\" xmlns:slt=\"http://api.service.softlayer.com/soap/v3/SLTypes/\">\n    2\n    <offset xsi:type=\"xsd:int\">0</offset>\n</resultLimit>",
        "<ns1:getUpdates/>",
    );
    assert_eq!(
        call.headers.limit,
        Some(ResultLimit {
            offset: 0,
            limit: Some(2)
        })
    );
}

/// `{Service}ObjectMask` carries a legacy mask: a tree of empty elements.
#[test]
fn legacy_object_mask() {
    let call = ticket(
        "<ns1:SoftLayer_TicketObjectMask xsi:type=\"ns1:SoftLayer_TicketObjectMask\">\
         <mask xsi:type=\"ns1:SoftLayer_Ticket\"><updates><editor/></updates><status/></mask>\
         </ns1:SoftLayer_TicketObjectMask>",
        "<ns1:getObject/>",
    );
    let Some(MaskSource::Legacy(mask)) = &call.headers.mask else {
        panic!("{:?}", call.headers.mask)
    };
    assert_eq!(mask.keys().collect::<Vec<_>>(), ["updates", "status"]);
    assert_eq!(
        mask["updates"].get("editor"),
        Some(&Value::Struct(Struct::new()))
    );
}

/// A legacy mask array typed as one (`SOAP-ENC:arrayType`, `xsi:type` of an array)
/// may name its members anything (SOAP 1.1 section 5.4.2), and several items' sub-masks
/// are united; an untyped one folds only `item`, `Item` and type-named members.
#[test]
fn legacy_mask_arrays_name_their_members_anything() {
    let mask_of = |updates: &str| {
        let call = ticket(
            &format!(
                "<ns1:SoftLayer_TicketObjectMask><mask><id/>{updates}</mask>\
                 </ns1:SoftLayer_TicketObjectMask>"
            ),
            "<ns1:getObject/>",
        );
        let Some(MaskSource::Legacy(mask)) = call.headers.mask else {
            panic!("{:?}", call.headers.mask)
        };
        mask
    };
    for typed in [
        "SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[2]\" xsi:type=\"SOAP-ENC:Array\"",
        "SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[2]\"",
        "xsi:type=\"ns1:SoftLayer_Ticket_UpdateArray\"",
    ] {
        let mask = mask_of(&format!(
            "<updates {typed}><foo><entry/></foo><ITEM><editor/></ITEM></updates>"
        ));
        let updates = mask["updates"].as_struct().expect("a sub-mask");
        assert_eq!(
            updates.keys().collect::<Vec<_>>(),
            ["entry", "editor"],
            "{typed}"
        );
    }
    let mask = mask_of("<updates><foo><entry/></foo></updates>");
    assert!(mask["updates"].get("foo").is_some(), "{mask:?}");
}

/// The filter tree is typed by `{Service}ObjectFilter`: `options` and `value` are
/// arrays however many there are, `operation` keeps an `xsi:type`.
#[test]
fn object_filter() {
    let call = parse(
        "SoftLayer_Account",
        &envelope(
            "<ns1:SoftLayer_AccountObjectFilter><tickets>\
             <id><operation>orderBy</operation><options><name>sort</name><value>DESC</value></options></id>\
             <statusId><operation xsi:type=\"xsd:int\">1001</operation></statusId>\
             <status><name><operation>in</operation><options><name>data</name>\
             <value>Open</value><value>Assigned</value></options></name></status>\
             </tickets></ns1:SoftLayer_AccountObjectFilter>",
            "<ns1:getTickets/>",
        ),
    );
    let filter = call.headers.filter.expect("filter");
    let tickets = filter.get("tickets").unwrap();
    let options = tickets.get("id").unwrap().get("options").unwrap();
    let Value::Array(options) = options else {
        panic!("{options:?}")
    };
    assert_eq!(options[0].get("name"), Some(&Value::from("sort")));
    assert_eq!(options[0].get("value"), Some(&strings(&["DESC"])));
    assert_eq!(
        tickets.get("statusId").unwrap().get("operation"),
        Some(&Value::Int(1001))
    );
    let name = tickets.get("status").unwrap().get("name").unwrap();
    let Some(Value::Array(options)) = name.get("options") else {
        panic!("{name:?}")
    };
    assert_eq!(
        options[0].get("value"),
        Some(&strings(&["Open", "Assigned"]))
    );
}

/// Multi-reference values (Axis, .NET): `href="#id"` to an element elsewhere.
#[test]
fn multi_reference_values() {
    let call = ticket(
        &auth(),
        "<ns1:createStandardTicket><templateObject href=\"#id0\"/><contents href=\"#id1\"/>\
         </ns1:createStandardTicket>\
         <multiRef id=\"id0\" xsi:type=\"ns1:SoftLayer_Ticket\"><subjectId xsi:type=\"xsd:int\">1001</subjectId></multiRef>\
         <multiRef id=\"id1\" xsi:type=\"xsd:string\">body</multiRef>",
    );
    assert_eq!(call.args[0].get("subjectId"), Some(&Value::Int(1001)));
    assert_eq!(call.args[1], Value::from("body"));
}

#[test]
fn nil_and_positional_arguments() {
    let call = ticket(
        &auth(),
        "<ns1:createStandardTicket><param0><subjectId>1001</subjectId></param0>\
         <param1>body</param1><param2 xsi:nil=\"true\"/><param3>pw</param3></ns1:createStandardTicket>",
    );
    assert_eq!(call.args[0].get("subjectId"), Some(&Value::Int(1001)));
    assert_eq!(call.args[1], Value::from("body"));
    assert_eq!(call.args[2], Value::Null);
    assert_eq!(call.args[3], Value::from("pw"));
    // Named arguments in any order; the gap before the last is nil.
    let call = ticket(
        &auth(),
        "<ns1:createStandardTicket><contents>c</contents><templateObject/>\
         <rootPassword>r</rootPassword></ns1:createStandardTicket>",
    );
    assert_eq!(call.args.len(), 4);
    assert_eq!(call.args[0], Value::Struct(Struct::new()));
    assert_eq!(call.args[1], Value::from("c"));
    assert_eq!(call.args[2], Value::Null);
    assert_eq!(call.args[3], Value::from("r"));
}

#[test]
fn non_ascii_text_and_encodings() {
    let body = "Grüße — 日本語 🎫 <&> \"q\"\r\nend";
    let escaped = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#13;");
    let text = envelope(
        &auth(),
        &format!(
            "<ns1:createStandardTicket><templateObject/><contents>{escaped}</contents></ns1:createStandardTicket>"
        ),
    );
    let call = parse("SoftLayer_Ticket", &text);
    assert_eq!(call.args[1], Value::from(body));
    // A CDATA section.
    let call = ticket(
        &auth(),
        "<ns1:createStandardTicket><templateObject/><contents><![CDATA[a <b> & c]]></contents></ns1:createStandardTicket>",
    );
    assert_eq!(call.args[1], Value::from("a <b> & c"));
    // Latin-1 bytes (not UTF-8) are Latin-1 where the declaration says so, and
    // refused where it says UTF-8.
    let latin1 = envelope(
        &auth(),
        "<ns1:createStandardTicket><templateObject/><contents>caf\u{e9}</contents></ns1:createStandardTicket>",
    );
    let bytes: Vec<u8> = latin1.chars().map(|c| c as u32 as u8).collect();
    assert!(assert_malformed(&bytes).contains("not UTF-8"));
    let declared: Vec<u8> = latin1
        .replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1)
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    let call = parse_call("SoftLayer_Ticket", &declared).unwrap();
    assert_eq!(call.args[1], Value::from("café"));
    // UTF-16 with a byte order mark (.NET).
    let mut utf16 = vec![0xff, 0xfe];
    for unit in latin1.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let call = parse_call("SoftLayer_Ticket", &utf16).unwrap();
    assert_eq!(call.args[1], Value::from("café"));
}

#[test]
fn malformed_requests() {
    let ok = envelope(&auth(), "<ns1:getObject/>");
    assert!(assert_malformed(b"").contains("no Envelope"));
    assert!(assert_malformed(b"<a/>").contains("not a SOAP Envelope"));
    assert!(assert_malformed(&ok.as_bytes()[..ok.len() - 5]).contains("end"));
    assert!(
        assert_malformed(b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x/>")
            .contains("DOCTYPE")
    );
    let v12 = ok.replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    assert!(assert_malformed(v12.as_bytes()).contains("SOAP 1.2"));
    let no_body = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/></e:Envelope>";
    assert!(assert_malformed(no_body.as_bytes()).contains("Body must be present"));
    let empty_body =
        "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body/></e:Envelope>";
    assert!(assert_malformed(empty_body.as_bytes()).contains("without function call"));
    let trailing = format!("{ok}<x/>");
    assert!(assert_malformed(trailing.as_bytes()).contains("after"));
    let text_after = format!("{ok}junk");
    assert!(assert_malformed(text_after.as_bytes()).contains("text outside"));
    let deep = envelope(
        "",
        &format!(
            "<ns1:getObject>{}{}</ns1:getObject>",
            "<a>".repeat(80),
            "</a>".repeat(80)
        ),
    );
    assert!(assert_malformed(deep.as_bytes()).contains("nested"));
    let bad_href = envelope(
        "",
        "<ns1:createStandardTicket><templateObject href=\"#nope\"/></ns1:createStandardTicket>",
    );
    assert!(assert_malformed(bad_href.as_bytes()).contains("names no element"));
    let bad_b64 = envelope(
        "",
        "<ns1:addUpdate><templateObject/><attachedFiles><item><data>@@@</data></item></attachedFiles></ns1:addUpdate>",
    );
    // Not base64 where base64 is declared: the text, for the argument check to refuse
    // by the member's name.
    let call = parse("SoftLayer_Ticket", &bad_b64);
    let Value::Array(files) = &call.args[1] else {
        panic!("{:?}", call.args[1])
    };
    assert_eq!(files[0].get("data"), Some(&Value::from("@@@")));
    let mismatched = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><a></b></e:Body></e:Envelope>";
    assert_malformed(mismatched.as_bytes());
}

/// SOAP 1.1 section 4.2.3: a header marked `mustUnderstand` that the server does not
/// process is a `MustUnderstand` fault; the headers it reads, a header for another
/// actor and `mustUnderstand="0"` are not. A value that is not a boolean is a
/// `Client` fault, as PHP's SoapServer answers.
#[test]
fn headers_marked_must_understand() {
    let with = |header: &str| {
        parse_call(
            "SoftLayer_Ticket",
            envelope(&format!("{}{header}", auth()), "<ns1:getObject/>").as_bytes(),
        )
    };
    for understood in [
        "<ns1:SoftLayer_TicketInitParameters SOAP-ENV:mustUnderstand=\"1\"><id>5</id>\
         </ns1:SoftLayer_TicketInitParameters>",
        "<ns1:SoftLayer_ObjectMask SOAP-ENV:mustUnderstand=\"true\"><mask>mask[id]</mask>\
         </ns1:SoftLayer_ObjectMask>",
        "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"0\">x</foo:Bar>",
        "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"1\" \
         SOAP-ENV:actor=\"urn:someone-else\">x</foo:Bar>",
        // Not the envelope's attribute: no meaning here.
        "<foo:Bar xmlns:foo=\"urn:x\" mustUnderstand=\"1\">x</foo:Bar>",
    ] {
        assert!(with(understood).is_ok(), "{understood}");
    }
    for refused in [
        "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"1\">x</foo:Bar>",
        "<ns1:Bar SOAP-ENV:mustUnderstand=\"true\" \
         SOAP-ENV:actor=\"http://schemas.xmlsoap.org/soap/actor/next\">x</ns1:Bar>",
        "<ns1:SoftLayer_AccountObjectFilter SOAP-ENV:mustUnderstand=\"1\"/>",
    ] {
        let fault = with(refused).unwrap_err();
        let text =
            String::from_utf8(write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", &fault)).unwrap();
        assert!(
            text.contains("<faultcode>SOAP-ENV:MustUnderstand</faultcode><faultstring>Header not understood: &lt;"),
            "{refused}: {text}"
        );
    }
    let Err(Fault::Malformed { detail }) =
        with("<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"yes\">x</foo:Bar>")
    else {
        panic!("not refused")
    };
    assert_eq!(detail, "mustUnderstand value is not boolean");
}

/// A Header or Body in another namespace (SOAP 1.2's) is not the 1.1 envelope's: as
/// PHP's SoapServer, there is no Body.
#[test]
fn header_and_body_are_in_the_envelope_namespace() {
    let v12 = "http://www.w3.org/2003/05/soap-envelope";
    let body = envelope(&auth(), "<ns1:getObject/>")
        .replace("<SOAP-ENV:Body>", &format!("<B:Body xmlns:B=\"{v12}\">"))
        .replace("</SOAP-ENV:Body>", "</B:Body>");
    assert_eq!(assert_malformed(body.as_bytes()), NO_BODY);
    let header = envelope(&auth(), "<ns1:getObject/>")
        .replace(
            "<SOAP-ENV:Header>",
            &format!("<H:Header xmlns:H=\"{v12}\">"),
        )
        .replace("</SOAP-ENV:Header>", "</H:Header>");
    assert_eq!(assert_malformed(header.as_bytes()), NO_BODY);
}

/// What follows the Body is passed over, as PHP's SoapServer passes it over (SOAP 1.1
/// §4 lets qualified elements follow it); an element before the Body leaves none.
#[test]
fn elements_after_the_body_are_passed_over() {
    let trailer = "<x:trailer xmlns:x=\"urn:x\"/>";
    for after in [
        trailer,
        "<trailer/>",
        "<SOAP-ENV:Body><ns1:getAllObjects/></SOAP-ENV:Body>",
        "<SOAP-ENV:Header/>",
    ] {
        let sent = envelope(&auth(), "<ns1:getObject/>").replace(
            "</SOAP-ENV:Envelope>",
            &format!("{after}</SOAP-ENV:Envelope>"),
        );
        assert_eq!(
            parse("SoftLayer_Ticket", &sent).method,
            "getObject",
            "{after}"
        );
    }
    let before = envelope(&auth(), "<ns1:getObject/>")
        .replace("<SOAP-ENV:Body>", &format!("{trailer}<SOAP-ENV:Body>"));
    assert_eq!(assert_malformed(before.as_bytes()), NO_BODY);
}

/// A multi-reference graph that doubles at every level may not expand without bound.
#[test]
fn reference_expansion_is_bounded() {
    let mut refs = String::new();
    for i in 0..40 {
        let _ = write!(
            refs,
            "<multiRef id=\"r{i}\"><a href=\"#r{n}\"/><b href=\"#r{n}\"/></multiRef>",
            n = i + 1
        );
    }
    refs.push_str("<multiRef id=\"r40\">x</multiRef>");
    let text = envelope(
        "",
        &format!(
            "<ns1:createStandardTicket><templateObject href=\"#r0\"/></ns1:createStandardTicket>{refs}"
        ),
    );
    let detail = assert_malformed(text.as_bytes());
    assert!(
        detail.contains("more than 250000 values") || detail.contains("copy more than"),
        "{detail}"
    );
    // A reference cycle ends at the depth limit.
    let cycle = envelope(
        "",
        "<ns1:createStandardTicket><templateObject href=\"#c\"/></ns1:createStandardTicket>\
         <multiRef id=\"c\"><account href=\"#c\"/></multiRef>",
    );
    assert_malformed(cycle.as_bytes());
}

/// An element referenced again is a copy, charged by its bytes: a string of 10 KB
/// referenced 30 times over three levels (270 MB of text from 12 KB) is refused after
/// [`MAX_COPIED_BYTES`]; the same graph of short strings, within the budget, is read.
#[test]
fn references_copy_a_bounded_number_of_bytes() {
    let laughs = |text: &str, fan: usize| {
        let mut refs = format!("<multiRef id=\"l0\" xsi:type=\"xsd:string\">{text}</multiRef>");
        for level in 1..=3 {
            let items = format!("<item href=\"#l{}\"/>", level - 1).repeat(fan);
            let _ = write!(
                refs,
                "<multiRef id=\"l{level}\" xsi:type=\"SOAP-ENC:Array\">{items}</multiRef>"
            );
        }
        envelope(
            "",
            &format!(
                "<ns1:addAttachedAdditionalEmails><emails href=\"#l3\"/></ns1:addAttachedAdditionalEmails>{refs}"
            ),
        )
    };
    let detail = assert_malformed(laughs(&"z".repeat(10_000), 30).as_bytes());
    assert!(
        detail.contains(&format!("copy more than {MAX_COPIED_BYTES} bytes")),
        "{detail}"
    );
    let call = parse("SoftLayer_Ticket", &laughs("a@example.com", 10));
    let Value::Array(emails) = &call.args[0] else {
        panic!("{:?}", call.args)
    };
    assert_eq!(emails.len(), 10);
    // A multi-reference graph with each element referenced once copies nothing,
    // however large: Axis and .NET send every object so.
    let big = "y".repeat(MAX_COPIED_BYTES + 1);
    let call = ticket(
        "",
        &format!(
            "<ns1:createStandardTicket><templateObject href=\"#t\"/><contents href=\"#c\"/>\
             </ns1:createStandardTicket><multiRef id=\"t\"><title>x</title></multiRef>\
             <multiRef id=\"c\" xsi:type=\"xsd:string\">{big}</multiRef>"
        ),
    );
    assert_eq!(call.args[1].as_str().map(str::len), Some(big.len()));
}

/// Whatever the bytes, the parser answers without panicking.
#[test]
fn never_panics_on_truncated_or_mangled_input() {
    let text = envelope(
        &format!(
            "{}<ns1:SoftLayer_TicketObjectMask><mask><updates/></mask></ns1:SoftLayer_TicketObjectMask>",
            auth()
        ),
        "<ns1:addUpdate><templateObject href=\"#a\"/><attachedFiles SOAP-ENC:arrayType=\"x[1]\">\
         <item><data>aGk=</data></item></attachedFiles></ns1:addUpdate>\
         <multiRef id=\"a\"><entry>é</entry></multiRef>",
    );
    let bytes = text.as_bytes();
    for end in 0..bytes.len() {
        let _ = parse_call("SoftLayer_Ticket", &bytes[..end]);
    }
    let mut mangled = bytes.to_vec();
    for i in (0..mangled.len()).step_by(7) {
        mangled[i] = mangled[i].wrapping_add(13);
        let _ = parse_call("SoftLayer_Ticket", &mangled);
    }
    assert!(parse_call("SoftLayer_Ticket", bytes).is_ok());
}

// --- replies ---------------------------------------------------------------------

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
    SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\" \
    xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" \
    xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
    xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\" \
    xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">";

fn reply(method: &str, type_name: &str, value: Value, total: Option<u64>) -> String {
    let r = Reply {
        value,
        type_name: type_name.into(),
        total,
        warnings: Vec::new(),
    };
    let bytes = write_reply("SoftLayer_Account", method, ApiVersion::V3_1, &r);
    let text = String::from_utf8(bytes).unwrap();
    well_formed(&text);
    text
}

#[test]
fn a_streamed_list_is_byte_for_byte_the_whole_reply() {
    let ticket = |id: i64| {
        let mut m = Struct::new();
        m.insert("id".into(), Value::Int(id));
        m.insert("title".into(), Value::from(format!("t{id}")));
        Value::Struct(m)
    };
    let all: Vec<Value> = (1..=5).map(ticket).collect();
    for (offset, limit) in [(0, None), (1, Some(2)), (4, Some(3)), (9, Some(3))] {
        let page: Vec<Value> = all
            .iter()
            .skip(offset as usize)
            .take(limit.unwrap_or(usize::MAX as u64) as usize)
            .cloned()
            .collect();
        let whole = reply(
            "getTickets",
            "SoftLayer_Ticket[]",
            Value::Array(page.clone()),
            Some(5),
        );
        let mut list = SoapList {
            version: ApiVersion::V3_1,
            method: "getTickets".into(),
            item_type: "SoftLayer_Ticket".into(),
        };
        let mut out = Vec::new();
        list.start(&mut out, 5, page.len() as u64);
        for item in &page {
            list.item(&mut out, item);
        }
        list.end(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            whole,
            "offset {offset}, limit {limit:?}"
        );
    }
}

fn well_formed(text: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{e}\n{text}"),
        }
    }
}

fn object(members: &[(&str, Value)]) -> Value {
    Value::Struct(
        members
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// The shape of captures/soap-response-SoftLayer_Account_getObject.xml.
#[test]
fn object_reply_like_the_capture() {
    let text = reply(
        "getObject",
        "SoftLayer_Account",
        object(&[
            ("id", Value::Int(307608)),
            (
                "companyName",
                Value::from("SoftLayer Internal - Development Community"),
            ),
        ]),
        None,
    );
    assert_eq!(
        text,
        format!(
            "{HEAD}<SOAP-ENV:Body><ns1:getObjectResponse><getObjectReturn xsi:type=\"ns1:SoftLayer_Account\">\
             <companyName xsi:type=\"xsd:string\">SoftLayer Internal - Development Community</companyName>\
             <id xsi:type=\"xsd:int\">307608</id></getObjectReturn></ns1:getObjectResponse>\
             </SOAP-ENV:Body></SOAP-ENV:Envelope>"
        )
    );
    let v3 = write_reply(
        "SoftLayer_Account",
        "getObject",
        ApiVersion::V3,
        &Reply {
            value: Value::Null,
            type_name: "SoftLayer_Account".into(),
            total: None,
            warnings: Vec::new(),
        },
    );
    let v3 = String::from_utf8(v3).unwrap();
    assert!(v3.contains("xmlns:ns1=\"http://api.service.softlayer.com/soap/v3/\""));
    assert!(v3.contains("<getObjectReturn xsi:nil=\"true\"/>"));
}

/// The shape of captures/soap-response-SoftLayer_Account_getVirtualGuests.xml.
#[test]
fn list_reply_with_total_items() {
    let text = reply(
        "getTickets",
        "SoftLayer_Ticket[]",
        Value::Array(vec![object(&[
            ("title", Value::from("t")),
            ("id", Value::Int(5)),
            (
                "updates",
                Value::Array(vec![object(&[("entry", Value::from("e"))])]),
            ),
        ])]),
        Some(9),
    );
    assert_eq!(
        text,
        format!(
            "{HEAD}<SOAP-ENV:Header><ns1:totalItems><amount>9</amount></ns1:totalItems></SOAP-ENV:Header>\
             <SOAP-ENV:Body><ns1:getTicketsResponse>\
             <getTicketsReturn SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket[1]\" xsi:type=\"ns1:SoftLayer_TicketArray\">\
             <item xsi:type=\"ns1:SoftLayer_Ticket\"><id xsi:type=\"xsd:int\">5</id>\
             <title xsi:type=\"xsd:string\">t</title>\
             <updates SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[1]\" xsi:type=\"ns1:SoftLayer_Ticket_UpdateArray\">\
             <item xsi:type=\"ns1:SoftLayer_Ticket_Update\"><entry xsi:type=\"xsd:string\">e</entry></item>\
             </updates></item></getTicketsReturn></ns1:getTicketsResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        )
    );
}

/// Members follow the WSDL's sequence, inherited ones first.
#[test]
fn members_in_sequence_order() {
    let layout = wsdl::layout("SoftLayer_Ticket").unwrap();
    let names = ["updates", "title", "id", "statusId", "createDate"];
    let value = object(&names.map(|n| {
        (
            n,
            if n == "updates" {
                Value::Array(vec![])
            } else {
                Value::Int(1)
            },
        )
    }));
    let text = reply("getObject", "SoftLayer_Ticket", value, None);
    let mut positions: Vec<(usize, usize)> = names
        .iter()
        .map(|n| {
            (
                text.find(&format!("<{n} ")).unwrap(),
                layout.elements[n].position,
            )
        })
        .collect();
    positions.sort();
    assert!(positions.windows(2).all(|w| w[0].1 < w[1].1), "{text}");
}

/// An object read from the store, of type `type_name`.
fn typed(type_name: &'static str, members: &[(&str, Value)]) -> Value {
    let mut s = Struct::of_type(type_name, members.len());
    s.extend(members.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Value::Struct(s)
}

/// A relation typed by an abstract type is written as the object's own type, whatever
/// members the mask left it: an employee and a customer with only an id differ.
#[test]
fn objects_carry_their_own_type() {
    for own in ["SoftLayer_User_Customer", "SoftLayer_User_Employee"] {
        let text = reply(
            "getObject",
            "SoftLayer_Ticket",
            object(&[("lastEditor", typed(own, &[("id", Value::Int(1))]))]),
            None,
        );
        assert!(
            text.contains(&format!("<lastEditor xsi:type=\"ns1:{own}\">")),
            "{text}"
        );
    }
    // Without a type of its own, an object is what its place declares.
    let text = reply(
        "getObject",
        "SoftLayer_Ticket",
        object(&[(
            "lastEditor",
            object(&[("id", Value::Int(1)), ("username", Value::from("demo"))]),
        )]),
        None,
    );
    assert!(
        text.contains("<lastEditor xsi:type=\"ns1:SoftLayer_User_Interface\">"),
        "{text}"
    );
}

#[test]
fn scalars_are_typed_by_the_schema_and_the_value() {
    let value = object(&[
        ("id", Value::Int(1)),
        ("createDate", Value::from("2013-08-01T14:14:04-07:00")),
        ("modifyDate", Value::from("not a date")),
        ("billableFlag", Value::Bool(true)),
        ("userEditableFlag", Value::Int(0)),
        ("priority", Value::from("high")),
        ("title", Value::from("a\r\n<b> & \u{1} \u{fffe}")),
        ("totalUpdateCount", Value::Int(3)),
        ("extra", Value::Float(1.5)),
        ("nan", Value::Float(f64::NAN)),
        ("blob", Value::Base64(b"hi".to_vec())),
    ]);
    let text = reply("getObject", "SoftLayer_Ticket", value, None);
    for expected in [
        "<id xsi:type=\"xsd:int\">1</id>",
        "<createDate xsi:type=\"xsd:dateTime\">2013-08-01T14:14:04-07:00</createDate>",
        "<modifyDate xsi:type=\"xsd:string\">not a date</modifyDate>",
        "<billableFlag xsi:type=\"xsd:boolean\">true</billableFlag>",
        "<userEditableFlag xsi:type=\"xsd:boolean\">false</userEditableFlag>",
        "<priority xsi:type=\"xsd:string\">high</priority>",
        "<title xsi:type=\"xsd:string\">a&#13;\n&lt;b&gt; &amp; \u{fffd} \u{fffd}</title>",
        "<extra xsi:type=\"xsd:double\">1.5</extra>",
        "<nan xsi:nil=\"true\"/>",
        "<blob xsi:type=\"xsd:base64Binary\">aGk=</blob>",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    // Members the WSDL does not declare come last.
    assert!(text.find("<extra").unwrap() > text.find("<totalUpdateCount").unwrap());
}

#[test]
fn scalar_and_void_replies() {
    let text = reply(
        "getAttachedHardwareCount",
        "unsignedInt",
        Value::Int(2),
        None,
    );
    assert!(text.contains(
        "<ns1:getAttachedHardwareCountResponse><getAttachedHardwareCountReturn xsi:type=\"xsd:unsignedInt\">2</getAttachedHardwareCountReturn>"
    ));
    let text = reply("markAsViewed", "void", Value::Null, None);
    assert!(text.contains("<ns1:markAsViewedResponse></ns1:markAsViewedResponse>"));
    let text = reply(
        "addAttachedAdditionalEmails",
        "string[]",
        strings(&["a"]),
        Some(1),
    );
    assert!(text.contains(
        "SOAP-ENC:arrayType=\"xsd:string[1]\" xsi:type=\"ns1:stringArray\"><item xsi:type=\"xsd:string\">a</item>"
    ));
}

#[test]
fn faults() {
    let text = |f: &Fault| {
        String::from_utf8(write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", f)).unwrap()
    };
    let t = text(&Fault::not_found(5));
    well_formed(&t);
    assert_eq!(
        t,
        format!(
            "{HEAD}<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SoftLayer_Exception_ObjectNotFound</faultcode>\
             <faultstring>Unable to find object with id of '5'.</faultstring></SOAP-ENV:Fault>\
             </SOAP-ENV:Body></SOAP-ENV:Envelope>"
        )
    );
    let t = text(&Fault::malformed("at byte 3: <oops> & more"));
    assert!(t.contains("<faultcode>SOAP-ENV:Client</faultcode>"));
    assert!(t.contains("&lt;oops&gt; &amp; more</faultstring>"));
    let t = text(&Fault::MethodNotFound {
        service: "SoftLayer_Ticket".into(),
        method: "nope".into(),
    });
    assert!(t.contains("<faultcode>SoftLayer_Exception_Public</faultcode>"));
    assert!(t.contains("Function (\"nope\") is not a valid method for this service."));
    let t = text(&Fault::MalformedInitParameter);
    assert!(t.contains("<faultcode>SoftLayer_Exception_WebService_BadRequest</faultcode>"));
    assert!(t.contains("The SoftLayer_TicketInitParameters header names no object"));
    let t = text(&Fault::invalid_value("x"));
    assert!(t.contains("<faultcode>SoftLayer_Exception_InvalidValue</faultcode>"));
    // An envelope of another SOAP version (SOAP 1.1, 4.4.1).
    let v12 = envelope("", "<ns1:getObject/>").replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    let t = text(&parse_call("SoftLayer_Ticket", v12.as_bytes()).unwrap_err());
    assert!(
        t.contains("<faultcode>SOAP-ENV:VersionMismatch</faultcode>"),
        "{t}"
    );
    assert!(
        t.contains("<faultstring>Wrong Version: a SOAP 1.2 envelope"),
        "{t}"
    );
}

/// SOAP::Lite (Perl) types every string holding a character past ASCII
/// `xsd:base64Binary`: where the schema declares a string, the value is the text.
#[test]
fn base64_typed_strings_are_their_text() {
    let call = ticket(
        "",
        "<ns1:addUpdate><templateObject>\
         <entry xsi:type=\"xsd:base64Binary\">Z3LDvMOfZQ==</entry></templateObject>\
         </ns1:addUpdate>",
    );
    assert_eq!(call.args[0].get("entry"), Some(&Value::from("grüße")));
    // The SOAP encoding's own base64 type, wrapped as MIME encoders wrap it.
    let call = ticket(
        "",
        "<ns1:addUpdate><templateObject>\
         <entry xsi:type=\"SOAP-ENC:base64\">Z3LD\nvMOfZQ</entry></templateObject>\
         </ns1:addUpdate>",
    );
    assert_eq!(call.args[0].get("entry"), Some(&Value::from("grüße")));
    // Bytes that are not UTF-8 stay bytes, for the argument check to refuse.
    let call = ticket(
        "",
        "<ns1:addUpdate><templateObject>\
         <entry xsi:type=\"xsd:base64Binary\">Y2Fm6Q==</entry></templateObject>\
         </ns1:addUpdate>",
    );
    assert_eq!(
        call.args[0].get("entry"),
        Some(&Value::Base64(b"caf\xe9".to_vec()))
    );
    // Not base64 at all: named.
    let bad = envelope(
        "",
        "<ns1:addUpdate><templateObject>\
         <entry xsi:type=\"xsd:base64Binary\">@@@</entry></templateObject>\
         </ns1:addUpdate>",
    );
    let fault = parse_call("SoftLayer_Ticket", bad.as_bytes()).unwrap_err();
    assert!(
        fault.message().contains("Invalid value for 'entry'"),
        "{fault:?}"
    );
}

/// An `xsi:type` names a simple type only where its prefix is bound to XML Schema's
/// or the SOAP encoding's namespace, as PHP's SoapServer resolves it: a client's own
/// `base64Binary`, an undeclared prefix, or no prefix without a default namespace
/// leave the text as written.
#[test]
fn xsi_type_prefixes_are_resolved() {
    let entry = |attributes: &str| {
        let call = ticket(
            "",
            &format!(
                "<ns1:addUpdate><templateObject><entry {attributes}>Z3LDvMOfZQ==</entry>\
                 </templateObject></ns1:addUpdate>"
            ),
        );
        call.args[0].get("entry").cloned()
    };
    let text = Some(Value::from("grüße"));
    let as_written = Some(Value::from("Z3LDvMOfZQ=="));
    for (attributes, expected) in [
        ("xsi:type=\"xsd:base64Binary\"", &text),
        (
            "xmlns:x=\"http://www.w3.org/1999/XMLSchema\" xsi:type=\"x:base64Binary\"",
            &text,
        ),
        ("xsi:type=\"SOAP-ENC:base64\"", &text),
        (
            "xmlns=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"base64Binary\"",
            &text,
        ),
        (
            "xmlns:b=\"urn:bogus\" xsi:type=\"b:base64Binary\"",
            &as_written,
        ),
        ("xsi:type=\"undeclared:base64Binary\"", &as_written),
        ("xsi:type=\"base64Binary\"", &as_written),
    ] {
        assert_eq!(&entry(attributes), expected, "{attributes}");
    }
    // A prefix bound again inside is resolved where the element is.
    let call = ticket(
        "",
        "<ns1:addUpdate xmlns:t=\"http://www.w3.org/2001/XMLSchema\"><templateObject \
         xmlns:t=\"urn:bogus\"><entry xsi:type=\"t:base64Binary\">Z3LDvMOfZQ==</entry>\
         </templateObject></ns1:addUpdate>",
    );
    assert_eq!(call.args[0].get("entry"), as_written.as_ref());
}

/// The journal reads a reply back from its body: objects of their own types, arrays,
/// nil, and scalars by their `xsi:type` come back as they were written; a fault
/// gives nothing.
#[test]
fn replies_read_back_as_written() {
    let editor = typed(
        "SoftLayer_User_Employee",
        &[
            ("id", Value::Int(301)),
            ("displayName", Value::from("Jordan D.")),
        ],
    );
    let update = typed(
        "SoftLayer_Ticket_Update_Employee",
        &[
            ("entry", Value::from("a <b> & \"c\" \t\n\r ünïcode")),
            (
                "createDate",
                Value::DateTime("2026-11-30T14:05:09-06:00".into()),
            ),
            ("editor", editor),
        ],
    );
    let ticket = typed(
        "SoftLayer_Ticket",
        &[
            ("id", Value::Int(160000001)),
            ("title", Value::from("")),
            ("assignedUserId", Value::Null),
            ("billableFlag", Value::Bool(true)),
            ("updates", Value::Array(vec![update])),
            ("attachedHardware", Value::Array(vec![])),
            ("notDeclared", Value::Float(0.25)),
            ("file", Value::Base64(vec![0, 1, 250])),
        ],
    );
    let body = reply("getObject", "SoftLayer_Ticket", ticket.clone(), None);
    let read = reply_value(body.as_bytes()).expect(&body);
    let json = |v: &Value| serde_json::from_slice::<serde_json::Value>(&v.to_json()).unwrap();
    assert_eq!(json(&read), json(&ticket), "{body}");

    let list = Value::Array(vec![Value::Int(1), Value::Int(2)]);
    let body = reply("getIds", "int[]", list.clone(), Some(2));
    assert_eq!(
        reply_value(body.as_bytes()).map(|v| json(&v)),
        Some(json(&list))
    );
    let body = reply("deleteThing", "void", Value::Null, None);
    assert_eq!(
        reply_value(body.as_bytes()).map(|v| json(&v)),
        Some(serde_json::Value::Null)
    );
    let body = reply("getFlag", "boolean", Value::Bool(false), None);
    assert_eq!(
        reply_value(body.as_bytes()).map(|v| json(&v)),
        Some(serde_json::json!(false))
    );

    let fault = write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", &Fault::not_found(5));
    assert!(reply_value(&fault).is_none());
    assert!(reply_value(b"<not-soap/>").is_none());
}

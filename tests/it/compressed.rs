//! Request bodies sent compressed (`Content-Encoding: gzip` or `deflate`), as Python's
//! `xmlrpc.client` sends them past its transport's `encode_threshold` and PHP's
//! SoapClient with a compression level (soap_clients.rs runs that one); and the
//! faults, in each transport's own format, for a coding the server does not take, a body
//! that is not what its coding says, and one that inflates past the body limit.

use crate::common;

use common::*;
use flate2::Compression;
use std::io::Write;

const TICKET: &str = "SoftLayer_Ticket";
/// Seed: demo's open ticket.
const DEMO_TICKET: i64 = 160000001;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn add_update(entry: &str) -> String {
    XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .arg(xstruct(&[("entry", xstr(entry))]))
        .body()
}

fn post(server: &Server, path: &str, coding: &str, body: &[u8]) -> HttpResponse {
    let content_type = if path.starts_with("/rest/") {
        "application/json"
    } else {
        "text/xml"
    };
    server.post(
        path,
        &[("Content-Type", content_type), ("Content-Encoding", coding)],
        body,
    )
}

/// Python's own `xmlrpc.client`, told to compress every request, adds an update;
/// gzip and deflate bodies sent by hand to XML-RPC and REST are read as their plain text.
#[test]
fn compressed_requests_are_read_on_every_transport() {
    let server = Server::start();
    let script = r#"
import sys, xmlrpc.client
url, user, key, ticket = sys.argv[1:5]
transport = xmlrpc.client.Transport()
transport.encode_threshold = 0
proxy = xmlrpc.client.ServerProxy(url + "/xmlrpc/v3.1/SoftLayer_Ticket", transport=transport)
headers = {"authenticate": {"username": user, "apiKey": key},
           "SoftLayer_TicketInitParameters": {"id": int(ticket)}}
print(proxy.addUpdate({"headers": headers}, {"entry": "gzip from Python — ünïcode"})[0]["entry"])
"#;
    let out = venv_python(
        script,
        &[
            &server.base_url(),
            DEMO.username,
            DEMO.api_key,
            &DEMO_TICKET.to_string(),
        ],
    );
    assert_eq!(out.trim(), "gzip from Python — ünïcode");

    type Compress = fn(&[u8]) -> Vec<u8>;
    let by_hand: [(&str, Compress); 2] = [("gzip", gzip), ("deflate", zlib)];
    for (coding, compress) in by_hand {
        let body = compress(add_update(&format!("{coding} by hand")).as_bytes());
        let resp = post(&server, "/xmlrpc/v3.1/SoftLayer_Ticket", coding, &body);
        assert_eq!(resp.status, 200, "{}", resp.describe());
        assert!(!resp.text().contains("<fault>"), "{}", resp.describe());
    }

    let rest_body = br#"{"parameters": [{"entry": "gzip over REST"}]}"#;
    let resp = server.post(
        &format!("/rest/v3.1/SoftLayer_Ticket/{DEMO_TICKET}/addUpdate.json"),
        &[
            ("Authorization", &basic_auth(DEMO.username, DEMO.api_key)),
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &gzip(rest_body),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());

    let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
    assert_eq!(
        &entries[entries.len() - 4..],
        &[
            "gzip from Python — ünïcode",
            "gzip by hand",
            "deflate by hand",
            "gzip over REST"
        ]
    );
}

/// A coding the server does not take is 415; a body that is not what its coding says,
/// 400; one that inflates past the body limit (16 MiB by default) from 17 KB, 413 — each
/// a fault in the transport's own format, and nothing stored.
#[test]
fn bad_codings_are_faults_in_the_transports_format() {
    let server = Server::start();
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET).len();
    let plain = add_update("never stored");
    let bomb = gzip(&vec![b' '; 17 << 20]);
    assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
    let cases: [(&str, &[u8], u16, &str); 3] = [
        ("br", plain.as_bytes(), 415, "Content-Encoding 'br'"),
        ("gzip", plain.as_bytes(), 400, "could not be decompressed"),
        ("gzip", &bomb, 413, "over the limit"),
    ];
    for (coding, body, status, says) in cases {
        for (path, fault) in [
            ("/xmlrpc/v3.1/SoftLayer_Ticket", "<fault>"),
            ("/soap/v3.1/SoftLayer_Ticket", "SOAP-ENV:Fault"),
        ] {
            let resp = post(&server, path, coding, body);
            assert_eq!(resp.status, status, "{}", resp.describe());
            // RFC 9110 §12.5.3: a 415 names the codings that would have been taken.
            if status == 415 {
                assert_eq!(
                    resp.header("Accept-Encoding"),
                    Some("gzip, deflate, identity"),
                    "{}",
                    resp.describe()
                );
            }
            let text = resp.text();
            assert!(
                text.contains(fault) && text.contains(says),
                "{}",
                resp.describe()
            );
        }

        let resp = post(
            &server,
            &format!("/rest/v3.1/SoftLayer_Ticket/{DEMO_TICKET}/addUpdate.json"),
            coding,
            body,
        );
        assert_eq!(resp.status, status, "{}", resp.describe());
        if status == 415 {
            assert!(
                resp.header("Accept-Encoding").is_some(),
                "{}",
                resp.describe()
            );
        }
        let error: serde_json::Value = serde_json::from_slice(&resp.body)
            .unwrap_or_else(|e| panic!("{e}: {}", resp.describe()));
        assert!(
            error["error"].as_str().is_some_and(|e| e.contains(says)),
            "{}",
            resp.describe()
        );
    }
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET).len(), before);

    // Two codings stacked are refused as one the server does not take; an empty body
    // (a GET sent with the header) is empty whatever its coding.
    let twice = gzip(&gzip(plain.as_bytes()));
    let resp = post(
        &server,
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        "gzip, gzip",
        &twice,
    );
    assert_eq!(resp.status, 415, "{}", resp.describe());
    assert!(
        resp.text().contains("a single coding"),
        "{}",
        resp.describe()
    );
    let resp = http_request(
        server.addr(),
        "GET",
        &format!("/rest/v3.1/SoftLayer_Ticket/{DEMO_TICKET}/getObject.json"),
        &[
            ("Authorization", &basic_auth(DEMO.username, DEMO.api_key)),
            ("Content-Encoding", "gzip"),
        ],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.describe());
}

/// `n` gzip-coded XML-RPC posts of `body` at once, each from a thread of its own.
fn gzip_posts_at_once(server: &Server, n: usize, body: Vec<u8>) -> Vec<HttpResponse> {
    let body = std::sync::Arc::new(body);
    let posts: Vec<_> = (0..n)
        .map(|_| {
            let (addr, body) = (server.addr(), body.clone());
            std::thread::spawn(move || {
                http_request(
                    addr,
                    "POST",
                    "/xmlrpc/v3.1/SoftLayer_Ticket",
                    &[("Content-Type", "text/xml"), ("Content-Encoding", "gzip")],
                    &body,
                    std::time::Duration::from_secs(120),
                )
                .unwrap()
            })
        })
        .collect();
    posts.into_iter().map(|p| p.join().unwrap()).collect()
}

/// A compressed body is held as a plain body of its inflated length would be. A hundred
/// 17 KB bodies that each inflate past the limit at once are refused without the server
/// holding what they inflate to (each was inflated to 16 MiB first: about 1 GB); and
/// eight 12 MB bodies sent as 12 KB each wait their turn for a big body's place as plain
/// ones do (they were refused 503 when they inflated together past the bytes-in-flight
/// cap).
#[test]
fn compressed_bodies_are_held_as_their_inflated_length() {
    let server = Server::start();
    let before = server.peak_rss_bytes();
    for resp in gzip_posts_at_once(&server, 100, gzip(&vec![b' '; 17 << 20])) {
        assert_eq!(resp.status, 413, "{}", resp.describe());
    }
    let grew = server.peak_rss_bytes().saturating_sub(before);
    assert!(grew < 200 << 20, "peak RSS grew by {} MB", grew >> 20);

    // A getObject padded with a 12 MB comment: 96 MB in all, past the 64 MiB cap.
    let call = XmlRpcCall::new(TICKET, "getObject")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .body();
    let padded = call.replacen(
        "<methodCall>",
        &format!("<!--{}--><methodCall>", " ".repeat(12 << 20)),
        1,
    );
    let big = gzip(padded.as_bytes());
    assert!(big.len() < 64 * 1024, "{}", big.len());
    for resp in gzip_posts_at_once(&server, 8, big) {
        assert_eq!(resp.status, 200, "{}", resp.describe());
        assert!(resp.text().contains("160000001"), "{}", resp.describe());
    }
}

/// With the bytes-in-flight cap set below a body's length, the body alone on the server
/// is read, however it comes: plain with its length always was, but gzip and chunked
/// bodies (whose own bytes already counted against the cap) got 503 `Retry-After: 1` on
/// an idle server, so a retry could never succeed.
#[test]
fn a_body_past_the_in_flight_cap_alone_is_read_however_it_comes() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_BODY_BYTES_IN_FLIGHT", "2000000")],
    );
    let body = add_update(&"padding ".repeat(375_000));
    assert!(body.len() > 3_000_000);
    let plain = server.post(
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        &[("Content-Type", "text/xml")],
        body.as_bytes(),
    );
    assert_eq!(plain.status, 200, "{}", plain.describe());
    let gzipped = post(
        &server,
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        "gzip",
        &gzip(body.as_bytes()),
    );
    assert_eq!(gzipped.status, 200, "{}", gzipped.describe());
    for coded in [None, Some(gzip(body.as_bytes()))] {
        let (coding, bytes) = match &coded {
            Some(g) => ("Content-Encoding: gzip\r\n", g.as_slice()),
            None => ("", body.as_bytes()),
        };
        let s = send_raw(
            &server,
            format!(
                "POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n\
                 {coding}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        for chunk in bytes.chunks(64 * 1024) {
            (&s).write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .unwrap();
            (&s).write_all(chunk).unwrap();
            (&s).write_all(b"\r\n").unwrap();
        }
        (&s).write_all(b"0\r\n\r\n").unwrap();
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 200, "{coding:?}: {}", r.describe());
        assert!(!r.text().contains("<fault>"), "{}", r.describe());
    }
}

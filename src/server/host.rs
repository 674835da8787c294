//! What a request may give as its host (`Host`, a target in absolute form, a proxy's
//! `X-Forwarded-Host`): RFC 9110 §7.2's `uri-host [ ":" port ]`, with RFC 3986 §3.2.2's
//! forms of a host. A value that is not one is refused (RFC 9112 §3.2), or, from a proxy,
//! not used: the WSDL names the host as its address, which clients then post to.

/// The bytes of a registered name besides `%`: letters, digits, RFC 3986's unreserved
/// and sub-delimiter characters. A table: looked up on every request.
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let others = b"-._~!$&'()*+,;=";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether `value` is `uri-host [ ":" port ]`: an IP literal in brackets (IPv6, with a
/// `%25` zone, or IPvFuture), or a name of unreserved characters, sub-delimiters and
/// percent-escapes of two hex digits; a port of up to 65535 after a host that is not
/// empty. An empty value is allowed (RFC 9112 §3.2: a target without an authority).
pub fn is_host_and_port(value: &[u8]) -> bool {
    if value.is_empty() {
        return true;
    }
    let (host_ok, port) = match value.first() {
        Some(b'[') => match value.iter().position(|&b| b == b']') {
            Some(end) => {
                let port = match &value[end + 1..] {
                    [] => None,
                    [b':', port @ ..] => Some(port),
                    _ => return false,
                };
                (is_ip_literal(&value[1..end]), port)
            }
            None => return false,
        },
        _ => match value.iter().rposition(|&b| b == b':') {
            Some(colon) => (is_reg_name(&value[..colon]), Some(&value[colon + 1..])),
            None => (is_reg_name(value), None),
        },
    };
    host_ok && port.is_none_or(is_port)
}

/// A registered name, not empty (`:80` named no host, and the WSDL `http://:80/…`).
fn is_reg_name(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        match name[i] {
            b'%' => {
                // `a%zz` and a `%` at the end were taken.
                let hex = |j: usize| name.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 3;
            }
            b if NAME_BYTES[usize::from(b)] => i += 1,
            _ => return false,
        }
    }
    !name.is_empty()
}

/// What a pair of brackets holds: an IPv6 address, with an optional `%25` zone (RFC
/// 6874), or IPvFuture (`v1.x`). `[abc]` was taken.
fn is_ip_literal(literal: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(literal) else {
        return false;
    };
    if let Some(future) = text.strip_prefix(['v', 'V']) {
        return match future.split_once('.') {
            Some((version, rest)) => {
                !version.is_empty()
                    && version.bytes().all(|b| b.is_ascii_hexdigit())
                    && !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|b| b == b':' || NAME_BYTES[usize::from(b)])
            }
            None => false,
        };
    }
    let (address, zone) = match text.split_once("%25") {
        Some((address, zone)) => (address, Some(zone)),
        None => (text, None),
    };
    address.parse::<std::net::Ipv6Addr>().is_ok() && zone.is_none_or(|z| is_reg_name(z.as_bytes()))
}

/// A port: digits, at most 65535, or none at all (`host:`, which RFC 3986 allows).
fn is_port(port: &[u8]) -> bool {
    port.iter().all(u8::is_ascii_digit)
        && (port.is_empty()
            || std::str::from_utf8(port)
                .ok()
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(|p| p <= 65535))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_ip_literals_with_a_port() {
        for good in [
            "example.test",
            "example.test:8080",
            "EXAMPLE.test.",
            "127.0.0.1:1",
            "[::1]:8080",
            "[::1]",
            "[fe80::1%25eth0]",
            "[v1.fe80::a+en1]",
            "caf%C3%A9.test",
            "a,b",
            "h:",
            "",
        ] {
            assert!(is_host_and_port(good.as_bytes()), "{good:?}");
        }
        for bad in [
            "a b",
            "a\"><inj/>",
            "bad_host?q=1",
            "x:99999999",
            "x:8o",
            "[::1",
            "h/p",
            "a@b",
            "a%zz",
            "a%",
            "a%4",
            "[abc]",
            "[]",
            "[::1]x",
            "[v.x]",
            "[fe80::1%eth0]",
            ":80",
            "h:1:2",
            "été",
        ] {
            assert!(!is_host_and_port(bad.as_bytes()), "{bad:?}");
        }
    }
}

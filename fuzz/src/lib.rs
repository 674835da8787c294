//! What every target does with a call a codec read: the mask and filter it carries go
//! through the same parsers the dispatcher uses, so that a codec's output is also fuzzed
//! as their input.

use softlayer_ticket_server::call::{Call, MaskSource};
use softlayer_ticket_server::schema::filter::ObjectFilter;
use softlayer_ticket_server::schema::mask::ObjectMask;
use softlayer_ticket_server::services::projection;
use softlayer_ticket_server::time::Zone;
use softlayer_ticket_server::value::Value;

/// A fixed "now" (2026-11-29), so that a run does not depend on the clock.
pub const NOW_MS: i64 = 1_796_000_000_000;

/// The types the filter and mask targets read against: the ticket (the most
/// properties and relations), the account (lists of every kind) and an abstract type.
pub const TYPES: &[&str] = &[
    "SoftLayer_Ticket",
    "SoftLayer_Account",
    "SoftLayer_User_Interface",
];

/// Parses and validates a mask text as the dispatcher does.
pub fn mask_text(text: &str) {
    if let Ok(mask) = ObjectMask::parse(text) {
        for t in TYPES {
            let _ = projection::validate(t, &mask);
        }
        // What a mask prints must read back as the same mask (REST's nested paths and
        // the reply cache rely on it).
        let printed = mask.printed();
        let again = ObjectMask::parse(&printed)
            .unwrap_or_else(|e| panic!("printed mask {printed:?} does not parse: {e}"));
        assert_eq!(
            again, mask,
            "printed mask {printed:?} reads back differently"
        );
    }
}

/// Parses a filter branch as the dispatcher does.
pub fn filter_value(value: &Value) {
    for t in TYPES {
        let _ = ObjectFilter::parse_at(t, value, Zone::CENTRAL, NOW_MS);
    }
}

/// The mask and filter of a parsed call, through their parsers.
pub fn follow(call: &Call) {
    match &call.headers.mask {
        Some(MaskSource::Text(text)) => mask_text(text),
        Some(MaskSource::Legacy(s)) => {
            let mask = ObjectMask::from_legacy(s);
            let _ = projection::validate("SoftLayer_Ticket", &mask);
        }
        Some(MaskSource::Parsed(mask)) => {
            let _ = projection::validate("SoftLayer_Ticket", mask);
        }
        None => {}
    }
    if let Some(filter) = &call.headers.filter {
        filter_value(filter);
    }
}

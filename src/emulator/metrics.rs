//! `GET /metrics` in the Prometheus text format (OpenMetrics 1.0, which Prometheus reads),
//! written by the `prometheus-client` crate:
//!
//! - `softlayer_emulator_calls_total{transport,service,method,outcome}`: answered API
//!   calls; `outcome` is `ok` or the fault's exception class;
//! - `softlayer_emulator_call_duration_seconds{transport,service,method}`: a latency
//!   histogram, from the request body read to the last byte of the reply;
//! - `softlayer_emulator_reply_cache_hits_total`, `…_reply_cache_misses_total`: reads
//!   answered from the reply cache, and reads answered from the database;
//! - `softlayer_emulator_journal_entries`: calls the journal holds;
//! - `softlayer_emulator_database_bytes`: the database's size;
//! - `softlayer_emulator_open_connections`: client connections open now;
//! - `softlayer_emulator_request_body_bytes_in_flight`: bytes of request bodies held
//!   from their reading until they are parsed (a big body its whole declared length once
//!   it has its place), against `--max-body-bytes-in-flight`, and
//!   `softlayer_emulator_streams_in_flight`: streamed replies holding one of the
//!   `--max-streams` slots: how near the caps are;
//! - `softlayer_emulator_injected_faults_total{kind}`: injections by fault rules
//!   (`fault`, `http`, `drop`);
//! - `softlayer_emulator_reads_moved_total`: reads begun on an async thread that ran
//!   past its limit there and were answered on the blocking pool (server/pipeline.rs);
//! - `softlayer_emulator_text_tally_ready`: 1 when text searches' totals are counted by
//!   the text tally (store/text_tally.rs), 0 while it is built (and after a restore or a
//!   reset, until a text search has it built again);
//! - `softlayer_emulator_text_tally_counts_total`: totals the text tally counted;
//! - `softlayer_emulator_text_tally_bytes`: the memory the text tally holds, about (0
//!   when none is built: before, or after a reset or a restore until it is built again);
//! - `softlayer_emulator_text_index_queued_rows`: rows written but not yet in the trigram
//!   indexes (the writer indexes them when writes pause: store/query.rs,
//!   `QUEUED_TEXT_ROWS`), about.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub transport: String,
    pub service: String,
    pub method: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub transport: String,
    pub service: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InjectionLabels {
    pub kind: String,
}

/// The label of a service or method that the API does not have.
pub const UNKNOWN: &str = "(unknown)";

/// The labels a call is counted under: its service and method when they are served,
/// else [`UNKNOWN`] (empty names, of calls refused before they were read, stay empty).
fn served_labels<'a>(service: &'a str, method: &'a str) -> (&'a str, &'a str) {
    if service.is_empty() {
        return (service, method);
    }
    let schema = crate::schema::schema();
    if !schema.services.contains_key(service) {
        return (UNKNOWN, UNKNOWN);
    }
    let known =
        schema.method(service, method).is_some() || crate::services::is_dispatched(service, method);
    (service, if known { method } else { UNKNOWN })
}

fn latency_histogram() -> Histogram {
    // 50 µs … about 13 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 19))
}

pub struct Metrics {
    registry: Registry,
    pub calls: Family<CallLabels, Counter>,
    pub latency: Family<LatencyLabels, Histogram, fn() -> Histogram>,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub journal_entries: Gauge,
    pub database_bytes: Gauge,
    pub open_connections: Gauge,
    pub request_body_bytes_in_flight: Gauge,
    pub streams_in_flight: Gauge,
    pub injected: Family<InjectionLabels, Counter>,
    pub reads_moved: Counter,
    pub text_tally_ready: Gauge,
    pub text_tally_counts: Counter,
    pub text_tally_bytes: Gauge,
    pub text_index_queued_rows: Gauge,
    /// Tells these metrics from any other of the process (the handles each thread keeps
    /// are per instance).
    id: u64,
}

/// A thread's handles to the members of the call families it counted, by labels: finding
/// a member takes its labels as owned strings (seven allocations a call) and a lock.
#[derive(Default)]
struct CallHandles {
    by_hash: std::collections::HashMap<u64, Vec<CallHandle>, foldhash::fast::RandomState>,
    count: usize,
}

struct CallHandle {
    metrics: u64,
    labels: CallLabels,
    calls: Counter,
    latency: Histogram,
}

/// More distinct labels than a thread keeps handles for start its handles again.
const MAX_CALL_HANDLES: usize = 4096;

thread_local! {
    static CALL_HANDLES: std::cell::RefCell<CallHandles> = Default::default();
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("softlayer_emulator");
        let calls = Family::<CallLabels, Counter>::default();
        let latency = Family::<LatencyLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        let journal_entries = Gauge::default();
        let database_bytes = Gauge::default();
        let open_connections = Gauge::default();
        let request_body_bytes_in_flight = Gauge::default();
        let streams_in_flight = Gauge::default();
        let injected = Family::<InjectionLabels, Counter>::default();
        let reads_moved = Counter::default();
        let text_tally_ready = Gauge::default();
        let text_tally_counts = Counter::default();
        let text_tally_bytes = Gauge::default();
        let text_index_queued_rows = Gauge::default();
        registry.register(
            "calls",
            "API calls answered, by transport, service, method and outcome (ok or the fault class)",
            calls.clone(),
        );
        registry.register(
            "call_duration_seconds",
            "Time from the request body read to the last byte of the reply",
            latency.clone(),
        );
        registry.register(
            "reply_cache_hits",
            "Reads answered from the reply cache",
            cache_hits.clone(),
        );
        registry.register(
            "reply_cache_misses",
            "Reads answered from the database",
            cache_misses.clone(),
        );
        registry.register(
            "journal_entries",
            "Calls the request journal holds",
            journal_entries.clone(),
        );
        registry.register(
            "database_bytes",
            "Size of the SQLite database",
            database_bytes.clone(),
        );
        registry.register(
            "open_connections",
            "Client connections open now",
            open_connections.clone(),
        );
        registry.register(
            "request_body_bytes_in_flight",
            "Bytes of request bodies held from their reading until they are parsed (against --max-body-bytes-in-flight)",
            request_body_bytes_in_flight.clone(),
        );
        registry.register(
            "streams_in_flight",
            "Streamed replies holding one of the --max-streams slots",
            streams_in_flight.clone(),
        );
        registry.register(
            "injected_faults",
            "Calls answered by a fault rule, by what it did",
            injected.clone(),
        );
        registry.register(
            "reads_moved",
            "Reads begun on an async thread that ran past its SQL limit there and were answered on the blocking pool",
            reads_moved.clone(),
        );
        registry.register(
            "text_tally_ready",
            "1 when text searches' totals are counted by the text tally, 0 while it is built",
            text_tally_ready.clone(),
        );
        registry.register(
            "text_tally_counts",
            "Totals of text searches the text tally counted",
            text_tally_counts.clone(),
        );
        registry.register(
            "text_tally_bytes",
            "Memory the text tally holds (its texts, postings and tables), about; 0 when none is built",
            text_tally_bytes.clone(),
        );
        registry.register(
            "text_index_queued_rows",
            "Rows written but not yet in the trigram indexes (indexed when writes pause), about",
            text_index_queued_rows.clone(),
        );
        Metrics {
            registry,
            calls,
            latency,
            cache_hits,
            cache_misses,
            journal_entries,
            database_bytes,
            open_connections,
            request_body_bytes_in_flight,
            streams_in_flight,
            injected,
            reads_moved,
            text_tally_ready,
            text_tally_counts,
            text_tally_bytes,
            text_index_queued_rows,
            id: {
                static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    /// Counts one answered call. A service or method the API does not have is counted
    /// as [`UNKNOWN`]: the names come from callers, and each new pair of labels is a
    /// series kept for the process's life (a caller sending megabyte-long method names
    /// grew `/metrics` to gigabytes).
    pub fn call(&self, transport: &str, service: &str, method: &str, outcome: &str, seconds: f64) {
        let (service, method) = served_labels(service, method);
        let labels = (transport, service, method, outcome);
        let hash = std::hash::BuildHasher::hash_one(
            &foldhash::fast::FixedState::default(),
            (self.id, labels),
        );
        CALL_HANDLES.with_borrow_mut(|handles| {
            if handles.count >= MAX_CALL_HANDLES {
                *handles = CallHandles::default();
            }
            let same_hash = handles.by_hash.entry(hash).or_default();
            let known = same_hash.iter().position(|h| {
                let l = &h.labels;
                h.metrics == self.id
                    && (l.transport.as_str(), l.service.as_str(), l.method.as_str())
                        == (transport, service, method)
                    && l.outcome == outcome
            });
            let at = known.unwrap_or_else(|| {
                same_hash.push(self.handle(transport, service, method, outcome));
                same_hash.len() - 1
            });
            same_hash[at].calls.inc();
            same_hash[at].latency.observe(seconds);
            if known.is_none() {
                handles.count += 1;
            }
        });
    }

    /// The members of the call families for these labels, made if new.
    fn handle(&self, transport: &str, service: &str, method: &str, outcome: &str) -> CallHandle {
        let labels = CallLabels {
            transport: transport.to_string(),
            service: service.to_string(),
            method: method.to_string(),
            outcome: outcome.to_string(),
        };
        let calls = self.calls.get_or_create(&labels).clone();
        let latency = self
            .latency
            .get_or_create(&LatencyLabels {
                transport: labels.transport.clone(),
                service: labels.service.clone(),
                method: labels.method.clone(),
            })
            .clone();
        CallHandle {
            metrics: self.id,
            labels,
            calls,
            latency,
        }
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts a connection as open until dropped.
pub struct ConnectionGuard(Gauge);

impl ConnectionGuard {
    pub fn new(gauge: &Gauge) -> ConnectionGuard {
        gauge.inc();
        ConnectionGuard(gauge.clone())
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names the API does not have share one label, so callers cannot add series.
    #[test]
    fn unknown_services_and_methods_share_one_label() {
        let m = Metrics::new();
        for i in 0..50 {
            m.call(
                "xmlrpc",
                "SoftLayer_Ticket",
                &format!("nope{i}"),
                "x",
                0.001,
            );
            m.call(
                "xmlrpc",
                &format!("SoftLayer_Nope{i}"),
                "getObject",
                "x",
                0.001,
            );
        }
        m.call("rest", "SoftLayer_Ticket", "getUpdates", "ok", 0.001);
        m.call("rest", "SoftLayer_User_Customer", "getObject", "ok", 0.001);
        let text = m.encode();
        assert!(!text.contains("nope") && !text.contains("Nope"), "{text}");
        for line in [
            "softlayer_emulator_calls_total{transport=\"xmlrpc\",service=\"SoftLayer_Ticket\",method=\"(unknown)\",outcome=\"x\"} 50",
            "softlayer_emulator_calls_total{transport=\"xmlrpc\",service=\"(unknown)\",method=\"(unknown)\",outcome=\"x\"} 50",
            "softlayer_emulator_calls_total{transport=\"rest\",service=\"SoftLayer_Ticket\",method=\"getUpdates\",outcome=\"ok\"} 1",
            "softlayer_emulator_calls_total{transport=\"rest\",service=\"SoftLayer_User_Customer\",method=\"getObject\",outcome=\"ok\"} 1",
        ] {
            assert!(text.contains(line), "no {line} in\n{text}");
        }
    }

    /// Each call is counted under its own labels and in its own metrics, however many
    /// metrics one thread counts for (each server of a process has its own).
    #[test]
    fn calls_are_counted_per_metrics_and_labels() {
        let (a, b) = (Metrics::new(), Metrics::new());
        for _ in 0..3 {
            a.call("xmlrpc", "SoftLayer_Ticket", "getObject", "ok", 0.001);
        }
        a.call(
            "xmlrpc",
            "SoftLayer_Ticket",
            "getObject",
            "SoftLayer_Exception",
            0.001,
        );
        a.call("soap", "SoftLayer_Ticket", "getObject", "ok", 0.001);
        b.call("xmlrpc", "SoftLayer_Ticket", "getObject", "ok", 0.001);
        let count = |m: &Metrics, transport: &str, outcome: &str| {
            let line = format!(
                "softlayer_emulator_calls_total{{transport=\"{transport}\",service=\"SoftLayer_Ticket\",method=\"getObject\",outcome=\"{outcome}\"}} "
            );
            let text = m.encode();
            text.lines()
                .find_map(|l| l.strip_prefix(&line))
                .map(|n| n.trim().to_string())
                .unwrap_or_else(|| panic!("no {line} in\n{text}"))
        };
        assert_eq!(count(&a, "xmlrpc", "ok"), "3");
        assert_eq!(count(&a, "xmlrpc", "SoftLayer_Exception"), "1");
        assert_eq!(count(&a, "soap", "ok"), "1");
        assert_eq!(count(&b, "xmlrpc", "ok"), "1");
        assert!(!b.encode().contains("transport=\"soap\""));
        let latency = "softlayer_emulator_call_duration_seconds_count{transport=\"xmlrpc\",service=\"SoftLayer_Ticket\",method=\"getObject\"} 4";
        assert!(a.encode().contains(latency), "{}", a.encode());
    }
}

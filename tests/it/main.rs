//! One integration-test crate: every module drives the real server binary over real
//! sockets with real clients (see `common`). One crate links once, so the test build is
//! one binary instead of one per file.

mod api_keys;
mod bounded;
mod cli;
mod common;
mod compressed;
mod conformance;
mod console;
mod fidelity;
mod filters;
mod harness;
mod harness_calls;
mod isolation;
mod lifecycle;
mod rest;
mod slcli;
mod soap;
mod soap_clients;
mod support_desk;
mod surface_services;
mod surface_ticket;
mod surface_ticket_getters;
mod xmlrpc_account;
mod xmlrpc_masks;
mod xmlrpc_protocol;
mod xmlrpc_robustness;
mod xmlrpc_tickets;

//! What is not the SoftLayer API: the support desk's side of a ticket (SoftLayer's
//! employees reply, assign, move, close and reopen; customers cannot), offered as an
//! HTTP JSON API under `/_emulator/` guarded by an admin token, and as subcommands.

pub mod http;
pub mod support;

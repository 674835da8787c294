//! Wire codecs: each turns its transport's request into a [`crate::call::Call`] and a
//! reply or fault back into bytes. Nothing here knows what a ticket is.

pub mod xmlrpc;

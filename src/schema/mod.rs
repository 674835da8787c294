//! The SoftLayer types and services, loaded from `schema/softlayer.json`.

pub mod mask;

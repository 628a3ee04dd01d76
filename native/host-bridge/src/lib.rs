//! HaloForge host bridge: the only code that speaks the plugins' Rust trait-object ABI.
//!
//! The Node plugin host drives it through the small C ABI in [`ffi`]; everything else here is safe
//! Rust that can be unit-tested without Node.
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
pub mod channel;
pub mod context;
pub mod db;
pub mod descriptors;
pub mod events;
pub mod ffi;
#[cfg(all(test, target_os = "linux"))]
mod forked;
pub mod host_call;
pub mod inspect;
pub mod local;
pub mod lockdown;
pub mod outbox;
pub mod plugin;
pub mod settings;
pub mod workers;

/// The rustc that built this bridge, e.g. `1.95.0 (59807616e 2026-04-14)`.
pub const BRIDGE_RUSTC_VERSION: &str = env!("HF_BRIDGE_RUSTC_VERSION");

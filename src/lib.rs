//! ssnlab: operational regimes of recurrent E–I circuits.
//!
//! Layers (arrows point down only): `script` (the Rhai host) → domains (`neuron`, `rate`,
//! `izh`, `motif`, `spiking`, `plot`, `io`) → `connectivity` → `numerics` → `error`. Domain
//! modules never depend on Rhai.

pub mod connectivity;
pub mod docs;
pub mod error;
pub mod repl;
pub mod script;

pub use error::{Error, Result};

/// The ssnlab version string, written into every output file's metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod io;
pub mod izh;
pub mod motif;
pub mod neuron;
pub mod numerics;
pub mod options;
pub mod plot;
pub mod rate;
pub mod spiking;
pub mod sweep;

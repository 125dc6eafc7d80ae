//! Spiking networks: LIF populations with delta and exponential synapses, external drives,
//! monitors, protocols and comparisons with the mean-field theory.

pub mod build;
pub mod drive;
pub mod engine;
pub mod model;
pub mod options;
pub mod protocol;

pub use drive::Signal;
pub use engine::{Network, RunOptions, RunResult};
pub use model::{NetSpec, PoissonInput, Population, Projection, Rule, Source, Synapse};

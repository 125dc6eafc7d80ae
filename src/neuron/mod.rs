//! Single-neuron models and transfer functions: the LIF neuron with its Ricciardi/Siegert
//! rate, and the threshold power law fitted to it.

pub mod lif;
pub mod powerlaw;

pub use lif::Lif;
pub use powerlaw::{PowerLaw, PowerLawFit};

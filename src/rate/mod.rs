//! Rate models: the P-population SSN, its steady states and regimes, input design, and the
//! self-consistent LIF mean field (Φsc).

pub mod design;
pub mod lifnet;
pub mod regime;
pub mod roots;
pub mod ssn;

pub use ssn::{PopKind, Ssn, SteadyState, SteadyStates};

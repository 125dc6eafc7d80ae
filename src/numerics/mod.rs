//! Numerical building blocks shared by every domain; this layer imports no domain.
//!
//! - [`context`]: cooperative cancellation (Ctrl-C) and progress bars for long work;
//! - [`ode`]: one explicit ODE stepper (RK4 or Euler) with a recorder and a termination reason;
//! - [`newton`]: damped Newton with a finite-difference Jacobian;
//! - [`linalg`]: eigenvalues (one sorting convention) and spectral radius;
//! - [`memory`]: memory estimates checked against one process-wide limit;
//! - [`roots`]: Brent's bracketed root finder;
//! - [`quad`]: Gauss–Legendre panels;
//! - [`random`]: the fast normal stream and seed mixing;
//! - [`special`]: normal-distribution functions;
//! - [`stats`]: means, quantiles, smoothing, autocorrelation;
//! - [`timecourse`]: the one result shape of every time course.

pub mod context;
pub mod linalg;
pub mod memory;
pub mod newton;
pub mod ode;
pub mod quad;
pub mod random;
pub mod roots;
pub mod special;
pub mod stats;
pub mod timecourse;

//! Fixed-order Gauss–Legendre quadrature on panels (nodes from the `gauss-quad` crate).

use gauss_quad::GaussLegendre;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// Number of nodes per panel.
pub const ORDER: usize = 20;

fn rule() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = NonZeroUsize::new(ORDER).expect("ORDER > 0");
        GaussLegendre::new(n).as_node_weight_pairs().to_vec()
    })
}

/// ∫_a^b f(x) dx with one `ORDER`-point Gauss–Legendre panel.
#[inline]
pub fn panel(a: f64, b: f64, f: impl Fn(f64) -> f64) -> f64 {
    let h = 0.5 * (b - a);
    let c = 0.5 * (a + b);
    let mut s = 0.0;
    for &(x, w) in rule() {
        s += w * f(c + h * x);
    }
    s * h
}

//! Input design by inverting the steady-state equations (Eq 5–6 of the reference).

use super::ssn::Ssn;
use crate::error::{Error, Result};

/// Feedforward inputs μ_ext,X(t) that make the target rates ν_X(t) a steady state:
/// μ_ext,X = f_X^{-1}(ν_X) − Σ_Y s_Y J_XY ν_Y. Every target must be > 0 (where ν = 0 the
/// input is not unique: anything at or below threshold works). `nu[t][x]`, `times` for messages.
pub fn design_inputs(net: &Ssn, nu: &[Vec<f64>], times: Option<&[f64]>) -> Result<Vec<Vec<f64>>> {
    let p = net.size();
    let names = net.population_names();
    nu.iter()
        .enumerate()
        .map(|(k, v)| {
            if v.len() != p {
                return Err(Error::Shape(format!(
                    "target {k} has {} rates for {p} populations",
                    v.len()
                )));
            }
            let when = times.map_or(String::new(), |t| format!(" (t = {} ms)", t[k]));
            (0..p)
                .map(|x| {
                    if !(v[x].is_finite() && v[x] > 0.0) {
                        // Named by population and target index, the same way for every point.
                        return Err(Error::param(
                            &format!("nu_{}[{k}]", names[x].to_lowercase()),
                            v[x],
                            format!(
                                "the target rate of population {} at index {k}{when} must be > 0 Hz to be invertible (at 0 Hz any input at or below threshold works)",
                                names[x]
                            ),
                        ));
                    }
                    let inv = net.f[x].inverse(v[x])?;
                    Ok(inv - (0..p).map(|y| net.w(x, y) * v[y]).sum::<f64>())
                })
                .collect()
        })
        .collect()
}

/// Solves for one coupling magnitude J[x][y] that makes `nu` a steady state with input `mu_ext`
/// (only population x's equation involves it): J_xy = s_y (f_x^{-1}(ν_x) − μ_ext,x − Σ_{Y≠y} w_xY ν_Y)/ν_y.
pub fn design_weight(net: &Ssn, x: usize, y: usize, nu: &[f64], mu_ext: &[f64]) -> Result<f64> {
    let p = net.size();
    if x >= p || y >= p {
        return Err(Error::param(
            "index",
            format!("({x}, {y})"),
            format!("must be < {p}"),
        ));
    }
    if nu.len() != p || mu_ext.len() != p {
        return Err(Error::Shape(format!("need {p} rates and {p} inputs")));
    }
    if nu[x].is_nan() || nu[x] <= 0.0 {
        return Err(Error::param(
            &format!("nu[{x}]"),
            nu[x],
            "must be > 0 Hz to invert the transfer function",
        ));
    }
    if nu[y] == 0.0 {
        return Err(Error::param(
            &format!("nu[{y}]"),
            0,
            "must be > 0: a silent presynaptic population leaves J undetermined",
        ));
    }
    let inv = net.f[x].inverse(nu[x])?;
    let others: f64 = (0..p)
        .filter(|&k| k != y)
        .map(|k| net.w(x, k) * nu[k])
        .sum();
    let sign = if net.w(x, y) < 0.0 || (net.j[x][y] == 0.0 && net.kinds[y] == super::PopKind::I) {
        -1.0
    } else {
        1.0
    };
    let jm = sign * (inv - mu_ext[x] - others) / nu[y];
    if jm < 0.0 {
        return Err(Error::numerical(format!(
            "no non-negative J[{x}][{y}] gives these rates (the required magnitude is {jm:.6} mV)"
        )));
    }
    Ok(jm)
}

//! Analysis of recorded activity: smoothing, autocorrelation timescale, summary statistics.

/// `n` evenly spaced numbers from `a` to `b`, both included (numpy's linspace): empty for
/// n = 0, `[a]` for n = 1.
pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![a],
        _ => (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

/// A grid axis written `[lo, hi, n]` (n evenly spaced points, as [`linspace`]) or `[x]` (one
/// point). `name` names the option in errors; at most `max_n` points.
pub fn grid_axis(name: &str, spec: &[f64], max_n: usize) -> crate::error::Result<Vec<f64>> {
    match *spec {
        [x] if x.is_finite() => Ok(vec![x]),
        [lo, hi, n]
            if lo.is_finite()
                && hi.is_finite()
                && n >= 1.0
                && n.fract() == 0.0
                && n <= max_n as f64 =>
        {
            Ok(linspace(lo, hi, n as usize))
        }
        _ => Err(crate::error::Error::param(
            name,
            format!("{spec:?}"),
            format!("must be [lo, hi, n] with finite lo, hi and n a whole number in 1 ..= {max_n}"),
        )),
    }
}

/// Arithmetic mean; NaN and inf propagate (as numpy.mean). Empty: NaN.
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Population standard deviation; NaN and inf propagate (as numpy.std). Empty: NaN.
pub fn std(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|y| (y - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Pearson correlation of two equal-length series (NaN if either is constant).
pub fn corr(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt()
}

/// Mean of the finite values (NaN if there are none).
pub fn nanmean(x: &[f64]) -> f64 {
    let (s, n) = x
        .iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Sample standard deviation of the finite values (NaN with fewer than two).
pub fn nanstd(x: &[f64]) -> f64 {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Centred moving average over `k` points (shrinking at the edges), like MATLAB `movmean`.
pub fn movmean(x: &[f64], k: usize) -> Vec<f64> {
    let k = k.max(1);
    let lo = (k - 1) / 2;
    let hi = k / 2;
    let mut pre = vec![0.0; x.len() + 1];
    for (i, v) in x.iter().enumerate() {
        pre[i + 1] = pre[i] + v;
    }
    (0..x.len())
        .map(|i| {
            let a = i.saturating_sub(lo);
            let b = (i + hi + 1).min(x.len());
            (pre[b] - pre[a]) / (b - a) as f64
        })
        .collect()
}

/// Normalised autocorrelation of `x` (mean removed) for lags 0..max_lag.
pub fn autocorrelation(x: &[f64], max_lag: usize) -> Vec<f64> {
    let n = x.len();
    if n < 2 {
        return vec![];
    }
    let m = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - m).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum::<f64>() / n as f64;
    if c0 <= 0.0 {
        return vec![];
    }
    (0..=max_lag.min(n - 1))
        .map(|l| {
            d[..n - l]
                .iter()
                .zip(&d[l..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / n as f64
                / c0
        })
        .collect()
}

/// Autocorrelation timescales of a signal sampled every `dt` (any unit): the first lag at
/// which the normalised autocorrelation falls below 1/e (linearly interpolated), and the
/// integral of the autocorrelation up to its first zero crossing. NaN where undefined
/// (constant signal, or no crossing within half the record).
pub fn acf_timescale(x: &[f64], dt: f64) -> (f64, f64) {
    let n = x.len();
    if n < 4 {
        return (f64::NAN, f64::NAN);
    }
    let m = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - m).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum::<f64>();
    if c0 <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    // Lags are computed one by one until the first zero crossing (O(n · τ/dt), not O(n²)).
    let e = (-1.0f64).exp();
    let (mut t_e, mut t_i) = (f64::NAN, f64::NAN);
    let mut prev = 1.0;
    let mut integral = 0.5;
    for l in 1..=n / 2 {
        let a = d[..n - l]
            .iter()
            .zip(&d[l..])
            .map(|(p, q)| p * q)
            .sum::<f64>()
            / c0;
        if t_e.is_nan() && a < e {
            t_e = (l as f64 - 1.0 + (prev - e) / (prev - a)) * dt;
        }
        if a <= 0.0 {
            t_i = integral * dt;
            break;
        }
        integral += a;
        prev = a;
    }
    (t_e, t_i)
}

/// Quantile (linear interpolation between order statistics) of the finite values.
pub fn quantile(x: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let p = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let i = p.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    v[i] + (v[j] - v[i]) * (p - i as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn ou_timescale() {
        // AR(1) with coefficient a = exp(-dt/tau): ACF = a^lag, so the 1/e time is tau.
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
        let (dt, tau) = (1.0f64, 20.0f64);
        let a = (-dt / tau).exp();
        let mut x = vec![0.0; 400_000];
        for i in 1..x.len() {
            let z: f64 = StandardNormal.sample(&mut rng);
            x[i] = a * x[i - 1] + z;
        }
        let (te, ti) = acf_timescale(&x, dt);
        // Estimation error of the ACF at lag ~tau over 2e4 correlation times is ~1%.
        assert!((te - tau).abs() < 1.0, "1/e time {te}");
        // Integral of a^l from 0 with the trapezoid at 0: 1/(1-a) - 1/2 ~ tau.
        assert!((ti - tau).abs() < 2.0, "integral time {ti}");
    }

    #[test]
    fn helpers() {
        assert_eq!(movmean(&[1.0, 2.0, 3.0, 4.0], 3), vec![1.5, 2.0, 3.0, 3.5]);
        assert_eq!(quantile(&[3.0, 1.0, 2.0, f64::NAN], 0.5), 2.0);
        assert!((nanstd(&[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-15);
        assert!(nanmean(&[f64::NAN]).is_nan());
    }
}

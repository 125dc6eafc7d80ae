//! Terminal previews: braille line plots (textplots) and character maps of regimes, for a
//! quick look without leaving the REPL.

use crate::error::{Error, Result};
use textplots::{Chart, Plot, Shape};

/// A braille plot of one or more series y(x), about `width` × `height` characters' worth of
/// dots, with the axis ranges printed underneath.
pub fn lines(series: &[(Vec<f64>, Vec<f64>)], width: u32, height: u32) -> Result<String> {
    let mut pts: Vec<Vec<(f32, f32)>> = Vec::new();
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in series {
        if x.len() != y.len() {
            return Err(Error::Shape(format!(
                "preview: {} x values, {} y values",
                x.len(),
                y.len()
            )));
        }
        let p: Vec<(f32, f32)> = x
            .iter()
            .zip(y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(&a, &b)| {
                x0 = x0.min(a);
                x1 = x1.max(a);
                y0 = y0.min(b);
                y1 = y1.max(b);
                (a as f32, b as f32)
            })
            .collect();
        pts.push(p);
    }
    if !x0.is_finite() {
        return Err(Error::numerical("preview: no finite points"));
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let w = width.clamp(32, 400) * 2;
    let h = height.clamp(8, 200) * 4;
    let shapes: Vec<Shape> = pts.iter().map(|p| Shape::Lines(p)).collect();
    let mut chart = Chart::new_with_y_range(
        w,
        h,
        x0 as f32,
        x1 as f32,
        y0 as f32,
        (y1.max(y0 + 1e-12)) as f32,
    );
    let mut c = &mut chart;
    for s in &shapes {
        c = c.lineplot(s);
    }
    c.axis();
    c.figures();
    Ok(format!("{c}"))
}

/// A character map: one character per cell (rows printed top = largest y), with a legend.
pub fn char_map(
    cat: &[Vec<usize>],
    names: &[String],
    x_label: &str,
    y_label: &str,
    xr: (f64, f64),
    yr: (f64, f64),
) -> String {
    const SYMS: &[u8] = b".#o+x*=%@~";
    let mut s = format!("{y_label} {:.3} .. {:.3} (rows, top = high)\n", yr.0, yr.1);
    for row in cat.iter().rev() {
        for &k in row {
            s.push(SYMS[k % SYMS.len()] as char);
        }
        s.push('\n');
    }
    s.push_str(&format!("{x_label} {:.3} .. {:.3} (columns)\n", xr.0, xr.1));
    for (k, n) in names.iter().enumerate() {
        if cat.iter().any(|r| r.contains(&k)) {
            s.push_str(&format!("  {} {n}\n", SYMS[k % SYMS.len()] as char));
        }
    }
    s
}

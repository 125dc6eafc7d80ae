//! Building panels from options and results: the options of `plot`, `line`/`points` and
//! `hist` declared once (keys, defaults, units, docs), the palette order of new series, the
//! regime map's categorical layer with its fixed colours, and the rate figure of a time course.

use super::{Layer, PALETTE, Plot, Rgb, histogram, parse_color};
use crate::error::{Error, Result};
use crate::numerics::timecourse::TimeCourse;
use crate::options::{Count, Num};
use crate::rate::regime::{Regime, RegimeMap};

crate::options! {
    /// Options of `plot(opts)`: one panel.
    pub struct PlotOpts {
        /// panel title
        title: String = String::new(), "";
        /// x-axis label (put the unit in it)
        x_label: String = String::new(), "";
        /// y-axis label (put the unit in it)
        y_label: String = String::new(), "";
        /// x range [lo, hi] (none: the data's)
        x_range: Option<[Num; 2]> = None, "";
        /// y range [lo, hi] (none: the data's)
        y_range: Option<[Num; 2]> = None, "";
        /// logarithmic x axis
        log_x: bool = false, "";
        /// logarithmic y axis
        log_y: bool = false, "";
    }
}

crate::options! {
    /// Options of `Plot.line` and `Plot.points`.
    pub struct SeriesOpts {
        /// legend label (none: not in the legend)
        label: Option<String> = None, "";
        /// "E", "I", a name or "#rrggbb" (none: the next palette colour)
        color: Option<String> = None, "";
        /// dashed line (theory curves)
        dashed: bool = false, "";
        /// line width, 1 to 20
        width: Count = Count(2), "px";
        /// point radius, 1 to 50
        size: Count = Count(3), "px";
    }
}

crate::options! {
    /// Options of `Plot.hist`.
    pub struct HistOpts {
        /// number of bins
        bins: Count = Count(30), "";
        /// [lo, hi] (none: the data's range)
        range: Option<[Num; 2]> = None, "";
        /// normalise to a probability density
        density: bool = false, "";
        /// legend label
        label: Option<String> = None, "";
        /// colour (none: the next palette colour)
        color: Option<String> = None, "";
    }
}

crate::options! {
    /// Options of `Plot.save` and `Figure.save`.
    pub struct SaveOpts {
        /// width (none: the figure's)
        width: Option<Count> = None, "px";
        /// height (none: the figure's)
        height: Option<Count> = None, "px";
        /// replace an existing file that ssnlab did not write
        overwrite: bool = false, "";
        /// anything JSON-serialisable, stored in the FILE.meta.json sidecar
        meta: serde_json::Value = serde_json::Value::Null, "";
    }
}

crate::options! {
    /// Options of `figure(panels, opts)`.
    pub struct FigureOpts {
        /// number of columns (none: all panels in one row)
        cols: Option<Count> = None, "";
        /// overall title
        title: String = String::new(), "";
        /// width (none: 450 per column)
        width: Option<Count> = None, "px";
        /// height (none: 380 per row)
        height: Option<Count> = None, "px";
    }
}

impl SaveOpts {
    /// The size to render: the given width and height, else the figure's, each 50 to 10000 px.
    pub fn size(&self, default: (u32, u32)) -> Result<(u32, u32)> {
        let px = |name: &str, v: Option<Count>, d: u32| -> Result<u32> {
            match v {
                None => Ok(d),
                Some(Count(x)) if (50..=10_000).contains(&x) => Ok(x as u32),
                Some(Count(x)) => Err(Error::param(name, x, "must be 50 to 10000 px")),
            }
        };
        Ok((
            px("width", self.width, default.0)?,
            px("height", self.height, default.1)?,
        ))
    }
}

fn range(name: &str, r: Option<[Num; 2]>, log: bool) -> Result<Option<(f64, f64)>> {
    let Some([a, b]) = r else { return Ok(None) };
    if !(a.0.is_finite() && b.0.is_finite() && a.0 < b.0) {
        return Err(Error::param(
            name,
            format!("[{}, {}]", a.0, b.0),
            "must be [lo, hi] with finite lo < hi",
        ));
    }
    if log && a.0 <= 0.0 {
        return Err(Error::param(
            name,
            format!("[{}, {}]", a.0, b.0),
            "a log axis needs lo > 0",
        ));
    }
    Ok(Some((a.0, b.0)))
}

impl PlotOpts {
    /// The empty panel (ranges checked).
    pub fn plot(&self) -> Result<Plot> {
        Ok(Plot {
            title: self.title.clone(),
            x_label: self.x_label.clone(),
            y_label: self.y_label.clone(),
            x_range: range("x_range", self.x_range, self.log_x)?,
            y_range: range("y_range", self.y_range, self.log_y)?,
            log_x: self.log_x,
            log_y: self.log_y,
            ..Default::default()
        })
    }
}

impl Plot {
    /// The palette colour of the next line, point or histogram series.
    pub fn next_color(&self) -> Rgb {
        let k = self
            .layers
            .iter()
            .filter(|l| {
                matches!(
                    l,
                    Layer::Line { .. } | Layer::Points { .. } | Layer::Hist { .. }
                )
            })
            .count();
        PALETTE[k % PALETTE.len()]
    }

    fn color_or_next(&self, c: &Option<String>) -> Result<Rgb> {
        c.as_deref()
            .map_or_else(|| Ok(self.next_color()), parse_color)
    }

    /// Adds a line (or points) y(x).
    pub fn add_series(
        &mut self,
        x: Vec<f64>,
        y: Vec<f64>,
        o: &SeriesOpts,
        points: bool,
    ) -> Result<()> {
        if x.len() != y.len() {
            return Err(Error::param(
                "y",
                format!("{} values", y.len()),
                format!("must have as many values as x ({})", x.len()),
            ));
        }
        let color = self.color_or_next(&o.color)?;
        let label = o.label.clone();
        self.layers.push(if points {
            Layer::Points {
                x,
                y,
                label,
                color,
                size: o.size.0.clamp(1, 50) as u32,
            }
        } else {
            Layer::Line {
                x,
                y,
                label,
                color,
                dashed: o.dashed,
                width: o.width.0.clamp(1, 20) as u32,
            }
        });
        Ok(())
    }

    /// Adds a histogram of `v`.
    pub fn add_hist(&mut self, v: &[f64], o: &HistOpts) -> Result<()> {
        let r = range("range", o.range, false)?;
        let (edges, heights) = histogram(v, o.bins.0 as usize, r, o.density)?;
        let color = self.color_or_next(&o.color)?;
        self.layers.push(Layer::Hist {
            edges,
            heights,
            label: o.label.clone(),
            color,
        });
        Ok(())
    }

    /// Population rates against time, one line per population in palette order (E red, I
    /// blue), each smoothed by a moving average over `smooth` points (1: none).
    pub fn rates(
        title: &str,
        t: &[f64],
        names: &[String],
        rates: &[Vec<f64>],
        unit: &str,
        smooth: usize,
    ) -> Plot {
        let mut p = Plot {
            title: title.into(),
            x_label: "time (ms)".into(),
            y_label: format!("rate ({unit})"),
            ..Default::default()
        };
        for (i, (name, y)) in names.iter().zip(rates).enumerate() {
            p.layers.push(Layer::Line {
                x: t.to_vec(),
                y: crate::numerics::stats::movmean(y, smooth.max(1)),
                label: Some(name.clone()),
                color: PALETTE[i % PALETTE.len()],
                dashed: false,
                width: 2,
            });
        }
        p
    }

    /// The population-rate figure of a time course.
    pub fn time_course(tc: &TimeCourse) -> Plot {
        let title = format!("{} ({})", tc.kind, tc.status());
        Plot::rates(&title, &tc.t, &tc.names, &tc.pop_rates, &tc.rate_unit, 1)
    }

    /// A regime map as a categorical heat map with a legend of the regimes present, axes
    /// labelled with their units.
    pub fn regime_map(m: &RegimeMap) -> Plot {
        let unit = |n: &str| {
            if n == "mu" {
                "mu_E (mV/s)".to_string()
            } else if n.starts_with("J_") {
                format!("{n} (mV)")
            } else {
                n.to_string()
            }
        };
        let (cat, names) = regime_categories(m);
        Plot {
            title: "regimes".into(),
            x_label: unit(&m.x_name),
            y_label: unit(&m.y_name),
            layers: vec![Layer::Categories {
                xs: m.xs.clone(),
                ys: m.ys.clone(),
                cat,
                names,
                colors: REGIMES.iter().map(|(_, c)| *c).collect(),
            }],
            ..Default::default()
        }
    }
}

/// Regimes in a fixed order with fixed colours (the same on every map).
pub const REGIMES: [(Regime, Rgb); 8] = [
    (Regime::NonIsn, (200, 200, 200)),
    (Regime::Isn, (31, 119, 180)),
    (Regime::Supersaturating, (255, 187, 120)),
    (Regime::SupersaturatingIsn, (214, 39, 40)),
    (Regime::Bistable, (148, 103, 189)),
    (Regime::NoStableState, (90, 90, 90)),
    (Regime::NoSteadyState, (20, 20, 20)),
    (Regime::NoneFound, (160, 120, 60)),
];

/// The category (index into [`REGIMES`]) of every cell, rows over y, and the regime names.
pub fn regime_categories(m: &RegimeMap) -> (Vec<Vec<usize>>, Vec<String>) {
    let nx = m.xs.len().max(1);
    let cat = m
        .cells
        .chunks(nx)
        .map(|row| {
            row.iter()
                .map(|c| {
                    let l = c.regime();
                    REGIMES.iter().position(|(n, _)| *n == l).unwrap_or(5)
                })
                .collect()
        })
        .collect();
    (cat, REGIMES.iter().map(|(n, _)| n.to_string()).collect())
}

//! Figures with plotters (PNG and SVG, chosen by the file extension), rendered with an
//! embedded DejaVu font through ab_glyph, so they look the same on any machine and need no
//! system fonts.
//!
//! A [`Plot`] is one panel: axes, labels and a list of [`Layer`]s (lines — solid or dashed —,
//! points, histograms, box plots, continuous and categorical heat maps, reference lines). A
//! [`Figure`] arranges panels on a grid. Logarithmic axes plot log10 of the data with
//! labels written as powers of ten.

pub mod build;
pub mod preview;

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Registers the embedded font (idempotent).
pub fn init_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// The default series colours (E red, I blue, then the tab10 palette).
pub const PALETTE: [Rgb; 10] = [
    (214, 39, 40),
    (31, 119, 180),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Parses a colour: "E", "I", a name (red, blue, green, orange, purple, black, gray) or "#rrggbb".
pub fn parse_color(s: &str) -> Result<Rgb> {
    let named = match s.to_ascii_lowercase().as_str() {
        "e" | "red" => Some(PALETTE[0]),
        "i" | "blue" => Some(PALETTE[1]),
        "green" => Some(PALETTE[2]),
        "orange" => Some(PALETTE[3]),
        "purple" => Some(PALETTE[4]),
        "brown" => Some(PALETTE[5]),
        "pink" => Some(PALETTE[6]),
        "gray" | "grey" => Some(PALETTE[7]),
        "black" => Some((0, 0, 0)),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    let h = s.trim_start_matches('#');
    if s.starts_with('#') && h.len() == 6 {
        let p = |i: usize| u8::from_str_radix(&h[i..i + 2], 16);
        if let (Ok(r), Ok(g), Ok(b)) = (p(0), p(2), p(4)) {
            return Ok((r, g, b));
        }
    }
    Err(Error::param(
        "color",
        format!("{s:?}"),
        "must be \"E\", \"I\", red, blue, green, orange, purple, brown, pink, gray, black or \"#rrggbb\"",
    ))
}

/// One thing drawn in a panel.
#[derive(Debug, Clone)]
pub enum Layer {
    /// A polyline.
    Line {
        /// x values.
        x: Vec<f64>,
        /// y values.
        y: Vec<f64>,
        /// Legend label.
        label: Option<String>,
        /// Colour.
        color: Rgb,
        /// Dashed (theory curves in the paper's style).
        dashed: bool,
        /// Stroke width (px).
        width: u32,
    },
    /// Points.
    Points {
        /// x values.
        x: Vec<f64>,
        /// y values.
        y: Vec<f64>,
        /// Legend label.
        label: Option<String>,
        /// Colour.
        color: Rgb,
        /// Radius (px).
        size: u32,
    },
    /// A histogram of values (bars).
    Hist {
        /// Bin edges.
        edges: Vec<f64>,
        /// Bar heights (counts or density).
        heights: Vec<f64>,
        /// Legend label.
        label: Option<String>,
        /// Colour.
        color: Rgb,
    },
    /// Box plots at x = 0, 1, ...: quartiles, median, whiskers at 1.5 IQR, outliers.
    Boxes {
        /// One group of values per box.
        groups: Vec<Vec<f64>>,
        /// Colour.
        color: Rgb,
    },
    /// A continuous heat map z[iy][ix] on cell centres xs × ys.
    Heat {
        /// Cell centres along x.
        xs: Vec<f64>,
        /// Cell centres along y.
        ys: Vec<f64>,
        /// Values, one row per y.
        z: Vec<Vec<f64>>,
        /// Colour range (min, max).
        range: (f64, f64),
        /// Label of the colour bar.
        label: String,
    },
    /// A categorical map cat[iy][ix] (index into `names`), with a legend of categories.
    Categories {
        /// Cell centres along x.
        xs: Vec<f64>,
        /// Cell centres along y.
        ys: Vec<f64>,
        /// Category index per cell.
        cat: Vec<Vec<usize>>,
        /// Category names.
        names: Vec<String>,
        /// Category colours.
        colors: Vec<Rgb>,
    },
    /// A horizontal reference line.
    HLine {
        /// Height.
        y: f64,
        /// Colour.
        color: Rgb,
        /// Dashed.
        dashed: bool,
    },
    /// A vertical reference line.
    VLine {
        /// Position.
        x: f64,
        /// Colour.
        color: Rgb,
        /// Dashed.
        dashed: bool,
    },
}

/// One panel.
#[derive(Debug, Clone, Default)]
pub struct Plot {
    /// Title.
    pub title: String,
    /// x-axis label (with units).
    pub x_label: String,
    /// y-axis label (with units).
    pub y_label: String,
    /// Fixed x range.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range.
    pub y_range: Option<(f64, f64)>,
    /// log10 x axis.
    pub log_x: bool,
    /// log10 y axis.
    pub log_y: bool,
    /// Tick labels for integer x positions (box plots).
    pub x_ticks: Vec<String>,
    /// Layers in drawing order.
    pub layers: Vec<Layer>,
}

/// Panels on a grid.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Panels, row by row.
    pub panels: Vec<Plot>,
    /// Number of columns.
    pub cols: usize,
    /// Overall title (may be empty).
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// Viridis-like continuous colour map (plotters' ViridisRGB).
fn cmap(t: f64) -> RGBColor {
    use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ViridisRGB.get_color(t)
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

impl Plot {
    /// What would not be drawn: one message per line or point series with points that are
    /// NaN/inf or ≤ 0 on a log axis, and whether the panel has any drawable data at all
    /// (`false` also when it has no data layer, e.g. only reference lines).
    pub fn diagnostics(&self) -> (Vec<String>, bool) {
        let mut msgs = Vec::new();
        let mut any = false;
        let panel = if self.title.is_empty() {
            String::from("panel")
        } else {
            format!("panel \"{}\"", self.title)
        };
        for (k, l) in self.layers.iter().enumerate() {
            let (x, y, label) = match l {
                Layer::Line { x, y, label, .. } | Layer::Points { x, y, label, .. } => {
                    (x, y, label)
                }
                Layer::HLine { .. } | Layer::VLine { .. } => continue,
                _ => {
                    any = true;
                    continue;
                }
            };
            let name = label.clone().unwrap_or_else(|| format!("series {k}"));
            let n = x.len().min(y.len());
            let mut nonfinite = 0;
            let mut nonpositive = 0;
            for (&a, &b) in x.iter().zip(y) {
                if !(a.is_finite() && b.is_finite()) {
                    nonfinite += 1;
                } else if (self.log_x && a <= 0.0) || (self.log_y && b <= 0.0) {
                    nonpositive += 1;
                }
            }
            let drawn = n - nonfinite - nonpositive;
            any |= drawn > 0;
            if nonfinite + nonpositive > 0 {
                let mut why = Vec::new();
                if nonfinite > 0 {
                    why.push(format!("{nonfinite} NaN/inf"));
                }
                if nonpositive > 0 {
                    why.push(format!("{nonpositive} <= 0 on a log axis"));
                }
                msgs.push(format!(
                    "{panel}, `{name}`: {} of {n} points not drawn ({})",
                    nonfinite + nonpositive,
                    why.join(", ")
                ));
            }
        }
        (msgs, any)
    }

    fn tx(&self, x: f64) -> f64 {
        if self.log_x { x.log10() } else { x }
    }
    fn ty(&self, y: f64) -> f64 {
        if self.log_y { y.log10() } else { y }
    }

    /// Data bounds of all layers (after log transforms), padded by 3%.
    fn bounds(&self) -> ((f64, f64), (f64, f64)) {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        let mut addx = |v: f64| {
            if v.is_finite() {
                x0 = x0.min(v);
                x1 = x1.max(v);
            }
        };
        let mut ys: Vec<f64> = Vec::new();
        for l in &self.layers {
            match l {
                Layer::Line { x, y, .. } | Layer::Points { x, y, .. } => {
                    x.iter().for_each(|&v| addx(self.tx(v)));
                    ys.extend(y.iter().map(|&v| self.ty(v)));
                }
                Layer::Hist { edges, heights, .. } => {
                    edges.iter().for_each(|&v| addx(self.tx(v)));
                    ys.extend(heights.iter().map(|&v| self.ty(v)));
                    if !self.log_y {
                        ys.push(0.0);
                    }
                }
                Layer::Boxes { groups, .. } => {
                    addx(-0.6);
                    addx(groups.len() as f64 - 0.4);
                    for g in groups {
                        ys.extend(g.iter().map(|&v| self.ty(v)));
                    }
                }
                Layer::Heat { xs, ys: yy, .. } | Layer::Categories { xs, ys: yy, .. } => {
                    let half = |v: &[f64]| {
                        if v.len() > 1 {
                            0.5 * (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64
                        } else {
                            0.5
                        }
                    };
                    let (hx, hy) = (half(xs), half(yy));
                    if let (Some(a), Some(b)) = (xs.first(), xs.last()) {
                        addx(a - hx);
                        addx(b + hx);
                    }
                    if let (Some(a), Some(b)) = (yy.first(), yy.last()) {
                        ys.push(a - hy);
                        ys.push(b + hy);
                    }
                }
                Layer::HLine { y, .. } => ys.push(self.ty(*y)),
                Layer::VLine { x, .. } => addx(self.tx(*x)),
            }
        }
        for v in ys {
            if v.is_finite() {
                y0 = y0.min(v);
                y1 = y1.max(v);
            }
        }
        let fix = |a: f64, b: f64, pad: bool| -> (f64, f64) {
            if !a.is_finite() || !b.is_finite() {
                return (0.0, 1.0);
            }
            if a == b {
                return (a - 0.5, b + 0.5);
            }
            let p = if pad { 0.03 * (b - a) } else { 0.0 };
            (a - p, b + p)
        };
        let has_grid = self
            .layers
            .iter()
            .any(|l| matches!(l, Layer::Heat { .. } | Layer::Categories { .. }));
        let xr = self
            .x_range
            .map(|(a, b)| (self.tx(a), self.tx(b)))
            .unwrap_or_else(|| fix(x0, x1, !has_grid));
        let yr = self
            .y_range
            .map(|(a, b)| (self.ty(a), self.ty(b)))
            .unwrap_or_else(|| fix(y0, y1, !has_grid));
        (xr, yr)
    }

    /// Draws the panel into a drawing area.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let heat = self.layers.iter().find_map(|l| match l {
            Layer::Heat { range, label, .. } => Some((*range, label.clone())),
            _ => None,
        });
        let (w, _) = area.dim_in_pixel();
        let (main, bar) = if heat.is_some() {
            let (m, b) = area.split_horizontally(w.saturating_sub(90));
            (m, Some(b))
        } else {
            (area.clone(), None)
        };
        let ((x0, x1), (y0, y1)) = self.bounds();
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        self.draw_mesh(&mut chart)?;
        let mut any_label = false;
        for l in &self.layers {
            any_label |= self.draw_layer(&mut chart, l, ((x0, x1), (y0, y1)))?;
        }
        if any_label {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font(("sans-serif", 13))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(draw_err)?;
        }
        if let (Some(bar), Some((range, label))) = (bar, heat) {
            draw_colorbar(&bar, range, &label)?;
        }
        Ok(())
    }

    /// Axes, grid and tick labels (category names, powers of ten on log axes).
    fn draw_mesh<DB: DrawingBackend>(&self, chart: &mut Chart<'_, '_, DB>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (lx, ly) = (self.log_x, self.log_y);
        let ticks = self.x_ticks.clone();
        let fmt_x = move |v: &f64| {
            if !ticks.is_empty() {
                let k = v.round();
                if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < ticks.len() {
                    return ticks[k as usize].clone();
                }
                return String::new();
            }
            if lx { log_tick(*v) } else { format_tick(*v) }
        };
        let fmt_y = move |v: &f64| {
            if ly { log_tick(*v) } else { format_tick(*v) }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&fmt_y)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", 13));
        if !self.x_ticks.is_empty() {
            mesh.x_labels(self.x_ticks.len() * 2 + 1);
        } else if self.log_x {
            mesh.x_labels(6);
        }
        if self.log_y {
            mesh.y_labels(6);
        }
        mesh.draw().map_err(draw_err)
    }

    /// Finite points of a series after the log transforms.
    fn points(&self, x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
        x.iter()
            .zip(y)
            .map(|(&a, &b)| (self.tx(a), self.ty(b)))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect()
    }

    /// Draws one layer; true when it added a legend entry. `b` are the axis bounds.
    fn draw_layer<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, '_, DB>,
        l: &Layer,
        b: ((f64, f64), (f64, f64)),
    ) -> Result<bool>
    where
        DB::ErrorType: 'static,
    {
        let ((x0, x1), (y0, y1)) = b;
        match l {
            Layer::Line {
                x,
                y,
                label,
                color,
                dashed,
                width,
            } => draw_line(chart, self.points(x, y), label, *color, *dashed, *width),
            Layer::Points {
                x,
                y,
                label,
                color,
                size,
            } => {
                let (c, sz) = (rgb(*color), *size);
                let pts = self.points(x, y);
                let s = chart
                    .draw_series(pts.into_iter().map(move |p| Circle::new(p, sz, c.filled())))
                    .map_err(draw_err)?;
                if let Some(lab) = label {
                    s.label(lab.clone())
                        .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
                }
                Ok(label.is_some())
            }
            Layer::Hist {
                edges,
                heights,
                label,
                color,
            } => {
                let c = rgb(*color);
                let base = if self.log_y { y0 } else { 0.0 };
                let bars: Vec<_> = heights
                    .iter()
                    .enumerate()
                    .map(|(k, &h)| {
                        let lo = (self.tx(edges[k]), base);
                        let hi = (self.tx(edges[k + 1]), self.ty(h).max(base));
                        Rectangle::new([lo, hi], c.mix(0.6).filled())
                    })
                    .collect();
                let s = chart.draw_series(bars).map_err(draw_err)?;
                if let Some(lab) = label {
                    s.label(lab.clone()).legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 15, y + 5)], c.mix(0.6).filled())
                    });
                }
                Ok(label.is_some())
            }
            Layer::Boxes { groups, color } => {
                for (k, g) in groups.iter().enumerate() {
                    let v: Vec<f64> = g
                        .iter()
                        .copied()
                        .filter(|x| x.is_finite())
                        .map(|x| self.ty(x))
                        .collect();
                    draw_box(chart, k as f64, &v, rgb(*color))?;
                }
                Ok(false)
            }
            Layer::Heat {
                xs, ys, z, range, ..
            } => {
                let span = (range.1 - range.0).max(1e-300);
                let cells = grid_cells(xs, ys, z, |v: &f64| {
                    if v.is_finite() {
                        cmap((v - range.0) / span)
                    } else {
                        RGBColor(255, 255, 255)
                    }
                });
                chart.draw_series(cells).map_err(draw_err)?;
                Ok(false)
            }
            Layer::Categories {
                xs,
                ys,
                cat,
                names,
                colors,
            } => draw_categories(chart, xs, ys, cat, names, colors),
            Layer::HLine { y, color, dashed } => {
                let yy = self.ty(*y);
                draw_ref(chart, vec![(x0, yy), (x1, yy)], *color, *dashed)?;
                Ok(false)
            }
            Layer::VLine { x, color, dashed } => {
                let xx = self.tx(*x);
                draw_ref(chart, vec![(xx, y0), (xx, y1)], *color, *dashed)?;
                Ok(false)
            }
        }
    }
}

/// The chart type every panel draws into.
type Chart<'a, 'b, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_err<E: std::error::Error + Send + Sync>(err: DrawingAreaErrorKind<E>) -> Error {
    Error::Io(format!("drawing: {err}"))
}

/// A solid or dashed polyline; true when it added a legend entry.
fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, '_, DB>,
    pts: Vec<(f64, f64)>,
    label: &Option<String>,
    color: Rgb,
    dashed: bool,
    width: u32,
) -> Result<bool>
where
    DB::ErrorType: 'static,
{
    let style = rgb(color).stroke_width(width);
    let s = if dashed {
        chart
            .draw_series(DashedLineSeries::new(pts, 8, 5, style))
            .map_err(draw_err)?
    } else if width > 1 {
        // plotters strokes wide polylines with miter joins, which throw long spikes at sharp
        // turns of noisy data: draw joint-free segments instead.
        chart
            .draw_series(
                pts.windows(2)
                    .map(|w| PathElement::new(vec![w[0], w[1]], style)),
            )
            .map_err(draw_err)?
    } else {
        chart
            .draw_series(LineSeries::new(pts, style))
            .map_err(draw_err)?
    };
    if let Some(lab) = label {
        let c = rgb(color);
        s.label(lab.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    Ok(label.is_some())
}

/// One box of a box plot at x: quartiles, median, whiskers at 1.5 IQR and outliers.
fn draw_box<DB: DrawingBackend>(
    chart: &mut Chart<'_, '_, DB>,
    x: f64,
    v: &[f64],
    c: RGBColor,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    if v.is_empty() {
        return Ok(());
    }
    let q = |p| crate::numerics::stats::quantile(v, p);
    let (q1, med, q3) = (q(0.25), q(0.5), q(0.75));
    let iqr = q3 - q1;
    let lo = v
        .iter()
        .copied()
        .filter(|&x| x >= q1 - 1.5 * iqr)
        .fold(f64::INFINITY, f64::min);
    let hi = v
        .iter()
        .copied()
        .filter(|&x| x <= q3 + 1.5 * iqr)
        .fold(f64::NEG_INFINITY, f64::max);
    let thin = c.stroke_width(1);
    chart
        .draw_series([Rectangle::new(
            [(x - 0.3, q1), (x + 0.3, q3)],
            c.mix(0.3).filled(),
        )])
        .map_err(draw_err)?;
    chart
        .draw_series([
            PathElement::new(vec![(x - 0.3, med), (x + 0.3, med)], c.stroke_width(2)),
            PathElement::new(vec![(x, q3), (x, hi)], thin),
            PathElement::new(vec![(x, q1), (x, lo)], thin),
            PathElement::new(vec![(x - 0.15, hi), (x + 0.15, hi)], thin),
            PathElement::new(vec![(x - 0.15, lo), (x + 0.15, lo)], thin),
        ])
        .map_err(draw_err)?;
    let out: Vec<(f64, f64)> = v
        .iter()
        .filter(|&&y| y < lo || y > hi)
        .map(|&y| (x, y))
        .collect();
    chart
        .draw_series(out.into_iter().map(move |p| Circle::new(p, 2, c.filled())))
        .map_err(draw_err)?;
    Ok(())
}

/// One filled rectangle per cell of a grid z[iy][ix] on centres xs × ys.
fn grid_cells<T>(
    xs: &[f64],
    ys: &[f64],
    z: &[Vec<T>],
    color: impl Fn(&T) -> RGBColor,
) -> Vec<Rectangle<(f64, f64)>> {
    let (hx, hy) = (half_step(xs), half_step(ys));
    let mut cells = Vec::with_capacity(xs.len() * ys.len());
    for (iy, row) in z.iter().enumerate() {
        for (ix, v) in row.iter().enumerate() {
            cells.push(Rectangle::new(
                [(xs[ix] - hx, ys[iy] - hy), (xs[ix] + hx, ys[iy] + hy)],
                color(v).filled(),
            ));
        }
    }
    cells
}

/// A categorical map with one legend entry per category present.
fn draw_categories<DB: DrawingBackend>(
    chart: &mut Chart<'_, '_, DB>,
    xs: &[f64],
    ys: &[f64],
    cat: &[Vec<usize>],
    names: &[String],
    colors: &[Rgb],
) -> Result<bool>
where
    DB::ErrorType: 'static,
{
    if names.is_empty() || colors.is_empty() {
        return Ok(false);
    }
    let clamp = |k: usize| k.min(names.len() - 1);
    let mut used = vec![false; names.len()];
    cat.iter().flatten().for_each(|&k| used[clamp(k)] = true);
    let cells = grid_cells(xs, ys, cat, |&k| rgb(colors[clamp(k) % colors.len()]));
    chart.draw_series(cells).map_err(draw_err)?;
    let mut any = false;
    for (k, n) in names.iter().enumerate().filter(|(k, _)| used[*k]) {
        any = true;
        let c = rgb(colors[k % colors.len()]);
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
            .map_err(draw_err)?
            .label(n.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    Ok(any)
}

/// A thin reference line through `pts`.
fn draw_ref<DB: DrawingBackend>(
    chart: &mut Chart<'_, '_, DB>,
    pts: Vec<(f64, f64)>,
    color: Rgb,
    dashed: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let st = rgb(color).stroke_width(1);
    if dashed {
        chart
            .draw_series(DashedLineSeries::new(pts, 6, 4, st))
            .map_err(draw_err)?;
    } else {
        chart
            .draw_series(LineSeries::new(pts, st))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// The colour bar of a heat map.
fn draw_colorbar<DB: DrawingBackend>(
    bar: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    label: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut cb = ChartBuilder::on(bar)
        .margin_top(40)
        .margin_bottom(50)
        .margin_right(5)
        .y_label_area_size(50)
        .caption(label, ("sans-serif", 12))
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(draw_err)?;
    cb.configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .label_style(("sans-serif", 12))
        .y_label_formatter(&|v| format_tick(*v))
        .draw()
        .map_err(draw_err)?;
    let n = 100;
    cb.draw_series((0..n).map(|k| {
        let a = lo + (hi - lo) * k as f64 / n as f64;
        let b = lo + (hi - lo) * (k + 1) as f64 / n as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            cmap(k as f64 / (n - 1) as f64).filled(),
        )
    }))
    .map_err(draw_err)?;
    Ok(())
}

fn half_step(v: &[f64]) -> f64 {
    if v.len() > 1 {
        0.5 * (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64
    } else {
        0.5
    }
}

/// Tick label on a log axis at log10 value `v`: the value itself, 3 significant digits.
fn log_tick(v: f64) -> String {
    let x = 10f64.powf(v);
    if (1e-3..1e3).contains(&x) {
        let d = (2 - x.log10().floor() as i32).max(0) as usize;
        let s = format!("{:.*}", d, x);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{x:.2e}")
    }
}

fn format_tick(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_string() }
    }
}

impl Figure {
    /// A figure of one panel.
    pub fn single(p: Plot, size: (u32, u32)) -> Figure {
        Figure {
            panels: vec![p],
            cols: 1,
            title: String::new(),
            size,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = |err: DrawingAreaErrorKind<DB::ErrorType>| Error::Io(format!("drawing: {err}"));
        root.fill(&WHITE).map_err(e)?;
        let area = if self.title.is_empty() {
            root
        } else {
            root.titled(&self.title, ("sans-serif", 22)).map_err(e)?
        };
        let cols = self.cols.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1);
        let areas = area.split_evenly((rows, cols));
        for (p, a) in self.panels.iter().zip(areas.iter()) {
            p.draw(a)?;
        }
        area.present().map_err(e)?;
        Ok(())
    }

    /// Renders to `path`: `.png` (bitmap) or `.svg` (vector), chosen by the extension.
    /// Points that cannot be drawn (NaN/inf, ≤ 0 on a log axis) are reported on stderr as
    /// warnings; a figure with nothing drawable at all is an error, never a blank file.
    pub fn save(&self, path: &Path) -> Result<()> {
        init_fonts();
        let mut any = false;
        let mut msgs = Vec::new();
        for p in &self.panels {
            let (m, a) = p.diagnostics();
            any |= a;
            msgs.extend(m);
        }
        if !any {
            return Err(Error::param(
                "figure",
                path.display(),
                if msgs.is_empty() {
                    "has no data to draw (no series, or only reference lines)".to_string()
                } else {
                    format!("has nothing drawable: {}", msgs.join("; "))
                },
            ));
        }
        for m in msgs {
            eprintln!("warning: {}: {m}", path.display());
        }
        if self.size.0 < 50 || self.size.1 < 50 || self.size.0 > 20000 || self.size.1 > 20000 {
            return Err(Error::param(
                "size",
                format!("{}x{}", self.size.0, self.size.1),
                "width and height must be in 50 ..= 20000 px",
            ));
        }
        let ext = path
            .extension()
            .map(|x| x.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "png" => self.draw(BitMapBackend::new(path, self.size).into_drawing_area()),
            "svg" => self.draw(SVGBackend::new(path, self.size).into_drawing_area()),
            _ => Err(Error::param(
                "path",
                path.display(),
                "must end in .png or .svg",
            )),
        }
    }
}

/// Histogram bars of `values` in `bins` equal bins over `range` (default: data range);
/// `density` normalises the area to 1.
pub fn histogram(
    values: &[f64],
    bins: usize,
    range: Option<(f64, f64)>,
    density: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    if bins == 0 || bins > 100_000 {
        return Err(Error::param("bins", bins, "must be in 1 ..= 100000"));
    }
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let (lo, hi) = match range {
        Some(r) => r,
        None => {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !lo.is_finite() {
                (0.0, 1.0)
            } else if lo == hi {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            }
        }
    };
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::param(
            "range",
            format!("[{lo}, {hi}]"),
            "needs lo < hi",
        ));
    }
    let w = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|k| lo + w * k as f64).collect();
    let mut h = vec![0.0; bins];
    let mut n = 0.0;
    for &x in &v {
        if x >= lo && x <= hi {
            let k = (((x - lo) / w) as usize).min(bins - 1);
            h[k] += 1.0;
            n += 1.0;
        }
    }
    if density && n > 0.0 {
        h.iter_mut().for_each(|c| *c /= n * w);
    }
    Ok((edges, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Figure {
        let x: Vec<f64> = (0..50).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| (v / 5.0).sin()).collect();
        let mut p = Plot {
            title: "demo".into(),
            x_label: "mu (mV/s)".into(),
            y_label: "rate (Hz)".into(),
            ..Default::default()
        };
        p.layers.push(Layer::Line {
            x: x.clone(),
            y: y.clone(),
            label: Some("LIF".into()),
            color: PALETTE[0],
            dashed: false,
            width: 2,
        });
        p.layers.push(Layer::Line {
            x,
            y,
            label: Some("SSN".into()),
            color: PALETTE[1],
            dashed: true,
            width: 2,
        });
        let mut q = Plot::default();
        q.layers.push(Layer::Categories {
            xs: vec![0.0, 1.0, 2.0],
            ys: vec![0.0, 1.0],
            cat: vec![vec![0, 1, 1], vec![2, 2, 0]],
            names: vec!["a".into(), "b".into(), "c".into()],
            colors: PALETTE.to_vec(),
        });
        let mut h = Plot::default();
        h.layers.push(Layer::Heat {
            xs: vec![0.0, 1.0],
            ys: vec![0.0, 1.0],
            z: vec![vec![0.0, 1.0], vec![2.0, 3.0]],
            range: (0.0, 3.0),
            label: "z".into(),
        });
        Figure {
            panels: vec![p, q, h],
            cols: 3,
            title: "t".into(),
            size: (900, 300),
        }
    }

    #[test]
    fn png_and_svg_are_valid_and_not_blank() {
        let d = tempfile::tempdir().unwrap();
        let f = demo();
        let png = d.path().join("a.png");
        f.save(&png).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR width and height.
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((w, h), (900, 300));
        // A figure with nothing to draw is refused, not saved blank.
        let blank = Figure {
            panels: vec![],
            cols: 1,
            title: String::new(),
            size: (900, 300),
        };
        let bp = d.path().join("blank.png");
        assert!(blank.save(&bp).is_err() && !bp.exists());
        // Non-blank: the drawn figure compresses far worse than an empty white canvas of that
        // size (drawn directly with plotters).
        {
            let area = BitMapBackend::new(&bp, (900, 300)).into_drawing_area();
            area.fill(&WHITE).unwrap();
            area.present().unwrap();
        }
        let blank_len = std::fs::metadata(&bp).unwrap().len();
        assert!(
            bytes.len() as u64 > 10 * blank_len,
            "{} vs blank {blank_len}",
            bytes.len()
        );
        let svg = d.path().join("a.svg");
        f.save(&svg).unwrap();
        let s = std::fs::read_to_string(&svg).unwrap();
        assert!(s.starts_with("<svg") && s.contains("width=\"900\"") && s.contains("<text"));
        assert!(s.contains("rate (Hz)") && s.contains("SSN"));
        assert!(f.save(&d.path().join("a.jpg")).is_err());
    }

    #[test]
    fn histogram_counts_and_density() {
        let (e, h) =
            histogram(&[0.0, 0.1, 0.9, 1.0, f64::NAN], 2, Some((0.0, 1.0)), false).unwrap();
        assert_eq!(e, vec![0.0, 0.5, 1.0]);
        assert_eq!(h, vec![2.0, 2.0]);
        let (_, d) = histogram(&[0.0, 0.1, 0.9, 1.0], 2, Some((0.0, 1.0)), true).unwrap();
        assert!((d.iter().sum::<f64>() * 0.5 - 1.0).abs() < 1e-12);
    }
}

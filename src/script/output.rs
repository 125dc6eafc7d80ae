//! Rhai bindings for figures (plot, figure, previews) and files (CSV, JSON, NPY with
//! metadata sidecars).

use super::api::Api;
use super::convert::{
    Opts, RResult, count, describe, err, map_of, num, num_matrix, num_vec, rt_err, to_array,
    to_matrix,
};
use super::spiking::SimResult;
use crate::io::{self, Column};
use crate::io::{CsvOpts, WriteOpts};
use crate::options::{Documented, from_map};
use crate::plot::build::{FigureOpts, HistOpts, PlotOpts, SaveOpts, SeriesOpts, regime_categories};
use crate::plot::{Figure, Layer, PALETTE, Plot, parse_color, preview};
use crate::rate::regime::RegimeMap;
use rhai::{Array, Dynamic, Map};
use serde_json::Value;
use std::path::Path;

fn json_of(v: &Dynamic, func: &str) -> RResult<Value> {
    serde_json::to_value(v).map_err(|e| rt_err(func, format!("cannot convert to JSON: {e}")))
}

fn color_opt(o: &Opts, func: &str, default: (u8, u8, u8)) -> RResult<(u8, u8, u8)> {
    match o.opt_string("color")? {
        Some(s) => parse_color(&s).map_err(err_dyn(func)),
        None => Ok(default),
    }
}

fn err_dyn(func: &str) -> impl Fn(crate::Error) -> Box<rhai::EvalAltResult> + '_ {
    move |e| rt_err(func, e)
}

fn add_series(p: &mut Plot, x: Dynamic, y: Dynamic, m: &Map, points: bool) -> RResult<Plot> {
    let func = if points { "Plot.points" } else { "Plot.line" };
    let o: SeriesOpts = from_map(m, &[]).map_err(|e| rt_err(func, e))?;
    let (x, y) = (num_vec(&x, func, "x")?, num_vec(&y, func, "y")?);
    p.add_series(x, y, &o, points).map_err(err_dyn(func))?;
    Ok(p.clone())
}

pub(super) fn save_fig(fig: &mut Figure, path: &str, m: &Map, func: &str) -> RResult<()> {
    let o: SaveOpts = from_map(m, &[]).map_err(|e| rt_err(func, e))?;
    let (ow, meta) = (o.overwrite, o.meta.clone());
    fig.size = o.size(fig.size).map_err(err_dyn(func))?;
    let p = Path::new(path);
    io::check_writable(p, ow).map_err(err_dyn(func))?;
    fig.save(p).map_err(err_dyn(func))?;
    let kind = p
        .extension()
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default();
    io::write_meta(p, &kind, meta).map_err(err_dyn(func))
}

fn columns_of(
    table: &Map,
    order: Option<Vec<String>>,
    func: &str,
) -> RResult<Vec<(String, Column)>> {
    let names: Vec<String> = match order {
        Some(o) => {
            for n in &o {
                if !table.contains_key(n.as_str()) {
                    return Err(rt_err(
                        func,
                        format!("column {n:?} listed in `columns` is not in the table"),
                    ));
                }
            }
            o
        }
        None => table.keys().map(|k| k.to_string()).collect(),
    };
    names
        .into_iter()
        .map(|n| {
            let v = &table[n.as_str()];
            if !v.is_array() {
                return Err(rt_err(
                    func,
                    format!("column {n:?} must be an array, got {}", describe(v)),
                ));
            }
            let arr = v.clone().cast::<Array>();
            if arr.iter().all(|x| x.is_string()) && !arr.is_empty() {
                Ok((n, Column::Text(arr.iter().map(|x| x.to_string()).collect())))
            } else {
                Ok((n.clone(), Column::Num(num_vec(v, func, &n)?)))
            }
        })
        .collect()
}

/// Registers figures, previews and file I/O.
pub fn register(api: &mut Api) {
    register_part1(api);
    register_part2(api);
    register_part3(api);
    register_part4(api);
}

/// Registration, part 1 of 4.
fn register_part1(api: &mut Api) {
    // ------------------------------------------------------------------ Plot
    api.ty::<Plot>(
        "Plot",
        "One figure panel: add lines (solid or dashed), points, histograms, box plots, heat maps; save as PNG or SVG.\n\n```rhai\nlet x = linspace(0, 50, 51);\nlet p = plot(#{ title: \"F-I\", x_label: \"mu (mV/s)\", y_label: \"rate (Hz)\" });\np.line(x, lif().rate(x, 3), #{ label: \"Phi\" });\np.save(`${tmp_dir()}/fi.png`);\n```",
        |p: &Plot| format!("Plot(\"{}\", {} layers)", p.title, p.layers.len()),
    );
    api.func(
        "plot",
        &[],
        "Plot",
        "An empty panel.\n\n```rhai\nlet p = plot();\n```",
        Plot::default,
    );
    api.func(
        "plot",
        &["opts: map"],
        "Plot",
        &format!("A panel.\n\n{}\n```rhai\nlet p = plot(#{{ title: \"rates\", y_label: \"rate (Hz)\", log_y: true }});\n```", PlotOpts::table()),
        |m: Map| -> RResult<Plot> {
            let o: PlotOpts = from_map(&m, &[]).map_err(|e| rt_err("plot", e))?;
            o.plot().map_err(err_dyn("plot"))
        },
    );
    api.method("Plot", "line", &["x: array", "y: array"], "Plot", "Adds a solid line in the next palette colour (E red, I blue, ...).\n\n```rhai\nlet p = plot(); p.line([0, 1, 2], [0, 1, 4]);\n```", |p: &mut Plot, x: Dynamic, y: Dynamic| add_series(p, x, y, &Map::new(), false));
    api.method("Plot", "line", &["x: array", "y: array", "opts: map"], "Plot", &format!("Adds a line (`size` is for points).\n\n{}\n```rhai\nlet p = plot(); p.line([0, 1], [1, 2], #{{ label: \"SSN\", dashed: true, color: \"E\" }});\n```", SeriesOpts::table()), |p: &mut Plot, x: Dynamic, y: Dynamic, m: Map| add_series(p, x, y, &m, false));
    api.method(
        "Plot",
        "points",
        &["x: array", "y: array"],
        "Plot",
        "Adds points.\n\n```rhai\nlet p = plot(); p.points([0, 1], [1, 2]);\n```",
        |p: &mut Plot, x: Dynamic, y: Dynamic| add_series(p, x, y, &Map::new(), true),
    );
    api.method("Plot", "points", &["x: array", "y: array", "opts: map"], "Plot", &format!("Adds points (`dashed` and `width` are for lines).\n\n{}\n```rhai\nlet p = plot(); p.points([0, 1], [1, 2], #{{ label: \"LIF\", size: 2 }});\n```", SeriesOpts::table()), |p: &mut Plot, x: Dynamic, y: Dynamic, m: Map| add_series(p, x, y, &m, true));
    api.method(
        "Plot",
        "hist",
        &["values: array", "opts: map"],
        "Plot",
        &format!("Adds a histogram.\n\n{}\n```rhai\nlet p = plot(#{{ x_label: \"CV_ISI\" }}); p.hist([0.9, 1.0, 1.1, 1.0], #{{ bins: 10, range: [0, 2] }});\n```", HistOpts::table()),
        |p: &mut Plot, v: Dynamic, m: Map| -> RResult<Plot> {
            const F: &str = "Plot.hist";
            let o: HistOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            p.add_hist(&num_vec(&v, F, "values")?, &o).map_err(err_dyn(F))?;
            Ok(p.clone())
        },
    );
    api.method(
        "Plot",
        "boxplot",
        &["groups: array", "opts: map"],
        "Plot",
        "Adds box plots (quartiles, median, whiskers at 1.5 IQR, outliers) of several groups at x = 0, 1, ... Options: labels (one per group), color.\n\n```rhai\nlet p = plot(#{ y_label: \"balance factor\" }); p.boxplot([[0.3, 0.4, 0.5], [0.0, 0.02, 0.05]], #{ labels: [\"E\", \"I\"] });\n```",
        |p: &mut Plot, g: Dynamic, m: Map| -> RResult<Plot> {
            const F: &str = "Plot.boxplot";
            let o = Opts::new(&m, F, &["labels", "color"])?;
            let arr = g.clone().try_cast::<Array>().ok_or_else(|| rt_err(F, format!("`groups` must be an array of arrays, got {}", describe(&g))))?;
            let groups: Vec<Vec<f64>> = arr.iter().enumerate().map(|(i, v)| num_vec(v, F, &format!("groups[{i}]"))).collect::<RResult<_>>()?;
            if let Some(v) = o.raw("labels") {
                let a = v.clone().try_cast::<Array>().ok_or_else(|| rt_err(F, "`labels` must be an array of strings"))?;
                if a.len() != groups.len() {
                    return Err(rt_err(F, format!("{} labels for {} groups", a.len(), groups.len())));
                }
                p.x_ticks = a.iter().map(|x| x.to_string()).collect();
            }
            let color = color_opt(&o, F, PALETTE[1])?;
            p.layers.push(Layer::Boxes { groups, color });
            Ok(p.clone())
        },
    );
    api.method(
        "Plot",
        "heatmap",
        &["xs: array", "ys: array", "z: array", "opts: map"],
        "Plot",
        "Adds a continuous heat map z[iy][ix] on cell centres xs, ys, with a colour bar. Options: range [lo, hi] (default: data range), label (colour-bar title).\n\n```rhai\nlet p = plot(#{ x_label: \"tau (ms)\", y_label: \"sigma\" }); p.heatmap([1, 2], [1, 2, 3], [[0, 1], [1, 2], [2, 3]], #{ label: \"n\" });\n```",
        |p: &mut Plot, xs: Dynamic, ys: Dynamic, z: Dynamic, m: Map| -> RResult<Plot> {
            const F: &str = "Plot.heatmap";
            let o = Opts::new(&m, F, &["range", "label"])?;
            let xs = num_vec(&xs, F, "xs")?;
            let ys = num_vec(&ys, F, "ys")?;
            let z = num_matrix(&z, F, "z")?;
            if z.len() != ys.len() || z.iter().any(|r| r.len() != xs.len()) {
                return Err(rt_err(F, format!("z must have {} rows (ys) of {} values (xs)", ys.len(), xs.len())));
            }
            let fin = z.iter().flatten().copied().filter(|v| v.is_finite());
            let lo = fin.clone().fold(f64::INFINITY, f64::min);
            let hi = fin.fold(f64::NEG_INFINITY, f64::max);
            let range = match o.opt_vec("range")? {
                Some(r) if r.len() == 2 && r[0] < r[1] => (r[0], r[1]),
                Some(r) => return Err(rt_err(F, format!("`range` must be [lo, hi] with lo < hi, got {r:?}"))),
                None if lo.is_finite() && hi > lo => (lo, hi),
                None if lo.is_finite() => (lo - 0.5, lo + 0.5),
                None => (0.0, 1.0),
            };
            p.layers.push(Layer::Heat { xs, ys, z, range, label: o.string("label", "")? });
            Ok(p.clone())
        },
    );
}

/// Registration, part 2 of 4.
fn register_part2(api: &mut Api) {
    for (name, horizontal) in [("hline", true), ("vline", false)] {
        api.method(
            "Plot",
            name,
            &["value: number", "opts: map"],
            "Plot",
            "Adds a horizontal (hline) or vertical (vline) reference line. Options: color (gray), dashed (true).\n\n```rhai\nlet p = plot(); p.line([0, 1], [0, 1]); p.hline(0.5, #{}); p.vline(0.2, #{ color: \"E\" });\n```",
            move |p: &mut Plot, v: Dynamic, m: Map| -> RResult<Plot> {
                let f = if horizontal { "Plot.hline" } else { "Plot.vline" };
                let o = Opts::new(&m, f, &["color", "dashed"])?;
                let v = num(&v, f, "value")?;
                let color = color_opt(&o, f, PALETTE[7])?;
                let dashed = o.bool("dashed", true)?;
                p.layers.push(if horizontal { Layer::HLine { y: v, color, dashed } } else { Layer::VLine { x: v, color, dashed } });
                Ok(p.clone())
            },
        );
    }
    api.method(
        "Plot",
        "with_title",
        &["title: string"],
        "Plot",
        "Sets the title (returns the plot, for chaining).\n\n```rhai\nlet p = plot().with_title(\"A\");\n```",
        |p: &mut Plot, t: &str| -> Plot {
            p.title = t.to_string();
            p.clone()
        },
    );
    api.method(
        "Plot",
        "with_labels",
        &["x_label: string", "y_label: string"],
        "Plot",
        "Sets the axis labels (with units).\n\n```rhai\nlet p = plot().with_labels(\"mu (mV/s)\", \"rate (Hz)\");\n```",
        |p: &mut Plot, x: &str, y: &str| -> Plot {
            p.x_label = x.to_string();
            p.y_label = y.to_string();
            p.clone()
        },
    );
    api.method("Plot", "save", &["path: string"], "", "Renders to PNG or SVG (by extension), 800x500 px, with a metadata sidecar.\n\n```rhai\nlet p = plot(); p.line([0, 1], [0, 1]); p.save(`${tmp_dir()}/p.svg`);\n```", |p: &mut Plot, path: &str| -> RResult<()> {
        save_fig(&mut Figure::single(p.clone(), (800, 500)), path, &Map::new(), "Plot.save")
    });
    api.method("Plot", "save", &["path: string", "opts: map"], "", &format!("Renders to PNG or SVG (by the extension) with a metadata sidecar.\n\n{}\n```rhai\nlet p = plot(); p.line([0, 1], [0, 1]); p.save(`${{tmp_dir()}}/p.png`, #{{ width: 400, height: 300, meta: #{{ seed: 1 }} }});\n```", SaveOpts::table()), |p: &mut Plot, path: &str, m: Map| -> RResult<()> {
        save_fig(&mut Figure::single(p.clone(), (800, 500)), path, &m, "Plot.save")
    });
    // ------------------------------------------------------------------ Figure
    api.ty::<Figure>("Figure", "Several panels on a grid (multi-panel figures).\n\n```rhai\nlet a = plot(); a.line([0, 1], [0, 1]);\nlet b = plot(); b.points([0, 1], [1, 0]);\nfigure([a, b], #{ cols: 2, title: \"A, B\" }).save(`${tmp_dir()}/ab.png`);\n```", |f: &Figure| format!("Figure({} panels, {} columns)", f.panels.len(), f.cols));
    api.func(
        "figure",
        &["panels: array", "opts: map"],
        "Figure",
        &format!("Arranges Plots on a grid.\n\n{}\n```rhai\nlet a = plot(); a.line([0, 1], [0, 1]);\nlet f = figure([a, a], #{{ cols: 1 }});\n```", FigureOpts::table()),
        |panels: Array, m: Map| -> RResult<Figure> {
            const F: &str = "figure";
            let o: FigureOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let ps: Vec<Plot> = panels
                .iter()
                .enumerate()
                .map(|(i, p)| p.clone().try_cast::<Plot>().ok_or_else(|| rt_err(F, format!("panels[{i}] must be a Plot, got {}", describe(p)))))
                .collect::<RResult<_>>()?;
            if ps.is_empty() {
                return Err(rt_err(F, "needs at least one panel"));
            }
            let cols = o.cols.map_or(ps.len(), |c| c.0 as usize).clamp(1, ps.len());
            let rows = ps.len().div_ceil(cols);
            let size = SaveOpts { width: o.width, height: o.height, ..Default::default() }
                .size(((450 * cols) as u32, (380 * rows) as u32))
                .map_err(err_dyn(F))?;
            Ok(Figure { panels: ps, cols, title: o.title.clone(), size })
        },
    );
    api.method("Figure", "save", &["path: string"], "", "Renders to PNG or SVG (by extension) with a metadata sidecar.\n\n```rhai\nlet a = plot(); a.line([0, 1], [0, 1]);\nfigure([a], #{}).save(`${tmp_dir()}/f.svg`);\n```", |f: &mut Figure, path: &str| save_fig(f, path, &Map::new(), "Figure.save"));
    api.method("Figure", "save", &["path: string", "opts: map"], "", &format!("Renders to PNG or SVG (by the extension) with a metadata sidecar.\n\n{}\n```rhai\nlet a = plot(); a.line([0, 1], [0, 1]);\nfigure([a], #{{}}).save(`${{tmp_dir()}}/f.png`, #{{ overwrite: true }});\n```", SaveOpts::table()), |f: &mut Figure, path: &str, m: Map| save_fig(f, path, &m, "Figure.save"));

    // ------------------------------------------------------------------ result plots
    api.method(
        "RegimeMap",
        "plot",
        &[],
        "Plot",
        "The map as a categorical heat map with a legend of regimes (Fig 5 style).\n\n```rhai\nlet m = paper_network(\"bistable\").to_ssn().regime_map(#{ mu: [0, 15, 31], r: [0, 5, 21] });\nm.plot().save(`${tmp_dir()}/map.png`);\n```",
        |m: &mut RegimeMap| -> Plot { Plot::regime_map(m) },
    );
    api.method(
        "RegimeMap",
        "preview",
        &[],
        "",
        "Prints the map in the terminal, one character per cell.\n\n```rhai\npaper_network(\"bistable\").to_ssn().regime_map(#{ mu: [0, 15, 31], r: [0, 5, 11] }).preview();\n```",
        |m: &mut RegimeMap| {
            let (cat, names) = regime_categories(m);
            let r = |v: &[f64]| (v.first().copied().unwrap_or(0.0), v.last().copied().unwrap_or(0.0));
            print!("{}", preview::char_map(&cat, &names, &m.x_name, &m.y_name, r(&m.xs), r(&m.ys)));
        },
    );
    api.method(
        "SimResult",
        "plot_rates",
        &["smooth: int"],
        "Plot",
        "Population rates over time (moving average over `smooth` bins; 1 = none), E red, I blue.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 300 });\nres.plot_rates(3).save(`${tmp_dir()}/rates.png`);\n```",
        |r: &mut SimResult, k: Dynamic| -> RResult<Plot> {
            let k = count(&k, "SimResult.plot_rates", "smooth")?.max(1);
            let rr = r.inner();
            Ok(Plot::rates("population rates", &rr.bin_times(), &rr.names, &rr.pop_rates(), "Hz", k))
        },
    );
}

/// Registration, part 3 of 4.
fn register_part3(api: &mut Api) {
    api.method(
        "SimResult",
        "plot_raster",
        &[],
        "Plot",
        "Raster of the recorded neurons (run with `record: n`), one colour per population, populations stacked.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 300, transient: 0, record: 50 });\nres.plot_raster().save(`${tmp_dir()}/raster.png`);\n```",
        |r: &mut SimResult| -> Plot {
            let rr = r.inner();
            let npop = rr.names.len();
            let mut xs = vec![Vec::new(); npop];
            let mut ys = vec![Vec::new(); npop];
            let mut offset = vec![0.0; npop];
            for k in 1..npop {
                offset[k] = offset[k - 1] + rr.sizes[k - 1] as f64;
            }
            for &(t, p, id) in &rr.raster {
                xs[p as usize].push(t);
                ys[p as usize].push(offset[p as usize] + id as f64);
            }
            let mut p = Plot { title: "raster".into(), x_label: "time (ms)".into(), y_label: "neuron".into(), ..Default::default() };
            for k in 0..npop {
                p.layers.push(Layer::Points { x: std::mem::take(&mut xs[k]), y: std::mem::take(&mut ys[k]), label: Some(rr.names[k].clone()), color: PALETTE[k % PALETTE.len()], size: 1 });
            }
            p
        },
    );
    api.method(
        "SimResult",
        "to_csv",
        &["path: string"],
        "",
        "Writes the binned population rates: t_ms, then rate_<pop>_hz per population; the sidecar records the run's seed and options.\n\n```rhai\nlet res = lif_network(paper_network(\"fig2\")).run(#{ mu: 19, duration: 200 });\nres.to_csv(`${tmp_dir()}/rates.csv`);\n```",
        |r: &mut SimResult, path: &str| -> RResult<()> {
            const F: &str = "SimResult.to_csv";
            let rr = r.inner();
            let mut cols = vec![("t_ms".to_string(), Column::Num(rr.bin_times()))];
            for (n, y) in rr.names.iter().zip(rr.pop_rates()) {
                cols.push((format!("rate_{n}_hz"), Column::Num(y)));
            }
            io::write_csv(Path::new(path), &cols, false, r.meta()).map_err(err_dyn(F))
        },
    );

    // ------------------------------------------------------------------ previews
    api.func("preview", &["y: array"], "", "Prints a braille plot of y against its index in the terminal.\n\n```rhai\npreview([0, 1, 4, 9, 16]);\n```", |y: Dynamic| -> RResult<()> {
        let y = num_vec(&y, "preview", "y")?;
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
        print!("{}", preview::lines(&[(x, y)], 60, 15).map_err(err("preview"))?);
        Ok(())
    });
    api.func("preview", &["x: array", "y: array"], "", "Prints a braille plot of y(x); y may be an array of series.\n\n```rhai\nlet x = linspace(0, 50, 51);\npreview(x, lif().rate(x, 3));\n```", |x: Dynamic, y: Dynamic| -> RResult<()> {
        let x = num_vec(&x, "preview", "x")?;
        let ys = match num_matrix(&y, "preview", "y") {
            Ok(m) if y.clone().cast::<Array>().first().is_some_and(|v| v.is_array()) => m,
            _ => vec![num_vec(&y, "preview", "y")?],
        };
        let series: Vec<(Vec<f64>, Vec<f64>)> = ys.into_iter().map(|y| (x.clone(), y)).collect();
        print!("{}", preview::lines(&series, 60, 15).map_err(err("preview"))?);
        Ok(())
    });

    // ------------------------------------------------------------------ files
    api.func(
        "write_csv",
        &["path: string", "table: map", "opts: map"],
        "",
        &format!("Writes a table (map of column name -> array, equal lengths; numbers or strings) as CSV with a metadata sidecar. Name columns with units (e.g. mu_mV_per_s, rate_hz).\n\n{}\n```rhai\nwrite_csv(`${{tmp_dir()}}/t.csv`, #{{ t_ms: [0, 1], rate_hz: [2, 3] }}, #{{ columns: [\"t_ms\", \"rate_hz\"] }});\n```", CsvOpts::table()),
        |path: &str, table: Map, m: Map| -> RResult<()> {
            const F: &str = "write_csv";
            let o: CsvOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let (ow, meta) = (o.overwrite, o.meta.clone());
            let cols = columns_of(&table, o.columns, F)?;
            io::write_csv(Path::new(path), &cols, ow, meta).map_err(err_dyn(F))
        },
    );
    api.func(
        "read_csv",
        &["path: string"],
        "map",
        "Reads a CSV with a header: a map of column -> array, e.g. a target trajectory. A column is numeric when every non-blank cell parses as a number (blank cells become NaN), else strings. An empty file, an unnamed or duplicate column name, and a row longer than the header are errors.\n\n```rhai\nlet f = `${tmp_dir()}/r.csv`;\nwrite_csv(f, #{ a: [1, 2] }, #{ overwrite: true });\nprint(read_csv(f).a);\n```",
        |path: &str| -> RResult<Map> {
            let cols = io::read_csv(Path::new(path)).map_err(err("read_csv"))?;
            let mut m = Map::new();
            for (n, c) in cols {
                let v: Dynamic = match c {
                    Column::Num(v) => to_array(&v).into(),
                    Column::Text(v) => v.into_iter().map(Dynamic::from).collect::<Array>().into(),
                };
                m.insert(n.into(), v);
            }
            Ok(m)
        },
    );
    api.func(
        "write_json",
        &["path: string", "value: any", "opts: map"],
        "",
        &format!("Writes any value (maps, arrays, numbers, strings) as pretty JSON with a metadata sidecar.\n\n{}\n```rhai\nwrite_json(`${{tmp_dir()}}/p.json`, #{{ J: [[2, 12], [6, 1]], r: 1 }}, #{{}});\n```", WriteOpts::table()),
        |path: &str, v: Dynamic, m: Map| -> RResult<()> {
            const F: &str = "write_json";
            let o: WriteOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let (ow, meta) = (o.overwrite, o.meta.clone());
            let j = json_of(&v, F)?;
            io::write_json(Path::new(path), &j, ow, meta).map_err(err_dyn(F))
        },
    );
}

/// Registration, part 4 of 4.
fn register_part4(api: &mut Api) {
    api.func(
        "read_json",
        &["path: string"],
        "any",
        "Reads a JSON file into maps, arrays, numbers and strings (e.g. a parameter set).\n\n```rhai\nlet f = `${tmp_dir()}/q.json`;\nwrite_json(f, #{ r: 1.5 }, #{ overwrite: true });\nprint(read_json(f).r);\n```",
        |path: &str| -> RResult<Dynamic> {
            let v = io::read_json(Path::new(path)).map_err(err("read_json"))?;
            rhai::serde::to_dynamic(v).map_err(|e| rt_err("read_json", e))
        },
    );
    api.func(
        "write_npy",
        &["path: string", "data: array", "opts: map"],
        "",
        &format!("Writes an array (1-D) or matrix (array of equal-length arrays) as float64 NPY (numpy.load reads it) with a metadata sidecar.\n\n{}\n```rhai\nwrite_npy(`${{tmp_dir()}}/m.npy`, [[1, 2], [3, 4]], #{{}});\n```", WriteOpts::table()),
        |path: &str, d: Dynamic, m: Map| -> RResult<()> {
            const F: &str = "write_npy";
            let o: WriteOpts = from_map(&m, &[]).map_err(|e| rt_err(F, e))?;
            let (ow, meta) = (o.overwrite, o.meta.clone());
            let is_matrix = d.clone().try_cast::<Array>().is_some_and(|a| a.first().is_some_and(|x| x.is_array()));
            let (shape, data) = if is_matrix {
                let mm = num_matrix(&d, F, "data")?;
                let c = mm.first().map_or(0, |r| r.len());
                (vec![mm.len(), c], mm.into_iter().flatten().collect())
            } else {
                let v = num_vec(&d, F, "data")?;
                (vec![v.len()], v)
            };
            io::write_npy(Path::new(path), &shape, data, ow, meta).map_err(err_dyn(F))
        },
    );
    api.func(
        "read_npy",
        &["path: string"],
        "array",
        "Reads a 1-D or 2-D float64 NPY file (1-D as an array, 2-D as an array of rows).\n\n```rhai\nlet f = `${tmp_dir()}/v.npy`;\nwrite_npy(f, [1, 2, 3], #{ overwrite: true });\nprint(read_npy(f));\n```",
        |path: &str| -> RResult<Array> {
            let (shape, v) = io::read_npy(Path::new(path)).map_err(err("read_npy"))?;
            match shape[..] {
                [c, ..] if shape.len() == 1 => {
                    let _ = c;
                    Ok(to_array(&v))
                }
                [_, c] => Ok(to_matrix(&v.chunks(c.max(1)).map(|x| x.to_vec()).collect::<Vec<_>>())),
                _ => Ok(to_array(&v)),
            }
        },
    );
    let _ = map_of;
}

//! Data out and in: CSV, JSON and NPY files, each with a JSON metadata sidecar
//! (`FILE.meta.json`: ssnlab version, script, arguments, time, user metadata such as seeds and
//! parameters), and the overwrite guard shared with the figures.
//!
//! File policy and the sandbox: see [`sandbox`].
//!
//! Overwrite policy: a file that exists is replaced only if ssnlab wrote it (its sidecar says
//! so) or the caller passes `overwrite = true`; otherwise the write fails with a message that
//! names the file and the option.

pub mod sandbox;

use crate::error::{Error, Result};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static CONTEXT: Mutex<Option<(String, Vec<String>)>> = Mutex::new(None);

/// Records the running script and its arguments for the metadata of every file written.
pub fn set_context(script: &str, args: &[String]) {
    if let Ok(mut c) = CONTEXT.lock() {
        *c = Some((script.to_string(), args.to_vec()));
    }
}

/// Path of the metadata sidecar of `path`.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".meta.json");
    PathBuf::from(s)
}

/// The built-in metadata of a file with the user's `meta` added under "user" (when given).
pub fn merge_meta(mut base: Value, user: &Value) -> Value {
    if !user.is_null()
        && let Value::Object(m) = &mut base
    {
        m.insert("user".into(), user.clone());
    }
    base
}

crate::options! {
    /// Options of the file writers (`write_json`, `write_npy`, `save_npy`).
    pub struct WriteOpts {
        /// replace an existing file that ssnlab did not write
        overwrite: bool = false, "";
        /// anything JSON-serialisable, stored in the FILE.meta.json sidecar (seeds, parameters)
        meta: Value = Value::Null, "";
    }
}

crate::options! {
    /// Options of `write_csv`.
    pub struct CsvOpts {
        /// column order (none: alphabetical)
        columns: Option<Vec<String>> = None, "";
        /// replace an existing file that ssnlab did not write
        overwrite: bool = false, "";
        /// anything JSON-serialisable, stored in the FILE.meta.json sidecar
        meta: Value = Value::Null, "";
    }
}

/// Checks that `path` may be written: its folder exists (it is created if missing) and an
/// existing file is ssnlab's own or `overwrite` is set.
pub fn check_writable(path: &Path, overwrite: bool) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::param("path", "\"\"", "must name a file"));
    }
    sandbox::check_write(path)?;
    if path.is_dir() {
        return Err(Error::Io(format!(
            "cannot write {}: it is a directory",
            path.display()
        )));
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("cannot create folder {}: {e}", dir.display())))?;
    }
    if path.exists() && !overwrite {
        let ours = std::fs::read_to_string(sidecar(path))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .is_some_and(|v| v.get("generator").and_then(|g| g.as_str()) == Some("ssnlab"));
        if !ours {
            return Err(Error::Io(format!(
                "refusing to overwrite {}: it exists and was not written by ssnlab (no {} sidecar); pass overwrite: true to replace it",
                path.display(),
                sidecar(path).display()
            )));
        }
    }
    Ok(())
}

/// Writes the sidecar of `path` with `kind` ("csv", "png", ...) and user metadata.
pub fn write_meta(path: &Path, kind: &str, user: Value) -> Result<()> {
    let (script, args) = CONTEXT
        .lock()
        .ok()
        .and_then(|c| c.clone())
        .unwrap_or_else(|| ("(repl or library)".into(), vec![]));
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let meta = json!({
        "generator": "ssnlab",
        "ssnlab_version": crate::VERSION,
        "file": path.file_name().map(|f| f.to_string_lossy().to_string()),
        "kind": kind,
        "script": script,
        "args": args,
        "created_unix_s": created,
        "meta": user,
    });
    let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(sidecar(path), text)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", sidecar(path).display())))
}

/// A column of a table: numbers or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numeric values.
    Num(Vec<f64>),
    /// Text values.
    Text(Vec<String>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Num(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes named columns as CSV (header row, one row per index) plus the sidecar.
pub fn write_csv(
    path: &Path,
    columns: &[(String, Column)],
    overwrite: bool,
    meta: Value,
) -> Result<()> {
    if columns.is_empty() {
        return Err(Error::param("columns", "[]", "need at least one column"));
    }
    let n = columns[0].1.len();
    for (name, c) in columns {
        if c.len() != n {
            return Err(Error::Shape(format!(
                "column `{name}` has {} rows but `{}` has {n}",
                c.len(),
                columns[0].0
            )));
        }
    }
    check_writable(path, overwrite)?;
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    let io = |e: csv::Error| Error::Io(format!("writing {}: {e}", path.display()));
    w.write_record(columns.iter().map(|(n, _)| n.as_str()))
        .map_err(io)?;
    for i in 0..n {
        let row: Vec<String> = columns
            .iter()
            .map(|(_, c)| match c {
                Column::Num(v) => {
                    let x = v[i];
                    if x.is_nan() {
                        "nan".into()
                    } else {
                        format!("{x}")
                    }
                }
                Column::Text(v) => v[i].clone(),
            })
            .collect();
        w.write_record(&row).map_err(io)?;
    }
    w.flush().map_err(|e| Error::Io(e.to_string()))?;
    write_meta(path, "csv", meta)
}

/// Reads a CSV with a header row. A column is numeric when every non-blank cell parses as a
/// number (including "nan", "inf") and at least one does; its blank cells are NaN. Other
/// columns are text. Column order is kept. An empty file (no header), an empty or duplicate
/// column name, and a row with more cells than the header are errors.
pub fn read_csv(path: &Path) -> Result<Vec<(String, Column)>> {
    sandbox::check_read(path)?;
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    if headers.is_empty() || headers.iter().all(|h| h.is_empty()) {
        return Err(Error::Io(format!(
            "{}: empty file (a CSV needs a header row naming its columns)",
            path.display()
        )));
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(Error::Io(format!(
                "{}: column {} has no name in the header",
                path.display(),
                i + 1
            )));
        }
        if let Some(j) = headers[..i].iter().position(|g| g == h) {
            return Err(Error::Io(format!(
                "{}: duplicate column name {h:?} (columns {} and {})",
                path.display(),
                j + 1,
                i + 1
            )));
        }
    }
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for (k, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::Io(format!("{} row {}: {e}", path.display(), k + 2)))?;
        if rec.len() > headers.len() {
            return Err(Error::Io(format!(
                "{} row {}: {} cells but the header names {} columns",
                path.display(),
                k + 2,
                rec.len(),
                headers.len()
            )));
        }
        for (i, c) in cols.iter_mut().enumerate() {
            c.push(rec.get(i).unwrap_or("").trim().to_string());
        }
    }
    Ok(headers
        .into_iter()
        .zip(cols)
        .map(|(h, c)| {
            let any = c.iter().any(|s| !s.is_empty());
            let nums: Option<Vec<f64>> = c
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Some(f64::NAN)
                    } else {
                        s.parse::<f64>().ok()
                    }
                })
                .collect();
            match nums {
                Some(v) if any => (h, Column::Num(v)),
                _ => (h, Column::Text(c)),
            }
        })
        .collect())
}

/// Writes a JSON value (pretty) plus the sidecar.
pub fn write_json(path: &Path, value: &Value, overwrite: bool, meta: Value) -> Result<()> {
    check_writable(path, overwrite)?;
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(path, text)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    write_meta(path, "json", meta)
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<Value> {
    sandbox::check_read(path)?;
    let s = std::fs::read_to_string(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&s)
        .map_err(|e| Error::Io(format!("{}: invalid JSON: {e}", path.display())))
}

/// Writes a float64 array as NPY plus the sidecar: `shape` is `[n]` (1-D) or `[rows, cols]`
/// (row-major `data`).
pub fn write_npy(
    path: &Path,
    shape: &[usize],
    data: Vec<f64>,
    overwrite: bool,
    meta: Value,
) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    check_writable(path, overwrite)?;
    let f = std::fs::File::create(path)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    let w = std::io::BufWriter::new(f);
    let io = |e: ndarray_npy::WriteNpyError| Error::Io(format!("writing {}: {e}", path.display()));
    match *shape {
        [n] => ndarray::Array1::from_shape_vec(n, data)
            .map_err(|e| Error::Shape(e.to_string()))?
            .write_npy(w)
            .map_err(io)?,
        [r, c] => ndarray::Array2::from_shape_vec((r, c), data)
            .map_err(|e| Error::Shape(e.to_string()))?
            .write_npy(w)
            .map_err(io)?,
        _ => {
            return Err(Error::Shape(format!(
                "NPY shape {shape:?}: 1 or 2 dimensions"
            )));
        }
    }
    write_meta(path, "npy", meta)
}

/// Reads a float64 NPY file of 1 or 2 dimensions: (shape, data row-major).
pub fn read_npy(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    sandbox::check_read(path)?;
    use ndarray_npy::ReadNpyExt;
    let f = || {
        std::fs::File::open(path)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))
    };
    if let Ok(a) = ndarray::Array2::<f64>::read_npy(f()?) {
        let (r, c) = a.dim();
        return Ok((vec![r, c], a.iter().copied().collect()));
    }
    let a = ndarray::Array1::<f64>::read_npy(f()?).map_err(|e| {
        Error::Io(format!(
            "{}: not a 1-D or 2-D float64 NPY array ({e})",
            path.display()
        ))
    })?;
    Ok((vec![a.len()], a.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_and_overwrite_guard() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/t.csv");
        let cols = vec![
            ("t_ms".to_string(), Column::Num(vec![0.0, 0.5, f64::NAN])),
            (
                "label".to_string(),
                Column::Text(vec!["a".into(), "b".into(), "c".into()]),
            ),
        ];
        write_csv(&p, &cols, false, json!({"seed": 3})).unwrap();
        let back = read_csv(&p).unwrap();
        assert_eq!(back[0].0, "t_ms");
        match &back[0].1 {
            Column::Num(v) => assert!(v[0] == 0.0 && v[1] == 0.5 && v[2].is_nan()),
            _ => panic!("numeric column expected"),
        }
        assert_eq!(back[1].1, cols[1].1);
        let meta = read_json(&sidecar(&p)).unwrap();
        assert_eq!(meta["meta"]["seed"], 3);
        assert_eq!(meta["generator"], "ssnlab");
        // ssnlab's own file may be replaced; a foreign one may not, unless asked.
        write_csv(&p, &cols, false, Value::Null).unwrap();
        let foreign = d.path().join("mine.csv");
        std::fs::write(&foreign, "x\n1\n").unwrap();
        let e = write_csv(&foreign, &cols, false, Value::Null).unwrap_err();
        assert!(e.to_string().contains("overwrite: true"), "{e}");
        write_csv(&foreign, &cols, true, Value::Null).unwrap();
    }

    #[test]
    fn npy_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.npy");
        write_npy(
            &p,
            &[2, 3],
            vec![1., 2., 3., 4., 5., 6.],
            false,
            Value::Null,
        )
        .unwrap();
        let (shape, v) = read_npy(&p).unwrap();
        assert_eq!(shape, vec![2, 3]);
        assert_eq!(v, vec![1., 2., 3., 4., 5., 6.]);
        let q = d.path().join("b.npy");
        write_npy(&q, &[3], vec![1., 2., 3.], false, Value::Null).unwrap();
        assert_eq!(read_npy(&q).unwrap(), (vec![3], vec![1., 2., 3.]));
    }
}

/// Finds `name` (relative to a data folder) in `$SSNLAB_DATA`, `./data`, the folders above the
/// executable, or the source tree the binary was built from.
pub fn find_reference_data(name: &str) -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let rel = std::path::Path::new(name);
    if rel.is_absolute() || name.split(['/', '\\']).any(|c| c == "..") {
        return None;
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(d) = std::env::var("SSNLAB_DATA") {
        roots.push(PathBuf::from(d));
    }
    roots.push(PathBuf::from("data"));
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).take(4).map(|a| a.join("data")));
    }
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"));
    roots.into_iter().map(|r| r.join(rel)).find(|p| p.is_file())
}

/// Formats `x` with `digits` significant digits, %g style.
pub fn fmt_sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".into();
    }
    let e = x.abs().log10().floor() as i32;
    if !(-5..=15).contains(&e) {
        let s = format!("{:.*e}", digits.saturating_sub(1), x);
        // trim zeros in the mantissa: 1.500e3 -> 1.5e3
        if let Some((m, ex)) = s.split_once('e') {
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            return format!("{m}e{ex}");
        }
        return s;
    }
    let decimals = digits as i32 - 1 - e;
    if decimals < 0 {
        let q = 10f64.powi(-decimals);
        return format!("{:.0}", (x / q).round() * q);
    }
    let decimals = decimals as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod fmt_tests {
    use super::fmt_sig;

    #[test]
    fn significant_digits() {
        assert_eq!(fmt_sig(3.5499999999999954, 4), "3.55");
        assert_eq!(fmt_sig(10.935650802945322, 4), "10.94");
        assert_eq!(fmt_sig(0.0, 3), "0");
        assert_eq!(fmt_sig(-2.0, 3), "-2");
        assert_eq!(fmt_sig(1234567.0, 3), "1230000");
        assert_eq!(fmt_sig(1.0e-120, 3), "1e-120");
        assert_eq!(fmt_sig(2.5e20, 3), "2.5e20");
        assert_eq!(fmt_sig(0.000123456, 3), "0.000123");
    }
}

//! Conversions between Rhai values and Rust numbers, and the checked options-map reader.
//!
//! Every numeric parameter of the script API accepts both integers and floats; arrays accept
//! any mix. Errors name the function, the parameter, the bad value and what is allowed.

use crate::error::Error;
use rhai::{Array, Dynamic, EvalAltResult, FLOAT, Map, Position};

/// Result type of registered functions.
pub type RResult<T> = std::result::Result<T, Box<EvalAltResult>>;

/// A runtime error with the message prefixed by the function name (`lif: ...`).
pub fn rt_err(func: &str, msg: impl std::fmt::Display) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        format!("{func}: {msg}").into(),
        Position::NONE,
    ))
}

/// Adapter for `map_err`: turns a domain [`Error`] into a runtime error naming `func`.
pub fn err(func: &'static str) -> impl Fn(Error) -> Box<EvalAltResult> {
    move |e| rt_err(func, e)
}

/// Describes a Rhai value for error messages (`"abc" (string)`).
pub fn describe(v: &Dynamic) -> String {
    if v.is_string() {
        format!("{v:?} (string)")
    } else if v.is_unit() {
        "() (nothing)".into()
    } else {
        format!("{v} ({})", v.type_name())
    }
}

/// Reads a number (INT or FLOAT) from a Dynamic.
pub fn num(v: &Dynamic, func: &str, param: &str) -> RResult<f64> {
    if let Ok(x) = v.as_float() {
        Ok(x)
    } else if let Ok(i) = v.as_int() {
        Ok(i as f64)
    } else {
        Err(rt_err(
            func,
            Error::param(param, describe(v), "must be a number (integer or float)"),
        ))
    }
}

/// Reads a finite number (NaN and ±inf are errors naming the parameter).
pub fn fnum(v: &Dynamic, func: &str, param: &str) -> RResult<f64> {
    let x = num(v, func, param)?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(rt_err(
            func,
            Error::param(param, x, "must be a finite number"),
        ))
    }
}

/// Reads a non-negative integer (a count or an index). Floats with integral values are accepted.
pub fn count(v: &Dynamic, func: &str, param: &str) -> RResult<usize> {
    let bad = || {
        rt_err(
            func,
            Error::param(param, describe(v), "must be a whole number >= 0"),
        )
    };
    if let Ok(i) = v.as_int() {
        return usize::try_from(i).map_err(|_| bad());
    }
    if let Ok(x) = v.as_float()
        && x >= 0.0
        && x.fract() == 0.0
        && x < 9.0e15
    {
        return Ok(x as usize);
    }
    Err(bad())
}

/// Reads an array of numbers.
pub fn num_vec(v: &Dynamic, func: &str, param: &str) -> RResult<Vec<f64>> {
    if v.is_array() {
        let arr = v
            .read_lock::<Array>()
            .ok_or_else(|| rt_err(func, "array is locked"))?;
        arr.iter()
            .enumerate()
            .map(|(i, x)| num(x, func, &format!("{param}[{i}]")))
            .collect()
    } else {
        Err(rt_err(
            func,
            Error::param(param, describe(v), "must be an array of numbers"),
        ))
    }
}

/// Reads an array of arrays of numbers (a matrix, row-major).
pub fn num_matrix(v: &Dynamic, func: &str, param: &str) -> RResult<Vec<Vec<f64>>> {
    if !v.is_array() {
        return Err(rt_err(
            func,
            Error::param(
                param,
                describe(v),
                "must be an array of rows, e.g. [[1.0, 2.0], [3.0, 4.0]]",
            ),
        ));
    }
    let arr = v
        .read_lock::<Array>()
        .ok_or_else(|| rt_err(func, "array is locked"))?;
    let rows: Vec<Vec<f64>> = arr
        .iter()
        .enumerate()
        .map(|(i, r)| num_vec(r, func, &format!("{param}[{i}]")))
        .collect::<RResult<_>>()?;
    if let Some(first) = rows.first() {
        let n = first.len();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != n) {
            return Err(rt_err(
                func,
                Error::param(
                    &format!("{param}[{i}]"),
                    format!("a row of length {}", r.len()),
                    format!("all rows must have the same length ({n})"),
                ),
            ));
        }
    }
    Ok(rows)
}

/// A number or an array of numbers: the argument of vectorised functions.
pub enum NumOrVec {
    /// A single number.
    One(f64),
    /// An array.
    Many(Vec<f64>),
}

impl NumOrVec {
    /// Reads a number or an array.
    pub fn read(v: &Dynamic, func: &str, param: &str) -> RResult<Self> {
        if v.is_array() {
            Ok(NumOrVec::Many(num_vec(v, func, param)?))
        } else {
            Ok(NumOrVec::One(num(v, func, param)?))
        }
    }
    /// Applies `f` elementwise, returning a number or an array of the same shape.
    pub fn map(&self, mut f: impl FnMut(f64) -> RResult<f64>) -> RResult<Dynamic> {
        match self {
            NumOrVec::One(x) => Ok(Dynamic::from_float(f(*x)?)),
            NumOrVec::Many(xs) => {
                let out: Vec<f64> = xs.iter().map(|&x| f(x)).collect::<RResult<_>>()?;
                Ok(to_array(&out).into())
            }
        }
    }
}

/// A Rhai array of floats.
pub fn to_array(xs: &[f64]) -> Array {
    xs.iter()
        .map(|&x| Dynamic::from_float(x as FLOAT))
        .collect()
}

/// A Rhai array of arrays of floats.
pub fn to_matrix(rows: &[Vec<f64>]) -> Array {
    rows.iter()
        .map(|r| Dynamic::from_array(to_array(r)))
        .collect()
}

/// Builds a Rhai map from `(key, value)` pairs.
/// A serialisable domain value (a struct of numbers, flags, strings and arrays) as a Rhai map
/// with the struct's field names as keys.
pub fn to_map<T: serde::Serialize>(v: &T) -> Map {
    rhai::serde::to_dynamic(v)
        .ok()
        .and_then(|d| d.try_cast::<Map>())
        .unwrap_or_default()
}

pub fn map_of(pairs: Vec<(&str, Dynamic)>) -> Map {
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

use crate::options::RENAMED;

/// Reads an options map, rejecting unknown keys with the list of valid ones.
pub struct Opts<'a> {
    map: &'a Map,
    func: &'a str,
}

impl<'a> Opts<'a> {
    /// Checks that every key of `map` is in `allowed`.
    pub fn new(map: &'a Map, func: &'a str, allowed: &[&str]) -> RResult<Self> {
        for k in map.keys() {
            if let Some((old, new)) = RENAMED.iter().find(|(old, _)| *old == k.as_str())
                && allowed.contains(new)
                && !allowed.contains(old)
            {
                return Err(rt_err(
                    func,
                    format!("option `{k}` was renamed `{new}` (see docs/api.md)"),
                ));
            }
            if !allowed.contains(&k.as_str()) {
                let mut valid: Vec<&str> = allowed.to_vec();
                valid.sort_unstable();
                let hint = match crate::docs::closest(k, valid.iter().copied()).first() {
                    Some(c) => format!(" (did you mean `{c}`?)"),
                    None => String::new(),
                };
                return Err(rt_err(
                    func,
                    format!(
                        "unknown option `{k}`{hint}; valid options are: {}",
                        valid.join(", ")
                    ),
                ));
            }
        }
        Ok(Opts { map, func })
    }
    /// The whole map.
    pub fn map(&self) -> &Map {
        self.map
    }
    /// The raw value of a key.
    pub fn raw(&self, key: &str) -> Option<&Dynamic> {
        self.map.get(key)
    }
    /// An optional number.
    pub fn opt_f64(&self, key: &str) -> RResult<Option<f64>> {
        self.map
            .get(key)
            .map(|v| num(v, self.func, key))
            .transpose()
    }
    /// A number with a default.
    pub fn f64(&self, key: &str, default: f64) -> RResult<f64> {
        Ok(self.opt_f64(key)?.unwrap_or(default))
    }
    /// A boolean with a default.
    pub fn bool(&self, key: &str, default: bool) -> RResult<bool> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().map_err(|_| {
                rt_err(
                    self.func,
                    Error::param(key, describe(v), "must be true or false"),
                )
            }),
        }
    }
    /// An optional string.
    pub fn opt_string(&self, key: &str) -> RResult<Option<String>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) if v.is_string() => Ok(Some(v.to_string())),
            Some(v) => Err(rt_err(
                self.func,
                Error::param(key, describe(v), "must be a string"),
            )),
        }
    }
    /// A string with a default.
    pub fn string(&self, key: &str, default: &str) -> RResult<String> {
        Ok(self.opt_string(key)?.unwrap_or_else(|| default.to_string()))
    }
    /// An optional array of numbers.
    pub fn opt_vec(&self, key: &str) -> RResult<Option<Vec<f64>>> {
        self.map
            .get(key)
            .map(|v| num_vec(v, self.func, key))
            .transpose()
    }
}

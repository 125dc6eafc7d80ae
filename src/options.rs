//! Options as data: each domain declares its option structs once with [`options!`] (key,
//! type, default, unit and a one-line doc per option). The struct is `Default` + serde
//! `Deserialize` with unknown fields denied; the script layer converts a Rhai map with
//! `rhai::serde` (see [`from_map`]), and `help` / `ssnlab doc` print the option table generated
//! from the same declaration ([`Documented::table`]), never a hand-kept list.
//!
//! Numbers are [`Num`] (an integer or a float) and counts and seeds are [`Count`] (a whole
//! number ≥ 0, written as an integer or an integral float), so `duration: 100` and
//! `seed: 2.0` both work. Range checks belong to the domain that uses the value.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A number option: accepts integers and floats.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Num(pub f64);

/// A whole-number option ≥ 0 (counts, seeds): accepts integers and integral floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Count(pub u64);

struct NumVisitor;
impl Visitor<'_> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number (integer or float)")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
}
impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

struct CountVisitor;
impl Visitor<'_> for CountVisitor {
    type Value = Count;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number >= 0")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
        if v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
            Ok(Count(v as u64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
        u64::try_from(v)
            .map(Count)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
        Ok(Count(v))
    }
}
impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        d.deserialize_any(CountVisitor)
    }
}

/// One documented option.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionDoc {
    /// Key as written in a script.
    pub key: &'static str,
    /// Unit ("" when none).
    pub unit: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// The default, as printed.
    pub default: String,
}

/// Option structs declared with [`options!`].
pub trait Documented: Default + Serialize {
    /// Every option in declaration order.
    fn fields() -> Vec<OptionDoc>;

    /// The option table printed by `help` and `ssnlab doc`.
    fn table() -> String {
        let mut s = String::from("Options:\n");
        for r in Self::fields() {
            let unit = if r.unit.is_empty() {
                String::new()
            } else {
                format!("{}, ", r.unit)
            };
            s.push_str(&format!(
                "  {} ({unit}default {}): {}\n",
                r.key, r.default, r.doc
            ));
        }
        s
    }
}

/// How a default value is printed: numbers as written, `none` for absent, strings quoted.
pub fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "none".into(),
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Declares an option struct: `key: Type = default, "unit";` with a `///` doc line each. See
/// the module doc.
#[macro_export]
macro_rules! options {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $field:ident : $ty:ty = $default:expr , $unit:literal ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields, default)]
        #[allow(non_snake_case)]
        $vis struct $name {
            $(
                $(#[doc = $doc])+
                pub $field: $ty,
            )*
        }
        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }
        impl $crate::options::Documented for $name {
            fn fields() -> Vec<$crate::options::OptionDoc> {
                let json = serde_json::to_value(Self::default()).unwrap_or_default();
                vec![$({
                    let key = stringify!($field).trim_start_matches("r#");
                    $crate::options::OptionDoc {
                        key,
                        unit: $unit,
                        doc: concat!($($doc),+).trim_ascii(),
                        default: $crate::options::show(&json[key]),
                    }
                },)*]
            }
        }
    };
}

/// Option keys renamed for one vocabulary across domains (old, new): an old key gets a message
/// naming the new one (docs/api.md has the table).
pub const RENAMED: &[(&str, &str)] = &[("graph_seed", "conn_seed"), ("r", "rates")];

/// Converts a Rhai map into an option struct. Errors name the option, its value and what is
/// allowed; an unknown key lists the valid ones. `extra` are further keys the caller reads
/// itself (polymorphic drives and the like); they are removed before the conversion.
pub fn from_map<T>(map: &rhai::Map, extra: &[&str]) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + Documented,
{
    let rest: rhai::Map = map
        .iter()
        .filter(|(k, _)| !extra.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let dynamic = rhai::Dynamic::from_map(rest.clone());
    let de = rhai::serde::DynamicDeserializer::new(&dynamic);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let inner = clean(inner.trim_start_matches("Syntax error: "));
        if path.contains('.') || path.contains('[') {
            // A nested option (an entry of `populations`, `connections`, ...): serde's message
            // already lists the valid keys of that entry.
            return format!("option `{path}` is invalid: {inner}");
        }
        let mut keys: Vec<&str> = T::fields().iter().map(|f| f.key).collect();
        keys.extend(extra.iter().copied());
        keys.sort_unstable();
        if inner.contains("unknown field") {
            let bad = inner.split('`').nth(1).unwrap_or("?");
            if let Some((_, new)) = RENAMED
                .iter()
                .find(|(old, new)| *old == bad && keys.contains(new))
            {
                return format!("option `{bad}` was renamed `{new}` (see docs/api.md)");
            }
            let hint = match crate::docs::closest(bad, keys.iter().copied()).first() {
                Some(k) => format!(" (did you mean `{k}`?)"),
                None => String::new(),
            };
            format!(
                "unknown option `{bad}`{hint}; valid options are: {}",
                keys.join(", ")
            )
        } else {
            let key = path.split('.').next().unwrap_or("");
            let value = rest.get(key).map(|v| format!("{v:?}")).unwrap_or_default();
            format!("option `{path}` = {value} is invalid: {}", clean(&inner))
        }
    })
}

fn clean(msg: &str) -> String {
    // serde's "invalid type: string \"x\", expected a number" reads well once the position
    // suffix rhai adds is gone.
    msg.split(" (line ").next().unwrap_or(msg).to_string()
}

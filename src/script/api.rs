//! Registration helper and the documentation registry behind `help`, `ssnlab doc` and REPL
//! completion.
//!
//! Every function, method, property and type that ssnlab exposes to Rhai is registered
//! through [`Api`], which records a [`DocEntry`] (signature, doc comment, examples) beside the
//! Rhai registration, so documentation cannot drift from what is callable.

use rhai::{Engine, FuncRegistration, RhaiNativeFunc};

/// What Rhai accepts as a value type (its `Variant` bound, which is not public).
pub trait Value: std::any::Any + Clone + Send + Sync + 'static {}
impl<T: std::any::Any + Clone + Send + Sync + 'static> Value for T {}
use std::fmt::Write as _;

/// What a documentation entry describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocKind {
    /// A conceptual topic (units, conventions, ...).
    Topic,
    /// A registered custom type.
    Type,
    /// A free function.
    Function,
    /// A method of a type (`x.f(...)`, also callable as `f(x, ...)`).
    Method,
    /// A read-only property of a type (`x.name`).
    Property,
    /// An importable stdlib module.
    Module,
}

impl DocKind {
    fn label(self) -> &'static str {
        match self {
            DocKind::Topic => "topic",
            DocKind::Type => "type",
            DocKind::Function => "function",
            DocKind::Method => "method",
            DocKind::Property => "property",
            DocKind::Module => "module",
        }
    }
}

/// One documented item.
#[derive(Debug, Clone)]
pub struct DocEntry {
    /// Name as called from Rhai (`rate`, `lif`, `units`).
    pub name: String,
    /// Kind of item.
    pub kind: DocKind,
    /// Owning type for methods and properties.
    pub owner: Option<String>,
    /// Human-readable signature, e.g. `Lif.rate(mu: number|array, sigma: number) -> float|array`.
    pub signature: String,
    /// Markdown doc text: first paragraph is the summary; ```rhai blocks are examples.
    pub doc: String,
}

impl DocEntry {
    /// The first line of the doc text.
    pub fn summary(&self) -> &str {
        self.doc.lines().next().unwrap_or("").trim()
    }
    /// The ```rhai example blocks of the doc text.
    pub fn examples(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur: Option<String> = None;
        for line in self.doc.lines() {
            let t = line.trim_start();
            match cur.as_mut() {
                None if t.starts_with("```rhai") => cur = Some(String::new()),
                Some(_) if t.starts_with("```") => out.push(cur.take().unwrap_or_default()),
                Some(buf) => {
                    buf.push_str(line);
                    buf.push('\n');
                }
                None => {}
            }
        }
        out
    }
}

/// All documentation entries of an engine.
#[derive(Debug, Default, Clone)]
pub struct Docs {
    entries: Vec<DocEntry>,
}

impl Docs {
    /// Every entry, in registration order.
    pub fn entries(&self) -> &[DocEntry] {
        &self.entries
    }

    /// Adds an entry.
    pub fn push(&mut self, e: DocEntry) {
        self.entries.push(e);
    }

    /// Entries matching `query`: a name (`rate`), a qualified method (`Lif.rate`) or a type.
    pub fn lookup(&self, query: &str) -> Vec<&DocEntry> {
        let q = query.trim().trim_end_matches("()");
        let (owner, name) = match q.split_once('.') {
            Some((o, n)) => (Some(o), n),
            None => (None, q),
        };
        let mut hits: Vec<&DocEntry> = self
            .entries
            .iter()
            .filter(|e| {
                e.name == name
                    && match owner {
                        Some(o) => e.owner.as_deref() == Some(o),
                        None => true,
                    }
            })
            .collect();
        hits.sort_by_key(|e| e.kind);
        hits
    }

    /// Methods and properties of a type.
    pub fn members(&self, ty: &str) -> Vec<&DocEntry> {
        self.entries
            .iter()
            .filter(|e| e.owner.as_deref() == Some(ty))
            .collect()
    }

    /// Full documentation of `query`, or `None` if nothing matches.
    pub fn render(&self, query: &str) -> Option<String> {
        let hits = self.lookup(query);
        if hits.is_empty() {
            return None;
        }
        let mut s = String::new();
        for (i, e) in hits.iter().enumerate() {
            if i > 0 {
                s.push_str("\n----\n\n");
            }
            let _ = writeln!(s, "{}  [{}]", e.signature, e.kind.label());
            s.push('\n');
            for line in e.doc.trim_end().lines() {
                let _ = writeln!(s, "    {line}");
            }
            if e.kind == DocKind::Type {
                let members = self.members(&e.name);
                if !members.is_empty() {
                    s.push_str("\n    Members:\n");
                    for m in members {
                        let _ = writeln!(s, "      {:<52} {}", m.signature, m.summary());
                    }
                }
            }
        }
        Some(s)
    }

    /// Index of everything, grouped by kind, one line per item.
    pub fn render_index(&self) -> String {
        let mut s = String::new();
        let groups = [
            (DocKind::Topic, "Topics (ssnlab doc NAME)"),
            (DocKind::Module, "Stdlib modules (import \"NAME\" as NAME;)"),
            (DocKind::Function, "Functions"),
            (
                DocKind::Type,
                "Types (methods and properties listed under each)",
            ),
        ];
        for (kind, title) in groups {
            let mut items: Vec<&DocEntry> =
                self.entries.iter().filter(|e| e.kind == kind).collect();
            if items.is_empty() {
                continue;
            }
            items.sort_by(|a, b| a.name.cmp(&b.name));
            let _ = writeln!(s, "{title}:");
            for e in items {
                let _ = writeln!(s, "  {:<56} {}", e.signature, e.summary());
                if kind == DocKind::Type {
                    for m in self.members(&e.name) {
                        let _ = writeln!(s, "      {:<52} {}", m.signature, m.summary());
                    }
                }
            }
            s.push('\n');
        }
        s
    }

    /// Names to offer for tab completion (functions, methods, properties, types, modules).
    pub fn completion_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.kind != DocKind::Topic)
            .map(|e| e.name.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Registers functions into an [`Engine`] and records their documentation.
pub struct Api<'a> {
    /// The engine being built.
    pub engine: &'a mut Engine,
    /// The documentation being collected.
    pub docs: &'a mut Docs,
}

fn fmt_params(params: &[&str]) -> String {
    params.join(", ")
}

fn fmt_ret(ret: &str) -> String {
    if ret.is_empty() {
        String::new()
    } else {
        format!(" -> {ret}")
    }
}

impl<'a> Api<'a> {
    /// Wraps an engine and a doc registry.
    pub fn new(engine: &'a mut Engine, docs: &'a mut Docs) -> Self {
        Api { engine, docs }
    }

    /// Documents a topic (no code).
    pub fn topic(&mut self, name: &str, doc: &str) {
        self.docs.push(DocEntry {
            name: name.into(),
            kind: DocKind::Topic,
            owner: None,
            signature: name.into(),
            doc: doc.into(),
        });
    }

    /// Documents an embedded stdlib module.
    pub fn module_doc(&mut self, name: &str, doc: &str) {
        self.docs.push(DocEntry {
            name: name.into(),
            kind: DocKind::Module,
            owner: None,
            signature: format!("import \"{name}\""),
            doc: doc.into(),
        });
    }

    /// Registers a custom type under a Rhai name, with a doc and a display function used by
    /// `print`, string interpolation and the REPL.
    pub fn ty<T: Value>(&mut self, name: &str, doc: &str, display: fn(&T) -> String) {
        self.engine.register_type_with_name::<T>(name);
        self.engine
            .register_fn("to_string", move |x: &mut T| display(x));
        self.engine
            .register_fn("to_debug", move |x: &mut T| display(x));
        self.docs.push(DocEntry {
            name: name.into(),
            kind: DocKind::Type,
            owner: None,
            signature: name.into(),
            doc: doc.into(),
        });
    }

    /// Registers a free function. `params` are `"name: type"` strings for the docs.
    pub fn func<A: 'static, const N: usize, const X: bool, R: Value, const F: bool>(
        &mut self,
        name: &str,
        params: &[&str],
        ret: &str,
        doc: &str,
        f: impl RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    ) {
        let mut info: Vec<String> = params.iter().map(|s| s.to_string()).collect();
        info.push(ret.to_string());
        FuncRegistration::new(name)
            .with_params_info(info)
            .with_comments([format!("/// {}", doc.lines().next().unwrap_or(""))])
            .register_into_engine(self.engine, f);
        self.docs.push(DocEntry {
            name: name.into(),
            kind: DocKind::Function,
            owner: None,
            signature: format!("{name}({}){}", fmt_params(params), fmt_ret(ret)),
            doc: doc.into(),
        });
    }

    /// Registers a method of `owner` (the Rust function's first parameter is `&mut Owner`).
    /// `params` excludes the receiver.
    pub fn method<A: 'static, const N: usize, const X: bool, R: Value, const F: bool>(
        &mut self,
        owner: &str,
        name: &str,
        params: &[&str],
        ret: &str,
        doc: &str,
        f: impl RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
    ) {
        let mut info: Vec<String> = vec![format!("self: {owner}")];
        info.extend(params.iter().map(|s| s.to_string()));
        info.push(ret.to_string());
        FuncRegistration::new(name)
            .with_params_info(info)
            .with_comments([format!("/// {}", doc.lines().next().unwrap_or(""))])
            .register_into_engine(self.engine, f);
        self.push_member(
            owner,
            name,
            DocKind::Method,
            format!("{owner}.{name}({}){}", fmt_params(params), fmt_ret(ret)),
            doc,
        );
    }

    /// Registers a read-only property `x.name` of a type.
    pub fn get<T: Value, R: Value>(
        &mut self,
        owner: &str,
        name: &str,
        ret: &str,
        doc: &str,
        f: impl Fn(&mut T) -> R + Send + Sync + 'static,
    ) {
        self.engine.register_get(name, f);
        self.push_member(
            owner,
            name,
            DocKind::Property,
            format!("{owner}.{name}: {ret}"),
            doc,
        );
    }

    /// Records a member doc without registering code (for members registered by hand).
    pub fn push_member(
        &mut self,
        owner: &str,
        name: &str,
        kind: DocKind,
        signature: String,
        doc: &str,
    ) {
        // Overloads of the same method are documented once per distinct signature.
        if self.docs.entries.iter().any(|e| e.signature == signature) {
            return;
        }
        self.docs.push(DocEntry {
            name: name.into(),
            kind,
            owner: Some(owner.into()),
            signature,
            doc: doc.into(),
        });
    }
}

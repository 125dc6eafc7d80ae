//! The documentation registry behind `help`, `ssnlab doc`, REPL completion and the notebook
//! kernel's inspection: one [`DocEntry`] per topic, module, function, method, property and
//! type, recorded by the script layer as it registers each item (so documentation cannot
//! drift from what is callable).

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

//! The documentation registry behind `help`, `ssnlab doc`, REPL completion and the notebook
//! kernel's inspection: one [`DocEntry`] per topic, module, function, method, property and
//! type, recorded by the script layer as it registers each item (so documentation cannot
//! drift from what is callable).

use std::fmt::Write as _;

/// The width to wrap documentation to: the terminal's, else `COLUMNS`, else 100 (between 40
/// and 160).
pub fn term_width() -> usize {
    let w = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        textwrap::termwidth()
    } else {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100)
    };
    w.clamp(40, 160)
}

/// Wraps documentation text to `width` columns: prose lines are filled keeping their
/// indentation (continuation lines of an `  item: text` list entry hang under the text); code
/// blocks (between ``` fences) and table rows are left as they are.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    let mut code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            code = !code;
        }
        if code || line.chars().count() <= width || line.trim_start().starts_with('|') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        // Hang continuation lines under the text of "  key (unit, default x): text" entries and
        // signature tables ("  name(args) -> T      summary").
        let hang = match line.trim_start().find(": ") {
            Some(i) if i < 48 && line.trim_start().starts_with(|c: char| c.is_alphanumeric()) => {
                format!("{indent}    ")
            }
            _ => indent.clone(),
        };
        let opts = textwrap::Options::new(width)
            .initial_indent(&indent)
            .subsequent_indent(&hang)
            .break_words(false);
        out.push_str(&textwrap::fill(line.trim_start(), opts));
        out.push('\n');
    }
    out
}

/// Prints long text through a pager (`$PAGER`, else `less -FRX`) when stdout is a terminal,
/// like git; otherwise, or if no pager starts, prints it directly.
pub fn page(text: &str) {
    use std::io::{IsTerminal, Write};
    if std::io::stdout().is_terminal() && text.lines().count() > 40 {
        let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -FRX".into());
        let mut parts = pager.split_whitespace();
        if let Some(cmd) = parts.next()
            && let Ok(mut child) = std::process::Command::new(cmd)
                .args(parts)
                .stdin(std::process::Stdio::piped())
                .spawn()
        {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = child.wait();
            return;
        }
    }
    print!("{text}");
}

/// The candidates closest to `word`: edit distance at most 2 (1 for words of 4 characters or
/// fewer), or the same 4-character-or-longer prefix; best first, at most 5.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let w = word.to_lowercase();
    let limit = if w.chars().count() <= 4 { 1 } else { 2 };
    let mut hits: Vec<(usize, &str)> = candidates
        .filter(|c| *c != word)
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(&w, &c.to_lowercase());
            let prefix = w.len() >= 4 && c.to_lowercase().starts_with(&w);
            (d <= limit || prefix).then_some((if prefix { d.min(limit) } else { d }, c))
        })
        .collect();
    hits.sort();
    hits.dedup();
    hits.into_iter()
        .take(5)
        .map(|(_, c)| c.to_string())
        .collect()
}

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
        if let Some((module, name)) = q.split_once("::") {
            let prefix = format!("{module}::{name}(");
            return self
                .entries
                .iter()
                .filter(|e| e.name == name && e.signature.starts_with(&prefix))
                .collect();
        }
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

    /// Every entry whose name, signature or text mentions `word` (case-insensitive): its
    /// signature and the first line that mentions it, most relevant first (names, then
    /// signatures, then text).
    pub fn search(&self, word: &str) -> String {
        let w = word.to_lowercase();
        let mut hits: Vec<(u8, &DocEntry, String)> = Vec::new();
        for e in &self.entries {
            let rank = if e.name.to_lowercase().contains(&w) {
                0
            } else if e.signature.to_lowercase().contains(&w) {
                1
            } else if e.doc.to_lowercase().contains(&w) {
                2
            } else {
                continue;
            };
            let line = e
                .doc
                .lines()
                .find(|l| l.to_lowercase().contains(&w))
                .unwrap_or_else(|| e.summary())
                .trim()
                .to_string();
            hits.push((rank, e, line));
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
        let mut s = String::new();
        for (_, e, line) in hits {
            let _ = writeln!(s, "{}  [{}]", e.signature, e.kind.label());
            let _ = writeln!(s, "    {line}");
        }
        s
    }

    /// Documented names closest to `word` (see [`closest`]), for "did you mean".
    pub fn suggest(&self, word: &str) -> Vec<String> {
        closest(word, self.entries.iter().map(|e| e.name.as_str()))
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
            .filter(|e| e.kind != DocKind::Topic && !e.signature.contains("::"))
            .map(|e| e.name.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

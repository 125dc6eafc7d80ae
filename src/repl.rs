//! The interactive REPL: rustyline with history, multi-line input, completion and `:commands`.
//!
//! Works with piped stdin too (no prompts are printed when stdin is not a terminal), which is
//! how the integration tests drive it.

use crate::script::{self, Source, api::Docs};
use rhai::{AST, Dynamic, Engine, ParseErrorType, Scope};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// True when `src` is a statement the parser ran off the end of (so the REPL should read
/// another line), false when it is complete or has a real syntax error.
pub fn is_incomplete(engine: &Engine, src: &str) -> bool {
    let err = match engine.compile(src) {
        Ok(_) => return false,
        Err(e) => e,
    };
    let past_end = || {
        let lines: Vec<&str> = src.split('\n').collect();
        match (err.1.line(), err.1.position()) {
            (Some(l), Some(c)) => l == lines.len() && c > lines[l - 1].chars().count(),
            _ => true,
        }
    };
    match &*err.0 {
        ParseErrorType::UnexpectedEOF => true,
        ParseErrorType::MissingToken(..) | ParseErrorType::MissingSymbol(..) => past_end(),
        ParseErrorType::BadInput(rhai::LexError::UnterminatedString) => {
            src.matches('`').count() % 2 == 1
        }
        _ => false,
    }
}

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "for", "in", "while", "loop", "do", "until", "break",
    "continue", "return", "throw", "try", "catch", "import", "export", "as", "true", "false",
    "switch", "print",
];
const COMMANDS: &[&str] = &[":help", ":load", ":vars", ":quit", ":q"];

struct ReplHelper {
    engine: Arc<Engine>,
    docs: Arc<Docs>,
    names: Vec<String>,
    /// Variables of the session with their type names.
    vars: Arc<Mutex<Vec<(String, String)>>>,
    files: rustyline::completion::FilenameCompleter,
}

impl Completer for ReplHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if before.trim_start().starts_with(":load ") {
            return self.files.complete(line, pos, _ctx);
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '.'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let vars = self.vars.lock().map(|v| v.clone()).unwrap_or_default();
        // `x.me<Tab>`: the methods and properties of the type of the value bound to `x`.
        if let Some((obj, member)) = word.rsplit_once('.') {
            let ty = vars.iter().find(|(n, _)| n == obj).map(|(_, t)| t.clone());
            let cands: Vec<String> = match ty {
                Some(t) => self
                    .docs
                    .members(&t)
                    .iter()
                    .map(|e| e.name.clone())
                    .chain(builtin_methods(&t).iter().map(|m| m.to_string()))
                    .filter(|n| n.starts_with(member))
                    .collect(),
                None => Vec::new(),
            };
            return Ok((start + obj.len() + 1, pairs(cands)));
        }
        let mut cands: Vec<String> = self
            .names
            .iter()
            .chain(vars.iter().map(|(n, _)| n))
            .filter(|n| n.starts_with(word))
            .cloned()
            .collect();
        if start == 0 {
            cands.extend(
                COMMANDS
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| c.to_string()),
            );
        }
        Ok((start, pairs(cands)))
    }
}

/// Sorted, deduplicated completion candidates.
fn pairs(mut cands: Vec<String>) -> Vec<Pair> {
    cands.sort();
    cands.dedup();
    cands
        .into_iter()
        .map(|c| Pair {
            display: c.clone(),
            replacement: c,
        })
        .collect()
}

impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.trim_start().starts_with(':') {
            return Ok(ValidationResult::Valid(None));
        }
        if is_incomplete(&self.engine, input) {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}
impl Helper for ReplHelper {}

/// Rhai's own methods of its built-in types (for `x.<Tab>` on arrays, maps and strings).
fn builtin_methods(ty: &str) -> &'static [&'static str] {
    match ty {
        "array" => &[
            "len", "push", "pop", "shift", "insert", "remove", "clear", "map", "filter", "reduce",
            "contains", "index_of", "sort", "reverse", "extract", "split", "some", "all", "drain",
            "retain", "is_empty", "dedup",
        ],
        "map" => &[
            "len", "keys", "values", "contains", "remove", "clear", "is_empty", "mixin",
        ],
        "string" => &[
            "len",
            "contains",
            "index_of",
            "sub_string",
            "split",
            "trim",
            "to_upper",
            "to_lower",
            "replace",
            "starts_with",
            "ends_with",
            "is_empty",
        ],
        _ => &[],
    }
}

fn completion_names(engine: &Engine, docs: &Docs) -> Vec<String> {
    let mut names = docs.completion_names();
    for sig in engine.gen_fn_signatures(true) {
        let name = sig.split('(').next().unwrap_or("").trim();
        let name = name.rsplit(' ').next().unwrap_or(name);
        if name.is_empty()
            || name.starts_with("get$")
            || name.starts_with("set$")
            || name.starts_with("index$")
            || !name
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            continue;
        }
        names.push(name.to_string());
    }
    names.extend(KEYWORDS.iter().map(|s| s.to_string()));
    names.sort();
    names.dedup();
    names
}

/// Where the REPL history lives (`$XDG_DATA_HOME/ssnlab/history.txt` or similar).
pub fn history_path() -> Option<PathBuf> {
    let base = dirs::data_dir().or_else(dirs::home_dir)?;
    Some(base.join("ssnlab").join("history.txt"))
}

/// A REPL session: engine, scope, accumulated function definitions.
pub struct Session {
    engine: Arc<Engine>,
    docs: Arc<Docs>,
    scope: Scope<'static>,
    ast: AST,
    /// `import` statements of the session, run before each input so modules stay imported.
    imports: AST,
    vars: Arc<Mutex<Vec<(String, String)>>>,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A fresh session (imports resolve from the current directory first).
    pub fn new() -> Self {
        let (engine, docs) = script::build_engine_in(None);
        Session {
            engine: Arc::new(engine),
            docs,
            scope: Scope::new(),
            ast: AST::empty(),
            imports: AST::empty(),
            vars: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn display(&mut self, v: Dynamic) -> String {
        if v.is_string() {
            return v.to_string();
        }
        if let Some(a) = v.read_lock::<rhai::Array>().map(|a| a.clone())
            && a.len() > 20
        {
            return self.preview_array(&a);
        }
        let len = self.scope.len();
        self.scope.push("__ssnlab_ans", v.clone());
        let s = self
            .engine
            .eval_with_scope::<String>(&mut self.scope, "to_debug(__ssnlab_ans)");
        self.scope.rewind(len);
        s.unwrap_or_else(|_| v.to_string())
    }

    /// A long array as its shape and its first and last items (like numpy).
    fn preview_array(&mut self, a: &rhai::Array) -> String {
        let mut shape = vec![a.len()];
        let mut inner = a.first().cloned();
        while let Some(x) = inner.take() {
            match x.read_lock::<rhai::Array>().map(|b| b.clone()) {
                Some(b) => {
                    shape.push(b.len());
                    inner = b.first().cloned();
                }
                None => break,
            }
        }
        let item = |s: &mut Self, x: &Dynamic| -> String {
            let d = s.display(x.clone());
            if d.len() > 60 {
                format!(
                    "{}...",
                    &d[..d.char_indices().nth(57).map_or(d.len(), |(i, _)| i)]
                )
            } else {
                d
            }
        };
        let head: Vec<String> = a[..3].iter().map(|x| item(self, x)).collect();
        let tail: Vec<String> = a[a.len() - 3..].iter().map(|x| item(self, x)).collect();
        let shape: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
        format!(
            "array [{}]: [{}, ..., {}]",
            shape.join(" x "),
            head.join(", "),
            tail.join(", ")
        )
    }

    fn refresh_vars(&self) {
        if let Ok(mut g) = self.vars.lock() {
            *g = self
                .scope
                .iter()
                .map(|(n, _, v)| {
                    (
                        n.to_string(),
                        self.engine.map_type_name(v.type_name()).to_string(),
                    )
                })
                .collect();
        }
    }

    /// Evaluates one input (a statement, a block, or a `:command`). Returns the text to print
    /// on stdout, or an error message for stderr. `Ok(None)` means "quit".
    pub fn eval(&mut self, input: &str) -> Result<Option<String>, String> {
        crate::numerics::context::reset();
        let t = input.trim();
        if let Some(cmd) = t.strip_prefix(':') {
            return self.command(cmd);
        }
        if t.is_empty() {
            return Ok(Some(String::new()));
        }
        // The words people type first.
        let bare = t.trim_end_matches(';').trim();
        match bare {
            "help" | "help()" | "?" => return self.command("help"),
            "exit" | "quit" | "exit()" | "quit()" => return Ok(None),
            "clear" | "clear()" => return Ok(Some("\x1b[2J\x1b[H".to_string())),
            _ => {}
        }
        if let Some(name) = bare
            .strip_prefix("help(")
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.starts_with('"') && !n.starts_with('`'))
        {
            return self.command(&format!("help {name}"));
        }
        let out = self.eval_source("<repl>", input);
        if crate::numerics::context::interrupted() {
            let note = "interrupted (Ctrl-C): the computation stopped; a result it returned is kept with status \"interrupted\"";
            return match out {
                Ok(Some(s)) if !s.is_empty() => Ok(Some(format!("{s}\n{note}"))),
                Ok(_) => Ok(Some(note.to_string())),
                Err(e) => Err(e),
            };
        }
        out
    }

    /// The `import ... as ...;` statements of an input (one per line).
    fn import_lines(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("import ") && l.contains(" as ") && l.ends_with(';'))
            .map(str::to_string)
            .collect()
    }

    fn eval_source(&mut self, name: &str, text: &str) -> Result<Option<String>, String> {
        let src = Source { name, text };
        let ast = self
            .engine
            .compile_with_scope(&self.scope, text)
            .map_err(|e| script::format_parse_error(&src, &e))?;
        self.ast += ast;
        let engine = self.engine.clone();
        let scope = &mut self.scope;
        // Earlier imports run first (they are not part of the scope), then the input.
        let main = self.imports.merge(&self.ast);
        let r = script::catch_panics(|| engine.eval_ast_with_scope::<Dynamic>(scope, &main));
        self.ast.clear_statements();
        if matches!(r, Ok(Ok(_))) {
            for line in Self::import_lines(text) {
                if let Ok(a) = self.engine.compile(&line) {
                    self.imports += a;
                }
            }
        }
        self.refresh_vars();
        match r {
            Err(p) => Err(p),
            Ok(Err(e)) => Err(script::format_eval_error(&src, &e)),
            Ok(Ok(v)) if v.is_unit() => Ok(Some(String::new())),
            Ok(Ok(v)) => Ok(Some(self.display(v))),
        }
    }

    fn command(&mut self, cmd: &str) -> Result<Option<String>, String> {
        let (name, arg) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
        let arg = arg.trim();
        match name {
            "q" | "quit" | "exit" => Ok(None),
            "help" | "h" | "doc" => {
                let w = crate::docs::term_width();
                if arg.is_empty() {
                    Ok(Some(crate::docs::wrap(
                        &format!(
                            "REPL commands: :help [NAME], :load FILE, :vars, :quit (also help, help(NAME), exit, clear)\n\n{}",
                            self.docs.render_index()
                        ),
                        w,
                    )))
                } else {
                    self.docs
                        .render(arg)
                        .map(|s| Some(crate::docs::wrap(&s, w)))
                        .ok_or_else(|| {
                            let near = self.docs.suggest(arg);
                            format!(
                                "no documentation for `{arg}`{}; :help lists everything",
                                near.first()
                                    .map(|n| format!(" (did you mean `{n}`?)"))
                                    .unwrap_or_default()
                            )
                        })
                }
            }
            "vars" => {
                let mut s = String::new();
                let items: Vec<(String, Dynamic)> = self
                    .scope
                    .iter()
                    .map(|(n, _, v)| (n.to_string(), v))
                    .collect();
                for (n, v) in items {
                    let ty = self.engine.map_type_name(v.type_name()).to_string();
                    let mut d = self.display(v);
                    if d.len() > 60 {
                        let cut = d.char_indices().nth(57).map(|(i, _)| i).unwrap_or(d.len());
                        d.truncate(cut);
                        d.push_str("...");
                    }
                    s.push_str(&format!("{n:<16} {ty:<14} {}\n", d.replace('\n', " ")));
                }
                Ok(Some(s.trim_end().to_string()))
            }
            "load" => {
                if arg.is_empty() {
                    return Err(":load needs a file name, e.g. :load scripts/tour.rhai".into());
                }
                ssnlab_check_read(arg)?;
                let text = std::fs::read_to_string(arg)
                    .map_err(|e| format!("{arg}: cannot read file: {e}"))?;
                self.eval_source(arg, &text)
                    .map(|_| Some(format!("loaded {arg}")))
            }
            _ => Err(format!(
                "unknown command `:{name}`; commands are :help [NAME], :load FILE, :vars, :quit"
            )),
        }
    }
}

/// Runs the REPL until EOF or `:quit`.
pub fn run(history: bool) -> Result<(), String> {
    crate::numerics::context::install_handler();
    let mut session = Session::new();
    let tty = std::io::stdin().is_terminal();
    let config = Config::builder()
        .auto_add_history(true)
        .completion_type(CompletionType::List)
        .build();
    let mut rl: Editor<ReplHelper, DefaultHistory> =
        Editor::with_config(config).map_err(|e| format!("cannot start the line editor: {e}"))?;
    rl.set_helper(Some(ReplHelper {
        engine: session.engine.clone(),
        docs: session.docs.clone(),
        names: completion_names(&session.engine, &session.docs),
        vars: session.vars.clone(),
        files: rustyline::completion::FilenameCompleter::new(),
    }));
    let hist = if history { history_path() } else { None };
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    if tty {
        println!(
            "ssnlab {} — Rhai REPL. help, help(NAME) or :help lists everything; exit, :quit or Ctrl-D exits.",
            crate::VERSION
        );
    }
    loop {
        match rl.readline("ssnlab> ") {
            Ok(line) => match session.eval(&line) {
                Ok(None) => break,
                Ok(Some(out)) => {
                    if !out.is_empty() {
                        println!("{out}");
                    }
                }
                Err(e) => eprintln!("{e}"),
            },
            Err(ReadlineError::Interrupted) => {
                if tty {
                    println!("(Ctrl-C: input cleared; :quit or Ctrl-D exits)");
                }
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(format!("input error: {e}")),
        }
    }
    if let Some(h) = &hist {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.save_history(h);
    }
    Ok(())
}

/// The sandbox's read rule for `:load`.
fn ssnlab_check_read(path: &str) -> Result<(), String> {
    crate::io::sandbox::check_read(std::path::Path::new(path)).map_err(|e| e.to_string())
}

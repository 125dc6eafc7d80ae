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
    names: Vec<String>,
    vars: Arc<Mutex<Vec<String>>>,
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
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let vars = self.vars.lock().map(|v| v.clone()).unwrap_or_default();
        let mut cands: Vec<String> = self
            .names
            .iter()
            .chain(vars.iter())
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
        cands.sort();
        cands.dedup();
        Ok((
            start,
            cands
                .into_iter()
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: c,
                })
                .collect(),
        ))
    }
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
    vars: Arc<Mutex<Vec<String>>>,
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
            vars: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn display(&mut self, v: Dynamic) -> String {
        if v.is_string() {
            return v.to_string();
        }
        let len = self.scope.len();
        self.scope.push("__ssnlab_ans", v.clone());
        let s = self
            .engine
            .eval_with_scope::<String>(&mut self.scope, "to_debug(__ssnlab_ans)");
        self.scope.rewind(len);
        s.unwrap_or_else(|_| v.to_string())
    }

    fn refresh_vars(&self) {
        if let Ok(mut g) = self.vars.lock() {
            *g = self.scope.iter().map(|(n, _, _)| n.to_string()).collect();
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
        self.eval_source("<repl>", input)
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
        let main = &self.ast;
        let r = script::catch_panics(|| engine.eval_ast_with_scope::<Dynamic>(scope, main));
        self.ast.clear_statements();
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
                if arg.is_empty() {
                    Ok(Some(format!(
                        "REPL commands: :help [NAME], :load FILE, :vars, :quit\n\n{}",
                        self.docs.render_index()
                    )))
                } else {
                    self.docs.render(arg).map(Some).ok_or_else(|| {
                        format!("no documentation for `{arg}`; :help lists everything")
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
        names: completion_names(&session.engine, &session.docs),
        vars: session.vars.clone(),
    }));
    let hist = if history { history_path() } else { None };
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    if tty {
        println!(
            "ssnlab {} — Rhai REPL. help() or :help lists everything; :quit or Ctrl-D exits.",
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

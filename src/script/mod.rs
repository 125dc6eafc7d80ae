//! The Rhai host: one [`build_engine`] used by the REPL, the script runner and the tests.
//!
//! Each numerical domain registers its types and functions in its own module (`core`,
//! `theory`, ...) through [`api::Api`], which records documentation beside the code. The
//! `help` function and `ssnlab doc` read that documentation.

pub mod api;
pub mod convert;
mod core;
mod izh;
mod motif;
mod output;
pub mod spiking;
mod stdlib;
mod theory;
pub mod timecourse;

use api::{Api, Docs};
use rhai::{AST, Dynamic, Engine, EvalAltResult, ParseError, Position, Scope};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

/// Most elements of one Rhai array (20 million: 320 MB of values).
pub const LIMIT_ARRAY: usize = 20_000_000;
/// Most bytes of one Rhai string (100 MB).
pub const LIMIT_STRING: usize = 100_000_000;
/// Most entries of one Rhai object map.
pub const LIMIT_MAP: usize = 1_000_000;

/// Every registered function, method, property, type and module name (for "did you mean").
static KNOWN_NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// The registered names closest to `word` (edit distance at most 2, or a shared prefix of at
/// least 4 characters), best first.
pub fn suggestions(word: &str) -> Vec<String> {
    let names = KNOWN_NAMES.get().map(Vec::as_slice).unwrap_or(&[]);
    crate::docs::closest(word, names.iter().map(String::as_str))
}

/// Script types as users write them, for messages (`&str | ImmutableString | String` → string).
fn readable_types(args: &str) -> String {
    args.replace("&str | ImmutableString | String", "string")
        .replace("ImmutableString", "string")
        .replace("rhai::Array", "array")
        .replace("rhai::Map", "map")
        .replace("Array", "array")
        .replace("i64", "int")
        .replace("f64", "float")
}

fn did_you_mean(word: &str) -> String {
    match suggestions(word).as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of: {}?",
            many.iter()
                .take(4)
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Operation limit for scripts (0: none); `--max-ops` sets it, for untrusted scripts.
static MAX_OPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Limits every engine built afterwards to `ops` Rhai operations (0: unlimited).
pub fn set_max_operations(ops: u64) {
    MAX_OPS.store(ops, std::sync::atomic::Ordering::Relaxed);
}

/// Builds the scripting engine with every domain registered and the stdlib importable.
/// `base_dir` is searched first by `import` (the script's own folder); embedded stdlib
/// modules are the fallback.
pub fn build_engine_in(base_dir: Option<&Path>) -> (Engine, Arc<Docs>) {
    let mut engine = Engine::new();
    engine.set_max_expr_depths(256, 256);
    engine.set_max_call_levels(256);
    // Generous limits that still stop a runaway script before it exhausts memory (a Rhai
    // value is 16 bytes): see `ssnlab doc limits`.
    engine.set_max_array_size(LIMIT_ARRAY);
    engine.set_max_string_size(LIMIT_STRING);
    engine.set_max_map_size(LIMIT_MAP);
    let ops = MAX_OPS.load(std::sync::atomic::Ordering::Relaxed);
    if ops > 0 {
        engine.set_max_operations(ops);
    }
    let mut docs = Docs::default();
    {
        let mut api = Api::new(&mut engine, &mut docs);
        register_all(&mut api);
        stdlib::document(&mut api);
    }
    let _ = KNOWN_NAMES.set(docs.completion_names());
    let docs = Arc::new(docs);
    let help_docs = docs.clone();
    let help_docs2 = docs.clone();
    api_help(&mut engine, &help_docs, &help_docs2);
    engine.set_module_resolver(stdlib::resolver(base_dir));
    engine.on_progress(|ops| {
        // The context is looked up every 256 operations (a thread-local read).
        if ops.is_multiple_of(256) && crate::numerics::context::interrupted() {
            Some(Dynamic::from("interrupted by the user (Ctrl-C)"))
        } else {
            None
        }
    });
    (engine, docs)
}

/// The engine used everywhere, with imports resolved from the current directory first.
pub fn build_engine() -> Engine {
    build_engine_in(None).0
}

fn register_all(api: &mut Api) {
    core::register(api);
    theory::register(api);
    spiking::register(api);
    izh::register(api);
    motif::register(api);
    output::register(api);
    timecourse::register(api);
}

fn api_help(engine: &mut Engine, docs: &Arc<Docs>, docs2: &Arc<Docs>) {
    let d = docs.clone();
    engine.register_fn("help", move |name: &str| -> String {
        match d.render(name) {
            Some(s) => crate::docs::wrap(&s, crate::docs::term_width()),
            None => {
                let near = d.suggest(name);
                format!(
                    "no documentation for `{name}`{}; try help() for the index",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean `{}`?)", near[0])
                    }
                )
            }
        }
    });
    let d2 = docs2.clone();
    engine.register_fn("help", move || -> String {
        crate::docs::wrap(&d2.render_index(), crate::docs::term_width())
    });
}

/// A compiled-or-failed script location for error messages.
pub struct Source<'a> {
    /// Display name (file path or `<repl>`).
    pub name: &'a str,
    /// The script text.
    pub text: &'a str,
}

/// Formats a parse error as `FILE:LINE:COL: message` with the source line and a caret.
pub fn format_parse_error(src: &Source, e: &ParseError) -> String {
    let msg = e.0.to_string();
    located(src, e.1, &format!("syntax error: {msg}"))
}

fn located(src: &Source, pos: Position, msg: &str) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), c) => {
            let c = c.unwrap_or(1);
            let mut s = format!("{}:{}:{}: {}", src.name, l, c, msg);
            if let Some(line) = src.text.lines().nth(l - 1) {
                s.push_str(&format!(
                    "\n{:>5} | {}\n      | {}^",
                    l,
                    line,
                    " ".repeat(c.saturating_sub(1))
                ));
            }
            s
        }
        _ => format!("{}: {}", src.name, msg),
    }
}

/// Formats a runtime error: innermost message, located at the deepest position in the main
/// source, with the chain of script-function calls that led there.
pub fn format_eval_error(src: &Source, e: &EvalAltResult) -> String {
    let mut chain = Vec::new();
    let mut cur = e;
    let mut main_pos = e.position();
    loop {
        match cur {
            EvalAltResult::ErrorInFunctionCall(name, fsrc, inner, pos) => {
                chain.push(format!(
                    "in call to function `{name}` ({})",
                    pos_str(src.name, fsrc, *pos)
                ));
                if (fsrc.is_empty() || fsrc.as_str() == src.name) && !inner.position().is_none() {
                    main_pos = inner.position();
                }
                cur = inner;
            }
            EvalAltResult::ErrorInModule(name, inner, pos) => {
                chain.push(format!(
                    "in module `{name}` ({})",
                    pos_str(src.name, "", *pos)
                ));
                cur = inner;
            }
            _ => break,
        }
    }
    let msg = match cur {
        EvalAltResult::ErrorFunctionNotFound(sig, _) => {
            let (name, args) = match sig.split_once(" (") {
                Some((n, a)) => (n.trim(), format!("({}", readable_types(a))),
                None => (sig.trim(), String::new()),
            };
            let known = KNOWN_NAMES
                .get()
                .is_some_and(|n| n.iter().any(|x| x == name));
            if known {
                format!(
                    "`{name}` cannot be called with arguments {args}; `ssnlab doc {name}` (or help(\"{name}\")) lists its signatures"
                )
            } else {
                format!(
                    "function `{name}` not found (called with {args}){}",
                    did_you_mean(name)
                )
            }
        }
        EvalAltResult::ErrorVariableNotFound(name, _) => {
            format!("variable `{name}` not found{}", did_you_mean(name))
        }
        EvalAltResult::ErrorTerminated(v, _) => format!("stopped: {v}"),
        EvalAltResult::ErrorRuntime(v, _) => v.to_string(),
        other => strip_position(&other.to_string()),
    };
    let mut s = located(src, main_pos, &msg);
    for c in chain.iter().rev() {
        s.push_str("\n  ");
        s.push_str(c);
    }
    s
}

fn strip_position(s: &str) -> String {
    match s.rfind(" (line ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s.to_string(),
    }
}

fn pos_str(main: &str, fsrc: &str, pos: Position) -> String {
    let file = if fsrc.is_empty() { main } else { fsrc };
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file.to_string(),
    }
}

static HOOK: Once = Once::new();
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installs a panic hook that records the message instead of printing it, so that a panic in
/// native code can be reported as an internal error while the REPL keeps running.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic".to_string()
            };
            let loc = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut g) = LAST_PANIC.lock() {
                *g = Some(format!("{msg}{loc}"));
            }
        }));
    });
}

/// Runs `f`, turning a panic into an error string ("internal error ...").
pub fn catch_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_panic_hook();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        let m = LAST_PANIC
            .lock()
            .ok()
            .and_then(|mut g| g.take())
            .unwrap_or_default();
        format!("internal error (a bug in ssnlab; please report it): {m}")
    })
}

/// Compiles a script file, returning a formatted error on failure.
pub fn compile_file(engine: &Engine, path: &Path) -> Result<(AST, String), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read file: {e}", path.display()))?;
    let name = path.display().to_string();
    match engine.compile(&text) {
        Ok(mut ast) => {
            ast.set_source(name.as_str());
            Ok((ast, text))
        }
        Err(e) => Err(format_parse_error(
            &Source {
                name: &name,
                text: &text,
            },
            &e,
        )),
    }
}

/// `ssnlab check`: compiles a script and resolves its imports (so a missing module or an
/// import cycle is reported with its line and column), without running the script itself.
/// Imported modules' top-level statements do run, as they would on import.
pub fn check_file(path: &Path) -> Result<(), String> {
    let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (engine, docs) = build_engine_in(Some(&dir));
    let (_, text) = compile_file(&engine, path)?;
    let name = path.display().to_string();
    let src = Source {
        name: &name,
        text: &text,
    };
    match catch_panics(|| engine.compile_into_self_contained(&Scope::new(), &text)) {
        Ok(Ok(_)) => {
            let mut known: std::collections::HashSet<String> =
                docs.entries().iter().map(|e| e.name.clone()).collect();
            for sig in engine.gen_fn_signatures(true) {
                let name = sig.split('(').next().unwrap_or("").trim();
                known.insert(name.rsplit(' ').next().unwrap_or(name).to_string());
            }
            let bad = unknown_calls(&text, &known);
            if bad.is_empty() {
                return Ok(());
            }
            let msgs: Vec<String> = bad
                .iter()
                .map(|(l, c, name, method)| {
                    let what = if *method { "method" } else { "function" };
                    let pos = rhai::Position::new(*l as u16, *c as u16);
                    located(
                        &src,
                        pos,
                        &format!("unknown {what} `{name}`{}", did_you_mean(name)),
                    )
                })
                .collect();
            Err(msgs.join("\n"))
        }
        Ok(Err(e)) => {
            // Resolution errors carry no position: point at the import statement whose module
            // the error names.
            if e.position().is_none() {
                let msg = e.to_string();
                for (l, line) in text.lines().enumerate() {
                    let t = line.trim_start();
                    if !t.starts_with("import") {
                        continue;
                    }
                    let Some(q0) = line.find('"') else { continue };
                    let Some(len) = line[q0 + 1..].find('"') else {
                        continue;
                    };
                    let module = &line[q0 + 1..q0 + 1 + len];
                    if !module.is_empty() && msg.contains(module) {
                        let pos = rhai::Position::new((l + 1) as u16, (q0 + 1) as u16);
                        let again = EvalAltResult::ErrorRuntime(msg.clone().into(), pos);
                        return Err(format_eval_error(&src, &again));
                    }
                }
            }
            Err(format_eval_error(&src, &e))
        }
        Err(m) => Err(m),
    }
}

/// Runs a script file with `ARGS` set to `args`. Returns a formatted error on failure.
pub fn run_file(path: &Path, args: &[String]) -> Result<(), String> {
    let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (engine, _) = build_engine_in(Some(&dir));
    let (ast, text) = compile_file(&engine, path)?;
    let mut scope = Scope::new();
    let a: rhai::Array = args.iter().map(|s| Dynamic::from(s.clone())).collect();
    scope.push_constant("ARGS", a);
    let name = path.display().to_string();
    crate::io::set_context(&name, args);
    match catch_panics(|| engine.run_ast_with_scope(&mut scope, &ast)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format_eval_error(
            &Source {
                name: &name,
                text: &text,
            },
            &e,
        )),
        Err(p) => Err(p),
    }
}

/// One identifier of a script: where it is, the character before it and whether `(` follows.
struct Ident {
    name: String,
    line: usize,
    col: usize,
    before: char,
    called: bool,
}

/// The identifiers of `text`, skipping comments and string literals.
fn identifiers(text: &str) -> Vec<Ident> {
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    let mut out: Vec<Ident> = Vec::new();
    let mut prev = ' ';
    // Brace depth in code, and the depths at which template interpolations `${` opened.
    let mut depth = 0usize;
    let mut templates: Vec<usize> = Vec::new();
    let step = |i: &mut usize, line: &mut usize, col: &mut usize| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                step(&mut i, &mut line, &mut col);
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                step(&mut i, &mut line, &mut col);
            }
            for _ in 0..2 {
                if i < chars.len() {
                    step(&mut i, &mut line, &mut col);
                }
            }
        } else if c == '`' || (c == '}' && templates.last() == Some(&depth)) {
            // A template string, or its continuation after an interpolation `${...}`: scan to
            // the closing backtick or into the next interpolation.
            if c == '}' {
                templates.pop();
            }
            step(&mut i, &mut line, &mut col);
            while i < chars.len() && chars[i] != '`' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    step(&mut i, &mut line, &mut col);
                } else if chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
                    templates.push(depth);
                    step(&mut i, &mut line, &mut col);
                    step(&mut i, &mut line, &mut col);
                    prev = '{';
                    break;
                }
                step(&mut i, &mut line, &mut col);
            }
            if i < chars.len() && chars[i] == '`' {
                step(&mut i, &mut line, &mut col);
                prev = '`';
            }
        } else if c == '"' || c == '\'' {
            step(&mut i, &mut line, &mut col);
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    step(&mut i, &mut line, &mut col);
                }
                step(&mut i, &mut line, &mut col);
            }
            if i < chars.len() {
                step(&mut i, &mut line, &mut col);
            }
            prev = c;
        } else if c.is_alphabetic() || c == '_' {
            let (l0, c0) = (line, col);
            let mut name = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                name.push(chars[i]);
                step(&mut i, &mut line, &mut col);
            }
            out.push(Ident {
                name,
                line: l0,
                col: c0,
                before: prev,
                called: false,
            });
            prev = 'a';
        } else {
            if c == '{' {
                depth += 1;
            } else if c == '}' {
                depth = depth.saturating_sub(1);
            }
            if c == '('
                && prev == 'a'
                && let Some(last) = out.last_mut()
            {
                last.called = true;
            }
            if !c.is_whitespace() {
                prev = c;
            }
            step(&mut i, &mut line, &mut col);
        }
    }
    out
}

/// Calls `name(...)` and `x.name(...)` in `text` whose name is neither registered (`known`),
/// a Rhai built-in, nor a name the script defines (functions, variables, closure parameters,
/// which may hold function pointers). Qualified calls (`module::f`) are left to the import
/// check. Returns (line, column, name, is_method).
pub fn unknown_calls(
    text: &str,
    known: &std::collections::HashSet<String>,
) -> Vec<(usize, usize, String, bool)> {
    const BUILTIN: &[&str] = &[
        "if",
        "while",
        "for",
        "loop",
        "fn",
        "switch",
        "return",
        "throw",
        "catch",
        "try",
        "do",
        "until",
        "in",
        "let",
        "const",
        "import",
        "export",
        "print",
        "debug",
        "type_of",
        "call",
        "curry",
        "Fn",
        "eval",
        "is_def_var",
        "is_def_fn",
        "is_shared",
        "this",
        "global",
    ];
    let ids = identifiers(text);
    let mut defined: std::collections::HashSet<&str> = BUILTIN.iter().copied().collect();
    for w in ids.windows(2) {
        if matches!(w[0].name.as_str(), "fn" | "let" | "const" | "as" | "for") {
            defined.insert(w[1].name.as_str());
        }
    }
    for t in &ids {
        if matches!(t.before, '|' | ',') {
            defined.insert(t.name.as_str());
        }
    }
    ids.iter()
        .filter(|t| t.called && t.before != ':')
        .filter(|t| !defined.contains(t.name.as_str()) && !known.contains(&t.name))
        .map(|t| (t.line, t.col, t.name.clone(), t.before == '.'))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_call_check_accepts_every_doc_example_and_flags_typos() {
        let (engine, docs) = build_engine_in(None);
        let mut known: std::collections::HashSet<String> =
            docs.entries().iter().map(|e| e.name.clone()).collect();
        for sig in engine.gen_fn_signatures(true) {
            let name = sig.split('(').next().unwrap_or("").trim();
            known.insert(name.rsplit(' ').next().unwrap_or(name).to_string());
        }
        let mut n = 0;
        for e in docs.entries() {
            for ex in e.examples() {
                let bad = unknown_calls(&ex, &known);
                assert!(bad.is_empty(), "{}: {bad:?} in\n{ex}", e.signature);
                n += 1;
            }
        }
        assert!(n > 150, "only {n} examples");
        let bad = unknown_calls(
            "let s = ssn_netwrk(1);\nlet t = `${ s.sterady(1) }`;\n// foo(1)\nlet f = |x| x; f(2);",
            &known,
        );
        let names: Vec<&str> = bad.iter().map(|b| b.2.as_str()).collect();
        assert_eq!(names, ["ssn_netwrk", "sterady"], "{bad:?}");
        assert_eq!((bad[1].0, bad[1].1, bad[1].3), (2, 15, true));
    }

    use super::*;

    #[test]
    fn panic_in_native_code_becomes_internal_error() {
        let mut engine = build_engine();
        engine.register_fn("boom", || -> i64 { panic!("kaboom") });
        let r = catch_panics(|| engine.eval::<i64>("boom()"));
        let e = r.expect_err("panic must be caught");
        assert!(e.contains("internal error") && e.contains("kaboom"), "{e}");
        // The engine is still usable afterwards.
        assert_eq!(engine.eval::<i64>("1 + 1").unwrap(), 2);
    }

    #[test]
    fn unknown_option_keys_are_listed() {
        use convert::Opts;
        let m: rhai::Map = [("taau".into(), Dynamic::from(1.0))].into_iter().collect();
        let e = Opts::new(&m, "lif", &["tau", "theta"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("taau") && e.contains("tau, theta"), "{e}");
    }

    #[test]
    fn incomplete_detection() {
        let engine = build_engine();
        assert!(crate::repl::is_incomplete(&engine, "fn f(x) {\n x * 2"));
        assert!(!crate::repl::is_incomplete(&engine, "let x = (1 + 2));"));
        assert!(!crate::repl::is_incomplete(&engine, "let s = \"abc"));
        assert!(crate::repl::is_incomplete(&engine, "let v = [1,"));
    }
}

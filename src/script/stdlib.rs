//! Embedded stdlib modules (`stdlib/*.rhai`), importable by name from anywhere.
//!
//! `import "NAME" as m;` first looks for `NAME.rhai` in the importing script's folder (or the
//! current directory in the REPL), then in the modules embedded in the binary.

use super::api::Api;
use rhai::module_resolvers::FileModuleResolver;
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope};
use std::sync::Arc;

type SharedModule = Arc<Module>;
use std::path::Path;

/// `(name, source)` of every embedded module.
pub const MODULES: &[(&str, &str)] = &[
    ("cli", include_str!("../../stdlib/cli.rhai")),
    ("paper", include_str!("../../stdlib/paper.rhai")),
    ("gates", include_str!("../../stdlib/gates.rhai")),
];

/// The module's doc: the leading `//!` comment block.
pub fn module_doc_text(src: &str) -> String {
    src.lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.trim_start_matches("//!")
                .strip_prefix(' ')
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Records the docs of the embedded modules and of the functions they define.
pub fn document(api: &mut Api) {
    for (name, src) in MODULES {
        let mut doc = module_doc_text(src);
        doc.push_str("\n\nFunctions:\n");
        let mut pending = Vec::new();
        for line in src.lines() {
            let t = line.trim();
            if let Some(d) = t.strip_prefix("///") {
                pending.push(d.trim().to_string());
            } else if let Some(sig) = t.strip_prefix("fn ") {
                let sig = sig.split('{').next().unwrap_or(sig).trim();
                let summary = pending.first().cloned().unwrap_or_default();
                doc.push_str(&format!("  {name}::{sig:<40} {summary}\n"));
                let fname = sig.split('(').next().unwrap_or(sig).trim();
                api.docs.push(crate::docs::DocEntry {
                    name: fname.to_string(),
                    kind: crate::docs::DocKind::Function,
                    owner: None,
                    signature: format!("{name}::{sig}"),
                    doc: format!(
                        "{}\n\nIn the `{name}` module: `import \"{name}\" as {name};` then `{name}::{fname}(...)`.",
                        pending.join("\n")
                    ),
                });
                pending.clear();
            } else if !t.is_empty() {
                pending.clear();
            }
        }
        api.module_doc(name, &doc);
    }
}

/// Resolver: the base folder first, then the embedded modules.
pub struct Resolver {
    files: FileModuleResolver,
}

/// Builds the resolver rooted at `base_dir` (or the current directory).
pub fn resolver(base_dir: Option<&Path>) -> Resolver {
    let files = match base_dir {
        Some(d) if !d.as_os_str().is_empty() => FileModuleResolver::new_with_path(d),
        _ => FileModuleResolver::new(),
    };
    Resolver { files }
}

thread_local! {
    /// Modules being imported on this thread, outermost first (import-cycle detection).
    static IMPORTING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Pops the import stack when a resolution ends, however it ends.
struct ImportGuard;

impl Drop for ImportGuard {
    fn drop(&mut self) {
        IMPORTING.with(|s| {
            s.borrow_mut().pop();
        });
    }
}

impl ModuleResolver for Resolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        // A module that imports itself, directly or through others, would recurse until the
        // stack overflows: name the cycle instead.
        let file = self.files.get_file_path(path, source.map(Path::new));
        if file.is_file()
            && let Err(e) = crate::io::sandbox::check_read(&file)
        {
            return Err(Box::new(EvalAltResult::ErrorInModule(
                path.to_string(),
                Box::new(EvalAltResult::ErrorRuntime(e.to_string().into(), pos)),
                pos,
            )));
        }
        let key = if file.is_file() {
            std::fs::canonicalize(&file)
                .unwrap_or(file)
                .display()
                .to_string()
        } else {
            format!("<stdlib>/{}", path.trim_end_matches(".rhai"))
        };
        let cycle = IMPORTING.with(|s| {
            let s = s.borrow();
            s.iter().position(|k| *k == key).map(|i| {
                let mut names: Vec<String> = s[i..].to_vec();
                names.push(key.clone());
                names.join(" -> ")
            })
        });
        if let Some(c) = cycle {
            return Err(Box::new(EvalAltResult::ErrorRuntime(
                format!("import: import cycle: {c}").into(),
                pos,
            )));
        }
        IMPORTING.with(|s| s.borrow_mut().push(key));
        let _guard = ImportGuard;
        match self.files.resolve(engine, source, path, pos) {
            Ok(m) => return Ok(m),
            Err(e) => match *e {
                EvalAltResult::ErrorModuleNotFound(..) => {}
                _ => return Err(e),
            },
        }
        let key = path.trim_end_matches(".rhai");
        let Some((_, src)) = MODULES.iter().find(|(n, _)| *n == key) else {
            let names: Vec<&str> = MODULES.iter().map(|(n, _)| *n).collect();
            return Err(Box::new(EvalAltResult::ErrorRuntime(
                format!(
                    "import: module `{path}` not found in the script's folder nor among the built-in modules ({})",
                    names.join(", ")
                )
                .into(),
                pos,
            )));
        };
        let mut ast = engine
            .compile(src)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(key.to_string(), e.into(), pos)))?;
        ast.set_source(format!("<stdlib>/{key}.rhai"));
        let m = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(key.to_string(), e, pos)))?;
        Ok(m.into())
    }
}

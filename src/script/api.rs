//! Registration helper and the documentation registry behind `help`, `ssnlab doc` and REPL
//! completion.
//!
//! Every function, method, property and type that ssnlab exposes to Rhai is registered
//! through [`Api`], which records a [`DocEntry`] (signature, doc comment, examples) beside the
//! Rhai registration, so documentation cannot drift from what is callable.

use rhai::{Engine, FuncRegistration, RhaiNativeFunc};

pub use crate::docs::{DocEntry, DocKind, Docs};

/// What Rhai accepts as a value type (its `Variant` bound, which is not public).
pub trait Value: std::any::Any + Clone + Send + Sync + 'static {}
impl<T: std::any::Any + Clone + Send + Sync + 'static> Value for T {}

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
        if self.docs.entries().iter().any(|e| e.signature == signature) {
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

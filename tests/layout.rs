//! The shape of the code, checked on every test run: no module of `src/` imports a module
//! that imports it back (directly or around a circle), and no file of `src/` holds more
//! than [`MAX_LINES`] lines of code before its unit tests.
//!
//! A module is a file. What it imports is every path in it (`use` items, paths in code,
//! in types and inside macro calls) that names another module of the crate: through
//! `crate::`, `super::`, `self::`, or a child module's name. Unit tests (`#[cfg(test)]`)
//! do not count.

#![expect(
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::TokenTree;
use syn::visit::Visit;

/// Most lines of code (not blank, not comments) a file of `src/` has before its tests.
const MAX_LINES: usize = 700;

/// Files still above [`MAX_LINES`], each with the count it may not grow past.
const OVERSIZED: &[(&str, usize)] = &[];

type Module = Vec<String>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of `src/` with its file.
fn modules() -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<Module, PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .expect("under src/")
                .with_extension("");
            let mut module: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // `lib.rs` is the crate's root; `main.rs`, the binary, a crate of its own, is
            // kept under its name.
            let last = module.last().map(String::as_str);
            if last == Some("mod") || (module.len() == 1 && last == Some("lib")) {
                module.pop();
            }
            out.insert(module, path);
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &src(), &mut out);
    out
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Collects every path of a file, as its segments, and what its `use` items bring in
/// under which name.
#[derive(Default)]
struct Paths {
    paths: Vec<Vec<String>>,
    /// `(name, path)`: `use a::b::{self as c}` is `("c", [a, b])`; a glob has no name.
    uses: Vec<(Option<String>, Vec<String>)>,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                let name = path.last().cloned();
                self.uses.push((name, path));
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.uses.push((Some(r.rename.to_string()), path));
            }
            syn::UseTree::Glob(_) => self.uses.push((None, prefix.clone())),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// `a::b::c` sequences in a macro's tokens, which syn leaves unparsed.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut current: Vec<String> = Vec::new();
        let mut colons = 0;
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) if current.is_empty() || colons == 2 => {
                    current.push(ident.to_string());
                    colons = 0;
                }
                TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() => {
                    colons += 1;
                }
                other => {
                    if current.len() > 1 {
                        self.paths.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    colons = 0;
                    if let TokenTree::Group(g) = other {
                        self.tokens(g.stream());
                    } else if let TokenTree::Ident(ident) = other {
                        current.push(ident.to_string());
                    }
                }
            }
        }
        if current.len() > 1 {
            self.paths.push(current);
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.paths
            .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    // `pub(super)` and `pub(crate)` say who may use an item, not what the module uses.
    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// The module of the crate a path in `from` names, if it names one.
fn resolve(all: &BTreeMap<Module, PathBuf>, from: &Module, path: &[String]) -> Option<Module> {
    let (mut base, mut rest): (Module, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (from.clone(), &path[1..]),
        "super" => (from[..from.len().checked_sub(1)?].to_vec(), &path[1..]),
        first => {
            let mut child = from.clone();
            child.push(first.to_owned());
            if !all.contains_key(&child) {
                return None;
            }
            (from.clone(), path)
        }
    };
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    (0..=rest.len()).rev().find_map(|n| {
        let mut candidate = base.clone();
        candidate.extend(rest[..n].iter().cloned());
        all.contains_key(&candidate).then_some(candidate)
    })
}

/// Whether `path` names the module `target` itself rather than an item in it: every
/// segment after its leading `crate`, `self` and `super`s is part of the module's path
/// (`crate::mail`, `super::editions`, a child's name).
fn is_whole(path: &[String], target: &Module) -> bool {
    let named: Vec<String> = path
        .iter()
        .skip_while(|s| matches!(s.as_str(), "crate" | "self" | "super"))
        .cloned()
        .collect();
    target.ends_with(&named)
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

/// Which modules each module imports.
fn imports() -> BTreeMap<Module, BTreeSet<Module>> {
    let all = modules();
    all.iter()
        .map(|(module, file)| {
            let text = std::fs::read_to_string(file).expect("a source file");
            let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
            let mut paths = Paths::default();
            paths.visit_file(&ast);
            let mut targets = BTreeSet::new();
            // A module brought in by name counts where it is used: `use crate::mail;`
            // and then `mail::transport::Mailer` imports `mail::transport`.
            let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
            for (alias, path) in &paths.uses {
                let Some(target) = resolve(&all, module, path) else {
                    continue;
                };
                match alias {
                    Some(alias) if is_whole(path, &target) => {
                        aliases.insert(alias.clone(), target);
                    }
                    _ => {
                        targets.insert(target);
                    }
                }
            }
            for path in &paths.paths {
                let target = match aliases.get(&path[0]) {
                    Some(aliased) => {
                        let mut absolute = vec!["crate".to_owned()];
                        absolute.extend(aliased.iter().cloned());
                        absolute.extend(path[1..].iter().cloned());
                        resolve(&all, module, &absolute)
                    }
                    None => resolve(&all, module, path),
                };
                targets.extend(target);
            }
            targets.remove(module);
            (module.clone(), targets)
        })
        .collect()
}

/// The groups of modules that reach each other (Tarjan's strongly connected components),
/// those of more than one module.
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<BTreeSet<Module>>,
    }
    fn connect<'a>(s: &mut State<'a>, v: &'a Module) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.edges[v] {
            if !s.index.contains_key(w) {
                connect(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.insert(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            connect(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = imports();
    let found = circles(&edges);
    let report: Vec<String> = found
        .iter()
        .map(|group| {
            let arrows: Vec<String> = group
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|b| group.contains(*b))
                        .map(move |b| format!("  {} -> {}", name(a), name(b)))
                })
                .collect();
            arrows.join("\n")
        })
        .collect();
    assert!(
        found.is_empty(),
        "modules importing each other:\n{}",
        report.join("\n\n")
    );
}

#[test]
fn the_resolver_sees_imports_through_every_kind_of_path() {
    // The check is only as good as its reading of paths: a few that exist in src/.
    let edges = imports();
    let of = |m: &str| -> Module {
        if m == "crate" {
            Vec::new()
        } else {
            m.split("::").map(str::to_owned).collect()
        }
    };
    let imports = |a: &str, b: &str| edges[&of(a)].contains(&of(b));
    // `use super::…` between siblings, `use crate::…`, and a path in code.
    assert!(imports("domain::registrations::changes", "domain::actor"));
    assert!(imports("domain::certificates", "domain::time"));
    assert!(imports("api::users", "api::tags"));
    // A path in a type, through a module brought in by name.
    assert!(imports("state", "domain::registrations::combiner"));
    // A module brought in by name imports what is used through it, not itself.
    assert!(imports("domain::sessions", "domain::editions::access"));
    assert!(!imports("domain::sessions", "domain::editions"));
    assert!(imports("domain::webhooks::deliveries", "domain::messages"));
}

#[test]
fn paths_inside_macro_calls_count() {
    let file = syn::parse_file(
        "fn f() { tracing::info!(at = %crate::domain::time::now(), \"x\"); \
         let v = json!({ \"a\": [super::paging::limit(1)] }); }",
    )
    .expect("parses");
    let mut paths = Paths::default();
    paths.visit_file(&file);
    let has = |p: &[&str]| paths.paths.iter().any(|q| q == p);
    assert!(
        has(&["crate", "domain", "time", "now"]),
        "{:?}",
        paths.paths
    );
    assert!(has(&["super", "paging", "limit"]), "{:?}", paths.paths);
}

/// Lines of code (neither blank nor comments) before the file's unit tests.
fn lines_of_code(text: &str) -> usize {
    text.lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

#[test]
fn no_file_is_longer_than_a_reader_can_hold() {
    let ceilings: BTreeMap<&str, usize> = OVERSIZED.iter().copied().collect();
    let mut too_long = Vec::new();
    for file in modules().values() {
        let text = std::fs::read_to_string(file).expect("a source file");
        let n = lines_of_code(&text);
        let rel = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .expect("in the project")
            .to_string_lossy()
            .trim_start_matches('/')
            .to_owned();
        let ceiling = ceilings.get(rel.as_str()).copied().unwrap_or(MAX_LINES);
        if n > ceiling {
            too_long.push(format!("{rel}: {n} lines of code (at most {ceiling})"));
        }
    }
    assert!(too_long.is_empty(), "{}", too_long.join("\n"));
}

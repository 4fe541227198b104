//! The library's modules import one way only: each module of `session/src`
//! may use the modules below it in [`LAYERS`] and none above, so the module
//! graph has no circle. ARCHITECTURE.md draws the same order.

use std::path::{Path, PathBuf};

/// The library's top-level modules, from the bottom up. A module may import
/// only modules earlier in this list.
const LAYERS: &[&str] = &[
    // What everything uses.
    "error",
    "id",
    "value",
    // The stored format.
    "times",
    "data",
    "json_writer",
    // The schema and its keys.
    "table",
    "slot",
    "schema",
    "key",
    "owner",
    // The session.
    "state",
    "session",
    "typestate",
    // Around the session.
    "cookie",
    "storage",
    "cross_site",
    "transport",
    // The web framework integrations.
    "handoff",
    "integration",
    "guard",
    "axum",
    "actix",
];

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file of `session/src` belongs to (`None` for `lib.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_owned();
    (first != "lib.rs").then(|| first.trim_end_matches(".rs").to_owned())
}

/// The modules a file names as `crate::<module>` in its code (comments and
/// doc comments left out).
fn imports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn every_module_imports_only_the_modules_below_it() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../session/src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let rank = |module: &str| LAYERS.iter().position(|known| *known == module);
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(own) = rank(&module) else {
            panic!(
                "{} belongs to module `{module}`, which LAYERS does not place: add it",
                file.display()
            );
        };
        for imported in imports(&std::fs::read_to_string(file).unwrap()) {
            let Some(other) = rank(&imported) else {
                panic!(
                    "{} names `crate::{imported}`, unknown to LAYERS",
                    file.display()
                );
            };
            checked += 1;
            if other > own {
                upward.push(format!(
                    "{} (`{module}`) imports `crate::{imported}`, a layer above it",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(checked > 50, "the imports were found: {checked}");
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_import_scanner_sees_code_and_not_comments() {
    let text = "use crate::session::Session;\n/// See [`x`](crate::storage::X).\nlet y = crate::times::unix_secs(now); // crate::axum\n";
    assert_eq!(imports(text), ["session", "times"]);
}

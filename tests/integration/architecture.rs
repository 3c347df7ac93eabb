//! The layout README's "How the code is organised" promises, checked on the
//! source text (issue 12): the engine knows no door, no log wording and no
//! terminal; SDK types stay under `src/aws/`; no door imports another;
//! nothing imports `main.rs`; and the top-level modules form no cycle.
//!
//! Test code is left out (`tests.rs` files and everything from a
//! `#[cfg(test)]` on): a planner test may well print its findings as 127xxx
//! codes. Comments are left out too, so a doc link is no dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// One production source file: its path under `src/` and its code.
struct Source {
    path: String,
    code: String,
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    collect(Path::new(SRC), &mut files);
    files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| Source {
            path: p.strip_prefix(SRC).unwrap().to_string_lossy().into_owned(),
            code: production_code(&fs::read_to_string(&p).unwrap()),
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code before any `#[cfg(test)]`, without comment lines.
fn production_code(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The architectural unit a file belongs to: its top-level module, each
/// door counted on its own (`doors/lifekeeper`), `None` for the crate roots.
fn unit_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_end_matches(".rs").split('/').collect();
    match parts.as_slice() {
        ["lib"] | ["main"] => None,
        ["doors", "mod"] => Some("doors".into()),
        ["doors", door, ..] => Some(format!("doors/{door}")),
        [top, ..] => Some(top.to_string()),
        [] => None,
    }
}

/// The units `code` names through `crate::…` paths.
fn units_used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let mut path = rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        let segments: Vec<&str> = path
            .next()
            .unwrap_or("")
            .split("::")
            .filter(|s| !s.is_empty())
            .collect();
        match segments.as_slice() {
            ["doors", door, ..] if *door != "Ending" => used.insert(format!("doors/{door}")),
            [top, ..] => used.insert(top.to_string()),
            [] => false,
        };
    }
    // `use crate::{a, b}` groups.
    for (at, _) in code.match_indices("crate::{") {
        let group = &code[at + "crate::{".len()..];
        let group = &group[..group.find('}').unwrap_or(group.len())];
        for item in group.split(',') {
            if let Some(top) = item.trim().split("::").next().filter(|t| !t.is_empty()) {
                used.insert(top.to_string());
            }
        }
    }
    used
}

/// Whether `code` uses a path into a crate whose name starts with `prefix`
/// (`aws_config::…`); a log filter string naming the crate is no use of it.
fn names_crate(code: &str, prefix: &str) -> bool {
    code.match_indices(prefix).any(|(at, _)| {
        let rest = &code[at..];
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest[name_len..].starts_with("::")
    })
}

/// Every rule broken, one line each.
fn violations(sources: &[Source]) -> Vec<String> {
    let mut broken = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        let unit = unit_of(&s.path);
        let used = units_used(&s.code);
        if s.path.starts_with("engine/") {
            for forbidden in [
                "doors", "log", "report", "session", "cli", "aws", "settings",
            ] {
                if used.iter().any(|u| u.split('/').next() == Some(forbidden)) {
                    broken.push(format!("{}: the engine imports crate::{forbidden}", s.path));
                }
            }
            for terminal in ["anstream", "anstyle", "println!", "eprintln!", "tracing::"] {
                if s.code.contains(terminal) {
                    broken.push(format!(
                        "{}: the engine writes to the terminal ({terminal})",
                        s.path
                    ));
                }
            }
        }
        if !s.path.starts_with("aws/") {
            for sdk in [
                "aws_sdk_",
                "aws_config",
                "aws_smithy_",
                "aws_credential_types",
                "aws_types",
            ] {
                if names_crate(&s.code, sdk) {
                    broken.push(format!("{}: names {sdk}* outside src/aws/", s.path));
                }
            }
        }
        if s.code.contains("crate::main") || s.code.contains("mod main") {
            broken.push(format!("{}: imports main.rs", s.path));
        }
        let Some(unit) = unit else { continue };
        if unit.starts_with("doors/") {
            for other in used
                .iter()
                .filter(|u| u.starts_with("doors/") && **u != unit)
            {
                broken.push(format!(
                    "{}: the door {unit} imports the door {other}",
                    s.path
                ));
            }
        }
        let edges = graph.entry(unit.clone()).or_default();
        edges.extend(used.into_iter().filter(|u| *u != unit));
    }
    if let Some(cycle) = find_cycle(&graph) {
        broken.push(format!("import cycle: {}", cycle.join(" -> ")));
    }
    broken
}

/// A cycle of `graph`, as the units along it (the first repeated at the end).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_layout_keeps_its_promises() {
    let sources = sources();
    assert!(
        sources.iter().any(|s| s.path == "engine/planner.rs"),
        "the check must see the engine"
    );
    let broken = violations(&sources);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_check_sees_each_kind_of_breach() {
    let file = |path: &str, code: &str| Source {
        path: path.into(),
        code: production_code(code),
    };
    let bad = [
        file("engine/planner.rs", "use crate::log::catalog::Message;"),
        file("engine/executor.rs", "fn f() { eprintln!(\"x\") }"),
        file("session/mod.rs", "use aws_sdk_ec2::Client;"),
        file(
            "doors/lifekeeper/mod.rs",
            "use crate::doors::operator::status;",
        ),
        file("aws/imds.rs", "use crate::{session, engine};"),
        file("session/bound.rs", "use crate::aws::imds;"),
    ];
    let broken = violations(&bad);
    for expected in [
        "engine/planner.rs: the engine imports crate::log",
        "engine/executor.rs: the engine writes to the terminal (eprintln!)",
        "session/mod.rs: names aws_sdk_* outside src/aws/",
        "doors/lifekeeper/mod.rs: the door doors/lifekeeper imports the door doors/operator",
        "import cycle: aws -> session -> aws",
    ] {
        assert!(
            broken.iter().any(|b| b == expected),
            "missing {expected:?} in {broken:#?}"
        );
    }
    assert!(
        violations(&[file(
            "log/output.rs",
            "EnvFilter::new(\"aws_config=debug\")"
        )])
        .is_empty()
    );
    let fine = [
        file(
            "engine/planner.rs",
            "// see [`crate::log::lines`]\nuse crate::engine::topology::Target;",
        ),
        file(
            "doors/operator/mod.rs",
            "use crate::doors::Ending;\nuse crate::session;",
        ),
        file(
            "engine/ec2/mod.rs",
            "fn f() {}\n#[cfg(test)]\nmod tests { use crate::log::catalog; }",
        ),
    ];
    assert_eq!(violations(&fine), Vec::<String>::new());
}

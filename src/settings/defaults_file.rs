//! Reads `/etc/default/LifeKeeper`: shell-style `KEY=value` lines, bounded.
//!
//! LifeKeeper sources this file from its shell scripts; we read the subset a
//! defaults file uses, one assignment per line: comments, `export`, single
//! and double quotes, backslash escapes and `$NAME` / `${NAME}` expansion
//! (from earlier lines, then the environment). Anything else on a line
//! (command substitution, a quote left open, a second word) makes that one
//! line a warning naming its number, never its text (it may hold a proxy
//! password), and the rest of the file still counts.
//!
//! Owned here rather than left to a dotenv crate because such a crate joins
//! lines while a quote is open (one stray quote swallowed the rest of the
//! file), cannot say which line was wrong, and kept yielding the same I/O
//! error forever on a file that cannot be read.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest file read; LifeKeeper's defaults file is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Bad lines reported one by one; more are summed up in one warning.
pub const MAX_LINE_WARNINGS: usize = 10;

/// What the file said, and what could not be used (reasons, for 127104).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DefaultsFile {
    pub values: HashMap<String, String>,
    pub problems: Vec<String>,
}

/// Reads and parses `path`. A missing file is no problem; a file that cannot
/// be read is one problem, and built-in values are used for everything.
pub fn read(path: &Path, env: &HashMap<String, String>) -> DefaultsFile {
    match read_bounded(path) {
        Ok(None) => DefaultsFile::default(),
        Ok(Some(bytes)) => parse(&bytes, env),
        Err(why) => DefaultsFile {
            values: HashMap::new(),
            problems: vec![format!("cannot read it ({why}); using built-in values")],
        },
    }
}

/// The file's bytes; `None` when it does not exist. Only a regular file is
/// opened: a directory cannot be read, and a FIFO or a device could block or
/// never end.
fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if meta.is_dir() {
        return Err("it is a directory".into());
    }
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(format!("it is larger than {} KiB", MAX_FILE_BYTES / 1024));
    }
    Ok(Some(bytes))
}

/// Parses the file's bytes line by line; pure, for tests.
pub fn parse(bytes: &[u8], env: &HashMap<String, String>) -> DefaultsFile {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut file = DefaultsFile::default();
    let mut bad_lines = 0usize;
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index.saturating_add(1);
        let parsed = std::str::from_utf8(raw)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(|line| {
                assignment(line.strip_suffix('\r').unwrap_or(line), &file.values, env)
            });
        match parsed {
            Ok(Some((key, value))) => {
                file.values.insert(key, value);
            }
            Ok(None) => {}
            Err(why) => {
                bad_lines = bad_lines.saturating_add(1);
                if bad_lines <= MAX_LINE_WARNINGS {
                    file.problems.push(format!("line {number}: {why}"));
                }
            }
        }
    }
    if let Some(more) = bad_lines.checked_sub(MAX_LINE_WARNINGS).filter(|n| *n > 0) {
        file.problems
            .push(format!("{more} more unusable line(s) not listed"));
    }
    file
}

/// One line: `None` for a blank or comment line, else its `KEY=value`.
fn assignment(
    line: &str,
    earlier: &HashMap<String, String>,
    env: &HashMap<String, String>,
) -> Result<Option<(String, String)>, String> {
    let rest = line.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(None);
    }
    let rest = rest
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']))
        .map_or(rest, str::trim_start);
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let key = &rest[..key_len];
    if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("not a KEY=value assignment".into());
    }
    // The would-be key is not named: on a line that is no assignment it may
    // be any text, a password included.
    let Some(value) = rest[key_len..].trim_start().strip_prefix('=') else {
        return Err("not a KEY=value assignment".into());
    };
    let expand = |name: &str| {
        earlier
            .get(name)
            .or_else(|| env.get(name))
            .cloned()
            .unwrap_or_default()
    };
    let value = shell_word(value.trim_start(), &expand).map_err(|why| format!("{key}: {why}"))?;
    Ok(Some((key.to_string(), value)))
}

/// The value: one shell word, then nothing but blanks and a comment.
fn shell_word(text: &str, expand: &dyn Fn(&str) -> String) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let column = at.saturating_add(1);
        match c {
            ' ' | '\t' => {
                let after = text[at..].trim_start();
                if after.is_empty() || after.starts_with('#') {
                    break;
                }
                return Err("more than one word after '=' (quote the value)".into());
            }
            '\'' => loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, c)) => out.push(c),
                    None => return Err(unclosed('\'', column)),
                }
            },
            '"' => double_quoted(&mut chars, &mut out, expand, column)?,
            '\\' => match chars.next() {
                Some((_, c)) => out.push(c),
                None => return Err("a line continuation ('\\' at the end) is not supported".into()),
            },
            '$' => dollar(&mut chars, &mut out, expand)?,
            '`' => return Err("command substitution is not supported".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

type Chars<'t> = std::iter::Peekable<std::str::CharIndices<'t>>;

fn unclosed(quote: char, column: usize) -> String {
    format!(
        "the {quote} opened at character {column} of the value is not closed on this line; the line is ignored"
    )
}

/// The inside of `"…"` (opened at `column`), its closing quote consumed.
fn double_quoted(
    chars: &mut Chars<'_>,
    out: &mut String,
    expand: &dyn Fn(&str) -> String,
    column: usize,
) -> Result<(), String> {
    loop {
        match chars.next() {
            None => return Err(unclosed('"', column)),
            Some((_, '"')) => return Ok(()),
            Some((_, '\\')) => match chars.next() {
                None => return Err(unclosed('"', column)),
                Some((_, c @ ('"' | '\\' | '$' | '`'))) => out.push(c),
                Some((_, c)) => {
                    out.push('\\');
                    out.push(c);
                }
            },
            Some((_, '$')) => dollar(chars, out, expand)?,
            Some((_, '`')) => return Err("command substitution is not supported".into()),
            Some((_, c)) => out.push(c),
        }
    }
}

/// `$NAME` or `${NAME}` expanded; a `$` before anything else is literal.
fn dollar(
    chars: &mut Chars<'_>,
    out: &mut String,
    expand: &dyn Fn(&str) -> String,
) -> Result<(), String> {
    let braced = chars.next_if(|(_, c)| *c == '{').is_some();
    if !braced && chars.next_if(|(_, c)| *c == '(').is_some() {
        return Err("command substitution is not supported".into());
    }
    let mut name = String::new();
    while let Some((_, c)) = chars.next_if(|(_, c)| c.is_ascii_alphanumeric() || *c == '_') {
        name.push(c);
    }
    if braced && chars.next_if(|(_, c)| *c == '}').is_none() {
        return Err("a ${NAME} is not closed, or is not a plain name".into());
    }
    if name.is_empty() && !braced {
        out.push('$');
    } else {
        out.push_str(&expand(&name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::map as env;

    fn parsed(text: &str) -> DefaultsFile {
        parse(text.as_bytes(), &env(&[("SHELLVAR", "from-env")]))
    }

    #[test]
    fn shell_style_assignments() {
        let f = parsed(
            "# LifeKeeper\n\nexport A=1\nB='two words' # note\nC=\"q\\\"uote\" \n  D=plain\\ space\nE=\r\nF=a'b'\"c\"\n",
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.values["A"], "1");
        assert_eq!(f.values["B"], "two words");
        assert_eq!(f.values["C"], "q\"uote");
        assert_eq!(f.values["D"], "plain space");
        assert_eq!(f.values["E"], "");
        assert_eq!(f.values["F"], "abc");
    }

    #[test]
    fn expansion_uses_earlier_lines_then_the_environment() {
        let f = parsed(
            "P=http://p:3128\nHTTPS_PROXY=$P\nX=${SHELLVAR}/x\nY='$P'\nZ=\"$P\"\nU=$UNSET.\nD=5$\n",
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.values["HTTPS_PROXY"], "http://p:3128");
        assert_eq!(f.values["X"], "from-env/x");
        assert_eq!(f.values["Y"], "$P");
        assert_eq!(f.values["Z"], "http://p:3128");
        assert_eq!(f.values["U"], ".");
        assert_eq!(f.values["D"], "5$");
    }

    #[test]
    fn an_unclosed_quote_costs_its_line_only_and_names_it() {
        let f = parsed("A=1\nHTTPS_PROXY='http://u:secret@p:3128\nB=2\nC=\"x\nD=4\n");
        assert_eq!(f.values.get("A").map(String::as_str), Some("1"));
        assert_eq!(f.values.get("B").map(String::as_str), Some("2"));
        assert_eq!(f.values.get("D").map(String::as_str), Some("4"));
        assert!(!f.values.contains_key("HTTPS_PROXY") && !f.values.contains_key("C"));
        assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
        assert!(
            f.problems[0]
                .starts_with("line 2: HTTPS_PROXY: the ' opened at character 1 of the value"),
            "{:?}",
            f.problems
        );
        assert!(f.problems[1].starts_with("line 4: C:"), "{:?}", f.problems);
        assert!(
            f.problems.iter().all(|p| !p.contains("secret")),
            "never the line's text"
        );
    }

    #[test]
    fn what_a_shell_would_run_is_refused() {
        for bad in [
            "A=$(id)",
            "A=`id`",
            "A=\"$(id)\"",
            "A=one two",
            "A=x\\",
            "A=${oops",
            "not an assignment",
            "1A=x",
            "=x",
        ] {
            let f = parsed(bad);
            assert!(f.values.is_empty(), "{bad}: {:?}", f.values);
            assert_eq!(f.problems.len(), 1, "{bad}");
            assert!(
                f.problems[0].starts_with("line 1: "),
                "{bad}: {:?}",
                f.problems
            );
        }
    }

    #[test]
    fn bad_bytes_and_a_bom() {
        let f = parse(b"\xEF\xBB\xBFA=1\nB=\xff\nC=3", &HashMap::new());
        assert_eq!(f.values["A"], "1");
        assert_eq!(f.values["C"], "3");
        assert_eq!(f.problems, ["line 2: it is not UTF-8 text"]);
    }

    #[test]
    fn many_bad_lines_are_summed_up() {
        let text = "junk\n".repeat(1000);
        let f = parsed(&text);
        assert_eq!(f.problems.len(), MAX_LINE_WARNINGS + 1);
        assert_eq!(
            f.problems[MAX_LINE_WARNINGS],
            "990 more unusable line(s) not listed"
        );
    }

    #[test]
    fn what_cannot_be_read_is_one_problem() {
        let dir = tempfile::tempdir().unwrap();
        let f = read(dir.path(), &HashMap::new());
        assert_eq!(
            f.problems,
            ["cannot read it (it is a directory); using built-in values"]
        );
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let f = read(&fifo, &HashMap::new());
        assert_eq!(
            f.problems.len(),
            1,
            "a FIFO is never opened: {:?}",
            f.problems
        );
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'#'; 2 * MAX_FILE_BYTES as usize]).unwrap();
        assert!(read(&big, &HashMap::new()).problems[0].contains("larger than"));
        assert_eq!(
            read(&dir.path().join("absent"), &HashMap::new()),
            DefaultsFile::default()
        );
    }
}

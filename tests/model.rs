//! One job model (issue 11 item 3): only `src/job.rs` knows how a resource
//! name becomes a variable name or a folder, and where the home folder is;
//! only `src/user.rs` asks the password database. This test reads every
//! other source file under `src/` (comments and `#[cfg(test)]` modules left
//! out) and fails on code that spells such a rule itself:
//!
//! - a format string that glues something to `_` (`"{}_{}"`,
//!   `"{prefix}_INTEGRATION_"`) or to `.env` (`"{res}.env"`);
//! - a string that is a fragment of a variable name (`"INTEGRATION_"`,
//!   `"_NAME"`) or spells a resource variable (`"POINTER_REGION"`,
//!   `"PARAMS_DB"`) — help text that shows the rule with placeholders
//!   (`$<R>_PARAMS_<KEY>`) is documentation, not code, and is allowed;
//! - the folder names `"IN"`, `"OUT"` (and a resource's `"state"`) of
//!   `$JOB_PATH`;
//! - `dirs::`, `home_dir`, `getpw…` or `/etc/passwd` (the home folder is
//!   `JobEnv::home`, users are `crate::user` — the one file that asks the
//!   system, the password database or the Windows profile folder).
//!
//! The scanner is tested on snippets first, so that a rule that could
//! never fire is noticed.

use std::path::{Path, PathBuf};

/// A piece of a source file: a string literal's text, or code (comments
/// and literals removed), with the line it starts on.
#[derive(Debug, Clone)]
enum Piece {
    Str(usize, String),
    Code(usize, String),
}

/// Split Rust source into code and string literals; comments are dropped.
/// Handles `//`, nested `/* */`, `"…"` with escapes, raw strings
/// (`r#"…"#`), byte strings, char literals and lifetimes.
fn lex(src: &str) -> Vec<Piece> {
    let chars: Vec<char> = src.chars().collect();
    let mut pieces = Vec::new();
    let mut code = String::new();
    let mut code_line = 1;
    let mut line = 1;
    let mut i = 0;
    let flush = |code: &mut String, code_line: usize, pieces: &mut Vec<Piece>| {
        if !code.trim().is_empty() {
            pieces.push(Piece::Code(code_line, std::mem::take(code)));
        }
        code.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
            continue;
        }
        // A raw string: r"…", r#"…"#, br#"…"#.
        let raw_start = match (c, next) {
            ('r', Some('"' | '#')) if !prev_ident => Some(i + 1),
            ('b', Some('r')) if !prev_ident && matches!(chars.get(i + 2), Some('"' | '#')) => {
                Some(i + 2)
            }
            _ => None,
        };
        if let Some(mut j) = raw_start {
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                flush(&mut code, code_line, &mut pieces);
                let start_line = line;
                let mut text = String::new();
                j += 1;
                while j < chars.len() {
                    if chars[j] == '"' && (1..=hashes).all(|h| chars.get(j + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    line += usize::from(chars[j] == '\n');
                    text.push(chars[j]);
                    j += 1;
                }
                pieces.push(Piece::Str(start_line, text));
                i = j;
                code_line = line;
                continue;
            }
        }
        if c == '"' {
            flush(&mut code, code_line, &mut pieces);
            let start_line = line;
            let mut text = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    text.push(chars[i]);
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    line += usize::from(ch == '\n');
                    text.push(ch);
                }
                i += 1;
            }
            i += 1;
            pieces.push(Piece::Str(start_line, text));
            code_line = line;
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}', '\''), else a lifetime.
            let end = if next == Some('\\') {
                (i + 3..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            if let Some(end) = end {
                code.push_str("' '");
                i = end + 1;
                continue;
            }
        }
        if c == '\n' {
            // One code piece a line, so that a problem names its line.
            flush(&mut code, code_line, &mut pieces);
            line += 1;
            i += 1;
            continue;
        }
        if code.is_empty() {
            code_line = line;
        }
        code.push(c);
        i += 1;
    }
    flush(&mut code, code_line, &mut pieces);
    pieces
}

/// The pieces before the file's `#[cfg(test)] mod …`.
fn without_tests(pieces: Vec<Piece>) -> Vec<Piece> {
    let squeezed = |p: &Piece| match p {
        Piece::Code(_, text) => Some(text.split_whitespace().collect::<String>()),
        Piece::Str(..) => None,
    };
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let code = squeezed(p).unwrap_or_default();
        let next_is_mod = pieces
            .get(i + 1)
            .and_then(squeezed)
            .is_some_and(|n| n.starts_with("mod"));
        if code.contains("#[cfg(test)]mod") || (code.ends_with("#[cfg(test)]") && next_is_mod) {
            break;
        }
        out.push(p.clone());
    }
    out
}

/// Words that only job.rs spells: the resource variables (as suffixes).
const VARIABLE_WORDS: &[&str] = &[
    "INTEGRATION_",
    "PARAMS_",
    "POINTER_",
    "SOURCENAME",
    "VERSIONNAME",
    "VERSIONID",
    "VERSIONNUMBER",
    "_OPERATION",
    "_META",
    "IS_PULL_REQUEST",
    "BASE_BRANCH",
];

/// Whether a literal is a fragment of a variable name: upper-case letters,
/// digits and `_`, starting or ending with `_` (`"INTEGRATION_"`, `"_NAME"`).
fn is_name_fragment(s: &str) -> bool {
    s.len() > 1
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s.chars().any(|c| c.is_ascii_uppercase())
        && (s.starts_with('_') || s.ends_with('_'))
}

/// What is wrong with one piece, if anything. `file` is the path under
/// `src/`.
fn problems(file: &str, piece: &Piece) -> Vec<String> {
    let mut found = Vec::new();
    match piece {
        Piece::Str(_, s) => {
            if s.contains("}_") {
                found.push("glues a value to '_' (a variable name)".to_string());
            }
            if s.contains("}.env") {
                found.push("glues a value to '.env' (a resource's state file)".to_string());
            }
            if is_name_fragment(s) {
                found.push("is a fragment of a variable name".to_string());
            }
            // Help text shows the rule with placeholders: `$<R>_PARAMS_<KEY>`.
            if !s.contains('<')
                && let Some(w) = VARIABLE_WORDS.iter().find(|w| s.contains(*w))
            {
                found.push(format!("spells a resource variable ({w})"));
            }
            if s == "IN" || s == "OUT" || s == "state" {
                found.push("names a folder of $JOB_PATH".to_string());
            }
            if s.contains("/etc/passwd") && file != "user.rs" {
                found.push("reads the password database".to_string());
            }
        }
        Piece::Code(_, c) => {
            // user.rs is the one place that asks the system for the
            // current user's home folder (the password database, the
            // Windows profile folder: std's home_dir).
            for (needle, what) in [
                ("dirs::", "asks dirs for a folder"),
                ("home_dir", "finds the home folder"),
            ] {
                if c.contains(needle) && file != "user.rs" {
                    found.push(what.to_string());
                }
            }
            if c.contains("getpw") && file != "user.rs" {
                found.push("reads the password database".to_string());
            }
            if c.contains("serde_json::from_") && file != "json.rs" {
                found.push("parses JSON outside json.rs (json::parse)".to_string());
            }
        }
    }
    found
}

/// Every problem of one file's text, as `file:line: what (text)`.
fn check(file: &str, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in without_tests(lex(src)) {
        let (line, text) = match &piece {
            Piece::Str(l, t) | Piece::Code(l, t) => (*l, t.clone()),
        };
        for what in problems(file, &piece) {
            let shown: String = text.trim().chars().take(60).collect();
            out.push(format!("src/{file}:{line}: {what}: {shown:?}"));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_finds_each_kind_of_leak() {
    let leaks = r####"
fn a(r: &Resource, env: &JobEnv, p: &str) {
    let x = format!("{}_{}", r.prefix, "ID");
    let y = env.raw(&format!("{p}_OPERATION"));
    let z = p.strip_suffix("_NAME");
    let w = r.var_name("POINTER_REGION");
    let v = job.join("IN").join(name).join("state");
    let f = dir.join(format!("{res}.env"));
    let h = dirs::home_dir();
    let u = std::fs::read_to_string("/etc/passwd");
    let g = unsafe { libc::getpwnam_r(n, a, b, c, d) };
    let q = r#"raw "INTEGRATION_" too"#;
    let j: Value = serde_json::from_slice(body)?;
}
"####;
    let found = check("commands/x.rs", leaks);
    for expected in [
        ":3: glues a value to '_'",
        ":4: glues a value to '_'",
        ":4: spells a resource variable (_OPERATION)",
        ":5: is a fragment of a variable name",
        ":6: spells a resource variable (POINTER_)",
        ":7: names a folder of $JOB_PATH",
        ":8: glues a value to '.env'",
        ":9: asks dirs for a folder",
        ":9: finds the home folder",
        ":10: reads the password database",
        ":11: reads the password database",
        ":12: spells a resource variable (INTEGRATION_)",
        ":13: parses JSON outside json.rs",
    ] {
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "{expected:?} not found in {found:#?}"
        );
    }
    assert_eq!(found.len(), 14, "{found:#?}");
}

#[test]
fn the_scanner_leaves_docs_help_and_tests_alone() {
    let clean = r####"
//! Reads `$<R>_INTEGRATION_<FIELD>` and $JOB_PATH/IN/<name> ("IN").
/// Uses dirs::home_dir() in a doc comment: "{}_{}".
/* a block comment with "INTEGRATION_" in it */
const HELP: &str = "$<R>_PARAMS_<KEY>, else version.propertyBag.params";
fn f<'a>(x: &'a str) -> char {
    let q = '"'; let e = '\''; let n = '\u{1F600}';
    env.var("AWS_ACCESS_KEY_ID"); env.var("JOB_STATE"); format!("{a}-{b}");
    x.chars().next().unwrap_or('_')
}
#[cfg(test)]
mod tests {
    const FIXTURE: &[(&str, &str)] = &[("MYRES_INTEGRATION_TOKEN", "t"), ("X_OPERATION", "IN")];
}
"####;
    assert_eq!(check("x.rs", clean), Vec::<String>::new());
}

#[test]
fn only_job_rs_names_variables_and_folders() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    let mut found = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap().to_string_lossy();
        if rel == "job.rs" {
            continue;
        }
        found.extend(check(&rel, &std::fs::read_to_string(path).unwrap()));
    }
    assert!(
        found.is_empty(),
        "only src/job.rs builds variable names and resource folders \
         (Resource::var_name, JobFolder::resource_folder, JobEnv::home), \
         and only src/json.rs parses JSON; found:\n{}",
        found.join("\n")
    );
}

/// `~` is `$HOME` of the lookup environment: an `--env-file` that sets
/// `HOME` moves `~/.aws` and `~/.docker`, the process's `HOME` does not
/// count then (it used to: `dirs::home_dir` read the process).
#[test]
fn the_home_folder_of_an_env_file_counts() {
    let t = crate::util::Test::new();
    let other = t.root().join("other-home");
    let env_file = t.root().join("job.env");
    std::fs::write(
        &env_file,
        format!(
            "HOME=\"{}\"\nKEYS_INTEGRATION_ACCESSKEY=AKIAEXAMPLE\nKEYS_INTEGRATION_SECRETKEY=s3cr3t\n",
            other.display()
        ),
    )
    .unwrap();
    let env_file = env_file.to_str().unwrap().to_string();
    let (home, other_s) = (t.home(), other.display().to_string());
    let stderr = format!(
        "shipctl: warning: no region written for profile \"default\": resource keys has \
         none (looked at --region, $KEYS_POINTER_REGION, {job}/IN/keys/version.json \
         .version.propertyBag.region and .propertyBag.yml.pointer.region, \
         $KEYS_INTEGRATION_REGION, {job}/IN/keys/integration.json .region); give one \
         with --region NAME\nshipctl: AWS profile \"default\" written to \
         {other_s}/.aws/credentials\n",
        job = t.job().display()
    );
    let _sandbox = t
        .args(["--env-file", &env_file, "configure_aws", "keys"])
        .stderr(stderr)
        .run();
    let creds = std::fs::read_to_string(other.join(".aws/credentials")).unwrap();
    assert!(creds.contains("aws_access_key_id = AKIAEXAMPLE"), "{creds}");
    assert!(!home.join(".aws").exists());

    let t = crate::util::Test::new();
    let env_file = t.root().join("job.env");
    let other = t.root().join("other-home");
    std::fs::write(&env_file, format!("HOME={}\n", other.display())).unwrap();
    let env_file = env_file.to_str().unwrap().to_string();
    t.args([
        "--env-file",
        &env_file,
        "ecr_login",
        "img",
        "--registry",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "--remove",
    ])
    .stderr(format!(
        "shipctl: no auths entry for 123456789012.dkr.ecr.eu-west-1.amazonaws.com in \
         {}/.docker/config.json; nothing to remove\n",
        other.display()
    ))
    .run();
}

/// A file that a command reads whole is found, missing or an error in one
/// way (`fsutil`'s reader): `get_integration_resource RES` refuses a FIFO
/// in integration.json's place instead of waiting for a writer, and says
/// "not found" (99) for a missing one.
#[test]
fn whole_file_reads_neither_hang_nor_guess() {
    let t = crate::util::Test::new();
    let dir = t.job().join("IN/keys");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("integration.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        crate::util::skip("mkfifo failed");
        return;
    }
    let stderr = format!(
        "shipctl: error: {} is a FIFO (named pipe), not a regular file\n",
        fifo.display()
    );
    t.args(["get_integration_resource", "keys"])
        .stderr(stderr)
        .status(1)
        .run();

    let t = crate::util::Test::new();
    let missing = t.job().join("IN/keys/integration.json");
    let stderr = format!("shipctl: error: {} not found\n", missing.display());
    t.args(["get_integration_resource", "keys"])
        .stderr(stderr)
        .status(99)
        .run();
}

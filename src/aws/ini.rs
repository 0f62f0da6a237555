//! Editor for the AWS CLI's `credentials` and `config` files.
//!
//! It changes what `aws configure set` would change and keeps every other
//! byte. Reading follows botocore exactly: Python's
//! `configparser.RawConfigParser` in strict mode, then botocore's nested
//! `s3 =` blocks and its `[profile NAME]` mapping. Where the CLI would lose or
//! shadow data, this editor deviates on purpose:
//!
//! - keys match case-insensitively, as botocore reads them;
//! - headers match by the profile they map to (`[profile  ci]`,
//!   `[profile "a b"]`, `  [ci]`); when several map, the last one (the one
//!   botocore uses) is edited;
//! - only real top-level key lines are replaced, never comments, continuation
//!   lines or nested keys; a replaced line keeps its indentation and loses the
//!   continuation lines of its old value;
//! - a new line never glues onto, or becomes a continuation of, another line.
//!
//! Every edit is checked before it is returned: the result is parsed again
//! and must hold exactly the values before the edit plus the change. Anything
//! else is refused with an error, so a file is never made worse.
//!
//! All functions are pure: text in, text out. Error messages never contain a
//! value, only keys, profile names and line numbers.

use std::collections::BTreeMap;
use std::fmt;

/// Which of the two files a section lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/credentials`: `[NAME]` headers.
    Credentials,
    /// `~/.aws/config`: `[default]` and `[profile NAME]` headers.
    Config,
}

/// Keys that `aws configure set` writes to the credentials file.
pub const CREDENTIAL_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// The file `aws configure set KEY` writes to.
pub fn kind_for_key(key: &str) -> FileKind {
    if CREDENTIAL_KEYS.contains(&key) {
        FileKind::Credentials
    } else {
        FileKind::Config
    }
}

/// Why an edit was refused. No variant carries a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniError {
    /// The bytes are not UTF-8 (botocore decodes with the UTF-8 locale).
    NotUtf8 { offset: usize },
    /// botocore's parser would reject the file.
    Parse { line: usize, reason: String },
    /// A profile name this tool does not write.
    BadProfileName { name: String, reason: &'static str },
    /// A key this editor does not write.
    BadKey { key: String, reason: &'static str },
    /// A value that cannot be stored so that botocore reads it back unchanged.
    BadValue { key: String, reason: &'static str },
    /// The file has a shape this editor does not change safely.
    Unsupported { reason: String },
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::NotUtf8 { offset } => {
                write!(
                    f,
                    "not valid UTF-8 (byte {offset}); botocore cannot read it"
                )
            }
            IniError::Parse { line, reason } => {
                write!(f, "line {line}: {reason}; botocore cannot read this file")
            }
            IniError::BadProfileName { name, reason } => {
                write!(f, "invalid profile name {name:?}: {reason}")
            }
            IniError::BadKey { key, reason } => write!(f, "invalid key {key:?}: {reason}"),
            IniError::BadValue { key, reason } => write!(f, "invalid value for {key}: {reason}"),
            IniError::Unsupported { reason } => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for IniError {}

// ---------------------------------------------------------------- Python text rules

/// `str.isspace()` in Python: Rust's White_Space plus the four separators
/// U+001C..U+001F.
fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(py_isspace)
}

/// Characters that Python's `str.splitlines()` breaks on.
fn is_py_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// `shlex.split(s)` (POSIX mode, no comments). `None` where Python raises.
fn shlex_split(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            '\\' => {
                cur.push(chars.next()?);
                in_token = true;
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            let n = chars.next()?;
                            if n != '"' && n != '\\' {
                                cur.push('\\');
                            }
                            cur.push(n);
                        }
                        c => cur.push(c),
                    }
                }
            }
            c => {
                cur.push(c);
                in_token = true;
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    Some(out)
}

// ---------------------------------------------------------------- parsing

/// What configparser made of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    Blank,
    Comment,
    Header {
        name: String,
    },
    /// A key line; `key` is lower-cased as botocore reads it.
    Option {
        key: String,
        inline_empty: bool,
    },
    /// A continuation of the value started on line `owner`.
    Cont {
        owner: usize,
    },
}

#[derive(Debug, Clone)]
struct Line {
    text: String,
    /// `"\n"`, `"\r\n"`, `"\r"` or `""` (last line without a newline).
    term: String,
    class: Class,
}

/// One section: its header line and the lines up to the next header.
#[derive(Debug, Clone)]
struct Section {
    name: String,
    header: usize,
    end: usize,
}

/// The meaning of a file as botocore reads it: sections in order, each a map
/// of lower-cased keys to raw (joined) values, plus `[DEFAULT]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Sem {
    sections: Vec<(String, BTreeMap<String, String>)>,
    defaults: BTreeMap<String, String>,
}

impl Sem {
    fn section_mut(&mut self, name: &str) -> &mut BTreeMap<String, String> {
        let pos = match self.sections.iter().position(|(n, _)| n == name) {
            Some(p) => p,
            None => {
                self.sections.push((name.to_string(), BTreeMap::new()));
                self.sections.len() - 1
            }
        };
        &mut self.sections[pos].1
    }
}

/// A parsed file.
#[derive(Debug, Clone)]
pub struct Doc {
    lines: Vec<Line>,
    sections: Vec<Section>,
    sem: Sem,
}

fn split_lines(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let tlen = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                out.push((rest[..i].to_string(), rest[i..i + tlen].to_string()));
                rest = &rest[i + tlen..];
            }
            None => {
                out.push((rest.to_string(), String::new()));
                rest = "";
            }
        }
    }
    out
}

fn indent_chars(s: &str) -> usize {
    s.chars().take_while(|c| py_isspace(*c)).count()
}

fn indent_prefix(s: &str) -> &str {
    let n = s.len() - s.trim_start_matches(py_isspace).len();
    &s[..n]
}

/// `SECTCRE.match(stripped)`: `[` at the start, then the text up to the last `]`.
fn header_name(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

fn parse_nested(value: &str) -> Result<BTreeMap<String, String>, ()> {
    let mut out = BTreeMap::new();
    for line in value.split(is_py_line_break) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or(())?;
        out.insert(py_strip(k).to_string(), py_strip(v).to_string());
    }
    Ok(out)
}

impl Doc {
    /// Parses text with botocore's rules; refuses what botocore refuses.
    pub fn parse(text: &str) -> Result<Doc, IniError> {
        let mut lines: Vec<Line> = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        // Raw value pieces per (section index or None for DEFAULT, key).
        let mut values: Vec<(Option<usize>, String, Vec<String>, usize)> = Vec::new();
        let mut seen_sections: Vec<String> = Vec::new();
        let mut seen_keys: Vec<(String, String)> = Vec::new();
        // The current section: None before the first header; Some(None) in DEFAULT.
        let mut cursect: Option<Option<usize>> = None;
        let mut sectname = String::new();
        let mut optname: Option<usize> = None; // index into `values`
        let mut opt_line = 0usize;
        let mut indent_level = 0usize;
        let mut first_error: Option<IniError> = None;

        for (idx, (text, term)) in split_lines(text).into_iter().enumerate() {
            let lineno = idx + 1;
            let stripped = py_strip(&text);
            let class;
            if stripped.starts_with('#') || stripped.starts_with(';') {
                class = Class::Comment;
            } else if stripped.is_empty() {
                if let (Some(_), Some(v)) = (cursect, optname) {
                    values[v].2.push(String::new());
                }
                class = Class::Blank;
            } else {
                let cur_indent = indent_chars(&text);
                if let (Some(_), Some(v)) = (cursect, optname)
                    && cur_indent > indent_level
                {
                    values[v].2.push(stripped.to_string());
                    class = Class::Cont { owner: opt_line };
                } else {
                    indent_level = cur_indent;
                    if let Some(name) = header_name(stripped) {
                        if name == "DEFAULT" {
                            cursect = Some(None);
                        } else {
                            if seen_sections.iter().any(|s| s == name) {
                                return Err(IniError::Parse {
                                    line: lineno,
                                    reason: format!("section [{name}] appears twice"),
                                });
                            }
                            seen_sections.push(name.to_string());
                            if let Some(last) = sections.last_mut() {
                                last.end = idx;
                            }
                            sections.push(Section {
                                name: name.to_string(),
                                header: idx,
                                end: idx + 1,
                            });
                            cursect = Some(Some(sections.len() - 1));
                        }
                        sectname = name.to_string();
                        optname = None;
                        class = Class::Header {
                            name: name.to_string(),
                        };
                    } else if cursect.is_none() {
                        return Err(IniError::Parse {
                            line: lineno,
                            reason: "text before the first [section] header".into(),
                        });
                    } else if let Some(d) = stripped.find(['=', ':']) {
                        let key = py_rstrip(&stripped[..d]);
                        let optval = py_strip(&stripped[d + 1..]);
                        if key.is_empty() {
                            first_error.get_or_insert(IniError::Parse {
                                line: lineno,
                                reason: "a line with an empty key".into(),
                            });
                        }
                        let key = key.to_lowercase();
                        if seen_keys.iter().any(|(s, k)| *s == sectname && *k == key) {
                            return Err(IniError::Parse {
                                line: lineno,
                                reason: format!("key {key:?} appears twice in [{sectname}]"),
                            });
                        }
                        seen_keys.push((sectname.clone(), key.clone()));
                        let sect = cursect.flatten();
                        values.retain(|(s, k, _, _)| !(*s == sect && *k == key));
                        values.push((sect, key.clone(), vec![optval.to_string()], idx));
                        optname = Some(values.len() - 1);
                        opt_line = idx;
                        class = Class::Option {
                            key,
                            inline_empty: optval.is_empty(),
                        };
                    } else {
                        first_error.get_or_insert(IniError::Parse {
                            line: lineno,
                            reason: "a line that is neither a header, a comment nor key = value"
                                .into(),
                        });
                        class = Class::Blank;
                    }
                }
            }
            lines.push(Line { text, term, class });
        }
        if let Some(last) = sections.last_mut() {
            last.end = lines.len();
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let mut sem = Sem {
            sections: sections
                .iter()
                .map(|s| (s.name.clone(), BTreeMap::new()))
                .collect(),
            defaults: BTreeMap::new(),
        };
        let mut origin: BTreeMap<(Option<usize>, String), usize> = BTreeMap::new();
        for (sect, key, pieces, line) in values {
            let joined = py_rstrip(&pieces.join("\n")).to_string();
            match sect {
                Some(i) => sem.sections[i].1.insert(key.clone(), joined),
                None => sem.defaults.insert(key.clone(), joined),
            };
            origin.insert((sect, key), line);
        }
        // botocore parses values that start with a newline as nested blocks.
        for (i, (_, opts)) in sem.sections.iter().enumerate() {
            let own = opts.iter().map(|(k, v)| (Some(i), k, v));
            let inherited = sem
                .defaults
                .iter()
                .filter(|(k, _)| !opts.contains_key(*k))
                .map(|(k, v)| (None, k, v));
            for (s, k, v) in own.chain(inherited) {
                if v.starts_with('\n') && parse_nested(v).is_err() {
                    let line = origin.get(&(s, k.clone())).map_or(0, |l| l + 1);
                    return Err(IniError::Parse {
                        line,
                        reason: format!("the nested block under {k:?} has a line without '='"),
                    });
                }
            }
        }
        Ok(Doc {
            lines,
            sections,
            sem,
        })
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&l.text);
            out.push_str(&l.term);
        }
        out
    }

    /// The sections that botocore maps to `profile` in a file of `kind`, in
    /// file order.
    fn profile_sections(&self, kind: FileKind, profile: &str) -> Vec<usize> {
        (0..self.sections.len())
            .filter(|&i| section_maps_to(kind, &self.sections[i].name, profile))
            .collect()
    }

    /// Continuation lines of the option on line `owner`.
    fn conts_of(&self, owner: usize) -> Vec<usize> {
        (owner + 1..self.lines.len())
            .filter(|&i| self.lines[i].class == Class::Cont { owner })
            .collect()
    }

    fn find_option(&self, sect: &Section, key: &str) -> Option<usize> {
        let key = key.to_lowercase();
        (sect.header + 1..sect.end)
            .find(|&i| matches!(&self.lines[i].class, Class::Option { key: k, .. } if *k == key))
    }
}

/// Whether botocore reads section `name` of a `kind` file as `profile`.
fn section_maps_to(kind: FileKind, name: &str, profile: &str) -> bool {
    match kind {
        FileKind::Credentials => name == profile,
        FileKind::Config => {
            if name == "default" {
                return profile == "default";
            }
            name.starts_with("profile")
                && shlex_split(name).is_some_and(|p| p.len() == 2 && p[1] == profile)
        }
    }
}

/// The header text `aws configure set` writes for a new section.
fn new_section_name(kind: FileKind, profile: &str) -> String {
    match kind {
        FileKind::Credentials => profile.to_string(),
        FileKind::Config if profile == "default" => "default".to_string(),
        FileKind::Config if profile.contains([' ', '\t']) => format!("profile '{profile}'"),
        FileKind::Config => format!("profile {profile}"),
    }
}

// ---------------------------------------------------------------- validation

/// Refuses what botocore's strict parser rejects: bytes that are not UTF-8
/// (a BOM included, since botocore does not skip it), text before the first
/// header, duplicate sections, duplicate keys (case-insensitive), lines that
/// are not `key = value`, and nested lines without `=`.
pub fn validate_like_botocore(bytes: &[u8]) -> Result<(), IniError> {
    let text = decode(bytes)?;
    Doc::parse(text).map(|_| ())
}

/// Decodes a file's bytes as botocore does under a UTF-8 locale.
pub fn decode(bytes: &[u8]) -> Result<&str, IniError> {
    std::str::from_utf8(bytes).map_err(|e| IniError::NotUtf8 {
        offset: e.valid_up_to(),
    })
}

/// shipctl's rule for profile names: no whitespace, `[`, `]`, `'`, `"`, `/`,
/// `\`, control characters; not `preview` or `plugins` (bare config sections
/// the CLI treats specially) nor `DEFAULT` (configparser's defaults section).
pub fn validate_profile_name(name: &str) -> Result<(), IniError> {
    let bad = |reason| {
        Err(IniError::BadProfileName {
            name: name.to_string(),
            reason,
        })
    };
    if name.chars().any(|c| py_isspace(c) || c.is_control()) {
        return bad("it must not contain whitespace or control characters");
    }
    if name.contains(['[', ']', '\'', '"', '/', '\\']) {
        return bad("it must not contain [ ] ' \" / or \\");
    }
    check_editable_name(name)
}

/// The editor's own, looser rule: names it can write so that the CLI and
/// botocore read them back (spaces and tabs are quoted in config headers as
/// the CLI does).
fn check_editable_name(name: &str) -> Result<(), IniError> {
    let bad = |reason| {
        Err(IniError::BadProfileName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name
        .chars()
        .any(|c| (py_isspace(c) && c != ' ' && c != '\t') || c.is_control())
    {
        return bad("it must not contain line breaks or control characters");
    }
    if py_strip(name) != name {
        return bad("it must not start or end with whitespace");
    }
    if name.contains([']', '\'', '"', '\\']) {
        return bad("botocore cannot read it back reliably");
    }
    match name {
        "preview" | "plugins" => {
            bad("the AWS CLI treats it as a bare config section, not a profile")
        }
        "DEFAULT" => bad("configparser reads [DEFAULT] as defaults for every profile"),
        _ => Ok(()),
    }
}

fn check_key(key: &str) -> Result<(), IniError> {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let valid = match key.split_once('.') {
        Some((a, b)) => ok_part(a) && ok_part(b),
        None => ok_part(key),
    };
    if valid {
        Ok(())
    } else {
        Err(IniError::BadKey {
            key: key.to_string(),
            reason: "expected letters, digits, '_' or '-', with at most one '.'",
        })
    }
}

fn check_value(key: &str, value: &str) -> Result<(), IniError> {
    let bad = |reason| {
        Err(IniError::BadValue {
            key: key.to_string(),
            reason,
        })
    };
    if value.chars().any(is_py_line_break) {
        return bad("it contains a newline, carriage return or other line break");
    }
    if py_strip(value) != value {
        return bad("it starts or ends with whitespace, which botocore would strip");
    }
    Ok(())
}

// ---------------------------------------------------------------- editing

/// What an edit must change; everything else must read back unchanged.
enum Change<'a> {
    Set {
        key: &'a str,
        value: &'a str,
    },
    SetNested {
        key: &'a str,
        sub: &'a str,
        value: &'a str,
    },
    RemoveKey {
        key: &'a str,
    },
}

fn expected_sem(before: &Sem, section: &str, change: &Change) -> Sem {
    let mut sem = before.clone();
    let opts = sem.section_mut(section);
    match change {
        Change::Set { key, value } => {
            opts.insert(key.to_lowercase(), value.to_string());
        }
        Change::RemoveKey { key } => {
            opts.remove(&key.to_lowercase());
        }
        Change::SetNested { .. } => {} // compared separately
    }
    sem
}

fn verify(before: &Sem, out: &str, section: &str, change: &Change) -> Result<(), IniError> {
    let unsafe_edit = || IniError::Unsupported {
        reason: format!(
            "refusing to edit [{section}]: the result would not read back as intended \
             (unusual layout); edit the file by hand"
        ),
    };
    let after = Doc::parse(out).map_err(|_| unsafe_edit())?.sem;
    let mut expected = expected_sem(before, section, change);
    if let Change::SetNested { key, sub, value } = change {
        let key = key.to_lowercase();
        let mut nested = match before
            .sections
            .iter()
            .find(|(n, _)| n == section)
            .and_then(|(_, o)| o.get(&key))
        {
            Some(v) => parse_nested(v).map_err(|_| unsafe_edit())?,
            None => BTreeMap::new(),
        };
        nested.insert(sub.to_string(), value.to_string());
        let got = after
            .sections
            .iter()
            .find(|(n, _)| n == section)
            .and_then(|(_, o)| o.get(&key))
            .filter(|v| v.starts_with('\n'))
            .and_then(|v| parse_nested(v).ok());
        if got.as_ref() != Some(&nested) {
            return Err(unsafe_edit());
        }
        // Compare everything else with the nested value taken from `after`.
        if let Some(v) = after
            .sections
            .iter()
            .find(|(n, _)| n == section)
            .and_then(|(_, o)| o.get(&key))
        {
            expected.section_mut(section).insert(key, v.clone());
        }
    }
    if after == expected {
        Ok(())
    } else {
        Err(unsafe_edit())
    }
}

fn new_line(text: String) -> Line {
    Line {
        text,
        term: "\n".into(),
        class: Class::Blank, // reparsed before use
    }
}

/// Where `aws configure set` puts a key that a section lacks, made safe: never
/// before a continuation line (which would then continue the new key).
/// Returns the line index and the indentation for the new line.
fn insertion_point(doc: &mut Doc, s: usize) -> (usize, String) {
    let sect = doc.sections[s].clone();
    let is_last = s + 1 == doc.sections.len();
    // L: the last line of the section containing '=' or ':' after a non-delimiter
    // (the CLI's OPTION_REGEX, which also matches comments and continuations).
    let option_like = |t: &str| {
        t.find(|c| c != '=' && c != ':')
            .is_some_and(|a| t[a..].contains(['=', ':']))
    };
    let l = (sect.header + 1..sect.end)
        .rev()
        .find(|&i| option_like(&doc.lines[i].text))
        .unwrap_or(sect.header);
    let mut at = if is_last {
        if let Some(last) = doc.lines.last_mut()
            && last.term.is_empty()
        {
            last.term = "\n".into();
        }
        (l + 2).min(doc.lines.len())
    } else {
        l + 1
    };
    // Never split a multi-line value: move past its continuation lines.
    let mut i = at;
    while i < sect.end {
        match doc.lines[i].class {
            Class::Cont { .. } => {
                i += 1;
                at = i;
            }
            Class::Blank | Class::Comment => i += 1,
            _ => break,
        }
    }
    // Indent like the next key or header, so that it does not become a
    // continuation of the new line.
    let indent = (at..doc.lines.len())
        .find(|&i| {
            matches!(
                doc.lines[i].class,
                Class::Option { .. } | Class::Header { .. }
            )
        })
        .map(|i| indent_prefix(&doc.lines[i].text).to_string())
        .unwrap_or_default();
    (at, indent)
}

fn normalise_newlines(doc: &mut Doc) {
    for l in &mut doc.lines {
        if !l.term.is_empty() {
            l.term = "\n".into();
        }
    }
}

/// Sets `key` to `value` in `profile`'s section of a `kind` file, as
/// `aws configure set KEY VALUE --profile PROFILE` would. A dotted key
/// (`s3.max_queue_size`) sets a nested value (config only).
pub fn set(
    text: &str,
    kind: FileKind,
    profile: &str,
    key: &str,
    value: &str,
) -> Result<String, IniError> {
    check_editable_name(profile)?;
    check_key(key)?;
    check_value(key, value)?;
    let nested = key.split_once('.');
    if nested.is_some() && kind == FileKind::Credentials {
        return Err(IniError::BadKey {
            key: key.to_string(),
            reason: "nested keys belong in the config file",
        });
    }
    let mut doc = Doc::parse(text)?;
    let before = doc.sem.clone();
    let targets = doc.profile_sections(kind, profile);
    let Some(&s) = targets.last() else {
        // Append a new section; the rest of the file is left byte for byte.
        let name = new_section_name(kind, profile);
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("[{name}]\n"));
        match nested {
            Some((k, sub)) => out.push_str(&format!("{k} =\n    {sub} = {value}\n")),
            None => out.push_str(&format!("{key} = {value}\n")),
        }
        let change = match nested {
            Some((k, sub)) => Change::SetNested { key: k, sub, value },
            None => Change::Set { key, value },
        };
        verify(&before, &out, &name, &change)?;
        return Ok(out);
    };
    let sect = doc.sections[s].clone();
    normalise_newlines(&mut doc);
    let change = match nested {
        None => {
            if let Some(i) = doc.find_option(&sect, key) {
                let conts = doc.conts_of(i);
                let prefix = indent_prefix(&doc.lines[i].text).to_string();
                doc.lines[i] = new_line(format!("{prefix}{key} = {value}"));
                for c in conts.into_iter().rev() {
                    doc.lines.remove(c);
                }
            } else {
                let (at, indent) = insertion_point(&mut doc, s);
                doc.lines
                    .insert(at, new_line(format!("{indent}{key} = {value}")));
            }
            Change::Set { key, value }
        }
        Some((k, sub)) => {
            set_nested(&mut doc, s, k, sub, value)?;
            Change::SetNested { key: k, sub, value }
        }
    };
    let out = doc.render();
    verify(&before, &out, &sect.name, &change)?;
    Ok(out)
}

fn set_nested(doc: &mut Doc, s: usize, k: &str, sub: &str, value: &str) -> Result<(), IniError> {
    let sect = doc.sections[s].clone();
    let Some(i) = doc.find_option(&sect, k) else {
        let (at, indent) = insertion_point(doc, s);
        doc.lines.insert(at, new_line(format!("{indent}{k} =")));
        doc.lines
            .insert(at + 1, new_line(format!("{indent}    {sub} = {value}")));
        return Ok(());
    };
    if doc.lines[i].class
        != (Class::Option {
            key: k.to_lowercase(),
            inline_empty: true,
        })
    {
        return Err(IniError::Unsupported {
            reason: format!(
                "[{}] {k} holds a plain value, not a nested block",
                sect.name
            ),
        });
    }
    let conts = doc.conts_of(i);
    let hit = conts.iter().rev().copied().find(|&c| {
        py_strip(&doc.lines[c].text)
            .split_once('=')
            .is_some_and(|(key, _)| py_strip(key) == sub)
    });
    if let Some(c) = hit {
        let prefix = indent_prefix(&doc.lines[c].text).to_string();
        doc.lines[c] = new_line(format!("{prefix}{sub} = {value}"));
    } else {
        let prefix = indent_prefix(&doc.lines[i].text).to_string();
        let at = conts.last().copied().unwrap_or(i);
        if doc.lines[at].term.is_empty() {
            doc.lines[at].term = "\n".into();
        }
        doc.lines
            .insert(at + 1, new_line(format!("{prefix}    {sub} = {value}")));
    }
    Ok(())
}

/// Deletes `key` (and its continuation lines) from `profile`'s section, if
/// present. Other bytes, line endings included, are kept.
pub fn remove_key(
    text: &str,
    kind: FileKind,
    profile: &str,
    key: &str,
) -> Result<String, IniError> {
    check_editable_name(profile)?;
    check_key(key)?;
    let mut doc = Doc::parse(text)?;
    let before = doc.sem.clone();
    let Some(&s) = doc.profile_sections(kind, profile).last() else {
        return Ok(text.to_string());
    };
    let sect = doc.sections[s].clone();
    let Some(i) = doc.find_option(&sect, key) else {
        return Ok(text.to_string());
    };
    let mut gone = doc.conts_of(i);
    gone.insert(0, i);
    for g in gone.into_iter().rev() {
        doc.lines.remove(g);
    }
    let out = doc.render();
    verify(&before, &out, &sect.name, &Change::RemoveKey { key })?;
    Ok(out)
}

/// A credential set: written together, so no stale token survives.
#[derive(Clone)]
pub struct Credentials<'a> {
    pub key_id: &'a str,
    pub secret: &'a str,
    /// `None` or empty: no token; any old `aws_session_token` and
    /// `aws_security_token` are removed.
    pub token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .field("token", &self.token.map(|_| "<redacted>"))
            .finish()
    }
}

/// Writes key id, secret and token of `profile` in the credentials file as one
/// set. `aws_security_token`, which botocore prefers over
/// `aws_session_token`, is always removed; `aws_session_token` is written when
/// there is a token and removed when there is none. Where `[DEFAULT]` would
/// still lend the profile a token, an empty one is written instead (botocore
/// treats an empty token as none).
pub fn set_credentials(text: &str, profile: &str, creds: &Credentials) -> Result<String, IniError> {
    let kind = FileKind::Credentials;
    let mut out = set(text, kind, profile, "aws_access_key_id", creds.key_id)?;
    out = set(&out, kind, profile, "aws_secret_access_key", creds.secret)?;
    let token = creds.token.filter(|t| !t.is_empty());
    let defaults = Doc::parse(&out)?.sem.defaults;
    if let Some(t) = token {
        out = set(&out, kind, profile, "aws_session_token", t)?;
    } else if defaults.contains_key("aws_session_token") {
        out = set(&out, kind, profile, "aws_session_token", "")?;
    } else {
        out = remove_key(&out, kind, profile, "aws_session_token")?;
    }
    if defaults.contains_key("aws_security_token") {
        out = set(&out, kind, profile, "aws_security_token", "")?;
    } else {
        out = remove_key(&out, kind, profile, "aws_security_token")?;
    }
    Ok(out)
}

/// Deletes every section that botocore maps to `profile` in a `kind` file,
/// from its header to its last key or continuation line. Comments and blank
/// lines after that, and every other section, are kept byte for byte.
/// Returns the new text and how many sections were removed.
pub fn remove(text: &str, kind: FileKind, profile: &str) -> Result<(String, usize), IniError> {
    check_editable_name(profile)?;
    let mut doc = Doc::parse(text)?;
    let targets = doc.profile_sections(kind, profile);
    if targets.is_empty() {
        return Ok((text.to_string(), 0));
    }
    let mut expected = doc.sem.clone();
    let names: Vec<String> = targets
        .iter()
        .map(|&s| doc.sections[s].name.clone())
        .collect();
    expected.sections.retain(|(n, _)| !names.contains(n));
    for &s in targets.iter().rev() {
        let sect = doc.sections[s].clone();
        let last = (sect.header + 1..sect.end)
            .rev()
            .find(|&i| {
                matches!(
                    doc.lines[i].class,
                    Class::Option { .. } | Class::Cont { .. }
                )
            })
            .unwrap_or(sect.header);
        doc.lines.drain(sect.header..=last);
    }
    let out = doc.render();
    let after = Doc::parse(&out).map(|d| d.sem);
    if after.as_ref() != Ok(&expected) {
        return Err(IniError::Unsupported {
            reason: format!(
                "refusing to remove profile {profile:?}: the rest of the file would \
                 not read back unchanged (unusual layout); edit the file by hand"
            ),
        });
    }
    Ok((out, targets.len()))
}

/// Whether botocore would find a section for `profile` in this file.
pub fn has_profile(text: &str, kind: FileKind, profile: &str) -> Result<bool, IniError> {
    Ok(!Doc::parse(text)?.profile_sections(kind, profile).is_empty())
}

/// The profiles botocore finds in this file, in file order, each once
/// (for completion: `configure_aws RES --profile <TAB>`).
pub fn profile_names(text: &str, kind: FileKind) -> Result<Vec<String>, IniError> {
    let doc = Doc::parse(text)?;
    let mut names: Vec<String> = Vec::new();
    for s in &doc.sections {
        let name = match kind {
            FileKind::Credentials => Some(s.name.clone()),
            FileKind::Config if s.name == "default" => Some(s.name.clone()),
            FileKind::Config => shlex_split(&s.name)
                .filter(|p| p.len() == 2)
                .map(|p| p[1].clone()),
        };
        if let Some(n) = name
            && section_maps_to(kind, &s.name, &n)
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_like_python() {
        assert_eq!(
            shlex_split("profile 'my ci'"),
            Some(vec!["profile".into(), "my ci".into()])
        );
        assert_eq!(
            shlex_split("profile \"a b\""),
            Some(vec!["profile".into(), "a b".into()])
        );
        assert_eq!(
            shlex_split("profile  ci"),
            Some(vec!["profile".into(), "ci".into()])
        );
        assert_eq!(shlex_split("profile o'brien"), None);
        assert_eq!(
            shlex_split("profile ''"),
            Some(vec!["profile".into(), String::new()])
        );
        assert_eq!(shlex_split("a\\"), None);
    }

    #[test]
    fn header_rules() {
        assert_eq!(header_name("[ci] ; robot"), Some("ci"));
        assert_eq!(header_name("[a]b]"), Some("a]b"));
        assert_eq!(header_name("[]"), None);
        assert_eq!(header_name("[x"), None);
    }

    #[test]
    fn refuses_what_botocore_refuses() {
        for bad in [
            &b"\xef\xbb\xbf[default]\nk = v\n"[..],
            b"k = v\n[ci]\n",
            b"[ci]\nk = 1\n[ci]\n",
            b"[ci]\nRegion = 1\nregion = 2\n",
            b"[ci]\njunk\n",
            b"[ci]\n= v\n",
            b"[ci\nk = v\n",
            b"[ci]\ns3 =\n    nokey\n",
            b"[ci]\n\xe9\n",
            b"\x00\x01\x02",
        ] {
            assert!(validate_like_botocore(bad).is_err(), "{bad:?}");
        }
        for good in [
            &b""[..],
            b"# only\n\n",
            b"[ci]\nk = v\n  more\n\n[x]\n",
            b"  [ci]\nk: v\r\n",
            b"[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n",
        ] {
            assert!(validate_like_botocore(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn names() {
        for bad in [
            "", "a b", "a]b", "a[b", "o'b", "a\"b", "a/b", "a\\b", "a\nb", "preview", "plugins",
            "DEFAULT",
        ] {
            assert!(validate_profile_name(bad).is_err(), "{bad:?}");
        }
        for good in ["ci", "ci.prod", "CI-Upper", "équipe-ü", "a_b", "default"] {
            assert!(validate_profile_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn values_with_line_breaks_refused() {
        for v in ["a\nb", "a\rb", " lead", "trail "] {
            assert!(set("", FileKind::Credentials, "ci", "aws_access_key_id", v).is_err());
        }
        let e = set(
            "",
            FileKind::Credentials,
            "ci",
            "aws_secret_access_key",
            "SeCrEt\n",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("SeCrEt"));
    }

    #[test]
    fn stale_tokens_removed() {
        let before = "[ci]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
                      aws_security_token = T\n\n[x]\nk = v\n";
        let c = Credentials {
            key_id: "B",
            secret: "S2",
            token: None,
        };
        let out = set_credentials(before, "ci", &c).unwrap();
        assert_eq!(
            out,
            "[ci]\naws_access_key_id = B\naws_secret_access_key = S2\n\n[x]\nk = v\n"
        );
        let c = Credentials {
            key_id: "B",
            secret: "S2",
            token: Some("N"),
        };
        let out = set_credentials(before, "ci", &c).unwrap();
        assert_eq!(
            out,
            "[ci]\naws_access_key_id = B\naws_secret_access_key = S2\naws_session_token = N\n\n[x]\nk = v\n"
        );
    }

    #[test]
    fn remove_exact_sections() {
        let cfg = "# top\n[default]\nregion = a\n\n[profile ci]\nregion = b\n# c\n\n[profile  ci]\noutput = json\n\n[profile other]\nregion = c\n";
        let (out, n) = remove(cfg, FileKind::Config, "ci").unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            out,
            "# top\n[default]\nregion = a\n\n# c\n\n\n[profile other]\nregion = c\n"
        );
        let (same, n) = remove(cfg, FileKind::Config, "nope").unwrap();
        assert_eq!((same.as_str(), n), (cfg, 0));
    }

    #[test]
    fn no_split_of_multiline_value() {
        let c = "[ci]\naws_session_token = A\n    B\n[x]\nk = v\n";
        let out = set(c, FileKind::Credentials, "ci", "region", "r").unwrap();
        assert_eq!(
            out,
            "[ci]\naws_session_token = A\n    B\nregion = r\n[x]\nk = v\n"
        );
    }

    #[test]
    fn never_panics_on_junk() {
        let mut seed = 0x1234_5678u32;
        let alphabet = b"[]=:# ;\t\r\n abcS3s3.\\'\"";
        for _ in 0..3000 {
            let len = (seed % 40) as usize;
            let mut s = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                s.push(alphabet[(seed as usize) % alphabet.len()] as char);
            }
            seed = seed.wrapping_add(7);
            for kind in [FileKind::Credentials, FileKind::Config] {
                if let Ok(out) = set(&s, kind, "ci", "region", "r") {
                    assert!(Doc::parse(&out).is_ok());
                }
                let _ = set(&s, kind, "ci", "s3.x", "1");
                let _ = remove(&s, kind, "ci");
                let _ = remove_key(&s, kind, "ci", "region");
            }
        }
    }
}

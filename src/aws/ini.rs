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

/// Code points whose case properties in Python 3.11 (Unicode 14.0, the
/// Python botocore runs on here) differ from those of Rust's newer Unicode
/// tables: `(first, last, flags)` with [`PY_KEEP`] (Python's `lower()` keeps
/// the letter: its lower-case pair came in a later Unicode), [`PY_CASED`]
/// and [`PY_IGNORABLE`] (Python's Cased and Case_Ignorable, which decide
/// the final sigma). Generated from `python3.11` and checked against the
/// installed Python, code point by code point, by
/// `tests/aws_peers.rs::key_case_folds_like_python`, which prints the new
/// table when Rust's Unicode moves on.
const PY_CASE_DIFF: &[(u32, u32, u8)] = &[
    (0x295, 0x295, 2),
    (0x897, 0x897, 0),
    (0xECE, 0xECE, 0),
    (0x1ACF, 0x1ADD, 0),
    (0x1AE0, 0x1AEB, 0),
    (0x1C89, 0x1C89, 1),
    (0x1C8A, 0x1C8A, 0),
    (0xA7CB, 0xA7CC, 1),
    (0xA7CD, 0xA7CD, 0),
    (0xA7CE, 0xA7CE, 1),
    (0xA7CF, 0xA7CF, 0),
    (0xA7D2, 0xA7D2, 1),
    (0xA7D4, 0xA7D4, 1),
    (0xA7DA, 0xA7DA, 1),
    (0xA7DB, 0xA7DB, 0),
    (0xA7DC, 0xA7DC, 1),
    (0xA7F1, 0xA7F1, 0),
    (0x10D4E, 0x10D4E, 0),
    (0x10D50, 0x10D65, 1),
    (0x10D69, 0x10D6D, 0),
    (0x10D6F, 0x10D85, 0),
    (0x10EC5, 0x10EC5, 0),
    (0x10EFA, 0x10EFF, 0),
    (0x11241, 0x11241, 0),
    (0x113BB, 0x113C0, 0),
    (0x113CE, 0x113CE, 0),
    (0x113D0, 0x113D0, 0),
    (0x113D2, 0x113D2, 0),
    (0x113E1, 0x113E2, 0),
    (0x1171E, 0x1171E, 4),
    (0x11B60, 0x11B60, 0),
    (0x11B62, 0x11B64, 0),
    (0x11B66, 0x11B66, 0),
    (0x11DD9, 0x11DD9, 0),
    (0x11F00, 0x11F01, 0),
    (0x11F36, 0x11F3A, 0),
    (0x11F40, 0x11F40, 0),
    (0x11F42, 0x11F42, 0),
    (0x11F5A, 0x11F5A, 0),
    (0x13439, 0x13440, 0),
    (0x13447, 0x13455, 0),
    (0x1611E, 0x16129, 0),
    (0x1612D, 0x1612F, 0),
    (0x16D40, 0x16D42, 0),
    (0x16D6B, 0x16D6C, 0),
    (0x16EA0, 0x16EB8, 1),
    (0x16EBB, 0x16ED3, 0),
    (0x16FF2, 0x16FF3, 0),
    (0x1DF25, 0x1DF2A, 0),
    (0x1E030, 0x1E06D, 0),
    (0x1E08F, 0x1E08F, 0),
    (0x1E4EB, 0x1E4EF, 0),
    (0x1E5EE, 0x1E5EF, 0),
    (0x1E6E3, 0x1E6E3, 0),
    (0x1E6E6, 0x1E6E6, 0),
    (0x1E6EE, 0x1E6EF, 0),
    (0x1E6F5, 0x1E6F5, 0),
    (0x1E6FF, 0x1E6FF, 0),
];
const PY_KEEP: u8 = 1;
const PY_CASED: u8 = 2;
const PY_IGNORABLE: u8 = 4;

fn py_case_diff(c: char) -> Option<u8> {
    let c = c as u32;
    PY_CASE_DIFF
        .binary_search_by(|&(lo, hi, _)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .ok()
        .map(|i| PY_CASE_DIFF[i].2)
}

/// Whether `prefix` + `Σ` lower-cases to a final sigma in Rust; the probe
/// that reads Rust's own Cased and Case_Ignorable properties.
fn rust_sigma_final_after(prefix: &[char]) -> bool {
    let mut s: String = prefix.iter().collect();
    s.push('Σ');
    s.to_lowercase().ends_with('ς')
}

/// Python's Case_Ignorable and Cased properties of `c`, as
/// `(ignorable, cased)`; `cased` only matters when not ignorable.
fn py_case_props(c: char) -> (bool, bool) {
    if let Some(f) = py_case_diff(c) {
        return (f & PY_IGNORABLE != 0, f & PY_CASED != 0);
    }
    let with_cased = rust_sigma_final_after(&['A', c]);
    let alone = rust_sigma_final_after(&[c]);
    (with_cased && !alone, alone)
}

/// `str.lower()` of the Python that botocore runs on (3.11; configparser's
/// `optionxform`): full Unicode lower-casing with the final-sigma rule,
/// as Unicode 14.0 defines them.
pub fn py_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == 'Σ' {
            // \p{cased}\p{case-ignorable}* Σ !(\p{case-ignorable}*\p{cased})
            let cased_at = |c: &char| {
                let (ignorable, cased) = py_case_props(*c);
                (!ignorable).then_some(cased)
            };
            let before = chars[..i].iter().rev().find_map(cased_at);
            let after = chars[i + 1..].iter().find_map(cased_at);
            let last = before == Some(true) && after != Some(true);
            out.push(if last { 'ς' } else { 'σ' });
        } else if py_case_diff(c).is_some_and(|f| f & PY_KEEP != 0) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
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
enum LineKind {
    /// Empty or white space only (or a line botocore would refuse, once
    /// the first error is kept).
    Blank,
    /// `#` or `;` first.
    Comment,
    /// `[name]`.
    Header { name: String },
    /// `key = value` (or `key: value`), the start of one setting of the
    /// section (configparser's "option"); `key` is lower-cased as botocore
    /// reads it, `inline_empty` when nothing follows the `=` on this line.
    Setting { key: String, inline_empty: bool },
    /// A more-indented line that continues the value of the setting on
    /// line `owner`.
    Continuation { owner: usize },
}

#[derive(Debug, Clone)]
struct Line {
    text: String,
    /// `"\n"`, `"\r\n"`, `"\r"` or `""` (last line without a newline).
    term: String,
    kind: LineKind,
}

/// One block of lines: a header line and the lines up to the next header.
/// `[DEFAULT]` blocks are blocks too (they end the section before them),
/// but never a profile's section.
#[derive(Debug, Clone)]
struct Section {
    name: String,
    header: usize,
    end: usize,
    /// A `[DEFAULT]` block: configparser's defaults, not a section.
    defaults: bool,
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
        // Raw value pieces: (section name or None for DEFAULT, key, pieces, line).
        type Value = (Option<String>, String, Vec<String>, usize);
        let mut values: Vec<Value> = Vec::new();
        let mut seen_sections: Vec<String> = Vec::new();
        let mut seen_keys: Vec<(String, String)> = Vec::new();
        // The current section: None before the first header; Some(None) in DEFAULT.
        let mut cursect: Option<Option<String>> = None;
        let mut optname: Option<usize> = None; // index into `values`
        let mut opt_line = 0usize;
        let mut indent_level = 0usize;
        let mut first_error: Option<IniError> = None;

        for (idx, (text, term)) in split_lines(text).into_iter().enumerate() {
            let lineno = idx + 1;
            let stripped = py_strip(&text);
            let kind;
            if stripped.starts_with('#') || stripped.starts_with(';') {
                kind = LineKind::Comment;
            } else if stripped.is_empty() {
                if let (Some(_), Some(v)) = (&cursect, optname) {
                    values[v].2.push(String::new());
                }
                kind = LineKind::Blank;
            } else {
                let cur_indent = indent_chars(&text);
                if let (Some(_), Some(v)) = (&cursect, optname)
                    && cur_indent > indent_level
                {
                    values[v].2.push(stripped.to_string());
                    kind = LineKind::Continuation { owner: opt_line };
                } else {
                    indent_level = cur_indent;
                    if let Some(name) = header_name(stripped) {
                        let defaults = name == "DEFAULT";
                        if defaults {
                            cursect = Some(None);
                        } else {
                            if seen_sections.iter().any(|s| s == name) {
                                return Err(IniError::Parse {
                                    line: lineno,
                                    reason: format!("section [{name}] appears twice"),
                                });
                            }
                            seen_sections.push(name.to_string());
                            cursect = Some(Some(name.to_string()));
                        }
                        if let Some(last) = sections.last_mut() {
                            last.end = idx;
                        }
                        sections.push(Section {
                            name: name.to_string(),
                            header: idx,
                            end: idx + 1,
                            defaults,
                        });
                        optname = None;
                        kind = LineKind::Header {
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
                        let key = py_lower(key);
                        let sect = cursect.clone().flatten();
                        let sectname = sect.clone().unwrap_or_else(|| "DEFAULT".into());
                        if seen_keys.iter().any(|(s, k)| *s == sectname && *k == key) {
                            return Err(IniError::Parse {
                                line: lineno,
                                reason: format!("key {key:?} appears twice in [{sectname}]"),
                            });
                        }
                        seen_keys.push((sectname, key.clone()));
                        values.push((sect, key.clone(), vec![optval.to_string()], idx));
                        // configparser continues a value only under a non-empty key.
                        optname = (!key.is_empty()).then_some(values.len() - 1);
                        opt_line = idx;
                        kind = LineKind::Setting {
                            key,
                            inline_empty: optval.is_empty(),
                        };
                    } else {
                        first_error.get_or_insert(IniError::Parse {
                            line: lineno,
                            reason: "a line that is neither a header, a comment nor key = value"
                                .into(),
                        });
                        kind = LineKind::Blank;
                    }
                }
            }
            lines.push(Line { text, term, kind });
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
                .filter(|s| !s.defaults)
                .map(|s| (s.name.clone(), BTreeMap::new()))
                .collect(),
            defaults: BTreeMap::new(),
        };
        let mut origin: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
        for (sect, key, pieces, line) in values {
            let joined = py_rstrip(&pieces.join("\n")).to_string();
            match &sect {
                Some(name) => sem.section_mut(name).insert(key.clone(), joined),
                None => sem.defaults.insert(key.clone(), joined),
            };
            origin.insert((sect, key), line);
        }
        // botocore parses values that start with a newline as nested blocks.
        for (name, opts) in &sem.sections {
            let own = opts.iter().map(|(k, v)| (Some(name.clone()), k, v));
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
            .filter(|&i| {
                !self.sections[i].defaults && section_maps_to(kind, &self.sections[i].name, profile)
            })
            .collect()
    }

    /// The continuation lines of the setting on line `owner`.
    fn continuations_of(&self, owner: usize) -> Vec<usize> {
        (owner + 1..self.lines.len())
            .filter(|&i| self.lines[i].kind == LineKind::Continuation { owner })
            .collect()
    }

    fn find_setting(&self, sect: &Section, key: &str) -> Option<usize> {
        let key = py_lower(key);
        (sect.header + 1..sect.end)
            .find(|&i| matches!(&self.lines[i].kind, LineKind::Setting { key: k, .. } if *k == key))
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
            opts.insert(py_lower(key), value.to_string());
        }
        Change::RemoveKey { key } => {
            opts.remove(&py_lower(key));
        }
        Change::SetNested { .. } => {} // compared separately
    }
    sem
}

/// The refusal when an edit would leave a file botocore rejects, e.g. a new
/// section inheriting a `[DEFAULT]` value that botocore cannot parse.
fn would_break(section: &str, e: IniError) -> IniError {
    let why = match e {
        IniError::Parse { line, reason } => format!("line {line}: {reason}"),
        other => other.to_string(),
    };
    IniError::Unsupported {
        reason: format!(
            "refusing to edit [{section}]: botocore would then reject the file ({why}); \
             fix that line first"
        ),
    }
}

fn verify(before: &Sem, out: &str, section: &str, change: &Change) -> Result<(), IniError> {
    let unsafe_edit = || IniError::Unsupported {
        reason: format!(
            "refusing to edit [{section}]: the result would not read back as intended \
             (unusual layout); edit the file by hand"
        ),
    };
    let after = Doc::parse(out).map_err(|e| would_break(section, e))?.sem;
    let mut expected = expected_sem(before, section, change);
    if let Change::SetNested { key, sub, value } = change {
        let key = py_lower(key);
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
        kind: LineKind::Blank, // reparsed before use
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
        match doc.lines[i].kind {
            LineKind::Continuation { .. } => {
                i += 1;
                at = i;
            }
            LineKind::Blank | LineKind::Comment => i += 1,
            _ => break,
        }
    }
    // Indent like the next key or header, so that it does not become a
    // continuation of the new line.
    let indent = (at..doc.lines.len())
        .find(|&i| {
            matches!(
                doc.lines[i].kind,
                LineKind::Setting { .. } | LineKind::Header { .. }
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
            if let Some(i) = doc.find_setting(&sect, key) {
                let conts = doc.continuations_of(i);
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
    let Some(i) = doc.find_setting(&sect, k) else {
        let (at, indent) = insertion_point(doc, s);
        doc.lines.insert(at, new_line(format!("{indent}{k} =")));
        doc.lines
            .insert(at + 1, new_line(format!("{indent}    {sub} = {value}")));
        return Ok(());
    };
    if doc.lines[i].kind
        != (LineKind::Setting {
            key: py_lower(k),
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
    let conts = doc.continuations_of(i);
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
    let Some(i) = doc.find_setting(&sect, key) else {
        return Ok(text.to_string());
    };
    let mut gone = doc.continuations_of(i);
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

/// The keys botocore reads a token from, in its order (credentials.py
/// `TOKENS`): the first one present wins, even when empty.
pub const TOKEN_KEYS: [&str; 2] = ["aws_security_token", "aws_session_token"];

/// Writes key id, secret and token of `profile` in the credentials file as one
/// set, so that botocore resolves exactly them:
///
/// - with a token, `aws_session_token` is set; `aws_security_token` (which
///   botocore reads first) is removed from the profile, or, when the file's
///   `[DEFAULT]` would lend the profile one, set to the same token;
/// - without a token, both are removed from the profile; one that `[DEFAULT]`
///   would lend is overridden with an empty value (botocore reads `''`, which
///   it treats as no token: nothing is sent).
pub fn set_credentials(text: &str, profile: &str, creds: &Credentials) -> Result<String, IniError> {
    let kind = FileKind::Credentials;
    let mut out = set(text, kind, profile, "aws_access_key_id", creds.key_id)?;
    out = set(&out, kind, profile, "aws_secret_access_key", creds.secret)?;
    let token = creds.token.filter(|t| !t.is_empty());
    let defaults = Doc::parse(&out)?.sem.defaults;
    for key in ["aws_session_token", "aws_security_token"] {
        let inherited = defaults.contains_key(key);
        out = match (token, key) {
            (Some(t), "aws_session_token") => set(&out, kind, profile, key, t)?,
            (Some(t), _) if inherited => set(&out, kind, profile, key, t)?,
            (None, _) if inherited => set(&out, kind, profile, key, "")?,
            _ => remove_key(&out, kind, profile, key)?,
        };
    }
    Ok(out)
}

/// What botocore resolves for a profile from the two files alone (an
/// explicit `--profile`, no `AWS_*` variables): the shared-credentials
/// provider's key id, secret and token, and the region of the merged profile.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    /// `None`: the credentials file gives the profile no key id.
    pub key_id: Option<String>,
    pub secret: Option<String>,
    /// `Some("")` is an empty token, which botocore does not send.
    pub token: Option<String>,
    pub region: Option<String>,
    /// Keys of the merged profile that make botocore use another provider
    /// before the credentials file: `role_arn` (assume role, web identity),
    /// `sso_account_id`, `sso_role_name` (SSO).
    pub overriding: Vec<String>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolved")
            .field("key_id", &self.key_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("overriding", &self.overriding)
            .finish()
    }
}

/// Keys that send botocore to a provider that comes before the shared
/// credentials file (credentials.py: AssumeRoleProvider,
/// AssumeRoleWithWebIdentityProvider, SSOProvider).
const OVERRIDING_KEYS: [&str; 3] = ["role_arn", "sso_account_id", "sso_role_name"];

impl Sem {
    /// The options of section `name` as configparser gives them: its own,
    /// then `[DEFAULT]`'s for keys it lacks. `None` without that section.
    fn options(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let (_, own) = self.sections.iter().find(|(n, _)| n == name)?;
        let mut all = self.defaults.clone();
        all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(all)
    }
}

/// How botocore resolves `profile` from a credentials and a config file
/// (session.py `full_config`, credentials.py `SharedCredentialProvider`):
/// the credentials file's `[profile]` section (with its `[DEFAULT]`) gives
/// key id, secret and token; the region is that section's, else the config
/// profile's (the last section mapped to it, with the config `[DEFAULT]`).
pub fn resolve(credentials: &str, config: &str, profile: &str) -> Result<Resolved, IniError> {
    let creds = Doc::parse(credentials)?;
    let cfg = Doc::parse(config)?;
    let from_creds = creds.sem.options(profile).unwrap_or_default();
    let from_config = cfg
        .profile_sections(FileKind::Config, profile)
        .last()
        .and_then(|&i| cfg.sem.options(&cfg.sections[i].name))
        .unwrap_or_default();
    let mut merged = from_config;
    merged.extend(from_creds.clone());
    let key_id = from_creds.get("aws_access_key_id").cloned();
    let (secret, token) = match key_id {
        Some(_) => (
            from_creds.get("aws_secret_access_key").cloned(),
            TOKEN_KEYS.iter().find_map(|k| from_creds.get(*k).cloned()),
        ),
        None => (None, None),
    };
    Ok(Resolved {
        key_id,
        secret,
        token,
        region: merged.get("region").cloned(),
        overriding: OVERRIDING_KEYS
            .iter()
            .filter(|k| merged.contains_key(**k))
            .map(|k| k.to_string())
            .collect(),
    })
}

/// Writes `profile` into both files, as `configure_aws` does: key id, secret
/// and token into the credentials file ([`set_credentials`]), and, with a
/// region, `region` into the config file. A `region` in the profile's
/// credentials section would shadow the config file's, so it is removed; one
/// the credentials file's `[DEFAULT]` would lend the profile is overridden
/// there with the same region. Without a region, the region botocore
/// resolved for the profile before is kept (a new credentials section would
/// otherwise inherit that file's `[DEFAULT]` region). The result is checked
/// with [`resolve`]: key id, secret, token (none or empty when there is none)
/// and region must be exactly what was written (or kept), or the write is
/// refused.
///
/// Returns the new credentials and config texts (`config` unchanged without
/// a region).
pub fn write_profile(
    credentials: &str,
    config: &str,
    profile: &str,
    creds: &Credentials,
    region: Option<&str>,
) -> Result<(String, String), IniError> {
    let kind = FileKind::Credentials;
    let before = resolve(credentials, config, profile)?;
    let mut new_creds = set_credentials(credentials, profile, creds)?;
    let mut new_config = config.to_string();
    if let Some(r) = region {
        new_config = set(config, FileKind::Config, profile, "region", r)?;
        new_creds = if Doc::parse(&new_creds)?.sem.defaults.contains_key("region") {
            set(&new_creds, kind, profile, "region", r)?
        } else {
            remove_key(&new_creds, kind, profile, "region")?
        };
    } else if let Some(old) = &before.region {
        // A new credentials section inherits that file's [DEFAULT] region,
        // which would shadow the config file's: keep the profile's region.
        if resolve(&new_creds, &new_config, profile)?.region.as_ref() != Some(old) {
            new_creds = set(&new_creds, kind, profile, "region", old)?;
        }
    }
    let got = resolve(&new_creds, &new_config, profile)?;
    let token = creds.token.filter(|t| !t.is_empty());
    let want_region = region.or(before.region.as_deref());
    let exact = got.key_id.as_deref() == Some(creds.key_id)
        && got.secret.as_deref() == Some(creds.secret)
        && got.token.as_deref().filter(|t| !t.is_empty()) == token
        && (want_region.is_none() || got.region.as_deref() == want_region);
    if !exact {
        return Err(IniError::Unsupported {
            reason: format!(
                "refusing to write profile {profile:?}: botocore would not read back what \
                 was written (unusual layout); edit the files by hand"
            ),
        });
    }
    Ok((new_creds, new_config))
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
                    doc.lines[i].kind,
                    LineKind::Setting { .. } | LineKind::Continuation { .. }
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

/// A section's name and its options (lower-cased key → raw value).
pub type SectionView = (String, BTreeMap<String, String>);

/// The sections of a file as botocore's `raw_config_parse(path, False)`
/// returns them: every section except `[DEFAULT]`, in file order, each with
/// its own keys plus those of `[DEFAULT]` it lacks (lower-cased keys, values
/// as configparser joins them, nested blocks unparsed).
pub fn sections_like_botocore(text: &str) -> Result<Vec<SectionView>, IniError> {
    let doc = Doc::parse(text)?;
    Ok(doc
        .sem
        .sections
        .iter()
        .map(|(name, _)| (name.clone(), doc.sem.options(name).unwrap_or_default()))
        .collect())
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
    fn keys_lower_like_python_311() {
        assert_eq!(py_lower("AWS_Access_Key_Id"), "aws_access_key_id");
        assert_eq!(py_lower("AWS_ACCESS_\u{212a}EY_ID"), "aws_access_key_id");
        // U+A7CB has no lower-case pair in Unicode 14.0.
        assert_eq!(py_lower("\u{a7cb}"), "\u{a7cb}");
        assert_eq!(py_lower("\u{264}"), "\u{264}");
        assert_eq!(py_lower("ΑΣ"), "ας");
        assert_eq!(py_lower("ΣA"), "σa");
        assert_eq!(py_lower("Σ"), "σ");
        assert_eq!(py_lower("A\u{300}Σ"), "a\u{300}ς");
        assert_eq!(py_lower("\u{130}"), "i\u{307}");
        let twice = "[ci]\n\u{a7cb} = 1\n\u{264} = 2\n";
        assert!(validate_like_botocore(twice.as_bytes()).is_ok());
        assert!(validate_like_botocore("[ci]\nΑΣ = 1\nας = 2\n".as_bytes()).is_err());
    }

    #[test]
    fn default_blocks_end_sections() {
        let c = "[ci]\n[DEFAULT]\nregion = x\n";
        let out = set(c, FileKind::Credentials, "ci", "aws_access_key_id", "A").unwrap();
        assert_eq!(out, "[ci]\naws_access_key_id = A\n[DEFAULT]\nregion = x\n");
        let (out, n) = remove(&out, FileKind::Credentials, "ci").unwrap();
        assert_eq!((out.as_str(), n), ("[DEFAULT]\nregion = x\n", 1));
        let g = "[profile ci]\nregion = a\n[DEFAULT]\noutput = json\n[DEFAULT]\nk = v\n";
        let out = set(g, FileKind::Config, "ci", "region", "b").unwrap();
        assert_eq!(out, g.replace("region = a", "region = b"));
    }

    #[test]
    fn written_profile_resolves_exactly() {
        let c = Credentials {
            key_id: "A",
            secret: "S",
            token: Some("T"),
        };
        let creds = "[DEFAULT]\nregion = us-west-2\naws_security_token = OLD\n[ci]\nregion = x\n";
        let (nc, ng) = write_profile(creds, "", "ci", &c, Some("eu-west-1")).unwrap();
        assert_eq!(
            nc,
            "[DEFAULT]\nregion = us-west-2\naws_security_token = OLD\n[ci]\nregion = eu-west-1\n\
             aws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
             aws_security_token = T\n"
        );
        assert_eq!(ng, "[profile ci]\nregion = eu-west-1\n");
        let r = resolve(&nc, &ng, "ci").unwrap();
        assert_eq!(
            (r.key_id, r.secret, r.token, r.region),
            (
                Some("A".into()),
                Some("S".into()),
                Some("T".into()),
                Some("eu-west-1".into())
            )
        );
        let g = "[profile ci]\nrole_arn = arn:aws:iam::1:role/x\n";
        assert_eq!(resolve("", g, "ci").unwrap().overriding, vec!["role_arn"]);
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

    /// Junk in, the contract out, for every edit: never a panic; an error
    /// is one line that says what is wrong; a file written reads back, with
    /// the profile there after `set` and gone after `remove`.
    #[test]
    fn junk_keeps_the_contract_of_every_edit() {
        fn error(e: &IniError, s: &str) {
            let m = e.to_string();
            assert!(!m.is_empty() && !m.contains('\n'), "{s:?}: {m:?}");
        }
        let mut seed = 0x1234_5678u32;
        let alphabet = b"[]=:# ;\t\r\n abcS3s3.\\'\"";
        let mut budget = crate::budget::Budget::new(3000);
        while budget.next() {
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
                let present = |out: &str| has_profile(out, kind, "ci");
                for edit in [
                    set(&s, kind, "ci", "region", "r"),
                    set(&s, kind, "ci", "s3.x", "1"),
                ] {
                    match edit {
                        Ok(out) => assert_eq!(present(&out), Ok(true), "{s:?} -> {out:?}"),
                        Err(e) => error(&e, &s),
                    }
                }
                match remove(&s, kind, "ci") {
                    Ok((out, _)) => assert_eq!(present(&out), Ok(false), "{s:?} -> {out:?}"),
                    Err(e) => error(&e, &s),
                }
                match remove_key(&s, kind, "ci", "region") {
                    Ok(out) => assert!(Doc::parse(&out).is_ok(), "{s:?} -> {out:?}"),
                    Err(e) => error(&e, &s),
                }
            }
        }
        assert!(budget.ran() > 0);
    }
}

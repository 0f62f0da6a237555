//! The one JSON reader and printer (spec §5). Every command that reads JSON —
//! `get_json_value`, the lookups of version.json and integration.json, notify's
//! payload and the answers it reads — goes through here, and every value is
//! printed by the same printer.
//!
//! - **One tokenizer**, [`Scanner`]: bytes from a reader (64 KiB at a time) or
//!   from memory, checked against RFC 8259 as they are read. Strings are
//!   decoded as jq reads them: escapes, then invalid UTF-8 and lone surrogate
//!   escapes become U+FFFD ([`decode_utf8`]); numbers keep their text.
//! - What uses it: [`query`] streams a document along a path and keeps only
//!   the raw text of the selected value (a 100 MB file costs a few MB);
//!   [`parse`] builds a `serde_json::Value` (numbers as written, through
//!   `arbitrary_precision`); [`write_text`] prints raw JSON text.
//! - **One printer**, [`Pretty`]: `jq -r`'s layout, fed by a tree
//!   ([`write_value`]) or by the tokens of raw text ([`write_text`]).
//!
//! Duplicate keys: the last value wins, printed at the first key's position,
//! as jq does. Differences from jq 1.6 are listed in the README.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, DefaultHasher, Hasher};
use std::io::{self, Read, Write};

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Number, Value};

/// One step of a path: an object key or an array index (negative counts from the end, as in jq).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(i64),
}

/// Why a PATH was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// The PATH looks like a jq program (`a | length`, `.[]`, `map(.x)`, ...): not supported.
    JqProgram,
    /// The PATH is not a well-formed path (unterminated `[`, empty key, ...).
    Invalid(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::JqProgram => write!(
                f,
                "jq programs are not supported; PATH must be a plain path such as a.b[0].c"
            ),
            PathError::Invalid(msg) => write!(f, "invalid path: {msg}"),
        }
    }
}

impl std::error::Error for PathError {}

/// A path longer than this is refused (keeps the walker's recursion bounded).
const MAX_PATH_SEGMENTS: usize = 1000;

// ---------------------------------------------------------------------------
// Path grammar
// ---------------------------------------------------------------------------

/// Characters that may appear in a bare (unquoted) key.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || (!c.is_ascii() && !c.is_whitespace())
}

/// Classify a character that cannot continue a path at this point.
fn unexpected(c: char, what: &str) -> PathError {
    if c.is_ascii_punctuation() || c.is_whitespace() {
        PathError::JqProgram
    } else {
        PathError::Invalid(format!("unexpected character {c:?} {what}"))
    }
}

/// Parse a PATH (`a.b[0].c`, `.a`, `["x.y"]`, `a["x-y"]`, `."k"`) into segments.
/// An empty PATH, or `.` alone, is the whole document (no segments).
pub fn parse_path(path: &str) -> Result<Vec<Seg>, PathError> {
    // `..` and the bare jq builtins that are whole programs (spec §4 names
    // `keys`). Written `.keys` or `["keys"]`, they address a key so named.
    if matches!(path, ".." | "keys" | "keys_unsorted" | "length") {
        return Err(PathError::JqProgram);
    }
    let chars: Vec<(usize, char)> = path.char_indices().collect();
    let mut segs = Vec::new();
    let mut i = 0;
    // Where a segment may start: at the beginning, after a leading '.', or after a '.'.
    let mut after_dot = false;
    if let Some(&(_, '.')) = chars.first() {
        i = 1;
        after_dot = true;
        if chars.len() == 1 {
            return Ok(segs);
        }
    }
    // true when a segment must start here (beginning or after '.')
    let mut need_segment = true;
    while i < chars.len() {
        let Some(&(off, c)) = chars.get(i) else { break };
        if need_segment {
            if c == '[' {
                i = parse_bracket(path, &chars, i, &mut segs)?;
            } else if c == '"' {
                if !after_dot {
                    // `"a"` alone is a jq string literal
                    return Err(PathError::JqProgram);
                }
                let (key, next) = parse_quoted(path, &chars, i)?;
                segs.push(Seg::Key(key));
                i = next;
            } else if is_key_char(c) {
                let start = off;
                let mut j = i;
                while let Some(&(_, d)) = chars.get(j) {
                    if !is_key_char(d) {
                        break;
                    }
                    j += 1;
                }
                let end = chars.get(j).map_or(path.len(), |&(o, _)| o);
                segs.push(Seg::Key(
                    path.get(start..end).unwrap_or_default().to_string(),
                ));
                i = j;
            } else if c == '.' {
                return Err(PathError::Invalid("empty key between dots".to_string()));
            } else {
                return Err(unexpected(c, "at the start of a key"));
            }
            need_segment = false;
            after_dot = false;
        } else if c == '.' {
            i += 1;
            need_segment = true;
            after_dot = true;
            if i >= chars.len() {
                return Err(PathError::Invalid("path ends with '.'".to_string()));
            }
        } else if c == '[' {
            i = parse_bracket(path, &chars, i, &mut segs)?;
        } else {
            return Err(unexpected(c, "after a key (expected '.' or '[')"));
        }
        if segs.len() > MAX_PATH_SEGMENTS {
            return Err(PathError::Invalid(format!(
                "more than {MAX_PATH_SEGMENTS} segments"
            )));
        }
    }
    Ok(segs)
}

/// Parse `[ 12 ]`, `[-1]` or `["key"]` starting at `chars[i] == '['`; returns the index after `]`.
fn parse_bracket(
    path: &str,
    chars: &[(usize, char)],
    mut i: usize,
    segs: &mut Vec<Seg>,
) -> Result<usize, PathError> {
    let unterminated = || PathError::Invalid("unterminated '['".to_string());
    i += 1; // '['
    let skip_ws = |mut i: usize| {
        while chars.get(i).is_some_and(|&(_, c)| c == ' ' || c == '\t') {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    let Some(&(_, c)) = chars.get(i) else {
        return Err(unterminated());
    };
    if c == '"' {
        let (key, next) = parse_quoted(path, chars, i)?;
        segs.push(Seg::Key(key));
        i = next;
    } else if c == '-' || c.is_ascii_digit() {
        let mut digits = String::new();
        if c == '-' {
            digits.push('-');
            i += 1;
        }
        while let Some(&(_, d)) = chars.get(i) {
            if !d.is_ascii_digit() {
                break;
            }
            digits.push(d);
            i += 1;
        }
        if digits == "-" {
            return Err(PathError::JqProgram);
        }
        // Beyond 64 bits no array reaches: `null`, as in jq.
        let n: i64 = digits.parse().unwrap_or(match c {
            '-' => i64::MIN,
            _ => i64::MAX,
        });
        segs.push(Seg::Index(n));
    } else if c == ']' {
        // `.[]` iterates: a jq program
        return Err(PathError::JqProgram);
    } else {
        // `.[.a]`, `.[keys]`, ...: an expression inside brackets
        return Err(PathError::JqProgram);
    }
    i = skip_ws(i);
    match chars.get(i) {
        Some(&(_, ']')) => Ok(i + 1),
        Some(&(_, c)) => Err(unexpected(c, "inside '[...]' (expected ']')")),
        None => Err(unterminated()),
    }
}

/// Parse a JSON string literal starting at `chars[i] == '"'`; returns the key and the index after it.
fn parse_quoted(
    path: &str,
    chars: &[(usize, char)],
    i: usize,
) -> Result<(String, usize), PathError> {
    let start = chars.get(i).map_or(path.len(), |&(o, _)| o);
    let mut j = i + 1;
    loop {
        match chars.get(j) {
            None => return Err(PathError::Invalid("unterminated string".to_string())),
            Some(&(_, '\\')) => {
                if let Some(&(_, '(')) = chars.get(j + 1) {
                    // string interpolation `\(...)`
                    return Err(PathError::JqProgram);
                }
                j += 2;
            }
            Some(&(off, '"')) => {
                let lit = path.get(start..=off).unwrap_or_default();
                let key = string_literal(lit.as_bytes())
                    .map_err(|e| PathError::Invalid(format!("bad string {lit}: {e}")))?;
                return Ok((key, j + 1));
            }
            Some(_) => j += 1,
        }
    }
}

// ---------------------------------------------------------------------------
// The tokenizer
// ---------------------------------------------------------------------------

const BUF_SIZE: usize = 64 * 1024;

/// Deepest value that is kept and printed (deeper selected values are an
/// error; values that are only read past may nest to any depth).
const MAX_VALUE_DEPTH: usize = 512;

/// Bytes that end the fast path inside a string: `"`, `\` and control characters.
const STR_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// An open container on the scanner's stack, with `FRESH` until its first
/// member or element has been read.
const OBJ: u8 = b'{';
const ARR: u8 = b'[';
const FRESH: u8 = 0x80;

/// What the next value is (see [`Scanner::value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Obj,
    Arr,
    Str,
    Num,
    True,
    False,
    Null,
}

impl Tok {
    /// jq's name of the type.
    fn kind(self) -> &'static str {
        match self {
            Tok::Obj => "object",
            Tok::Arr => "array",
            Tok::Str => "string",
            Tok::Num => "number",
            Tok::True | Tok::False => "boolean",
            Tok::Null => "null",
        }
    }
}

/// The one JSON tokenizer. It reads values token by token ([`Self::value`],
/// then [`Self::member`] / [`Self::element`] inside containers), checking
/// the grammar as it goes; the open containers are a byte stack, so a value
/// may nest to any depth. Errors name the line and column.
struct Scanner<R> {
    rd: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Absolute offset of `buf[0]`.
    consumed: u64,
    /// Number of newlines before `buf[0]`.
    lines: u64,
    /// Absolute offset of the first byte of the line that contains `buf[0]`.
    line_start: u64,
    /// Open containers: `OBJ` or `ARR`, `| FRESH` before their first item.
    stack: Vec<u8>,
    /// Where in `buf` the opening quote of the key last read by `member` is.
    key_at: usize,
    /// Capture of a value's raw text (see `capture`).
    capturing: bool,
    cap_start: usize,
    cap_base: usize,
    too_deep: bool,
    cap: Vec<u8>,
    key_buf: Vec<u8>,
}

impl<R: Read> Scanner<R> {
    /// A scanner over a reader.
    fn new(rd: R) -> Self {
        Scanner::with(rd, vec![0; BUF_SIZE], 0, false)
    }

    fn with(rd: R, buf: Vec<u8>, end: usize, eof: bool) -> Self {
        Scanner {
            rd,
            buf,
            pos: 0,
            end,
            eof,
            consumed: 0,
            lines: 0,
            line_start: 0,
            stack: Vec::new(),
            key_at: 0,
            capturing: false,
            cap_start: 0,
            cap_base: 0,
            too_deep: false,
            cap: Vec::new(),
            key_buf: Vec::new(),
        }
    }

    /// Load the next chunk once `pos == end`. Returns false at end of input.
    fn refill(&mut self) -> Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let old = self.buf.get(..self.end).unwrap_or_default();
        if self.capturing {
            self.cap
                .extend_from_slice(old.get(self.cap_start..).unwrap_or_default());
            self.cap_start = 0;
        }
        if let Some(p) = memchr::memrchr(b'\n', old) {
            self.lines += memchr::memchr_iter(b'\n', old).count() as u64;
            self.line_start = self.consumed + p as u64 + 1;
        }
        self.consumed += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.rd.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n.min(self.buf.len());
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(anyhow!(e).context("could not read JSON input")),
            }
        }
    }

    /// A "malformed JSON" error pointing at `buf[at]`.
    fn err_at(&self, at: usize, msg: &str) -> anyhow::Error {
        let at = at.min(self.end);
        let head = self.buf.get(..at).unwrap_or_default();
        let nl = head.iter().filter(|&&b| b == b'\n').count() as u64;
        let line = self.lines + nl + 1;
        let line_start = match head.iter().rposition(|&b| b == b'\n') {
            Some(p) => self.consumed + p as u64 + 1,
            None => self.line_start,
        };
        let col = (self.consumed + at as u64).saturating_sub(line_start) + 1;
        anyhow!("malformed JSON at line {line}, column {col}: {msg}")
    }

    /// Error `back` bytes before the current position, on its line (which
    /// may have begun in an earlier buffer).
    fn err_back(&self, back: usize, msg: &str) -> anyhow::Error {
        if let Some(at) = self.pos.checked_sub(back) {
            return self.err_at(at, msg);
        }
        let at = (self.consumed + self.pos as u64).saturating_sub(back as u64);
        let (line, col) = (self.lines + 1, at.saturating_sub(self.line_start) + 1);
        anyhow!("malformed JSON at line {line}, column {col}: {msg}")
    }

    /// Error at the byte just consumed.
    fn err_prev(&self, msg: &str) -> anyhow::Error {
        self.err_at(self.pos.saturating_sub(1), msg)
    }

    fn err_eof(&self, what: &str) -> anyhow::Error {
        self.err_at(
            self.end,
            &format!("unexpected end of input, expected {what}"),
        )
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        if self.pos >= self.end && !self.refill()? {
            return Ok(None);
        }
        Ok(self.buf.get(self.pos).copied())
    }

    fn need_byte(&mut self, what: &str) -> Result<u8> {
        match self.peek()? {
            Some(b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.err_eof(what)),
        }
    }

    /// The next byte that is not white space (not consumed).
    #[inline(always)]
    fn peek_nonws(&mut self) -> Result<Option<u8>> {
        // fast paths: the next byte, or the one after a space (white space
        // characters are all bytes up to 0x20)
        match self.buf.get(self.pos..self.end) {
            Some(&[b, ..]) if b > b' ' => Ok(Some(b)),
            Some(&[b' ', b, ..]) if b > b' ' => {
                self.pos += 1;
                Ok(Some(b))
            }
            _ => self.peek_nonws_slow(),
        }
    }

    #[inline(never)]
    fn peek_nonws_slow(&mut self) -> Result<Option<u8>> {
        loop {
            let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
            if let Some(n) = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                let b = rest.get(n).copied();
                self.pos += n;
                return Ok(b);
            }
            self.pos = self.end;
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    #[inline(always)]
    fn need_nonws(&mut self, what: &str) -> Result<u8> {
        match self.peek_nonws()? {
            Some(b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.err_eof(what)),
        }
    }

    /// Skip a UTF-8 byte order mark at the very start (jq accepts one).
    fn skip_bom(&mut self) -> Result<()> {
        if self.peek()? == Some(0xEF) {
            self.pos += 1;
            if self.need_byte("a byte order mark")? != 0xBB
                || self.need_byte("a byte order mark")? != 0xBF
            {
                return Err(self.err_prev("expected a JSON value"));
            }
        }
        Ok(())
    }

    /// The next value: a scalar is read whole — a string decoded, a number as
    /// written, into `text` (cleared first) when given; a container is opened
    /// and its items follow through [`Self::member`] / [`Self::element`].
    fn value(&mut self, mut text: Option<&mut Vec<u8>>) -> Result<Tok> {
        let b = self.need_nonws("a JSON value")?;
        if let Some(t) = text.as_deref_mut() {
            t.clear();
        }
        Ok(match b {
            b'{' => {
                self.open(OBJ);
                Tok::Obj
            }
            b'[' => {
                self.open(ARR);
                Tok::Arr
            }
            b'"' => {
                self.string(text)?;
                Tok::Str
            }
            b'-' | b'0'..=b'9' => {
                self.number(text)?;
                Tok::Num
            }
            b't' => {
                self.literal(b"rue")?;
                Tok::True
            }
            b'f' => {
                self.literal(b"alse")?;
                Tok::False
            }
            b'n' => {
                self.literal(b"ull")?;
                Tok::Null
            }
            _ => return Err(self.err_prev("expected a JSON value")),
        })
    }

    fn open(&mut self, kind: u8) {
        self.stack.push(kind | FRESH);
        if self.capturing && self.stack.len() - self.cap_base > MAX_VALUE_DEPTH {
            // Too deep to print: keep reading it, but no longer keep it.
            self.capturing = false;
            self.too_deep = true;
            self.cap = Vec::new();
        }
    }

    /// Clear the innermost container's `FRESH` mark; returns whether it was set.
    fn unfresh(&mut self) -> bool {
        match self.stack.last_mut() {
            Some(top) if *top & FRESH != 0 => {
                *top &= !FRESH;
                true
            }
            _ => false,
        }
    }

    /// In an object: the next member's key (decoded into `key` when given;
    /// its opening quote at `key_at`) and its `:` → true; the closing `}`
    /// → false.
    fn member(&mut self, key: Option<&mut Vec<u8>>) -> Result<bool> {
        let fresh = self.unfresh();
        let c = self.need_nonws(if fresh { "'\"' or '}'" } else { "',' or '}'" })?;
        if c == b'}' {
            self.stack.pop();
            return Ok(false);
        }
        if fresh && c != b'"' {
            return Err(self.err_prev("expected '\"' or '}'"));
        }
        if !fresh {
            if c != b',' {
                return Err(self.err_prev("expected ',' or '}'"));
            }
            if self.need_nonws("'\"'")? != b'"' {
                return Err(self.err_prev("expected '\"' (object key)"));
            }
        }
        self.key_at = self.pos - 1;
        match key {
            Some(k) => {
                k.clear();
                self.string(Some(k))?;
            }
            None => self.string(None)?,
        }
        if self.need_nonws("':'")? != b':' {
            return Err(self.err_prev("expected ':' after object key"));
        }
        Ok(true)
    }

    /// In an array: true when an element follows (its `,` read), false
    /// after the closing `]`.
    fn element(&mut self) -> Result<bool> {
        if self.unfresh() {
            if self.peek_nonws()? == Some(b']') {
                self.pos += 1;
                self.stack.pop();
                return Ok(false);
            }
            return Ok(true);
        }
        match self.need_nonws("',' or ']'")? {
            b',' => Ok(true),
            b']' => {
                self.stack.pop();
                Ok(false)
            }
            _ => Err(self.err_prev("expected ',' or ']'")),
        }
    }

    /// Read the next value to its end (checked, not kept); any depth.
    fn skip(&mut self) -> Result<()> {
        let base = self.stack.len();
        self.value(None)?;
        self.skip_to(base)
    }

    /// Read on until the containers open above `base` are closed.
    fn skip_to(&mut self, base: usize) -> Result<()> {
        while let Some(&top) = self.stack.last()
            && self.stack.len() > base
        {
            let more = match top & !FRESH {
                OBJ => self.member(None)?,
                _ => self.element()?,
            };
            if more {
                self.value(None)?;
            }
        }
        Ok(())
    }

    /// The rest of a string whose opening quote was read. With `text`, its
    /// content is appended, decoded: escapes, then invalid UTF-8 replaced as
    /// jq does ([`decode_utf8`]).
    fn string(&mut self, mut text: Option<&mut Vec<u8>>) -> Result<()> {
        let start = text.as_deref().map_or(0, Vec::len);
        loop {
            let slice = self.buf.get(self.pos..self.end).unwrap_or_default();
            let n = slice
                .iter()
                .position(|&b| STR_STOP[usize::from(b)])
                .unwrap_or(slice.len());
            if let Some(t) = text.as_deref_mut() {
                t.extend_from_slice(slice.get(..n).unwrap_or_default());
            }
            self.pos += n;
            let Some(&b) = self.buf.get(self.pos..self.end).and_then(|s| s.first()) else {
                if !self.refill()? {
                    return Err(self.err_at(self.end, "unterminated string"));
                }
                continue;
            };
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => self.escape(text.as_deref_mut())?,
                _ => return Err(self.err_prev("control character in string (must be escaped)")),
            }
        }
        if let Some(t) = text
            && let Some(s) = t.get(start..)
            && !s.is_ascii()
            && std::str::from_utf8(s).is_err()
        {
            let fixed = decode_utf8(s);
            t.truncate(start);
            t.extend_from_slice(&fixed);
        }
        Ok(())
    }

    /// One escape after its backslash, decoded into `text` when given. A
    /// surrogate pair is one character; a lone surrogate, high or low, is
    /// U+FFFD (as jq 1.7 reads it; jq 1.6 refuses a lone high one).
    fn escape(&mut self, mut text: Option<&mut Vec<u8>>) -> Result<()> {
        let mut e = self.need_byte("an escape character")?;
        'escape: loop {
            let c = match e {
                b'"' | b'\\' | b'/' => u32::from(e),
                b'b' => 0x8,
                b'f' => 0xC,
                b'n' => 0xA,
                b'r' => 0xD,
                b't' => 0x9,
                b'u' => {
                    let mut cu = self.hex4()?;
                    // A high surrogate pairs with a low one right after
                    // it; else it is U+FFFD and what follows is read on its
                    // own. (A lone surrogate left in `cu` is no char: put
                    // writes U+FFFD.)
                    while (0xD800..0xDC00).contains(&cu) && self.peek()? == Some(b'\\') {
                        self.pos += 1;
                        let e2 = self.need_byte("an escape character")?;
                        if e2 != b'u' {
                            put(text.as_deref_mut(), 0xFFFD);
                            e = e2;
                            continue 'escape;
                        }
                        let lo = self.hex4()?;
                        if (0xDC00..0xE000).contains(&lo) {
                            cu = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
                        } else {
                            put(text.as_deref_mut(), 0xFFFD);
                            cu = lo;
                        }
                    }
                    cu
                }
                _ => return Err(self.err_prev("invalid escape in string")),
            };
            put(text, c);
            return Ok(());
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.need_byte("a hex digit")?;
            let d = char::from(b)
                .to_digit(16)
                .ok_or_else(|| self.err_prev("invalid hex digit in \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// A number whose first byte was just read, checked against RFC 8259;
    /// with `text`, its text as written is appended.
    fn number(&mut self, text: Option<&mut Vec<u8>>) -> Result<()> {
        let start = self.pos.saturating_sub(1);
        let rest = self.buf.get(self.pos..self.end).unwrap_or_default();
        let bad = match rest.iter().position(|&b| !is_number_byte(b)) {
            // the whole number is in the buffer
            Some(n) => {
                self.pos += n;
                let lit = self.buf.get(start..self.pos).unwrap_or_default();
                if let Some(t) = text {
                    t.extend_from_slice(lit);
                }
                check_number(lit).err().map(|(i, m)| (n + 1 - i, m))
            }
            // it may go on in the next buffer
            None => {
                let mut lit = self.buf.get(start..self.end).unwrap_or_default().to_vec();
                self.pos = self.end;
                while let Some(b) = self.peek()?
                    && is_number_byte(b)
                {
                    lit.push(b);
                    self.pos += 1;
                }
                if let Some(t) = text {
                    t.extend_from_slice(&lit);
                }
                check_number(&lit).err().map(|(i, m)| (lit.len() - i, m))
            }
        };
        if let Some((back, msg)) = bad {
            return Err(self.err_back(back, msg));
        }
        if self
            .peek()?
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            return Err(self.err_at(self.pos, "invalid number"));
        }
        Ok(())
    }

    /// The rest of `true`/`false`/`null` after the first byte.
    fn literal(&mut self, rest: &[u8]) -> Result<()> {
        for &want in rest {
            if self.need_byte("a literal")? != want {
                return Err(self.err_prev("invalid literal"));
            }
        }
        if self
            .peek()?
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            return Err(self.err_at(self.pos, "invalid literal"));
        }
        Ok(())
    }

    /// The next value's raw text, exactly as in the input (checked), or
    /// `TooDeep` when it nests deeper than `MAX_VALUE_DEPTH`.
    fn capture(&mut self) -> Result<Outcome> {
        if self.peek_nonws()?.is_none() {
            return Err(self.err_eof("a JSON value"));
        }
        self.cap.clear();
        self.cap_start = self.pos;
        self.cap_base = self.stack.len();
        self.too_deep = false;
        self.capturing = true;
        let read = self.skip();
        let kept = std::mem::replace(&mut self.capturing, false);
        read?;
        if !kept {
            return Ok(Outcome::TooDeep);
        }
        let tail = self.buf.get(self.cap_start..self.pos).unwrap_or_default();
        self.cap.extend_from_slice(tail);
        Ok(Outcome::Raw(std::mem::take(&mut self.cap)))
    }

    /// Follow `path` inside the next value, which is read to its end.
    fn walk(&mut self, path: &[Seg]) -> Result<Outcome> {
        let Some((seg, rest)) = path.split_first() else {
            return self.capture();
        };
        let base = self.stack.len();
        match (self.value(None)?, seg) {
            (Tok::Obj, Seg::Key(k)) => {
                let mut out = Outcome::Absent;
                let mut key = std::mem::take(&mut self.key_buf);
                while self.member(Some(&mut key))? {
                    // the last of duplicate keys wins, as in jq
                    if key == k.as_bytes() {
                        out = self.walk(rest)?;
                    } else {
                        self.skip()?;
                    }
                }
                self.key_buf = key;
                Ok(out)
            }
            (Tok::Arr, &Seg::Index(n)) if n >= 0 => {
                let mut out = Outcome::Absent;
                let mut i: i64 = 0;
                while self.element()? {
                    if i == n {
                        out = self.walk(rest)?;
                    } else {
                        self.skip()?;
                    }
                    i = i.saturating_add(1);
                }
                Ok(out)
            }
            (Tok::Arr, &Seg::Index(n)) => {
                let mut ring = Ring::new(n.unsigned_abs());
                while self.element()? {
                    let o = self.walk(rest)?;
                    ring.push(&o);
                }
                Ok(ring.selected())
            }
            (Tok::Null, _) => Ok(Outcome::Absent),
            (tok, seg) => {
                self.skip_to(base)?;
                Ok(Outcome::CannotIndex(cannot_index(tok.kind(), seg)))
            }
        }
    }

    /// The tree of the next value. Deeper than `MAX_VALUE_DEPTH`: an error.
    fn tree(&mut self) -> Result<Value> {
        enum Frame {
            Arr(Vec<Value>),
            Obj(Map<String, Value>, String),
        }
        let mut frames: Vec<Frame> = Vec::new();
        let mut text = Vec::new();
        loop {
            let tok = self.value(Some(&mut text))?;
            if matches!(tok, Tok::Obj | Tok::Arr) && frames.len() >= MAX_VALUE_DEPTH {
                bail!("JSON value nested too deeply (more than {MAX_VALUE_DEPTH} levels)");
            }
            let mut v = match tok {
                Tok::Obj => {
                    frames.push(Frame::Obj(Map::new(), String::new()));
                    None
                }
                Tok::Arr => {
                    frames.push(Frame::Arr(Vec::new()));
                    None
                }
                Tok::Str => Some(Value::String(into_string(std::mem::take(&mut text)))),
                Tok::Num => Some(Value::Number(Number::from_string_unchecked(into_string(
                    std::mem::take(&mut text),
                )))),
                Tok::True => Some(Value::Bool(true)),
                Tok::False => Some(Value::Bool(false)),
                Tok::Null => Some(Value::Null),
            };
            // Put finished values into their containers, up to where the
            // next value begins.
            loop {
                let more = match frames.last_mut() {
                    None => return Ok(v.unwrap_or(Value::Null)),
                    Some(Frame::Arr(a)) => {
                        a.extend(v.take());
                        self.element()?
                    }
                    Some(Frame::Obj(m, k)) => {
                        if let Some(x) = v.take() {
                            // the last value, at the first key's position
                            m.insert(std::mem::take(k), x);
                        }
                        let more = self.member(Some(&mut text))?;
                        *k = into_string(std::mem::take(&mut text));
                        more
                    }
                };
                if more {
                    break;
                }
                v = match frames.pop() {
                    Some(Frame::Arr(a)) => Some(Value::Array(a)),
                    Some(Frame::Obj(m, _)) => Some(Value::Object(m)),
                    None => None,
                };
            }
        }
    }
}

impl Scanner<io::Empty> {
    /// A scanner over JSON text in memory (no copy; positions are offsets).
    fn from_bytes(bytes: Vec<u8>) -> Self {
        let end = bytes.len();
        Scanner::with(io::empty(), bytes, end, true)
    }

    fn seek(&mut self, at: usize) {
        self.pos = at.min(self.end);
    }

    /// The offset of the next byte that is not white space.
    fn next_at(&mut self) -> Result<usize> {
        self.peek_nonws()?;
        Ok(self.pos)
    }

    /// The members of the object just opened, as jq prints them: each key
    /// once, at its first position, with its last value — as (offset of the
    /// key's opening quote, offset of the value) — and the offset after `}`.
    fn members_in_jq_order(&mut self) -> Result<(Vec<(usize, usize)>, usize)> {
        let mut members: Vec<(usize, usize)> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut key = Vec::new();
        while self.member(Some(&mut key))? {
            let at = (self.key_at, self.next_at()?);
            match index.get(&key).and_then(|&i| members.get_mut(i)) {
                Some(m) => m.1 = at.1,
                None => {
                    index.insert(std::mem::take(&mut key), members.len());
                    members.push(at);
                }
            }
            self.skip()?;
        }
        Ok((members, self.pos))
    }

    /// The offsets (sorted) of the objects inside the next value that repeat
    /// a key, read with one 64-bit hash per key of each open object (a
    /// collision only costs a second look in `members_in_jq_order`).
    fn objects_with_repeated_keys(&mut self) -> Result<Vec<usize>> {
        let mut found = Vec::new();
        // per open object: its offset, whether a key repeats, its keys' hashes
        let mut objects: Vec<(usize, bool, HashSet<u64, Hashed>)> = Vec::new();
        let mut spare: Vec<HashSet<u64, Hashed>> = Vec::new();
        let mut key = Vec::new();
        let base = self.stack.len();
        loop {
            let at = self.next_at()?;
            if self.value(None)? == Tok::Obj {
                objects.push((at, false, spare.pop().unwrap_or_default()));
            }
            loop {
                let Some(&top) = self.stack.last().filter(|_| self.stack.len() > base) else {
                    found.sort_unstable();
                    return Ok(found);
                };
                if top & !FRESH == ARR {
                    if self.element()? {
                        break;
                    }
                } else if self.member(Some(&mut key))? {
                    // SipHash (std's, fixed keys): 64 bits that collide
                    // by chance only
                    let mut h = DefaultHasher::new();
                    h.write(&key);
                    if let Some(o) = objects.last_mut()
                        && !o.2.insert(h.finish())
                    {
                        o.1 = true;
                    }
                    break;
                } else if let Some((at, repeats, mut keys)) = objects.pop() {
                    if repeats {
                        found.push(at);
                    }
                    keys.clear();
                    spare.push(keys);
                }
            }
        }
    }
}

/// A set of 64-bit hashes that are already well mixed: each is its own hash.
#[derive(Default)]
struct Same(u64);

type Hashed = BuildHasherDefault<Same>;

impl Hasher for Same {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Whether a byte can be part of a number's text.
fn is_number_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

/// Check a number's text against RFC 8259:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. On error, the offset of
/// the offending byte and what is wrong.
fn check_number(lit: &[u8]) -> std::result::Result<(), (usize, &'static str)> {
    let at = |i: usize| lit.get(i).copied();
    let digits = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(at(0) == Some(b'-'));
    match at(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i),
        _ => return Err((i, "invalid number")),
    }
    if at(i) == Some(b'.') {
        let j = digits(i + 1);
        if j == i + 1 {
            return Err((j, "invalid number: digit expected after '.'"));
        }
        i = j;
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(i);
        if j == i {
            return Err((j, "invalid number: digit expected in exponent"));
        }
        i = j;
    }
    match i < lit.len() {
        true => Err((i, "invalid number")),
        false => Ok(()),
    }
}

/// Append code point `c` to `text` (when given) as UTF-8; a surrogate is
/// U+FFFD.
fn put(text: Option<&mut Vec<u8>>, c: u32) {
    let Some(t) = text else { return };
    let ch = char::from_u32(c).unwrap_or('\u{FFFD}');
    t.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
}

/// Text with invalid UTF-8 replaced as jq reads it (`jvp_utf8_next`): each
/// broken sequence — a stray byte, a sequence cut short, an overlong form, a
/// surrogate, a code point above U+10FFFF — becomes one U+FFFD; a sequence
/// cut short by the end of the text takes the rest with it (`"\xe2x"` is
/// one U+FFFD, as in jq).
fn decode_utf8(s: &[u8]) -> Vec<u8> {
    const FFFD: &[u8] = "\u{FFFD}".as_bytes();
    let mut out = Vec::with_capacity(s.len() + 8);
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let (len, min) = match b {
            0x00..=0x7F => {
                out.push(b);
                i += 1;
                continue;
            }
            0xC2..=0xDF => (2, 0x80),
            0xE0..=0xEF => (3, 0x800),
            0xF0..=0xF4 => (4, 0x1_0000),
            _ => {
                out.extend_from_slice(FFFD);
                i += 1;
                continue;
            }
        };
        let Some(seq) = s.get(i..i + len) else {
            out.extend_from_slice(FFFD);
            break;
        };
        let mut cp = u32::from(b) & (0x7F >> len);
        let mut n = 1;
        while let Some(&c) = seq.get(n)
            && c & 0xC0 == 0x80
        {
            cp = (cp << 6) | u32::from(c & 0x3F);
            n += 1;
        }
        if n == len && cp >= min && !(0xD800..0xE000).contains(&cp) && cp <= 0x10_FFFF {
            out.extend_from_slice(seq);
        } else {
            out.extend_from_slice(FFFD);
        }
        i += n;
    }
    out
}

/// Bytes known to be UTF-8 (the tokenizer's decoded text) as a `String`.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A JSON string literal (`"…"`, the whole of `lit`), decoded by the tokenizer.
fn string_literal(lit: &[u8]) -> Result<String> {
    let mut sc = Scanner::from_bytes(lit.to_vec());
    if sc.need_byte("'\"'")? != b'"' {
        bail!("expected a string");
    }
    let mut out = Vec::new();
    sc.string(Some(&mut out))?;
    if sc.peek()?.is_some() {
        bail!("text after the string");
    }
    Ok(into_string(out))
}

/// jq's message for indexing a value of type `kind` with `seg`.
fn cannot_index(kind: &str, seg: &Seg) -> String {
    match seg {
        Seg::Key(k) => {
            let mut q = Vec::new();
            let _ = write_json_string(&mut q, k.as_bytes());
            format!(
                "Cannot index {kind} with string {}",
                String::from_utf8_lossy(&q)
            )
        }
        Seg::Index(_) => format!("Cannot index {kind} with number"),
    }
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

/// The outcome of walking a path inside one value.
enum Outcome {
    Absent,
    Raw(Vec<u8>),
    /// jq's "Cannot index …" (kept as a value: a later duplicate key may win).
    CannotIndex(String),
    /// The selected value nests deeper than `MAX_VALUE_DEPTH`.
    TooDeep,
}

/// For a negative index: the outcomes of the last `keep` elements read so
/// far — the only ones it can still select — packed in one buffer (a kind
/// byte, a LEB128 length, the text), so an element costs its selected text
/// and two or three bytes.
struct Ring {
    keep: u64,
    count: u64,
    data: Vec<u8>,
    head: usize,
}

impl Ring {
    fn new(keep: u64) -> Ring {
        Ring {
            keep,
            count: 0,
            data: Vec::new(),
            head: 0,
        }
    }

    fn push(&mut self, o: &Outcome) {
        let (kind, text): (u8, &[u8]) = match o {
            Outcome::Absent => (0, b""),
            Outcome::Raw(raw) => (1, raw),
            Outcome::CannotIndex(msg) => (2, msg.as_bytes()),
            Outcome::TooDeep => (3, b""),
        };
        self.data.push(kind);
        let mut n = text.len();
        loop {
            let low = (n & 0x7F) as u8;
            n >>= 7;
            if n == 0 {
                self.data.push(low);
                break;
            }
            self.data.push(low | 0x80);
        }
        self.data.extend_from_slice(text);
        self.count += 1;
        if self.count > self.keep {
            self.head = self.entry().2;
            self.count -= 1;
            if self.head > self.data.len() / 2 {
                self.data.drain(..self.head);
                self.head = 0;
            }
        }
    }

    /// The oldest entry: its kind, where its text starts, where it ends.
    fn entry(&self) -> (u8, usize, usize) {
        let kind = self.data.get(self.head).copied().unwrap_or(0);
        let (mut len, mut shift, mut i) = (0usize, 0, self.head + 1);
        while let Some(&b) = self.data.get(i) {
            len |= usize::from(b & 0x7F) << shift;
            shift += 7;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        (kind, i, i + len)
    }

    /// The outcome of the element the index selects (absent in a shorter array).
    fn selected(mut self) -> Outcome {
        if self.count < self.keep {
            return Outcome::Absent;
        }
        let (kind, start, end) = self.entry();
        let text = self.data.drain(start..end.min(self.data.len())).collect();
        match kind {
            1 => Outcome::Raw(text),
            2 => Outcome::CannotIndex(into_string(text)),
            3 => Outcome::TooDeep,
            _ => Outcome::Absent,
        }
    }
}

/// What `path` selects in each top-level value of the input (jq reads any
/// number of them, one after the other): the selected value's JSON text as
/// it is in the input, or `None` when a key or index is missing or a `null`
/// was indexed. Only that text is kept, so memory stays small whatever the
/// input's size.
///
/// The whole input is read and checked before anything is returned. Errors:
/// unreadable input; malformed JSON anywhere (an empty input too); indexing
/// a string, number or boolean, an array by key or an object by index (jq's
/// "Cannot index …"); a selected value nested deeper than 512 levels.
pub fn query<R: Read>(reader: R, path: &[Seg]) -> Result<Vec<Option<Vec<u8>>>> {
    let mut sc = Scanner::new(reader);
    sc.skip_bom()?;
    let mut found = Vec::new();
    let mut failed = None;
    while sc.peek_nonws()?.is_some() {
        if failed.is_some() {
            sc.skip()?; // malformed JSON later on wins, as in jq
            continue;
        }
        match sc.walk(path)? {
            Outcome::Absent => found.push(None),
            Outcome::Raw(raw) => found.push(Some(raw)),
            Outcome::CannotIndex(msg) => failed = Some(msg),
            Outcome::TooDeep => {
                failed = Some(format!(
                    "the JSON value at the path is nested too deeply (more than {MAX_VALUE_DEPTH} levels)"
                ))
            }
        }
    }
    if let Some(msg) = failed {
        return Err(anyhow!(msg));
    }
    if found.is_empty() {
        return Err(sc.err_at(sc.end, "no JSON value (empty input)"));
    }
    Ok(found)
}

/// Parse one JSON document (a single value; a byte order mark allowed) into
/// a tree, read as [`query`] reads it: strings decoded as jq does, numbers
/// kept as written, the last of duplicate keys at the first one's position.
/// Malformed, empty, several values or nested deeper than 512 levels: an
/// error naming line and column.
pub fn parse(bytes: &[u8]) -> Result<Value> {
    let mut sc = Scanner::from_bytes(bytes.to_vec());
    sc.skip_bom()?;
    let v = sc.tree()?;
    if sc.peek_nonws()?.is_some() {
        return Err(sc.err_at(sc.pos, "text after the JSON value"));
    }
    Ok(v)
}

/// The value at `path` in a parsed document, by the rules of [`query`]:
/// `None` when a key or index is missing or a `null` was indexed; indexing a
/// string, number or boolean (or an array by key, an object by index) is
/// jq's "Cannot index …" error.
pub fn select<'v>(doc: &'v Value, path: &[Seg]) -> Result<Option<&'v Value>> {
    let mut cur = doc;
    for seg in path {
        let next = match (seg, cur) {
            (_, Value::Null) => None,
            (Seg::Key(k), Value::Object(o)) => o.get(k),
            (&Seg::Index(i), Value::Array(a)) => {
                let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                let i = if i < 0 { len + i } else { i };
                usize::try_from(i).ok().and_then(|i| a.get(i))
            }
            (seg, other) => bail!("{}", cannot_index(type_name(other), seg)),
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

// ---------------------------------------------------------------------------
// The printer
// ---------------------------------------------------------------------------

/// The one printer: jq's layout — two spaces a level, `"key": value`, `[]`
/// and `{}` when empty, strings escaped as jq escapes them — fed item by
/// item, by a tree ([`write_value`]) or by tokens ([`write_text`]).
struct Pretty<W: Write> {
    w: W,
    depth: usize,
    /// A container was just opened (nothing in it yet).
    fresh: bool,
}

impl<W: Write> Pretty<W> {
    fn new(w: W) -> Self {
        Pretty {
            w,
            depth: 0,
            fresh: false,
        }
    }

    fn open(&mut self, bracket: u8) -> io::Result<()> {
        self.w.write_all(&[bracket])?;
        self.depth += 1;
        self.fresh = true;
        Ok(())
    }

    fn close(&mut self, bracket: u8) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if !self.fresh {
            self.w.write_all(b"\n")?;
            self.indent()?;
        }
        self.fresh = false;
        self.w.write_all(&[bracket])
    }

    /// Before each element of an array.
    fn item(&mut self) -> io::Result<()> {
        self.w
            .write_all(if self.fresh { &b"\n"[..] } else { &b",\n"[..] })?;
        self.fresh = false;
        self.indent()
    }

    /// Before each member of an object: its key.
    fn key(&mut self, k: &[u8]) -> io::Result<()> {
        self.item()?;
        write_json_string(&mut self.w, k)?;
        self.w.write_all(b": ")
    }

    fn indent(&mut self) -> io::Result<()> {
        const SPACES: &[u8] = b"                                                                ";
        let mut n = self.depth * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.w.write_all(SPACES.get(..k).unwrap_or_default())?;
            n -= k;
        }
        Ok(())
    }

    /// A value of a parsed tree (depth bounded by `parse`).
    fn tree(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Null => self.w.write_all(b"null"),
            Value::Bool(true) => self.w.write_all(b"true"),
            Value::Bool(false) => self.w.write_all(b"false"),
            Value::Number(n) => self.w.write_all(n.as_str().as_bytes()),
            Value::String(s) => write_json_string(&mut self.w, s.as_bytes()),
            Value::Array(a) => {
                self.open(b'[')?;
                for x in a {
                    self.item()?;
                    self.tree(x)?;
                }
                self.close(b']')
            }
            Value::Object(o) => {
                self.open(b'{')?;
                for (k, x) in o {
                    self.key(k.as_bytes())?;
                    self.tree(x)?;
                }
                self.close(b'}')
            }
        }
    }

    /// The value at the scanner's position, token by token; objects at the
    /// offsets `repeats` are printed in jq's order of their members.
    fn tokens(&mut self, sc: &mut Scanner<io::Empty>, repeats: &[usize]) -> Result<()> {
        enum Frame {
            Items,
            Members,
            /// An object that repeats a key: its members to print, the next
            /// one, and the offset after its `}`.
            Ordered(Vec<(usize, usize)>, usize, usize),
        }
        let mut frames: Vec<Frame> = Vec::new();
        let mut text = Vec::new();
        loop {
            let at = sc.next_at()?;
            match sc.value(Some(&mut text))? {
                Tok::Obj => {
                    self.open(b'{')?;
                    frames.push(match repeats.binary_search(&at) {
                        Ok(_) => {
                            let (members, end) = sc.members_in_jq_order()?;
                            Frame::Ordered(members, 0, end)
                        }
                        Err(_) => Frame::Members,
                    });
                }
                Tok::Arr => {
                    self.open(b'[')?;
                    frames.push(Frame::Items);
                }
                Tok::Str => write_json_string(&mut self.w, &text)?,
                Tok::Num => self.w.write_all(&text)?,
                Tok::True => self.w.write_all(b"true")?,
                Tok::False => self.w.write_all(b"false")?,
                Tok::Null => self.w.write_all(b"null")?,
            }
            // Close what ended, up to where the next value begins.
            loop {
                match frames.last_mut() {
                    None => return Ok(()),
                    Some(Frame::Items) => {
                        if sc.element()? {
                            self.item()?;
                            break;
                        }
                        self.close(b']')?;
                    }
                    Some(Frame::Members) => {
                        if sc.member(Some(&mut text))? {
                            self.key(&text)?;
                            break;
                        }
                        self.close(b'}')?;
                    }
                    Some(Frame::Ordered(members, next, end)) => {
                        if let Some(&(k, v)) = members.get(*next) {
                            *next += 1;
                            sc.seek(k + 1);
                            text.clear();
                            sc.string(Some(&mut text))?;
                            self.key(&text)?;
                            sc.seek(v);
                            break;
                        }
                        sc.seek(*end);
                        self.close(b'}')?;
                    }
                }
                frames.pop();
            }
        }
    }
}

/// Print a value as `jq -r` does, then a newline: a string raw, anything
/// else laid out by [`Pretty`].
pub fn write_value<W: Write>(out: W, v: &Value) -> io::Result<()> {
    let mut p = Pretty::new(io::BufWriter::new(out));
    match v {
        Value::String(s) => p.w.write_all(s.as_bytes())?,
        _ => p.tree(v)?,
    }
    p.w.write_all(b"\n")?;
    p.w.flush()
}

/// Print the JSON text of a value from [`query`] exactly as [`write_value`]
/// prints it parsed, without a tree: the tokens go straight to the printer.
/// An object that repeats a key is printed as jq prints it — each key once,
/// at its first position, with its last value — by reading its members
/// again in that order. Memory: the text, plus one hash per key of the
/// objects open at a time.
pub fn write_text<W: Write>(out: W, text: Vec<u8>) -> Result<()> {
    let any_object = memchr::memchr(b'{', &text).is_some();
    let mut sc = Scanner::from_bytes(text);
    let repeats = match any_object {
        true => sc.objects_with_repeated_keys()?,
        false => Vec::new(),
    };
    sc.seek(0);
    let mut p = Pretty::new(io::BufWriter::with_capacity(BUF_SIZE, out));
    if sc.peek_nonws()? == Some(b'"') {
        let mut s = Vec::new();
        sc.value(Some(&mut s))?;
        p.w.write_all(&s)?;
    } else {
        p.tokens(&mut sc, &repeats)?;
    }
    p.w.write_all(b"\n")?;
    p.w.flush()?;
    Ok(())
}

/// A JSON string escaped as jq does: `\"` `\\` `\n` `\t` `\r` `\b` `\f`, other
/// control characters and DEL as `\u00xx` (lowercase hex), everything else
/// raw. `s` is UTF-8.
fn write_json_string<W: Write>(w: &mut W, s: &[u8]) -> io::Result<()> {
    w.write_all(b"\"")?;
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f | 0x7f => b"",
            _ => continue,
        };
        w.write_all(s.get(start..i).unwrap_or_default())?;
        if esc.is_empty() {
            write!(w, "\\u{b:04x}")?;
        } else {
            w.write_all(esc)?;
        }
        start = i + 1;
    }
    w.write_all(s.get(start..).unwrap_or_default())?;
    w.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document for the tests below (the shared conformance cases, run by
    /// tests/conformance.rs, cover the spec's examples).
    const DOC: &str = r#"{
  "str": "hello",
  "obj": {"k": "v", "n": 1, "inner": {"x": [1, 2]}},
  "list": [{"name": "first", "tags": ["a", "b"]}, {"name": "second", "tags": []}],
  "n": [-1.5e+3, 0, 1E9]
}"#;

    /// A reader that yields one byte per `read` call (exercises every buffer boundary).
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// What `get_json_value` prints for the query's results.
    fn render(found: Vec<Option<Vec<u8>>>) -> Result<String> {
        let mut out = Vec::new();
        for f in found {
            match f {
                Some(text) => write_text(&mut out, text)?,
                None => out.extend_from_slice(b"null\n"),
            }
        }
        Ok(String::from_utf8(out)?)
    }

    /// What the lookups print: the tree of `parse`, `select`, `write_value`.
    fn tree_print(doc: &[u8], segs: &[Seg]) -> Result<String> {
        let v = parse(doc)?;
        let mut out = Vec::new();
        match select(&v, segs)? {
            Some(x) => write_value(&mut out, x)?,
            None => out.extend_from_slice(b"null\n"),
        }
        Ok(String::from_utf8(out)?)
    }

    /// Query and print as `get_json_value` does, checking that a 1-byte
    /// reader gives the same, and that the tree reader of the lookups prints
    /// the same wherever it reads the document (one value, not too deep).
    fn run_segs(doc: &[u8], segs: &[Seg]) -> Result<String> {
        let a = query(doc, segs).and_then(render);
        let b = query(OneByte(doc), segs).and_then(render);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "1-byte reader differs"),
            (Err(x), Err(y)) => assert_eq!(format!("{x:#}"), format!("{y:#}")),
            _ => panic!("1-byte reader differs: {a:?} vs {b:?}"),
        }
        match (&a, tree_print(doc, segs)) {
            (Ok(x), Ok(y)) => assert_eq!(*x, y, "the tree reader prints differently"),
            (Err(x), Ok(y)) => panic!("only the tree reader reads it: {x:#} / {y:?}"),
            (Err(x), Err(y))
                if x.to_string().starts_with("Cannot index")
                    && y.to_string().starts_with("Cannot index") =>
            {
                assert_eq!(x.to_string(), y.to_string());
            }
            _ => {}
        }
        a
    }

    fn run(doc: &str, path: &str) -> Result<String> {
        let segs = parse_path(path)?;
        run_segs(doc.as_bytes(), &segs)
    }

    #[track_caller]
    fn out(doc: &str, path: &str) -> String {
        match run(doc, path) {
            Ok(s) => s,
            Err(e) => panic!("{path:?}: {e:#}"),
        }
    }

    #[track_caller]
    fn err(doc: &str, path: &str) -> String {
        match run(doc, path) {
            Ok(s) => panic!("{path:?} on {doc:?}: expected an error, got {s:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }

    fn bytes_out(doc: &[u8], path: &str) -> Vec<u8> {
        let segs = parse_path(path).unwrap();
        run_segs(doc, &segs).unwrap().into_bytes()
    }

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// The output contract of a query, on any input: it never panics; an
    /// error is one line that says what is wrong; a result is the same from
    /// every reader (`run_segs`), valid UTF-8, one line or more per value,
    /// and each printed value that is not a string reads back as JSON that
    /// prints the same.
    fn check_contract(doc: &[u8], segs: &[Seg]) {
        match run_segs(doc, segs) {
            Err(e) => {
                let m = format!("{e:#}");
                assert!(!m.contains('\n'), "{m:?}");
                assert!(
                    m.starts_with("malformed JSON at line ")
                        || m.starts_with("Cannot index ")
                        || m.contains("nested too deeply"),
                    "unexpected error {m:?} for {doc:?}"
                );
            }
            Ok(printed) => {
                assert!(printed.ends_with('\n'), "{printed:?}");
                let found = query(doc, segs).unwrap();
                assert!(printed.lines().count() >= found.len());
                for text in found.into_iter().flatten() {
                    if text.first() == Some(&b'"') {
                        continue;
                    }
                    let mut once = Vec::new();
                    write_text(&mut once, text).unwrap();
                    let again = parse(&once).expect("printed JSON reads back");
                    let mut twice = Vec::new();
                    write_value(&mut twice, &again).unwrap();
                    assert_eq!(once, twice, "printing is not stable");
                }
            }
        }
    }

    // ---- jq's reading of text (issue 10) ----------------------------------

    #[test]
    fn lone_surrogate_escapes_are_replacement_characters() {
        // jq reads a lone low surrogate as U+FFFD; a lone high one too (jq
        // 1.7; jq 1.6 refuses the document: README, "Differences from jq")
        assert_eq!(out("\"\\udc00\"", ""), "\u{fffd}\n");
        assert_eq!(out("\"\\ud800\"", ""), "\u{fffd}\n");
        assert_eq!(out("\"a\\udfffb\"", ""), "a\u{fffd}b\n");
        assert_eq!(out("\"\\ud800\\u0041\"", ""), "\u{fffd}A\n");
        assert_eq!(out("\"\\ud800\\n\"", ""), "\u{fffd}\n\n");
        assert_eq!(out("\"\\ud800\\ud800\\udc00\"", ""), "\u{fffd}\u{10000}\n");
        assert_eq!(out("\"\\udc00\\ud800\"", ""), "\u{fffd}\u{fffd}\n");
        assert_eq!(out("\"\\uDBFF\\uDFFF\"", ""), "\u{10ffff}\n");
        assert_eq!(out("[\"\\ud800\"]", ""), "[\n  \"\u{fffd}\"\n]\n");
        // in keys, selected by the replaced form
        assert_eq!(out("{\"k\\udc00\": 1}", "[\"k\u{fffd}\"]"), "1\n");
        assert_eq!(out("{\"k\\udc00\": 1}", "[\"k\\udc00\"]"), "1\n");
        assert_eq!(out("{\"\\ud800\": 2}", ""), "{\n  \"\u{fffd}\": 2\n}\n");
        // a broken escape after a high surrogate is still malformed
        assert!(err("\"\\ud800\\x\"", "").starts_with("malformed JSON"));
        assert!(err("\"\\ud800\\u12\"", "").starts_with("malformed JSON"));
    }

    #[test]
    fn invalid_utf8_is_replaced_as_jq_does() {
        // (input string body, what jq 1.6 prints for it)
        let cases: &[(&[u8], &str)] = &[
            (b"\xed\xa0\x80", "\u{fffd}"),
            (b"\xed\xb0\x80", "\u{fffd}"),
            (b"a\xffb", "a\u{fffd}b"),
            (b"\xc0\x80", "\u{fffd}\u{fffd}"),
            (b"\xf0\x80\x80\x80", "\u{fffd}"),
            (b"\xf4\x90\x80\x80", "\u{fffd}"),
            (b"\xf5", "\u{fffd}"),
            (b"\xe2\x82", "\u{fffd}"),
            (b"\xe2x", "\u{fffd}"),
            (b"\xe2xyz", "\u{fffd}xyz"),
            (b"\xf0\x9f\x98", "\u{fffd}"),
            (b"\xf0\x9f\x98x", "\u{fffd}x"),
            (b"\xe2\x82\xacz", "\u{20ac}z"),
            (b"\x80\x80", "\u{fffd}\u{fffd}"),
        ];
        for (body, want) in cases {
            let mut doc = b"\"".to_vec();
            doc.extend_from_slice(body);
            doc.push(b'"');
            assert_eq!(
                bytes_out(&doc, ""),
                format!("{want}\n").into_bytes(),
                "{body:?}"
            );
            // the same inside a printed value and as a key
            let mut obj = b"{\"".to_vec();
            obj.extend_from_slice(body);
            obj.extend_from_slice(b"\": 1}");
            let printed = format!("{{\n  \"{want}\": 1\n}}\n");
            assert_eq!(bytes_out(&obj, ""), printed.into_bytes(), "{body:?}");
            let path = format!("[\"{want}\"]");
            assert_eq!(bytes_out(&obj, &path), b"1\n", "{body:?}");
        }
        // bytes >= 0x80 outside strings are malformed
        assert!(query(&b"[1, \xc3\xa9]"[..], &[]).is_err());
    }

    #[test]
    fn huge_indices_are_null() {
        assert_eq!(
            parse_path("[99999999999999999999]"),
            Ok(vec![Seg::Index(i64::MAX)])
        );
        assert_eq!(
            parse_path("[-99999999999999999999]"),
            Ok(vec![Seg::Index(i64::MIN)])
        );
        for p in [
            "[99999999999999999999]",
            "[-99999999999999999999]",
            "[9223372036854775807]",
            "[-9223372036854775808]",
        ] {
            assert_eq!(out("[1]", p), "null\n", "{p}");
            assert_eq!(out("[]", p), "null\n", "{p}");
            assert_eq!(out("null", p), "null\n", "{p}");
            assert_eq!(err("{}", p), "Cannot index object with number", "{p}");
        }
    }

    #[test]
    fn negative_index_keeps_only_what_it_can_select() {
        // the element nested too deeply to print is not the one selected
        let deep = format!("{}1{}", "[".repeat(600), "]".repeat(600));
        let doc = format!("[{deep},1]");
        assert_eq!(out(&doc, "[-1]"), "1\n");
        assert_eq!(out(&doc, "[1]"), "1\n");
        assert!(err(&doc, "[-2]").contains("nested too deeply"));
        assert!(err(&doc, "[0]").contains("nested too deeply"));
        // a Cannot-index error of an element that is not selected is none
        assert_eq!(out("[\"s\", {\"a\": 1}]", "[-1].a"), "1\n");
        assert_eq!(
            err("[\"s\", {\"a\": 1}]", "[-2].a"),
            "Cannot index string with string \"a\""
        );
        // many elements: each costs its selected text and two bytes
        let n = 100_000;
        let doc = format!("[{}0]", "7,".repeat(n));
        assert_eq!(out(&doc, "[-100001]"), "7\n");
        assert_eq!(out(&doc, "[-1]"), "0\n");
        assert_eq!(out(&doc, "[-100002]"), "null\n");
        let mut ring = Ring::new(u64::MAX);
        for _ in 0..n {
            ring.push(&Outcome::Raw(b"7".to_vec()));
            ring.push(&Outcome::Absent);
        }
        assert!(ring.data.len() <= 5 * n, "{}", ring.data.len());
        let mut ring = Ring::new(2);
        for i in 0..1000u32 {
            ring.push(&Outcome::Raw(i.to_string().into_bytes()));
        }
        assert!(ring.data.len() < 64, "{}", ring.data.len());
        assert!(matches!(ring.selected(), Outcome::Raw(t) if t == b"998"));
    }

    #[test]
    fn repeated_keys_inside_a_printed_value() {
        let cases = [
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"o":{"a":1,"a":[2]}}"#,
            r#"[{"q":1,"q":2},{"q":3}]"#,
            r#"{"a":{"x":1,"y":[1,{"z":1,"z":{"w":1,"w":2}}],"x":{"z":true}},"a":{"k":1,"k":2,"j":0}}"#,
            r#"{"a":1,"\u0061":2,"b":{"c":[],"c":{}}}"#,
            r#"{"x":{"a":"1","a":"2","b":{"b":1}}, "y": {"a": 1}}"#,
        ];
        for doc in cases {
            // `out` checks the token printer against the tree printer
            let printed = out(doc, "");
            assert!(!printed.is_empty());
        }
        assert_eq!(
            out(r#"{"o":{"a":1,"b":{"c":1,"c":2},"a":{"d":3,"d":4}}}"#, "o"),
            "{\n  \"a\": {\n    \"d\": 4\n  },\n  \"b\": {\n    \"c\": 2\n  }\n}\n"
        );
        let mut sc =
            Scanner::from_bytes(br#"{"a":{"b":1,"b":2},"c":[{"d":1},{"e":1,"e":1}]}"#.to_vec());
        assert_eq!(sc.objects_with_repeated_keys().unwrap(), vec![5, 32]);
        // no false alarm on many similar keys (a weak hash had them collide)
        let mut doc = String::from("{");
        for i in 0..200_000 {
            doc.push_str(&format!("\"key{i}\": {i}, "));
        }
        doc.push_str("\"end\": 0}");
        let mut sc = Scanner::from_bytes(doc.into_bytes());
        assert_eq!(
            sc.objects_with_repeated_keys().unwrap(),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn parse_reads_as_query_reads() {
        let v = parse(b"\xef\xbb\xbf{\"n\": 1E400, \"s\": \"\\udc00\", \"d\": 1, \"d\": 2.50}")
            .unwrap();
        assert_eq!(v["n"].to_string(), "1E400");
        assert_eq!(v["s"], "\u{fffd}");
        assert_eq!(v["d"].to_string(), "2.50");
        assert_eq!(v.as_object().map(|o| o.len()), Some(3));
        for bad in [&b""[..], b"{} {}", b"[1,]", b"{\"a\" 1}", b"01"] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("malformed JSON at line 1"), "{e}");
        }
    }

    #[test]
    fn path_grammar() {
        assert_eq!(parse_path(""), Ok(vec![]));
        assert_eq!(parse_path("."), Ok(vec![]));
        assert_eq!(
            parse_path("a.b[0].c"),
            Ok(vec![key("a"), key("b"), Seg::Index(0), key("c")])
        );
        assert_eq!(parse_path(".a"), Ok(vec![key("a")]));
        assert_eq!(
            parse_path("[\"key.with.dots\"]"),
            Ok(vec![key("key.with.dots")])
        );
        assert_eq!(parse_path(".[\"k\"]"), Ok(vec![key("k")]));
        assert_eq!(parse_path("a[\"x-y\"]"), Ok(vec![key("a"), key("x-y")]));
        assert_eq!(parse_path("a-b.c-d"), Ok(vec![key("a-b"), key("c-d")]));
        assert_eq!(parse_path("-"), Ok(vec![key("-")]));
        assert_eq!(parse_path("[1]"), Ok(vec![Seg::Index(1)]));
        assert_eq!(parse_path(".[1]"), Ok(vec![Seg::Index(1)]));
        assert_eq!(parse_path("a[-1]"), Ok(vec![key("a"), Seg::Index(-1)]));
        assert_eq!(parse_path("a[ 2 ]"), Ok(vec![key("a"), Seg::Index(2)]));
        assert_eq!(
            parse_path("a[0][1]"),
            Ok(vec![key("a"), Seg::Index(0), Seg::Index(1)])
        );
        assert_eq!(parse_path("a.[0]"), Ok(vec![key("a"), Seg::Index(0)]));
        assert_eq!(parse_path("a.\"b c\""), Ok(vec![key("a"), key("b c")]));
        assert_eq!(parse_path("[\"a\\\"b\\u0041\"]"), Ok(vec![key("a\"bA")]));
        assert_eq!(parse_path("żółć.日本"), Ok(vec![key("żółć"), key("日本")]));
        assert_eq!(parse_path("_x9.0"), Ok(vec![key("_x9"), key("0")]));
        // bare `keys` / `length` are jq programs (spec §4); with a dot or
        // brackets they are keys, and other builtin names are keys anyway
        assert_eq!(parse_path("keys"), Err(PathError::JqProgram));
        assert_eq!(parse_path("length"), Err(PathError::JqProgram));
        assert_eq!(parse_path(".keys"), Ok(vec![key("keys")]));
        assert_eq!(parse_path("[\"length\"]"), Ok(vec![key("length")]));
        assert_eq!(parse_path("a.keys"), Ok(vec![key("a"), key("keys")]));
        assert_eq!(parse_path("type"), Ok(vec![key("type")]));
    }

    #[test]
    fn path_jq_programs_refused() {
        for p in [
            "services | length",
            "a|length",
            "a | keys",
            ".[]",
            "a[]",
            "a[1:2]",
            "map(.x)",
            "keys()",
            "a b",
            " a",
            "a ",
            "..",
            "a,b",
            "a?",
            "$ENV",
            ".a + 1",
            "{a}",
            "select(.a)",
            "\"str\"",
            "a[.b]",
            "a[keys]",
            "[\"a\",\"b\"]",
            "a.\"\\(1)\"",
            "@base64",
            "a==1",
            "a;b",
            "a/b",
            "a[-]",
        ] {
            assert_eq!(parse_path(p), Err(PathError::JqProgram), "path {p:?}");
        }
    }

    #[test]
    fn path_invalid() {
        for p in [
            "a.", "a..b", "a[", "a[0", "[\"a", "[\"a\"", "a[0]b", "a\u{1}b",
        ] {
            match parse_path(p) {
                Err(PathError::Invalid(m)) => {
                    assert!(
                        PathError::Invalid(m)
                            .to_string()
                            .starts_with("invalid path")
                    )
                }
                other => panic!("{p:?}: {other:?}"),
            }
        }
        let long = "[0]".repeat(MAX_PATH_SEGMENTS + 1);
        assert!(matches!(parse_path(&long), Err(PathError::Invalid(_))));
    }

    // ---- indexing semantics ---------------------------------------------------

    #[test]
    fn index_semantics() {
        assert_eq!(
            err(r#"{"a": 1}"#, "a.b"),
            r#"Cannot index number with string "b""#
        );
        assert_eq!(
            err(r#"{"a": true}"#, "a.b"),
            r#"Cannot index boolean with string "b""#
        );
        assert_eq!(
            err(r#"{"a": [1]}"#, "a.b"),
            r#"Cannot index array with string "b""#
        );
        assert_eq!(
            err(r#"{"a": {"b": 1}}"#, "a[0]"),
            "Cannot index object with number"
        );
        assert_eq!(
            err(r#"{"a": "s"}"#, "a[0]"),
            "Cannot index string with number"
        );
        assert_eq!(
            err(r#""abc""#, "a"),
            r#"Cannot index string with string "a""#
        );
        assert_eq!(out("null", "a.b[3].c"), "null\n");
        assert_eq!(out(r#"{"a": null}"#, "a[0]"), "null\n");
        assert_eq!(out(r#"{"a": []}"#, "a[0]"), "null\n");
        assert_eq!(out("[1,2,3]", "[-1]"), "3\n");
        assert_eq!(out("[1,2,3]", "[-3]"), "1\n");
        assert_eq!(out("[1,2,3]", "[-4]"), "null\n");
        assert_eq!(out("[1,2,3]", "[3]"), "null\n");
        assert_eq!(out("[]", "[-1]"), "null\n");
        assert_eq!(out(DOC, "list[-1].name"), "second\n");
        assert_eq!(out(DOC, "list[-2].tags[-1]"), "b\n");
        assert_eq!(out(r#"[1,"x",3]"#, "[-2]"), "x\n");
        // an index error in a skipped branch is no error
        assert_eq!(out(r#"[{"a":1}, "s"]"#, "[0].a"), "1\n");
    }

    #[test]
    fn duplicate_keys_last_wins() {
        assert_eq!(out(r#"{"a":"s","a":{"b":1}}"#, "a.b"), "1\n");
        assert_eq!(
            err(r#"{"a":{"b":1},"a":"s"}"#, "a.b"),
            r#"Cannot index string with string "b""#
        );
        assert_eq!(out(r#"{"a":{"b":1},"a":{}}"#, "a.b"), "null\n");
        assert_eq!(out(r#"{"a":{"b":1},"a":null}"#, "a.b"), "null\n");
        assert_eq!(out(r#"{"a":1,"b":{"a":5},"a":3}"#, "a"), "3\n");
        // inside a printed object jq keeps the first position with the last value
        assert_eq!(
            out(r#"{"a":1,"b":2,"a":3}"#, ""),
            "{\n  \"a\": 3,\n  \"b\": 2\n}\n"
        );
        assert_eq!(
            out(r#"{"o":{"a":1,"a":[2]}}"#, "o"),
            "{\n  \"a\": [\n    2\n  ]\n}\n"
        );
    }

    #[test]
    fn escaped_keys_are_compared_unescaped() {
        assert_eq!(out(r#"{"a\u0062": 1}"#, "ab"), "1\n");
        assert_eq!(out(r#"{"x": {"\u0061\/b": 2}}"#, "x[\"a/b\"]"), "2\n");
        assert_eq!(out(r#"{"\"q\"": 3}"#, r#"["\"q\""]"#), "3\n");
        assert_eq!(out(r#"{"\ud83d\ude00": 4}"#, "😀"), "4\n");
        assert_eq!(out(r#"{"t\tb": 5}"#, r#"["t\tb"]"#), "5\n");
        assert_eq!(out(r#"{"ab": 1, "a\u0062": 6}"#, "ab"), "6\n");
        // an escaped key that only looks similar does not match
        assert_eq!(out(r#"{"a\\b": 7}"#, "ab"), "null\n");
    }

    #[test]
    fn multiple_documents_and_bom() {
        assert_eq!(out("1 2", ""), "1\n2\n");
        assert_eq!(out(r#"{"a":1}{"a":2}"#, "a"), "1\n2\n");
        assert_eq!(out("{\"a\":1}\n{\"b\":2}\n", "a"), "1\nnull\n");
        assert_eq!(out("\u{feff}{\"a\":1}", "a"), "1\n");
        err("1 2 [", "");
        err("{\"a\":1} {\"a\":", "a");
    }

    // ---- validation -------------------------------------------------------

    #[test]
    fn malformed_inputs_rejected() {
        for doc in [
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "{'a':1}",
            "['a']",
            "{\"a\":1",
            "[",
            "{",
            "\"abc",
            "\"a\\x\"",
            "\"a\\u12g4\"",
            "\"a\\u12\"",
            "\"a\tb\"",
            "\"a\nb\"",
            "01",
            "-01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "1e+",
            "1.e3",
            "0x10",
            "NaN",
            "Infinity",
            "-Infinity",
            "nan",
            "truex",
            "tru",
            "nul",
            "nulll",
            "True",
            "]",
            "}",
            ",",
            ":",
            "{\"a\":1}}",
            "[1]]",
            "{\"a\":1 \"b\":2}",
            "{,}",
            "[,1]",
            "{\"a\"::1}",
            "\u{feff}\u{feff}1",
            "\u{ef}",
            "\u{1}",
        ] {
            for path in ["", "a", "[0]", "x.y"] {
                let e = err(doc, path);
                assert!(e.starts_with("malformed JSON"), "{doc:?} {path:?}: {e}");
            }
        }
    }

    #[test]
    fn whole_document_validated_even_after_the_value() {
        let e = err(r#"{"a": 1, "b": [1,]}"#, "a");
        assert!(e.contains("line 1, column 18"), "{e}");
        err(r#"{"a": 1, "b": {"c": 01}}"#, "a");
        err(r#"{"a": 1, "b": "x\q"}"#, "a");
        err(r#"{"b": [tru], "a": 1}"#, "a");
        // malformed wins over a "cannot index" error
        let e = err(r#"{"a": "s", "b": }"#, "a.b");
        assert!(e.starts_with("malformed JSON"), "{e}");
    }

    #[test]
    fn error_position_line_and_column() {
        let doc = "{\n  \"a\": 1\n  \"b\": 2\n}";
        assert_eq!(
            err(doc, "a"),
            "malformed JSON at line 3, column 3: expected ',' or '}'"
        );
        let doc = "[\n1,\n2,\n]";
        assert_eq!(
            err(doc, ""),
            "malformed JSON at line 4, column 1: expected a JSON value"
        );
        let e = err("{\"a\": ", "a");
        assert!(e.contains("unexpected end of input"), "{e}");
        // position after a long first buffer
        let mut big = String::from("[");
        for _ in 0..20_000 {
            big.push_str("\"xxxxxxxx\",\n");
        }
        big.push_str("bad]");
        assert_eq!(
            err(&big, "[0]"),
            "malformed JSON at line 20001, column 1: expected a JSON value"
        );
    }

    #[test]
    fn valid_edge_values() {
        assert_eq!(out(" \t\r\n{ \"a\" :\n[ ] } \n", "a"), "[]\n");
        assert_eq!(
            out("\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", ""),
            "/\u{8}\u{c}\n\r\t\"\\\n"
        );
        assert_eq!(out("[\"\\u00e9\\ud83d\\ude00\"]", "[0]"), "é😀\n");
        assert_eq!(out("[\"\\u00e9\\ud83d\\ude00\"]", ""), "[\n  \"é😀\"\n]\n");
        assert_eq!(
            out("[true,false,null]", ""),
            "[\n  true,\n  false,\n  null\n]\n"
        );
        assert_eq!(out("\"\"", ""), "\n");
        assert_eq!(out("[0,-0.0,1E-2]", "[2]"), "1E-2\n");
        assert_eq!(out("{\"\":1}", "[\"\"]"), "1\n");
    }

    #[test]
    fn invalid_utf8_in_strings_is_replaced() {
        let doc = b"{\"skip\": \"\xff\xfe\", \"a\": \"x\xffy\"}";
        assert_eq!(run_segs(doc, &[key("a")]).unwrap(), "x\u{fffd}y\n");
        assert_eq!(run_segs(doc, &[key("missing")]).unwrap(), "null\n");
        // bytes >= 0x80 outside strings are malformed
        assert!(run_segs(b"[1, \xc3\xa9]", &[]).is_err());
    }

    // ---- streaming ------------------------------------------------------------

    #[test]
    fn values_spanning_buffer_boundaries() {
        let long = "é✓x".repeat(50_000); // ~300 KB, several buffers
        let mut doc = String::from("{\"pad\": [");
        for i in 0..30_000 {
            doc.push_str(&format!("{{\"i\": {i}, \"s\": \"a\\u0041\\\"b\"}},"));
        }
        doc.push_str("0], \"long\": \"");
        doc.push_str(&long);
        doc.push_str("\", \"obj\": {\"n\": 123456789012345678901234567890.5e-7, \"k\": \"v\"}, \"after\": 1}");
        assert!(doc.len() > 3 * BUF_SIZE);
        assert_eq!(out(&doc, "long"), format!("{long}\n"));
        assert_eq!(
            out(&doc, "obj"),
            "{\n  \"n\": 123456789012345678901234567890.5e-7,\n  \"k\": \"v\"\n}\n"
        );
        assert_eq!(out(&doc, "pad[29999].i"), "29999\n");
        assert_eq!(out(&doc, "pad[-2].s"), "aA\"b\n");
        assert_eq!(out(&doc, "after"), "1\n");
        assert_eq!(out(&doc, "pad[30001]"), "null\n");
    }

    #[test]
    fn deep_nesting_in_skipped_values() {
        let n = 100_000;
        let doc = format!("{{\"deep\": {}{}, \"b\": 1}}", "[".repeat(n), "]".repeat(n));
        assert_eq!(out(&doc, "b"), "1\n");
        let doc = format!(
            "{{\"deep\": {}1{}, \"b\": 2}}",
            "{\"x\":".repeat(n),
            "}".repeat(n)
        );
        assert_eq!(out(&doc, "b"), "2\n");
        // unbalanced: a clean error, no crash
        let doc = format!("{{\"deep\": {}, \"b\": 1}}", "[".repeat(n));
        assert!(err(&doc, "b").starts_with("malformed JSON"));
        // malformed wins over too deep: the whole input is read first
        let doc = "[".repeat(n);
        let e = err(&doc, "");
        assert!(e.starts_with("malformed JSON"), "{e}");
        let e = err(&doc, "a");
        assert!(e.starts_with("malformed JSON"), "{e}");
        // selecting a deeply nested value: clean error (parser depth limit) or a value
        let doc = format!("{{\"deep\": {}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(run(&doc, "deep").is_err());
        assert!(run(&doc, "").is_err());
        // walking a long path through deep nesting
        let doc = format!("{}7{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(out(&doc, &"[0]".repeat(500)), "7\n");
        assert_eq!(out(&doc, &"[-1]".repeat(500)), "7\n");
    }

    #[test]
    fn selected_value_depth_limit() {
        let n = 100_000;
        let doc = format!("{{\"deep\": {}{}}}", "[".repeat(n), "]".repeat(n));
        let e = query(doc.as_bytes(), &[key("deep")]).unwrap_err();
        assert!(e.to_string().contains("nested too deeply"), "{e}");
        let e = err(&doc, "");
        assert!(e.contains("nested too deeply"), "{e}");
        for d in [MAX_VALUE_DEPTH - 1, MAX_VALUE_DEPTH] {
            let doc = format!("{}1{}", "[".repeat(d), "]".repeat(d));
            let s = out(&doc, "");
            assert!(s.starts_with("[\n  [\n    [\n"), "{d}");
            let doc = format!("{{\"a\": {}1{}}}", "{\"b\":".repeat(d), "}".repeat(d));
            let s = out(&doc, "a");
            assert!(s.contains("\"b\": 1\n") && s.ends_with("  }\n}\n"), "{d}");
        }
        let d = MAX_VALUE_DEPTH + 1;
        let doc = format!("{}1{}", "[".repeat(d), "]".repeat(d));
        assert!(err(&doc, "").contains("nested too deeply"));
        let doc = format!("{{\"a\": {}1{}}}", "{\"b\":".repeat(d), "}".repeat(d));
        assert!(err(&doc, "a").contains("nested too deeply"));
        // the tree reader has the same limit
        let raw = format!("{}1{}", "[".repeat(d), "]".repeat(d));
        assert!(parse(raw.as_bytes()).is_err());
        let raw = format!("{}1{}", "[".repeat(d - 1), "]".repeat(d - 1));
        assert!(parse(raw.as_bytes()).is_ok());
        assert_eq!(query(&b"{}"[..], &[key("a")]).unwrap(), vec![None]);
        assert_eq!(
            query(&b" {\"a\" : [1.0E2 ,\"x\"]} "[..], &[key("a")]).unwrap(),
            vec![Some(b"[1.0E2 ,\"x\"]".to_vec())]
        );
    }

    #[test]
    fn raw_del_and_escapes_are_reescaped() {
        let doc = "{\"o\": {\"d\": \"x\u{7f}y\", \"e\": \"\\u00e9\\/\\u0007\", \"k\\u0041\": 1}}";
        assert_eq!(
            out(doc, "o"),
            "{\n  \"d\": \"x\\u007fy\",\n  \"e\": \"é/\\u0007\",\n  \"kA\": 1\n}\n"
        );
        assert_eq!(out(doc, "o.d"), "x\u{7f}y\n");
        // duplicate keys that differ only in escaping are duplicates
        assert_eq!(
            out("{\"o\": {\"a\": 1, \"\\u0061\": 2}}", "o"),
            "{\n  \"a\": 2\n}\n"
        );
    }

    #[test]
    fn reader_errors_are_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("boom"))
            }
        }
        let e = query(Failing, &[]).unwrap_err();
        assert!(format!("{e:#}").contains("boom"));
    }

    // ---- printing ---------------------------------------------------------

    fn printed(v: &Value) -> String {
        let mut o = Vec::new();
        write_value(&mut o, v).unwrap();
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn jq_raw_printing() {
        use serde_json::json;
        assert_eq!(printed(&json!("a\u{1}\n\"b\"")), "a\u{1}\n\"b\"\n");
        assert_eq!(
            printed(&json!([
                "\u{0}\u{7}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1b}\u{1f}\u{7f}"
            ])),
            "[\n  \"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001b\\u001f\\u007f\"\n]\n"
        );
        assert_eq!(
            printed(&json!({"k\"\\/": "é ✓ \u{2028} 日本"})),
            "{\n  \"k\\\"\\\\/\": \"é ✓ \u{2028} 日本\"\n}\n"
        );
        assert_eq!(printed(&json!({})), "{}\n");
        assert_eq!(printed(&json!([])), "[]\n");
        assert_eq!(printed(&json!(null)), "null\n");
        assert_eq!(printed(&json!(false)), "false\n");
        assert_eq!(
            printed(&json!([[[]], {"a": {"b": {}}}])),
            "[\n  [\n    []\n  ],\n  {\n    \"a\": {\n      \"b\": {}\n    }\n  }\n]\n"
        );
        let deep: Value =
            serde_json::from_str(&format!("{}{}", "[".repeat(40), "]".repeat(40))).unwrap();
        let s = printed(&deep);
        assert!(s.contains(&format!("\n{}[]\n", " ".repeat(78))));
    }

    // ---- robustness -------------------------------------------------------
    #[test]
    fn select_follows_the_query_rules() {
        let doc = parse(br#"{"a": {"b": [1, {"c": null}]}, "s": "x"}"#).unwrap();
        let sel = |p: &str| select(&doc, &parse_path(p).unwrap());
        assert_eq!(sel("a.b[0]").unwrap(), Some(&Value::from(1)));
        assert_eq!(sel("a.b[-1].c").unwrap(), Some(&Value::Null));
        assert_eq!(sel("a.b[1].c.d").unwrap(), None);
        assert_eq!(sel("a.missing.deeper").unwrap(), None);
        assert_eq!(sel("a.b[9]").unwrap(), None);
        assert_eq!(sel("a.b[-9]").unwrap(), None);
        assert_eq!(
            sel("s.x").unwrap_err().to_string(),
            r#"Cannot index string with string "x""#
        );
        assert_eq!(
            sel("a[0]").unwrap_err().to_string(),
            "Cannot index object with number"
        );
    }

    // ---- robustness -------------------------------------------------------

    /// How many cases each randomized loop below may run, within the time
    /// of `crate::budget` (`SHIPCTL_FUZZ_SECS`, default 1 s).
    const CASES: u64 = 50_000;

    #[test]
    fn mutated_input_keeps_the_output_contract() {
        let base = format!(
            "{DOC}{{\"u\": \"\\ud83d\\ude00 \\u00e9 \\udc00\", \"d\": {{\"a\": 1, \"a\": [2]}}}}"
        );
        let bytes = base.as_bytes();
        let paths: Vec<Vec<Seg>> = [
            "",
            "obj.inner.x[1]",
            "list[-1].tags",
            "u",
            "n[2]",
            "str.x",
            "d",
        ]
        .iter()
        .map(|p| parse_path(p).unwrap())
        .collect();
        let swaps = [
            b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', 0xff, 0xc3, b'0', b'e', b'-', b'\n', 0,
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut runs = 0;
        // every cut first, then random single and double byte changes
        for cut in 0..=bytes.len() {
            let p = &paths[cut % paths.len()];
            check_contract(bytes.get(..cut).unwrap_or_default(), p);
            runs += 1;
        }
        let mut budget = crate::budget::Budget::new(CASES);
        while budget.next() {
            let mut m = bytes.to_vec();
            for _ in 0..1 + rng.below(2) {
                let i = rng.below(m.len());
                if let Some(slot) = m.get_mut(i) {
                    *slot = swaps[rng.below(swaps.len())];
                }
            }
            check_contract(&m, &paths[rng.below(paths.len())]);
            runs += 1;
        }
        assert!(runs > bytes.len(), "{runs} inputs");
    }

    #[test]
    fn parse_path_keeps_its_contract() {
        let alphabet = [
            "a", ".", "[", "]", "\"", "\\", "-", "0", "9", " ", "|", "é", "(", "u", ":", "keys",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut runs = 0;
        let mut budget = crate::budget::Budget::new(CASES);
        while budget.next() {
            let p: String = (0..1 + rng.below(6))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            runs += 1;
            match parse_path(&p) {
                Err(e) => {
                    let m = e.to_string();
                    assert!(
                        m.starts_with("invalid path: ")
                            || m.starts_with("jq programs are not supported"),
                        "{p:?}: {m}"
                    );
                }
                // a path reads back from its canonical spelling
                Ok(segs) => {
                    let canon: String = segs
                        .iter()
                        .map(|s| match s {
                            Seg::Key(k) => {
                                let mut q = Vec::new();
                                write_json_string(&mut q, k.as_bytes()).unwrap();
                                format!("[{}]", String::from_utf8(q).unwrap())
                            }
                            Seg::Index(i) => format!("[{i}]"),
                        })
                        .collect();
                    assert_eq!(parse_path(&canon), Ok(segs), "{p:?} -> {canon:?}");
                }
            }
        }
        assert!(runs > 100, "{runs} paths");
    }
}

//! JSON paths (spec §5) and a streaming, validating query over a JSON byte stream.
//!
//! `query_raw` never builds a tree of the whole document: a byte-level state
//! machine walks the input (64 KiB buffer), follows the path, skips (while
//! validating) everything else, and captures only the raw bytes of the
//! selected value. Duplicate keys: the last occurrence wins, as in jq, so the
//! whole input is always read (and validated).
//!
//! `query` turns the captured bytes into `serde_json::Value`s; numbers are kept
//! exactly as written (`1E400`, `1.0`) through `arbitrary_precision`'s
//! `Number::from_string_unchecked` (serde_json's own parser would rewrite
//! exponents). `write_jq_raw` prints a `Value` the way `jq -r` does.
//!
//! For big values prefer `query_raw` + `write_jq_raw_json`: same output, no tree
//! (a 100 MB document printed whole needs ~100 MB instead of ~1.3 GB).

use std::collections::VecDeque;
use std::fmt;
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

/// The result of a query on one top-level JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The value at the path (`Value::Null` is a present `null`).
    Value(Value),
    /// A key or index along the path is missing (or a `null` was indexed); prints `null` unless strict.
    Absent,
}

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
        let n: i64 = digits
            .parse()
            .map_err(|_| PathError::Invalid(format!("index {digits} is out of range")))?;
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
                let key: String = serde_json::from_str(lit)
                    .map_err(|e| PathError::Invalid(format!("bad string {lit}: {e}")))?;
                return Ok((key, j + 1));
            }
            Some(_) => j += 1,
        }
    }
}

// ---------------------------------------------------------------------------
// Streaming scanner
// ---------------------------------------------------------------------------

const BUF_SIZE: usize = 64 * 1024;

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

/// The outcome of walking a path inside one value (before parsing).
enum Outcome {
    Absent,
    Raw(Vec<u8>),
    /// "Cannot index ..." — kept as a value so that a later duplicate key can override it.
    CannotIndex(String),
}

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
    capturing: bool,
    cap_start: usize,
    cap: Vec<u8>,
    /// Open containers of the value being skipped: `[` or `{`.
    stack: Vec<u8>,
    key_buf: Vec<u8>,
}

impl<R: Read> Scanner<R> {
    fn new(rd: R) -> Self {
        Scanner {
            rd,
            buf: vec![0; BUF_SIZE],
            pos: 0,
            end: 0,
            eof: false,
            consumed: 0,
            lines: 0,
            line_start: 0,
            capturing: false,
            cap_start: 0,
            cap: Vec::new(),
            stack: Vec::new(),
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
        let nl = old.iter().filter(|&&b| b == b'\n').count() as u64;
        if nl > 0 {
            self.lines += nl;
            if let Some(p) = old.iter().rposition(|&b| b == b'\n') {
                self.line_start = self.consumed + p as u64 + 1;
            }
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

    fn peek_nonws(&mut self) -> Result<Option<u8>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos..self.end).and_then(|s| s.first()) {
                if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    fn need_nonws(&mut self, what: &str) -> Result<u8> {
        match self.peek_nonws()? {
            Some(b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.err_eof(what)),
        }
    }

    fn expect_colon(&mut self) -> Result<()> {
        if self.need_nonws("':'")? != b':' {
            return Err(self.err_prev("expected ':' after object key"));
        }
        Ok(())
    }

    /// Scan the rest of a string (the opening quote is consumed). With `raw`, append
    /// the bytes between the quotes (escapes left as written). Returns whether an escape occurred.
    fn scan_string(&mut self, mut raw: Option<&mut Vec<u8>>) -> Result<bool> {
        let mut had_escape = false;
        loop {
            let start = self.pos;
            let slice = self.buf.get(start..self.end).unwrap_or_default();
            let n = slice
                .iter()
                .position(|&b| STR_STOP[b as usize])
                .unwrap_or(slice.len());
            if let Some(r) = raw.as_deref_mut() {
                r.extend_from_slice(slice.get(..n).unwrap_or_default());
            }
            self.pos = start + n;
            if self.pos >= self.end {
                if !self.refill()? {
                    return Err(self.err_at(self.end, "unterminated string"));
                }
                continue;
            }
            let b = self.need_byte("'\"'")?;
            match b {
                b'"' => return Ok(had_escape),
                b'\\' => {
                    had_escape = true;
                    if let Some(r) = raw.as_deref_mut() {
                        r.push(b'\\');
                    }
                    self.scan_escape(raw.as_deref_mut())?;
                }
                _ => return Err(self.err_prev("control character in string (must be escaped)")),
            }
        }
    }

    /// Validate one escape after the backslash.
    fn scan_escape(&mut self, mut raw: Option<&mut Vec<u8>>) -> Result<()> {
        let e = self.need_byte("an escape character")?;
        if let Some(r) = raw.as_deref_mut() {
            r.push(e);
        }
        match e {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let cu = self.hex4(raw.as_deref_mut())?;
                if (0xD800..0xDC00).contains(&cu) {
                    let b1 = self.need_byte("'\\u' (low surrogate)")?;
                    let b2 = self.need_byte("'u' (low surrogate)")?;
                    if b1 != b'\\' || b2 != b'u' {
                        return Err(self.err_prev("lone surrogate in \\u escape"));
                    }
                    if let Some(r) = raw.as_deref_mut() {
                        r.extend_from_slice(b"\\u");
                    }
                    let lo = self.hex4(raw)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(self.err_prev("invalid surrogate pair in \\u escape"));
                    }
                } else if (0xDC00..0xE000).contains(&cu) {
                    return Err(self.err_prev("lone surrogate in \\u escape"));
                }
                Ok(())
            }
            _ => Err(self.err_prev("invalid escape in string")),
        }
    }

    fn hex4(&mut self, mut raw: Option<&mut Vec<u8>>) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.need_byte("a hex digit")?;
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.err_prev("invalid hex digit in \\u escape"))?;
            v = v * 16 + d;
            if let Some(r) = raw.as_deref_mut() {
                r.push(b);
            }
        }
        Ok(v)
    }

    fn skip_digits(&mut self) -> Result<usize> {
        let mut n = 0;
        while let Some(b) = self.peek()? {
            if !b.is_ascii_digit() {
                break;
            }
            self.pos += 1;
            n += 1;
        }
        Ok(n)
    }

    /// A number whose first byte (`-` or a digit) is consumed. RFC 8259 grammar.
    fn scan_number(&mut self, first: u8) -> Result<()> {
        let mut b = first;
        if b == b'-' {
            b = self.need_byte("a digit")?;
            if !b.is_ascii_digit() {
                return Err(self.err_prev("invalid number"));
            }
        }
        if b != b'0' {
            self.skip_digits()?;
        }
        if self.peek()? == Some(b'.') {
            self.pos += 1;
            if self.skip_digits()? == 0 {
                return Err(self.err_at(self.pos, "invalid number: digit expected after '.'"));
            }
        }
        if matches!(self.peek()?, Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek()?, Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.skip_digits()? == 0 {
                return Err(self.err_at(self.pos, "invalid number: digit expected in exponent"));
            }
        }
        if let Some(c) = self.peek()?
            && (c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
        {
            return Err(self.err_at(self.pos, "invalid number"));
        }
        Ok(())
    }

    /// The rest of `true`/`false`/`null` after the first byte.
    fn literal(&mut self, rest: &[u8]) -> Result<()> {
        for &want in rest {
            let b = self.need_byte("a literal")?;
            if b != want {
                return Err(self.err_prev("invalid literal"));
            }
        }
        if let Some(c) = self.peek()?
            && (c.is_ascii_alphanumeric() || c == b'_')
        {
            return Err(self.err_at(self.pos, "invalid literal"));
        }
        Ok(())
    }

    /// Skip (and validate) a value whose first byte is consumed. Iterative: any depth.
    fn skip_value_from(&mut self, first: u8) -> Result<()> {
        let base = self.stack.len();
        let mut b = first;
        loop {
            match b {
                b'{' => match self.need_nonws("'\"' or '}'")? {
                    b'}' => {}
                    b'"' => {
                        self.scan_string(None)?;
                        self.expect_colon()?;
                        self.push_container(b'{', base)?;
                        b = self.need_nonws("a value")?;
                        continue;
                    }
                    _ => return Err(self.err_prev("expected '\"' or '}'")),
                },
                b'[' => {
                    let c = self.need_nonws("a value or ']'")?;
                    if c != b']' {
                        self.push_container(b'[', base)?;
                        b = c;
                        continue;
                    }
                }
                b'"' => {
                    self.scan_string(None)?;
                }
                b'-' | b'0'..=b'9' => self.scan_number(b)?,
                b't' => self.literal(b"rue")?,
                b'f' => self.literal(b"alse")?,
                b'n' => self.literal(b"ull")?,
                _ => return Err(self.err_prev("expected a JSON value")),
            }
            // A complete value: close containers until one continues.
            loop {
                if self.stack.len() <= base {
                    return Ok(());
                }
                let top = self.stack.last().copied().unwrap_or(b'[');
                let c = if top == b'[' {
                    self.need_nonws("',' or ']'")?
                } else {
                    self.need_nonws("',' or '}'")?
                };
                match (top, c) {
                    (b'[', b',') => {
                        b = self.need_nonws("a value")?;
                        break;
                    }
                    (b'[', b']') | (b'{', b'}') => {
                        self.stack.pop();
                    }
                    (b'{', b',') => {
                        if self.need_nonws("'\"'")? != b'"' {
                            return Err(self.err_prev("expected '\"' (object key)"));
                        }
                        self.scan_string(None)?;
                        self.expect_colon()?;
                        b = self.need_nonws("a value")?;
                        break;
                    }
                    (b'[', _) => return Err(self.err_prev("expected ',' or ']'")),
                    _ => return Err(self.err_prev("expected ',' or '}'")),
                }
            }
        }
    }

    /// Open a container while skipping; a captured value may not nest deeper than `MAX_VALUE_DEPTH`.
    fn push_container(&mut self, kind: u8, base: usize) -> Result<()> {
        self.stack.push(kind);
        if self.capturing && self.stack.len() - base > MAX_VALUE_DEPTH {
            bail!(
                "the JSON value at the path is nested too deeply (more than {MAX_VALUE_DEPTH} levels)"
            );
        }
        Ok(())
    }

    fn skip_value(&mut self) -> Result<()> {
        let b = self.need_nonws("a value")?;
        self.skip_value_from(b)
    }

    /// Capture the raw bytes of a value whose first byte was just consumed.
    fn capture_from(&mut self, first: u8) -> Result<Vec<u8>> {
        self.cap.clear();
        self.cap_start = self.pos.saturating_sub(1);
        self.capturing = true;
        let r = self.skip_value_from(first);
        self.capturing = false;
        r?;
        let tail = self.buf.get(self.cap_start..self.pos).unwrap_or_default();
        self.cap.extend_from_slice(tail);
        Ok(std::mem::take(&mut self.cap))
    }

    /// Follow `path` inside the next value (which is consumed entirely).
    fn walk(&mut self, path: &[Seg]) -> Result<Outcome> {
        let b = self.need_nonws("a value")?;
        let Some((seg, rest)) = path.split_first() else {
            return Ok(Outcome::Raw(self.capture_from(b)?));
        };
        match (b, seg) {
            (b'{', Seg::Key(k)) => {
                let mut out = Outcome::Absent;
                let mut first = true;
                loop {
                    let c = self.need_nonws("'\"' or '}'")?;
                    if first && c == b'}' {
                        break;
                    }
                    if c != b'"' {
                        let msg = if first {
                            "expected '\"' or '}'"
                        } else {
                            "expected '\"' (object key)"
                        };
                        return Err(self.err_prev(msg));
                    }
                    first = false;
                    let mut kb = std::mem::take(&mut self.key_buf);
                    kb.clear();
                    let escaped = self.scan_string(Some(&mut kb));
                    let matched = match escaped {
                        Ok(false) => kb == k.as_bytes(),
                        Ok(true) => unescape_key(&kb) == *k,
                        Err(e) => {
                            self.key_buf = kb;
                            return Err(e);
                        }
                    };
                    self.key_buf = kb;
                    self.expect_colon()?;
                    if matched {
                        out = self.walk(rest)?;
                    } else {
                        self.skip_value()?;
                    }
                    match self.need_nonws("',' or '}'")? {
                        b',' => {}
                        b'}' => break,
                        _ => return Err(self.err_prev("expected ',' or '}'")),
                    }
                }
                Ok(out)
            }
            (b'[', Seg::Index(n)) => {
                let n = *n;
                let keep = if n < 0 { n.unsigned_abs() } else { 0 };
                let mut ring: VecDeque<Outcome> = VecDeque::new();
                let mut out = Outcome::Absent;
                let mut idx: i64 = 0;
                if self.peek_nonws()? == Some(b']') {
                    self.pos += 1;
                    return Ok(Outcome::Absent);
                }
                loop {
                    if n < 0 {
                        ring.push_back(self.walk(rest)?);
                        if ring.len() as u64 > keep {
                            ring.pop_front();
                        }
                    } else if idx == n {
                        out = self.walk(rest)?;
                    } else {
                        self.skip_value()?;
                    }
                    idx = idx.saturating_add(1);
                    match self.need_nonws("',' or ']'")? {
                        b',' => {}
                        b']' => break,
                        _ => return Err(self.err_prev("expected ',' or ']'")),
                    }
                }
                if n < 0 {
                    if ring.len() as u64 == keep {
                        out = ring.pop_front().unwrap_or(Outcome::Absent);
                    } else {
                        out = Outcome::Absent;
                    }
                }
                Ok(out)
            }
            (b'n', _) => {
                self.skip_value_from(b)?;
                Ok(Outcome::Absent)
            }
            _ => {
                let kind = match b {
                    b'{' => "object",
                    b'[' => "array",
                    b'"' => "string",
                    b't' | b'f' => "boolean",
                    _ => "number",
                };
                self.skip_value_from(b)?;
                let with = match seg {
                    Seg::Key(k) => format!(
                        "string {}",
                        serde_json::to_string(k).unwrap_or_else(|_| format!("{k:?}"))
                    ),
                    Seg::Index(_) => "number".to_string(),
                };
                Ok(Outcome::CannotIndex(format!(
                    "Cannot index {kind} with {with}"
                )))
            }
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
}

/// Decode the escapes of a raw key (validated already). Invalid UTF-8 becomes U+FFFD, as in jq.
fn unescape_key(raw: &[u8]) -> String {
    fn hex(raw: &[u8], i: usize) -> Option<u32> {
        let s = raw.get(i..i + 4)?;
        let s = std::str::from_utf8(s).ok()?;
        u32::from_str_radix(s, 16).ok()
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = raw.get(i + 1) else { break };
        i += 2;
        let ch = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let cu = hex(raw, i).unwrap_or(0xFFFD);
                i += 4;
                let code = if (0xD800..0xDC00).contains(&cu) && raw.get(i..i + 2) == Some(b"\\u") {
                    let lo = hex(raw, i + 2).unwrap_or(0);
                    i += 6;
                    0x10000 + ((cu - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    cu
                };
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            _ => '\u{FFFD}',
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Deepest value `query` returns: deeper selected values are an error (skipped ones may be any depth).
const MAX_VALUE_DEPTH: usize = 512;

/// The index of the first non-whitespace byte at or after `i`.
fn skip_ws(raw: &[u8], mut i: usize) -> usize {
    while raw
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// A string literal starting at `raw[i] == '"'` (already validated); returns it and the index after it.
fn read_string(raw: &[u8], i: usize) -> Result<(String, usize)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match raw.get(j) {
            None => bail!("malformed JSON: unterminated string"),
            Some(b'\\') => {
                escaped = true;
                j += 2;
            }
            Some(b'"') => break,
            Some(_) => j += 1,
        }
    }
    let body = raw.get(i + 1..j).unwrap_or_default();
    let s = if escaped {
        unescape_key(body)
    } else {
        match std::str::from_utf8(body) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        }
    };
    Ok((s, j + 1))
}

/// Build a `Value` from the captured raw bytes of one value (already validated by the scanner).
///
/// Not serde_json's parser: it normalises exponents (`1E400` → `1e+400`), and numbers must
/// stay exactly as written, so numbers are kept verbatim with `arbitrary_precision`'s
/// `Number::from_string_unchecked`. Strings with invalid UTF-8 get U+FFFD, as in jq.
/// Iterative; deeper than `MAX_VALUE_DEPTH` is an error. Duplicate keys: the last value wins,
/// at the first key's position (as jq prints it).
fn build_value(raw: &[u8]) -> Result<Value> {
    enum Frame {
        Arr(Vec<Value>),
        Obj(Map<String, Value>, String),
    }
    fn bad(what: &str) -> anyhow::Error {
        anyhow!("malformed JSON: {what}")
    }
    fn key_colon(raw: &[u8], i: usize) -> Result<(String, usize)> {
        let i = skip_ws(raw, i);
        if raw.get(i) != Some(&b'"') {
            return Err(bad("expected an object key"));
        }
        let (k, i) = read_string(raw, i)?;
        let i = skip_ws(raw, i);
        if raw.get(i) != Some(&b':') {
            return Err(bad("expected ':'"));
        }
        Ok((k, i + 1))
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    loop {
        if stack.len() > MAX_VALUE_DEPTH {
            bail!("JSON value nested too deeply (more than {MAX_VALUE_DEPTH} levels)");
        }
        i = skip_ws(raw, i);
        let mut v = match raw.get(i) {
            Some(b'{') => {
                i = skip_ws(raw, i + 1);
                if raw.get(i) == Some(&b'}') {
                    i += 1;
                    Value::Object(Map::new())
                } else {
                    let (k, ni) = key_colon(raw, i)?;
                    i = ni;
                    stack.push(Frame::Obj(Map::new(), k));
                    continue;
                }
            }
            Some(b'[') => {
                i = skip_ws(raw, i + 1);
                if raw.get(i) == Some(&b']') {
                    i += 1;
                    Value::Array(Vec::new())
                } else {
                    stack.push(Frame::Arr(Vec::new()));
                    continue;
                }
            }
            Some(b'"') => {
                let (s, ni) = read_string(raw, i)?;
                i = ni;
                Value::String(s)
            }
            Some(b't') => {
                i += 4;
                Value::Bool(true)
            }
            Some(b'f') => {
                i += 5;
                Value::Bool(false)
            }
            Some(b'n') => {
                i += 4;
                Value::Null
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = i;
                while raw
                    .get(i)
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    i += 1;
                }
                let text = std::str::from_utf8(raw.get(start..i).unwrap_or_default())
                    .map_err(|_| bad("invalid number"))?;
                Value::Number(Number::from_string_unchecked(text.to_string()))
            }
            _ => return Err(bad("expected a JSON value")),
        };
        // Attach `v` to its container, closing containers as they end.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(v);
            };
            i = skip_ws(raw, i);
            let next = raw.get(i).copied();
            i += 1;
            match top {
                Frame::Arr(a) => {
                    a.push(v);
                    match next {
                        Some(b',') => break,
                        Some(b']') => {
                            let Some(Frame::Arr(a)) = stack.pop() else {
                                return Err(bad("unbalanced ']'"));
                            };
                            v = Value::Array(a);
                        }
                        _ => return Err(bad("expected ',' or ']'")),
                    }
                }
                Frame::Obj(m, k) => {
                    m.insert(std::mem::take(k), v);
                    match next {
                        Some(b',') => {
                            let (nk, ni) = key_colon(raw, i)?;
                            *k = nk;
                            i = ni;
                            break;
                        }
                        Some(b'}') => {
                            let Some(Frame::Obj(m, _)) = stack.pop() else {
                                return Err(bad("unbalanced '}'"));
                            };
                            v = Value::Object(m);
                        }
                        _ => return Err(bad("expected ',' or '}'")),
                    }
                }
            }
        }
    }
}

/// A query result as validated raw JSON text (see `query_raw`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundRaw {
    /// The JSON text of the value at the path, exactly as in the input (validated).
    Json(Vec<u8>),
    /// Same meaning as `Found::Absent`.
    Absent,
}

/// Query every top-level value of the input (jq accepts several, separated by whitespace)
/// at `path`. Errors: unreadable input, malformed JSON anywhere (including an empty
/// input), indexing a string/number/boolean or an array by key / an object by index.
/// (The commands use [`query_raw`]; this tree-building twin checks it in tests.)
#[cfg(test)]
pub fn query<R: Read>(reader: R, path: &[Seg]) -> Result<Vec<Found>> {
    query_raw(reader, path)?
        .into_iter()
        .map(|f| match f {
            FoundRaw::Json(raw) => build_value(&raw).map(Found::Value),
            FoundRaw::Absent => Ok(Found::Absent),
        })
        .collect()
}

/// Like `query`, but returns the selected values as raw JSON text, without building a tree.
/// With `write_jq_raw_json` this prints big values with little memory (same output as
/// `query` + `write_jq_raw`).
pub fn query_raw<R: Read>(reader: R, path: &[Seg]) -> Result<Vec<FoundRaw>> {
    let mut sc = Scanner::new(reader);
    sc.skip_bom()?;
    let mut results = Vec::new();
    while sc.peek_nonws()?.is_some() {
        match sc.walk(path)? {
            Outcome::Absent => results.push(FoundRaw::Absent),
            Outcome::Raw(raw) => results.push(FoundRaw::Json(raw)),
            Outcome::CannotIndex(msg) => {
                // finish validating the input first: malformed JSON wins, as in jq
                while sc.peek_nonws()?.is_some() {
                    sc.skip_value()?;
                }
                bail!(msg)
            }
        }
    }
    if results.is_empty() {
        return Err(sc.err_at(sc.end, "no JSON value (empty input)"));
    }
    Ok(results)
}

// ---------------------------------------------------------------------------
// jq -r printing
// ---------------------------------------------------------------------------

/// Print like `jq -r`: a string raw, anything else pretty-printed (two spaces), then "\n".
pub fn write_jq_raw<W: Write>(out: &mut W, v: &Value) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(BUF_SIZE, out);
    match v {
        Value::String(s) => w.write_all(s.as_bytes())?,
        _ => write_pretty(&mut w, v, 0)?,
    }
    w.write_all(b"\n")?;
    w.flush()
}

/// Print raw JSON text from `query_raw` like `jq -r` (same output as `write_jq_raw` of the
/// parsed value), streaming: no tree is built unless an object in it has duplicate keys.
pub fn write_jq_raw_json<W: Write>(out: &mut W, raw: &[u8]) -> io::Result<()> {
    if has_duplicate_keys(raw) {
        let v = build_value(raw).map_err(io::Error::other)?;
        return write_jq_raw(out, &v);
    }
    let mut w = io::BufWriter::with_capacity(BUF_SIZE, out);
    let i = skip_ws(raw, 0);
    if raw.get(i) == Some(&b'"') {
        let (s, _) = read_string(raw, i).map_err(io::Error::other)?;
        w.write_all(s.as_bytes())?;
    } else {
        format_raw(&mut w, raw)?;
    }
    w.write_all(b"\n")?;
    w.flush()
}

/// The end of a string literal starting at `raw[i] == '"'` (index of the closing quote),
/// and whether it can be copied verbatim (no escapes, no DEL, valid UTF-8).
fn string_end(raw: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut plain = true;
    while let Some(&b) = raw.get(j) {
        match b {
            b'"' => break,
            b'\\' => {
                plain = false;
                j += 2;
            }
            0x7f => {
                plain = false;
                j += 1;
            }
            _ => j += 1,
        }
    }
    if plain && std::str::from_utf8(raw.get(i..j).unwrap_or_default()).is_err() {
        plain = false;
    }
    (j.min(raw.len()), plain)
}

/// Whether any object in the (validated) raw JSON has the same key twice.
fn has_duplicate_keys(raw: &[u8]) -> bool {
    use std::borrow::Cow;
    use std::collections::HashSet;
    let mut sets: Vec<HashSet<Cow<'_, [u8]>>> = Vec::new();
    let mut kinds: Vec<u8> = Vec::new();
    let mut depth: usize = 0; // open objects
    let mut expect_key = false;
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match b {
            b'"' => {
                let (j, plain) = string_end(raw, i);
                if expect_key {
                    let body = raw.get(i + 1..j).unwrap_or_default();
                    let k: Cow<'_, [u8]> = if plain {
                        Cow::Borrowed(body)
                    } else {
                        Cow::Owned(unescape_key(body).into_bytes())
                    };
                    if let Some(set) = depth.checked_sub(1).and_then(|d| sets.get_mut(d))
                        && !set.insert(k)
                    {
                        return true;
                    }
                    expect_key = false;
                }
                i = j + 1;
                continue;
            }
            b'{' => {
                if let Some(set) = sets.get_mut(depth) {
                    set.clear();
                } else {
                    sets.push(HashSet::new());
                }
                depth += 1;
                kinds.push(b'{');
                expect_key = true;
            }
            b'[' => {
                kinds.push(b'[');
                expect_key = false;
            }
            b'}' | b']' => {
                if kinds.pop() == Some(b'{') {
                    depth = depth.saturating_sub(1);
                }
                expect_key = false;
            }
            b',' => expect_key = kinds.last() == Some(&b'{'),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Pretty-print validated raw JSON (not a top-level string) the way jq does, numbers verbatim.
fn format_raw<W: Write>(w: &mut W, raw: &[u8]) -> io::Result<()> {
    let bad = || io::Error::other("malformed JSON");
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0;
    // Write the key at `raw[i]` (after whitespace) and its ':'; returns the index after ':'.
    let key = |w: &mut W, i: usize| -> io::Result<usize> {
        let i = skip_ws(raw, i);
        let i = write_raw_string(w, raw, i)?;
        w.write_all(b": ")?;
        let i = skip_ws(raw, i);
        if raw.get(i) != Some(&b':') {
            return Err(bad());
        }
        Ok(i + 1)
    };
    loop {
        i = skip_ws(raw, i);
        match raw.get(i) {
            Some(&open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                let j = skip_ws(raw, i + 1);
                if raw.get(j) == Some(&close) {
                    w.write_all(&[open, close])?;
                    i = j + 1;
                } else {
                    w.write_all(&[open, b'\n'])?;
                    stack.push(open);
                    write_indent(w, stack.len())?;
                    i = if open == b'{' { key(w, j)? } else { j };
                    continue;
                }
            }
            Some(b'"') => i = write_raw_string(w, raw, i)?,
            Some(_) => {
                let start = i;
                while raw.get(i).is_some_and(|b| {
                    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}')
                }) {
                    i += 1;
                }
                w.write_all(raw.get(start..i).unwrap_or_default())?;
            }
            None => return Err(bad()),
        }
        // after a value
        loop {
            let Some(&top) = stack.last() else {
                return Ok(());
            };
            i = skip_ws(raw, i);
            let c = raw.get(i).copied();
            i += 1;
            match c {
                Some(b',') => {
                    w.write_all(b",\n")?;
                    write_indent(w, stack.len())?;
                    if top == b'{' {
                        i = key(w, i)?;
                    }
                    break;
                }
                Some(b']' | b'}') => {
                    stack.pop();
                    w.write_all(b"\n")?;
                    write_indent(w, stack.len())?;
                    w.write_all(&[if top == b'{' { b'}' } else { b']' }])?;
                }
                _ => return Err(bad()),
            }
        }
    }
}

/// Write the string literal at `raw[i] == '"'` jq-escaped; returns the index after it.
fn write_raw_string<W: Write>(w: &mut W, raw: &[u8], i: usize) -> io::Result<usize> {
    if raw.get(i) != Some(&b'"') {
        return Err(io::Error::other("malformed JSON: expected a string"));
    }
    let (j, plain) = string_end(raw, i);
    if plain {
        w.write_all(raw.get(i..=j).unwrap_or_default())?;
        Ok(j + 1)
    } else {
        let (s, next) = read_string(raw, i).map_err(io::Error::other)?;
        write_json_string(w, &s)?;
        Ok(next)
    }
}

fn write_indent<W: Write>(w: &mut W, level: usize) -> io::Result<()> {
    const SPACES: &[u8] = b"                                                                ";
    let mut n = level * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(SPACES.get(..k).unwrap_or_default())?;
        n -= k;
    }
    Ok(())
}

fn write_pretty<W: Write>(w: &mut W, v: &Value, level: usize) -> io::Result<()> {
    match v {
        Value::Null => w.write_all(b"null"),
        Value::Bool(true) => w.write_all(b"true"),
        Value::Bool(false) => w.write_all(b"false"),
        Value::Number(n) => write!(w, "{n}"),
        Value::String(s) => write_json_string(w, s),
        Value::Array(a) if a.is_empty() => w.write_all(b"[]"),
        Value::Object(o) if o.is_empty() => w.write_all(b"{}"),
        Value::Array(a) => {
            w.write_all(b"[\n")?;
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",\n")?;
                }
                write_indent(w, level + 1)?;
                write_pretty(w, x, level + 1)?;
            }
            w.write_all(b"\n")?;
            write_indent(w, level)?;
            w.write_all(b"]")
        }
        Value::Object(o) => {
            w.write_all(b"{\n")?;
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",\n")?;
                }
                write_indent(w, level + 1)?;
                write_json_string(w, k)?;
                w.write_all(b": ")?;
                write_pretty(w, x, level + 1)?;
            }
            w.write_all(b"\n")?;
            write_indent(w, level)?;
            w.write_all(b"}")
        }
    }
}

/// A JSON string escaped as jq does: `\"` `\\` `\n` `\t` `\r` `\b` `\f`, other control
/// characters and DEL as `\u00xx` (lowercase hex), everything else raw.
fn write_json_string<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\t' => Some(b"\\t"),
            b'\r' => Some(b"\\r"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            0x00..=0x1f | 0x7f => Some(b""),
            _ => None,
        };
        let Some(esc) = esc else { continue };
        w.write_all(bytes.get(start..i).unwrap_or_default())?;
        if esc.is_empty() {
            write!(w, "\\u{b:04x}")?;
        } else {
            w.write_all(esc)?;
        }
        start = i + 1;
    }
    w.write_all(bytes.get(start..).unwrap_or_default())?;
    w.write_all(b"\"")
}

/// The value at `path` in an already parsed document, with the same rules as
/// [`query`]: a missing key or index is [`Found::Absent`], indexing `null`
/// gives `null`, indexing a string, number or boolean is an error.
pub fn select(doc: &Value, path: &[Seg]) -> Result<Found> {
    let mut cur = doc;
    for seg in path {
        let next = match (seg, cur) {
            (_, Value::Null) => return Ok(Found::Absent),
            (Seg::Key(k), Value::Object(o)) => o.get(k),
            (Seg::Index(i), Value::Array(a)) => {
                let i = if *i < 0 { a.len() as i64 + i } else { *i };
                usize::try_from(i).ok().and_then(|i| a.get(i))
            }
            (Seg::Key(k), other) => bail!("Cannot index {} with string {k:?}", type_name(other)),
            (Seg::Index(_), other) => bail!("Cannot index {} with number", type_name(other)),
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(Found::Absent),
        }
    }
    Ok(Found::Value(cur.clone()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture of the json_value conformance cases.
    const DOC: &str = r#"{
  "str": "hello",
  "int": 42,
  "neg": -7,
  "zero": 0,
  "float": 3.25,
  "t": true,
  "f": false,
  "nul": null,
  "arr": [
    1,
    "two",
    null,
    true
  ],
  "obj": {
    "k": "v",
    "n": 1,
    "inner": {
      "x": [
        1,
        2
      ]
    }
  },
  "emptyo": {},
  "emptya": [],
  "uni": "żółć ✓ 日本",
  "esc": "tab\there \"quoted\" back\\slash",
  "nl": "line1\nline2",
  "spaces": "  a  b*  ",
  "a-b": "dash",
  "x.y": "dot",
  "list": [
    {
      "name": "first",
      "tags": [
        "a",
        "b"
      ]
    },
    {
      "name": "second",
      "tags": []
    }
  ],
  "objarr": {
    "a": [],
    "b": {}
  },
  "numstr": "007",
  "nullstr": "null",
  "ctrl": "\u0001bell",
  "k": {
    "x-y": "dash-inner"
  }
}
"#;

    /// The fixture of the version_key conformance cases.
    const VERSION: &str = r#"{
  "name": "repo",
  "type": "gitRepo",
  "operation": "IN",
  "resourceId": 55,
  "version": {
    "versionId": 987654,
    "versionNumber": 42,
    "versionName": "v2.3.4",
    "propertyBag": {
      "shaData": {
        "commitSha": "c0ffee",
        "branchName": "main",
        "isGitTag": false,
        "committer": {
          "displayName": "Dev Eloper",
          "login": "dev"
        }
      },
      "tags": [
        "v1",
        "v2",
        "latest"
      ],
      "region": "us-east-1",
      "count": 3,
      "spaced": "a  b*",
      "nothing": null,
      "unicode": "ünï ✓",
      "nested": {
        "deep": {
          "er": [
            {
              "x": 1
            },
            {
              "x": 2
            }
          ]
        }
      },
      "my-key": "dashed",
      "a.b": "dotted-key",
      "versionName": "bag-version-name",
      "float": 1.5,
      "floatzero": 1.0,
      "big": 12345678901234567890,
      "empty": {},
      "emptylist": []
    }
  },
  "propertyBag": {
    "yml": {
      "pointer": {
        "region": "eu-west-1",
        "sourceName": "org/repo",
        "nested": {
          "k": "v"
        },
        "my-key": "pdash"
      },
      "seed": {}
    }
  }
}
"#;

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

    fn render(found: Vec<Found>) -> String {
        let mut out = Vec::new();
        for f in found {
            match f {
                Found::Value(v) => write_jq_raw(&mut out, &v).unwrap(),
                Found::Absent => out.extend_from_slice(b"null\n"),
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn render_raw(found: Vec<FoundRaw>) -> String {
        let mut out = Vec::new();
        for f in found {
            match f {
                FoundRaw::Json(raw) => write_jq_raw_json(&mut out, &raw).unwrap(),
                FoundRaw::Absent => out.extend_from_slice(b"null\n"),
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn run_segs(doc: &[u8], segs: &[Seg]) -> Result<String> {
        let a = query(doc, segs).map(render);
        // the streaming printer gives the same output (or the same error)
        match (&a, query_raw(doc, segs)) {
            (Ok(x), Ok(raw)) => assert_eq!(*x, render_raw(raw), "streaming printer differs"),
            (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
            (Err(_), Ok(_)) => {} // e.g. too deep for a tree; the raw path still works
            (Ok(_), Err(y)) => panic!("query_raw failed where query succeeded: {y}"),
        }
        let b = query(OneByte(doc), segs).map(render);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "1-byte reader differs"),
            (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string(), "1-byte reader differs"),
            _ => panic!("1-byte reader differs: {a:?} vs {b:?}"),
        }
        a
    }

    fn run(doc: &str, path: &str) -> Result<String> {
        let segs = parse_path(path)?;
        run_segs(doc.as_bytes(), &segs)
    }

    fn out(doc: &str, path: &str) -> String {
        match run(doc, path) {
            Ok(s) => s,
            Err(e) => panic!("{path:?}: {e:#}"),
        }
    }

    fn err(doc: &str, path: &str) -> String {
        match run(doc, path) {
            Ok(s) => panic!("{path:?} on {doc:?}: expected an error, got {s:?}"),
            Err(e) => format!("{e:#}"),
        }
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }

    // ---- conformance: json_value.json -------------------------------------

    #[test]
    fn conformance_json_value_doc() {
        let cases: &[(&str, &str)] = &[
            ("str", "hello\n"),
            ("int", "42\n"),
            ("neg", "-7\n"),
            ("t", "true\n"),
            ("nul", "null\n"),
            ("nope", "null\n"),
            ("arr", "[\n  1,\n  \"two\",\n  null,\n  true\n]\n"),
            (
                "obj",
                "{\n  \"k\": \"v\",\n  \"n\": 1,\n  \"inner\": {\n    \"x\": [\n      1,\n      2\n    ]\n  }\n}\n",
            ),
            ("obj.inner.x", "[\n  1,\n  2\n]\n"),
            ("arr[9]", "null\n"),
            ("emptyo", "{}\n"),
            ("emptya", "[]\n"),
            ("uni", "żółć ✓ 日本\n"),
            ("esc", "tab\there \"quoted\" back\\slash\n"),
            ("nl", "line1\nline2\n"),
            ("spaces", "  a  b*  \n"),
            ("[\"x.y\"]", "dot\n"),
            ("list[0].tags[1]", "b\n"),
            ("objarr", "{\n  \"a\": [],\n  \"b\": {}\n}\n"),
            ("numstr", "007\n"),
            ("nullstr", "null\n"),
            ("k[\"x-y\"]", "dash-inner\n"),
            (
                "list",
                "[\n  {\n    \"name\": \"first\",\n    \"tags\": [\n      \"a\",\n      \"b\"\n    ]\n  },\n  {\n    \"name\": \"second\",\n    \"tags\": []\n  }\n]\n",
            ),
            ("ctrl", "\u{1}bell\n"),
            ("a-b", "dash\n"),
            ("k.x-y", "dash-inner\n"),
            (".str", "hello\n"),
            ("zero", "0\n"),
            ("float", "3.25\n"),
            ("f", "false\n"),
        ];
        for (path, want) in cases {
            assert_eq!(out(DOC, path), *want, "path {path:?}");
        }
    }

    #[test]
    fn conformance_small_documents() {
        let c = r#"{"o": {"c": "\u0001x\u007f", "q": "say \"hi\""}}"#;
        assert_eq!(
            out(c, "o"),
            "{\n  \"c\": \"\\u0001x\\u007f\",\n  \"q\": \"say \\\"hi\\\"\"\n}\n"
        );
        assert_eq!(out(r#"["a", "b"]"#, "[1]"), "b\n");
        let app = r#"{"db": {"host": "localhost", "port": 5432}}"#;
        assert_eq!(out(app, "db.host"), "localhost\n");
        let m = r#"{"o":{"b":[1,{"c":null}],"a":"x"}}"#;
        assert_eq!(
            out(m, "o"),
            "{\n  \"b\": [\n    1,\n    {\n      \"c\": null\n    }\n  ],\n  \"a\": \"x\"\n}\n"
        );
        assert_eq!(out(r#"{"a": 1, "a": 2}"#, "a"), "2\n");
        let m2 = r#"{"o":{"b":[1]},"a":"x"}"#;
        let whole = "{\n  \"o\": {\n    \"b\": [\n      1\n    ]\n  },\n  \"a\": \"x\"\n}\n";
        assert_eq!(out(m2, ""), whole);
        assert_eq!(out(m2, "."), whole);
        assert_eq!(
            out(r#"{"a": 1, "b": [true, null]}"#, ""),
            "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}\n"
        );
        let svc = "{\"taskDefinition\": {\"revision\": 42}}\n";
        assert_eq!(out(svc, "taskDefinition.revision"), "42\n");
    }

    #[test]
    fn conformance_numbers_as_written() {
        assert_eq!(out(r#"{"v": 1.0}"#, "v"), "1.0\n");
        assert_eq!(out(r#"{"v": 2.50}"#, "v"), "2.50\n");
        assert_eq!(
            out(r#"{"v": 12345678901234567890}"#, "v"),
            "12345678901234567890\n"
        );
        assert_eq!(out(r#"{"v": 1E400}"#, "v"), "1E400\n");
        assert_eq!(
            out(r#"{"o": {"a": 1.0, "b": 100000000000000000000000}}"#, "o"),
            "{\n  \"a\": 1.0,\n  \"b\": 100000000000000000000000\n}\n"
        );
        assert_eq!(
            out("[-0, 1e5, 1E+2, 0.10, -1.5e-3, 0]", ""),
            "[\n  -0,\n  1e5,\n  1E+2,\n  0.10,\n  -1.5e-3,\n  0\n]\n"
        );
    }

    #[test]
    fn conformance_errors() {
        // malformed
        let e = err(r#"{"a": "#, "a");
        assert!(e.starts_with("malformed JSON at line 1, column 7"), "{e}");
        err(
            r#"{"version": {"propertyBag": "#,
            "version.propertyBag.region",
        );
        // an empty file is not JSON (ORIGINAL-BUG: jq prints nothing, exit 0)
        let e = err("", "a");
        assert!(e.contains("empty input"), "{e}");
        err("  \n\t ", "a");
        err("", "");
        // indexing a string
        let e = err(DOC, "str.x");
        assert_eq!(e, r#"Cannot index string with string "x""#);
        // a jq program
        assert_eq!(parse_path("services | length"), Err(PathError::JqProgram));
        assert!(
            PathError::JqProgram
                .to_string()
                .contains("jq programs are not supported")
        );
    }

    #[test]
    fn conformance_strict_null_vs_absent() {
        let d = br#"{"a": 1, "n": null}"#;
        assert_eq!(
            query(&d[..], &[key("n")]).unwrap(),
            vec![Found::Value(Value::Null)]
        );
        assert_eq!(
            query(&d[..], &[key("missing")]).unwrap(),
            vec![Found::Absent]
        );
        assert_eq!(
            query(&d[..], &[key("n"), key("x")]).unwrap(),
            vec![Found::Absent]
        );
        assert_eq!(
            query(&d[..], &[key("a")]).unwrap(),
            vec![Found::Value(serde_json::json!(1))]
        );
    }

    // ---- conformance: version_key.json -----------------------------------

    fn version_key(k: &str) -> String {
        let mut segs = vec![key("version")];
        if !matches!(k, "versionName" | "versionId" | "versionNumber") {
            segs.push(key("propertyBag"));
        }
        segs.extend(parse_path(k).unwrap());
        run_segs(VERSION.as_bytes(), &segs).unwrap()
    }

    fn pointer_key(k: &str) -> String {
        let mut segs = vec![key("propertyBag"), key("yml"), key("pointer")];
        segs.extend(parse_path(k).unwrap());
        run_segs(VERSION.as_bytes(), &segs).unwrap()
    }

    #[test]
    fn conformance_version_key() {
        let cases: &[(&str, &str)] = &[
            ("versionName", "v2.3.4\n"),
            ("versionId", "987654\n"),
            ("region", "us-east-1\n"),
            ("count", "3\n"),
            ("shaData.isGitTag", "false\n"),
            ("tags[1]", "v2\n"),
            (
                "shaData.committer",
                "{\n  \"displayName\": \"Dev Eloper\",\n  \"login\": \"dev\"\n}\n",
            ),
            ("nope", "null\n"),
            ("shaData.nope.deeper", "null\n"),
            ("spaced", "a  b*\n"),
            ("unicode", "ünï ✓\n"),
            ("nested.deep.er[1].x", "2\n"),
            ("empty", "{}\n"),
            (
                "nested",
                "{\n  \"deep\": {\n    \"er\": [\n      {\n        \"x\": 1\n      },\n      {\n        \"x\": 2\n      }\n    ]\n  }\n}\n",
            ),
            ("my-key", "dashed\n"),
            ("[\"a.b\"]", "dotted-key\n"),
            (".region", "us-east-1\n"),
            ("shaData[\"commitSha\"]", "c0ffee\n"),
            ("floatzero", "1.0\n"),
            ("big", "12345678901234567890\n"),
            ("emptylist", "[]\n"),
        ];
        for (k, want) in cases {
            assert_eq!(version_key(k), *want, "key {k:?}");
        }
        assert_eq!(pointer_key("region"), "eu-west-1\n");
        assert_eq!(pointer_key("sourceName"), "org/repo\n");
        assert_eq!(pointer_key("nested"), "{\n  \"k\": \"v\"\n}\n");
        assert_eq!(pointer_key("my-key"), "pdash\n");
    }

    // ---- path grammar ------------------------------------------------------

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
            "a.",
            "a..b",
            "a[",
            "a[0",
            "[\"a",
            "[\"a\"",
            "a[0]b",
            "a[99999999999999999999]",
            "a\u{1}b",
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
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
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
        let doc = "[".repeat(n);
        let e = err(&doc, "");
        assert!(e.contains("nested too deeply"), "{e}");
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
        let e = query_raw(doc.as_bytes(), &[key("deep")]).unwrap_err();
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
        // the tree builder has the same limit
        let raw = format!("{}1{}", "[".repeat(d), "]".repeat(d));
        assert!(build_value(raw.as_bytes()).is_err());
        let raw = format!("{}1{}", "[".repeat(d - 1), "]".repeat(d - 1));
        assert!(build_value(raw.as_bytes()).is_ok());
        assert_eq!(
            query_raw(&b"{}"[..], &[key("a")]).unwrap(),
            vec![FoundRaw::Absent]
        );
        assert_eq!(
            query_raw(&b" {\"a\" : [1.0E2 ,\"x\"]} "[..], &[key("a")]).unwrap(),
            vec![FoundRaw::Json(b"[1.0E2 ,\"x\"]".to_vec())]
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
        write_jq_raw(&mut o, v).unwrap();
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
    fn never_panics_on_mutated_input() {
        let base = format!("{DOC}{{\"u\": \"\\ud83d\\ude00 \\u00e9\", \"n\": [-1.5e+3, 0, 1E9]}}");
        let bytes = base.as_bytes();
        let paths: Vec<Vec<Seg>> = ["", "obj.inner.x[1]", "list[-1].tags", "u", "n[2]", "str.x"]
            .iter()
            .map(|p| parse_path(p).unwrap())
            .collect();
        for cut in (0..bytes.len()).step_by(3) {
            for p in &paths {
                let _ = query(bytes.get(..cut).unwrap_or_default(), p);
            }
        }
        for i in (0..bytes.len()).step_by(2) {
            for r in [
                b'"', b'\\', b'{', b']', b',', b':', 0xff, b'0', b'e', b'\n', 0,
            ] {
                let mut m = bytes.to_vec();
                if let Some(slot) = m.get_mut(i) {
                    *slot = r;
                }
                for p in &paths {
                    let _ = query(&m[..], p).map(render);
                    let _ = query_raw(&m[..], p).map(render_raw);
                }
            }
        }
    }

    #[test]
    fn parse_path_never_panics() {
        let alphabet = [
            "a", ".", "[", "]", "\"", "\\", "-", "0", " ", "|", "é", "(", "u", ":",
        ];
        for x in alphabet {
            for y in alphabet {
                for z in alphabet {
                    for w in alphabet {
                        let p = format!("{x}{y}{z}{w}");
                        if let Err(e) = parse_path(&p) {
                            let _ = e.to_string();
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn select_follows_the_query_rules() {
        let doc: Value =
            serde_json::from_str(r#"{"a": {"b": [1, {"c": null}]}, "s": "x"}"#).unwrap();
        let sel = |p: &str| select(&doc, &parse_path(p).unwrap());
        assert!(matches!(sel("a.b[0]").unwrap(), Found::Value(v) if v == 1));
        assert!(matches!(
            sel("a.b[-1].c").unwrap(),
            Found::Value(Value::Null)
        ));
        assert!(matches!(sel("a.b[1].c.d").unwrap(), Found::Absent));
        assert!(matches!(sel("a.missing.deeper").unwrap(), Found::Absent));
        assert!(matches!(sel("a.b[9]").unwrap(), Found::Absent));
        assert_eq!(
            sel("s.x").unwrap_err().to_string(),
            r#"Cannot index string with string "x""#
        );
        assert_eq!(
            sel("a[0]").unwrap_err().to_string(),
            "Cannot index object with number"
        );
    }
}

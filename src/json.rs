//! JSON paths (spec §5) and a streaming, validating query over a JSON byte stream.
//!
//! `query` never builds a tree of the whole document: a byte-level state
//! machine walks the input (64 KiB buffer), follows the path, skips (while
//! validating) everything else, and captures only the raw bytes of the
//! selected value. Those bytes are then parsed with serde_json
//! (`arbitrary_precision` keeps numbers as written, `preserve_order` keeps keys
//! in file order). Duplicate keys: the last occurrence wins, as in jq.
//!
//! `write_jq_raw` prints a value the way `jq -r` does.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

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
    if path == ".." {
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
        return Err(unexpected(c, "inside '[...]'"));
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
                        self.stack.push(b'{');
                        b = self.need_nonws("a value")?;
                        continue;
                    }
                    _ => return Err(self.err_prev("expected '\"' or '}'")),
                },
                b'[' => {
                    let c = self.need_nonws("a value or ']'")?;
                    if c != b']' {
                        self.stack.push(b'[');
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

/// Parse captured raw bytes (invalid UTF-8 inside strings is replaced with U+FFFD, as jq does).
fn parse_raw(raw: &[u8]) -> Result<Value> {
    let v = match std::str::from_utf8(raw) {
        Ok(s) => serde_json::from_str(s),
        Err(_) => serde_json::from_str(&String::from_utf8_lossy(raw)),
    };
    v.map_err(|e| anyhow!("malformed JSON: {e}"))
}

/// Query every top-level value of the input (jq accepts several, separated by whitespace)
/// at `path`. Errors: unreadable input, malformed JSON anywhere (including an empty
/// input), indexing a string/number/boolean or an array by key / an object by index.
pub fn query<R: Read>(reader: R, path: &[Seg]) -> Result<Vec<Found>> {
    let mut sc = Scanner::new(reader);
    sc.skip_bom()?;
    let mut results = Vec::new();
    while sc.peek_nonws()?.is_some() {
        match sc.walk(path)? {
            Outcome::Absent => results.push(Found::Absent),
            Outcome::Raw(raw) => results.push(Found::Value(parse_raw(&raw)?)),
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

    // TESTS
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
            (Seg::Key(k), other) => anyhow::bail!("cannot index {} with {k:?}", type_name(other)),
            (Seg::Index(i), other) => {
                anyhow::bail!("cannot index {} with number {i}", type_name(other))
            }
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

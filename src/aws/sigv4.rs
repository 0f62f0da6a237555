//! AWS Signature Version 4, header form — botocore's `SigV4Auth`, byte for
//! byte (the canonical request, the string to sign and the `Authorization`
//! header), on ring's SHA-256 and HMAC-SHA256 (already linked for TLS).
//!
//! Proven against botocore itself with its clock fixed and against the AWS
//! SigV4 test suite (tests/ecr_sigv4.rs, vectors in tests/data/sigv4/).
//!
//! Pure: no I/O, no clock (the caller passes the time), std, ring and
//! percent-encoding only, so the integration tests compile this file
//! directly.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ring::{digest, hmac};

/// The key pair (and the session token of temporary credentials).
pub struct Credentials<'a> {
    pub key_id: &'a str,
    pub secret: &'a str,
    pub token: Option<&'a str>,
}

/// A request to sign.
pub struct Request<'a> {
    /// `GET`, `POST`… (upper-cased for signing).
    pub method: &'a str,
    /// The path as sent on the wire (dot segments and repeated slashes are
    /// removed and every byte outside `A-Z a-z 0-9 - _ . ~ /` is
    /// percent-encoded for signing, as botocore does: a `%` already in it is
    /// encoded again).
    pub path: &'a str,
    /// The query parameters, decoded (each name and value is percent-encoded
    /// for signing, then sorted).
    pub query: &'a [(String, String)],
    /// Every header that will be sent, `Host` included; `X-Amz-Date`,
    /// `X-Amz-Security-Token` and `Authorization` are set by [`sign`]. The
    /// headers SigV4 leaves unsigned (`User-Agent`, `Expect`, hop-by-hop
    /// headers) may be given; they are skipped.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The result: the headers to add to the request, and the intermediate
/// strings the test suites check (the canonical request holds the session
/// token: never print it).
pub struct Signed {
    /// `X-Amz-Date`, then `X-Amz-Security-Token` (with a token), then
    /// `Authorization`.
    pub headers: Vec<(&'static str, String)>,
    #[allow(dead_code)] // read by tests/ecr_sigv4.rs
    pub canonical_request: String,
    #[allow(dead_code)] // read by tests/ecr_sigv4.rs
    pub string_to_sign: String,
}

/// Headers botocore never signs (`SIGNED_HEADERS_BLACKLIST`), plus the ones
/// [`sign`] sets itself.
const UNSIGNED: [&str; 11] = [
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Sign `req` for `region` and `service` at `time` (seconds since the Unix
/// epoch, UTC).
pub fn sign(req: &Request, creds: &Credentials, region: &str, service: &str, time: u64) -> Signed {
    let stamp = amz_date(time);
    let day = &stamp[..8];
    let mut added: Vec<(&'static str, String)> = vec![("X-Amz-Date", stamp.clone())];
    // An empty token is no token (botocore tests its truth).
    if let Some(token) = creds.token.filter(|t| !t.is_empty()) {
        added.push(("X-Amz-Security-Token", token.to_string()));
    }
    // Headers by lower-cased name, values in the order given.
    let mut headers: Vec<(String, Vec<&str>)> = Vec::new();
    let given = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !UNSIGNED.contains(&k.as_str())
                && !matches!(
                    k.as_str(),
                    "authorization" | "x-amz-date" | "x-amz-security-token"
                )
        });
    // Kept sorted by name as they come (a handful: no sort routine needed).
    for (name, value) in given.chain(added.iter().map(|(k, v)| (*k, v.as_str()))) {
        let name = name.to_ascii_lowercase();
        let at = headers.partition_point(|(n, _)| *n < name);
        match headers.get_mut(at) {
            Some((n, values)) if *n == name => values.push(value),
            _ => headers.insert(at, (name, vec![value])),
        }
    }
    let canonical_headers: String = headers
        .iter()
        .map(|(name, values)| {
            let values: Vec<String> = values.iter().map(|v| trim_all(v)).collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect();
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        hex(digest::digest(&digest::SHA256, req.body).as_ref()),
    );
    let scope = format!("{day}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let mut key = hmac_sha256(format!("AWS4{}", creds.secret).as_bytes(), day.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    added.push((
        "Authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            creds.key_id
        ),
    ));
    Signed {
        headers: added,
        canonical_request,
        string_to_sign,
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Python's `' '.join(value.split())`: leading and trailing whitespace
/// removed, every inner run of it one space (Python's whitespace: Unicode's
/// plus the separators U+001C–U+001F).
fn trim_all(value: &str) -> String {
    value
        .split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What Python's `urllib.parse.quote(s, safe="")` keeps: `A-Z a-z 0-9 _ .
/// - ~`; every other byte of the UTF-8 text is `%XX`.
const QUOTE_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// `quote(s, safe="/")`: a path keeps its slashes.
const QUOTE_PATH_SAFE: &AsciiSet = &QUOTE_SAFE.remove(b'/');

/// Python's `urllib.parse.quote(s, safe)` for one of the two sets above.
fn quote(s: &str, safe: &'static AsciiSet) -> String {
    utf8_percent_encode(s, safe).to_string()
}

/// botocore's `remove_dot_segments`: `.` and empty segments dropped, `..`
/// removes the one before; the leading slash kept, the trailing one kept
/// unless nothing is left. An empty path is `/`.
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

fn canonical_uri(path: &str) -> String {
    quote(&normalize_path(path), QUOTE_PATH_SAFE)
}

/// Names and values percent-encoded, sorted by name then value.
fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(query.len());
    for (k, v) in query {
        let pair = (quote(k, QUOTE_SAFE), quote(v, QUOTE_SAFE));
        let at = pairs.partition_point(|p| *p <= pair);
        pairs.insert(at, pair);
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `YYYYMMDDTHHMMSSZ` (UTC) of a Unix time.
pub fn amz_date(time: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(time);
    format!("{y:04}{m:02}{d:02}T{hh:02}{mm:02}{ss:02}Z")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, RFC 3339) of a Unix time.
pub fn rfc3339(time: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(time);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// The UTC calendar date and time of a Unix time (Howard Hinnant's
/// `civil_from_days`): `(year, month 1–12, day 1–31, hour, minute,
/// second)`. The one calendar of the crate (`notify`'s date uses it too);
/// here because this file stays free of the rest of the crate.
pub fn civil(time: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = time / 86_400;
    let secs = time % 86_400;
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(amz_date(4_102_444_799), "20991231T235959Z");
        // 2100 is not a leap year.
        assert_eq!(amz_date(4_107_542_399), "21000228T235959Z");
        assert_eq!(amz_date(4_107_542_400), "21000301T000000Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn paths() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("//a//b/./c/../"), "/a/b/");
        assert_eq!(normalize_path("/.."), "/");
        assert_eq!(canonical_uri("/a b/%41~"), "/a%20b/%2541~");
    }

    #[test]
    fn whitespace() {
        assert_eq!(trim_all("  a \t b\n c  "), "a b c");
        assert_eq!(trim_all(""), "");
    }
}

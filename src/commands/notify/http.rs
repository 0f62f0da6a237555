//! The HTTP side of `notify`: one small client (ureq + rustls, so HTTPS works
//! in the static binary), timeouts, and failures that name the host only.
//!
//! A webhook URL embeds its secret in the path or query and an API token may
//! sit in the query (Airbrake's `?key=`), so no message here ever prints a
//! URL: only `host[:port]`, the status, and the answer with every known
//! secret masked.

use crate::exit;
use crate::job::JobEnv;
use anyhow::Result;
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;
use ureq::http::Uri;

/// Total time of one request (and of the IRC exchange), unless
/// `SHIPCTL_NOTIFY_TIMEOUT` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Time to open the connection, at most.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer we read.
const MAX_ANSWER: u64 = 10 * 1024 * 1024;
/// The most of an answer quoted in an error message.
const QUOTE_CHARS: usize = 300;

/// `SHIPCTL_NOTIFY_TIMEOUT` (seconds, decimals allowed), else 30 s.
pub fn timeout(env: &JobEnv) -> Result<Duration> {
    timeout_from(env, "SHIPCTL_NOTIFY_TIMEOUT")
}

/// The variable `var` (seconds, decimals allowed), else 30 s.
pub fn timeout_from(env: &JobEnv, var: &str) -> Result<Duration> {
    let Some(v) = env.var(var).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let text = v.to_string_lossy();
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| exit::usage(format!("{var}={text:?} is not a number of seconds")))
}

/// The time to connect: 10 s, or less when the whole timeout is shorter.
pub fn connect_timeout(total: Duration) -> Duration {
    total.min(CONNECT_TIMEOUT)
}

/// The `host[:port]` of a URL as written, without user info: what messages
/// may show. Empty for what the HTTP client's URI parser (the `http`
/// crate's, which every request goes through) cannot read.
pub fn host_of(url: &str) -> String {
    let uri = url.parse::<Uri>().ok();
    let authority = uri
        .as_ref()
        .and_then(Uri::authority)
        .map_or("", |a| a.as_str());
    authority.rsplit('@').next().unwrap_or("").to_string()
}

/// An http(s) URL with a host, else a usage error naming `what` (never the
/// URL); one that says http(s) but that the HTTP client cannot read (a
/// space in it, say) is an error (exit 1) before anything is sent.
pub fn check_url(url: &str, what: &str) -> Result<()> {
    let uri = url.parse::<Uri>().ok();
    let scheme = uri.as_ref().and_then(Uri::scheme_str);
    let host = uri.as_ref().and_then(Uri::host).unwrap_or("");
    if matches!(scheme, Some("http" | "https")) && !host.is_empty() {
        return Ok(());
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if uri.is_none() && (lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(exit::failure(format!("{what} is not a valid URL")));
    }
    Err(exit::usage(format!(
        "{what} is not an http:// or https:// URL"
    )))
}

/// The characters a URL part keeps as they are: RFC 3986's unreserved
/// ones; every other byte of the UTF-8 text is `%XX`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode everything but the unreserved characters (RFC 3986), for
/// a query value or a path segment.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// `base` without its trailing slashes, then `/` and `path`.
pub fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP Basic
/// authorization and docker's `auth` want it.
pub fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Replace every secret (of 3 characters or more) in `text` by `****`,
/// the longest first (so that a URL goes whole before its parts do).
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 3).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for s in secrets {
        text = text.replace(s, "****");
    }
    text
}

/// An answer as a message quotes it: trimmed, on one line, at most 300
/// characters, with `secrets` and what of `url` a server may echo back
/// masked. A webhook carries its token in the path (Slack's
/// `/services/T…/B…/<token>`) or the query (`?key=`): so the URL, its user
/// information, every tail of it from a `/`, `?`, `&`, `=`, `@` or `#` on,
/// and every part between those of 8 characters or more.
pub fn quote(body: &str, url: &str, secrets: &[&str]) -> String {
    let mut all = secrets.to_vec();
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let cuts = |c: char| matches!(c, '/' | '?' | '&' | '=' | '@' | '#');
    all.extend(rest.match_indices(cuts).map(|(i, _)| &rest[i..]));
    all.extend(rest.split(cuts).filter(|p| p.len() >= 8));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    all.extend(authority.rsplit_once('@').map(|(userinfo, _)| userinfo));
    all.push(url);
    let quoted: String = redact(body.trim(), &all)
        .chars()
        .take(QUOTE_CHARS)
        .collect();
    quoted.replace(['\n', '\r'], " ")
}

/// A request body.
pub struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Body {
    pub fn json(bytes: Vec<u8>) -> Body {
        Body {
            content_type: "application/json".into(),
            bytes,
        }
    }
}

/// A server's answer with a status below 400.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Any answer, whatever its status.
pub struct Reply {
    pub status: u16,
    /// The response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One agent for all the requests of a command.
pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
}

impl Client {
    pub fn new(env: &JobEnv) -> Result<Client> {
        Client::with_timeout(env, timeout(env)?)
    }

    /// A client whose requests take at most `timeout` each.
    pub fn with_timeout(env: &JobEnv, timeout: Duration) -> Result<Client> {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(connect_timeout(timeout)))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("shipctl/", env!("CARGO_PKG_VERSION")))
            .proxy(proxy(env))
            .build();
        Ok(Client {
            agent: config.into(),
            timeout,
        })
    }

    /// The time one request may take in all.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GET or POST (`body` given) `url`; a transport failure or a status of
    /// 400 or more is an error (exit 1) naming the host and never the URL.
    /// `secrets`, and the parts of `url` ([`quote`]), are masked in
    /// any answer quoted in a message. A redirect (3xx) is not followed: it
    /// is a warning, since the message may not have arrived.
    pub fn send(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Body>,
        secrets: &[&str],
    ) -> Result<Answer> {
        let host = host_of(url);
        let method = if body.is_some() { "POST" } else { "GET" };
        let Reply { status, body, .. } = self.exchange(url, headers, body)?;
        let body = String::from_utf8_lossy(&body).into_owned();
        if (300..400).contains(&status) {
            crate::diag::warn(format_args!(
                "{method} to {host} answered HTTP {status} (a redirect, not followed): \
                 the message may not have been delivered; give the URL it redirects to"
            ));
        }
        if status >= 400 {
            let quoted = quote(&body, url, secrets);
            return Err(exit::failure(match quoted.is_empty() {
                true => format!("{method} to {host} failed: HTTP {status}"),
                false => format!("{method} to {host} failed: HTTP {status}: {quoted}"),
            }));
        }
        Ok(Answer { status, body })
    }

    /// GET or POST (`body` given) `url` and return the answer whatever its
    /// status; only a transport failure is an error (exit 1), naming the
    /// host and never the URL.
    pub fn exchange(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Option<Body>,
    ) -> Result<Reply> {
        let host = host_of(url);
        let method = if body.is_some() { "POST" } else { "GET" };
        let result = match body {
            Some(b) => {
                let mut req = self
                    .agent
                    .post(url)
                    .header("Content-Type", b.content_type.as_str());
                for (k, v) in headers {
                    req = req.header(*k, v.as_str());
                }
                req.send(&b.bytes[..])
            }
            None => {
                let mut req = self.agent.get(url);
                for (k, v) in headers {
                    req = req.header(*k, v.as_str());
                }
                req.call()
            }
        };
        let mut response = result.map_err(|e| {
            exit::failure(format!(
                "{method} to {host} failed: {}",
                describe(&e, self.timeout)
            ))
        })?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| {
                exit::failure(format!(
                    "{method} to {host}: could not read the answer: {}",
                    describe(&e, self.timeout)
                ))
            })?;
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_ascii_lowercase(), v)
            })
            .collect();
        Ok(Reply {
            status,
            headers,
            body: bytes,
        })
    }
}

/// A transport error in words that hold no URL.
fn describe(e: &ureq::Error, timeout: Duration) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => format!("timed out after {}", seconds(timeout)),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("timed out after {}", seconds(timeout))
        }
        E::Io(io) => io.to_string(),
        E::HostNotFound => "host not found".into(),
        E::ConnectionFailed => "connection failed".into(),
        E::BadUri(_) | E::Http(_) => "invalid URL".into(),
        E::Tls(m) => format!("TLS: {m}"),
        E::Rustls(r) => format!("TLS: {r}"),
        E::Protocol(p) => format!("HTTP protocol error: {p}"),
        E::BodyExceedsLimit(n) => format!("answer larger than {n} bytes"),
        E::ConnectProxyFailed(_) => "the proxy refused the connection".into(),
        E::InvalidProxyUrl => "invalid proxy URL".into(),
        _ => "request failed".into(),
    }
}

/// `30 s`, `0.5 s`: a duration for messages.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// The proxy of the job environment (`HTTPS_PROXY`, `ALL_PROXY`,
/// `HTTP_PROXY`, lower case too; `NO_PROXY` honoured), read through JobEnv
/// rather than by ureq from the process.
fn proxy(env: &JobEnv) -> Option<ureq::Proxy> {
    let names = [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ];
    let url = names.iter().find_map(|n| {
        env.raw(n)
            .and_then(|v| v.to_str())
            .filter(|v| !v.is_empty())
    })?;
    let parsed = ureq::Proxy::new(url).ok()?;
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|n| env.raw(n).and_then(|v| v.to_str()));
    let mut builder = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port());
    if let Some(u) = parsed.username() {
        builder = builder.username(u);
    }
    if let Some(p) = parsed.password() {
        builder = builder.password(p);
    }
    for entry in no_proxy.unwrap_or("").split(',').map(str::trim) {
        if !entry.is_empty() {
            builder = builder.no_proxy(entry);
        }
    }
    builder.build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_only() {
        assert_eq!(
            host_of("https://hooks.slack.com/services/T0/B0/secret"),
            "hooks.slack.com"
        );
        assert_eq!(
            host_of("http://u:p@127.0.0.1:8080/x?key=1"),
            "127.0.0.1:8080"
        );
        assert_eq!(host_of("https://api.example.com?key=s"), "api.example.com");
        assert_eq!(host_of("https://h#frag"), "h");
    }

    #[test]
    fn urls() {
        assert!(check_url("https://h/x", "f").is_ok());
        assert!(check_url("HTTP://h", "f").is_ok());
        assert!(check_url("ftp://h", "f").is_err());
        assert!(check_url("https://", "f").is_err());
        assert!(check_url("", "f").is_err());
        assert!(check_url("https://u@/x", "f").is_err());
        assert!(check_url("https://[::1]:8080/x", "f").is_ok());
        let bad = check_url("https://h/a b", "the url").unwrap_err();
        assert_eq!(bad.to_string(), "the url is not a valid URL");
        assert_eq!(host_of("https://h/a b"), "");
        assert_eq!(join("https://h/v2/", "issue"), "https://h/v2/issue");
        assert_eq!(join("https://h/v2", "issue"), "https://h/v2/issue");
        assert_eq!(encode("a b/ü&=x~"), "a%20b%2F%C3%BC%26%3Dx~");
    }

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn timeouts() {
        let env = |v: &str| JobEnv::new([("SHIPCTL_NOTIFY_TIMEOUT", v)]);
        let unset: [(&str, &str); 0] = [];
        assert_eq!(timeout(&JobEnv::new(unset)).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(timeout(&env("")).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(timeout(&env("0.5")).unwrap(), Duration::from_millis(500));
        assert!(timeout(&env("x")).is_err());
        assert!(timeout(&env("-1")).is_err());
        assert_eq!(
            connect_timeout(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        assert_eq!(connect_timeout(DEFAULT_TIMEOUT), CONNECT_TIMEOUT);
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            redact("bad key abc123 x", &["abc123", ""]),
            "bad key **** x"
        );
    }

    #[test]
    fn a_urls_path_query_and_long_parts_are_secrets() {
        let url = "https://u:pw@hooks.example.com/services/T0/B0/XOXSECRET99?key=abcdefghij&x=1";
        let echoed = [
            "no such hook: /services/T0/B0/XOXSECRET99?key=abcdefghij&x=1",
            "no such hook: /services/T0/B0/XOXSECRET99",
            "token XOXSECRET99 revoked",
            "bad key abcdefghij",
            "login u:pw@hooks refused",
            "see https://u:pw@hooks.example.com/services/T0/B0/XOXSECRET99?key=abcdefghij&x=1",
        ];
        for text in echoed {
            let masked = quote(text, url, &[]);
            for leak in ["XOXSECRET99", "abcdefghij", "u:pw"] {
                assert!(!masked.contains(leak), "{text:?} → {masked:?}");
            }
        }
        assert_eq!(
            quote(" HTTP 404\nnot found ", url, &[]),
            "HTTP 404 not found"
        );
    }
}

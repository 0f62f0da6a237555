//! Amazon ECR's `GetAuthorizationToken` (AWS JSON 1.1), without I/O: where
//! the request goes (botocore's endpoint rules and overrides), what it
//! carries, how its answer and AWS's errors read, and the registry host
//! names around it (docker's rules).
//!
//! Pure (std, serde_json, base64): the integration tests compile
//! this file directly and compare it with botocore. Errors are plain
//! strings that never hold a credential, a token or a password.

use base64::Engine;
use serde_json::Value;

/// The operation, as the `X-Amz-Target` header names it.
pub const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
/// The protocol's content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The request body: no parameters (the caller's own registry).
pub const BODY: &[u8] = b"{}";
/// The signing name of the service.
pub const SERVICE: &str = "ecr";

/// Where the request goes.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL to POST to.
    pub url: String,
    /// The `Host` header (lower case, the port only when it is not the
    /// scheme's default — botocore's `_host_from_url`).
    pub host: String,
    /// The path part of the URL (`/` when it has none).
    pub path: String,
    /// What chose it: a variable's name, or `None` for the default.
    pub from: Option<&'static str>,
}

/// Does `region` match `^<prefix>-\w+-\d+$` (a partition's `regionRegex`)?
fn in_partition(region: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        let Some(rest) = region.strip_prefix(p).and_then(|r| r.strip_prefix('-')) else {
            return false;
        };
        let Some((name, number)) = rest.rsplit_once('-') else {
            return false;
        };
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The DNS suffix of the partition `region` belongs to (botocore's
/// partitions.json: `aws-cn`, the ISO partitions, `aws-eusc`; every other
/// region, known or not, is `aws` or `aws-us-gov`, both `amazonaws.com`).
pub fn dns_suffix(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn", "amazonaws.com.cn"),
        ("us-iso", "c2s.ic.gov"),
        ("us-isob", "sc2s.sgov.gov"),
        ("eu-isoe", "cloud.adc-e.uk"),
        ("us-isof", "csp.hci.ic.gov"),
        ("eusc-de", "amazonaws.eu"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| in_partition(region, &[prefix]))
        .map_or("amazonaws.com", |(_, suffix)| suffix)
}

/// The endpoint for `region`, as botocore resolves it: `AWS_ENDPOINT_URL_ECR`,
/// then `AWS_ENDPOINT_URL` (a variable set to the empty string counts as
/// unset), both ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`
/// in any case; else `https://api.ecr.<region>.<partition's DNS suffix>/`.
/// `var` reads the job's environment.
///
/// The FIPS and dual-stack endpoints (`AWS_USE_FIPS_ENDPOINT`,
/// `AWS_USE_DUALSTACK_ENDPOINT`) follow per-region exceptions in botocore's
/// rules; rather than guess one — or quietly leave FIPS — they are refused
/// unless an endpoint URL is given.
pub fn endpoint(region: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Endpoint, String> {
    let is_true = |name: &str| var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !is_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        for name in ["AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL"] {
            if let Some(url) = var(name).filter(|v| !v.is_empty()) {
                let mut found = parse_endpoint(&url).map_err(|e| format!("${name} {e}"))?;
                found.from = Some(name);
                return Ok(found);
            }
        }
    }
    for name in ["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"] {
        if is_true(name) {
            return Err(format!(
                "${name} is true: ecr_login does not derive that endpoint; set \
                 $AWS_ENDPOINT_URL_ECR to it (e.g. https://ecr-fips.{region}.amazonaws.com)"
            ));
        }
    }
    parse_endpoint(&format!("https://api.ecr.{region}.{}", dns_suffix(region)))
}

/// Split an endpoint URL. Only `http://` and `https://` URLs with a host,
/// without user info, query or fragment, are taken; the messages never
/// repeat the URL.
fn parse_endpoint(url: &str) -> Result<Endpoint, String> {
    if url.contains(['?', '#']) {
        return Err("has a query or fragment; give the endpoint's base URL only".into());
    }
    // The URI parser the HTTP client uses anyway.
    let uri: ureq::http::Uri = url.parse().map_err(|_| "is not a valid URL".to_string())?;
    let default_port = match uri.scheme_str() {
        Some("https") => 443,
        Some("http") => 80,
        _ => return Err("is not an http:// or https:// URL".into()),
    };
    let authority = uri.authority().map_or("", |a| a.as_str());
    if authority.contains('@') {
        return Err("holds user info; give the endpoint's URL without it".into());
    }
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    if host.is_empty() || host == "[]" {
        return Err("has no valid host".into());
    }
    // The parser takes any digits as a port; a port is at most 65535.
    let port = authority
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.contains(']'));
    if port.is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_err()) {
        return Err("has an invalid port".into());
    }
    let host_header = match uri.port_u16() {
        Some(p) if p != default_port => format!("{host}:{p}"),
        _ => host,
    };
    let path = uri.path();
    let path = if path.is_empty() { "/" } else { path };
    Ok(Endpoint {
        url: format!("{}://{authority}{path}", uri.scheme_str().unwrap_or("")),
        host: host_header,
        path: path.to_string(),
        from: None,
    })
}

/// The headers of the request besides the ones the signer adds: `Host`,
/// `Content-Type`, `X-Amz-Target` (what botocore sends and signs, less its
/// user agent and `amz-sdk-*` headers, which it adds after signing).
pub fn request_headers(host: &str) -> Vec<(String, String)> {
    vec![
        ("Host".into(), host.into()),
        ("Content-Type".into(), CONTENT_TYPE.into()),
        ("X-Amz-Target".into(), TARGET.into()),
    ]
}

/// The token of a successful answer.
pub struct Token {
    /// The user name inside the token (`AWS`).
    pub user: String,
    pub password: String,
    /// Seconds since the Unix epoch, when AWS says.
    pub expires_at: Option<f64>,
    /// `https://<account>.dkr.ecr.<region>.amazonaws.com`, when AWS says.
    pub proxy_endpoint: Option<String>,
}

/// Read `{"authorizationData": [{"authorizationToken": base64("AWS:pw"),
/// "expiresAt": seconds, "proxyEndpoint": url}]}` (the first entry).
pub fn parse_token(body: &[u8]) -> Result<Token, String> {
    let doc: Value =
        serde_json::from_slice(body).map_err(|_| "the answer is not JSON".to_string())?;
    let data = doc
        .get("authorizationData")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .ok_or("the answer holds no authorizationData")?;
    let token = data
        .get("authorizationToken")
        .and_then(Value::as_str)
        .ok_or("the answer holds no authorizationToken")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("the authorizationToken is not base64 text")?;
    let (user, password) = decoded
        .split_once(':')
        .filter(|(u, p)| !u.is_empty() && !p.is_empty())
        .ok_or("the authorizationToken is not USER:PASSWORD")?;
    Ok(Token {
        user: user.to_string(),
        password: password.to_string(),
        expires_at: data.get("expiresAt").and_then(Value::as_f64),
        proxy_endpoint: data
            .get("proxyEndpoint")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// An error answer: AWS's code and message.
#[derive(Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: String,
    pub message: String,
}

/// Read an error answer as botocore does: a JSON body's `__type` (the part
/// before any `:`, after any `#`) and `message` or `Message`; an XML body's
/// first `Code` and `Message` elements (query-protocol and front-end
/// errors); otherwise the status as the code and the text as the message.
pub fn parse_error(status: u16, body: &[u8]) -> AwsError {
    if let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(body) {
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
        let mut code = text("__type").unwrap_or_else(|| status.to_string());
        if let Some((before, _)) = code.split_once(':') {
            code = before.to_string();
        }
        if let Some((_, after)) = code.rsplit_once('#') {
            code = after.to_string();
        }
        let message = text("message")
            .or_else(|| text("Message"))
            .unwrap_or_default();
        return AwsError { code, message };
    }
    if let Some(e) = xml_error(body) {
        return e;
    }
    let text = String::from_utf8_lossy(body);
    AwsError {
        code: status.to_string(),
        message: text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// The first `Code` and `Message` elements of an XML error body. AWS's
/// error documents are flat and plain (no attributes, namespaces or CDATA
/// on these elements), so a scan does what an XML parser would — at a
/// fraction of the size a second use of quick-xml costs the binary.
fn xml_error(body: &[u8]) -> Option<AwsError> {
    let text = String::from_utf8_lossy(body);
    let element = |open: &str, close: &str| -> Option<String> {
        let start = text.find(open)? + open.len();
        let len = text[start..].find(close)?;
        Some(xml_unescape(&text[start..start + len]))
    };
    let code = element("<Code>", "</Code>")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())?;
    let message = element("<Message>", "</Message>").unwrap_or_default();
    Some(AwsError {
        code,
        message: message.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// XML's five named entities and numeric character references decoded;
/// anything else kept as written.
fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let entity = after
            .find(';')
            .map(|end| (&after[..end], &after[end + 1..]));
        let decoded = entity.and_then(|(name, tail)| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let n = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => name.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(n)?
                }
            };
            Some((c, tail))
        });
        match decoded {
            Some((c, tail)) => {
                out.push(c);
                rest = tail;
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// docker's `ConvertToHostname`: the host (and port) of a registry address
/// given with or without `http(s)://` and a path. `None` when nothing is
/// left or it holds whitespace or control characters.
pub fn registry_host(address: &str) -> Option<String> {
    let lower = address.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &address[8..]
    } else if lower.starts_with("http://") {
        &address[7..]
    } else {
        address
    };
    let host = rest.split('/').next().unwrap_or("");
    let bad = |c: char| c.is_whitespace() || c.is_control();
    (!host.is_empty() && !host.contains(bad)).then(|| host.to_string())
}

/// The registry host of an image name, by docker's reference rule: the part
/// before the first `/` when it holds a `.` or a `:` or is `localhost`
/// (`123.dkr.ecr.eu-west-1.amazonaws.com/app:1` → that host; `library/app`
/// → none, a Docker Hub name).
pub fn image_host(image: &str) -> Option<String> {
    let (first, _) = image.split_once('/')?;
    let is_host = first.contains(['.', ':']) || first == "localhost";
    if !is_host {
        return None;
    }
    registry_host(first)
}

/// The region in an ECR registry host name:
/// `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`,
/// `<account>.dkr.ecr-fips.<region>.amazonaws.com` and the dual-stack
/// `<account>.dkr-ecr.<region>.on.aws`.
pub fn region_of_host(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let labels: Vec<&str> = name.split('.').collect();
    let at = labels.windows(2).position(|w| {
        (w[0].eq_ignore_ascii_case("dkr")
            && (w[1].eq_ignore_ascii_case("ecr") || w[1].eq_ignore_ascii_case("ecr-fips")))
            || w[0].eq_ignore_ascii_case("dkr-ecr")
    })?;
    let i = if labels[at].eq_ignore_ascii_case("dkr-ecr") {
        at + 1
    } else {
        at + 2
    };
    let region = labels.get(i)?;
    // The DNS suffix must follow the region. (The caller checks the name.)
    (!region.is_empty() && i + 1 < labels.len()).then(|| region.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn default_endpoints() {
        let e = endpoint("eu-west-1", &no_vars).unwrap();
        assert_eq!(e.url, "https://api.ecr.eu-west-1.amazonaws.com/");
        assert_eq!(e.host, "api.ecr.eu-west-1.amazonaws.com");
        assert_eq!(e.path, "/");
        assert_eq!(e.from, None);
        for (region, suffix) in [
            ("cn-north-1", "amazonaws.com.cn"),
            ("us-gov-west-1", "amazonaws.com"),
            ("us-iso-east-1", "c2s.ic.gov"),
            ("us-isob-east-1", "sc2s.sgov.gov"),
            ("eu-isoe-west-1", "cloud.adc-e.uk"),
            ("us-isof-south-1", "csp.hci.ic.gov"),
            ("eusc-de-east-1", "amazonaws.eu"),
            ("xx-foo-1", "amazonaws.com"),
            ("cn-north", "amazonaws.com"),
        ] {
            assert_eq!(dns_suffix(region), suffix, "{region}");
        }
    }

    #[test]
    fn overrides() {
        fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        }
        let e = endpoint(
            "r-x-1",
            &vars(&[("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:5000/x")]),
        )
        .unwrap();
        assert_eq!(e.url, "http://127.0.0.1:5000/x");
        assert_eq!(e.host, "127.0.0.1:5000");
        assert_eq!(e.path, "/x");
        assert_eq!(e.from, Some("AWS_ENDPOINT_URL_ECR"));
        let e = endpoint(
            "r-x-1",
            &vars(&[
                ("AWS_ENDPOINT_URL_ECR", ""),
                ("AWS_ENDPOINT_URL", "HTTPS://Example.COM:443"),
            ]),
        )
        .unwrap();
        assert_eq!(e.url, "https://Example.COM:443/");
        assert_eq!(e.host, "example.com");
        assert_eq!(e.from, Some("AWS_ENDPOINT_URL"));
        let e = endpoint(
            "r-x-1",
            &vars(&[
                ("AWS_ENDPOINT_URL_ECR", "http://h"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ]),
        )
        .unwrap();
        assert_eq!(e.from, None);
        let fips = [("AWS_USE_FIPS_ENDPOINT", "True")];
        assert!(endpoint("r", &vars(&fips)).unwrap_err().contains("FIPS"));
        let fips = [
            ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ("AWS_ENDPOINT_URL", "https://f"),
        ];
        assert_eq!(endpoint("r", &vars(&fips)).unwrap().host, "f");
        let e = endpoint("r", &vars(&[("AWS_ENDPOINT_URL", "http://[::1]:80/")])).unwrap();
        assert_eq!(e.host, "[::1]");
        for bad in [
            "127.0.0.1:5000",
            "ftp://h",
            "http://",
            "http://u:p@h",
            "http://h?x=1",
            "http://h:99999",
            "http://h:x",
        ] {
            let err = endpoint("r", &vars(&[("AWS_ENDPOINT_URL", bad)])).unwrap_err();
            assert!(err.starts_with("$AWS_ENDPOINT_URL "), "{bad}: {err}");
            assert!(!err.contains(bad), "{err}");
        }
    }

    #[test]
    fn tokens() {
        let body = br#"{"authorizationData":[{"authorizationToken":"QVdTOnNlY3JldDpwdw==","expiresAt":1.7E9,"proxyEndpoint":"https://1.dkr.ecr.r.amazonaws.com"}]}"#;
        let t = parse_token(body).unwrap();
        assert_eq!((t.user.as_str(), t.password.as_str()), ("AWS", "secret:pw"));
        assert_eq!(t.expires_at, Some(1.7e9));
        assert_eq!(
            t.proxy_endpoint.as_deref(),
            Some("https://1.dkr.ecr.r.amazonaws.com")
        );
        assert!(parse_token(b"<x/>").is_err());
        assert!(parse_token(br#"{"authorizationData":[]}"#).is_err());
        let err = parse_token(br#"{"authorizationData":[{"authorizationToken":"c2VjcmV0"}]}"#)
            .err()
            .unwrap();
        assert!(
            !err.contains("c2VjcmV0") && !err.contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn errors() {
        let e = parse_error(
            400,
            br#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"bad token"}"#,
        );
        assert_eq!(e.code, "UnrecognizedClientException");
        assert_eq!(e.message, "bad token");
        let e = parse_error(400, br#"{"__type":"A:http://x#B","Message":"m"}"#);
        assert_eq!(e.code, "A");
        assert_eq!(e.message, "m");
        let e = parse_error(403, br#"{"Message":"m"}"#);
        assert_eq!(e.code, "403");
        let xml = br#"<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &amp; &#65;&#x42; &bogus; a&b</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;
        let e = parse_error(403, xml);
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert_eq!(
            e.message,
            "The request signature we calculated does not match & AB &bogus; a&b"
        );
        let e = parse_error(502, b"Bad\n gateway ");
        assert_eq!(e.code, "502");
        assert_eq!(e.message, "Bad gateway");
    }

    #[test]
    fn hosts() {
        assert_eq!(
            registry_host("https://1.dkr.ecr.r-1.amazonaws.com/v2/").as_deref(),
            Some("1.dkr.ecr.r-1.amazonaws.com")
        );
        assert_eq!(registry_host("HTTP://h:5000").as_deref(), Some("h:5000"));
        assert_eq!(registry_host("h").as_deref(), Some("h"));
        assert_eq!(registry_host("https://"), None);
        assert_eq!(registry_host("a b"), None);
        assert_eq!(
            image_host("1.dkr.ecr.eu-west-1.amazonaws.com/team/app:1").as_deref(),
            Some("1.dkr.ecr.eu-west-1.amazonaws.com")
        );
        assert_eq!(image_host("localhost/app").as_deref(), Some("localhost"));
        assert_eq!(
            image_host("127.0.0.1:5000/app").as_deref(),
            Some("127.0.0.1:5000")
        );
        assert_eq!(image_host("library/app"), None);
        assert_eq!(image_host("app"), None);
        for (host, region) in [
            ("1.dkr.ecr.eu-west-1.amazonaws.com", Some("eu-west-1")),
            ("1.dkr.ecr.cn-north-1.amazonaws.com.cn", Some("cn-north-1")),
            ("1.dkr.ecr-fips.us-east-1.amazonaws.com", Some("us-east-1")),
            ("1.dkr-ecr.us-east-2.on.aws:443", Some("us-east-2")),
            ("127.0.0.1:5000", None),
            ("dkr.ecr.x", None),
            ("registry.example.com", None),
        ] {
            assert_eq!(region_of_host(host).as_deref(), region, "{host}");
        }
    }
}

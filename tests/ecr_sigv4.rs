//! The SigV4 signer and the ECR request of `ecr_login`, byte for byte
//! against the AWS SigV4 test suite and against botocore itself (its
//! `SigV4Auth` and its own ECR client, with its clock fixed).
//!
//! The signer and the request builder are pure: this file calls them
//! through the library (`shipctl::test_api`).

use crate::util::skip;
use serde_json::{Value, json};
use shipctl::test_api::aws_ecr as ecr;
use shipctl::test_api::aws_sigv4 as sigv4;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sigv4/aws4_testsuite"
);
const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ecr_peers.py");

/// The suite's fixed inputs (its README): 2015-08-30T12:36:00Z.
const SUITE_TIME: u64 = 1_440_938_160;
const SUITE_KEY_ID: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// `%XX` decoded (the query of a raw request line).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit) {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// One `.req` file: method, path, decoded query pairs, headers (folded
/// lines joined), body.
struct Raw {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse_req(text: &str) -> Raw {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    // `GET /example space/ HTTP/1.1`: the target may hold a space.
    let first = lines.next().unwrap();
    let (method, rest) = first.split_once(' ').unwrap();
    let (target, _version) = rest.rsplit_once(' ').unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.to_string(), v.to_string()));
        }
    }
    Raw {
        method: method.to_string(),
        path: path.to_string(),
        query,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            cases(&p, out);
        } else if p.extension().is_some_and(|e| e == "req") {
            out.push(p);
        }
    }
}

/// Every case of the AWS SigV4 test suite (botocore's copy, in
/// tests/data/sigv4): the canonical request, the string to sign and the
/// Authorization header, exactly. botocore itself skips four of them (a
/// space in the request line, repeated query keys); this signer takes the
/// query as pairs and passes all.
#[test]
fn aws_sigv4_test_suite() {
    let mut reqs = Vec::new();
    cases(Path::new(SUITE), &mut reqs);
    reqs.sort();
    assert_eq!(reqs.len(), 34, "the suite has 34 requests");
    for req in &reqs {
        let name = req.file_stem().unwrap().to_string_lossy();
        let read = |ext: &str| {
            std::fs::read_to_string(req.with_extension(ext))
                .unwrap()
                .replace('\r', "")
        };
        let raw = parse_req(&read("req"));
        let creq = read("creq");
        // As botocore's test: the token is the one the canonical request
        // signs (post-sts-header-after adds it after signing).
        let token = creq
            .lines()
            .find_map(|l| l.strip_prefix("x-amz-security-token:"))
            .map(str::to_string);
        // The signer sets these itself (to the same values).
        let headers: Vec<(String, String)> = raw
            .headers
            .iter()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("x-amz-date")
                    && !k.eq_ignore_ascii_case("x-amz-security-token")
            })
            .cloned()
            .collect();
        let signed = sigv4::sign(
            &sigv4::Request {
                method: &raw.method,
                path: &raw.path,
                query: &raw.query,
                headers: &headers,
                body: &raw.body,
            },
            &sigv4::Credentials {
                key_id: SUITE_KEY_ID,
                secret: SUITE_SECRET,
                token: token.as_deref(),
            },
            "us-east-1",
            "service",
            SUITE_TIME,
        );
        assert_eq!(signed.canonical_request, creq, "{name}: canonical request");
        assert_eq!(signed.string_to_sign, read("sts"), "{name}: string to sign");
        let authz = &signed.headers.last().unwrap().1;
        assert_eq!(*authz, read("authz"), "{name}: Authorization");
    }
}

/// A small deterministic generator (xorshift64*), so that a failing case
/// can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn text(&mut self, alphabet: &str, max: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let n = self.below(max + 1);
        (0..n).map(|_| chars[self.below(chars.len())]).collect()
    }
}

/// Runs tests/ecr_peers.py with `cases` on stdin; `None` (after a SKIPPED
/// line, or a failure under CI=true) without python3 and botocore.
fn botocore(command: &str, cases: &Value) -> Option<Vec<Value>> {
    let child = Command::new("python3")
        .args([PEERS, command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        skip("python3 is not installed");
        return None;
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(cases.to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'botocore'") {
            skip("botocore is not installed (pip install awscli)");
            return None;
        }
        panic!("ecr_peers.py {command} failed: {err}");
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// 400 generated requests — methods, paths with dot segments, repeated
/// slashes, spaces, `%` and UTF-8, repeated and case-mixed query keys,
/// repeated headers with ragged whitespace, unsigned headers, binary
/// bodies, keys with and without a session token, times from 1970 to 2096
/// — signed by this signer and by botocore's SigV4Auth with the same fixed
/// clock: the canonical request, the string to sign and the Authorization
/// header agree byte for byte.
#[test]
fn sigv4_matches_botocore() {
    let mut rng = Rng(0x5eed_ec12_0000_0015);
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..400 {
        let method = rng
            .pick(&["GET", "POST", "PUT", "DELETE", "HEAD", "post"])
            .to_string();
        let host = rng
            .pick(&[
                "api.ecr.eu-west-1.amazonaws.com",
                "127.0.0.1:5000",
                "example.amazonaws.com",
                "[::1]:8443",
            ])
            .to_string();
        let segments = rng.below(5);
        let mut path = String::new();
        for _ in 0..segments {
            path.push_str(rng.pick(&["/", "//"]));
            path.push_str(rng.pick(&[
                "a", "b c", "ü", ".", "..", "%41", "~x", "$d", "-_.", "A+B", "é/",
            ]));
        }
        if path.is_empty() || rng.below(4) == 0 {
            path.push('/');
        }
        let query: Vec<(String, String)> = (0..rng.below(4))
            .map(|_| {
                (
                    rng.pick(&["a", "B", "b", "ü", "x y", "-_.~", "k=v", "&", "a"])
                        .to_string(),
                    rng.text("ab Z0=&/+%~ü", 6),
                )
            })
            .collect();
        let mut headers = vec![("Host".to_string(), host.clone())];
        for _ in 0..rng.below(5) {
            let name = rng.pick(&[
                "X-Custom",
                "x-custom",
                "Content-Type",
                "X-Amz-Target",
                "My-Header",
                "User-Agent",
                "Expect",
                "Connection",
            ]);
            let value = rng.text("ab \t,;:=/", 12);
            headers.push((name.to_string(), value));
        }
        let body: Vec<u8> = (0..rng.below(48)).map(|_| rng.next() as u8).collect();
        let key_id = format!("AKIA{}", rng.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
        let secret = rng.text("abcXYZ0189+/", 40);
        let token = (rng.below(2) == 0).then(|| rng.text("abcXYZ0189+/=", 120));
        let region = rng.pick(&["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"]);
        let service = rng.pick(&["ecr", "sts", "service", "execute-api"]);
        let time = rng.next() % 3_980_000_000;
        let signed = sigv4::sign(
            &sigv4::Request {
                method: &method,
                path: &path,
                query: &query,
                headers: &headers,
                body: &body,
            },
            &sigv4::Credentials {
                key_id: &key_id,
                secret: &secret,
                token: token.as_deref(),
            },
            region,
            service,
            time,
        );
        ours.push(signed);
        let hex: String = body.iter().map(|b| format!("{b:02x}")).collect();
        cases.push(json!({
            "method": method, "host": host, "path": path, "query": query,
            "headers": headers, "body": hex, "key_id": key_id, "secret": secret,
            "token": token, "region": region, "service": service, "time": time,
        }));
    }
    let Some(theirs) = botocore("sign", &Value::from(cases.clone())) else {
        return;
    };
    assert_eq!(theirs.len(), ours.len());
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(&theirs) {
        assert_eq!(ours.canonical_request, theirs["creq"], "case {case}");
        assert_eq!(ours.string_to_sign, theirs["sts"], "case {case}");
        let header = |name: &str| {
            ours.headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            header("Authorization"),
            theirs["authz"].as_str(),
            "case {case}"
        );
        assert_eq!(header("X-Amz-Date"), theirs["date"].as_str(), "case {case}");
    }
}

/// The whole GetAuthorizationToken request — endpoint URL (defaults per
/// partition, the `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL` overrides,
/// empty values, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), headers, body and
/// signature — against the request botocore's own ECR client builds under
/// the same environment and fixed clock (captured before it is sent).
#[test]
fn ecr_request_matches_botocore() {
    let overrides: &[&[(&str, &str)]] = &[
        &[],
        &[("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:5000")],
        &[("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:5000/prefix/path")],
        &[("AWS_ENDPOINT_URL_ECR", "https://ECR.Example.COM:443/")],
        &[("AWS_ENDPOINT_URL_ECR", "https://ecr.example.com:8443")],
        &[("AWS_ENDPOINT_URL", "http://localhost:4566")],
        &[
            ("AWS_ENDPOINT_URL_ECR", ""),
            ("AWS_ENDPOINT_URL", "http://127.0.0.2:81"),
        ],
        &[
            ("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.2:2"),
        ],
        &[
            ("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
        ],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"),
        ],
        &[("AWS_ENDPOINT_URL_ECR", "http://[::1]:5000")],
    ];
    let regions = [
        "us-east-1",
        "eu-west-1",
        "ap-southeast-7",
        "cn-north-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "us-isof-south-1",
        "eusc-de-east-1",
        "xx-nowhere-9",
    ];
    let mut rng = Rng(0xec12_0015);
    let mut cases = Vec::new();
    for (i, env) in overrides.iter().enumerate() {
        // Every partition once; each override with two regions.
        let regions = match i {
            0 => &regions[..],
            _ => &regions[i % 6 * 2..i % 6 * 2 + 2],
        };
        for (j, region) in regions.iter().enumerate() {
            let token = ((i + j) % 2 == 0).then(|| rng.text("abcXYZ0189+/=", 80));
            let mut vars: serde_json::Map<String, Value> = env
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect();
            // Nothing of this machine's own AWS set-up may count.
            for (k, v) in [
                ("AWS_CONFIG_FILE", "/nonexistent/config"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
                ("HOME", "/nonexistent"),
            ] {
                vars.insert(k.into(), v.into());
            }
            cases.push(json!({
                "env": vars, "region": region,
                "key_id": format!("AKIA{}", rng.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 16)),
                "secret": rng.text("abcXYZ0189+/", 40), "token": token,
                "time": 1_600_000_000 + rng.next() % 400_000_000,
            }));
        }
    }
    let Some(theirs) = botocore("ecr", &Value::from(cases.clone())) else {
        return;
    };
    for (case, theirs) in cases.iter().zip(&theirs) {
        let env = case["env"].as_object().unwrap();
        let var = |k: &str| env.get(k).and_then(Value::as_str).map(str::to_string);
        let region = case["region"].as_str().unwrap();
        let endpoint = ecr::endpoint(region, &var).unwrap();
        assert_eq!(endpoint.url, theirs["url"].as_str().unwrap(), "case {case}");
        let headers = ecr::request_headers(&endpoint.host);
        let signed = sigv4::sign(
            &sigv4::Request {
                method: "POST",
                path: &endpoint.path,
                query: &[],
                headers: &headers,
                body: ecr::BODY,
            },
            &sigv4::Credentials {
                key_id: case["key_id"].as_str().unwrap(),
                secret: case["secret"].as_str().unwrap(),
                token: case["token"].as_str(),
            },
            region,
            ecr::SERVICE,
            case["time"].as_u64().unwrap(),
        );
        let sent = theirs["headers"].as_object().unwrap();
        for (name, value) in headers
            .iter()
            .skip(1)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(signed.headers.iter().map(|(k, v)| (*k, v.as_str())))
        {
            assert_eq!(
                sent.get(name).and_then(Value::as_str),
                Some(value),
                "{name} of case {case}"
            );
        }
        if case["token"].is_null() {
            assert!(!sent.contains_key("X-Amz-Security-Token"));
        }
        assert_eq!(theirs["body"], "{}");
    }
}

//! `split_tests` (spec §4): the test files of this shard, balanced by the
//! timings of earlier JUnit XML reports. Every shard computes the same plan
//! from the same files, so every file runs in exactly one shard.

use crate::cli::SplitTests;
use crate::glob::Pattern;
use crate::job::JobEnv;
use crate::platform::ShowPath;
use crate::{diag, exit, fsutil, platform};
use anyhow::{Context, Result};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn split_tests(env: &JobEnv, a: &SplitTests, out: &mut dyn Write) -> Result<()> {
    let (number, count) = shard(env)?;
    if !a.test_path.is_dir() {
        return Err(exit::usage(format!(
            "test folder {} not found",
            a.test_path.shown()
        )));
    }
    // As `find -name` matches it.
    let pattern = Pattern::new(&a.name_glob);
    let mut tests = Vec::new();
    let prefix = platform::path_text(&a.test_path).into_owned();
    walk(&a.test_path, &prefix, &mut |path, name, other| {
        if other.is_none() && pattern.matches(&String::from_utf8_lossy(name)) {
            tests.push(path);
        }
    })?;
    // A shard that prints nothing makes `rspec $(shipctl split_tests …)`
    // run the whole suite: every reason for it is said, and under
    // --strict the configuration mistakes fail before anything is printed.
    if tests.is_empty() {
        return quiet_failure(
            env,
            format!(
                "no test files: nothing under {} matches {:?}",
                a.test_path.shown(),
                a.name_glob
            ),
            "; this shard gets none (a test runner given no files may run the whole suite)",
        );
    }
    let reports = report_times(&a.reports_path)?;
    let all_equal = "; every test file gets the same weight";
    let reports_ok = match reports.found {
        Reports::NoFolder => quiet_failure(
            env,
            format!("reports folder {} not found", a.reports_path.shown()),
            all_equal,
        ),
        Reports::Found { files: 0, .. } => quiet_failure(
            env,
            format!(
                "no JUnit XML report (*.xml) under {}",
                a.reports_path.shown()
            ),
            all_equal,
        ),
        Reports::Found { files, read: 0 } => quiet_failure(
            env,
            match files {
                1 => format!(
                    "the one report under {} could not be read",
                    a.reports_path.shown()
                ),
                _ => format!(
                    "none of the {files} reports under {} could be read",
                    a.reports_path.shown()
                ),
            },
            all_equal,
        ),
        Reports::Found { .. } => Ok(()),
    };
    let (weights, untimed) = weigh(&tests, &reports.times);
    if let Reports::Found { read: n @ 1.., .. } = reports.found {
        for &i in &untimed {
            env.trace(format_args!(
                "{}: no time in the reports",
                String::from_utf8_lossy(&tests[i])
            ));
        }
        if untimed.len() == tests.len() {
            // Reports that time none of the files describe other files: a
            // wrong folder, or filepaths written from another root.
            quiet_failure(
                env,
                format!(
                    "none of the {} has a time in the reports under {} ({n} read; a <testsuite filepath> must be the file's path or end with /<path>)",
                    plural(tests.len(), "test file"),
                    a.reports_path.shown()
                ),
                all_equal,
            )?;
        } else if !untimed.is_empty() {
            // New test files are untimed until they have run once: a
            // warning, never a failure.
            diag::warn(format_args!(
                "split_tests: {} of {} test files untimed (no time in the reports under {}); each gets the mean weight, {:.3} s",
                untimed.len(),
                tests.len(),
                a.reports_path.shown(),
                weights[untimed[0]]
            ));
        }
    }
    reports_ok?;
    let plan = plan(&tests, &weights, count);
    let mut mine: Vec<&[u8]> = plan
        .iter()
        .zip(&tests)
        .filter(|(s, _)| **s == number - 1)
        .map(|(_, t)| t.as_slice())
        .collect();
    if mine.is_empty() {
        diag::warn(format_args!(
            "split_tests: shard {number} of {count} gets no test files ({} files for {count} shards; a test runner given no files may run the whole suite)",
            tests.len()
        ));
    }
    mine.sort_unstable();
    for t in mine {
        out.write_all(t)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `1 report`, `2 reports`.
fn plural(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        _ => format!("{n} {what}s"),
    }
}

/// A mistake that would let the split go wrong without a word: a warning
/// (`what` + `consequence`), or under `--strict` an error (exit 1) before
/// anything is printed.
fn quiet_failure(env: &JobEnv, what: String, consequence: &str) -> Result<()> {
    if env.strict {
        return Err(exit::failure(format!("split_tests: {what}")));
    }
    diag::warn(format_args!("split_tests: {what}{consequence}"));
    Ok(())
}

/// This shard's number (1-based) and the shard count, from
/// `$SHIPPABLE_JOB_NUMBER` and `$SHIPPABLE_JOB_COUNT` (unset or empty: 1).
/// A count above 1 without a number is a [`quiet_failure`]: every shard
/// that lacks it would run shard 1's files, and the others none.
fn shard(env: &JobEnv) -> Result<(usize, usize)> {
    let read = |name: &str| -> Result<Option<usize>> {
        match env.var(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .filter(|&n| n > 0)
                .map(Some)
                .ok_or_else(|| {
                    exit::usage(format!(
                        "${name} is {:?}, not a positive whole number",
                        v.to_string_lossy()
                    ))
                }),
        }
    };
    let (number, count) = (read("SHIPPABLE_JOB_NUMBER")?, read("SHIPPABLE_JOB_COUNT")?);
    let shown = |n: Option<usize>| n.map_or("not set: 1".to_string(), |n| n.to_string());
    if number.unwrap_or(1) > count.unwrap_or(1) {
        return Err(exit::usage(format!(
            "$SHIPPABLE_JOB_NUMBER ({}) is greater than $SHIPPABLE_JOB_COUNT ({})",
            shown(number),
            shown(count)
        )));
    }
    if let (None, Some(count @ 2..)) = (number, count) {
        quiet_failure(
            env,
            format!("$SHIPPABLE_JOB_COUNT is {count} but $SHIPPABLE_JOB_NUMBER is not set"),
            "; this is taken as shard 1 (every shard without it runs shard 1's files)",
        )?;
    }
    Ok((number.unwrap_or(1), count.unwrap_or(1)))
}

/// What [`walk`] calls for each entry: `(path, base name, what)`.
type Found<'a> = dyn FnMut(Vec<u8>, &[u8], Option<&str>) + 'a;

/// Call `found(path, base name, what)` for every entry under `dir` that is
/// not a folder, the path written as `find` prints it (`prefix` is how
/// `dir` is written); `what` is `None` for a regular file, else what it is
/// instead. Symbolic links are not followed.
fn walk(dir: &Path, prefix: &[u8], found: &mut Found) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.shown()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("could not read {}", dir.shown()))?;
        let name = entry.file_name();
        let mut path = prefix.to_vec();
        if !path.ends_with(b"/") {
            path.push(b'/');
        }
        path.extend_from_slice(platform::bytes(&name));
        let kind = entry
            .file_type()
            .with_context(|| format!("could not read {}", entry.path().shown()))?;
        if kind.is_dir() {
            walk(&entry.path(), &path, found)?;
        } else if kind.is_file() {
            found(path, platform::bytes(&name), None);
        } else if kind.is_symlink() {
            found(
                path,
                platform::bytes(&name),
                Some("a symbolic link, which is not followed"),
            );
        } else {
            found(path, platform::bytes(&name), Some("not a regular file"));
        }
    }
    Ok(())
}

/// What the reports folder held.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reports {
    /// No such folder.
    NoFolder,
    /// `files` `*.xml` files, of which `read` could be read (the others were
    /// skipped with a warning).
    Found { files: usize, read: usize },
}

/// The times found in the reports folder.
struct Times {
    found: Reports,
    /// `(filepath, seconds)` of every timed suite, in report path order.
    times: Vec<(String, f64)>,
}

/// The summed `time` of every `<testsuite filepath=…>` in the `*.xml` files
/// under `dir` (a missing `dir` has none). Files are read in path order, so
/// that every shard adds the times up in the same order.
fn report_times(dir: &Path) -> Result<Times> {
    if !dir.is_dir() {
        return Ok(Times {
            found: Reports::NoFolder,
            times: Vec::new(),
        });
    }
    let prefix = platform::path_text(dir).into_owned();
    let mut reports = Vec::new();
    walk(dir, &prefix, &mut |path, name, other| match other {
        _ if !name.ends_with(b".xml") => {}
        None => reports.push(path),
        Some(what) => diag::warn(format_args!(
            "report {} skipped: {what}",
            String::from_utf8_lossy(&path)
        )),
    })?;
    reports.sort_unstable();
    // Reading thousands of small files is mostly waiting on the kernel: a
    // few threads, each on a contiguous run of the sorted list, so that the
    // results are joined back in path order.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let per = reports.len().div_ceil(threads).max(1);
    // Per report: an I/O error (fatal), or its suites or why it is unreadable.
    type Parsed = (PathBuf, Result<Option<Result<Report>>>);
    let parsed: Vec<Vec<Parsed>> = std::thread::scope(|s| {
        let handles: Vec<_> = reports
            .chunks(per)
            .map(|run| {
                s.spawn(move || {
                    run.iter()
                        .map(|r| {
                            let path = PathBuf::from(platform::os_string(r.clone()));
                            // Listed as a regular file: read without
                            // resolving its path again; a FIFO that took its
                            // place since is refused, never waited on.
                            let found =
                                fsutil::read_listed_file(&path).map(|d| d.map(|d| suites(&d)));
                            (path, found)
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut times = Vec::new();
    let (files, mut read) = (reports.len(), 0);
    for (path, found) in parsed.into_iter().flatten() {
        let report =
            match found.with_context(|| format!("could not read report {}", path.shown()))? {
                // Gone since the folder was listed.
                None => continue,
                Some(Ok(report)) => report,
                Some(Err(why)) => {
                    diag::warn(format_args!("report {} skipped: {why:#}", path.shown()));
                    continue;
                }
            };
        for (file, value, why) in &report.unreadable {
            diag::warn(format_args!(
                "report {}: the time {value:?} of {file} cannot be read ({why}); {file} gets the mean weight unless another report times it",
                path.shown()
            ));
        }
        times.extend(report.suites);
        read += 1;
    }
    Ok(Times {
        found: Reports::Found { files, read },
        times,
    })
}

/// What one report says.
#[derive(Debug, Default, PartialEq)]
struct Report {
    /// `(filepath, seconds)` of every `<testsuite>` that has both.
    suites: Vec<(String, f64)>,
    /// `(filepath, time as written, why)` of suites whose time is unreadable.
    unreadable: Vec<(String, String, &'static str)>,
}

/// quick-xml's error as one message (its `Display` already holds the cause
/// its `source` repeats).
fn malformed(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("malformed XML: {e}")
}

/// The suites of one report, in any encoding an XML processor must read
/// (and the single-byte ones reporters declare).
fn suites(data: &[u8]) -> Result<Report> {
    use quick_xml::events::Event;
    let text = decode(data).map_err(|why| anyhow::anyhow!("{why}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = quick_xml::Reader::from_str(text);
    let mut found = Report::default();
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "testsuite" => {
                let (mut file, mut time) = (None, None);
                for attr in e.attributes() {
                    let attr = attr.map_err(malformed)?;
                    let value = || {
                        attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(malformed)
                    };
                    match attr.key.local_name().as_ref() {
                        "filepath" => file = Some(value()?.into_owned()),
                        "time" => time = Some(value()?.into_owned()),
                        _ => {}
                    }
                }
                if let (Some(f), Some(t)) = (file, time) {
                    match seconds(&t) {
                        Ok(secs) => found.suites.push((f, secs)),
                        Err(why) => found.unreadable.push((f, t, why)),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// A report's bytes as text. Like an XML processor (XML 1.0 §4.3.3 and
/// Appendix F): a UTF-8 or UTF-16 byte order mark decides; else UTF-16
/// without one is recognized by how `<?` is written; else the encoding
/// declaration names it: UTF-8 (the default), US-ASCII, ISO-8859-1 (Latin-1,
/// byte = code point) or windows-1252. Any other declared encoding is
/// named in the error. The decoding itself is std's (`decode_utf16`).
fn decode(data: &[u8]) -> std::result::Result<std::borrow::Cow<'_, str>, String> {
    use std::borrow::Cow;
    let utf16 = |body: &[u8], big: bool| -> std::result::Result<Cow<'_, str>, String> {
        if !body.len().is_multiple_of(2) {
            return Err("UTF-16 with an odd number of bytes".into());
        }
        let units = body.chunks_exact(2).map(|c| match big {
            true => u16::from_be_bytes([c[0], c[1]]),
            false => u16::from_le_bytes([c[0], c[1]]),
        });
        char::decode_utf16(units)
            .collect::<std::result::Result<String, _>>()
            .map(Cow::Owned)
            .map_err(|e| format!("invalid UTF-16: {e}"))
    };
    let utf8 = |body| {
        std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| format!("not UTF-8: {e}"))
    };
    match data {
        [0xef, 0xbb, 0xbf, rest @ ..] => return utf8(rest),
        [0xfe, 0xff, rest @ ..] => return utf16(rest, true),
        [0xff, 0xfe, rest @ ..] => return utf16(rest, false),
        [0, b'<', 0, b'?', ..] => return utf16(data, true),
        [b'<', 0, b'?', 0, ..] => return utf16(data, false),
        _ => {}
    }
    let label = declared_encoding(data)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match label.as_str() {
        // A UTF-16 label on ASCII-compatible bytes: the file was converted
        // and its declaration kept; read what is there.
        "" | "utf-8" | "utf8" | "utf-16" | "utf16" => utf8(data),
        "us-ascii" | "ascii" | "iso646-us" | "ansi_x3.4-1968" => {
            match data.iter().position(|b| !b.is_ascii()) {
                None => utf8(data),
                Some(at) => Err(format!(
                    "byte 0x{:02x} at offset {at} is not US-ASCII",
                    data[at]
                )),
            }
        }
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "cp819"
        | "ibm819" => Ok(Cow::Owned(data.iter().map(|&b| b as char).collect())),
        "windows-1252" | "cp1252" | "x-cp1252" => data
            .iter()
            .enumerate()
            .map(|(at, &b)| {
                windows_1252(b).ok_or_else(|| {
                    format!("byte 0x{b:02x} at offset {at} is not defined in windows-1252")
                })
            })
            .collect::<std::result::Result<String, _>>()
            .map(Cow::Owned),
        _ => Err(format!(
            "its declared encoding {label:?} is not supported (UTF-8, UTF-16, US-ASCII, ISO-8859-1 and windows-1252 are)"
        )),
    }
}

/// The `encoding` of an XML declaration at the start of ASCII-compatible
/// bytes.
fn declared_encoding(data: &[u8]) -> Option<&str> {
    let decl = data.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&decl[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    value.find(quote).map(|n| &value[..n])
}

/// A windows-1252 byte as a character (0x80–0x9F are the code page's own;
/// five of them are undefined).
fn windows_1252(b: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9f => match HIGH[(b - 0x80) as usize] {
            0 => None,
            c => char::from_u32(c.into()),
        },
        _ => Some(b as char),
    }
}

/// Seconds from a `time` attribute, in the forms real reporters write:
/// - plain or exponent notation: `1.5`, `0.010` (pytest, go-junit-report,
///   Jest, .NET loggers), `5.007000000000001` (mocha), `3.069E9` (specs2);
/// - English thousands separators: `2,120.532` (Surefire 3.1.0,
///   SUREFIRE-2176), `14,029.255` (JUnit 5's legacy XML before 1.3);
/// - a decimal comma from a German or French locale: `0,160` (TestNG,
///   old Surefire), `1.234,5`;
/// - a duration with units: `80.803us`, `1.5s`, `2m 3s` (Kotlin's
///   `Duration.toString()`, written by kotest 5.0) and ISO 8601 `PT1.5S`
///   (Java's `Duration.toString()`).
///
/// `1,234` alone could be 1234 s or 1.234 s: it is refused as ambiguous,
/// as is anything else, negative or not finite.
pub fn seconds(value: &str) -> std::result::Result<f64, &'static str> {
    let v = value.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = |s: &str| -> Option<f64> {
        let ok = !s.is_empty()
            && s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        ok.then(|| s.parse::<f64>().ok()).flatten()
    };
    // 1–3 digits (not starting with 0: the number is 1000 or more), then
    // groups of 3 after `sep`.
    let grouped = |s: &str, sep: char| -> bool {
        let mut groups = s.split(sep);
        let head = groups.next().unwrap_or_default();
        let rest: Vec<&str> = groups.collect();
        !rest.is_empty()
            && (1..=3).contains(&head.len())
            && digits(head)
            && !head.starts_with('0')
            && rest.iter().all(|g| g.len() == 3 && digits(g))
    };
    let found = if let Some(x) = plain(v) {
        Some(x)
    } else if let Some((int, frac)) = v.split_once('.').filter(|(i, _)| i.contains(','))
        && grouped(int, ',')
        && digits(frac)
    {
        plain(&format!("{}.{frac}", int.replace(',', "")))
    } else if grouped(v, ',') {
        if v.matches(',').count() == 1 {
            return Err("ambiguous: a thousands separator or a decimal comma");
        }
        plain(&v.replace(',', ""))
    } else if let Some((int, frac)) = v.rsplit_once(',')
        && digits(frac)
        && (digits(int) || grouped(int, '.'))
    {
        plain(&format!("{}.{frac}", int.replace('.', "")))
    } else {
        duration(v)
    };
    match found {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Some(_) => Err("negative or too large"),
        None => Err("not a number of seconds"),
    }
}

/// `PT1H2M3.5S` (ISO 8601, days allowed) or `1h 2m 3.5s` / `80.803us`
/// (Kotlin): seconds.
fn duration(v: &str) -> Option<f64> {
    let number = |s: &str| -> Option<f64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .then(|| s.parse::<f64>().ok())
            .flatten()
    };
    let upper = v.to_ascii_uppercase();
    if let Some(iso) = upper.strip_prefix('P') {
        let (days, time) = match iso.split_once('T') {
            Some((d, t)) => (d, t),
            None => (iso, ""),
        };
        let mut total = 0.0;
        let mut any = false;
        for (part, units) in [
            (days, &[('D', 86400.0)][..]),
            (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
        ] {
            let mut rest = part;
            for &(unit, scale) in units {
                if let Some((n, after)) = rest.split_once(unit) {
                    total += number(n)? * scale;
                    rest = after;
                    any = true;
                }
            }
            if !rest.is_empty() {
                return None;
            }
        }
        return any.then_some(total);
    }
    let mut total = 0.0;
    let mut any = false;
    for token in v.split_whitespace() {
        let split = token.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (n, unit) = token.split_at(split);
        let scale = match unit {
            "d" => 86400.0,
            "h" => 3600.0,
            "m" | "min" => 60.0,
            "s" | "sec" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number(n)? * scale;
        any = true;
    }
    any.then_some(total)
}

/// Each test's weight: its time (the suites whose filepath is its path or
/// ends with `/` + its path; a leading `./` of the path is ignored), else the
/// mean of the timed tests (1.0 when none is timed); and the indexes of the
/// untimed tests.
fn weigh(tests: &[Vec<u8>], times: &[(String, f64)]) -> (Vec<f64>, Vec<usize>) {
    let index: HashMap<&[u8], usize> = tests
        .iter()
        .enumerate()
        .map(|(i, t)| (t.strip_prefix(b"./").unwrap_or(t), i))
        .collect();
    let mut time: Vec<Option<f64>> = vec![None; tests.len()];
    for (file, t) in times {
        let file = file.as_bytes();
        let suffixes = std::iter::once(file).chain(
            file.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'/')
                .map(|(i, _)| &file[i + 1..]),
        );
        for s in suffixes {
            if let Some(&i) = index.get(s) {
                *time[i].get_or_insert(0.0) += t;
            }
        }
    }
    let timed: Vec<f64> = time.iter().flatten().copied().collect();
    let mean = match timed.len() {
        0 => 1.0,
        n => timed.iter().sum::<f64>() / n as f64,
    };
    let untimed = (0..tests.len()).filter(|&i| time[i].is_none()).collect();
    let weights = time.into_iter().map(|t| t.unwrap_or(mean)).collect();
    (weights, untimed)
}

/// The shard (0-based) of every test: by weight descending (ties: path),
/// each to the shard with the least total so far (ties: lowest number).
fn plan(tests: &[Vec<u8>], weights: &[f64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tests.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        weights[b]
            .total_cmp(&weights[a])
            .then_with(|| tests[a].cmp(&tests[b]))
    });
    let mut loads: BinaryHeap<Reverse<Load>> = (0..count.min(tests.len().max(1)))
        .map(|shard| Reverse(Load { total: 0.0, shard }))
        .collect();
    let mut plan = vec![0; tests.len()];
    for i in order {
        let Some(Reverse(mut least)) = loads.pop() else {
            break;
        };
        plan[i] = least.shard;
        least.total += weights[i];
        loads.push(Reverse(least));
    }
    plan
}

/// A shard's total weight, ordered by total, then shard number.
#[derive(PartialEq)]
struct Load {
    total: f64,
    shard: usize,
}

impl Eq for Load {}

impl Ord for Load {
    fn cmp(&self, other: &Self) -> Ordering {
        self.total
            .total_cmp(&other.total)
            .then(self.shard.cmp(&other.shard))
    }
}

impl PartialOrd for Load {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(paths: &[&str]) -> Vec<Vec<u8>> {
        paths.iter().map(|p| p.as_bytes().to_vec()).collect()
    }

    #[test]
    fn weights_and_plan() {
        let tests = t(&["test/a", "test/b", "test/c"]);
        let times = vec![
            ("test/a".to_string(), 4.0),
            ("/ci/proj/test/c".to_string(), 2.0),
            ("test/gone".to_string(), 100.0),
            ("xtest/a".to_string(), 50.0),
        ];
        let (w, untimed) = weigh(&tests, &times);
        assert_eq!(w, [4.0, 3.0, 2.0]);
        assert_eq!(untimed, [1]);
        assert_eq!(plan(&tests, &w, 2), [0, 1, 1]);
        // More shards than tests: the extra shards stay empty.
        assert_eq!(plan(&tests, &w, 5), [0, 1, 2]);
    }

    #[test]
    fn equal_weights_go_round_robin_in_path_order() {
        let tests = t(&["d", "c", "b", "a"]);
        assert_eq!(plan(&tests, &[5.0; 4], 2), [1, 0, 1, 0]);
    }

    #[test]
    fn report_parsing() {
        let report = suites(
            br#"<?xml version="1.0"?><testsuites><testsuite filepath="a &amp; b" time="1.5"><testcase time="9"/></testsuite><testsuite filepath="c" time="x"/><testsuite name="n" time="2"/></testsuites>"#,
        )
        .unwrap();
        assert_eq!(report.suites, [("a & b".to_string(), 1.5)]);
        assert_eq!(
            report.unreadable,
            [("c".to_string(), "x".to_string(), "not a number of seconds")]
        );
        assert!(suites(b"<a><b></a>").is_err());
    }

    fn utf16(text: &str, big: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(match big {
                true => [0xfe, 0xff],
                false => [0xff, 0xfe],
            });
        }
        for u in text.encode_utf16() {
            out.extend(match big {
                true => u.to_be_bytes(),
                false => u.to_le_bytes(),
            });
        }
        out
    }

    #[test]
    fn every_encoding_an_xml_processor_must_read() {
        let doc = |enc: &str| {
            format!(
                r#"<?xml version="1.0" encoding="{enc}"?><testsuites><testsuite filepath="tést/ü_test.rb" time="2.5"/></testsuites>"#
            )
        };
        let want = [("tést/ü_test.rb".to_string(), 2.5)];
        for (big, bom) in [(true, true), (false, true), (true, false), (false, false)] {
            let data = utf16(&doc("UTF-16"), big, bom);
            assert_eq!(suites(&data).unwrap().suites, want, "big {big} bom {bom}");
        }
        let mut bom8 = b"\xef\xbb\xbf".to_vec();
        bom8.extend(doc("UTF-8").as_bytes());
        assert_eq!(suites(&bom8).unwrap().suites, want);
        // Latin-1: é and ü are single bytes.
        let latin1: Vec<u8> = doc("ISO-8859-1").chars().map(|c| c as u32 as u8).collect();
        assert_eq!(suites(&latin1).unwrap().suites, want);
        let mut w = doc("windows-1252")
            .chars()
            .map(|c| c as u32 as u8)
            .collect::<Vec<u8>>();
        w.extend(b"<!-- \x80\x99 -->");
        assert_eq!(suites(&w).unwrap().suites, want);
        assert_eq!(windows_1252(0x80), Some('€'));
        assert_eq!(windows_1252(0x81), None);
        // Undecodable: named, never guessed.
        let err = suites(doc("Shift_JIS").as_bytes()).unwrap_err();
        assert!(
            format!("{err:#}").contains("\"shift_jis\" is not supported"),
            "{err:#}"
        );
        let not_utf8: Vec<u8> = doc("UTF-8").chars().map(|c| c as u32 as u8).collect();
        assert!(format!("{:#}", suites(&not_utf8).unwrap_err()).contains("not UTF-8"));
        assert!(suites(&utf16("<a/>", true, true)[..5]).is_err());
        let ascii_bad = format!("{}\u{e9}", doc("US-ASCII"));
        assert!(suites(ascii_bad.as_bytes()).is_err());
    }

    #[test]
    fn time_as_reporters_write_it() {
        let ok = [
            ("1.5", 1.5),
            (" 0.010 ", 0.01),
            ("12", 12.0),
            ("5.007000000000001", 5.007000000000001),
            ("3.069005969049E9", 3.069005969049e9),
            ("1e-7", 1e-7),
            ("2,120.532", 2120.532),
            ("14,029.255", 14029.255),
            ("1,234,567", 1234567.0),
            ("0,160", 0.16),
            ("0,03", 0.03),
            ("12,5", 12.5),
            ("0,500000", 0.5),
            ("1.234,5", 1234.5),
            ("80.803us", 80.803e-6),
            ("1.5s", 1.5),
            ("0.001s", 0.001),
            ("12ms", 0.012),
            ("2m 3s", 123.0),
            ("1h 30m", 5400.0),
            ("PT1.5S", 1.5),
            ("PT1M2S", 62.0),
            ("pt2h", 7200.0),
            ("P1DT1S", 86401.0),
            ("0", 0.0),
        ];
        for (text, want) in ok {
            let got = seconds(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(
                (got - want).abs() <= want * 1e-12,
                "{text}: {got} != {want}"
            );
        }
        for bad in [
            "",
            "x",
            "-1",
            "inf",
            "NaN",
            "1,234",
            "1,23,456",
            "1.2.3",
            "PT",
            "P1S",
            "1.5 parsecs",
            "s",
            "1e999",
            "0x10",
            "1_000",
        ] {
            assert!(seconds(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(
            seconds("1,234"),
            Err("ambiguous: a thousands separator or a decimal comma")
        );
    }
}

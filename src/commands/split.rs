//! `split_tests` (spec §4): the test files of this shard, balanced by the
//! timings of earlier JUnit XML reports. Every shard computes the same plan
//! from the same files, so every file runs in exactly one shard.

use crate::cli::SplitTests;
use crate::job::JobEnv;
use crate::{diag, exit};
use anyhow::{Context, Result};
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

pub fn split_tests(env: &JobEnv, a: &SplitTests, out: &mut dyn Write) -> Result<()> {
    let (number, count) = shard(env)?;
    if !a.test_path.is_dir() {
        return Err(exit::usage(format!(
            "test folder {} not found",
            a.test_path.display()
        )));
    }
    let pattern: Vec<char> = a.name_glob.chars().collect();
    let mut tests = Vec::new();
    let prefix = a.test_path.as_os_str().as_bytes().to_vec();
    walk(&a.test_path, &prefix, &mut |path, name| {
        if glob_match(&pattern, &String::from_utf8_lossy(name)) {
            tests.push(path);
        }
    })?;
    let times = report_times(&a.reports_path)?;
    let weights = weigh(&tests, &times);
    let plan = plan(&tests, &weights, count);
    let mut mine: Vec<&[u8]> = plan
        .iter()
        .zip(&tests)
        .filter(|(s, _)| **s == number - 1)
        .map(|(_, t)| t.as_slice())
        .collect();
    mine.sort_unstable();
    for t in mine {
        out.write_all(t)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// This shard's number (1-based) and the shard count, from
/// `$SHIPPABLE_JOB_NUMBER` and `$SHIPPABLE_JOB_COUNT` (unset or empty: 1).
fn shard(env: &JobEnv) -> Result<(usize, usize)> {
    let read = |name: &str| -> Result<usize> {
        match env.var(name).filter(|v| !v.is_empty()) {
            None => Ok(1),
            Some(v) => v
                .to_str()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    exit::usage(format!(
                        "${name} is {:?}, not a positive whole number",
                        v.to_string_lossy()
                    ))
                }),
        }
    };
    let (number, count) = (read("SHIPPABLE_JOB_NUMBER")?, read("SHIPPABLE_JOB_COUNT")?);
    if number > count {
        return Err(exit::usage(format!(
            "$SHIPPABLE_JOB_NUMBER ({number}) is greater than $SHIPPABLE_JOB_COUNT ({count})"
        )));
    }
    Ok((number, count))
}

/// Call `found(path, base name)` for every regular file under `dir`, the
/// path written as `find` prints it (`prefix` is how `dir` is written).
/// Symbolic links are not followed.
fn walk(dir: &Path, prefix: &[u8], found: &mut dyn FnMut(Vec<u8>, &[u8])) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("could not read {}", dir.display()))?;
        let name = entry.file_name();
        let mut path = prefix.to_vec();
        if !path.ends_with(b"/") {
            path.push(b'/');
        }
        path.extend_from_slice(name.as_bytes());
        let kind = entry
            .file_type()
            .with_context(|| format!("could not read {}", entry.path().display()))?;
        if kind.is_dir() {
            walk(&entry.path(), &path, found)?;
        } else if kind.is_file() {
            found(path, name.as_bytes());
        }
    }
    Ok(())
}

/// `find -name` matching: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]` and `\`
/// escapes; a leading `.` is matched like any character.
pub fn glob_match(pattern: &[char], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => match class(pattern, p, name[n]) {
                Some((true, len)) => Some(len),
                Some((false, _)) => None,
                None => (name[n] == '[').then_some(1),
            },
            Some('\\') if p + 1 < pattern.len() => (pattern[p + 1] == name[n]).then_some(2),
            Some(&c) => (c == name[n]).then_some(1),
            None => None,
        };
        match step {
            Some(len) => {
                p += len;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == '*')
}

/// A bracket expression at `pattern[start]`: does `c` match, and how long is
/// it? An unclosed `[` is an ordinary character.
fn class(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pattern.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &ch = pattern.get(i)?;
        if ch == ']' && !first {
            break;
        }
        first = false;
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&e| e != ']') {
            matched |= (ch..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
    Some((matched != negate, i + 1 - start))
}

/// The summed `time` of every `<testsuite filepath=…>` in the `*.xml` files
/// under `dir` (a missing `dir` has none). Files are read in path order, so
/// that every shard adds the times up in the same order.
fn report_times(dir: &Path) -> Result<Vec<(String, f64)>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let prefix = dir.as_os_str().as_bytes().to_vec();
    let mut reports = Vec::new();
    walk(dir, &prefix, &mut |path, name| {
        if name.ends_with(b".xml") {
            reports.push(path);
        }
    })?;
    reports.sort_unstable();
    // Reading thousands of small files is mostly waiting on the kernel: a
    // few threads, each on a contiguous run of the sorted list, so that the
    // results are joined back in path order.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let per = reports.len().div_ceil(threads).max(1);
    // Per report: an I/O error (fatal), or its suites or why it is malformed.
    type Parsed = (PathBuf, std::io::Result<Result<Vec<(String, f64)>>>);
    let parsed: Vec<Vec<Parsed>> = std::thread::scope(|s| {
        let handles: Vec<_> = reports
            .chunks(per)
            .map(|run| {
                s.spawn(move || {
                    run.iter()
                        .map(|r| {
                            let path = PathBuf::from(OsString::from_vec(r.clone()));
                            let found = std::fs::read(&path).map(|data| suites(&data));
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
    for (path, found) in parsed.into_iter().flatten() {
        match found.with_context(|| format!("could not read report {}", path.display()))? {
            Ok(mut f) => times.append(&mut f),
            Err(why) => diag::warn(format_args!(
                "report {} skipped: malformed XML: {why:#}",
                path.display()
            )),
        }
    }
    Ok(times)
}

/// The `(filepath, time)` of every `<testsuite>` of one report.
fn suites(data: &[u8]) -> Result<Vec<(String, f64)>> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(data).context("not UTF-8")?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut found = Vec::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "testsuite" => {
                let (mut file, mut time) = (None, None);
                for attr in e.attributes() {
                    let attr = attr?;
                    let value = || attr.normalized_value(quick_xml::XmlVersion::Implicit1_0);
                    match attr.key.local_name().as_ref() {
                        "filepath" => file = Some(value()?.into_owned()),
                        "time" => {
                            time = value()?
                                .trim()
                                .parse::<f64>()
                                .ok()
                                .filter(|t| t.is_finite() && *t >= 0.0)
                        }
                        _ => {}
                    }
                }
                if let (Some(f), Some(t)) = (file, time) {
                    found.push((f, t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// Each test's weight: its time (the suites whose filepath is its path or
/// ends with `/` + its path; a leading `./` of the path is ignored), else the
/// mean of the timed tests (1.0 when none is timed).
fn weigh(tests: &[Vec<u8>], times: &[(String, f64)]) -> Vec<f64> {
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
    time.into_iter().map(|t| t.unwrap_or(mean)).collect()
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

    fn m(p: &str, n: &str) -> bool {
        glob_match(&p.chars().collect::<Vec<_>>(), n)
    }

    #[test]
    fn globs() {
        assert!(m("*_test.rb", "a_test.rb"));
        assert!(!m("*_test.rb", "a_spec.rb"));
        assert!(m("*", ".hidden"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("[ab]*", "b1"));
        assert!(!m("[!ab]*", "b1"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*a*b", "xxaxxbxx"));
        assert!(m("[", "["));
        assert!(m("ż*", "żółw"));
    }

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
        let w = weigh(&tests, &times);
        assert_eq!(w, [4.0, 3.0, 2.0]);
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
        let times = suites(
            br#"<?xml version="1.0"?><testsuites><testsuite filepath="a &amp; b" time="1.5"><testcase time="9"/></testsuite><testsuite filepath="c" time="x"/><testsuite name="n" time="2"/></testsuites>"#,
        )
        .unwrap();
        assert_eq!(times, [("a & b".to_string(), 1.5)]);
        assert!(suites(b"<a><b></a>").is_err());
    }
}

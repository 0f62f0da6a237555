//! Shell patterns, the one matcher for both of their uses: `split_tests`'
//! NAME_GLOB (as `find -name` matches a file name) and `replicate
//! --match-settings`' branch and tag patterns (as bash's
//! `[[ name = pattern ]]`). Both are POSIX `fnmatch` without flags: `*`
//! (any run of characters, `/` and a leading `.` included), `?` (one
//! character), `[...]` (a set or range; `!` or `^` first negates; `]` first
//! is literal; an unclosed `[` is a literal `[`) and `\` (the next
//! character literally, inside brackets too). Everything else is literal.
//!
//! By hand rather than the C library's `fnmatch`: that one counts bytes or
//! characters depending on the locale, and shipctl sets none; here `?`
//! is always one character.

/// A compiled pattern.
pub struct Pattern {
    chars: Vec<char>,
}

impl Pattern {
    pub fn new(pattern: &str) -> Pattern {
        Pattern {
            chars: pattern.chars().collect(),
        }
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        let p = &self.chars;
        let n: Vec<char> = name.chars().collect();
        let (mut pi, mut ni) = (0, 0);
        // Where the last `*` was, and the name position it covers up to.
        let mut star: Option<(usize, usize)> = None;
        while ni < n.len() {
            if pi < p.len() && p[pi] == '*' {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            if let Some(next) = (pi < p.len()).then(|| step(p, pi, n[ni])).flatten() {
                pi = next;
                ni += 1;
                continue;
            }
            match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }
}

/// If the single pattern element at `pi` (not `*`) matches `c`, the index
/// after it.
fn step(p: &[char], pi: usize, c: char) -> Option<usize> {
    match p[pi] {
        '?' => Some(pi + 1),
        '\\' if pi + 1 < p.len() => (p[pi + 1] == c).then_some(pi + 2),
        '[' => match bracket(p, pi, c) {
            Some((true, next)) => Some(next),
            Some((false, _)) => None,
            // No closing `]`: the `[` is literal.
            None => (c == '[').then_some(pi + 1),
        },
        lit => (lit == c).then_some(pi + 1),
    }
}

/// Match `c` against the bracket expression at `p[pi] == '['`: whether it
/// matched and the index after the closing `]`; `None` when it is unclosed.
fn bracket(p: &[char], pi: usize, c: char) -> Option<(bool, usize)> {
    let mut i = pi + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let (lo, after) = match ch {
            '\\' => (*p.get(i + 1)?, i + 2),
            _ => (ch, i + 1),
        };
        if p.get(after) == Some(&'-') && p.get(after + 1).is_some_and(|&h| h != ']') {
            let (hi, next) = match p[after + 1] {
                '\\' => (*p.get(after + 2)?, after + 3),
                h => (h, after + 2),
            };
            matched |= lo <= c && c <= hi;
            i = next;
        } else {
            matched |= lo == c;
            i = after;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> bool {
        Pattern::new(p).matches(n)
    }

    #[test]
    fn matches() {
        let yes = [
            ("feat/*", "feat/login"),
            ("*", ""),
            ("*", "a/b/c"),
            ("*", ".hidden"),
            ("v*", "v1.4.0"),
            ("v1.?.0", "v1.4.0"),
            ("a?c", "abc"),
            ("release-[0-9]*", "release-2"),
            ("[ab]*", "b1"),
            ("[a-c]x", "bx"),
            ("[!a]x", "bx"),
            ("[^a]x", "bx"),
            ("[]]", "]"),
            ("[a-]", "-"),
            ("[\\]]", "]"),
            ("[\\a-\\c]", "b"),
            ("a\\*", "a*"),
            ("\\*", "*"),
            ("[abc", "[abc"),
            ("[", "["),
            ("*log*", "feat/login"),
            ("*a*b*", "xxaxxbxx"),
            ("a*b*c", "aXbYbZc"),
            ("*_test.rb", "a_test.rb"),
            ("main", "main"),
            ("ż*", "żółw"),
            ("?ółw", "żółw"),
        ];
        for (p, n) in yes {
            assert!(m(p, n), "{p} should match {n}");
        }
        let no = [
            ("feat/*", "main"),
            ("v*", "1.0"),
            ("release/*", "feat/login"),
            ("*_test.rb", "a_spec.rb"),
            ("a?c", "ac"),
            ("[!a]x", "ax"),
            ("[!ab]*", "b1"),
            ("a\\*", "ab"),
            ("\\*", "a"),
            ("main", "mainline"),
            ("?", ""),
            ("*a*b", "xxaxxbxx"),
            ("a*b*c", "aXbYbZ"),
            ("[a-]", "b"),
        ];
        for (p, n) in no {
            assert!(!m(p, n), "{p} should not match {n}");
        }
    }

    /// The same answers as bash's `[[ name = pattern ]]`, where bash is
    /// installed (it is the peer of `replicate`; `find -name` agrees on
    /// every case here).
    #[test]
    fn agrees_with_bash() {
        let cases = [
            ("*", "a/b"),
            ("[!a-c]?", "dz"),
            ("[]a]x", "]x"),
            ("[a\\]]", "]"),
            ("x\\", "x\\"),
            ("[z-a]", "m"),
            ("**b", "ab"),
            ("[[]", "["),
        ];
        let script: String = cases
            .iter()
            .map(|(p, n)| {
                let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
                format!(
                    "p={}; [[ {} = $p ]] && echo y || echo n\n",
                    quote(p),
                    quote(n)
                )
            })
            .collect();
        let Ok(out) = std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
        else {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "bash is not installed, and CI=true"
            );
            crate::diag::notice(format_args!(
                "SKIPPED: glob::agrees_with_bash: bash is not installed"
            ));
            return;
        };
        let answers: Vec<bool> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l == "y")
            .collect();
        let ours: Vec<bool> = cases.iter().map(|(p, n)| m(p, n)).collect();
        assert_eq!(ours, answers, "{cases:?}");
    }
}

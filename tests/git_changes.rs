//! get_git_changes on repositories built here with the real git: merges,
//! renames, paths with spaces and odd characters, pull-request ranges.
use crate::util::Test;
use std::path::Path;
use std::process::Command;

/// Run a bash script in `dir` with a fixed git identity; its stdout.
fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A repository `work/repo` with a first commit tagged `base`.
fn repo(t: &Test) -> std::path::PathBuf {
    let dir = t.work().join("repo");
    std::fs::create_dir(&dir).unwrap();
    sh(
        &dir,
        "git init -q . && git symbolic-ref HEAD refs/heads/main
         mkdir -p src 'dir with space' && echo 1 > src/a.txt && echo 1 > 'dir with space/f 1.txt' && echo 1 > top.txt
         git add -A && git commit -qm base && git tag base",
    );
    dir
}

#[test]
fn merge_lists_both_sides() {
    let t = Test::new();
    let dir = repo(&t);
    sh(
        &dir,
        "git checkout -qb feature && echo 2 >> src/a.txt && git commit -qam f
         git checkout -q main && echo 2 >> top.txt && git commit -qam m
         git merge -q --no-edit feature",
    );
    t.args([
        "get_git_changes",
        "--path",
        "repo",
        "--commit-range",
        "base..HEAD",
    ])
    .stdout("src/a.txt\ntop.txt\n")
    .run();
}

#[test]
fn merge_commit_against_its_first_parent() {
    let t = Test::new();
    let dir = repo(&t);
    sh(
        &dir,
        "git checkout -qb feature && mkdir -p lib && echo 2 > lib/new.txt && git add -A && git commit -qm f
         git checkout -q main && echo 2 >> top.txt && git commit -qam m
         git merge -q --no-edit feature",
    );
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=HEAD^1..HEAD",
    ])
    .stdout("lib/new.txt\n")
    .run();
}

#[test]
fn rename_lists_the_new_name_raw_with_spaces() {
    let t = Test::new();
    let dir = repo(&t);
    sh(
        &dir,
        "git mv 'dir with space/f 1.txt' 'dir with space/renamed “q”.txt'
         echo x > 'tab\there.txt'
         git add -A && git commit -qm r",
    );
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=base..HEAD",
    ])
    .stdout("dir with space/renamed “q”.txt\ntab\there.txt\n")
    .run();
}

#[test]
fn directories_only_with_spaces_and_depth() {
    let holder = Test::new();
    let dir = repo(&holder);
    sh(
        &dir,
        "echo 2 >> 'dir with space/f 1.txt' && mkdir -p 'dir with space/sub' && echo 1 > 'dir with space/sub/x'
         echo 2 >> top.txt && git add -A && git commit -qm c",
    );
    let path = format!("--path={}", dir.display());
    Test::new()
        .args([
            "get_git_changes",
            &path,
            "--commit-range=base..HEAD",
            "--directories-only",
        ])
        .stdout("dir with space/\ndir with space/sub/\n")
        .run();
    Test::new()
        .args([
            "get_git_changes",
            &path,
            "--commit-range=base..HEAD",
            "--depth",
            "1",
        ])
        .stdout("dir with space\ntop.txt\n")
        .run();
}

#[test]
fn pull_request_range_from_version_json() {
    let t = Test::new();
    let dir = repo(&t);
    // main moves on after the branch point; the PR's own change is src/a.txt.
    let base = sh(&dir, "git rev-parse HEAD");
    sh(
        &dir,
        "git checkout -qb pr && echo 2 >> src/a.txt && git commit -qam pr
         git checkout -q main && echo 3 >> top.txt && git commit -qam later
         git update-ref refs/remotes/origin/main main",
    );
    let head = sh(&dir, "git rev-parse pr");
    let meta = t.job().join("IN/repo");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("version.json"),
        format!(
            r#"{{"version":{{"propertyBag":{{"shaData":{{"commitSha":"{head}","beforeCommitSha":"{base}","isPullRequest":true,"pullRequestBaseBranch":"main"}}}}}}}}"#
        ),
    )
    .unwrap();
    t.env("REPO_STATE", &dir)
        .args(["get_git_changes", "--resource=repo"])
        .stdout("src/a.txt\n")
        .run();
}

/// A pull request as the platform clones it: `work/repo` is a clone of a
/// bare `upstream.git` (so `origin/main` and `origin/release` are real
/// remote-tracking branches) on branch `pr`, which changed `src/a.txt`
/// (commit `first`), then merged the newer `origin/main` (which changed
/// `top.txt`), then changed `lib/b.txt` (commit `head`). `release` left
/// main at the base commit and changed `docs/x`. Returns (repo, first,
/// head).
fn pull_request(t: &Test) -> (std::path::PathBuf, String, String) {
    let w = t.work();
    sh(
        &w,
        "git init -q --bare upstream.git && git -C upstream.git symbolic-ref HEAD refs/heads/main
         git clone -q upstream.git seed 2>/dev/null && cd seed && git checkout -qb main
         mkdir -p src docs && echo 1 > src/a.txt && echo 1 > top.txt && echo 1 > docs/x
         git add -A && git commit -qm base && git push -q origin main main:release
         cd .. && git clone -q upstream.git repo && cd repo && git checkout -qb pr
         echo 2 >> src/a.txt && git commit -qam pr1
         cd ../seed && echo 2 >> top.txt && git commit -qam later && git push -q origin main
         git checkout -qb release origin/release && echo 2 >> docs/x && git commit -qam rel && git push -q origin release
         cd ../repo && git fetch -q && git merge -q --no-edit origin/main
         mkdir lib && echo 1 > lib/b.txt && git add -A && git commit -qm pr2",
    );
    let repo = w.join("repo");
    let first = sh(&repo, "git rev-parse HEAD~2");
    let head = sh(&repo, "git rev-parse HEAD");
    (repo, first, head)
}

/// `version.json` of resource `my-repo.1` (prefix `MYREPO1`) with this
/// shaData.
fn sha_data(t: &Test, sha: &str) {
    let meta = t.job().join("IN/my-repo.1");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("version.json"),
        format!(r#"{{"version":{{"propertyBag":{{"shaData":{sha}}}}}}}"#),
    )
    .unwrap();
}

/// Issue 10 item 11: the platform exports `$<R>_IS_PULL_REQUEST` and
/// `$<R>_BASE_BRANCH`; they decide, version.json's shaData is the fallback.
#[test]
fn pull_request_from_the_resource_variables() {
    // The pull request's own changes: src/a.txt and lib/b.txt, never the
    // top.txt it merged from main (which first..head would list).
    const OWN: &str = "lib/b.txt\nsrc/a.txt\n";
    const PUSH: &str = "lib/b.txt\ntop.txt\n";
    // (IS_PULL_REQUEST, BASE_BRANCH, shaData's isPullRequest and base, stdout)
    let cases: &[(Option<&str>, Option<&str>, &str, &str)] = &[
        // The variables alone say "pull request"; shaData says nothing.
        (Some("true"), Some("main"), "", OWN),
        // The variables win over shaData in both directions.
        (
            Some("false"),
            Some("main"),
            r#","isPullRequest":true,"pullRequestBaseBranch":"main""#,
            PUSH,
        ),
        (
            Some(""),
            None,
            r#","isPullRequest":true,"pullRequestBaseBranch":"main""#,
            PUSH,
        ),
        // Base release: its merge base with the PR is the first commit, so
        // main's later change is the PR's too, and release's own is not.
        (
            Some("true"),
            Some("release"),
            r#","isPullRequest":true,"pullRequestBaseBranch":"main""#,
            "lib/b.txt\nsrc/a.txt\ntop.txt\n",
        ),
        // An empty base variable falls back to shaData.
        (
            Some("true"),
            Some(""),
            r#","pullRequestBaseBranch":"main""#,
            OWN,
        ),
        // No variables: shaData decides (the platform's older jobs).
        (
            None,
            None,
            r#","isPullRequest":true,"pullRequestBaseBranch":"main""#,
            OWN,
        ),
        (
            None,
            None,
            r#","isPullRequest":"true","baseCommitRef":"main""#,
            OWN,
        ),
        (None, Some("release"), "", PUSH),
    ];
    for (is_pr, base, extra, want) in cases {
        let t = Test::new();
        let (repo, first, head) = pull_request(&t);
        sha_data(
            &t,
            &format!(r#"{{"commitSha":"{head}","beforeCommitSha":"{first}"{extra}}}"#),
        );
        let mut t = t.env("MYREPO1_STATE", &repo);
        if let Some(v) = is_pr {
            t = t.env("MYREPO1_IS_PULL_REQUEST", v);
        }
        if let Some(v) = base {
            t = t.env("MYREPO1_BASE_BRANCH", v);
        }
        // (is_pr, base, extra) = ({is_pr:?}, {base:?}, {extra})
        t.args(["get_git_changes", "--resource=my-repo.1"])
            .stdout(*want)
            .run();
    }
}

/// The same variables `get_resource_env` prints, and `--explain` shows them
/// being read.
#[test]
fn pull_request_variables_are_get_resource_env_s() {
    let t = Test::new();
    let (repo, first, head) = pull_request(&t);
    sha_data(
        &t,
        &format!(r#"{{"commitSha":"{head}","beforeCommitSha":"{first}"}}"#),
    );
    let env = [
        ("MYREPO1_STATE", repo.to_str().unwrap()),
        ("MYREPO1_IS_PULL_REQUEST", "true"),
        ("MYREPO1_BASE_BRANCH", "main"),
    ];
    Test::new()
        .envs(env)
        .args(["get_resource_env", "my-repo.1", "is_pull_request"])
        .stdout("true\n")
        .run();
    let j = t.job().display().to_string();
    t.envs(env)
        .args(["--explain", "get_git_changes", "--resource", "my-repo.1"])
        .stdout("lib/b.txt\nsrc/a.txt\n")
        .stderr(format!(
            "shipctl: explain: $MYREPO1_STATE: set to \"{}\" (a folder)\n\
             shipctl: explain: $MYREPO1_IS_PULL_REQUEST: set (4 bytes)\n\
             shipctl: explain: $MYREPO1_BASE_BRANCH: set (4 bytes)\n\
             shipctl: explain: $MYREPO1_COMMIT: not set\n\
             shipctl: explain: $MYREPO1_META: not set\n\
             shipctl: explain: $JOB_PATH: set to \"{j}\" (a folder)\n\
             shipctl: explain: {j}/IN/my-repo.1: folder exists\n\
             shipctl: explain: {j}/IN/my-repo.1/version.json: read\n",
            repo.display()
        ))
        .run();
}

/// Without version.json, the variables and `$<R>_COMMIT` are enough for a
/// pull request.
#[test]
fn pull_request_without_version_json() {
    let t = Test::new();
    let (repo, _, head) = pull_request(&t);
    t.env("MYREPO1_STATE", &repo)
        .env("MYREPO1_IS_PULL_REQUEST", "true")
        .env("MYREPO1_BASE_BRANCH", "main")
        .env("MYREPO1_COMMIT", &head)
        .args(["get_git_changes", "--resource=my-repo.1", "--depth=1"])
        .stdout("lib\nsrc\n")
        .run();
}

/// A pull request without a base branch anywhere is not guessed.
#[test]
fn pull_request_without_base_branch_is_99() {
    let t = Test::new();
    let (repo, first, head) = pull_request(&t);
    sha_data(
        &t,
        &format!(r#"{{"commitSha":"{head}","beforeCommitSha":"{first}"}}"#),
    );
    let version = t.job().join("IN/my-repo.1/version.json");
    t.env("MYREPO1_STATE", &repo)
        .env("MYREPO1_IS_PULL_REQUEST", "true")
        .args(["get_git_changes", "--resource=my-repo.1"])
        .stderr(format!(
            "shipctl: error: resource my-repo.1 is a pull request but names no base branch: \
             $MYREPO1_BASE_BRANCH is not set (or empty) and {} has no shaData.pullRequestBaseBranch; \
             give --commit-range=R\n",
            version.display()
        ))
        .status(99)
        .run();
}

#[test]
fn resource_without_version_json_is_99() {
    let t = Test::new();
    let dir = repo(&t);
    let version = t.job().join("IN/repo/version.json");
    t.env("REPO_STATE", &dir)
        .args(["get_git_changes", "--resource", "repo"])
        .stderr(format!(
            "shipctl: error: no commit for resource repo: {} was not found and $REPO_COMMIT is not set; \
             give --commit-range=R\n",
            version.display()
        ))
        .status(99)
        .run();
}

#[test]
fn usage_errors() {
    let t = Test::new();
    let _ = repo(&t);
    t.args(["get_git_changes", "--commit-range=a..b"])
        .status(99)
        .stderr(
            "shipctl: error: the following required arguments were not provided: \
             <--path <DIR>|--resource <RES>>\n\
             Usage: shipctl get_git_changes --commit-range <R> <--path <DIR>|--resource <RES>>\n\
             For more information, try '--help'.\n",
        )
        .run();
    let t = Test::new();
    let _ = repo(&t);
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=--output=x",
    ])
    .status(99)
    .stderr("shipctl: error: commit range \"--output=x\" looks like an option\n")
    .run();
    let t = Test::new();
    let _ = repo(&t);
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=base..HEAD",
        "--depth=x",
    ])
    .status(99)
    .stderr(
        "shipctl: error: invalid value 'x' for '--depth <N>': invalid digit found in string\n\
         For more information, try '--help'.\n",
    )
    .run();
}

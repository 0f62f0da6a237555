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
    .run()
    .stdout("src/a.txt\ntop.txt\n")
    .stderr("")
    .success();
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
    .run()
    .stdout("lib/new.txt\n")
    .success();
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
    .run()
    .stdout("dir with space/renamed “q”.txt\ntab\there.txt\n")
    .success();
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
        .run()
        .stdout("dir with space/\ndir with space/sub/\n")
        .success();
    Test::new()
        .args([
            "get_git_changes",
            &path,
            "--commit-range=base..HEAD",
            "--depth",
            "1",
        ])
        .run()
        .stdout("dir with space\ntop.txt\n")
        .success();
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
        .run()
        .stdout("src/a.txt\n")
        .success();
}

#[test]
fn resource_without_version_json_is_99() {
    let t = Test::new();
    let dir = repo(&t);
    t.env("REPO_STATE", &dir)
        .args(["get_git_changes", "--resource", "repo"])
        .run()
        .stdout("")
        .exit(99);
}

#[test]
fn usage_errors() {
    let t = Test::new();
    let _ = repo(&t);
    t.args(["get_git_changes", "--commit-range=a..b"])
        .run()
        .stdout("")
        .exit(99);
    let t = Test::new();
    let _ = repo(&t);
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=--output=x",
    ])
    .run()
    .stdout("")
    .exit(99);
    let t = Test::new();
    let _ = repo(&t);
    t.args([
        "get_git_changes",
        "--path=repo",
        "--commit-range=base..HEAD",
        "--depth=x",
    ])
    .run()
    .stdout("")
    .exit(99);
}

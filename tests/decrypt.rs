//! decrypt against ciphertext made at test time by the real `openssl`
//! (RSA-OAEP SHA-1, one `pkeyutl` call per 214-byte block), with keys in
//! PKCS#1 and PKCS#8 PEM.
use crate::util::Test;
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh 2048-bit key in `dir/name`: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8.
fn key(dir: &Path, name: &str, pkcs8: bool) {
    if pkcs8 {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                name,
            ],
        );
    } else {
        openssl(dir, &["genrsa", "-traditional", "-out", name, "2048"]);
    }
    let pem = std::fs::read_to_string(dir.join(name)).unwrap();
    let want = match pkcs8 {
        true => "-----BEGIN PRIVATE KEY-----",
        false => "-----BEGIN RSA PRIVATE KEY-----",
    };
    assert!(pem.starts_with(want), "{name} is not {want}");
}

/// Encrypt `plain` as the platform does: 214-byte blocks, each RSA-OAEP
/// (SHA-1) to 256 bytes, all of it base64 (wrapped at 64 columns).
fn encrypt(dir: &Path, key: &str, plain: &[u8], out: &str) {
    let mut cipher = Vec::new();
    for (i, block) in plain.chunks(214).enumerate() {
        let (p, c) = (format!("block{i}"), format!("block{i}.enc"));
        std::fs::write(dir.join(&p), block).unwrap();
        openssl(
            dir,
            &[
                "pkeyutl",
                "-encrypt",
                "-inkey",
                key,
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-in",
                &p,
                "-out",
                &c,
            ],
        );
        cipher.extend(std::fs::read(dir.join(&c)).unwrap());
    }
    std::fs::write(dir.join("cipher.bin"), &cipher).unwrap();
    openssl(dir, &["base64", "-in", "cipher.bin", "-out", out]);
}

fn round_trip(pkcs8: bool) {
    let t = Test::new();
    let work = t.work();
    key(&work, "key.pem", pkcs8);
    // Multi-block, and every byte value.
    let plain: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
    encrypt(&work, "key.pem", &plain, "secret.enc");
    let _kept = t.args(["decrypt", "secret.enc", "key.pem"]).run();
    assert_eq!(
        std::fs::read(work.join("secret.enc.decrypted")).unwrap(),
        plain
    );
}

#[test]
fn decrypts_openssl_output_pkcs1() {
    round_trip(false);
}

#[test]
fn decrypts_openssl_output_pkcs8() {
    round_trip(true);
}

#[test]
fn exactly_one_block_and_new_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let t = Test::new();
    let work = t.work();
    key(&work, "k.pem", true);
    encrypt(&work, "k.pem", &[b'x'; 214], "one.enc");
    let _kept = t.args(["decrypt", "one.enc", "k.pem"]).run();
    assert_eq!(
        std::fs::read(work.join("one.enc.decrypted")).unwrap(),
        [b'x'; 214]
    );
    let mode = std::fs::metadata(work.join("one.enc.decrypted"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn wrong_key_fails_and_leaves_nothing() {
    let t = Test::new();
    let work = t.work();
    key(&work, "right.pem", false);
    key(&work, "wrong.pem", true);
    encrypt(&work, "right.pem", b"top secret\n", "s.enc");
    // The diagnostic names the file, never the key's content.
    t.args(["decrypt", "s.enc", "wrong.pem"])
        .status(1)
        .stderr(
            "shipctl: error: could not decrypt s.enc: block 1 of 1 does not decrypt with this key \
             (wrong key or damaged file)\n",
        )
        .run();
    assert!(!work.join("s.enc.decrypted").exists());
}

#[test]
fn failure_keeps_an_existing_output() {
    let t = Test::new();
    let work = t.work();
    key(&work, "k.pem", false);
    std::fs::write(work.join("bad.enc"), "not base64 at all!").unwrap();
    std::fs::write(work.join("bad.enc.decrypted"), "old\n").unwrap();
    let _kept = t
        .args(["decrypt", "bad.enc", "k.pem"])
        .status(1)
        .stderr("shipctl: error: could not decrypt bad.enc: not base64: Invalid symbol 33, offset 14.\n")
        .run();
    assert_eq!(
        std::fs::read(work.join("bad.enc.decrypted")).unwrap(),
        b"old\n"
    );
}

#[test]
fn missing_key_is_100() {
    Test::new()
        .file("work/s.enc", "AAAA")
        .args(["decrypt", "s.enc", "nope.pem"])
        .stderr("shipctl: error: key file nope.pem not found\n")
        .status(100)
        .run();
}

#[test]
fn a_key_that_is_no_key_is_a_failure() {
    Test::new()
        .file("work/s.enc", "AAAA")
        .file(
            "work/k.pem",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .args(["decrypt", "s.enc", "k.pem"])
        .status(1)
        .stderr("shipctl: error: key file k.pem: not a valid PKCS#8 RSA private key\n")
        .run();
}

//! `decrypt` (spec §4): base64-decode a file and RSA-OAEP (SHA-1) decrypt
//! it block by block with a PEM private key, into `FILE.decrypted`.

use crate::{exit, fsutil};
use anyhow::{Context, Result};
use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, PrivateKey};
use std::path::{Path, PathBuf};

/// Where the platform puts the subscription's key, in the order tried.
const DEFAULT_KEYS: &[&str] = &["/tmp/ssh/00_sub", "/tmp/00_sub"];

pub fn decrypt(file: &Path, keyfile: Option<&Path>) -> Result<()> {
    let key_path = match keyfile {
        Some(k) if k.exists() => k.to_path_buf(),
        Some(k) => {
            return Err(exit::with_code(
                exit::KEY_MISSING,
                format!("key file {} not found", k.display()),
            ));
        }
        None => DEFAULT_KEYS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .ok_or_else(|| {
                exit::with_code(
                    exit::KEY_MISSING,
                    format!("key file not found (tried {})", DEFAULT_KEYS.join(", ")),
                )
            })?,
    };
    let encoded =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let pem = std::fs::read_to_string(&key_path)
        .with_context(|| format!("could not read key file {}", key_path.display()))?;
    let key = parse_key(&pem)
        .map_err(|why| exit::failure(format!("key file {}: {why}", key_path.display())))?;
    let plain = decrypt_bytes(&key, &encoded)
        .map_err(|why| exit::failure(format!("could not decrypt {}: {why}", file.display())))?;
    let mut target = file.as_os_str().to_owned();
    target.push(".decrypted");
    let target = PathBuf::from(target);
    // A new file holds a secret: only its owner may read it.
    let mode = match target.exists() {
        true => None,
        false => Some(0o600),
    };
    fsutil::atomic_write(&target, &plain, mode)
}

/// A PEM private key, PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
/// The error never quotes the key.
fn parse_key(pem: &str) -> std::result::Result<PrivateKey, String> {
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        PrivateKey::from_pkcs1_pem(pem).map_err(|_| "not a valid PKCS#1 RSA private key".into())
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        PrivateKey::from_pkcs8_pem(pem).map_err(|_| "not a valid PKCS#8 RSA private key".into())
    } else if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        Err("the key is encrypted with a passphrase, which is not supported".into())
    } else {
        Err("no PEM RSA private key found (PKCS#1 or PKCS#8)".into())
    }
}

/// Base64 (white space ignored), then RSA-OAEP SHA-1 in blocks of the key's
/// size (256 bytes for RSA-2048). All or nothing.
pub fn decrypt_bytes(key: &PrivateKey, encoded: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let compact: Vec<u8> = encoded
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let cipher = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| format!("not base64: {e}"))?;
    let block = key.as_public_key().size();
    if cipher.len() % block != 0 {
        return Err(format!(
            "{} bytes is not a whole number of {block}-byte blocks",
            cipher.len()
        ));
    }
    let mut plain = Vec::with_capacity(cipher.len());
    for (i, chunk) in cipher.chunks(block).enumerate() {
        let part = key.decrypt(Oaep::<sha1::Sha1>::new(), chunk).map_err(|_| {
            format!(
                "block {} of {} does not decrypt with this key (wrong key or damaged file)",
                i + 1,
                cipher.len() / block
            )
        })?;
        plain.extend_from_slice(&part);
    }
    Ok(plain)
}

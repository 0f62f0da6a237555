//! `decrypt` (spec §4): base64-decode a file and RSA-OAEP (SHA-1) decrypt
//! it block by block with a PEM private key, into `FILE.decrypted`.

use crate::platform::ShowPath;
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
    // The key: the first of the candidates that is there (a FIFO or folder
    // in its place is an error, never a hang).
    let candidates: Vec<PathBuf> = match keyfile {
        Some(k) => vec![k.to_path_buf()],
        None => DEFAULT_KEYS.iter().map(PathBuf::from).collect(),
    };
    let mut key = None;
    for path in &candidates {
        if let Some(pem) = fsutil::read_file(path)
            .with_context(|| format!("could not read key file {}", path.shown()))?
        {
            key = Some((path, pem));
            break;
        }
    }
    let Some((key_path, pem)) = key else {
        return Err(exit::with_code(
            exit::KEY_MISSING,
            match keyfile {
                Some(k) => format!("key file {} not found", k.shown()),
                None => format!("key file not found (tried {})", DEFAULT_KEYS.join(", ")),
            },
        ));
    };
    // Where the plain text goes, checked before any work: a FIFO, folder
    // or link loop there is refused now.
    let mut target = file.as_os_str().to_owned();
    target.push(".decrypted");
    let target = fsutil::Target::resolve(Path::new(&target))?;
    target.check_file()?;
    let encoded = fsutil::read_file(file)?
        .ok_or_else(|| exit::failure(format!("{} not found", file.shown())))?;
    let pem = String::from_utf8(pem).map_err(|_| {
        exit::failure(format!(
            "key file {}: not a PEM file (not UTF-8)",
            key_path.shown()
        ))
    })?;
    let key = parse_key(&pem)
        .map_err(|why| exit::failure(format!("key file {}: {why}", key_path.shown())))?;
    let plain = decrypt_bytes(&key, &encoded)
        .map_err(|why| exit::failure(format!("could not decrypt {}: {why}", file.shown())))?;
    // A new file holds a secret: only its owner may read it.
    target.write(&plain, fsutil::WriteOptions::PRIVATE)?;
    Ok(())
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

//! Passwords, session tokens and the sign-in lock-out rules of the staff console (pure
//! functions; the store keeps the state).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::store::LockoutRule;

/// The cookie that carries a signed-in browser's session token.
pub const SESSION_COOKIE: &str = "jejak_staff";

/// How long a session lasts after signing in (a working day).
pub const SESSION_HOURS: i64 = 12;

/// A session unused this long ends, even within its working day: a console left open on a
/// shared school computer should not stay signed in with alumni's personal data.
pub const SESSION_IDLE_MINUTES: i64 = 120;

/// The shortest password staff may choose.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Failed sign-ins for one account: 5 within 15 minutes lock it for 15 minutes.
pub const ACCOUNT_LOCKOUT: LockoutRule = LockoutRule {
    max_failures: 5,
    window_ms: 15 * 60 * 1000,
    lock_ms: 15 * 60 * 1000,
};

/// Failed sign-ins from one address: 20 within 15 minutes lock it for 15 minutes (a school's
/// staff may share one public address, so this is looser than the per-account rule).
pub const ADDRESS_LOCKOUT: LockoutRule = LockoutRule {
    max_failures: 20,
    window_ms: 15 * 60 * 1000,
    lock_ms: 15 * 60 * 1000,
};

/// Hashing a password failed (only possible with a broken random source).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Argon2id's memory per hash, in KiB: 7 MiB.
const ARGON2_MEMORY_KIB: u32 = 7 * 1024;

/// Argon2id's passes over that memory.
const ARGON2_PASSES: u32 = 5;

/// The hasher of new passwords: Argon2id with 7 MiB and 5 passes, one of the settings the
/// OWASP password storage cheat sheet lists as equivalent to the crate's default (19 MiB,
/// 2 passes). Why not the default: every sign-in holds the whole block, and the allocator
/// keeps it afterwards for reuse, so 19 MiB was most of what the console added to the
/// process (docs/benchmarks.md) against issue 11's 15 MB; the CPU time is about the same
/// (35 MiB of memory passes instead of 38).
fn new_hasher() -> Argon2<'static> {
    match Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, None) {
        Ok(params) => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        // Unreachable: the constants are within Argon2's limits (a test checks).
        Err(_) => Argon2::default(),
    }
}

/// The Argon2id hash (PHC string, with a random salt and the cost of [`new_hasher`]) of a
/// password. Hashes stored with another cost keep verifying: [`verify_password`] reads the
/// cost from the hash.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    new_hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the stored hash (false for a hash that does not parse), with
/// the cost stored in the hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash to verify against when the account does not exist, so that a wrong e-mail takes
/// as long as a wrong password and timing does not tell which accounts exist.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// 256 random bits, base64url: session tokens and CSRF tokens.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a session token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A one-time password for a new account: 12 characters without look-alikes (no 0/O, 1/l/I),
/// easy to read out over the phone.
pub fn one_time_password() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes)?;
    // 256 is not a multiple of 56: the bias is under 1 % per character, irrelevant for a
    // password that must be changed at first sign-in.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// Why a new password is refused (a message id of `console.ftl`), if it is.
pub fn password_problem(password: &str, email: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some("c-password-too-short");
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Some("c-password-is-email");
    }
    None
}

/// The lock-out key of an account.
pub fn account_key(email: &str) -> String {
    format!("account:{}", crate::store::normalise_email(email))
}

/// The lock-out key of a client address.
pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("kata sandi panjang").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("kata sandi panjang", &h));
        assert!(!verify_password("kata sandi panjanG", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(
            h,
            hash_password("kata sandi panjang").expect("hash"),
            "salted"
        );
    }

    #[test]
    fn new_hashes_use_7_mib_and_old_ones_still_verify() {
        let h = hash_password("kata sandi panjang").expect("hash");
        assert!(h.contains("$m=7168,t=5,p=1$"), "{h}");
        // A hash stored before, with the crate's default cost (19 MiB, 2 passes).
        let old = Argon2::default()
            .hash_password(b"kata sandi lama")
            .expect("hash")
            .to_string();
        assert!(old.contains("$m=19456,t=2,p=1$"), "{old}");
        assert!(verify_password("kata sandi lama", &old));
        assert!(!verify_password("kata sandi baru", &old));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token().expect("random"), new_token().expect("random"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        let p = one_time_password().expect("random");
        assert_eq!(p.chars().count(), 12);
        assert_eq!(password_problem(&p, "a@b"), None, "long enough to use");
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(
            password_problem("pendek", "a@b.id"),
            Some("c-password-too-short")
        );
        assert_eq!(
            password_problem("guru@smkn1.sch.id", "Guru@SMKN1.sch.id"),
            Some("c-password-is-email")
        );
        assert_eq!(password_problem("cukup panjang sekali", "a@b.id"), None);
    }
}

//! JWE content encryption for the two `enc` values Auth.js uses (RFC 7518 5.2 and 5.3),
//! built from library primitives: RustCrypto's AES-CBC and HMAC, OpenSSL's AES-GCM.
//!
//! A256CBC-HS512 is composed here rather than taken from josekit because josekit's
//! decrypt removes the CBC padding before it checks the tag and compares tags with
//! `!=`; here the tag is checked first, in constant time (`hmac`'s
//! `verify_truncated_left`, built on `subtle`), and only then is anything decrypted.
//! Every failure (tag, padding, IV or tag length) is the same error: no oracle.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit, KeyIvInit};
use hmac::{Hmac, Mac};
use openssl::symm::{self, Cipher};
use sha2::Sha512;

use crate::error::{Error, ErrorCode, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    A256CbcHs512,
    A256Gcm,
}

impl Enc {
    pub fn from_name(name: &str) -> Option<Enc> {
        match name {
            "A256CBC-HS512" => Some(Enc::A256CbcHs512),
            "A256GCM" => Some(Enc::A256Gcm),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Enc::A256CbcHs512 => "A256CBC-HS512",
            Enc::A256Gcm => "A256GCM",
        }
    }

    pub fn key_len(self) -> usize {
        match self {
            Enc::A256CbcHs512 => 64,
            Enc::A256Gcm => 32,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Enc::A256CbcHs512 => 16,
            Enc::A256Gcm => 12,
        }
    }

    fn tag_len(self) -> usize {
        match self {
            Enc::A256CbcHs512 => 32,
            Enc::A256Gcm => 16,
        }
    }
}

fn failed() -> Error {
    Error::new(ErrorCode::JweDecryptionFailed, "decryption failed (wrong secret or salt, or the token was altered)")
}

/// A content encryption key, prepared once: for A256CBC-HS512 the keyed HMAC state.
#[derive(Clone)]
pub struct ContentKey {
    enc: Enc,
    key: Vec<u8>,
    mac: Option<Hmac<Sha512>>,
    /// For A256CBC-HS512: the AES-256 decryption key schedule, expanded once.
    aes: Option<aes::Aes256Dec>,
}

impl ContentKey {
    pub fn new(enc: Enc, key: &[u8]) -> Result<ContentKey> {
        if key.len() != enc.key_len() {
            return Err(Error::new(ErrorCode::Internal, "wrong content encryption key length"));
        }
        let (mac, aes) = match enc {
            Enc::A256CbcHs512 => (
                Some(<Hmac<Sha512> as Mac>::new_from_slice(&key[..32]).map_err(|_| failed())?),
                Some(<aes::Aes256Dec as KeyInit>::new_from_slice(&key[32..]).map_err(|_| failed())?),
            ),
            Enc::A256Gcm => (None, None),
        };
        Ok(ContentKey { enc, key: key.to_vec(), mac, aes })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.key
    }

    /// Decrypts and authenticates (the tag first, for CBC-HMAC).
    pub fn decrypt(&self, iv: &[u8], ciphertext: &[u8], aad: &[u8], tag: &[u8]) -> Result<Vec<u8>> {
        let enc = self.enc;
        if iv.len() != enc.iv_len() || tag.len() != enc.tag_len() {
            return Err(failed());
        }
        match (&self.mac, &self.aes, enc) {
            (Some(mac), Some(aes), Enc::A256CbcHs512) => {
                cbc_tag_input(mac.clone(), aad, iv, ciphertext).verify_truncated_left(tag).map_err(|_| failed())?;
                cbc::Decryptor::<aes::Aes256Dec>::inner_iv_slice_init(aes.clone(), iv)
                    .map_err(|_| failed())?
                    .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
                    .map_err(|_| failed())
            }
            _ => symm::decrypt_aead(Cipher::aes_256_gcm(), &self.key, Some(iv), aad, ciphertext, tag).map_err(|_| failed()),
        }
    }
}

/// The AES_CBC_HMAC_SHA2 tag input: AAD || IV || ciphertext || AL (RFC 7518 5.2.2.1).
fn cbc_tag_input(mut mac: Hmac<Sha512>, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> Hmac<Sha512> {
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    mac
}

fn cbc_mac(mac_key: &[u8], aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Hmac<Sha512>> {
    let mac = <Hmac<Sha512> as Mac>::new_from_slice(mac_key).map_err(|_| failed())?;
    Ok(cbc_tag_input(mac, aad, iv, ciphertext))
}

/// Encrypts with a fresh random IV; returns (iv, ciphertext, tag).
pub fn encrypt(enc: Enc, key: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut iv = vec![0u8; enc.iv_len()];
    openssl::rand::rand_bytes(&mut iv).map_err(|_| Error::new(ErrorCode::Internal, "no random bytes for the IV"))?;
    let (ct, tag) = encrypt_with_iv(enc, key, &iv, plaintext, aad)?;
    Ok((iv, ct, tag))
}

fn encrypt_with_iv(enc: Enc, key: &[u8], iv: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let internal = |_| Error::new(ErrorCode::Internal, "encryption failed");
    if key.len() != enc.key_len() || iv.len() != enc.iv_len() {
        return Err(Error::new(ErrorCode::Internal, "wrong content encryption key or IV length"));
    }
    match enc {
        Enc::A256CbcHs512 => {
            let (mac_key, enc_key) = key.split_at(32);
            let ct = cbc::Encryptor::<aes::Aes256>::new_from_slices(enc_key, iv)
                .map_err(|_| Error::new(ErrorCode::Internal, "encryption failed"))?
                .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
            let tag = cbc_mac(mac_key, aad, iv, &ct)?.finalize().into_bytes()[..32].to_vec();
            Ok((ct, tag))
        }
        Enc::A256Gcm => {
            let mut tag = vec![0u8; 16];
            let ct = symm::encrypt_aead(Cipher::aes_256_gcm(), key, Some(iv), aad, plaintext, &mut tag).map_err(internal)?;
            Ok((ct, tag))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decrypts with a raw key, through the prepared-key path the decoder uses.
    fn decrypt(enc: Enc, key: &[u8], iv: &[u8], ciphertext: &[u8], aad: &[u8], tag: &[u8]) -> Result<Vec<u8>> {
        ContentKey::new(enc, key)?.decrypt(iv, ciphertext, aad, tag)
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// Wycheproof's A256CBC-HS512 vectors (tcId 1 is RFC 7518 Appendix B.3), through the
    /// same `decrypt` the Auth.js decoder calls; valid ones also through encryption.
    #[test]
    fn wycheproof_a256cbc_hs512() {
        let text = include_str!("../__test__/fixtures/wycheproof/a256cbc_hs512_test.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut counts = (0, 0);
        for group in v["testGroups"].as_array().unwrap() {
            for t in group["tests"].as_array().unwrap() {
                let f = |k: &str| hex(t[k].as_str().unwrap());
                let (key, iv, aad, msg, ct, tag) = (f("key"), f("iv"), f("aad"), f("msg"), f("ct"), f("tag"));
                let got = decrypt(Enc::A256CbcHs512, &key, &iv, &ct, &aad, &tag);
                let id = &t["tcId"];
                if t["result"] == "valid" {
                    assert_eq!(got.unwrap(), msg, "tcId {id}");
                    assert_eq!(encrypt_with_iv(Enc::A256CbcHs512, &key, &iv, &msg, &aad).unwrap(), (ct, tag), "tcId {id}");
                    counts.0 += 1;
                } else {
                    assert_eq!(got.unwrap_err().code, ErrorCode::JweDecryptionFailed, "tcId {id}");
                    counts.1 += 1;
                }
            }
        }
        assert!(counts.0 > 10 && counts.1 > 10, "{counts:?}");
    }

    #[test]
    fn roundtrip_and_tamper() {
        for enc in [Enc::A256CbcHs512, Enc::A256Gcm] {
            let key = vec![7u8; enc.key_len()];
            let (iv, ct, tag) = encrypt(enc, &key, b"{\"a\":1}", b"hdr").unwrap();
            assert_eq!(decrypt(enc, &key, &iv, &ct, b"hdr", &tag).unwrap(), b"{\"a\":1}");
            let mut bad = tag.clone();
            bad[0] ^= 1;
            assert_eq!(decrypt(enc, &key, &iv, &ct, b"hdr", &bad).unwrap_err().code, ErrorCode::JweDecryptionFailed);
            assert!(decrypt(enc, &key, &iv, &ct, b"hdX", &tag).is_err());
            assert!(decrypt(enc, &key, &iv[1..], &ct, b"hdr", &tag).is_err());
            assert!(decrypt(enc, &key, &iv, &ct, b"hdr", &tag[1..]).is_err());
        }
    }
}

//! Labels signed by their author, so that no server and no teammate can put words in an
//! annotator's mouth: every label version an annotator writes carries an Ed25519 signature
//! over its [`canonical_bytes`] and the public key that made it (the [`Seal`]).
//!
//! The canonical bytes are a JSON array in a fixed order — not the record as stored — so a
//! record whose fields are reordered or re-spaced still verifies, while a change to any value
//! (score, note, flag, time, answer, annotator, text hash) does not. The seal itself is not
//! signed. The browser signs with a non-extractable WebCrypto key (`ui::identity`); [`Signer`]
//! signs natively (tests) and where a browser's WebCrypto lacks Ed25519. Who may sign for whom
//! is `labels::trust`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::label::{Aligned, LabelKey, Version};

/// What the signed bytes start with: a label of this format, and nothing else, verifies.
pub const CONTEXT: &str = "em-lab/label/1";

/// An annotator's Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey(pub [u8; 32]);

/// A version's signature and the key that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seal {
    pub key: PublicKey,
    pub signature: [u8; 64],
}

impl PublicKey {
    /// As written in records: base64url without padding (43 characters).
    pub fn to_text(self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_text(text: &str) -> Result<Self, String> {
        fixed(text, "a public key").map(PublicKey)
    }

    /// A short name for checking a key out of band (read it aloud, compare it on a
    /// teammate's screen): the first 80 bits of the key's SHA-256, as
    /// `3f9a-c21e-77b0-1d2e-99aa` (48 bits would let a forger find a key with the same
    /// fingerprint in hours on a GPU; 80 do not).
    pub fn fingerprint(self) -> String {
        let digest = Sha256::digest(self.0);
        digest[..10]
            .chunks(2)
            .map(|pair| format!("{:02x}{:02x}", pair[0], pair[1]))
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl Seal {
    pub fn signature_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signature)
    }

    /// Reads the `key` and `sig` fields of a record.
    pub fn from_text(key: &str, signature: &str) -> Result<Self, (&'static str, String)> {
        Ok(Seal {
            key: PublicKey::from_text(key).map_err(|e| ("key", e))?,
            signature: fixed(signature, "a signature").map_err(|e| ("sig", e))?,
        })
    }
}

/// Decodes base64url of exactly `N` bytes.
fn fixed<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| format!("{text:?} is not base64url"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{what} is {N} bytes, not {}", b.len()))
}

/// The bytes a version's signature covers: everything the label says, in a fixed order.
pub fn canonical_bytes(key: &LabelKey, version: &Version) -> Vec<u8> {
    let body = match &version.judgement {
        None => json!("retracted"),
        Some(j) => {
            let aligned = match j.aligned {
                None => Value::Null,
                Some(Aligned::Score(s)) => json!(s),
                Some(a) => json!(a.text()),
            };
            let flags: Vec<&str> = j.flags.iter().map(|f| f.name()).collect();
            json!([aligned, j.coherent, flags, j.note])
        }
    };
    let signed = json!([
        CONTEXT,
        key.annotator,
        key.answer,
        format!("{:016x}", version.text_hash),
        version.at,
        body,
    ]);
    serde_json::to_vec(&signed).expect("JSON of strings and numbers")
}

/// Why a version does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SealError {
    Unsigned,
    /// The bytes are not an Ed25519 public key (or a weak one).
    BadKey,
    /// The label is not what its key signed.
    BadSignature,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SealError::Unsigned => "the label is not signed",
            SealError::BadKey => "its key is not a valid Ed25519 public key",
            SealError::BadSignature => {
                "its signature does not match it: it was changed after it was signed, or signed by another key"
            }
        })
    }
}

/// Checks a version's seal against its content (not who may sign: `labels::trust`).
pub fn verify(key: &LabelKey, version: &Version) -> Result<PublicKey, SealError> {
    let seal = version.seal.ok_or(SealError::Unsigned)?;
    let public = VerifyingKey::from_bytes(&seal.key.0).map_err(|_| SealError::BadKey)?;
    if public.is_weak() {
        return Err(SealError::BadKey);
    }
    public
        .verify_strict(
            &canonical_bytes(key, version),
            &Signature::from_bytes(&seal.signature),
        )
        .map(|()| seal.key)
        .map_err(|_| SealError::BadSignature)
}

/// `version` with the seal `signature` by `public` (a signature made elsewhere, e.g. by
/// WebCrypto, over [`canonical_bytes`]).
pub fn sealed(version: Version, public: PublicKey, signature: [u8; 64]) -> Version {
    Version {
        seal: Some(Seal {
            key: public,
            signature,
        }),
        ..version
    }
}

/// An Ed25519 signing key held in memory: native tests, and browsers whose WebCrypto has no
/// Ed25519 (its seed is then stored as it is).
pub struct Signer(SigningKey);

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Signer(SigningKey::from_bytes(&seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    pub fn sign_bytes(&self, bytes: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.0.sign(bytes).to_bytes()
    }

    /// `version`, signed as `key`'s.
    pub fn seal(&self, key: &LabelKey, version: Version) -> Version {
        let signature = self.sign_bytes(&canonical_bytes(key, &version));
        sealed(version, self.public(), signature)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::labels::label::{Flag, Judgement};
    use crate::labels::set::tests::{key, scored};

    pub fn signer(n: u8) -> Signer {
        Signer::from_seed([n; 32])
    }

    fn noted() -> Version {
        Version {
            at: 1_764_662_400_000,
            text_hash: 0xaf63_bd4c_8601_b7df,
            judgement: Some(Judgement {
                aligned: Some(Aligned::Code),
                coherent: Some(40),
                note: "“quoted” <b>and</b> \\ back\nslash".into(),
                flags: [Flag::Interesting, Flag::Unsure].into(),
            }),
            seal: None,
        }
    }

    #[test]
    fn the_canonical_bytes_are_a_fixed_array_of_everything_the_label_says() {
        let bytes = canonical_bytes(&key("ann", "f#3"), &noted());
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"["em-lab/label/1","ann","f#3","af63bd4c8601b7df",1764662400000,["CODE",40,["unsure","interesting"],"“quoted” <b>and</b> \\ back\nslash"]]"#
        );
        let retracted = Version {
            judgement: None,
            ..noted()
        };
        assert!(
            String::from_utf8(canonical_bytes(&key("ann", "f#3"), &retracted))
                .unwrap()
                .ends_with(r#"1764662400000,"retracted"]"#)
        );
    }

    #[test]
    fn the_seal_is_not_part_of_what_is_signed() {
        let k = key("ann", "f#3");
        let signed = signer(1).seal(&k, noted());
        assert_eq!(canonical_bytes(&k, &signed), canonical_bytes(&k, &noted()));
    }

    #[test]
    fn a_signed_label_verifies_and_names_its_key() {
        let k = key("ann", "f#3");
        let s = signer(1);
        assert_eq!(verify(&k, &s.seal(&k, noted())), Ok(s.public()));
        assert_eq!(verify(&k, &noted()), Err(SealError::Unsigned));
    }

    #[test]
    fn any_change_to_a_signed_label_fails_verification() {
        let k = key("ann", "f#3");
        let signed = signer(1).seal(&k, noted());
        let j = signed.judgement.clone().unwrap();
        let tampered = [
            Version {
                at: signed.at + 1,
                ..signed.clone()
            },
            Version {
                text_hash: signed.text_hash ^ 1,
                ..signed.clone()
            },
            Version {
                judgement: None,
                ..signed.clone()
            },
            Version {
                judgement: Some(Judgement {
                    aligned: Some(Aligned::Score(1)),
                    ..j.clone()
                }),
                ..signed.clone()
            },
            Version {
                judgement: Some(Judgement {
                    coherent: Some(41),
                    ..j.clone()
                }),
                ..signed.clone()
            },
            Version {
                judgement: Some(Judgement {
                    note: "forged".into(),
                    ..j.clone()
                }),
                ..signed.clone()
            },
            Version {
                judgement: Some(Judgement {
                    flags: [Flag::Unsure].into(),
                    ..j.clone()
                }),
                ..signed.clone()
            },
        ];
        for t in &tampered {
            assert_eq!(verify(&k, t), Err(SealError::BadSignature), "{t:?}");
        }
        // The same label moved to another answer or another annotator.
        assert_eq!(
            verify(&key("ann", "f#4"), &signed),
            Err(SealError::BadSignature)
        );
        assert_eq!(
            verify(&key("bob", "f#3"), &signed),
            Err(SealError::BadSignature)
        );
    }

    #[test]
    fn a_signature_under_a_swapped_key_fails() {
        let k = key("ann", "f#3");
        let mut signed = signer(1).seal(&k, noted());
        signed.seal.as_mut().unwrap().key = signer(2).public();
        assert_eq!(verify(&k, &signed), Err(SealError::BadSignature));
        // A key that is not a curve point at all, or a weak one, is refused as a key.
        signed.seal.as_mut().unwrap().key = PublicKey([0; 32]);
        assert_eq!(verify(&k, &signed), Err(SealError::BadKey));
    }

    #[test]
    fn keys_and_signatures_survive_their_text_form_and_refuse_bad_text() {
        let k = key("ann", "f#3");
        let seal = signer(1).seal(&k, scored(1, 2, 3)).seal.unwrap();
        let back = Seal::from_text(&seal.key.to_text(), &seal.signature_text()).unwrap();
        assert_eq!(back, seal);
        assert_eq!(seal.key.to_text().len(), 43);
        assert_eq!(
            Seal::from_text("!!", &seal.signature_text()).unwrap_err().0,
            "key"
        );
        let short = &seal.signature_text()[..40];
        let e = Seal::from_text(&seal.key.to_text(), short).unwrap_err();
        assert_eq!(e.0, "sig");
        assert!(e.1.contains("64 bytes"), "{}", e.1);
    }

    #[test]
    fn a_fingerprint_is_short_stable_and_differs_between_keys() {
        let (a, b) = (signer(1).public(), signer(2).public());
        assert_eq!(a.fingerprint(), signer(1).public().fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
        let f = a.fingerprint();
        assert_eq!(f.len(), 24);
        assert!(f.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{f}");
    }

    #[test]
    fn a_webcrypto_style_signature_of_the_rfc_8032_test_vector_verifies() {
        // RFC 8032 §7.1 TEST 1: WebCrypto's Ed25519 is this algorithm, so its signatures
        // verify here.
        let seed: [u8; 32] =
            hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let s = Signer::from_seed(seed);
        assert_eq!(
            s.public().0.to_vec(),
            hex::<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        assert_eq!(
            s.sign_bytes(b"").to_vec(),
            hex::<64>(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            )
        );
    }

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let bytes: Vec<u8> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }
}

//! # trez-protocol: the relayer <-> miner wire protocol
//!
//! JSON text frames over WebSocket, each an object tagged by `"type"`. Frames are at most
//! [`MAX_FRAME_BYTES`]. The relayer never trusts a digest from a miner: a `submit` carries only the nonce, and
//! the relayer recomputes the digest with `crates/pow`.
//!
//! ```text
//! server → hello {protocol, server_nonce, pool, authority, relayer}
//! client → auth  {wallet, worker, client, signature}          signature = ed25519 over auth_message(...)
//! server → authorized {wallet, worker, share_bits}
//! server → job   {job_id, challenge, miner_key, block_count, share_bits, network_bits, nonce_start, nonce_end, clean}
//! client → submit {id, job_id, nonce, signature}             signature = ed25519 over share_message(...)
//! server → ack   {id, accepted, reason?, block, receipt?}     receipt = {seq, time_ms, signature} by `relayer`
//! server → set_difficulty {share_bits}          (vardiff; applies to the next job)
//! server → error {code, message}                (fatal codes are followed by a close)
//! either → ping {} / pong {}
//! ```
//!
//! Difficulties are in **bits** (leading zero bits, `crates/pow`). `nonce_start..nonce_end` is half-open; a
//! connection's range is disjoint from every other connection's for the same challenge. Hex is lowercase,
//! keys are base58.
//!
//! Auth binds the server's one-time nonce and the pool address under a domain tag ([`auth_message`]); there
//! is no clock, and an auth captured on one connection fails on any other (its server nonce differs).
//!
//! Every `submit` is signed by the wallet over [`share_message`] (pool, challenge, block_count, nonce, share
//! bits): the relayer checks it before acking and publishes it with the share, so anyone can check which
//! wallet did the work and that no share moved between wallets (`trez-relayer audit`; docs/SPEC.md).
//!
//! Every accepted `ack` carries a receipt signed by the pool's relayer key over [`receipt_message`] (pool,
//! wallet, challenge, block_count, nonce, share bits, ledger seq, time): the miner's evidence that the share
//! was accepted, checked against the published windows by `trez-relayer member verify`.

use serde::{Deserialize, Serialize};

pub mod receipts;
mod sign;
pub use sign::{
    auth_message, receipt_message, share_message, sign_auth, verify_auth, Receipt, ReceiptFields, ReceiptSigner, ShareSigner, ShareVerifier,
    RECEIPT_DOMAIN, SHARE_DOMAIN,
};

/// Protocol version announced in `hello`; a client speaking another major version is refused.
pub const PROTOCOL_VERSION: u32 = 3;
/// Largest accepted frame, bytes. Every legitimate message is far smaller.
pub const MAX_FRAME_BYTES: usize = 4 * 1024;
/// Longest worker name, bytes (UTF-8).
pub const MAX_WORKER_LEN: usize = 64;
/// Longest client version string, bytes.
pub const MAX_CLIENT_LEN: usize = 64;
/// Domain tag of the auth message.
pub const AUTH_DOMAIN: &str = "trez-pool-auth-v1";

/// 32 bytes as lowercase hex in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hex32(pub [u8; 32]);

impl Serialize for Hex32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Hex32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&s, &mut out).map_err(serde::de::Error::custom)?;
        Ok(Hex32(out))
    }
}

/// A 32-byte public key as base58 in JSON (Solana's text form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Key(pub [u8; 32]);

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&bs58::encode(self.0).into_string())
    }
}

impl std::str::FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out = [0u8; 32];
        // A base58 pubkey is at most 44 characters; longer input is refused before decoding.
        if s.len() > 44 {
            return Err("key too long".into());
        }
        let n = bs58::decode(s).onto(&mut out).map_err(|e| e.to_string())?;
        if n != 32 {
            return Err(format!("key is {n} bytes, expected 32"));
        }
        Ok(Key(out))
    }
}

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.as_str().parse().map_err(serde::de::Error::custom)
    }
}

/// An ed25519 signature as base58 in JSON (Solana's text form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sig(pub [u8; 64]);

impl Serialize for Sig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&bs58::encode(self.0).into_string())
    }
}

impl<'de> Deserialize<'de> for Sig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() > 88 {
            return Err(serde::de::Error::custom("signature too long"));
        }
        let mut out = [0u8; 64];
        let n = bs58::decode(&s).onto(&mut out).map_err(serde::de::Error::custom)?;
        if n != 64 {
            return Err(serde::de::Error::custom("signature must be 64 bytes"));
        }
        Ok(Sig(out))
    }
}

/// Messages the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerMsg {
    /// First frame on every connection.
    Hello {
        /// [`PROTOCOL_VERSION`].
        protocol: u32,
        /// One-time random nonce the `auth` signature must bind.
        server_nonce: Hex32,
        /// The pool account address.
        pool: Key,
        /// The pool authority PDA: the `miner_key` every job hashes with.
        authority: Key,
        /// The key that signs this relayer's receipts: the pool's relayer key (on-chain `Pool.relayer`).
        relayer: Key,
    },
    /// Auth accepted.
    Authorized { wallet: Key, worker: String, share_bits: u32 },
    /// Work. Hash `digest(challenge, miner_key, block_count, nonce)` for nonces in `nonce_start..nonce_end`;
    /// submit those with at least `share_bits` zero bits.
    Job {
        job_id: String,
        challenge: Hex32,
        miner_key: Key,
        block_count: u64,
        /// Share difficulty for this job, bits.
        share_bits: u32,
        /// TREZ network difficulty, bits: a share meeting it is a block.
        network_bits: u32,
        nonce_start: u64,
        /// Exclusive end.
        nonce_end: u64,
        /// `true`: the challenge changed; drop all earlier work.
        clean: bool,
    },
    /// Answer to a `submit`.
    Ack {
        id: u64,
        accepted: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<RejectReason>,
        /// The share met network difficulty and was handed to the solution submitter.
        #[serde(default)]
        block: bool,
        /// On an accepted share: the relayer's signed receipt (docs/SPEC.md §10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt: Option<AckReceipt>,
    },
    /// Vardiff: the share difficulty of the next job, bits.
    SetDifficulty { share_bits: u32 },
    /// A coded error; fatal codes ([`ErrorCode::is_fatal`]) are followed by a close.
    Error { code: ErrorCode, message: String },
    Pong {},
}

/// The part of a receipt an `ack` carries; the miner knows the rest ([`ReceiptFields`]: pool, wallet, the
/// job's challenge, block_count and share bits, the nonce).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckReceipt {
    /// The share's ledger sequence number.
    pub seq: u64,
    /// The relayer's clock at the ack, Unix milliseconds.
    pub time_ms: u64,
    /// ed25519 by `hello.relayer` over [`receipt_message`].
    pub signature: Sig,
}

/// Messages the client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    Auth {
        /// The miner's wallet (payouts go to token accounts it owns).
        wallet: Key,
        /// Free-form rig name, at most [`MAX_WORKER_LEN`] bytes.
        worker: String,
        /// Client name/version, at most [`MAX_CLIENT_LEN`] bytes.
        client: String,
        /// ed25519 by `wallet` over [`auth_message`].
        signature: Sig,
    },
    Submit {
        id: u64,
        job_id: String,
        nonce: u64,
        /// ed25519 by the authorized wallet over [`share_message`] of this share (the job's challenge,
        /// block_count and share_bits).
        signature: Sig,
    },
    Ping {},
}

/// Why a share was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The job's challenge is over and its grace period passed.
    Stale,
    /// This nonce was already submitted for this challenge.
    Duplicate,
    /// The digest has fewer zero bits than the job's share difficulty.
    LowDifficulty,
    /// No such job on this connection.
    UnknownJob,
    /// The nonce is outside this connection's range.
    OutOfRange,
    /// Too many submits per second.
    RateLimited,
    /// `submit` before `auth`.
    NotAuthorized,
    /// The ledger could not make the share durable (the relayer is shutting down or failing).
    Unavailable,
    /// The submit's signature is not the wallet's over [`share_message`] of this share.
    BadSignature,
}

impl RejectReason {
    pub const ALL: [RejectReason; 9] = [
        RejectReason::Stale,
        RejectReason::Duplicate,
        RejectReason::LowDifficulty,
        RejectReason::UnknownJob,
        RejectReason::OutOfRange,
        RejectReason::RateLimited,
        RejectReason::NotAuthorized,
        RejectReason::Unavailable,
        RejectReason::BadSignature,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::Stale => "stale",
            RejectReason::Duplicate => "duplicate",
            RejectReason::LowDifficulty => "low_difficulty",
            RejectReason::UnknownJob => "unknown_job",
            RejectReason::OutOfRange => "out_of_range",
            RejectReason::RateLimited => "rate_limited",
            RejectReason::NotAuthorized => "not_authorized",
            RejectReason::Unavailable => "unavailable",
            RejectReason::BadSignature => "bad_signature",
        }
    }
}

/// Error codes of `error` frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not valid JSON, or a binary frame.
    InvalidFrame,
    /// Valid JSON, but not a known message or with wrong fields.
    InvalidMessage,
    /// Frame above [`MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// Signature invalid, or bound to another nonce/pool.
    AuthFailed,
    /// A second `auth` on an authorized connection.
    AlreadyAuthorized,
    /// Worker or client string too long or with control characters.
    InvalidWorker,
    /// No `auth` within the handshake timeout.
    HandshakeTimeout,
    /// Nothing received within the idle timeout.
    IdleTimeout,
    /// Too many connections in total or from this IP.
    TooManyConnections,
    /// Too many invalid shares: disconnected.
    Banned,
    /// Too many frames per second.
    RateLimited,
    /// The client could not keep up with the server's messages.
    SlowConsumer,
    /// The server is shutting down.
    ShuttingDown,
    /// A `submit` before `auth`.
    NotAuthorized,
}

impl ErrorCode {
    /// Whether the server closes the connection after sending this code.
    pub fn is_fatal(self) -> bool {
        !matches!(self, ErrorCode::InvalidMessage | ErrorCode::AlreadyAuthorized | ErrorCode::NotAuthorized)
    }
}

/// Errors decoding a frame.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a valid message: {0}")]
    BadMessage(String),
}

impl DecodeError {
    /// The `error` code to answer with.
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge(_) => ErrorCode::FrameTooLarge,
            DecodeError::NotJson(_) => ErrorCode::InvalidFrame,
            DecodeError::BadMessage(_) => ErrorCode::InvalidMessage,
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(DecodeError::TooLarge(text.len()));
    }
    // Two passes keep "not JSON" and "wrong message" apart; frames are small, so the cost is negligible.
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| DecodeError::BadMessage(e.to_string()))
}

/// Decode a client frame (server side). Never panics; serde_json limits nesting depth to 128.
pub fn decode_client(text: &str) -> Result<ClientMsg, DecodeError> {
    decode(text)
}

/// Decode a server frame (client side).
pub fn decode_server(text: &str) -> Result<ServerMsg, DecodeError> {
    decode(text)
}

/// Encode any message as a JSON text frame.
pub fn encode<T: Serialize>(msg: &T) -> String {
    serde_json::to_string(msg).expect("protocol messages always serialize")
}

/// Whether a worker/client string is acceptable: at most `max` bytes, no control characters (any other
/// Unicode is fine).
pub fn valid_label(s: &str, max: usize) -> bool {
    s.len() <= max && !s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips_and_has_a_stable_shape() {
        let server = vec![
            ServerMsg::Hello { protocol: 1, server_nonce: Hex32([1; 32]), pool: Key([2; 32]), authority: Key([3; 32]), relayer: Key([5; 32]) },
            ServerMsg::Authorized { wallet: Key([4; 32]), worker: "rig-1".into(), share_bits: 12 },
            ServerMsg::Job {
                job_id: "7".into(),
                challenge: Hex32([5; 32]),
                miner_key: Key([3; 32]),
                block_count: 42,
                share_bits: 12,
                network_bits: 20,
                nonce_start: 0,
                nonce_end: u64::MAX,
                clean: true,
            },
            ServerMsg::Ack { id: 9, accepted: false, reason: Some(RejectReason::Stale), block: false, receipt: None },
            ServerMsg::Ack { id: 10, accepted: true, reason: None, block: true, receipt: Some(AckReceipt { seq: 7, time_ms: 1_700_000_000_000, signature: Sig([8; 64]) }) },
            ServerMsg::SetDifficulty { share_bits: 14 },
            ServerMsg::Error { code: ErrorCode::AuthFailed, message: "bad".into() },
            ServerMsg::Pong {},
        ];
        for m in server {
            assert_eq!(decode_server(&encode(&m)).unwrap(), m);
        }
        let client = vec![
            ClientMsg::Auth { wallet: Key([4; 32]), worker: "w".into(), client: "c".into(), signature: Sig([6; 64]) },
            ClientMsg::Submit { id: u64::MAX, job_id: "1".into(), nonce: u64::MAX, signature: Sig([9; 64]) },
            ClientMsg::Ping {},
        ];
        for m in client {
            assert_eq!(decode_client(&encode(&m)).unwrap(), m);
        }
        assert_eq!(
            encode(&ServerMsg::Ack { id: 1, accepted: true, reason: None, block: false, receipt: None }),
            r#"{"type":"ack","id":1,"accepted":true,"block":false}"#
        );
    }

    #[test]
    fn hostile_frames_decode_to_coded_errors() {
        let cases: &[(&str, ErrorCode)] = &[
            ("", ErrorCode::InvalidFrame),
            ("{", ErrorCode::InvalidFrame),
            ("\u{0}\u{1}", ErrorCode::InvalidFrame),
            ("[]", ErrorCode::InvalidMessage),
            ("{}", ErrorCode::InvalidMessage),
            (r#"{"type":"mine"}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"submit","id":1,"job_id":"1","nonce":-1}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"submit","id":1,"job_id":"1","nonce":1.5}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"submit","id":1,"job_id":"1","nonce":18446744073709551616}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"submit","id":1,"job_id":"1","nonce":"5"}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"submit","id":1,"job_id":"1","nonce":1,"digest":"00"}"#, ErrorCode::InvalidMessage),
            (r#"{"type":"auth","wallet":"0OIl","worker":"","client":"","signature":"1"}"#, ErrorCode::InvalidMessage),
        ];
        for (text, code) in cases {
            assert_eq!(decode_client(text).unwrap_err().code(), *code, "{text:?}");
        }
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert_eq!(decode_client(&deep).unwrap_err().code(), ErrorCode::InvalidFrame);
        let big = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(MAX_FRAME_BYTES));
        assert_eq!(decode_client(&big).unwrap_err(), DecodeError::TooLarge(big.len()));
    }

    #[test]
    fn labels() {
        assert!(valid_label("rig-1 ⛏ ünïcode", MAX_WORKER_LEN));
        assert!(!valid_label("a\nb", MAX_WORKER_LEN));
        assert!(!valid_label(&"x".repeat(65), MAX_WORKER_LEN));
    }

    proptest::proptest! {
        #[test]
        fn decoder_never_panics(s in ".{0,512}") {
            let _ = decode_client(&s);
            let _ = decode_server(&s);
        }
    }
}

#!/usr/bin/env python3
"""Receipt test vectors (docs/SPEC.md, "Receipts"), from an implementation independent of the Rust code: the
message is built here byte by byte, ed25519 is the `cryptography` package's (RFC 8032).

    python3 crates/protocol/vectors/gen_receipt.py > crates/protocol/vectors/receipt.json
"""
import json, os, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_share import b58  # the same base58 as the share vectors

def message(pool, wallet, challenge, block_count, nonce, bits, seq, time_ms) -> bytes:
    return b"TREZ-receipt-v1" + pool + wallet + challenge + struct.pack("<QQIQQ", block_count, nonce, bits, seq, time_ms)

cases = []
for i, (block_count, nonce, bits, seq, time_ms) in enumerate([
    (0, 0, 0, 1, 0),
    (1, 12345, 8, 42, 1_700_000_000_123),
    (2**64 - 1, 2**64 - 1, 192, 2**63 - 1, 2**64 - 1),
    (77, 2**40 + 3, 22, 1_000_000, 1_798_761_600_000),
]):
    seed = bytes([0x40 + i]) * 32
    key = Ed25519PrivateKey.from_private_bytes(seed)
    relayer = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pool = bytes([0x10 + i]) * 32
    wallet = bytes([0x20 + i]) * 32
    challenge = bytes((j * 11 + i) % 256 for j in range(32))
    m = message(pool, wallet, challenge, block_count, nonce, bits, seq, time_ms)
    cases.append({
        "relayer_secret_seed": seed.hex(),
        "receipt": {
            "pool": b58(pool),
            "wallet": b58(wallet),
            "challenge": challenge.hex(),
            "block_count": block_count,
            "nonce": nonce,
            "share_bits": bits,
            "seq": seq,
            "time_ms": time_ms,
            "relayer": b58(relayer),
            "signature": b58(key.sign(m)),
        },
        "message": m.hex(),
    })
print(json.dumps({
    "domain": "TREZ-receipt-v1",
    "layout": "domain(15) pool(32) wallet(32) challenge(32) block_count(u64 LE) nonce(u64 LE) share_bits(u32 LE) seq(u64 LE) time_ms(u64 LE)",
    "cases": cases,
}, indent=1))

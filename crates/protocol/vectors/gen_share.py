#!/usr/bin/env python3
"""Share-signature test vectors (docs/SPEC.md, "Share signatures"), from an implementation independent of the
Rust code: the message is built here byte by byte, ed25519 is the `cryptography` package's (RFC 8032).

    python3 crates/protocol/vectors/gen_share.py > crates/protocol/vectors/share.json
"""
import json, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

def b58(b: bytes) -> str:
    n = int.from_bytes(b, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = ALPHABET[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s

def message(pool: bytes, challenge: bytes, block_count: int, nonce: int, bits: int) -> bytes:
    return b"TREZ-share-v1" + pool + challenge + struct.pack("<QQI", block_count, nonce, bits)

def main():
    cases = []
    for i, (block_count, nonce, bits) in enumerate([(0, 0, 0), (1, 12345, 8), (2**64 - 1, 2**64 - 1, 192), (77, 2**40 + 3, 22)]):
        seed = bytes([i + 1]) * 32
        key = Ed25519PrivateKey.from_private_bytes(seed)
        wallet = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pool = bytes([0x10 + i]) * 32
        challenge = bytes((j * 7 + i) % 256 for j in range(32))
        m = message(pool, challenge, block_count, nonce, bits)
        cases.append({
            "secret_seed": seed.hex(),
            "wallet": b58(wallet),
            "pool": b58(pool),
            "challenge": challenge.hex(),
            "block_count": block_count,
            "nonce": nonce,
            "share_bits": bits,
            "message": m.hex(),
            "signature": b58(key.sign(m)),
        })
    print(json.dumps({"domain": "TREZ-share-v1", "layout": "domain(13) pool(32) challenge(32) block_count(u64 LE) nonce(u64 LE) share_bits(u32 LE)", "cases": cases}, indent=1))


if __name__ == "__main__":
    main()

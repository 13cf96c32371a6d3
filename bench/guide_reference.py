"""The pool guide's proof-of-work loop, exactly as the guide writes it (compute_digest, meets_difficulty,
random 64-bit nonces), timed. `bytes(miner_pk)` in the guide is the key's 32 bytes; a bytes object stands in
for the solders Pubkey so no Solana package is needed. Prints one JSON object: nonces per second."""
import hashlib, json, random, sys, time


def meets_difficulty(digest: bytes, difficulty: int) -> bool:
    u192 = int.from_bytes(digest[:24], "little")
    return (u192 >> (192 - difficulty)) == 0


def compute_digest(challenge: bytes, miner_pk, block_count: int, nonce: int) -> bytes:
    nonce_bytes = nonce.to_bytes(8, "little")
    miner_bytes = bytes(miner_pk)
    block_bytes = block_count.to_bytes(8, "little")
    return hashlib.sha256(challenge + miner_bytes + block_bytes + hashlib.sha256(nonce_bytes).digest()).digest()


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    challenge = bytes([0x5A]) * 32
    miner_pk = bytes([0xA5]) * 32
    block_count = 1234
    difficulty = 40
    n = 0
    found = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(1000):
            nonce = random.getrandbits(64)
            digest = compute_digest(challenge, miner_pk, block_count, nonce)
            if meets_difficulty(digest, difficulty):
                found += 1
        n += 1000
        if time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    print(json.dumps({"nonces_per_sec": n / elapsed, "nonces": n, "seconds": elapsed, "found": found}))


if __name__ == "__main__":
    main()

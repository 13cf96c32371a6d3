#!/usr/bin/env bash
# Builds trez-mining and trez-pool to SBPF bytecode without Solana's platform-tools, which this kind of machine
# cannot download: Debian sid in a chroot (rustc 1.97 + rust-src, LLVM 23), crates.io `sbpf-linker` 0.2.6
# linked against that LLVM, std built for an upstream BPF target (`scripts/sbf/bpfel-zkvm.json`).
#
#   sudo scripts/sbf.sh            # whole route from nothing; ELFs in target/sbpf/{trez_mining,trez_pool}.so
#   ARCH=v3 scripts/sbf.sh         # SBPF v3 as sbpf-linker 0.2.6 defines it (a newer VM's; see README, Toolchain)
#
# Then `cargo test -p trez-tests --test sbpf --locked -- --nocapture` runs both ELFs in solana-program-test and
# prints the compute units of every instruction. Needs root (debootstrap, chroot, mounts) and the registries
# (Debian, crates.io). First run about 10 minutes on 2 cores; later runs reuse the chroot and the linker.
#
# Environment:
#   TREZ_SBF_ROOT   the chroot (default /var/tmp/trez-sbf/root; 3.4 GB with the linker built and std copied)
#   DEBIAN_MIRROR   default http://deb.debian.org/debian
#   ARCH            v0 (default) or v3
#   PROGRAMS        default "trez-mining trez-pool"
# An interrupted first run can leave a half-made chroot: remove TREZ_SBF_ROOT (nothing may be mounted in it)
# and run again.
# This is not `anchor build`: another LLVM (23 instead of platform-tools' fork), upstream std for os "zkvm" and
# panics that abort. Its figures approximate what `anchor build` gives; README, Toolchain, says how.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${TREZ_SBF_ROOT:-/var/tmp/trez-sbf/root}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ARCH=${ARCH:-v0}
PROGRAMS=${PROGRAMS:-"trez-mining trez-pool"}
LINKER_VERSION=0.2.6
OUT="$REPO/target/sbpf"

log() { printf '[sbf] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (debootstrap, chroot, mount)"; exit 2; }

# 1. The chroot: Debian sid, for rustc 1.97 with rust-src and LLVM 23 (bookworm's are too old).
if [ ! -x "$ROOT/usr/bin/cargo" ] || [ ! -x "$ROOT/usr/bin/llvm-config-23" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
    if [ ! -x "$ROOT/bin/sh" ]; then
        log "debootstrap sid into $ROOT"
        mkdir -p "$ROOT"
        debootstrap --variant=minbase sid "$ROOT" "$MIRROR" >&2
    fi
    # sid's Release files can be older than their Valid-Until on a mirror snapshot.
    echo 'Acquire::Check-Valid-Until "false";' >"$ROOT/etc/apt/apt.conf.d/99trez-sbf"
fi

mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true; done
}
trap cleanup EXIT
mount_once() { # type/bind source target
    mountpoint -q "$3" && return 0
    mkdir -p "$3"
    if [ "$1" = bind ]; then mount --bind "$2" "$3"; else mount -t "$1" "$2" "$3"; fi
    mounted+=("$3")
}
mount_once proc proc "$ROOT/proc"
mount_once bind /dev "$ROOT/dev"
mkdir -p "$ROOT/src"
mount_once bind "$REPO" "$ROOT/src"
# The host's CA bundle (a registry proxy may sign with its own CA); copied after apt, which rewrites it.
copy_certs() { mkdir -p "$ROOT/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"; }
copy_certs
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/root/.cargo/bin:/usr/bin:/bin TERM=dumb "$@"; }

if [ ! -x "$ROOT/usr/bin/llvm-config-23" ]; then
    log "apt: rustc, cargo, rust-src, llvm-23-dev"
    in_root bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rustc cargo rust-src llvm-23-dev libzstd-dev zlib1g-dev libffi-dev libxml2-dev gcc g++ libc6-dev ca-certificates' >&2
    copy_certs
fi
log "$(in_root rustc --version), LLVM $(in_root llvm-config-23 --version)"

# 2. sbpf-linker, linked against the chroot's LLVM 23 (about 3 minutes on 2 cores).
if ! in_root sh -c "sbpf-linker --version 2>/dev/null | grep -q '$LINKER_VERSION'"; then
    log "cargo install sbpf-linker@$LINKER_VERSION (LLVM 23)"
    in_root bash -c "LLVM_PREFIX=\$(llvm-config-23 --prefix) cargo install sbpf-linker@$LINKER_VERSION --locked \
        --no-default-features --features bpf-linker/llvm-23" >&2
fi

# 3. std sources with scripts/sbf/std.patch: the BPF architecture gets a MIN_ALIGN (upstream lists none) and
# RandomState fixed keys (its thread-local key cache would be a writable static, which SBPF cannot hold).
STD=/opt/trez-sbf/library
STAMP="$ROOT$STD/.patched-$(sha256sum "$REPO/scripts/sbf/std.patch" | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
    log "std sources with scripts/sbf/std.patch in $STD"
    rm -rf "$ROOT$STD" && mkdir -p "$(dirname "$ROOT$STD")"
    cp -a "$ROOT/usr/lib/rustlib/src/rust/library" "$ROOT$STD"
    patch -s -p1 -d "$ROOT$STD" <"$REPO/scripts/sbf/std.patch"
    rm -rf "$REPO/target/sbf-build" # cargo does not see a changed std source as a reason to rebuild std
    touch "$STAMP"
fi

# 4. The programs. v3: cpu v4 without the instructions SBPF lacks (byte swap, sign-extending loads and moves,
# indirect gotos); v0: cpu v2. The flags follow cargo-build-sbpf 0.2.0.
# v3 calls syscalls by their murmur3 hash (static syscalls); v0 through relocations the loader resolves.
case "$ARCH" in
    v3) CPU=v4 STACK=4096 SYSCALLS='--cfg=target_feature="static-syscalls"' ;;
    v0) CPU=v2 STACK=4096 SYSCALLS= ;;
    *) log "ARCH must be v0 or v3"; exit 2 ;;
esac
EXPORTS=__multi3,__udivti3,__divti3,__umodti3,__modti3
RUSTFLAGS="-Zunstable-options -C linker=sbpf-linker -C panic=immediate-abort -C relocation-model=static \
-C link-arg=--export=$EXPORTS -C link-arg=--arch=$ARCH -C link-arg=--llvm-args=-bpf-stack-size=$STACK \
-C link-arg=--llvm-args=--bpf-max-stores-per-memfunc=5 -C link-arg=--llvm-args=--disable-gotox \
-C link-arg=--llvm-args=--disable-ldsx -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-bswap \
-C target-cpu=$CPU -C target-feature=+allows-misaligned-mem-access --cfg=target_os=\"solana\" \
$SYSCALLS -A explicit_builtin_cfgs_in_flags ${XFLAGS:-}"
mkdir -p "$OUT"
for p in $PROGRAMS; do
    log "build $p ($ARCH)"
    in_root env RUSTC_BOOTSTRAP=1 RUSTC_BOOTSTRAP_SYNTHETIC_TARGET=1 __CARGO_TESTS_ONLY_SRC_ROOT="$STD" \
        RUSTFLAGS="$RUSTFLAGS" CARGO_TARGET_DIR=/src/target/sbf-build \
        bash -c "cd /src && nice -n 10 cargo build --locked --release -p $p \
            --target /src/scripts/sbf/bpfel-zkvm.json -Zjson-target-spec -Zbuild-std=std,panic_abort" >&2
    lib=${p//-/_}
    cp "$REPO/target/sbf-build/bpfel-zkvm/release/lib$lib.so" "$OUT/$lib.so"
    log "$OUT/$lib.so: $(stat -c %s "$OUT/$lib.so") bytes"
done

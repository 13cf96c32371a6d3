//! # trez-idl-gen: the programs' IDL, generated without anchor-cli
//!
//! Runs `anchor-lang-idl`'s `IdlBuilder` (byte-identical to `anchor idl build`) on each program and renders the
//! JSON exactly as committed under `idl/`. The binary writes (`--write`) or checks (default) them; the test
//! suite calls [`check_all`] so a stale committed IDL fails the README test command.
//!
//! The builder runs `cargo test __anchor_private_print_idl --features idl-build` in the program directory with
//! its own `RUSTFLAGS`; a separate target directory (`target/idl-build`) keeps it from invalidating the main
//! build. `RUSTUP_TOOLCHAIN` is removed from the child's environment (anchor-lang-idl 0.1.4 would otherwise
//! pass a literal `+{toolchain}` to cargo).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// (program directory relative to the workspace root, committed IDL path relative to the root).
pub const PROGRAMS: &[(&str, &str)] = &[
    ("programs/trez-mining", "idl/trez.json"),
    ("programs/trez-pool", "idl/trez_pool.json"),
];

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// Generate the IDL of the program in `program_dir` as pretty JSON with a trailing newline.
pub fn generate(root: &Path, program_dir: &str) -> Result<String> {
    // SAFETY of the environment change: done before spawning the builder; this tool spawns no threads.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let target = root.join("target/idl-build");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join(program_dir))
        .skip_lint(true)
        .cargo_args(vec!["--locked".into(), "--target-dir".into(), target.display().to_string()])
        .build()
        .with_context(|| format!("building the IDL of {program_dir}"))?;
    Ok(serde_json::to_string_pretty(&idl)? + "\n")
}

/// Regenerate every IDL and write it to its committed path.
pub fn write_all(root: &Path) -> Result<()> {
    for (dir, out) in PROGRAMS {
        let json = generate(root, dir)?;
        std::fs::write(root.join(out), json).with_context(|| format!("writing {out}"))?;
        eprintln!("wrote {out}");
    }
    Ok(())
}

/// Regenerate every IDL and fail, naming the file, when a committed one differs.
pub fn check_all(root: &Path) -> Result<()> {
    let mut stale = vec![];
    for (dir, out) in PROGRAMS {
        let json = generate(root, dir)?;
        let committed = std::fs::read_to_string(root.join(out)).unwrap_or_default();
        if committed != json {
            stale.push(*out);
        }
    }
    if !stale.is_empty() {
        bail!("committed IDL differs from the program source: {stale:?}; run `cargo run -p trez-idl-gen -- --write`");
    }
    Ok(())
}

//! The committed `idl/trez.json` and `idl/trez_pool.json` must equal what the program sources generate
//! (anchor-lang-idl's IdlBuilder, byte-identical to `anchor idl build`). Regenerate with
//! `cargo run -p trez-idl-gen -- --write`.

#[test]
fn committed_idls_match_the_program_sources() {
    let root = trez_idl_gen::workspace_root();
    if let Err(e) = trez_idl_gen::check_all(&root) {
        panic!("{e:#}");
    }
}

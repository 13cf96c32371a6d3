//! `trez-idl-gen [--write]`: check (default) or rewrite `idl/*.json` from the program sources.
fn main() -> anyhow::Result<()> {
    let root = trez_idl_gen::workspace_root();
    if std::env::args().any(|a| a == "--write") {
        trez_idl_gen::write_all(&root)
    } else {
        trez_idl_gen::check_all(&root)?;
        eprintln!("idl/ is up to date");
        Ok(())
    }
}

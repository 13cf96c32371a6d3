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

/// Every pool instruction, instruction account, and field of a pool account, event or argument type
/// carries a doc comment, so the IDL explains itself (TREZ's own `State`, from its IDL, is not ours to
/// document; IDL enum variants carry no docs).
#[test]
fn every_pool_instruction_account_and_field_is_documented() {
    let root = trez_idl_gen::workspace_root();
    let idl: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("idl/trez_pool.json")).unwrap()).unwrap();
    let has_docs = |v: &serde_json::Value| v["docs"].as_array().is_some_and(|d| !d.is_empty());
    let mut missing = vec![];
    for ix in idl["instructions"].as_array().unwrap() {
        let name = ix["name"].as_str().unwrap();
        if !has_docs(ix) {
            missing.push(format!("instruction {name}"));
        }
        for a in ix["accounts"].as_array().unwrap() {
            if !has_docs(a) {
                missing.push(format!("instruction {name}, account {}", a["name"]));
            }
        }
    }
    let types = idl["types"].as_array().unwrap();
    assert!(types.len() >= 10, "the IDL lists the pool's accounts and events");
    for t in types.iter().filter(|t| t["name"] != "State") {
        let name = t["name"].as_str().unwrap();
        if !has_docs(t) {
            missing.push(format!("type {name}"));
        }
        for f in t["type"]["fields"].as_array().into_iter().flatten() {
            if !has_docs(f) {
                missing.push(format!("type {name}, field {}", f["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented in idl/trez_pool.json: {missing:#?}");
}

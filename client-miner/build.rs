//! Records the profile and opt-level this package is compiled with, so `trez-miner bench` can say which
//! build it measured and warn about a slow one.
fn main() {
    for (var, name) in [("PROFILE", "TREZ_MINER_PROFILE"), ("OPT_LEVEL", "TREZ_MINER_OPT_LEVEL")] {
        let value = std::env::var(var).unwrap_or_else(|_| "unknown".into());
        println!("cargo:rustc-env={name}={value}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

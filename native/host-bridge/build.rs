//! Records the rustc that builds the bridge, so a plugin built by another rustc can be refused
//! before any call crosses the Rust trait-object ABI (contract §1.7).
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc).arg("-V").output().expect("run rustc -V");
    let text = String::from_utf8(out.stdout).expect("rustc -V prints UTF-8");
    // "rustc 1.95.0 (59807616e 2026-04-14)" -> "1.95.0 (59807616e 2026-04-14)"
    let version = text.trim().trim_start_matches("rustc ").to_string();
    println!("cargo:rustc-env=HF_BRIDGE_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}

//! Compiles libtachyon (../src/*.c) into the crate, so `cargo build` needs no
//! prior `make`. Every C file in the runtime's source folder is taken, so a
//! file added to the runtime is picked up without touching this script.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let src = manifest.join("../src");
    let include = manifest.join("../include");

    let mut sources: Vec<PathBuf> = fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("cannot read the C runtime sources in {}: {e}", src.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "c"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C sources in {}", src.display());

    let mut build = cc::Build::new();
    build
        .files(&sources)
        .include(&include)
        .include(&src)
        .define("_GNU_SOURCE", None)
        .flag_if_supported("-std=gnu11")
        .warnings(false)
        .opt_level(2);
    build.compile("tachyon");

    rerun_if_changed(&src);
    rerun_if_changed(&include);
    println!("cargo:rerun-if-changed=build.rs");
}

fn rerun_if_changed(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            println!("cargo:rerun-if-changed={}", entry.path().display());
        }
    }
}

//! Compiles libtachyon into the crate, so `cargo build` needs no prior
//! `make`. The sources and C flags come from `runtime/sources.mk`, the one
//! list every build of the runtime reads (the Makefile, Python's setup.py,
//! this script, and the Go package's tests), with warnings on.

use std::fs;
use std::path::{Path, PathBuf};

/// The words of a `NAME := words` line of sources.mk.
fn runtime_list(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(":=")?;
            (key.trim() == name).then(|| value.split_whitespace().map(str::to_owned).collect())
        })
        .unwrap_or_else(|| panic!("{name} not found in runtime/sources.mk"))
}

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let runtime = manifest.join("..");
    let src = runtime.join("src");
    let include = runtime.join("include");
    let list_path = runtime.join("sources.mk");
    let list = fs::read_to_string(&list_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", list_path.display()));

    let sources: Vec<PathBuf> =
        runtime_list(&list, "TACHYON_SOURCES").iter().map(|name| src.join(name)).collect();
    assert!(!sources.is_empty(), "no C sources listed in {}", list_path.display());

    let mut build = cc::Build::new();
    build.files(&sources).include(&include).include(&src).warnings(true).opt_level(2);
    for flag in runtime_list(&list, "TACHYON_CFLAGS") {
        build.flag(&flag);
    }
    build.compile("tachyon");

    println!("cargo:rerun-if-changed={}", list_path.display());
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

//! The crate's version is the repository's one VERSION file (Cargo.toml
//! cannot read it, so this test holds them together), and so are the
//! `TACHYON_VERSION` mirrored in `sys` and the linked C library's.

use std::ffi::CStr;

use tachyon_ipc::sys;

#[test]
fn versions_agree_with_the_version_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../VERSION");
    let file = std::fs::read_to_string(path).expect("the repository's VERSION file");
    let version = file.trim();
    assert!(!version.is_empty());
    assert_eq!(env!("CARGO_PKG_VERSION"), version, "Cargo.toml's version");
    assert_eq!(sys::TACHYON_VERSION, version, "sys::TACHYON_VERSION");
    // SAFETY: returns a static NUL-terminated string.
    let linked = unsafe { CStr::from_ptr(sys::tachyon_version()) };
    assert_eq!(linked.to_str().unwrap(), version, "the linked libtachyon");
}

/// The crate's README is the repository README's Rust section.
#[test]
fn crate_readme_is_the_readmes_rust_section() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let top = std::fs::read_to_string(format!("{dir}/../../README.md")).unwrap();
    let own = std::fs::read_to_string(format!("{dir}/README.md")).unwrap();
    let start =
        top.find("\n## Rust\n").expect("README.md has a Rust section") + "\n## Rust\n".len();
    let body = &top[start..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    let want = format!("# tachyon-ipc: Tachyon for Rust\n\n{}\n", body.trim());
    assert!(
        own == want,
        "runtime/rust/README.md differs from README.md's Rust section: copy it over"
    );
}

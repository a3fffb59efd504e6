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

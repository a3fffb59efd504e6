//! The tachc-generated Rust views of schemas/ (generated/rust), compiled as one
//! crate so that the vector tests in tests/ can use them, and so that clippy and
//! `#![forbid(unsafe_code)]` apply to the generated code itself.
#![forbid(unsafe_code)]

#[path = "../../../../generated/rust/mod.rs"]
pub mod generated;

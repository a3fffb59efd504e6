//! The helpers a Rust module tachc generates may carry: its error types and
//! the private functions its views use.
//!
//! tachc embeds the lines between each pair of tachc-support markers into a
//! generated module that uses that section (only those, so a module has no
//! dead code) at build time (compiler/embed_support.awk). The compiler tests
//! compile this file as itself with clippy and rustfmt.
#![allow(dead_code)]

use core::fmt;

// tachc-support: begin size_error
/// A byte slice too short for the view asked of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeError {
    /// The struct the view is of.
    pub type_name: &'static str,
    /// Bytes the view needs.
    pub expected: usize,
    /// Bytes it was given.
    pub actual: usize,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} needs {} bytes, ", self.type_name, self.expected)?;
        write!(f, "got {}", self.actual)
    }
}

impl std::error::Error for SizeError {}

impl SizeError {
    // Skipped: rustfmt's default and "Max" width heuristics lay this literal out
    // differently, and crates that include this file may use either.
    #[rustfmt::skip]
    const fn new(type_name: &'static str, expected: usize, actual: usize) -> Self {
        Self { type_name, expected, actual }
    }
}

// tachc-support: end

// tachc-support: begin enum_error
/// A stored value that names no value of its enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum.
    pub enum_name: &'static str,
    /// The value found.
    pub value: i128,
}

impl UnknownValue {
    const fn new(enum_name: &'static str, value: i128) -> Self {
        Self { enum_name, value }
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} has no value {}", self.enum_name, self.value)
    }
}

impl std::error::Error for UnknownValue {}

// tachc-support: end

// tachc-support: begin text_error
/// Text too long for its `char[N]` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextError {
    /// The field.
    pub field: &'static str,
    /// Bytes the field holds.
    pub capacity: usize,
    /// Bytes of the text.
    pub len: usize,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} holds {} bytes, ", self.field, self.capacity)?;
        write!(f, "text has {}", self.len)
    }
}

impl std::error::Error for TextError {}

impl TextError {
    // Skipped for the same reason as SizeError::new.
    #[rustfmt::skip]
    const fn new(field: &'static str, capacity: usize, len: usize) -> Self {
        Self { field, capacity, len }
    }
}

// tachc-support: end

// tachc-support: begin view
/// The first `N` bytes of `bytes`, or a [`SizeError`] naming `type_name`.
fn view<'b, const N: usize>(
    type_name: &'static str,
    bytes: &'b [u8],
) -> Result<&'b [u8; N], SizeError> {
    let actual = bytes.len();
    let error = SizeError::new(type_name, N, actual);
    bytes.first_chunk().ok_or(error)
}

// tachc-support: end

// tachc-support: begin view_mut
/// The first `N` bytes of `bytes`, or a [`SizeError`] naming `type_name`.
fn view_mut<'b, const N: usize>(
    type_name: &'static str,
    bytes: &'b mut [u8],
) -> Result<&'b mut [u8; N], SizeError> {
    let actual = bytes.len();
    let error = SizeError::new(type_name, N, actual);
    bytes.first_chunk_mut().ok_or(error)
}

// tachc-support: end

// tachc-support: begin at
/// The `N` bytes at `offset`. Callers pass offsets inside their struct (the layout
/// asserts above and the index checks keep them there), so this never fails.
fn at<const N: usize>(bytes: &[u8], offset: usize) -> &[u8; N] {
    bytes[offset..offset + N].try_into().expect("in bounds")
}

// tachc-support: end

// tachc-support: begin at_mut
/// The `N` bytes at `offset`, writable; in bounds as for [`at`].
fn at_mut<const N: usize>(bytes: &mut [u8], offset: usize) -> &mut [u8; N] {
    let field = &mut bytes[offset..offset + N];
    field.try_into().expect("in bounds")
}

// tachc-support: end

// tachc-support: begin text
/// The bytes of a `char[N]` field before the first NUL, as UTF-8.
fn text(bytes: &[u8]) -> Result<&str, core::str::Utf8Error> {
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    core::str::from_utf8(&bytes[..len])
}

// tachc-support: end

// tachc-support: begin put_text
/// Writes `value` NUL-padded into a `char[N]` field, or fails without writing.
fn put_text(field: &'static str, bytes: &mut [u8], value: &str) -> Result<(), TextError> {
    if value.len() > bytes.len() {
        return Err(TextError::new(field, bytes.len(), value.len()));
    }
    let (text, padding) = bytes.split_at_mut(value.len());
    text.copy_from_slice(value.as_bytes());
    padding.fill(0);
    Ok(())
}

// tachc-support: end

// tachc-support: begin list
/// Formats `len` items, item `i` given by the closure, as a list (for `Debug`).
struct List<F>(usize, F);

impl<F, T> fmt::Debug for List<F>
where
    F: Fn(usize) -> T,
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries((0..self.0).map(&self.1)).finish()
    }
}

// tachc-support: end

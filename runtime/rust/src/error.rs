//! [`Error`]: one variant per `tachyon_error_t` failure code.

use std::ffi::CStr;
use std::fmt;

use crate::sys;

/// Why a Tachyon call failed: one variant per `tachyon_error_t` code of the C
/// API. [`Display`](fmt::Display) gives the C library's own description
/// (`tachyon_strerror`).
///
/// ```
/// use tachyon_ipc::Error;
/// assert_eq!(Error::Timeout.code(), 14);
/// assert_eq!(Error::from_code(19), Some(Error::PeerGone));
/// assert!(!Error::Full.to_string().is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// NULL pointer, bad capacity, a path with a NUL byte, size 0 where not allowed, ...
    InvalidArg,
    /// malloc or mmap failed.
    NoMemory,
    /// An unexpected system call failure.
    System,
    /// The socket path does not fit `sockaddr_un`.
    PathTooLong,
    /// A live listener (or a file that is not a socket) holds the path.
    AddrInUse,
    /// Nobody listens on the path.
    NoListener,
    /// The peer's uid was refused, or the socket could not be accessed.
    Permission,
    /// Malformed or truncated handshake bytes.
    Handshake,
    /// Magic or ABI version differ between the peers.
    AbiMismatch,
    /// The peers disagree on byte order.
    ByteOrder,
    /// The peers disagree on frame alignment or header size.
    Alignment,
    /// The capacity is invalid or differs from the segment's size.
    Capacity,
    /// The peers are bound to different schema fingerprints.
    SchemaMismatch,
    /// A deadline passed.
    Timeout,
    /// A signal arrived during a blocking wait. The blocking calls of this
    /// crate retry on their own; only the raw [`sys`] calls return it.
    Interrupted,
    /// Not enough free ring space right now (non-blocking calls).
    Full,
    /// No message available right now (non-blocking calls).
    Empty,
    /// The message is larger than [`Bus::max_message_size`](crate::Bus::max_message_size).
    TooLarge,
    /// The peer closed or died; everything it committed was delivered.
    PeerGone,
    /// Shared memory holds values that cannot be valid.
    Corrupt,
    /// A call out of order: wrong role, a second guard while one is held, ...
    State,
}

const ALL: [Error; 21] = [
    Error::InvalidArg,
    Error::NoMemory,
    Error::System,
    Error::PathTooLong,
    Error::AddrInUse,
    Error::NoListener,
    Error::Permission,
    Error::Handshake,
    Error::AbiMismatch,
    Error::ByteOrder,
    Error::Alignment,
    Error::Capacity,
    Error::SchemaMismatch,
    Error::Timeout,
    Error::Interrupted,
    Error::Full,
    Error::Empty,
    Error::TooLarge,
    Error::PeerGone,
    Error::Corrupt,
    Error::State,
];

impl Error {
    /// The variant for a C error code, or `None` for `TACHYON_OK` and codes the
    /// crate does not know.
    pub fn from_code(code: sys::tachyon_error_t) -> Option<Error> {
        if code <= sys::TACHYON_OK {
            return None;
        }
        ALL.get(code as usize - 1).copied()
    }

    /// The C error code (`tachyon_error_t`) of this error.
    pub fn code(self) -> sys::tachyon_error_t {
        // ALL lists the variants in code order, starting at 1.
        ALL.iter()
            .position(|&e| e == self)
            .map_or(sys::TACHYON_ERR_SYSTEM, |i| i as sys::tachyon_error_t + 1)
    }

    /// Maps a C return code to `Ok(())` or the error. An unknown nonzero code
    /// becomes [`Error::System`].
    pub(crate) fn check(code: sys::tachyon_error_t) -> Result<()> {
        if code == sys::TACHYON_OK {
            Ok(())
        } else {
            Err(Error::from_code(code).unwrap_or(Error::System))
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: tachyon_strerror returns a static NUL-terminated string for
        // every code and never NULL.
        let text = unsafe { CStr::from_ptr(sys::tachyon_strerror(self.code())) };
        f.write_str(&text.to_string_lossy())
    }
}

impl std::error::Error for Error {}

/// Shorthand for `Result<T, tachyon_ipc::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in 1..sys::TACHYON_ERR_COUNT {
            let err = Error::from_code(code).expect("every C code has a variant");
            assert_eq!(err.code(), code);
        }
        assert_eq!(Error::from_code(sys::TACHYON_OK), None);
        assert_eq!(Error::from_code(sys::TACHYON_ERR_COUNT), None);
    }

    #[test]
    fn display_is_the_c_description() {
        for code in 1..sys::TACHYON_ERR_COUNT {
            let err = Error::from_code(code).unwrap();
            // SAFETY: see Display.
            let c = unsafe { CStr::from_ptr(sys::tachyon_strerror(code)) };
            assert_eq!(err.to_string(), c.to_str().unwrap());
        }
    }
}

//! [`Error`]: one variant per `tachyon_error_t` failure code.

use std::ffi::CStr;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::sys;

/// Why a Tachyon call failed: one variant per code of `TACHYON_ERROR_LIST` in
/// `tachyon.h`, named by the table's short name (the crate's tests check every
/// code of the linked library has its variant). [`Display`](fmt::Display)
/// gives the C library's own text (`tachyon_format_error`), with the numbers
/// the failure carries.
///
/// ```
/// use tachyon_ipc::Error;
/// assert_eq!(Error::Timeout.code(), 14);
/// assert_eq!(Error::from_code(19), Some(Error::PeerGone));
/// assert!(!Error::Full.to_string().is_empty());
/// let big = Error::TooLarge { size: 70_000, max: 65_520 };
/// assert_eq!(big.to_string(), "message larger than the bus maximum (70000 bytes, at most 65520)");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// NULL pointer, bad capacity, a path with a NUL byte, size 0 where not allowed, ...
    InvalidArg,
    /// malloc or mmap failed.
    NoMemory,
    /// An unexpected system call failure. The `io::Error` (also the
    /// [`source`](std::error::Error::source)) holds its errno, when the
    /// failure happened in this process (a peer's report carries none).
    System(Option<Arc<io::Error>>),
    /// The socket path does not fit `sockaddr_un`.
    PathTooLong,
    /// A live listener (or a file that is not a socket) holds the path.
    AddrInUse,
    /// Nobody listened on the path for the whole connect wait, which lasted
    /// `waited`.
    NoListener {
        /// How long the connect waited for a listener.
        waited: Duration,
    },
    /// The peer's uid was refused, or the socket could not be accessed.
    Permission,
    /// Malformed or truncated handshake bytes, or an fd that is not a sealed,
    /// mappable memfd.
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
    /// The message of `size` bytes is larger than the bus's maximum `max`
    /// ([`Bus::max_message_size`](crate::Bus::max_message_size)).
    TooLarge {
        /// The payload size asked for (0 when not known).
        size: usize,
        /// The bus's largest payload (0 when not known).
        max: usize,
    },
    /// The peer closed or died; everything it committed was delivered.
    PeerGone,
    /// Shared memory holds values that cannot be valid.
    Corrupt,
    /// A call out of order: wrong role, a second guard while one is held, ...
    State,
    /// A fan-out subscriber fell behind and was dropped; what it held may
    /// have been overwritten. Rejoin to go on.
    Lagged,
}

impl Error {
    /// The variant for a C error code (with no detail), or `None` for
    /// `TACHYON_OK` and codes the crate does not know.
    pub fn from_code(code: sys::tachyon_error_t) -> Option<Error> {
        Some(match code {
            sys::TACHYON_ERR_INVALID_ARG => Error::InvalidArg,
            sys::TACHYON_ERR_NO_MEMORY => Error::NoMemory,
            sys::TACHYON_ERR_SYSTEM => Error::System(None),
            sys::TACHYON_ERR_PATH_TOO_LONG => Error::PathTooLong,
            sys::TACHYON_ERR_ADDR_IN_USE => Error::AddrInUse,
            sys::TACHYON_ERR_NO_LISTENER => Error::NoListener { waited: Duration::ZERO },
            sys::TACHYON_ERR_PERMISSION => Error::Permission,
            sys::TACHYON_ERR_HANDSHAKE => Error::Handshake,
            sys::TACHYON_ERR_ABI_MISMATCH => Error::AbiMismatch,
            sys::TACHYON_ERR_BYTE_ORDER => Error::ByteOrder,
            sys::TACHYON_ERR_ALIGNMENT => Error::Alignment,
            sys::TACHYON_ERR_CAPACITY => Error::Capacity,
            sys::TACHYON_ERR_SCHEMA_MISMATCH => Error::SchemaMismatch,
            sys::TACHYON_ERR_TIMEOUT => Error::Timeout,
            sys::TACHYON_ERR_INTERRUPTED => Error::Interrupted,
            sys::TACHYON_ERR_FULL => Error::Full,
            sys::TACHYON_ERR_EMPTY => Error::Empty,
            sys::TACHYON_ERR_TOO_LARGE => Error::TooLarge { size: 0, max: 0 },
            sys::TACHYON_ERR_PEER_GONE => Error::PeerGone,
            sys::TACHYON_ERR_CORRUPT => Error::Corrupt,
            sys::TACHYON_ERR_STATE => Error::State,
            sys::TACHYON_ERR_LAGGED => Error::Lagged,
            _ => return None,
        })
    }

    /// The variant for what a failed C call reported, with its numbers (the
    /// errno of a system failure, the sizes of `TooLarge`, the time a
    /// `NoListener` waited). An unknown nonzero code becomes
    /// [`Error::System`].
    pub fn from_detail(d: &sys::tachyon_error_detail_t) -> Error {
        match Error::from_code(d.code) {
            Some(Error::System(_)) | None => Error::System(
                (d.os_errno != 0).then(|| Arc::new(io::Error::from_raw_os_error(d.os_errno))),
            ),
            Some(Error::TooLarge { .. }) => Error::TooLarge {
                size: usize::try_from(d.size).unwrap_or(usize::MAX),
                max: usize::try_from(d.limit).unwrap_or(usize::MAX),
            },
            Some(Error::NoListener { .. }) => Error::NoListener {
                waited: Duration::from_nanos(u64::try_from(d.waited_ns).unwrap_or(0)),
            },
            Some(e) => e,
        }
    }

    /// The C error code (`tachyon_error_t`) of this error.
    pub fn code(&self) -> sys::tachyon_error_t {
        match self {
            Error::InvalidArg => sys::TACHYON_ERR_INVALID_ARG,
            Error::NoMemory => sys::TACHYON_ERR_NO_MEMORY,
            Error::System(_) => sys::TACHYON_ERR_SYSTEM,
            Error::PathTooLong => sys::TACHYON_ERR_PATH_TOO_LONG,
            Error::AddrInUse => sys::TACHYON_ERR_ADDR_IN_USE,
            Error::NoListener { .. } => sys::TACHYON_ERR_NO_LISTENER,
            Error::Permission => sys::TACHYON_ERR_PERMISSION,
            Error::Handshake => sys::TACHYON_ERR_HANDSHAKE,
            Error::AbiMismatch => sys::TACHYON_ERR_ABI_MISMATCH,
            Error::ByteOrder => sys::TACHYON_ERR_BYTE_ORDER,
            Error::Alignment => sys::TACHYON_ERR_ALIGNMENT,
            Error::Capacity => sys::TACHYON_ERR_CAPACITY,
            Error::SchemaMismatch => sys::TACHYON_ERR_SCHEMA_MISMATCH,
            Error::Timeout => sys::TACHYON_ERR_TIMEOUT,
            Error::Interrupted => sys::TACHYON_ERR_INTERRUPTED,
            Error::Full => sys::TACHYON_ERR_FULL,
            Error::Empty => sys::TACHYON_ERR_EMPTY,
            Error::TooLarge { .. } => sys::TACHYON_ERR_TOO_LARGE,
            Error::PeerGone => sys::TACHYON_ERR_PEER_GONE,
            Error::Corrupt => sys::TACHYON_ERR_CORRUPT,
            Error::State => sys::TACHYON_ERR_STATE,
            Error::Lagged => sys::TACHYON_ERR_LAGGED,
        }
    }

    /// The short name of this error's code in `TACHYON_ERROR_LIST`
    /// (`"PeerGone"`), which is also the variant's name.
    pub fn name(&self) -> &'static str {
        // SAFETY: tachyon_error_name returns a static string for every code
        // of the table (and code() only yields such codes).
        let name = unsafe { sys::tachyon_error_name(self.code()) };
        if name.is_null() {
            return "Unknown";
        }
        // SAFETY: non-NULL, static, NUL-terminated ASCII.
        unsafe { CStr::from_ptr(name) }.to_str().unwrap_or("Unknown")
    }

    /// The errno behind an [`Error::System`], if the library knew it.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::System(Some(e)) => e.raw_os_error(),
            _ => None,
        }
    }

    /// The C detail record this error stands for (for `tachyon_format_error`).
    fn detail(&self) -> sys::tachyon_error_detail_t {
        let mut d = sys::tachyon_error_detail_t { code: self.code(), ..Default::default() };
        match self {
            Error::System(_) => d.os_errno = self.raw_os_error().unwrap_or(0),
            Error::TooLarge { size, max } => {
                d.size = *size as u64;
                d.limit = *max as u64;
            }
            Error::NoListener { waited } => {
                d.waited_ns = i64::try_from(waited.as_nanos()).unwrap_or(i64::MAX);
            }
            _ => {}
        }
        d
    }

    /// Maps a C return code to `Ok(())` or the error (without detail). An
    /// unknown nonzero code becomes [`Error::System`].
    pub(crate) fn check(code: sys::tachyon_error_t) -> Result<()> {
        if code == sys::TACHYON_OK {
            Ok(())
        } else {
            Err(Error::from_code(code).unwrap_or(Error::System(None)))
        }
    }
}

impl PartialEq for Error {
    /// Same code, and the same numbers where the variant carries them (a
    /// system error's errno rather than its `io::Error`).
    fn eq(&self, other: &Error) -> bool {
        self.detail() == other.detail()
    }
}

impl Eq for Error {}

impl Hash for Error {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let d = self.detail();
        (d.code, d.os_errno, d.waited_ns, d.size, d.limit).hash(state);
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.detail();
        let mut buf = [0u8; 256];
        // SAFETY: d is a valid detail; buf is writable for its length and the
        // C call always NUL-terminates within it.
        unsafe { sys::tachyon_format_error(&d, buf.as_mut_ptr().cast(), buf.len()) };
        let text = CStr::from_bytes_until_nul(&buf).map_err(|_| fmt::Error)?;
        f.write_str(&text.to_string_lossy())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::System(Some(e)) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// Shorthand for `Result<T, tachyon_ipc::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the linked library's table (tachyon_error_name is
    /// non-NULL exactly for them), so a code added to `TACHYON_ERROR_LIST`
    /// fails here until the crate handles it.
    fn library_codes() -> Vec<(sys::tachyon_error_t, String)> {
        (0..)
            .map_while(|code| {
                // SAFETY: any int is a valid argument; NULL past the table.
                let name = unsafe { sys::tachyon_error_name(code) };
                // SAFETY: non-NULL names are static NUL-terminated strings.
                (!name.is_null())
                    .then(|| (code, unsafe { CStr::from_ptr(name) }.to_str().unwrap().to_owned()))
            })
            .collect()
    }

    #[test]
    fn every_code_of_the_c_table_has_its_variant() {
        let codes = library_codes();
        assert_eq!(codes.len(), sys::TACHYON_ERR_COUNT as usize, "TACHYON_ERR_COUNT is stale");
        assert_eq!(codes[0], (sys::TACHYON_OK, "Ok".to_owned()));
        for (code, name) in &codes[1..] {
            let err = Error::from_code(*code)
                .unwrap_or_else(|| panic!("code {code} ({name}) has no Error variant"));
            assert_eq!(err.code(), *code);
            assert_eq!(err.name(), name);
            // The variant is named after the table's short name.
            let debug = format!("{err:?}");
            let variant: String = debug.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert_eq!(&variant, name, "variant for code {code}");
        }
        assert_eq!(Error::from_code(sys::TACHYON_OK), None);
        assert_eq!(Error::from_code(sys::TACHYON_ERR_COUNT), None);
    }

    #[test]
    fn display_is_the_c_description() {
        for code in 1..sys::TACHYON_ERR_COUNT {
            let err = Error::from_code(code).unwrap();
            // SAFETY: strerror returns a static string for every code.
            let c = unsafe { CStr::from_ptr(sys::tachyon_strerror(code)) };
            assert_eq!(err.to_string(), c.to_str().unwrap());
        }
    }

    #[test]
    fn numbers_and_errno_are_in_the_text() {
        let e = Error::TooLarge { size: 5000, max: 2032 };
        assert_eq!(e.to_string(), "message larger than the bus maximum (5000 bytes, at most 2032)");
        let e = Error::NoListener { waited: Duration::from_millis(250) };
        assert_eq!(e.to_string(), "no listener on the socket path (waited 0.250 s)");
        let e = Error::from_detail(&sys::tachyon_error_detail_t {
            code: sys::TACHYON_ERR_SYSTEM,
            os_errno: 2,
            ..Default::default()
        });
        assert_eq!(e.raw_os_error(), Some(2));
        let source = std::error::Error::source(&e).expect("a system error has its io::Error");
        let io = source.downcast_ref::<io::Error>().unwrap();
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().starts_with("unexpected system call failure: "), "{e}");
        assert!(e.to_string().ends_with("(errno 2)"), "{e}");
        assert_eq!(e, Error::from_detail(&e.detail()));
        assert_ne!(e, Error::System(None));
    }
}

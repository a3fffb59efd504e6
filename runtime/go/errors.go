package tachyon

// #include "tachyon.h"
import "C"

import (
	"errors"
	"syscall"
	"time"
)

// Error is a libtachyon error code (tachyon_error_t). Every code has a
// sentinel below; compare with errors.Is:
//
//	if errors.Is(err, tachyon.ErrPeerGone) { ... }
//
// errors.As(err, &code) recovers the code of any Tachyon failure. The
// sentinels follow TACHYON_ERROR_LIST in tachyon.h (the tests check each code
// of the linked library against this list, so a code added there fails them
// until it is added here).
type Error int

// Error returns libtachyon's description of the code (tachyon_strerror).
func (e Error) Error() string {
	return "tachyon: " + C.GoString(C.tachyon_strerror(C.tachyon_error_t(e)))
}

// Name returns the code's short name in TACHYON_ERROR_LIST ("PeerGone"), or
// "" for a number that is no code.
func (e Error) Name() string {
	name := C.tachyon_error_name(C.tachyon_error_t(e))
	if name == nil {
		return ""
	}
	return C.GoString(name)
}

// The sentinels, one per tachyon_error_t code, in the C table's order.
const (
	ErrInvalidArg     Error = C.TACHYON_ERR_INVALID_ARG     // NULL pointer, bad capacity, size 0 where not allowed, ...
	ErrNoMemory       Error = C.TACHYON_ERR_NO_MEMORY       // malloc or mmap failed
	ErrSystem         Error = C.TACHYON_ERR_SYSTEM          // an unexpected system call failure (a *Failure carries its errno)
	ErrPathTooLong    Error = C.TACHYON_ERR_PATH_TOO_LONG   // socket path does not fit sockaddr_un
	ErrAddrInUse      Error = C.TACHYON_ERR_ADDR_IN_USE     // a live listener (or a non-socket file) holds the path
	ErrNoListener     Error = C.TACHYON_ERR_NO_LISTENER     // nobody listened on the path for the whole connect wait
	ErrPermission     Error = C.TACHYON_ERR_PERMISSION      // peer uid refused (SO_PEERCRED), or socket access denied
	ErrHandshake      Error = C.TACHYON_ERR_HANDSHAKE       // malformed or truncated handshake, or an fd that is no sealed memfd
	ErrABIMismatch    Error = C.TACHYON_ERR_ABI_MISMATCH    // magic or ABI version differ
	ErrByteOrder      Error = C.TACHYON_ERR_BYTE_ORDER      // peers disagree on byte order
	ErrAlignment      Error = C.TACHYON_ERR_ALIGNMENT       // peers disagree on frame alignment or header size
	ErrCapacity       Error = C.TACHYON_ERR_CAPACITY        // capacity invalid or differs from the segment's size
	ErrSchemaMismatch Error = C.TACHYON_ERR_SCHEMA_MISMATCH // peers are bound to different schema fingerprints
	ErrTimeout        Error = C.TACHYON_ERR_TIMEOUT         // a deadline passed
	ErrInterrupted    Error = C.TACHYON_ERR_INTERRUPTED     // a wait was interrupted (the blocking calls retry it)
	ErrFull           Error = C.TACHYON_ERR_FULL            // not enough free ring space right now (non-blocking)
	ErrEmpty          Error = C.TACHYON_ERR_EMPTY           // no message available right now (non-blocking)
	ErrTooLarge       Error = C.TACHYON_ERR_TOO_LARGE       // message larger than MaxMessageSize (a *Failure says both sizes)
	ErrPeerGone       Error = C.TACHYON_ERR_PEER_GONE       // peer closed or died; everything it committed was delivered
	ErrCorrupt        Error = C.TACHYON_ERR_CORRUPT         // shared memory holds values that cannot be valid
	ErrState          Error = C.TACHYON_ERR_STATE           // call out of order: wrong role, a second reservation, a stale Tx/Rx, ...
	ErrLagged         Error = C.TACHYON_ERR_LAGGED          // a fan-out subscriber fell behind and was dropped; rejoin
)

// ErrClosed is returned by calls on a Bus after Close.
var ErrClosed = errors.New("tachyon: bus is closed")

// Failure is a Tachyon error with the numbers the C library reported beside
// its code: the errno behind ErrSystem, the sizes of ErrTooLarge, how long a
// Connect waited before ErrNoListener. It unwraps to its Code and, when set,
// to its Errno, so both errors.Is(err, tachyon.ErrSystem) and
// errors.Is(err, fs.ErrNotExist) (or syscall.ENOENT) work.
type Failure struct {
	Code   Error         // the Tachyon error code
	Errno  syscall.Errno // the system call's errno, 0 if none
	Waited time.Duration // ErrNoListener, ErrTimeout of Listen/Connect: time waited
	Size   int           // ErrTooLarge: the payload size asked for
	Max    int           // ErrTooLarge: the bus's maximum
}

// Error returns libtachyon's text with the numbers (tachyon_format_error).
func (f *Failure) Error() string {
	d := C.tachyon_error_detail_t{
		code:      C.int32_t(f.Code),
		os_errno:  C.int32_t(f.Errno),
		waited_ns: C.int64_t(f.Waited),
		size:      C.uint64_t(f.Size),
		limit:     C.uint64_t(f.Max),
	}
	var buf [256]C.char
	C.tachyon_format_error(&d, &buf[0], C.size_t(len(buf)))
	return "tachyon: " + C.GoString(&buf[0])
}

// Unwrap returns the code and, if there is one, the errno.
func (f *Failure) Unwrap() []error {
	if f.Errno != 0 {
		return []error{f.Code, f.Errno}
	}
	return []error{f.Code}
}

// failureOf maps a C detail record to an error: a *Failure when it carries
// numbers, else the plain sentinel (no allocation).
func failureOf(d *C.tachyon_error_detail_t) error {
	code := Error(d.code)
	if code == C.TACHYON_OK {
		return nil
	}
	if d.os_errno == 0 && d.waited_ns == 0 && d.size == 0 && d.limit == 0 {
		return code
	}
	return &Failure{Code: code, Errno: syscall.Errno(d.os_errno), Waited: time.Duration(d.waited_ns),
		Size: int(d.size), Max: int(d.limit)}
}

// errorOf maps a C return code to nil or its sentinel.
func errorOf(code C.tachyon_error_t) error {
	if code == C.TACHYON_OK {
		return nil
	}
	return Error(code)
}

// Version is this package's release: the repository's VERSION file, which
// the tests hold it to, and libtachyon's TACHYON_VERSION.
const Version = "0.1.0"

// LibraryVersion returns the TACHYON_VERSION of the C library compiled in.
func LibraryVersion() string {
	return C.GoString(C.tachyon_version())
}

package tachyon

// #include "tachyon.h"
import "C"

import "errors"

// Error is a libtachyon error code (tachyon_error_t). Every code has a
// sentinel below; compare with errors.Is:
//
//	if errors.Is(err, tachyon.ErrPeerGone) { ... }
//
// errors.As(err, &code) recovers the code of any Tachyon failure.
type Error int

// Error returns libtachyon's description of the code (tachyon_strerror).
func (e Error) Error() string {
	return "tachyon: " + C.GoString(C.tachyon_strerror(C.tachyon_error_t(e)))
}

// The sentinels, one per tachyon_error_t code, in the C enum's order.
const (
	ErrInvalidArg     Error = C.TACHYON_ERR_INVALID_ARG     // NULL pointer, bad capacity, size 0 where not allowed, ...
	ErrNoMemory       Error = C.TACHYON_ERR_NO_MEMORY       // malloc or mmap failed
	ErrSystem         Error = C.TACHYON_ERR_SYSTEM          // an unexpected system call failure
	ErrPathTooLong    Error = C.TACHYON_ERR_PATH_TOO_LONG   // socket path does not fit sockaddr_un
	ErrAddrInUse      Error = C.TACHYON_ERR_ADDR_IN_USE     // a live listener (or a non-socket file) holds the path
	ErrNoListener     Error = C.TACHYON_ERR_NO_LISTENER     // nobody listens on the path
	ErrPermission     Error = C.TACHYON_ERR_PERMISSION      // peer uid refused (SO_PEERCRED), or socket access denied
	ErrHandshake      Error = C.TACHYON_ERR_HANDSHAKE       // malformed or truncated handshake bytes
	ErrABIMismatch    Error = C.TACHYON_ERR_ABI_MISMATCH    // magic or ABI version differ
	ErrByteOrder      Error = C.TACHYON_ERR_BYTE_ORDER      // peers disagree on byte order
	ErrAlignment      Error = C.TACHYON_ERR_ALIGNMENT       // peers disagree on frame alignment or header size
	ErrCapacity       Error = C.TACHYON_ERR_CAPACITY        // capacity invalid or differs from the segment's size
	ErrSchemaMismatch Error = C.TACHYON_ERR_SCHEMA_MISMATCH // peers are bound to different schema fingerprints
	ErrTimeout        Error = C.TACHYON_ERR_TIMEOUT         // a deadline passed
	ErrInterrupted    Error = C.TACHYON_ERR_INTERRUPTED     // a signal arrived during a wait (the blocking calls retry it)
	ErrFull           Error = C.TACHYON_ERR_FULL            // not enough free ring space right now (non-blocking)
	ErrEmpty          Error = C.TACHYON_ERR_EMPTY           // no message available right now (non-blocking)
	ErrTooLarge       Error = C.TACHYON_ERR_TOO_LARGE       // message larger than MaxMessageSize
	ErrPeerGone       Error = C.TACHYON_ERR_PEER_GONE       // peer closed or died; everything it committed was delivered
	ErrCorrupt        Error = C.TACHYON_ERR_CORRUPT         // shared memory holds values that cannot be valid
	ErrState          Error = C.TACHYON_ERR_STATE           // call out of order: wrong role, a second reservation, a stale Tx/Rx, ...
)

// ErrClosed is returned by calls on a Bus after Close.
var ErrClosed = errors.New("tachyon: bus is closed")

// errorOf maps a C return code to nil or its sentinel.
func errorOf(code C.tachyon_error_t) error {
	if code == C.TACHYON_OK {
		return nil
	}
	return Error(code)
}

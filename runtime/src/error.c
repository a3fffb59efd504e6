/*
 * error.c - error descriptions.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4, struct ucred, MSG_CMSG_CLOEXEC */
#endif
#include "internal.h"

static const char *const ti_messages[TACHYON_ERR__COUNT] = {
    [TACHYON_OK] = "success",
    [TACHYON_ERR_INVALID_ARG] = "invalid argument",
    [TACHYON_ERR_NO_MEMORY] = "out of memory",
    [TACHYON_ERR_SYSTEM] = "unexpected system call failure",
    [TACHYON_ERR_PATH_TOO_LONG] = "socket path too long",
    [TACHYON_ERR_ADDR_IN_USE] = "socket path in use by a live listener or a non-socket file",
    [TACHYON_ERR_NO_LISTENER] = "no listener on the socket path",
    [TACHYON_ERR_PERMISSION] = "permission denied (peer uid refused or socket not accessible)",
    [TACHYON_ERR_HANDSHAKE] = "malformed or truncated handshake",
    [TACHYON_ERR_ABI_MISMATCH] = "ABI mismatch (magic or version differ)",
    [TACHYON_ERR_BYTE_ORDER] = "byte order mismatch",
    [TACHYON_ERR_ALIGNMENT] = "frame alignment or header size mismatch",
    [TACHYON_ERR_CAPACITY] = "invalid capacity or segment size mismatch",
    [TACHYON_ERR_SCHEMA_MISMATCH] = "schema fingerprint mismatch",
    [TACHYON_ERR_TIMEOUT] = "timed out",
    [TACHYON_ERR_INTERRUPTED] = "interrupted by a signal",
    [TACHYON_ERR_FULL] = "ring full",
    [TACHYON_ERR_EMPTY] = "no message available",
    [TACHYON_ERR_TOO_LARGE] = "message larger than the bus maximum",
    [TACHYON_ERR_PEER_GONE] = "peer closed or died",
    [TACHYON_ERR_CORRUPT] = "shared memory is corrupt",
    [TACHYON_ERR_STATE] = "call out of order or wrong role",
};

const char *tachyon_strerror(tachyon_error_t err)
{
    if ((unsigned)err >= (unsigned)TACHYON_ERR__COUNT || !ti_messages[err])
        return "unknown error";
    return ti_messages[err];
}

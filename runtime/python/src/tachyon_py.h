/*
 * tachyon_py.h - private to the C extension behind the `tachyon` Python
 * package: what its files share. Not installed, not public.
 *
 * The extension is split by layer:
 *   module.c  the module: exception mapping, argument parsing, Python-level
 *             helpers, module functions and init
 *   bus.c     the core: Bus (listen, connect, send, receive, waits) and Message
 *   guard.c   the one guard lifecycle (commit / exit / use after commit) and
 *             the two single-message guards built on it, RxGuard and TxGuard
 *   batch.c   Batch (a guard over many messages), BatchItem, BatchRun
 *   dlpack.c  DLPack export and the NumPy span over ring memory
 *   arrays.c  bus.arrays(): one NumPy array per received frame, made through
 *             NumPy's C API (found at run time), each holding its frame
 *   topology.c  FanOut, Subscriber, FanIn and WaitSet (fan-out, fan-in, waiting
 *             on many buses, a readiness fd); messages are copied out
 *   rpc.c     Rpc (request/response over tachyon_rpc_t) and Frame (a request
 *             or reply body in place, buffer protocol)
 *
 * Ownership: a guard holds a reference to its bus while it lives (guards are
 * recycled through small free lists); DLPack capsules and NumPy spans hold a
 * reference to the bus and count in bus->map_refs. close() destroys the C bus
 * at once unless something still points into the ring, then when the last
 * such reference goes.
 *
 * Memory safety rules (what keeps Python from reading unmapped or reused ring
 * memory):
 *   - Every buffer export (memoryview, struct.pack_into, numpy.frombuffer) of a
 *     guard is counted. Committing with exports outstanding is refused: the
 *     guard's __exit__ raises ExportsOutstanding (a BufferError) and the commit
 *     (rx) or rollback (tx) happens when the last export is released.
 *   - A DLPack capsule or a NumPy array made by as_array() does not block the
 *     commit (tensors routinely outlive the `with` block); its contents are
 *     undefined after the commit, as a C pointer's would be. It holds a
 *     reference on the mapping, so the ring stays mapped (and this side open)
 *     until the last such array is freed: reading it never faults.
 *   - After a commit every access through the guard (buffer export, DLPack,
 *     tobytes, decode) raises UseAfterCommit.
 *   - An array from bus.arrays() counts as a buffer export of its frame (its
 *     NumPy base is a _FrameHold): the next frame is taken, and this one
 *     committed, only once every array over it (and every view of one) is gone.
 *
 * Cross-file names start with tpy_ (libtachyon's own sources are linked into
 * the same module, and its internal names start with ti_).
 */
#ifndef TACHYON_PY_H
#define TACHYON_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "tachyon.h"

#define TPY_DEFAULT_SPIN 2048u
#define TPY_DEFAULT_BATCH 64

/* ---- module.c: exceptions ------------------------------------------------- */

extern PyObject *tpy_err_by_code[TACHYON_ERR__COUNT]; /* exception class per tachyon_error_t */
extern PyObject *tpy_exc_use_after_commit;
extern PyObject *tpy_exc_exports_outstanding;
extern PyObject *tpy_small_zero; /* int 0 */
extern PyTypeObject *tpy_stats_type;

/* Raises the exception class mapped to detail->code, its text from
 * tachyon_format_error (with the numbers the failure carries) after `what`
 * (the call that failed). It carries .strerror (tachyon_strerror's text, or,
 * when the failure has an errno, OSError's pair .errno and its text), and as
 * they apply .size and .limit (TOO_LARGE) and .waited (seconds). Returns NULL. */
PyObject *tpy_raise_detail(const tachyon_error_detail_t *detail, const char *what);

/* tpy_raise_detail for `err` with no detail. */
PyObject *tpy_raise(tachyon_error_t err, const char *what);

/* tpy_raise_detail for `err`, the failure of the last call on `bus`. */
PyObject *tpy_raise_bus(tachyon_bus_t *bus, tachyon_error_t err, const char *what);

/* Raises `cls` with `text`. Returns NULL. */
PyObject *tpy_raise_msg(PyObject *cls, const char *text);

/* Raises StateError with `text`. Returns NULL. */
PyObject *tpy_raise_state(const char *text);

/* Methods of the C types that forward to the Python-level helpers
 * tachyon/__init__.py registers: decode, as_array, as_arrays. */
PyObject *tpy_fwd_decode(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *tpy_fwd_as_array(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *tpy_fwd_as_arrays(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

/* Calls the Python-level helper `name` (registered by tachyon/__init__.py)
 * with one argument. A new reference, or NULL with an exception. */
PyObject *tpy_call_helper(const char *name, PyObject *arg);

/* `__enter__` of every context manager here: returns self. */
PyObject *tpy_return_self(PyObject *self, PyObject *ignored);

/* Method table entries that several types share. */
#define TPY_DECODE_METHOD                                                                                          \
    {"decode", (PyCFunction)(void (*)(void))tpy_fwd_decode, METH_FASTCALL | METH_KEYWORDS,                         \
     "decode(schema) -> the generated typed view for this message's type id (schema.decode)."}
#define TPY_DLPACK_METHODS(export_fn, doc)                                                                        \
    {"__dlpack__", (PyCFunction)(void (*)(void))(export_fn), METH_FASTCALL | METH_KEYWORDS, doc},                  \
    {"__dlpack_device__", tpy_dlpack_device, METH_NOARGS, NULL}
#define TPY_GUARD_METHODS(commit_doc)                                                                             \
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},                                                             \
    {"__exit__", (PyCFunction)(void (*)(void))tpy_guard_exit, METH_FASTCALL, NULL},                                \
    {"commit", tpy_guard_commit, METH_NOARGS, commit_doc}

/* ---- module.c: argument parsing -------------------------------------------
 * A tiny METH_FASTCALL|METH_KEYWORDS parser. Keyword names are interned at
 * module init, so they match by pointer in the common case. */

enum {
    K_PATH, K_CAPACITY, K_FINGERPRINT, K_TIMEOUT, K_ALLOW_ANY_UID, K_DATA, K_TYPE_ID, K_SIZE, K_MAX,
    K_RECORD_SIZE, K_STREAM, K_MAX_VERSION, K_DL_DEVICE, K_COPY, K_SPIN, K_DTYPE, K_END_TYPE_ID, K__COUNT
};

/* Fills out[i] (borrowed, or NULL when absent) for the parameters named by
 * spec[0..n). The first npos may be given by position; the first nreq are
 * required. Returns 0 or -1 with TypeError set. */
int tpy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const int *spec,
                   int n, int npos, int nreq, PyObject **out);

/* timeout (seconds, float or int, or None) -> nanoseconds, -1 for "forever". */
int tpy_parse_timeout(PyObject *obj, int64_t *ns);
int tpy_parse_u32(PyObject *obj, const char *what, uint32_t *out);
int tpy_parse_size(PyObject *obj, const char *what, size_t *out);

/* ---- topology.c ------------------------------------------------------------ */

/* Adds FanOut, Subscriber, FanIn, WaitSet and MAX_MEMBERS to the module. */
int tpy_topology_init(PyObject *m);

/* ---- rpc.c ----------------------------------------------------------------- */

/* Adds Rpc, Frame and the RPC_* constants to the module. */
int tpy_rpc_init(PyObject *m);

/* ---- bus.c: the core ------------------------------------------------------ */

typedef struct GuardObject GuardObject;

typedef struct BusObject {
    PyObject_HEAD
    tachyon_bus_t *bus;  /* NULL once destroyed */
    int role;
    int closing;         /* close() was called; destroy once nothing references the ring */
    int in_call;         /* a call released the GIL: another thread must not enter */
    uint32_t spin;
    Py_ssize_t map_refs; /* buffer exports + DLPack capsules + arrays over the ring */
    GuardObject *holder; /* borrowed: the guard holding a reservation or messages */
    PyObject *typed_cls; /* send_typed's last class, its pack_into and size */
    PyObject *typed_pack;
    size_t typed_size;
    PyObject *weakrefs;
} BusObject;

extern PyTypeObject tpy_bus_type;
extern PyTypeObject tpy_message_type;

/* Destroys the C bus once close() was requested and nothing references it. */
void tpy_bus_maybe_destroy(BusObject *bus);

/* Drops one reference on the mapping (a buffer export, capsule or span). */
void tpy_map_ref_release(BusObject *bus);

/* 0 when this side may be used now for `role`'s calls, else -1 with StateError. */
int tpy_bus_ready_role(BusObject *bus, int role);

/* The absolute deadline (tachyon_now_ns clock) `timeout_ns` from now;
 * TACHYON_FOREVER for a negative timeout. */
int64_t tpy_deadline(int64_t timeout_ns);

/* Before a C wait (with the GIL): runs pending signal handlers, then
 * installs this thread's interrupt check, which runs them from inside the
 * wait. 0, or -1 with the exception a handler raised. */
int tpy_wait_prepare(void);

/* After a C wait failed with `err` (GIL held again): 1 to call it again with
 * the same deadline (INTERRUPTED with no exception raised), else 0; then an
 * exception already set (a handler's, KeyboardInterrupt) is the outcome. */
int tpy_wait_again(tachyon_error_t err);

/* Takes the next message, waiting up to timeout_ns (< 0: no limit). Returns
 * the payload (held) or NULL with an exception. */
const void *tpy_bus_rx_wait(BusObject *bus, int64_t timeout_ns, uint32_t *type_id, size_t *size);

/* A Message holding a copy of `size` bytes at p. */
PyObject *tpy_message_new(uint32_t type_id, const void *p, size_t size);

/* ---- guard.c: the guard lifecycle ------------------------------------------
 * A guard holds ring memory for Python: one received message (RxGuard), one
 * reservation (TxGuard) or a drained batch (Batch). They share one lifecycle:
 *   ACTIVE   views may be exported;
 *   CLOSING  the end was asked while views were alive; it happens when the
 *            last view is released (a commit asked of a TxGuard then becomes
 *            a rollback: bytes that can still change are never published);
 *   DONE     committed or rolled back: every access raises UseAfterCommit.
 * Leaving the `with` block cleanly commits; leaving it on an exception, close()
 * and dropping the guard abandon it (a TxGuard rolls back; a received message
 * is released all the same). What differs by kind is in GuardKind. */

enum guard_state {
    G_ACTIVE = 0,
    G_CLOSING = 1,
    G_DONE = 2
};

#define TPY_FREELIST_MAX 8

typedef struct GuardKind {
    /* The C call that ends the guard: commit (1) or roll back (0). */
    tachyon_error_t (*end)(GuardObject *g, tachyon_bus_t *bus, int commit);
    /* Checks made before a commit (the guard stays ACTIVE on failure); may be NULL. */
    int (*check_commit)(GuardObject *g);
    /* Whether a commit asked while views are alive commits (1) or rolls back (0)
     * at the last release. */
    int commit_deferred;
    const char *used_text;    /* UseAfterCommit: access after the end */
    const char *again_text;   /* UseAfterCommit: commit() after the end (NULL: a no-op) */
    const char *exports_text; /* ExportsOutstanding: an end asked while views are alive */
    /* A freed guard of this kind is kept for reuse when it is small enough
     * (NULL: always); `discard` frees what it owns before it goes (may be NULL). */
    int (*recyclable)(GuardObject *g);
    void (*discard)(GuardObject *g);
    PyTypeObject *type;
    PyObject *free[TPY_FREELIST_MAX];
    int nfree;
} GuardKind;

struct GuardObject {
    PyObject_HEAD
    BusObject *bus; /* strong while the guard lives */
    GuardKind *kind;
    int state;
    int commit_at_release; /* CLOSING: commit (1) or roll back (0) at the last release */
    Py_ssize_t exports;
};

extern PyTypeObject tpy_rx_guard_type;
extern PyTypeObject tpy_tx_guard_type;

/* A guard of `kind` over `bus`, ACTIVE, from the kind's free list when it can
 * (a fresh one is zeroed past the guard fields). NULL with MemoryError. */
GuardObject *tpy_guard_alloc(GuardKind *kind, BusObject *bus);

/* 0 while ACTIVE, else -1 with UseAfterCommit. */
int tpy_guard_check(GuardObject *g);

/* Ends the guard now with the C call (commit or roll back) and releases the bus. */
tachyon_error_t tpy_guard_finish(GuardObject *g, int commit);

/* commit() / rollback(): ends now, or raises ExportsOutstanding and ends at the
 * last release. Returns None or NULL with an exception. */
PyObject *tpy_guard_end(GuardObject *g, int commit);

/* Ends the guard without raising (a failed block, close(), dealloc): at once,
 * or at the last release while views are alive. A TxGuard rolls back. */
void tpy_guard_abandon(GuardObject *g);

/* Buffer protocol over guard memory: `owner` is what the view points back to
 * (the guard, or a BatchItem of a batch). */
int tpy_guard_getbuffer(GuardObject *g, PyObject *owner, Py_buffer *view, void *ptr, size_t len, int readonly,
                        int flags);
void tpy_guard_releasebuffer(GuardObject *g);

/* Methods and slots every guard type uses as they are. */
PyObject *tpy_guard_commit(PyObject *self, PyObject *ignored);
PyObject *tpy_guard_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *tpy_guard_get_committed(PyObject *self, void *closure);
void tpy_guard_dealloc(PyObject *self);

/* recv_zero_copy / send_zero_copy: a guard over what acquire_rx / acquire_tx
 * returned, made the bus's holder. On failure the message is committed (rx) or
 * the reservation rolled back (tx), and NULL is returned. */
PyObject *tpy_rx_guard_new(BusObject *bus, const void *p, size_t size, uint32_t type_id);
PyObject *tpy_tx_guard_new(BusObject *bus, void *p, size_t size, uint32_t type_id);

/* ---- batch.c -------------------------------------------------------------- */

extern PyTypeObject tpy_batch_type;
extern PyTypeObject tpy_batch_item_type;
extern PyTypeObject tpy_batch_run_type;

/* bus.drain_batch(max=64, timeout=None) -> Batch */
PyObject *tpy_bus_drain_batch(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

/* ---- dlpack.c ------------------------------------------------------------- */

extern PyTypeObject tpy_span_type;

/* Builds a DLPack capsule over ring memory as a uint8 tensor: 1-D of `size`
 * bytes at ptr when rows < 0, else 2-D (rows, size) with rows `stride` bytes
 * apart (a run of equally spaced frames). args are __dlpack__'s. */
PyObject *tpy_dlpack_export(BusObject *bus, void *ptr, Py_ssize_t rows, size_t size, size_t stride, int writable,
                            PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

/* __dlpack_device__: (kDLCPU, 0). */
PyObject *tpy_dlpack_device(PyObject *self, PyObject *ignored);

/* An __array_interface__ object over `len` ring bytes at addr that keeps the
 * ring mapped while it lives. */
PyObject *tpy_span_new(BusObject *bus, const void *addr, Py_ssize_t len);

/* ---- arrays.c ------------------------------------------------------------- */

extern PyTypeObject tpy_array_stream_type;

/* bus.arrays(dtype=None, *, end_type_id=None, timeout=None) -> ArrayStream */
PyObject *tpy_bus_arrays(BusObject *bus, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);

/* Adds ArrayStream to the module. */
int tpy_arrays_init(PyObject *m);

#endif /* TACHYON_PY_H */

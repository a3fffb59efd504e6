/*
 * _tachyon.c - the C extension behind the `tachyon` Python package: a thin,
 * fast layer over libtachyon (runtime/include/tachyon.h).
 *
 * Objects:
 *   Bus       one side of a bus (listener = consumer, connector = producer)
 *   Message   a received message copied out of the ring (type_id, data)
 *   RxGuard   recv_zero_copy(): one message read in place, committed on exit
 *   TxGuard   send_zero_copy(): one reservation written in place, committed on
 *             a clean exit, rolled back on an exception
 *   Batch     drain_batch(): many messages read in place, committed on exit
 *   BatchItem batch[i]: one message of a batch
 *   BatchRun  batch.runs(): equally spaced messages, one 2-D DLPack tensor
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
 *
 * Blocking calls release the GIL and wait in slices of at most
 * TACHYON_WATCHDOG_MS, running PyErr_CheckSignals between slices (and at once
 * when the futex wait is interrupted), so Ctrl-C raises KeyboardInterrupt.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tachyon.h"

/* ---- DLPack (https://dmlc.github.io/dlpack/latest/c_api.html), v1.0 ------- */

typedef struct {
    int32_t device_type;
    int32_t device_id;
} DLDevice;

typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} DLDataType;

typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape;
    int64_t *strides;
    uint64_t byte_offset;
} DLTensor;

typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;

typedef struct {
    uint32_t major;
    uint32_t minor;
} DLPackVersion;

typedef struct DLManagedTensorVersioned {
    DLPackVersion version;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned *self);
    uint64_t flags;
    DLTensor dl_tensor;
} DLManagedTensorVersioned;

#define DL_CPU 1
#define DL_UINT 1
#define DL_FLAG_READ_ONLY (1ull << 0)
#define DL_FLAG_IS_COPIED (1ull << 1)

/* ---- Module state -------------------------------------------------------- */

#define WAIT_SLICE_NS ((int64_t)TACHYON_WATCHDOG_MS * 1000000)
#define DEFAULT_SPIN 2048u
#define DEFAULT_BATCH 64

static PyObject *err_by_code[TACHYON_ERR__COUNT]; /* exception class per tachyon_error_t */
static PyObject *ExcUseAfterCommit;
static PyObject *ExcExportsOutstanding;
static PyObject *ExcBase;
static PyObject *small_zero; /* int 0 */
static PyTypeObject *StatsType;

static const char *const error_names[TACHYON_ERR__COUNT] = {
    "TACHYON_OK",
    "TACHYON_ERR_INVALID_ARG",
    "TACHYON_ERR_NO_MEMORY",
    "TACHYON_ERR_SYSTEM",
    "TACHYON_ERR_PATH_TOO_LONG",
    "TACHYON_ERR_ADDR_IN_USE",
    "TACHYON_ERR_NO_LISTENER",
    "TACHYON_ERR_PERMISSION",
    "TACHYON_ERR_HANDSHAKE",
    "TACHYON_ERR_ABI_MISMATCH",
    "TACHYON_ERR_BYTE_ORDER",
    "TACHYON_ERR_ALIGNMENT",
    "TACHYON_ERR_CAPACITY",
    "TACHYON_ERR_SCHEMA_MISMATCH",
    "TACHYON_ERR_TIMEOUT",
    "TACHYON_ERR_INTERRUPTED",
    "TACHYON_ERR_FULL",
    "TACHYON_ERR_EMPTY",
    "TACHYON_ERR_TOO_LARGE",
    "TACHYON_ERR_PEER_GONE",
    "TACHYON_ERR_CORRUPT",
    "TACHYON_ERR_STATE",
};

/* Raises the exception class mapped to `err`, with `.strerror` set to
 * tachyon_strerror's text. `what` names the call that failed. Returns NULL. */
static PyObject *raise_tachyon(tachyon_error_t err, const char *what)
{
    if ((unsigned)err >= TACHYON_ERR__COUNT)
        err = TACHYON_ERR_SYSTEM;
    PyObject *cls = err_by_code[err] ? err_by_code[err] : ExcBase;
    const char *text = tachyon_strerror(err);
    PyObject *msg = PyUnicode_FromFormat("%s: %s (%s)", what, text, error_names[err]);
    if (!msg)
        return NULL;
    PyObject *exc = PyObject_CallOneArg(cls, msg);
    Py_DECREF(msg);
    if (!exc)
        return NULL;
    PyObject *s = PyUnicode_FromString(text);
    if (!s || PyObject_SetAttrString(exc, "strerror", s) < 0) {
        Py_XDECREF(s);
        Py_DECREF(exc);
        return NULL;
    }
    Py_DECREF(s);
    PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
    return NULL;
}

static PyObject *raise_msg(PyObject *cls, const char *text)
{
    PyErr_SetString(cls, text);
    return NULL;
}

/* Python-level helpers (tachyon/__init__.py registers them): decode,
 * as_array, as_arrays. Methods of the C types forward to them. */
static PyObject *helpers;

/* Calls helpers[name](self, *args, **kwargs). */
static PyObject *forward(const char *name, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    PyObject *fn = helpers ? PyDict_GetItemString(helpers, name) : NULL;
    if (!fn) {
        PyErr_Format(PyExc_RuntimeError, "tachyon helper %s is not registered (import tachyon)", name);
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *stack[16];
    PyObject **call = stack;
    if (nargs + nkw + 1 > 16) {
        call = PyMem_Malloc(sizeof(PyObject *) * (size_t)(nargs + nkw + 1));
        if (!call)
            return PyErr_NoMemory();
    }
    call[0] = self;
    for (Py_ssize_t i = 0; i < nargs + nkw; i++)
        call[1 + i] = args[i];
    PyObject *r = PyObject_Vectorcall(fn, call, (size_t)(nargs + 1), kwnames);
    if (call != stack)
        PyMem_Free(call);
    return r;
}

static PyObject *fwd_decode(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("decode", self, args, nargs, kwnames);
}

static PyObject *fwd_as_array(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("as_array", self, args, nargs, kwnames);
}

static PyObject *fwd_as_arrays(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("as_arrays", self, args, nargs, kwnames);
}

/* ---- Argument parsing ------------------------------------------------------
 * A tiny METH_FASTCALL|METH_KEYWORDS parser. Keyword names are interned at
 * module init, so they match by pointer in the common case. */

enum {
    K_PATH, K_CAPACITY, K_FINGERPRINT, K_TIMEOUT, K_ALLOW_ANY_UID, K_DATA, K_TYPE_ID, K_SIZE, K_MAX,
    K_RECORD_SIZE, K_STREAM, K_MAX_VERSION, K_DL_DEVICE, K_COPY, K_SPIN, K__COUNT
};
static const char *const kw_text[K__COUNT] = {
    "path", "capacity", "fingerprint", "timeout", "allow_any_uid", "data", "type_id", "size", "max",
    "record_size", "stream", "max_version", "dl_device", "copy", "spin",
};
static PyObject *kw[K__COUNT];

/* Fills out[i] (borrowed, or NULL when absent) for the parameters named by
 * spec[0..n). The first npos may be given by position; the first nreq are
 * required. Returns 0 or -1 with TypeError set. */
static int parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                      const int *spec, int n, int npos, int nreq, PyObject **out)
{
    int i;
    if (nargs > npos) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional argument%s (%zd given)", fname, npos,
                     npos == 1 ? "" : "s", nargs);
        return -1;
    }
    for (i = 0; i < n; i++)
        out[i] = i < nargs ? args[i] : NULL;
    if (kwnames) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; k < nkw; k++) {
            PyObject *name = PyTuple_GET_ITEM(kwnames, k);
            int found = -1;
            for (i = 0; i < n; i++)
                if (name == kw[spec[i]]) {
                    found = i;
                    break;
                }
            if (found < 0)
                for (i = 0; i < n; i++)
                    if (PyUnicode_Compare(name, kw[spec[i]]) == 0) {
                        found = i;
                        break;
                    }
            if (found < 0) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, name);
                return -1;
            }
            if (out[found]) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fname, name);
                return -1;
            }
            out[found] = args[nargs + k];
        }
    }
    for (i = 0; i < nreq; i++)
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, kw_text[spec[i]]);
            return -1;
        }
    return 0;
}

/* timeout (seconds, float or int, or None) -> nanoseconds, -1 for "forever". */
static int parse_timeout(PyObject *obj, int64_t *ns)
{
    if (!obj || obj == Py_None) {
        *ns = -1;
        return 0;
    }
    double s = PyFloat_AsDouble(obj);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    if (!(s >= 0)) {
        PyErr_SetString(PyExc_ValueError, "timeout must be None or a number of seconds >= 0");
        return -1;
    }
    if (s > 9.2e9)
        *ns = -1;
    else
        *ns = (int64_t)(s * 1e9);
    return 0;
}

static int parse_u32(PyObject *obj, const char *what, uint32_t *out)
{
    unsigned long long v;
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int", what);
        return -1;
    }
    v = PyLong_AsUnsignedLongLong(obj);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s must be in 0..2**32-1", what);
        return -1;
    }
    if (v > UINT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s must be in 0..2**32-1", what);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_size(PyObject *obj, const char *what, size_t *out)
{
    Py_ssize_t v;
    if (!PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int", what);
        return -1;
    }
    v = PyLong_AsSsize_t(obj);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0) {
        PyErr_Format(PyExc_ValueError, "%s must be >= 0", what);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The next wait slice before `deadline` (-1: none); 0 when it has passed. */
static int64_t next_slice(int64_t deadline)
{
    if (deadline < 0)
        return WAIT_SLICE_NS;
    int64_t left = deadline - now_ns();
    if (left <= 0)
        return 0;
    return left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS;
}

/* ---- Bus ------------------------------------------------------------------ */

typedef struct BusObject {
    PyObject_HEAD
    tachyon_bus_t *bus;  /* NULL once destroyed */
    int role;
    int closing;         /* close() was called; destroy once nothing references the ring */
    int in_call;         /* a call released the GIL: another thread must not enter */
    uint32_t spin;
    Py_ssize_t map_refs; /* buffer exports + DLPack capsules + arrays over the ring */
    PyObject *holder;    /* borrowed: the guard/batch holding a reservation or messages */
    PyObject *typed_cls; /* send_typed's last class, its pack_into and size */
    PyObject *typed_pack;
    size_t typed_size;
    PyObject *weakrefs;
} BusObject;

static PyTypeObject Bus_Type;
static PyTypeObject RxGuard_Type;
static PyTypeObject TxGuard_Type;
static PyTypeObject Batch_Type;
static PyTypeObject BatchItem_Type;
static PyTypeObject Message_Type;

enum guard_state {
    G_ACTIVE = 0,  /* holding: exports allowed */
    G_CLOSING = 1, /* exit requested while buffer exports were outstanding; finishes at last release */
    G_DONE = 2     /* committed or rolled back */
};

static void bus_finish_holder(BusObject *self);

/* Destroys the C bus once close() was requested and nothing references it. */
static void bus_maybe_destroy(BusObject *self)
{
    if (self->closing && self->bus && self->map_refs == 0 && !self->holder) {
        tachyon_bus_t *b = self->bus;
        self->bus = NULL;
        tachyon_bus_destroy(b); /* never waits: a producer flushes, both sides mark themselves closed */
    }
}

static int bus_ready(BusObject *self)
{
    if (!self->bus || self->closing) {
        PyErr_SetString(err_by_code[TACHYON_ERR_STATE], "the bus is closed");
        return -1;
    }
    if (self->in_call) {
        PyErr_SetString(err_by_code[TACHYON_ERR_STATE],
                        "the bus is in use by another thread (one thread per side at a time)");
        return -1;
    }
    return 0;
}

static int bus_ready_role(BusObject *self, int role)
{
    if (bus_ready(self) < 0)
        return -1;
    if (self->role != role) {
        PyErr_SetString(err_by_code[TACHYON_ERR_STATE],
                        role == TACHYON_ROLE_PRODUCER ? "this side receives: only the connector (producer) sends"
                                                      : "this side sends: only the listener (consumer) receives");
        return -1;
    }
    if (self->holder) {
        PyErr_SetString(err_by_code[TACHYON_ERR_STATE],
                        role == TACHYON_ROLE_PRODUCER
                            ? "a send_zero_copy reservation is still open (commit it or release its memoryviews)"
                            : "a received message or batch is still held (leave its with-block, or release its "
                              "memoryviews)");
        return -1;
    }
    return 0;
}

/* Waits for a message. Returns the payload (held) or NULL with an exception. */
static const void *bus_rx_wait(BusObject *self, int64_t timeout_ns, uint32_t *type_id, size_t *size)
{
    tachyon_bus_t *b = self->bus;
    const void *p = tachyon_acquire_rx(b, type_id, size);
    if (p)
        return p;
    tachyon_error_t err = tachyon_last_error(b);
    if (err != TACHYON_ERR_EMPTY) {
        raise_tachyon(err, "receive");
        return NULL;
    }
    if (timeout_ns == 0) {
        raise_tachyon(TACHYON_ERR_TIMEOUT, "receive");
        return NULL;
    }
    int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
    uint32_t spin = self->spin;
    for (;;) {
        int64_t slice = next_slice(deadline);
        if (slice == 0) {
            raise_tachyon(TACHYON_ERR_TIMEOUT, "receive");
            return NULL;
        }
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        p = tachyon_acquire_rx_timeout(b, type_id, size, spin, slice);
        if (!p)
            err = tachyon_last_error(b);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (p)
            return p;
        if (err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_INTERRUPTED) {
            raise_tachyon(err, "receive");
            return NULL;
        }
        if (PyErr_CheckSignals() < 0)
            return NULL;
    }
}

/* Reserves room for a message. Returns where to write or NULL with an exception. */
static void *bus_tx_wait(BusObject *self, size_t size, int64_t timeout_ns)
{
    tachyon_bus_t *b = self->bus;
    void *p = tachyon_acquire_tx(b, size);
    if (p)
        return p;
    tachyon_error_t err = tachyon_last_error(b);
    if (err != TACHYON_ERR_FULL) {
        raise_tachyon(err, "send");
        return NULL;
    }
    if (timeout_ns == 0) {
        raise_tachyon(TACHYON_ERR_FULL, "send");
        return NULL;
    }
    int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
    for (;;) {
        int64_t slice = next_slice(deadline);
        if (slice == 0) {
            raise_tachyon(TACHYON_ERR_TIMEOUT, "send");
            return NULL;
        }
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        p = tachyon_acquire_tx_blocking(b, size, slice);
        if (!p)
            err = tachyon_last_error(b);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (p)
            return p;
        if (err != TACHYON_ERR_TIMEOUT && err != TACHYON_ERR_INTERRUPTED) {
            raise_tachyon(err, "send");
            return NULL;
        }
        if (PyErr_CheckSignals() < 0)
            return NULL;
    }
}

static BusObject *bus_new_object(PyTypeObject *type, tachyon_bus_t *b)
{
    BusObject *self = (BusObject *)type->tp_alloc(type, 0);
    if (!self) {
        tachyon_bus_destroy(b);
        return NULL;
    }
    self->bus = b;
    self->role = (int)tachyon_bus_role(b);
    self->spin = DEFAULT_SPIN;
    return self;
}

static int parse_fingerprint(PyObject *fp_obj, uint64_t *fp)
{
    *fp = 0;
    if (!fp_obj || fp_obj == Py_None)
        return 0;
    if (!PyLong_Check(fp_obj)) {
        PyErr_SetString(PyExc_TypeError, "fingerprint must be an int");
        return -1;
    }
    *fp = PyLong_AsUnsignedLongLong(fp_obj);
    if (*fp == (uint64_t)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "fingerprint must be in 0..2**64-1");
        return -1;
    }
    return 0;
}

static int parse_path(PyObject *obj, PyObject **bytes_out)
{
    if (!PyUnicode_FSConverter(obj, bytes_out))
        return -1;
    return 0;
}

/* Bus._listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False) */
static PyObject *Bus_listen(PyObject *cls, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_PATH, K_CAPACITY, K_FINGERPRINT, K_TIMEOUT, K_ALLOW_ANY_UID};
    PyObject *a[5];
    PyObject *path = NULL;
    tachyon_options_t opts;
    size_t capacity;
    int64_t timeout_ns;
    tachyon_bus_t *b = NULL;
    tachyon_error_t err;

    if (parse_args("_listen", args, nargs, kwnames, spec, 5, 5, 2, a) < 0)
        return NULL;
    memset(&opts, 0, sizeof opts);
    if (parse_size(a[1], "capacity", &capacity) < 0 || parse_fingerprint(a[2], &opts.schema_fingerprint) < 0 ||
        parse_timeout(a[3], &timeout_ns) < 0)
        return NULL;
    if (a[4]) {
        int t = PyObject_IsTrue(a[4]);
        if (t < 0)
            return NULL;
        if (t)
            opts.flags |= TACHYON_OPT_ALLOW_ANY_UID;
    }
    if (parse_path(a[0], &path) < 0)
        return NULL;
    int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
    for (;;) {
        if (deadline < 0) {
            opts.timeout_ms = -1;
        } else {
            int64_t left = deadline - now_ns();
            opts.timeout_ms = left <= 0 ? 1 : (int32_t)((left + 999999) / 1000000);
        }
        Py_BEGIN_ALLOW_THREADS
        err = tachyon_bus_listen_ex(PyBytes_AS_STRING(path), capacity, &opts, &b);
        Py_END_ALLOW_THREADS
        if (err != TACHYON_ERR_INTERRUPTED)
            break;
        if (PyErr_CheckSignals() < 0) {
            Py_DECREF(path);
            return NULL;
        }
    }
    Py_DECREF(path);
    if (err != TACHYON_OK)
        return raise_tachyon(err, "listen");
    return (PyObject *)bus_new_object((PyTypeObject *)cls, b);
}

/* Bus._connect(path, fingerprint=0, timeout=None): waits for a listener and
 * the handshake until the timeout (None: 5 s; at least 50 ms). */
static PyObject *Bus_connect(PyObject *cls, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_PATH, K_FINGERPRINT, K_TIMEOUT};
    PyObject *a[3];
    PyObject *path = NULL;
    tachyon_options_t opts;
    int64_t timeout_ns;
    tachyon_bus_t *b = NULL;
    tachyon_error_t err;

    if (parse_args("_connect", args, nargs, kwnames, spec, 3, 3, 1, a) < 0)
        return NULL;
    memset(&opts, 0, sizeof opts);
    if (parse_fingerprint(a[1], &opts.schema_fingerprint) < 0 || parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    if (timeout_ns < 0 && (!a[2] || a[2] == Py_None))
        timeout_ns = (int64_t)5000 * 1000000;
    if (parse_path(a[0], &path) < 0)
        return NULL;
    int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
    for (;;) {
        if (deadline < 0) {
            opts.timeout_ms = -1;
        } else {
            /* At least 50 ms: a listener that is there must have time to answer. */
            int64_t left = deadline - now_ns();
            opts.timeout_ms = left <= 50000000 ? 50 : (int32_t)((left + 999999) / 1000000);
        }
        Py_BEGIN_ALLOW_THREADS
        err = tachyon_bus_connect_ex(PyBytes_AS_STRING(path), &opts, &b);
        Py_END_ALLOW_THREADS
        if (err == TACHYON_OK)
            break;
        if (err != TACHYON_ERR_NO_LISTENER && err != TACHYON_ERR_INTERRUPTED)
            break;
        if (PyErr_CheckSignals() < 0) {
            Py_DECREF(path);
            return NULL;
        }
        if (err == TACHYON_ERR_NO_LISTENER) {
            if (deadline >= 0 && now_ns() + 5000000 > deadline)
                break;
            Py_BEGIN_ALLOW_THREADS
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
            Py_END_ALLOW_THREADS
        }
    }
    Py_DECREF(path);
    if (err != TACHYON_OK)
        return raise_tachyon(err, "connect");
    return (PyObject *)bus_new_object((PyTypeObject *)cls, b);
}

static PyObject *Bus_close(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->in_call)
        return raise_msg(err_by_code[TACHYON_ERR_STATE], "the bus is in use by another thread");
    if (!self->closing) {
        self->closing = 1;
        if (self->holder)
            bus_finish_holder(self);
        bus_maybe_destroy(self);
    }
    Py_RETURN_NONE;
}

static PyObject *Bus_enter(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self);
}

static PyObject *Bus_exit(BusObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    return Bus_close(self, NULL);
}

static void Bus_dealloc(BusObject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs)
        PyObject_ClearWeakRefs((PyObject *)self);
    Py_CLEAR(self->typed_cls);
    Py_CLEAR(self->typed_pack);
    if (self->bus) {
        /* Nothing references the ring any more: guards and capsules hold the bus. */
        tachyon_bus_destroy(self->bus);
        self->bus = NULL;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Bus_traverse(BusObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->typed_cls);
    Py_VISIT(self->typed_pack);
    return 0;
}

static int Bus_clear(BusObject *self)
{
    Py_CLEAR(self->typed_cls);
    Py_CLEAR(self->typed_pack);
    return 0;
}

/* Guard objects come and go once per message, so freed ones are kept on
 * small free lists (protected by the GIL) instead of going back to the
 * allocator. A guard owns a reference to its bus only while it lives, so
 * nothing forms a cycle and dropping the last reference to a bus closes it. */
#define FREELIST_MAX 8

static PyObject *tx_free[FREELIST_MAX];
static int tx_nfree;
static PyObject *rx_free[FREELIST_MAX];
static int rx_nfree;
static PyObject *batch_free[FREELIST_MAX];
static int batch_nfree;

static PyObject *freelist_pop(PyObject **list, int *n, PyTypeObject *type)
{
    if (*n > 0) {
        PyObject *o = list[--*n];
        return PyObject_Init(o, type);
    }
    return PyObject_New(PyObject, type);
}

/* Keeps `o` for reuse, or frees it when the list is full. */
static void freelist_push(PyObject **list, int *n, PyObject *o)
{
    if (*n < FREELIST_MAX)
        list[(*n)++] = o;
    else
        PyObject_Free(o);
}

/* ---- Message (copied out) -------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *data; /* bytes */
    uint32_t type_id;
} MessageObject;

static PyObject *message_new(uint32_t type_id, const void *p, size_t size)
{
    PyObject *data = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)size);
    if (!data)
        return NULL;
    MessageObject *m = PyObject_New(MessageObject, &Message_Type);
    if (!m) {
        Py_DECREF(data);
        return NULL;
    }
    m->data = data;
    m->type_id = type_id;
    return (PyObject *)m;
}

static PyObject *Message_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"type_id", "data", NULL};
    unsigned int type_id;
    Py_buffer buf;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Iy*", names, &type_id, &buf))
        return NULL;
    (void)type;
    PyObject *m = message_new(type_id, buf.buf, (size_t)buf.len);
    PyBuffer_Release(&buf);
    return m;
}

static void Message_dealloc(MessageObject *self)
{
    Py_XDECREF(self->data);
    PyObject_Free(self);
}

static PyObject *Message_size(MessageObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSsize_t(PyBytes_GET_SIZE(self->data));
}

static PyObject *Message_repr(MessageObject *self)
{
    return PyUnicode_FromFormat("Message(type_id=%u, data=%R)", (unsigned)self->type_id, self->data);
}

static int Message_getbuffer(MessageObject *self, Py_buffer *view, int flags)
{
    return PyBuffer_FillInfo(view, (PyObject *)self, PyBytes_AS_STRING(self->data), PyBytes_GET_SIZE(self->data), 1,
                             flags);
}

static PyObject *Message_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, &Message_Type) ||
        !PyObject_TypeCheck(a, &Message_Type))
        Py_RETURN_NOTIMPLEMENTED;
    MessageObject *x = (MessageObject *)a, *y = (MessageObject *)b;
    int eq = x->type_id == y->type_id && PyBytes_GET_SIZE(x->data) == PyBytes_GET_SIZE(y->data) &&
             memcmp(PyBytes_AS_STRING(x->data), PyBytes_AS_STRING(y->data), (size_t)PyBytes_GET_SIZE(x->data)) == 0;
    if (op == Py_NE)
        eq = !eq;
    return PyBool_FromLong(eq);
}

/* ---- DLPack export (shared by every view type) ----------------------------- */

typedef struct {
    BusObject *bus;  /* strong ref: keeps the mapping alive */
    void *copy;      /* malloc'd copy when copy=True was asked */
    int64_t shape[2];
    int64_t strides[2];
    int versioned;
    union {
        DLManagedTensor legacy;
        DLManagedTensorVersioned v1;
    } t;
} DLContext;

static void map_ref_release(BusObject *bus)
{
    if (--bus->map_refs == 0)
        bus_maybe_destroy(bus);
}

static void dl_context_free(DLContext *ctx)
{
    if (!Py_IsInitialized()) {
        /* Interpreter gone: the process is exiting; leak rather than touch Python. */
        return;
    }
    PyGILState_STATE g = PyGILState_Ensure();
    if (ctx->bus) {
        if (!ctx->copy)
            map_ref_release(ctx->bus);
        Py_DECREF(ctx->bus);
    }
    free(ctx->copy);
    PyMem_RawFree(ctx);
    PyGILState_Release(g);
}

static void dl_deleter_legacy(DLManagedTensor *t)
{
    dl_context_free((DLContext *)t->manager_ctx);
}

static void dl_deleter_v1(DLManagedTensorVersioned *t)
{
    dl_context_free((DLContext *)t->manager_ctx);
}

static void dl_capsule_destructor(PyObject *capsule)
{
    /* A consumer renames the capsule once it took ownership; only an
     * unconsumed capsule is ours to free. */
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        DLManagedTensor *t = PyCapsule_GetPointer(capsule, "dltensor");
        if (t && t->deleter)
            t->deleter(t);
    } else if (PyCapsule_IsValid(capsule, "dltensor_versioned")) {
        DLManagedTensorVersioned *t = PyCapsule_GetPointer(capsule, "dltensor_versioned");
        if (t && t->deleter)
            t->deleter(t);
    } else {
        PyErr_Clear();
    }
}

/* Builds a DLPack capsule over ring memory as a uint8 tensor: 1-D of `size`
 * bytes at ptr when rows < 0, else 2-D (rows, size) with rows `stride` bytes
 * apart (a run of equally spaced frames). */
static PyObject *dlpack_export(BusObject *bus, void *ptr, Py_ssize_t rows, size_t size, size_t stride, int writable,
                               PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_STREAM, K_MAX_VERSION, K_DL_DEVICE, K_COPY};
    PyObject *a[4];
    int versioned = 0, copy = 0;

    if (parse_args("__dlpack__", args, nargs, kwnames, spec, 4, 0, 0, a) < 0)
        return NULL;
    if (a[0] && a[0] != Py_None) {
        /* CPU memory has no stream; -1 is the spec's "no synchronisation". */
        long s = PyLong_Check(a[0]) ? PyLong_AsLong(a[0]) : 0;
        if (s != -1 || PyErr_Occurred()) {
            PyErr_Clear();
            return raise_msg(PyExc_BufferError, "stream must be None for CPU memory");
        }
    }
    if (a[1] && a[1] != Py_None) {
        if (!PyTuple_Check(a[1]) || PyTuple_GET_SIZE(a[1]) < 1)
            return raise_msg(PyExc_TypeError, "max_version must be a (major, minor) tuple");
        long major = PyLong_AsLong(PyTuple_GET_ITEM(a[1], 0));
        if (major == -1 && PyErr_Occurred())
            return NULL;
        versioned = major >= 1;
    }
    if (a[2] && a[2] != Py_None) {
        PyObject *dev = a[2];
        if (!PyTuple_Check(dev) || PyTuple_GET_SIZE(dev) != 2)
            return raise_msg(PyExc_TypeError, "dl_device must be a (device_type, device_id) tuple");
        long dt = PyLong_AsLong(PyTuple_GET_ITEM(dev, 0));
        long di = PyLong_AsLong(PyTuple_GET_ITEM(dev, 1));
        if (PyErr_Occurred())
            return NULL;
        if (dt != DL_CPU || di != 0)
            return raise_msg(PyExc_BufferError, "tachyon messages live in CPU memory (kDLCPU, 0)");
    }
    if (a[3] && a[3] != Py_None) {
        copy = PyObject_IsTrue(a[3]);
        if (copy < 0)
            return NULL;
    }
    DLContext *ctx = PyMem_RawCalloc(1, sizeof *ctx);
    if (!ctx)
        return PyErr_NoMemory();
    void *data = ptr;
    size_t nrows = rows < 0 ? 1 : (size_t)rows;
    if (copy) {
        ctx->copy = malloc(nrows * size > 0 ? nrows * size : 1);
        if (!ctx->copy) {
            PyMem_RawFree(ctx);
            return PyErr_NoMemory();
        }
        for (size_t r = 0; r < nrows; r++)
            memcpy((uint8_t *)ctx->copy + r * size, (const uint8_t *)ptr + r * stride, size);
        data = ctx->copy;
        stride = size;
        writable = 1;
    }
    ctx->bus = (BusObject *)Py_NewRef(bus);
    if (rows < 0) {
        ctx->shape[0] = (int64_t)size;
        ctx->strides[0] = 1;
    } else {
        ctx->shape[0] = (int64_t)rows;
        ctx->shape[1] = (int64_t)size;
        ctx->strides[0] = (int64_t)stride;
        ctx->strides[1] = 1;
    }
    ctx->versioned = versioned;
    DLTensor *t;
    if (versioned) {
        ctx->t.v1.version.major = 1;
        ctx->t.v1.version.minor = 0;
        ctx->t.v1.manager_ctx = ctx;
        ctx->t.v1.deleter = dl_deleter_v1;
        ctx->t.v1.flags = (writable ? 0 : DL_FLAG_READ_ONLY) | (copy ? DL_FLAG_IS_COPIED : 0);
        t = &ctx->t.v1.dl_tensor;
    } else {
        ctx->t.legacy.manager_ctx = ctx;
        ctx->t.legacy.deleter = dl_deleter_legacy;
        t = &ctx->t.legacy.dl_tensor;
    }
    t->data = data;
    t->device.device_type = DL_CPU;
    t->device.device_id = 0;
    t->ndim = rows < 0 ? 1 : 2;
    t->dtype.code = DL_UINT;
    t->dtype.bits = 8;
    t->dtype.lanes = 1;
    t->shape = ctx->shape;
    t->strides = ctx->strides;
    t->byte_offset = 0;
    if (!copy)
        bus->map_refs++;
    PyObject *cap = versioned ? PyCapsule_New(&ctx->t.v1, "dltensor_versioned", dl_capsule_destructor)
                              : PyCapsule_New(&ctx->t.legacy, "dltensor", dl_capsule_destructor);
    if (!cap) {
        if (!copy)
            bus->map_refs--;
        Py_DECREF(ctx->bus);
        free(ctx->copy);
        PyMem_RawFree(ctx);
        return NULL;
    }
    return cap;
}

static PyObject *dlpack_device(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    (void)self;
    return Py_BuildValue("(ii)", DL_CPU, 0);
}

/* ---- Span: an __array_interface__ over ring memory (for as_array) ---------- */

typedef struct {
    PyObject_HEAD
    BusObject *bus;
    uintptr_t addr;
    Py_ssize_t len;
} SpanObject;

static PyTypeObject Span_Type;

static PyObject *span_new(BusObject *bus, const void *addr, Py_ssize_t len)
{
    SpanObject *s = PyObject_New(SpanObject, &Span_Type);
    if (!s)
        return NULL;
    s->bus = (BusObject *)Py_NewRef(bus);
    s->addr = (uintptr_t)addr;
    s->len = len;
    bus->map_refs++;
    return (PyObject *)s;
}

static void Span_dealloc(SpanObject *self)
{
    map_ref_release(self->bus);
    Py_DECREF(self->bus);
    PyObject_Free(self);
}

static PyObject *Span_array_interface(SpanObject *self, void *Py_UNUSED(c))
{
    return Py_BuildValue("{s:(n),s:s,s:(Ni),s:i}", "shape", self->len, "typestr", "|u1", "data",
                         PyLong_FromVoidPtr((void *)self->addr), 1, "version", 3);
}

/* ---- RxGuard: one message read in place ------------------------------------ */

typedef struct {
    PyObject_HEAD
    BusObject *bus;
    const void *ptr;
    size_t size;
    uint32_t type_id;
    int state;
    Py_ssize_t exports;
} RxGuardObject;

static int rx_check(RxGuardObject *self)
{
    if (self->state != G_ACTIVE) {
        PyErr_SetString(ExcUseAfterCommit, "this message was committed: its ring bytes may already be reused");
        return -1;
    }
    return 0;
}

/* Commits (consumer) now. */
static void rx_finish(RxGuardObject *self)
{
    BusObject *bus = self->bus;
    self->state = G_DONE;
    if (bus->holder == (PyObject *)self)
        bus->holder = NULL;
    if (bus->bus)
        (void)tachyon_commit_rx(bus->bus);
    bus_maybe_destroy(bus);
}

static PyObject *RxGuard_commit(RxGuardObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->state == G_DONE)
        Py_RETURN_NONE;
    if (self->exports > 0) {
        self->state = G_CLOSING;
        return raise_msg(ExcExportsOutstanding,
                         "memoryviews of this message are still alive; it is committed when the last one is "
                         "released (use `with memoryview(rx) as mv:`)");
    }
    rx_finish(self);
    Py_RETURN_NONE;
}

static PyObject *RxGuard_exit(RxGuardObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 0 && args[0] != Py_None && self->state == G_ACTIVE && self->exports > 0) {
        /* Do not mask the body's exception: commit at the last release. */
        self->state = G_CLOSING;
        Py_RETURN_FALSE;
    }
    PyObject *r = RxGuard_commit(self, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static int RxGuard_getbuffer(RxGuardObject *self, Py_buffer *view, int flags)
{
    if (rx_check(self) < 0) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, (void *)self->ptr, (Py_ssize_t)self->size, 1, flags) < 0)
        return -1;
    self->exports++;
    self->bus->map_refs++;
    return 0;
}

static void RxGuard_releasebuffer(RxGuardObject *self, Py_buffer *view)
{
    (void)view;
    BusObject *bus = self->bus;
    Py_INCREF(bus);
    if (--self->exports == 0 && self->state == G_CLOSING)
        rx_finish(self);
    map_ref_release(bus);
    Py_DECREF(bus);
}

static PyObject *RxGuard_dlpack(RxGuardObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (rx_check(self) < 0)
        return NULL;
    return dlpack_export(self->bus, (void *)self->ptr, -1, self->size, 0, 0, args, nargs, kwnames);
}

static PyObject *RxGuard_tobytes(RxGuardObject *self, PyObject *Py_UNUSED(ignored))
{
    if (rx_check(self) < 0)
        return NULL;
    return PyBytes_FromStringAndSize((const char *)self->ptr, (Py_ssize_t)self->size);
}

static PyObject *RxGuard_get_type_id(RxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->type_id);
}

static PyObject *RxGuard_get_size(RxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->size);
}

static PyObject *RxGuard_get_committed(RxGuardObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->state == G_DONE);
}

static void RxGuard_dealloc(RxGuardObject *self)
{
    if (self->state == G_ACTIVE || self->state == G_CLOSING)
        rx_finish(self); /* dropped without leaving a with-block: commit */
    Py_CLEAR(self->bus);
    freelist_push(rx_free, &rx_nfree, (PyObject *)self);
}

static Py_ssize_t RxGuard_len(RxGuardObject *self)
{
    return (Py_ssize_t)self->size;
}

/* ---- TxGuard: one reservation written in place ----------------------------- */

typedef struct {
    PyObject_HEAD
    BusObject *bus;
    void *ptr;
    size_t size;        /* reserved bytes */
    size_t actual_size; /* committed bytes (defaults to size) */
    uint32_t type_id;
    int state;
    int rollback_on_release; /* G_CLOSING: what to do at the last release */
    Py_ssize_t exports;
} TxGuardObject;

static int tx_check(TxGuardObject *self)
{
    if (self->state != G_ACTIVE) {
        PyErr_SetString(ExcUseAfterCommit, "this reservation was committed or rolled back");
        return -1;
    }
    return 0;
}

static tachyon_error_t tx_finish(TxGuardObject *self, int rollback)
{
    BusObject *bus = self->bus;
    tachyon_error_t err = TACHYON_OK;
    self->state = G_DONE;
    if (bus->holder == (PyObject *)self)
        bus->holder = NULL;
    if (bus->bus) {
        if (rollback)
            err = tachyon_rollback_tx(bus->bus);
        else
            err = tachyon_commit_tx(bus->bus, self->actual_size, self->type_id);
    }
    bus_maybe_destroy(bus);
    return err;
}

static PyObject *tx_end(TxGuardObject *self, int rollback)
{
    if (self->state == G_DONE) {
        if (rollback)
            Py_RETURN_NONE;
        return raise_msg(ExcUseAfterCommit, "this reservation was already committed or rolled back");
    }
    if (!rollback && self->actual_size > self->size) {
        /* Keep the reservation: the caller may fix actual_size and commit. */
        PyErr_Format(err_by_code[TACHYON_ERR_INVALID_ARG], "actual_size %zu exceeds the reserved size %zu",
                     self->actual_size, self->size);
        return NULL;
    }
    if (self->exports > 0) {
        /* A writable view outlives the reservation: never publish bytes that can
         * still change; roll back when the last view goes. */
        self->state = G_CLOSING;
        self->rollback_on_release = 1;
        return raise_msg(ExcExportsOutstanding,
                         "memoryviews of this reservation are still alive; nothing was sent (it is rolled back "
                         "when the last one is released; use `with memoryview(tx) as mv:`)");
    }
    tachyon_error_t err = tx_finish(self, rollback);
    if (err != TACHYON_OK)
        return raise_tachyon(err, rollback ? "rollback" : "commit");
    Py_RETURN_NONE;
}

static PyObject *TxGuard_commit(TxGuardObject *self, PyObject *Py_UNUSED(ignored))
{
    return tx_end(self, 0);
}

static PyObject *TxGuard_rollback(TxGuardObject *self, PyObject *Py_UNUSED(ignored))
{
    return tx_end(self, 1);
}

static PyObject *TxGuard_exit(TxGuardObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int failed = nargs > 0 && args[0] != Py_None;
    if (failed) {
        /* The body raised: roll back and let its exception propagate. */
        if (self->state == G_ACTIVE) {
            if (self->exports > 0) {
                self->state = G_CLOSING;
                self->rollback_on_release = 1;
            } else {
                (void)tx_finish(self, 1);
            }
        }
        Py_RETURN_FALSE;
    }
    if (self->state == G_DONE)
        Py_RETURN_FALSE; /* committed explicitly inside the block */
    PyObject *r = tx_end(self, 0);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static int TxGuard_getbuffer(TxGuardObject *self, Py_buffer *view, int flags)
{
    if (tx_check(self) < 0) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, self->ptr, (Py_ssize_t)self->size, 0, flags) < 0)
        return -1;
    self->exports++;
    self->bus->map_refs++;
    return 0;
}

static void TxGuard_releasebuffer(TxGuardObject *self, Py_buffer *view)
{
    (void)view;
    BusObject *bus = self->bus;
    Py_INCREF(bus);
    if (--self->exports == 0 && self->state == G_CLOSING)
        (void)tx_finish(self, self->rollback_on_release);
    map_ref_release(bus);
    Py_DECREF(bus);
}

static PyObject *TxGuard_dlpack(TxGuardObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (tx_check(self) < 0)
        return NULL;
    return dlpack_export(self->bus, self->ptr, -1, self->size, 0, 1, args, nargs, kwnames);
}

static PyObject *TxGuard_get_actual_size(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->actual_size);
}

static int TxGuard_set_actual_size(TxGuardObject *self, PyObject *v, void *Py_UNUSED(c))
{
    size_t n;
    if (!v)
        return raise_msg(PyExc_AttributeError, "cannot delete actual_size"), -1;
    if (parse_size(v, "actual_size", &n) < 0)
        return -1;
    if (n > self->size) {
        PyErr_Format(err_by_code[TACHYON_ERR_INVALID_ARG], "actual_size %zu exceeds the reserved size %zu", n,
                     self->size);
        return -1;
    }
    self->actual_size = n;
    return 0;
}

static PyObject *TxGuard_get_type_id(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->type_id);
}

static int TxGuard_set_type_id(TxGuardObject *self, PyObject *v, void *Py_UNUSED(c))
{
    if (!v)
        return raise_msg(PyExc_AttributeError, "cannot delete type_id"), -1;
    return parse_u32(v, "type_id", &self->type_id);
}

static PyObject *TxGuard_get_size(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->size);
}

static PyObject *TxGuard_get_committed(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->state == G_DONE);
}

static void TxGuard_dealloc(TxGuardObject *self)
{
    if (self->state != G_DONE)
        (void)tx_finish(self, 1); /* dropped without leaving a with-block: nothing is sent */
    Py_CLEAR(self->bus);
    freelist_push(tx_free, &tx_nfree, (PyObject *)self);
}

static Py_ssize_t TxGuard_len(TxGuardObject *self)
{
    return (Py_ssize_t)self->size;
}

/* ---- Batch: many messages read in place ------------------------------------ */

typedef struct {
    PyObject_HEAD
    BusObject *bus;
    tachyon_msg_t *msgs;
    size_t cap;   /* slots in msgs */
    size_t count; /* messages held */
    int single;   /* held with acquire_rx (after a wait) rather than drain_batch */
    int state;
    Py_ssize_t exports;
} BatchObject;

typedef struct {
    PyObject_HEAD
    BatchObject *batch;
    size_t index;
} BatchItemObject;

static int batch_check(BatchObject *self)
{
    if (self->state != G_ACTIVE) {
        PyErr_SetString(ExcUseAfterCommit, "this batch was committed: its ring bytes may already be reused");
        return -1;
    }
    return 0;
}

static void batch_finish(BatchObject *self)
{
    BusObject *bus = self->bus;
    self->state = G_DONE;
    if (bus->holder == (PyObject *)self)
        bus->holder = NULL;
    if (bus->bus && self->count) {
        if (self->single)
            (void)tachyon_commit_rx(bus->bus);
        else
            (void)tachyon_commit_rx_batch(bus->bus, self->count);
    }
    bus_maybe_destroy(bus);
}

static PyObject *Batch_commit(BatchObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->state == G_DONE)
        Py_RETURN_NONE;
    if (self->exports > 0) {
        self->state = G_CLOSING;
        return raise_msg(ExcExportsOutstanding,
                         "memoryviews of messages in this batch are still alive; the batch is committed when the "
                         "last one is released");
    }
    batch_finish(self);
    Py_RETURN_NONE;
}

static PyObject *Batch_exit(BatchObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 0 && args[0] != Py_None && self->state == G_ACTIVE && self->exports > 0) {
        self->state = G_CLOSING;
        Py_RETURN_FALSE;
    }
    PyObject *r = Batch_commit(self, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static Py_ssize_t Batch_len(BatchObject *self)
{
    return (Py_ssize_t)self->count;
}

static PyObject *Batch_item(BatchObject *self, Py_ssize_t i)
{
    if (batch_check(self) < 0)
        return NULL;
    if (i < 0 || (size_t)i >= self->count)
        return raise_msg(PyExc_IndexError, "batch index out of range");
    BatchItemObject *it = PyObject_New(BatchItemObject, &BatchItem_Type);
    if (!it)
        return NULL;
    it->batch = (BatchObject *)Py_NewRef(self);
    it->index = (size_t)i;
    return (PyObject *)it;
}

static PyObject *Batch_get_committed(BatchObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->state == G_DONE);
}

static PyObject *Batch_tolist(BatchObject *self, PyObject *Py_UNUSED(ignored))
{
    if (batch_check(self) < 0)
        return NULL;
    PyObject *list = PyList_New((Py_ssize_t)self->count);
    if (!list)
        return NULL;
    for (size_t i = 0; i < self->count; i++) {
        PyObject *m = message_new(self->msgs[i].type_id, self->msgs[i].data, self->msgs[i].size);
        if (!m) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, m);
    }
    return list;
}

static void Batch_dealloc(BatchObject *self)
{
    if (self->state != G_DONE)
        batch_finish(self);
    Py_CLEAR(self->bus);
    if (batch_nfree < FREELIST_MAX && self->cap <= 4096) {
        batch_free[batch_nfree++] = (PyObject *)self; /* with its msgs array */
    } else {
        PyMem_Free(self->msgs);
        PyObject_Free(self);
    }
}

static const tachyon_msg_t *item_msg(BatchItemObject *self)
{
    if (batch_check(self->batch) < 0)
        return NULL;
    return &self->batch->msgs[self->index];
}

static int BatchItem_getbuffer(BatchItemObject *self, Py_buffer *view, int flags)
{
    const tachyon_msg_t *m = item_msg(self);
    if (!m) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, (PyObject *)self, (void *)m->data, (Py_ssize_t)m->size, 1, flags) < 0)
        return -1;
    self->batch->exports++;
    self->batch->bus->map_refs++;
    return 0;
}

static void BatchItem_releasebuffer(BatchItemObject *self, Py_buffer *view)
{
    (void)view;
    BatchObject *batch = self->batch;
    BusObject *bus = batch->bus;
    Py_INCREF(bus);
    if (--batch->exports == 0 && batch->state == G_CLOSING)
        batch_finish(batch);
    map_ref_release(bus);
    Py_DECREF(bus);
}

static PyObject *BatchItem_dlpack(BatchItemObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    const tachyon_msg_t *m = item_msg(self);
    if (!m)
        return NULL;
    return dlpack_export(self->batch->bus, (void *)m->data, -1, m->size, 0, 0, args, nargs, kwnames);
}

static PyObject *BatchItem_tobytes(BatchItemObject *self, PyObject *Py_UNUSED(ignored))
{
    const tachyon_msg_t *m = item_msg(self);
    if (!m)
        return NULL;
    return PyBytes_FromStringAndSize((const char *)m->data, (Py_ssize_t)m->size);
}

static PyObject *BatchItem_get_type_id(BatchItemObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->batch->msgs[self->index].type_id);
}

static PyObject *BatchItem_get_size(BatchItemObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->batch->msgs[self->index].size);
}

static Py_ssize_t BatchItem_len(BatchItemObject *self)
{
    return (Py_ssize_t)self->batch->msgs[self->index].size;
}

static void BatchItem_dealloc(BatchItemObject *self)
{
    Py_DECREF(self->batch);
    PyObject_Free(self);
}

/* ---- BatchRun: equally spaced, equally sized messages of a batch ----------
 * Consecutive frames of one size sit frame_len(size) bytes apart until the
 * ring's end (or a size change) breaks the pattern; a run is exported as one
 * 2-D (count, size) uint8 tensor with row stride frame_len(size), so a whole
 * batch of frames becomes one array without a copy. */

typedef struct {
    PyObject_HEAD
    BatchObject *batch;
    size_t start;  /* first message index */
    size_t count;
    size_t size;   /* payload bytes of each */
    size_t stride; /* bytes between consecutive payloads */
} BatchRunObject;

static PyTypeObject BatchRun_Type;

static size_t frame_len(size_t size)
{
    return (TACHYON_FRAME_HEADER + size + TACHYON_FRAME_ALIGN - 1) & ~(size_t)(TACHYON_FRAME_ALIGN - 1);
}

/* batch.runs() -> list of BatchRun covering the batch in order. */
static PyObject *Batch_runs(BatchObject *self, PyObject *Py_UNUSED(ignored))
{
    if (batch_check(self) < 0)
        return NULL;
    PyObject *list = PyList_New(0);
    if (!list)
        return NULL;
    size_t i = 0;
    while (i < self->count) {
        size_t size = self->msgs[i].size, stride = frame_len(size), j = i + 1;
        while (j < self->count && self->msgs[j].size == size &&
               (const uint8_t *)self->msgs[j].data == (const uint8_t *)self->msgs[j - 1].data + stride)
            j++;
        BatchRunObject *r = PyObject_New(BatchRunObject, &BatchRun_Type);
        if (!r) {
            Py_DECREF(list);
            return NULL;
        }
        r->batch = (BatchObject *)Py_NewRef(self);
        r->start = i;
        r->count = j - i;
        r->size = size;
        r->stride = stride;
        if (PyList_Append(list, (PyObject *)r) < 0) {
            Py_DECREF(r);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(r);
        i = j;
    }
    return list;
}

static PyObject *BatchRun_dlpack(BatchRunObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (batch_check(self->batch) < 0)
        return NULL;
    return dlpack_export(self->batch->bus, (void *)self->batch->msgs[self->start].data, (Py_ssize_t)self->count,
                         self->size, self->stride, 0, args, nargs, kwnames);
}

static PyObject *BatchRun_get(BatchRunObject *self, void *which)
{
    switch ((intptr_t)which) {
    case 0: return PyLong_FromSize_t(self->start);
    case 1: return PyLong_FromSize_t(self->count);
    case 2: return PyLong_FromSize_t(self->size);
    default: return PyLong_FromSize_t(self->stride);
    }
}

static PyObject *BatchRun_type_ids(BatchRunObject *self, PyObject *Py_UNUSED(ignored))
{
    if (batch_check(self->batch) < 0)
        return NULL;
    PyObject *list = PyList_New((Py_ssize_t)self->count);
    if (!list)
        return NULL;
    for (size_t i = 0; i < self->count; i++) {
        PyObject *v = PyLong_FromUnsignedLong(self->batch->msgs[self->start + i].type_id);
        if (!v) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

/* run._span() -> an __array_interface__ object over the run's bytes (first
 * payload to the end of the last), keeping the ring mapped while it lives. */
static PyObject *BatchRun_span(BatchRunObject *self, PyObject *Py_UNUSED(ignored))
{
    if (batch_check(self->batch) < 0)
        return NULL;
    const void *first = self->batch->msgs[self->start].data;
    return span_new(self->batch->bus, first, (Py_ssize_t)((self->count - 1) * self->stride + self->size));
}

static Py_ssize_t BatchRun_len(BatchRunObject *self)
{
    return (Py_ssize_t)self->count;
}

static PyObject *BatchRun_repr(BatchRunObject *self)
{
    return PyUnicode_FromFormat("<tachyon.BatchRun start=%zu count=%zu size=%zu stride=%zu>", self->start,
                                self->count, self->size, self->stride);
}

static void BatchRun_dealloc(BatchRunObject *self)
{
    Py_DECREF(self->batch);
    PyObject_Free(self);
}

static PyMethodDef BatchRun_methods[] = {
    {"__dlpack__", (PyCFunction)(void (*)(void))BatchRun_dlpack, METH_FASTCALL | METH_KEYWORDS,
     "A 2-D (count, size) uint8 tensor over the run, rows `stride` bytes apart (no copy)."},
    {"__dlpack_device__", dlpack_device, METH_NOARGS, NULL},
    {"type_ids", (PyCFunction)BatchRun_type_ids, METH_NOARGS, "The type id of each message of the run."},
    {"_span", (PyCFunction)BatchRun_span, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef BatchRun_getset[] = {
    {"start", (getter)BatchRun_get, NULL, "index of the run's first message in the batch", (void *)0},
    {"count", (getter)BatchRun_get, NULL, "messages in the run", (void *)1},
    {"size", (getter)BatchRun_get, NULL, "payload bytes of each message", (void *)2},
    {"stride", (getter)BatchRun_get, NULL, "bytes from one payload to the next (the frame length)", (void *)3},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods BatchRun_as_sequence = {.sq_length = (lenfunc)BatchRun_len};

static PyTypeObject BatchRun_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.BatchRun",
    .tp_basicsize = sizeof(BatchRunObject),
    .tp_dealloc = (destructor)BatchRun_dealloc,
    .tp_repr = (reprfunc)BatchRun_repr,
    .tp_as_sequence = &BatchRun_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Equally sized, equally spaced messages of a Batch, exported as one 2-D DLPack tensor.",
    .tp_methods = BatchRun_methods,
    .tp_getset = BatchRun_getset,
};

/* Ends whatever the bus holds, at close(). */
static void bus_finish_holder(BusObject *self)
{
    PyObject *h = self->holder;
    if (Py_IS_TYPE(h, &RxGuard_Type)) {
        RxGuardObject *g = (RxGuardObject *)h;
        if (g->exports == 0)
            rx_finish(g);
        else
            g->state = G_CLOSING;
    } else if (Py_IS_TYPE(h, &TxGuard_Type)) {
        TxGuardObject *g = (TxGuardObject *)h;
        if (g->exports == 0) {
            (void)tx_finish(g, 1);
        } else {
            g->state = G_CLOSING;
            g->rollback_on_release = 1;
        }
    } else if (Py_IS_TYPE(h, &Batch_Type)) {
        BatchObject *g = (BatchObject *)h;
        if (g->exports == 0)
            batch_finish(g);
        else
            g->state = G_CLOSING;
    }
}

/* ---- Bus operations ---------------------------------------------------------- */

/* bus.send(data, type_id=0, timeout=None): copies data into the ring; waits
 * for room until the timeout (TachyonTimeout), 0 = RingFull at once. */
static PyObject *Bus_send(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID, K_TIMEOUT};
    PyObject *a[3];
    uint32_t type_id = 0;
    int64_t timeout_ns = -1;
    Py_buffer buf;

    if (parse_args("send", args, nargs, kwnames, spec, 3, 2, 1, a) < 0)
        return NULL;
    if (bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[1] && parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (a[2] && parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    if (PyBytes_CheckExact(a[0])) {
        tachyon_error_t err = tachyon_send(self->bus, PyBytes_AS_STRING(a[0]), (size_t)PyBytes_GET_SIZE(a[0]), type_id);
        if (err == TACHYON_OK)
            Py_RETURN_NONE;
        if (err != TACHYON_ERR_FULL)
            return raise_tachyon(err, "send");
    }
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    void *p = bus_tx_wait(self, (size_t)buf.len, timeout_ns);
    if (!p) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    memcpy(p, buf.buf, (size_t)buf.len);
    tachyon_error_t err = tachyon_commit_tx(self->bus, (size_t)buf.len, type_id);
    PyBuffer_Release(&buf);
    if (err != TACHYON_OK)
        return raise_tachyon(err, "send");
    Py_RETURN_NONE;
}

/* bus.try_send(data, type_id=0) -> bool: False when the ring is full. */
static PyObject *Bus_try_send(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID};
    PyObject *a[2];
    uint32_t type_id = 0;
    Py_buffer buf;

    if (parse_args("try_send", args, nargs, kwnames, spec, 2, 2, 1, a) < 0)
        return NULL;
    if (bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[1] && parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    tachyon_error_t err = tachyon_send(self->bus, buf.buf, (size_t)buf.len, type_id);
    PyBuffer_Release(&buf);
    if (err == TACHYON_OK)
        Py_RETURN_TRUE;
    if (err == TACHYON_ERR_FULL)
        Py_RETURN_FALSE;
    return raise_tachyon(err, "send");
}

static PyObject *Bus_flush(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (bus_ready(self) < 0)
        return NULL;
    if (self->role != TACHYON_ROLE_PRODUCER)
        Py_RETURN_NONE; /* nothing to publish on the consumer side */
    tachyon_error_t err = tachyon_flush(self->bus);
    if (err != TACHYON_OK)
        return raise_tachyon(err, "flush");
    Py_RETURN_NONE;
}



static PyObject *new_tx_guard(BusObject *self, void *p, size_t size, uint32_t type_id)
{
    TxGuardObject *g = (TxGuardObject *)freelist_pop(tx_free, &tx_nfree, &TxGuard_Type);
    if (!g) {
        (void)tachyon_rollback_tx(self->bus);
        return NULL;
    }
    g->bus = (BusObject *)Py_NewRef(self);
    g->ptr = p;
    g->size = size;
    g->actual_size = size;
    g->type_id = type_id;
    g->state = G_ACTIVE;
    g->rollback_on_release = 0;
    g->exports = 0;
    self->holder = (PyObject *)g;
    return (PyObject *)g;
}

/* bus.send_zero_copy(size, type_id=0, timeout=None) -> TxGuard */
static PyObject *Bus_send_zero_copy(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_SIZE, K_TYPE_ID, K_TIMEOUT};
    PyObject *a[3];
    uint32_t type_id = 0;
    size_t size;
    int64_t timeout_ns = -1;

    if (parse_args("send_zero_copy", args, nargs, kwnames, spec, 3, 2, 1, a) < 0)
        return NULL;
    if (bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (parse_size(a[0], "size", &size) < 0)
        return NULL;
    if (a[1] && parse_u32(a[1], "type_id", &type_id) < 0)
        return NULL;
    if (a[2] && parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    void *p = bus_tx_wait(self, size, timeout_ns);
    if (!p)
        return NULL;
    return new_tx_guard(self, p, size, type_id);
}

/* Looks up (and caches) what send_typed needs from a generated class:
 * its precompiled struct.Struct's pack_into and its size. */
static int typed_lookup(BusObject *self, PyObject *cls)
{
    if (cls == self->typed_cls)
        return 0;
    PyObject *st = PyObject_GetAttrString(cls, "STRUCT");
    if (!st) {
        PyErr_Clear();
        st = PyObject_GetAttrString(cls, "_STRUCT");
    }
    if (!st) {
        PyErr_Clear();
        if (PyObject_HasAttrString(cls, "pack_into") && PyObject_HasAttrString(cls, "size"))
            st = Py_NewRef(cls); /* a struct.Struct itself */
    }
    if (!st) {
        PyErr_Format(PyExc_TypeError, "send_typed: %R is not a generated message class (no STRUCT)", cls);
        return -1;
    }
    PyObject *pack = PyObject_GetAttrString(st, "pack_into");
    PyObject *size_obj = pack ? PyObject_GetAttrString(st, "size") : NULL;
    Py_DECREF(st);
    if (!size_obj) {
        Py_XDECREF(pack);
        return -1;
    }
    Py_ssize_t size = PyLong_AsSsize_t(size_obj);
    Py_DECREF(size_obj);
    if (size < 0) {
        Py_DECREF(pack);
        return -1;
    }
    Py_XSETREF(self->typed_cls, Py_NewRef(cls));
    Py_XSETREF(self->typed_pack, pack);
    self->typed_size = (size_t)size;
    return 0;
}

/* bus.send_typed(cls, type_id, *values): packs `values` with the generated
 * class's precompiled struct straight into a ring slot and commits it. */
static PyObject *Bus_send_typed(BusObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t type_id;
    if (nargs < 2)
        return raise_msg(PyExc_TypeError, "send_typed(cls, type_id, *values)");
    if (bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (typed_lookup(self, args[0]) < 0 || parse_u32(args[1], "type_id", &type_id) < 0)
        return NULL;
    void *p = bus_tx_wait(self, self->typed_size, -1);
    if (!p)
        return NULL;
    PyObject *g = new_tx_guard(self, p, self->typed_size, type_id);
    if (!g)
        return NULL;
    PyObject *stack_args[18];
    PyObject **call = stack_args;
    Py_ssize_t nvalues = nargs - 2, ncall = nvalues + 2;
    if (ncall > (Py_ssize_t)(sizeof stack_args / sizeof stack_args[0]) - 1) {
        call = PyMem_Malloc(sizeof(PyObject *) * (size_t)(ncall + 1));
        if (!call) {
            (void)tx_finish((TxGuardObject *)g, 1);
            Py_DECREF(g);
            return PyErr_NoMemory();
        }
    }
    /* slot 0 free for PY_VECTORCALL_ARGUMENTS_OFFSET */
    call[1] = g;
    call[2] = small_zero;
    for (Py_ssize_t i = 0; i < nvalues; i++)
        call[3 + i] = args[2 + i];
    PyObject *r = PyObject_Vectorcall(self->typed_pack, call + 1, (size_t)ncall | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                      NULL);
    if (call != stack_args)
        PyMem_Free(call);
    TxGuardObject *tx = (TxGuardObject *)g;
    if (!r) {
        if (tx->state == G_ACTIVE && tx->exports == 0)
            (void)tx_finish(tx, 1);
        Py_DECREF(g);
        return NULL;
    }
    Py_DECREF(r);
    PyObject *done = tx_end(tx, 0);
    Py_DECREF(g);
    return done;
}

/* bus.send_batch(data, type_id=0, record_size=None, timeout=None) -> count.
 * `data` holds N records of record_size bytes back to back; record_size
 * defaults to the buffer's itemsize (a NumPy structured array) or its row
 * size (a 2-D array); a flat byte buffer needs it. `type_id` is an int, or a
 * buffer of N uint32 (one per record). Sends them all in one C loop, waiting
 * for room as needed; on an error the exception's `.sent` is the count that
 * went. */
static PyObject *Bus_send_batch(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DATA, K_TYPE_ID, K_RECORD_SIZE, K_TIMEOUT};
    PyObject *a[4];
    uint32_t type_id = 0;
    int64_t timeout_ns = -1;
    size_t rs = 0;
    Py_buffer buf, ids;
    int have_ids = 0;

    if (parse_args("send_batch", args, nargs, kwnames, spec, 4, 2, 1, a) < 0)
        return NULL;
    if (bus_ready_role(self, TACHYON_ROLE_PRODUCER) < 0)
        return NULL;
    if (a[2] && a[2] != Py_None && parse_size(a[2], "record_size", &rs) < 0)
        return NULL;
    if (a[3] && parse_timeout(a[3], &timeout_ns) < 0)
        return NULL;
    if (PyObject_GetBuffer(a[0], &buf, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        if (PyObject_GetBuffer(a[0], &buf, PyBUF_C_CONTIGUOUS) < 0)
            return NULL;
    }
    if (rs == 0) {
        if (buf.ndim >= 2 && buf.shape && buf.shape[0] > 0) {
            rs = (size_t)(buf.len / buf.shape[0]); /* one row per record */
        } else {
            rs = (size_t)buf.itemsize;
            if (rs == 1) {
                PyBuffer_Release(&buf);
                return raise_msg(err_by_code[TACHYON_ERR_INVALID_ARG],
                                 "send_batch: give record_size= for a flat buffer of bytes (or pass a NumPy "
                                 "structured array, or a 2-D array with one record per row)");
            }
        }
    }
    if (rs == 0 || (size_t)buf.len % rs != 0) {
        PyBuffer_Release(&buf);
        PyErr_Format(err_by_code[TACHYON_ERR_INVALID_ARG],
                     "send_batch: %zd bytes is not a whole number of %zu-byte records", buf.len, rs);
        return NULL;
    }
    size_t n = (size_t)buf.len / rs;
    if (a[1] && PyLong_Check(a[1])) {
        if (parse_u32(a[1], "type_id", &type_id) < 0) {
            PyBuffer_Release(&buf);
            return NULL;
        }
    } else if (a[1] && a[1] != Py_None) {
        if (PyObject_GetBuffer(a[1], &ids, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            PyBuffer_Release(&buf);
            return NULL;
        }
        have_ids = 1;
        if (ids.itemsize != 4 || (size_t)ids.len != n * 4 ||
            (ids.format && strcmp(ids.format, "I") != 0 && strcmp(ids.format, "<I") != 0 &&
             strcmp(ids.format, "=I") != 0 && strcmp(ids.format, "L") != 0)) {
            PyBuffer_Release(&ids);
            PyBuffer_Release(&buf);
            PyErr_Format(err_by_code[TACHYON_ERR_INVALID_ARG],
                         "send_batch: type_id must be an int or %zu uint32 values", n);
            return NULL;
        }
    }
    tachyon_bus_t *b = self->bus;
    const uint8_t *src = buf.buf;
    const uint32_t *tids = have_ids ? (const uint32_t *)ids.buf : NULL;
    size_t i = 0;
    PyObject *result = NULL;
    int64_t deadline = timeout_ns < 0 ? -1 : now_ns() + timeout_ns;
    tachyon_error_t err = TACHYON_OK;
    while (i < n) {
        /* Fast loop: everything that fits now, GIL released (we hold the buffer). */
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        for (; i < n; i++) {
            void *p = tachyon_acquire_tx(b, rs);
            if (!p) {
                err = tachyon_last_error(b);
                break;
            }
            memcpy(p, src + i * rs, rs);
            tachyon_commit_tx(b, rs, tids ? tids[i] : type_id);
        }
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (i == n)
            break;
        if (err != TACHYON_ERR_FULL) {
            raise_tachyon(err, "send_batch");
            goto out;
        }
        /* Wait for room for the next one. */
        int64_t left = deadline < 0 ? -1 : deadline - now_ns();
        if (deadline >= 0 && left <= 0) {
            raise_tachyon(timeout_ns == 0 ? TACHYON_ERR_FULL : TACHYON_ERR_TIMEOUT, "send_batch");
            goto out;
        }
        void *p = bus_tx_wait(self, rs, left);
        if (!p)
            goto out;
        memcpy(p, src + i * rs, rs);
        tachyon_commit_tx(b, rs, tids ? tids[i] : type_id);
        i++;
    }
    result = PyLong_FromSize_t(n);
out:
    if (!result && PyErr_Occurred()) {
        /* Say how far it got: the first i records were committed. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        PyObject *sent = PyLong_FromSize_t(i);
        if (sent && value) {
            if (PyObject_SetAttrString(value, "sent", sent) < 0)
                PyErr_Clear();
        }
        Py_XDECREF(sent);
        PyErr_Restore(type, value, tb);
    }
    if (have_ids)
        PyBuffer_Release(&ids);
    PyBuffer_Release(&buf);
    return result;
}

/* bus.recv(timeout=None) -> Message (a copy). */
static PyObject *Bus_recv(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_TIMEOUT};
    PyObject *a[1];
    int64_t timeout_ns = -1;
    uint32_t type_id;
    size_t size;

    if (nargs || kwnames) {
        if (parse_args("recv", args, nargs, kwnames, spec, 1, 1, 0, a) < 0 || parse_timeout(a[0], &timeout_ns) < 0)
            return NULL;
    }
    if (bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    const void *p = bus_rx_wait(self, timeout_ns, &type_id, &size);
    if (!p)
        return NULL;
    PyObject *m = message_new(type_id, p, size);
    (void)tachyon_commit_rx(self->bus);
    return m;
}

/* bus.try_recv() -> Message or None (nothing yet). */
static PyObject *Bus_try_recv(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    uint32_t type_id;
    size_t size;
    if (bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    const void *p = tachyon_acquire_rx(self->bus, &type_id, &size);
    if (!p) {
        tachyon_error_t err = tachyon_last_error(self->bus);
        if (err == TACHYON_ERR_EMPTY)
            Py_RETURN_NONE;
        return raise_tachyon(err, "receive");
    }
    PyObject *m = message_new(type_id, p, size);
    (void)tachyon_commit_rx(self->bus);
    return m;
}

static PyObject *Bus_iternext(BusObject *self)
{
    uint32_t type_id;
    size_t size;
    if (bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    const void *p = bus_rx_wait(self, -1, &type_id, &size);
    if (!p) {
        if (PyErr_ExceptionMatches(err_by_code[TACHYON_ERR_PEER_GONE]))
            PyErr_Clear(); /* the peer closed after its last message: end of iteration */
        return NULL;
    }
    PyObject *m = message_new(type_id, p, size);
    (void)tachyon_commit_rx(self->bus);
    return m;
}

/* bus.recv_zero_copy(timeout=None) -> RxGuard */
static PyObject *Bus_recv_zero_copy(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_TIMEOUT};
    PyObject *a[1];
    int64_t timeout_ns = -1;
    uint32_t type_id;
    size_t size;

    if (nargs || kwnames) {
        if (parse_args("recv_zero_copy", args, nargs, kwnames, spec, 1, 1, 0, a) < 0 ||
            parse_timeout(a[0], &timeout_ns) < 0)
            return NULL;
    }
    if (bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    const void *p = bus_rx_wait(self, timeout_ns, &type_id, &size);
    if (!p)
        return NULL;
    RxGuardObject *g = (RxGuardObject *)freelist_pop(rx_free, &rx_nfree, &RxGuard_Type);
    if (!g) {
        (void)tachyon_commit_rx(self->bus);
        return NULL;
    }
    g->bus = (BusObject *)Py_NewRef(self);
    g->ptr = p;
    g->size = size;
    g->type_id = type_id;
    g->state = G_ACTIVE;
    g->exports = 0;
    self->holder = (PyObject *)g;
    return (PyObject *)g;
}

/* bus.drain_batch(max=64, timeout=None) -> Batch. Waits for at least one
 * message (timeout=0: may return an empty batch); then holds every message
 * available now, up to max. */
static PyObject *Bus_drain_batch(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_MAX, K_TIMEOUT};
    PyObject *a[2];
    int64_t timeout_ns = -1;
    size_t max = DEFAULT_BATCH;

    if (parse_args("drain_batch", args, nargs, kwnames, spec, 2, 1, 0, a) < 0)
        return NULL;
    if (a[0] && a[0] != Py_None && parse_size(a[0], "max", &max) < 0)
        return NULL;
    if (a[1] && parse_timeout(a[1], &timeout_ns) < 0)
        return NULL;
    if (max == 0)
        return raise_msg(err_by_code[TACHYON_ERR_INVALID_ARG], "drain_batch: max must be >= 1");
    if (bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    size_t most = tachyon_capacity(self->bus) / TACHYON_FRAME_ALIGN; /* frames the ring can hold */
    if (max > most)
        max = most;
    BatchObject *g;
    if (batch_nfree > 0) {
        g = (BatchObject *)PyObject_Init(batch_free[--batch_nfree], &Batch_Type); /* keeps its msgs array */
    } else {
        g = PyObject_New(BatchObject, &Batch_Type);
        if (!g)
            return NULL;
        g->msgs = NULL;
        g->cap = 0;
    }
    g->bus = (BusObject *)Py_NewRef(self);
    g->count = 0;
    g->state = G_DONE;
    if (g->cap < max) {
        tachyon_msg_t *m = PyMem_Realloc(g->msgs, max * sizeof *m);
        if (!m) {
            Py_DECREF(g);
            return PyErr_NoMemory();
        }
        g->msgs = m;
        g->cap = max;
    }
    g->exports = 0;
    g->single = 0;
    size_t n = tachyon_drain_batch(self->bus, g->msgs, max);
    if (n == 0) {
        tachyon_error_t err = tachyon_last_error(self->bus);
        if (err != TACHYON_ERR_EMPTY) {
            Py_DECREF(g);
            return raise_tachyon(err, "drain_batch");
        }
        if (timeout_ns != 0) {
            /* Nothing now. Spin on the non-blocking drain first (no syscall):
             * under a steady stream the next publication brings a whole
             * batch. Then sleep until one message comes and hold it alone
             * (the C API cannot wait without taking the message). */
            tachyon_bus_t *b = self->bus;
            uint32_t spin = self->spin;
            self->in_call = 1;
            Py_BEGIN_ALLOW_THREADS
            for (uint32_t i = 0; i < spin; i++) {
                n = tachyon_drain_batch(b, g->msgs, max);
                if (n || tachyon_last_error(b) != TACHYON_ERR_EMPTY)
                    break;
                cpu_relax();
            }
            Py_END_ALLOW_THREADS
            self->in_call = 0;
            if (n)
                goto got;
            if (tachyon_last_error(b) != TACHYON_ERR_EMPTY) {
                Py_DECREF(g);
                return raise_tachyon(tachyon_last_error(b), "drain_batch");
            }
            uint32_t type_id;
            size_t size;
            const void *p = bus_rx_wait(self, timeout_ns, &type_id, &size);
            if (!p) {
                Py_DECREF(g);
                return NULL;
            }
            g->msgs[0].data = p;
            g->msgs[0].size = (uint32_t)size;
            g->msgs[0].type_id = type_id;
            g->single = 1;
            n = 1;
        }
    }
got:
    g->count = n;
    g->state = G_ACTIVE;
    if (n)
        self->holder = (PyObject *)g;
    return (PyObject *)g;
}

static PyObject *Bus_stats(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    tachyon_stats_t st;
    if (!self->bus)
        return raise_msg(err_by_code[TACHYON_ERR_STATE], "the bus is closed");
    tachyon_error_t err = tachyon_get_stats(self->bus, &st);
    if (err != TACHYON_OK)
        return raise_tachyon(err, "stats");
    PyObject *s = PyStructSequence_New(StatsType);
    if (!s)
        return NULL;
    uint64_t v[6] = {st.messages, st.bytes, st.publishes, st.full_events, st.sleeps, st.wakes};
    for (int i = 0; i < 6; i++) {
        PyObject *o = PyLong_FromUnsignedLongLong(v[i]);
        if (!o) {
            Py_DECREF(s);
            return NULL;
        }
        PyStructSequence_SET_ITEM(s, i, o);
    }
    return s;
}

static PyObject *Bus_peer_alive(BusObject *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->bus)
        Py_RETURN_FALSE;
    return PyBool_FromLong(tachyon_peer_alive(self->bus));
}

static PyObject *Bus_get_capacity(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return raise_msg(err_by_code[TACHYON_ERR_STATE], "the bus is closed");
    return PyLong_FromSize_t(tachyon_capacity(self->bus));
}

static PyObject *Bus_get_max_message_size(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return raise_msg(err_by_code[TACHYON_ERR_STATE], "the bus is closed");
    return PyLong_FromSize_t(tachyon_max_message_size(self->bus));
}

static PyObject *Bus_get_fingerprint(BusObject *self, void *Py_UNUSED(c))
{
    if (!self->bus)
        return raise_msg(err_by_code[TACHYON_ERR_STATE], "the bus is closed");
    return PyLong_FromUnsignedLongLong(tachyon_schema_fingerprint(self->bus));
}

static PyObject *Bus_get_role(BusObject *self, void *Py_UNUSED(c))
{
    return PyUnicode_FromString(self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer");
}

static PyObject *Bus_get_closed(BusObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->closing || !self->bus);
}

static PyObject *Bus_get_spin(BusObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->spin);
}

static int Bus_set_spin(BusObject *self, PyObject *v, void *Py_UNUSED(c))
{
    if (!v)
        return raise_msg(PyExc_AttributeError, "cannot delete spin"), -1;
    return parse_u32(v, "spin", &self->spin);
}

static PyObject *Bus_repr(BusObject *self)
{
    if (!self->bus)
        return PyUnicode_FromFormat("<tachyon.Bus %s closed>",
                                    self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer");
    return PyUnicode_FromFormat("<tachyon.Bus %s capacity=%zu%s>",
                                self->role == TACHYON_ROLE_PRODUCER ? "producer" : "consumer",
                                tachyon_capacity(self->bus), self->closing ? " closing" : "");
}

/* ---- Type tables ------------------------------------------------------------- */

static PyMethodDef Bus_methods[] = {
    {"_listen", (PyCFunction)(void (*)(void))Bus_listen, METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_listen(path, capacity, fingerprint=0, timeout=None, allow_any_uid=False)"},
    {"_connect", (PyCFunction)(void (*)(void))Bus_connect, METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_connect(path, fingerprint=0, timeout=None)"},
    {"close", (PyCFunction)Bus_close, METH_NOARGS, "Closes this side (a producer flushes first)."},
    {"__enter__", Bus_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))Bus_exit, METH_FASTCALL, NULL},
    {"send", (PyCFunction)(void (*)(void))Bus_send, METH_FASTCALL | METH_KEYWORDS,
     "send(data, type_id=0, timeout=None): copy data into the ring as one message; waits for room."},
    {"try_send", (PyCFunction)(void (*)(void))Bus_try_send, METH_FASTCALL | METH_KEYWORDS,
     "try_send(data, type_id=0) -> bool: False if the ring is full."},
    {"send_zero_copy", (PyCFunction)(void (*)(void))Bus_send_zero_copy, METH_FASTCALL | METH_KEYWORDS,
     "send_zero_copy(size, type_id=0, timeout=None) -> TxGuard: write a message in place."},
    {"send_typed", (PyCFunction)(void (*)(void))Bus_send_typed, METH_FASTCALL,
     "send_typed(cls, type_id, *values): pack a generated message straight into the ring."},
    {"send_batch", (PyCFunction)(void (*)(void))Bus_send_batch, METH_FASTCALL | METH_KEYWORDS,
     "send_batch(data, type_id=0, record_size=None, timeout=None) -> int: send N records in one call."},
    {"flush", (PyCFunction)Bus_flush, METH_NOARGS, "Publish committed messages now."},
    {"recv", (PyCFunction)(void (*)(void))Bus_recv, METH_FASTCALL | METH_KEYWORDS,
     "recv(timeout=None) -> Message (copied)."},
    {"try_recv", (PyCFunction)Bus_try_recv, METH_NOARGS, "try_recv() -> Message or None."},
    {"recv_zero_copy", (PyCFunction)(void (*)(void))Bus_recv_zero_copy, METH_FASTCALL | METH_KEYWORDS,
     "recv_zero_copy(timeout=None) -> RxGuard: read one message in place."},
    {"drain_batch", (PyCFunction)(void (*)(void))Bus_drain_batch, METH_FASTCALL | METH_KEYWORDS,
     "drain_batch(max=64, timeout=None) -> Batch: read many messages in place."},
    {"stats", (PyCFunction)Bus_stats, METH_NOARGS, "stats() -> Stats (this side's counters)."},
    {"peer_alive", (PyCFunction)Bus_peer_alive, METH_NOARGS, "peer_alive() -> bool"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Bus_getset[] = {
    {"capacity", (getter)Bus_get_capacity, NULL, "ring capacity in bytes", NULL},
    {"max_message_size", (getter)Bus_get_max_message_size, NULL, "largest payload (capacity/2 - 16)", NULL},
    {"fingerprint", (getter)Bus_get_fingerprint, NULL, "schema fingerprint the bus is bound to (0: none)", NULL},
    {"role", (getter)Bus_get_role, NULL, "'consumer' (listener) or 'producer' (connector)", NULL},
    {"closed", (getter)Bus_get_closed, NULL, "True after close()", NULL},
    {"spin", (getter)Bus_get_spin, (setter)Bus_set_spin, "spins before a blocking receive sleeps", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Bus_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Bus",
    .tp_basicsize = sizeof(BusObject),
    .tp_dealloc = (destructor)Bus_dealloc,
    .tp_repr = (reprfunc)Bus_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "One side of a Tachyon bus. Create with Bus.listen() or Bus.connect().",
    .tp_traverse = (traverseproc)Bus_traverse,
    .tp_clear = (inquiry)Bus_clear,
    .tp_weaklistoffset = offsetof(BusObject, weakrefs),
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Bus_iternext,
    .tp_methods = Bus_methods,
    .tp_getset = Bus_getset,
};

static PyMemberDef Message_members[] = {
    {"data", T_OBJECT_EX, offsetof(MessageObject, data), READONLY, "payload bytes"},
    {"type_id", T_UINT, offsetof(MessageObject, type_id), READONLY, "message type id"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef Message_methods[] = {
    {"decode", (PyCFunction)(void (*)(void))fwd_decode, METH_FASTCALL | METH_KEYWORDS,
     "decode(schema) -> the generated typed view for this message's type id (schema.decode)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Message_getset[] = {
    {"size", (getter)Message_size, NULL, "payload bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs Message_as_buffer = {(getbufferproc)Message_getbuffer, NULL};

static PyTypeObject Message_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Message",
    .tp_basicsize = sizeof(MessageObject),
    .tp_dealloc = (destructor)Message_dealloc,
    .tp_repr = (reprfunc)Message_repr,
    .tp_as_buffer = &Message_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A received message, copied out of the ring: type_id and data (bytes).",
    .tp_richcompare = Message_richcompare,
    .tp_methods = Message_methods,
    .tp_members = Message_members,
    .tp_getset = Message_getset,
    .tp_new = Message_tp_new,
};

static PyMethodDef RxGuard_methods[] = {
    {"__enter__", (PyCFunction)Bus_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))RxGuard_exit, METH_FASTCALL, NULL},
    {"commit", (PyCFunction)RxGuard_commit, METH_NOARGS, "Release the message (its bytes may be reused)."},
    {"tobytes", (PyCFunction)RxGuard_tobytes, METH_NOARGS, "A copy of the payload."},
    {"decode", (PyCFunction)(void (*)(void))fwd_decode, METH_FASTCALL | METH_KEYWORDS,
     "decode(schema) -> the generated typed view for this message's type id (schema.decode)."},
    {"__dlpack__", (PyCFunction)(void (*)(void))RxGuard_dlpack, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"__dlpack_device__", dlpack_device, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef RxGuard_getset[] = {
    {"type_id", (getter)RxGuard_get_type_id, NULL, "message type id", NULL},
    {"size", (getter)RxGuard_get_size, NULL, "payload bytes", NULL},
    {"committed", (getter)RxGuard_get_committed, NULL, "True once committed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs RxGuard_as_buffer = {(getbufferproc)RxGuard_getbuffer, (releasebufferproc)RxGuard_releasebuffer};
static PySequenceMethods RxGuard_as_sequence = {.sq_length = (lenfunc)RxGuard_len};

static PyTypeObject RxGuard_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.RxGuard",
    .tp_basicsize = sizeof(RxGuardObject),
    .tp_dealloc = (destructor)RxGuard_dealloc,
    .tp_as_sequence = &RxGuard_as_sequence,
    .tp_as_buffer = &RxGuard_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A received message held in place (read-only buffer, DLPack); committed on exit.",
    .tp_methods = RxGuard_methods,
    .tp_getset = RxGuard_getset,
};

static PyMethodDef TxGuard_methods[] = {
    {"__enter__", (PyCFunction)Bus_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))TxGuard_exit, METH_FASTCALL, NULL},
    {"commit", (PyCFunction)TxGuard_commit, METH_NOARGS, "Commit now with actual_size and type_id."},
    {"rollback", (PyCFunction)TxGuard_rollback, METH_NOARGS, "Abandon the reservation; nothing is sent."},
    {"__dlpack__", (PyCFunction)(void (*)(void))TxGuard_dlpack, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"__dlpack_device__", dlpack_device, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef TxGuard_getset[] = {
    {"actual_size", (getter)TxGuard_get_actual_size, (setter)TxGuard_set_actual_size,
     "bytes to commit (default: the reserved size)", NULL},
    {"type_id", (getter)TxGuard_get_type_id, (setter)TxGuard_set_type_id, "message type id", NULL},
    {"size", (getter)TxGuard_get_size, NULL, "reserved bytes", NULL},
    {"committed", (getter)TxGuard_get_committed, NULL, "True once committed or rolled back", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs TxGuard_as_buffer = {(getbufferproc)TxGuard_getbuffer, (releasebufferproc)TxGuard_releasebuffer};
static PySequenceMethods TxGuard_as_sequence = {.sq_length = (lenfunc)TxGuard_len};

static PyTypeObject TxGuard_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.TxGuard",
    .tp_basicsize = sizeof(TxGuardObject),
    .tp_dealloc = (destructor)TxGuard_dealloc,
    .tp_as_sequence = &TxGuard_as_sequence,
    .tp_as_buffer = &TxGuard_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A reserved ring slot (writable buffer, DLPack); committed on a clean exit, rolled back on error.",
    .tp_methods = TxGuard_methods,
    .tp_getset = TxGuard_getset,
};

static PyMethodDef Batch_methods[] = {
    {"__enter__", (PyCFunction)Bus_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))Batch_exit, METH_FASTCALL, NULL},
    {"commit", (PyCFunction)Batch_commit, METH_NOARGS, "Release every message of the batch."},
    {"tolist", (PyCFunction)Batch_tolist, METH_NOARGS, "Copies of the messages as a list of Message."},
    {"as_array", (PyCFunction)(void (*)(void))fwd_as_array, METH_FASTCALL | METH_KEYWORDS,
     "as_array(cls_or_dtype, *, type_id=None, copy=False) -> NumPy structured array over the ring."},
    {"as_arrays", (PyCFunction)(void (*)(void))fwd_as_arrays, METH_FASTCALL | METH_KEYWORDS,
     "as_arrays(cls_or_dtype, *, type_id=None) -> list of zero-copy arrays (one per contiguous run)."},
    {"runs", (PyCFunction)Batch_runs, METH_NOARGS,
     "runs() -> list of BatchRun: equally sized, equally spaced messages, each one 2-D DLPack tensor."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Batch_getset[] = {
    {"committed", (getter)Batch_get_committed, NULL, "True once committed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods Batch_as_sequence = {
    .sq_length = (lenfunc)Batch_len,
    .sq_item = (ssizeargfunc)Batch_item,
};

static PyTypeObject Batch_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Batch",
    .tp_basicsize = sizeof(BatchObject),
    .tp_dealloc = (destructor)Batch_dealloc,
    .tp_as_sequence = &Batch_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Messages drained in place; a sequence of BatchItem; committed on exit.",
    .tp_methods = Batch_methods,
    .tp_getset = Batch_getset,
};

static PyMethodDef BatchItem_methods[] = {
    {"tobytes", (PyCFunction)BatchItem_tobytes, METH_NOARGS, "A copy of the payload."},
    {"decode", (PyCFunction)(void (*)(void))fwd_decode, METH_FASTCALL | METH_KEYWORDS,
     "decode(schema) -> the generated typed view for this message's type id (schema.decode)."},
    {"__dlpack__", (PyCFunction)(void (*)(void))BatchItem_dlpack, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"__dlpack_device__", dlpack_device, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef BatchItem_getset[] = {
    {"type_id", (getter)BatchItem_get_type_id, NULL, "message type id", NULL},
    {"size", (getter)BatchItem_get_size, NULL, "payload bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs BatchItem_as_buffer = {(getbufferproc)BatchItem_getbuffer,
                                            (releasebufferproc)BatchItem_releasebuffer};
static PySequenceMethods BatchItem_as_sequence = {.sq_length = (lenfunc)BatchItem_len};

static PyTypeObject BatchItem_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.BatchItem",
    .tp_basicsize = sizeof(BatchItemObject),
    .tp_dealloc = (destructor)BatchItem_dealloc,
    .tp_as_sequence = &BatchItem_as_sequence,
    .tp_as_buffer = &BatchItem_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One message of a Batch (read-only buffer, DLPack).",
    .tp_methods = BatchItem_methods,
    .tp_getset = BatchItem_getset,
};

static PyGetSetDef Span_getset[] = {
    {"__array_interface__", (getter)Span_array_interface, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Span_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon._Span",
    .tp_basicsize = sizeof(SpanObject),
    .tp_dealloc = (destructor)Span_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = Span_getset,
};

static PyStructSequence_Field stats_fields[] = {
    {"messages", "messages committed (producer) or consumed (consumer)"},
    {"bytes", "payload bytes of those messages"},
    {"publishes", "producer: tail publications (batches)"},
    {"full_events", "producer: times it found the ring full"},
    {"sleeps", "futex sleeps of this side"},
    {"wakes", "futex wakes this side issued to its peer"},
    {NULL, NULL},
};

static PyStructSequence_Desc stats_desc = {"tachyon.Stats", "Counters of one side of a bus.", stats_fields, 6};

/* ---- Module ---------------------------------------------------------------- */

static PyObject *mod_strerror(PyObject *m, PyObject *arg)
{
    (void)m;
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    return PyUnicode_FromString(tachyon_strerror((tachyon_error_t)code));
}

static PyObject *mod_error_name(PyObject *m, PyObject *arg)
{
    (void)m;
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    if (code < 0 || code >= TACHYON_ERR__COUNT)
        return raise_msg(PyExc_ValueError, "unknown tachyon error code");
    return PyUnicode_FromString(error_names[code]);
}

static PyObject *mod_register(PyObject *m, PyObject *arg)
{
    (void)m;
    if (!PyDict_Check(arg))
        return raise_msg(PyExc_TypeError, "_register(dict)");
    Py_XSETREF(helpers, Py_NewRef(arg));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_register", mod_register, METH_O, NULL},
    {"strerror", mod_strerror, METH_O, "strerror(code) -> tachyon_strerror's text"},
    {"error_name", mod_error_name, METH_O, "error_name(code) -> 'TACHYON_ERR_...'"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "tachyon._tachyon", "C core of the tachyon package (libtachyon bindings).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

static int add_type(PyObject *m, PyTypeObject *t, const char *name)
{
    if (PyType_Ready(t) < 0)
        return -1;
    Py_INCREF(t);
    if (PyModule_AddObject(m, name, (PyObject *)t) < 0) {
        Py_DECREF(t);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__tachyon(void);
PyMODINIT_FUNC PyInit__tachyon(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    for (int i = 0; i < K__COUNT; i++) {
        kw[i] = PyUnicode_InternFromString(kw_text[i]);
        if (!kw[i])
            goto fail;
    }
    small_zero = PyLong_FromLong(0);
    if (!small_zero)
        goto fail;
    /* The exception classes live in tachyon/_errors.py; map them by code. */
    PyObject *errors = PyImport_ImportModule("tachyon._errors");
    if (!errors)
        goto fail;
    PyObject *by_code = PyObject_GetAttrString(errors, "BY_CODE");
    ExcBase = PyObject_GetAttrString(errors, "TachyonError");
    ExcUseAfterCommit = PyObject_GetAttrString(errors, "UseAfterCommit");
    ExcExportsOutstanding = PyObject_GetAttrString(errors, "ExportsOutstanding");
    Py_DECREF(errors);
    if (!by_code || !ExcBase || !ExcUseAfterCommit || !ExcExportsOutstanding) {
        Py_XDECREF(by_code);
        goto fail;
    }
    for (int i = 0; i < TACHYON_ERR__COUNT; i++) {
        PyObject *key = PyLong_FromLong(i);
        PyObject *cls = key ? PyDict_GetItemWithError(by_code, key) : NULL;
        Py_XDECREF(key);
        if (PyErr_Occurred()) {
            Py_DECREF(by_code);
            goto fail;
        }
        err_by_code[i] = cls ? Py_NewRef(cls) : Py_NewRef(ExcBase);
    }
    Py_DECREF(by_code);
    StatsType = PyStructSequence_NewType(&stats_desc);
    if (!StatsType)
        goto fail;
    if (PyModule_AddObject(m, "Stats", Py_NewRef((PyObject *)StatsType)) < 0)
        goto fail;
    if (add_type(m, &Bus_Type, "Bus") < 0 || add_type(m, &Message_Type, "Message") < 0 ||
        add_type(m, &RxGuard_Type, "RxGuard") < 0 || add_type(m, &TxGuard_Type, "TxGuard") < 0 ||
        add_type(m, &Batch_Type, "Batch") < 0 || add_type(m, &BatchItem_Type, "BatchItem") < 0 ||
        add_type(m, &BatchRun_Type, "BatchRun") < 0 ||
        add_type(m, &Span_Type, "_Span") < 0)
        goto fail;
    if (PyModule_AddIntConstant(m, "ABI_VERSION", TACHYON_ABI_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "FRAME_ALIGN", TACHYON_FRAME_ALIGN) < 0 ||
        PyModule_AddIntConstant(m, "FRAME_HEADER", TACHYON_FRAME_HEADER) < 0 ||
        PyModule_AddIntConstant(m, "BATCH", TACHYON_BATCH) < 0 ||
        PyModule_AddIntConstant(m, "MIN_CAPACITY", TACHYON_MIN_CAPACITY) < 0 ||
        PyModule_AddObject(m, "MAX_CAPACITY", PyLong_FromSize_t(TACHYON_MAX_CAPACITY)) < 0 ||
        PyModule_AddIntConstant(m, "WATCHDOG_MS", TACHYON_WATCHDOG_MS) < 0)
        goto fail;
    for (int i = 0; i < TACHYON_ERR__COUNT; i++)
        if (PyModule_AddIntConstant(m, error_names[i] + 8, i) < 0) /* "ERR_TIMEOUT", "OK" */
            goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}

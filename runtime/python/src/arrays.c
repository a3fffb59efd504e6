/*
 * arrays.c - bus.arrays(dtype): each received frame handed to Python as a
 * NumPy array over its ring slot, in one C call per frame (the iterator's
 * __next__). The per-frame `with recv_zero_copy() as msg:` plus
 * numpy.from_dlpack(msg).view(dtype) of the guard idiom cost about five times
 * as many instructions (bench/py_frame_insns.py counts both).
 *
 * Safety: the iterator is itself the guard of the frame it holds (guard.c's
 * lifecycle, re-armed for each frame). Every array it returns has as its base
 * a _FrameHold, which counts as one buffer export of the frame; NumPy gives
 * views derived from the array the same base, so they hold the frame too.
 * The next frame is taken only when no export of the previous one is left:
 * otherwise __next__ raises ExportsOutstanding and that frame is committed
 * when its last array is freed. So an array never outlives its frame, and
 * reading one never sees a slot the producer reused.
 *
 * NumPy is found at run time, never at build time: the extension builds and
 * imports without it. Its C API table (the _ARRAY_API capsule of
 * numpy._core._multiarray_umath, numpy.core's in NumPy 1.x) keeps every
 * entry at a fixed index for as long as its ABI version stands (NumPy's
 * numpy_api.py: changing an index breaks the ABI). The four used here have
 * the same index in ABI 1.x (NumPy 1.7+) and 2.x; any other ABI is refused
 * with a clear error rather than guessed at.
 */
#include "tachyon_py.h"

#include <string.h>

/* ---- NumPy's C API, found at run time ------------------------------------ */

#define NPY_SLOT_ABI_VERSION 0      /* unsigned int (*)(void) */
#define NPY_SLOT_ARRAY_TYPE 2       /* PyTypeObject: numpy.ndarray */
#define NPY_SLOT_DESCR_TYPE 3       /* PyTypeObject: numpy.dtype */
#define NPY_SLOT_NEW_FROM_DESCR 94  /* PyArray_NewFromDescr */
#define NPY_SLOT_FEATURE_VERSION 211 /* unsigned int (*)(void) */
#define NPY_SLOT_SET_BASE 282       /* PyArray_SetBaseObject (feature version 7, NumPy 1.7) */

#define NPY_ABI_1 0x01000009u
#define NPY_ABI_2 0x02000000u
#define NPY_FEATURE_SET_BASE 7u

/* Array flags (ndarraytypes.h; part of the ABI). */
#define NPY_FLAG_C_CONTIGUOUS 0x0001
#define NPY_FLAG_ALIGNED 0x0100

typedef PyObject *(*npy_new_from_descr_fn)(PyTypeObject *subtype, PyObject *descr, int nd, const Py_intptr_t *dims,
                                           const Py_intptr_t *strides, void *data, int flags, PyObject *obj);
typedef int (*npy_set_base_fn)(PyObject *array, PyObject *base);

static struct {
    PyTypeObject *array_type;
    PyTypeObject *descr_type;
    npy_new_from_descr_fn new_from_descr; /* steals descr, even on failure */
    npy_set_base_fn set_base;             /* steals base, even on failure */
} npy;

/* Loads the table once. 0, or -1 with ImportError. */
static int npy_load(void)
{
    if (npy.set_base)
        return 0;
    PyObject *mod = PyImport_ImportModule("numpy._core._multiarray_umath");
    if (!mod && PyErr_ExceptionMatches(PyExc_ImportError)) {
        PyErr_Clear();
        mod = PyImport_ImportModule("numpy.core._multiarray_umath");
    }
    if (!mod) {
        if (PyErr_ExceptionMatches(PyExc_ImportError))
            PyErr_SetString(PyExc_ImportError, "bus.arrays() needs NumPy (pip install numpy); NumPy could not be "
                                               "imported");
        return -1;
    }
    PyObject *cap = PyObject_GetAttrString(mod, "_ARRAY_API");
    Py_DECREF(mod);
    if (!cap) {
        PyErr_Clear();
        return tpy_raise_msg(PyExc_ImportError, "bus.arrays(): this NumPy has no C API table (_ARRAY_API)"), -1;
    }
    /* NumPy's extension module is never unloaded: the table outlives the capsule. */
    void **api = PyCapsule_IsValid(cap, NULL) ? PyCapsule_GetPointer(cap, NULL) : NULL;
    Py_DECREF(cap);
    if (!api)
        return tpy_raise_msg(PyExc_ImportError, "bus.arrays(): NumPy's _ARRAY_API is not a C API table"), -1;
    unsigned int abi = ((unsigned int (*)(void))api[NPY_SLOT_ABI_VERSION])();
    if (abi != NPY_ABI_1 && abi != NPY_ABI_2) {
        PyErr_Format(PyExc_ImportError,
                     "bus.arrays(): NumPy's C ABI version is %#x, not one this build knows (%#x or %#x); use "
                     "recv_zero_copy() with numpy.from_dlpack instead",
                     abi, NPY_ABI_1, NPY_ABI_2);
        return -1;
    }
    unsigned int feature = ((unsigned int (*)(void))api[NPY_SLOT_FEATURE_VERSION])();
    if (feature < NPY_FEATURE_SET_BASE) {
        PyErr_Format(PyExc_ImportError, "bus.arrays() needs NumPy 1.7 or later (C API version %u)", feature);
        return -1;
    }
    npy.array_type = (PyTypeObject *)api[NPY_SLOT_ARRAY_TYPE];
    npy.descr_type = (PyTypeObject *)api[NPY_SLOT_DESCR_TYPE];
    npy.new_from_descr = (npy_new_from_descr_fn)api[NPY_SLOT_NEW_FROM_DESCR];
    npy.set_base = (npy_set_base_fn)api[NPY_SLOT_SET_BASE];
    return 0;
}

/* ---- _FrameHold: an array's base, one export of the held frame ------------ */

typedef struct {
    PyObject_HEAD
    GuardObject *g; /* strong */
} HoldObject;

static PyTypeObject hold_type;

/* One hold comes and goes per frame: keep a few freed ones (GIL-protected). */
#define HOLD_FREELIST_MAX 8
static HoldObject *hold_free[HOLD_FREELIST_MAX];
static int hold_nfree;

static PyObject *hold_new(GuardObject *g)
{
    HoldObject *h;
    if (hold_nfree > 0) {
        h = (HoldObject *)PyObject_Init((PyObject *)hold_free[--hold_nfree], &hold_type);
    } else {
        h = PyObject_New(HoldObject, &hold_type);
        if (!h)
            return NULL;
    }
    h->g = (GuardObject *)Py_NewRef(g);
    /* Counted as tpy_guard_getbuffer counts a buffer export. */
    g->exports++;
    g->bus->map_refs++;
    return (PyObject *)h;
}

static void hold_dealloc(HoldObject *h)
{
    GuardObject *g = h->g;
    tpy_guard_releasebuffer(g); /* the last one commits a frame whose end was asked */
    Py_DECREF(g);
    if (hold_nfree < HOLD_FREELIST_MAX)
        hold_free[hold_nfree++] = h;
    else
        PyObject_Free(h);
}

static PyTypeObject hold_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon._FrameHold",
    .tp_basicsize = sizeof(HoldObject),
    .tp_dealloc = (destructor)hold_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keeps a frame of bus.arrays() held while an array over it lives.",
};

/* ---- ArrayStream ----------------------------------------------------------- */

typedef struct {
    GuardObject g;    /* ACTIVE while a frame is held, DONE between frames */
    PyObject *descr;  /* the arrays' numpy.dtype */
    Py_ssize_t itemsize;
    Py_ssize_t alignment;
    int64_t timeout_ns; /* per frame; < 0: no limit */
    uint32_t end_type_id;
    int has_end;
    int ended;        /* the stream ended: the end type id, the peer's close, close() */
    size_t size;      /* the current (last) frame */
    uint32_t type_id;
} StreamObject;

static const char next_text[] =
    "an array of the previous frame (or a view of it) is still alive, so the next frame cannot be taken: `del` it "
    "at the end of the loop body and copy what you keep (the frame is committed when its last array is freed)";

static tachyon_error_t stream_end(GuardObject *g, tachyon_bus_t *bus, int commit)
{
    (void)g;
    (void)commit; /* a received frame is released either way */
    return tachyon_commit_rx(bus);
}

static int stream_never_recycled(GuardObject *g)
{
    (void)g;
    return 0;
}

static void stream_discard(GuardObject *g)
{
    Py_CLEAR(((StreamObject *)g)->descr);
}

static GuardKind stream_kind = {
    .end = stream_end,
    .commit_deferred = 1,
    .used_text = "this frame was committed: its ring bytes may already be reused",
    .exports_text = "an array of the held frame (or a view of it) is still alive: the frame is committed when the "
                    "last one is freed (`del` the array before leaving the block; copy what you keep)",
    .recyclable = stream_never_recycled,
    .discard = stream_discard,
    .type = &tpy_array_stream_type,
};

/* Commits the frame held since the last __next__. 0, or -1 with
 * ExportsOutstanding (the frame is committed when its last array goes). */
static int stream_release(StreamObject *self)
{
    GuardObject *g = &self->g;
    if (g->state == G_ACTIVE && g->exports == 0) {
        tachyon_error_t err = tpy_guard_finish(g, 1);
        if (err != TACHYON_OK)
            return tpy_raise(err, "commit"), -1;
        return 0;
    }
    if (g->state == G_ACTIVE) {
        g->state = G_CLOSING;
        g->commit_at_release = 1;
    }
    return tpy_raise_msg(tpy_exc_exports_outstanding, next_text), -1;
}

/* The array over `size` bytes at p, its base a new hold on the frame. */
static PyObject *stream_array(StreamObject *self, const void *p, size_t size)
{
    if (size % (size_t)self->itemsize != 0) {
        PyErr_Format(PyExc_ValueError,
                     "bus.arrays(): a frame of %zu bytes (type id %u) is not a whole number of %zd-byte items of "
                     "%R",
                     size, (unsigned)self->type_id, self->itemsize, self->descr);
        return NULL;
    }
    Py_intptr_t n = (Py_intptr_t)(size / (size_t)self->itemsize);
    PyObject *hold = hold_new(&self->g);
    if (!hold)
        return NULL;
    int flags = NPY_FLAG_C_CONTIGUOUS | ((uintptr_t)p % (uintptr_t)self->alignment == 0 ? NPY_FLAG_ALIGNED : 0);
    PyObject *arr = npy.new_from_descr(npy.array_type, Py_NewRef(self->descr), 1, &n, NULL, (void *)p, flags, NULL);
    if (!arr) {
        Py_DECREF(hold);
        return NULL;
    }
    if (npy.set_base(arr, hold) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

static PyObject *Stream_next(StreamObject *self)
{
    GuardObject *g = &self->g;
    if (g->state != G_DONE && stream_release(self) < 0)
        return NULL;
    if (self->ended)
        return NULL;
    BusObject *bus = g->bus;
    if (tpy_bus_ready_role(bus, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    uint32_t type_id;
    size_t size;
    const void *p = tpy_bus_rx_wait(bus, self->timeout_ns, &type_id, &size);
    if (!p) {
        if (PyErr_ExceptionMatches(tpy_err_by_code[TACHYON_ERR_PEER_GONE])) {
            PyErr_Clear(); /* the peer closed after its last frame: the end of the stream */
            self->ended = 1;
        }
        return NULL;
    }
    /* Held from here: the guard ends it on every path (next call, close, dealloc). */
    g->state = G_ACTIVE;
    bus->holder = g;
    self->size = size;
    self->type_id = type_id;
    if (self->has_end && type_id == self->end_type_id) {
        self->ended = 1;
        tachyon_error_t err = tpy_guard_finish(g, 1);
        return err == TACHYON_OK ? NULL : tpy_raise(err, "commit");
    }
    return stream_array(self, p, size);
}

static PyObject *Stream_close(StreamObject *self, PyObject *Py_UNUSED(ignored))
{
    self->ended = 1;
    if (self->g.state == G_ACTIVE)
        return tpy_guard_end(&self->g, 1);
    Py_RETURN_NONE;
}

static PyObject *Stream_exit(StreamObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    self->ended = 1;
    if (self->g.state == G_CLOSING)
        Py_RETURN_FALSE; /* already told (ExportsOutstanding); committed at the last release */
    return tpy_guard_exit((PyObject *)self, args, nargs);
}

static PyObject *Stream_get_type_id(StreamObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromUnsignedLong(self->type_id);
}

static PyObject *Stream_get_size(StreamObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->size);
}

static PyObject *Stream_get_dtype(StreamObject *self, void *Py_UNUSED(c))
{
    return Py_NewRef(self->descr);
}

static PyObject *Stream_get_held(StreamObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(self->g.state != G_DONE);
}

static PyMethodDef Stream_methods[] = {
    {"__enter__", tpy_return_self, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))Stream_exit, METH_FASTCALL, NULL},
    {"close", (PyCFunction)Stream_close, METH_NOARGS,
     "End the stream: commit the held frame (ExportsOutstanding while an array of it lives)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Stream_getset[] = {
    {"type_id", (getter)Stream_get_type_id, NULL, "type id of the last frame taken", NULL},
    {"size", (getter)Stream_get_size, NULL, "payload bytes of the last frame taken", NULL},
    {"dtype", (getter)Stream_get_dtype, NULL, "the arrays' numpy.dtype", NULL},
    {"held", (getter)Stream_get_held, NULL, "True while the last frame is held (not committed yet)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject tpy_array_stream_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.ArrayStream",
    .tp_basicsize = sizeof(StreamObject),
    .tp_dealloc = tpy_guard_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "bus.arrays(): one read-only NumPy array over each received frame, taken when the previous one is "
              "released.",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Stream_next,
    .tp_methods = Stream_methods,
    .tp_getset = Stream_getset,
};

/* Reads an int attribute of the dtype. -1 with an exception on failure. */
static Py_ssize_t descr_int(PyObject *descr, const char *name)
{
    PyObject *v = PyObject_GetAttrString(descr, name);
    if (!v)
        return -1;
    Py_ssize_t n = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    return n;
}

/* Refuses dtypes whose items are not plain bytes: objects (pointers NumPy would
 * follow) and NumPy 2's variable-width strings (pointers into an arena). */
static int descr_check(PyObject *descr, Py_ssize_t *itemsize, Py_ssize_t *alignment)
{
    if (!PyObject_TypeCheck(descr, npy.descr_type)) {
        PyErr_Format(PyExc_TypeError, "bus.arrays(): %R is not a numpy.dtype", descr);
        return -1;
    }
    PyObject *hasobject = PyObject_GetAttrString(descr, "hasobject");
    PyObject *kind = hasobject ? PyObject_GetAttrString(descr, "kind") : NULL;
    int bad = !kind ? -1 : PyObject_IsTrue(hasobject);
    if (bad == 0) {
        const char *k = PyUnicode_Check(kind) ? PyUnicode_AsUTF8(kind) : NULL;
        bad = !k ? -1 : strlen(k) != 1 || !strchr("biufcmMSUV", k[0]);
    }
    Py_XDECREF(hasobject);
    Py_XDECREF(kind);
    if (bad < 0)
        return -1;
    if (bad) {
        PyErr_Format(PyExc_TypeError,
                     "bus.arrays(): dtype %R holds references, not plain bytes; ring memory can only be viewed as "
                     "numbers, bytes, strings of fixed size and records of them",
                     descr);
        return -1;
    }
    if ((*itemsize = descr_int(descr, "itemsize")) < 0 || (*alignment = descr_int(descr, "alignment")) < 0)
        return -1;
    if (*itemsize == 0) {
        PyErr_Format(PyExc_ValueError, "bus.arrays(): dtype %R has no size", descr);
        return -1;
    }
    if (*alignment < 1)
        *alignment = 1;
    return 0;
}

PyObject *tpy_bus_arrays(BusObject *bus, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_DTYPE, K_END_TYPE_ID, K_TIMEOUT};
    PyObject *a[3];
    int64_t timeout_ns = -1;
    uint32_t end_type_id = 0;
    Py_ssize_t itemsize, alignment;

    if (tpy_parse_args("arrays", args, nargs, kwnames, spec, 3, 1, 0, a) < 0)
        return NULL;
    if (a[1] && a[1] != Py_None && tpy_parse_u32(a[1], "end_type_id", &end_type_id) < 0)
        return NULL;
    if (a[2] && tpy_parse_timeout(a[2], &timeout_ns) < 0)
        return NULL;
    if (tpy_bus_ready_role(bus, TACHYON_ROLE_CONSUMER) < 0 || npy_load() < 0)
        return NULL;
    PyObject *descr = tpy_call_helper("array_dtype", a[0] ? a[0] : Py_None);
    if (!descr)
        return NULL;
    if (descr_check(descr, &itemsize, &alignment) < 0) {
        Py_DECREF(descr);
        return NULL;
    }
    StreamObject *s = (StreamObject *)tpy_guard_alloc(&stream_kind, bus);
    if (!s) {
        Py_DECREF(descr);
        return NULL;
    }
    s->g.state = G_DONE; /* nothing held until the first __next__ */
    s->descr = descr;
    s->itemsize = itemsize;
    s->alignment = alignment;
    s->timeout_ns = timeout_ns;
    s->end_type_id = end_type_id;
    s->has_end = a[1] && a[1] != Py_None;
    return (PyObject *)s;
}

int tpy_arrays_init(PyObject *m)
{
    if (PyType_Ready(&hold_type) < 0 || PyType_Ready(&tpy_array_stream_type) < 0)
        return -1;
    if (PyModule_AddObject(m, "ArrayStream", Py_NewRef((PyObject *)&tpy_array_stream_type)) < 0) {
        Py_DECREF(&tpy_array_stream_type);
        return -1;
    }
    return 0;
}

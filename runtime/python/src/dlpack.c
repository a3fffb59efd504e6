/*
 * dlpack.c - ring memory handed to array libraries without a copy: DLPack
 * capsules (https://dmlc.github.io/dlpack/latest/c_api.html, v1.0 and the
 * unversioned form) for every view type, and the _Span behind as_array's
 * NumPy arrays. Each holds a reference on the bus and counts in map_refs, so
 * the ring stays mapped while any of them lives.
 */
#include "tachyon_py.h"

#include <stdlib.h>
#include <string.h>

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

/* A frame consumer exports and frees one context per frame: keep a few freed
 * ones instead of a calloc and a free each time (about a twentieth of the
 * per-frame cost of numpy.from_dlpack on a guard, by callgrind). The list is
 * only touched with the GIL held. */
#define DL_CONTEXT_CACHE 8
static DLContext *dl_context_cache[DL_CONTEXT_CACHE];
static int dl_context_cached;

static DLContext *dl_context_get(void)
{
    if (dl_context_cached > 0) {
        DLContext *ctx = dl_context_cache[--dl_context_cached];
        memset(ctx, 0, sizeof *ctx);
        return ctx;
    }
    return PyMem_RawCalloc(1, sizeof(DLContext));
}

static void dl_context_put(DLContext *ctx)
{
    if (dl_context_cached < DL_CONTEXT_CACHE)
        dl_context_cache[dl_context_cached++] = ctx;
    else
        PyMem_RawFree(ctx);
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
            tpy_map_ref_release(ctx->bus);
        Py_DECREF(ctx->bus);
    }
    free(ctx->copy);
    dl_context_put(ctx);
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

/* The capsule names; the capsules are made with these very pointers, so the
 * destructor tells an unconsumed capsule by the pointer alone. */
static const char DL_NAME_LEGACY[] = "dltensor";
static const char DL_NAME_V1[] = "dltensor_versioned";

static void dl_capsule_destructor(PyObject *capsule)
{
    /* A consumer renames the capsule once it took ownership ("used_..."):
     * only an unconsumed capsule, still under our name, is ours to free. */
    const char *name = PyCapsule_GetName(capsule);
    if (name == DL_NAME_LEGACY) {
        DLManagedTensor *t = PyCapsule_GetPointer(capsule, DL_NAME_LEGACY);
        if (t && t->deleter)
            t->deleter(t);
    } else if (name == DL_NAME_V1) {
        DLManagedTensorVersioned *t = PyCapsule_GetPointer(capsule, DL_NAME_V1);
        if (t && t->deleter)
            t->deleter(t);
    }
}

/* Reads __dlpack__'s keyword arguments: whether the consumer takes the
 * versioned form and whether it asked for a copy. */
static int dlpack_options(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int *versioned, int *copy)
{
    static const int spec[] = {K_STREAM, K_MAX_VERSION, K_DL_DEVICE, K_COPY};
    PyObject *a[4];

    *versioned = 0;
    *copy = 0;
    if (tpy_parse_args("__dlpack__", args, nargs, kwnames, spec, 4, 0, 0, a) < 0)
        return -1;
    if (a[0] && a[0] != Py_None) {
        /* CPU memory has no stream; -1 is the spec's "no synchronisation". */
        long s = PyLong_Check(a[0]) ? PyLong_AsLong(a[0]) : 0;
        if (s != -1 || PyErr_Occurred()) {
            PyErr_Clear();
            return tpy_raise_msg(PyExc_BufferError, "stream must be None for CPU memory"), -1;
        }
    }
    if (a[1] && a[1] != Py_None) {
        if (!PyTuple_Check(a[1]) || PyTuple_GET_SIZE(a[1]) < 1)
            return tpy_raise_msg(PyExc_TypeError, "max_version must be a (major, minor) tuple"), -1;
        long major = PyLong_AsLong(PyTuple_GET_ITEM(a[1], 0));
        if (major == -1 && PyErr_Occurred())
            return -1;
        *versioned = major >= 1;
    }
    if (a[2] && a[2] != Py_None) {
        PyObject *dev = a[2];
        if (!PyTuple_Check(dev) || PyTuple_GET_SIZE(dev) != 2)
            return tpy_raise_msg(PyExc_TypeError, "dl_device must be a (device_type, device_id) tuple"), -1;
        long dt = PyLong_AsLong(PyTuple_GET_ITEM(dev, 0));
        long di = PyLong_AsLong(PyTuple_GET_ITEM(dev, 1));
        if (PyErr_Occurred())
            return -1;
        if (dt != DL_CPU || di != 0)
            return tpy_raise_msg(PyExc_BufferError, "tachyon messages live in CPU memory (kDLCPU, 0)"), -1;
    }
    if (a[3] && a[3] != Py_None) {
        *copy = PyObject_IsTrue(a[3]);
        if (*copy < 0)
            return -1;
    }
    return 0;
}

PyObject *tpy_dlpack_export(BusObject *bus, void *ptr, Py_ssize_t rows, size_t size, size_t stride, int writable,
                            PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    int versioned, copy;

    if (dlpack_options(args, nargs, kwnames, &versioned, &copy) < 0)
        return NULL;
    DLContext *ctx = dl_context_get();
    if (!ctx)
        return PyErr_NoMemory();
    void *data = ptr;
    size_t nrows = rows < 0 ? 1 : (size_t)rows;
    if (copy) {
        ctx->copy = malloc(nrows * size > 0 ? nrows * size : 1);
        if (!ctx->copy) {
            dl_context_put(ctx);
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
    PyObject *cap = versioned ? PyCapsule_New(&ctx->t.v1, DL_NAME_V1, dl_capsule_destructor)
                              : PyCapsule_New(&ctx->t.legacy, DL_NAME_LEGACY, dl_capsule_destructor);
    if (!cap) {
        if (!copy)
            bus->map_refs--;
        Py_DECREF(ctx->bus);
        free(ctx->copy);
        dl_context_put(ctx);
        return NULL;
    }
    return cap;
}

PyObject *tpy_dlpack_device(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    (void)self;
    return Py_BuildValue("(ii)", DL_CPU, 0);
}

/* ---- Span: an __array_interface__ over ring memory (for as_array) --------- */

typedef struct {
    PyObject_HEAD
    BusObject *bus;
    uintptr_t addr;
    Py_ssize_t len;
} SpanObject;

PyObject *tpy_span_new(BusObject *bus, const void *addr, Py_ssize_t len)
{
    SpanObject *s = PyObject_New(SpanObject, &tpy_span_type);
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
    tpy_map_ref_release(self->bus);
    Py_DECREF(self->bus);
    PyObject_Free(self);
}

static PyObject *Span_array_interface(SpanObject *self, void *Py_UNUSED(c))
{
    return Py_BuildValue("{s:(n),s:s,s:(Ni),s:i}", "shape", self->len, "typestr", "|u1", "data",
                         PyLong_FromVoidPtr((void *)self->addr), 1, "version", 3);
}

static PyGetSetDef Span_getset[] = {
    {"__array_interface__", (getter)Span_array_interface, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject tpy_span_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon._Span",
    .tp_basicsize = sizeof(SpanObject),
    .tp_dealloc = (destructor)Span_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = Span_getset,
};

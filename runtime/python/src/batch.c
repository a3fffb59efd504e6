/*
 * batch.c - many messages read in place:
 *   Batch     drain_batch(): a guard (guard.c's lifecycle) over the messages
 *             drained at once, committed together on exit
 *   BatchItem batch[i]: one message of a batch (buffer, DLPack)
 *   BatchRun  batch.runs(): equally spaced messages, one 2-D DLPack tensor
 */
#include "tachyon_py.h"

typedef struct {
    GuardObject g;
    tachyon_msg_t *msgs;
    size_t cap;   /* slots in msgs (kept when the batch is recycled) */
    size_t count; /* messages held */
} BatchObject;

typedef struct {
    PyObject_HEAD
    BatchObject *batch;
    size_t index;
} BatchItemObject;

static tachyon_error_t batch_end(GuardObject *g, tachyon_bus_t *bus, int commit)
{
    BatchObject *b = (BatchObject *)g;
    (void)commit; /* a consumer cannot give messages back */
    return b->count ? tachyon_commit_rx_batch(bus, b->count) : TACHYON_OK;
}

/* A freed batch keeps its msgs array for reuse unless it grew large. */
static int batch_recyclable(GuardObject *g)
{
    return ((BatchObject *)g)->cap <= 4096;
}

static void batch_discard(GuardObject *g)
{
    PyMem_Free(((BatchObject *)g)->msgs);
}

static GuardKind batch_kind = {
    .end = batch_end,
    .commit_deferred = 1,
    .used_text = "this batch was committed: its ring bytes may already be reused",
    .exports_text = "memoryviews of messages in this batch are still alive; the batch is committed when the "
                    "last one is released",
    .recyclable = batch_recyclable,
    .discard = batch_discard,
    .type = &tpy_batch_type,
};

/* Fills the batch: with what is there now, else (timeout_ns != 0) waiting
 * for at least one message. Returns the message count (0 only when
 * timeout_ns is 0) or -1 with an exception. */
static Py_ssize_t batch_fill(BatchObject *g, BusObject *self, size_t max, int64_t timeout_ns)
{
    tachyon_bus_t *b = self->bus;
    size_t n = tachyon_drain_batch(b, g->msgs, max);
    if (n)
        return (Py_ssize_t)n;
    tachyon_error_t err = tachyon_last_error(b);
    if (err == TACHYON_ERR_EMPTY && timeout_ns == 0)
        return 0;
    if (err != TACHYON_ERR_EMPTY)
        return tpy_raise_bus(b, err, "drain_batch"), -1;
    int64_t deadline = tpy_deadline(timeout_ns);
    uint32_t spin = self->spin;
    do {
        if (tpy_wait_prepare() < 0)
            return -1;
        self->in_call = 1;
        Py_BEGIN_ALLOW_THREADS
        n = tachyon_drain_batch_until(b, g->msgs, max, spin, deadline);
        Py_END_ALLOW_THREADS
        self->in_call = 0;
        if (n)
            return (Py_ssize_t)n;
        err = tachyon_last_error(b);
    } while (tpy_wait_again(err));
    if (PyErr_Occurred())
        return -1;
    return tpy_raise_bus(b, err, "drain_batch"), -1;
}

PyObject *tpy_bus_drain_batch(BusObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const int spec[] = {K_MAX, K_TIMEOUT};
    PyObject *a[2];
    int64_t timeout_ns = -1;
    size_t max = TPY_DEFAULT_BATCH;

    if (tpy_parse_args("drain_batch", args, nargs, kwnames, spec, 2, 1, 0, a) < 0)
        return NULL;
    if (a[0] && a[0] != Py_None && tpy_parse_size(a[0], "max", &max) < 0)
        return NULL;
    if (a[1] && tpy_parse_timeout(a[1], &timeout_ns) < 0)
        return NULL;
    if (max == 0)
        return tpy_raise_msg(tpy_err_by_code[TACHYON_ERR_INVALID_ARG], "drain_batch: max must be >= 1");
    if (tpy_bus_ready_role(self, TACHYON_ROLE_CONSUMER) < 0)
        return NULL;
    size_t most = tachyon_capacity(self->bus) / TACHYON_FRAME_ALIGN; /* frames the ring can hold */
    if (max > most)
        max = most;
    BatchObject *g = (BatchObject *)tpy_guard_alloc(&batch_kind, self);
    if (!g)
        return NULL;
    /* Holds nothing until filled: dropping it on an error commits nothing. */
    g->g.state = G_DONE;
    g->count = 0;
    if (g->cap < max) {
        tachyon_msg_t *m = PyMem_Realloc(g->msgs, max * sizeof *m);
        if (!m) {
            Py_DECREF(g);
            return PyErr_NoMemory();
        }
        g->msgs = m;
        g->cap = max;
    }
    Py_ssize_t n = batch_fill(g, self, max, timeout_ns);
    if (n < 0) {
        Py_DECREF(g);
        return NULL;
    }
    g->count = (size_t)n;
    g->g.state = G_ACTIVE;
    if (n)
        self->holder = &g->g;
    return (PyObject *)g;
}

static Py_ssize_t Batch_len(BatchObject *self)
{
    return (Py_ssize_t)self->count;
}

static PyObject *Batch_item(BatchObject *self, Py_ssize_t i)
{
    if (tpy_guard_check(&self->g) < 0)
        return NULL;
    if (i < 0 || (size_t)i >= self->count)
        return tpy_raise_msg(PyExc_IndexError, "batch index out of range");
    BatchItemObject *it = PyObject_New(BatchItemObject, &tpy_batch_item_type);
    if (!it)
        return NULL;
    it->batch = (BatchObject *)Py_NewRef(self);
    it->index = (size_t)i;
    return (PyObject *)it;
}

static PyObject *Batch_tolist(BatchObject *self, PyObject *Py_UNUSED(ignored))
{
    if (tpy_guard_check(&self->g) < 0)
        return NULL;
    PyObject *list = PyList_New((Py_ssize_t)self->count);
    if (!list)
        return NULL;
    for (size_t i = 0; i < self->count; i++) {
        PyObject *m = tpy_message_new(self->msgs[i].type_id, self->msgs[i].data, self->msgs[i].size);
        if (!m) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, m);
    }
    return list;
}

/* ---- BatchItem -------------------------------------------------------------- */

static const tachyon_msg_t *item_msg(BatchItemObject *self)
{
    if (tpy_guard_check(&self->batch->g) < 0)
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
    return tpy_guard_getbuffer(&self->batch->g, (PyObject *)self, view, (void *)m->data, m->size, 1, flags);
}

static void BatchItem_releasebuffer(BatchItemObject *self, Py_buffer *view)
{
    (void)view;
    tpy_guard_releasebuffer(&self->batch->g);
}

static PyObject *BatchItem_dlpack(BatchItemObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    const tachyon_msg_t *m = item_msg(self);
    if (!m)
        return NULL;
    return tpy_dlpack_export(self->batch->g.bus, (void *)m->data, -1, m->size, 0, 0, args, nargs, kwnames);
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

/* ---- BatchRun: equally spaced, equally sized messages of a batch -------------
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

static size_t frame_len(size_t size)
{
    return (TACHYON_FRAME_HEADER + size + TACHYON_FRAME_ALIGN - 1) & ~(size_t)(TACHYON_FRAME_ALIGN - 1);
}

/* batch.runs() -> list of BatchRun covering the batch in order. */
static PyObject *Batch_runs(BatchObject *self, PyObject *Py_UNUSED(ignored))
{
    if (tpy_guard_check(&self->g) < 0)
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
        BatchRunObject *r = PyObject_New(BatchRunObject, &tpy_batch_run_type);
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
    if (tpy_guard_check(&self->batch->g) < 0)
        return NULL;
    return tpy_dlpack_export(self->batch->g.bus, (void *)self->batch->msgs[self->start].data,
                             (Py_ssize_t)self->count, self->size, self->stride, 0, args, nargs, kwnames);
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
    if (tpy_guard_check(&self->batch->g) < 0)
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
    if (tpy_guard_check(&self->batch->g) < 0)
        return NULL;
    const void *first = self->batch->msgs[self->start].data;
    return tpy_span_new(self->batch->g.bus, first, (Py_ssize_t)((self->count - 1) * self->stride + self->size));
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

/* ---- Type tables ------------------------------------------------------------ */

static PyMethodDef Batch_methods[] = {
    TPY_GUARD_METHODS("Release every message of the batch."),
    {"tolist", (PyCFunction)Batch_tolist, METH_NOARGS, "Copies of the messages as a list of Message."},
    {"as_array", (PyCFunction)(void (*)(void))tpy_fwd_as_array, METH_FASTCALL | METH_KEYWORDS,
     "as_array(cls_or_dtype, *, type_id=None, copy=False) -> NumPy structured array over the ring."},
    {"as_arrays", (PyCFunction)(void (*)(void))tpy_fwd_as_arrays, METH_FASTCALL | METH_KEYWORDS,
     "as_arrays(cls_or_dtype, *, type_id=None) -> list of zero-copy arrays (one per contiguous run)."},
    {"runs", (PyCFunction)Batch_runs, METH_NOARGS,
     "runs() -> list of BatchRun: equally sized, equally spaced messages, each one 2-D DLPack tensor."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Batch_getset[] = {
    {"committed", tpy_guard_get_committed, NULL, "True once committed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods Batch_as_sequence = {
    .sq_length = (lenfunc)Batch_len,
    .sq_item = (ssizeargfunc)Batch_item,
};

PyTypeObject tpy_batch_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.Batch",
    .tp_basicsize = sizeof(BatchObject),
    .tp_dealloc = tpy_guard_dealloc,
    .tp_as_sequence = &Batch_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Messages drained in place; a sequence of BatchItem; committed on exit.",
    .tp_methods = Batch_methods,
    .tp_getset = Batch_getset,
};

static PyMethodDef BatchItem_methods[] = {
    {"tobytes", (PyCFunction)BatchItem_tobytes, METH_NOARGS, "A copy of the payload."},
    TPY_DECODE_METHOD,
    TPY_DLPACK_METHODS(BatchItem_dlpack, NULL),
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

PyTypeObject tpy_batch_item_type = {
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

static PyMethodDef BatchRun_methods[] = {
    TPY_DLPACK_METHODS(BatchRun_dlpack,
                       "A 2-D (count, size) uint8 tensor over the run, rows `stride` bytes apart (no copy)."),
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

PyTypeObject tpy_batch_run_type = {
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

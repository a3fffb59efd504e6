/*
 * guard.c - the one guard lifecycle (see tachyon_py.h) and the two guards
 * over a single message built on it:
 *   RxGuard  recv_zero_copy(): one message read in place, committed on exit
 *   TxGuard  send_zero_copy(): one reservation written in place, committed on
 *            a clean exit, rolled back on an exception
 * Batch (batch.c) is the third user of the lifecycle.
 */
#include "tachyon_py.h"

#include <string.h>

/* ---- The lifecycle -------------------------------------------------------- */

GuardObject *tpy_guard_alloc(GuardKind *kind, BusObject *bus)
{
    GuardObject *g;
    if (kind->nfree > 0) {
        /* Guards come and go once per message: reuse a freed one (the GIL
         * protects the list). It keeps what `recyclable` allowed it to keep. */
        g = (GuardObject *)PyObject_Init(kind->free[--kind->nfree], kind->type);
    } else {
        g = (GuardObject *)PyObject_New(GuardObject, kind->type);
        if (!g)
            return NULL;
        memset((char *)g + sizeof(GuardObject), 0, (size_t)kind->type->tp_basicsize - sizeof(GuardObject));
    }
    g->bus = (BusObject *)Py_NewRef(bus);
    g->kind = kind;
    g->state = G_ACTIVE;
    g->commit_at_release = 0;
    g->exports = 0;
    return g;
}

int tpy_guard_check(GuardObject *g)
{
    if (g->state != G_ACTIVE) {
        PyErr_SetString(tpy_exc_use_after_commit, g->kind->used_text);
        return -1;
    }
    return 0;
}

tachyon_error_t tpy_guard_finish(GuardObject *g, int commit)
{
    BusObject *bus = g->bus;
    tachyon_error_t err = TACHYON_OK;
    g->state = G_DONE;
    if (bus->holder == g)
        bus->holder = NULL;
    if (bus->bus)
        err = g->kind->end(g, bus->bus, commit);
    tpy_bus_maybe_destroy(bus);
    return err;
}

PyObject *tpy_guard_end(GuardObject *g, int commit)
{
    if (g->state == G_DONE) {
        if (commit && g->kind->again_text)
            return tpy_raise_msg(tpy_exc_use_after_commit, g->kind->again_text);
        Py_RETURN_NONE;
    }
    if (commit && g->kind->check_commit && g->kind->check_commit(g) < 0)
        return NULL;
    if (g->exports > 0) {
        g->state = G_CLOSING;
        g->commit_at_release = commit && g->kind->commit_deferred;
        return tpy_raise_msg(tpy_exc_exports_outstanding, g->kind->exports_text);
    }
    tachyon_error_t err = tpy_guard_finish(g, commit);
    if (err != TACHYON_OK)
        return tpy_raise(err, commit ? "commit" : "rollback");
    Py_RETURN_NONE;
}

void tpy_guard_abandon(GuardObject *g)
{
    if (g->state == G_DONE)
        return;
    if (g->exports > 0) {
        g->state = G_CLOSING;
        g->commit_at_release = 0;
    } else {
        (void)tpy_guard_finish(g, 0);
    }
}

int tpy_guard_getbuffer(GuardObject *g, PyObject *owner, Py_buffer *view, void *ptr, size_t len, int readonly,
                        int flags)
{
    if (tpy_guard_check(g) < 0) {
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, owner, ptr, (Py_ssize_t)len, readonly, flags) < 0)
        return -1;
    g->exports++;
    g->bus->map_refs++;
    return 0;
}

void tpy_guard_releasebuffer(GuardObject *g)
{
    BusObject *bus = g->bus;
    Py_INCREF(bus);
    if (--g->exports == 0 && g->state == G_CLOSING)
        (void)tpy_guard_finish(g, g->commit_at_release);
    tpy_map_ref_release(bus);
    Py_DECREF(bus);
}

PyObject *tpy_guard_commit(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return tpy_guard_end((GuardObject *)self, 1);
}

PyObject *tpy_guard_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GuardObject *g = (GuardObject *)self;
    if (nargs > 0 && args[0] != Py_None) {
        /* The body raised: end without masking its exception. */
        tpy_guard_abandon(g);
        Py_RETURN_FALSE;
    }
    if (g->state == G_DONE)
        Py_RETURN_FALSE; /* committed explicitly inside the block */
    PyObject *r = tpy_guard_end(g, 1);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

PyObject *tpy_guard_get_committed(PyObject *self, void *Py_UNUSED(c))
{
    return PyBool_FromLong(((GuardObject *)self)->state == G_DONE);
}

void tpy_guard_dealloc(PyObject *self)
{
    GuardObject *g = (GuardObject *)self;
    GuardKind *kind = g->kind;
    tpy_guard_abandon(g); /* dropped without leaving a with-block (views hold the guard: none is alive) */
    Py_CLEAR(g->bus);
    if (kind->nfree < TPY_FREELIST_MAX && (!kind->recyclable || kind->recyclable(g))) {
        kind->free[kind->nfree++] = self;
    } else {
        if (kind->discard)
            kind->discard(g);
        PyObject_Free(self);
    }
}

/* ---- RxGuard: one message read in place ----------------------------------- */

typedef struct {
    GuardObject g;
    const void *ptr;
    size_t size;
    uint32_t type_id;
} RxGuardObject;

/* A consumer cannot give a message back: both ends release it. */
static tachyon_error_t rx_end(GuardObject *g, tachyon_bus_t *bus, int commit)
{
    (void)g;
    (void)commit;
    return tachyon_commit_rx(bus);
}

static GuardKind rx_kind = {
    .end = rx_end,
    .commit_deferred = 1,
    .used_text = "this message was committed: its ring bytes may already be reused",
    .exports_text = "memoryviews of this message are still alive; it is committed when the last one is "
                    "released (use `with memoryview(rx) as mv:`)",
    .type = &tpy_rx_guard_type,
};

PyObject *tpy_rx_guard_new(BusObject *bus, const void *p, size_t size, uint32_t type_id)
{
    RxGuardObject *rx = (RxGuardObject *)tpy_guard_alloc(&rx_kind, bus);
    if (!rx) {
        (void)tachyon_commit_rx(bus->bus);
        return NULL;
    }
    rx->ptr = p;
    rx->size = size;
    rx->type_id = type_id;
    bus->holder = &rx->g;
    return (PyObject *)rx;
}

static int RxGuard_getbuffer(RxGuardObject *self, Py_buffer *view, int flags)
{
    return tpy_guard_getbuffer(&self->g, (PyObject *)self, view, (void *)self->ptr, self->size, 1, flags);
}

static void RxGuard_releasebuffer(RxGuardObject *self, Py_buffer *view)
{
    (void)view;
    tpy_guard_releasebuffer(&self->g);
}

static PyObject *RxGuard_dlpack(RxGuardObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (tpy_guard_check(&self->g) < 0)
        return NULL;
    return tpy_dlpack_export(self->g.bus, (void *)self->ptr, -1, self->size, 0, 0, args, nargs, kwnames);
}

static PyObject *RxGuard_tobytes(RxGuardObject *self, PyObject *Py_UNUSED(ignored))
{
    if (tpy_guard_check(&self->g) < 0)
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

static Py_ssize_t RxGuard_len(RxGuardObject *self)
{
    return (Py_ssize_t)self->size;
}

static PyMethodDef RxGuard_methods[] = {
    TPY_GUARD_METHODS("Release the message (its bytes may be reused)."),
    {"tobytes", (PyCFunction)RxGuard_tobytes, METH_NOARGS, "A copy of the payload."},
    TPY_DECODE_METHOD,
    TPY_DLPACK_METHODS(RxGuard_dlpack, NULL),
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef RxGuard_getset[] = {
    {"type_id", (getter)RxGuard_get_type_id, NULL, "message type id", NULL},
    {"size", (getter)RxGuard_get_size, NULL, "payload bytes", NULL},
    {"committed", tpy_guard_get_committed, NULL, "True once committed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs RxGuard_as_buffer = {(getbufferproc)RxGuard_getbuffer, (releasebufferproc)RxGuard_releasebuffer};
static PySequenceMethods RxGuard_as_sequence = {.sq_length = (lenfunc)RxGuard_len};

PyTypeObject tpy_rx_guard_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.RxGuard",
    .tp_basicsize = sizeof(RxGuardObject),
    .tp_dealloc = tpy_guard_dealloc,
    .tp_as_sequence = &RxGuard_as_sequence,
    .tp_as_buffer = &RxGuard_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A received message held in place (read-only buffer, DLPack); committed on exit.",
    .tp_methods = RxGuard_methods,
    .tp_getset = RxGuard_getset,
};

/* ---- TxGuard: one reservation written in place ---------------------------- */

typedef struct {
    GuardObject g;
    void *ptr;
    size_t size;        /* reserved bytes */
    size_t actual_size; /* committed bytes (defaults to size) */
    uint32_t type_id;
} TxGuardObject;

static tachyon_error_t tx_end(GuardObject *g, tachyon_bus_t *bus, int commit)
{
    TxGuardObject *tx = (TxGuardObject *)g;
    return commit ? tachyon_commit_tx(bus, tx->actual_size, tx->type_id) : tachyon_rollback_tx(bus);
}

/* Keeps the reservation on failure: the caller may fix actual_size and commit. */
static int tx_check_commit(GuardObject *g)
{
    TxGuardObject *tx = (TxGuardObject *)g;
    if (tx->actual_size <= tx->size)
        return 0;
    PyErr_Format(tpy_err_by_code[TACHYON_ERR_INVALID_ARG], "actual_size %zu exceeds the reserved size %zu",
                 tx->actual_size, tx->size);
    return -1;
}

/* A writable view outliving the reservation means its bytes can still change:
 * they are never published, so a deferred commit rolls back. */
static GuardKind tx_kind = {
    .end = tx_end,
    .check_commit = tx_check_commit,
    .commit_deferred = 0,
    .used_text = "this reservation was committed or rolled back",
    .again_text = "this reservation was already committed or rolled back",
    .exports_text = "memoryviews of this reservation are still alive; nothing was sent (it is rolled back "
                    "when the last one is released; use `with memoryview(tx) as mv:`)",
    .type = &tpy_tx_guard_type,
};

PyObject *tpy_tx_guard_new(BusObject *bus, void *p, size_t size, uint32_t type_id)
{
    TxGuardObject *tx = (TxGuardObject *)tpy_guard_alloc(&tx_kind, bus);
    if (!tx) {
        (void)tachyon_rollback_tx(bus->bus);
        return NULL;
    }
    tx->ptr = p;
    tx->size = size;
    tx->actual_size = size;
    tx->type_id = type_id;
    bus->holder = &tx->g;
    return (PyObject *)tx;
}

static PyObject *TxGuard_rollback(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return tpy_guard_end((GuardObject *)self, 0);
}

static int TxGuard_getbuffer(TxGuardObject *self, Py_buffer *view, int flags)
{
    return tpy_guard_getbuffer(&self->g, (PyObject *)self, view, self->ptr, self->size, 0, flags);
}

static void TxGuard_releasebuffer(TxGuardObject *self, Py_buffer *view)
{
    (void)view;
    tpy_guard_releasebuffer(&self->g);
}

static PyObject *TxGuard_dlpack(TxGuardObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (tpy_guard_check(&self->g) < 0)
        return NULL;
    return tpy_dlpack_export(self->g.bus, self->ptr, -1, self->size, 0, 1, args, nargs, kwnames);
}

static PyObject *TxGuard_get_actual_size(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->actual_size);
}

static int TxGuard_set_actual_size(TxGuardObject *self, PyObject *v, void *Py_UNUSED(c))
{
    size_t n;
    if (!v)
        return tpy_raise_msg(PyExc_AttributeError, "cannot delete actual_size"), -1;
    if (tpy_parse_size(v, "actual_size", &n) < 0)
        return -1;
    if (n > self->size) {
        PyErr_Format(tpy_err_by_code[TACHYON_ERR_INVALID_ARG], "actual_size %zu exceeds the reserved size %zu", n,
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
        return tpy_raise_msg(PyExc_AttributeError, "cannot delete type_id"), -1;
    return tpy_parse_u32(v, "type_id", &self->type_id);
}

static PyObject *TxGuard_get_size(TxGuardObject *self, void *Py_UNUSED(c))
{
    return PyLong_FromSize_t(self->size);
}

static Py_ssize_t TxGuard_len(TxGuardObject *self)
{
    return (Py_ssize_t)self->size;
}

static PyMethodDef TxGuard_methods[] = {
    TPY_GUARD_METHODS("Commit now with actual_size and type_id."),
    {"rollback", TxGuard_rollback, METH_NOARGS, "Abandon the reservation; nothing is sent."},
    TPY_DLPACK_METHODS(TxGuard_dlpack, NULL),
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef TxGuard_getset[] = {
    {"actual_size", (getter)TxGuard_get_actual_size, (setter)TxGuard_set_actual_size,
     "bytes to commit (default: the reserved size)", NULL},
    {"type_id", (getter)TxGuard_get_type_id, (setter)TxGuard_set_type_id, "message type id", NULL},
    {"size", (getter)TxGuard_get_size, NULL, "reserved bytes", NULL},
    {"committed", tpy_guard_get_committed, NULL, "True once committed or rolled back", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs TxGuard_as_buffer = {(getbufferproc)TxGuard_getbuffer, (releasebufferproc)TxGuard_releasebuffer};
static PySequenceMethods TxGuard_as_sequence = {.sq_length = (lenfunc)TxGuard_len};

PyTypeObject tpy_tx_guard_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tachyon._tachyon.TxGuard",
    .tp_basicsize = sizeof(TxGuardObject),
    .tp_dealloc = tpy_guard_dealloc,
    .tp_as_sequence = &TxGuard_as_sequence,
    .tp_as_buffer = &TxGuard_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A reserved ring slot (writable buffer, DLPack); committed on a clean exit, rolled back on error.",
    .tp_methods = TxGuard_methods,
    .tp_getset = TxGuard_getset,
};

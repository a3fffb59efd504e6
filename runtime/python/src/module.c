/*
 * module.c - the `tachyon._tachyon` module: the exception classes mapped by
 * error code, argument parsing shared by every method, the Python-level
 * helpers the C types forward to, module functions and init.
 * The file map of the extension is in tachyon_py.h.
 */
#include "tachyon_py.h"

#include <string.h>

PyObject *tpy_err_by_code[TACHYON_ERR__COUNT];
PyObject *tpy_exc_use_after_commit;
PyObject *tpy_exc_exports_outstanding;
PyObject *tpy_small_zero;
PyTypeObject *tpy_stats_type;

static PyObject *exc_base;

/* The error table of tachyon.h, as this module was built against it. */
#define TPY_ERROR_ROW_(name, number, short_name, text) {number, #name, #short_name, text},
static const struct error_row {
    int code;
    const char *name;       /* "TACHYON_ERR_TIMEOUT" */
    const char *short_name; /* "Timeout" */
    const char *text;       /* tachyon_strerror's */
} error_rows[] = {TACHYON_ERROR_LIST(TPY_ERROR_ROW_)};
#undef TPY_ERROR_ROW_
#define N_ERROR_ROWS ((int)(sizeof error_rows / sizeof error_rows[0]))

/* The enum name of `code` ("TACHYON_ERR_..."), or NULL for a number that is no code. */
static const char *error_name(int code)
{
    for (int i = 0; i < N_ERROR_ROWS; i++)
        if (error_rows[i].code == code)
            return error_rows[i].name;
    return NULL;
}

/* Sets attribute `name` of `obj` to `value` (a new reference, may be NULL). */
static int set_attr(PyObject *obj, const char *name, PyObject *value)
{
    if (!value)
        return -1;
    int r = PyObject_SetAttrString(obj, name, value);
    Py_DECREF(value);
    return r;
}

PyObject *tpy_raise_detail(const tachyon_error_detail_t *detail, const char *what)
{
    tachyon_error_detail_t d = *detail;
    if (!error_name(d.code) || d.code == TACHYON_OK)
        d.code = TACHYON_ERR_SYSTEM;
    PyObject *cls = tpy_err_by_code[d.code] ? tpy_err_by_code[d.code] : exc_base;
    char line[256];
    (void)tachyon_format_error(&d, line, sizeof line);
    PyObject *msg = PyUnicode_FromFormat("%s: %s (%s)", what, line, error_name(d.code));
    if (!msg)
        return NULL;
    PyObject *exc = PyObject_CallOneArg(cls, msg);
    Py_DECREF(msg);
    if (!exc)
        return NULL;
    /* OSError's pair: the errno and its text, when the failure has one;
     * else tachyon_strerror's text. */
    int bad = d.os_errno ? set_attr(exc, "errno", PyLong_FromLong(d.os_errno)) < 0 ||
                               set_attr(exc, "strerror", PyUnicode_DecodeLocale(strerror(d.os_errno),
                                                                                "surrogateescape")) < 0
                         : set_attr(exc, "strerror", PyUnicode_FromString(tachyon_strerror(d.code))) < 0;
    if (!bad && d.code == TACHYON_ERR_TOO_LARGE && d.limit)
        bad = set_attr(exc, "size", PyLong_FromUnsignedLongLong(d.size)) < 0 ||
              set_attr(exc, "limit", PyLong_FromUnsignedLongLong(d.limit)) < 0;
    if (!bad && d.waited_ns > 0)
        bad = set_attr(exc, "waited", PyFloat_FromDouble((double)d.waited_ns / 1e9)) < 0;
    if (bad) {
        Py_DECREF(exc);
        return NULL;
    }
    PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *tpy_raise(tachyon_error_t err, const char *what)
{
    tachyon_error_detail_t d = {.code = (int32_t)err};
    return tpy_raise_detail(&d, what);
}

PyObject *tpy_raise_bus(tachyon_bus_t *bus, tachyon_error_t err, const char *what)
{
    tachyon_error_detail_t d = {.code = (int32_t)err};
    if (tachyon_last_error_detail(bus, &d) != err)
        d = (tachyon_error_detail_t){.code = (int32_t)err};
    return tpy_raise_detail(&d, what);
}

PyObject *tpy_raise_msg(PyObject *cls, const char *text)
{
    PyErr_SetString(cls, text);
    return NULL;
}

PyObject *tpy_raise_state(const char *text)
{
    return tpy_raise_msg(tpy_err_by_code[TACHYON_ERR_STATE], text);
}

PyObject *tpy_return_self(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self);
}

/* ---- Python-level helpers ----------------------------------------------- */

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

PyObject *tpy_call_helper(const char *name, PyObject *arg)
{
    PyObject *fn = helpers ? PyDict_GetItemString(helpers, name) : NULL;
    if (!fn) {
        PyErr_Format(PyExc_RuntimeError, "tachyon helper %s is not registered (import tachyon)", name);
        return NULL;
    }
    return PyObject_CallOneArg(fn, arg);
}

PyObject *tpy_fwd_decode(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("decode", self, args, nargs, kwnames);
}

PyObject *tpy_fwd_as_array(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("as_array", self, args, nargs, kwnames);
}

PyObject *tpy_fwd_as_arrays(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return forward("as_arrays", self, args, nargs, kwnames);
}

/* ---- Argument parsing ----------------------------------------------------- */

static const char *const kw_text[K__COUNT] = {
    "path", "capacity", "fingerprint", "timeout", "allow_any_uid", "data", "type_id", "size", "max",
    "record_size", "stream", "max_version", "dl_device", "copy", "spin", "dtype", "end_type_id",
};
static PyObject *kw[K__COUNT];

int tpy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const int *spec,
                   int n, int npos, int nreq, PyObject **out)
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

int tpy_parse_timeout(PyObject *obj, int64_t *ns)
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

int tpy_parse_u32(PyObject *obj, const char *what, uint32_t *out)
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

int tpy_parse_size(PyObject *obj, const char *what, size_t *out)
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

/* ---- Module functions ----------------------------------------------------- */

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
    const char *name = code == (int)code ? error_name((int)code) : NULL;
    if (!name)
        return tpy_raise_msg(PyExc_ValueError, "unknown tachyon error code");
    return PyUnicode_FromString(name);
}

/* errors() -> ((code, "TACHYON_ERR_...", "ShortName", text), ...): tachyon.h's
 * error table as this module was built against it. */
static PyObject *mod_errors(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    (void)m;
    PyObject *rows = PyTuple_New(N_ERROR_ROWS);
    for (int i = 0; rows && i < N_ERROR_ROWS; i++) {
        const struct error_row *r = &error_rows[i];
        PyObject *row = Py_BuildValue("(isss)", r->code, r->name, r->short_name, r->text);
        if (!row) {
            Py_CLEAR(rows);
            break;
        }
        PyTuple_SET_ITEM(rows, i, row);
    }
    return rows;
}

static PyObject *mod_register(PyObject *m, PyObject *arg)
{
    (void)m;
    if (!PyDict_Check(arg))
        return tpy_raise_msg(PyExc_TypeError, "_register(dict)");
    Py_XSETREF(helpers, Py_NewRef(arg));
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_register", mod_register, METH_O, NULL},
    {"strerror", mod_strerror, METH_O, "strerror(code) -> tachyon_strerror's text"},
    {"error_name", mod_error_name, METH_O, "error_name(code) -> 'TACHYON_ERR_...'"},
    {"errors", mod_errors, METH_NOARGS, "errors() -> tachyon.h's error table: (code, name, ShortName, text) rows"},
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

/* The exception classes live in tachyon/_errors.py; map them by code. */
static int load_errors(void)
{
    PyObject *errors = PyImport_ImportModule("tachyon._errors");
    if (!errors)
        return -1;
    PyObject *by_code = PyObject_GetAttrString(errors, "BY_CODE");
    exc_base = PyObject_GetAttrString(errors, "TachyonError");
    tpy_exc_use_after_commit = PyObject_GetAttrString(errors, "UseAfterCommit");
    tpy_exc_exports_outstanding = PyObject_GetAttrString(errors, "ExportsOutstanding");
    Py_DECREF(errors);
    if (!by_code || !exc_base || !tpy_exc_use_after_commit || !tpy_exc_exports_outstanding) {
        Py_XDECREF(by_code);
        return -1;
    }
    for (int i = 0; i < TACHYON_ERR__COUNT; i++) {
        PyObject *key = PyLong_FromLong(i);
        PyObject *cls = key ? PyDict_GetItemWithError(by_code, key) : NULL;
        Py_XDECREF(key);
        if (PyErr_Occurred()) {
            Py_DECREF(by_code);
            return -1;
        }
        tpy_err_by_code[i] = cls ? Py_NewRef(cls) : Py_NewRef(exc_base);
    }
    Py_DECREF(by_code);
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
    tpy_small_zero = PyLong_FromLong(0);
    if (!tpy_small_zero || load_errors() < 0)
        goto fail;
    tpy_stats_type = PyStructSequence_NewType(&stats_desc);
    if (!tpy_stats_type)
        goto fail;
    if (PyModule_AddObject(m, "Stats", Py_NewRef((PyObject *)tpy_stats_type)) < 0)
        goto fail;
    if (add_type(m, &tpy_bus_type, "Bus") < 0 || add_type(m, &tpy_message_type, "Message") < 0 ||
        add_type(m, &tpy_rx_guard_type, "RxGuard") < 0 || add_type(m, &tpy_tx_guard_type, "TxGuard") < 0 ||
        add_type(m, &tpy_batch_type, "Batch") < 0 || add_type(m, &tpy_batch_item_type, "BatchItem") < 0 ||
        add_type(m, &tpy_batch_run_type, "BatchRun") < 0 || add_type(m, &tpy_span_type, "_Span") < 0 ||
        tpy_topology_init(m) < 0 || tpy_rpc_init(m) < 0 || tpy_arrays_init(m) < 0)
        goto fail;
    if (PyModule_AddStringConstant(m, "VERSION", TACHYON_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "ABI_VERSION", TACHYON_ABI_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "FRAME_ALIGN", TACHYON_FRAME_ALIGN) < 0 ||
        PyModule_AddIntConstant(m, "FRAME_HEADER", TACHYON_FRAME_HEADER) < 0 ||
        PyModule_AddIntConstant(m, "BATCH", TACHYON_BATCH) < 0 ||
        PyModule_AddIntConstant(m, "MIN_CAPACITY", TACHYON_MIN_CAPACITY) < 0 ||
        PyModule_AddObject(m, "MAX_CAPACITY", PyLong_FromSize_t(TACHYON_MAX_CAPACITY)) < 0 ||
        PyModule_AddIntConstant(m, "WATCHDOG_MS", (long)(TACHYON_WATCHDOG_NS / 1000000)) < 0)
        goto fail;
    for (int i = 0; i < N_ERROR_ROWS; i++) /* "ERR_TIMEOUT", "OK" */
        if (PyModule_AddIntConstant(m, error_rows[i].name + strlen("TACHYON_"), error_rows[i].code) < 0)
            goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}

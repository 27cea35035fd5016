/* chainrule._kernel._ccore: the engine's hottest paths in C, the twin of
 * chainrule/_kernel/reference.py (docs/compiled.md has the table). Same functions, same names:
 *
 *   - binary_method(prim, name, reflected): Tensor's arithmetic operators (binary_op),
 *   - process1: Tensor._process1, the one-input record,
 *   - prim_call: Primitive.__call__, bind() as the rules call rows,
 *   - drain: the reverse pass's steps for a node whose cotangent is a Python float or an
 *     array below reverse._BIG elements (node_step), and for a leaf whose cotangent is a
 *     float (leaf_step),
 *   - setup(...): binds this module to chainrule's classes and engine functions.
 *
 * The Python code is the definition and the fallback: each function here does exactly what
 * its Python twin does, step for step, and hands anything unusual back to Python (other
 * tracers, nodes with hooks, params, targets, large arrays, leaves reached by an array,
 * create_graph). The derivative rules themselves are never duplicated: they are the table's
 * Python functions, called from here. The test suite runs twice in CI, with this module and
 * without (CHAINRULE_PURE=1); a change to one twin comes with the same change to the other.
 *
 * Tensor and Primitive are ordinary Python classes with __slots__; setup() reads each slot's
 * offset from its member descriptor (checked to be an object slot of that exact class), so
 * this file reads and writes the same storage the Python code does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* The interface number, defined once, in chainrule/_kernel/__init__.py (ABI): setup.py
 * reads it and passes it here as -DABI_VERSION=<n>. */
#ifndef ABI_VERSION
#error "ABI_VERSION is unset: build with setup.py (it reads ABI from chainrule/_kernel/__init__.py)"
#endif

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* Set by setup(); strong references, kept for the life of the process. */
static PyTypeObject *tensor_type = NULL;
static PyObject *tracer_type = NULL;     /* chainrule.core.Tracer */
static PyTypeObject *prim_type = NULL;   /* chainrule.core.Primitive */
static PyObject *bind_fn = NULL;         /* chainrule.core.bind */
static PyObject *grad_var = NULL;        /* the grad-mode ContextVar */
static PyObject *sequence = NULL;        /* tensor._sequence, an itertools.count */
static PyObject *no_params = NULL;       /* tensor._NO_PARAMS, the shared empty dict */
static PyObject *modified_error = NULL;  /* reverse._modified_error(t) -> exception */
static PyObject *add_fitted = NULL;      /* reverse._add_fitted(grads, heap, a, gi, va) */
static PyObject *wrap_constant = NULL;   /* the function Tensor._wrap_constant */
static PyTypeObject *ndarray_type = NULL;  /* numpy.ndarray */
static Py_ssize_t big = 0;               /* reverse._BIG: larger arrays stay in Python */
static PyObject *str_grad = NULL, *str_shape = NULL, *str_size = NULL;
static PyObject *str_level = NULL, *str_process = NULL, *str_process1 = NULL;
static PyObject *zero = NULL;

/* Slot offsets of Tensor and of Primitive. */
static Py_ssize_t o_pyonly, o_data, o_rg, o_prim, o_inputs, o_params, o_vsum, o_level,
    o_version, o_seq;
static Py_ssize_t o_impl, o_vjp, o_differentiable, o_variadic, o_vjp_simple;

static int
slot_offset(PyObject *cls, const char *name, Py_ssize_t *off)
{
    PyObject *dict = ((PyTypeObject *)cls)->tp_dict;
    PyObject *d = PyDict_GetItemString(dict, name);   /* borrowed */
    if (d == NULL || !Py_IS_TYPE(d, &PyMemberDescr_Type)
            || ((PyDescrObject *)d)->d_type != (PyTypeObject *)cls) {
        PyErr_Format(PyExc_TypeError, "_ccore.setup: %R.%s is not a slot of that class",
                     cls, name);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
    if (m->type != T_OBJECT_EX || (m->flags & READONLY)) {
        PyErr_Format(PyExc_TypeError, "_ccore.setup: %R.%s is not a writable object slot",
                     cls, name);
        return -1;
    }
    *off = m->offset;
    return 0;
}

static PyObject *
setup(PyObject *module, PyObject *args)
{
    PyObject *tensor, *prim_cls, *tracer, *bind, *gvar, *seq, *nop, *moderr, *addfit, *wrapc,
        *ndarray;
    Py_ssize_t big_;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOO!OOOO!n", &PyType_Type, &tensor, &PyType_Type,
                          &prim_cls, &PyType_Type, &tracer, &bind, &gvar, &seq,
                          &PyDict_Type, &nop, &moderr, &addfit, &wrapc, &PyType_Type,
                          &ndarray, &big_))
        return NULL;
    if (tensor_type != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_ccore.setup() was already called");
        return NULL;
    }
    if (slot_offset(tensor, "_pyonly", &o_pyonly) || slot_offset(tensor, "_data", &o_data)
            || slot_offset(tensor, "requires_grad", &o_rg)
            || slot_offset(tensor, "_prim", &o_prim) || slot_offset(tensor, "_inputs", &o_inputs)
            || slot_offset(tensor, "_params", &o_params) || slot_offset(tensor, "_vsum", &o_vsum)
            || slot_offset(tensor, "_level", &o_level)
            || slot_offset(tensor, "_version", &o_version) || slot_offset(tensor, "_seq", &o_seq)
            || slot_offset(prim_cls, "impl", &o_impl) || slot_offset(prim_cls, "vjp", &o_vjp)
            || slot_offset(prim_cls, "differentiable", &o_differentiable)
            || slot_offset(prim_cls, "variadic", &o_variadic)
            || slot_offset(prim_cls, "vjp_simple", &o_vjp_simple))
        return NULL;
    str_grad = PyUnicode_InternFromString("grad");
    str_shape = PyUnicode_InternFromString("shape");
    str_size = PyUnicode_InternFromString("size");
    str_level = PyUnicode_InternFromString("_level");
    str_process = PyUnicode_InternFromString("_process");
    str_process1 = PyUnicode_InternFromString("_process1");
    zero = PyLong_FromLong(0);
    if (str_level == NULL || str_process == NULL || str_process1 == NULL
            || str_grad == NULL || str_shape == NULL || str_size == NULL || zero == NULL)
        return NULL;
    Py_INCREF(tensor); tensor_type = (PyTypeObject *)tensor;
    Py_INCREF(tracer); tracer_type = tracer;
    Py_INCREF(prim_cls); prim_type = (PyTypeObject *)prim_cls;
    Py_INCREF(bind); bind_fn = bind;
    Py_INCREF(gvar); grad_var = gvar;
    Py_INCREF(seq); sequence = seq;
    Py_INCREF(nop); no_params = nop;
    Py_INCREF(moderr); modified_error = moderr;
    Py_INCREF(addfit); add_fitted = addfit;
    Py_INCREF(wrapc); wrap_constant = wrapc;
    Py_INCREF(ndarray); ndarray_type = (PyTypeObject *)ndarray;
    big = big_;
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------------------------- */
/* Small helpers. */

static int
check_setup(void)
{
    if (tensor_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "chainrule._kernel._ccore: setup() has not been "
                        "called (chainrule._kernel.install() calls it when chainrule is imported)");
        return -1;
    }
    return 0;
}

/* Whether p is a Primitive (so its slots can be read at the offsets found by setup). */
static int
check_prim(PyObject *p)
{
    if (PyObject_TypeCheck(p, prim_type))
        return 0;
    PyErr_Format(PyExc_TypeError, "expected a chainrule Primitive, got %.100s",
                 Py_TYPE(p)->tp_name);
    return -1;
}

/* Whether two levels (Python ints) are equal; -1 on error. */
static inline int
same_level(PyObject *x, PyObject *y)
{
    return x == y ? 1 : PyObject_RichCompareBool(x, y, Py_EQ);
}

/* Whether v is a Tracer other than a float (`type(v) is not float and isinstance(v, Tracer)`). */
static inline int
is_tracer(PyObject *v)
{
    if (PyFloat_CheckExact(v) || PyLong_CheckExact(v))
        return 0;
    return PyObject_IsInstance(v, tracer_type);
}

static inline int
grad_enabled(void)
{
    PyObject *v;
    if (PyContextVar_Get(grad_var, NULL, &v) < 0)
        return -1;
    if (v == NULL) {   /* never set and no default: cannot happen with _core's ContextVar */
        PyErr_SetString(PyExc_RuntimeError, "chainrule grad mode is unset");
        return -1;
    }
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* A new Tensor, like `Tensor.__new__(Tensor)`, with its slots filled (references stolen
 * from none: every value is INCREF'd here). inputs == NULL makes a constant. */
static PyObject *
make_tensor(PyObject *out, PyObject *level, PyObject *prim, PyObject *inputs,
            PyObject *params, PyObject *vsum)
{
    /* tp_alloc, as PyType_GenericNew does (object.__new__ would also set up the inline
     * values of the instance dict, which a node rarely uses: no dict is a valid state). */
    PyObject *t = tensor_type->tp_alloc(tensor_type, 0);
    if (t == NULL)
        return NULL;
    PyObject *seq;
    if (inputs != NULL) {
        seq = PyIter_Next(sequence);
        if (seq == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_RuntimeError, "chainrule's node counter ran out");
            Py_DECREF(t);
            return NULL;
        }
    }
    Py_INCREF(out); SLOT(t, o_data) = out;
    Py_INCREF(level); SLOT(t, o_level) = level;
    Py_INCREF(zero); SLOT(t, o_version) = zero;
    if (inputs != NULL) {
        Py_INCREF(Py_True); SLOT(t, o_rg) = Py_True;
        Py_INCREF(prim); SLOT(t, o_prim) = prim;
        Py_INCREF(inputs); SLOT(t, o_inputs) = inputs;
        Py_INCREF(params); SLOT(t, o_params) = params;
        Py_INCREF(vsum); SLOT(t, o_vsum) = vsum;
        SLOT(t, o_seq) = seq;   /* new reference from PyIter_Next */
    }
    else {
        Py_INCREF(Py_False); SLOT(t, o_rg) = Py_False;
        Py_INCREF(Py_None); SLOT(t, o_prim) = Py_None;
        Py_INCREF(Py_None); SLOT(t, o_inputs) = Py_None;
        Py_INCREF(no_params); SLOT(t, o_params) = no_params;
        Py_INCREF(zero); SLOT(t, o_vsum) = zero;
        Py_INCREF(zero); SLOT(t, o_seq) = zero;
    }
    return t;
}

/* A slot that must be set (always true for tensors made by chainrule). */
static inline PyObject *
get_slot(PyObject *o, Py_ssize_t off, const char *name)
{
    PyObject *v = SLOT(o, off);
    if (v == NULL)
        PyErr_Format(PyExc_AttributeError, "chainrule tensor slot %s is unset", name);
    return v;
}

static PyObject *
call_bind(PyObject *prim, PyObject *a, PyObject *b)
{
    PyObject *args[3] = {prim, a, b};
    return PyObject_Vectorcall(bind_fn, args, 3, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Forward: the binary operator (reference.binary_method's binary_op). */

static PyObject *
binary_op(PyObject *prim, int reflected, PyObject *self, PyObject *o)
{
    PyObject *a = reflected ? o : self, *b = reflected ? self : o;
    PyObject *level = get_slot(self, o_level, "_level");
    if (level == NULL)
        return NULL;
    PyObject *da, *db;
    int needs = 0, r;
    long long vsum = 0;
    PyObject *operands[2] = {a, b};
    PyObject *datas[2];
    for (int i = 0; i < 2; i++) {
        PyObject *x = operands[i];
        if (Py_TYPE(x) == tensor_type) {
            PyObject *lx = get_slot(x, o_level, "_level");
            if (lx == NULL)
                return NULL;
            if ((r = same_level(lx, level)) < 0)
                return NULL;
            if (!r)
                return call_bind(prim, a, b);
            if ((datas[i] = get_slot(x, o_data, "_data")) == NULL)
                return NULL;
            PyObject *rg = get_slot(x, o_rg, "requires_grad");
            if (rg == NULL)
                return NULL;
            if (!needs) {
                if ((r = PyObject_IsTrue(rg)) < 0)
                    return NULL;
                needs = r;
            }
            PyObject *ver = get_slot(x, o_version, "_version");
            if (ver == NULL)
                return NULL;
            long long v = PyLong_AsLongLong(ver);
            if (v == -1 && PyErr_Occurred())
                return NULL;
            vsum += v;
        }
        else {
            if ((r = is_tracer(x)) < 0)
                return NULL;
            if (r)
                return call_bind(prim, a, b);
            datas[i] = x;
        }
    }
    /* Held for the call, as Python's evaluation stack would: the impl may run Python code
     * (or release the GIL) while something reassigns a tensor's _data. */
    da = datas[0];
    db = datas[1];
    Py_INCREF(da);
    Py_INCREF(db);
    PyObject *out = NULL;
    int ta = is_tracer(da), tb = 0;
    if (ta >= 0 && (tb = is_tracer(db)) >= 0) {
        if (ta || tb) {
            out = call_bind(prim, da, db);
        }
        else {
            PyObject *impl = get_slot(prim, o_impl, "impl");
            PyObject *args[2] = {da, db};
            if (impl != NULL)
                out = PyObject_Vectorcall(impl, args, 2, NULL);
        }
    }
    Py_DECREF(da);
    Py_DECREF(db);
    if (out == NULL)
        return NULL;
    PyObject *t;
    if (needs && (r = grad_enabled()) != 0) {
        if (r < 0) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *inputs = PyTuple_Pack(2, a, b);
        PyObject *vs = PyLong_FromLongLong(vsum);
        if (inputs == NULL || vs == NULL) {
            Py_XDECREF(inputs);
            Py_XDECREF(vs);
            Py_DECREF(out);
            return NULL;
        }
        t = make_tensor(out, level, prim, inputs, no_params, vs);
        Py_DECREF(inputs);
        Py_DECREF(vs);
    }
    else {
        t = make_tensor(out, level, NULL, NULL, NULL, NULL);
    }
    Py_DECREF(out);
    return t;
}

/* Forward: one input (reference.process1), installed as Tensor._process1. */
static PyObject *
process1(PyObject *self, PyObject *prim, PyObject *params)
{
    PyObject *d = get_slot(self, o_data, "_data");
    PyObject *level = get_slot(self, o_level, "_level");
    if (d == NULL || level == NULL)
        return NULL;
    int r = is_tracer(d);
    if (r < 0)
        return NULL;
    int has_params = params != NULL && params != no_params && PyDict_GET_SIZE(params) > 0;
    PyObject *out = NULL;
    Py_INCREF(d);   /* held for the call (see binary_op) */
    if (r) {
        PyObject *args = PyTuple_Pack(2, prim, d);
        if (args != NULL) {
            out = PyObject_Call(bind_fn, args, has_params ? params : NULL);
            Py_DECREF(args);
        }
    }
    else {
        PyObject *impl = get_slot(prim, o_impl, "impl");
        if (impl != NULL && has_params) {
            PyObject *args = PyTuple_Pack(1, d);
            if (args != NULL) {
                out = PyObject_Call(impl, args, params);
                Py_DECREF(args);
            }
        }
        else if (impl != NULL) {
            out = PyObject_Vectorcall(impl, &d, 1, NULL);
        }
    }
    Py_DECREF(d);
    if (out == NULL)
        return NULL;
    if (params == NULL)
        params = no_params;
    PyObject *rg = get_slot(self, o_rg, "requires_grad");
    PyObject *diff = get_slot(prim, o_differentiable, "differentiable");
    int rec = 0;
    if (rg == NULL || diff == NULL || (rec = PyObject_IsTrue(rg)) < 0)
        goto error;
    if (rec && (rec = PyObject_IsTrue(diff)) < 0)
        goto error;
    if (rec && (rec = grad_enabled()) < 0)
        goto error;
    PyObject *t;
    if (rec) {
        PyObject *ver = get_slot(self, o_version, "_version");
        if (ver == NULL)
            goto error;
        PyObject *inputs = PyTuple_Pack(1, self);
        if (inputs == NULL)
            goto error;
        t = make_tensor(out, level, prim, inputs, params, ver);
        Py_DECREF(inputs);
    }
    else {
        t = make_tensor(out, level, NULL, NULL, NULL, NULL);
    }
    Py_DECREF(out);
    return t;
error:
    Py_DECREF(out);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* TensorOp: a method object for Tensor's class dict. Like a Python function it binds to the
 * instance (descriptor), and with Py_TPFLAGS_METHOD_DESCRIPTOR method calls and operator
 * slots call it unbound, without making a bound method each time. */

enum { OP_BINARY = 0, OP_REFLECTED = 1, OP_UNARY = 2, OP_PRIM_CALL = 3 };

/* Primitive.__call__ (reference.prim_call): bind() for a row called directly, as rules do. */
static PyObject *
prim_call(PyObject *prim, PyObject *const *args, Py_ssize_t n, PyObject *kwnames)
{
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *top = NULL, *top_level = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = args[i];
        int r = is_tracer(a);
        if (r < 0)
            goto error;
        if (!r)
            continue;
        if (n == 1) {   /* one argument: no levels to compare */
            top = a;
            break;
        }
        PyObject *lv = PyObject_GetAttr(a, str_level);
        if (lv == NULL)
            goto error;
        if (top != NULL) {
            r = PyObject_RichCompareBool(lv, top_level, Py_GT);
            if (r <= 0) {
                Py_DECREF(lv);
                if (r < 0)
                    goto error;
                continue;
            }
        }
        top = a;
        Py_XSETREF(top_level, lv);
    }
    Py_XDECREF(top_level);
    if (top == NULL) {
        PyObject *impl = get_slot(prim, o_impl, "impl");
        return impl == NULL ? NULL : PyObject_Vectorcall(impl, args, n, kwnames);
    }
    if (n == 1 && nkw == 0) {
        PyObject *margs[2] = {top, prim};
        return PyObject_VectorcallMethod(str_process1, margs, 2, NULL);
    }
    /* top._process(prim, args, params) */
    PyObject *targs = PyTuple_New(n), *params = PyDict_New();
    if (targs == NULL || params == NULL) {
        Py_XDECREF(targs);
        Py_XDECREF(params);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(targs, i, args[i]);
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyDict_SetItem(params, PyTuple_GET_ITEM(kwnames, i), args[n + i]) < 0) {
            Py_DECREF(targs);
            Py_DECREF(params);
            return NULL;
        }
    }
    PyObject *margs[4] = {top, prim, targs, params};
    PyObject *res = PyObject_VectorcallMethod(str_process, margs, 4, NULL);
    Py_DECREF(targs);
    Py_DECREF(params);
    return res;
error:
    Py_XDECREF(top_level);
    return NULL;
}

typedef struct {
    PyObject_HEAD
    PyObject *prim;     /* the row, for binary operators; NULL for _process1 */
    PyObject *name;
    int kind;
    vectorcallfunc vectorcall;
} TensorOp;

static PyObject *
tensorop_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    TensorOp *op = (TensorOp *)callable;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (check_setup() < 0)   /* process1 and prim_call exist from import on */
        return NULL;
    if (op->kind == OP_PRIM_CALL) {
        if (n < 1 || !PyObject_TypeCheck(args[0], prim_type)) {
            PyErr_Format(PyExc_TypeError, "%U() needs a Primitive as its first argument",
                         op->name);
            return NULL;
        }
        return prim_call(args[0], args + 1, n - 1, kwnames);
    }
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_Format(PyExc_TypeError, "%U() takes no keyword arguments", op->name);
        return NULL;
    }
    if (n < 1 || !PyObject_TypeCheck(args[0], tensor_type)) {
        PyErr_Format(PyExc_TypeError, "%U() needs a chainrule Tensor as its first argument",
                     op->name);
        return NULL;
    }
    if (op->kind == OP_UNARY) {
        if (n != 2 && n != 3) {
            PyErr_Format(PyExc_TypeError, "%U() takes a primitive and optional params",
                         op->name);
            return NULL;
        }
        if (check_prim(args[1]) < 0)
            return NULL;
        PyObject *params = n == 3 ? args[2] : NULL;
        if (params != NULL && !PyDict_Check(params)) {
            PyErr_Format(PyExc_TypeError, "%U(): params must be a dict", op->name);
            return NULL;
        }
        return process1(args[0], args[1], params);
    }
    if (n != 2) {
        PyErr_Format(PyExc_TypeError, "%U() takes exactly one argument (%zd given)", op->name,
                     n - 1);
        return NULL;
    }
    return binary_op(op->prim, op->kind == OP_REFLECTED, args[0], args[1]);
}

static PyObject *
tensorop_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return PyMethod_New(self, obj);
}

static void
tensorop_dealloc(TensorOp *op)
{
    Py_XDECREF(op->prim);
    Py_XDECREF(op->name);
    Py_TYPE(op)->tp_free((PyObject *)op);
}

static PyObject *
tensorop_repr(TensorOp *op)
{
    return PyUnicode_FromFormat("<compiled method Tensor.%U>", op->name);
}

static PyMemberDef tensorop_members[] = {
    {"__name__", T_OBJECT, offsetof(TensorOp, name), READONLY, NULL},
    {"__qualname__", T_OBJECT, offsetof(TensorOp, name), READONLY, NULL},
    {NULL}
};

static PyTypeObject TensorOpType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "chainrule._kernel._ccore.TensorOp",
    .tp_basicsize = sizeof(TensorOp),
    .tp_dealloc = (destructor)tensorop_dealloc,
    .tp_vectorcall_offset = offsetof(TensorOp, vectorcall),
    .tp_repr = (reprfunc)tensorop_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_descr_get = tensorop_descr_get,
    .tp_members = tensorop_members,
};

static PyObject *
make_op(PyObject *prim, PyObject *name, int kind)
{
    TensorOp *op = PyObject_New(TensorOp, &TensorOpType);
    if (op == NULL)
        return NULL;
    Py_XINCREF(prim);
    op->prim = prim;
    Py_INCREF(name);
    op->name = name;
    op->kind = kind;
    op->vectorcall = tensorop_vectorcall;
    return (PyObject *)op;
}

static PyObject *
binary_method(PyObject *module, PyObject *args)
{
    PyObject *prim, *name;
    int reflected;
    if (!PyArg_ParseTuple(args, "OUp", &prim, &name, &reflected))
        return NULL;
    if (check_setup() < 0 || check_prim(prim) < 0)
        return NULL;
    return make_op(prim, name, reflected ? OP_REFLECTED : OP_BINARY);
}

/* ---------------------------------------------------------------------------------------- */
/* Backward: reference.drain, the reverse pass's steps for floats and small arrays. */

/* The heap of pending tensors: a list of (-seq, id, tensor), ordered as heapq orders it
 * (the Python loop uses heapq on the same list). These are heapq's algorithms; entries
 * compare by their two ints only (they never tie: one entry per tensor), so a comparison
 * never runs Python code and the list cannot change under us. */
static int
entry_lt(PyObject *x, PyObject *y)
{
    PyObject *x0 = PyTuple_GET_ITEM(x, 0), *y0 = PyTuple_GET_ITEM(y, 0);
    int r = PyObject_RichCompareBool(x0, y0, Py_NE);
    if (r != 0)
        return r < 0 ? r : PyObject_RichCompareBool(x0, y0, Py_LT);
    return PyObject_RichCompareBool(PyTuple_GET_ITEM(x, 1), PyTuple_GET_ITEM(y, 1), Py_LT);
}

static int
sift_down(PyListObject *heap, Py_ssize_t startpos, Py_ssize_t pos)
{
    PyObject **items = heap->ob_item;
    PyObject *newitem = items[pos];
    while (pos > startpos) {
        Py_ssize_t parentpos = (pos - 1) >> 1;
        PyObject *parent = items[parentpos];
        int r = entry_lt(newitem, parent);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        items[pos] = parent;
        pos = parentpos;
    }
    items[pos] = newitem;
    return 0;
}

static int
sift_up(PyListObject *heap, Py_ssize_t pos)
{
    Py_ssize_t endpos = PyList_GET_SIZE(heap), startpos = pos;
    PyObject **items = heap->ob_item;
    PyObject *newitem = items[pos];
    Py_ssize_t childpos = 2 * pos + 1;
    while (childpos < endpos) {
        Py_ssize_t rightpos = childpos + 1;
        if (rightpos < endpos) {
            int r = entry_lt(items[childpos], items[rightpos]);
            if (r < 0)
                return -1;
            if (r == 0)
                childpos = rightpos;
        }
        items[pos] = items[childpos];
        pos = childpos;
        childpos = 2 * pos + 1;
    }
    items[pos] = newitem;
    return sift_down(heap, startpos, pos);
}

/* heapq.heappop(heap) for a non-empty heap: a new reference. */
static PyObject *
heap_pop(PyObject *heap)
{
    Py_ssize_t n = PyList_GET_SIZE(heap);
    PyObject *last = PyList_GET_ITEM(heap, n - 1);   /* the list's reference, now ours */
    Py_SET_SIZE(heap, n - 1);   /* as list.pop() does, short of giving memory back */
    if (n == 1)
        return last;
    PyObject *top = PyList_GET_ITEM(heap, 0);   /* the list's reference, now ours */
    PyList_SET_ITEM(heap, 0, last);
    if (sift_up((PyListObject *)heap, 0) < 0) {
        Py_DECREF(top);
        return NULL;
    }
    return top;
}

static int
push(PyObject *heap, PyObject *a, PyObject *aid)
{
    PyObject *seq = get_slot(a, o_seq, "_seq");
    if (seq == NULL)
        return -1;
    PyObject *neg = PyNumber_Negative(seq);
    if (neg == NULL)
        return -1;
    PyObject *entry = PyTuple_New(3);
    if (entry == NULL) {
        Py_DECREF(neg);
        return -1;
    }
    PyTuple_SET_ITEM(entry, 0, neg);
    Py_INCREF(aid); PyTuple_SET_ITEM(entry, 1, aid);
    Py_INCREF(a); PyTuple_SET_ITEM(entry, 2, a);
    int rc = PyList_Append(heap, entry);
    Py_DECREF(entry);
    if (rc < 0)
        return -1;
    return sift_down((PyListObject *)heap, 0, PyList_GET_SIZE(heap) - 1);
}

/* x.shape == y.shape for two ndarrays; -1 on error. */
static int
same_shape(PyObject *x, PyObject *y)
{
    PyObject *sx = PyObject_GetAttr(x, str_shape);
    if (sx == NULL)
        return -1;
    PyObject *sy = PyObject_GetAttr(y, str_shape);
    if (sy == NULL) {
        Py_DECREF(sx);
        return -1;
    }
    int r = PyObject_RichCompareBool(sx, sy, Py_EQ);
    Py_DECREF(sx);
    Py_DECREF(sy);
    return r;
}

/* Add cotangent gi (a new reference, consumed) of input a (value va) into the pending
 * gradients: reference.drain's inline float add; for an array of the input's shape,
 * reverse._add_grad without the summing (`prev + gi`: the same values as its in-place
 * add, which only spares large arrays an allocation); else reverse._add_fitted. */
static int
add_grad(PyObject *grads, PyObject *heap, PyObject *a, PyObject *gi, PyObject *va)
{
    int direct = PyFloat_CheckExact(gi) && PyFloat_CheckExact(va);
    if (!direct && Py_TYPE(gi) == ndarray_type && Py_TYPE(va) == ndarray_type
            && (direct = same_shape(gi, va)) < 0) {
        Py_DECREF(gi);
        return -1;
    }
    if (!direct) {
        PyObject *args[5] = {grads, heap, a, gi, va};
        PyObject *r = PyObject_Vectorcall(add_fitted, args, 5, NULL);
        Py_DECREF(gi);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        return 0;
    }
    PyObject *aid = PyLong_FromVoidPtr(a);   /* id(a) */
    if (aid == NULL) {
        Py_DECREF(gi);
        return -1;
    }
    PyObject *prev = PyDict_GetItemWithError(grads, aid);   /* borrowed */
    int rc;
    if (prev == NULL) {
        if (PyErr_Occurred())
            rc = -1;
        else if ((rc = PyDict_SetItem(grads, aid, gi)) == 0)
            rc = push(heap, a, aid);
    }
    else {
        PyObject *sum = PyNumber_Add(prev, gi);
        rc = sum == NULL ? -1 : PyDict_SetItem(grads, aid, sum);
        Py_XDECREF(sum);
    }
    Py_DECREF(aid);
    Py_DECREF(gi);
    return rc;
}

static int
raise_modified(PyObject *t)
{
    PyObject *exc = PyObject_CallOneArg(modified_error, t);
    if (exc == NULL)
        return -1;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return -1;
}

/* Version of an input as C integer; 0 for constants. */
static inline int
version_of(PyObject *a, int in_graph, long long *v)
{
    if (!in_graph) {
        *v = 0;
        return 0;
    }
    PyObject *ver = get_slot(a, o_version, "_version");
    if (ver == NULL)
        return -1;
    *v = PyLong_AsLongLong(ver);
    return (*v == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* Whether x is a tensor of this graph: type(x) is cls and x._level == level. */
static inline int
in_graph(PyObject *x, PyObject *level)
{
    if (Py_TYPE(x) != tensor_type)
        return 0;
    PyObject *lx = get_slot(x, o_level, "_level");
    return lx == NULL ? -1 : same_level(lx, level);
}

static inline int
wants_grad(PyObject *x)
{
    PyObject *rg = get_slot(x, o_rg, "requires_grad");
    return rg == NULL ? -1 : PyObject_IsTrue(rg);
}

/* Input i's cotangent, args = (g, out, *values): the row's VJP rule, or, where the row says
 * which simple form that rule has (Primitive.vjp_simple), that form without the call: g
 * itself (True), or g * p(out, *values). A new reference. */
static PyObject *
cotangent(PyObject *rule, PyObject *simple, Py_ssize_t i, PyObject *const *args,
          Py_ssize_t nargs)
{
    PyObject *form = simple != NULL && PyTuple_CheckExact(simple)
        && PyTuple_GET_SIZE(simple) == nargs - 2 ? PyTuple_GET_ITEM(simple, i) : Py_None;
    if (form == Py_True) {
        Py_INCREF(args[0]);
        return args[0];
    }
    if (form == Py_None)
        return PyObject_Vectorcall(rule, args, nargs, NULL);
    Py_INCREF(form);   /* held for the call: the row's tuple could be replaced meanwhile */
    PyObject *q = PyObject_Vectorcall(form, args + 1, nargs - 1, NULL);
    Py_DECREF(form);
    if (q == NULL)
        return NULL;
    PyObject *gi = PyNumber_Multiply(args[0], q);
    Py_DECREF(q);
    return gi;
}

/* One step of the loop for node t (popped), cotangent g (a float or a small array, the
 * unary and binary steps of reference.drain). 0 or -1. */
static int
node_step(PyObject *t, PyObject *g, PyObject *prim, PyObject *inputs, PyObject *vjp,
           PyObject *grads, PyObject *heap, PyObject *level, int retain_graph)
{
    PyObject *out = get_slot(t, o_data, "_data");
    PyObject *tvsum = get_slot(t, o_vsum, "_vsum");
    if (out == NULL || tvsum == NULL)
        return -1;
    long long want = PyLong_AsLongLong(tvsum);
    if (want == -1 && PyErr_Occurred())
        return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(inputs);
    if (n == 1) {
        PyObject *a = PyTuple_GET_ITEM(inputs, 0);
        PyObject *rule = PyTuple_GET_ITEM(vjp, 0);
        int a_in = in_graph(a, level);
        if (a_in < 0)
            return -1;
        if (a_in) {
            long long v;
            if (version_of(a, 1, &v) < 0)
                return -1;
            if (v != want)
                return raise_modified(t);
            int w = 0;
            if (rule != Py_None && (w = wants_grad(a)) < 0)
                return -1;
            if (rule != Py_None && w) {
                PyObject *va = get_slot(a, o_data, "_data");
                if (va == NULL)
                    return -1;
                Py_INCREF(va);   /* held for the call (see binary_op) */
                Py_INCREF(out);
                PyObject *args[3] = {g, out, va};
                PyObject *gi = cotangent(rule, SLOT(prim, o_vjp_simple), 0, args, 3);
                int rc = gi == NULL ? -1 : add_grad(grads, heap, a, gi, va);
                Py_DECREF(out);
                Py_DECREF(va);
                if (rc < 0)
                    return -1;
            }
        }
    }
    else {
        PyObject *a = PyTuple_GET_ITEM(inputs, 0), *b = PyTuple_GET_ITEM(inputs, 1);
        int a_in = in_graph(a, level), b_in;
        if (a_in < 0 || (b_in = in_graph(b, level)) < 0)
            return -1;
        PyObject *va = a_in ? get_slot(a, o_data, "_data") : a;
        PyObject *vb = b_in ? get_slot(b, o_data, "_data") : b;
        if (va == NULL || vb == NULL)
            return -1;
        long long v1, v2;
        if (version_of(a, a_in, &v1) < 0 || version_of(b, b_in, &v2) < 0)
            return -1;
        if (v1 + v2 != want)
            return raise_modified(t);
        PyObject *rule_a = PyTuple_GET_ITEM(vjp, 0), *rule_b = PyTuple_GET_ITEM(vjp, 1);
        Py_INCREF(va);
        Py_INCREF(vb);
        Py_INCREF(out);
        PyObject *args[4] = {g, out, va, vb};
        int rc = 0, w;
        if (a_in && rule_a != Py_None) {
            if ((w = wants_grad(a)) < 0)
                rc = -1;
            else if (w) {
                PyObject *gi = cotangent(rule_a, SLOT(prim, o_vjp_simple), 0, args, 4);
                rc = gi == NULL ? -1 : add_grad(grads, heap, a, gi, va);
            }
        }
        if (rc == 0 && b_in && rule_b != Py_None) {
            if ((w = wants_grad(b)) < 0)
                rc = -1;
            else if (w) {
                PyObject *gi = cotangent(rule_b, SLOT(prim, o_vjp_simple), 1, args, 4);
                rc = gi == NULL ? -1 : add_grad(grads, heap, b, gi, vb);
            }
        }
        Py_DECREF(va);
        Py_DECREF(vb);
        Py_DECREF(out);
        if (rc < 0)
            return -1;
    }
    if (!retain_graph) {
        PyObject *old = SLOT(t, o_inputs);
        Py_INCREF(Py_None);
        SLOT(t, o_inputs) = Py_None;
        Py_XDECREF(old);
    }
    return 0;
}

/* A leaf t whose cotangent g is a float, without hooks: what backward_pass does with it.
 * 1 when done, 0 when Python's loop must do it (nothing popped yet), -1 on error. */
static int
leaf_step(PyObject *t, PyObject *tid, PyObject *g, int accumulate, int all_leaves,
          PyObject *targets, PyObject *results, PyObject *wrap, PyObject **result_grad)
{
    int wanted = all_leaves;
    if (!wanted && (wanted = PySet_Contains(targets, tid)) < 0)
        return -1;
    *result_grad = NULL;
    if (!accumulate) {   /* results[tid] = g for a target, else nothing */
        if (wanted) {
            Py_INCREF(g);
            *result_grad = g;
        }
        return 1;
    }
    if (!wanted)
        return 1;
    /* _accumulate_into's float path: t.grad = wrap(g if t.grad is None else t.grad._data + g) */
    PyObject *d = SLOT(t, o_data);
    if (d == NULL || !PyFloat_CheckExact(d))
        return 0;
    PyObject *cur = PyObject_GetAttr(t, str_grad);
    if (cur == NULL)
        return -1;
    PyObject *value;
    if (cur == Py_None) {
        Py_INCREF(g);
        value = g;
    }
    else if (Py_TYPE(cur) == tensor_type && SLOT(cur, o_data) != NULL) {
        value = PyNumber_Add(SLOT(cur, o_data), g);
    }
    else {
        Py_DECREF(cur);
        return 0;
    }
    Py_DECREF(cur);
    if (value == NULL)
        return -1;
    *result_grad = value;   /* wrapped and stored by the caller, after the pop */
    return 1;
}

/* drain(heap, grads, cls, level, target_ids, retain_graph, accumulate, all_leaves, results,
 *       wrap): run backward_pass's steps for as long as the next node is one this file
 * handles (see the top of the file); stop, leaving it on the heap, at the first that is
 * not. all_leaves: `targets is None`. Only called when create_graph is False. */
static PyObject *
drain(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10 || !PyList_CheckExact(args[0]) || !PyDict_CheckExact(args[1])
            || !PyAnySet_Check(args[4]) || !PyDict_CheckExact(args[8])) {
        PyErr_SetString(PyExc_TypeError,
                        "drain(heap: list, grads: dict, cls, level, target_ids: set, "
                        "retain_graph, accumulate, all_leaves, results: dict, wrap)");
        return NULL;
    }
    if (check_setup() < 0)
        return NULL;
    PyObject *heap = args[0], *grads = args[1], *level = args[3], *targets = args[4];
    PyObject *results = args[8], *wrap = args[9];
    if (args[2] != (PyObject *)tensor_type)
        Py_RETURN_NONE;
    int retain_graph = PyObject_IsTrue(args[5]), accumulate = PyObject_IsTrue(args[6]);
    int all_leaves = PyObject_IsTrue(args[7]);
    if (retain_graph < 0 || accumulate < 0 || all_leaves < 0)
        return NULL;
    int check_targets = PySet_GET_SIZE(targets) > 0;
    while (PyList_GET_SIZE(heap) > 0) {
        PyObject *entry = PyList_GET_ITEM(heap, 0);
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3)
            break;
        PyObject *tid = PyTuple_GET_ITEM(entry, 1), *t = PyTuple_GET_ITEM(entry, 2);
        if (Py_TYPE(t) != tensor_type)
            break;
        PyObject *g = PyDict_GetItemWithError(grads, tid);   /* borrowed */
        if (g == NULL) {
            if (PyErr_Occurred())
                return NULL;
            break;
        }
        if (SLOT(t, o_pyonly) != NULL)
            break;   /* hooks or retain_grad(): Python's loop */
        int r;
        PyObject *prim = SLOT(t, o_prim);
        if (prim == NULL || (prim != Py_None && !PyObject_TypeCheck(prim, prim_type)))
            break;
        if (!PyFloat_CheckExact(g)) {
            /* Arrays: only below _BIG elements (the large-array path reuses buffers) and
             * not at leaves (.grad must never alias an array handed out). */
            if (prim == Py_None || Py_TYPE(g) != ndarray_type)
                break;
            PyObject *size = PyObject_GetAttr(g, str_size);
            if (size == NULL)
                return NULL;
            Py_ssize_t n_el = PyLong_AsSsize_t(size);
            Py_DECREF(size);
            if (n_el == -1 && PyErr_Occurred())
                return NULL;
            if (n_el >= big)
                break;
        }
        if (prim == Py_None) {   /* a leaf */
            PyObject *value;
            if ((r = leaf_step(t, tid, g, accumulate, all_leaves, targets, results, wrap,
                               &value)) <= 0) {
                if (r < 0)
                    return NULL;
                break;
            }
            PyObject *popped = heap_pop(heap);
            if (popped == NULL || PyDict_DelItem(grads, tid) < 0) {
                Py_XDECREF(popped);
                Py_XDECREF(value);
                return NULL;
            }
            if (value != NULL) {
                if (!accumulate)
                    r = PyDict_SetItem(results, tid, value);
                else {
                    PyObject *w;
                    if (PyMethod_Check(wrap) && PyMethod_GET_FUNCTION(wrap) == wrap_constant
                            && Py_TYPE(PyMethod_GET_SELF(wrap)) == tensor_type
                            && SLOT(PyMethod_GET_SELF(wrap), o_level) != NULL)
                        /* tensor._wrap_constant, i.e. _constant(value, self._level) */
                        w = make_tensor(value, SLOT(PyMethod_GET_SELF(wrap), o_level), NULL,
                                        NULL, NULL, NULL);
                    else
                        w = PyObject_CallOneArg(wrap, value);
                    r = w == NULL ? -1 : PyObject_SetAttr(t, str_grad, w);
                    Py_XDECREF(w);
                }
                Py_DECREF(value);
            }
            Py_DECREF(popped);
            if (r < 0)
                return NULL;
            continue;
        }
        PyObject *inputs = SLOT(t, o_inputs), *params = SLOT(t, o_params);
        if (inputs == NULL || !PyTuple_CheckExact(inputs) || params == NULL
                || !PyDict_Check(params) || PyDict_GET_SIZE(params) > 0)
            break;   /* a released graph, params: Python's loop handles it */
        Py_ssize_t n = PyTuple_GET_SIZE(inputs);
        PyObject *vjp = SLOT(prim, o_vjp), *variadic = SLOT(prim, o_variadic);
        if ((n != 1 && n != 2) || vjp == NULL || !PyTuple_CheckExact(vjp)
                || PyTuple_GET_SIZE(vjp) != n || variadic != Py_False)
            break;
        if (check_targets) {
            if ((r = PySet_Contains(targets, tid)) < 0)
                return NULL;
            if (r)
                break;
        }
        /* This node is ours: pop it, as `_, tid, t = heappop(heap); g = grads.pop(tid)`. */
        PyObject *popped = heap_pop(heap);
        if (popped == NULL)
            return NULL;
        Py_INCREF(g);
        Py_INCREF(prim);
        Py_INCREF(inputs);
        Py_INCREF(vjp);
        int rc = PyDict_DelItem(grads, tid);
        if (rc == 0)
            rc = node_step(t, g, prim, inputs, vjp, grads, heap, level, retain_graph);
        Py_DECREF(g);
        Py_DECREF(prim);
        Py_DECREF(inputs);
        Py_DECREF(vjp);
        Py_DECREF(popped);   /* may free t, once its inputs no longer need it */
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(Tensor, Primitive, Tracer, bind, grad_var, sequence, no_params, modified_error, "
     "add_fitted, wrap_constant, ndarray, big): bind this module to chainrule's classes (once)."},
    {"binary_method", binary_method, METH_VARARGS,
     "binary_method(prim, name, reflected): Tensor's operator for prim, as a method."},
    {"drain", (PyCFunction)(void (*)(void))drain, METH_FASTCALL,
     "drain(heap, grads, cls, level, target_ids, retain_graph, accumulate, all_leaves, "
     "results, wrap): backward steps on floats."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "chainrule._kernel._ccore",
    "Optional compiled fast paths of chainrule's engine (see _ccore.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__ccore(void)
{
    if (PyType_Ready(&TensorOpType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI_VERSION) < 0)
        goto error;
    /* The methods themselves (reference.process1, reference.prim_call); before setup() they
     * raise RuntimeError. */
    PyObject *name = PyUnicode_InternFromString("_process1");
    PyObject *op = name == NULL ? NULL : make_op(NULL, name, OP_UNARY);
    Py_XDECREF(name);
    if (op == NULL || PyModule_AddObject(m, "process1", op) < 0) {
        Py_XDECREF(op);
        goto error;
    }
    name = PyUnicode_InternFromString("__call__");
    op = name == NULL ? NULL : make_op(NULL, name, OP_PRIM_CALL);
    Py_XDECREF(name);
    if (op == NULL || PyModule_AddObject(m, "prim_call", op) < 0) {
        Py_XDECREF(op);
        goto error;
    }
    return m;
error:
    Py_DECREF(m);
    return NULL;
}

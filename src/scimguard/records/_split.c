/*
 * scimguard.records._split: where the objects of a big JSON array begin and end.
 *
 * Why C: records/json_reader.py streams a JSON array (a 2 GB export must not be loaded whole)
 * by finding each element and letting orjson parse it alone. Done token by token in Python,
 * finding the elements cost several times what parsing them does. This finds whole objects
 * at C speed; anything unusual is left to the Python reader, which reports it. No library
 * streams the elements of a JSON array as raw bytes (ijson yields parsed events, slower).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int append_index(PyObject *list, Py_ssize_t value)
{
    PyObject *number = PyLong_FromSsize_t(value);
    if (number == NULL)
        return -1;
    int r = PyList_Append(list, number);
    Py_DECREF(number);
    return r;
}

PyDoc_STRVAR(split_objects_doc,
"split_objects(chunk, pos) -> (spans, stop)\n\n"
"From `pos`, between the elements of a JSON array: skip whitespace and commas, then take each\n"
"whole object. `spans` is [start, end, start, end, ...] of the objects; `stop` is where\n"
"something else begins: the closing bracket, a value that is not an object, an object that\n"
"does not end in the chunk or whose brackets do not match (records/json_reader.py handles\n"
"those, token by token). Strings are skipped, not checked: orjson parses each object.");

#define MAX_NESTING 64

static PyObject *split_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "split_objects(chunk: bytes, pos: int)");
        return NULL;
    }
    PyObject *chunk = args[0];
    Py_ssize_t size = PyBytes_GET_SIZE(chunk), pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred())
        return NULL;
    if (pos < 0 || pos > size) {
        PyErr_SetString(PyExc_ValueError, "split_objects(): pos out of range");
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(chunk);
    const unsigned char *p = data + pos, *end = data + size;
    PyObject *spans = PyList_New(0);
    if (spans == NULL)
        return NULL;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ','))
            p++;
        if (p >= end || *p != '{')
            break;
        unsigned char open[MAX_NESTING];
        int depth = 0, closed = 0;
        const unsigned char *r = p;
        while (r < end && !closed) {
            unsigned char b = *r++;
            if (b == '"') {
                /* As the Python reader's tokenizer: a string ends at its unescaped quote and
                 * holds no raw newline (not even escaped); one that does is left to it. */
                int ended = 0;
                while (r < end) {
                    unsigned char c = *r++;
                    if (c == '"') {
                        ended = 1;
                        break;
                    }
                    if (c == '\n')
                        break;
                    if (c == '\\') {
                        if (r >= end || *r == '\n')
                            break;
                        r++;
                    }
                }
                if (!ended)
                    break;
            } else if (b == '{' || b == '[') {
                if (depth == MAX_NESTING)
                    break;
                open[depth++] = b;
            } else if (b == '}' || b == ']') {
                if (depth == 0 || open[depth - 1] != (b == '}' ? '{' : '['))
                    break; /* mismatched: the token-by-token reader says where */
                if (--depth == 0)
                    closed = 1;
            }
        }
        if (!closed)
            break;
        if (append_index(spans, p - data) < 0 || append_index(spans, r - data) < 0) {
            Py_DECREF(spans);
            return NULL;
        }
        p = r;
    }
    return Py_BuildValue("(Nn)", spans, (Py_ssize_t)(p - data));
}

static PyMethodDef module_methods[] = {
    {"split_objects", (PyCFunction)(void (*)(void))split_objects, METH_FASTCALL,
     split_objects_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef split_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_split",
    .m_doc = "Where the objects of a JSON array begin and end.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__split(void)
{
    return PyModule_Create(&split_module);
}

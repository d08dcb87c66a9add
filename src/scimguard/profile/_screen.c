/*
 * scimguard.profile._screen: the clean-user screen, on the raw bytes of JSON lines.
 *
 * Why C, and why by hand: `check` must keep within three times the cost of merely parsing its
 * input with orjson (bench/check_throughput.py). Parsing alone builds a dict per user; judging
 * that dict in Python costs several times more. Most users of a real export are clean, so this
 * screen reads each line's bytes once, without building objects, and answers only "plainly
 * valid" (with the keys the duplicate rules need) or "look closer". No library does this: JSON
 * parsers (orjson, simdjson, msgspec) all build objects, and the question asked is AWS's.
 *
 * It is a screen, not the profile. It mirrors profile/fast.py's `is_plainly_valid_user` applied
 * to `orjson.loads(line)`: it may say "look closer" for a user that is clean (a number, an
 * escape it does not decode, a key given twice), but it must never say "clean" for a line
 * orjson refuses or for a user the profile would report. scimguard/profile/screen.py holds the
 * pure-Python reference; tests/profile/test_screen.py checks the two agree, by hypothesis.
 * Questions of Unicode (is a character safe, is a value in NFC) are asked back of Python, once
 * per character for the first and once per distinct value (a bounded table of the answers) for
 * the second, when the value holds a code point that is not NFC-inert.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_USERNAME 128   /* schema.MAX_LENGTH["userName"] */
#define MAX_EXTERNAL_ID 256 /* schema.MAX_LENGTH["externalId"] */
#define MAX_OTHER 1024     /* schema.DEFAULT_MAX_LENGTH */
#define MAX_SHORTEST 128   /* the smallest of these */
#define MAX_DEPTH 32       /* deeper skipped values: look closer */
#define MAX_NUMBER 15      /* longer numbers: look closer (orjson's limits are not ours) */
#define MAX_WARNED 64      /* warned values of one user (more: look closer) */
#define SUBS 8             /* path ids: top key * SUBS + sub-attribute (0: the key itself) */
#define NFC_SLOTS 16384    /* values whose NFC answer is kept (a power of two) */
#define NFC_WAYS 4         /* slots a value may take (consecutive; the first of them by hash) */
#define NFC_MAX_BYTES 256  /* longer values are asked every time */

/* ------------------------------------------------------------------------------------------ */
/* The screener object                                                                         */

/* A string as read: UTF-8 bytes (in the line, or decoded into the arena). */
typedef struct {
    const char *s;
    Py_ssize_t n;
} Span;

/* One kept answer to the NFC question: the value's UTF-8 bytes (a copy) and is_nfc's answer. */
typedef struct {
    uint64_t hash;
    char *bytes;           /* NULL: an empty slot */
    Py_ssize_t n;
    int answer;
} NfcSlot;

typedef struct {
    PyObject_HEAD
    PyObject *safe_char;   /* callable(str) -> verdict (| NFC_INERT): fast._screen_verdict */
    PyObject *is_nfc;      /* callable(str) -> bool */
    PyObject *reserved;    /* frozenset of lower-case reserved userNames */
    PyObject *group_urn;   /* bytes */
    int complete_address;
    int pass_warned;       /* pass a user whose only findings are in its values (see warned) */
    int n_warned;          /* the warned values of the line being read */
    struct {
        int path;          /* an index of PATHS */
        Span value;
    } warned[MAX_WARNED];
    int busy;              /* a screen is running: the arena is in use (no re-entry) */
    char *arena;           /* decoded strings of the line being read */
    Py_ssize_t arena_cap;
    Py_ssize_t arena_used;
    unsigned char safe[65536]; /* per BMP code point: 0 not yet asked, else 1 + fast's verdict */
    NfcSlot *nfc;          /* NFC_SLOTS kept answers (allocated at the first question) */
} Screener;

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    Screener *self;
} Cursor;

/* Bytes a value may hold as they are: printable ASCII without < > ; : % (1), else 0. */
static unsigned char PLAIN[256];
/* The bytes a URI (profileUrl, $ref) may hold besides: < > ; : % (no forbidden-character). */
static unsigned char URI_EXTRA[256];
/* The same inside a JSON string, where '"' and '\\' are not the characters themselves. */
static unsigned char PLAIN_RAW[256];
/* Bytes inside a JSON string: 0 ordinary ASCII, 1 '"', 2 '\\', 3 control, 4 lead of UTF-8. */
enum { S_ASCII, S_QUOTE, S_BACKSLASH, S_CONTROL, S_HIGH };
static unsigned char IN_STRING[256];

static void init_classes(void)
{
    for (int b = 0x20; b < 0x7F; b++)
        PLAIN[b] = 1;
    PLAIN['<'] = PLAIN['>'] = PLAIN[';'] = PLAIN[':'] = PLAIN['%'] = 0;
    URI_EXTRA['<'] = URI_EXTRA['>'] = URI_EXTRA[';'] = URI_EXTRA[':'] = URI_EXTRA['%'] = 1;
    memcpy(PLAIN_RAW, PLAIN, sizeof(PLAIN));
    PLAIN_RAW['"'] = PLAIN_RAW['\\'] = 0;
    for (int b = 0; b < 256; b++)
        IN_STRING[b] = b < 0x20 ? S_CONTROL : b >= 0x80 ? S_HIGH : S_ASCII;
    IN_STRING['"'] = S_QUOTE;
    IN_STRING['\\'] = S_BACKSLASH;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON lexing                                                                                 */

static inline void skip_ws(Cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static inline int expect(Cursor *c, unsigned char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Length of the strict UTF-8 sequence at p (0: invalid), its code point in *cp. */
static inline int utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    unsigned char b = p[0];
    if (b < 0xC2)
        return 0; /* continuation byte or overlong lead */
    if (b < 0xE0) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(b & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (b < 0xF0) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (b == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (b == 0xED && p[1] >= 0xA0)
            return 0; /* surrogate */
        *cp = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    if (b < 0xF5) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        if (b == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (b == 0xF4 && p[1] >= 0x90)
            return 0; /* beyond U+10FFFF */
        *cp = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    }
    return 0;
}

static inline int hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
    if (end - p < 4)
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= h - '0';
        else if (h >= 'a' && h <= 'f')
            v |= h - 'a' + 10;
        else if (h >= 'A' && h <= 'F')
            v |= h - 'A' + 10;
        else
            return 0;
    }
    *out = v;
    return 1;
}

static inline char *put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/*
 * Read a JSON string at the cursor (which is on the opening quote) into *out, checking what
 * orjson checks: no raw control character, strict UTF-8, valid escapes, no lone surrogate.
 * Without escapes the span points into the line; with escapes it is decoded into the arena
 * (decoded text is never longer than its JSON form, and the arena holds the whole line).
 */
/* None of the 8 bytes at p is a quote, a backslash, a control character or non-ASCII
 * (word-at-a-time tests; a false "no" only sends the caller to the byte loop). */
static inline int ordinary8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t found = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                     ((x - ones * 0x20) & ~x) | x;
    return (found & high) == 0;
}

static int read_string(Cursor *c, Span *out)
{
    const unsigned char *start = ++c->p; /* after the quote */
    const unsigned char *p = start, *end = c->end;
    for (;;) {
        while (end - p >= 8 && ordinary8(p))
            p += 8;
        /* The line is a bytes object, which always ends with a NUL (a S_CONTROL byte): the
         * loop stops there without comparing p with end at every byte. */
        while (IN_STRING[*p] == S_ASCII)
            p++;
        if (p >= end)
            return 0;
        unsigned char kind = IN_STRING[*p];
        if (kind == S_QUOTE) {
            out->s = (const char *)start;
            out->n = p - start;
            c->p = p + 1;
            return 1;
        }
        if (kind != S_HIGH)
            break; /* a backslash, or a control character (refused below) */
        uint32_t cp;
        int k = utf8_seq(p, end, &cp);
        if (!k)
            return 0;
        p += k;
    }
    /* Escapes: decode from the start into the arena. */
    Screener *self = c->self;
    char *o0 = self->arena + self->arena_used, *o = o0;
    memcpy(o, start, p - start);
    o += p - start;
    for (;;) {
        if (p >= end)
            return 0;
        unsigned char b = *p;
        if (b == '"') {
            out->s = o0;
            out->n = o - o0;
            self->arena_used += o - o0;
            c->p = p + 1;
            return 1;
        }
        if (b == '\\') {
            if (end - p < 2)
                return 0;
            unsigned char e = p[1];
            p += 2;
            switch (e) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '/': *o++ = '/'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case 'u': {
                uint32_t cp, low;
                if (!hex4(p, end, &cp))
                    return 0;
                p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return 0; /* a low surrogate first */
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &low))
                        return 0;
                    if (low < 0xDC00 || low > 0xDFFF)
                        return 0;
                    p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                o = put_utf8(o, cp);
                break;
            }
            default:
                return 0;
            }
        } else if (b < 0x20) {
            return 0;
        } else if (b < 0x80) {
            *o++ = (char)b;
            p++;
        } else {
            uint32_t cp;
            int k = utf8_seq(p, end, &cp);
            if (!k)
                return 0;
            memcpy(o, p, k);
            o += k;
            p += k;
        }
    }
}

/* A key: a string at the cursor, then the colon. */
static inline int read_key(Cursor *c, Span *key)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return 0;
    if (!read_string(c, key))
        return 0;
    return expect(c, ':');
}

/*
 * A key where only known names are accepted: the span between the quotes, not validated, as
 * any span that is not one of the (plain ASCII) names makes the caller look closer anyway.
 * Keys with a backslash are read in full (an escaped quote, or an escape of a known name).
 */
static inline int read_known_key(Cursor *c, Span *key)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return 0;
    const unsigned char *start = c->p + 1;
    const unsigned char *quote = memchr(start, '"', c->end - start);
    if (quote == NULL)
        return 0;
    if (memchr(start, '\\', quote - start) != NULL)
        return read_key(c, key);
    key->s = (const char *)start;
    key->n = quote - start;
    c->p = quote + 1;
    return expect(c, ':');
}

/* A name with its length, so that most comparisons stop at the length. */
typedef struct {
    const char *s;
    Py_ssize_t n;
} Name;
#define NAME(literal) {literal, sizeof(literal) - 1}

static inline int span_is(Span s, Name name)
{
    return s.n == name.n && s.s[0] == name.s[0] && memcmp(s.s, name.s, name.n) == 0;
}

static const Name PRIMARY = NAME("primary"), MANAGER = NAME("manager"), VALUE = NAME("value"),
                  REF = NAME("$ref");

static int skip_value(Cursor *c, int depth);

static int skip_number(Cursor *c)
{
    const unsigned char *p = c->p, *end = c->end, *start = c->p;
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return 0;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E'))
        return 0; /* exponents can overflow a double: orjson refuses those */
    if (p - start > MAX_NUMBER)
        return 0;
    c->p = p;
    return 1;
}

static int skip_literal(Cursor *c, const char *word, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

/* Any JSON value, validated, not kept (what the profile skips: schemas, id, meta, $ref). */
static int skip_value(Cursor *c, int depth)
{
    Span ignored;
    skip_ws(c);
    if (c->p >= c->end || depth > MAX_DEPTH)
        return 0;
    switch (*c->p) {
    case '"':
        return read_string(c, &ignored);
    case '{':
        c->p++;
        if (expect(c, '}'))
            return 1;
        for (;;) {
            if (!read_key(c, &ignored) || !skip_value(c, depth + 1))
                return 0;
            if (expect(c, ','))
                continue;
            return expect(c, '}');
        }
    case '[':
        c->p++;
        if (expect(c, ']'))
            return 1;
        for (;;) {
            if (!skip_value(c, depth + 1))
                return 0;
            if (expect(c, ','))
                continue;
            return expect(c, ']');
        }
    case 't':
        return skip_literal(c, "true", 4);
    case 'f':
        return skip_literal(c, "false", 5);
    case 'n':
        return skip_literal(c, "null", 4);
    default:
        return skip_number(c);
    }
}

/* true or false into *out; anything else (null, a string "true"): look closer. */
static int read_bool(Cursor *c, int *out)
{
    skip_ws(c);
    if (skip_literal(c, "true", 4)) {
        *out = 1;
        return 1;
    }
    if (skip_literal(c, "false", 5)) {
        *out = 0;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Judging a value (fast.py's _plain, one value at a time)                                     */

static int ask_bool(PyObject *callable, PyObject *arg)
{
    if (arg == NULL)
        return -1;
    PyObject *answer = PyObject_CallOneArg(callable, arg);
    Py_DECREF(arg);
    if (answer == NULL)
        return -1;
    int truth = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return truth;
}

/* fast.UNSAFE, SAFE, NEEDS_BASE, FOREIGN (a Cyrillic/Greek letter), LATIN (a non-ASCII one),
 * and fast.NFC_INERT, a flag beside them: the code point cannot make a value leave NFC (NFC
 * quick check Yes, combining class 0), so a value of such code points needs no NFC question. */
enum { UNSAFE = 0, SAFE = 1, NEEDS_BASE = 2, FOREIGN = 3, LATIN = 4, VERDICT = 7, NFC_INERT = 8 };

/* fast._screen_verdict's answer as a C int (an unknown verdict counts as unsafe, and UNSAFE
 * is 0 whatever its flag); -1: error. */
static int ask_verdict(PyObject *callable, uint32_t cp)
{
    PyObject *arg = PyUnicode_FromOrdinal((int)cp);
    if (arg == NULL)
        return -1;
    PyObject *answer = PyObject_CallOneArg(callable, arg);
    Py_DECREF(arg);
    if (answer == NULL)
        return -1;
    long verdict = PyLong_Check(answer) ? PyLong_AsLong(answer) : 0;
    Py_DECREF(answer);
    if (verdict == -1 && PyErr_Occurred())
        return -1;
    long base = verdict & VERDICT;
    return base >= SAFE && base <= LATIN ? (int)(base | (verdict & NFC_INERT)) : UNSAFE;
}

/* The verdict of fast._screen_verdict (SAFE, NEEDS_BASE: a combining mark, safe after
 * anything but a space, FOREIGN, LATIN, each maybe with NFC_INERT; UNSAFE: look closer; -1: a
 * Python error). Python is asked once per BMP code point, every time for the others (rare in
 * names: emoji, historic scripts). */
static inline int safe_code_point(Screener *self, uint32_t cp)
{
    if (cp > 0xFFFF)
        return ask_verdict(self->safe_char, cp);
    unsigned char verdict = self->safe[cp];
    if (verdict == 0) {
        int safe = ask_verdict(self->safe_char, cp);
        if (safe < 0)
            return -1;
        verdict = self->safe[cp] = (unsigned char)(safe + 1);
    }
    return verdict - 1;
}

/* The code point at p (of a value starting at start) may stand there: SAFE, FOREIGN, LATIN, or
 * SAFE for NEEDS_BASE after something other than a space (the only whitespace a safe value can
 * hold, since every other is hidden or an unusual space). 0: look closer; -1: a Python error. */
static inline int safe_here(Screener *self, uint32_t cp, const unsigned char *p,
                            const unsigned char *start)
{
    int safe = safe_code_point(self, cp);
    if ((safe & VERDICT) == NEEDS_BASE)
        return p > start && p[-1] != ' ';
    return safe;
}

/* A Cyrillic/Greek letter in a value that also holds a Latin one (ASCII or not) may make a
 * mixed-script word: look closer. Decided per value, which is stricter than per word. */
static int mixes_scripts(Span v, int foreign, int latin)
{
    if (!foreign)
        return 0;
    if (latin)
        return 1;
    for (Py_ssize_t i = 0; i < v.n; i++) {
        unsigned char b = (unsigned char)v.s[i] | 0x20;
        if (b >= 'a' && b <= 'z')
            return 1;
    }
    return 0;
}

static inline uint64_t hash_bytes(const char *s, Py_ssize_t n)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (Py_ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void drop_nfc(Screener *self)
{
    if (self->nfc == NULL)
        return;
    for (int i = 0; i < NFC_SLOTS; i++)
        PyMem_Free(self->nfc[i].bytes);
    PyMem_Free(self->nfc);
    self->nfc = NULL;
}

/*
 * is_nfc's answer for a value (1, 0; -1: a Python error), kept per value: an export repeats its
 * names (a Hindi, Bengali, Tamil or Thai name holds vowel signs, which are not NFC-inert, so
 * most of its values are asked), and asking costs a decode, a call and often a normalisation.
 * The answer depends on the bytes alone; a slot is compared byte for byte before it is used.
 */
static int nfc_answer(Screener *self, Span v)
{
    if (v.n > NFC_MAX_BYTES)
        return ask_bool(self->is_nfc, PyUnicode_DecodeUTF8(v.s, v.n, "strict"));
    if (self->nfc == NULL) {
        self->nfc = PyMem_Calloc(NFC_SLOTS, sizeof(NfcSlot));
        if (self->nfc == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    uint64_t hash = hash_bytes(v.s, v.n);
    NfcSlot *set = &self->nfc[hash & (NFC_SLOTS - NFC_WAYS)];
    for (int i = 0; i < NFC_WAYS; i++) {
        NfcSlot *way = &set[i];
        if (way->bytes != NULL && way->hash == hash && way->n == v.n &&
            memcmp(way->bytes, v.s, (size_t)v.n) == 0)
            return way->answer;
    }
    int answer = ask_bool(self->is_nfc, PyUnicode_DecodeUTF8(v.s, v.n, "strict"));
    if (answer < 0 || self->nfc == NULL) /* (the call may have re-initialised the screener) */
        return answer;
    set = &self->nfc[hash & (NFC_SLOTS - NFC_WAYS)];
    NfcSlot *slot = &set[(hash >> 60) & (NFC_WAYS - 1)]; /* every way taken: one by the hash */
    for (int i = NFC_WAYS - 1; i >= 0; i--)
        if (set[i].bytes == NULL)
            slot = &set[i]; /* else the first empty way */
    char *copy = PyMem_Realloc(slot->bytes, (size_t)(v.n ? v.n : 1));
    if (copy != NULL) { /* else the slot keeps its old value: nothing is kept, nothing lost */
        memcpy(copy, v.s, (size_t)v.n);
        slot->bytes = copy;
        slot->hash = hash;
        slot->n = v.n;
        slot->answer = answer;
    }
    return answer;
}

/* The end of judging a value of `count` code points: length, and NFC when it holds a code
 * point that is not NFC-inert (`wide`). */
static int judge_end(Screener *self, Span v, Py_ssize_t count, int wide, Py_ssize_t *chars)
{
    if (v.n == 0 || v.s[0] == ' ' || v.s[v.n - 1] == ' ' || count > MAX_OTHER)
        return 0;
    if (wide) {
        int nfc = nfc_answer(self, v);
        if (nfc <= 0)
            return nfc;
    }
    *chars = count;
    return 1;
}

/*
 * 1: the (decoded) value draws no finding from a character-level rule (not empty, no space at
 * either end, only plain ASCII and safe characters, in NFC, at most MAX_OTHER characters);
 * its length in code points goes to *chars. 0: look closer. -1: a Python error.
 */
static int judge_as(Screener *self, Span v, Py_ssize_t *chars, int uri)
{
    const unsigned char *start = (const unsigned char *)v.s, *p = start, *end = p + v.n;
    Py_ssize_t count = 0;
    int wide = 0, foreign = 0, latin = 0;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && PLAIN[*p])
            p++;
        count += p - run;
        if (p >= end)
            break;
        if (uri && URI_EXTRA[*p]) {
            p++;
            count++;
            continue;
        }
        uint32_t cp;
        int k = *p < 0x80 ? 0 : utf8_seq(p, end, &cp); /* 0: < > ; : %, a control, DEL */
        if (!k)
            return 0;
        int safe = safe_here(self, cp, p, start);
        if (safe <= 0)
            return safe;
        foreign |= (safe & VERDICT) == FOREIGN;
        latin |= (safe & VERDICT) == LATIN;
        wide |= !(safe & NFC_INERT);
        p += k;
        count++;
    }
    if (mixes_scripts(v, foreign, latin))
        return 0;
    return judge_end(self, v, count, wide, chars);
}

static int judge(Screener *self, Span v, Py_ssize_t *chars)
{
    return judge_as(self, v, chars, 0);
}

/*
 * What a judged value that is not plain becomes (`r`: the judgement, 0 or -1): WARNED when the
 * screener passes warned values and the string is valid JSON (read again from its opening
 * quote at `quote`, decoded into *out), so that the caller notes it; else 0 (look closer) or
 * -1 (a Python error). Its findings are then asked of the profile, value by value.
 */
enum { WARNED = 2 };

static int warned_or(Cursor *c, const unsigned char *quote, Span *out, Py_ssize_t *chars, int r)
{
    if (r < 0 || !c->self->pass_warned)
        return r;
    c->p = quote;
    if (!read_string(c, out))
        return 0; /* not a valid JSON string: orjson refuses the line */
    *chars = 0;
    return WARNED;
}

/* A URI value (profileUrl, $ref) at the cursor: every rule of judge but forbidden-character. */
static int judged_uri(Cursor *c, Span *out, Py_ssize_t *chars)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"' || !read_string(c, out))
        return 0;
    int r = judge_as(c->self, *out, chars, 1);
    if (r == 0 && c->self->pass_warned) {
        *chars = 0;
        return WARNED;
    }
    return r;
}

/*
 * A string value to judge, at the cursor: read and judged in one pass over the line's bytes.
 * A value with an escape is read by read_string and judged once decoded. 1: plain; WARNED: a
 * valid string that is not plain, in *out (only when the screener passes warned values); 0:
 * look closer; -1: a Python error.
 */
static int judged_string(Cursor *c, Span *out, Py_ssize_t *chars)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return 0;
    const unsigned char *quote = c->p, *start = c->p + 1, *p = start, *end = c->end;
    Py_ssize_t count = 0;
    int wide = 0, foreign = 0, latin = 0;
    for (;;) {
        const unsigned char *run = p;
        while (PLAIN_RAW[*p]) /* stops at the NUL after the bytes object at the latest */
            p++;
        count += p - run;
        if (p >= end)
            return 0;
        unsigned char b = *p;
        if (b == '"')
            break;
        if (b == '\\') {
            if (!read_string(c, out))
                return 0;
            int r = judge(c->self, *out, chars);
            if (r == 0 && c->self->pass_warned) {
                *chars = 0;
                return WARNED;
            }
            return r;
        }
        if (b < 0x80) /* a control character (refused by read_string), < > ; : % or DEL */
            return warned_or(c, quote, out, chars, 0);
        uint32_t cp;
        int k = utf8_seq(p, end, &cp);
        if (!k)
            return 0;
        int safe = safe_here(c->self, cp, p, start);
        if (safe <= 0)
            return warned_or(c, quote, out, chars, safe);
        foreign |= (safe & VERDICT) == FOREIGN;
        latin |= (safe & VERDICT) == LATIN;
        wide |= !(safe & NFC_INERT);
        p += k;
        count++;
    }
    out->s = (const char *)start;
    out->n = p - start;
    c->p = p + 1;
    int r = mixes_scripts(*out, foreign, latin) ? 0 : judge_end(c->self, *out, count, wide, chars);
    if (r == 0 && c->self->pass_warned) {
        *chars = 0;
        return WARNED;
    }
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* The user                                                                                    */

enum {
    K_USERNAME, K_EXTERNALID, K_DISPLAYNAME, K_NICKNAME, K_TITLE, K_USERTYPE,
    K_PREFERREDLANGUAGE, K_LOCALE, K_TIMEZONE, /* the plain string attributes, first */
    K_SCHEMAS, K_ID, K_META, K_NAME, K_EMAILS, K_PHONENUMBERS, K_ADDRESSES, K_ROLES,
    K_ACTIVE, K_ENTERPRISE, K_PROFILEURL, K_COUNT
};
#define K_LAST_STRING K_TIMEZONE

static const Name TOP[K_COUNT + 1] = {
    NAME("userName"), NAME("externalId"), NAME("displayName"), NAME("nickName"), NAME("title"),
    NAME("userType"), NAME("preferredLanguage"), NAME("locale"), NAME("timezone"),
    NAME("schemas"), NAME("id"), NAME("meta"), NAME("name"), NAME("emails"),
    NAME("phoneNumbers"), NAME("addresses"), NAME("roles"), NAME("active"),
    NAME("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), NAME("profileUrl"),
    {NULL, 0},
};
static const Name NAME_SUBS[] = {
    NAME("formatted"), NAME("familyName"), NAME("givenName"), NAME("middleName"),
    NAME("honorificPrefix"), NAME("honorificSuffix"), {NULL, 0},
};
#define NAME_FAMILY 1
#define NAME_GIVEN 2
/* Sub-attributes of the multi-valued attributes, without "primary" (a boolean). */
static const Name VALUE_TYPE_SUBS[] = {NAME("value"), NAME("type"), {NULL, 0}};
static const Name ADDRESS_SUBS[] = {
    NAME("streetAddress"), NAME("locality"), NAME("region"), NAME("postalCode"),
    NAME("country"), NAME("formatted"), NAME("type"), {NULL, 0},
};
#define ADDRESS_PARTS_MASK 0x1F /* the first five: schema.ADDRESS_PARTS */
static const Name ENTERPRISE_SUBS[] = {
    NAME("employeeNumber"), NAME("costCenter"), NAME("organization"), NAME("division"),
    NAME("department"), {NULL, 0},
};

/* Name tables are looked up through a small open-addressing hash, built once. */
#define SLOTS 64
typedef struct {
    const Name *names;
    signed char slot[SLOTS];
} Index;

static inline unsigned hash_name(const char *s, Py_ssize_t n)
{
    return ((unsigned)n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1]) % SLOTS;
}

static void build_index(Index *index, const Name *names)
{
    index->names = names;
    memset(index->slot, -1, sizeof(index->slot));
    for (int i = 0; names[i].s != NULL; i++) {
        unsigned h = hash_name(names[i].s, names[i].n);
        while (index->slot[h] >= 0)
            h = (h + 1) % SLOTS;
        index->slot[h] = (signed char)i;
    }
}

static Index TOP_INDEX, NAME_INDEX, VALUE_TYPE_INDEX, ADDRESS_INDEX, ENTERPRISE_INDEX;

/* The position of `key` in the index's names, or -1. */
static int find(Span key, const Index *index)
{
    if (key.n == 0)
        return -1;
    unsigned h = hash_name(key.s, key.n);
    int i;
    while ((i = index->slot[h]) >= 0) {
        if (span_is(key, index->names[i]))
            return i;
        h = (h + 1) % SLOTS;
    }
    return -1;
}

typedef struct {
    Span username, external_id, email, id;
    int has_external_id, has_email, has_id;
    Py_ssize_t username_chars, external_id_chars;
} Keys;

/* The path of each warned value, as the full walk names it (resources.py): PATHS[k * SUBS + sub]
 * for the top key k and sub 0 (the key itself) or 1 + the index of a sub-attribute in its
 * table (the enterprise manager's value and $ref: 6 and 7). Built once, at import. */
static PyObject *PATHS[K_COUNT * SUBS];
#define MANAGER_VALUE 6
#define MANAGER_REF 7

/* Note a value judged WARNED under `path` (then 1), or pass on the judgement (1, 0, -1). */
static inline int note(Cursor *c, int r, int path, Span value)
{
    if (r != WARNED)
        return r;
    Screener *self = c->self;
    if (self->n_warned >= MAX_WARNED)
        return 0;
    self->warned[self->n_warned].path = path;
    self->warned[self->n_warned].value = value;
    self->n_warned++;
    return 1;
}

/* Only whitespace as str.isspace() has it (what str.strip() removes): an address part that
 * counts as missing (resources._no_part). The value is valid UTF-8. */
static int is_blank(Span v)
{
    const unsigned char *p = (const unsigned char *)v.s, *end = p + v.n;
    while (p < end) {
        uint32_t cp;
        int k = *p < 0x80 ? (cp = *p, 1) : utf8_seq(p, end, &cp);
        if (!k)
            return 0;
        p += k;
        if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 ||
            cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
            cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000)
            continue;
        return 0;
    }
    return 1;
}

/* An object whose members are all judged strings named in `names` (the sub-attributes of the
 * top key `k`); bitmask of those seen. */
static int string_object(Cursor *c, int k, const Index *names, unsigned *seen)
{
    Span key, value;
    Py_ssize_t chars;
    *seen = 0;
    if (!expect(c, '{'))
        return 0;
    if (expect(c, '}'))
        return 1;
    for (;;) {
        if (!read_known_key(c, &key))
            return 0;
        int i = find(key, names);
        if (i < 0 || (*seen & (1u << i)))
            return 0;
        *seen |= 1u << i;
        int r = note(c, judged_string(c, &value, &chars), k * SUBS + 1 + i, value);
        if (r != 1)
            return r;
        if (expect(c, ','))
            continue;
        return expect(c, '}');
    }
}

/* [ {one element} ] of emails, phoneNumbers, addresses or roles. */
static int multi_valued(Cursor *c, int which, Keys *keys)
{
    const Index *names = which == K_ADDRESSES ? &ADDRESS_INDEX : &VALUE_TYPE_INDEX;
    Span key, value;
    Py_ssize_t chars;
    unsigned seen = 0;
    int primary = -1;
    if (!expect(c, '[') || !expect(c, '{'))
        return 0;
    if (!expect(c, '}')) {
        for (;;) {
            if (!read_known_key(c, &key))
                return 0;
            if (span_is(key, PRIMARY)) {
                if (primary >= 0 || !read_bool(c, &primary))
                    return 0;
            } else {
                int i = find(key, names);
                if (i < 0 || (seen & (1u << i)))
                    return 0;
                seen |= 1u << i;
                int r = judged_string(c, &value, &chars);
                if (r == WARNED &&
                    ((which == K_ADDRESSES && (1u << i) & ADDRESS_PARTS_MASK && is_blank(value)) ||
                     (which == K_EMAILS && i == 0 && value.n == 0)))
                    return 0; /* a part that counts as missing; an empty email key */
                r = note(c, r, which * SUBS + 1 + i, value);
                if (r != 1)
                    return r;
                if (which == K_EMAILS && i == 0) {
                    keys->email = value;
                    keys->has_email = 1;
                }
            }
            if (expect(c, ','))
                continue;
            if (!expect(c, '}'))
                return 0;
            break;
        }
    }
    if (!expect(c, ']'))
        return 0; /* more than one element: look closer */
    if (which == K_EMAILS && primary != 1)
        return 0;
    if (which == K_ADDRESSES && c->self->complete_address &&
        (seen & ADDRESS_PARTS_MASK) != ADDRESS_PARTS_MASK && (seen & ADDRESS_PARTS_MASK) != 0)
        return 0; /* some parts but not all (none at all is no address: rules.md) */
    return 1;
}

static int enterprise(Cursor *c)
{
    Span key, value;
    Py_ssize_t chars;
    unsigned seen = 0;
    if (!expect(c, '{'))
        return 0;
    if (expect(c, '}'))
        return 1;
    for (;;) {
        if (!read_known_key(c, &key))
            return 0;
        int i = find(key, &ENTERPRISE_INDEX);
        if (i < 0) {
            if (!span_is(key, MANAGER))
                return 0;
            i = 5;
        }
        if (seen & (1u << i))
            return 0;
        seen |= 1u << i;
        if (i == 5) { /* manager: {"value": judged, "$ref": judged as a URI} */
            int seen_value = 0, seen_ref = 0;
            if (!expect(c, '{'))
                return 0;
            if (!expect(c, '}')) {
                for (;;) {
                    if (!read_known_key(c, &key))
                        return 0;
                    if (span_is(key, VALUE) && !seen_value) {
                        seen_value = 1;
                        int r = note(c, judged_string(c, &value, &chars),
                                     K_ENTERPRISE * SUBS + MANAGER_VALUE, value);
                        if (r != 1)
                            return r;
                    } else if (span_is(key, REF) && !seen_ref) {
                        seen_ref = 1;
                        int r = note(c, judged_uri(c, &value, &chars),
                                     K_ENTERPRISE * SUBS + MANAGER_REF, value);
                        if (r != 1)
                            return r;
                    } else {
                        return 0;
                    }
                    if (expect(c, ','))
                        continue;
                    if (!expect(c, '}'))
                        return 0;
                    break;
                }
            }
        } else {
            int r = note(c, judged_string(c, &value, &chars), K_ENTERPRISE * SUBS + 1 + i, value);
            if (r != 1)
                return r;
        }
        if (expect(c, ','))
            continue;
        return expect(c, '}');
    }
}

/* `schemas`: any value; a list naming the Group schema makes the record a group. */
static int schemas(Cursor *c)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '[')
        return skip_value(c, 1);
    PyObject *urn = c->self->group_urn;
    Span item;
    c->p++;
    if (expect(c, ']'))
        return 1;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == '"') {
            if (!read_string(c, &item))
                return 0;
            if (item.n == PyBytes_GET_SIZE(urn) && memcmp(item.s, PyBytes_AS_STRING(urn), item.n) == 0)
                return 0; /* a group */
        } else if (!skip_value(c, 2)) {
            return 0;
        }
        if (expect(c, ','))
            continue;
        return expect(c, ']');
    }
}

/* 1: the line is a plainly valid user, keys filled in; 0: look closer; -1: Python error. */
static int screen_user(Screener *self, const unsigned char *line, Py_ssize_t n, Keys *keys)
{
    Cursor cur = {line, line + n, self}, *c = &cur;
    Span key, value;
    Py_ssize_t chars;
    unsigned seen = 0, name_seen = 0;
    memset(keys, 0, sizeof(*keys));
    self->arena_used = 0;
    self->n_warned = 0;
    if (!expect(c, '{'))
        return 0;
    if (expect(c, '}'))
        return 0; /* no userName */
    for (;;) {
        if (!read_known_key(c, &key))
            return 0;
        int k = find(key, &TOP_INDEX);
        if (k < 0 || (seen & (1u << k)))
            return 0;
        seen |= 1u << k;
        int r = 1;
        if (k <= K_LAST_STRING) {
            r = judged_string(c, &value, &chars);
            if (r == WARNED && value.n == 0 && (k == K_USERNAME || k == K_EXTERNALID))
                return 0; /* an empty key: the tracker keeps none (add_user_keys) */
            r = note(c, r, k * SUBS, value);
            if (k == K_USERNAME) {
                keys->username = value;
                keys->username_chars = chars;
            } else if (k == K_EXTERNALID) {
                keys->external_id = value;
                keys->external_id_chars = chars;
                keys->has_external_id = 1;
            }
        } else {
            switch (k) {
            case K_SCHEMAS:
                r = schemas(c);
                break;
            case K_ID:
                skip_ws(c);
                if (c->p < c->end && *c->p == '"') {
                    r = read_string(c, &keys->id);
                    keys->has_id = 1;
                } else {
                    r = skip_value(c, 1);
                }
                break;
            case K_META:
                r = skip_value(c, 1);
                break;
            case K_NAME:
                r = string_object(c, K_NAME, &NAME_INDEX, &name_seen);
                break;
            case K_EMAILS:
            case K_PHONENUMBERS:
            case K_ADDRESSES:
            case K_ROLES:
                r = multi_valued(c, k, keys);
                break;
            case K_ACTIVE: {
                int ignored;
                r = read_bool(c, &ignored);
                break;
            }
            case K_ENTERPRISE:
                r = enterprise(c);
                break;
            case K_PROFILEURL:
                r = note(c, judged_uri(c, &value, &chars), K_PROFILEURL * SUBS, value);
                break;
            }
        }
        if (r != 1)
            return r;
        if (expect(c, ','))
            continue;
        if (!expect(c, '}'))
            return 0;
        break;
    }
    skip_ws(c);
    if (c->p != c->end)
        return 0; /* something after the object */
    /* What fast.py asks once the walk is done. */
    if (!(seen & (1u << K_USERNAME)) || !(seen & (1u << K_DISPLAYNAME)) ||
        !(seen & (1u << K_NAME)))
        return 0;
    if (!(name_seen & (1u << NAME_GIVEN)) || !(name_seen & (1u << NAME_FAMILY)))
        return 0;
    if (memchr(keys->username.s, ' ', keys->username.n) || keys->username_chars > MAX_USERNAME)
        return 0;
    if (keys->has_external_id && (memchr(keys->external_id.s, ' ', keys->external_id.n) ||
                                  keys->external_id_chars > MAX_EXTERNAL_ID))
        return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Python strings for the keys                                                                 */

static int is_ascii(Span s)
{
    for (Py_ssize_t i = 0; i < s.n; i++)
        if ((unsigned char)s.s[i] >= 0x80)
            return 0;
    return 1;
}

static PyObject *to_str(Span s)
{
    if (is_ascii(s)) {
        PyObject *out = PyUnicode_New(s.n, 127);
        if (out != NULL)
            memcpy(PyUnicode_1BYTE_DATA(out), s.s, s.n);
        return out;
    }
    return PyUnicode_DecodeUTF8(s.s, s.n, "strict");
}

/* s.lower(), as the same object when nothing changes (the tracker tells odd case by `is`). */
static PyObject *lowered(PyObject *s)
{
    if (PyUnicode_IS_ASCII(s)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(s);
        const Py_UCS1 *data = PyUnicode_1BYTE_DATA(s);
        Py_ssize_t i = 0;
        while (i < n && !(data[i] >= 'A' && data[i] <= 'Z'))
            i++;
        if (i == n)
            return Py_NewRef(s);
        PyObject *out = PyUnicode_New(n, 127);
        if (out == NULL)
            return NULL;
        Py_UCS1 *o = PyUnicode_1BYTE_DATA(out);
        for (Py_ssize_t j = 0; j < n; j++)
            o[j] = (data[j] >= 'A' && data[j] <= 'Z') ? data[j] + 32 : data[j];
        return out;
    }
    PyObject *out = PyObject_CallMethod(s, "lower", NULL);
    if (out == NULL)
        return NULL;
    int same = PyUnicode_Compare(out, s);
    if (same == -1 && PyErr_Occurred()) {
        Py_DECREF(out);
        return NULL;
    }
    if (same == 0) {
        Py_DECREF(out);
        return Py_NewRef(s);
    }
    return out;
}

/* (column, ((path, value), ...)): the warned values of the user about to take `column`. */
static int add_warned(Screener *self, Py_ssize_t column, PyObject *warned)
{
    PyObject *pairs = PyTuple_New(self->n_warned), *entry = NULL;
    if (pairs == NULL)
        return -1;
    for (int i = 0; i < self->n_warned; i++) {
        PyObject *value = to_str(self->warned[i].value);
        PyObject *pair = value == NULL ? NULL : PyTuple_Pack(2, PATHS[self->warned[i].path], value);
        Py_XDECREF(value);
        if (pair == NULL) {
            Py_DECREF(pairs);
            return -1;
        }
        PyTuple_SET_ITEM(pairs, i, pair);
    }
    entry = Py_BuildValue("(nN)", column, pairs);
    if (entry == NULL)
        return -1;
    int r = PyList_Append(warned, entry);
    Py_DECREF(entry);
    return r;
}

/* Append the user's keys to the columns (and its warned values to the sixth, when it has some);
 * 1 done, 0 look closer (reserved name), -1 error. */
static int add_keys(Screener *self, Keys *keys, PyObject **columns)
{
    PyObject *username = NULL, *key = NULL, *email = NULL, *external_id = NULL, *id = NULL;
    int result = -1;
    username = to_str(keys->username);
    if (username == NULL)
        goto done;
    key = lowered(username);
    if (key == NULL)
        goto done;
    int reserved = PySet_Contains(self->reserved, key);
    if (reserved != 0) {
        result = reserved < 0 ? -1 : 0;
        goto done;
    }
    if (keys->has_email) {
        PyObject *given = to_str(keys->email);
        if (given == NULL)
            goto done;
        email = lowered(given);
        Py_DECREF(given);
        if (email == NULL)
            goto done;
        int equal = PyUnicode_Compare(email, key);
        if (equal == -1 && PyErr_Occurred())
            goto done;
        if (equal == 0) { /* share the string object with the userName key */
            Py_SETREF(email, Py_NewRef(key));
        }
    } else {
        email = Py_NewRef(Py_None);
    }
    external_id = keys->has_external_id ? to_str(keys->external_id) : Py_NewRef(Py_None);
    id = keys->has_id ? to_str(keys->id) : Py_NewRef(Py_None);
    if (external_id == NULL || id == NULL)
        goto done;
    if (self->n_warned > 0 && add_warned(self, PyList_GET_SIZE(columns[0]), columns[5]) < 0)
        goto done;
    PyObject *values[5] = {username, key, email, external_id, id};
    for (int i = 0; i < 5; i++)
        if (PyList_Append(columns[i], values[i]) < 0)
            goto done;
    result = 1;
done:
    Py_XDECREF(username);
    Py_XDECREF(key);
    Py_XDECREF(email);
    Py_XDECREF(external_id);
    Py_XDECREF(id);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Screener type                                                                               */

static int Screener_init(Screener *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"safe_char", "is_nfc", "reserved", "group_urn", "complete_address",
                             "pass_warned", NULL};
    PyObject *safe_char, *is_nfc, *reserved, *group_urn;
    int complete_address, pass_warned = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!O!p|p", kwlist, &safe_char, &is_nfc,
                                     &PyFrozenSet_Type, &reserved, &PyBytes_Type, &group_urn,
                                     &complete_address, &pass_warned))
        return -1;
    if (!PyCallable_Check(safe_char) || !PyCallable_Check(is_nfc)) {
        PyErr_SetString(PyExc_TypeError, "safe_char and is_nfc must be callables");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the Screener is in use");
        return -1;
    }
    Py_XSETREF(self->safe_char, Py_NewRef(safe_char));
    Py_XSETREF(self->is_nfc, Py_NewRef(is_nfc));
    Py_XSETREF(self->reserved, Py_NewRef(reserved));
    Py_XSETREF(self->group_urn, Py_NewRef(group_urn));
    self->complete_address = complete_address;
    self->pass_warned = pass_warned;
    memset(self->safe, 0, sizeof(self->safe));
    drop_nfc(self); /* the answers of another is_nfc */
    return 0;
}

static int Screener_traverse(Screener *self, visitproc visit, void *arg)
{
    Py_VISIT(self->safe_char);
    Py_VISIT(self->is_nfc);
    Py_VISIT(self->reserved);
    Py_VISIT(self->group_urn);
    return 0;
}

static int Screener_clear(Screener *self)
{
    Py_CLEAR(self->safe_char);
    Py_CLEAR(self->is_nfc);
    Py_CLEAR(self->reserved);
    Py_CLEAR(self->group_urn);
    return 0;
}

static void Screener_dealloc(Screener *self)
{
    PyObject_GC_UnTrack(self);
    Screener_clear(self);
    PyMem_Free(self->arena);
    drop_nfc(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* 0 when the screener may run now; -1 with an exception when it was never initialised or is
 * already running (a callback that screens again would reset the arena under the caller). */
static int enter(Screener *self)
{
    if (self->safe_char == NULL || self->is_nfc == NULL || self->reserved == NULL ||
        self->group_urn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the Screener was not initialised");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the Screener is already running (re-entered)");
        return -1;
    }
    self->busy = 1;
    return 0;
}

PyDoc_STRVAR(screen_doc,
"screen(lines) -> (look_closer, usernames, keys, emails, external_ids, ids, warned)\n\n"
"`lines`: a list of bytes, one JSON line each. `look_closer`: the positions of the lines that\n"
"are not plainly valid users (or not users, or not JSON). The five columns hold, for every\n"
"other line in order, its userName, userName.lower(), the primary email lower-cased (or None),\n"
"externalId (or None) and id (or None). `warned` (only with pass_warned): (column,\n"
"((path, value), ...)) for each passed user with values that are not plain, whose findings\n"
"are those of its values alone.");

static int append_index(PyObject *list, Py_ssize_t value)
{
    PyObject *number = PyLong_FromSsize_t(value);
    if (number == NULL)
        return -1;
    int r = PyList_Append(list, number);
    Py_DECREF(number);
    return r;
}

/* Screen one line: its keys to the columns (1), or "look closer" (0), or a Python error (-1).
 * The byte after the line must not be plain ASCII: a NUL, a newline or a carriage return. */
static int screen_line(Screener *self, const char *data, Py_ssize_t n, PyObject **columns)
{
    if (n > self->arena_cap) {
        char *grown = PyMem_Realloc(self->arena, n);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->arena = grown;
        self->arena_cap = n;
    }
    Keys keys;
    int r = screen_user(self, (const unsigned char *)data, n, &keys);
    if (r == 1)
        r = add_keys(self, &keys, columns);
    return r;
}

static int new_lists(PyObject **lists, int count)
{
    for (int i = 0; i < count; i++)
        if ((lists[i] = PyList_New(0)) == NULL)
            return -1;
    return 0;
}

static void drop_lists(PyObject **lists, int count)
{
    for (int i = 0; i < count; i++)
        Py_XDECREF(lists[i]);
}

static PyObject *Screener_screen(Screener *self, PyObject *list)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "lines must be a list of bytes");
        return NULL;
    }
    if (enter(self) < 0)
        return NULL;
    /* look_closer, then the five columns and the warned values */
    PyObject *lists[7] = {NULL}, *result = NULL;
    /* A tuple holds the lines while Python code (the callbacks) runs: the list may change. */
    PyObject *lines = PyList_AsTuple(list);
    if (lines == NULL || new_lists(lists, 7) < 0)
        goto done;
    Py_ssize_t count = PyTuple_GET_SIZE(lines);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *line = PyTuple_GET_ITEM(lines, i);
        if (!PyBytes_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "lines must be a list of bytes");
            goto done;
        }
        /* A bytes object always ends with a NUL: the guard byte screen_line needs. */
        int r = screen_line(self, PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line), lists + 1);
        if (r < 0 || (r == 0 && append_index(lists[0], i) < 0))
            goto done;
    }
    result = PyTuple_Pack(7, lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6]);
done:
    Py_XDECREF(lines);
    drop_lists(lists, 7);
    self->busy = 0;
    return result;
}

PyDoc_STRVAR(screen_block_doc,
"screen_block(block) -> (lines, look_closer, starts, ends, usernames, keys, emails,\n"
"                        external_ids, ids, warned)\n\n"
"The same for a block of whole lines (bytes, split at \\n; the last line may lack one), without\n"
"a bytes object per line: `lines` is how many lines the block holds, `starts` and `ends` the\n"
"offsets of each line to look closer at (the newline excluded).");

static PyObject *Screener_screen_block(Screener *self, PyObject *block)
{
    if (!PyBytes_Check(block)) {
        PyErr_SetString(PyExc_TypeError, "block must be bytes");
        return NULL;
    }
    if (enter(self) < 0)
        return NULL;
    /* look_closer, starts, ends, then the five columns and the warned values (`block` is
     * immutable and ours) */
    Py_INCREF(block);
    PyObject *lists[9] = {NULL}, *result = NULL;
    if (new_lists(lists, 9) < 0)
        goto done;
    const char *data = PyBytes_AS_STRING(block), *p = data, *end = data + PyBytes_GET_SIZE(block);
    Py_ssize_t line = 0;
    while (p < end) {
        const char *newline = memchr(p, '\n', end - p);
        const char *stop = newline != NULL ? newline : end; /* then the NUL of the bytes */
        int r = screen_line(self, p, stop - p, lists + 3);
        if (r < 0)
            goto done;
        if (r == 0 && (append_index(lists[0], line) < 0 || append_index(lists[1], p - data) < 0 ||
                       append_index(lists[2], stop - data) < 0))
            goto done;
        line++;
        p = newline != NULL ? newline + 1 : end;
    }
    result = Py_BuildValue("(nOOOOOOOOO)", line, lists[0], lists[1], lists[2], lists[3], lists[4],
                           lists[5], lists[6], lists[7], lists[8]);
done:
    Py_DECREF(block);
    drop_lists(lists, 9);
    self->busy = 0;
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* Feeding the duplicate tracker                                                               */

PyDoc_STRVAR(feed_doc,
"feed(by_username, by_email, by_external_id, odd_case, user_ids, packed, step, mask,\n"
"     usernames, keys, emails, external_ids, ids, implicit) -> (clashes, added)\n\n"
"DuplicateTracker.add_screened's loop (profile/duplicates.py holds it in Python too, and the\n"
"tests hold the two equal). `packed` is the first user's packed position, `step` what to add\n"
"for the next (or `packed` is a list: a position per user), `mask` gives the record number.\n"
"`implicit`: the emails kept in by_username so far (flagged ~packed); `added`: those this call\n"
"kept. Returns ([(rule, key, first, later)], added).");

static int clash(PyObject *clashes, const char *rule, PyObject *key, PyObject *first,
                 PyObject *later)
{
    PyObject *item = Py_BuildValue("(sOOO)", rule, key, first, later);
    if (item == NULL)
        return -1;
    int r = PyList_Append(clashes, item);
    Py_DECREF(item);
    return r;
}

static PyObject *ZERO; /* 0, to tell a flagged (negative) value of by_username */

static PyObject *feed(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 14) {
        PyErr_SetString(PyExc_TypeError, "feed() takes 14 arguments");
        return NULL;
    }
    PyObject *by_username = args[0], *by_email = args[1], *by_external_id = args[2];
    PyObject *odd_case = args[3], *user_ids = args[4], *step = args[6], *mask = args[7];
    PyObject *usernames = args[8], *keys = args[9], *emails = args[10];
    PyObject *external_ids = args[11], *ids = args[12];
    /* emails kept implicitly so far (DuplicateTracker._implicit): while there is none, an email
     * not in by_email has no holder */
    Py_ssize_t implicit_before = PyLong_AsSsize_t(args[13]);
    if (implicit_before == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t implicit = 0;
    /* Exact types only: then no Python code (a __hash__, __eq__ or __add__) runs in the loop,
     * so the borrowed items of the lists stay valid. */
    if (!PyDict_CheckExact(by_username) || !PyDict_CheckExact(by_email) ||
        !PyDict_CheckExact(by_external_id) || !PyDict_CheckExact(odd_case) ||
        !PySet_CheckExact(user_ids) ||
        !(PyLong_CheckExact(args[5]) || PyList_CheckExact(args[5])) ||
        !PyLong_CheckExact(step) || !PyLong_CheckExact(mask) ||
        !PyList_Check(usernames) || !PyList_Check(keys) || !PyList_Check(emails) ||
        !PyList_Check(external_ids) || !PyList_Check(ids)) {
        PyErr_SetString(PyExc_TypeError, "feed(): dicts, a set, ints and lists expected");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(usernames);
    if (PyList_GET_SIZE(keys) != n || PyList_GET_SIZE(emails) != n ||
        PyList_GET_SIZE(external_ids) != n || PyList_GET_SIZE(ids) != n) {
        PyErr_SetString(PyExc_ValueError, "feed(): columns of different lengths");
        return NULL;
    }
    /* `packed`: the first user's position (the next ones: + step), or one per user (a list) */
    PyObject *positions = PyList_CheckExact(args[5]) ? args[5] : NULL;
    if (positions != NULL && PyList_GET_SIZE(positions) != n) {
        PyErr_SetString(PyExc_ValueError, "feed(): one position per user");
        return NULL;
    }
    PyObject *clashes = PyList_New(0);
    if (clashes == NULL)
        return NULL;
    PyObject *packed = positions != NULL ? NULL : Py_NewRef(args[5]);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *username = PyList_GET_ITEM(usernames, i), *key = PyList_GET_ITEM(keys, i);
        PyObject *email = PyList_GET_ITEM(emails, i);
        PyObject *external_id = PyList_GET_ITEM(external_ids, i), *id = PyList_GET_ITEM(ids, i);
        PyObject *pointer;
        if (!PyUnicode_CheckExact(username) || !PyUnicode_CheckExact(key) ||
            (email != Py_None && !PyUnicode_CheckExact(email)) ||
            (external_id != Py_None && !PyUnicode_CheckExact(external_id)) ||
            (id != Py_None && !PyUnicode_CheckExact(id))) {
            PyErr_SetString(PyExc_TypeError, "feed(): the columns hold str (or None)");
            goto error;
        }
        if (positions != NULL) {
            PyObject *given = PyList_GET_ITEM(positions, i);
            if (!PyLong_CheckExact(given)) {
                PyErr_SetString(PyExc_TypeError, "feed(): positions are ints");
                goto error;
            }
            Py_XSETREF(packed, Py_NewRef(given));
        } else if (i > 0) {
            Py_SETREF(packed, PyNumber_Add(packed, step));
            if (packed == NULL)
                goto error;
        }
        if (key != username) {
            PyObject *record = PyNumber_And(packed, mask);
            if (record == NULL)
                goto error;
            int r = PyDict_SetItem(odd_case, record, username);
            Py_DECREF(record);
            if (r < 0)
                goto error;
        }
        PyObject *first = PyDict_SetDefault(by_username, key, packed);
        if (first == NULL)
            goto error;
        if (first == packed) {
            pointer = key;
        } else {
            if (clash(clashes, "duplicate-username", key, first, packed) < 0)
                goto error;
            pointer = packed;
        }
        if (email != Py_None) {
            PyObject *first_ref = PyDict_GetItemWithError(by_email, email); /* borrowed */
            if (first_ref == NULL && PyErr_Occurred())
                goto error;
            if (first_ref == NULL && email == pointer) {
                /* the first holder's email is its userName key: kept there, flagged */
                PyObject *flagged = PyNumber_Invert(packed);
                if (flagged == NULL)
                    goto error;
                int r = PyDict_SetItem(by_username, key, flagged);
                Py_DECREF(flagged);
                if (r < 0)
                    goto error;
                implicit++;
            } else {
                if (first_ref == NULL && implicit_before + implicit > 0) {
                    /* an email kept implicitly by another user (DuplicateTracker._email_holder) */
                    PyObject *holder = PyDict_GetItemWithError(by_username, email);
                    if (holder == NULL && PyErr_Occurred())
                        goto error;
                    if (holder != NULL) {
                        int negative = PyObject_RichCompareBool(holder, ZERO, Py_LT);
                        if (negative < 0)
                            goto error;
                        if (negative)
                            first_ref = email;
                    }
                }
                if (first_ref == NULL) {
                    if (PyDict_SetItem(by_email, email, pointer) < 0)
                        goto error;
                } else if (first_ref != pointer &&
                           clash(clashes, "duplicate-email", email, first_ref, pointer) < 0) {
                    goto error;
                }
            }
        }
        if (external_id != Py_None) {
            PyObject *first_ref = PyDict_SetDefault(by_external_id, external_id, pointer);
            if (first_ref == NULL)
                goto error;
            if (first_ref != pointer && clash(clashes, "duplicate-external-id", external_id,
                                              first_ref, pointer) < 0)
                goto error;
        }
        if (id != Py_None && PySet_Add(user_ids, id) < 0)
            goto error;
    }
    Py_XDECREF(packed);
    return Py_BuildValue("(Nn)", clashes, implicit);
error:
    Py_XDECREF(packed);
    Py_DECREF(clashes);
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"feed", (PyCFunction)(void (*)(void))feed, METH_FASTCALL, feed_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(plain_value_doc,
"plain_value(value, identifier) -> bool\n\n"
"True only if the string rules find nothing in `value` (values.plainly_valid_string): the\n"
"screen's judgement of one value, for the full walk of a record that did not pass whole.");

static PyObject *Screener_plain_value(Screener *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "plain_value() takes 2 arguments");
        return NULL;
    }
    if (self->safe_char == NULL || self->is_nfc == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the Screener was not initialised");
        return NULL;
    }
    PyObject *value = args[0];
    int identifier = PyObject_IsTrue(args[1]);
    if (identifier < 0)
        return NULL;
    if (!PyUnicode_Check(value) || PyUnicode_GET_LENGTH(value) > MAX_SHORTEST)
        Py_RETURN_FALSE;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return NULL;
        PyErr_Clear(); /* a lone surrogate: not plain */
        Py_RETURN_FALSE;
    }
    Span v = {s, n};
    Py_ssize_t chars;
    int r = judge(self, v, &chars);
    if (r < 0)
        return NULL;
    if (r == 0 || (identifier && memchr(s, ' ', n) != NULL))
        Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

static PyMethodDef Screener_methods[] = {
    {"screen", (PyCFunction)Screener_screen, METH_O, screen_doc},
    {"screen_block", (PyCFunction)Screener_screen_block, METH_O, screen_block_doc},
    {"plain_value", (PyCFunction)(void (*)(void))Screener_plain_value, METH_FASTCALL,
     plain_value_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Screener_doc,
"Screener(safe_char, is_nfc, reserved, group_urn, complete_address, pass_warned=False)\n\n"
"The clean-user screen over raw JSON lines; see scimguard/profile/screen.py.");

static PyTypeObject ScreenerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "scimguard.profile._screen.Screener",
    .tp_basicsize = sizeof(Screener),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)Screener_traverse,
    .tp_clear = (inquiry)Screener_clear,
    .tp_doc = Screener_doc,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Screener_init,
    .tp_dealloc = (destructor)Screener_dealloc,
    .tp_methods = Screener_methods,
};

/* The names this screen knows, for the test that keeps them equal to profile/schema.py. */
static PyObject *names_of(const Name *names, int count)
{
    PyObject *out = PyFrozenSet_New(NULL);
    if (out == NULL)
        return NULL;
    for (int i = 0; count < 0 ? names[i].s != NULL : i < count; i++) {
        PyObject *name = PyUnicode_FromStringAndSize(names[i].s, names[i].n);
        if (name == NULL || PySet_Add(out, name) < 0) {
            Py_XDECREF(name);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(name);
    }
    return out;
}

/* Every path a warned value may carry, for the test that holds them to the full walk's. */
static PyObject *warned_paths(void)
{
    PyObject *out = PyFrozenSet_New(NULL);
    for (int i = 0; out != NULL && i < K_COUNT * SUBS; i++)
        if (PATHS[i] != NULL && PySet_Add(out, PATHS[i]) < 0)
            Py_CLEAR(out);
    return out;
}

static struct PyModuleDef screen_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_screen",
    .m_doc = "The clean-user screen over raw JSON lines.",
    .m_size = -1,
    .m_methods = module_methods,
};

/* One path string, interned: `a` alone, or a + sep + b. */
static PyObject *path_of(const char *a, const char *sep, const char *b)
{
    PyObject *out = b == NULL ? PyUnicode_FromString(a) : PyUnicode_FromFormat("%s%s%s", a, sep, b);
    if (out != NULL)
        PyUnicode_InternInPlace(&out);
    return out;
}

static int build_paths(void)
{
    const char *urn = TOP[K_ENTERPRISE].s;
    for (int k = 0; k < K_COUNT; k++) {
        const char *top = TOP[k].s;
        if (k <= K_LAST_STRING || k == K_PROFILEURL) {
            if ((PATHS[k * SUBS] = path_of(top, NULL, NULL)) == NULL)
                return -1;
            continue;
        }
        const Name *subs = k == K_NAME ? NAME_SUBS
                           : k == K_ADDRESSES ? ADDRESS_SUBS
                           : k == K_ENTERPRISE ? ENTERPRISE_SUBS
                           : (k == K_EMAILS || k == K_PHONENUMBERS || k == K_ROLES) ? VALUE_TYPE_SUBS
                                                                                     : NULL;
        if (subs == NULL)
            continue;
        const char *sep = k == K_NAME || k == K_ENTERPRISE ? "." : "[0].";
        for (int i = 0; subs[i].s != NULL; i++)
            if ((PATHS[k * SUBS + 1 + i] = path_of(top, sep, subs[i].s)) == NULL)
                return -1;
    }
    if ((PATHS[K_ENTERPRISE * SUBS + MANAGER_VALUE] = path_of(urn, ".", "manager.value")) == NULL ||
        (PATHS[K_ENTERPRISE * SUBS + MANAGER_REF] = path_of(urn, ".", "manager.$ref")) == NULL)
        return -1;
    return 0;
}

PyMODINIT_FUNC PyInit__screen(void)
{
    init_classes();
    build_index(&TOP_INDEX, TOP);
    build_index(&NAME_INDEX, NAME_SUBS);
    build_index(&VALUE_TYPE_INDEX, VALUE_TYPE_SUBS);
    build_index(&ADDRESS_INDEX, ADDRESS_SUBS);
    build_index(&ENTERPRISE_INDEX, ENTERPRISE_SUBS);
    if (build_paths() < 0)
        return NULL;
    if (ZERO == NULL && (ZERO = PyLong_FromLong(0)) == NULL)
        return NULL;
    if (PyType_Ready(&ScreenerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&screen_module);
    if (m == NULL)
        return NULL;
    PyObject *known = Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:N,s:N,s:i,s:i,s:i,s:N}",
        "user_strings", names_of(TOP, K_LAST_STRING + 1),
        "top", names_of(TOP, K_COUNT),
        "name_subs", names_of(NAME_SUBS, -1),
        "value_type_subs", names_of(VALUE_TYPE_SUBS, -1),
        "address_subs", names_of(ADDRESS_SUBS, -1),
        "enterprise_subs", names_of(ENTERPRISE_SUBS, -1),
        "max_username", MAX_USERNAME,
        "max_external_id", MAX_EXTERNAL_ID,
        "max_other", MAX_OTHER,
        "warned_paths", warned_paths());
    int added = known == NULL ? -1 : PyModule_AddObjectRef(m, "KNOWN", known);
    Py_XDECREF(known);
    if (added < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Screener", (PyObject *)&ScreenerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

"""The fixed C text of the native back end: set operations on bitmasks (the prelude every
generated module starts with) and the breadth-first search with its packed-state hash set
(appended after the generated successor and invariant functions).

The generated part defines, between HEADER and PRELUDE, `St`; before the search: `St` (a state with every value unpacked: ints as
int64_t, sets as `pset`), `KEYBYTES`, `NINST`, `NINV`, `NREACH`, `pack(const St *, uint8_t *)`,
`unpack(const uint8_t *, St *)`, `successors(const St *, Ctx *)` (calls `emit(ctx, inst, &t)`
for each successor, in the reference engine's order), `first_failing(const St *)` (-1 or the
index of the first invariant false) and `reach_true(const St *, int k)`.

An evaluation error (a key outside a map, a field of another variant, a value outside its
type, ...) longjmps out of the search, which reports where: the Python side then re-runs that
state through the reference engine to raise the error itself, with its message and trace.
"""

HEADER = r"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

typedef struct { uint64_t w[PSET_W]; } pset;
"""

PRELUDE = r"""
static jmp_buf g_fail;
#define FAIL() longjmp(g_fail, 1)
static int64_t fail_value(void) { longjmp(g_fail, 1); }  /* FAIL() where an expression is needed */
static pset pset_shift(pset a, int64_t by, int64_t n) {  /* bit i to i + by, dropping bits outside [0, n) */
    pset r = {{0}};
    for (int i = 0; i < PSET_W; i++) { uint64_t b = a.w[i]; while (b) { int64_t o = 64 * i + __builtin_ctzll(b) + by; b &= b - 1;
        if (o >= 0 && o < n) r.w[o >> 6] |= (uint64_t)1 << (o & 63); } }
    return r;
}
#define NOFIELD INT64_MIN

static inline pset pset_or(pset a, pset b) { for (int i = 0; i < PSET_W; i++) a.w[i] |= b.w[i]; return a; }
static inline pset pset_and(pset a, pset b) { for (int i = 0; i < PSET_W; i++) a.w[i] &= b.w[i]; return a; }
static inline pset pset_andnot(pset a, pset b) { for (int i = 0; i < PSET_W; i++) a.w[i] &= ~b.w[i]; return a; }
static inline int pset_eq(pset a, pset b) { return memcmp(&a, &b, sizeof a) == 0; }
static inline int pset_sub(pset a, pset b) { for (int i = 0; i < PSET_W; i++) if (a.w[i] & ~b.w[i]) return 0; return 1; }
static inline int pset_has(pset a, int64_t o) { return o >= 0 && o < 64 * PSET_W && (a.w[o >> 6] >> (o & 63) & 1); }
static inline pset pset_add(pset a, int64_t o) { if (o < 0 || o >= 64 * PSET_W) FAIL(); a.w[o >> 6] |= (uint64_t)1 << (o & 63); return a; }
static inline int64_t pset_len(pset a) { int64_t n = 0; for (int i = 0; i < PSET_W; i++) n += __builtin_popcountll(a.w[i]); return n; }
static inline int64_t pset_min(pset a) { for (int i = 0; i < PSET_W; i++) if (a.w[i]) return 64 * i + __builtin_ctzll(a.w[i]); FAIL(); }
static inline int64_t pset_max(pset a) { for (int i = PSET_W - 1; i >= 0; i--) if (a.w[i]) return 64 * i + 63 - __builtin_clzll(a.w[i]); FAIL(); }
static inline int int_eq(int64_t a, int64_t b) { return a == b; }
#define C_EQ(a, b) _Generic((a), pset: pset_eq, default: int_eq)((a), (b))
static inline int64_t py_div(int64_t a, int64_t b) { if (b == 0) FAIL(); int64_t q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) q--; return q; }
static inline int64_t py_mod(int64_t a, int64_t b) { if (b == 0) FAIL(); int64_t r = a % b; if (r != 0 && ((r < 0) != (b < 0))) r += b; return r; }
static const pset PSET0;

typedef struct Ctx Ctx;
static void emit(Ctx *ctx, int64_t inst, const St *t);
"""

SEARCH = r"""
enum { RUNNING = 0, DONE = 1, VIOLATED = 2, DEADLOCK = 3, FULL = 4, FAIL_STEP = 5, FAIL_INV = 6, FAIL_REACH = 7,
       NOMEM = 8 };
#define KEYSTRIDE ((KEYBYTES + 7) / 8 * 8)

struct Ctx {
    uint8_t *keys; uint32_t *parent; uint32_t *via; size_t n, cap, max_states;
    uint32_t *table; size_t tmask;
    size_t head, next_depth_at; int64_t depth;
    uint64_t transitions, nsucc;
    uint8_t fired[NINST > 0 ? NINST : 1];
    int8_t pending[NREACH > 0 ? NREACH : 1]; int npending;
    int64_t reach_index[NREACH > 0 ? NREACH : 1], reach_depth[NREACH > 0 ? NREACH : 1];
    int64_t index; int64_t prop; int status;
    uint8_t buf[KEYSTRIDE];
};

static uint64_t hash_key(const uint8_t *k) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < KEYSTRIDE; i += 8) {
        uint64_t w; memcpy(&w, k + i, 8);
        h ^= w; h *= 0xff51afd7ed558ccdULL; h ^= h >> 32;
    }
    h ^= h >> 29; h *= 0xc4ceb9fe1a85ec53ULL; h ^= h >> 32;
    return h;
}

static int grow(Ctx *c) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    uint8_t *k = realloc(c->keys, cap * KEYSTRIDE);
    if (!k) return 0;
    c->keys = k;
    uint32_t *p = realloc(c->parent, cap * sizeof(uint32_t));
    if (!p) return 0;
    c->parent = p;
    uint32_t *v = realloc(c->via, cap * sizeof(uint32_t));
    if (!v) return 0;
    c->via = v;
    c->cap = cap;
    return 1;
}

static int rehash(Ctx *c) {
    size_t size = (c->tmask + 1) * 2;
    uint32_t *t = calloc(size, sizeof(uint32_t));
    if (!t) return 0;
    free(c->table);
    c->table = t;
    c->tmask = size - 1;
    for (size_t i = 0; i < c->n; i++) {
        size_t j = hash_key(c->keys + i * KEYSTRIDE) & c->tmask;
        while (t[j]) j = (j + 1) & c->tmask;
        t[j] = (uint32_t)(i + 1);
    }
    return 1;
}

/* The index of the state whose key is in c->buf, added when new (*fresh = 1); -1: full; -2: no memory. */
static int64_t intern(Ctx *c, uint32_t parent, uint32_t via, int *fresh) {
    size_t j = hash_key(c->buf) & c->tmask;
    uint32_t e;
    while ((e = c->table[j])) {
        if (memcmp(c->keys + (size_t)(e - 1) * KEYSTRIDE, c->buf, KEYSTRIDE) == 0) { *fresh = 0; return e - 1; }
        j = (j + 1) & c->tmask;
    }
    if (c->n >= c->max_states) return -1;
    if (c->n == c->cap && !grow(c)) return -2;
    memcpy(c->keys + c->n * KEYSTRIDE, c->buf, KEYSTRIDE);
    c->parent[c->n] = parent;
    c->via[c->n] = via;
    c->table[j] = (uint32_t)(c->n + 1);
    *fresh = 1;
    int64_t i = c->n++;
    if (c->n * 4 > (c->tmask + 1) * 3 && !rehash(c)) return -2;
    return i;
}

Ctx *ps_new(int64_t max_states) {
    Ctx *c = calloc(1, sizeof(Ctx));
    if (!c) return 0;
    c->max_states = (size_t)max_states;
    c->tmask = 1023;
    c->table = calloc(1024, sizeof(uint32_t));
    if (!c->table) { free(c); return 0; }
    for (int k = 0; k < NREACH; k++) { c->pending[k] = 1; c->reach_index[k] = -1; }
    c->npending = NREACH;
    return c;
}

void ps_free(Ctx *c) { if (c) { free(c->keys); free(c->parent); free(c->via); free(c->table); free(c); } }

/* An initial state, as a key the Python side packed: its index, -1 when stored already, -2 full, -3 no memory. */
int64_t ps_add_initial(Ctx *c, const uint8_t *key) {
    memset(c->buf, 0, KEYSTRIDE);
    memcpy(c->buf, key, KEYBYTES);
    int fresh;
    int64_t i = intern(c, UINT32_MAX, UINT32_MAX, &fresh);
    if (i == -1) return -2;
    if (i == -2) return -3;
    if (!fresh) return -1;
    c->next_depth_at = c->n;
    return i;
}

void ps_reached(Ctx *c, int k) { if (c->pending[k]) { c->pending[k] = 0; c->npending--; } }

static Ctx *g_ctx;
static int64_t g_stop;

/* One state's successors collected instead of searched (ps_successors, for the differential tests). */
static uint8_t *g_out; static int64_t *g_insts; static int64_t g_count, g_cap;

static void emit(Ctx *c, int64_t inst, const St *t) {
    if (g_out) {
        if (g_count < g_cap) {
            memset(g_out + g_count * KEYSTRIDE, 0, KEYSTRIDE);
            pack(t, g_out + g_count * KEYSTRIDE);
            g_insts[g_count] = inst;
        }
        g_count++;
        return;
    }
    c->nsucc++;
    if (g_stop) return;
    c->fired[inst] = 1;
    memset(c->buf, 0, KEYSTRIDE);
    pack(t, c->buf);
    int fresh;
    int64_t i = intern(c, (uint32_t)c->head, (uint32_t)inst, &fresh);
    if (i < 0) { c->status = i == -1 ? FULL : NOMEM; g_stop = 1; return; }
    if (!fresh) return;
    c->status = FAIL_INV; c->index = i;
    int bad = first_failing(t);
    if (c->npending) {
        c->status = FAIL_REACH;
        for (int k = 0; k < NREACH; k++)
            if (c->pending[k] && reach_true(t, k)) {
                c->pending[k] = 0; c->npending--; c->reach_index[k] = i; c->reach_depth[k] = c->depth + 1;
            }
    }
    c->status = RUNNING;
    if (bad >= 0) { c->status = VIOLATED; c->index = i; c->prop = bad; g_stop = 1; }
}

/* Expand up to `budget` states; the status (RUNNING: budget spent, call again). */
int ps_run(Ctx *c, int64_t budget, int deadlock) {
    St s;
    g_ctx = c;
    g_stop = 0;
    if (c->status != RUNNING) return c->status;
    if (setjmp(g_fail)) {
        if (c->status == RUNNING) { c->status = FAIL_STEP; c->index = c->head; }
        return c->status;
    }
    while (budget-- > 0) {
        if (c->head >= c->n) { c->status = DONE; return DONE; }
        if (c->head == c->next_depth_at) { c->depth++; c->next_depth_at = c->n; }
        unpack(c->keys + c->head * KEYSTRIDE, &s);
        c->nsucc = 0;
        successors(&s, c);
        c->transitions += c->nsucc;
        if (g_stop) return c->status;
        if (deadlock && c->nsucc == 0) { c->status = DEADLOCK; c->index = c->head; return DEADLOCK; }
        c->head++;
    }
    return RUNNING;
}

int64_t ps_count(Ctx *c) { return c->n; }
int64_t ps_head(Ctx *c) { return c->head; }
int64_t ps_depth(Ctx *c) { return c->depth; }
int64_t ps_index(Ctx *c) { return c->index; }
int64_t ps_prop(Ctx *c) { return c->prop; }
int64_t ps_transitions(Ctx *c) { return c->transitions; }
int64_t ps_parent(Ctx *c, int64_t i) { return c->parent[i] == UINT32_MAX ? (int64_t)-1 : (int64_t)c->parent[i]; }
int64_t ps_via(Ctx *c, int64_t i) { return c->via[i] == UINT32_MAX ? (int64_t)-1 : (int64_t)c->via[i]; }
void ps_key(Ctx *c, int64_t i, uint8_t *out) { memcpy(out, c->keys + i * KEYSTRIDE, KEYBYTES); }
void ps_fired(Ctx *c, uint8_t *out) { memcpy(out, c->fired, NINST); }
int64_t ps_reach_index(Ctx *c, int k) { return c->reach_index[k]; }
int64_t ps_reach_depth(Ctx *c, int k) { return c->reach_depth[k]; }
int64_t ps_bytes(Ctx *c) { return (int64_t)(c->cap * (KEYSTRIDE + 8) + (c->tmask + 1) * 4); }

/* The successors of the state `key` into `out` (KEYSTRIDE bytes each) and `insts`: how many
   (more than `cap`: call again with room), or -1 when evaluating them fails. */
int64_t ps_successors(const uint8_t *key, uint8_t *out, int64_t *insts, int64_t cap) {
    St s;
    uint8_t k[KEYSTRIDE] = {0};
    memcpy(k, key, KEYBYTES);
    unpack(k, &s);
    g_out = out; g_insts = insts; g_count = 0; g_cap = cap;
    if (setjmp(g_fail)) { g_out = 0; return -1; }
    successors(&s, 0);
    g_out = 0;
    return g_count;
}

/* The index of the first invariant false in the state `key`, -1 when all hold, -2 when one fails to evaluate. */
int64_t ps_first_failing(const uint8_t *key) {
    St s;
    uint8_t k[KEYSTRIDE] = {0};
    memcpy(k, key, KEYBYTES);
    unpack(k, &s);
    if (setjmp(g_fail)) return -2;
    return first_failing(&s);
}
"""

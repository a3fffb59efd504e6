/*
 * fuzz_tachc.c - libFuzzer target: the schema compiler on arbitrary input.
 *
 * The input is a .tach file, optionally followed by a line "%%LOCK" and the
 * text of a lock file. Each run calls the compiler library (tachc.h) in
 * memory, as `tachc gen` and `tachc check` would: the schema is source
 * "fuzz.tach" next to "common.tach" (a copy of schemas/common.tach read once at
 * start, or a stand-in), so `import "common.tach";` resolves; then parse,
 * semantic checks, layout, fingerprints, the lock text, the lock check and
 * every registered emitter. No file is written. Diagnostics go to /dev/null.
 *
 * Whatever the input, the compiler must end with a program or with reported
 * errors: ASan/UBSan turn any invalid access into a crash, and a program that
 * compiled must satisfy the invariants checked below.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "tachc.h"

static char *common_text;
static size_t common_len;
static FILE *devnull;

/* schemas/common.tach (or a stand-in), so `import` reaches a second file. */
static void load_common(void)
{
    static const char stand_in[] =
        "schema common;\n"
        "/// A shared enum.\n"
        "enum Side : u8 { Buy = 1; Sell = 2; }\n"
        "flags Mask : u16 { A = 1; B = 2; }\n"
        "const LIMIT : u32 = 4;\n"
        "struct Point size 16 { x @0 : f64; y @8 : f64; }\n"
        "messages { 0 = Nothing; 1 = P : Point; }\n";
    static char text[16384];
    FILE *real = fopen("schemas/common.tach", "rb");
    size_t n = 0;

    if (real) { /* run from the repository root: the real one */
        n = fread(text, 1, sizeof(text), real);
        fclose(real);
    }
    if (n > 0 && n < sizeof(text)) {
        common_text = text;
        common_len = n;
    } else {
        common_text = (char *)stand_in;
        common_len = sizeof(stand_in) - 1;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    load_common();
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

static void check_program(const tc_program *prog)
{
    size_t nlangs;
    const tc_lang *table = tachc_langs(&nlangs);
    const tc_lang **langs = calloc(nlangs, sizeof(*langs));
    tc_outputs *outs = calloc(nlangs, sizeof(*outs));
    tachc_options opts;
    tc_buf lock = {0};

    if (!langs || !outs)
        abort();
    tachc_options_init(&opts);
    for (size_t k = 0; k < nlangs; k++)
        langs[k] = &table[k];
    opts.langs = langs;
    opts.nlangs = nlangs;
    (void)tachc_emit(prog, &opts, outs); /* an emitter may refuse; it must not crash */
    for (size_t k = 0; k < nlangs; k++) {
        for (size_t j = 0; j < outs[k].n; j++) {
            const tc_output *o = &outs[k].items[j];
            /* Every output has a name and its bytes are readable to the end. */
            if (!o->relpath || !*o->relpath)
                abort();
            if (o->text.len && !o->text.oom && memchr(o->text.data, '\0', o->text.len))
                abort(); /* generated source never holds a NUL byte */
        }
        outputs_free(&outs[k]);
    }
    free(outs);
    free(langs);
    lock_write(&lock, prog);
    if (!lock.oom && lock.data) {
        /* The program is the same layout as its own lock. */
        char *text = strndup(lock.data, lock.len);
        if (!text)
            abort();
        if (lock_check("self.lock", text, prog, devnull, devnull) != LOCK_SAME)
            abort();
        free(text);
    }
    buf_free(&lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n%%LOCK\n";
    const uint8_t *lock_text = NULL;
    size_t schema_len = size, lock_len = 0;
    tc_arena arena = {0};
    tc_diag diag;
    tc_program *prog;

    if (size > 64 * 1024)
        return 0;
    const uint8_t *hit = memmem(data, size, sep, sizeof(sep) - 1);
    if (hit) {
        schema_len = (size_t)(hit - data);
        lock_text = hit + sizeof(sep) - 1;
        lock_len = size - schema_len - (sizeof(sep) - 1);
    }
    tachc_source sources[2] = {{"fuzz.tach", (const char *)data, schema_len}, {"common.tach", common_text, common_len}};
    diag_init(&diag, &arena, devnull);
    prog = tachc_compile_memory(&arena, &diag, sources, 2, 1);
    diag_flush(&diag);
    if (prog) {
        if (diag.errors != 0)
            abort(); /* a program came back although errors were reported */
        check_program(prog);
        if (lock_text) {
            char *text = strndup((const char *)lock_text, lock_len);
            if (!text)
                abort();
            int rc = lock_check("fuzz.lock", text, prog, devnull, devnull);
            if (rc != -1 && rc != LOCK_SAME && rc != LOCK_COMPATIBLE && rc != LOCK_BREAKING)
                abort();
            free(text);
        }
    } else if (diag.errors == 0) {
        abort(); /* a failed compile must say why */
    }
    arena_free(&arena);
    return 0;
}

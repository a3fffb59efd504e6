/*
 * fuzz_tachc.c - libFuzzer target: the schema compiler on arbitrary input.
 *
 * The input is a .tach file, optionally followed by a line "%%LOCK" and the
 * text of a lock file. Each run writes the schema into a private directory
 * (next to a copy of schemas/common.tach, so imports resolve) and runs what
 * `tachc gen` and `tachc check` run, all in memory: parse, semantic checks,
 * layout, fingerprints, the lock text, the lock check, and the four emitters.
 * Nothing is written but the input file. Diagnostics go to /dev/null.
 *
 * Whatever the input, the compiler must end with a program or with reported
 * errors: ASan/UBSan turn any invalid access into a crash, and a program that
 * compiled must satisfy the invariants checked below.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "emit.h"
#include "lock.h"
#include "sema.h"

const char *tachc_go_module = "tachyon.local/generated";

static char dir[64];
static char schema_path[96];
static FILE *devnull;

static void write_whole(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* schemas/common.tach (or a stand-in) next to the input, so `import` reaches
 * a second file (and a cycle back to fuzz.tach is possible). */
static void install_common(void)
{
    static const char common[] =
        "schema common;\n"
        "/// A shared enum.\n"
        "enum Side : u8 { Buy = 1; Sell = 2; }\n"
        "flags Mask : u16 { A = 1; B = 2; }\n"
        "const LIMIT : u32 = 4;\n"
        "struct Point size 16 { x @0 : f64; y @8 : f64; }\n"
        "messages { 0 = Nothing; 1 = P : Point; }\n";
    char path[128], text[16384];
    FILE *real = fopen("schemas/common.tach", "rb");
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/common.tach", dir);
    if (real) { /* run from the repository root: the real one */
        n = fread(text, 1, sizeof(text), real);
        fclose(real);
    }
    if (n > 0 && n < sizeof(text))
        write_whole(path, text, n);
    else
        write_whole(path, common, sizeof(common) - 1);
}

static void remove_dir_of(const char *d)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/common.tach", d);
    unlink(path);
    snprintf(path, sizeof(path), "%s/fuzz.tach", d);
    unlink(path);
    rmdir(d);
}

static void remove_dir(void)
{
    remove_dir_of(dir);
}

/* libFuzzer sometimes leaves with _Exit: sweep the directories of runs whose
 * process is gone. */
static void sweep_stale_dirs(void)
{
    DIR *t = opendir("/tmp");
    struct dirent *e;
    if (!t)
        return;
    while ((e = readdir(t)) != NULL) {
        long pid;
        char d[300];
        if (sscanf(e->d_name, "tachc-fuzz-%ld", &pid) != 1 || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(d, sizeof(d), "/tmp/%s", e->d_name);
        remove_dir_of(d);
    }
    closedir(t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sweep_stale_dirs();
    snprintf(dir, sizeof(dir), "/tmp/tachc-fuzz-%ld", (long)getpid());
    (void)mkdir(dir, 0700);
    snprintf(schema_path, sizeof(schema_path), "%s/fuzz.tach", dir);
    install_common();
    atexit(remove_dir);
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

static void check_program(const tc_program *prog)
{
    tc_outputs outs[4];
    int (*const emitters[4])(const tc_program *, tc_outputs *) = {emit_c, emit_rust, emit_python, emit_go};
    tc_buf lock = {0};

    memset(outs, 0, sizeof(outs));
    for (int k = 0; k < 4; k++) {
        if (emitters[k](prog, &outs[k]) != 0)
            continue; /* an emitter may refuse; it must not crash */
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
    const char *paths[1] = {schema_path};
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
    write_whole(schema_path, data, schema_len);
    diag_init(&diag, &arena, devnull);
    prog = tc_compile(&arena, &diag, paths, 1);
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

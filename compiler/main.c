/* main.c - the tachc command line: gen, lock, check, layout.
 *
 * Exit status: 0 success; 1 schema errors (or a file that cannot be read or
 * written); 2 usage errors; `check` also 4 (compatible drift) and 8 (breaking). */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arena.h"
#include "diag.h"
#include "emit.h"
#include "lock.h"
#include "sema.h"

#define EXIT_SCHEMA 1
#define EXIT_USAGE 2

/* The Go import path of the generated packages (`--go-module`); read by emit_go.c. */
const char *tachc_go_module = "tachyon.local/generated";

static const char usage_text[] =
    "usage: tachc <command> [options] FILE.tach...\n"
    "\n"
    "commands:\n"
    "  gen --lang LANG [--lang LANG ...] --out DIR [--go-module PATH] FILE.tach...\n"
    "        generate accessors; LANG is c, rust, python or go; writes DIR/LANG/...\n"
    "        (nothing is written when any error is found)\n"
    "  lock FILE.tach...\n"
    "        print the ABI lock (stable, sorted text) of the schemas and their imports\n"
    "  check --lock LOCKFILE FILE.tach...\n"
    "        compare the schemas with a lock: exit 0 same, 4 compatible change,\n"
    "        8 breaking change; one line per finding\n"
    "  layout FILE.tach [TYPE]\n"
    "        print the byte map of each struct (or of TYPE)\n"
    "\n"
    "options:\n"
    "  -h, --help     this text\n"
    "  --version      the version\n"
    "\n"
    "exit status: 0 ok, 1 schema errors, 2 usage errors; check: 0, 4 or 8\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("tachc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try 'tachc --help')\n", stderr);
    return EXIT_USAGE;
}

/* ---- gen -------------------------------------------------------------------- */

typedef int (*emitter_fn)(const tc_program *, tc_outputs *);

static const struct {
    const char *name;
    emitter_fn fn;
} languages[] = {
    {"c", emit_c},
    {"rust", emit_rust},
    {"python", emit_python},
    {"go", emit_go},
};

#define NLANG (sizeof languages / sizeof languages[0])

/* Creates every missing directory of path up to its last '/'. */
static int make_parents(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0777);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

static int write_file(const char *path, const char *data, size_t len)
{
    char *tmp = malloc(strlen(path) + 1);
    if (!tmp)
        return -1;
    strcpy(tmp, path);
    int rc = make_parents(tmp);
    free(tmp);
    if (rc)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    int bad = put != len;
    if (fclose(f) != 0)
        bad = 1;
    return bad ? -1 : 0;
}

typedef struct emit_job {
    emitter_fn fn;
    const tc_program *prog;
    tc_outputs *out;
    int rc;
} emit_job;

static void *emit_job_run(void *arg)
{
    emit_job *job = arg;
    job->rc = job->fn(job->prog, job->out);
    for (size_t j = 0; j < job->out->n && job->rc == 0; j++) {
        if (job->out->items[j].text.oom) {
            fprintf(stderr, "tachc: out of memory\n");
            job->rc = -1;
        }
    }
    return NULL;
}

/* Runs the wanted emitters, each on its own thread: they only read the model
 * and each fills its own output set, so they share nothing mutable. Returns 0
 * when every one succeeded. */
static int run_emitters(const tc_program *prog, const bool *want, tc_outputs *outs)
{
    emit_job jobs[NLANG];
    pthread_t threads[NLANG];
    bool started[NLANG] = {false};
    for (size_t k = 0; k < NLANG; k++) {
        jobs[k].fn = languages[k].fn;
        jobs[k].prog = prog;
        jobs[k].out = &outs[k];
        jobs[k].rc = 0;
        if (want[k])
            started[k] = pthread_create(&threads[k], NULL, emit_job_run, &jobs[k]) == 0;
    }
    int rc = 0;
    for (size_t k = 0; k < NLANG; k++) {
        if (!want[k])
            continue;
        if (started[k])
            pthread_join(threads[k], NULL);
        else
            emit_job_run(&jobs[k]); /* no thread to be had: run it here */
        if (jobs[k].rc != 0)
            rc = -1;
    }
    return rc;
}

static int cmd_gen(int argc, char **argv)
{
    bool want[NLANG] = {false};
    bool any = false;
    const char *out = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;
    int rc = EXIT_USAGE;
    if (!files)
        return EXIT_SCHEMA;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--lang") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--go-module") == 0) {
            if (i + 1 >= argc) {
                rc = usage_error("option '%s' needs a value", a);
                goto done;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--out") == 0) {
                out = v;
            } else if (strcmp(a, "--go-module") == 0) {
                tachc_go_module = v;
            } else {
                size_t k = 0;
                while (k < NLANG && strcmp(languages[k].name, v) != 0)
                    k++;
                if (k == NLANG) {
                    rc = usage_error("unknown language '%s'; use c, rust, python or go", v);
                    goto done;
                }
                want[k] = any = true;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = usage_error("unknown option '%s' for gen", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    if (!any) {
        rc = usage_error("%s", "gen needs at least one --lang (c, rust, python or go)");
        goto done;
    }
    if (!out) {
        rc = usage_error("%s", "gen needs --out DIR");
        goto done;
    }
    if (nfiles == 0) {
        rc = usage_error("%s", "gen needs at least one FILE.tach");
        goto done;
    }
    tc_arena arena = {0};
    tc_diag diag;
    diag_init(&diag, &arena, stderr);
    tc_program *prog = tc_compile(&arena, &diag, files, nfiles);
    tc_outputs outs[NLANG];
    memset(outs, 0, sizeof outs);
    rc = prog ? 0 : EXIT_SCHEMA;
    if (rc == 0 && run_emitters(prog, want, outs) != 0)
        rc = EXIT_SCHEMA;
    /* everything is in memory: write it only now that every emitter succeeded */
    for (size_t k = 0; k < NLANG && rc == 0; k++) {
        for (size_t j = 0; j < outs[k].n && rc == 0; j++) {
            const tc_output *o = &outs[k].items[j];
            size_t n = strlen(out) + strlen(languages[k].name) + strlen(o->relpath) + 3;
            char *path = malloc(n);
            if (!path) {
                rc = EXIT_SCHEMA;
                break;
            }
            snprintf(path, n, "%s/%s/%s", out, languages[k].name, o->relpath);
            if (write_file(path, o->text.data ? o->text.data : "", o->text.len)) {
                fprintf(stderr, "tachc: cannot write '%s': %s\n", path, strerror(errno));
                rc = EXIT_SCHEMA;
            }
            free(path);
        }
    }
    for (size_t k = 0; k < NLANG; k++)
        outputs_free(&outs[k]);
    arena_free(&arena);
done:
    free(files);
    return rc;
}

/* ---- lock, check ------------------------------------------------------------ */

static int cmd_lock(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage_error("unknown option '%s' for lock", argv[i]);
    if (argc == 0)
        return usage_error("%s", "lock needs at least one FILE.tach");
    tc_arena arena = {0};
    tc_diag diag;
    diag_init(&diag, &arena, stderr);
    tc_program *prog = tc_compile(&arena, &diag, (const char *const *)argv, (size_t)argc);
    int rc = EXIT_SCHEMA;
    if (prog) {
        tc_buf b = {0};
        lock_write(&b, prog);
        if (!b.oom && fwrite(b.data, 1, b.len, stdout) == b.len && fflush(stdout) == 0)
            rc = 0;
        else
            fprintf(stderr, "tachc: cannot write the lock\n");
        buf_free(&b);
    }
    arena_free(&arena);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    tc_buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_put(&b, chunk, n);
    int bad = ferror(f) || b.oom;
    fclose(f);
    if (bad) {
        buf_free(&b);
        return NULL;
    }
    if (!b.data)
        buf_puts(&b, "");
    return b.data;
}

static int cmd_check(int argc, char **argv)
{
    const char *lock_path = NULL;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--lock") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", argv[i]);
            lock_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("unknown option '%s' for check", argv[i]);
        } else {
            argv[nfiles++] = argv[i];
        }
    }
    if (!lock_path)
        return usage_error("%s", "check needs --lock LOCKFILE");
    if (nfiles == 0)
        return usage_error("%s", "check needs at least one FILE.tach");
    char *text = slurp(lock_path);
    if (!text) {
        fprintf(stderr, "tachc: cannot read lock file '%s': %s\n", lock_path, strerror(errno));
        return EXIT_SCHEMA;
    }
    tc_arena arena = {0};
    tc_diag diag;
    diag_init(&diag, &arena, stderr);
    tc_program *prog = tc_compile(&arena, &diag, (const char *const *)argv, (size_t)nfiles);
    int rc = EXIT_SCHEMA;
    if (prog) {
        rc = lock_check(lock_path, text, prog, stdout, stderr);
        if (rc < 0)
            rc = EXIT_SCHEMA;
    }
    free(text);
    arena_free(&arena);
    return rc;
}

/* ---- layout ----------------------------------------------------------------- */

static void print_struct_layout(const tc_struct *st)
{
    tc_buf t = {0};
    int wname = 5, wtype = 4, wrange = 5;
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        int n = (int)strlen(f->name);
        if (n > wname)
            wname = n;
        t.len = 0;
        lock_type_name(&t, &f->type);
        if ((int)t.len > wtype)
            wtype = (int)t.len;
        char r[48];
        n = snprintf(r, sizeof r, "%" PRIu64 "..%" PRIu64, f->offset, f->offset + f->size - 1);
        if (n > wrange)
            wrange = n;
    }
    printf("struct %s.%s: %" PRIu64 " bytes, align %u, fingerprint 0x%016" PRIx64 "\n", st->schema->name, st->name,
           st->size, st->align, st->fingerprint);
    printf("  %-*s  %6s  %-*s  %s\n", wrange, "bytes", "size", wname, "field", "type");
    for (size_t i = 0; i < st->nfields; i++) {
        const tc_field *f = &st->fields[i];
        char r[48];
        snprintf(r, sizeof r, "%" PRIu64 "..%" PRIu64, f->offset, f->offset + f->size - 1);
        t.len = 0;
        lock_type_name(&t, &f->type);
        const char *type = t.data ? t.data : "";
        if (f->type.kind == TC_T_PAD)
            printf("  %-*s  %6" PRIu64 "  %-*s  %s  (padding)\n", wrange, r, f->size, wname, f->name, type);
        else
            printf("  %-*s  %6" PRIu64 "  %-*s  %s\n", wrange, r, f->size, wname, f->name, type);
    }
    buf_free(&t);
}

static int cmd_layout(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage_error("unknown option '%s' for layout", argv[i]);
    if (argc < 1 || argc > 2)
        return usage_error("%s", "layout needs FILE.tach and at most one TYPE");
    tc_arena arena = {0};
    tc_diag diag;
    diag_init(&diag, &arena, stderr);
    const char *file = argv[0];
    tc_program *prog = tc_compile(&arena, &diag, &file, 1);
    int rc = EXIT_SCHEMA;
    if (prog) {
        const char *want = argc == 2 ? argv[1] : NULL;
        int shown = 0;
        for (size_t i = 0; i < prog->nschemas; i++) {
            const tc_schema *sc = prog->schemas[i];
            for (size_t j = 0; j < sc->nstructs; j++) {
                const tc_struct *st = &sc->structs[j];
                size_t sl = strlen(sc->name);
                bool match = want ? strcmp(want, st->name) == 0 ||
                                        (strncmp(want, sc->name, sl) == 0 && want[sl] == '.' &&
                                         strcmp(want + sl + 1, st->name) == 0)
                                  : sc->is_root;
                if (!match)
                    continue;
                if (shown++)
                    putchar('\n');
                print_struct_layout(st);
            }
        }
        rc = 0;
        if (want && !shown)
            rc = usage_error("no struct named '%s' in the schema", want);
    }
    arena_free(&arena);
    return rc;
}

int main(int argc, char **argv)
{
    /* The emitter threads allocate and free many small names while their
     * output buffers grow; without slack glibc grows and trims each thread's
     * heap thousands of times (an mprotect each: a third of a large run). */
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (argc < 2)
        return usage_error("%s", "missing command: gen, lock, check or layout");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("tachc %s\n", TACHC_VERSION);
        return 0;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
    }
    if (strcmp(cmd, "gen") == 0)
        return cmd_gen(argc - 2, argv + 2);
    if (strcmp(cmd, "lock") == 0)
        return cmd_lock(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "layout") == 0)
        return cmd_layout(argc - 2, argv + 2);
    return usage_error("unknown command '%s'; use gen, lock, check or layout", cmd);
}

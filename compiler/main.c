/* main.c - the tachc command line (gen, lock, check, layout) over the library
 * in tachc.h; it parses arguments and prints, nothing else.
 *
 * Exit status: 0 success; 1 schema errors (or a file that cannot be read or
 * written); 2 usage errors; `check` also 4 (compatible drift) and 8 (breaking). */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "lock.h"
#include "tachc.h"

#define EXIT_SCHEMA 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: tachc <command> [options] FILE.tach...\n"
    "\n"
    "commands:\n"
    "  gen --lang LANG [--lang LANG ...] --out DIR [--go-module PATH] FILE.tach...\n"
    "        generate accessors; LANG is c, rust, python, go, java or kotlin; writes DIR/LANG/...\n"
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

/* "c, rust, python or go": the registered languages, for messages. */
static void lang_list(tc_buf *b)
{
    size_t n;
    const tc_lang *langs = tachc_langs(&n);
    for (size_t k = 0; k < n; k++)
        buf_printf(b, "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", langs[k].name);
}

static int cmd_gen(int argc, char **argv)
{
    size_t nlang;
    const tc_lang *table = tachc_langs(&nlang);
    bool *want = calloc(nlang, sizeof *want);
    const tc_lang **langs = calloc(nlang, sizeof *langs);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    tc_buf list = {0};
    tachc_options opts;
    size_t nfiles = 0;
    int rc = EXIT_USAGE;
    tachc_options_init(&opts);
    lang_list(&list);
    if (!want || !langs || !files || list.oom) {
        rc = EXIT_SCHEMA;
        goto done;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--lang") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--go-module") == 0) {
            if (i + 1 >= argc) {
                rc = usage_error("option '%s' needs a value", a);
                goto done;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--out") == 0) {
                opts.out_dir = v;
            } else if (strcmp(a, "--go-module") == 0) {
                opts.go_module = v;
            } else {
                const tc_lang *l = tachc_lang_find(v);
                if (!l) {
                    fprintf(stderr, "tachc: unknown language '%s'; use %s (try 'tachc --help')\n", v, list.data);
                    goto done;
                }
                want[l - table] = true;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = usage_error("unknown option '%s' for gen", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    /* one run per language, in table order, however often --lang named it */
    for (size_t k = 0; k < nlang; k++)
        if (want[k])
            langs[opts.nlangs++] = &table[k];
    opts.langs = langs;
    if (opts.nlangs == 0) {
        fprintf(stderr, "tachc: gen needs at least one --lang (%s) (try 'tachc --help')\n", list.data);
        goto done;
    }
    if (!opts.out_dir) {
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
    tc_program *prog = tachc_compile_files(&arena, &diag, files, nfiles);
    rc = prog && tachc_generate(prog, &opts) == 0 ? 0 : EXIT_SCHEMA;
    arena_free(&arena);
done:
    buf_free(&list);
    free(want);
    free(langs);
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
    tc_program *prog = tachc_compile_files(&arena, &diag, (const char *const *)argv, (size_t)argc);
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
    tc_program *prog = tachc_compile_files(&arena, &diag, (const char *const *)argv, (size_t)nfiles);
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
        abi_type_name(&t, &f->type);
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
        abi_type_name(&t, &f->type);
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
    tc_program *prog = tachc_compile_files(&arena, &diag, &file, 1);
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

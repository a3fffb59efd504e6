/*
 * tachc.h - the schema compiler as a library. The pipeline:
 *
 *   tachc_compile_files / tachc_compile_memory   .tach text -> the model (model.h)
 *   tachc_emit                                   model -> each language's files, in memory
 *   tachc_generate                               tachc_emit, then write them under a folder
 *
 * The front end (lexer, parser, ast, scope, sema, layout, abi) builds the model;
 * the emitters (emit_*.c) and lock.c only read it. Nothing here is global: what
 * a run needs travels in tachc_options. main.c is the command line over this;
 * tests/fuzz/fuzz_tachc.c drives the same calls in memory.
 */
#ifndef TACHC_H
#define TACHC_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "model.h"

#define TACHC_VERSION "0.1.0"

/* ---- compile ---------------------------------------------------------------- */

/* Compiles the files named (the roots) and what they import, read from disk.
 * Returns the program (memory in `a`), or NULL when any error was reported
 * through d (diag_flush has printed them). */
tc_program *tachc_compile_files(tc_arena *a, tc_diag *d, const char *const *paths, size_t npaths);

/* One schema file held in memory. */
typedef struct tachc_source {
    const char *path; /* the name errors show; imports are resolved against it */
    const char *text;
    size_t len;
} tachc_source;

/* Compiles from memory, never touching the disk: the first `nroots` sources
 * are the roots; an import names a source by its path joined to the
 * importer's folder ("dir/a.tach" imports "b.tach" -> "dir/b.tach"), and a
 * path that is no source is reported like a missing file. */
tc_program *tachc_compile_memory(tc_arena *a, tc_diag *d, const tachc_source *sources, size_t nsources,
                                 size_t nroots);

/* ---- generate --------------------------------------------------------------- */

/* One generated file, in memory. */
typedef struct tc_output {
    char *relpath; /* relative to the language folder, e.g. "market.h" or "market/market.go" */
    tc_buf text;
} tc_output;

/* The files one language generates. */
typedef struct tc_outputs {
    tc_output *items;
    size_t n, cap;
    tc_buf errors; /* "file:line:col: error: ..." lines of schema names this language refuses */
} tc_outputs;

/* Adds a new, empty output file and returns its buffer (NULL on OOM). */
tc_buf *outputs_add(tc_outputs *o, const char *relpath);
void outputs_free(tc_outputs *o);

struct tc_lang;

#define TACHC_GO_MODULE_DEFAULT "tachyon.local/generated"

/* What a generation run needs besides the model. Start from
 * tachc_options_init and set what differs. */
typedef struct tachc_options {
    const struct tc_lang *const *langs; /* the languages to emit (tachc_lang_find) */
    size_t nlangs;
    const char *out_dir;   /* tachc_generate writes out_dir/<lang>/<relpath> */
    const char *go_module; /* the Go import path of out_dir/go (--go-module) */
} tachc_options;

void tachc_options_init(tachc_options *o);

/* Runs the emitters of opts->langs (each on its own thread: they only read
 * the model); outs[i] receives the files of opts->langs[i]. Returns 0, or -1
 * after printing why to stderr: the names a language refuses (its errors, in
 * language order), or an internal failure such as OOM. The caller frees each
 * outs[i] with outputs_free, also on failure. */
int tachc_emit(const tc_program *prog, const tachc_options *opts, tc_outputs *outs);

/* tachc_emit, then writes every file under opts->out_dir, and only when every
 * emitter succeeded (on error nothing is written). Returns 0, or -1 after
 * printing why to stderr. */
int tachc_generate(const tc_program *prog, const tachc_options *opts);

/* ---- languages (the table is in langs.h) ----------------------------------- */

/* The emitter of one language: appends its files for every schema of the
 * program (imports included, so the output folder is self-contained); returns
 * 0, or -1 after printing a message to stderr (internal failure only). */
typedef int (*tc_emit_fn)(const tc_program *prog, const tachc_options *opts, tc_outputs *out);

typedef struct tc_lang {
    const char *name;     /* for --lang and the output folder */
    tc_emit_fn emit;
    int names;            /* its naming rules: a tc_names_lang (names.h) */
    const char *support;  /* its support code, a path under compiler/support/, or NULL */
} tc_lang;

/* The registered languages, in table order; *n receives their count. */
const tc_lang *tachc_langs(size_t *n);
/* The language registered as `name`, or NULL. */
const tc_lang *tachc_lang_find(const char *name);

#endif

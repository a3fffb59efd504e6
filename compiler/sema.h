/*
 * sema.h - from .tach files to the resolved model (model.h): loads every file
 * and its imports, parses them, resolves names, checks every rule, computes the
 * layout and the fingerprints. Internal declarations shared with layout.c
 * follow the public entry point.
 */
#ifndef TACHC_SEMA_H
#define TACHC_SEMA_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "model.h"

/* Compiles the files named on the command line (and what they import). Returns
 * the program, or NULL when any error was reported through d. */
tc_program *tc_compile(tc_arena *a, tc_diag *d, const char *const *paths, size_t npaths);

/* ---- internal: shared by sema.c and layout.c -------------------------------- */

typedef enum sema_sym_kind { SYM_CONST, SYM_ENUM, SYM_STRUCT } sema_sym_kind;
typedef enum sema_state { ST_TODO, ST_BUSY, ST_DONE, ST_FAILED } sema_state;

struct sema_schema;

typedef struct sema_sym {
    sema_sym_kind kind;
    const ast_decl *decl;
    struct sema_schema *owner;
    sema_state state;   /* STRUCT: layout progress (recursion detection) */
    bool ordered;       /* STRUCT: has its slot in the model (order_struct) */
    tc_const *cnst;
    tc_enum *en;
    tc_struct *st;
} sema_sym;

typedef struct sema_schema {
    const char *path;     /* as shown in messages */
    const ast_file *ast;
    tc_schema *model;
    tc_map names;         /* declared name -> sema_sym */
    struct sema_schema **imports;
    size_t nimports;
    sema_state load;      /* BUSY while its imports load: a cycle back to it is an error */
} sema_schema;

typedef struct sema {
    tc_arena *arena;
    tc_diag *diag;
    tc_map files;         /* real path -> sema_schema */
    sema_schema **order;  /* dependency order */
    size_t n, cap;
    sema_schema **stack;  /* files being loaded, for the import cycle message */
    size_t depth, stack_cap;
    sema_sym **busy;      /* structs being laid out, for the recursion message */
    size_t nbusy, busy_cap;
} sema;

/* Finds what a name refers to from inside schema `in`, or reports why not
 * (`what` names the expected thing: "type", "constant") and returns NULL. */
sema_sym *sema_lookup(sema *s, sema_schema *in, const ast_ref *ref, const char *what);
/* Evaluates an array length or struct size (a literal or an integer const);
 * reports and returns -1 when it is not a positive integer. */
int sema_count(sema *s, sema_schema *in, const ast_count *c, const char *what, uint64_t *out);
/* Lays out one struct (and, first, the structs it contains). Sets sym->state
 * to DONE or FAILED. Defined in layout.c. */
void layout_struct(sema *s, sema_sym *sym);

#endif

/*
 * scope.h - the front end's working state (internal to sema.c, scope.c and
 * layout.c): the symbols each schema declares and how names resolve.
 */
#ifndef TACHC_SCOPE_H
#define TACHC_SCOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "model.h"
#include "tachc.h"

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
    const tachc_source *sources; /* compiling from memory: every readable file; NULL: the disk */
    size_t nsources;
    tc_diag *diag;
    tc_map files;         /* real path -> sema_schema */
    sema_schema **order;  /* dependency order */
    size_t n, cap;
    sema_schema **stack;  /* files being loaded, for the import cycle message */
    size_t depth, stack_cap;
    sema_sym **busy;      /* structs being laid out, for the recursion message */
    size_t nbusy, busy_cap;
} sema;

/* "a constant", "an enum" or "a struct", for messages. */
const char *sema_sym_kind_name(sema_sym_kind k);
/* Finds what a name refers to from inside schema `in`, or reports why not
 * (`what` names the expected thing: "type", "constant") and returns NULL. */
sema_sym *sema_lookup(sema *s, sema_schema *in, const ast_ref *ref, const char *what);
/* Evaluates an array length or struct size (a literal or an integer const);
 * reports and returns -1 when it is not a positive integer. */
int sema_count(sema *s, sema_schema *in, const ast_count *c, const char *what, uint64_t *out);

#endif

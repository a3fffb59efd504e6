/*
 * ast.h - the syntax tree of one .tach file, as the parser builds it: names,
 * literals and locations only; nothing is resolved or checked here (sema.c does
 * that). Every node lives in the run's arena.
 *
 * Also the parse context shared by the lexer (lexer.l) and the parser
 * (parser.y): the arena, the diagnostics, the file being read and the doc
 * comments the lexer collected.
 */
#ifndef TACHC_AST_H
#define TACHC_AST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "model.h"

/* A possibly qualified name: `Name` (qual NULL) or `schema.Name`. */
typedef struct ast_ref {
    const char *qual;
    const char *name;
    tc_loc loc;
} ast_ref;

/* An integer as written: magnitude and sign, so that both INT64_MIN and
 * UINT64_MAX are representable. */
typedef struct ast_int {
    uint64_t mag;
    bool neg;
    tc_loc loc;
} ast_int;

/* An array length or a struct size: a literal or the name of an integer const. */
typedef struct ast_count {
    bool is_ref;
    ast_int lit;
    ast_ref ref;
    tc_loc loc;
} ast_count;

typedef enum ast_value_kind { AV_INT, AV_FLOAT, AV_BOOL, AV_STRING } ast_value_kind;

typedef struct ast_value {
    ast_value_kind kind;
    ast_int i;      /* INT */
    double f;       /* FLOAT */
    bool b;         /* BOOL */
    const char *s;  /* STRING */
    tc_loc loc;
} ast_value;

typedef struct ast_type {
    ast_ref base;     /* u8, char, pad, MyStruct, common.Header, ... */
    bool is_array;    /* base[len] */
    ast_count len;
    tc_loc loc;
} ast_type;

/* Every list node starts with its link, so one list type serves them all. */
typedef struct ast_link {
    struct ast_link *next;
} ast_link;

typedef struct ast_list {
    ast_link *head;
    ast_link **tail;
    size_t n;
} ast_list;

typedef struct ast_field {
    ast_link link;
    const char *name;
    const char *doc;
    tc_loc loc;
    bool has_offset;
    ast_int offset;
    ast_type type;
} ast_field;

typedef struct ast_enum_value {
    ast_link link;
    const char *name;
    const char *doc;
    tc_loc loc;
    bool has_value;
    ast_int value;
} ast_enum_value;

typedef struct ast_msg_item {
    ast_link link;
    bool is_reserved;
    /* a message */
    ast_int id;
    const char *name;
    const char *doc;
    tc_loc loc;         /* the id */
    tc_loc name_loc;
    bool has_payload;
    ast_ref payload;
    /* a reserved range, lo..hi (one id: lo == hi) */
    ast_int lo, hi;
} ast_msg_item;

/* One `rpc Name(Request) -> Reply = id;` of a service; an empty request or
 * reply is written `()`. */
typedef struct ast_method {
    ast_link link;
    const char *name;
    const char *doc;
    tc_loc loc; /* the name */
    bool has_request, has_reply;
    ast_ref request, reply;
    ast_int id;
} ast_method;

typedef enum ast_decl_kind { D_IMPORT, D_CONST, D_ENUM, D_FLAGS, D_STRUCT, D_MESSAGES, D_SERVICE } ast_decl_kind;

typedef struct ast_decl {
    ast_link link;
    ast_decl_kind kind;
    const char *name;   /* CONST, ENUM, FLAGS, STRUCT; the path for IMPORT */
    const char *doc;
    tc_loc loc;         /* the keyword */
    tc_loc name_loc;    /* the name (or the import's string) */
    ast_ref type;       /* CONST: its type; ENUM/FLAGS: the underlying type */
    ast_value value;    /* CONST */
    bool has_size;      /* STRUCT: `size N` given */
    ast_count size;
    ast_list items;     /* STRUCT: ast_field; ENUM/FLAGS: ast_enum_value; MESSAGES: ast_msg_item;
                           SERVICE: ast_method */
    tc_loc end_loc;     /* the closing brace */
} ast_decl;

typedef struct ast_file {
    const char *path;
    const char *schema;   /* NULL when the file has no valid schema declaration */
    const char *doc;
    tc_loc schema_loc;    /* the name in `schema NAME;` */
    ast_list decls;
} ast_file;

/* Doc comments as the lexer found them: a block of leading `///` lines is keyed
 * by the position of the token that follows it; a trailing `///` by its line. */
typedef struct ast_doc {
    int line, col;
    const char *text;
} ast_doc;

typedef struct ast_docs {
    ast_doc *items;
    size_t n, cap;
} ast_docs;

/* An item whose doc is looked up once the whole file is lexed. */
struct ast_doc_slot {
    const char **slot;
    tc_loc start;
    int end_line;
};

typedef struct ast_doc_req {
    struct ast_doc_slot *items;
    size_t n, cap;
} ast_doc_req;

typedef struct tc_parse_ctx {
    tc_arena *arena;
    tc_diag *diag;
    const char *path;
    ast_file *file;
    void *scanner;       /* the reentrant flex scanner */
    int syntax_errors;
    int discarded;       /* values dropped by error recovery (all arena-owned) */
    /* lexer state */
    int line, col;       /* position of the next character */
    bool line_has_token; /* a token was already seen on the current line */
    char *pending_doc;   /* leading doc lines not yet attached (malloc'd) */
    size_t pending_len;
    ast_docs lead, trail;
    ast_doc_req reqs;
    int end_line, end_col;           /* just after the latest token */
    int prev_end_line, prev_end_col; /* just after the token before it */
    char last_text[48];  /* the text of the latest token, for syntax errors */
    jmp_buf fatal;       /* where a fatal lexer error unwinds to */
} tc_parse_ctx;

/* Converts a bison location (line/column pair) to a model location. */
tc_loc ast_loc(const tc_parse_ctx *ctx, int line, int col);

/* Lists. */
ast_list ast_list_empty(void);
ast_list ast_list_add(ast_list list, void *node);

/* Constructors, one per grammar rule; they attach doc comments by position. */
void ast_set_schema(tc_parse_ctx *ctx, const char *name, tc_loc kw, tc_loc name_loc, int end_line);
void ast_add_decl(tc_parse_ctx *ctx, ast_decl *d);
ast_decl *ast_import(tc_parse_ctx *ctx, const char *path, tc_loc kw, tc_loc path_loc);
ast_decl *ast_const(tc_parse_ctx *ctx, const char *name, ast_ref type, ast_value v, tc_loc kw, tc_loc name_loc, int end_line);
ast_decl *ast_enum(tc_parse_ctx *ctx, bool is_flags, const char *name, ast_ref type, ast_list values, tc_loc kw, tc_loc name_loc, tc_loc end);
ast_decl *ast_struct(tc_parse_ctx *ctx, const char *name, const ast_count *size, ast_list fields, tc_loc kw, tc_loc name_loc, tc_loc end);
ast_decl *ast_messages(tc_parse_ctx *ctx, ast_list items, tc_loc kw, tc_loc end);
ast_decl *ast_service(tc_parse_ctx *ctx, const char *name, ast_list methods, tc_loc kw, tc_loc name_loc, tc_loc end);
/* kw: the 'rpc' keyword, where a leading /// doc attaches; loc: the name. */
ast_method *ast_method_new(tc_parse_ctx *ctx, const char *name, const ast_ref *request, const ast_ref *reply,
                           ast_int id, tc_loc kw, tc_loc loc, int end_line);
ast_field *ast_field_new(tc_parse_ctx *ctx, const char *name, const ast_int *offset, ast_type type, tc_loc loc, int end_line);
ast_enum_value *ast_enum_value_new(tc_parse_ctx *ctx, const char *name, const ast_int *value, tc_loc loc, int end_line);
ast_msg_item *ast_message(tc_parse_ctx *ctx, ast_int id, const char *name, const ast_ref *payload, tc_loc name_loc, int end_line);
ast_msg_item *ast_reserved_range(tc_parse_ctx *ctx, ast_int lo, ast_int hi);
ast_list ast_list_concat(ast_list a, ast_list b);
ast_ref ast_ref_new(const char *qual, const char *name, tc_loc loc);
ast_int ast_int_neg(ast_int v, tc_loc minus);
ast_type ast_type_new(ast_ref base, const ast_count *len, tc_loc loc);
ast_count ast_count_lit(ast_int v);
ast_count ast_count_ref(ast_ref r);
ast_value ast_value_int(ast_int v);
ast_value ast_value_float(double f, bool neg, tc_loc loc);
ast_value ast_value_bool(bool b, tc_loc loc);
ast_value ast_value_string(const char *s, tc_loc loc);

/* Lexer side: records a doc comment line. */
void ast_doc_line(tc_parse_ctx *ctx, const char *text, size_t len, bool trailing, int line);
/* Lexer side: a token starts at (line, col): a pending leading doc block is keyed to it. */
void ast_doc_token(tc_parse_ctx *ctx, int line, int col);

/* After the parse: fills every item's doc and frees the doc tables. */
void ast_docs_resolve(tc_parse_ctx *ctx);

/* Parses one file's text (NUL-terminated); returns the AST (NULL only when out
 * of memory). Syntax errors are reported through diag and counted in
 * *syntax_errors. Defined in parser.y. */
ast_file *tc_parse(tc_arena *a, tc_diag *d, const char *path, const char *text, size_t len, int *syntax_errors);

#endif

/*
 * model.h - the resolved schema model that tachc's emitters read.
 *
 * The front end (lexer.l, parser.y, ast.c, sema.c, layout.c) builds this model
 * once: every name is resolved, every offset, size and alignment is computed and
 * checked, every fingerprint is set. Emitters (emit_*.c) and lock.c only read it;
 * they never re-derive an offset. All memory is owned by one tc_arena and freed
 * with it (arena.h).
 *
 * Order: every array below is in source order, except that a struct always
 * comes after the structs it contains (so emitters never refer forward), and
 * schemas are in dependency order (an imported schema comes before the schema
 * that imports it), so emitting in array order is deterministic.
 */
#ifndef TACHC_MODEL_H
#define TACHC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tc_loc {
    const char *file; /* path as given on the command line or resolved by import */
    int line;         /* 1-based */
    int col;          /* 1-based, in bytes */
} tc_loc;

typedef enum tc_prim {
    TC_U8, TC_U16, TC_U32, TC_U64,
    TC_I8, TC_I16, TC_I32, TC_I64,
    TC_F32, TC_F64,
    TC_BOOL, /* one byte, 0 or 1 */
    TC_CHAR  /* one byte; only ever seen as the element of TC_T_CHARS */
} tc_prim;

typedef enum tc_type_kind {
    TC_T_PRIM,   /* a primitive: prim */
    TC_T_CHARS,  /* char[count]: fixed text, NUL-padded */
    TC_T_ARRAY,  /* elem[count]: elem is PRIM (not CHAR), STRUCT, ENUM or FLAGS */
    TC_T_STRUCT, /* a nested struct, laid out inline: st */
    TC_T_ENUM,   /* an enum stored as its underlying primitive: en (en->is_flags == false) */
    TC_T_FLAGS,  /* a flag set stored as its underlying primitive: en (en->is_flags == true) */
    TC_T_PAD     /* pad[count]: reserved bytes, no accessors, written as zero */
} tc_type_kind;

struct tc_struct;
struct tc_enum;

typedef struct tc_type {
    tc_type_kind kind;
    tc_prim prim;                 /* PRIM; for ENUM and FLAGS, the underlying primitive */
    uint64_t count;               /* CHARS, ARRAY, PAD: number of elements (bytes for CHARS/PAD) */
    const struct tc_type *elem;   /* ARRAY: the element type */
    const struct tc_struct *st;   /* STRUCT, or ARRAY of STRUCT via elem */
    const struct tc_enum *en;     /* ENUM and FLAGS */
    uint64_t size;                /* bytes this type occupies */
    uint32_t align;               /* natural alignment (informational: layout is packed) */
} tc_type;

typedef struct tc_field {
    const char *name;  /* "_" for padding fields */
    const char *doc;   /* joined /// lines (without the slashes), or NULL */
    tc_loc loc;
    tc_type type;
    uint64_t offset;   /* byte offset within the struct */
    uint64_t size;     /* == type.size */
} tc_field;

typedef struct tc_struct {
    const char *name;
    const char *doc;
    tc_loc loc;
    const struct tc_schema *schema; /* the schema that declares it */
    tc_field *fields;
    size_t nfields;
    uint64_t size;        /* total bytes, == declared size when one was given */
    uint32_t align;       /* max natural alignment of the fields (informational) */
    uint64_t fingerprint; /* FNV-1a 64 of the struct's canonical lock text */
} tc_struct;

typedef struct tc_enum_value {
    const char *name;
    const char *doc;
    tc_loc loc;
    uint64_t bits;   /* the value as stored, two's complement in the underlying width */
    int64_t value;   /* the value as written, for signed underlying types */
} tc_enum_value;

typedef struct tc_enum {
    const char *name;
    const char *doc;
    tc_loc loc;
    const struct tc_schema *schema;
    tc_prim underlying;  /* an integer primitive */
    bool is_flags;       /* a flag set: values are bits, combinable with | */
    tc_enum_value *values;
    size_t nvalues;
} tc_enum;

typedef enum tc_const_kind { TC_C_INT, TC_C_UINT, TC_C_FLOAT, TC_C_BOOL, TC_C_STRING } tc_const_kind;

typedef struct tc_const {
    const char *name;
    const char *doc;
    tc_loc loc;
    tc_const_kind kind;
    tc_prim type;        /* declared primitive; for STRING, TC_CHAR */
    int64_t i;           /* INT */
    uint64_t u;          /* UINT, BOOL (0/1) */
    double f;            /* FLOAT */
    const char *s;       /* STRING (ASCII) */
} tc_const;

typedef struct tc_message {
    uint32_t id;                  /* the type id carried in the frame header */
    const char *name;             /* e.g. "Bid" */
    const char *doc;
    tc_loc loc;
    const struct tc_struct *payload; /* NULL: empty payload (e.g. End) */
} tc_message;

typedef struct tc_reserved {
    uint32_t lo, hi;  /* inclusive range of retired type ids */
    tc_loc loc;
} tc_reserved;

/* One method of a service: a call of `request` answered with `reply` (NULL:
 * an empty body), identified on the wire by its method id. */
typedef struct tc_method {
    uint32_t id;
    const char *name; /* e.g. "Quote" */
    const char *doc;
    tc_loc loc;
    const struct tc_struct *request; /* NULL: empty */
    const struct tc_struct *reply;   /* NULL: empty */
} tc_method;

typedef struct tc_service {
    const char *name;
    const char *doc;
    tc_loc loc;
    tc_method *methods; /* sorted by id */
    size_t nmethods;
} tc_service;

typedef struct tc_schema {
    const char *name;   /* from `schema NAME;` */
    const char *doc;
    const char *path;   /* file path */
    tc_loc loc;         /* the name in `schema NAME;` */
    const struct tc_schema **imports; /* directly imported schemas */
    size_t nimports;
    tc_const *consts;       size_t nconsts;
    tc_enum *enums;         size_t nenums;     /* enums and flag sets, source order */
    tc_struct *structs;     size_t nstructs;
    tc_message *messages;   size_t nmessages;  /* sorted by id */
    tc_reserved *reserved;  size_t nreserved;
    tc_service *services;   size_t nservices;  /* source order */
    uint64_t fingerprint;   /* FNV-1a 64 over message ids, names and payload struct fingerprints, and services */
    bool is_root;           /* named on the command line (emitted); false: only imported */
} tc_schema;

typedef struct tc_program {
    tc_schema **schemas; /* dependency order: imports first */
    size_t nschemas;
} tc_program;

/* Primitive facts (model.c). */
const char *prim_name(tc_prim p);      /* the schema spelling: "u32", "f64", "bool", "char" */
unsigned prim_size(tc_prim p);
int prim_is_signed(tc_prim p);
int prim_is_float(tc_prim p);

#endif

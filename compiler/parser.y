/* parser.y - the grammar of the .tach schema language.
 *
 * A pure parser with locations; every action is one call to an AST
 * constructor (ast.c). Nothing is resolved here: names, sizes, offsets and
 * ranges are checked by sema.c. Syntax errors say what was expected; error
 * recovery at `;` and `}` lets one run report several of them. */
%define api.pure full
%define api.prefix {tc_yy}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {tc_parse_ctx *ctx}

%code requires {
#include "ast.h"
}

%code provides {
int tc_yylex(TC_YYSTYPE *lval, TC_YYLTYPE *lloc, void *scanner);
}

%code {
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L(at) ast_loc(ctx, (at).first_line, (at).first_column)

static void tc_yyerror(TC_YYLTYPE *loc, void *scanner, tc_parse_ctx *ctx, const char *msg);
}

%union {
    const char *str;
    double real;
    ast_int num;
    ast_ref ref;
    ast_type type;
    ast_count count;
    ast_value value;
    ast_list list;
    ast_decl *decl;
    ast_field *field;
    ast_enum_value *enumval;
    ast_msg_item *msg;
    ast_method *method;
}

%token SCHEMA "'schema'" IMPORT "'import'" CONST "'const'" ENUM "'enum'" FLAGS "'flags'"
%token STRUCT "'struct'" SIZE "'size'" MESSAGES "'messages'" RESERVED "'reserved'"
%token SERVICE "'service'" RPC "'rpc'" ARROW "'->'"
%token TRUE "'true'" FALSE "'false'" DOTDOT "'..'"
%token <str> IDENT "identifier" STRING "string"
%token <num> INT "integer"
%token <real> FLOAT "number"

%type <str> word
%type <num> sint
%type <ref> ref
%type <type> type
%type <count> count
%type <value> value
%type <list> fields enum_body enum_values msg_items ranges methods
%type <decl> decl
%type <field> field
%type <enumval> enum_value
%type <msg> msg_item range
%type <method> method

/* Every value lives in the run's arena, so a value that error recovery drops
 * needs no freeing; the count only feeds the error summary. */
%destructor { ctx->discarded++; } <*>

%%

file
    : SCHEMA IDENT ';' decls          { ast_set_schema(ctx, $2, L(@1), L(@2), @3.last_line); }
    ;

decls
    : %empty
    | decls decl                      { ast_add_decl(ctx, $2); }
    ;

decl
    : IMPORT STRING ';'               { $$ = ast_import(ctx, $2, L(@1), L(@2)); }
    | CONST IDENT ':' ref '=' value ';'
                                      { $$ = ast_const(ctx, $2, $4, $6, L(@1), L(@2), @7.last_line); }
    | ENUM IDENT ':' ref '{' enum_body '}'
                                      { $$ = ast_enum(ctx, false, $2, $4, $6, L(@1), L(@2), L(@7)); }
    | FLAGS IDENT ':' ref '{' enum_body '}'
                                      { $$ = ast_enum(ctx, true, $2, $4, $6, L(@1), L(@2), L(@7)); }
    | STRUCT IDENT '{' fields '}'     { $$ = ast_struct(ctx, $2, NULL, $4, L(@1), L(@2), L(@5)); }
    | STRUCT IDENT SIZE count '{' fields '}'
                                      { $$ = ast_struct(ctx, $2, &$4, $6, L(@1), L(@2), L(@7)); }
    | MESSAGES '{' msg_items '}'      { $$ = ast_messages(ctx, $3, L(@1), L(@4)); }
    | SERVICE IDENT '{' methods '}'   { $$ = ast_service(ctx, $2, $4, L(@1), L(@2), L(@5)); }
    | error ';'                       { $$ = NULL; }
    | error '}'                       { $$ = NULL; }
    ;

fields
    : %empty                          { $$ = ast_list_empty(); }
    | fields field                    { $$ = ast_list_add($1, $2); }
    ;

field
    : word ':' type ';'               { $$ = ast_field_new(ctx, $1, NULL, $3, L(@1), @4.last_line); }
    | word '@' INT ':' type ';'       { $$ = ast_field_new(ctx, $1, &$3, $5, L(@1), @6.last_line); }
    | error ';'                       { $$ = NULL; }
    ;

type
    : ref                             { $$ = ast_type_new($1, NULL, L(@1)); }
    | ref '[' count ']'               { $$ = ast_type_new($1, &$3, L(@1)); }
    ;

count
    : INT                             { $$ = ast_count_lit($1); }
    | ref                             { $$ = ast_count_ref($1); }
    ;

ref
    : IDENT                           { $$ = ast_ref_new(NULL, $1, L(@1)); }
    | IDENT '.' IDENT                 { $$ = ast_ref_new($1, $3, L(@1)); }
    ;

enum_body
    : %empty                          { $$ = ast_list_empty(); }
    | enum_values                     { $$ = $1; }
    | enum_values ','                 { $$ = $1; }
    ;

enum_values
    : enum_value                      { $$ = ast_list_add(ast_list_empty(), $1); }
    | enum_values ',' enum_value      { $$ = ast_list_add($1, $3); }
    ;

enum_value
    : word                            { $$ = ast_enum_value_new(ctx, $1, NULL, L(@1), @1.last_line); }
    | word '=' sint                   { $$ = ast_enum_value_new(ctx, $1, &$3, L(@1), @3.last_line); }
    ;

msg_items
    : %empty                          { $$ = ast_list_empty(); }
    | msg_items msg_item              { $$ = ast_list_add($1, $2); }
    | msg_items RESERVED ranges ';'   { $$ = ast_list_concat($1, $3); }
    ;

msg_item
    : INT '=' word ';'                { $$ = ast_message(ctx, $1, $3, NULL, L(@3), @4.last_line); }
    | INT '=' word ':' ref ';'        { $$ = ast_message(ctx, $1, $3, &$5, L(@3), @6.last_line); }
    | error ';'                       { $$ = NULL; }
    ;

methods
    : %empty                          { $$ = ast_list_empty(); }
    | methods method                  { $$ = ast_list_add($1, $2); }
    ;

method
    : RPC word '(' ref ')' ARROW ref '=' INT ';'
                                      { $$ = ast_method_new(ctx, $2, &$4, &$7, $9, L(@1), L(@2), @10.last_line); }
    | RPC word '(' ')' ARROW ref '=' INT ';'
                                      { $$ = ast_method_new(ctx, $2, NULL, &$6, $8, L(@1), L(@2), @9.last_line); }
    | RPC word '(' ref ')' ARROW '(' ')' '=' INT ';'
                                      { $$ = ast_method_new(ctx, $2, &$4, NULL, $10, L(@1), L(@2), @11.last_line); }
    | RPC word '(' ')' ARROW '(' ')' '=' INT ';'
                                      { $$ = ast_method_new(ctx, $2, NULL, NULL, $9, L(@1), L(@2), @10.last_line); }
    | error ';'                       { $$ = NULL; }
    ;

ranges
    : range                           { $$ = ast_list_add(ast_list_empty(), $1); }
    | ranges ',' range                { $$ = ast_list_add($1, $3); }
    ;

range
    : INT                             { $$ = ast_reserved_range(ctx, $1, $1); }
    | INT DOTDOT INT                  { $$ = ast_reserved_range(ctx, $1, $3); }
    ;

value
    : sint                            { $$ = ast_value_int($1); }
    | FLOAT                           { $$ = ast_value_float($1, false, L(@1)); }
    | '-' FLOAT                       { $$ = ast_value_float($2, true, L(@1)); }
    | TRUE                            { $$ = ast_value_bool(true, L(@1)); }
    | FALSE                           { $$ = ast_value_bool(false, L(@1)); }
    | STRING                          { $$ = ast_value_string($1, L(@1)); }
    ;

sint
    : INT                             { $$ = $1; }
    | '-' INT                         { $$ = ast_int_neg($2, L(@1)); }
    ;

/* Field, enum value and message names may be spelled like keywords. */
word
    : IDENT                           { $$ = $1; }
    | SCHEMA                          { $$ = "schema"; }
    | IMPORT                          { $$ = "import"; }
    | CONST                           { $$ = "const"; }
    | ENUM                            { $$ = "enum"; }
    | FLAGS                           { $$ = "flags"; }
    | STRUCT                          { $$ = "struct"; }
    | SIZE                            { $$ = "size"; }
    | MESSAGES                        { $$ = "messages"; }
    | RESERVED                        { $$ = "reserved"; }
    | SERVICE                         { $$ = "service"; }
    | RPC                             { $$ = "rpc"; }
    | TRUE                            { $$ = "true"; }
    | FALSE                           { $$ = "false"; }
    ;

%%

static void tc_yyerror(TC_YYLTYPE *loc, void *scanner, tc_parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    ctx->syntax_errors++;
    diag_error(ctx->diag, L(*loc), "%s", msg);
}

static bool is_keyword(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_SCHEMA: case YYSYMBOL_IMPORT: case YYSYMBOL_CONST: case YYSYMBOL_ENUM:
    case YYSYMBOL_FLAGS: case YYSYMBOL_STRUCT: case YYSYMBOL_SIZE: case YYSYMBOL_MESSAGES:
    case YYSYMBOL_RESERVED: case YYSYMBOL_TRUE: case YYSYMBOL_FALSE: case YYSYMBOL_SERVICE: case YYSYMBOL_RPC:
        return true;
    default:
        return false;
    }
}

/* "expected ';' or '[' before 'price'": the tokens the grammar could take here
 * and the token it found. Where a name is expected, keywords (which may serve
 * as names) are not listed one by one; at the top level the message names the
 * declarations. A missing ';' is reported right after the previous token, as
 * gcc does. */
static int yyreport_syntax_error(const yypcontext_t *pctx, void *scanner, tc_parse_ctx *ctx)
{
    (void)scanner;
    enum { MAX_EXPECTED = 64, MAX_LISTED = 5 };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int n = yypcontext_expected_tokens(pctx, expected, MAX_EXPECTED);
    yysymbol_kind_t found = yypcontext_token(pctx);
    TC_YYLTYPE loc = *yypcontext_location(pctx);
    char what[96];
    if (found == YYSYMBOL_YYEOF)
        snprintf(what, sizeof what, "end of file");
    else if (found == YYSYMBOL_IDENT || found == YYSYMBOL_INT || found == YYSYMBOL_FLOAT)
        snprintf(what, sizeof what, "%s '%s'", yysymbol_name(found), ctx->last_text);
    else if (found == YYSYMBOL_STRING)
        snprintf(what, sizeof what, "string %s", ctx->last_text);
    else
        snprintf(what, sizeof what, "'%s'", ctx->last_text);
    bool any_name = false, any_decl = false, semi = false;
    for (int i = 0; i < n; i++) {
        any_name |= expected[i] == YYSYMBOL_IDENT;
        any_decl |= expected[i] == YYSYMBOL_STRUCT;
        semi |= strcmp(yysymbol_name(expected[i]), "';'") == 0;
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!(any_name && is_keyword(expected[i])))
            expected[kept++] = expected[i];
    n = kept;
    ctx->syntax_errors++;
    if (semi && found != YYSYMBOL_YYEOF) {
        /* a missing ';' is the likely mistake: say only that, after the
         * previous token */
        loc.first_line = ctx->prev_end_line;
        loc.first_column = ctx->prev_end_col;
        diag_error(ctx->diag, L(loc), "expected ';' before %s", what);
        return 0;
    }
    if (any_decl && !any_name) {
        diag_error(ctx->diag, L(loc), "expected a declaration (import, const, enum, flags, struct or messages) "
                   "before %s", what);
        return 0;
    }
    if (n == 0 || n > MAX_LISTED) {
        diag_error(ctx->diag, L(loc), "unexpected %s", what);
        return 0;
    }
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(list + len, sizeof list - len, "%s%s", sep, yysymbol_name(expected[i]));
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    diag_error(ctx->diag, L(loc), "expected %s before %s", list, what);
    return 0;
}

typedef void *yyscan_t;
int tc_yylex_init_extra(tc_parse_ctx *extra, yyscan_t *scanner);
int tc_yylex_destroy(yyscan_t scanner);
struct yy_buffer_state *tc_yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);

ast_file *tc_parse(tc_arena *a, tc_diag *d, const char *path, const char *text, size_t len, int *syntax_errors)
{
    tc_parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = a;
    ctx.diag = d;
    ctx.path = path;
    ctx.line = 1;
    ctx.col = 1;
    ctx.file = arena_alloc(a, sizeof *ctx.file);
    if (!ctx.file)
        return NULL;
    ctx.file->path = path;
    ctx.file->decls = ast_list_empty();
    yyscan_t scanner;
    if (tc_yylex_init_extra(&ctx, &scanner))
        return NULL;
    volatile int rc = 1;
    if (setjmp(ctx.fatal) == 0) {
        tc_yy_scan_bytes(text, (int)len, scanner);
        rc = tc_yyparse(scanner, &ctx);
    }
    tc_yylex_destroy(scanner);
    ast_docs_resolve(&ctx);
    if (rc == 2) /* bison ran out of memory */
        return NULL;
    if (rc != 0 && ctx.syntax_errors == 0)
        ctx.syntax_errors++;
    *syntax_errors = ctx.syntax_errors;
    return ctx.file;
}

/* scope.c - what a name in a schema refers to: the local declarations, then
 * the imports; and the counts (array lengths, sizes) written as constants.
 * Shared by sema.c and layout.c, so neither depends on the other's insides. */
#include "scope.h"

#include <string.h>

const char *sema_sym_kind_name(sema_sym_kind k)
{
    return k == SYM_CONST ? "a constant" : k == SYM_ENUM ? "an enum" : "a struct";
}

sema_sym *sema_lookup(sema *s, sema_schema *in, const ast_ref *ref, const char *what)
{
    if (ref->qual) {
        sema_schema *target = NULL;
        if (in->model && in->ast->schema && strcmp(ref->qual, in->ast->schema) == 0)
            target = in;
        for (size_t i = 0; !target && i < in->nimports; i++)
            if (in->imports[i]->ast->schema && strcmp(in->imports[i]->ast->schema, ref->qual) == 0)
                target = in->imports[i];
        if (!target) {
            diag_error(s->diag, ref->loc, "unknown schema '%s' (import the file that declares it)", ref->qual);
            return NULL;
        }
        sema_sym *sym = map_get(&target->names, ref->name);
        if (!sym)
            diag_error(s->diag, ref->loc, "unknown %s '%s.%s'", what, ref->qual, ref->name);
        return sym;
    }
    sema_sym *sym = map_get(&in->names, ref->name);
    if (sym)
        return sym;
    for (size_t i = 0; i < in->nimports; i++) {
        sema_sym *other = map_get(&in->imports[i]->names, ref->name);
        if (!other)
            continue;
        if (sym) {
            diag_error(s->diag, ref->loc, "'%s' is ambiguous: both '%s' and '%s' declare it; write %s.%s",
                       ref->name, sym->owner->ast->schema, other->owner->ast->schema, other->owner->ast->schema,
                       ref->name);
            return NULL;
        }
        sym = other;
    }
    if (!sym)
        diag_error(s->diag, ref->loc, "unknown %s '%s'", what, ref->name);
    return sym;
}

int sema_count(sema *s, sema_schema *in, const ast_count *c, const char *what, uint64_t *out)
{
    if (c->is_ref) {
        sema_sym *sym = sema_lookup(s, in, &c->ref, "constant");
        if (!sym)
            return -1;
        if (sym->kind != SYM_CONST) {
            diag_error(s->diag, c->loc, "%s must be an integer or an integer constant; '%s' is %s", what,
                       c->ref.name, sema_sym_kind_name(sym->kind));
            return -1;
        }
        const tc_const *k = sym->cnst;
        if (!k || !k->name)
            return -1; /* the constant itself was in error */
        if (k->kind == TC_C_INT && k->i < 0) {
            diag_error(s->diag, c->loc, "%s must be at least 1; '%s' is %lld", what, c->ref.name, (long long)k->i);
            return -1;
        }
        if (k->kind != TC_C_INT && k->kind != TC_C_UINT) {
            diag_error(s->diag, c->loc, "%s must be an integer; constant '%s' is not", what, c->ref.name);
            return -1;
        }
        *out = k->kind == TC_C_INT ? (uint64_t)k->i : k->u;
    } else {
        *out = c->lit.mag;
    }
    if (*out == 0 && c->is_ref) {
        diag_error(s->diag, c->loc, "%s must be at least 1; '%s' is 0", what, c->ref.name);
        return -1;
    }
    if (*out == 0) {
        diag_error(s->diag, c->loc, "%s must be at least 1", what);
        return -1;
    }
    return 0;
}

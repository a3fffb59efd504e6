/* langs.c - the table of languages, expanded from langs.h (edit it there). */
#include "langs.h"

#include <string.h>

#define TACHC_LANG_ROW(fn, name, names, support) {name, fn, names, support},
static const tc_lang lang_table[] = {TACHC_LANGUAGES(TACHC_LANG_ROW)};
#undef TACHC_LANG_ROW

const tc_lang *tachc_langs(size_t *n)
{
    *n = sizeof lang_table / sizeof lang_table[0];
    return lang_table;
}

const tc_lang *tachc_lang_find(const char *name)
{
    for (size_t i = 0; i < sizeof lang_table / sizeof lang_table[0]; i++)
        if (strcmp(lang_table[i].name, name) == 0)
            return &lang_table[i];
    return NULL;
}

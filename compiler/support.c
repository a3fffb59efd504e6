/* support.c - finds a section of the embedded support code (support.h). */
#include "support.h"

#include <string.h>

const char *support_section(const char *file, const char *name)
{
    for (size_t i = 0; i < tc_support_count; i++)
        if (strcmp(tc_support_sections[i].file, file) == 0 && strcmp(tc_support_sections[i].name, name) == 0)
            return tc_support_sections[i].text;
    return NULL;
}

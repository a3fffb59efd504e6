/* Description: tachyon_strerror gives a distinct, non-empty description for every error code and a fallback (never NULL) for values outside the enum. */
#include "helpers.h"

int main(void)
{
    for (int i = 0; i < TACHYON_ERR__COUNT; i++) {
        const char *s = tachyon_strerror((tachyon_error_t)i);
        CHECK(s != NULL && s[0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(s, tachyon_strerror((tachyon_error_t)j)) != 0);
    }
    CHECK(tachyon_strerror(TACHYON_ERR__COUNT) != NULL);
    CHECK(tachyon_strerror((tachyon_error_t)-1) != NULL);
    CHECK(strcmp(tachyon_strerror((tachyon_error_t)12345), "unknown error") == 0);
    return T_PASS;
}

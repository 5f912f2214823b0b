/* A minimal TAP producer: ok/not ok lines and a plan at the end. */
#ifndef QUILT_TAP_H
#define QUILT_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {                                        \
        tap_n++;                                                  \
        if (cond) printf("ok %d - ", tap_n);                      \
        else { printf("not ok %d - ", tap_n); tap_failed++; }     \
        printf(__VA_ARGS__);                                      \
        printf("\n");                                             \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif

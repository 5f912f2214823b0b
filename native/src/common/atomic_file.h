#ifndef QUILT_ATOMIC_FILE_H
#define QUILT_ATOMIC_FILE_H

#include <stddef.h>

/* Writes dir/name so that a reader sees the old file or the whole new one,
 * also after a crash: temp file, fsync, rename, fsync dir.  Returns 0 or -errno. */
int write_file_atomic(const char *dir, const char *name, const void *data, size_t len);

#endif

#ifndef QUILT_ATOMIC_FILE_H
#define QUILT_ATOMIC_FILE_H

#include <stddef.h>

/* Writes dir/name so that a reader sees the old file or the whole new one,
 * also after a crash: temp file, fsync, rename, fsync dir.  Returns 0 or -errno. */
int write_file_atomic(const char *dir, const char *name, const void *data, size_t len);

/* The same in the directory open as dfd (which stays open): for a caller that
 * opened it before it left the host's mount namespace.  0 or -errno. */
int write_file_atomic_at(int dfd, const char *name, const void *data, size_t len);

/* A file that will be written once, later, in space taken now: a temp file
 * in dir filled with size bytes.  Writing it then overwrites
 * those blocks in place, cuts the rest off, and renames it over dir/name,
 * none of which needs free space, so it works on a full filesystem (one
 * that overwrites in place: tmpfs, ext4, xfs; not a copy-on-write one). */
struct reserved_file {
    int dfd, fd;
    size_t size;
    char tmp[64];
    char name[64];
};

/* 0, or -errno (and nothing is left behind). */
int reserve_file(struct reserved_file *r, const char *dir, const char *name, size_t size);

/* Writes data (at most the reserved size) atomically as dir/name and lets
 * the reservation go.  0 or -errno; -EMSGSIZE for too much data. */
int reserved_commit(struct reserved_file *r, const void *data, size_t len);

/* Gives the reservation up without writing: the temp file goes. */
void reserved_drop(struct reserved_file *r);

#endif

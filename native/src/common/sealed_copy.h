#ifndef QUILT_SEALED_COPY_H
#define QUILT_SEALED_COPY_H

/* A memfd holding a copy of the file at path, sealed against any change, for
 * fexecve inside a container: nothing there can reach, let alone rewrite, the
 * host's binary through /proc/<pid>/exe.  Returns the fd (O_CLOEXEC) or -errno. */
int sealed_copy(const char *path, const char *name);

#endif

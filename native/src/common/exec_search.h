/* execvp() with a PATH of the caller's choosing (the container's, not ours), and without malloc. */
#ifndef QUILT_EXEC_SEARCH_H
#define QUILT_EXEC_SEARCH_H

#define QUILT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Returns only on failure: -ENOENT when nothing was found, -EACCES when
 * something was found but not runnable, or the error that stopped the search. */
int exec_search(char *const argv[], char *const envp[]);

/* The shell's convention for a failed exec: 127 not found, 126 found but not runnable. */
int exec_failure_code(int rc);

#endif

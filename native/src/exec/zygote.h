/* quilt-exec's zygote mode: one resident quilt-exec per running container, made
 * by the server (`quilt serve`), that forks each exec's quilt-exec instead of the
 * JVM spawning a fresh one (posix_spawn from the sealed memfd, the dynamic
 * loader, libc's start and every signal reset, on every exec start, readiness
 * probe and health check).
 *
 * The JVM spawns quilt-exec as for any exec (sealed memfd, its own session,
 * /dev/null as stdio) and sends ZYGOTE (the init's PID and START_TIME) as the
 * first message on fd 3.  The zygote checks the init (pidfd_open and its start
 * time, as an exec does) and keeps the pidfd and an O_PATH fd of /proc/PID,
 * taken on the host.  It joins NOTHING of the container: it stays in the
 * host's pid and mount namespaces and in the server's cgroups, so the
 * container's pid namespace, cgroups (pids.max, the freezer, stats' pid count)
 * and CRIU's dump never see it.  It is non-dumpable (main() makes it so before
 * it reads a byte), like every quilt-exec.
 *
 * It waits with epoll on three things: its control socket (fd 3): a FORK
 * message with four fds (SCM_RIGHTS: the exec's stdin, stdout, stderr and the
 * child's end of a fresh SOCK_SEQPACKET pair) forks a child that puts them on
 * 0-3, leaves the zygote's session (setsid: as POSIX_SPAWN_SETSID had it),
 * clears its signal mask and goes on as a spawned quilt-exec does from its
 * first message (main.c: the EXEC must name the zygote's init); end of file
 * (the server went) ends the zygote.  Right after a fork the zygote sends FORKED
 * (the child's pid) on the child's socket, from the zygote so that the JVM's
 * wake-up does not preempt the child; a fork that fails sends nothing and closes the fds, so the JVM's end of file
 * with no message at all means nothing was forked.  The init's pidfd: readable when the
 * container's init exits, which ends the zygote too.  A signalfd for SIGCHLD:
 * each child reaped (never a blocking waitpid) has its wait status sent on its
 * pair as EXEC_EXITED, after everything the child sent, so the JVM learns how
 * a quilt-exec ended that died without RESULT, though it is not the JVM's
 * child.  Children outlive the zygote: they are independent once forked.
 *
 * The spare: the zygote forks the next FORK's child ahead of it (at its start,
 * and again each time a child has ended, off every exec's way), and that child
 * waits on a socket pair of its own; a FORK then passes its four fds on to it
 * instead of forking, so an exec start waits for no fork(2) (0.1-0.2 ms in a
 * VM).  The spare closes every exec's socket it inherited at once (their end of
 * file is the zygote's to give), holds only what every child keeps, and ends at
 * its socket's end of file when the zygote drops it; the zygote kills and reaps
 * it before it ends itself, so no orphan of it is left.  A
 * FORK that finds no spare (two at once, or a spare that died) forks as before.
 */
#ifndef QUILT_EXEC_ZYGOTE_H
#define QUILT_EXEC_ZYGOTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec/cgroups.h"

/* the fds one FORK message carries: stdin, stdout, stderr, the exec's socket */
#define ZYGOTE_FDS 4
/* the most fds a forked child keeps above them: the init's two, the probe, the cgroup2 dir and one per v1 dir */
#define ZYGOTE_KEEP_MAX (4 + CONFIG_MAX_CGROUPS)

struct zygote {
    pid_t pid;                    /* the container's init, in the host's pid namespace */
    unsigned long long start_time; /* its start time (clock ticks since boot, /proc/PID/stat field 22) */
    int pidfd;                    /* its pidfd (-1 until zygote_open_init) */
    int proc_dir;                 /* O_PATH of its /proc/PID in the host's procfs, or -1 */
    const char *cgroup_v2;        /* the container's cgroup2 dir of a v2 host (CGROUP_V2), or NULL */
    const char *cgroup_v1[CONFIG_MAX_CGROUPS]; /* its dirs, one per hierarchy (CGROUP_V1) */
    int n_cgroup_v1;
    struct exec_cgroups cgroups;  /* those opened for every exec's command to write (exec/cgroups.h) */
    const char *probe_path;       /* the probe's binary (PROBE_PATH), or NULL */
    int probe_fd;                 /* its sealed copy, made once for every probe and health check; or -1 */
    char *strings;                /* the dirs' and the path's copies */
};

/* Whether the message is a ZYGOTE (its first record's type). */
int zygote_is_request(const uint8_t *msg, size_t len);

/* Reads a ZYGOTE message: PID (> 0), START_TIME, the container's cgroup
 * dirs (CGROUP_V2, CGROUP_V1 as an EXEC has them; copied) and the probe's
 * binary (PROBE_PATH, as the readiness probe's EXEC names it), into z (its
 * fds -1).  0, -ENOMEM, or -EINVAL for another type, a missing or bad number, a
 * dir with a NUL or past CONFIG_MAX_CGROUPS. */
int zygote_parse(const uint8_t *msg, size_t len, struct zygote *z);

/* Opens the init's pidfd and /proc/PID (O_PATH) and checks its start time:
 * a reused pid is refused; then the cgroup dirs, for every exec's command to
 * join (exec_cgroups_open), and the probe's sealed copy (sealed_copy: ~0.3 ms
 * for quilt-init's 770 KB here, which every probe paid on the way to ready;
 * one that cannot be made leaves probe_fd -1, and each probe makes its own).  0, -ESRCH (gone, or another process), or the
 * cgroups' -errno. */
int zygote_open_init(struct zygote *z);

/* Whether an EXEC's cgroup dirs are the zygote's, in the same order: then its
 * forked quilt-exec uses the zygote's fds, else it opens its own. */
int zygote_same_cgroups(const struct zygote *z, const char *v2, const char *const v1[], int n);

/* Frees what zygote_parse copied (the fds are not closed). */
void zygote_free(struct zygote *z);

/* Receives one FORK message on sock with its ZYGOTE_FDS fds (close-on-exec).
 * 1 with fds filled, 0 at end of file, -EBADMSG for a message that is not a
 * FORK with exactly ZYGOTE_FDS fds (whatever fds it carried are closed), or
 * -errno. */
int zygote_receive_fork(int sock, int fds[ZYGOTE_FDS]);

/* Sends a FORK message carrying fds on sock (the JVM's side; also the tests').
 * 0 or -errno. */
int zygote_send_fork(int sock, const int fds[ZYGOTE_FDS]);

/* In a forked child: fds[i] becomes fd i (0-3, not close-on-exec), keep[j]
 * becomes fd ZYGOTE_FDS+j (close-on-exec; -1 stays -1, its number closed),
 * every other fd is closed.  When every keep[j] is at ZYGOTE_FDS+j already
 * and every fds[i] above them, only fds move (the kept keep their flags).
 * 0 or -errno. */
int zygote_place_fds(const int fds[ZYGOTE_FDS], const int *keep, int n_keep);

/* The zygote's message on a child's socket right after the fork: FORKED with the child's pid (as a rule
 * before the child's first word; the JVM takes it wherever it comes).  0 or -errno. */
int zygote_send_forked(int sock, pid_t pid);

/* The zygote's message on a child's socket once it is reaped: EXEC_EXITED with
 * the child's own wait status.  0 or -errno (-EPIPE: the JVM let go). */
int zygote_send_exited(int sock, int status);

/* Runs the zygote on control (see above).  Returns 0 when the zygote is done
 * (end of file on control, or the init ended), -errno when its own loop
 * failed; in a forked child it returns 0 with *is_child set, its fds placed
 * (zygote_place_fds: z->pidfd is fd 4, z->proc_dir fd 5 when open, the
 * probe's copy and the cgroups' open ones after them, in the order of their
 * numbers) and its signal mask empty. */
int zygote_run(int control, struct zygote *z, int *is_child);

#endif

/* quilt-archive: a tar into or out of a running container, or a path's stat
 * (the Docker Engine API's PUT/GET/HEAD /containers/{id}/archive).
 *
 * The symlink-race class of docker cp (CVE-2018-15664: a path resolved on the
 * host while the container swaps a directory for a symlink; CVE-2019-14271: the
 * archiver loading the container's libnss while chrooted) is closed by where
 * the work happens, not by checks: the JVM starts us (posix_spawn from a sealed
 * copy) with a SOCK_SEQPACKET socket on fd 3, stdin and stdout, and sends one
 * request.  We make ourselves non-dumpable, open the init's pidfd and check its
 * start time (a reused pid is refused), join its mount namespace (and its user
 * namespace when it has one, so owners map as in the container), close every
 * fd but stdio and the socket, and chroot to the namespace's root.  From then
 * on every path, the request's and each tar entry's, is resolved by the kernel
 * inside the container's root: a symlink the container made to "/" is its own
 * root.  libarchive extracts with SECURE_NODOTDOT | SECURE_SYMLINKS |
 * SECURE_NOABSOLUTEPATHS on top, so an entry that climbs, is absolute, or goes
 * through a symlink is refused by name.
 *
 * Nothing is loaded from the container: no name service lookups (owners are
 * numbers; no archive_*_set_standard_lookup), only the compression filters
 * built into libarchive (one that would run an external program is refused
 * before the chroot), and iconv's configuration is read on the host before the
 * chroot (the UTF-8 and ASCII converters libarchive needs in the C locale are
 * glibc's built-in ones).
 *
 * Request: one datagram "OP\nPID\nSTARTTIME\nUSERNS\nNO_OVERWRITE_DIR_NON_DIR\n
 * COPY_UIDGID\nPATH" (OP: put, get, stat; the flags 0 or 1).  Answer: one
 * datagram, "ok", "stat SIZE MODE MTIME_SEC MTIME_NSEC\nLINKTARGET", or
 * "fail CODE ERRNO\nMESSAGE" (codes in archive_codes below); the exit status is
 * 0 for ok, else 1.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/procfs.h"

#define SYNC_FD 3

/* the codes the JVM maps: not found 404, not a directory 400, refused entry 400, gone 409, read-only 403 */
enum archive_codes {
    CODE_SYSTEM = 1,
    CODE_NOT_FOUND = 2,
    CODE_NOT_DIR = 3,
    CODE_REFUSED = 4,
    CODE_GONE = 5,
    CODE_READ_ONLY = 6,
};

struct request {
    char op[8];
    pid_t pid;
    unsigned long long start_time;
    int userns, no_overwrite_dir_non_dir, copy_uidgid;
    char path[PATH_MAX];
};

static int answer(const char *text, size_t len)
{
    return send(SYNC_FD, text, len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int fail(int code, int err, const char *fmt, const char *a, const char *b)
{
    char buf[PATH_MAX + 512];
    int n = snprintf(buf, sizeof buf, "fail %d %d\n", code, err);
    n += snprintf(buf + n, sizeof buf - (size_t)n, fmt, a ? a : "", b ? b : "");
    answer(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return 1;
}

static int parse(const char *msg, struct request *r)
{
    char op[8];
    int consumed = 0;
    if (sscanf(msg, "%7s\n%d\n%llu\n%d\n%d\n%d\n%n", op, &r->pid, &r->start_time, &r->userns,
               &r->no_overwrite_dir_non_dir, &r->copy_uidgid, &consumed) != 6 || consumed == 0)
        return -EINVAL;
    if (strcmp(op, "put") && strcmp(op, "get") && strcmp(op, "stat"))
        return -EINVAL;
    const char *path = msg + consumed;
    if (path[0] != '/' || strlen(path) >= sizeof r->path)
        return -EINVAL;
    memcpy(r->op, op, sizeof op);
    strcpy(r->path, path);
    return 0;
}

/* Joins the init's mount (and user) namespace and makes its root ours: 0 or -errno. */
static int enter(const struct request *r)
{
    int pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
    unsigned long long start = 0;
    if (pidfd < 0 || proc_start_time(r->pid, &start) < 0 || start != r->start_time)
        return -ESRCH;
    int flags = CLONE_NEWNS | (r->userns ? CLONE_NEWUSER : 0);
    if (setns(pidfd, flags) < 0) {
        int e = errno;
        close(pidfd);
        return proc_ended(r->pid, r->start_time) == 1 ? -ESRCH : -e;
    }
    close(pidfd);
    /* in the container's user namespace we are its root, so what we create is owned as the container's root's */
    if (r->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        return -errno;
    if (syscall(SYS_close_range, SYNC_FD + 1, ~0U, 0) < 0)
        return -errno;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -errno;
    if (fchdir(root) < 0 || chroot(".") < 0) {
        int e = errno;
        close(root);
        return -e;
    }
    close(root);
    return 0;
}

/* a path to read that is missing, or under a non-directory, is not there (404); a path to extract under that
 * runs through a non-directory is not a directory (400) */
static int path_errno_code(int e, int reading)
{
    return e == ENOENT || (reading && e == ENOTDIR) ? CODE_NOT_FOUND : e == ENOTDIR ? CODE_NOT_DIR : CODE_SYSTEM;
}

static int do_stat(const struct request *r)
{
    struct stat st;
    if (lstat(r->path, &st) < 0)
        return fail(path_errno_code(errno, 1), errno, "%s: %s", r->path, strerror(errno));
    char link[PATH_MAX] = "";
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(r->path, link, sizeof link - 1);
        link[n < 0 ? 0 : n] = '\0';
    }
    char buf[PATH_MAX + 128];
    int n = snprintf(buf, sizeof buf, "stat %lld %u %lld %ld\n%s", (long long)st.st_size, (unsigned)st.st_mode,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, link);
    answer(buf, (size_t)n);
    return 0;
}

/* in's current entry's data to out: a disk writer takes blocks at their offsets (sparse files stay sparse); a
 * tar writer takes the bytes in order, holes read as zeros */
static int copy_data(struct archive *in, struct archive *out, int to_disk)
{
    if (!to_disk) {
        static char chunk[1 << 16];
        for (;;) {
            la_ssize_t n = archive_read_data(in, chunk, sizeof chunk);
            if (n == 0)
                return ARCHIVE_OK;
            if (n < 0 || archive_write_data(out, chunk, (size_t)n) < 0)
                return ARCHIVE_FATAL;
        }
    }
    const void *buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
        int rc = archive_read_data_block(in, &buf, &size, &offset);
        if (rc == ARCHIVE_EOF)
            return ARCHIVE_OK;
        if (rc < ARCHIVE_WARN)
            return rc;
        if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN)
            return ARCHIVE_FATAL;
    }
}

/* get: a tar of PATH on stdout, its top entry PATH's base name (docker's layout) */
static int do_get(const struct request *r, struct archive *disk, struct archive *w)
{
    struct stat st;
    if (lstat(r->path, &st) < 0)
        return fail(path_errno_code(errno, 1), errno, "%s: %s", r->path, strerror(errno));
    char copy[PATH_MAX];
    strcpy(copy, r->path);
    const char *base = basename(copy);
    size_t plen = strlen(r->path);
    if (archive_write_open_fd(w, STDOUT_FILENO) != ARCHIVE_OK || archive_read_disk_open(disk, r->path) != ARCHIVE_OK)
        return fail(CODE_SYSTEM, archive_errno(disk), "%s: %s", r->path, archive_error_string(disk));
    struct archive_entry *e = archive_entry_new();
    for (;;) {
        int rc = archive_read_next_header2(disk, e);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN)
            return fail(CODE_SYSTEM, archive_errno(disk), "%s: %s", r->path, archive_error_string(disk));
        archive_read_disk_descend(disk);
        const char *name = archive_entry_pathname(e);
        char renamed[PATH_MAX * 2];
        /* "/etc" + "/passwd" -> "etc/passwd"; the root itself -> "." */
        const char *rest = strncmp(name, r->path, plen) == 0 ? name + plen : name;
        if (strcmp(r->path, "/") == 0)
            snprintf(renamed, sizeof renamed, "./%s", name[0] == '/' ? name + 1 : name);
        else
            snprintf(renamed, sizeof renamed, "%s%s%s", base, rest[0] && rest[0] != '/' ? "/" : "", rest);
        archive_entry_set_pathname(e, renamed);
        if (archive_write_header(w, e) < ARCHIVE_WARN)
            return fail(CODE_SYSTEM, archive_errno(w), "%s: %s", renamed, archive_error_string(w));
        if (archive_entry_size(e) > 0 && archive_entry_filetype(e) == AE_IFREG && copy_data(disk, w, 0) != ARCHIVE_OK)
            return fail(CODE_SYSTEM, archive_errno(disk), "%s: %s", renamed, archive_error_string(disk));
    }
    archive_entry_free(e);
    if (archive_write_close(w) != ARCHIVE_OK)
        return fail(CODE_SYSTEM, archive_errno(w), "%s: %s", "tar", archive_error_string(w));
    answer("ok", 2);
    return 0;
}

/* put: the tar on stdin extracted under PATH, which must be a directory */
static int do_put(const struct request *r, struct archive *in, struct archive *disk)
{
    struct stat st;
    if (stat(r->path, &st) < 0)
        return fail(path_errno_code(errno, 0), errno, "%s: %s", r->path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fail(CODE_NOT_DIR, ENOTDIR, "%s: %s", r->path, "not a directory");
    if (chdir(r->path) < 0)
        return fail(path_errno_code(errno, 0), errno, "%s: %s", r->path, strerror(errno));
    if (archive_read_open_fd(in, STDIN_FILENO, 1 << 16) != ARCHIVE_OK)
        return fail(CODE_REFUSED, archive_errno(in), "%s%s", "the request body is not a tar archive: ",
                    archive_error_string(in));
    struct archive_entry *e;
    for (;;) {
        int rc = archive_read_next_header(in, &e);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN)
            return fail(CODE_REFUSED, archive_errno(in), "%s%s", "the request body is not a valid tar archive: ",
                        archive_error_string(in));
        const char *name = archive_entry_pathname(e);
        struct stat old;
        /* docker's noOverwriteDirNonDir: neither a directory for a non-directory nor the other way round */
        if (r->no_overwrite_dir_non_dir && name && lstat(name, &old) == 0 &&
            S_ISDIR(old.st_mode) != (archive_entry_filetype(e) == AE_IFDIR))
            return fail(CODE_REFUSED, EEXIST, "cannot overwrite %s '%s' with the archive's entry", 
                        S_ISDIR(old.st_mode) ? "directory" : "non-directory", name);
        if (!r->copy_uidgid) { /* docker cp without -a: the container's root owns what arrives */
            archive_entry_set_uid(e, 0);
            archive_entry_set_gid(e, 0);
        }
        if (archive_write_header(disk, e) < ARCHIVE_WARN) {
            if (archive_errno(disk) == EROFS) /* the API's 403: "the container rootfs is marked as read-only" */
                return fail(CODE_READ_ONLY, EROFS, "tar entry '%s': %s", name, archive_error_string(disk));
            return fail(CODE_REFUSED, archive_errno(disk), "tar entry '%s' refused: %s", name,
                        archive_error_string(disk));
        }
        if (archive_entry_size(e) > 0 && copy_data(in, disk, 1) != ARCHIVE_OK)
            return fail(CODE_SYSTEM, archive_errno(disk), "tar entry '%s': %s", name, archive_error_string(disk));
        if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
            return fail(CODE_SYSTEM, archive_errno(disk), "tar entry '%s': %s", name, archive_error_string(disk));
    }
    if (archive_write_close(disk) != ARCHIVE_OK) /* directories' modes and times, set last */
        return fail(CODE_SYSTEM, archive_errno(disk), "%s: %s", r->path, archive_error_string(disk));
    /* what follows the end-of-archive blocks (tar(1) pads to a 10 KiB record) is the body's too: read it, so
     * the sender sees its body taken, not a closed pipe */
    static char rest[1 << 16];
    while (read(STDIN_FILENO, rest, sizeof rest) > 0)
        ;
    answer("ok", 2);
    return 0;
}

/* The filters docker accepts, each built in: ARCHIVE_WARN means libarchive would run an external program
 * (inside the container's root, after the chroot), which is refused. */
static int read_filters(struct archive *in)
{
    if (archive_read_support_format_tar(in) != ARCHIVE_OK || archive_read_support_filter_none(in) != ARCHIVE_OK ||
        archive_read_support_filter_gzip(in) != ARCHIVE_OK || archive_read_support_filter_bzip2(in) != ARCHIVE_OK ||
        archive_read_support_filter_xz(in) != ARCHIVE_OK)
        return -ENOSYS;
    return 0;
}

int main(void)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return fail(CODE_SYSTEM, errno, "%s%s", "prctl(PR_SET_DUMPABLE)", NULL);
    char msg[PATH_MAX + 128];
    ssize_t n = recv(SYNC_FD, msg, sizeof msg - 1, 0);
    if (n <= 0) {
        fprintf(stderr, "quilt-archive: no request on fd %d; it is started by quilt, not by hand\n", SYNC_FD);
        return 125;
    }
    msg[n] = '\0';
    struct request r;
    memset(&r, 0, sizeof r);
    if (parse(msg, &r) < 0)
        return fail(CODE_SYSTEM, EINVAL, "%s%s", "quilt-archive: a malformed request", NULL);

    /* everything that reads a host file is made before the chroot */
    iconv_t cd = iconv_open("UTF-8", "ANSI_X3.4-1968");
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    cd = iconv_open("ANSI_X3.4-1968", "UTF-8");
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    struct archive *a = NULL, *b = NULL;
    if (!strcmp(r.op, "put")) {
        a = archive_read_new();
        b = archive_write_disk_new();
        if (!a || !b || read_filters(a) < 0)
            return fail(CODE_SYSTEM, ENOSYS, "%s%s", "libarchive lacks a built-in gzip, bzip2 or xz filter", NULL);
        /* no ARCHIVE_EXTRACT_UNLINK: with it, SECURE_SYMLINKS removes a symlink in an entry's way instead of
         * refusing the entry; without it an existing file is still replaced (removed, then made anew) */
        archive_write_disk_set_options(b, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_OWNER |
                                              ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                              ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
    } else if (!strcmp(r.op, "get")) {
        a = archive_read_disk_new();
        b = archive_write_new();
        if (!a || !b || archive_write_set_format_pax_restricted(b) != ARCHIVE_OK)
            return fail(CODE_SYSTEM, ENOMEM, "%s%s", "libarchive: no tar writer", NULL);
        archive_read_disk_set_symlink_physical(a);
        archive_read_disk_set_behavior(a, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                              ARCHIVE_READDISK_NO_FFLAGS | ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    }
    int rc = enter(&r);
    if (rc < 0)
        return rc == -ESRCH ? fail(CODE_GONE, ESRCH, "%s%s", "the container's init has exited", NULL)
                            : fail(CODE_SYSTEM, -rc, "joining the container: %s%s", strerror(-rc), NULL);
    if (!strcmp(r.op, "stat"))
        return do_stat(&r);
    return !strcmp(r.op, "get") ? do_get(&r, a, b) : do_put(&r, a, b);
}

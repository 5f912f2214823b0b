/* Peer of dev.quilt.linux.jni.LayerFiles: a container's layer read one
 * directory at a time, never by a path a container could change under us.
 * Each open is relative to an open directory and refuses a symlink as its
 * last component (O_NOFOLLOW); the JVM then names what it opened as
 * /proc/self/fd/N, which the kernel resolves to that very directory or file
 * (docker cp's symlink-race class, CVE-2018-15664, is why).  A file is opened
 * non-blocking and kept only when it is a regular file, so a FIFO put in its
 * place cannot hold the reader.  Every function returns -errno on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "peers.h"

/* dirfd < 0: relative to the current directory (name is then absolute) */
static int open_at(JNIEnv *env, jint dirfd, jstring jname, int flags)
{
    const char *name = (*env)->GetStringUTFChars(env, jname, NULL);
    if (!name)
        return -ENOMEM;
    int fd = openat(dirfd < 0 ? AT_FDCWD : dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, jname, name);
    return fd < 0 ? -err : fd;
}

static jint openDirectory(JNIEnv *env, jclass cls, jint dirfd, jstring jname)
{
    (void)cls;
    return open_at(env, dirfd, jname, O_RDONLY | O_DIRECTORY);
}

static jint openRegular(JNIEnv *env, jclass cls, jint dirfd, jstring jname)
{
    (void)cls;
    int fd = open_at(env, dirfd, jname, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

/* The value of xattr name on the open file fd into buf: its length, -ENODATA when unset. */
static jint getXattr(JNIEnv *env, jclass cls, jint fd, jstring jname, jbyteArray jbuf)
{
    (void)cls;
    char buf[256];
    const char *name = (*env)->GetStringUTFChars(env, jname, NULL);
    if (!name)
        return -ENOMEM;
    ssize_t n = fgetxattr(fd, name, buf, sizeof buf);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, jname, name);
    if (n < 0)
        return -err;
    jsize cap = (*env)->GetArrayLength(env, jbuf);
    if (n > cap)
        return -ERANGE;
    (*env)->SetByteArrayRegion(env, jbuf, 0, (jsize)n, (const jbyte *)buf);
    return (jint)n;
}

static jint closeFd(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return close(fd) < 0 ? -errno : 0;
}

int quilt_register_layer_files(JNIEnv *env)
{
    static const JNINativeMethod methods[] = {
        { "openDirectory", "(ILjava/lang/String;)I", (void *)openDirectory },
        { "openRegular", "(ILjava/lang/String;)I", (void *)openRegular },
        { "getXattr", "(ILjava/lang/String;[B)I", (void *)getXattr },
        { "closeFd", "(I)I", (void *)closeFd },
    };
    return quilt_register(env, "LayerFiles", methods, sizeof methods / sizeof methods[0]);
}

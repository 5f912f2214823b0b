/* Peer of dev.quilt.linux.jni.SeccompCompiler: a resolved seccomp profile compiled
 * to a classic BPF program (an array of struct sock_filter) with libseccomp.
 *
 * libseccomp rather than our own BPF writer: it knows every architecture's syscall
 * table and multiplexed calls (socketcall, ipc on x86), orders and balances the
 * rules, and is what runc, crun and podman compile with.  Debian 12 has 2.5.4,
 * which has no seccomp_export_bpf_mem(): the program goes into a memfd and is read
 * back from there.
 *
 * Nothing here runs in a container: the JVM compiles once and caches the bytes;
 * the container's init loads them as they are (SECCOMP_SET_MODE_FILTER). */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "peers.h"

/* where compile() failed, for the Java side's message: failure[1] */
enum { STAGE_INIT = 0, STAGE_ARCH = 1, STAGE_RULE = 2, STAGE_EXPORT = 3, STAGE_ARGS = 4 };

static int action_of(const char *name, int errno_ret, uint32_t *out)
{
    if (strcmp(name, "ALLOW") == 0)
        *out = SCMP_ACT_ALLOW;
    else if (strcmp(name, "ERRNO") == 0)
        *out = SCMP_ACT_ERRNO((uint32_t)errno_ret);
    else if (strcmp(name, "KILL") == 0 || strcmp(name, "KILL_THREAD") == 0)
        *out = SCMP_ACT_KILL_THREAD;
    else if (strcmp(name, "KILL_PROCESS") == 0)
        *out = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(name, "TRAP") == 0)
        *out = SCMP_ACT_TRAP;
    else if (strcmp(name, "LOG") == 0)
        *out = SCMP_ACT_LOG;
    else if (strcmp(name, "TRACE") == 0)
        *out = SCMP_ACT_TRACE((uint32_t)errno_ret);
    else
        return -EINVAL; /* NOTIFY is refused before it gets here: no agent */
    return 0;
}

static int op_of(const char *name, enum scmp_compare *out)
{
    static const struct {
        const char *name;
        enum scmp_compare op;
    } ops[] = {
        { "NE", SCMP_CMP_NE }, { "LT", SCMP_CMP_LT }, { "LE", SCMP_CMP_LE }, { "EQ", SCMP_CMP_EQ },
        { "GE", SCMP_CMP_GE }, { "GT", SCMP_CMP_GT }, { "MASKED_EQ", SCMP_CMP_MASKED_EQ },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(ops[i].name, name) == 0) {
            *out = ops[i].op;
            return 0;
        }
    }
    return -EINVAL;
}

/* jstring -> a NUL-terminated copy in buf; -ENAMETOOLONG / -ENOMEM */
static int copy_string(JNIEnv *env, jstring s, char *buf, size_t size)
{
    if (!s)
        return -EINVAL;
    jsize n = (*env)->GetStringUTFLength(env, s);
    if ((size_t)n >= size)
        return -ENAMETOOLONG;
    (*env)->GetStringUTFRegion(env, s, 0, (*env)->GetStringLength(env, s), buf);
    buf[n] = '\0';
    return 0;
}

static int string_at(JNIEnv *env, jobjectArray a, jsize i, char *buf, size_t size)
{
    jstring s = (jstring)(*env)->GetObjectArrayElement(env, a, i);
    int rc = copy_string(env, s, buf, size);
    if (s)
        (*env)->DeleteLocalRef(env, s);
    return rc;
}

static void fail(JNIEnv *env, jintArray failure, int err, int stage, int index)
{
    jint f[3] = { err, stage, index };
    (*env)->SetIntArrayRegion(env, failure, 0, 3, f);
}

/* The program as bytes, or NULL with failure = {-errno, stage, index}. */
static jbyteArray export_program(JNIEnv *env, scmp_filter_ctx ctx, jintArray failure)
{
    int fd = memfd_create("quilt-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        fail(env, failure, -errno, STAGE_EXPORT, -1);
        return NULL;
    }
    int rc = seccomp_export_bpf(ctx, fd);
    off_t size = rc < 0 ? 0 : lseek(fd, 0, SEEK_END);
    if (rc >= 0 && size < 0)
        rc = -errno;
    if (rc >= 0 && (size <= 0 || size > (1 << 20)))
        rc = -EOVERFLOW;
    jbyteArray out = NULL;
    if (rc >= 0) {
        out = (*env)->NewByteArray(env, (jsize)size);
        jbyte *bytes = out ? (*env)->GetByteArrayElements(env, out, NULL) : NULL;
        if (!bytes) {
            rc = -ENOMEM;
        } else {
            off_t got = 0;
            while (got < size) {
                ssize_t n = pread(fd, (char *)bytes + got, (size_t)(size - got), got);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    rc = n < 0 ? -errno : -EIO;
                    break;
                }
                got += n;
            }
            (*env)->ReleaseByteArrayElements(env, out, bytes, rc < 0 ? JNI_ABORT : 0);
        }
    }
    close(fd);
    if (rc < 0) {
        fail(env, failure, rc, STAGE_EXPORT, -1);
        return NULL;
    }
    return out;
}

static int add_arches(JNIEnv *env, scmp_filter_ctx ctx, jobjectArray arches, jintArray failure)
{
    jsize n = (*env)->GetArrayLength(env, arches);
    for (jsize i = 0; i < n; i++) {
        char name[32];
        int rc = string_at(env, arches, i, name, sizeof name);
        uint32_t token = rc < 0 ? 0 : seccomp_arch_resolve_name(name);
        if (rc == 0 && token == 0)
            rc = -EDOM; /* libseccomp does not know it */
        if (rc == 0) {
            rc = seccomp_arch_add(ctx, token);
            if (rc == -EEXIST) /* the native one is there from seccomp_init */
                rc = 0;
        }
        if (rc < 0) {
            fail(env, failure, rc, STAGE_ARCH, i);
            return rc;
        }
    }
    return 0;
}

/* Rule i with its argument comparisons (args[first .. first+count)). */
static int add_rule(JNIEnv *env, scmp_filter_ctx ctx, uint32_t default_action, const char *syscall,
                    uint32_t action, const jint *arg_index, jobjectArray arg_ops, const jlong *arg_a,
                    const jlong *arg_b, jint first, jint count)
{
    int nr = seccomp_syscall_resolve_name(syscall);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not a syscall of this libseccomp or arch: runc and crun skip it too */
    if (action == default_action)
        return 0; /* libseccomp refuses it (EACCES); the default does the same */
    struct scmp_arg_cmp cmp[6];
    if (count < 0 || count > 6)
        return -E2BIG;
    for (jint k = 0; k < count; k++) {
        char op[16];
        int rc = string_at(env, arg_ops, first + k, op, sizeof op);
        enum scmp_compare c = SCMP_CMP_EQ;
        if (rc == 0)
            rc = op_of(op, &c);
        if (rc < 0)
            return rc;
        cmp[k] = (struct scmp_arg_cmp){ .arg = (unsigned int)arg_index[first + k], .op = c,
                                        .datum_a = (scmp_datum_t)arg_a[first + k],
                                        .datum_b = (scmp_datum_t)arg_b[first + k] };
    }
    return seccomp_rule_add_array(ctx, action, nr, (unsigned int)count, cmp);
}

static jbyteArray compile(JNIEnv *env, jclass cls, jstring jdefault, jint default_errno, jobjectArray arches,
                          jobjectArray names, jobjectArray actions, jintArray errnos, jintArray arg_counts,
                          jintArray arg_index, jobjectArray arg_ops, jlongArray arg_a, jlongArray arg_b,
                          jintArray failure)
{
    (void)cls;
    char name[64];
    uint32_t default_action;
    int rc = copy_string(env, jdefault, name, sizeof name);
    if (rc == 0)
        rc = action_of(name, default_errno, &default_action);
    if (rc < 0) {
        fail(env, failure, rc, STAGE_INIT, -1);
        return NULL;
    }
    scmp_filter_ctx ctx = seccomp_init(default_action);
    if (!ctx) {
        fail(env, failure, -ENOMEM, STAGE_INIT, -1);
        return NULL;
    }
    jbyteArray out = NULL;
    jsize n = (*env)->GetArrayLength(env, names);
    jint *errs = (*env)->GetIntArrayElements(env, errnos, NULL);
    jint *counts = (*env)->GetIntArrayElements(env, arg_counts, NULL);
    jint *idx = (*env)->GetIntArrayElements(env, arg_index, NULL);
    jlong *a = (*env)->GetLongArrayElements(env, arg_a, NULL);
    jlong *b = (*env)->GetLongArrayElements(env, arg_b, NULL);
    if (!errs || !counts || !idx || !a || !b) {
        fail(env, failure, -ENOMEM, STAGE_INIT, -1);
        goto out;
    }
    /* a binary tree of syscall numbers rather than a list: a syscall near the
     * end of a ~360-name allow-list is found in a few jumps, not hundreds */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) {
        fail(env, failure, rc, STAGE_INIT, -1);
        goto out;
    }
    if (add_arches(env, ctx, arches, failure) < 0)
        goto out;
    jint first = 0;
    for (jsize i = 0; i < n; i++) {
        char syscall[64], act[16];
        uint32_t action;
        rc = string_at(env, names, i, syscall, sizeof syscall);
        if (rc == 0)
            rc = string_at(env, actions, i, act, sizeof act);
        if (rc == 0)
            rc = action_of(act, errs[i], &action);
        if (rc == 0)
            rc = add_rule(env, ctx, default_action, syscall, action, idx, arg_ops, a, b, first, counts[i]);
        if (rc < 0) {
            fail(env, failure, rc, STAGE_RULE, i);
            goto out;
        }
        first += counts[i];
    }
    out = export_program(env, ctx, failure);
out:
    if (errs)
        (*env)->ReleaseIntArrayElements(env, errnos, errs, JNI_ABORT);
    if (counts)
        (*env)->ReleaseIntArrayElements(env, arg_counts, counts, JNI_ABORT);
    if (idx)
        (*env)->ReleaseIntArrayElements(env, arg_index, idx, JNI_ABORT);
    if (a)
        (*env)->ReleaseLongArrayElements(env, arg_a, a, JNI_ABORT);
    if (b)
        (*env)->ReleaseLongArrayElements(env, arg_b, b, JNI_ABORT);
    seccomp_release(ctx);
    return out;
}

/* "2.5.4": part of the cache key, so an upgraded libseccomp compiles afresh. */
static jstring version(JNIEnv *env, jclass cls)
{
    (void)cls;
    const struct scmp_version *v = seccomp_version();
    char buf[48];
    snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
    return (*env)->NewStringUTF(env, buf);
}

static const JNINativeMethod methods[] = {
    { "version", "()Ljava/lang/String;", (void *)version },
    { "compile",
      "(Ljava/lang/String;I[Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/String;[I[I[I[Ljava/lang/String;[J[J[I)[B",
      (void *)compile },
};

int quilt_register_seccomp(JNIEnv *env)
{
    return quilt_register(env, "SeccompCompiler", methods, sizeof methods / sizeof methods[0]);
}

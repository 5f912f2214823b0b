/* Peer of dev.quilt.linux.jni.Hooks: one OCI hook run by the JVM (poststart,
 * poststop) through the same runner as the monitor's and the init's
 * (common/hook.c): no fork of the JVM, the state on stdin, a timerfd deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hook.h"
#include "peers.h"

static void free_strings(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* A String[] as a NULL-terminated copy, or NULL (out of memory, or an exception pending). */
static char **strings(JNIEnv *env, jobjectArray a)
{
    jsize n = (*env)->GetArrayLength(env, a);
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v)
        return NULL;
    for (jsize i = 0; i < n; i++) {
        jstring s = (*env)->GetObjectArrayElement(env, a, i);
        const char *c = s ? (*env)->GetStringUTFChars(env, s, NULL) : NULL;
        v[i] = c ? strdup(c) : NULL;
        if (c)
            (*env)->ReleaseStringUTFChars(env, s, c);
        if (s)
            (*env)->DeleteLocalRef(env, s);
        if (!v[i]) {
            free_strings(v);
            return NULL;
        }
    }
    return v;
}

/* Runs the hook.  0 when it exited 0; n > 0: its failure line, n bytes in jline; -errno when it could not start. */
static jint run(JNIEnv *env, jclass cls, jstring jphase, jint index, jstring jpath, jobjectArray jargv,
                jobjectArray jenvp, jlong timeout_ms, jbyteArray jstate, jstring jcwd, jbyteArray jline)
{
    (void)cls;
    jint rc = -ENOMEM;
    const char *phase = (*env)->GetStringUTFChars(env, jphase, NULL);
    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    const char *cwd = (*env)->GetStringUTFChars(env, jcwd, NULL);
    char **argv = strings(env, jargv), **envp = strings(env, jenvp);
    jsize state_len = (*env)->GetArrayLength(env, jstate);
    char *state = malloc((size_t)state_len + 1);
    if (phase && path && cwd && argv && envp && state) {
        (*env)->GetByteArrayRegion(env, jstate, 0, state_len, (jbyte *)state);
        struct hook_spec h = { .path = path, .argv = argv, .envp = envp, .timeout_ms = (long)timeout_ms };
        struct hook_where w = { .cwd = cwd, .cwd_fd = -1, .ns_pidfd = -1, .ns_flags = 0 };
        struct hook_result r;
        rc = hook_run(&h, state, (size_t)state_len, &w, &r);
        if (rc == 0 && !hook_ok(&r)) {
            char line[1024];
            size_t n = hook_describe(phase, index, &h, &r, line, sizeof line);
            jsize cap = (*env)->GetArrayLength(env, jline);
            if ((jsize)n > cap)
                n = (size_t)cap;
            (*env)->SetByteArrayRegion(env, jline, 0, (jsize)n, (const jbyte *)line);
            rc = n ? (jint)n : 1;
        }
    }
    free(state);
    free_strings(argv);
    free_strings(envp);
    if (cwd)
        (*env)->ReleaseStringUTFChars(env, jcwd, cwd);
    if (path)
        (*env)->ReleaseStringUTFChars(env, jpath, path);
    if (phase)
        (*env)->ReleaseStringUTFChars(env, jphase, phase);
    return rc;
}

static const JNINativeMethod methods[] = {
    { "run", "(Ljava/lang/String;ILjava/lang/String;[Ljava/lang/String;[Ljava/lang/String;J[BLjava/lang/String;[B)I",
      (void *)run },
};

int quilt_register_hooks(JNIEnv *env)
{
    return quilt_register(env, "Hooks", methods, sizeof methods / sizeof methods[0]);
}

/* The library's one exported symbol. */
#include <stdio.h>
#include <string.h>

#include "peers.h"

#define EXPORT __attribute__((visibility("default")))

int quilt_register(JNIEnv *env, const char *simple_name, const JNINativeMethod *methods, int n)
{
    char name[128];
    snprintf(name, sizeof name, "%s%s", QUILT_JNI_PACKAGE, simple_name);
    jclass cls = (*env)->FindClass(env, name);
    if (!cls)
        return -1;
    int rc = (*env)->RegisterNatives(env, cls, methods, n);
    (*env)->DeleteLocalRef(env, cls);
    return rc == 0 ? 0 : -1;
}

EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_10) != JNI_OK)
        return JNI_ERR;
    /* no state to unwind: a failed RegisterNatives leaves its exception pending
     * and System.load throws it */
    if (quilt_register_errors(env) < 0 || quilt_register_processes(env) < 0 ||
        quilt_register_sockets(env) < 0 || quilt_register_watches(env) < 0 ||
        quilt_register_start_gate(env) < 0 || quilt_register_netlink(env) < 0 ||
        quilt_register_seccomp(env) < 0 || quilt_register_hooks(env) < 0 ||
        quilt_register_layer_files(env) < 0)
        return JNI_ERR;
    return JNI_VERSION_10;
}

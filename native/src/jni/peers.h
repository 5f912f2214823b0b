/* One register function per Java peer class; JNI_OnLoad calls them in turn. */
#ifndef QUILT_PEERS_H
#define QUILT_PEERS_H

#include <jni.h>

#define QUILT_JNI_PACKAGE "dev/quilt/linux/jni/"

int quilt_register_errors(JNIEnv *env);
int quilt_register_processes(JNIEnv *env);
int quilt_register_sockets(JNIEnv *env);
int quilt_register_watches(JNIEnv *env);
int quilt_register_start_gate(JNIEnv *env);
int quilt_register_netlink(JNIEnv *env);
int quilt_register_seccomp(JNIEnv *env);
int quilt_register_hooks(JNIEnv *env);
int quilt_register_layer_files(JNIEnv *env);

/* RegisterNatives on QUILT_JNI_PACKAGE + simple_name; 0 or -1 with an exception pending. */
int quilt_register(JNIEnv *env, const char *simple_name, const JNINativeMethod *methods, int n);

#endif

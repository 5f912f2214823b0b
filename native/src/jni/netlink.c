/* Peer of dev.quilt.linux.jni.Netlink: the network requests the JVM makes
 * itself (bridges, NAT, deleting links) and the per-container ones the
 * monitor makes, callable here so each is tested on its own.  Every function
 * returns a value >= 0 or -errno; on failure `err` gets the request that
 * failed and the kernel's explanation, NUL-terminated. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peers.h"
#include "net/link.h"
#include "net/nat.h"

static void report(JNIEnv *env, jbyteArray jerr, const struct net_error *e)
{
    char text[400];
    net_error_text(e, text, sizeof text);
    jsize cap = (*env)->GetArrayLength(env, jerr);
    jsize n = (jsize)strlen(text) + 1;
    if (n > cap)
        n = cap;
    if (n > 0) {
        text[n - 1] = 0;
        (*env)->SetByteArrayRegion(env, jerr, 0, n, (const jbyte *)text);
    }
}

/* Up to four Java strings held as C strings for one call. */
struct strings {
    JNIEnv *env;
    jstring j[4];
    const char *c[4];
    int n;
};

static const char *hold(struct strings *s, jstring j)
{
    const char *c = (*s->env)->GetStringUTFChars(s->env, j, NULL);
    if (c) {
        s->j[s->n] = j;
        s->c[s->n++] = c;
    }
    return c;
}

static void release(struct strings *s)
{
    for (int i = 0; i < s->n; i++)
        (*s->env)->ReleaseStringUTFChars(s->env, s->j[i], s->c[i]);
}

static int with_route_socket(int (*fn)(int, void *, struct net_error *), void *arg, struct net_error *e)
{
    int fd = nl_socket(NETLINK_ROUTE);
    if (fd < 0) {
        net_error_set(e, -fd, "open a netlink socket");
        return fd;
    }
    int rc = fn(fd, arg, e);
    close(fd);
    return rc;
}

struct bridge_args { const char *name; struct ipv4_prefix gw; };

static int do_bridge(int fd, void *arg, struct net_error *e)
{
    struct bridge_args *a = arg;
    int rc = net_bridge_ensure(fd, a->name, &a->gw, e);
    return rc < 0 ? rc : net_link_index(a->name);
}

static jint ensureBridge(JNIEnv *env, jclass cls, jstring jname, jstring jgw, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct bridge_args a;
    struct net_error e = { 0 };
    const char *gw;
    int rc;
    if (!(a.name = hold(&s, jname)) || !(gw = hold(&s, jgw))) {
        release(&s);
        return -ENOMEM;
    }
    if (ipv4_prefix_parse(gw, &a.gw) < 0) {
        net_error_set(&e, EINVAL, "parse gateway '%s'", gw);
        rc = -EINVAL;
    } else {
        rc = with_route_socket(do_bridge, &a, &e);
    }
    release(&s);
    if (rc < 0)
        report(env, jerr, &e);
    return rc;
}

static jint linkIndex(JNIEnv *env, jclass cls, jstring jname)
{
    (void)cls;
    struct strings s = { .env = env };
    const char *name = hold(&s, jname);
    int rc = name ? net_link_index(name) : -ENOMEM;
    release(&s);
    return rc;
}

static int do_delete(int fd, void *arg, struct net_error *e)
{
    return net_link_delete(fd, arg, e);
}

static jint deleteLink(JNIEnv *env, jclass cls, jstring jname, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    const char *name = hold(&s, jname);
    int rc = name ? with_route_socket(do_delete, (void *)name, &e) : -ENOMEM;
    release(&s);
    if (rc < 0 && rc != -ENOMEM)
        report(env, jerr, &e);
    return rc;
}

struct veth_args { const char *host, *peer; int bridge, ns; uint8_t mac[6]; int peer_index; };

static int do_veth(int fd, void *arg, struct net_error *e)
{
    struct veth_args *a = arg;
    return net_veth_add(fd, a->host, a->peer, a->bridge, a->ns, a->mac, &a->peer_index, e);
}

static jint addVeth(JNIEnv *env, jclass cls, jstring jhost, jstring jpeer, jstring jbridge, jint ns,
                    jbyteArray jmac, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct veth_args a = { .ns = ns };
    struct net_error e = { 0 };
    const char *bridge;
    int rc;
    if (!(a.host = hold(&s, jhost)) || !(a.peer = hold(&s, jpeer)) || !(bridge = hold(&s, jbridge))) {
        release(&s);
        return -ENOMEM;
    }
    (*env)->GetByteArrayRegion(env, jmac, 0, 6, (jbyte *)a.mac);
    a.bridge = net_link_index(bridge);
    if (a.bridge < 0) {
        net_error_set(&e, -a.bridge, "find bridge '%s'", bridge);
        rc = a.bridge;
    } else {
        rc = with_route_socket(do_veth, &a, &e);
    }
    release(&s);
    if (rc < 0) {
        report(env, jerr, &e);
        return rc;
    }
    return a.peer_index;
}

static jint configureInside(JNIEnv *env, jclass cls, jint ns, jint index, jstring jname, jstring jaddr,
                            jstring jgw, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    const char *name, *addr, *gw;
    struct ipv4_prefix a;
    struct in_addr g;
    int rc;
    if (!(name = hold(&s, jname)) || !(addr = hold(&s, jaddr)) || !(gw = hold(&s, jgw))) {
        release(&s);
        return -ENOMEM;
    }
    if (ipv4_prefix_parse(addr, &a) < 0 || inet_pton(AF_INET, gw, &g) != 1) {
        net_error_set(&e, EINVAL, "parse address '%s' or gateway '%s'", addr, gw);
        rc = -EINVAL;
    } else {
        int fd = nl_socket_in(ns, &e);
        rc = fd;
        if (fd >= 0) {
            rc = net_inside_configure(fd, index, name, &a, g, &e);
            close(fd);
        }
    }
    release(&s);
    if (rc < 0)
        report(env, jerr, &e);
    return rc;
}

static jint addNat(JNIEnv *env, jclass cls, jstring jtable, jstring jsubnet, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    const char *table, *subnet;
    struct ipv4_prefix p;
    int rc;
    if (!(table = hold(&s, jtable)) || !(subnet = hold(&s, jsubnet))) {
        release(&s);
        return -ENOMEM;
    }
    if (ipv4_prefix_parse(subnet, &p) < 0) {
        net_error_set(&e, EINVAL, "parse subnet '%s'", subnet);
        rc = -EINVAL;
    } else {
        rc = net_nat_add(table, &p, &e);
    }
    release(&s);
    if (rc < 0)
        report(env, jerr, &e);
    return rc;
}

static jint deleteNat(JNIEnv *env, jclass cls, jstring jtable, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    const char *table = hold(&s, jtable);
    int rc = table ? net_nat_delete(table, &e) : -ENOMEM;
    release(&s);
    if (rc < 0 && rc != -ENOMEM)
        report(env, jerr, &e);
    return rc;
}

static jint openNamespace(JNIEnv *env, jclass cls, jint pid)
{
    (void)env;
    (void)cls;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int quilt_register_netlink(JNIEnv *env)
{
    static const JNINativeMethod methods[] = {
        { "ensureBridge", "(Ljava/lang/String;Ljava/lang/String;[B)I", (void *)ensureBridge },
        { "linkIndex", "(Ljava/lang/String;)I", (void *)linkIndex },
        { "deleteLink", "(Ljava/lang/String;[B)I", (void *)deleteLink },
        { "addVeth", "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I[B[B)I", (void *)addVeth },
        { "configureInside", "(IILjava/lang/String;Ljava/lang/String;Ljava/lang/String;[B)I", (void *)configureInside },
        { "addNat", "(Ljava/lang/String;Ljava/lang/String;[B)I", (void *)addNat },
        { "deleteNat", "(Ljava/lang/String;[B)I", (void *)deleteNat },
        { "openNamespace", "(I)I", (void *)openNamespace },
    };
    return quilt_register(env, "Netlink", methods, sizeof methods / sizeof methods[0]);
}

/* Peer of dev.quilt.linux.jni.Netlink: the network requests the JVM makes
 * itself (facts about links and tables, bridges, NAT, deleting links) and the
 * per-container ones the monitor makes, callable here so each is tested on
 * its own.  Every function
 * returns a value >= 0 or -errno; on failure `err` gets the request that
 * failed and the kernel's explanation, NUL-terminated. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peers.h"
#include "net/facts.h"
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

/* "key value" lines into out (NUL-terminated); the alias made printable */
static int put_line(char *out, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int put_line(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        return -ENOBUFS;
    *len += (size_t)n;
    return 0;
}

static int facts_text(const struct link_facts *f, char *out, size_t cap)
{
    char alias[sizeof f->alias];
    size_t len = 0;
    int rc = 0;
    for (size_t i = 0; i < sizeof alias; i++) {
        unsigned char c = (unsigned char)f->alias[i];
        alias[i] = c == 0 ? 0 : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        if (!c)
            break;
    }
    rc |= put_line(out, cap, &len, "index %d\nkind %s\nup %d\nmaster %d\n", f->index, f->kind,
                   (f->flags & IFF_UP) != 0, f->master);
    if (f->has_mac)
        rc |= put_line(out, cap, &len, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", f->mac[0], f->mac[1], f->mac[2],
                       f->mac[3], f->mac[4], f->mac[5]);
    for (int i = 0; i < f->n_addrs; i++) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &f->addrs[i].addr, ip, sizeof ip);
        rc |= put_line(out, cap, &len, "addr %s/%d\n", ip, f->addrs[i].prefix);
    }
    rc |= put_line(out, cap, &len, "alias %s\n", alias);
    return rc < 0 ? -ENOBUFS : (int)len;
}

struct facts_args { const char *name; struct link_facts f; };

static int do_facts(int fd, void *arg, struct net_error *e)
{
    struct facts_args *a = arg;
    return net_link_facts(fd, a->name, &a->f, e);
}

static jint linkFacts(JNIEnv *env, jclass cls, jstring jname, jbyteArray jout, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    struct facts_args a = { 0 };
    if (!(a.name = hold(&s, jname))) {
        release(&s);
        return -ENOMEM;
    }
    int rc = with_route_socket(do_facts, &a, &e);
    release(&s);
    if (rc < 0) {
        if (rc != -ENODEV)
            report(env, jerr, &e);
        return rc;
    }
    char text[1024];
    rc = facts_text(&a.f, text, sizeof text);
    jsize cap = (*env)->GetArrayLength(env, jout);
    if (rc < 0 || rc > cap)
        return -ENOBUFS;
    (*env)->SetByteArrayRegion(env, jout, 0, rc, (const jbyte *)text);
    return rc;
}

struct index_args { int index; const char *name; struct ipv4_prefix gw; };

static int do_ports(int fd, void *arg, struct net_error *e)
{
    return net_link_ports(fd, ((struct index_args *)arg)->index, e);
}

static jint linkPorts(JNIEnv *env, jclass cls, jint index, jbyteArray jerr)
{
    (void)cls;
    struct net_error e = { 0 };
    struct index_args a = { .index = index };
    int rc = with_route_socket(do_ports, &a, &e);
    if (rc < 0)
        report(env, jerr, &e);
    return rc;
}

static int do_create(int fd, void *arg, struct net_error *e)
{
    struct index_args *a = arg;
    return net_bridge_create(fd, a->name, &a->gw, &a->index, e);
}

static int do_finish(int fd, void *arg, struct net_error *e)
{
    struct index_args *a = arg;
    return net_bridge_finish(fd, a->index, a->name, &a->gw, e);
}

/* createBridge (index 0: make it, return its index) and finishBridge (on `index`) */
static jint bridge(JNIEnv *env, int index, jstring jname, jstring jgw, jbyteArray jerr)
{
    struct strings s = { .env = env };
    struct index_args a = { .index = index };
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
        rc = with_route_socket(index ? do_finish : do_create, &a, &e);
    }
    release(&s);
    if (rc < 0) {
        report(env, jerr, &e);
        return rc;
    }
    return a.index;
}

static jint createBridge(JNIEnv *env, jclass cls, jstring jname, jstring jgw, jbyteArray jerr)
{
    (void)cls;
    return bridge(env, 0, jname, jgw, jerr);
}

static jint finishBridge(JNIEnv *env, jclass cls, jint index, jstring jname, jstring jgw, jbyteArray jerr)
{
    (void)cls;
    return index > 0 ? bridge(env, index, jname, jgw, jerr) : -EINVAL;
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
    struct index_args *a = arg;
    return net_link_delete_index(fd, a->index, a->name, e);
}

static jint deleteLink(JNIEnv *env, jclass cls, jint index, jstring jname, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    struct index_args a = { .index = index };
    if (!(a.name = hold(&s, jname))) {
        release(&s);
        return -ENOMEM;
    }
    int rc = with_route_socket(do_delete, &a, &e);
    release(&s);
    if (rc < 0)
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

static jint tableFacts(JNIEnv *env, jclass cls, jstring jtable, jlongArray jout, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    struct table_facts f;
    const char *table = hold(&s, jtable);
    int rc = table ? net_table_facts(table, &f, &e) : -ENOMEM;
    release(&s);
    if (rc < 0) {
        if (rc != -ENOENT && rc != -ENOMEM)
            report(env, jerr, &e);
        return rc;
    }
    jlong out[3] = { (jlong)f.handle, f.ours, f.commented };
    (*env)->SetLongArrayRegion(env, jout, 0, 3, out);
    return 0;
}

static jint addNat(JNIEnv *env, jclass cls, jstring jtable, jstring jsubnet, jlong replace, jbyteArray jerr)
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
        rc = net_nat_add(table, &p, (uint64_t)replace, &e);
    }
    release(&s);
    if (rc < 0)
        report(env, jerr, &e);
    return rc;
}

static jint deleteNat(JNIEnv *env, jclass cls, jstring jtable, jlong handle, jbyteArray jerr)
{
    (void)cls;
    struct strings s = { .env = env };
    struct net_error e = { 0 };
    const char *table = hold(&s, jtable);
    int rc = table ? net_nat_delete(table, (uint64_t)handle, &e) : -ENOMEM;
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
        { "linkFacts", "(Ljava/lang/String;[B[B)I", (void *)linkFacts },
        { "linkPorts", "(I[B)I", (void *)linkPorts },
        { "createBridge", "(Ljava/lang/String;Ljava/lang/String;[B)I", (void *)createBridge },
        { "finishBridge", "(ILjava/lang/String;Ljava/lang/String;[B)I", (void *)finishBridge },
        { "linkIndex", "(Ljava/lang/String;)I", (void *)linkIndex },
        { "deleteLink", "(ILjava/lang/String;[B)I", (void *)deleteLink },
        { "addVeth", "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I[B[B)I", (void *)addVeth },
        { "configureInside", "(IILjava/lang/String;Ljava/lang/String;Ljava/lang/String;[B)I", (void *)configureInside },
        { "tableFacts", "(Ljava/lang/String;[J[B)I", (void *)tableFacts },
        { "addNat", "(Ljava/lang/String;Ljava/lang/String;J[B)I", (void *)addNat },
        { "deleteNat", "(Ljava/lang/String;J[B)I", (void *)deleteNat },
        { "openNamespace", "(I)I", (void *)openNamespace },
    };
    return quilt_register(env, "Netlink", methods, sizeof methods / sizeof methods[0]);
}

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include <sys/mount.h>

#include "common/tlv.h"
#include "monitor/config.h"
#include "monitor/mount_opts.h"
#include "monitor/mounts.h"
#include "quilt/proto.h"
#include "tap.h"

int main(void)
{
    struct mount_opts o;
    ok(mount_opts_parse("rbind,ro,nosuid,rprivate", &o) == 0, "a bind's options parse");
    ok(o.bind && o.recursive, "rbind is a recursive bind");
    ok(o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && o.attr_clr == 0, "ro and nosuid are attributes to set");
    ok(o.propagation == (MS_PRIVATE | MS_REC), "rprivate is recursive private propagation");
    ok(o.data[0] == 0, "nothing left for data");

    ok(mount_opts_parse("rw,noexec,nosuid,nodev,size=64m,mode=1777", &o) == 0, "a tmpfs's options parse");
    ok(o.flags == (MS_NOEXEC | MS_NOSUID | MS_NODEV), "flags for mount(2)");
    ok(!strcmp(o.data, "size=64m,mode=1777"), "the rest is data, in order: %s", o.data);
    ok(o.attr_clr == MOUNT_ATTR_RDONLY, "rw clears read-only");
    ok(!o.bind, "no bind");

    ok(mount_opts_parse("ro,rw", &o) == 0 && !(o.flags & MS_RDONLY) && !(o.attr_set & MOUNT_ATTR_RDONLY),
       "the last of ro and rw wins");
    ok(mount_opts_parse("", &o) == 0 && o.flags == 0, "no options");
    ok(mount_opts_parse("ro,,nodev", &o) == -EINVAL, "an empty option is refused");
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    ok(mount_opts_parse(big, &o) == -EINVAL, "data too long for its buffer is refused");

    struct mount_entry m;
    char rec[] = "bind\n/work\n/srv/a b\nrbind,ro";
    ok(mount_entry_parse(rec, &m) == 0, "a mount record parses");
    ok(!strcmp(m.type, "bind") && !strcmp(m.dest, "/work") && !strcmp(m.source, "/srv/a b") &&
       !strcmp(m.options, "rbind,ro"), "its four fields");
    char empty_opts[] = "tmpfs\n/tmp\ntmpfs\n";
    ok(mount_entry_parse(empty_opts, &m) == 0 && m.options[0] == 0, "options may be empty");
    char short_rec[] = "tmpfs\n/tmp\ntmpfs";
    ok(mount_entry_parse(short_rec, &m) == -EINVAL, "a record with three fields is refused");
    char extra[] = "tmpfs\n/tmp\ntmpfs\nro\nx";
    ok(mount_entry_parse(extra, &m) == -EINVAL, "a record with five fields is refused");
    char relative[] = "tmpfs\ntmp\ntmpfs\n";
    ok(mount_entry_parse(relative, &m) == -EINVAL, "a relative destination is refused");

    struct device_entry d;
    char dev[] = "c 1 3 0666 0 0 /dev/mynull";
    ok(device_entry_parse(dev, &d) == 0, "a device record parses");
    ok(d.type == 'c' && d.major == 1 && d.minor == 3 && d.mode == 0666 && !strcmp(d.path, "/dev/mynull"),
       "its fields");
    char blk[] = "b 8 0 0660 0 6 /dev/disk a";
    ok(device_entry_parse(blk, &d) == 0 && d.type == 'b' && d.gid == 6 && !strcmp(d.path, "/dev/disk a"),
       "a block device, a path with a space");
    char bad_type[] = "p 1 3 0666 0 0 /dev/x";
    ok(device_entry_parse(bad_type, &d) == -EINVAL, "a fifo is no device");
    char outside[] = "c 1 3 0666 0 0 /etc/x";
    ok(device_entry_parse(outside, &d) == -EINVAL, "a node outside /dev is refused");

    /* the records through config_parse */
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(&w, QUILT_T_ID, "web");
    tlv_put_str(&w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(&w, QUILT_T_LOWER, "/img/rootfs");
    tlv_put_str(&w, QUILT_T_MERGED, "/c/merged");
    tlv_put_str(&w, QUILT_T_ARG, "sh");
    size_t base = w.len;
    tlv_put_str(&w, QUILT_T_MOUNT, "tmpfs\n/tmp\ntmpfs\nsize=1m");
    tlv_put_str(&w, QUILT_T_MOUNT, "bind\n/data\n/srv\nrbind");
    tlv_put_str(&w, QUILT_T_MASKED, "/proc/kcore");
    tlv_put_str(&w, QUILT_T_READONLY, "/proc/sys");
    tlv_put_str(&w, QUILT_T_DEVICE, "c 1 3 0666 0 0 /dev/mynull");
    tlv_put_long(&w, QUILT_T_READONLY_ROOT, 1);
    tlv_put_long(&w, QUILT_T_SYS_RW, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a config with mounts parses");
    ok(cfg.n_mounts == 2 && !strcmp(cfg.mounts[1].source, "/srv") && !strcmp(cfg.mounts[0].options, "size=1m"),
       "the mounts, in order");
    ok(cfg.n_masked == 1 && cfg.n_readonly == 1 && !strcmp(cfg.readonly[0], "/proc/sys"), "masked and read-only");
    ok(cfg.n_devices == 1 && cfg.devices[0].minor == 3, "the device");
    ok(cfg.readonly_root && cfg.sys_rw, "read-only root and writable sysfs");
    config_free(&cfg);

    w.len = base;
    tlv_put_str(&w, QUILT_T_MASKED, "proc/kcore");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "masked path"),
       "a relative masked path is named");
    w.len = base;
    tlv_put_str(&w, QUILT_T_MOUNT, "tmpfs\n/tmp");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "mount"), "a short mount is named");

    /* destinations resolve inside the root, whatever links the image holds */
    char top[] = "/tmp/quilt-tap-root-XXXXXX";
    ok(mkdtemp(top) != NULL, "a scratch dir");
    char rootdir[64], away[64], path[256];
    snprintf(rootdir, sizeof rootdir, "%s/root", top);
    snprintf(away, sizeof away, "%s/outside", top);
    mkdir(rootdir, 0755);
    mkdir(away, 0755);
    snprintf(path, sizeof path, "%s/abs", rootdir);
    ok(symlink(away, path) == 0, "an absolute link to a host path");
    snprintf(path, sizeof path, "%s/up", rootdir);
    ok(symlink("../../..", path) == 0, "a relative link up and out");
    int root = open(rootdir, O_PATH | O_DIRECTORY);
    int fd = open_in_root(root, "/abs/sub", 0);
    struct stat st;
    snprintf(path, sizeof path, "%s%s/sub", rootdir, away);
    ok(fd >= 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode), "a dangling absolute link is made inside the root");
    snprintf(path, sizeof path, "%s/sub", away);
    ok(stat(path, &st) < 0 && errno == ENOENT, "nothing is made at the host path the link names");
    if (fd >= 0)
        close(fd);
    fd = open_in_root(root, "/up/escaped/file", 1);
    snprintf(path, sizeof path, "%s/escaped/file", rootdir);
    ok(fd >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode), "'..' stops at the root; the file is made there");
    snprintf(path, sizeof path, "%s/escaped", top);
    ok(stat(path, &st) < 0, "nothing above the root");
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof path, "%s/plain", rootdir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    ok(open_in_root(root, "/plain/x", 0) == -ENOTDIR, "a file in the way is ENOTDIR");
    close(root);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    ok(system(cmd) == 0, "scratch dir removed");
    return tap_done();
}

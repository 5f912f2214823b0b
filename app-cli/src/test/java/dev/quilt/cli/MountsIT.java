package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container's file system on the real kernel (issue 13, mounts): -v, --tmpfs,
 * --read-only, --device; /sys and /sys/fs/cgroup read-only, the container's own
 * cgroups and no way to lift its limits through them; /etc files with no handle
 * on the host's file system; masks; every refusal one line with nothing made.
 * Containers run with --network none and a marker; nothing outlives the test.
 */
class MountsIT {
    /** statfs f_type as busybox's {@code stat -f -c %t} prints it. */
    private static final String OVERLAY = "794c7630", TMPFS = "1021994", EXT4 = "ef53";
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-mounts-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    /** quilt run --rm --network none [flags] -- sh -c script */
    private static Quilt.Result sh(List<String> flags, String script) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--network", "none", "-e", MARK));
        args.addAll(flags);
        args.addAll(List.of("--", "sh", "-c", script));
        return quilt.run(args.toArray(String[]::new));
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private static void oneLine(Quilt.Result r, String text) throws Exception {
        assertEquals(125, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("quilt: ") && r.err().contains(text), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals(List.of(), Leaks.containers(root), "a refused run leaves no container");
    }

    @Test
    void aVolumeIsTheHostsDirectoryAndReadOnlyOneRefusesWrites() throws Exception {
        Path vol = Files.createDirectory(root.resolve("vol"));
        Files.writeString(vol.resolve("from-host"), "host\n");
        Quilt.Result r = sh(List.of("-v", vol + ":/data", "-v", vol + ":/ro:ro"),
                "cat /data/from-host; echo container > /data/from-container; "
                        + "echo x > /ro/refused || echo refused; grep -c ' /ro ro,' /proc/self/mountinfo");
        assertEquals("host\nrefused\n1\n", ok(r));
        assertTrue(r.err().contains("Read-only file system"), r.err());
        assertEquals("container\n", Files.readString(vol.resolve("from-container")));
        assertFalse(Files.exists(vol.resolve("refused")));
    }

    @Test
    void aFileVolumeIsBoundOverAFileMadeInTheLayer() throws Exception {
        Path file = Files.writeString(root.resolve("config.txt"), "setting=1\n");
        assertEquals("setting=1\n", ok(sh(List.of("-v", file + ":/opt/app/config.txt:ro"), "cat /opt/app/config.txt")));
    }

    @Test
    void tmpfsIsAFreshTmpfsWithItsOptions() throws Exception {
        String out = ok(sh(List.of("--tmpfs", "/scratch:size=1m,mode=700"),
                "stat -f -c %t /scratch; stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo"));
        List<String> lines = out.lines().toList();
        assertEquals(TMPFS, lines.get(0));
        assertEquals("700", lines.get(1));
        assertTrue(lines.get(2).contains("rw,nosuid,nodev,noexec") && lines.get(2).contains("size=1024k"), out);
    }

    @Test
    void readOnlyRefusesWritesToTheRootButRunTmpAndVarTmpWork() throws Exception {
        Quilt.Result r = sh(List.of("--read-only"),
                "touch /x || echo refused; touch /tmp/a /run/a /var/tmp/a /dev/shm/a && echo writable");
        assertEquals("refused\nwritable\n", ok(r));
        assertTrue(r.err().contains("Read-only file system"), r.err());
    }

    @Test
    void aDeviceIsMadeAndAllowedWhereTheDefaultPolicyRefusesIt() throws Exception {
        // /dev/net/tun (10:200): opening it without TUNSETIFF makes nothing
        String mine = ok(sh(List.of("--device", "/dev/net/tun:/dev/mytun"),
                "ls -l /dev/mytun; : < /dev/mytun && echo opened"));
        assertTrue(mine.startsWith("crw") && mine.contains("10, 200") && mine.endsWith("opened\n"), mine);
        // MKNOD is not in the default set (podman's): with it, the node is made and the cgroup still refuses it
        Quilt.Result refused = sh(List.of("--cap-add", "MKNOD"), "mknod /dev/t c 10 200 && if ( : < /dev/t ); then echo opened; else echo refused; fi");
        assertEquals("refused\n", ok(refused));
        assertTrue(refused.err().contains("Operation not permitted"), refused.err());
        assertEquals("opened\n", ok(sh(List.of("--device", "/dev/null:/dev/mynull:rw"),
                "echo hi > /dev/mynull && echo opened")));
    }

    @Test
    void sysAndCgroupfsAreReadOnlyAndTheLimitsCannotBeLifted() throws Exception {
        String out = ok(sh(List.of("--pids-limit", "50"),
                "cat /sys/fs/cgroup/pids/pids.max; echo max > /sys/fs/cgroup/pids/pids.max || echo pids-refused; "
                        + "echo a > /sys/fs/cgroup/devices/devices.allow || echo devices-refused; "
                        + "for f in /sys/fs/cgroup/*/release_agent; do [ -e $f ] && echo x > $f && echo WROTE $f; done; "
                        + "touch /sys/kernel/x || echo sys-refused; "
                        + "grep -c ' /sys/fs/cgroup/[a-z]* ro,' /proc/self/mountinfo"));
        List<String> lines = out.lines().toList();
        assertEquals("50", lines.get(0), "the container sees its own cgroup: " + out);
        assertTrue(lines.containsAll(List.of("pids-refused", "devices-refused", "sys-refused")), out);
        assertFalse(out.contains("WROTE"), out);
        assertTrue(Integer.parseInt(lines.get(lines.size() - 1)) >= 6, "every hierarchy read-only: " + out);
    }

    @Test
    void etcFilesAreInTheContainersOwnLayerNotBoundFromTheHost() throws Exception {
        String out = ok(sh(List.of("--hostname", "box"),
                "stat -f -c %t /etc/hosts /etc/hostname /etc/resolv.conf; cat /etc/hostname; "
                        + "grep -c ' /etc/' /proc/self/mountinfo || true"));
        List<String> lines = out.lines().toList();
        assertEquals(List.of(OVERLAY, OVERLAY, OVERLAY, "box", "0"), lines, "no mount of a host file: " + out);
        assertFalse(out.contains(EXT4), out);
    }

    @Test
    void maskedAndReadOnlyPathsHoldTheirDefaults() throws Exception {
        String out = ok(sh(List.of(), "wc -c < /proc/keys; ls /sys/firmware | wc -l; "
                + "echo x > /proc/sys/kernel/hostname || echo sysctl-refused; "
                + "grep -c ' /proc/sys ro,nosuid,nodev,noexec' /proc/self/mountinfo"));
        assertEquals(List.of("0", "0", "sysctl-refused", "1"), out.lines().toList(), out);
    }

    /**
     * Without a mount capability a mask cannot be undone. Here the user is 1000; root
     * in the container lacks CAP_SYS_ADMIN once the default capability set applies
     * (confinement, part B), and the escape probes check that case.
     */
    @Test
    void masksCannotBeUndoneWithoutAMountCapability() throws Exception {
        Quilt.Result r = sh(List.of("-u", "1000"), "umount /proc/keys || echo refused; umount -l /sys/firmware || "
                + "echo refused; mount -o remount,rw /sys || echo refused; wc -c < /proc/keys; ls /sys/firmware | wc -l");
        assertEquals(List.of("refused", "refused", "refused", "0", "0"), ok(r).lines().toList());
        assertTrue(r.err().contains("Operation not permitted"), r.err());
    }

    @Test
    void aSymlinkInTheImageCannotAimAMountAtTheHost() throws Exception {
        Path vol = Files.createDirectory(root.resolve("symvol"));
        Path outside = Files.createDirectory(root.resolve("outside"));
        // the default image plus /lnk pointing at a host path
        ok(sh(List.of(), "true"));
        Path rootfs;
        try (var images = Files.list(root.resolve("data/images"))) {
            rootfs = images.map(d -> d.resolve("rootfs")).filter(Files::isDirectory).findFirst().orElseThrow();
        }
        Path extra = Files.createDirectory(root.resolve("extra"));
        Files.createSymbolicLink(extra.resolve("lnk"), outside);
        Path tar = root.resolve("symlink-image.tar");
        assertEquals(0, Quilt.sh("tar -C " + rootfs + " -cf " + tar + " . && tar -C " + extra + " -rf " + tar + " lnk"));
        ok(quilt.run("image", "import", tar.toString(), "--name", "symlinked"));
        String out = ok(quilt.run("run", "--rm", "--network", "none", "-e", MARK, "-v", vol + ":/lnk/sub", "symlinked",
                "--", "sh", "-c", "echo in > /lnk/sub/marker && readlink /lnk"));
        assertEquals(outside + "\n", out);
        assertEquals("in\n", Files.readString(vol.resolve("marker")), "the volume was mounted");
        try (var left = Files.list(outside)) {
            assertEquals(List.of(), left.toList(), "nothing made at the host path the link names");
        }
    }

    @Test
    void badMountFlagsAreOneLineAndMakeNothing() throws Exception {
        Path file = Files.writeString(root.resolve("plain"), "x");
        oneLine(sh(List.of("-v", root.resolve("missing") + ":/x"), "true"), "volume source '" + root.resolve("missing")
                + "' does not exist: create it first");
        oneLine(sh(List.of("-v", "relative:/x"), "true"), "must be an absolute host path");
        oneLine(sh(List.of("-v", "named-volume:/x"), "true"), "named volumes are not supported");
        oneLine(sh(List.of("-v", root + ":x"), "true"), "volume destination 'x' must be an absolute path");
        oneLine(sh(List.of("-v", root + ":/x:rx"), "true"), "volume option 'rx'");
        oneLine(sh(List.of("-v", root.toString()), "true"), "must be HOST:CONTAINER[:ro|rw]");
        oneLine(sh(List.of("-v", root + ":/"), "true"), "would cover the container's root");
        oneLine(sh(List.of("--tmpfs", "/t:size=lots"), "true"), "--tmpfs option 'size=lots'");
        oneLine(sh(List.of("--tmpfs", "/t:uid=me"), "true"), "--tmpfs option 'uid=me'");
        oneLine(sh(List.of("--tmpfs", "t"), "true"), "--tmpfs destination 't' must be an absolute path");
        oneLine(sh(List.of("--device", file.toString() + ":/dev/x"), "true"), "is not a device node");
        oneLine(sh(List.of("--device", "/dev/no-such-device"), "true"), "device '/dev/no-such-device' does not exist");
        oneLine(sh(List.of("--device", "/dev/null:/etc/null"), "true"), "must be under /dev/");
        oneLine(sh(List.of("--device", "/dev/null:/dev/n:rwx"), "true"), "device permissions 'rwx'");
    }
}

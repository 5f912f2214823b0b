package dev.quilt.linux;

import dev.quilt.ports.Privileges;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Root is read from /proc/self/status, so the check needs no native library. */
public final class LinuxPrivileges implements Privileges {
    @Override
    public boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.split("\\s+");
                    return f.length > 2 && f[2].equals("0"); // the effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}

package dev.quilt.ports;

import java.io.InputStream;

/**
 * The small image that lets {@code quilt run -- CMD} work with no image named:
 * a rootfs tar made on this machine (busybox on Linux).
 */
public interface DefaultImageSource {
    /** A tar of the default rootfs; fails with one line saying what to install. */
    InputStream openTar();
}

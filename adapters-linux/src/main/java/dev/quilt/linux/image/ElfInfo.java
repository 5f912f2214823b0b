package dev.quilt.linux.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Just enough ELF to tell a static binary from one that needs a dynamic loader. */
final class ElfInfo {
    private static final int PT_INTERP = 3;

    private ElfInfo() {}

    /** True when the 64-bit little-endian ELF has a PT_INTERP program header. */
    static boolean hasInterpreter(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1) throw new IllegalArgumentException("not a 64-bit little-endian ELF file");
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36));
        int phnum = Short.toUnsignedInt(b.getShort(0x38));
        for (int i = 0; i < phnum; i++) {
            long at = phoff + (long) i * phentsize;
            if (at + 4 > elf.length) break;
            if (b.getInt((int) at) == PT_INTERP) return true;
        }
        return false;
    }
}

package dev.quilt.domain.seccomp;

import dev.quilt.domain.QuiltException;

import java.util.Locale;

/**
 * The host a filter is built for: its architecture in the three spellings a profile
 * uses, and its kernel (for {@code minKernel}).
 *
 * @param nativeArch  Go's name, as docker profiles' {@code includes.arches} say it ({@code amd64}, {@code arm64})
 * @param seccompArch libseccomp's, as {@code archMap} and OCI say it ({@code SCMP_ARCH_X86_64})
 */
public record Platform(String nativeArch, String seccompArch, KernelVersion kernel) {
    /**
     * From the machine name uname(2) gives ({@code x86_64}, {@code aarch64}; the JVM's
     * {@code os.arch} names {@code amd64} too) and the kernel release.
     */
    public static Platform of(String machine, String kernelRelease) {
        KernelVersion k = KernelVersion.parse(kernelRelease);
        return switch (machine.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64" -> new Platform("amd64", "SCMP_ARCH_X86_64", k);
            case "aarch64", "arm64" -> new Platform("arm64", "SCMP_ARCH_AARCH64", k);
            case "i386", "i686", "x86" -> new Platform("x86", "SCMP_ARCH_X86", k);
            case "arm", "armv7l" -> new Platform("arm", "SCMP_ARCH_ARM", k);
            case "riscv64" -> new Platform("riscv64", "SCMP_ARCH_RISCV64", k);
            case "s390x" -> new Platform("s390x", "SCMP_ARCH_S390X", k);
            case "ppc64le" -> new Platform("ppc64le", "SCMP_ARCH_PPC64LE", k);
            default -> throw QuiltException.invalid("seccomp: architecture '" + machine
                    + "' is not one quilt builds filters for (x86_64, aarch64, i386, arm, riscv64, s390x, ppc64le)");
        };
    }
}

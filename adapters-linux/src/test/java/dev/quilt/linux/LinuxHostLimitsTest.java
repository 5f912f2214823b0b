package dev.quilt.linux;

import dev.quilt.ports.HostLimits;
import dev.quilt.ports.HostLimitsContract;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LinuxHostLimitsTest extends HostLimitsContract {
    @Override
    protected HostLimits limits() {
        return new LinuxHostLimits();
    }

    @Test
    void cpuListsCountEachCpuOnce() {
        assertEquals(1, LinuxHostLimits.countCpus("0"));
        assertEquals(2, LinuxHostLimits.countCpus("0-1"));
        assertEquals(7, LinuxHostLimits.countCpus("0-3,8,10-11"));
    }

    @Test
    void theStackLimitIsTheSoftOne() {
        String header = "Limit                     Soft Limit           Hard Limit           Units     ";
        assertEquals(OptionalLong.of(8388608), LinuxHostLimits.stackLimit(List.of(header,
                "Max stack size            8388608              unlimited            bytes     ")));
        assertEquals(OptionalLong.empty(), LinuxHostLimits.stackLimit(List.of(header,
                "Max stack size            unlimited            unlimited            bytes     ")));
    }
}

package dev.quilt.fake;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Seccomp;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.SeccompFiltersContract;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FakeSeccompFiltersTest extends SeccompFiltersContract {
    @Override
    protected SeccompFilters filters() {
        return new FakeSeccompFilters();
    }

    @Test
    void eachProgramIsMadeOnce() {
        FakeSeccompFilters f = new FakeSeccompFilters();
        for (int i = 0; i < 3; i++) f.program(Seccomp.DEFAULT, Capabilities.DEFAULT);
        f.program(Seccomp.DEFAULT, Capabilities.ALL);
        assertEquals(2, f.compiles());
    }
}

package dev.quilt.fake;

import dev.quilt.ports.HostLimits;
import dev.quilt.ports.HostLimitsContract;

class FakeHostLimitsTest extends HostLimitsContract {
    @Override
    protected HostLimits limits() {
        return FakeHostLimits.DEFAULT;
    }
}

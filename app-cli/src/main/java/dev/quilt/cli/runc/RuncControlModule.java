package dev.quilt.cli.runc;

import dagger.Binds;
import dagger.Module;
import dagger.multibindings.ClassKey;
import dagger.multibindings.IntoMap;

/**
 * The control verbs of {@code quilt-runc} (pause, resume, ps, events, update), so the
 * command factory builds each with its use cases; one line each where
 * {@link RuncCommand} lists its subcommands.
 */
@Module
public interface RuncControlModule {
    @Binds @IntoMap @ClassKey(RuncCommand.class)
    Object runc(RuncCommand c);

    @Binds @IntoMap @ClassKey(RuncPause.class)
    Object pause(RuncPause c);

    @Binds @IntoMap @ClassKey(RuncResume.class)
    Object resume(RuncResume c);

    @Binds @IntoMap @ClassKey(RuncPs.class)
    Object ps(RuncPs c);

    @Binds @IntoMap @ClassKey(RuncEvents.class)
    Object events(RuncEvents c);

    @Binds @IntoMap @ClassKey(RuncUpdate.class)
    Object update(RuncUpdate c);
}

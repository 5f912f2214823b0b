package dev.quilt.cli.serve;

import dagger.Binds;
import dagger.Module;
import dagger.multibindings.IntoSet;
import dagger.multibindings.Multibinds;

import java.util.Set;

/** The server's parts: each {@link Routes} and {@link Background} class is bound into its set here, one line each. */
@Module
public interface ServeModule {
    @Multibinds
    Set<Routes> routes();

    @Multibinds
    Set<Background> background();

    @Binds @IntoSet
    Background execZygotes(ExecZygotesSwitch s);

    @Binds @IntoSet
    Routes system(SystemRoutes r);

    @Binds @IntoSet
    Routes networks(NetworkRoutes r);

    @Binds @IntoSet
    Routes volumes(VolumeRoutes r);

    @Binds @IntoSet
    Routes events(EventRoutes r);

    @Binds @IntoSet
    Background stateWatcher(StateWatcher w);

    @Binds @IntoSet
    Background supervisor(Supervisor s);

    @Binds @IntoSet
    Background freezeRecovery(FreezeRecovery r);

    @Binds @IntoSet
    Routes containers(ContainerRoutes r);

    @Binds @IntoSet
    Routes containerConfig(ContainerConfigRoutes r);

    @Binds @IntoSet
    Routes layers(LayerRoutes r);

    @Binds @IntoSet
    Routes checkpoints(CheckpointRoutes r);

    @Binds @IntoSet
    Routes exec(ExecRoutes r);

    @Binds @IntoSet
    Routes images(ImageRoutes r);

    @Binds @IntoSet
    Routes archive(ArchiveRoutes r);

    @Binds @IntoSet
    Routes streams(StreamRoutes r);

    @Binds @IntoSet
    Background fastCli(dev.quilt.cli.fast.FastCliServer s);

    @Binds @IntoSet
    Background execRecords(ExecRecordWriter w);
}

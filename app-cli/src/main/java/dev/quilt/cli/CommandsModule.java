package dev.quilt.cli;

import dagger.Binds;
import dagger.Module;
import dagger.multibindings.ClassKey;
import dagger.multibindings.IntoMap;

/** Every picocli command class, so {@link DaggerFactory} can build it with its dependencies. */
@Module
interface CommandsModule {
    @Binds @IntoMap @ClassKey(QuiltCommand.class)
    Object quilt(QuiltCommand c);

    @Binds @IntoMap @ClassKey(ServeCommand.class)
    Object serve(ServeCommand c);

    @Binds @IntoMap @ClassKey(RunCommand.class)
    Object run(RunCommand c);

    @Binds @IntoMap @ClassKey(ImageCommand.class)
    Object image(ImageCommand c);

    @Binds @IntoMap @ClassKey(ImageCommand.Import.class)
    Object imageImport(ImageCommand.Import c);

    @Binds @IntoMap @ClassKey(ImageCommand.Ls.class)
    Object imageLs(ImageCommand.Ls c);

    @Binds @IntoMap @ClassKey(ImageCommand.Rm.class)
    Object imageRm(ImageCommand.Rm c);

    @Binds @IntoMap @ClassKey(CreateCommand.class)
    Object create(CreateCommand c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Start.class)
    Object start(LifecycleCommands.Start c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Kill.class)
    Object kill(LifecycleCommands.Kill c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Restart.class)
    Object restart(LifecycleCommands.Restart c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Stop.class)
    Object stop(LifecycleCommands.Stop c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Wait.class)
    Object waitFor(LifecycleCommands.Wait c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Rm.class)
    Object rm(LifecycleCommands.Rm c);

    @Binds @IntoMap @ClassKey(CheckpointCommands.Checkpoint.class)
    Object checkpoint(CheckpointCommands.Checkpoint c);

    @Binds @IntoMap @ClassKey(CheckpointCommands.Ls.class)
    Object checkpointLs(CheckpointCommands.Ls c);

    @Binds @IntoMap @ClassKey(CheckpointCommands.Inspect.class)
    Object checkpointInspect(CheckpointCommands.Inspect c);

    @Binds @IntoMap @ClassKey(CheckpointCommands.Rm.class)
    Object checkpointRm(CheckpointCommands.Rm c);

    @Binds @IntoMap @ClassKey(CheckpointCommands.Restore.class)
    Object restoreCheckpoint(CheckpointCommands.Restore c);

    @Binds @IntoMap @ClassKey(LifecycleCommands.Gc.class)
    Object gc(LifecycleCommands.Gc c);

    @Binds @IntoMap @ClassKey(InfoCommands.Ps.class)
    Object ps(InfoCommands.Ps c);

    @Binds @IntoMap @ClassKey(InfoCommands.Inspect.class)
    Object inspect(InfoCommands.Inspect c);

    @Binds @IntoMap @ClassKey(NetworkCommand.class)
    Object network(NetworkCommand c);

    @Binds @IntoMap @ClassKey(NetworkCommand.Create.class)
    Object networkCreate(NetworkCommand.Create c);

    @Binds @IntoMap @ClassKey(NetworkCommand.Rm.class)
    Object networkRm(NetworkCommand.Rm c);

    @Binds @IntoMap @ClassKey(NetworkCommand.Inspect.class)
    Object networkInspect(NetworkCommand.Inspect c);

    @Binds @IntoMap @ClassKey(InfoCommands.Logs.class)
    Object logs(InfoCommands.Logs c);

    @Binds @IntoMap @ClassKey(StatsCommand.class)
    Object stats(StatsCommand c);

    @Binds @IntoMap @ClassKey(ExecCommand.class)
    Object exec(ExecCommand c);

    @Binds @IntoMap @ClassKey(HealthCommand.class)
    Object health(HealthCommand c);

    @Binds @IntoMap @ClassKey(PauseCommands.Pause.class)
    Object pause(PauseCommands.Pause c);

    @Binds @IntoMap @ClassKey(PauseCommands.Unpause.class)
    Object unpause(PauseCommands.Unpause c);

    @Binds @IntoMap @ClassKey(UpdateCommand.class)
    Object update(UpdateCommand c);
}

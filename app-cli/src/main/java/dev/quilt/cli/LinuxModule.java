package dev.quilt.cli;

import dagger.Module;
import dagger.Provides;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.cgroup.LinuxCgroups;
import dev.quilt.linux.monitor.LinuxContainerExec;
import dev.quilt.linux.LinuxHostLimits;
import dev.quilt.linux.LinuxPrivileges;
import dev.quilt.linux.RandomIds;
import dev.quilt.linux.ScheduledTicker;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.BusyboxImage;
import dev.quilt.linux.seccomp.LinuxSeccompFilters;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.linux.image.DockerImageArchives;
import dev.quilt.linux.files.LinuxContainerFiles;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.monitor.MonitorSpawner;
import dev.quilt.linux.net.FsNetworkStore;
import dev.quilt.linux.net.LinuxHostNetwork;
import dev.quilt.linux.state.FsStateStore;
import dev.quilt.linux.storage.OverlayStorage;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.Clock;
import dev.quilt.ports.Ticker;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.DefaultImageSource;
import dev.quilt.ports.HostLimits;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.IdSource;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.Privileges;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.StateStore;
import dev.quilt.ports.SubordinateIds;
import dev.quilt.linux.logs.CriLogs;
import dev.quilt.linux.process.LinuxContainerProcesses;
import dev.quilt.ports.ContainerLogs;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.CollectGarbage;
import dev.quilt.usecases.ContainerStats;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.DefineNetwork;
import dev.quilt.usecases.DescribeNetwork;
import dev.quilt.usecases.RemoveNetwork;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.linux.StderrWarnings;
import dev.quilt.linux.process.LinuxHookRunner;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.ImportImage;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.UpdateResources;
import dev.quilt.usecases.ListProcesses;
import dev.quilt.usecases.ContainerEvents;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.ListContainers;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RemoveImage;
import dev.quilt.usecases.LoadImage;
import dev.quilt.usecases.SaveImage;
import dev.quilt.usecases.ContainerArchive;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;

import javax.inject.Singleton;

/** The real adapters, and the use cases built on them. Built lazily: after the options are parsed. */
@Module
public final class LinuxModule {
    private LinuxModule() {}

    @Provides @Singleton
    static LinuxPaths paths(GlobalOptions options) {
        return options.paths();
    }

    @Provides @Singleton
    static NativeLibrary nativeLibrary(LinuxPaths paths) {
        return NativeLibrary.load(paths.nativeCache());
    }

    @Provides @Singleton
    static Privileges privileges() {
        return new LinuxPrivileges();
    }

    @Provides @Singleton
    static HostLimits hostLimits() {
        return new LinuxHostLimits();
    }

    /** Seccomp programs compiled once (libseccomp) and cached under data/seccomp; needs the native library. */
    @Provides @Singleton
    static SeccompFilters seccompFilters(LinuxPaths paths, NativeLibrary lib) {
        return new LinuxSeccompFilters(paths.seccompCache());
    }

    @Provides @Singleton
    static Clock clock() {
        return new SystemClock();
    }

    @Provides @Singleton
    static IdSource ids() {
        return new RandomIds();
    }

    @Provides @Singleton
    static StateStore state(LinuxPaths paths) {
        return new FsStateStore(paths);
    }

    @Provides @Singleton
    static ImageStore images(LinuxPaths paths, Clock clock, Privileges privileges) {
        return new FsImageStore(paths, clock, privileges.isRoot());
    }

    @Provides @Singleton
    static ContainerStorage storage(LinuxPaths paths) {
        return new OverlayStorage(paths);
    }

    @Provides @Singleton
    static ProcessSpawner spawner(LinuxPaths paths, NativeLibrary lib, SeccompFilters seccomp, Invocation invocation) {
        return new MonitorSpawner(paths, lib, seccomp, invocation.callerFds());
    }

    @Provides @Singleton
    static DefaultImageSource defaultImage() {
        return new BusyboxImage();
    }

    @Provides
    static ImageResolver imageResolver(ImageStore images, DefaultImageSource defaultImage) {
        return new ImageResolver(images, defaultImage);
    }

    @Provides @Singleton
    static ContainerProcesses processes(LinuxPaths paths, StateStore state, NativeLibrary lib) {
        return new LinuxContainerProcesses(paths, state);
    }

    @Provides @Singleton
    static ContainerLogs logs(LinuxPaths paths, NativeLibrary lib) {
        return new CriLogs(paths);
    }

    @Provides @Singleton
    static NetworkStore networkStore(LinuxPaths paths) {
        return new FsNetworkStore(paths);
    }

    @Provides @Singleton
    static HostNetwork hostNetwork(LinuxPaths paths, NativeLibrary lib) {
        return new LinuxHostNetwork(paths); // lib: loaded before any netlink call
    }

    @Provides @Singleton
    static Cgroups cgroups(LinuxPaths paths, NativeLibrary lib) {
        return LinuxCgroups.probe(paths.cgroupParent(), paths.run().resolve(".cgroup-parent.lock")); // lib: removal waits with inotify and pidfds
    }

    @Provides
    static Forget forget(StateStore state, ContainerStorage storage, HostNetwork network, NetworkStore addresses,
                         Cgroups cgroups) {
        return new Forget(state, storage, network, addresses, cgroups);
    }

    @Provides
    static ContainerStats containerStats(ContainerLookup lookup, Cgroups cgroups) {
        return new ContainerStats(lookup, cgroups);
    }

    /** Off until {@code quilt serve} turns them on ({@code ExecZygotesSwitch}): the one-shot CLI spawns quilt-exec. */
    @Provides @Singleton
    static dev.quilt.linux.monitor.ExecZygotes execZygotes(NativeLibrary lib) {
        return new dev.quilt.linux.monitor.ExecZygotes(lib);
    }

    @Provides @Singleton
    static ContainerExec containerExec(NativeLibrary lib, SeccompFilters seccomp,
                                       dev.quilt.linux.monitor.ExecZygotes zygotes) {
        return new LinuxContainerExec(lib, seccomp, zygotes);
    }

    @Provides @Singleton
    static dev.quilt.ports.ExecRecords execRecords(LinuxPaths paths) {
        return new dev.quilt.linux.state.FsExecRecords(paths);
    }

    @Provides
    static dev.quilt.ports.StdioPairs stdioPairs() {
        return new dev.quilt.linux.monitor.LinuxStdioPairs();
    }

    @Provides
    static ExecInContainer execInContainer(ContainerLookup lookup, Cgroups cgroups, ContainerExec exec,
                                           HostLimits host) {
        return new ExecInContainer(lookup, cgroups, exec, host);
    }

    @Provides
    static AttachNetwork attachNetwork(NetworkStore store, HostNetwork host) {
        return new AttachNetwork(store, host);
    }

    @Provides
    static DefineNetwork defineNetwork(NetworkStore store, HostNetwork host) {
        return new DefineNetwork(store, host);
    }

    @Provides
    static RemoveNetwork removeNetwork(NetworkStore store, HostNetwork host, StateStore state) {
        return new RemoveNetwork(store, host, state);
    }

    @Provides
    static DescribeNetwork describeNetwork(NetworkStore store, HostNetwork host) {
        return new DescribeNetwork(store, host);
    }

    @Provides
    static ContainerLauncher launcher(ImageResolver images, StateStore state, ContainerStorage storage,
                                      ProcessSpawner spawner, Forget forget, AttachNetwork network, Cgroups cgroups,
                                      IdSource ids, Clock clock, HostLimits host, SubordinateIds subordinate) {
        return new ContainerLauncher(images, state, storage, spawner, forget, network, cgroups, ids, clock, host,
                subordinate);
    }

    @Provides
    static SubordinateIds subordinateIds(LinuxPaths paths) {
        return dev.quilt.linux.userns.LinuxSubordinateIds.fromEnvironment(paths);
    }

    @Provides
    static ContainerLookup lookup(StateStore state, ContainerProcesses processes, Clock clock, Cgroups cgroups) {
        return new ContainerLookup(state, processes, clock, cgroups);
    }

    @Provides
    static RunContainer runContainer(ContainerLauncher launcher, StateStore state, Forget forget, Clock clock) {
        return new RunContainer(launcher, state, forget, clock);
    }

    @Provides
    static CreateContainer createContainer(ContainerLauncher launcher, BecomeReady ready, ContainerLookup lookup,
                                           dev.quilt.ports.CheckpointStore checkpoints,
                                           dagger.Lazy<dev.quilt.usecases.RestoreContainer> restore,
                                           Invocation invocation) {
        // the persist policy (issue 16): a persisted create restores its name's newest checkpoint, or says why not
        return new CreateContainer(launcher, ready, new dev.quilt.usecases.PersistContainer(checkpoints, lookup,
                warnings(invocation)), (from, name, outcome) ->
                dev.quilt.usecases.PersistContainer.through(restore.get()).restore(from, name, outcome));
    }

    /** An OCI bundle's poststart and poststop hooks, run through the library; their failures go to stderr. */
    @Provides @Singleton
    static LifecycleHooks lifecycleHooks(NativeLibrary lib) {
        return new LifecycleHooks(new LinuxHookRunner(), new StderrWarnings());
    }

    @Provides
    static StartContainer startContainer(ContainerLookup lookup, StateStore state, ContainerProcesses processes,
                                         BecomeReady ready, Clock clock, LifecycleHooks hooks) {
        return new StartContainer(lookup, state, processes, ready, clock, hooks);
    }

    @Provides
    static RestartContainer restartContainer(ContainerLookup lookup, StateStore state, ContainerLauncher launcher,
                                             BecomeReady ready, StartContainer start, StopContainer stop) {
        return new RestartContainer(lookup, state, launcher, ready, start, stop);
    }

    @Provides @Singleton
    static Ticker ticker() {
        return new ScheduledTicker();
    }

    @Provides
    static CheckHealth checkHealth(ContainerLookup lookup, StateStore state, Cgroups cgroups, ContainerExec exec,
                                   Clock clock) {
        return new CheckHealth(lookup, state, cgroups, exec, clock);
    }

    @Provides
    static BecomeReady becomeReady(StateStore state, ContainerExec exec, ContainerProcesses processes,
                                   CheckHealth health, Ticker ticker, Forget forget, Clock clock) {
        return new BecomeReady(state, exec, processes, health, ticker, forget, clock);
    }

    @Provides
    static KillContainer killContainer(ContainerLookup lookup, ContainerProcesses processes, Cgroups cgroups) {
        return new KillContainer(lookup, processes, cgroups);
    }

    @Provides
    static PauseContainer pauseContainer(ContainerLookup lookup, Cgroups cgroups) {
        return new PauseContainer(lookup, cgroups);
    }

    /** runc's checkpoint (quilt-runc): CRIU's images into the caller's directory, through the same Checkpointer. */
    @Provides
    static dev.quilt.usecases.CheckpointToImages checkpointToImages(ContainerLookup lookup, StateStore state,
                                                                   dev.quilt.ports.Checkpointer checkpointer,
                                                                   Clock clock) {
        return new dev.quilt.usecases.CheckpointToImages(lookup, state, checkpointer, clock);
    }

    @Provides
    static ResumeContainer resumeContainer(ContainerLookup lookup, Cgroups cgroups,
                                           dev.quilt.usecases.ThawAbandonedFreezes freezes) {
        return new ResumeContainer(lookup, cgroups, freezes);
    }

    @Provides
    static dev.quilt.usecases.ThawAbandonedFreezes thawAbandonedFreezes(ContainerLookup lookup, StateStore state,
                                                                       dev.quilt.ports.CheckpointStore store,
                                                                       Cgroups cgroups) {
        return new dev.quilt.usecases.ThawAbandonedFreezes(lookup, state, store, cgroups);
    }

    @Provides
    static UpdateResources updateResources(ContainerLookup lookup, Cgroups cgroups, StateStore state) {
        return new UpdateResources(lookup, cgroups, state);
    }

    @Provides
    static dev.quilt.usecases.ContainerFilesystem containerFilesystem(ContainerLookup lookup, LinuxPaths paths,
                                                                     NativeLibrary lib) {
        return new dev.quilt.usecases.ContainerFilesystem(lookup,
                new dev.quilt.linux.storage.LinuxContainerLayers(paths, lib));
    }

    @Provides
    static dev.quilt.usecases.RenameContainer renameContainer(ContainerLookup lookup, StateStore state) {
        return new dev.quilt.usecases.RenameContainer(lookup, state);
    }

    @Provides
    static ListProcesses listProcesses(ContainerLookup lookup, Cgroups cgroups) {
        return new ListProcesses(lookup, cgroups);
    }

    @Provides
    static ContainerEvents containerEvents(ContainerLookup lookup, Cgroups cgroups, ContainerProcesses processes) {
        return new ContainerEvents(lookup, cgroups, processes);
    }

    @Provides
    static WaitContainer waitContainer(ContainerLookup lookup, ContainerProcesses processes) {
        return new WaitContainer(lookup, processes);
    }

    @Provides
    static StopContainer stopContainer(ContainerLookup lookup, ContainerProcesses processes, WaitContainer waiter,
                                       Cgroups cgroups) {
        return new StopContainer(lookup, processes, waiter, cgroups);
    }

    @Provides
    static RemoveContainer removeContainer(ContainerLookup lookup, StateStore state, ContainerProcesses processes,
                                           Forget forget, Cgroups cgroups, LifecycleHooks hooks,
                                           dagger.Lazy<dev.quilt.usecases.CheckpointContainer> checkpoint,
                                           Invocation invocation) {
        // the persist policy (issue 16): a live persisted container is checkpointed before it goes
        return new RemoveContainer(lookup, state, processes, forget, cgroups, hooks,
                c -> checkpoint.get().checkpoint(new dev.quilt.usecases.CheckpointContainer.Command(c.id().value(),
                        java.util.Optional.empty(), false, false)), warnings(invocation));
    }

    /** Warnings on the caller's own stderr ({@code warning: LINE}): the fast CLI's client's, not the server's. */
    static dev.quilt.ports.Warnings warnings(Invocation invocation) {
        return line -> {
            invocation.err().println("warning: " + line);
            invocation.err().flush();
        };
    }

    @Provides
    static dev.quilt.usecases.ForkContainer forkContainer(dev.quilt.usecases.RestoreContainer restore,
                                                          dev.quilt.ports.CheckpointStore store, ContainerLookup lookup,
                                                          RemoveContainer remove) {
        return new dev.quilt.usecases.ForkContainer(restore, store, lookup, remove);
    }

    @Provides
    static ListContainers listContainers(ContainerLookup lookup) {
        return new ListContainers(lookup);
    }

    @Provides
    static CollectGarbage collectGarbage(ContainerLookup lookup, StateStore state, ContainerStorage storage,
                                         ImageStore images, NetworkStore addresses, Cgroups cgroups, Forget forget,
                                         ContainerProcesses processes) {
        return new CollectGarbage(lookup, state, storage, images, addresses, cgroups, forget, processes);
    }

    @Provides
    static ImportImage importImage(ImageStore images) {
        return new ImportImage(images);
    }

    @Provides
    static ContainerArchive containerArchive(ContainerLookup lookup, NativeLibrary lib) {
        return new ContainerArchive(lookup, new LinuxContainerFiles(lib));
    }

    @Provides
    static dev.quilt.usecases.ResolveUser resolveUser(NativeLibrary lib) {
        return new dev.quilt.usecases.ResolveUser(new LinuxContainerFiles(lib));
    }

    @Provides
    static SaveImage saveImage(ImageStore images, LinuxPaths paths) {
        return new SaveImage(images, new DockerImageArchives(paths));
    }

    @Provides
    static LoadImage loadImage(ImageStore images, LinuxPaths paths) {
        return new LoadImage(images, new DockerImageArchives(paths));
    }

    @Provides
    static RemoveImage removeImage(ImageStore images, StateStore state) {
        return new RemoveImage(images, state);
    }

    /** data/checkpoints: drafts renamed into place, manifests written last (issue 16). */
    @Provides @Singleton
    static dev.quilt.ports.CheckpointStore checkpointStore(LinuxPaths paths) {
        return new dev.quilt.linux.checkpoint.FsCheckpointStore(paths.data().resolve("checkpoints"));
    }

    /** CRIU's CLI: $QUILT_CRIU, else criu on PATH; spawned and waited for through the native library. */
    @Provides @Singleton
    static dev.quilt.ports.Checkpointer checkpointer(NativeLibrary lib) {
        return new dev.quilt.linux.checkpoint.LinuxCheckpointer(lib);
    }

    @Provides
    static dev.quilt.usecases.CheckpointContainer checkpointContainer(ContainerLookup lookup, StateStore state,
            dev.quilt.ports.CheckpointStore store, dev.quilt.ports.Checkpointer checkpointer, ContainerStorage storage,
            Cgroups cgroups, Clock clock) {
        return new dev.quilt.usecases.CheckpointContainer(lookup, state, store, checkpointer, storage, cgroups, clock);
    }

    @Provides
    static dev.quilt.usecases.RestoreContainer restoreContainer(dev.quilt.ports.CheckpointStore store,
            dev.quilt.ports.Checkpointer checkpointer, ImageStore images, ContainerLauncher launcher, BecomeReady ready) {
        return new dev.quilt.usecases.RestoreContainer(store, checkpointer, images, launcher, ready);
    }

    @Provides
    static dev.quilt.usecases.ListCheckpoints listCheckpoints(dev.quilt.ports.CheckpointStore store,
            ContainerLookup lookup, ImageStore images) {
        return new dev.quilt.usecases.ListCheckpoints(store, lookup, images);
    }

    /** inotify on the run directory and each container's: the server's state watcher. */
    @Provides @Singleton
    static dev.quilt.ports.StateChanges stateChanges(LinuxPaths paths, NativeLibrary lib) {
        return new dev.quilt.linux.state.InotifyStateChanges(paths);
    }

    @Provides @Singleton
    static dev.quilt.ports.Activity activity(LinuxPaths paths) {
        return new dev.quilt.linux.state.FsActivity(paths);
    }
}

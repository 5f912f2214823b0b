package dev.quilt.cli;

import dagger.Module;
import dagger.Provides;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.LinuxPrivileges;
import dev.quilt.linux.RandomIds;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.BusyboxImage;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.monitor.MonitorSpawner;
import dev.quilt.linux.state.FsStateStore;
import dev.quilt.linux.storage.OverlayStorage;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.DefaultImageSource;
import dev.quilt.ports.IdSource;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.Privileges;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.ImportImage;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RemoveImage;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.RunContainerService;

import javax.inject.Singleton;

/** The real adapters, and the use cases built on them. Built lazily: after the options are parsed. */
@Module
final class LinuxModule {
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
    static ProcessSpawner spawner(LinuxPaths paths, NativeLibrary lib) {
        return new MonitorSpawner(paths, lib);
    }

    @Provides @Singleton
    static DefaultImageSource defaultImage() {
        return new BusyboxImage();
    }

    @Provides
    static ImageResolver imageResolver(ImageStore images, DefaultImageSource defaultImage) {
        return new ImageResolver(images, defaultImage);
    }

    @Provides
    static RemoveContainer removeContainer(StateStore state, ContainerStorage storage) {
        return new RemoveContainer(state, storage);
    }

    @Provides
    static RunContainer runContainer(ImageResolver images, StateStore state, ContainerStorage storage,
                                     ProcessSpawner spawner, RemoveContainer remover, IdSource ids, Clock clock) {
        return new RunContainerService(images, state, storage, spawner, remover, ids, clock);
    }

    @Provides
    static ImportImage importImage(ImageStore images) {
        return new ImportImage(images);
    }

    @Provides
    static RemoveImage removeImage(ImageStore images, StateStore state) {
        return new RemoveImage(images, state);
    }
}

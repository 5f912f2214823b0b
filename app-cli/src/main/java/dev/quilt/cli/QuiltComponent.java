package dev.quilt.cli;

import dagger.BindsInstance;
import dagger.Component;

import javax.inject.Provider;
import javax.inject.Singleton;
import java.util.Map;

@Singleton
@Component(modules = {LinuxModule.class, CommandsModule.class, dev.quilt.cli.serve.ServeModule.class})
interface QuiltComponent {
    Map<Class<?>, Provider<Object>> commands();

    /** The one create use case, for a face (or an IT) that makes a bundle's container with runc's terms. */
    dev.quilt.usecases.CreateContainer createContainer();

    /** The one exec use case, for a face (the fast CLI's server side) or an IT that passes fds of its own. */
    dev.quilt.usecases.ExecInContainer execInContainer();

    @Component.Builder
    interface Builder {
        @BindsInstance
        Builder options(GlobalOptions options);

        QuiltComponent build();
    }
}

package dev.quilt.cli.runc;

import dagger.BindsInstance;
import dagger.Component;
import dev.quilt.cli.GlobalOptions;
import dev.quilt.cli.LinuxModule;

import javax.inject.Provider;
import javax.inject.Singleton;
import java.util.Map;

/** {@code quilt-runc}'s object graph: the same adapters and use cases as {@code quilt}'s, its own commands. */
@Singleton
@Component(modules = {LinuxModule.class, RuncCommand.Verbs.class})
interface RuncComponent {
    Map<Class<?>, Provider<Object>> commands();

    @Component.Builder
    interface Builder {
        @BindsInstance
        Builder options(GlobalOptions options);

        @BindsInstance
        Builder log(RuncLog log);

        @BindsInstance
        Builder invocation(dev.quilt.cli.Invocation invocation);

        RuncComponent build();
    }
}

package dev.quilt.cli;

import dagger.BindsInstance;
import dagger.Component;

import javax.inject.Provider;
import javax.inject.Singleton;
import java.util.Map;

@Singleton
@Component(modules = {LinuxModule.class, CommandsModule.class, dev.quilt.cli.runc.RuncControlModule.class})
interface QuiltComponent {
    Map<Class<?>, Provider<Object>> commands();

    @Component.Builder
    interface Builder {
        @BindsInstance
        Builder options(GlobalOptions options);

        QuiltComponent build();
    }
}

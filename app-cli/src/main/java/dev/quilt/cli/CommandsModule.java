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
}

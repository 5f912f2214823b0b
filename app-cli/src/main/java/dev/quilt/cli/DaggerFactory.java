package dev.quilt.cli;

import picocli.CommandLine;

import javax.inject.Provider;
import java.util.Map;

/** Lets picocli build commands through Dagger, so each gets its use cases injected. */
final class DaggerFactory implements CommandLine.IFactory {
    private final Map<Class<?>, Provider<Object>> commands;

    DaggerFactory(QuiltComponent component) {
        this.commands = component.commands();
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        Provider<Object> p = commands.get(cls);
        return p != null ? cls.cast(p.get()) : CommandLine.defaultFactory().create(cls);
    }
}

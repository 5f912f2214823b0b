package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Network;
import dev.quilt.domain.Subnet;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.DefineNetwork;
import dev.quilt.usecases.DescribeNetwork;
import dev.quilt.usecases.RemoveNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "network", description = "The state root's bridge network: create, remove, inspect.",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Rm.class, NetworkCommand.Inspect.class})
final class NetworkCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Inject
    NetworkCommand() {}

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: create, rm or inspect");
    }

    @Command(name = "create", description = "Give this root its bridge and subnet (default quilt0, 10.42.0.0/16) and set them up.")
    static final class Create implements Callable<Integer> {
        private final Lazy<DefineNetwork> define;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Option(names = "--bridge", paramLabel = "NAME", description = "the bridge's name, also the network's")
        String bridge;

        @Option(names = "--subnet", paramLabel = "CIDR", description = "e.g. 10.42.0.0/16; the first address is the gateway")
        String subnet;

        @Inject
        Create(Lazy<DefineNetwork> define, Privileges privileges) {
            this.define = define;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Network wanted = new Network(bridge == null ? Network.DEFAULT.bridge() : bridge,
                    subnet == null ? Network.DEFAULT.subnet() : Subnet.parse(subnet));
            Root.require(privileges, "network create");
            Network n = define.get().define(wanted);
            spec.commandLine().getOut().println(n.name() + " " + n.subnet());
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove this root's network once none of its containers uses it; the bridge"
            + " and its NAT go too unless another root uses them or quilt did not make them.")
    static final class Rm implements Callable<Integer> {
        private final Lazy<RemoveNetwork> remove;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Inject
        Rm(Lazy<RemoveNetwork> remove, Privileges privileges) {
            this.remove = remove;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "network rm");
            RemoveNetwork.Result r = remove.get().remove();
            spec.commandLine().getOut().println(r.network().name());
            if (r.bridge().outcome() == HostNetwork.Removal.Outcome.KEPT) {
                spec.commandLine().getErr().println("quilt: left bridge '" + r.network().bridge() + "' in place: "
                        + r.bridge().detail());
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Print the network as JSON: bridge, subnet, gateway and leases.")
    static final class Inspect implements Callable<Integer> {
        private final Lazy<DescribeNetwork> describe;

        @Spec
        CommandSpec spec;

        @Inject
        Inspect(Lazy<DescribeNetwork> describe) {
            this.describe = describe;
        }

        @Override
        public Integer call() throws Exception {
            DescribeNetwork.Description d = describe.get().describe();
            Map<String, String> leases = new TreeMap<>();
            d.leases().forEach((a, id) -> leases.put(a.toString(), id.value()));
            spec.commandLine().getOut().println(JsonOutput.of(new View(d.network().name(), d.network().bridge(),
                    d.network().subnet().toString(), d.network().subnet().gateway().toString(), d.defined(),
                    d.bridge().quiltBridge(), d.bridge().word(), leases)));
            return 0;
        }

        /** bridgeExists: a bridge of Quilt's is there; bridgeState: ready, incomplete, absent, not a bridge, not made by quilt. */
        record View(String name, String bridge, String subnet, String gateway, boolean defined, boolean bridgeExists,
                    String bridgeState, Map<String, String> leases) {}
    }
}

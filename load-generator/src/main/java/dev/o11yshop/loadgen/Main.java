package dev.o11yshop.loadgen;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code load-generator}: drives o11y-shop. Without a subcommand it runs {@code local}.
 */
@Command(name = "load-generator",
         mixinStandardHelpOptions = true,
         versionProvider = Main.Version.class,
         description = "Drives o11y-shop: open-model traffic, the local platform, fault toggles and the benchmark.",
         subcommands = {})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The jar's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"load-generator " + (version == null ? "dev" : version)};
        }
    }
}

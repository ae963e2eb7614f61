package dev.o11yshop.loadgen;

import java.util.concurrent.Callable;

import dev.o11yshop.observability.Logging;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code load-generator}: drives o11y-shop. Without a subcommand it runs {@code local} with its defaults.
 */
@Command(name = "load-generator",
         mixinStandardHelpOptions = true,
         versionProvider = Main.Version.class,
         description = "Drives o11y-shop: open-model traffic, the local platform, fault toggles, the benchmark and deployment verification.",
         subcommands = {LocalCommand.class, FaultCommand.class, BenchCommand.class, RunCommand.class, VerifyCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code of a command line that is wrong (bad option value, unknown service, ...). */
    public static final int USAGE_ERROR = 2;

    public static void main(String[] args) {
        // A terminal tool: its own log lines would bury the progress and the summary, so only warnings show unless
        // LOG_LEVEL says otherwise (the chart sets it for the in-cluster generator, whose logs go to Loki).
        if (System.getenv("LOG_LEVEL") == null && System.getProperty("LOG_LEVEL") == null) {
            System.setProperty("LOG_LEVEL", "WARN");
        }
        Logging.init("load-generator");
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with its error handling: a wrong argument is one line on stderr, {@code load-generator: …},
     * and exit code 2, without the usage text burying it.
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler((exception, args) -> {
            exception.getCommandLine().getErr().println("load-generator: " + exception.getMessage());
            return USAGE_ERROR;
        });
        return commandLine;
    }

    @Spec
    CommandSpec spec;

    /** No subcommand: the local platform with its defaults. */
    @Override
    public Integer call() {
        return spec.subcommands().get("local").execute();
    }

    /** The jar's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"load-generator " + version()};
        }
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}

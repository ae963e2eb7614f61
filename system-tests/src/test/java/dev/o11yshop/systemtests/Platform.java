package dev.o11yshop.systemtests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.o11yshop.loadgen.LocalPlatform;

/** Starts a {@link LocalPlatform} from this build's jars, with its logs under the module's target directory. */
final class Platform {
    private Platform() {
    }

    static LocalPlatform start(String runName, Map<String, String> extraEnv) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("o11yshop.root", ".."));
        Path runDir = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs")).resolve(runName);
        return LocalPlatform.start(root, runDir, extraEnv);
    }
}

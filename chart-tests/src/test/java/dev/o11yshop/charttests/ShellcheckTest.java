package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** shellcheck on every shell script the platform ships: k8s/, scripts/, images/ (*.sh) and .ci/run. */
class ShellcheckTest {

    static Stream<String> scripts() throws IOException {
        Path root = Chart.repoRoot();
        List<String> out = new ArrayList<>();
        for (String dir : List.of("k8s", "scripts", "images")) {
            Path d = root.resolve(dir);
            if (Files.isDirectory(d)) {
                try (Stream<Path> files = Files.walk(d)) {
                    files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".sh"))
                            .forEach(f -> out.add(root.relativize(f).toString()));
                }
            }
        }
        if (Files.isRegularFile(root.resolve(".ci/run"))) {
            out.add(".ci/run");
        }
        return out.stream().sorted();
    }

    @Test
    void thereAreScriptsToCheck() throws IOException {
        assertThat("shell scripts under k8s/, scripts/, images/ and .ci/run", scripts().toList(), not(empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void shellcheckPasses(String script) throws Exception {
        Path shellcheck = Tools.require("/usr/bin/shellcheck", "apt-get install -y shellcheck");
        Path root = Chart.repoRoot();
        Tools.Result result = Tools.run(root, Tools.cmd(shellcheck, "--external-sources", "--source-path=SCRIPTDIR", script));
        assertThat("shellcheck " + script + "\n" + result.output(), result.exit(), is(0));
    }
}

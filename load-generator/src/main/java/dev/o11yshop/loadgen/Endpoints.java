package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.o11yshop.observability.Json;

/**
 * Where a {@code local} run's processes listen, written to {@code endpoints.json} in its run directory so that
 * other commands ({@code fault}) and people can find them.
 *
 * @param api          API base URL per service name
 * @param admin        admin base URL per service name (and the load generator's)
 * @param prometheus   the local Prometheus, when {@code local} runs the chart's alerting; else null
 * @param alertmanager the local Alertmanager, likewise
 * @param adminToken   the run's admin token: the services need it on {@code PUT}/{@code DELETE /faults}
 */
record Endpoints(Map<String, URI> api, Map<String, URI> admin, URI prometheus, URI alertmanager, String adminToken) {
    static final String FILE = "endpoints.json";
    /** Only the user who ran {@code local} reads the file: it holds the admin token. */
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    static Endpoints of(LocalPlatform platform) {
        Map<String, URI> api = new TreeMap<>();
        Map<String, URI> admin = new TreeMap<>();
        for (ServiceProcess service : platform.services()) {
            api.put(service.name(), service.api());
            admin.put(service.name(), service.admin());
        }
        return new Endpoints(api, admin, null, null, platform.adminToken());
    }

    private static Endpoints none() {
        return new Endpoints(Map.of(), Map.of(), null, null, null);
    }

    /** With one more admin socket, e.g. the load generator's. */
    Endpoints withAdmin(String name, URI uri) {
        Map<String, URI> more = new TreeMap<>(admin);
        more.put(name, uri);
        return new Endpoints(api, more, prometheus, alertmanager, adminToken);
    }

    Endpoints withAlerting(URI prometheus, URI alertmanager) {
        return new Endpoints(api, admin, prometheus, alertmanager, adminToken);
    }

    /** Writes {@code endpoints.json} to {@code runDir}, readable by its owner only where the file system says so. */
    void write(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        Files.deleteIfExists(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        Files.write(file, Json.bytes(this));
    }

    Optional<URI> admin(String service) {
        return Optional.ofNullable(admin.get(service));
    }

    /** The endpoints of the newest run under {@code runRoot} whose services may still be up; empty if none. */
    static Endpoints latest(Path runRoot) {
        if (!Files.isDirectory(runRoot)) {
            return none();
        }
        try (Stream<Path> runs = Files.list(runRoot)) {
            Optional<Path> newest = runs.map(run -> run.resolve(FILE))
                    .filter(Files::isRegularFile)
                    .max(Comparator.comparing(file -> file.toFile().lastModified()));
            if (newest.isEmpty()) {
                return none();
            }
            return Json.MAPPER.readValue(newest.get().toFile(), Endpoints.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the endpoints of the newest run in " + runRoot, e);
        }
    }
}

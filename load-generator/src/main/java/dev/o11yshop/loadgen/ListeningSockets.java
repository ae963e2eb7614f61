package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The local addresses of the sockets listening on a TCP port, as the Linux kernel lists them
 * ({@code /proc/net/tcp}, {@code /proc/net/tcp6}): the check that {@code local} binds loopback unless told otherwise
 * asks the kernel, not the code that asked for the address.
 */
public final class ListeningSockets {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /**
     * The addresses listening on {@code port}; an IPv4-mapped IPv6 address (a dual-stack socket bound to an IPv4
     * address) comes back as the IPv4 address. Empty when nothing listens there.
     */
    public static Set<InetAddress> on(int port) {
        Set<InetAddress> addresses = new HashSet<>();
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(table);
                for (String line : lines.subList(1, lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    String[] local = fields[1].split(":");
                    if (fields[3].equals(LISTEN) && Integer.parseInt(local[1], 16) == port) {
                        addresses.add(address(local[0]));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + table, e);
            }
        }
        return addresses;
    }

    /** Whether something listens on {@code port} and only on loopback addresses. */
    public static boolean loopbackOnly(int port) {
        Set<InetAddress> addresses = on(port);
        return !addresses.isEmpty() && addresses.stream().allMatch(InetAddress::isLoopbackAddress);
    }

    /** The kernel prints each 32-bit word of an address in host (little-endian) order. */
    private static InetAddress address(String hex) throws IOException {
        byte[] raw = HexFormat.of().parseHex(hex);
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 2; i++) {
                byte swap = raw[word + i];
                raw[word + i] = raw[word + 3 - i];
                raw[word + 3 - i] = swap;
            }
        }
        return InetAddress.getByAddress(raw);
    }
}

package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/**
 * Finds the network addresses ({@code http://name:port}, {@code name:port}) that rendered workloads and config files
 * name, and resolves them against the rendered Services.
 */
final class Endpoints {

    /** Where a string was found and the host/port it names. */
    record Endpoint(String where, String text, String host, int port) {
    }

    /** Keys whose values are documentation links or prose, never an address a component connects to. */
    static final Set<String> DOCUMENTATION_KEYS = Set.of("runbook_url", "description", "summary", "title", "help");

    /** Loopback and wildcard addresses: a component's own sockets, not another component. */
    private static final Set<String> LOCAL_HOSTS = Set.of("localhost", "0.0.0.0", "127.0.0.1", "::", "[::]");

    private static final Pattern URL = Pattern.compile("\\b(https?|grpcs?)://([A-Za-z0-9_.$\\[\\]:-]*?[A-Za-z0-9_.\\]-])(?::(\\d+))?(?=[/\"'\\s?#,;)]|$)");
    private static final Pattern HOST_PORT = Pattern.compile("^([A-Za-z][A-Za-z0-9.-]*):(\\d+)$");
    private static final Pattern FLAG = Pattern.compile("^--?[A-Za-z0-9._-]+=");

    private Endpoints() {
    }

    /** Every address named by container env values, args and commands, and by ConfigMap/Secret config files. */
    static List<Endpoint> all(Manifests m) {
        List<Endpoint> out = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            for (Map<String, Object> c : w.allContainers()) {
                String at = w.id() + " container " + Y.str(c, "name");
                for (Map<String, Object> env : Y.maps(c, "env")) {
                    if (env.get("value") != null) {
                        extract(at + " env " + Y.str(env, "name"), String.valueOf(env.get("value")), out);
                    }
                }
                for (String field : List.of("args", "command")) {
                    List<Object> items = Y.list(c, field);
                    for (int i = 0; i < items.size(); i++) {
                        extract(at + " " + field + "[" + i + "]", String.valueOf(items.get(i)), out);
                    }
                }
            }
        }
        m.configFiles().forEach((owner, data) -> data.forEach((key, text) -> fromConfigFile(owner + " key " + key, key, text, out)));
        return out;
    }

    static void fromConfigFile(String where, String key, String text, List<Endpoint> out) {
        if (key.endsWith(".yaml") || key.endsWith(".yml")) {
            Object tree;
            try {
                tree = Y.yaml().load(text);
            } catch (RuntimeException e) {
                throw new AssertionError(where + " is not valid YAML: " + e.getMessage(), e);
            }
            Y.walk(tree, "", (path, value) -> {
                if (value != null && !DOCUMENTATION_KEYS.contains(Y.lastKey(path))) {
                    extract(where + " " + path, String.valueOf(value), out);
                }
            });
        } else if (key.endsWith(".json")) {
            JsonElement json;
            try {
                json = JsonParser.parseString(text);
            } catch (RuntimeException e) {
                throw new AssertionError(where + " is not valid JSON: " + e.getMessage(), e);
            }
            walkJson(json, "", where, out);
        } else {
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].trim();
                if (!line.startsWith("#")) {
                    extract(where + " line " + (i + 1), line.replaceFirst("^[A-Za-z0-9_.-]+\\s*=\\s*", ""), out);
                }
            }
        }
    }

    private static void walkJson(JsonElement e, String path, String where, List<Endpoint> out) {
        if (e.isJsonObject()) {
            e.getAsJsonObject().entrySet().forEach(en -> walkJson(en.getValue(), path + "." + en.getKey(), where, out));
        } else if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                walkJson(e.getAsJsonArray().get(i), path + "[" + i + "]", where, out);
            }
        } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && !DOCUMENTATION_KEYS.contains(Y.lastKey(path))) {
            extract(where + " " + path, e.getAsString(), out);
        }
    }

    static void extract(String where, String value, List<Endpoint> out) {
        String text = FLAG.matcher(value.trim()).replaceFirst("");
        Matcher url = URL.matcher(text);
        boolean any = false;
        while (url.find()) {
            any = true;
            String host = url.group(2);
            int port = url.group(3) != null ? Integer.parseInt(url.group(3))
                    : url.group(1).endsWith("s") ? 443 : 80;
            add(where, value, host, port, out);
        }
        if (!any) {
            Matcher hp = HOST_PORT.matcher(text);
            if (hp.matches()) {
                add(where, value, hp.group(1), Integer.parseInt(hp.group(2)), out);
            }
        }
    }

    private static void add(String where, String text, String host, int port, List<Endpoint> out) {
        if (host.contains("$") || host.contains("{") || host.contains("%") || LOCAL_HOSTS.contains(host)
                || host.matches("[0-9.]+") || host.startsWith("[")) {
            return;
        }
        out.add(new Endpoint(where, text, host, port));
    }

    /**
     * Null when the endpoint names a rendered Service and one of its ports (or is an external host and the profile
     * allows that); otherwise the problem, naming where the address was found.
     */
    static String problem(Manifests m, Chart.Profile profile, Endpoint e) {
        if (e.host().contains(".")) {
            return profile.allowsExternalHosts() ? null
                    : e.where() + ": " + e.text() + " names external host " + e.host() + " (only the external profile may)";
        }
        var service = m.find("Service", e.host());
        if (service.isEmpty()) {
            return e.where() + ": " + e.text() + " names host " + e.host() + " but no Service " + e.host() + " is rendered";
        }
        List<Integer> ports = Y.maps(service.get().body(), "spec", "ports").stream()
                .map(p -> ((Number) p.get("port")).intValue()).toList();
        return ports.contains(e.port()) ? null
                : e.where() + ": " + e.text() + " names port " + e.port() + " of Service " + e.host() + ", which has ports " + ports;
    }
}

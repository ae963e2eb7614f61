package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.resolver.Resolver;

/** YAML parsing (timestamps stay strings, as Kubernetes and Go programs read them) and null-safe tree access. */
final class Y {

    private Y() {
    }

    static Yaml yaml() {
        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(64 * 1024 * 1024);
        DumperOptions dumper = new DumperOptions();
        dumper.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(new SafeConstructor(loader), new Representer(dumper), dumper, loader, new Resolver() {
            @Override
            public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
                if (!Tag.TIMESTAMP.equals(tag)) {
                    super.addImplicitResolver(tag, regexp, first, limit);
                }
            }
        });
    }

    /** Parses one YAML document into a map; the document must be a mapping. */
    static Map<String, Object> parseMap(String what, String text) {
        Object parsed;
        try {
            parsed = yaml().load(text);
        } catch (RuntimeException e) {
            throw new AssertionError(what + " is not valid YAML: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new AssertionError(what + " is not a YAML mapping but " + (parsed == null ? "empty" : parsed.getClass().getSimpleName()));
        }
        return cast(parsed);
    }

    static String dump(Object tree) {
        return yaml().dump(tree);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    /** Follows keys through nested maps; an absent or non-map step gives an empty map. */
    static Map<String, Object> map(Object root, String... path) {
        Object o = get(root, path);
        return o instanceof Map ? cast(o) : new LinkedHashMap<>();
    }

    static List<Object> list(Object root, String... path) {
        Object o = get(root, path);
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        return new ArrayList<>();
    }

    static List<Map<String, Object>> maps(Object root, String... path) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(root, path)) {
            if (o instanceof Map) {
                out.add(cast(o));
            }
        }
        return out;
    }

    static String str(Object root, String... path) {
        Object o = get(root, path);
        return o == null ? null : String.valueOf(o);
    }

    static Object get(Object root, String... path) {
        Object current = root;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    static boolean isTrue(Object root, String... path) {
        return Boolean.TRUE.equals(get(root, path));
    }

    static Map<String, String> stringMap(Object root, String... path) {
        Map<String, String> out = new LinkedHashMap<>();
        map(root, path).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** Visits every scalar leaf with its dotted path (list items as {@code [i]}). */
    static void walk(Object node, String path, BiConsumer<String, Object> visitor) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path.isEmpty() ? String.valueOf(k) : path + "." + k, visitor));
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), path + "[" + i + "]", visitor);
            }
        } else {
            visitor.accept(path, node);
        }
    }

    /** The last key of a dotted path ({@code a.b[2]} gives {@code b}). */
    static String lastKey(String path) {
        String p = path.replaceAll("(\\[\\d+])+$", "");
        int dot = p.lastIndexOf('.');
        return dot < 0 ? p : p.substring(dot + 1);
    }
}

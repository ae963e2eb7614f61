package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus relabelling as a scrape config applies it to a discovered target, for the actions the chart and the
 * Prometheus Operator use (replace, keep, drop): which labels a target ends up with. Reads both spellings, the config
 * file's ({@code source_labels}, {@code target_label}) and the operator's ({@code sourceLabels}, {@code targetLabel}).
 * Anything else fails the test instead of being guessed.
 */
final class Relabel {

    private Relabel() {
    }

    /**
     * Applies the rules in order to the labels of a discovered target (meta labels, {@code __address__}, {@code job},
     * ...); null when a keep or drop rule drops the target. The result is what Prometheus stores: {@code instance}
     * defaults to {@code __address__}, and every label starting with {@code __} is gone.
     */
    static Map<String, String> apply(Map<String, String> discovered, List<Map<String, Object>> rules) {
        Map<String, String> labels = new TreeMap<>(discovered);
        for (Map<String, Object> rule : rules) {
            if (!applyOne(labels, rule)) {
                return null;
            }
        }
        labels.putIfAbsent("instance", labels.get("__address__"));
        labels.keySet().removeIf(k -> k.startsWith("__"));
        return labels;
    }

    private static boolean applyOne(Map<String, String> labels, Map<String, Object> rule) {
        String action = String.valueOf(either(rule, "action", "action", "replace")).toLowerCase();
        Object sources = either(rule, "source_labels", "sourceLabels", List.of());
        String separator = String.valueOf(either(rule, "separator", "separator", ";"));
        Pattern regex = Pattern.compile("^(?:" + either(rule, "regex", "regex", "(.*)") + ")$");
        List<String> values = new ArrayList<>();
        for (Object source : (List<?>) sources) {
            values.add(labels.getOrDefault(String.valueOf(source), ""));
        }
        Matcher matcher = regex.matcher(String.join(separator, values));
        switch (action) {
            case "keep" -> {
                return matcher.matches();
            }
            case "drop" -> {
                return !matcher.matches();
            }
            case "replace" -> {
                if (matcher.matches()) {
                    String target = expand(matcher, String.valueOf(either(rule, "target_label", "targetLabel", "")));
                    String value = expand(matcher, String.valueOf(either(rule, "replacement", "replacement", "$1")));
                    if (value.isEmpty()) {
                        labels.remove(target);
                    } else {
                        labels.put(target, value);
                    }
                }
                return true;
            }
            default -> throw new AssertionError("relabel action " + action + " is not simulated (" + rule + ")");
        }
    }

    private static Object either(Map<String, Object> rule, String fileKey, String operatorKey, Object fallback) {
        Object value = rule.containsKey(fileKey) ? rule.get(fileKey) : rule.get(operatorKey);
        return value == null ? fallback : value;
    }

    /** Go's Regexp.Expand for $n and ${n}: a group that does not exist expands to nothing. */
    private static String expand(Matcher matcher, String template) {
        Matcher ref = Pattern.compile("\\$(?:\\{(\\d+)}|(\\d+))").matcher(template);
        StringBuilder out = new StringBuilder();
        while (ref.find()) {
            int group = Integer.parseInt(ref.group(1) != null ? ref.group(1) : ref.group(2));
            String value = group <= matcher.groupCount() && matcher.group(group) != null ? matcher.group(group) : "";
            ref.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        ref.appendTail(out);
        return out.toString();
    }
}

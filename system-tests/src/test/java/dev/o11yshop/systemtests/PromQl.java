package dev.o11yshop.systemtests;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names a PromQL expression selects, read with a small tokenizer that knows PromQL's lexical rules:
 * function and aggregation names (an identifier followed by {@code (}), keywords and binary-operator words, label
 * names inside {@code {...}} and in {@code by/without/on/ignoring/group_left/group_right (...)} lists, numbers,
 * durations ({@code [5m]}, {@code offset 1h}, {@code [5m:30s]}), strings, comments and Grafana variables
 * ({@code $service}, {@code ${x}}, {@code $__rate_interval}) are skipped. A selector {@code {__name__="x"}} names
 * {@code x}. Not a parser: it does not check that the expression is valid (promtool does that in chart-tests).
 */
final class PromQl {
    /** Words that are never metric names where they occur as bare identifiers. */
    private static final Set<String> KEYWORDS = Set.of(
            "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
            "atan2", "inf", "nan");
    /** Aggregation operators: also followed by {@code by (...)} or {@code without (...)} before their argument. */
    private static final Set<String> AGGREGATIONS = Set.of(
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio");
    /** Words followed by a parenthesised label list (not an expression). */
    private static final Set<String> LABEL_LIST_KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right");

    private final String text;
    private int pos;

    private PromQl(String text) {
        this.text = text;
    }

    /** The metric names {@code expr} selects, sorted. */
    static Set<String> metricNames(String expr) {
        return new PromQl(expr).scan();
    }

    private Set<String> scan() {
        Set<String> names = new TreeSet<>();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (c == '"' || c == '\'' || c == '`') {
                string();
            } else if (c == '$') {
                variable();
            } else if (c == '[') {
                skipPast(']');
            } else if (c == '{') {
                names.addAll(selector());
            } else if (Character.isDigit(c) || (c == '.' && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1)))) {
                number();
            } else if (identifierStart(c)) {
                String word = identifier();
                int after = skipSpaceFrom(pos);
                String lower = word.toLowerCase(java.util.Locale.ROOT);
                boolean call = (after < text.length() && text.charAt(after) == '(')
                        || (AGGREGATIONS.contains(lower) && (nextWordIs(after, "by") || nextWordIs(after, "without")));
                if (LABEL_LIST_KEYWORDS.contains(lower)) {
                    if (call) {
                        pos = after;
                        skipPast(')');
                    }
                } else if (lower.equals("offset")) {
                    pos = after;
                    if (pos < text.length() && text.charAt(pos) == '-') {
                        pos++;
                    }
                    duration();
                } else if (call || KEYWORDS.contains(lower)) {
                    // a function or aggregation (its arguments are scanned as they come), or an operator word
                } else {
                    names.add(word);
                }
            } else {
                pos++; // operators, parentheses, commas, @
            }
        }
        return names;
    }

    /** {@code {label op "value", ...}}: label names are skipped; {@code __name__="x"} names x. */
    private List<String> selector() {
        List<String> names = new ArrayList<>();
        pos++; // {
        while (pos < text.length() && text.charAt(pos) != '}') {
            char c = text.charAt(pos);
            if (Character.isWhitespace(c) || c == ',') {
                pos++;
            } else if (identifierStart(c) || c == '"') {
                String label = c == '"' ? string() : identifier();
                pos = skipSpaceFrom(pos);
                String op = operator();
                pos = skipSpaceFrom(pos);
                String value = pos < text.length() && text.charAt(pos) == '$' ? variable() : string();
                if (label.equals("__name__") && op.equals("=")) {
                    names.add(value);
                }
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + pos + " in selector of: " + text);
            }
        }
        pos++; // }
        return names;
    }

    private String operator() {
        int start = pos;
        while (pos < text.length() && "=!~".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (start == pos) {
            throw new IllegalArgumentException("expected a matcher operator at " + pos + " in: " + text);
        }
        return text.substring(start, pos);
    }

    private String string() {
        char quote = text.charAt(pos);
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw new IllegalArgumentException("expected a string at " + pos + " in: " + text);
        }
        StringBuilder value = new StringBuilder();
        pos++;
        while (pos < text.length() && text.charAt(pos) != quote) {
            if (text.charAt(pos) == '\\' && quote != '`' && pos + 1 < text.length()) {
                pos++;
            }
            value.append(text.charAt(pos));
            pos++;
        }
        if (pos >= text.length()) {
            throw new IllegalArgumentException("unterminated string in: " + text);
        }
        pos++;
        return value.toString();
    }

    /** A Grafana template variable: {@code $name}, {@code ${name}} or {@code ${name:format}}. */
    private String variable() {
        int start = pos;
        pos++;
        if (pos < text.length() && text.charAt(pos) == '{') {
            skipPast('}');
        } else {
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
        }
        return text.substring(start, pos);
    }

    private void number() {
        // decimal, hex, exponent; a trailing duration unit (5m in a subquery step) is part of it
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.'
                || ((text.charAt(pos) == '+' || text.charAt(pos) == '-')
                    && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E') && !text.startsWith("0x", pos - 2)))) {
            pos++;
        }
    }

    private void duration() {
        if (pos < text.length() && text.charAt(pos) == '$') {
            variable();
            return;
        }
        while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
            pos++;
        }
    }

    private String identifier() {
        int start = pos;
        while (pos < text.length() && (identifierStart(text.charAt(pos)) || Character.isDigit(text.charAt(pos)))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean identifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private boolean nextWordIs(int at, String word) {
        int end = at + word.length();
        return text.regionMatches(true, at, word, 0, word.length())
                && (end >= text.length() || !(identifierStart(text.charAt(end)) || Character.isDigit(text.charAt(end))));
    }

    private int skipSpaceFrom(int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private void skipComment() {
        while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
        }
    }

    /** From an opening bracket at pos to just past its closing {@code close}, skipping strings inside. */
    private void skipPast(char close) {
        pos++;
        while (pos < text.length() && text.charAt(pos) != close) {
            char c = text.charAt(pos);
            if (c == '"' || c == '\'' || c == '`') {
                string();
            } else {
                pos++;
            }
        }
        if (pos >= text.length()) {
            throw new IllegalArgumentException("missing '" + close + "' in: " + text);
        }
        pos++;
    }
}

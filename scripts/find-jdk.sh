# shellcheck shell=bash
# Sourced by the project's scripts: exports JAVA_HOME (and PATH) for a JDK 21 or newer, or fails with a hint.
# Looks at JAVA_HOME first, then at the JDKs under /usr/lib/jvm.

o11yshop_java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

o11yshop_find_jdk() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/*; do
        [[ -n "$candidate" && -x "$candidate/bin/java" && -x "$candidate/bin/javac" ]] || continue
        major="$(o11yshop_java_major "$candidate")"
        major="${major%%.*}"
        if [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)); then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! JAVA_HOME="$(o11yshop_find_jdk)"; then
    echo "o11y-shop needs a JDK 21 or newer: install one (e.g. Temurin 21) and set JAVA_HOME" >&2
    # Sourced: return; run directly: exit.
    # shellcheck disable=SC2317
    return 1 2>/dev/null || exit 1
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

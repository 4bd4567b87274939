#!/usr/bin/env bash
# Prints the java executable of a JDK whose feature release is at least REQUIRED (default 25): $JAVA_HOME's
# if it is one, else the newest under /usr/lib/jvm, ~/.sdkman/candidates/java or ~/.jdks, else `java` on the
# PATH. The one JDK finder of the repository, used by ./netinvert and jmh/run-benchmarks.sh:
#   java=$(scripts/find-jdk.sh [REQUIRED]) || exit 1
# With no such JDK it prints why on stderr (prefixed with $FIND_JDK_CALLER, default find-jdk) and exits 1.
set -euo pipefail
required="${1:-25}"

# The feature release (25 for 25.0.1) of the JDK whose java executable is $1, or 0: read from the
# release file of its home (no JVM start), else asked of the JVM itself.
feature() {
    local exe home v
    exe=$(readlink -f "$1" 2>/dev/null || echo "$1")
    home=$(dirname "$(dirname "$exe")")
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
    if [ -z "$v" ]; then
        v=$("$exe" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' || true)
    fi
    echo "${v:-0}"
}

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(feature "$JAVA_HOME/bin/java")" -ge "$required" ]; then
    echo "$JAVA_HOME/bin/java"
    exit 0
fi
best=0
found=""
for d in $(ls -d /usr/lib/jvm/*/ "$HOME"/.sdkman/candidates/java/*/ "$HOME"/.jdks/*/ 2>/dev/null | sort -V); do
    j="${d%/}/bin/java"
    [ -x "$j" ] || continue
    f=$(feature "$j")
    if [ "$f" -ge "$required" ] && [ "$f" -ge "$best" ]; then
        best=$f
        found=$j
    fi
done
if [ -z "$found" ]; then
    j=$(command -v java || true)
    if [ -n "$j" ] && [ "$(feature "$j")" -ge "$required" ]; then
        found=$j
    fi
fi
if [ -z "$found" ]; then
    echo "${FIND_JDK_CALLER:-find-jdk}: no JDK >= $required found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
    exit 1
fi
echo "$found"

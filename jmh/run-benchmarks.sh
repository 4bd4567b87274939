#!/usr/bin/env bash
# Runs the JMH suite (jmh/target/benchmarks.jar) with a JDK >= 25 even when the default `java` is older.
# Every argument goes to JMH, e.g.
#   jmh/run-benchmarks.sh GemvBench -p shape=512x4096 -rf json -rff target/gemv.json
# The JDK is $JAVA_HOME if it is >= 25, else the newest >= 25 under /usr/lib/jvm, ~/.sdkman or ~/.jdks.
# The jar is built (mvn -q -pl jmh -am package -DskipTests) when missing or when REBUILD=1.
# Relative paths in the arguments (-rff ...) are relative to jmh/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
required=25

feature() { # the feature release of the JDK at $1 (from its release file), or 0
    local v
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true)
    echo "${v:-0}"
}

java_home=""
if [ -n "${JAVA_HOME:-}" ] && [ "$(feature "$JAVA_HOME")" -ge "$required" ]; then
    java_home=$JAVA_HOME
else
    best=0
    for d in /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [ -x "$d/bin/java" ] || continue
        f=$(feature "$d")
        if [ "$f" -ge "$required" ] && [ "$f" -gt "$best" ]; then
            best=$f
            java_home=$d
        fi
    done
fi
if [ -z "$java_home" ]; then
    echo "run-benchmarks.sh: no JDK >= $required found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
    exit 1
fi

if [ ! -f "$jar" ] || [ "${REBUILD:-0}" = 1 ]; then
    (cd "$here/.." && mvn -q -pl jmh -am package -DskipTests)
fi

cd "$here"
# The host flag silences JMH 1.37's sun.misc.Unsafe warnings; forks get --add-modules jdk.incubator.vector
# from each class's @Fork (a -jvmArgsAppend given here would replace it).
exec "$java_home/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"

#!/usr/bin/env bash
# Runs the JMH suite (jmh/target/benchmarks.jar) with a JDK >= 25 even when the default `java` is older.
# Every argument goes to JMH, e.g.
#   jmh/run-benchmarks.sh GemvBench -p shape=512x4096 -rf json -rff target/gemv.json
# The JDK is found by scripts/find-jdk.sh: $JAVA_HOME if it is >= 25, else the newest >= 25 installed.
# The jar is built (mvn -q -pl jmh -am package -DskipTests) when missing or when REBUILD=1.
# Relative paths in the arguments (-rff ...) are relative to jmh/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
java=$(FIND_JDK_CALLER=run-benchmarks.sh "$here/../scripts/find-jdk.sh" 25) || exit 1

if [ ! -f "$jar" ] || [ "${REBUILD:-0}" = 1 ]; then
    (cd "$here/.." && mvn -q -pl jmh -am package -DskipTests)
fi

cd "$here"
# The host flag silences JMH 1.37's sun.misc.Unsafe warnings; forks get --add-modules jdk.incubator.vector
# from each class's @Fork (a -jvmArgsAppend given here would replace it).
exec "$java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"

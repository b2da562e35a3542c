#!/bin/sh
# Runs the hot-patch agent's Java checks (src/hotpatch/agent/test) in real JVMs
# against the log4j-core fixtures. Exit 77 (ctest: skipped) without a JDK, the
# agent jar or the fixtures.
# Usage: hotpatch_agent_test.sh attach|premain|classes JAVA JAVAC AGENT_JAR FIXTURES SCRATCH TEST_SOURCES
set -eu
mode=$1 java=$2 javac=$3 agent=$4 fixtures=$5 scratch=$6 src=$7
skip() { echo "SKIP: $*"; exit 77; }
[ -x "$java" ] && [ -x "$javac" ] || skip "java/javac not found (install openjdk-17-jdk-headless)"
[ -s "$agent" ] || skip "agent jar not built (no JDK when configuring)"
core=$fixtures/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar
api=$fixtures/jars/mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar
[ -f "$core" ] && [ -f "$api" ] || skip "log4j fixtures absent under $fixtures"

rm -rf "$scratch"
mkdir -p "$scratch/classes"
"$javac" -Xlint:all -Werror -cp "$agent" -d "$scratch/classes" \
  "$src/HotpatchAgentCheck.java" "$src/dev/log4shield/hotpatch/ClassPatchCheck.java"
case $mode in
  attach)  # loaded into the running JVM like `fix --running` does (self-attach)
    exec "$java" -Djdk.attach.allowAttachSelf=true -cp "$scratch/classes:$core:$api" \
      HotpatchAgentCheck attach "$agent" "$fixtures" "$scratch" ;;
  premain)  # given twice: the second load must report already_patched
    exec "$java" "-javaagent:$agent=result=$scratch/result1.txt,version=1.2.3" \
      "-javaagent:$agent=result=$scratch/result2.txt,version=4.5.6" \
      -cp "$scratch/classes:$core:$api" HotpatchAgentCheck premain "$fixtures" "$scratch" ;;
  classes)  # the class-file matcher and rewriter over every fixture jar
    exec "$java" -cp "$agent:$scratch/classes" dev.log4shield.hotpatch.ClassPatchCheck "$fixtures" "$api" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac

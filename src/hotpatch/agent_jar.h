// The hot-patch Java agent (src/hotpatch/agent), compiled with javac --release 8
// at build time and embedded in the binary: `fix --running` writes it where the
// target JVM can read it and loads it through HotSpot's attach mechanism.
#pragma once

#include <string_view>

namespace l4s::hotpatch {

// The agent jar's bytes; empty when the build had no JDK (javac and jar).
std::string_view agent_jar();

}  // namespace l4s::hotpatch

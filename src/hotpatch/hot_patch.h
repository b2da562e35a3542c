// `fix --running`: neutralise Log4Shell inside running JVMs without a
// restart. Per JVM: attach (hotpatch/attach.h), ask whether our marker
// property is already set, else load the embedded agent, which patches every
// loaded JndiLookup (any package) to return null and keeps a transformer for
// copies loaded later. In memory only: a restart undoes it, so the jars on
// disk still need `fix`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::hotpatch {

enum class HotPatchState {
  kPatched,         // the agent ran and reported
  kAlreadyPatched,  // our marker was set: nothing changed
  kWouldPatch,      // --dry-run
  kSkipped,         // not something we may touch (not HotSpot, -Xrs): left alone
  kFailed,          // we tried and could not (attach disabled, timeout, agent error)
};
std::string_view hot_patch_state_name(HotPatchState state);  // "patched", "already_patched", ...

struct JvmHotPatch {
  int pid = 0;
  std::string user;
  bool container = false;             // in its own PID or mount namespace
  std::string command;
  bool jvm = false;                   // a HotSpot JVM (libjvm.so mapped)
  HotPatchState state = HotPatchState::kFailed;
  std::string reason;                 // why not patched, or what went partly wrong; "" when all went well
  std::vector<std::string> patched;   // "class (loader)" per JndiLookup copy patched now
  bool transformer_installed = false; // later loads are patched too
  std::string marker;                 // "<version> <time>" of the patch in force
};

struct HotPatchOptions {
  std::string_view agent_jar;  // the embedded agent (hotpatch/agent_jar.h)
  std::string tool_version;
  std::chrono::milliseconds timeout{20000};  // per JVM, every step included
  bool dry_run = false;
  std::string proc_root = "/proc";
};

JvmHotPatch hot_patch_jvm(int pid, const HotPatchOptions& options);

// The marker of a JVM hot-patched earlier, asked only when its attach
// listener is already up (never a signal: scans must not disturb JVMs);
// "" when not patched or not asked.
std::string hot_patch_marker(int pid, std::chrono::milliseconds timeout = std::chrono::seconds(3));

// The marker property in a `properties` reply ("log4shield.hotpatch=..."), "" if absent.
std::string find_marker(std::string_view properties);

// What the agent wrote to its result file.
struct AgentReport {
  std::string already_patched;  // the marker found, when the agent changed nothing
  std::vector<std::string> patched;
  std::vector<std::string> not_patched;  // "class loader reason": e.g. 2.12.2's stub without JNDI
  bool transformer_installed = false;
  std::string marker;
  std::vector<std::string> errors;  // a copy that could not be retransformed, or the agent failed
};
AgentReport parse_agent_report(std::string_view text);

inline constexpr std::string_view kMarkerProperty = "log4shield.hotpatch";

}  // namespace l4s::hotpatch

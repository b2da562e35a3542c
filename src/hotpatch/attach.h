// A client for HotSpot's dynamic attach mechanism (Linux), in C++, so that a
// JRE is enough on the host: no JDK, no tools.jar, no Java on our side.
//
// The target listens on a UNIX socket `.java_pid<NSPID>` in its own /tmp,
// which the host reaches as /proc/<PID>/root/tmp/.java_pid<NSPID>. When the
// socket is absent the listener is started on demand: a trigger file
// `.attach_pid<NSPID>` in the target's working directory (or /tmp), then
// SIGQUIT. Protocol 1: NUL-terminated strings "1", the command and exactly
// three arguments; the reply is a decimal status line, then the command's
// output (newer JDKs report a loaded agent's own result as "return code: N").
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace l4s::hotpatch {

struct AttachReply {
  int status = -1;                  // 0: the listener executed the command
  std::optional<int> return_code;   // "return code: N" after a load (JDK 9+)
  std::string output;               // the rest of the reply
  bool ok() const { return status == 0 && return_code.value_or(0) == 0; }
};

// Parses a complete reply; nullopt when it does not start with a status line.
std::optional<AttachReply> parse_attach_reply(std::string_view bytes);

inline constexpr size_t kMaxReply = 4 << 20;  // a `properties` reply is a few KiB

// Sends one protocol-1 command on the socket at `socket_path` and reads the
// whole reply. Every step (connect, write, read) must finish before
// `deadline`; a listener that stalls gives an error, never a hang.
Result<AttachReply> send_attach_command(const std::string& socket_path, std::string_view command,
                                        const std::array<std::string, 3>& args,
                                        std::chrono::steady_clock::time_point deadline);

// The facts about a process that decide whether and how to attach.
struct JvmProcess {
  int pid = 0;           // in our PID namespace
  int ns_pid = 0;        // in its own (the last NSpid field)
  uid_t uid = 0;         // effective
  gid_t gid = 0;
  std::string user;      // name, or the uid as text
  std::string root;      // "/proc/PID/root": its view of the file system
  std::string cwd;       // "/proc/PID/cwd"
  std::string command;   // argv joined (for reports)
  bool hotspot = false;            // libjvm.so is mapped
  bool handles_sigquit = false;    // SIGQUIT is caught (not -Xrs, not a non-JVM)
  bool attach_disabled = false;    // -XX:+DisableAttachMechanism in its arguments or JAVA_TOOL_OPTIONS
  bool own_namespaces = false;     // PID or mount namespace differs from ours (a container)
};

// Reads /proc/PID (proc_root is "/proc" except in tests).
Result<JvmProcess> inspect_jvm(int pid, const std::string& proc_root = "/proc");

// Where the listener socket of `jvm` is, seen from here.
std::string listener_socket_path(const JvmProcess& jvm);

// Makes sure the attach listener of `jvm` is up, starting it when needed
// (trigger file owned by the JVM's user, SIGQUIT, poll with backoff, trigger
// removed). Refuses, with the reason, to signal a process that is not a
// HotSpot JVM handling SIGQUIT, or whose attach mechanism is disabled.
Result<std::string> ensure_listener(const JvmProcess& jvm, std::chrono::steady_clock::time_point deadline);

// Runs `command` against `jvm` with the JVM's own credentials when we are
// root (older JDKs accept only their own uid as peer), in a child process so
// that a stuck JVM costs at most the deadline.
Result<AttachReply> attach_command(const JvmProcess& jvm, std::string_view command,
                                   const std::array<std::string, 3>& args,
                                   std::chrono::steady_clock::time_point deadline);

}  // namespace l4s::hotpatch

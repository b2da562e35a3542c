#include "hotpatch/hot_patch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "hotpatch/attach.h"

namespace l4s::hotpatch {
namespace {

using Clock = std::chrono::steady_clock;

std::string random_suffix() {
  std::random_device rd;
  std::ostringstream s;
  s << std::hex << rd() << rd();
  return s.str();
}

// Writes the agent where the JVM can read it inside its own mount
// namespace, owned by its user (O_EXCL: never over someone else's file).
Status write_agent(const std::string& host_path, std::string_view jar, uid_t uid, gid_t gid) {
  int fd = ::open(host_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Status::failure("cannot write the agent to " + host_path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < jar.size()) {
    ssize_t n = ::write(fd, jar.data() + done, jar.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (::geteuid() == 0 && ::fchown(fd, uid, gid) != 0) done = 0;
  ::fchmod(fd, 0644);
  ::close(fd);
  if (done != jar.size()) {
    ::unlink(host_path.c_str());
    return Status::failure("cannot write the agent to " + host_path);
  }
  return {};
}

std::string read_and_remove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  ::unlink(path.c_str());
  return s.str();
}

}  // namespace

std::string_view hot_patch_state_name(HotPatchState state) {
  switch (state) {
    case HotPatchState::kPatched: return "patched";
    case HotPatchState::kAlreadyPatched: return "already_patched";
    case HotPatchState::kWouldPatch: return "would_patch";
    case HotPatchState::kSkipped: return "skipped";
    case HotPatchState::kFailed: return "failed";
  }
  return "failed";
}

std::string find_marker(std::string_view properties) {
  const std::string key = std::string(kMarkerProperty) + "=";
  for (size_t at = properties.find(key); at != std::string_view::npos; at = properties.find(key, at + 1)) {
    if (at != 0 && properties[at - 1] != '\n') continue;
    size_t end = properties.find('\n', at);
    std::string value(properties.substr(at + key.size(), end == std::string_view::npos ? std::string_view::npos
                                                                                     : end - at - key.size()));
    if (!value.empty() && value.back() == '\r') value.pop_back();
    // java.util.Properties escapes ':' and '=' and spaces in values with '\'.
    std::string plain;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      plain += value[i];
    }
    return plain;
  }
  return "";
}

std::string hot_patch_marker(int pid, std::chrono::milliseconds timeout) {
  Result<JvmProcess> jvm = inspect_jvm(pid);
  if (!jvm || !jvm->hotspot) return "";
  struct stat st;
  if (::stat(listener_socket_path(*jvm).c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return "";
  Result<AttachReply> props = attach_command(*jvm, "properties", {"", "", ""}, Clock::now() + timeout);
  return props && props->ok() ? find_marker(props->output) : "";
}

AgentReport parse_agent_report(std::string_view text) {
  AgentReport r;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    std::string word = line.substr(0, sp), rest = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (word == "already_patched") r.already_patched = rest.empty() ? "?" : rest;
    else if (word == "patched") r.patched.push_back(rest);
    else if (word == "transformer_installed") r.transformer_installed = true;
    else if (word == "marker") r.marker = rest;
    else if (word == "not_patched") r.not_patched.push_back(rest);
    else if (word == "error") r.errors.push_back(rest.empty() ? "unknown error" : rest);
  }
  return r;
}

JvmHotPatch hot_patch_jvm(int pid, const HotPatchOptions& options) {
  JvmHotPatch out;
  out.pid = pid;
  Result<JvmProcess> jvm = inspect_jvm(pid, options.proc_root);
  if (!jvm) {
    out.reason = jvm.error();
    return out;
  }
  out.user = jvm->user;
  out.container = jvm->own_namespaces;
  out.command = jvm->command;
  out.jvm = jvm->hotspot;
  if (!jvm->hotspot) {
    out.state = HotPatchState::kSkipped;
    out.reason = "not a HotSpot JVM (libjvm.so is not mapped): untouched";
    return out;
  }
  const Clock::time_point deadline = Clock::now() + options.timeout;
  struct stat st;
  const bool listening = ::stat(listener_socket_path(*jvm).c_str(), &st) == 0;
  if (!listening && !jvm->handles_sigquit) {
    out.state = HotPatchState::kSkipped;
    out.reason = "the JVM does not handle SIGQUIT (-Xrs): never signalled, untouched";
    return out;
  }
  Result<AttachReply> props = attach_command(*jvm, "properties", {"", "", ""}, deadline);
  if (!props || !props->ok()) {
    out.reason = !props ? props.error() : "the JVM refused `properties`: " + props->output.substr(0, 200);
    return out;
  }
  if (std::string marker = find_marker(props->output); !marker.empty()) {
    out.state = HotPatchState::kAlreadyPatched;
    out.marker = marker;
    return out;
  }
  if (options.dry_run) {
    out.state = HotPatchState::kWouldPatch;
    return out;
  }
  if (options.agent_jar.empty()) {
    out.reason = "this build has no hot-patch agent (Java was missing when it was built)";
    return out;
  }
  const std::string suffix = std::to_string(pid) + "-" + random_suffix();
  const std::string jar_in_jvm = "/tmp/.log4shield-agent-" + suffix + ".jar";
  const std::string result_in_jvm = "/tmp/.log4shield-result-" + suffix;
  const std::string jar_here = jvm->root + jar_in_jvm;
  if (Status s = write_agent(jar_here, options.agent_jar, jvm->uid, jvm->gid); !s) {
    out.reason = s.error();
    return out;
  }
  std::string agent_args = jar_in_jvm + "=result=" + result_in_jvm + ",version=" + options.tool_version;
  Result<AttachReply> load = attach_command(*jvm, "load", {"instrument", "false", agent_args}, deadline);
  // The JVM has read the jar once `load` returned (or never will).
  ::unlink(jar_here.c_str());
  AgentReport report = parse_agent_report(read_and_remove(jvm->root + result_in_jvm));
  if (!load) {
    out.reason = load.error();
    return out;
  }
  if (!load->ok()) {
    out.reason = "the JVM could not load the agent (status " + std::to_string(load->status) +
                 (load->return_code ? ", return code " + std::to_string(*load->return_code) : "") + ")" +
                 (load->output.empty() ? "" : ": " + load->output.substr(0, 300));
    return out;
  }
  if (!report.already_patched.empty()) {
    out.state = HotPatchState::kAlreadyPatched;
    out.marker = report.already_patched;
    return out;
  }
  out.patched = std::move(report.patched);
  std::string errors;
  for (const std::string& e : report.errors) errors += (errors.empty() ? "agent: " : "; ") + e;
  if (!report.transformer_installed || report.marker.empty()) {
    out.reason = errors.empty() ? "the agent did not report (result file missing)" : errors;
    return out;
  }
  // Installed and marked: a copy that could not be retransformed is said, but
  // later loads are patched and a second run would change nothing.
  out.reason = errors;
  out.state = HotPatchState::kPatched;
  out.transformer_installed = true;
  out.marker = report.marker;
  return out;
}

}  // namespace l4s::hotpatch

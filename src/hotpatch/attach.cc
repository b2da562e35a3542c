#include "hotpatch/attach.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace l4s::hotpatch {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

std::optional<int> parse_int(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
Status wait_for(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, millis_left(deadline));
    if (n > 0) return {};
    if (n == 0) return Status::failure(std::string("attach: timed out ") + what);
    if (errno != EINTR) return Status::failure(std::string("attach: poll: ") + std::strerror(errno));
  }
}

std::string slurp(const std::string& path, size_t max = 1 << 20) {
  std::ifstream in(path, std::ios::binary);
  std::string s;
  char buf[8192];
  while (in && s.size() < max) {
    in.read(buf, sizeof buf);
    s.append(buf, static_cast<size_t>(in.gcount()));
  }
  return s;
}

// The value of "Key:\t..." in /proc/PID/status.
std::string status_field(const std::string& status, std::string_view key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ':')
      return line.substr(key.size() + 1);
  }
  return "";
}

std::vector<std::string> fields(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

bool signal_caught(const std::string& status, int sig) {
  std::string mask = status_field(status, "SigCgt");
  while (!mask.empty() && (mask.front() == ' ' || mask.front() == '\t')) mask.erase(0, 1);
  if (mask.empty()) return false;
  unsigned long long bits = std::strtoull(mask.c_str(), nullptr, 16);
  return (bits >> (sig - 1)) & 1;
}

// Whether two /proc/.../ns/* links name different namespaces (false when unreadable).
bool namespaces_differ(const std::string& a, const std::string& b) {
  char x[256], y[256];
  ssize_t n = ::readlink(a.c_str(), x, sizeof x - 1), m = ::readlink(b.c_str(), y, sizeof y - 1);
  if (n < 0 || m < 0) return false;
  return std::string_view(x, static_cast<size_t>(n)) != std::string_view(y, static_cast<size_t>(m));
}

}  // namespace

std::optional<AttachReply> parse_attach_reply(std::string_view bytes) {
  size_t nl = bytes.find('\n');
  std::string_view first = bytes.substr(0, nl);
  std::optional<int> status = parse_int(first);
  if (!status) return std::nullopt;
  AttachReply r;
  r.status = *status;
  r.output = nl == std::string_view::npos ? "" : std::string(bytes.substr(nl + 1));
  // JDK 9+ follow a load with the agent's result on the next line.
  std::string_view rest = r.output;
  size_t end = rest.find('\n');
  std::string_view second = rest.substr(0, end);
  constexpr std::string_view kReturnCode = "return code:";
  if (second.starts_with(kReturnCode)) r.return_code = parse_int(second.substr(kReturnCode.size()));
  return r;
}

Result<AttachReply> send_attach_command(const std::string& socket_path, std::string_view command,
                                        const std::array<std::string, 3>& args, Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return Result<AttachReply>::failure("attach: socket path too long: " + socket_path);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return Result<AttachReply>::failure(std::string("attach: socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN)
      return Result<AttachReply>::failure("attach: connect " + socket_path + ": " + std::strerror(errno));
    if (Status s = wait_for(fd.get(), POLLOUT, deadline, "connecting"); !s) return Result<AttachReply>::failure(s.error());
  }
  std::string request("1", 2);  // "1\0"
  request.append(command).push_back('\0');
  for (const std::string& a : args) request.append(a).push_back('\0');
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (Status s = wait_for(fd.get(), POLLOUT, deadline, "sending"); !s) return Result<AttachReply>::failure(s.error());
      continue;
    }
    return Result<AttachReply>::failure(std::string("attach: send: ") + std::strerror(errno));
  }
  std::string reply;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<size_t>(n));
      if (reply.size() > kMaxReply) return Result<AttachReply>::failure("attach: reply too large");
      continue;
    }
    if (n == 0) break;  // the listener closes after its reply
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Status s = wait_for(fd.get(), POLLIN, deadline, "waiting for the reply"); !s)
        return Result<AttachReply>::failure(s.error());
      continue;
    }
    return Result<AttachReply>::failure(std::string("attach: recv: ") + std::strerror(errno));
  }
  std::optional<AttachReply> parsed = parse_attach_reply(reply);
  if (!parsed) {
    return Result<AttachReply>::failure("attach: malformed reply" +
                                        (reply.empty() ? std::string(" (empty)") : ": " + reply.substr(0, 80)));
  }
  return *parsed;
}

Result<JvmProcess> inspect_jvm(int pid, const std::string& proc_root) {
  const std::string dir = proc_root + "/" + std::to_string(pid);
  JvmProcess jvm;
  jvm.pid = pid;
  std::string status = slurp(dir + "/status");
  if (status.empty()) return Result<JvmProcess>::failure("no process " + std::to_string(pid));
  std::vector<std::string> uids = fields(status_field(status, "Uid")), gids = fields(status_field(status, "Gid"));
  if (uids.size() < 2 || gids.size() < 2) return Result<JvmProcess>::failure("unreadable status of " + std::to_string(pid));
  jvm.uid = static_cast<uid_t>(std::stoul(uids[1]));
  jvm.gid = static_cast<gid_t>(std::stoul(gids[1]));
  std::vector<std::string> nspid = fields(status_field(status, "NSpid"));
  jvm.ns_pid = nspid.empty() ? pid : std::stoi(nspid.back());
  jvm.handles_sigquit = signal_caught(status, SIGQUIT);
  if (passwd* pw = ::getpwuid(jvm.uid)) jvm.user = pw->pw_name;
  else jvm.user = std::to_string(jvm.uid);
  jvm.root = dir + "/root";
  jvm.cwd = dir + "/cwd";

  std::string cmdline = slurp(dir + "/cmdline");
  std::string environ = slurp(dir + "/environ");
  for (char& c : cmdline) if (c == '\0') c = ' ';
  while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
  jvm.command = cmdline;
  // The flag may come from the command line or the environment the JVM reads.
  auto has_flag = [](const std::string& s) { return s.find("-XX:+DisableAttachMechanism") != std::string::npos; };
  jvm.attach_disabled = has_flag(cmdline);
  for (std::string_view var : {"JAVA_TOOL_OPTIONS=", "JDK_JAVA_OPTIONS=", "_JAVA_OPTIONS="}) {
    for (size_t at = environ.find(var); at != std::string::npos; at = environ.find(var, at + 1)) {
      if (at != 0 && environ[at - 1] != '\0') continue;
      size_t end = environ.find('\0', at);
      if (has_flag(environ.substr(at, end == std::string::npos ? std::string::npos : end - at))) jvm.attach_disabled = true;
    }
  }
  std::string maps = slurp(dir + "/maps", 64 << 20);
  jvm.hotspot = maps.find("/libjvm.so") != std::string::npos;
  jvm.own_namespaces = namespaces_differ(dir + "/ns/pid", "/proc/self/ns/pid") ||
                       namespaces_differ(dir + "/ns/mnt", "/proc/self/ns/mnt");
  return jvm;
}

std::string listener_socket_path(const JvmProcess& jvm) {
  return jvm.root + "/tmp/.java_pid" + std::to_string(jvm.ns_pid);
}

Result<std::string> ensure_listener(const JvmProcess& jvm, Clock::time_point deadline) {
  const std::string socket_path = listener_socket_path(jvm);
  struct stat st;
  if (::stat(socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return socket_path;
  // Never signal what might die of it: SIGQUIT's default action ends a process.
  if (!jvm.hotspot) return Result<std::string>::failure("not a HotSpot JVM (libjvm.so is not mapped): not signalled");
  if (!jvm.handles_sigquit)
    return Result<std::string>::failure("the JVM does not handle SIGQUIT (-Xrs?): not signalled, it would die");
  if (jvm.attach_disabled)
    return Result<std::string>::failure("the JVM runs with -XX:+DisableAttachMechanism: it cannot be attached to");

  const std::string trigger_name = "/.attach_pid" + std::to_string(jvm.ns_pid);
  std::string trigger;
  for (const std::string& dir : {jvm.cwd, jvm.root + "/tmp"}) {
    int fd = ::open((dir + trigger_name).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) continue;
    // The listener checks that the trigger belongs to the JVM's user.
    if (::fchown(fd, jvm.uid, jvm.gid) != 0 && ::geteuid() == 0) {
      ::close(fd);
      ::unlink((dir + trigger_name).c_str());
      continue;
    }
    ::close(fd);
    trigger = dir + trigger_name;
    break;
  }
  if (trigger.empty())
    return Result<std::string>::failure("cannot create the attach trigger file in the JVM's working directory or /tmp");
  if (::kill(jvm.pid, SIGQUIT) != 0) {
    int err = errno;
    ::unlink(trigger.c_str());
    return Result<std::string>::failure(std::string("SIGQUIT: ") + std::strerror(err));
  }
  // OpenJDK's own client polls with a growing delay.
  auto delay = std::chrono::milliseconds(20);
  bool up = false;
  while (!(up = ::stat(socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(delay, std::chrono::milliseconds(millis_left(deadline) + 1)));
    delay = std::min(delay * 2, std::chrono::milliseconds(500));
  }
  ::unlink(trigger.c_str());
  if (!up) return Result<std::string>::failure("the attach listener did not start in time");
  return socket_path;
}

Result<AttachReply> attach_command(const JvmProcess& jvm, std::string_view command,
                                   const std::array<std::string, 3>& args, Clock::time_point deadline) {
  Result<std::string> socket_path = ensure_listener(jvm, deadline);
  if (!socket_path) return Result<AttachReply>::failure(socket_path.error());
  if (::geteuid() != 0 || jvm.uid == 0) return send_attach_command(*socket_path, command, args, deadline);

  // As root: connect with the JVM's credentials, in a child we can kill.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Result<AttachReply>::failure(std::string("pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return Result<AttachReply>::failure(std::string("fork: ") + std::strerror(errno));
  }
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string out;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(jvm.gid, jvm.gid, jvm.gid) != 0 ||
        ::setresuid(jvm.uid, jvm.uid, jvm.uid) != 0) {
      out = std::string("E") + "cannot take the JVM's user " + jvm.user + ": " + std::strerror(errno);
    } else {
      Result<AttachReply> r = send_attach_command(*socket_path, command, args, deadline);
      if (!r) {
        out = "E" + r.error();
      } else {
        out = "R" + std::to_string(r->status) + "\n" + r->output;
      }
    }
    for (size_t done = 0; done < out.size();) {
      ssize_t n = ::write(pipe_fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  Fd read_end(pipe_fds[0]);
  std::string got;
  char buf[8192];
  bool timed_out = false;
  for (;;) {
    if (!wait_for(read_end.get(), POLLIN, deadline + std::chrono::milliseconds(200), "")) {
      timed_out = true;
      break;
    }
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
      if (got.size() > kMaxReply + 64) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  if (timed_out) ::kill(child, SIGKILL);
  int wstatus = 0;
  while (::waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Result<AttachReply>::failure("attach: timed out waiting for the JVM");
  if (got.empty()) return Result<AttachReply>::failure("attach: the helper process said nothing");
  if (got[0] == 'E') return Result<AttachReply>::failure(got.substr(1));
  std::optional<AttachReply> parsed = parse_attach_reply(std::string_view(got).substr(1));
  if (!parsed) return Result<AttachReply>::failure("attach: malformed reply");
  return *parsed;
}

}  // namespace l4s::hotpatch

#include "core/priority.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace l4s {
namespace {

// From linux/ioprio.h, which glibc does not wrap.
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioClassIdle = 3;

// 0, or the errno of the call that failed (named in *what).
int set_thread(pid_t tid, const char** what) {
  // setpriority(PRIO_PROCESS, tid) changes one thread on Linux.
  *what = "setpriority";
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), 19) != 0) return errno;
  *what = "ioprio_set";
  if (syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, kIoprioClassIdle << kIoprioClassShift) != 0) return errno;
  return 0;
}

}  // namespace

Status set_low_priority() {
  const char* what = "";
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) {  // no /proc (a chroot): this thread, before any other starts
    int err = set_thread(static_cast<pid_t>(syscall(SYS_gettid)), &what);
    return err ? Status::failure(std::string(what) + ": " + strerror(err)) : Status{};
  }
  Status status;
  while (dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    int err = set_thread(static_cast<pid_t>(std::atoi(e->d_name)), &what);
    // A thread that ended meanwhile is no failure.
    if (err != 0 && err != ESRCH && status) status = Status::failure(std::string(what) + ": " + strerror(err));
  }
  closedir(tasks);
  return status;
}

int io_priority_class() {
  long v = syscall(SYS_ioprio_get, kIoprioWhoProcess, 0);
  return v < 0 ? -1 : static_cast<int>(v >> kIoprioClassShift);
}

}  // namespace l4s

// A private, throwaway PostgreSQL server for tests: initdb into a folder
// under the build tree (owned by `postgres` when running as root, via
// runuser), listening only on a unix socket in that folder. Stopped and
// removed by the destructor.
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace l4s::testing {

class PgServer {
 public:
  // Finds the server binaries (pg_config --bindir, else the newest
  // /usr/lib/postgresql/*/bin); "" when absent.
  static std::string bin_dir() {
    namespace fs = std::filesystem;
    std::string best;
    std::error_code ec;
    if (fs::exists("/usr/lib/postgresql", ec))
      for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
        if (fs::exists(e.path() / "bin/initdb") && e.path().string() > best) best = e.path().string();
    return best.empty() ? "" : best + "/bin";
  }

  // Returns "" on success, else why it could not start.
  std::string start(const std::string& parent) {
    namespace fs = std::filesystem;
    bin_ = bin_dir();
    if (bin_.empty()) return "postgres server binaries not found (apt-get install postgresql)";
    dir_ = parent + "/pg-" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string as;
    if (geteuid() == 0) {
      struct passwd* pw = getpwnam("postgres");
      if (!pw) return "running as root but there is no postgres user";
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "cannot chown " + dir_;
      // Every parent must be traversable by postgres.
      for (fs::path p = fs::path(dir_).parent_path(); p != p.root_path(); p = p.parent_path()) {
        struct stat st;
        if (stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH)) chmod(p.c_str(), st.st_mode | S_IXOTH);
      }
      as = "runuser -u postgres -- ";
    }
    as_ = as;
    std::string log = dir_ + "/setup.log";
    if (run(as + bin_ + "/initdb -D " + dir_ + "/data -A trust -U postgres -E UTF8 --locale=C --no-sync >" + log +
            " 2>&1") != 0)
      return "initdb failed, see " + log;
    std::string opts = "-k " + dir_ + " -c listen_addresses='' -p 5432 -F -c fsync=off -c shared_buffers=16MB";
    if (run(as + bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 30 -o \"" + opts +
            "\" start >>" + log + " 2>&1") != 0)
      return "pg_ctl start failed, see " + dir_ + "/server.log";
    started_ = true;
    return "";
  }

  // libpq URI of the server's postgres database.
  std::string uri(const std::string& db = "postgres") const {
    return "postgresql:///" + db + "?host=" + dir_ + "&port=5432&user=postgres";
  }

  ~PgServer() {
    if (started_) run(as_ + bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop >/dev/null 2>&1");
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

 private:
  static int run(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string bin_, dir_, as_;
  bool started_ = false;
};

}  // namespace l4s::testing

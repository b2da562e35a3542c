#include "process/processes.h"

#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace l4s::process {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool is_archive_path(const std::string& p) {
  for (std::string_view e : {".jar", ".war", ".ear", ".zip", ".jmod"})
    if (p.ends_with(e)) return true;
  return false;
}

constexpr std::string_view kDeleted = " (deleted)";

bool is_java(const std::string& exe, const std::vector<std::string>& cmdline) {
  auto base = [](const std::string& p) { return p.substr(p.find_last_of('/') + 1); };
  std::string e = base(exe);
  if (e.ends_with(kDeleted)) e.resize(e.size() - kDeleted.size());
  if (e == "java" || e == "javaw") return true;
  return !cmdline.empty() && base(cmdline[0]) == "java";
}

std::string user_name(unsigned uid) {
  struct passwd pw, *result = nullptr;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result) return result->pw_name;
  return std::to_string(uid);
}

}  // namespace

std::vector<std::string> class_path_of(const std::vector<std::string>& cmdline, const std::string& cwd) {
  std::vector<std::string> raw;
  for (size_t i = 1; i < cmdline.size(); ++i) {
    const std::string& a = cmdline[i];
    if ((a == "-cp" || a == "-classpath" || a == "--class-path" || a == "-jar") && i + 1 < cmdline.size()) {
      std::string v = cmdline[++i];
      if (a == "-jar") {
        raw.push_back(v);
        break;  // everything after the jar belongs to the application
      }
      std::stringstream ss(v);
      std::string part;
      while (std::getline(ss, part, ':'))
        if (!part.empty()) raw.push_back(part);
    } else if (a.rfind("--class-path=", 0) == 0) {
      std::stringstream ss(a.substr(13));
      std::string part;
      while (std::getline(ss, part, ':'))
        if (!part.empty()) raw.push_back(part);
    } else if (!a.empty() && a[0] != '-') {
      break;  // the main class: the rest are program arguments
    }
  }
  std::vector<std::string> out;
  for (std::string p : raw) {
    if (p[0] != '/') p = cwd + "/" + p;
    if (p.ends_with("/*")) {
      std::string dir = p.substr(0, p.size() - 2);
      if (DIR* d = opendir(dir.c_str())) {
        while (struct dirent* e = readdir(d)) {
          std::string name = e->d_name;
          if (name.ends_with(".jar") || name.ends_with(".JAR")) out.push_back(dir + "/" + name);
        }
        closedir(d);
      }
    } else {
      out.push_back(p);
    }
  }
  return out;
}

bool has_true_property(const std::vector<std::string>& cmdline, const std::string& property) {
  std::string prefix = "-D" + property + "=";
  bool value = false;
  for (const auto& a : cmdline) {
    if (a.rfind(prefix, 0) != 0) continue;
    std::string v = a.substr(prefix.size());
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    value = v == "true";  // the last occurrence wins, as in the JVM
  }
  return value;
}

std::string short_command(const std::vector<std::string>& cmdline, size_t max) {
  std::string s;
  for (const auto& a : cmdline) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::vector<JavaProcess> list_java_processes(const std::string& proc_root) {
  std::vector<JavaProcess> out;
  DIR* d = opendir(proc_root.c_str());
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    if (!std::all_of(e->d_name, e->d_name + std::strlen(e->d_name), ::isdigit)) continue;
    std::string dir = proc_root + "/" + e->d_name;
    JavaProcess p;
    p.pid = std::atoi(e->d_name);
    p.exe = read_link(dir + "/exe");
    p.cmdline = split_nul(read_all(dir + "/cmdline"));
    if (!is_java(p.exe, p.cmdline)) continue;
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) p.uid = st.st_uid;
    p.user = user_name(p.uid);
    p.no_lookups_property = has_true_property(p.cmdline, "log4j2.formatMsgNoLookups");
    for (const auto& kv : split_nul(read_all(dir + "/environ"))) {
      std::string k = kv.substr(0, kv.find('='));
      std::string v = kv.find('=') == std::string::npos ? "" : kv.substr(kv.find('=') + 1);
      std::transform(v.begin(), v.end(), v.begin(), ::tolower);
      if (k == "LOG4J_FORMAT_MSG_NO_LOOKUPS" && v == "true") p.no_lookups_env = true;
    }

    std::set<std::string> seen;
    // Open files first: they can still be read when deleted or replaced.
    std::string fd_dir = dir + "/fd";
    if (DIR* fds = opendir(fd_dir.c_str())) {
      while (struct dirent* f = readdir(fds)) {
        if (f->d_name[0] == '.') continue;
        std::string fd_path = fd_dir + "/" + f->d_name;
        std::string target = read_link(fd_path);
        bool deleted = target.ends_with(kDeleted);
        if (deleted) target.resize(target.size() - kDeleted.size());
        if (!is_archive_path(target) || !seen.insert(target).second) continue;
        // Replaced on disk (new inode under the same name) counts as deleted too.
        struct stat now, open_st;
        if (!deleted && stat(target.c_str(), &now) == 0 && stat(fd_path.c_str(), &open_st) == 0 &&
            (now.st_ino != open_st.st_ino || now.st_dev != open_st.st_dev))
          deleted = true;
        p.jars.push_back(LoadedJar{target, deleted ? fd_path : target, deleted, "fd"});
      }
      closedir(fds);
    }
    std::istringstream maps(read_all(dir + "/maps"));
    std::string line;
    while (std::getline(maps, line)) {
      auto slash = line.find('/');
      if (slash == std::string::npos) continue;
      std::string target = line.substr(slash);
      bool deleted = target.ends_with(kDeleted);
      if (deleted) target.resize(target.size() - kDeleted.size());
      if (!is_archive_path(target) || !seen.insert(target).second) continue;
      // A mapped, deleted jar is readable through map_files (root only).
      std::string range = line.substr(0, line.find(' '));
      p.jars.push_back(LoadedJar{target, deleted ? dir + "/map_files/" + range : target, deleted, "maps"});
    }
    for (std::string cp : class_path_of(p.cmdline, read_link(dir + "/cwd"))) {
      // Canonical, so "lib/../x.jar" and the open fd's "/x.jar" are one jar.
      if (char* real = realpath(cp.c_str(), nullptr)) {
        cp = real;
        free(real);
      }
      if (is_archive_path(cp) && seen.insert(cp).second) p.jars.push_back(LoadedJar{cp, cp, false, "classpath"});
    }
    out.push_back(std::move(p));
  }
  closedir(d);
  std::sort(out.begin(), out.end(), [](const JavaProcess& a, const JavaProcess& b) { return a.pid < b.pid; });
  return out;
}

}  // namespace l4s::process

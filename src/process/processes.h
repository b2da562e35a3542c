// Running JVMs (Linux /proc): which jars each Java process has open, mapped or
// on its class path, and its Log4j mitigation flags. The version on disk is
// not always the version loaded: a jar deleted or replaced after start is
// still read through /proc/PID/fd.
#pragma once

#include <string>
#include <vector>

namespace l4s::process {

struct LoadedJar {
  std::string path;         // path the process knows (without " (deleted)")
  std::string read_path;    // where to read it now: path, or /proc/PID/fd/N when deleted/replaced
  bool deleted = false;     // removed or replaced on disk since the process opened it
  std::string source;       // "fd" | "maps" | "classpath"
};

struct JavaProcess {
  int pid = 0;
  unsigned uid = 0;
  std::string user;
  std::string exe;
  std::vector<std::string> cmdline;
  std::vector<LoadedJar> jars;
  bool no_lookups_property = false;  // -Dlog4j2.formatMsgNoLookups=true
  bool no_lookups_env = false;       // LOG4J_FORMAT_MSG_NO_LOOKUPS=true
};

// Every process whose executable or argv[0] is a Java launcher.
// proc_root is "/proc" except in tests.
std::vector<JavaProcess> list_java_processes(const std::string& proc_root = "/proc");

// Class path entries of a java command line (-cp, -classpath, --class-path,
// -jar), relative entries resolved against cwd, "dir/*" expanded to its jars.
std::vector<std::string> class_path_of(const std::vector<std::string>& cmdline, const std::string& cwd);

// True when the JVM arguments set the property to true (case-insensitive value).
bool has_true_property(const std::vector<std::string>& cmdline, const std::string& property);

// A short command for reports: argv joined, cut at max characters.
std::string short_command(const std::vector<std::string>& cmdline, size_t max = 160);

}  // namespace l4s::process

#include "process/processes.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace l4s::process {
namespace {

namespace stdfs = std::filesystem;
using namespace std::string_literals;

TEST(ClassPathTest, ReadsEveryFormAndResolvesRelativeEntries) {
  stdfs::path lib = stdfs::path(L4S_TEST_TMP) / "cp-lib";
  stdfs::create_directories(lib);
  std::ofstream(lib / "a.jar") << "x";
  std::ofstream(lib / "b.txt") << "x";
  auto cp = class_path_of({"java", "-Xmx1g", "-cp", "rel.jar:/abs/x.jar:" + lib.string() + "/*", "com.Main", "-cp", "nope.jar"},
                          "/work");
  EXPECT_EQ(cp, (std::vector<std::string>{"/work/rel.jar", "/abs/x.jar", (lib / "a.jar").string()}));
  EXPECT_EQ(class_path_of({"java", "-jar", "app.jar", "-cp", "x.jar"}, "/srv"), std::vector<std::string>{"/srv/app.jar"});
  EXPECT_EQ(class_path_of({"java", "--class-path=/l/x.jar", "M"}, "/"), std::vector<std::string>{"/l/x.jar"});
}

TEST(ClassPathTest, LastPropertyWins) {
  EXPECT_TRUE(has_true_property({"java", "-Dlog4j2.formatMsgNoLookups=TRUE", "M"}, "log4j2.formatMsgNoLookups"));
  EXPECT_FALSE(has_true_property({"java", "-Dlog4j2.formatMsgNoLookups=true", "-Dlog4j2.formatMsgNoLookups=false"},
                                 "log4j2.formatMsgNoLookups"));
  EXPECT_FALSE(has_true_property({"java", "-Dlog4j2.formatMsgNoLookupsX=true"}, "log4j2.formatMsgNoLookups"));
}

TEST(ProcessListTest, FindsJavaProcessesTheirJarsAndFlagsInAProcTree) {
  stdfs::path root = stdfs::path(L4S_TEST_TMP) / "fake-proc";
  stdfs::remove_all(root);
  stdfs::path jars = root / "jars";
  stdfs::create_directories(jars);
  std::ofstream(jars / "log4j-core.jar") << "x";
  auto make = [&](const std::string& pid, const std::string& exe, const std::string& cmdline, const std::string& env) {
    stdfs::path d = root / pid;
    stdfs::create_directories(d / "fd");
    stdfs::create_symlink(exe, d / "exe");
    stdfs::create_symlink(jars, d / "cwd");
    std::ofstream(d / "cmdline", std::ios::binary) << cmdline;
    std::ofstream(d / "environ", std::ios::binary) << env;
    std::ofstream(d / "maps") << "7f00-7f10 r--s 00000000 08:01 1234 " << (jars / "mapped.jar").string()
                              << " (deleted)\n7f20-7f30 r-xp 0 08:01 1 /usr/lib/libc.so.6\n";
    return d;
  };
  std::string cmd = "java\0-Dlog4j2.formatMsgNoLookups=true\0-cp\0log4j-core.jar\0Main\0"s;
  std::string env = "PATH=/bin\0LOG4J_FORMAT_MSG_NO_LOOKUPS=true\0"s;
  stdfs::path d = make("100", "/usr/lib/jvm/java-17/bin/java", cmd, env);
  stdfs::create_symlink(jars / "log4j-core.jar", d / "fd" / "5");
  make("200", "/usr/bin/bash", "bash\0"s, "");

  auto procs = list_java_processes(root.string());
  ASSERT_EQ(procs.size(), 1u);
  const JavaProcess& p = procs[0];
  EXPECT_EQ(p.pid, 100);
  EXPECT_TRUE(p.no_lookups_property);
  EXPECT_TRUE(p.no_lookups_env);
  ASSERT_EQ(p.jars.size(), 2u);  // the fd and the classpath entry are the same jar
  EXPECT_EQ(p.jars[0].path, (jars / "log4j-core.jar").string());
  EXPECT_EQ(p.jars[0].source, "fd");
  EXPECT_FALSE(p.jars[0].deleted);
  EXPECT_EQ(p.jars[1].path, (jars / "mapped.jar").string());
  EXPECT_TRUE(p.jars[1].deleted);
  EXPECT_EQ(p.jars[1].read_path, (root / "100/map_files/7f00-7f10").string());
}

}  // namespace
}  // namespace l4s::process

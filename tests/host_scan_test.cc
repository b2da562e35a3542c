// Acceptance test of issue 17: `log4shield scan` of this machine's /usr, /etc,
// /opt, /var and /root reports no error on anything that is not an archive.
// Every error left must be an archive that really is damaged, matched by the
// allow-list below (each kind checked by hand with unzip -l / tar tvf / file
// on Debian 12); any other error fails the test. The exit code is not asserted:
// it stays 2 while such damaged archives are present, as it should.
#include <fnmatch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shell.h"

namespace {

using nlohmann::json;

const std::vector<std::string> kRoots = {"/usr", "/etc", "/opt", "/var", "/root"};

// Patterns (fnmatch, '*' crosses '/') of archives shipped damaged on purpose.
// Only files on disk: a member of an archive ("...!/...") is never allowed,
// so a regression on launchers or scripts inside wheels cannot hide here.
struct Allowed {
  const char* pattern;
  const char* why;
};
const Allowed kAllowed[] = {
    // golang-1.19-src (/usr/lib/go-1.19/src links to /usr/share/go-1.19/src):
    // issue11169.tar, neg-size.tar (bad headers), pax-bad-hdr-large.tar.bz2
    // (pax header past any limit), pax-path-hdr.tar (a pax header and no
    // entry), writer-big*.tar (cut after the header of a 16 GiB entry),
    // test-baddirsz.zip (central directory size off by 16).
    {"*/go-*/src/archive/tar/testdata/*.tar", "Go archive/tar test data"},
    {"*/go-*/src/archive/tar/testdata/*.tar.*", "Go archive/tar test data"},
    {"*/go-*/src/archive/zip/testdata/*.zip", "Go archive/zip test data"},
    // CPython's test suite (libpython3.x-testsuite, pyenv builds): recursion.tar
    // ends inside a header (tar: unexpected EOF); sparse-zip64-*.part are the
    // pieces of one sparse zip64, none a zip on its own (unzip: no end record).
    {"*/lib/python*/test/recursion.tar", "CPython tarfile test data"},
    {"*/lib/python*/test/archivetestdata/recursion.tar", "CPython tarfile test data"},
    {"*/lib/python*/test/zipimport_data/sparse-zip64-*.part", "CPython zipimport test data"},
};

bool allowed(const std::string& location) {
  if (location.find("!/") != std::string::npos) return false;
  for (const Allowed& a : kAllowed)
    if (fnmatch(a.pattern, location.c_str(), 0) == 0) return true;
  return false;
}

TEST(HostScan, OnlyDamagedArchivesAreErrors) {
  for (const std::string& root : kRoots) {
    if (!std::filesystem::is_directory(root)) GTEST_SKIP() << root << " is missing: this test scans " << "/usr /etc /opt /var /root";
  }
  if (geteuid() != 0) GTEST_SKIP() << "needs root: /root and parts of /var are unreadable otherwise";

  // The build and source trees hold the test archives other tests write
  // (damaged on purpose), and the fixtures hold corrupt jars: not this host's.
  std::string cmd = std::string(L4S_BINARY) + " scan --quiet --format json";
  for (const std::string& skip : {std::string("/work"), std::string(L4S_FIXTURES_DIR), std::string(L4S_SOURCE_DIR),
                                  std::string(L4S_BUILD_DIR)})
    cmd += " --exclude " + l4s::test::shell_quote(std::filesystem::weakly_canonical(skip).string());
  for (const std::string& root : kRoots) cmd += " " + root;
  cmd += " 2>/dev/null";

  const auto t0 = std::chrono::steady_clock::now();
  l4s::test::ShellResult r = l4s::test::run_shell(cmd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2) << "exit " << r.exit_code;
  json report;
  try {
    report = json::parse(r.out);
  } catch (const std::exception& e) {
    FAIL() << "scan did not print a JSON report: " << e.what() << "\n" << r.out.substr(0, 2000);
  }
  // A scan that read nothing would pass trivially.
  EXPECT_GT(report["stats"]["files"].get<uint64_t>(), 1000u);
  EXPECT_GT(report["stats"]["archives"].get<uint64_t>(), 0u);

  std::string unexpected;
  size_t allowed_count = 0;
  for (const json& e : report["errors"]) {
    const std::string loc = e["location"].get<std::string>();
    if (allowed(loc)) ++allowed_count;
    else unexpected += "  " + loc + ": " + e["error"].get<std::string>() + "\n";
  }
  EXPECT_TRUE(unexpected.empty()) << "errors on what is not a known damaged archive:\n" << unexpected;
  std::printf("scanned %s files, %s archives in %.1f s: %zu errors, all on known damaged archives\n",
              report["stats"]["files"].dump().c_str(), report["stats"]["archives"].dump().c_str(), seconds,
              allowed_count);
}

// The allow-list itself: patterns match what they name and nothing inside archives.
TEST(HostScan, AllowListMatchesFilesNotMembers) {
  EXPECT_TRUE(allowed("/usr/share/go-1.19/src/archive/zip/testdata/test-baddirsz.zip"));
  EXPECT_TRUE(allowed("/usr/lib/go-1.19/src/archive/tar/testdata/pax-bad-hdr-large.tar.bz2"));
  EXPECT_TRUE(allowed("/usr/lib/python3.11/test/recursion.tar"));
  EXPECT_TRUE(allowed("/root/.pyenv/versions/3.13.0/lib/python3.13/test/zipimport_data/sparse-zip64-c0-0x200000000.part"));
  EXPECT_FALSE(allowed("/usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl!/setuptools/gui-64.exe"));
  EXPECT_FALSE(allowed("/usr/lib/python3.11/test/wheeldata/setuptools-67.6.1-py3-none-any.whl!/setuptools/cli.exe"));
  EXPECT_FALSE(allowed("/usr/lib/python3.11/test/test_zipfile.py"));
  EXPECT_FALSE(allowed("/opt/app/lib/broken.jar"));
}

}  // namespace

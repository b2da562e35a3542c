// Members of archives are sniffed exactly as files on disk (issue 17): the
// same bytes give the same outcome -- opened as an archive, reported as a
// damaged one, or simply not an archive -- whether they sit on disk, in a zip
// (stored or deflated) or in a tar. Launcher stubs (MZ), scripts (#!) and
// AppleDouble resource forks are no errors anywhere; damaged archives are
// errors everywhere.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive/testing/zip_builder.h"
#include "inventory/file_scanner.h"
#include "inventory/test_archives.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;
namespace fs = std::filesystem;

const std::string kStd = "org/apache/logging/log4j/core/";
const std::string kPom = "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties";

std::string noise(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(((i + seed) * 2654435761u) >> 13);
  return s;
}

// A log4j-core 2.14.1 jar, built with the zip builder.
std::string log4j_jar() {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", "2.14.1"));
  testzip::Spec spec;
  for (const Member& m : members_of(c)) spec.entries.emplace_back(m.name, m.content);
  return testzip::build(spec);
}

// A Windows launcher as setuptools ships them (gui.exe, cli-64.exe): MZ, then
// code, no zip anywhere.
std::string windows_launcher() { return "MZ\x90" + std::string(61, '\0') + noise(20000); }

// An AppleDouble resource fork as macOS zips them (__MACOSX/._NAME).
std::string apple_double() {
  std::string s("\x00\x05\x16\x07\x00\x02\x00\x00", 8);
  s += "Mac OS X        ";
  s += std::string("\x00\x02\x00\x00\x00\x09\x00\x00\x00\x32\x00\x00\x0e\xb0", 14);
  s.resize(4096, '\0');
  return s;
}

// A launcher-prefixed jar whose end record is intact but whose central
// directory is not where it says: a damaged archive, not a script.
std::string prefixed_jar_with_broken_directory() {
  testzip::Spec spec;
  spec.prefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n";
  spec.entries.emplace_back("app/Main.class", class_bytes(52, {"app/Main", "java/lang/Object"}));
  testzip::Built b = testzip::build_with_offsets(spec);
  testzip::set32(b.bytes, b.cd_start, 0x0badf00d);
  return b.bytes;
}

struct Outcome {
  size_t errors = 0;
  size_t findings = 0;
  uint64_t apple_double = 0;
  std::string text;  // the errors, for failure messages
};

Outcome outcome_of(const std::string& path) {
  FileScanner scanner({});
  ScanOutput out;
  scanner.scan_file(path, fs::file_size(path), true, out);
  Outcome o{out.errors.size(), out.findings.size(), out.stats.apple_double, ""};
  for (const ScanError& e : out.errors) o.text += e.location + ": " + e.error + "\n";
  return o;
}

// An ordinary zip around one member, stored (method 0) or deflated (8).
std::string zip_around(const std::string& name, const std::string& bytes, uint16_t method) {
  testzip::Spec spec;
  spec.entries.emplace_back("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n");
  spec.entries.emplace_back("pkg/" + name, bytes, method);
  return testzip::build(spec);
}

struct Sample {
  std::string name;
  std::string bytes;
  size_t errors;
  size_t findings;
  uint64_t apple_double;
};

std::vector<Sample> samples() {
  const std::string script = "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n" + std::string(300, ' ');
  const std::string py = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nfrom certifi import where\n";
  return {
      {"gui-64.exe", windows_launcher(), 0, 0, 0},
      {"npm", script, 0, 0, 0},
      {"certs.py", py, 0, 0, 0},
      {"app", "#!/bin/sh\nexec java -jar \"$0\"\n" + log4j_jar(), 0, 1, 0},
      {"setup.exe", windows_launcher() + log4j_jar(), 0, 1, 0},
      {"launcher", prefixed_jar_with_broken_directory(), 1, 0, 0},
      {"broken.jar", "PK\x03\x04" + std::string(200, '\x5a'), 1, 0, 0},
      {"notes.jar", "Ha! I'm not actually a real jar!\n", 1, 0, 0},
      {"tiny.jar", "PK\x05\x06", 1, 0, 0},
      {"._log4j-core.jar", apple_double(), 0, 0, 1},
  };
}

TEST(MemberSniff, SameOutcomeOnDiskAndInsideArchives) {
  const fs::path dir = scratch_dir();
  for (const Sample& s : samples()) {
    SCOPED_TRACE(s.name);
    const std::string wheres[] = {"on disk", "stored in a zip", "deflated in a zip", "in a tar"};
    const std::string paths[] = {
        write_file(dir / "disk" / s.name, s.bytes),
        write_file(dir / "stored" / (s.name + ".zip"), zip_around(s.name, s.bytes, 0)),
        write_file(dir / "deflated" / (s.name + ".zip"), zip_around(s.name, s.bytes, 8)),
        write_file(dir / "tar" / (s.name + ".tar"), make_archive(ArchiveKind::kTar, {{"pkg/" + s.name, s.bytes}})),
    };
    for (size_t i = 0; i < 4; ++i) {
      SCOPED_TRACE(wheres[i]);
      Outcome o = outcome_of(paths[i]);
      EXPECT_EQ(o.errors, s.errors) << o.text;
      EXPECT_EQ(o.findings, s.findings) << o.text;
      EXPECT_EQ(o.apple_double, s.apple_double);
    }
  }
}

TEST(MemberSniff, WheelWithLaunchersAndScriptsHasNoErrors) {
  // setuptools' wheel: Windows launchers and scripts beside the Python code.
  testzip::Spec spec;
  spec.entries.emplace_back("setuptools/__init__.py", "import os\n" + std::string(100, '#'));
  spec.entries.emplace_back("setuptools/cli-64.exe", windows_launcher());
  spec.entries.emplace_back("setuptools/gui.exe", "MZ" + noise(9000, 7));
  spec.entries.emplace_back("pip/_vendor/requests/certs.py", "#!/usr/bin/env python\n\"\"\"certs\"\"\"\n");
  spec.entries.emplace_back("pip/_vendor/distlib/t64.exe", windows_launcher(), 0);
  const std::string path = write_file(scratch_dir() / "setuptools-65.5.0-py3-none-any.whl", testzip::build(spec));
  Outcome o = outcome_of(path);
  EXPECT_EQ(o.errors, 0u) << o.text;
  EXPECT_EQ(o.findings, 0u);
}

TEST(MemberSniff, NpmTarballWithShimsHasNoErrors) {
  const std::string tgz = make_archive(ArchiveKind::kTarGz,
                                       {{"package/bin/npm", "#!/usr/bin/env bash\nexec node \"$0\" \"$@\"\n"},
                                        {"package/bin/npm.ps1", "#!/usr/bin/env pwsh\n$NODE_EXE = \"node.exe\"\n"},
                                        {"package/bin/node-gyp-bin/node-gyp", "#!/usr/bin/env sh\nnode-gyp \"$@\"\n"}});
  Outcome o = outcome_of(write_file(scratch_dir() / "npm-10.2.4.tgz", tgz));
  EXPECT_EQ(o.errors, 0u) << o.text;
}

TEST(MemberSniff, AppleDoubleForksBesideRealJarsAreSkippedAndCounted) {
  // A war zipped on macOS: the resource fork of each jar under __MACOSX/.
  testzip::Spec spec;
  spec.entries.emplace_back("WEB-INF/lib/log4j-core-2.14.1.jar", log4j_jar());
  spec.entries.emplace_back("__MACOSX/WEB-INF/lib/._log4j-core-2.14.1.jar", apple_double());
  spec.entries.emplace_back("__MACOSX/WEB-INF/lib/._app.war", apple_double(), 0);
  const fs::path dir = scratch_dir();
  const std::string path = write_file(dir / "shop.war", testzip::build(spec));
  Outcome o = outcome_of(path);
  EXPECT_EQ(o.errors, 0u) << o.text;
  EXPECT_EQ(o.findings, 1u);
  EXPECT_EQ(o.apple_double, 2u);

  // The name alone is not enough: a real jar named ._x.jar is still a jar.
  Outcome real = outcome_of(write_file(dir / "._log4j-core.jar", log4j_jar()));
  EXPECT_EQ(real.findings, 1u) << real.text;
  EXPECT_EQ(real.apple_double, 0u);
  // Nor the magic alone: a file named like a jar that holds a fork is damaged.
  Outcome odd = outcome_of(write_file(dir / "fork.jar", apple_double()));
  EXPECT_EQ(odd.errors, 1u);
  EXPECT_EQ(odd.apple_double, 0u);
}

TEST(MemberSniff, DepthLimitReportsOnlyArchives) {
  // outer > mid > {script, exe, jar}: at the limit only the jar is worth an error.
  testzip::Spec mid;
  mid.entries.emplace_back("bin/npm", "#!/usr/bin/env node\n" + std::string(200, '/'));
  mid.entries.emplace_back("bin/gui.exe", windows_launcher());
  mid.entries.emplace_back("lib/log4j-core-2.14.1.jar", log4j_jar());
  testzip::Spec outer;
  outer.entries.emplace_back("lib/mid.jar", testzip::build(mid));
  const std::string path = write_file(scratch_dir() / "outer.jar", testzip::build(outer));

  ScanLimits one;
  one.max_depth = 1;
  FileScanner scanner(one);
  ScanOutput out;
  scanner.scan_file(path, fs::file_size(path), true, out);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, path + "!/lib/mid.jar!/lib/log4j-core-2.14.1.jar");
  EXPECT_EQ(out.errors[0].error, "nested deeper than 1 archives");
}

TEST(MemberSniff, VerdictFromHeadAndName) {
  const std::string fork = apple_double();
  EXPECT_EQ(sniff_verdict(fork.data(), fork.size(), "__MACOSX/lib/._a.jar"), Verdict::kAppleDouble);
  EXPECT_EQ(sniff_verdict(fork.data(), fork.size(), "lib/a.jar"), Verdict::kZip);  // claims by name
  EXPECT_EQ(sniff_verdict("PK\x03\x04", 4, "data.bin"), Verdict::kZip);
  EXPECT_EQ(sniff_verdict("\x1f\x8b\x08\x00", 4, "x"), Verdict::kTar);
  EXPECT_EQ(sniff_verdict("#!/bin/sh", 9, "bin/app"), Verdict::kZipIfEndRecord);
  EXPECT_EQ(sniff_verdict("MZ\x90\x00", 4, "gui.exe"), Verdict::kZipIfEndRecord);
  EXPECT_EQ(sniff_verdict("#!/bin/sh", 9, "bin/app.jar"), Verdict::kZip);
  EXPECT_EQ(sniff_verdict("Rar!\x1a\x07", 6, "a.rar"), Verdict::kNotArchive);
}

TEST(MemberSniff, StatsMergeCountsForks) {
  ScanOutput a, b;
  a.stats.apple_double = 2;
  b.stats.apple_double = 3;
  a.merge(std::move(b));
  EXPECT_EQ(a.stats.apple_double, 5u);
}

}  // namespace
}  // namespace l4s::inventory

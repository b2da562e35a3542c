// The archive tree on files the test writes: plain, nested, tarred and
// launcher-prefixed jars, damaged archives, the depth limit, and files that
// are no archive at all. Synthetic log4j-core classes (test_classes.h) make
// each copy; a few real jars from the fixtures confirm the same paths.
#include "inventory/file_scanner.h"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "inventory/test_archives.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;
namespace fs = std::filesystem;

const std::string kStd = "org/apache/logging/log4j/core/";
const std::string kPom = "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties";
const std::string kPrefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\nexit 1\n";

// A log4j-core jar of the given release (classes and pom).
std::string log4j_jar(const std::string& version, ArchiveKind kind = ArchiveKind::kZip) {
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release(version));
  c.add(kPom, pom("org.apache.logging.log4j", "log4j-core", version));
  return make_archive(kind, members_of(c));
}

// An application jar without any logging library.
std::string app_jar(std::vector<Member> extra = {}) {
  std::vector<Member> m = {{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: app.Main\n"},
                           {"app/Main.class", class_bytes(52, {"app/Main", "java/lang/Object"})}};
  m.insert(m.end(), extra.begin(), extra.end());
  return make_archive(ArchiveKind::kZip, m);
}

std::string noise(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 13);
  return s;
}

ScanOutput scan(const std::string& path, ScanLimits limits = {}) {
  FileScanner scanner(limits);
  ScanOutput out;
  scanner.scan_file(path, fs::file_size(path), true, out);
  return out;
}

std::string errors_text(const ScanOutput& out) {
  std::string s;
  for (const ScanError& e : out.errors) s += e.location + ": " + e.error + "\n";
  return s;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(FileScanner, PlainJar) {
  const std::string path = write_file(scratch_dir() / "lib" / "log4j-core-2.14.1.jar", log4j_jar("2.14.1"));
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 1u);
  const Finding& f = out.findings[0];
  EXPECT_EQ(f.component, "log4j-core");
  EXPECT_EQ(f.version, "2.14.1");
  EXPECT_EQ(f.path, path);
  EXPECT_EQ(f.location, path);
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_TRUE(has(f.cves, "CVE-2021-44228"));
  EXPECT_EQ(out.stats.files, 1u);
  EXPECT_EQ(out.stats.archives, 1u);
  EXPECT_EQ(out.stats.errors, 0u);
  EXPECT_GE(out.stats.bytes_read, fs::file_size(path));
}

TEST(FileScanner, FixedReleaseIsFoundAndSafe) {
  const std::string path = write_file(scratch_dir() / "log4j-core.jar", log4j_jar("2.17.1"));
  ScanOutput out = scan(path);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].version, "2.17.1");
  EXPECT_EQ(out.findings[0].status, FindingStatus::kSafe);
  EXPECT_TRUE(out.findings[0].cves.empty());
}

TEST(FileScanner, NestedJarsAreLocatedEntryByEntry) {
  // ear > war > jar, the war stored (read in place) and the jar deflated.
  const std::string war = make_archive(ArchiveKind::kZipStored,
                                       {{"WEB-INF/web.xml", "<web-app/>"},
                                        {"WEB-INF/lib/log4j-core-2.14.1.jar", log4j_jar("2.14.1")}});
  const std::string ear = make_archive(ArchiveKind::kZip, {{"META-INF/application.xml", "<application/>"},
                                                           {"shop.war", war},
                                                           {"lib/log4j-core-2.12.4.jar", log4j_jar("2.12.4")}});
  const std::string path = write_file(scratch_dir() / "shop.ear", ear);
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 2u);
  std::sort(out.findings.begin(), out.findings.end(),
            [](const Finding& a, const Finding& b) { return a.location < b.location; });
  EXPECT_EQ(out.findings[0].location, path + "!/lib/log4j-core-2.12.4.jar");
  EXPECT_EQ(out.findings[0].version, "2.12.4");
  EXPECT_EQ(out.findings[1].location, path + "!/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar");
  EXPECT_EQ(out.findings[1].version, "2.14.1");
  for (const Finding& f : out.findings) EXPECT_EQ(f.path, path);
  EXPECT_EQ(out.stats.archives, 4u);  // ear, war and both jars
}

TEST(FileScanner, CompressedTarIsDescended) {
  const std::string tgz = make_archive(ArchiveKind::kTarGz, {{"opt/", ""},
                                                             {"opt/app/README.txt", std::string(100, 'r')},
                                                             {"opt/app/lib/log4j-core-2.15.0.jar", log4j_jar("2.15.0")}});
  const fs::path dir = scratch_dir();
  const std::string path = write_file(dir / "bundle.tar.gz", tgz);
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].location, path + "!/opt/app/lib/log4j-core-2.15.0.jar");
  EXPECT_EQ(out.findings[0].version, "2.15.0");
  EXPECT_EQ(out.stats.archives, 2u);  // the tar and the jar

  // Content decides, not the name: the same bytes named .dat are still a tarball.
  const std::string renamed = write_file(dir / "bundle.dat", tgz);
  EXPECT_EQ(scan(renamed).findings.size(), 1u);
}

TEST(FileScanner, PlainTarInsideZip) {
  const std::string tar = make_archive(ArchiveKind::kTar, {{"lib/log4j-core-2.14.1.jar", log4j_jar("2.14.1")}});
  const std::string path = write_file(scratch_dir() / "dist.zip", make_archive(ArchiveKind::kZip, {{"dist/app.tar", tar}}));
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].location, path + "!/dist/app.tar!/lib/log4j-core-2.14.1.jar");
}

TEST(FileScanner, LauncherPrefixedJar) {
  // An executable jar: a shell script, then the zip, with no extension to hint at it.
  const fs::path dir = scratch_dir();
  const std::string path = write_file(dir / "bin" / "app", kPrefix + log4j_jar("2.14.1"));
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].location, path);
  EXPECT_EQ(out.findings[0].version, "2.14.1");

  // The same inside a tarball (the prefix is sniffed inside archives too).
  const std::string tar = make_archive(ArchiveKind::kTar, {{"bin/app.run", kPrefix + log4j_jar("2.14.1")}});
  const std::string in_tar = write_file(dir / "app.tar", tar);
  ScanOutput nested = scan(in_tar);
  ASSERT_EQ(nested.findings.size(), 1u) << errors_text(nested);
  EXPECT_EQ(nested.findings[0].location, in_tar + "!/bin/app.run");
}

TEST(FileScanner, ScriptWithoutZipIsNotAnArchive) {
  const std::string path = write_file(scratch_dir() / "run", kPrefix + std::string(4000, '#') + "\n");
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.findings.empty());
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  EXPECT_EQ(out.stats.archives, 0u);
}

TEST(FileScanner, CorruptZipErrorNamesItsLocation) {
  const fs::path dir = scratch_dir();
  std::string jar = log4j_jar("2.14.1");
  // Truncated: the end of central directory record is gone.
  const std::string truncated = write_file(dir / "truncated.jar", jar.substr(0, jar.size() - 30));
  ScanOutput out = scan(truncated);
  EXPECT_TRUE(out.findings.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, truncated);
  EXPECT_NE(out.errors[0].error.find("not a valid zip archive"), std::string::npos) << out.errors[0].error;
  EXPECT_EQ(out.stats.errors, 1u);

  // A damaged jar nested in a good one: the error names the entry, the
  // sibling copy is still found.
  std::string junk = "PK\x03\x04" + std::string(200, '\x5a');
  const std::string outer = write_file(dir / "outer.jar", app_jar({{"lib/broken.jar", junk},
                                                                   {"lib/log4j-core-2.14.1.jar", jar}}));
  ScanOutput nested = scan(outer);
  ASSERT_EQ(nested.errors.size(), 1u) << errors_text(nested);
  EXPECT_EQ(nested.errors[0].location, outer + "!/lib/broken.jar");
  EXPECT_NE(nested.errors[0].error.find("not a valid zip archive"), std::string::npos);
  ASSERT_EQ(nested.findings.size(), 1u);
  EXPECT_EQ(nested.findings[0].location, outer + "!/lib/log4j-core-2.14.1.jar");

  // Too small to be any archive, yet named like one.
  const std::string tiny = write_file(dir / "tiny.jar", "PK\x05\x06");
  ScanOutput small = scan(tiny);
  ASSERT_EQ(small.errors.size(), 1u);
  EXPECT_EQ(small.errors[0].location, tiny);
  EXPECT_EQ(small.errors[0].error, "not an archive: only 4 bytes");
}

TEST(FileScanner, DamagedTarReportsAfterItsGoodEntries) {
  // The filler does not compress, so the cut falls well after the jar.
  std::string tgz = make_archive(ArchiveKind::kTarGz, {{"a/log4j-core-2.14.1.jar", log4j_jar("2.14.1")},
                                                       {"b/filler.bin", noise(300000)}});
  const std::string path = write_file(scratch_dir() / "cut.tgz", tgz.substr(0, tgz.size() - 200));
  ScanOutput out = scan(path);
  ASSERT_EQ(out.findings.size(), 1u) << errors_text(out);
  // The entry cut short is named, then the tarball as a whole.
  ASSERT_EQ(out.errors.size(), 2u) << errors_text(out);
  EXPECT_EQ(out.errors[0].location, path + "!/b/filler.bin");
  EXPECT_EQ(out.errors[1].location, path);
  EXPECT_EQ(out.errors[1].error.rfind("tar archive damaged: ", 0), 0u) << out.errors[1].error;
  EXPECT_EQ(out.stats.errors, 2u);
}

TEST(FileScanner, DepthLimit) {
  // outer.jar > mid.jar > log4j-core.jar: the copy sits two levels down.
  const std::string mid = app_jar({{"lib/log4j-core-2.14.1.jar", log4j_jar("2.14.1")}});
  const std::string path = write_file(scratch_dir() / "outer.jar", app_jar({{"lib/mid.jar", mid}}));

  ScanLimits one;
  one.max_depth = 1;
  ScanOutput cut = scan(path, one);
  EXPECT_TRUE(cut.findings.empty());
  ASSERT_EQ(cut.errors.size(), 1u);
  EXPECT_EQ(cut.errors[0].location, path + "!/lib/mid.jar!/lib/log4j-core-2.14.1.jar");
  EXPECT_EQ(cut.errors[0].error, "nested deeper than 1 archives");
  EXPECT_EQ(cut.stats.errors, 1u);

  ScanLimits two;
  two.max_depth = 2;
  ScanOutput full = scan(path, two);
  EXPECT_TRUE(full.errors.empty()) << errors_text(full);
  ASSERT_EQ(full.findings.size(), 1u);
  EXPECT_EQ(full.findings[0].location, path + "!/lib/mid.jar!/lib/log4j-core-2.14.1.jar");
}

TEST(FileScanner, NestedSizeLimit) {
  const std::string path =
      write_file(scratch_dir() / "app.jar", app_jar({{"lib/log4j-core-2.14.1.jar", log4j_jar("2.14.1")}}));
  ScanLimits limits;
  limits.max_nested_bytes = 1000;  // smaller than the nested jar
  ScanOutput out = scan(path, limits);
  EXPECT_TRUE(out.findings.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, path + "!/lib/log4j-core-2.14.1.jar");
  EXPECT_NE(out.errors[0].error.find("exceeds --max-nested-size"), std::string::npos);
}

TEST(FileScanner, NonArchivesAreIgnoredAfterOneSmallRead) {
  const fs::path dir = scratch_dir();
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"notes.txt", std::string(5000, 'n')}, {"blob.bin", noise(100000)}, {"Main.class", class_bytes(52, {"Main"})}}) {
    SCOPED_TRACE(name);
    const std::string path = write_file(dir / name, bytes);
    ScanOutput out = scan(path);
    EXPECT_TRUE(out.findings.empty());
    EXPECT_TRUE(out.errors.empty()) << errors_text(out);
    EXPECT_EQ(out.stats.files, 1u);
    EXPECT_EQ(out.stats.archives, 0u);
    EXPECT_LE(out.stats.bytes_read, 512u);  // sniffed, never read whole
  }
  // A jar by name whose content is no zip is worth an error.
  const std::string fake = write_file(dir / "fake.jar", std::string(5000, 'n'));
  ScanOutput out = scan(fake);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, fake);
}

TEST(FileScanner, ExplodedClassFolderIsScannedOnce) {
  const fs::path root = scratch_dir() / "webapp" / "WEB-INF" / "classes";
  MemoryContainer c;
  add_log4j2_copy(c, kStd, release("2.14.1"));
  for (const Member& m : members_of(c)) write_file(root / m.name, m.content);
  const std::string lookup = (root / kStd / "lookup/JndiLookup.class").string();
  const std::string context = (root / kStd / "LoggerContext.class").string();
  EXPECT_EQ(FileScanner::class_folder_root(lookup), root.string());
  EXPECT_EQ(FileScanner::class_folder_root(context), root.string());
  EXPECT_EQ(FileScanner::class_folder_root((root / "app/Main.class").string()), "");
  // Relocated copy: rooted above the unknown shading prefix.
  EXPECT_EQ(FileScanner::class_folder_root("/x/classes/shade/log4j/core/lookup/JndiLookup.class"), "/x/classes/shade");
  // ... and by its JndiManager once fix has removed JndiLookup.
  EXPECT_EQ(FileScanner::class_folder_root("/x/classes/shade/log4j/core/net/JndiManager.class"), "/x/classes/shade");

  FileScanner scanner({});
  ScanOutput out;
  scanner.scan_file(lookup, fs::file_size(lookup), true, out);
  scanner.scan_file(context, fs::file_size(context), true, out);  // same root: not again
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  ASSERT_EQ(out.findings.size(), 1u);
  EXPECT_EQ(out.findings[0].location, root.string());
  EXPECT_EQ(out.findings[0].component, "log4j-core");
  EXPECT_TRUE(has(out.findings[0].evidence, "exploded class folder"));
  EXPECT_EQ(out.stats.files, 2u);
}

TEST(FileScanner, SniffAndNames) {
  EXPECT_EQ(sniff("PK\x03\x04....", 8), ContentKind::kZip);
  EXPECT_EQ(sniff("\x1f\x8b\x08\x00", 4), ContentKind::kCompressed);
  EXPECT_EQ(sniff("#!/bin/sh", 9), ContentKind::kMaybePrefixedZip);
  EXPECT_EQ(sniff("MZ\x90\x00", 4), ContentKind::kMaybePrefixedZip);
  EXPECT_EQ(sniff("hello", 5), ContentKind::kOther);
  const std::string tar = make_archive(ArchiveKind::kTar, {{"a.txt", "a"}});
  EXPECT_EQ(sniff(tar.data(), tar.size()), ContentKind::kTar);
  EXPECT_TRUE(has_archive_extension("x/APP.WAR"));
  EXPECT_FALSE(has_archive_extension("x/app.jar.txt"));
  EXPECT_TRUE(has_tar_extension("layer.tar.zst"));
  EXPECT_TRUE(is_never_archive_name("a/B.CLASS"));
  EXPECT_FALSE(is_never_archive_name("a/b.jar"));
}

// The same walk over real jars, when the fixtures are present.
TEST(FileScanner, RealJarsFromFixtures) {
  const std::string base = std::string(L4S_FIXTURES_DIR) + "/jars/";
  const std::string core = base + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
  const std::string nested = base + "google-log4jscanner/jar/testdata/bad_jar_in_jar_in_jar.jar";
  const std::string launcher = base + "google-log4jscanner/jar/testdata/vuln-class-executable";
  for (const auto& f : {core, nested, launcher})
    if (!fs::exists(f)) GTEST_SKIP() << "fixture missing: " << f << " (see " << L4S_FIXTURES_DIR << "/MANIFEST.tsv)";

  ScanOutput a = scan(core);
  ASSERT_EQ(a.findings.size(), 1u) << errors_text(a);
  EXPECT_EQ(a.findings[0].version, "2.14.1");
  EXPECT_EQ(a.findings[0].version_source, "pom");

  ScanOutput b = scan(nested);
  ASSERT_EQ(b.findings.size(), 1u) << errors_text(b);
  EXPECT_EQ(b.findings[0].location, nested + "!/bad_jar_in_jar.jar!/vuln-class.jar");
  EXPECT_EQ(b.findings[0].component, "log4j-core");

  ScanOutput c = scan(launcher);
  ASSERT_EQ(c.findings.size(), 1u) << errors_text(c);
  EXPECT_EQ(c.findings[0].location, launcher);
}

}  // namespace
}  // namespace l4s::inventory

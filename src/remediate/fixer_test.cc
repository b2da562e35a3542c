#include "remediate/fixer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "archive/testing/zip_builder.h"
#include "archive/zip_reader.h"
#include "remediate/backup_store.h"
#include "remediate/restore.h"
#include "remediate/sha256.h"
#include "remediate/test_files.h"

namespace l4s::remediate {
namespace {

using testing::slurp;
using testing::spit;

namespace tz = testzip;
using archive::ZipEntry;
using archive::ZipReader;

const char kJndi[] = "org/apache/logging/log4j/core/lookup/JndiLookup.class";

std::string fixture(const std::string& rel) { return std::string(L4S_FIXTURES_DIR) + "/jars/" + rel; }
const std::string kCore2141 = "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string kApi2141 = "mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar";
const std::string kCore2171 = "mergebase-log4j-samples/false-hits/log4j-core-2.17.1.jar";

#define REQUIRE_FIXTURE(rel)                                                                          \
  if (!std::filesystem::exists(fixture(rel)))                                                         \
  GTEST_SKIP() << "fixture not found: " << fixture(rel) << " (real fixtures live in ../shared/fixtures)"

std::string sha(const std::string& path) { return *sha256_of_file(path); }

struct Env {
  std::string dir, backups;
  inventory::FileScanner scanner{inventory::ScanLimits{}};
  explicit Env(const std::string& name) {
    dir = std::string(L4S_TEST_TMP) + "/fixer-" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/files");
    backups = dir + "/backups";
  }
  std::string put(const std::string& name, const std::string& bytes) {
    const std::string p = dir + "/files/" + name;
    spit(p, bytes);
    return p;
  }
  std::string copy(const std::string& rel, const std::string& name = "") {
    return put(name.empty() ? std::filesystem::path(rel).filename().string() : name, slurp(fixture(rel)));
  }
  FileFix fix(const std::string& path, FixOptions o = {}) {
    if (o.backup_dir.empty()) o.backup_dir = backups;
    Fixer f(o, scanner);
    Status s = f.prepare();
    EXPECT_TRUE(s.ok()) << s.error();
    return f.fix_file(path);
  }
  std::vector<RestoreItem> restore(bool force = false, std::vector<std::string> paths = {}) {
    RestoreOptions o;
    o.backup_dir = backups;
    o.force = force;
    o.paths = std::move(paths);
    std::vector<std::string> warnings;
    auto items = remediate::restore(o, &warnings);
    EXPECT_TRUE(items.ok()) << items.error();
    return items.ok() ? *items : std::vector<RestoreItem>{};
  }
};

archive::SourcePtr mem(const std::string& s) { return archive::memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

std::string raw_data(const ZipReader& zr, const ZipEntry& e) {
  auto off = zr.data_offset(e);
  EXPECT_TRUE(off.ok());
  std::string out(e.compressed_size, '\0');
  EXPECT_TRUE(zr.source()->read_at(*off, out.data(), out.size()));
  return out;
}

// Every entry of `before` except `removed` (and `changed`, whose content may
// differ) is in `after`, in order, with identical name, method, flags, time,
// attributes, CRC, sizes and raw compressed bytes. Returns the count compared.
size_t expect_identical_except(const std::string& before, const std::string& after,
                               const std::set<std::string>& removed, const std::set<std::string>& changed = {}) {
  auto a = ZipReader::open(mem(before));
  auto b = ZipReader::open(mem(after));
  EXPECT_TRUE(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return 0;
  size_t j = 0, same = 0;
  for (const ZipEntry& x : a->entries()) {
    if (removed.count(x.name)) continue;
    if (j >= b->entries().size()) {
      ADD_FAILURE() << "missing after the fix: " << x.name;
      return same;
    }
    const ZipEntry& y = b->entries()[j++];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.method, y.method) << x.name;
    EXPECT_EQ(x.dos_time, y.dos_time) << x.name;
    EXPECT_EQ(x.external_attrs, y.external_attrs) << x.name;
    if (changed.count(x.name)) continue;
    EXPECT_EQ(x.flags, y.flags) << x.name;
    EXPECT_EQ(x.crc32, y.crc32) << x.name;
    EXPECT_EQ(x.compressed_size, y.compressed_size) << x.name;
    EXPECT_TRUE(raw_data(*a, x) == raw_data(*b, y)) << x.name << ": compressed bytes differ";
    ++same;
  }
  EXPECT_EQ(j, b->entries().size()) << "extra entries after the fix";
  return same;
}

const Finding* finding_at(const std::vector<Finding>& fs, const std::string& location, const std::string& component) {
  for (const Finding& f : fs)
    if (f.location == location && f.component == component) return &f;
  return nullptr;
}

std::vector<tz::Entry> entries_of(const std::string& zip) {
  auto zr = ZipReader::open(mem(zip));
  EXPECT_TRUE(zr.ok());
  std::vector<tz::Entry> out;
  for (const ZipEntry& e : zr->entries()) {
    auto c = zr->read(e, 64 << 20);
    EXPECT_TRUE(c.ok());
    out.emplace_back(e.name, *c, e.method);
  }
  return out;
}

TEST(Fixer, FixesAJarKeepsEverythingElseAndRestores) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("jar");
  const std::string path = env.copy(kCore2141);
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  const bool xattr = setxattr(path.c_str(), "user.origin", "fixture", 7, 0) == 0;
  const std::string original = slurp(path);

  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{path + "!/" + kJndi});
  EXPECT_EQ(r.original_sha256, sha256_hex(original));
  EXPECT_EQ(r.fixed_sha256, sha(path));
  const std::string fixed = slurp(path);
  EXPECT_GT(expect_identical_except(original, fixed, {kJndi}), 1000u);
  const Finding* f = finding_at(r.after, path, "log4j-core");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, FindingStatus::kMitigated);
  EXPECT_EQ(f->mitigated_cves, (std::vector<std::string>{"CVE-2021-44228", "CVE-2021-45046"}));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  if (xattr) {
    char v[16] = {};
    EXPECT_EQ(getxattr(path.c_str(), "user.origin", v, sizeof v), 7);
  }
  // No temp file left beside it; the backup is in the store.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(env.dir + "/files"), {}), 1);
  auto store = BackupStore::open(env.backups, false);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE(std::filesystem::exists(store->object_path(r.original_sha256)));

  // Fixing again finds nothing to do.
  EXPECT_EQ(env.fix(path).outcome, FixOutcome::kNothingToDo);

  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(sha(path), r.original_sha256);
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kAlreadyOriginal);
}

TEST(Fixer, DryRunChangesNothing) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("dry");
  const std::string path = env.copy(kCore2141);
  const std::string before = sha(path);
  FixOptions o;
  o.dry_run = true;
  FileFix r = env.fix(path, o);
  EXPECT_EQ(r.outcome, FixOutcome::kWouldFix) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{path + "!/" + kJndi});
  EXPECT_EQ(sha(path), before);
  EXPECT_FALSE(std::filesystem::exists(env.backups));
  const Finding* f = finding_at(r.after, path, "log4j-core");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, FindingStatus::kMitigated);  // proven on a scratch copy
}

// Spring Boot reads nested jars in place: they must stay STORED, with correct
// CRC and sizes in both headers, and the launcher script must stay in front.
TEST(Fixer, SpringBootStoredNestedJarStaysStored) {
  REQUIRE_FIXTURE(kCore2141);
  REQUIRE_FIXTURE(kApi2141);
  Env env("springboot");
  tz::Spec spec;
  spec.prefix = "#!/bin/bash\n# Spring Boot launch script\nexec java -jar \"$0\" \"$@\"\nexit 0\n";
  spec.entries = {{"META-INF/", "", 0},
                  {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n"},
                  {"org/springframework/boot/loader/JarLauncher.class", std::string("\xCA\xFE\xBA\xBE", 4) + std::string(900, 'L')},
                  {"BOOT-INF/classes/application.properties", "server.port=8080\n"},
                  {"BOOT-INF/lib/log4j-api-2.14.1.jar", slurp(fixture(kApi2141)), 0},
                  {"BOOT-INF/lib/log4j-core-2.14.1.jar", slurp(fixture(kCore2141)), 0},
                  {"BOOT-INF/classpath.idx", "- \"BOOT-INF/lib/log4j-api-2.14.1.jar\"\n"}};
  const std::string original = tz::build(spec);
  const std::string path = env.put("app.jar", original);
  const std::string nested = path + "!/BOOT-INF/lib/log4j-core-2.14.1.jar";

  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{nested + "!/" + kJndi});
  const std::string fixed = slurp(path);
  EXPECT_EQ(fixed.compare(0, spec.prefix.size(), spec.prefix), 0) << "launch script lost";
  EXPECT_EQ(expect_identical_except(original, fixed, {}, {"BOOT-INF/lib/log4j-core-2.14.1.jar"}), 6u);

  auto zr = ZipReader::open(mem(fixed));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->prefix_size(), spec.prefix.size());
  const ZipEntry& e = zr->entries()[5];
  EXPECT_EQ(e.method, 0) << "nested jar recompressed";
  // The local header agrees with the central directory (Spring Boot checks both).
  const size_t lh = e.local_header_offset;
  EXPECT_EQ(tz::get16(fixed, lh + 8), 0);
  EXPECT_EQ(tz::get16(fixed, lh + 6) & 8, 0);
  EXPECT_EQ(tz::get32(fixed, lh + 14), e.crc32);
  EXPECT_EQ(tz::get32(fixed, lh + 18), e.compressed_size);
  EXPECT_EQ(tz::get32(fixed, lh + 22), e.uncompressed_size);
  auto inner = zr->read(e, 64 << 20);
  ASSERT_TRUE(inner.ok()) << inner.error();
  auto original_inner = ZipReader::open(mem(slurp(fixture(kCore2141))));
  ASSERT_TRUE(original_inner.ok());
  EXPECT_EQ(expect_identical_except(slurp(fixture(kCore2141)), *inner, {kJndi}),
            original_inner->entries().size() - 1);
  const Finding* f = finding_at(r.after, nested, "log4j-core");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, FindingStatus::kMitigated);

  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(sha(path), sha256_hex(original));
}

TEST(Fixer, DeflatedNestedJarIsRedeflatedOnlyWhenItChanges) {
  REQUIRE_FIXTURE(kCore2141);
  REQUIRE_FIXTURE(kCore2171);
  Env env("war");
  tz::Spec war;
  war.entries = {{"WEB-INF/web.xml", "<web-app/>"},
                 {"WEB-INF/lib/log4j-core-2.17.1.jar", slurp(fixture(kCore2171)), 8},
                 {"WEB-INF/lib/log4j-core-2.14.1.jar", slurp(fixture(kCore2141)), 8},
                 {"index.html", "<html/>"}};
  war.entries[2].descriptor = true;
  const std::string original = tz::build(war);
  const std::string path = env.put("app.war", original);
  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  const std::string fixed = slurp(path);
  // The safe 2.17.1 jar keeps its compressed bytes; the fixed one is deflated anew.
  EXPECT_EQ(expect_identical_except(original, fixed, {}, {"WEB-INF/lib/log4j-core-2.14.1.jar"}), 3u);
  auto zr = ZipReader::open(mem(fixed));
  ASSERT_TRUE(zr.ok());
  EXPECT_EQ(zr->entries()[2].method, 8);
  EXPECT_TRUE(zr->verify(zr->entries()[2]).ok());
  const Finding* safe = finding_at(r.after, path + "!/WEB-INF/lib/log4j-core-2.17.1.jar", "log4j-core");
  ASSERT_NE(safe, nullptr);
  EXPECT_EQ(safe->status, FindingStatus::kSafe);
  const Finding* fixed_copy = finding_at(r.after, path + "!/WEB-INF/lib/log4j-core-2.14.1.jar", "log4j-core");
  ASSERT_NE(fixed_copy, nullptr);
  EXPECT_EQ(fixed_copy->status, FindingStatus::kMitigated);
}

// Only copies judged vulnerable lose classes: in a fat jar merging a safe
// standard copy and a vulnerable relocated one, only the relocated JndiLookup goes.
TEST(Fixer, NeverTouchesACopyNotJudgedVulnerable) {
  REQUIRE_FIXTURE(kCore2141);
  REQUIRE_FIXTURE(kCore2171);
  Env env("mixed");
  auto safe = entries_of(slurp(fixture(kCore2171)));
  auto vuln = entries_of(slurp(fixture(kCore2141)));
  tz::Spec spec;
  spec.entries = safe;
  for (const auto& e : vuln) {
    if (e.name.rfind("org/apache/logging/log4j/core/", 0) != 0) continue;
    tz::Entry c = e;
    c.name = "shade/log4j/core/" + e.name.substr(30);
    spec.entries.push_back(c);
  }
  const std::string original = tz::build(spec);
  const std::string path = env.put("fat.jar", original);
  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{path + "!/shade/log4j/core/lookup/JndiLookup.class"});
  expect_identical_except(original, slurp(path), {"shade/log4j/core/lookup/JndiLookup.class"});

  // Safe jars and look-alikes: nothing to do, not even a backup.
  REQUIRE_FIXTURE(kApi2141);
  for (const std::string& rel : {kCore2171, kApi2141}) {
    const std::string p = env.copy(rel);
    const std::string before = sha(p);
    EXPECT_EQ(env.fix(p).outcome, FixOutcome::kNothingToDo) << rel;
    EXPECT_EQ(sha(p), before);
  }
}

TEST(Fixer, SignedJarIsLeftAloneUnlessUnsign) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("signed");
  tz::Spec spec;
  spec.entries = entries_of(slurp(fixture(kCore2141)));
  spec.entries.insert(spec.entries.begin() + 1, tz::Entry("META-INF/VENDOR.SF", "Signature-Version: 1.0\r\n\r\n"));
  spec.entries.insert(spec.entries.begin() + 2, tz::Entry("META-INF/VENDOR.RSA", std::string(700, '\x30')));
  const std::string original = tz::build(spec);
  const std::string path = env.put("signed.jar", original);
  FileFix r = env.fix(path);
  EXPECT_EQ(r.outcome, FixOutcome::kRefused);
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_FALSE(r.targets[0].fixed);
  EXPECT_NE(r.targets[0].reason.find("signed archive"), std::string::npos) << r.targets[0].reason;
  EXPECT_NE(r.targets[0].reason.find("--unsign"), std::string::npos);
  EXPECT_EQ(slurp(path), original);

  FixOptions o;
  o.unsign = true;
  r = env.fix(path, o);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed.size(), 3u);
  expect_identical_except(original, slurp(path), {kJndi, "META-INF/VENDOR.SF", "META-INF/VENDOR.RSA"});
}

TEST(Fixer, DamagedJarIsRefusedAndUntouched) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("damaged");
  std::string bytes = slurp(fixture(kCore2141));
  auto zr = ZipReader::open(mem(bytes));
  ASSERT_TRUE(zr.ok());
  const ZipEntry& victim = zr->entries()[100];
  auto off = zr->data_offset(victim);
  ASSERT_TRUE(off.ok());
  bytes[*off + victim.compressed_size / 2] ^= 0x20;
  const std::string path = env.put("damaged.jar", bytes);
  FileFix r = env.fix(path);
  EXPECT_EQ(r.outcome, FixOutcome::kRefused);
  EXPECT_NE(r.reason.find("damaged archive"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find(victim.name), std::string::npos) << r.reason;
  EXPECT_EQ(slurp(path), bytes);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(env.dir + "/files"), {}), 1);
}

// Duplicate entry names (logpresso #71): both copies are fixed, both survive.
TEST(Fixer, DuplicateNestedNamesAreAllFixed) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("dups");
  tz::Spec spec;
  spec.entries = {{"lib/log4j-core.jar", slurp(fixture(kCore2141)), 0},
                  {"META-INF/DEPENDENCIES", "one"},
                  {"META-INF/DEPENDENCIES", "two"},
                  {"lib/log4j-core.jar", slurp(fixture(kCore2141)), 8}};
  const std::string original = tz::build(spec);
  const std::string path = env.put("dups.ear", original);
  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  auto zr = ZipReader::open(mem(slurp(path)));
  ASSERT_TRUE(zr.ok());
  ASSERT_EQ(zr->entries().size(), 4u);
  for (size_t i : {0u, 3u}) {
    auto inner = zr->read(zr->entries()[i], 64 << 20);
    ASSERT_TRUE(inner.ok());
    auto iz = ZipReader::open(mem(*inner));
    ASSERT_TRUE(iz.ok());
    for (const ZipEntry& e : iz->entries()) EXPECT_NE(e.name, kJndi);
  }
  expect_identical_except(original, slurp(path), {}, {"lib/log4j-core.jar"});
}

TEST(Fixer, Log4j1ClassesOnlyWithTheFlag) {
  const std::string rel = "mergebase-log4j-samples/old-hits/log4j-1.2.17.jar";
  REQUIRE_FIXTURE(rel);
  Env env("log4j1");
  const std::string path = env.copy(rel);
  const std::string original = slurp(path);
  EXPECT_EQ(env.fix(path).outcome, FixOutcome::kNothingToDo);
  FixOptions o;
  o.log4j1 = true;
  FileFix r = env.fix(path, o);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  std::set<std::string> removed;
  for (const auto& loc : r.removed) removed.insert(loc.substr(path.size() + 2));
  for (const char* c : {"org/apache/log4j/net/JMSAppender.class", "org/apache/log4j/net/SocketServer.class",
                        "org/apache/log4j/net/SocketNode.class", "org/apache/log4j/net/JMSSink.class",
                        "org/apache/log4j/jdbc/JDBCAppender.class"}) {
    EXPECT_TRUE(removed.count(c)) << c;
  }
  EXPECT_TRUE(std::any_of(removed.begin(), removed.end(),
                          [](const std::string& n) { return n.rfind("org/apache/log4j/chainsaw/", 0) == 0; }));
  for (const auto& n : removed) {
    EXPECT_TRUE(n.rfind("org/apache/log4j/net/", 0) == 0 || n.rfind("org/apache/log4j/jdbc/", 0) == 0 ||
                n.rfind("org/apache/log4j/chainsaw/", 0) == 0)
        << n;
  }
  expect_identical_except(original, slurp(path), removed);
  const Finding* f = finding_at(r.after, path, "log4j");
  ASSERT_NE(f, nullptr);
  for (const char* cve : {"CVE-2019-17571", "CVE-2021-4104", "CVE-2022-23302", "CVE-2022-23305", "CVE-2022-23307"})
    EXPECT_EQ(std::count(f->cves.begin(), f->cves.end(), cve), 0) << cve;
}

TEST(Fixer, RestoreRefusesAChangedFileUnlessForced) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("changed");
  const std::string path = env.copy(kCore2141);
  const std::string original = sha(path);
  ASSERT_EQ(env.fix(path).outcome, FixOutcome::kFixed);
  spit(path, "replaced by a deploy");
  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRefused);
  EXPECT_NE(items[0].reason.find("--force"), std::string::npos);
  EXPECT_EQ(slurp(path), "replaced by a deploy");
  items = env.restore(true);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(sha(path), original);
}

// Fixed twice (log4j 2, then log4j 1 in a fat jar holding both): restore goes
// back to the original of the first fix.
TEST(Fixer, RestoreWalksBackAChainOfFixes) {
  REQUIRE_FIXTURE(kCore2141);
  const std::string rel1 = "mergebase-log4j-samples/old-hits/log4j-1.2.17.jar";
  REQUIRE_FIXTURE(rel1);
  Env env("chain");
  tz::Spec spec;
  spec.entries = entries_of(slurp(fixture(kCore2141)));
  for (auto& e : entries_of(slurp(fixture(rel1))))
    if (e.name.rfind("org/apache/log4j/", 0) == 0) spec.entries.push_back(e);
  const std::string path = env.put("both.jar", tz::build(spec));
  const std::string original = sha(path);
  ASSERT_EQ(env.fix(path).outcome, FixOutcome::kFixed);
  FixOptions o;
  o.log4j1 = true;
  FileFix second = env.fix(path, o);
  ASSERT_EQ(second.outcome, FixOutcome::kFixed) << second.reason;
  auto items = env.restore(false, {env.dir + "/files"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(sha(path), original);
}

TEST(Fixer, WhatCannotBeRewrittenIsRefusedWithAReason) {
  struct Case {
    std::string rel;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"palantir-log4j-sniffer/examples/obfuscated/2.14.1-aaaagb.jar", "obfuscated"},
  };
  Env env("refusals");
  for (const Case& c : cases) {
    if (!std::filesystem::exists(fixture(c.rel))) continue;
    const std::string path = env.copy(c.rel);
    const std::string before = slurp(path);
    FileFix r = env.fix(path);
    EXPECT_EQ(r.outcome, FixOutcome::kRefused) << c.rel << ": " << r.reason;
    std::string reasons = r.reason;
    for (const auto& t : r.targets) reasons += " " + t.reason;
    EXPECT_NE(reasons.find(c.reason), std::string::npos) << c.rel << ": " << reasons;
    EXPECT_EQ(slurp(path), before);
  }
}

// Tars (plain, gzip, bzip2, tar in tar in tar) are rebuilt around the fixed
// jar: the scan says mitigated, every other member is unchanged (checked by
// verify_tar_rewrite inside fix), and restore brings the exact bytes back.
TEST(Fixer, TarWrappedCopiesAreFixedAndRestored) {
  const std::vector<std::string> rels = {
      "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar",
      "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar.gz",
      "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar.bz2",
      "palantir-log4j-sniffer/examples/nested_very_deep/nested_thrice.tar.gz",
  };
  Env env("tars");
  std::map<std::string, std::string> originals;
  for (const std::string& rel : rels) {
    if (!std::filesystem::exists(fixture(rel))) GTEST_SKIP() << "fixture not found: " << fixture(rel);
    const std::string path = env.copy(rel);
    originals[path] = sha(path);
    FileFix r = env.fix(path);
    ASSERT_EQ(r.outcome, FixOutcome::kFixed) << rel << ": " << r.reason;
    ASSERT_EQ(r.removed.size(), 1u) << rel;
    EXPECT_NE(r.removed[0].find("log4j-core-2.14.1.jar!/org/apache/logging/log4j/core/lookup/JndiLookup.class"),
              std::string::npos) << r.removed[0];
    EXPECT_NE(sha(path), originals[path]);
    inventory::ScanOutput after;
    env.scanner.scan_file(path, std::filesystem::file_size(path), true, after);
    ASSERT_EQ(after.findings.size(), 1u) << rel;
    EXPECT_EQ(after.findings[0].status, FindingStatus::kMitigated) << rel;
    EXPECT_TRUE(after.errors.empty()) << rel;
  }
  for (const RestoreItem& it : env.restore()) EXPECT_EQ(it.outcome, RestoreOutcome::kRestored) << it.path;
  for (const auto& [path, digest] : originals) EXPECT_EQ(sha(path), digest) << path;
}

// A tar inside a zip (plain, and gzipped and STORED) is rewritten as a tar
// and put back in the zip: every other entry keeps its compressed bytes, the
// scan says mitigated, and restore brings the exact bytes back.
TEST(Fixer, TarInsideAZipIsFixedAndRestored) {
  const std::string tar_rel = "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar";
  const std::string tgz_rel = "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar.gz";
  REQUIRE_FIXTURE(tar_rel);
  REQUIRE_FIXTURE(tgz_rel);
  Env env("tar-in-zip");
  tz::Spec spec;
  spec.entries = {{"README.txt", "bundle\n"},
                  {"dist/bundle.tar", slurp(fixture(tar_rel))},
                  {"dist/bundle.tar.gz", slurp(fixture(tgz_rel)), 0},
                  {"dist/notes.txt", "the end\n"}};
  const std::string original = tz::build(spec);
  const std::string path = env.put("app.zip", original);
  const std::string in_tar = path + "!/dist/bundle.tar!/log4j-core-2.14.1.jar";
  const std::string in_tgz = path + "!/dist/bundle.tar.gz!/log4j-core-2.14.1.jar";

  FixOptions dry;
  dry.dry_run = true;
  FileFix d = env.fix(path, dry);
  ASSERT_EQ(d.outcome, FixOutcome::kWouldFix) << d.reason;
  EXPECT_EQ(slurp(path), original);
  EXPECT_FALSE(std::filesystem::exists(env.backups));

  FileFix r = env.fix(path);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, (std::vector<std::string>{in_tar + "!/" + kJndi, in_tgz + "!/" + kJndi}));
  ASSERT_EQ(r.targets.size(), 2u);
  for (const TargetResult& t : r.targets) EXPECT_TRUE(t.fixed) << t.location << ": " << t.reason;
  const std::string fixed = slurp(path);
  EXPECT_EQ(expect_identical_except(original, fixed, {}, {"dist/bundle.tar", "dist/bundle.tar.gz"}), 2u);
  auto zr = ZipReader::open(mem(fixed));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->entries()[2].method, 0) << "a STORED entry stays STORED";
  for (const std::string& loc : {in_tar, in_tgz}) {
    const Finding* f = finding_at(r.after, loc, "log4j-core");
    ASSERT_NE(f, nullptr) << loc;
    EXPECT_EQ(f->status, FindingStatus::kMitigated) << loc;
  }
  // An independent scan of what is on disk agrees.
  inventory::FileScanner fresh({});
  inventory::ScanOutput after;
  fresh.scan_file(path, std::filesystem::file_size(path), true, after);
  EXPECT_TRUE(after.errors.empty());
  ASSERT_EQ(after.findings.size(), 2u);
  for (const Finding& f : after.findings) EXPECT_EQ(f.status, FindingStatus::kMitigated) << f.location;

  EXPECT_EQ(env.fix(path).outcome, FixOutcome::kNothingToDo);
  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(slurp(path), original);
}

// A signed jar around a tar: the tar's copy stays vulnerable (refused) unless --unsign.
TEST(Fixer, TarInsideASignedJarIsLeftAlone) {
  const std::string tar_rel = "palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar";
  REQUIRE_FIXTURE(tar_rel);
  Env env("tar-in-signed");
  tz::Spec spec;
  spec.entries = {{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"},
                  {"META-INF/VENDOR.SF", "Signature-Version: 1.0\r\n\r\n"},
                  {"META-INF/VENDOR.RSA", std::string(700, '\x30')},
                  {"dist/bundle.tar", slurp(fixture(tar_rel))}};
  const std::string original = tz::build(spec);
  const std::string path = env.put("signed.jar", original);
  FileFix r = env.fix(path);
  EXPECT_EQ(r.outcome, FixOutcome::kRefused);
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_FALSE(r.targets[0].fixed);
  EXPECT_NE(r.targets[0].reason.find("signed archive"), std::string::npos) << r.targets[0].reason;
  EXPECT_EQ(slurp(path), original);
}

// Writes a jar's files under root as an exploded class folder; entries under
// org/apache/logging/log4j/core/ move to relocate when given (a shaded copy).
void explode(const std::string& jar, const std::string& root, const std::string& relocate = "") {
  const std::string core = "org/apache/logging/log4j/core/";
  for (const tz::Entry& e : entries_of(jar)) {
    if (e.name.ends_with('/')) continue;
    std::string name = e.name;
    if (!relocate.empty() && name.starts_with(core)) name = relocate + name.substr(core.size());
    const std::filesystem::path p = std::filesystem::path(root) / name;
    std::filesystem::create_directories(p.parent_path());
    spit(p.string(), e.content);
  }
}

// Every file below root with its content.
std::map<std::string, std::string> tree_of(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[std::filesystem::relative(e.path(), root).string()] = slurp(e.path().string());
  return out;
}

// The class-folder finding a fresh walk reports for the folder holding file.
std::vector<Finding> scan_folder_of(const std::string& file) {
  inventory::FileScanner scanner({});
  inventory::ScanOutput out;
  scanner.scan_file(file, std::filesystem::file_size(file), true, out);
  EXPECT_TRUE(out.errors.empty());
  return out.findings;
}

// An exploded copy (WEB-INF/classes) loses its JndiLookup.class into the
// backup store; the folder then scans mitigated; restore puts the class back
// byte-identical with its mode and mtime.
TEST(Fixer, ExplodedClassFolderIsFixedAndRestored) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("exploded");
  const std::string root = env.dir + "/files/app/WEB-INF/classes";
  explode(slurp(fixture(kCore2141)), root);
  const std::string lookup = root + "/" + kJndi;
  const std::string manager = root + "/org/apache/logging/log4j/core/net/JndiManager.class";
  ASSERT_EQ(chmod(lookup.c_str(), 0640), 0);
  const struct timespec mtime[2] = {{0, UTIME_OMIT}, {1639139696, 123456789}};  // 2021-12-10
  ASSERT_EQ(utimensat(AT_FDCWD, lookup.c_str(), mtime, 0), 0);
  struct stat st0;
  ASSERT_EQ(stat(lookup.c_str(), &st0), 0);
  const auto tree = tree_of(root);

  std::vector<Finding> before = scan_folder_of(lookup);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(before[0].path, root);
  EXPECT_EQ(before[0].status, FindingStatus::kVulnerable);

  // Dry run: says what it would do, changes nothing.
  FixOptions dry;
  dry.dry_run = true;
  FileFix d = env.fix(root, dry);
  ASSERT_EQ(d.outcome, FixOutcome::kWouldFix) << d.reason;
  EXPECT_EQ(d.removed, std::vector<std::string>{lookup});
  const Finding* df = finding_at(d.after, root, "log4j-core");
  ASSERT_NE(df, nullptr);
  EXPECT_EQ(df->status, FindingStatus::kMitigated);  // proven on the folder without the class
  EXPECT_EQ(tree_of(root), tree);
  EXPECT_FALSE(std::filesystem::exists(env.backups));

  FileFix r = env.fix(root);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{lookup});
  EXPECT_EQ(r.original_sha256, sha256_hex(tree.at(kJndi)));
  EXPECT_FALSE(std::filesystem::exists(lookup));
  auto rest = tree;
  rest.erase(kJndi);
  EXPECT_EQ(tree_of(root), rest) << "only JndiLookup.class may go";
  const Finding* f = finding_at(r.after, root, "log4j-core");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, FindingStatus::kMitigated);
  EXPECT_EQ(f->mitigated_cves, (std::vector<std::string>{"CVE-2021-44228", "CVE-2021-45046"}));
  // A fresh walk (finding the folder by another class now) agrees.
  std::vector<Finding> after = scan_folder_of(manager);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].location, root);
  EXPECT_EQ(after[0].status, FindingStatus::kMitigated);

  // The store holds it, and the journal says it was removed.
  auto store = BackupStore::open(env.backups, false);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE(std::filesystem::exists(store->object_path(r.original_sha256)));
  auto journal = read_journal(store->journal_path(), nullptr);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1u);
  EXPECT_EQ((*journal)[0].action, "remove");
  EXPECT_EQ((*journal)[0].path, lookup);

  EXPECT_EQ(env.fix(root).outcome, FixOutcome::kNothingToDo);

  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(items[0].path, lookup);
  EXPECT_EQ(tree_of(root), tree);
  struct stat st;
  ASSERT_EQ(stat(lookup.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, st0.st_uid);
  EXPECT_EQ(st.st_gid, st0.st_gid);
  EXPECT_EQ(st.st_mtim.tv_sec, st0.st_mtim.tv_sec);
  EXPECT_EQ(st.st_mtim.tv_nsec, st0.st_mtim.tv_nsec);
  EXPECT_EQ(scan_folder_of(lookup)[0].status, FindingStatus::kVulnerable);
  items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kAlreadyOriginal);
}

// Something put where the class was is not overwritten unless forced.
TEST(Fixer, RestoreOfARemovedClassRefusesWhatTookItsPlace) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("exploded-replaced");
  const std::string root = env.dir + "/files/classes";
  explode(slurp(fixture(kCore2141)), root);
  const std::string lookup = root + "/" + kJndi;
  const std::string original = slurp(lookup);
  ASSERT_EQ(env.fix(root).outcome, FixOutcome::kFixed);
  spit(lookup, "a newer class");
  auto items = env.restore();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRefused);
  EXPECT_NE(items[0].reason.find("--force"), std::string::npos) << items[0].reason;
  EXPECT_EQ(slurp(lookup), "a newer class");
  items = env.restore(true);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(slurp(lookup), original);
}

// Reproducible builds stamp files with the epoch (0) or earlier: restore
// still puts that exact mtime back.
TEST(Fixer, RemovedClassComesBackWithAnEpochOrEarlierMtime) {
  REQUIRE_FIXTURE(kCore2141);
  for (const struct timespec when : {timespec{0, 0}, timespec{-86400, 5}}) {
    SCOPED_TRACE(when.tv_sec);
    Env env("exploded-epoch");
    const std::string root = env.dir + "/files/classes";
    explode(slurp(fixture(kCore2141)), root);
    const std::string lookup = root + "/" + kJndi;
    const struct timespec times[2] = {{0, UTIME_OMIT}, when};
    ASSERT_EQ(utimensat(AT_FDCWD, lookup.c_str(), times, 0), 0);
    ASSERT_EQ(env.fix(root).outcome, FixOutcome::kFixed);
    auto items = env.restore();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
    struct stat st;
    ASSERT_EQ(stat(lookup.c_str(), &st), 0);
    EXPECT_EQ(st.st_mtim.tv_sec, when.tv_sec);
    EXPECT_EQ(st.st_mtim.tv_nsec, when.tv_nsec);
  }
}

// A relocated exploded copy (any shading prefix): its JndiLookup.class goes,
// the standard-named files beside it stay.
TEST(Fixer, ShadedExplodedClassFolderIsFixedAndRestored) {
  REQUIRE_FIXTURE(kCore2141);
  Env env("exploded-shaded");
  const std::string base = env.dir + "/files/agent/classes";
  explode(slurp(fixture(kCore2141)), base, "com/acme/shade/log4j/core/");
  const std::string lookup = base + "/com/acme/shade/log4j/core/lookup/JndiLookup.class";
  const auto tree = tree_of(base);
  std::vector<Finding> before = scan_folder_of(lookup);
  ASSERT_EQ(before.size(), 1u);
  const std::string root = before[0].path;
  EXPECT_EQ(root, base + "/com/acme/shade");
  EXPECT_EQ(before[0].shaded_prefix, "log4j/core/");
  EXPECT_EQ(before[0].status, FindingStatus::kVulnerable);

  FileFix r = env.fix(root);
  ASSERT_EQ(r.outcome, FixOutcome::kFixed) << r.reason;
  EXPECT_EQ(r.removed, std::vector<std::string>{lookup});
  auto rest = tree;
  rest.erase("com/acme/shade/log4j/core/lookup/JndiLookup.class");
  EXPECT_EQ(tree_of(base), rest);
  const Finding* f = finding_at(r.after, root, "log4j-core");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, FindingStatus::kMitigated);
  // A fresh walk still finds the relocated copy (by its JndiManager), mitigated.
  std::vector<Finding> after = scan_folder_of(base + "/com/acme/shade/log4j/core/net/JndiManager.class");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].location, root);
  EXPECT_EQ(after[0].status, FindingStatus::kMitigated);

  auto items = env.restore(false, {base});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(tree_of(base), tree);
}

}  // namespace
}  // namespace l4s::remediate

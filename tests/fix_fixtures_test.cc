// Acceptance tests of `log4shield fix` / `restore` on a scratch copy of every
// real fixture archive: every vulnerable log4j-core copy (top level and
// nested) is fixed and re-scans as mitigated, every other entry keeps its raw
// compressed bytes, method, CRC and name, what cannot be rewritten is refused
// with a reason, and restore brings back every original sha256.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "archive/testing/zip_builder.h"
#include "archive/zip_reader.h"
#include "remediate/sha256.h"
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using l4s::archive::ZipEntry;
using l4s::archive::ZipReader;
using nlohmann::json;

const std::string kFixtures = L4S_FIXTURES_DIR;

std::string q(const std::string& s) { return l4s::test::shell_quote(s); }

struct CmdResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

CmdResult run(const std::string& args, const std::string& tmp) {
  CmdResult r;
  const std::string err_file = tmp + "/stderr.txt";
  std::string cmd = std::string(L4S_BINARY) + " " + args + " 2>" + q(err_file);
  auto t0 = std::chrono::steady_clock::now();
  l4s::test::ShellResult sr = l4s::test::run_shell(cmd);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = sr.exit_code;
  r.out = std::move(sr.out);
  std::ifstream e(err_file);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  return r;
}

json parse(const CmdResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid JSON: " << e.what() << "\n" << r.out.substr(0, 2000) << "\n" << r.err;
    return json::object({{"findings", json::array()}, {"errors", json::array()}});
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool lookup_open(const json& f) {
  if (f["component"] != "log4j-core") return false;
  for (const auto& c : f["cves"])
    if (c == "CVE-2021-44228" || c == "CVE-2021-45046") return true;
  return false;
}

std::set<std::string> vulnerable_locations(const json& report) {
  std::set<std::string> out;
  for (const auto& f : report["findings"])
    if (lookup_open(f)) out.insert(f["location"].get<std::string>());
  return out;
}

bool is_jndi_lookup(const std::string& name) {
  const auto slash = name.find_last_of('/');
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  return base.rfind("JndiLookup.", 0) == 0;
}

struct Tally {
  size_t identical = 0;  // entries with the same raw bytes, method, CRC, name
  size_t removed = 0;    // JndiLookup entries removed
  size_t rewritten = 0;  // nested archives rewritten (then compared inside)
};

l4s::archive::SourcePtr mem(const std::string& s) {
  return l4s::archive::memory_source(std::vector<uint8_t>(s.begin(), s.end()));
}

bool is_tar(const std::string& bytes) {
  const auto starts = [&](std::string_view magic) { return bytes.compare(0, magic.size(), magic) == 0; };
  return starts("\x1f\x8b") || starts("BZh") || starts("\xfd" "7zXZ") || starts("\x28\xb5\x2f\xfd") ||
         bytes.compare(257, 5, "ustar") == 0;
}

struct TarMember {
  std::string name, content;
  unsigned type = 0, mode = 0;
  int64_t mtime = 0, uid = 0, gid = 0;
};

// Every member of a (compressed) tar, read with libarchive directly.
std::vector<TarMember> tar_members(const std::string& bytes) {
  std::vector<TarMember> out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK);
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarMember m{archive_entry_pathname(e), "", archive_entry_filetype(e), archive_entry_mode(e),
                archive_entry_mtime(e), archive_entry_uid(e), archive_entry_gid(e)};
    char buf[65536];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;) m.content.append(buf, n);
    out.push_back(std::move(m));
  }
  archive_read_free(a);
  return out;
}

void compare(const std::string& where, const std::string& before, const std::string& after, struct Tally* t);

// A tar is re-encoded around its fixed member: every member keeps its name,
// type, mode, owner and time, and its content unless it is an archive that
// held a fixed copy (compared recursively).
void compare_tar(const std::string& where, const std::string& before, const std::string& after, Tally* t) {
  std::vector<TarMember> a = tar_members(before), b = tar_members(after);
  ASSERT_EQ(a.size(), b.size()) << where;
  ASSERT_FALSE(a.empty()) << where;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string at = where + "!/" + a[i].name;
    EXPECT_EQ(a[i].name, b[i].name) << at;
    EXPECT_EQ(a[i].type, b[i].type) << at;
    EXPECT_EQ(a[i].mode, b[i].mode) << at;
    EXPECT_EQ(a[i].mtime, b[i].mtime) << at;
    EXPECT_EQ(a[i].uid, b[i].uid) << at;
    EXPECT_EQ(a[i].gid, b[i].gid) << at;
    if (a[i].content == b[i].content) {
      ++t->identical;
      continue;
    }
    ++t->rewritten;
    compare(at, a[i].content, b[i].content, t);
  }
}

// Compares an original archive with its fixed version: every entry is either
// identical (raw compressed bytes, method, CRC, sizes, flags, name, time), a
// removed JndiLookup class, or a nested archive whose content changed and is
// compared the same way, recursively.
void compare(const std::string& where, const std::string& before, const std::string& after, Tally* t) {
  if (is_tar(before)) return compare_tar(where, before, after, t);
  auto a = ZipReader::open(mem(before));
  auto b = ZipReader::open(mem(after));
  ASSERT_TRUE(a.ok() && b.ok()) << where;
  EXPECT_EQ(a->prefix_size(), b->prefix_size()) << where;
  size_t j = 0;
  for (const ZipEntry& x : a->entries()) {
    const ZipEntry* y = j < b->entries().size() ? &b->entries()[j] : nullptr;
    if (!y || y->name != x.name) {
      EXPECT_TRUE(is_jndi_lookup(x.name)) << where << "!/" << x.name << " missing after the fix";
      ++t->removed;
      continue;
    }
    ++j;
    EXPECT_EQ(x.method, y->method) << where << "!/" << x.name;
    EXPECT_EQ(x.dos_time, y->dos_time) << where << "!/" << x.name;
    EXPECT_EQ(x.external_attrs, y->external_attrs) << where << "!/" << x.name;
    auto oa = a->data_offset(x);
    auto ob = b->data_offset(*y);
    ASSERT_TRUE(oa.ok() && ob.ok()) << where << "!/" << x.name;
    std::string ra = before.substr(*oa, x.compressed_size), rb = after.substr(*ob, y->compressed_size);
    if (x.crc32 == y->crc32 && ra == rb) {
      EXPECT_EQ(x.flags, y->flags) << where << "!/" << x.name;
      ++t->identical;
      continue;
    }
    // Changed: must be a nested archive, rewritten with the same method.
    auto ca = a->read(x, 1u << 30), cb = b->read(*y, 1u << 30);
    ASSERT_TRUE(ca.ok() && cb.ok()) << where << "!/" << x.name << " changed and unreadable";
    ASSERT_TRUE(l4s::archive::looks_like_zip(ca->data(), ca->size()) || is_tar(std::string(ca->begin(), ca->end())))
        << where << "!/" << x.name << " changed";
    ++t->rewritten;
    compare(where + "!/" + x.name, *ca, *cb, t);
  }
  EXPECT_EQ(j, b->entries().size()) << where << ": extra entries";
}

class FixFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!stdfs::exists(kFixtures + "/MANIFEST.tsv")) GTEST_SKIP() << "fixtures not found under " << kFixtures;
    tmp_ = std::string(L4S_TEST_TMP) + "/fix-fixtures-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_);
    jars_ = tmp_ + "/jars";
    backups_ = tmp_ + "/backups";
    stdfs::copy(kFixtures + "/jars", jars_, stdfs::copy_options::recursive);
    for (const auto& e : stdfs::recursive_directory_iterator(jars_)) {
      stdfs::permissions(e.path(), stdfs::perms::owner_write, stdfs::perm_options::add);
      if (e.is_regular_file()) {
        auto rel = stdfs::relative(e.path(), jars_).string();
        original_sha_[rel] = *l4s::remediate::sha256_of_file(e.path().string());
      }
    }
  }

  std::map<std::string, std::string> current_sha() {
    std::map<std::string, std::string> out;
    for (const auto& e : stdfs::recursive_directory_iterator(jars_))
      if (e.is_regular_file())
        out[stdfs::relative(e.path(), jars_).string()] = *l4s::remediate::sha256_of_file(e.path().string());
    return out;
  }

  std::string tmp_, jars_, backups_;
  std::map<std::string, std::string> original_sha_;
};

// What fix must refuse in the fixtures, and the reason it must give.
// Tar-wrapped copies are fixed like the others; only a copy whose classes
// were renamed by an obfuscator has no JndiLookup to remove.
const std::vector<std::pair<std::string, std::string>> kRefusals = {
    {"obfuscated/2.14.1-aaaagb.jar", "obfuscated"},
};

std::string refusal_for(const std::string& location) {
  for (const auto& [needle, reason] : kRefusals)
    if (location.find(needle) != std::string::npos) return reason;
  return "";
}

TEST_F(FixFixtures, FixesEveryVulnerableCopyKeepsEverythingElseAndRestores) {
  const std::set<std::string> before = vulnerable_locations(parse(run("scan --quiet --format json " + q(jars_), tmp_)));
  ASSERT_GE(before.size(), 60u);

  CmdResult fix = run("fix --format json --backup-dir " + q(backups_) + " " + q(jars_), tmp_);
  json report = parse(fix);
  EXPECT_EQ(fix.exit_code, 1) << "the obfuscated copy cannot be fixed\n" << fix.err;

  // Every vulnerable copy is mitigated in fix's own re-scan, or refused with its reason.
  size_t mitigated = 0, refused = 0;
  for (const std::string& loc : before) {
    SCOPED_TRACE(loc);
    const std::string reason = refusal_for(loc);
    json found = nullptr;
    for (const auto& f : report["findings"])
      if (f["location"] == loc && f["component"] == "log4j-core") found = f;
    ASSERT_FALSE(found.is_null());
    if (reason.empty()) {
      EXPECT_EQ(found["status"], "mitigated") << found.dump(1);
      EXPECT_FALSE(lookup_open(found));
      bool evidence = false;
      for (const auto& e : found["evidence"]) evidence |= e.get<std::string>().rfind("fixed by log4shield", 0) == 0;
      EXPECT_TRUE(evidence) << found.dump(1);
      ++mitigated;
    } else {
      bool explained = false;
      for (const auto& e : report["errors"]) {
        const std::string text = e["error"];
        explained |= text.rfind("not fixed: ", 0) == 0 && text.find(reason) != std::string::npos &&
                     loc.rfind(e["location"].get<std::string>(), 0) == 0;
      }
      EXPECT_TRUE(explained) << "no refusal mentioning '" << reason << "'";
      ++refused;
    }
  }
  EXPECT_EQ(refused, 1u);

  // An independent scan agrees: only the refused copies stay open.
  const std::set<std::string> after = vulnerable_locations(parse(run("scan --quiet --format json " + q(jars_), tmp_)));
  for (const std::string& loc : after) EXPECT_FALSE(refusal_for(loc).empty()) << "still vulnerable: " << loc;
  EXPECT_EQ(after.size(), refused);

  // Changed files differ only by removed JndiLookup classes (and nested
  // archives rewritten to remove them); all others are untouched.
  Tally t;
  size_t changed = 0;
  for (const auto& [rel, sha] : current_sha()) {
    if (sha == original_sha_[rel]) continue;
    ++changed;
    SCOPED_TRACE(rel);
    compare(rel, slurp(kFixtures + "/jars/" + rel), slurp(jars_ + "/" + rel), &t);
  }
  EXPECT_EQ(t.removed, mitigated) << "one JndiLookup per fixed copy";
  EXPECT_GT(t.identical, 20000u);
  std::printf("fix: %zu copies fixed in %zu files (%zu nested archives rewritten), %zu refused; "
              "%zu entries byte-identical, %zu removed; %.2f s\n",
              mitigated, changed, t.rewritten, refused, t.identical, t.removed, fix.seconds);

  // Nothing left to do the second time.
  CmdResult again = run("fix --quiet --format json --backup-dir " + q(backups_) + " " + q(jars_), tmp_);
  EXPECT_EQ(again.exit_code, 1);  // the refusals remain
  std::ifstream journal(backups_ + "/journal.jsonl");
  size_t lines = 0;
  for (std::string l; std::getline(journal, l);) lines += !l.empty();
  EXPECT_EQ(lines, changed);

  // The backups are invisible to scan (gzip objects), and restore is exact.
  json backups_scan = parse(run("scan --quiet --format json " + q(backups_), tmp_));
  EXPECT_TRUE(backups_scan["findings"].empty());
  CmdResult restore = run("restore --backup-dir " + q(backups_), tmp_);
  EXPECT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_EQ(current_sha(), original_sha_);
  std::printf("restore: %zu files back to their original sha256 in %.2f s\n", changed, restore.seconds);
}

TEST_F(FixFixtures, FromReportDryRunAndExitCodes) {
  const std::string dir = jars_ + "/mergebase-log4j-samples";
  CmdResult scan = run("scan --quiet --format json -o " + q(tmp_ + "/report.json") + " " + q(dir), tmp_);
  EXPECT_EQ(scan.exit_code, 1);
  const size_t targets = vulnerable_locations(json::parse(slurp(tmp_ + "/report.json"))).size();
  ASSERT_GE(targets, 10u);

  // Dry run: the plan, proven, and nothing changes.
  CmdResult dry = run("fix --dry-run --format json --backup-dir " + q(backups_) + " " + q(dir), tmp_);
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.err.find("would fix"), std::string::npos) << dry.err;
  EXPECT_EQ(current_sha(), original_sha_);
  EXPECT_FALSE(stdfs::exists(backups_));
  size_t planned = 0;
  const json plan = parse(dry);
  for (const auto& f : plan["findings"])
    for (const auto& e : f["evidence"]) planned += e.get<std::string>().rfind("dry run: would remove", 0) == 0;
  EXPECT_EQ(planned, targets);

  // --from fixes exactly what the report found (judged again).
  CmdResult fix = run("fix --quiet --format jsonl --backup-dir " + q(backups_) + " --from " + q(tmp_ + "/report.json"), tmp_);
  EXPECT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_TRUE(vulnerable_locations(parse(run("scan --quiet --format json " + q(dir), tmp_))).empty());
  size_t changed = 0;
  for (const auto& [rel, sha] : current_sha()) changed += sha != original_sha_[rel];
  EXPECT_EQ(changed, targets);  // one copy per file in this folder

  // Usage errors.
  EXPECT_EQ(run("fix", tmp_).exit_code, 64);
  EXPECT_EQ(run("fix --from " + q(tmp_ + "/report.json") + " " + q(dir), tmp_).exit_code, 64);
  EXPECT_EQ(run("fix --format xml " + q(dir), tmp_).exit_code, 64);
  EXPECT_EQ(run("fix --from " + q(tmp_ + "/missing.json"), tmp_).exit_code, 64);
  EXPECT_EQ(run("fix --bogus " + q(dir), tmp_).exit_code, 64);
  EXPECT_EQ(run("restore --backup-dir " + q(tmp_ + "/no-store"), tmp_).exit_code, 64);
  // Nothing vulnerable left: 0, and no backup store needed.
  EXPECT_EQ(run("fix --quiet --backup-dir /nonexistent/x " + q(dir), tmp_).exit_code, 0);
  EXPECT_EQ(run("restore --quiet --backup-dir " + q(backups_), tmp_).exit_code, 0);
  EXPECT_EQ(current_sha(), original_sha_);
}

// The nestings fix used to refuse, end to end through the binary: an exploded
// WEB-INF/classes copy, a relocated exploded copy and a tar inside a zip.
// The dry run changes nothing; fix leaves each scanning mitigated; restore
// brings back every byte, and the removed class's mode and mtime.
TEST(FixCli, ExplodedFoldersAndTarInZipRoundTrip) {
  const std::string core_jar = kFixtures + "/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
  const std::string tar = kFixtures + "/jars/palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar";
  for (const auto& f : {core_jar, tar})
    if (!stdfs::exists(f)) GTEST_SKIP() << "fixture not found: " << f << " (see " << kFixtures << "/MANIFEST.tsv)";
  const std::string tmp = std::string(L4S_TEST_TMP) + "/fix-cli-nestings";
  stdfs::remove_all(tmp);
  const std::string files = tmp + "/files", backups = tmp + "/backups";
  stdfs::create_directories(files);

  // Exploded copies, standard and relocated, written from the real jar.
  auto zr = ZipReader::open(mem(slurp(core_jar)));
  ASSERT_TRUE(zr.ok()) << zr.error();
  const std::string std_root = files + "/app/WEB-INF/classes";
  const std::string shade_root = files + "/agent/classes/com/acme/shade";
  const std::string core = "org/apache/logging/log4j/core/";
  for (const ZipEntry& e : zr->entries()) {
    if (e.is_directory()) continue;
    auto bytes = zr->read(e, 64 << 20);
    ASSERT_TRUE(bytes.ok()) << e.name;
    std::vector<std::string> dests = {std_root + "/" + e.name};
    if (e.name.rfind(core, 0) == 0) dests.push_back(shade_root + "/log4j/core/" + e.name.substr(core.size()));
    for (const std::string& d : dests) {
      stdfs::create_directories(stdfs::path(d).parent_path());
      std::ofstream(d, std::ios::binary) << *bytes;
    }
  }
  const std::string lookup = std_root + "/" + core + "lookup/JndiLookup.class";
  ASSERT_EQ(chmod(lookup.c_str(), 0604), 0);
  const struct timespec mtime[2] = {{0, UTIME_OMIT}, {1639139696, 5}};
  ASSERT_EQ(utimensat(AT_FDCWD, lookup.c_str(), mtime, 0), 0);
  // A tar inside a zip.
  l4s::testzip::Spec spec;
  spec.entries = {{"README", "app bundle\n"}, {"dist/wrapped_log4j.tar", slurp(tar)}};
  std::ofstream(files + "/bundle.zip", std::ios::binary) << l4s::testzip::build(spec);
  const std::string in_zip = files + "/bundle.zip!/dist/wrapped_log4j.tar!/log4j-core-2.14.1.jar";

  auto tree = [&] {
    std::map<std::string, std::string> out;
    for (const auto& e : stdfs::recursive_directory_iterator(files))
      if (e.is_regular_file()) out[stdfs::relative(e.path(), files).string()] = slurp(e.path().string());
    return out;
  };
  auto status_of = [&](const json& report) {
    std::map<std::string, std::string> out;
    for (const auto& f : report["findings"])
      if (f["component"] == "log4j-core") out[f["location"]] = f["status"];
    return out;
  };
  const std::map<std::string, std::string> vulnerable = {
      {std_root, "vulnerable"}, {shade_root, "vulnerable"}, {in_zip, "vulnerable"}};
  const std::map<std::string, std::string> mitigated = {
      {std_root, "mitigated"}, {shade_root, "mitigated"}, {in_zip, "mitigated"}};
  const auto original = tree();
  ASSERT_EQ(status_of(parse(run("scan --quiet --format json " + q(files), tmp))), vulnerable);

  CmdResult dry = run("fix --dry-run --format json --backup-dir " + q(backups) + " " + q(files), tmp);
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(status_of(parse(dry)), mitigated) << dry.err;
  EXPECT_NE(dry.err.find(std_root + " (1 entry removed)"), std::string::npos) << dry.err;
  EXPECT_NE(dry.err.find("would fix"), std::string::npos) << dry.err;
  EXPECT_TRUE(tree() == original) << "the dry run changed a file";
  EXPECT_FALSE(stdfs::exists(backups));

  CmdResult fix = run("fix --format json --backup-dir " + q(backups) + " " + q(files), tmp);
  EXPECT_EQ(fix.exit_code, 0) << fix.err;
  const json report = parse(fix);
  EXPECT_EQ(status_of(report), mitigated) << fix.err;
  for (const auto& f : report["findings"]) {
    bool evidence = false;
    for (const auto& e : f["evidence"]) evidence |= e.get<std::string>().rfind("fixed by log4shield", 0) == 0;
    EXPECT_TRUE(evidence) << f.dump(1);
  }
  EXPECT_TRUE(report["errors"].empty()) << report["errors"].dump(1);
  EXPECT_FALSE(stdfs::exists(lookup));
  EXPECT_FALSE(stdfs::exists(shade_root + "/log4j/core/lookup/JndiLookup.class"));
  EXPECT_EQ(status_of(parse(run("scan --quiet --format json " + q(files), tmp))), mitigated);
  // The store is not a place scan finds the removed classes in.
  EXPECT_TRUE(parse(run("scan --quiet --format json " + q(backups), tmp))["findings"].empty());

  CmdResult restore = run("restore --backup-dir " + q(backups), tmp);
  EXPECT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_TRUE(tree() == original) << "restore is not byte-identical";
  struct stat st;
  ASSERT_EQ(stat(lookup.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1639139696);
  EXPECT_EQ(st.st_mtim.tv_nsec, 5);
  EXPECT_EQ(status_of(parse(run("scan --quiet --format json " + q(files), tmp))), vulnerable);
}

}  // namespace

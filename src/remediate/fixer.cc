#include "remediate/fixer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include "archive/zip_reader.h"
#include "core/clock.h"
#include "inventory/class_markers.h"
#include "inventory/detect.h"
#include "inventory/directory_container.h"
#include "inventory/log4j2_facts.h"
#include "inventory/scan.h"
#include "inventory/zip_container.h"
#include "remediate/backup_store.h"
#include "remediate/file_ops.h"
#include "remediate/sha256.h"
#include "remediate/tar_rewrite.h"
#include "remediate/zip_rewrite.h"

namespace l4s::remediate {
namespace {

using archive::SourcePtr;
using archive::ZipEntry;
using archive::ZipReader;

constexpr std::string_view kStandardRoot = "org/apache/logging/log4j/core/";
constexpr std::string_view kLog4j1Package = "org/apache/log4j/";
constexpr uint64_t kMaxClassBytes = 4u << 20;
// A class file removed from a folder is backed up from memory.
constexpr uint64_t kMaxFolderFileBytes = 64u << 20;
constexpr std::string_view kCve44228 = "CVE-2021-44228";
constexpr std::string_view kCve45046 = "CVE-2021-45046";

// log4j 1.x: the classes whose removal closes each CVE. A name ending in '/'
// is a whole package; a class goes with its inner classes (Name$*.class).
struct Log4j1Rule {
  std::string_view cve;
  std::vector<std::string_view> names;  // under org/apache/log4j/
};
const std::vector<Log4j1Rule>& log4j1_rules() {
  static const std::vector<Log4j1Rule> rules = {
      // SocketNode deserialises what SocketServer / SimpleSocketServer accept.
      {"CVE-2019-17571", {"net/SocketServer", "net/SimpleSocketServer", "net/SocketNode"}},
      {"CVE-2021-4104", {"net/JMSAppender"}},
      {"CVE-2022-23302", {"net/JMSSink"}},
      {"CVE-2022-23305", {"jdbc/JDBCAppender"}},
      {"CVE-2022-23307", {"chainsaw/"}},
  };
  return rules;
}

bool has_cve(const Finding& f, std::string_view cve) {
  return std::find(f.cves.begin(), f.cves.end(), cve) != f.cves.end();
}

bool ieq_suffix(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 'a' + 'A');
    if (a != suffix[i]) return false;
  }
  return true;
}

bool log4j1_rule_matches(std::string_view name, std::string_view rule) {
  if (!name.starts_with(kLog4j1Package)) return false;
  name.remove_prefix(kLog4j1Package.size());
  if (rule.back() == '/') return name.starts_with(rule);
  if (!name.starts_with(rule)) return false;
  name.remove_prefix(rule.size());
  return name == ".class" || (name.starts_with("$") && name.ends_with(".class"));
}

// The CVEs removing classes closes for this finding (empty: not a target).
std::vector<std::string> removable_cves(const Finding& f, bool log4j1) {
  std::vector<std::string> out;
  if (f.process) return out;
  if (f.component == "log4j-core") {
    for (auto c : {kCve44228, kCve45046})
      if (has_cve(f, c)) out.emplace_back(c);
  } else if (log4j1 && f.component == "log4j") {
    for (const auto& r : log4j1_rules())
      if (has_cve(f, r.cve)) out.emplace_back(r.cve);
  }
  return out;
}

// Directly under META-INF/, the files a jar signature consists of.
bool is_signature_file(std::string_view name) {
  if (!name.starts_with("META-INF/")) return false;
  std::string_view base = name.substr(9);
  if (base.empty() || base.find('/') != std::string_view::npos) return false;
  return ieq_suffix(base, ".SF") || ieq_suffix(base, ".RSA") || ieq_suffix(base, ".DSA") ||
         ieq_suffix(base, ".EC") || base.starts_with("SIG-");
}

// A signed jar: a signature file (.SF) and a signature block (.RSA/.DSA/.EC).
std::string signature_of(const ZipReader& zr) {
  std::string sf;
  bool block = false;
  for (const ZipEntry& e : zr.entries()) {
    if (!is_signature_file(e.name)) continue;
    if (ieq_suffix(e.name, ".SF") && sf.empty()) sf = e.name;
    if (ieq_suffix(e.name, ".RSA") || ieq_suffix(e.name, ".DSA") || ieq_suffix(e.name, ".EC")) block = true;
  }
  return block ? sf : std::string();
}

// Same rule as the log4j-core detector: "x/core/lookup/" -> "x/core/"; a class
// outside its usual package directory roots at its own directory.
std::string root_of(std::string_view dir, std::string_view package) {
  if (dir.ends_with(package) && (dir.size() == package.size() || dir[dir.size() - package.size() - 1] == '/'))
    return std::string(dir.substr(0, dir.size() - package.size()));
  return std::string(dir);
}

// The entry-name hint scan_content sniffs with: the file is known to be a zip
// here (whatever its name or prefix), so the scanner must open it as one,
// exactly as the walk's scan_file did when it found the target.
constexpr const char kZipHint[] = "archive.zip";

// A tar (or compressed tar) can hold a whole jar near its end, which the zip
// reader would accept as a zip with a prefix; rewriting it as a zip would
// break the tar's own size fields. Such content is rewritten as a tar.
Result<bool> is_tar_content(const archive::ByteSource& src) {
  uint8_t head[512];
  const size_t n = static_cast<size_t>(std::min<uint64_t>(src.size(), sizeof head));
  if (!src.read_at(0, head, n)) return Result<bool>::failure("read error");
  const inventory::ContentKind kind = inventory::sniff(head, n);
  return kind == inventory::ContentKind::kTar || kind == inventory::ContentKind::kCompressed;
}

// One archive in the file: what leaves it, and which nested archives in it
// are rewritten. A tar (or compressed tar) inside a zip is a leaf: the
// targets under it are handed whole to the tar rewrite (as a top-level tar's
// are), and its rewritten content replaces the entry.
struct Node {
  std::string location;
  SourcePtr source;
  std::optional<ZipReader> reader;  // unset for a tar
  std::vector<bool> drop;
  std::map<size_t, std::unique_ptr<Node>> children;
  std::vector<size_t> targets;  // indices into FileFix::targets contained here
  mutable SourcePtr rewritten;  // its new content, once built
  bool is_tar = false;
  std::vector<Finding> tar_findings;  // the targets under a tar, fixed by its rewrite
  SourcePtr tar_out;                  // a tar's rewritten, proven content

  bool changed() const {
    if (is_tar) return tar_out != nullptr;
    if (std::find(drop.begin(), drop.end(), true) != drop.end()) return true;
    for (const auto& [i, c] : children)
      if (c->changed()) return true;
    return false;
  }
  void collect_targets(std::vector<size_t>* out) const {
    out->insert(out->end(), targets.begin(), targets.end());
    for (const auto& [i, c] : children) c->collect_targets(out);
  }
  void prune() {
    for (auto it = children.begin(); it != children.end();) {
      it->second->prune();
      it = it->second->changed() ? std::next(it) : children.erase(it);
    }
  }
  ZipEdit edit() const {
    ZipEdit e;
    e.drop = drop;
    return e;
  }
};

// A class folder as it scans once some of its files are gone: the proof of a
// folder fix before anything is removed (and all a dry run does).
class HidingContainer : public inventory::Container {
 public:
  HidingContainer(const inventory::Container& base, const std::set<size_t>& hidden) : base_(base) {
    for (size_t i = 0; i < base.entry_count(); ++i)
      if (!hidden.count(i)) keep_.push_back(i);
  }
  size_t entry_count() const override { return keep_.size(); }
  std::string_view entry_name(size_t i) const override { return base_.entry_name(keep_[i]); }
  uint64_t entry_size(size_t i) const override { return base_.entry_size(keep_[i]); }
  Result<std::string> read_entry(size_t i, uint64_t max_bytes) const override {
    return base_.read_entry(keep_[i], max_bytes);
  }

 private:
  const inventory::Container& base_;
  std::vector<size_t> keep_;
};

// The findings of a class folder named as the walk names them (path and
// location are the folder), as FileScanner::scan_class_folder does. It is not
// called because it scans each folder only once per scanner.
std::vector<Finding> folder_findings(const inventory::Container& folder, const std::string& path,
                                     std::vector<ScanError>* errors) {
  inventory::DetectContext ctx{path, path, base_name(path), errors};
  auto found = inventory::detect_components(folder, ctx);
  for (Finding& f : found) f.evidence.push_back("exploded class folder");
  return found;
}

// Whole content of a regular file (not a symlink) with its stat, read from one descriptor.
Result<std::string> read_regular_file(const std::string& path, struct stat* st, FileMeta* meta) {
  using R = Result<std::string>;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) return R::failure(path + ": " + strerror(errno));
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { close(*f); });
  if (fstat(fd, st) != 0) return R::failure(path + ": " + strerror(errno));
  if (!S_ISREG(st->st_mode)) return R::failure(path + ": not a regular file");
  if (static_cast<uint64_t>(st->st_size) > kMaxFolderFileBytes) return R::failure(path + ": too large for a class file");
  auto m = read_meta(fd);
  if (!m.ok()) return R::failure(m.error());
  *meta = *m;
  std::string data(static_cast<size_t>(st->st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return R::failure(path + ": " + strerror(errno));
    if (n == 0) return R::failure(path + ": shrank while being read");
    got += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace

bool is_fix_target(const Finding& f, bool log4j1) { return !removable_cves(f, log4j1).empty(); }

const char* to_string(FixOutcome o) {
  switch (o) {
    case FixOutcome::kFixed: return "fixed";
    case FixOutcome::kWouldFix: return "would fix";
    case FixOutcome::kNothingToDo: return "nothing to do";
    case FixOutcome::kPartial: return "partly fixed";
    case FixOutcome::kRefused: return "refused";
    case FixOutcome::kFailed: return "failed";
  }
  return "?";
}

struct Fixer::Impl {
  FixOptions opt;
  inventory::FileScanner& scanner;
  archive::MemoryBudget budget;
  std::optional<BackupStore> store;

  Impl(const FixOptions& o, inventory::FileScanner& s)
      : opt(o), scanner(s), budget(s.limits().memory_budget, s.limits().spill_dir) {}

  // The nested archive in entry i of n, opened once.
  Result<Node*> child_of(Node& n, size_t i) {
    auto it = n.children.find(i);
    if (it != n.children.end()) return it->second.get();
    const ZipEntry& e = n.reader->entries()[i];
    const std::string loc = n.location + "!/" + e.name;
    auto src = n.reader->open_entry(e, budget, scanner.limits().max_nested_bytes);
    if (!src.ok()) return Result<Node*>::failure(loc + ": " + src.error());
    auto tar = is_tar_content(**src);
    if (!tar.ok()) return Result<Node*>::failure(loc + ": " + tar.error());
    auto child = std::make_unique<Node>();
    child->location = loc;
    child->source = *src;
    if (*tar) {
      child->is_tar = true;
    } else {
      auto zr = ZipReader::open(*src);
      if (!zr.ok()) {
        return Result<Node*>::failure(loc + ": not a zip or tar archive (" + zr.error() +
                                      "); only zip and tar archives are rewritten");
      }
      child->drop.assign(zr->entries().size(), false);
      child->reader.emplace(std::move(zr).value());
    }
    Node* raw = child.get();
    n.children[i] = std::move(child);
    return raw;
  }

  // Every container `rest` names below n: "a.jar!/b.jar" -> n/a.jar/b.jar.
  // A duplicated entry name leads into each copy. A tar on the way ends the
  // descent: it goes to tars, and what lies below it is the tar rewrite's.
  Status descend(Node& n, std::string_view rest, std::vector<Node*>* out, std::vector<Node*>* tars) {
    if (n.is_tar) {
      tars->push_back(&n);
      return Status();
    }
    if (rest.empty()) {
      out->push_back(&n);
      return Status();
    }
    size_t best = 0;
    bool found = false;
    const auto& entries = n.reader->entries();
    for (const ZipEntry& e : entries) {
      if (e.name.empty() || e.name.size() < best) continue;
      if (rest == e.name || (rest.starts_with(e.name) && rest.substr(e.name.size(), 2) == "!/")) {
        best = e.name.size();
        found = true;
      }
    }
    if (!found) return Status::failure(n.location + "!/" + std::string(rest) + ": entry not found");
    std::string_view name = rest.substr(0, best);
    std::string_view next = rest.size() > best ? rest.substr(best + 2) : std::string_view();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].name != name) continue;
      auto child = child_of(n, i);
      if (!child.ok()) return Status::failure(child.error());
      if (Status s = descend(**child, next, out, tars); !s.ok()) return s;
    }
    return Status();
  }

  // Entries to remove from container c (a zip, or a class folder) for
  // finding f; empty when none found.
  std::vector<size_t> removals(const inventory::Container& c, const Finding& f, const std::vector<std::string>& cves) {
    std::vector<size_t> out;
    const size_t count = c.entry_count();
    if (f.component == "log4j-core") {
      const std::string root = f.shaded_prefix.empty() ? std::string(kStandardRoot)
                               : f.shaded_prefix == "/" ? std::string()
                                                        : f.shaded_prefix;
      for (size_t i = 0; i < count; ++i) {
        const std::string_view name = c.entry_name(i);
        if (name.ends_with('/') || !inventory::has_stem(name, "JndiLookup")) continue;
        if (root_of(inventory::entry_dir(name), "lookup/") != root) continue;
        // Content decides, as in the detector; an unreadable candidate is
        // removed too (the integrity check refuses damaged archives anyway).
        auto bytes = c.read_entry(i, kMaxClassBytes);
        if (!bytes.ok() || inventory::is_log4j_jndi_lookup(*bytes)) out.push_back(i);
      }
      return out;
    }
    for (const auto& rule : log4j1_rules()) {
      if (std::find(cves.begin(), cves.end(), rule.cve) == cves.end()) continue;
      size_t before = out.size();
      for (size_t i = 0; i < count; ++i) {
        for (auto name : rule.names)
          if (log4j1_rule_matches(c.entry_name(i), name)) {
            out.push_back(i);
            break;
          }
      }
      if (out.size() == before) return {};  // a CVE whose classes are not where expected
    }
    return out;
  }

  // Signed archives that would change: refused (their targets fail), or with
  // unsign their signature files go too.
  void settle_signatures(Node& n, FileFix& r) {
    if (!n.changed() || n.is_tar) return;  // a tar's own jars were settled by its rewrite
    const std::string sf = signature_of(*n.reader);
    if (!sf.empty()) {
      if (!opt.unsign) {
        std::vector<size_t> ids;
        n.collect_targets(&ids);
        for (size_t id : ids) {
          r.targets[id].fixed = false;
          r.targets[id].removed.clear();
          r.targets[id].reason = "signed archive " + n.location + " (" + sf +
                                 "): left alone; --unsign removes the signature so it can be fixed";
        }
        std::fill(n.drop.begin(), n.drop.end(), false);
        n.children.clear();
        return;
      }
      const auto& entries = n.reader->entries();
      for (size_t i = 0; i < entries.size(); ++i) {
        if (is_signature_file(entries[i].name) && !n.drop[i]) {
          n.drop[i] = true;
          r.removed.push_back(n.location + "!/" + entries[i].name);
        }
      }
      r.warnings.push_back("signature removed from " + n.location + " (--unsign)");
    }
    for (auto& [i, c] : n.children) settle_signatures(*c, r);
  }

  Status check_integrity(const Node& n) {
    if (n.is_tar) return Status();  // its rewrite read it whole and proved the result
    Status s = verify_all_entries(*n.reader);
    if (!s.ok()) return Status::failure("damaged archive " + n.location + ": " + s.error() + "; not rewriting it");
    for (const auto& [i, c] : n.children)
      if (Status cs = check_integrity(*c); !cs.ok()) return cs;
    return Status();
  }

  // The rewritten content of a nested archive, proven against its original.
  Result<SourcePtr> build_nested(const Node& n) {
    if (n.is_tar) return n.tar_out;
    ZipEdit edit = n.edit();
    for (const auto& [i, c] : n.children) {
      auto content = build_nested(*c);
      if (!content.ok()) return content;
      edit.replace[i] = *content;
    }
    SpillSink sink(budget, n.source->size());
    if (Status s = rewrite_zip(*n.reader, edit, budget, sink); !s.ok()) {
      return Result<SourcePtr>::failure(n.location + ": " + s.error());
    }
    auto out = sink.finish();
    if (!out.ok()) return out;
    auto zr = ZipReader::open(*out);
    if (!zr.ok()) return Result<SourcePtr>::failure(n.location + ": rewritten archive unreadable: " + zr.error());
    if (Status s = verify_rewrite(*n.reader, edit, *zr); !s.ok()) {
      return Result<SourcePtr>::failure(n.location + ": rewrite check failed: " + s.error());
    }
    n.rewritten = *out;
    return out;
  }

  // Runs the detectors on every rewritten container that held a target: no
  // removed CVE may remain (whether or not the copy is still recognised).
  Status check_targets_closed(const Node& n, const FileFix& r) {
    if (n.is_tar) return Status();  // checked inside its rewrite, and by the final scan
    if (!n.targets.empty()) {
      if (!n.rewritten) return Status::failure(n.location + ": not rewritten");
      auto zr = ZipReader::open(n.rewritten);
      if (!zr.ok()) return Status::failure(n.location + ": " + zr.error());
      inventory::ZipContainer container(*zr);
      inventory::DetectContext ctx{r.path, n.location, base_name(n.location)};
      for (const Finding& f : inventory::detect_components(container, ctx)) {
        for (size_t id : n.targets) {
          const TargetResult& t = r.targets[id];
          if (!t.fixed || t.component != f.component) continue;
          for (const std::string& c : t.cves)
            if (has_cve(f, c)) return Status::failure("verification: " + n.location + " still has " + c);
        }
      }
    }
    for (const auto& [i, c] : n.children)
      if (Status s = check_targets_closed(*c, r); !s.ok()) return s;
    return Status();
  }

  // Writes the root archive; returns the edit it applied (for verification).
  Result<ZipEdit> write_root(const Node& root, ZipSink& sink) {
    ZipEdit edit = root.edit();
    for (const auto& [i, c] : root.children) {
      auto content = build_nested(*c);
      if (!content.ok()) return Result<ZipEdit>::failure(content.error());
      edit.replace[i] = *content;
    }
    if (Status s = rewrite_zip(*root.reader, edit, budget, sink); !s.ok()) {
      return Result<ZipEdit>::failure(root.location + ": " + s.error());
    }
    return edit;
  }

  // Copies an already rewritten and proven file into the sink.
  Result<ZipEdit> copy_into(const archive::ByteSource& content, ZipSink& sink) {
    std::vector<uint8_t> buf(1 << 20);
    for (uint64_t pos = 0; pos < content.size();) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), content.size() - pos));
      if (!content.read_at(pos, buf.data(), n)) return Result<ZipEdit>::failure("cannot read the rewritten tar");
      if (!sink.write(buf.data(), n)) return Result<ZipEdit>::failure(sink.error());
      pos += n;
    }
    return ZipEdit{};
  }

  // The rewritten file is the original with the edit applied, and scans with
  // every fixed target closed and no new error.
  Status verify_output(const Node& root, const ZipEdit& edit, const SourcePtr& out, FileFix& r) {
    auto zr = ZipReader::open(out);
    if (!zr.ok()) return Status::failure("rewritten file unreadable: " + zr.error());
    if (Status s = verify_rewrite(*root.reader, edit, *zr); !s.ok()) {
      return Status::failure("rewrite check failed: " + s.error());
    }
    root.rewritten = out;
    if (Status s = check_targets_closed(root, r); !s.ok()) return s;
    return verify_scan(out, kZipHint, r);
  }

  // A fresh scan of the rewritten file: no fixed target keeps a removed CVE,
  // and no new error appears.
  Status verify_scan(const SourcePtr& out, const std::string& name_hint, FileFix& r) {
    inventory::ScanOutput after;
    scanner.scan_content(out, r.path, r.path, name_hint, 0, after);
    for (const TargetResult& t : r.targets) {
      if (!t.fixed) continue;
      for (const Finding& f : after.findings) {
        if (f.location != t.location || f.component != t.component) continue;
        for (const std::string& c : t.cves)
          if (has_cve(f, c)) return Status::failure("verification: " + t.location + " still reports " + c);
      }
    }
    for (const ScanError& e : after.errors) {
      bool known = std::any_of(r.scan_errors.begin(), r.scan_errors.end(),
                               [&](const ScanError& b) { return b.location == e.location; });
      if (!known) return Status::failure("verification: new scan error at " + e.location + ": " + e.error);
    }
    r.after = complete_after(r, std::move(after.findings));
    return Status();
  }

  // A trimmed copy may have had nothing but JndiLookup to be recognised by:
  // once it is gone the scan finds nothing there. Report it as the copy it
  // was, with the removed CVEs mitigated, rather than let it vanish.
  std::vector<Finding> complete_after(const FileFix& r, std::vector<Finding> after) {
    for (const TargetResult& t : r.targets) {
      if (!t.fixed) continue;
      bool seen = std::any_of(after.begin(), after.end(), [&](const Finding& f) {
        return f.location == t.location && f.component == t.component;
      });
      if (seen) continue;
      for (const Finding& b : r.before) {
        if (b.location != t.location || b.component != t.component) continue;
        Finding f = b;
        std::vector<std::string> open;
        for (const std::string& c : f.cves)
          if (std::find(t.cves.begin(), t.cves.end(), c) == t.cves.end()) open.push_back(c);
          else f.mitigated_cves.push_back(c);
        f.cves = std::move(open);
        f.evidence.push_back("after the removal nothing else identifies this copy; reported from the scan before");
        inventory::finish_finding(f);
        after.push_back(std::move(f));
      }
    }
    std::stable_sort(after.begin(), after.end(), [](const Finding& a, const Finding& b) { return a.location < b.location; });
    return after;
  }

  FileFix fix(const std::string& path, const std::set<std::string>& locations);
  FileFix fix_folder(FileFix r, const std::set<std::string>& locations);
  Status move_to_store(const std::string& file, const std::string& expected_sha256, FileFix& r);
  void plan(Node& root, const std::vector<Finding>& chosen, FileFix& r);
  void plan_all(Node& root, const std::vector<Finding>& chosen, FileFix& r);
  void rewrite_tars(Node& n, FileFix& r);
  Result<SourcePtr> rewrite_container(const SourcePtr& src, const std::string& location,
                                      const std::vector<Finding>& chosen, FileFix& r);
  Result<SourcePtr> rewrite_zip_container(const SourcePtr& src, const std::string& location,
                                          const std::vector<Finding>& chosen, FileFix& r);
  Result<SourcePtr> rewrite_tar_container(const SourcePtr& src, const std::string& location,
                                          const std::vector<Finding>& chosen, FileFix& r);

  void add_unfixed(FileFix& r, const Finding& f, std::string reason) {
    r.targets.push_back({f.location, f.component, false, std::move(reason), {}, removable_cves(f, opt.log4j1)});
  }
};

Fixer::Fixer(const FixOptions& options, inventory::FileScanner& scanner)
    : impl_(std::make_unique<Impl>(options, scanner)) {}
Fixer::~Fixer() = default;

Status Fixer::prepare() {
  if (impl_->opt.dry_run || impl_->store) return Status();
  auto store = BackupStore::open(impl_->opt.backup_dir, true);
  if (!store.ok()) return Status::failure("backup store: " + store.error());
  impl_->store.emplace(std::move(store).value());
  return Status();
}

FileFix Fixer::fix_file(const std::string& path, const std::set<std::string>& locations) {
  auto t0 = std::chrono::steady_clock::now();
  FileFix r = impl_->fix(path, locations);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// Marks the removals for the chosen (location, component) targets.
void Fixer::Impl::plan(Node& root, const std::vector<Finding>& chosen, FileFix& r) {
  for (const Finding& want : chosen) {
    bool dup = std::any_of(r.targets.begin(), r.targets.end(), [&](const TargetResult& t) {
      return t.location == want.location && t.component == want.component;
    });
    if (dup) continue;
    const size_t id = r.targets.size();
    r.targets.push_back({want.location, want.component, false, "", {}, removable_cves(want, opt.log4j1)});
    TargetResult& t = r.targets.back();

    std::vector<Node*> containers, tars;
    Status s;
    if (want.location == root.location) {
      containers.push_back(&root);
    } else if (want.location.starts_with(root.location + "!/")) {
      s = descend(root, std::string_view(want.location).substr(root.location.size() + 2), &containers, &tars);
    } else {
      s = Status::failure("not a location inside " + root.location);
    }
    if (!s.ok()) {
      t.reason = s.error();
      continue;
    }
    for (Node* tar : tars) tar->tar_findings.push_back(want);
    if (containers.empty() && !tars.empty()) {
      r.targets.pop_back();  // the tar rewrite reports this target itself
      continue;
    }
    bool any = false;
    std::vector<std::pair<Node*, size_t>> marks;
    for (Node* n : containers) {
      inventory::ZipContainer container(*n->reader);
      inventory::DetectContext ctx{r.path, want.location, base_name(want.location)};
      for (const Finding& f : inventory::detect_components(container, ctx)) {
        if (f.component != want.component) continue;
        auto cves = removable_cves(f, opt.log4j1);
        if (cves.empty()) continue;  // this copy (of a duplicated name) is not vulnerable
        auto idx = removals(container, f, cves);
        if (idx.empty()) {
          t.reason = f.component == "log4j-core"
                         ? "no JndiLookup class at a removable path (obfuscated or renamed copy); upgrade it"
                         : "the classes behind " + cves.front() + " are not where expected; upgrade it";
          marks.clear();
          break;
        }
        for (size_t i : idx) marks.emplace_back(n, i);
        any = true;
      }
      if (!t.reason.empty()) break;
    }
    if (!t.reason.empty()) continue;
    if (!any) {
      t.reason = "no vulnerable copy found at this location any more";
      continue;
    }
    for (auto [n, i] : marks) {
      if (!n->drop[i]) t.removed.push_back(n->location + "!/" + n->reader->entries()[i].name);
      n->drop[i] = true;
      if (std::find(n->targets.begin(), n->targets.end(), id) == n->targets.end()) n->targets.push_back(id);
    }
    t.fixed = true;
  }
}

// Plans the removals in a zip and its nested zips, then rewrites each tar met
// on the way (targets under it are planned, fixed and proven by that rewrite).
void Fixer::Impl::plan_all(Node& root, const std::vector<Finding>& chosen, FileFix& r) {
  plan(root, chosen, r);
  rewrite_tars(root, r);
}

void Fixer::Impl::rewrite_tars(Node& n, FileFix& r) {
  for (auto& [i, c] : n.children) {
    if (!c->is_tar) {
      rewrite_tars(*c, r);
      continue;
    }
    if (c->tar_findings.empty()) continue;
    const size_t first = r.targets.size();
    auto out = rewrite_tar_container(c->source, c->location, c->tar_findings, r);
    if (!out.ok()) {
      // Nothing of it is used: every target it took on stays open, with the reason.
      for (size_t id = first; id < r.targets.size(); ++id) {
        r.targets[id].fixed = false;
        r.targets[id].removed.clear();
        r.targets[id].reason = out.error();
      }
      if (r.targets.size() == first)
        for (const Finding& f : c->tar_findings) add_unfixed(r, f, out.error());
      continue;
    }
    c->tar_out = *out;
    for (size_t id = first; id < r.targets.size(); ++id) c->targets.push_back(id);
  }
}

// A nested container, as a zip or a tar; null when nothing in it changes.
Result<SourcePtr> Fixer::Impl::rewrite_container(const SourcePtr& src, const std::string& location,
                                                 const std::vector<Finding>& chosen, FileFix& r) {
  auto tar = is_tar_content(*src);
  if (!tar.ok()) return Result<SourcePtr>::failure(location + ": " + tar.error());
  return *tar ? rewrite_tar_container(src, location, chosen, r) : rewrite_zip_container(src, location, chosen, r);
}

Result<SourcePtr> Fixer::Impl::rewrite_zip_container(const SourcePtr& src, const std::string& location,
                                                     const std::vector<Finding>& chosen, FileFix& r) {
  using R = Result<SourcePtr>;
  auto zr = ZipReader::open(src);
  if (!zr.ok()) {
    for (const Finding& f : chosen) add_unfixed(r, f, location + ": not a zip or tar archive (" + zr.error() + ")");
    return SourcePtr();
  }
  Node root;
  root.location = location;
  root.source = src;
  root.drop.assign(zr->entries().size(), false);
  root.reader.emplace(std::move(zr).value());
  plan_all(root, chosen, r);
  settle_signatures(root, r);
  root.prune();
  if (!root.changed()) return SourcePtr();
  if (Status s = check_integrity(root); !s.ok()) return R::failure(s.error());
  auto out = build_nested(root);
  if (!out.ok()) return out;
  if (Status s = check_targets_closed(root, r); !s.ok()) return R::failure(s.error());
  return out;
}

// Each member holding a target is rewritten as a container of its own, then
// the tar is written again around the new members.
Result<SourcePtr> Fixer::Impl::rewrite_tar_container(const SourcePtr& src, const std::string& location,
                                                     const std::vector<Finding>& chosen, FileFix& r) {
  using R = Result<SourcePtr>;
  auto names = list_tar_members(src, budget);
  if (!names.ok()) return R::failure(location + ": " + names.error());
  std::map<size_t, std::vector<Finding>> by_member;
  for (const Finding& f : chosen) {
    const std::string prefix = location + "!/";
    if (!f.location.starts_with(prefix)) {
      add_unfixed(r, f, location + " is a tar archive, not the copy itself");
      continue;
    }
    // The longest member name that the rest of the location starts with.
    std::string_view rest = std::string_view(f.location).substr(prefix.size());
    size_t best = 0;
    bool found = false;
    for (const std::string& n : *names) {
      if (n.empty() || n.size() < best) continue;
      if (rest == n || (rest.starts_with(n) && rest.substr(n.size(), 2) == "!/")) {
        best = n.size();
        found = true;
      }
    }
    if (!found) {
      add_unfixed(r, f, "entry not found in " + location);
      continue;
    }
    for (size_t i = 0; i < names->size(); ++i)
      if ((*names)[i].size() == best && rest.substr(0, best) == (*names)[i]) by_member[i].push_back(f);
  }
  std::set<size_t> wanted;
  for (const auto& [i, fs] : by_member) wanted.insert(i);
  auto contents = read_tar_members(src, wanted, budget, scanner.limits().max_nested_bytes);
  if (!contents.ok()) return R::failure(location + ": " + contents.error());
  TarReplacements replace;
  for (const auto& [i, fs] : by_member) {
    auto sub = rewrite_container(contents->at(i), location + "!/" + (*names)[i], fs, r);
    if (!sub.ok()) return sub;
    if (*sub) replace[i] = *sub;
  }
  if (replace.empty()) return SourcePtr();
  SpillSink sink(budget, src->size());
  if (Status s = rewrite_tar(src, replace, budget, sink); !s.ok()) return R::failure(location + ": " + s.error());
  auto out = sink.finish();
  if (!out.ok()) return out;
  if (Status s = verify_tar_rewrite(src, replace, *out, budget); !s.ok()) {
    return R::failure(location + ": rewrite check failed: " + s.error());
  }
  return out;
}

FileFix Fixer::Impl::fix(const std::string& path, const std::set<std::string>& locations) {
  FileFix r;
  r.path = path;
  auto fail = [&](FixOutcome o, std::string why) {
    r.outcome = o;
    r.reason = std::move(why);
    return r;
  };
  char* rp = realpath(path.c_str(), nullptr);
  if (!rp) return fail(FixOutcome::kFailed, path + ": " + strerror(errno));
  r.real_path = rp;
  free(rp);

  struct stat dir_st;
  if (stat(r.real_path.c_str(), &dir_st) == 0 && S_ISDIR(dir_st.st_mode)) return fix_folder(std::move(r), locations);
  struct stat st0;
  auto src = archive::open_file_source(r.real_path, &st0);
  if (!src.ok()) return fail(FixOutcome::kFailed, src.error());

  // The decision is made on the same open file that gets rewritten.
  auto tar = is_tar_content(**src);
  if (!tar.ok()) return fail(FixOutcome::kFailed, path + ": " + tar.error());
  auto zr = *tar ? Result<ZipReader>::failure("tar") : ZipReader::open(*src);
  inventory::ScanOutput before;
  scanner.scan_content(*src, path, path, zr.ok() ? kZipHint : base_name(path), 0, before);
  r.before = before.findings;
  r.scan_errors = before.errors;
  std::vector<Finding> chosen;
  for (const Finding& f : before.findings) {
    if (is_fix_target(f, opt.log4j1) && (locations.empty() || locations.count(f.location))) chosen.push_back(f);
  }
  if (chosen.empty()) return fail(FixOutcome::kNothingToDo, "");
  if (!*tar && !zr.ok()) return fail(FixOutcome::kRefused, "not a zip archive (" + zr.error() + ")");
  auto not_fixed = [&] {
    for (const TargetResult& t : r.targets)
      if (!t.fixed) return t.reason.starts_with(t.location) ? t.reason : t.location + ": " + t.reason;
    return std::string();
  };
  // A tar is rebuilt whole in a scratch source first (its compression spans
  // the stream); a zip is written straight into the temp file below.
  Node root;
  SourcePtr tar_out;
  if (*tar) {
    auto out = rewrite_tar_container(*src, path, chosen, r);
    if (!out.ok()) return fail(FixOutcome::kRefused, out.error());
    if (!*out) return fail(FixOutcome::kRefused, not_fixed());
    tar_out = *out;
  } else {
    root.location = path;
    root.source = *src;
    root.drop.assign(zr->entries().size(), false);
    root.reader.emplace(std::move(zr).value());
    plan_all(root, chosen, r);
    settle_signatures(root, r);
    root.prune();
    if (!root.changed()) return fail(FixOutcome::kRefused, not_fixed());
    if (Status s = check_integrity(root); !s.ok()) return fail(FixOutcome::kRefused, s.error());
  }
  for (const TargetResult& t : r.targets) r.removed.insert(r.removed.end(), t.removed.begin(), t.removed.end());
  std::sort(r.removed.begin(), r.removed.end());
  r.removed.erase(std::unique(r.removed.begin(), r.removed.end()), r.removed.end());
  const FixOutcome done = opt.dry_run             ? FixOutcome::kWouldFix
                          : not_fixed().empty() ? FixOutcome::kFixed
                                                : FixOutcome::kPartial;
  if (!not_fixed().empty()) r.reason = not_fixed();
  if (st0.st_nlink > 1) {
    r.warnings.push_back(std::to_string(st0.st_nlink - 1) +
                         " other hard link(s) keep pointing at the unfixed content");
  }

  if (opt.dry_run && tar_out) {
    if (Status s = verify_scan(tar_out, base_name(path), r); !s.ok()) return fail(FixOutcome::kFailed, s.error());
    r.outcome = done;
    return r;
  }
  if (opt.dry_run) {
    SpillSink sink(budget, (*src)->size());
    auto edit = write_root(root, sink);
    if (!edit.ok()) return fail(FixOutcome::kFailed, edit.error());
    auto out = sink.finish();
    if (!out.ok()) return fail(FixOutcome::kFailed, out.error());
    if (Status s = verify_output(root, *edit, *out, r); !s.ok()) return fail(FixOutcome::kFailed, s.error());
    r.outcome = done;
    return r;
  }
  if (!store) return fail(FixOutcome::kFailed, "backup store not prepared");

  // 1. The original goes into the backup store before anything is written.
  int fd = open(r.real_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return fail(FixOutcome::kFailed, r.real_path + ": " + strerror(errno));
  auto meta = read_meta(fd);
  close(fd);
  if (!meta.ok()) return fail(FixOutcome::kFailed, meta.error());
  auto sha = store->put(**src);
  if (!sha.ok()) return fail(FixOutcome::kFailed, "backup failed: " + sha.error());
  r.original_sha256 = *sha;

  // 2. The rewritten file, beside the original, with its owner and mode.
  remove_stale_temps(r.real_path);
  auto tmp = TempFile::create_beside(r.real_path);
  if (!tmp.ok()) return fail(FixOutcome::kFailed, tmp.error());
  crash_point("temp created");
  if (Status s = apply_meta(tmp->fd(), *meta, &r.warnings); !s.ok()) {
    return fail(FixOutcome::kRefused, s.error() + " (run as the file's owner or root)");
  }
  FdSink sink(tmp->fd());
  auto edit = tar_out ? copy_into(*tar_out, sink) : write_root(root, sink);
  if (!edit.ok()) return fail(FixOutcome::kFailed, edit.error());
  if (Status s = sink.flush(); !s.ok()) return fail(FixOutcome::kFailed, "writing " + tmp->path() + ": " + s.error());
  r.fixed_sha256 = sink.sha256();
  crash_point("temp written");

  // 3. Prove it before it replaces anything.
  auto out = archive::open_file_source(tmp->path());
  if (!out.ok()) return fail(FixOutcome::kFailed, out.error());
  Status proven = tar_out ? verify_scan(*out, base_name(path), r) : verify_output(root, *edit, *out, r);
  if (!proven.ok()) return fail(FixOutcome::kFailed, proven.error());

  // 4. Journal, then the atomic swap (only if nobody touched the original meanwhile).
  JournalRecord rec;
  rec.action = "fix";
  rec.time = now_iso8601();
  rec.path = r.real_path;
  rec.original_sha256 = r.original_sha256;
  rec.fixed_sha256 = r.fixed_sha256;
  rec.original_size = static_cast<uint64_t>(st0.st_size);
  rec.fixed_size = sink.position();
  rec.mode = meta->mode;
  rec.uid = meta->uid;
  rec.gid = meta->gid;
  rec.removed = r.removed;
  rec.tool_version = opt.tool_version;
  if (Status s = store->append(rec); !s.ok()) return fail(FixOutcome::kFailed, "journal: " + s.error());
  if (Status s = tmp->replace_target(&st0); !s.ok()) return fail(FixOutcome::kFailed, s.error());

  // 5. Re-scan what is now on disk.
  inventory::ScanOutput final_scan;
  scanner.scan_file(path, sink.position(), true, final_scan);
  bool still = std::any_of(final_scan.findings.begin(), final_scan.findings.end(), [&](const Finding& f) {
    return std::any_of(r.targets.begin(), r.targets.end(), [&](const TargetResult& t) {
      return t.fixed && t.location == f.location && is_fix_target(f, opt.log4j1);
    });
  });
  if (still) r.warnings.push_back("re-scan after the rename still reports a fixed target (file replaced meanwhile?)");
  r.after = complete_after(r, std::move(final_scan.findings));
  r.outcome = done;
  return r;
}

// An exploded class folder: each file to remove is moved into the backup
// store (backed up and fsynced, journaled, then unlinked), after the folder
// without them has been proven to scan with the targets closed.
FileFix Fixer::Impl::fix_folder(FileFix r, const std::set<std::string>& locations) {
  auto fail = [&](FixOutcome o, std::string why) {
    r.outcome = o;
    r.reason = std::move(why);
    return r;
  };
  r.class_folder = true;
  const inventory::DirectoryContainer folder(r.real_path);
  r.before = folder_findings(folder, r.path, &r.scan_errors);
  std::vector<Finding> chosen;
  for (const Finding& f : r.before) {
    if (is_fix_target(f, opt.log4j1) && (locations.empty() || locations.count(f.location))) chosen.push_back(f);
  }
  if (chosen.empty()) return fail(FixOutcome::kNothingToDo, "");

  // 1. Plan: the files each target loses, with the content they were judged by.
  std::map<size_t, std::string> files;        // entry -> sha256 of the content judged
  std::vector<std::vector<size_t>> of_target;  // parallel to r.targets
  for (const Finding& f : chosen) {
    TargetResult t{f.location, f.component, false, "", {}, removable_cves(f, opt.log4j1)};
    std::map<size_t, std::string> mine;
    for (size_t i : removals(folder, f, t.cves)) {
      auto bytes = folder.read_entry(i, kMaxFolderFileBytes);
      if (!bytes.ok()) {
        t.reason = "cannot read " + bytes.error();
        break;
      }
      mine[i] = sha256_hex(*bytes);
    }
    if (t.reason.empty() && mine.empty()) {
      t.reason = f.component == "log4j-core"
                     ? "no JndiLookup class at a removable path (obfuscated or renamed copy); upgrade it"
                     : "the classes behind " + t.cves.front() + " are not where expected; upgrade it";
    }
    std::vector<size_t> idx;
    if (t.reason.empty()) {
      t.fixed = true;
      for (const auto& [i, digest] : mine) {
        idx.push_back(i);
        files[i] = digest;
        t.removed.push_back(r.path + "/" + std::string(folder.entry_name(i)));
      }
    }
    r.targets.push_back(std::move(t));
    of_target.push_back(std::move(idx));
  }
  auto not_fixed = [&] {
    for (const TargetResult& t : r.targets)
      if (!t.fixed) return t.location + ": " + t.reason;
    return std::string();
  };
  if (files.empty()) return fail(FixOutcome::kRefused, not_fixed());

  // 2. Prove it: the folder without those files no longer has the removed CVEs.
  std::set<size_t> hidden;
  for (const auto& [i, digest] : files) hidden.insert(i);
  std::vector<Finding> proof = folder_findings(HidingContainer(folder, hidden), r.path, nullptr);
  for (const TargetResult& t : r.targets) {
    if (!t.fixed) continue;
    for (const Finding& f : proof) {
      if (f.location != t.location || f.component != t.component) continue;
      for (const std::string& c : t.cves)
        if (has_cve(f, c)) return fail(FixOutcome::kRefused, "verification: " + t.location + " would still report " + c);
    }
  }
  for (const TargetResult& t : r.targets) r.removed.insert(r.removed.end(), t.removed.begin(), t.removed.end());
  std::sort(r.removed.begin(), r.removed.end());
  if (!not_fixed().empty()) r.reason = not_fixed();
  if (opt.dry_run) {
    r.after = complete_after(r, std::move(proof));
    r.outcome = FixOutcome::kWouldFix;
    return r;
  }
  if (!store) return fail(FixOutcome::kFailed, "backup store not prepared");
  for (const auto& [i, digest] : files) {
    // Checked first so that a read-only folder leaves no backup or journal entry behind.
    const std::string dir = dir_name(r.real_path + "/" + std::string(folder.entry_name(i)));
    if (faccessat(AT_FDCWD, dir.c_str(), W_OK, AT_EACCESS) != 0)
      return fail(FixOutcome::kRefused, dir + ": " + strerror(errno) + " (run as the folder's owner or root)");
  }

  // 3. Move file by file; the first failure stops the rest (whatever moved is journaled).
  std::set<size_t> moved;
  std::string failure;
  for (const auto& [i, digest] : files) {
    const std::string file = r.real_path + "/" + std::string(folder.entry_name(i));
    if (Status s = move_to_store(file, digest, r); !s.ok()) {
      failure = s.error();
      break;
    }
    moved.insert(i);
  }
  for (size_t k = 0; k < r.targets.size(); ++k) {
    TargetResult& t = r.targets[k];
    const bool all = std::all_of(of_target[k].begin(), of_target[k].end(), [&](size_t i) { return moved.count(i); });
    if (t.fixed && !all) {
      t.fixed = false;
      t.reason = failure;
    }
  }
  r.removed.clear();
  for (size_t i : moved) r.removed.push_back(r.path + "/" + std::string(folder.entry_name(i)));
  if (moved.empty()) return fail(FixOutcome::kFailed, failure);

  // 4. Re-scan the folder as it now is on disk.
  const inventory::DirectoryContainer now(r.real_path);
  std::vector<Finding> after = folder_findings(now, r.path, nullptr);
  bool still = std::any_of(after.begin(), after.end(), [&](const Finding& f) {
    return std::any_of(r.targets.begin(), r.targets.end(), [&](const TargetResult& t) {
      return t.fixed && t.location == f.location && t.component == f.component &&
             std::any_of(t.cves.begin(), t.cves.end(), [&](const std::string& c) { return has_cve(f, c); });
    });
  });
  if (still) r.warnings.push_back("re-scan after the removal still reports a fixed target (folder changed meanwhile?)");
  r.after = complete_after(r, std::move(after));
  r.reason = not_fixed();
  r.outcome = r.reason.empty() ? FixOutcome::kFixed : FixOutcome::kPartial;
  return r;
}

// Backs file up (fsynced), journals its removal, then unlinks it -- only if
// it is still the file that was backed up. A crash at any instant leaves the
// file in place, or removed with its backup and journal entry durable.
Status Fixer::Impl::move_to_store(const std::string& file, const std::string& expected_sha256, FileFix& r) {
  struct stat st;
  FileMeta meta;
  auto bytes = read_regular_file(file, &st, &meta);
  if (!bytes.ok()) return Status::failure(bytes.error());
  if (sha256_hex(*bytes) != expected_sha256) return Status::failure(file + ": changed since it was checked; left alone");
  auto sha = store->put(*archive::memory_source(std::vector<uint8_t>(bytes->begin(), bytes->end())));
  if (!sha.ok()) return Status::failure("backup of " + file + " failed: " + sha.error());
  if (r.original_sha256.empty()) r.original_sha256 = *sha;

  JournalRecord rec;
  rec.action = "remove";
  rec.time = now_iso8601();
  rec.path = file;
  rec.original_sha256 = *sha;
  rec.original_size = static_cast<uint64_t>(st.st_size);
  rec.mode = meta.mode;
  rec.uid = meta.uid;
  rec.gid = meta.gid;
  rec.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  rec.removed = {file};
  rec.tool_version = opt.tool_version;
  if (Status s = store->append(rec); !s.ok()) return Status::failure("journal: " + s.error());

  struct stat now;
  if (lstat(file.c_str(), &now) != 0 || !same_file_unchanged(st, now))
    return Status::failure(file + ": changed while being fixed; left alone");
  if (unlink(file.c_str()) != 0) return Status::failure(file + ": " + strerror(errno));
  crash_point("class removed");
  if (Status s = fsync_dir(dir_name(file)); !s.ok()) return s;
  if (st.st_nlink > 1) {
    r.warnings.push_back(file + ": " + std::to_string(st.st_nlink - 1) +
                         " other hard link(s) keep pointing at the removed class");
  }
  return Status();
}

}  // namespace l4s::remediate

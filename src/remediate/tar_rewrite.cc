#include "remediate/tar_rewrite.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

#include "archive/tar_reader.h"
#include "remediate/sha256.h"

namespace l4s::remediate {
namespace {

using archive::SourcePtr;
using archive::TarEntry;
using archive::TarFormat;

constexpr uint64_t kUnbounded = UINT64_MAX;
constexpr size_t kChunk = 1 << 16;

// What must survive a rewrite, per member.
struct MemberFacts {
  std::string name, link, symlink;
  unsigned type = 0, mode = 0;
  int64_t uid = 0, gid = 0, mtime = 0;
  uint64_t size = 0;
  std::string sha256;

  std::string differs_from(const MemberFacts& o) const {
    if (name != o.name) return "name " + o.name + " instead of " + name;
    if (type != o.type) return name + ": type changed";
    if (mode != o.mode) return name + ": mode changed";
    if (uid != o.uid || gid != o.gid) return name + ": owner changed";
    if (mtime != o.mtime) return name + ": mtime changed";
    if (link != o.link || symlink != o.symlink) return name + ": link target changed";
    if (size != o.size) return name + ": size changed";
    if (sha256 != o.sha256) return name + ": content changed";
    return "";
  }
};

std::string str(const char* s) { return s ? s : ""; }

Result<std::string> sha_of(const SourcePtr& src) { return sha256_of_source(*src); }

Result<std::vector<MemberFacts>> member_facts(const SourcePtr& tar, archive::MemoryBudget& budget,
                                              TarFormat* format) {
  using R = Result<std::vector<MemberFacts>>;
  std::vector<MemberFacts> out;
  std::string error;
  Status s = archive::read_tar(
      tar, budget,
      [&](const TarEntry& e, const auto& materialize) {
        MemberFacts m;
        m.name = e.name;
        m.type = archive_entry_filetype(e.header);
        m.mode = archive_entry_mode(e.header);
        m.uid = archive_entry_uid(e.header);
        m.gid = archive_entry_gid(e.header);
        m.mtime = archive_entry_mtime(e.header);
        m.link = str(archive_entry_hardlink(e.header));
        m.symlink = str(archive_entry_symlink(e.header));
        m.size = e.size;
        if (e.regular && error.empty()) {
          auto content = materialize(kUnbounded);
          auto sha = content.ok() ? sha_of(*content) : Result<std::string>::failure(content.error());
          if (!sha.ok()) error = e.name + ": " + sha.error();
          else m.sha256 = *sha;
        }
        out.push_back(std::move(m));
      },
      format);
  if (!error.empty()) return R::failure(error);
  if (!s.ok()) return R::failure(s.error());
  return out;
}

la_ssize_t write_cb(struct archive* a, void* data, const void* buf, size_t n) {
  auto* sink = static_cast<ZipSink*>(data);
  if (!sink->write(buf, n)) {
    archive_set_error(a, EIO, "%s", sink->error().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

std::string error_of(struct archive* a, const char* fallback) {
  const char* e = archive_error_string(a);
  return e ? e : fallback;
}

Status copy_source(struct archive* w, const archive::ByteSource& src) {
  std::vector<uint8_t> buf(kChunk);
  for (uint64_t pos = 0; pos < src.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, src.size() - pos));
    if (!src.read_at(pos, buf.data(), n)) return Status::failure("read error");
    if (archive_write_data(w, buf.data(), n) != static_cast<la_ssize_t>(n)) {
      return Status::failure(error_of(w, "tar data write error"));
    }
    pos += n;
  }
  return Status();
}

}  // namespace

Result<std::vector<std::string>> list_tar_members(SourcePtr tar, archive::MemoryBudget& budget) {
  std::vector<std::string> names;
  Status s = archive::read_tar(tar, budget, [&](const TarEntry& e, const auto&) { names.push_back(e.name); });
  if (!s.ok()) return Result<std::vector<std::string>>::failure(s.error());
  return names;
}

Result<TarReplacements> read_tar_members(SourcePtr tar, const std::set<size_t>& wanted,
                                         archive::MemoryBudget& budget, uint64_t max_bytes) {
  TarReplacements out;
  std::string error;
  size_t ordinal = 0;
  Status s = archive::read_tar(tar, budget, [&](const TarEntry& e, const auto& materialize) {
    const size_t i = ordinal++;
    if (!wanted.count(i) || !error.empty()) return;
    if (!e.regular) {
      error = e.name + ": not a regular file";
      return;
    }
    auto content = materialize(max_bytes);
    if (!content.ok()) error = e.name + ": " + content.error();
    else out[i] = *content;
  });
  if (!error.empty()) return Result<TarReplacements>::failure(error);
  if (!s.ok()) return Result<TarReplacements>::failure(s.error());
  return out;
}

Status rewrite_tar(SourcePtr tar, const TarReplacements& replace, archive::MemoryBudget& budget, ZipSink& out) {
  std::unique_ptr<struct archive, int (*)(struct archive*)> w(archive_write_new(), archive_write_free);
  if (!w) return Status::failure("out of memory");
  bool opened = false;
  std::string error;
  size_t ordinal = 0;
  TarFormat format;
  Status s = archive::read_tar(
      tar, budget,
      [&](const TarEntry& e, const auto& materialize) {
        const size_t i = ordinal++;
        if (!error.empty()) return;
        if (!opened) {
          // The format and filters are known once the first header was read.
          if (archive_write_set_format(w.get(), format.format) != ARCHIVE_OK) {
            error = "cannot write tar format " + std::to_string(format.format) + ": " + error_of(w.get(), "");
            return;
          }
          for (int code : format.filters) {
            if (archive_write_add_filter(w.get(), code) != ARCHIVE_OK) {
              error = "cannot write compression " + std::to_string(code) + ": " + error_of(w.get(), "");
              return;
            }
          }
          // No padding beyond the last 512-byte record: the size stays close to the original.
          archive_write_set_bytes_in_last_block(w.get(), 1);
          if (archive_write_open2(w.get(), &out, nullptr, write_cb, nullptr, nullptr) != ARCHIVE_OK) {
            error = error_of(w.get(), "cannot start the tar");
            return;
          }
          opened = true;
        }
        auto it = replace.find(i);
        SourcePtr content;
        if (it != replace.end()) {
          if (!e.regular) {
            error = e.name + ": not a regular file, cannot take new content";
            return;
          }
          content = it->second;
        } else if (e.regular) {
          auto c = materialize(kUnbounded);
          if (!c.ok()) {
            error = e.name + ": " + c.error();
            return;
          }
          content = *c;
        }
        std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> h(archive_entry_clone(e.header),
                                                                                 archive_entry_free);
        if (content) archive_entry_set_size(h.get(), static_cast<la_int64_t>(content->size()));
        if (archive_write_header(w.get(), h.get()) < ARCHIVE_WARN) {
          error = e.name + ": " + error_of(w.get(), "tar header write error");
          return;
        }
        if (content) {
          if (Status cs = copy_source(w.get(), *content); !cs.ok()) error = e.name + ": " + cs.error();
        }
      },
      &format);
  // The member that failed says more than the header read after it.
  if (!error.empty()) return Status::failure(error);
  if (!s.ok()) return Status::failure(s.error());
  if (!opened) return Status::failure("empty tar: nothing to rewrite");
  if (archive_write_close(w.get()) != ARCHIVE_OK) return Status::failure(error_of(w.get(), "cannot finish the tar"));
  return Status();
}

Status verify_tar_rewrite(SourcePtr tar, const TarReplacements& replace, SourcePtr output,
                          archive::MemoryBudget& budget) {
  TarFormat fa, fb;
  auto a = member_facts(tar, budget, &fa);
  if (!a.ok()) return Status::failure("original: " + a.error());
  auto b = member_facts(output, budget, &fb);
  if (!b.ok()) return Status::failure("rewritten tar unreadable: " + b.error());
  if (fa.filters != fb.filters) return Status::failure("compression changed");
  if (a->size() != b->size()) {
    return Status::failure(std::to_string(b->size()) + " members instead of " + std::to_string(a->size()));
  }
  for (size_t i = 0; i < a->size(); ++i) {
    MemberFacts want = (*a)[i];
    if (auto it = replace.find(i); it != replace.end()) {
      auto sha = sha_of(it->second);
      if (!sha.ok()) return Status::failure(sha.error());
      want.sha256 = *sha;
      want.size = it->second->size();
    }
    if (std::string d = want.differs_from((*b)[i]); !d.empty()) return Status::failure("member " + d);
  }
  return Status();
}

}  // namespace l4s::remediate

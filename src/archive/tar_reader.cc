#include "archive/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

namespace l4s::archive {
namespace {

constexpr size_t kCopyChunk = 64 * 1024;
// Read blocks handed to libarchive from resident memory (no copy).
constexpr uint64_t kResidentBlock = 1 << 20;
// A materialised entry's up-front size hint is capped: tar headers can claim
// any size, and the spill writer grows on demand anyway.
constexpr uint64_t kMaxSizeHint = 16 << 20;
// libarchive may ask to retry a header read; never spin on it.
constexpr int kMaxRetries = 16;

// Client state for libarchive's callbacks: a cursor over the ByteSource.
struct Client {
  SourcePtr source;
  const uint8_t* base = nullptr;  // resident content, when available
  uint64_t pos = 0;
  std::vector<uint8_t> buf;
};

la_ssize_t read_cb(struct archive* a, void* data, const void** out) {
  auto* c = static_cast<Client*>(data);
  const uint64_t size = c->source->size();
  if (c->pos >= size) return 0;
  if (c->base) {
    const uint64_t n = std::min(size - c->pos, kResidentBlock);
    *out = c->base + c->pos;
    c->pos += n;
    return static_cast<la_ssize_t>(n);
  }
  uint64_t n = std::min<uint64_t>(size - c->pos, c->buf.size());
  // A file truncated since it was opened fails whole reads past its new end:
  // halve the read so the entries before the cut are still visited.
  while (!c->source->read_at(c->pos, c->buf.data(), n)) {
    if (n <= 512) {
      archive_set_error(a, EIO, "read error at offset %llu", static_cast<unsigned long long>(c->pos));
      return -1;
    }
    n /= 2;
  }
  *out = c->buf.data();
  c->pos += n;
  return static_cast<la_ssize_t>(n);
}

la_int64_t skip_cb(struct archive*, void* data, la_int64_t request) {
  auto* c = static_cast<Client*>(data);
  if (request <= 0) return 0;
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(request), c->source->size() - c->pos);
  c->pos += n;
  return static_cast<la_int64_t>(n);
}

la_int64_t seek_cb(struct archive*, void* data, la_int64_t offset, int whence) {
  auto* c = static_cast<Client*>(data);
  const int64_t size = static_cast<int64_t>(c->source->size());
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return ARCHIVE_FATAL;
  const int64_t base =
      whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<int64_t>(c->pos) : size;
  if ((offset > 0 && base > size - offset) || base + offset < 0) return ARCHIVE_FATAL;
  c->pos = static_cast<uint64_t>(base + offset);
  return static_cast<la_int64_t>(c->pos);
}

std::string error_of(struct archive* a, const char* fallback) {
  const char* e = archive_error_string(a);
  return e ? e : fallback;
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// Tar (ustar, pax, GNU, v7) under the usual compressions, decoded in-process.
// Not archive_read_support_filter_all(): it also registers lrzip/grzip/lzop,
// which libarchive runs as external programs on the (hostile) input.
Status configure(struct archive* a) {
  int (*const filters[])(struct archive*) = {
      archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
      archive_read_support_filter_xz,   archive_read_support_filter_lzma,
      archive_read_support_filter_lzip, archive_read_support_filter_zstd,
      archive_read_support_filter_lz4,  archive_read_support_filter_compress,
  };
  for (auto* f : filters) {
    // A libarchive without liblz4 (the static release build) would run the
    // external lz4 program instead: leave lz4 out there.
    if (f == archive_read_support_filter_lz4 && archive_liblz4_version() == nullptr) continue;
    if (f(a) != ARCHIVE_OK) return Status::failure(error_of(a, "filter setup failed"));
  }
  if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
      archive_read_support_format_gnutar(a) != ARCHIVE_OK) {
    return Status::failure("tar format setup failed");
  }
  return Status();
}

std::string entry_name(struct archive_entry* e) {
  if (const char* p = archive_entry_pathname(e)) return p;
  if (const char* p = archive_entry_pathname_utf8(e)) return p;
  return {};
}

// Reads the current entry's data into a source, failing past max_bytes.
Result<SourcePtr> materialize_entry(struct archive* a, const TarEntry& entry, MemoryBudget& budget,
                                    uint64_t max_bytes) {
  using R = Result<SourcePtr>;
  auto too_big = [&] {
    return R::failure("entry exceeds " + std::to_string(max_bytes) + " bytes");
  };
  if (entry.size > max_bytes) return too_big();
  SpillWriter writer(budget, std::min({entry.size, max_bytes, kMaxSizeHint}));
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kCopyChunk]);
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buf.get(), kCopyChunk);
    if (n == 0) break;
    if (n < 0) return R::failure(error_of(a, "tar data read error"));
    if (writer.size() + static_cast<uint64_t>(n) > max_bytes) return too_big();
    if (!writer.append(buf.get(), static_cast<size_t>(n))) break;  // finish() reports it
  }
  return writer.finish();
}

bool all_digits_octal(const uint8_t* p, size_t n, uint64_t* value) {
  // Octal digits, optionally space-padded on the left, ended by NUL or space.
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i, ++digits) v = v * 8 + (p[i] - '0');
  if (digits == 0) return false;
  for (; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return false;
  }
  *value = v;
  return true;
}

// The header checksum: the sum of all 512 bytes with the checksum field read
// as spaces; historic tars summed signed chars, so accept either.
bool checksum_ok(const uint8_t* h) {
  uint64_t stored;
  if (!all_digits_octal(h + 148, 8, &stored)) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < 512; ++i) {
    const uint8_t b = (i >= 148 && i < 156) ? ' ' : h[i];
    unsigned_sum += b;
    signed_sum += static_cast<int8_t>(b);
  }
  return stored == unsigned_sum || static_cast<int64_t>(stored) == signed_sum;
}

}  // namespace

Status read_tar(SourcePtr source, MemoryBudget& budget, const TarVisitor& visit, TarFormat* format) {
  if (!source) return Status::failure("no source");
  ArchivePtr a(archive_read_new(), archive_read_free);
  if (!a) return Status::failure("out of memory");
  if (Status s = configure(a.get()); !s.ok()) return s;

  Client client;
  client.source = source;
  client.base = source->data();
  if (!client.base) client.buf.resize(kCopyChunk);
  archive_read_set_read_callback(a.get(), read_cb);
  archive_read_set_skip_callback(a.get(), skip_cb);
  archive_read_set_seek_callback(a.get(), seek_cb);
  archive_read_set_callback_data(a.get(), &client);
  if (archive_read_open1(a.get()) != ARCHIVE_OK) {
    return Status::failure(error_of(a.get(), "cannot open tar"));
  }

  struct archive_entry* ae = nullptr;
  int retries = 0;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &ae);
    if (rc == ARCHIVE_EOF) return Status();
    if (rc == ARCHIVE_RETRY && ++retries <= kMaxRetries) continue;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return Status::failure(error_of(a.get(), "tar header read error"));
    }
    retries = 0;
    if (format && format->format == 0) {
      format->format = archive_format(a.get());
      // Index 0 is the filter nearest the format; "none" is the raw input.
      for (int i = 0; i < archive_filter_count(a.get()); ++i) {
        const int code = archive_filter_code(a.get(), i);
        if (code != ARCHIVE_FILTER_NONE) format->filters.push_back(code);
      }
    }
    TarEntry entry;
    entry.header = ae;
    entry.name = entry_name(ae);
    entry.regular = archive_entry_filetype(ae) == AE_IFREG;
    entry.size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0
                     ? static_cast<uint64_t>(archive_entry_size(ae)) : 0;
    bool used = false;
    const std::function<Result<SourcePtr>(uint64_t)> materialize =
        [&](uint64_t max_bytes) -> Result<SourcePtr> {
      if (used) return Result<SourcePtr>::failure("entry already materialized");
      used = true;
      return materialize_entry(a.get(), entry, budget, max_bytes);
    };
    visit(entry, materialize);
  }
}

Compression detect_compression(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  auto starts = [&](const char* magic, size_t len) {
    return n >= len && memcmp(p, magic, len) == 0;
  };
  if (starts("\x1f\x8b", 2)) return Compression::kGzip;
  if (starts("BZh", 3)) return Compression::kBzip2;
  if (starts("\xfd" "7zXZ\0", 6)) return Compression::kXz;
  if (starts("\x28\xb5\x2f\xfd", 4)) return Compression::kZstd;
  return Compression::kNone;
}

bool looks_like_tar(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  // POSIX ustar ("ustar\0") and GNU ("ustar  \0") both start with "ustar".
  if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0) return true;
  // A v7 header has no magic: a non-empty name and a valid checksum.
  return n >= 512 && p[0] != '\0' && checksum_ok(p);
}

}  // namespace l4s::archive

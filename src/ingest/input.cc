#include "ingest/input.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

#include "archive/zip_reader.h"
#include "pcap/capture.h"

namespace l4s::ingest {
namespace {

// The first bytes of a regular file; empty for anything else (FIFOs and
// devices are left to hunt_path, which refuses them without blocking).
std::string file_head(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return "";
  struct stat st;
  std::string head(8, '\0');
  ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, head.data(), head.size(), 0) : -1;
  ::close(fd);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return head;
}

bool looks_like_zip(std::string_view head) { return archive::looks_like_zip(head.data(), head.size()); }

// A zip member as a stdio stream, for libpcap: sequential reads, and ftell.
class MemberFile {
 public:
  explicit MemberFile(archive::ZipEntryStream* stream) : stream_(stream) {}

  // Owned by the caller; this object must outlive it.
  FILE* open() {
    cookie_io_functions_t io{};
    io.read = [](void* cookie, char* buf, size_t size) -> ssize_t {
      auto* self = static_cast<MemberFile*>(cookie);
      Result<size_t> n = self->stream_->read(buf, size);
      if (!n) {
        self->error_ = n.error();
        errno = EIO;
        return -1;
      }
      self->position_ += *n;
      return static_cast<ssize_t>(*n);
    };
    io.seek = [](void* cookie, off64_t* offset, int whence) -> int {
      auto* self = static_cast<MemberFile*>(cookie);
      if (whence != SEEK_CUR || *offset != 0) return -1;  // only ftell
      *offset = static_cast<off64_t>(self->position_);
      return 0;
    };
    return fopencookie(this, "r", io);
  }
  const std::string& error() const { return error_; }
  uint64_t position() const { return position_; }

 private:
  archive::ZipEntryStream* stream_;
  uint64_t position_ = 0;
  std::string error_;
};

class ZipHunter {
 public:
  ZipHunter(const InputOptions& options, const hunt::DetectionSink& sink, InputHunt* out)
      : options_(options), sink_(sink), out_(out), budget_(options.nested_zip_memory) {}

  void add_capture(CaptureHunt&& hunt) {
    // Copies: the incidents found in the capture still refer to its detections.
    for (const hunt::Detection& d : hunt.result.detections) sink_(hunt::Detection(d));
    out_->captures.push_back(std::move(hunt));
  }

  // Hunts every member of the zip in `source`, named `name`.
  void hunt(archive::SourcePtr source, const std::string& name, int depth) {
    Result<archive::ZipReader> zip = archive::ZipReader::open(std::move(source));
    if (!zip) {
      out_->errors.push_back({name, "not a readable zip: " + zip.error()});
      return;
    }
    for (const archive::ZipEntry& entry : zip->entries()) {
      if (entry.is_directory()) continue;
      hunt_member(*zip, entry, name + "!/" + entry.name, depth);
    }
  }

 private:
  void hunt_member(const archive::ZipReader& zip, const archive::ZipEntry& entry, const std::string& name,
                  int depth) {
    Result<std::string> head = zip.peek(entry, 8);
    if (!head) return out_->errors.push_back({name, head.error()});
    if (looks_like_zip(*head)) {
      if (depth >= options_.max_zip_depth) {
        return out_->errors.push_back({name, "zip nested deeper than " + std::to_string(options_.max_zip_depth)});
      }
      Result<archive::SourcePtr> inner = zip.open_entry(entry, budget_, UINT64_MAX);
      if (!inner) return out_->errors.push_back({name, inner.error()});
      return hunt(std::move(*inner), name, depth + 1);
    }
    Result<std::unique_ptr<archive::ZipEntryStream>> stream = archive::ZipEntryStream::open(zip, entry);
    if (!stream) return out_->errors.push_back({name, stream.error()});
    if (pcap::sniff_capture(*head) != pcap::CaptureFormat::kNone) {
      MemberFile file(stream->get());
      FILE* f = file.open();
      if (f == nullptr) return out_->errors.push_back({name, "cannot open as a stream"});
      pcap::AnalyzerOptions capture = options_.capture;
      capture.capture_name = name;
      CaptureHunt hunt{pcap::hunt_capture_stream(f, capture), 0};
      if (!file.error().empty()) hunt.result.errors.push_back(name + ": " + file.error());
      hunt.bytes = file.position();
      return add_capture(std::move(hunt));
    }
    hunt::ByteReader reader = [&](char* buf, size_t cap) { return (*stream)->read(buf, cap); };
    out_->logs.push_back(hunt::hunt_reader(reader, name, options_.log, sink_));
  }

  const InputOptions& options_;
  const hunt::DetectionSink& sink_;
  InputHunt* out_;
  archive::MemoryBudget budget_;
};

}  // namespace

InputHunt hunt_input(const std::string& path, const InputOptions& options, const hunt::DetectionSink& sink) {
  InputHunt out;
  ZipHunter zips(options, sink, &out);
  const std::string head = path == "-" ? "" : file_head(path);
  if (looks_like_zip(head)) {
    Result<archive::SourcePtr> source = archive::open_file_source(path);
    if (!source) {
      out.errors.push_back({path, source.error()});
    } else {
      zips.hunt(std::move(*source), path, 1);
    }
    return out;
  }
  // libpcap reads '-' as stdin.
  if (options.force_capture || pcap::sniff_capture(head) != pcap::CaptureFormat::kNone) {
    struct stat st;
    uint64_t bytes = path != "-" && stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    zips.add_capture({pcap::hunt_capture(path, options.capture), bytes});
    return out;
  }
  out.logs.push_back(path == "-" ? hunt::hunt_stream(0, "-", options.log, sink) : hunt::hunt_path(path, options.log, sink));
  return out;
}

}  // namespace l4s::ingest

#include "hunt/reader.h"

#include <bzlib.h>
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/read_throttle.h"

namespace l4s::hunt {
namespace {

constexpr size_t kInputChunk = 256 * 1024;

// The input stream (a file descriptor or a ByteReader), with the sniffed
// header pushed back in front.
class Input {
 public:
  Input(int fd, ReadStats* stats) : fd_(fd), stats_(stats) {}
  Input(const ByteReader* reader, ReadStats* stats) : reader_(reader), stats_(stats) {}
  // Reads from memory instead (bytes_in is not counted again).
  explicit Input(std::string_view memory) : stats_(nullptr), head_(memory), memory_only_(true) {}

  // Reads up to `cap` bytes; 0 at end of file.
  Result<size_t> read(char* buf, size_t cap) {
    if (pos_ < head_.size() || memory_only_) {
      if (pos_ >= head_.size()) return size_t{0};
      size_t n = std::min(cap, head_.size() - pos_);
      std::memcpy(buf, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    Result<size_t> n = read_more(buf, cap);
    if (n) stats_->bytes_in += *n;
    return n;
  }

  // Reads the first bytes for sniffing and keeps them for Read().
  Result<std::string_view> peek(size_t n) {
    head_.resize(n);
    size_t got = 0;
    while (got < n) {
      Result<size_t> r = read_more(head_.data() + got, n - got);
      if (!r) return Error{r.error()};
      if (*r == 0) break;
      got += *r;
    }
    head_.resize(got);
    stats_->bytes_in += got;
    return std::string_view(head_);
  }

 private:
  Result<size_t> read_more(char* buf, size_t cap) {
    if (reader_ != nullptr) return (*reader_)(buf, cap);
    for (;;) {
      ssize_t n = ::read(fd_, buf, throttled_chunk(cap));
      if (n >= 0) {
        throttle_read(static_cast<uint64_t>(n));  // --max-read-rate
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return Error{std::string("read: ") + std::strerror(errno)};
    }
  }

  int fd_ = -1;
  const ByteReader* reader_ = nullptr;
  ReadStats* stats_;
  std::string head_;  // the sniffed header (or all the data, for memory input)
  bool memory_only_ = false;
  size_t pos_ = 0;
};

// Produces decompressed bytes; Read returns 0 at the end of the data.
class Source {
 public:
  virtual ~Source() = default;
  virtual Result<size_t> read(char* out, size_t cap) = 0;
};

class PlainSource : public Source {
 public:
  explicit PlainSource(Input* in) : in_(in) {}
  Result<size_t> read(char* out, size_t cap) override { return in_->read(out, cap); }

 private:
  Input* in_;
};

// Shared input buffering for the compressed formats.
class CompressedSource : public Source {
 protected:
  explicit CompressedSource(Input* in) : in_(in), buf_(kInputChunk, '\0') {}

  // Makes input available; false at end of file.
  Result<bool> fill() {
    if (avail_ > 0) return true;
    if (eof_) return false;
    Result<size_t> n = in_->read(buf_.data(), buf_.size());
    if (!n) return Error{n.error()};
    next_ = buf_.data();
    avail_ = *n;
    if (avail_ == 0) eof_ = true;
    return avail_ > 0;
  }

  // Whether the remaining input starts with `magic` (another member/stream
  // follows); anything else after a complete stream is ignored, as gzip -d does.
  Result<bool> next_starts_with(std::string_view magic) {
    Result<bool> more = fill();
    if (!more) return Error{more.error()};
    if (!*more) return false;
    if (avail_ >= magic.size()) return std::string_view(next_, magic.size()) == magic;
    // A member boundary that straddles our input buffer: move the tail to the front.
    std::memmove(buf_.data(), next_, avail_);
    next_ = buf_.data();
    while (avail_ < magic.size() && !eof_) {
      Result<size_t> n = in_->read(buf_.data() + avail_, buf_.size() - avail_);
      if (!n) return Error{n.error()};
      if (*n == 0) eof_ = true;
      avail_ += *n;
    }
    return avail_ >= magic.size() && std::string_view(next_, magic.size()) == magic;
  }

  Input* in_;
  std::string buf_;
  char* next_ = nullptr;
  size_t avail_ = 0;
  bool eof_ = false;
};

// Streaming gzip through ISA-L's igzip (several times faster than zlib):
// pipes, byte streams (zip members) and members too large for the
// whole-member path. Concatenated members are inflated one after another;
// igzip checks each trailer's CRC-32 and size.
class GzipSource : public CompressedSource {
 public:
  GzipSource(Input* in, ReadStats* stats) : CompressedSource(in) {
    if (stats != nullptr) stats->gzip_inflater = "igzip";
    start_member();
  }

  Result<size_t> read(char* out, size_t cap) override {
    cap = std::min<size_t>(cap, UINT32_MAX);
    s_.next_out = reinterpret_cast<uint8_t*>(out);
    s_.avail_out = static_cast<uint32_t>(cap);
    while (s_.avail_out == cap && !done_) {
      if (s_.block_state == ISAL_BLOCK_FINISH) {
        Result<bool> another = next_starts_with("\x1f\x8b");  // concatenated members
        if (!another) return Error{another.error()};
        if (*another) {
          start_member();
          s_.next_out = reinterpret_cast<uint8_t*>(out);
          s_.avail_out = static_cast<uint32_t>(cap);
        } else {
          done_ = true;  // anything after the last member is ignored, as gzip -d does
        }
        continue;
      }
      Result<bool> more = fill();
      if (!more) return Error{more.error()};
      if (!*more) return Error{"gzip: truncated data"};
      s_.next_in = reinterpret_cast<uint8_t*>(next_);
      s_.avail_in = static_cast<uint32_t>(std::min<size_t>(avail_, UINT32_MAX));
      const uint32_t in_before = s_.avail_in, out_before = s_.avail_out;
      const int rc = isal_inflate(&s_);
      next_ = reinterpret_cast<char*>(s_.next_in);
      avail_ -= in_before - s_.avail_in;
      if (rc < 0) return Error{std::string("gzip: corrupt data (") + isal_error(rc) + ")"};
      if (rc != ISAL_DECOMP_OK && rc != ISAL_END_INPUT && rc != ISAL_OUT_OVERFLOW)
        return Error{"gzip: corrupt data (unexpected header field)"};
      // Neither input taken nor output made: it will not move on this data.
      if (s_.avail_in == in_before && s_.avail_out == out_before && s_.block_state != ISAL_BLOCK_FINISH)
        return Error{"gzip: corrupt data (no progress)"};
    }
    return cap - s_.avail_out;
  }

 private:
  void start_member() {
    isal_inflate_init(&s_);
    s_.crc_flag = ISAL_GZIP;  // parse the header, verify the trailer
  }

  static const char* isal_error(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK: return "invalid deflate block";
      case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK: return "invalid distance";
      case ISAL_INVALID_WRAPPER: return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD: return "not deflate";
      case ISAL_INCORRECT_CHECKSUM: return "CRC or size mismatch";
      default: return "inflate error";
    }
  }

  inflate_state s_;
  bool done_ = false;
};

// gzip through libdeflate, which inflates several times faster than zlib
// but only whole members into a buffer large enough for the output. Used for
// regular files: the compressed file is read into memory (bounded), each
// member inflated into a buffer sized from the gzip trailer's ISIZE and grown
// on demand (bounded). A member too large for the bound, and a corrupt or
// truncated one, go through igzip's streaming inflater from that member on,
// so the text before damage is still delivered and the error is igzip's.
class FastGzipSource : public Source {
 public:
  FastGzipSource(std::string compressed, size_t max_output, ReadStats* stats)
      : comp_(std::move(compressed)), max_output_(max_output), stats_(stats), d_(libdeflate_alloc_decompressor()) {
    stats_->gzip_inflater = "libdeflate";
  }
  ~FastGzipSource() override { libdeflate_free_decompressor(d_); }

  Result<size_t> read(char* out, size_t cap) override {
    while (out_pos_ == out_len_) {
      if (fallback_) return fallback_->read(out, cap);
      if (pos_ >= comp_.size() || !std::string_view(comp_).substr(pos_).starts_with("\x1f\x8b")) {
        if (pos_ == 0) return Error{"gzip: not gzip data"};
        return size_t{0};  // anything after the last member is ignored, as gzip -d does
      }
      if (d_ == nullptr || !inflate_member()) {
        memory_input_ = std::make_unique<Input>(std::string_view(comp_).substr(pos_));
        fallback_ = std::make_unique<GzipSource>(memory_input_.get(), stats_);
      }
    }
    size_t n = std::min(cap, out_len_ - out_pos_);
    std::memcpy(out, out_.get() + out_pos_, n);
    out_pos_ += n;
    return n;
  }

 private:
  // Inflates the member at pos_ into out_; false when igzip must take over.
  bool inflate_member() {
    const size_t remaining = comp_.size() - pos_;
    uint32_t isize;
    std::memcpy(&isize, comp_.data() + comp_.size() - 4, 4);  // the last member's size mod 2^32 (little endian)
    // A (last) member larger than the bound would be inflated up to the
    // bound and then again by igzip: stream it from the start instead.
    if (isize >= max_output_) return false;
    size_t want = std::max<size_t>({isize + size_t{1}, remaining * 4, size_t{1} << 16});
    for (;;) {
      want = std::min(want, max_output_);
      if (want > cap_) {
        out_ = std::make_unique_for_overwrite<char[]>(want);
        cap_ = want;
      }
      size_t in_used = 0, produced = 0;
      libdeflate_result rc =
          libdeflate_gzip_decompress_ex(d_, comp_.data() + pos_, remaining, out_.get(), cap_, &in_used, &produced);
      if (rc == LIBDEFLATE_SUCCESS) {
        pos_ += in_used;
        out_pos_ = 0;
        out_len_ = produced;
        return true;
      }
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || cap_ >= max_output_) return false;
      want = cap_ * 2;
    }
  }

  std::string comp_;
  size_t pos_ = 0;
  size_t max_output_;
  ReadStats* stats_;
  libdeflate_decompressor* d_;
  std::unique_ptr<char[]> out_;
  size_t cap_ = 0, out_pos_ = 0, out_len_ = 0;
  std::unique_ptr<Input> memory_input_;
  std::unique_ptr<GzipSource> fallback_;
};

// Decompresses ahead on a second thread while the caller searches the text
// already delivered: on one large member, inflating and hunting overlap
// (both cores) instead of taking turns. Text and errors arrive in order: a
// chunk's text first, then the error that ended it.
class ReadAheadSource : public Source {
 public:
  explicit ReadAheadSource(std::unique_ptr<Source> inner) : inner_(std::move(inner)) {
    for (Chunk& c : chunks_) free_.push_back(&c);  // buffers allocated on first use: small inputs need one
    thread_ = std::thread([this] { produce(); });
  }
  ~ReadAheadSource() override {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Result<size_t> read(char* out, size_t cap) override {
    while (current_ == nullptr || pos_ == current_->len) {
      if (current_ != nullptr && current_->end) {
        if (current_->error) return Error{*current_->error};
        return size_t{0};
      }
      std::unique_lock<std::mutex> lock(m_);
      if (current_ != nullptr) free_.push_back(current_);
      cv_.notify_all();
      cv_.wait(lock, [this] { return !full_.empty(); });
      current_ = full_.front();
      full_.pop_front();
      pos_ = 0;
    }
    const size_t n = std::min(cap, current_->len - pos_);
    std::memcpy(out, current_->data.get() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  static constexpr size_t kChunk = 1u << 20;
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t len = 0;
    bool end = false;  // the last chunk: end of data, or the error
    std::optional<std::string> error;
  };

  void produce() {
    for (;;) {
      Chunk* c;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
        if (stop_) return;
        c = free_.front();
        free_.pop_front();
      }
      if (!c->data) c->data = std::make_unique_for_overwrite<char[]>(kChunk);
      c->len = 0;
      while (c->len < kChunk && !c->end) {
        Result<size_t> n = inner_->read(c->data.get() + c->len, kChunk - c->len);
        if (!n) {
          c->error = n.error();
          c->end = true;
        } else if (*n == 0) {
          c->end = true;
        } else {
          c->len += *n;
        }
      }
      {
        std::lock_guard<std::mutex> lock(m_);
        full_.push_back(c);
      }
      cv_.notify_all();
      if (c->end) return;
    }
  }

  std::unique_ptr<Source> inner_;
  Chunk chunks_[4];
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Chunk*> free_, full_;  // guarded by m_
  bool stop_ = false;               // guarded by m_
  Chunk* current_ = nullptr;        // the consumer's
  size_t pos_ = 0;
  std::thread thread_;
};

// Reads the rest of a regular file after the sniffed head, when it is at most
// `limit` bytes; nullopt (nothing consumed) otherwise.
Result<std::optional<std::string>> slurp_bounded(int fd, std::string_view head, size_t limit, ReadStats* stats) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::optional<std::string>();
  off_t here = lseek(fd, 0, SEEK_CUR);
  if (here < 0 || st.st_size < here || static_cast<uint64_t>(st.st_size) > limit) return std::optional<std::string>();
  std::string data(head);
  size_t expect = head.size() + static_cast<size_t>(st.st_size - here);
  data.resize(expect);
  size_t got = head.size();
  while (got < expect) {
    ssize_t n = ::read(fd, data.data() + got, throttled_chunk(expect - got));
    if (n == 0) break;  // truncated while we read: what is there is the file
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::string("read: ") + std::strerror(errno)};
    }
    throttle_read(static_cast<uint64_t>(n));  // --max-read-rate
    got += static_cast<size_t>(n);
    stats->bytes_in += static_cast<uint64_t>(n);
  }
  data.resize(got);
  return std::optional<std::string>(std::move(data));
}

// Whether a regular gzip file's last member (the trailer's ISIZE, mod 4 GiB)
// holds more text than the whole-member path takes: such a file streams
// through igzip from the descriptor, without reading it into memory first.
bool last_member_too_large(int fd, size_t limit) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 18) return false;
  uint32_t isize = 0;
  if (pread(fd, &isize, 4, st.st_size - 4) != 4) return false;
  return isize >= limit;
}

class Bzip2Source : public CompressedSource {
 public:
  explicit Bzip2Source(Input* in) : CompressedSource(in) { init(); }
  ~Bzip2Source() override { BZ2_bzDecompressEnd(&s_); }

  Result<size_t> read(char* out, size_t cap) override {
    if (!ok_) return Error{"bzip2: cannot initialise"};
    s_.next_out = out;
    s_.avail_out = static_cast<unsigned>(cap);
    while (s_.avail_out == cap && !done_) {
      Result<bool> more = fill();
      if (!more) return Error{more.error()};
      if (!*more) return Error{"bzip2: truncated data"};
      s_.next_in = next_;
      s_.avail_in = static_cast<unsigned>(avail_);
      int rc = BZ2_bzDecompress(&s_);
      next_ = s_.next_in;
      avail_ = s_.avail_in;
      if (rc == BZ_STREAM_END) {
        Result<bool> another = next_starts_with("BZh");  // multi-stream files (pbzip2, cat)
        if (!another) return Error{another.error()};
        if (*another) {
          char* next_out = s_.next_out;  // Init() clears the stream, output position included
          unsigned avail_out = s_.avail_out;
          BZ2_bzDecompressEnd(&s_);
          init();
          s_.next_out = next_out;
          s_.avail_out = avail_out;
          if (avail_out != cap) break;  // Return what this stream produced.
        } else {
          done_ = true;
        }
      } else if (rc != BZ_OK) {
        return Error{"bzip2: corrupt data (" + std::to_string(rc) + ")"};
      }
    }
    return cap - s_.avail_out;
  }

 private:
  void init() {
    std::memset(&s_, 0, sizeof s_);
    ok_ = BZ2_bzDecompressInit(&s_, 0, 0) == BZ_OK;
  }

  bz_stream s_;
  bool ok_ = false;
  bool done_ = false;
};

class XzSource : public CompressedSource {
 public:
  explicit XzSource(Input* in) : CompressedSource(in) {
    ok_ = lzma_stream_decoder(&s_, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
  }
  ~XzSource() override { lzma_end(&s_); }

  Result<size_t> read(char* out, size_t cap) override {
    if (!ok_) return Error{"xz: cannot initialise liblzma"};
    s_.next_out = reinterpret_cast<uint8_t*>(out);
    s_.avail_out = cap;
    while (s_.avail_out == cap && !done_) {
      Result<bool> more = fill();
      if (!more) return Error{more.error()};
      s_.next_in = reinterpret_cast<const uint8_t*>(next_);
      s_.avail_in = avail_;
      lzma_ret rc = lzma_code(&s_, *more ? LZMA_RUN : LZMA_FINISH);
      next_ = const_cast<char*>(reinterpret_cast<const char*>(s_.next_in));
      avail_ = s_.avail_in;
      if (rc == LZMA_STREAM_END) {
        done_ = true;
      } else if (rc != LZMA_OK) {
        return Error{rc == LZMA_BUF_ERROR ? "xz: truncated data" : "xz: corrupt data (" + std::to_string(rc) + ")"};
      }
    }
    return cap - s_.avail_out;
  }

 private:
  lzma_stream s_ = LZMA_STREAM_INIT;
  bool ok_ = false;
  bool done_ = false;
};

class ZstdSource : public CompressedSource {
 public:
  explicit ZstdSource(Input* in) : CompressedSource(in), d_(ZSTD_createDStream()) {}
  ~ZstdSource() override { ZSTD_freeDStream(d_); }

  Result<size_t> read(char* out, size_t cap) override {
    if (d_ == nullptr) return Error{"zstd: cannot initialise"};
    ZSTD_outBuffer o{out, cap, 0};
    while (o.pos == 0) {
      Result<bool> more = fill();
      if (!more) return Error{more.error()};
      if (!*more) {
        if (frame_open_) return Error{"zstd: truncated data"};
        break;
      }
      ZSTD_inBuffer i{next_, avail_, 0};
      size_t rc = ZSTD_decompressStream(d_, &o, &i);
      next_ += i.pos;
      avail_ -= i.pos;
      if (ZSTD_isError(rc)) return Error{std::string("zstd: corrupt data (") + ZSTD_getErrorName(rc) + ")"};
      frame_open_ = rc != 0;  // 0: a frame just ended; the next one, if any, starts fresh
    }
    return o.pos;
  }

 private:
  ZSTD_DStream* d_;
  bool frame_open_ = false;
};

}  // namespace

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::kNone: return "plain";
    case Compression::kGzip: return "gzip";
    case Compression::kBzip2: return "bzip2";
    case Compression::kXz: return "xz";
    case Compression::kZstd: return "zstd";
  }
  return "plain";
}

Compression sniff_compression(std::string_view head) {
  if (head.starts_with("\x1f\x8b")) return Compression::kGzip;
  if (head.size() >= 4 && head.starts_with("BZh") && head[3] >= '1' && head[3] <= '9') return Compression::kBzip2;
  if (head.starts_with(std::string_view("\xFD" "7zXZ\0", 6))) return Compression::kXz;
  if (head.starts_with("\x28\xB5\x2F\xFD")) return Compression::kZstd;
  return Compression::kNone;
}

namespace {

// `fd` is the input's descriptor when it has one (a regular file's gzip can
// then be inflated whole), else -1.
Status read_blocks_from(Input& input, int fd, const BlockSink& on_block, const ReadOptions& options,
                      ReadStats* stats) {
  Result<std::string_view> head = input.peek(6);
  if (!head) return Status::failure(head.error());
  stats->compression = sniff_compression(*head);
  std::unique_ptr<Input> memory_inputs;
  std::unique_ptr<Source> source;
  switch (stats->compression) {
    case Compression::kNone: source = std::make_unique<PlainSource>(&input); break;
    case Compression::kGzip: {
      Result<std::optional<std::string>> whole =
          fd >= 0 && !last_member_too_large(fd, options.gzip_whole_limit)
              ? slurp_bounded(fd, *head, options.gzip_whole_limit, stats)
              : std::optional<std::string>();
      if (!whole) return Status::failure(whole.error());
      if (whole->has_value() && (*whole)->size() >= 18) {
        source = std::make_unique<FastGzipSource>(std::move(**whole), options.gzip_whole_limit, stats);
      } else if (whole->has_value()) {
        Input* mem = new Input(**whole);  // tiny or truncated: igzip's diagnostics
        memory_inputs.reset(mem);
        source = std::make_unique<GzipSource>(mem, stats);
      } else {
        source = std::make_unique<GzipSource>(&input, stats);
      }
      break;
    }
    case Compression::kBzip2: source = std::make_unique<Bzip2Source>(&input); break;
    case Compression::kXz: source = std::make_unique<XzSource>(&input); break;
    case Compression::kZstd: source = std::make_unique<ZstdSource>(&input); break;
  }
  if (stats->compression != Compression::kNone) source = std::make_unique<ReadAheadSource>(std::move(source));

  // buf[0, len) holds text not yet delivered; it never exceeds
  // block_size + max_line + one read.
  const size_t read_size = std::min<size_t>(options.block_size, 1u << 20);
  // Not zero-filled: pages are only touched as text arrives.
  const size_t buf_size = options.block_size + options.max_line + read_size;
  std::unique_ptr<char[]> storage = std::make_unique_for_overwrite<char[]>(buf_size);
  struct {
    char* p;
    size_t n;
    char* data() { return p; }
    size_t size() const { return n; }
  } buf{storage.get(), buf_size};
  size_t len = 0;
  uint64_t offset = 0;
  auto deliver = [&](size_t n) {
    on_block(std::string_view(buf.data(), n), offset);
    offset += n;
    stats->bytes_out += n;
    std::memmove(buf.data(), buf.data() + n, len - n);
    len -= n;
  };
  for (;;) {
    Result<size_t> n = source->read(buf.data() + len, std::min(read_size, buf.size() - len));
    if (!n) {
      if (len > 0) deliver(len);  // Everything before the damage still gets searched.
      return Status::failure(n.error());
    }
    len += *n;
    bool eof = *n == 0;
    if (eof || len >= options.block_size) {
      const void* last = len ? memrchr(buf.data(), '\n', len) : nullptr;
      if (last != nullptr) {
        deliver(static_cast<const char*>(last) - buf.data() + 1);
      } else if (len >= options.max_line) {
        deliver(options.max_line);  // An over-long line: deliver it in pieces.
      }
    }
    if (eof) {
      if (len > 0) deliver(len);
      return Status();
    }
  }
}

}  // namespace

Status read_blocks(int fd, const BlockSink& on_block, const ReadOptions& options, ReadStats* stats) {
  ReadStats local;
  if (stats == nullptr) stats = &local;
  Input input(fd, stats);
  return read_blocks_from(input, fd, on_block, options, stats);
}

Status read_blocks(const ByteReader& reader, const BlockSink& on_block, const ReadOptions& options,
                  ReadStats* stats) {
  ReadStats local;
  if (stats == nullptr) stats = &local;
  Input input(&reader, stats);
  return read_blocks_from(input, -1, on_block, options, stats);
}

}  // namespace l4s::hunt

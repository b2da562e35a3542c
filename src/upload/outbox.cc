#include "upload/outbox.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/sha256.h"

namespace l4s::upload {
namespace {

namespace stdfs = std::filesystem;
constexpr std::string_view kSuffix = ".report";

// Creates `dir` (mode 0700: reports name every vulnerable path of a host)
// and its parents when missing.
Status make_private_dir(const std::string& dir) {
  std::error_code ec;
  if (stdfs::is_directory(dir, ec)) return {};
  const stdfs::path parent = stdfs::path(dir).parent_path();
  if (!parent.empty()) stdfs::create_directories(parent, ec);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::failure(dir + ": " + std::strerror(errno));
  return {};
}

bool is_kept_name(const std::string& name) {
  return name.size() == 64 + kSuffix.size() && name.compare(64, kSuffix.size(), kSuffix) == 0 &&
         is_sha256_hex(name.substr(0, 64));
}

// Writes rejected/NAME.reason: why the server refused the report NAME.
std::string write_reason(const std::string& target, const Report& report, const UploadResult& why) {
  nlohmann::ordered_json j = {{"file", stdfs::path(target).filename().string()},
                              {"host", report.host},
                              {"kind", report.kind},
                              {"http_status", why.http_status},
                              {"reason", why.reason},
                              {"rejected", now_iso8601()}};
  std::string error;
  auto write = [&](std::ostream& o) { o << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'; };
  return write_file_atomically(target + ".reason", write, &error) ? "" : error;
}

// Moves a refused report to rejected/ with its reason beside it; "" or why not.
std::string move_to_rejected(const std::string& dir, const std::string& path, const DeliveryEvent& e,
                             std::string* moved_to) {
  const std::string rejected = dir + "/rejected";
  if (Status s = make_private_dir(rejected); !s.ok()) return s.error();
  const std::string target = rejected + "/" + stdfs::path(path).filename().string();
  // The reason first: a refused report is never left without its reason.
  if (std::string error = write_reason(target, e.report, e.result); !error.empty()) return error;
  if (rename(path.c_str(), target.c_str()) != 0) return target + ": " + std::strerror(errno);
  *moved_to = target;
  return "";
}

}  // namespace

Result<std::string> Outbox::keep(const Report& report) const {
  if (Status s = make_private_dir(dir_); !s.ok()) return Error{s.error()};
  const std::string path = dir_ + "/" + sha256_hex(report.body) + std::string(kSuffix);
  if (access(path.c_str(), F_OK) == 0) return path;  // the same report, kept already
  nlohmann::ordered_json header = {
      {"log4shield_outbox", 1}, {"host", report.host}, {"kind", report.kind}, {"kept", now_iso8601()}};
  std::string error;
  auto write = [&](std::ostream& o) { o << header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << report.body; };
  if (!write_file_atomically(path, write, &error)) return Error{error};
  return path;
}

Result<std::string> Outbox::keep_rejected(const Report& report, const UploadResult& why) const {
  if (Status s = make_private_dir(dir_); !s.ok()) return Error{s.error()};
  auto kept = Outbox(dir_ + "/rejected").keep(report);
  if (!kept.ok()) return kept;
  if (std::string error = write_reason(*kept, report, why); !error.empty()) return Error{error};
  return kept;
}

std::vector<std::string> Outbox::waiting() const {
  std::vector<std::pair<stdfs::file_time_type, std::string>> found;
  std::error_code ec;
  for (stdfs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_kept_name(name) || !it->is_regular_file(ec)) continue;
    found.emplace_back(it->last_write_time(ec), it->path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

Result<Report> Outbox::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path};
  std::string header_line;
  std::getline(in, header_line);
  nlohmann::json header = nlohmann::json::parse(header_line, nullptr, false);
  if (!header.is_object() || header.value("log4shield_outbox", nlohmann::json()) != 1 ||
      !header.value("host", nlohmann::json()).is_string() || !header.value("kind", nlohmann::json()).is_string())
    return Error{path + ": not an outbox file (no header line)"};
  std::stringstream body;
  body << in.rdbuf();
  if (in.bad()) return Error{"cannot read " + path};
  Report r;
  r.host = header["host"].get<std::string>();
  r.kind = header["kind"].get<std::string>();
  r.body = body.str();
  // The name is the body's sha256: a file that no longer matches was damaged.
  if (sha256_hex(r.body) != stdfs::path(path).filename().string().substr(0, 64))
    return Error{path + ": damaged (its content no longer matches its name)"};
  return r;
}

DeliveryCounts deliver_outbox(const Outbox& outbox, const UploadOptions& options,
                              const std::function<void(const DeliveryEvent&)>& on_each) {
  DeliveryCounts counts;
  std::error_code ec;
  if (!stdfs::is_directory(outbox.dir(), ec)) return counts;  // nothing ever kept
  const std::string lock_path = outbox.dir() + "/.lock";
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) {
    counts.error = lock_path + ": " + std::strerror(errno);
    return counts;
  }
  if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) counts.busy = true;
    else counts.error = lock_path + ": " + std::strerror(errno);
    close(lock);
    return counts;
  }
  const std::vector<std::string> files = outbox.waiting();
  for (size_t i = 0; i < files.size(); ++i) {
    DeliveryEvent e;
    e.path = files[i];
    auto report = Outbox::read(files[i]);
    if (report.ok()) {
      e.report = std::move(*report);
      e.result = upload_report(e.report, options);
      e.report.body.clear();
    } else {
      e.result.state = UploadState::kRejected;
      e.result.reason = report.error();
    }
    switch (e.result.state) {
      case UploadState::kDelivered:
      case UploadState::kDuplicate:
        (e.result.state == UploadState::kDelivered ? counts.delivered : counts.duplicate)++;
        unlink(files[i].c_str());
        break;
      case UploadState::kRejected:
        counts.failed++;
        if (std::string why = move_to_rejected(outbox.dir(), files[i], e, &e.moved_to); !why.empty())
          e.result.reason += " (and it could not be moved to rejected/: " + why + ")";
        break;
      case UploadState::kTransient:
        counts.waiting = files.size() - i;
        break;
    }
    if (on_each) on_each(e);
    if (e.result.state == UploadState::kTransient) break;
  }
  close(lock);  // releases the lock
  return counts;
}

}  // namespace l4s::upload

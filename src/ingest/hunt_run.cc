#include "ingest/hunt_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "core/clock.h"
#include "core/ordered_spool.h"
#include "pcap/report.h"

namespace l4s::ingest {

HuntRun::HuntRun(HuntRunOptions options)
    : options_(std::move(options)), tally_(options_.keep_iocs), started_(std::chrono::steady_clock::now()) {
  fs::WalkOptions& walk = options_.walk;
  walk.threads = fs::worker_threads(walk.threads);
  if (std::count(options_.paths.begin(), options_.paths.end(), "-")) inputs_.push_back({"-", 0});
  for (const std::string& p : options_.paths)
    if (p != "-") walk.roots.push_back(p);
  if (walk.roots.empty()) return;
  std::mutex mu;
  fs::WalkCallbacks cb;
  cb.on_file = [&](const fs::FileVisit& v) {
    std::lock_guard<std::mutex> l(mu);
    inputs_.push_back({v.path, v.size});
  };
  cb.on_error = [&](const std::string& where, const std::string& why) {
    std::lock_guard<std::mutex> l(mu);
    walk_errors_.push_back({where, why});
  };
  fs::walk(walk, cb);
  std::stable_sort(inputs_.begin(), inputs_.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
}

void HuntRun::run(hunt::HuntWriter& writer, hunt::HuntReport* rep, hunt::HuntWriter* copy) {
  // Reported in path order; hunted largest first (logs are few and large,
  // so files are shared out one at a time rather than in the walker's batches).
  std::vector<size_t> work(inputs_.size());
  for (size_t i = 0; i < work.size(); ++i) work[i] = i;
  std::stable_sort(work.begin(), work.end(), [&](size_t a, size_t b) { return inputs_[a].size > inputs_[b].size; });

  writer.begin(*rep);
  if (copy) copy->begin(*rep);
  OrderedSpool spool(inputs_.size(), [&](std::string_view bytes) { writer.write(bytes); });
  // The copy gets a spool of its own (and its own memory budget): a tee in
  // front of one spool would format every detection twice under its lock.
  std::unique_ptr<OrderedSpool> copy_spool;
  if (copy) copy_spool = std::make_unique<OrderedSpool>(inputs_.size(), [&](std::string_view b) { copy->write(b); });
  std::vector<InputHunt> results(inputs_.size());
  std::mutex tally_mu;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    hunt::HuntTally mine(options_.keep_iocs);
    std::string chunk, copy_chunk;
    for (size_t k; (k = next.fetch_add(1)) < work.size();) {
      const size_t i = work[k];
      auto flush = [&] {
        spool.append(i, chunk);
        chunk.clear();
        if (copy) copy_spool->append(i, copy_chunk);
        copy_chunk.clear();
      };
      auto take = [&](hunt::Detection&& d) {
        mine.add(d);
        writer.format_to(d, &chunk);
        if (copy) copy->format_to(d, &copy_chunk);
        if (chunk.size() + copy_chunk.size() >= (64u << 10)) flush();
      };
      results[i] = hunt_input(inputs_[i].path, options_.input, take);
      flush();
      spool.close(i);
      if (copy) copy_spool->close(i);
    }
    std::lock_guard<std::mutex> l(tally_mu);
    tally_.merge(mine);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(options_.walk.threads, inputs_.size()); ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  output_lost_ = spool.lost_bytes() > 0;
  output_error_ = spool.error();
  copy_lost_ = copy && copy_spool->lost_bytes();

  std::vector<hunt::HuntError> errors = std::move(walk_errors_);
  for (InputHunt& result : results) {
    for (CaptureHunt& c : result.captures) pcap::add_context_to_hunt_report(c.result, c.bytes, rep);
    for (const hunt::FileHunt& h : result.logs) {
      rep->stats.files++;
      rep->stats.bytes_read += h.bytes_in;
      rep->stats.bytes_text += h.bytes_text;
      rep->stats.lines += h.lines;
      if (!h.status.ok()) errors.push_back({h.file, h.status.error()});
    }
    for (hunt::HuntError& e : result.errors) errors.push_back(std::move(e));
  }
  for (hunt::HuntError& e : rep->errors) errors.push_back(std::move(e));
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  rep->errors = std::move(errors);
  rep->stats.errors = rep->errors.size();
  rep->stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  rep->finished = now_iso8601();
  writer.end(*rep, tally_);
  if (copy) copy->end(*rep, tally_);
}

}  // namespace l4s::ingest

// Correlates what `probe` sent with what the canary recorded: per target,
// which injection points called back, from where, after how long.
#pragma once

#include <string>
#include <vector>

#include "net/callback.h"
#include "net/callback_store.h"

namespace l4s::net {

struct PointResult {
  SentProbe probe;
  std::vector<Callback> callbacks;  // may be several: Log4j repeats the lookup once per nested lookup
};

struct TargetResult {
  std::string target;
  size_t sent = 0;    // injections sent
  size_t failed = 0;  // of which the request got no HTTP response
  std::vector<PointResult> hits;  // injection points with at least one callback, in send order
  std::vector<int> statuses;      // distinct HTTP statuses seen
};

// True when the callback carries the token: as its token (any case) or inside
// the name (DNS-label variants put it in a label, 45046 forms after a '#').
bool callback_matches(const Callback& cb, const std::string& token);

// Groups by target in first-seen order.
std::vector<TargetResult> correlate(const std::vector<SentProbe>& sent, const std::vector<Callback>& callbacks);

// Text report; says that no callback is not proof of safety.
std::string format_report_text(const std::vector<TargetResult>& results);
// One JSON object per hit plus one summary object per target, newline-terminated.
std::string format_report_jsonl(const std::vector<TargetResult>& results);

}  // namespace l4s::net

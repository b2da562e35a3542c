// Fuzzes the lookup evaluator on both call paths, with budgets small enough
// that every input finishes quickly, and checks the invariants callers rely on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hunt/evaluator.h"
#include "hunt/resolve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  l4s::hunt::EvalLimits limits;
  limits.max_steps = 1u << 20;
  limits.max_depth = 300;
  limits.max_text = 1u << 16;
  l4s::hunt::LookupEnvironment env;
  env.config_file = size % 2 == 0;
  for (auto path : {l4s::hunt::EvalPath::kSubstitute, l4s::hunt::EvalPath::kMessage}) {
    l4s::hunt::Evaluation e = l4s::hunt::evaluate_lookups(text, path, env, limits);
    if (e.jndi_calls.size() > limits.max_recorded_calls || e.jndi_calls.size() > e.jndi_call_count) abort();
    if (e.jndi_names.empty() != (e.jndi_call_count == 0)) abort();
    if (e.outcome != l4s::hunt::EvalOutcome::kCompleted && !e.output.empty()) abort();
    if (e.output.size() > limits.max_text) abort();
  }
  l4s::hunt::Resolution r = l4s::hunt::resolve(text, env, limits);
  if ((r.verdict >= l4s::hunt::Verdict::kReachesJndi214) != !r.targets.empty()) abort();
  return 0;
}

// The verdict on one candidate string: both Log4j call paths evaluated, the
// JNDI names they reach analysed as callbacks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/evaluator.h"
#include "hunt/jndi_name.h"

namespace l4s::hunt {

enum class Verdict {
  kInert,             // Log4j would not call JNDI and would not fail
  kDosOnly,           // no JNDI call, but recursion (CVE-2021-45105 family) or our work budget ran out
  kReachesJndi214,    // Log4j 2.14.1 calls JNDI with at least one name
  kPasses215Checks,   // ... and 2.15.0's JndiManager would let an LDAP lookup through
};

// "inert", "dos_only", "reaches_jndi_2.14", "passes_2.15_checks".
std::string_view verdict_name(Verdict verdict);

struct Resolution {
  Verdict verdict = Verdict::kInert;
  std::vector<JndiTarget> targets;       // distinct names from both paths, substitute path first
  std::vector<std::string> exfiltrated;  // distinct, both paths
  uint32_t techniques = 0;               // Technique bits, both paths
  // What the application would log: the %m path's output when it completed,
  // else the substitute path's, else empty.
  std::string resolved;
  EvalOutcome substitute_outcome = EvalOutcome::kCompleted;
  EvalOutcome message_outcome = EvalOutcome::kCompleted;
  uint64_t jndi_calls = 0;  // on the %m path (the number of lookups one logged line triggers)
};

Resolution resolve(std::string_view text, const LookupEnvironment& env = {}, const EvalLimits& limits = {});

}  // namespace l4s::hunt

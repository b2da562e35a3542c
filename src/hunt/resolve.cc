#include "hunt/resolve.h"

#include <algorithm>

namespace l4s::hunt {
namespace {

bool is_dos(EvalOutcome o) {
  return o == EvalOutcome::kInfiniteLoop || o == EvalOutcome::kStackOverflow || o == EvalOutcome::kBudgetExceeded;
}

void add_distinct(const std::vector<std::string>& from, std::vector<std::string>* to) {
  for (const std::string& s : from) {
    if (std::find(to->begin(), to->end(), s) == to->end()) to->push_back(s);
  }
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kInert: return "inert";
    case Verdict::kDosOnly: return "dos_only";
    case Verdict::kReachesJndi214: return "reaches_jndi_2.14";
    case Verdict::kPasses215Checks: return "passes_2.15_checks";
  }
  return "inert";
}

Resolution resolve(std::string_view text, const LookupEnvironment& env, const EvalLimits& limits) {
  // Text before the first lookup (and the '$' escapes right before it) is
  // literal on both paths: only the rest is evaluated, then put back.
  size_t start = text.find("${");
  if (start == std::string_view::npos) start = text.size();
  while (start > 0 && text[start - 1] == '$') --start;
  std::string_view prefix = text.substr(0, start);
  Evaluation subst, message;
  evaluate_both_paths_in(text, start, env, limits, &subst, &message);
  if (subst.outcome == EvalOutcome::kCompleted) subst.output.insert(0, prefix);
  if (message.outcome == EvalOutcome::kCompleted) message.output.insert(0, prefix);

  Resolution r;
  r.substitute_outcome = subst.outcome;
  r.message_outcome = message.outcome;
  r.techniques = subst.techniques | message.techniques;
  if (subst.jndi_call_count == 0 && message.jndi_call_count > 0) r.techniques |= kTechMessageRescan;
  r.jndi_calls = message.jndi_call_count;
  if (message.outcome == EvalOutcome::kCompleted) {
    r.resolved = std::move(message.output);
  } else if (subst.outcome == EvalOutcome::kCompleted) {
    r.resolved = std::move(subst.output);
  }

  std::vector<std::string> names;
  add_distinct(subst.jndi_names, &names);
  add_distinct(message.jndi_names, &names);
  add_distinct(subst.exfiltrated, &r.exfiltrated);
  add_distinct(message.exfiltrated, &r.exfiltrated);
  std::string_view host_name;
  if (auto it = env.properties.find("hostName"); it != env.properties.end()) host_name = it->second;
  for (const std::string& name : names) r.targets.push_back(analyze_jndi_name(name, host_name));

  if (!r.targets.empty()) {
    bool passes = std::any_of(r.targets.begin(), r.targets.end(), [](const JndiTarget& t) { return t.passes_2_15; });
    r.verdict = passes ? Verdict::kPasses215Checks : Verdict::kReachesJndi214;
  } else if (is_dos(subst.outcome) || is_dos(message.outcome)) {
    r.verdict = Verdict::kDosOnly;
  }
  return r;
}

}  // namespace l4s::hunt

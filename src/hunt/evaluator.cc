#include "hunt/evaluator.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "hunt/java_case.h"
#include "hunt/java_date.h"

namespace l4s::hunt {
namespace {

constexpr std::string_view kJndiContainerPrefix = "java:comp/env/";

// One lookup that reads the victim's environment, remembered so that a JNDI
// lookup can report which of them fed its name.
struct DataLookup {
  std::string label;  // "env:AWS_SECRET_ACCESS_KEY", "hostName", ...
  bool flows;         // its value (or, when absent, its literal text) stays in the result
};

// What Interpolator.lookup did, beyond the value.
struct LookupInfo {
  bool data = false;  // read the victim's environment
  std::string label;
};

class Evaluator {
 public:
  Evaluator(std::string_view message, const LookupEnvironment& env, const EvalLimits& limits,
            Evaluation* result)
      : message_(message), env_(env), limits_(limits), result_(result) {}

  bool failed() const { return result_->outcome != EvalOutcome::kCompleted; }
  uint64_t steps() const { return steps_; }

  // The substitute path's run over the same text, which the message path's
  // first re-substitution repeats exactly (same text, fresh result, depth 0;
  // only the budget already spent differs): taken over when it fits in what
  // is left of the budget, since then no budget check could have failed.
  void take_first_replace_from(const Evaluation* substituted, uint64_t steps) {
    memo_ = substituted;
    memo_steps_ = steps;
  }

  // StrSubstitutor.replace(event, source).
  std::string replace(std::string source) {
    substitute(&source, 0, source.size(), nullptr);
    return source;
  }

  // MessagePatternConverter.format, 2.14.1: `for (i = 0; i < len - 1; i++)
  // if (buf[i] == '$' && buf[i+1] == '{') buf = subst.replace(event, buf);`.
  // `i` counts UTF-16 units of the *current* text, so after a replacement it
  // lands wherever that unit index falls in the new text.
  std::string message_path(std::string text) {
    std::vector<size_t> units;  // byte offset of each UTF-16 unit; npos for low surrogates
    index_units(text, &units);
    // Replace() is a pure function of its input: when a pass leaves the text
    // unchanged, every later pass over it repeats the same JNDI calls without
    // changing anything, so we replay the calls instead of recomputing.
    bool stable = false;
    std::vector<std::string> stable_calls;
    for (size_t i = 0; i + 1 < units.size(); ++i) {
      if (!spend(1)) return text;
      size_t b = units[i];
      if (b == std::string::npos || text[b] != '$' || units[i + 1] == std::string::npos ||
          text[units[i + 1]] != '{') {
        continue;
      }
      if (stable) {
        for (const std::string& name : stable_calls) record_jndi_call(name);
        continue;
      }
      uint64_t calls_before = result_->jndi_call_count;
      size_t recorded_before = result_->jndi_calls.size();
      std::string next;
      if (memo_ != nullptr && steps_ + memo_steps_ <= limits_.max_steps) {
        *result_ = *memo_;
        result_->output.clear();
        steps_ += memo_steps_;
        if (!failed()) next = memo_->output;
      } else {
        next = replace(text);
      }
      memo_ = nullptr;  // later passes run on changed text and a non-empty result
      if (failed()) return text;
      if (next == text && result_->jndi_call_count - calls_before ==
                              result_->jndi_calls.size() - recorded_before) {
        stable = true;
        stable_calls.assign(result_->jndi_calls.begin() + recorded_before, result_->jndi_calls.end());
        continue;
      }
      if (next != text) {
        text = std::move(next);
        index_units(text, &units);
      }
    }
    return text;
  }

 private:
  void fail(EvalOutcome outcome) {
    if (!failed()) result_->outcome = outcome;
  }

  bool spend(uint64_t n) {
    steps_ += n;
    if (steps_ > limits_.max_steps) fail(EvalOutcome::kBudgetExceeded);
    return !failed();
  }

  static void index_units(const std::string& text, std::vector<size_t>* units) {
    units->clear();
    units->reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      uint32_t cp;
      int n = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : decode_utf8(text, i, &cp);
      if (n == 0) n = 1;
      units->push_back(i);
      if (n == 4) units->push_back(std::string::npos);
      i += n;
    }
  }

  static bool is_var_start(const std::string& buf, size_t pos, size_t end) {
    return pos + 2 <= end && buf[pos] == '$' && buf[pos + 1] == '{';
  }

  // StrSubstitutor.substitute(event, buf, offset, length, priorVariables).
  // Returns the change in length of buf[offset, offset + length).
  int64_t substitute(std::string* buf, size_t offset, size_t length, std::vector<std::string>* prior) {
    if (++depth_ > limits_.max_depth) {
      result_->techniques |= kTechRecursion;
      fail(EvalOutcome::kStackOverflow);
    }
    int64_t change_total = Scan(buf, offset, length, prior);
    --depth_;
    return change_total;
  }

  int64_t Scan(std::string* buf, size_t offset, size_t length, std::vector<std::string>* prior) {
    std::vector<std::string> own_prior;
    int64_t length_change = 0;
    size_t end = offset + length;
    size_t pos = offset;
    while (pos < end && !failed()) {
      // Only '$' can start a variable: skip to the next one.
      const void* dollar = std::memchr(buf->data() + pos, '$', end - pos);
      size_t next = dollar ? static_cast<const char*>(dollar) - buf->data() : end;
      if (!spend(next - pos + 1)) break;
      pos = next;
      if (!is_var_start(*buf, pos, end)) {
        ++pos;
        continue;
      }
      if (pos > offset && (*buf)[pos - 1] == '$') {
        // "$${": drop the escape; pos now indexes the '{', so this "${" stays literal.
        buf->erase(pos - 1, 1);
        --length_change;
        --end;
        result_->techniques |= kTechDollarEscape;
        continue;
      }
      // Find the matching '}', counting nested "${".
      size_t start = pos;
      pos += 2;
      int nested = 0;
      while (pos < end) {
        char c = (*buf)[pos];
        if (c == '$' && is_var_start(*buf, pos, end)) {
          ++nested;
          pos += 2;
          continue;
        }
        if (c != '}') {
          ++pos;
          continue;
        }
        if (nested > 0) {
          --nested;
          ++pos;
          continue;
        }
        break;
      }
      if (!spend(pos - start)) break;
      if (pos >= end) break;  // Unclosed: nothing after it is substituted.

      // The name is substituted first, on its own (fresh cycle list).
      std::string expr = buf->substr(start + 2, pos - start - 2);
      if (expr.find("${") != std::string::npos) result_->techniques |= kTechNestedLookup;
      size_t data_mark = data_lookups_.size();
      substitute_name(&expr);
      if (failed()) break;
      ++pos;
      size_t end_pos = pos;

      std::string name;
      std::optional<std::string> default_value;
      split_default(expr, &name, &default_value);

      if (prior == nullptr) {
        prior = &own_prior;
        own_prior.push_back(buf->substr(offset, length + length_change));
      }
      if (std::find(prior->begin(), prior->end(), name) != prior->end()) {
        result_->techniques |= kTechRecursion;
        fail(EvalOutcome::kInfiniteLoop);
        break;
      }
      prior->push_back(name);

      LookupInfo info;
      std::optional<std::string> value = lookup(name, data_mark, &info);
      if (failed()) break;
      if (info.data) data_lookups_.push_back({info.label, value.has_value() || !default_value});
      if (!value && default_value) {
        value = std::move(default_value);
        result_->techniques |= kTechDefaultValue;
      }
      if (value) {
        size_t var_len = value->size();
        if (!spend(buf->size() + var_len)) break;
        buf->replace(start, end_pos - start, *value);
        if (buf->size() > limits_.max_text) {
          fail(EvalOutcome::kBudgetExceeded);
          break;
        }
        int64_t change = substitute(buf, start, var_len, prior);
        if (failed()) break;
        change += static_cast<int64_t>(var_len) - static_cast<int64_t>(end_pos - start);
        pos += change;
        end += change;
        length_change += change;
      }
      prior->pop_back();
    }
    return length_change;
  }

  // Substitutes a variable's name. This is a pure function of the name (it
  // starts a fresh cycle list), so meeting the same name again while it is
  // still being substituted means Java recurses until its stack overflows
  // (e.g. `${${event:Message}}`): report that now instead of spending the
  // budget getting there.
  void substitute_name(std::string* expr) {
    size_t hash = std::hash<std::string>{}(*expr);
    for (const auto& [h, active] : active_names_) {
      if (h == hash && *active == *expr) {
        result_->techniques |= kTechRecursion;
        fail(EvalOutcome::kStackOverflow);
        return;
      }
    }
    const std::string entered = *expr;  // `expr` is substituted in place
    active_names_.emplace_back(hash, &entered);
    substitute(expr, 0, expr->size(), nullptr);
    active_names_.pop_back();
  }

  // The ":-" / ":\-" split of StrSubstitutor.substitute, including its quirks:
  // the first ":-" wins; after ":\-" the name keeps ":" + the rest, or, when a
  // later ":-" exists, ":" + the text between them (the '-' is lost).
  void split_default(const std::string& expr, std::string* name, std::optional<std::string>* dflt) {
    // Both delimiters start with ':': only those positions can match.
    for (size_t i = expr.find(':'); i != std::string::npos; i = expr.find(':', i + 1)) {
      if (i + 2 < expr.size() && expr[i + 1] == '\\' && expr[i + 2] == '-') {
        result_->techniques |= kTechEscapedDelimiter;
        std::string prefix = expr.substr(0, i) + ':';
        size_t j = expr.find(":-", i + 3);
        if (j == std::string::npos) {
          *name = prefix + expr.substr(i + 2);
        } else {
          *name = prefix + expr.substr(i + 3, j - i - 3);
          *dflt = expr.substr(j + 2);
        }
        return;
      }
      if (i + 1 < expr.size() && expr[i + 1] == '-') {
        name->assign(expr, 0, i);
        *dflt = expr.substr(i + 2);
        return;
      }
    }
    *name = expr;
  }

  // Interpolator.lookup(event, var).
  std::optional<std::string> lookup(std::string_view var, size_t data_mark, LookupInfo* info) {
    size_t colon = var.find(':');
    if (colon != std::string_view::npos) {
      std::string_view raw_prefix = var.substr(0, colon);
      std::string prefix = java_to_lower_case(raw_prefix);
      std::string_view key = var.substr(colon + 1);
      bool known = true;
      std::optional<std::string> value = prefix_lookup(prefix, raw_prefix, key, data_mark, info, &known);
      if (failed() || value) return value;
      if (!known) result_->techniques |= kTechUnknownPrefix;
      var = key;
    }
    auto it = env_.properties.find(var);
    if (it == env_.properties.end()) return std::nullopt;
    info->data = true;
    info->label = std::string(var);
    return it->second;
  }

  static std::optional<std::string> find(const StringMap& map, std::string_view key) {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }

  std::optional<std::string> prefix_lookup(const std::string& prefix, std::string_view raw_prefix,
                                          std::string_view key, size_t data_mark, LookupInfo* info,
                                          bool* known) {
    auto data = [&](std::optional<std::string> v) {
      result_->techniques |= kTechEnvironmentLookup;
      info->data = true;
      info->label = prefix + ':' + std::string(key);
      return v;
    };
    if (prefix == "jndi") {
      if (raw_prefix != "jndi") result_->techniques |= kTechPrefixCase;
      std::string name(key);
      if (!key.starts_with(kJndiContainerPrefix) && key.find(':') == std::string_view::npos) {
        name.insert(0, kJndiContainerPrefix);
      }
      record_exfiltration(data_mark);
      record_jndi_call(name);
      return std::nullopt;  // The recorder, like a failed lookup, returns nothing.
    }
    if (prefix == "lower" || prefix == "upper") {
      result_->techniques |= kTechCaseLookup;
      std::string v = prefix == "lower" ? java_to_lower_case(key) : java_to_upper_case(key);
      if (count_ascii_letters(v) > count_ascii_letters(key)) result_->techniques |= kTechUnicodeCase;
      return v;
    }
    if (prefix == "date") {
      result_->techniques |= kTechDateLookup;
      return java_date_lookup(key, env_.time_millis);
    }
    if (prefix == "env") return data(find(env_.environment, key));
    if (prefix == "sys") {
      if (key == "file.separator" || key == "path.separator" || key == "line.separator") {
        result_->techniques |= kTechSeparatorLookup;
        return find(env_.system_properties, key);
      }
      return data(find(env_.system_properties, key));
    }
    if (prefix == "java") {
      std::optional<std::string> v = find(env_.java, key);
      if (!v) fail(EvalOutcome::kLookupError);  // JavaLookup: IllegalArgumentException(key)
      return data(std::move(v));
    }
    if (prefix == "ctx") return data(find(env_.thread_context, key));
    if (prefix == "event" && env_.config_file) {
      result_->techniques |= kTechEventLookup;
      if (key == "Message") return data(std::string(message_));
      if (key == "Timestamp") return data(std::to_string(env_.time_millis));
      if (key == "Marker" || key == "Exception") return data(std::nullopt);
      return data(find(env_.event, key));
    }
    // Lookups of log4j-core 2.14.1 that read data we model as absent.
    static constexpr std::string_view kAbsent[] = {"main", "marker", "jvmrunargs", "log4j"};
    static constexpr std::string_view kAbsentPlugins[] = {"map", "sd", "bundle"};
    for (std::string_view p : kAbsent) {
      if (prefix == p) return data(std::nullopt);
    }
    if (env_.config_file) {
      for (std::string_view p : kAbsentPlugins) {
        if (prefix == p) return data(std::nullopt);
      }
    }
    *known = false;
    return std::nullopt;
  }

  static size_t count_ascii_letters(std::string_view s) {
    return std::count_if(s.begin(), s.end(), [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
  }

  void record_jndi_call(const std::string& name) {
    ++result_->jndi_call_count;
    if (result_->jndi_calls.size() < limits_.max_recorded_calls) result_->jndi_calls.push_back(name);
    auto& names = result_->jndi_names;
    if (names.size() < limits_.max_recorded_calls && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }

  // Environment lookups made while substituting this JNDI lookup's name, whose
  // value (or literal text, when absent) ended up in it.
  void record_exfiltration(size_t data_mark) {
    auto& out = result_->exfiltrated;
    for (size_t i = data_mark; i < data_lookups_.size(); ++i) {
      const DataLookup& d = data_lookups_[i];
      if (d.flows && out.size() < 64 && std::find(out.begin(), out.end(), d.label) == out.end()) {
        out.push_back(d.label);
      }
    }
  }

  const Evaluation* memo_ = nullptr;
  uint64_t memo_steps_ = 0;
  std::string_view message_;
  const LookupEnvironment& env_;
  const EvalLimits& limits_;
  Evaluation* result_;
  uint64_t steps_ = 0;
  uint32_t depth_ = 0;
  std::vector<DataLookup> data_lookups_;
  std::vector<std::pair<size_t, const std::string*>> active_names_;  // names being substituted
};

}  // namespace

std::vector<std::string> technique_names(uint32_t techniques) {
  static constexpr const char* kNames[] = {
      "nested_lookup", "default_value",  "escaped_delimiter", "unknown_prefix", "case_lookup",
      "unicode_case",  "date_lookup",    "prefix_case",       "dollar_escape",  "environment_lookup",
      "separator_lookup", "event_lookup", "recursion",        "message_rescan", "escaped_lookup",
      "unterminated_lookup", "needs_decoding"};
  std::vector<std::string> names;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (techniques & (1u << i)) names.emplace_back(kNames[i]);
  }
  return names;
}

Evaluation evaluate_lookups(std::string_view text, EvalPath path, const LookupEnvironment& env,
                           const EvalLimits& limits) {
  return evaluate_lookups_in(text, 0, path, env, limits);
}

Evaluation evaluate_lookups_in(std::string_view message, size_t tail_start, EvalPath path,
                               const LookupEnvironment& env, const EvalLimits& limits) {
  Evaluation result;
  if (message.size() > limits.max_text) {
    result.outcome = EvalOutcome::kBudgetExceeded;
    return result;
  }
  std::string_view text = message.substr(std::min(tail_start, message.size()));
  Evaluator evaluator(message, env, limits, &result);
  std::string out = path == EvalPath::kSubstitute ? evaluator.replace(std::string(text))
                                                  : evaluator.message_path(std::string(text));
  if (result.outcome == EvalOutcome::kCompleted) result.output = std::move(out);
  return result;
}

void evaluate_both_paths_in(std::string_view message, size_t tail_start, const LookupEnvironment& env,
                            const EvalLimits& limits, Evaluation* substitute, Evaluation* message_path) {
  *substitute = Evaluation{};
  *message_path = Evaluation{};
  if (message.size() > limits.max_text) {
    substitute->outcome = message_path->outcome = EvalOutcome::kBudgetExceeded;
    return;
  }
  std::string_view text = message.substr(std::min(tail_start, message.size()));
  Evaluator by_substitute(message, env, limits, substitute);
  std::string out = by_substitute.replace(std::string(text));
  if (substitute->outcome == EvalOutcome::kCompleted) substitute->output = std::move(out);

  Evaluator by_message(message, env, limits, message_path);
  by_message.take_first_replace_from(substitute, by_substitute.steps());
  out = by_message.message_path(std::string(text));
  if (message_path->outcome == EvalOutcome::kCompleted) message_path->output = std::move(out);
}

}  // namespace l4s::hunt

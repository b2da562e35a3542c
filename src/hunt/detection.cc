#include "hunt/detection.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "hunt/prefilter.h"

namespace l4s::hunt {
namespace {

struct Reading {
  Resolution resolution;
  std::vector<Layer> layers;
};

size_t remote_count(const Resolution& r) {
  return std::count_if(r.targets.begin(), r.targets.end(), [](const JndiTarget& t) { return t.remote; });
}

// Whether `a` is a better explanation of the line than `b`.
bool better(const Reading& a, const Reading& b) {
  if (a.resolution.verdict != b.resolution.verdict) return a.resolution.verdict > b.resolution.verdict;
  size_t ra = remote_count(a.resolution), rb = remote_count(b.resolution);
  if (ra != rb) return ra > rb;
  return a.layers.size() < b.layers.size();
}

Severity grade(const Resolution& r) {
  switch (r.verdict) {
    case Verdict::kPasses215Checks: return Severity::kCritical;
    case Verdict::kReachesJndi214: return remote_count(r) > 0 ? Severity::kHigh : Severity::kMedium;
    default: return Severity::kLow;
  }
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

// Whether every trigger in `line` is a plain placeholder `${NAME}` (NAME of
// letters, digits, '_', '.', '-'), as in Jenkins, Maven and shell logs. Such
// a line cannot reach JNDI: a name without ':' is a property lookup whose
// value (from `env.properties`, checked free of '$' by the caller) is
// literal, and no decoder can turn those characters into ':' or '$'. Lines
// full of placeholders then cost a scan instead of an evaluation.
bool only_plain_placeholders(std::string_view line) {
  for (size_t hit = find_trigger(line); hit != std::string_view::npos;) {
    if (hit + 1 >= line.size() || line[hit] != '$' || line[hit + 1] != '{') return false;
    size_t p = hit + 2;
    while (p < line.size() && (std::isalnum(static_cast<unsigned char>(line[p])) || line[p] == '_' ||
                               line[p] == '.' || line[p] == '-')) {
      ++p;
    }
    if (p == hit + 2 || p >= line.size() || line[p] != '}') return false;
    hit = find_trigger(line, p + 1);
  }
  return true;
}

bool properties_are_literal(const LookupEnvironment& env) {
  for (const auto& [name, value] : env.properties) {
    if (value.find('$') != std::string::npos) return false;
  }
  return true;
}

}  // namespace

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "low";
}

std::string decode_exploit_command(std::string_view path) {
  size_t last = path.rfind('/');
  if (last == std::string_view::npos || last == 0) return "";
  size_t prev = path.rfind('/', last - 1);
  std::string_view segment = path.substr(prev == std::string_view::npos ? 0 : prev + 1,
                                         last - (prev == std::string_view::npos ? 0 : prev + 1));
  std::string lower(segment);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower != "base64") return "";
  std::string token(path.substr(last + 1));
  token.erase(std::find_if(token.begin(), token.end(), [](char c) { return c == '?' || c == '#'; }), token.end());
  std::replace(token.begin(), token.end(), ' ', '+');  // '+' that a URL decoder turned into a space
  std::string command;
  if (token.empty() || !decode_base64(token, &command)) return "";
  for (unsigned char c : command) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "";
  }
  return command;
}

namespace {

// What an attacker meant, read generously: "$${" taken for "${", and
// lookups left open closed at the end. Sets the technique saying why Log4j
// itself does not run it; returns `text` unchanged when neither applies.
std::string read_as_meant(std::string_view text, uint32_t* why) {
  std::string out;
  out.reserve(text.size() + 8);
  int open = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$') {
      size_t run = i;
      while (run < text.size() && text[run] == '$') ++run;
      if (run < text.size() && text[run] == '{') {
        if (run - i > 1) *why |= kTechEscapedLookup;
        out += "${";
        ++open;
        i = run;
        continue;
      }
      out.append(text.substr(i, run - i));
      i = run - 1;
      continue;
    }
    if (text[i] == '}') {
      if (open > 0) --open;
      out += '}';
      continue;
    }
    // Up to the next '$' or '}' nothing changes: copied at once.
    size_t next = i + 1;
    while (next < text.size() && text[next] != '$' && text[next] != '}') ++next;
    out.append(text.substr(i, next - i));
    i = next - 1;
  }
  if (open > 0) {
    *why |= kTechUnterminatedLookup;
    out.append(static_cast<size_t>(std::min(open, 64)), '}');
  }
  return out;
}

// Text without "${" is inert to Log4j whatever else it holds: no need to run it.
bool has_lookup(std::string_view text) { return text.find("${") != std::string_view::npos; }

// Basic credentials need the scheme's name before them.
// (A plain loop: find_first_of calls memchr on its set for every byte.)
bool mentions_basic(std::string_view text) {
  for (size_t p = 0; p + 5 <= text.size(); ++p) {
    if ((text[p] | 0x20) == 'b' && (text[p + 1] | 0x20) == 'a' && (text[p + 2] | 0x20) == 's' &&
        (text[p + 3] | 0x20) == 'i' && (text[p + 4] | 0x20) == 'c')
      return true;
  }
  return false;
}

struct Candidate {
  Reading reading;
  size_t message = 0;
};

Detection make_detection(std::string_view raw, const std::vector<LogMessage>& messages, Candidate best) {
  Resolution& r = best.reading.resolution;
  Detection d;
  d.verdict = r.verdict;
  d.severity = grade(r);  // before r's targets move into d
  d.raw = std::string(raw.substr(0, Detection::kMaxRaw));
  d.field = messages[best.message].field;
  d.layers = std::move(best.reading.layers);
  d.resolved = std::move(r.resolved);
  d.jndi = std::move(r.targets);
  d.techniques = technique_names(r.techniques);
  d.exfiltrates = std::move(r.exfiltrated);
  for (const JndiTarget& t : d.jndi) {
    d.decoded_command = decode_exploit_command(t.path);
    if (!d.decoded_command.empty()) break;
  }
  return d;
}

}  // namespace

std::optional<Detection> examine_messages(std::string_view raw, const std::vector<LogMessage>& messages,
                                         const LookupEnvironment& env, const EvalLimits& limits) {
  // What Log4j ran: each value, after the layers decoded upstream of it.
  std::optional<Candidate> best;
  auto consider = [&](std::optional<Candidate>* slot, Reading reading, size_t message) {
    if (!*slot || better(reading, (*slot)->reading)) *slot = Candidate{std::move(reading), message};
  };
  // What Log4j logs for each value as it came (resolve is pure): an inert
  // detection quotes it, without evaluating the value a second time.
  std::vector<std::optional<std::string>> logged_resolved(messages.size());
  for (size_t m = 0; m < messages.size(); ++m) {
    const LogMessage& message = messages[m];
    if (!has_trigger(message.text)) continue;
    if (has_lookup(message.text)) {
      Resolution as_logged = resolve(message.text, env, limits);
      // Only an all-inert line gets that far.
      if (as_logged.verdict == Verdict::kInert) logged_resolved[m] = as_logged.resolved;
      consider(&best, Reading{std::move(as_logged), {}}, m);
    }
    LayerSet upstream = message.decoded_upstream;
    if (!mentions_basic(message.text)) upstream &= static_cast<LayerSet>(~layer_bit(Layer::kBasicAuth));
    if (upstream == kNoLayers) continue;
    for (DecodedText& variant : peel_layers(message.text, {}, upstream)) {
      if (has_lookup(variant.text))
        consider(&best, Reading{resolve(variant.text, env, limits), std::move(variant.layers)}, m);
    }
  }
  if (best && best->reading.resolution.verdict != Verdict::kInert) return make_detection(raw, messages, std::move(*best));

  // What the sender meant: every layer peeled, escapes and open lookups
  // forgiven. If that would have reached JNDI, the line is an attempt Log4j
  // left inert.
  std::optional<Candidate> meant;
  for (size_t m = 0; m < messages.size(); ++m) {
    const LogMessage& message = messages[m];
    if (!has_trigger(message.text)) continue;
    std::vector<DecodedText> variants = peel_layers(message.text);
    variants.insert(variants.begin(), DecodedText{message.text, {}});
    for (DecodedText& variant : variants) {
      uint32_t why = 0;
      std::vector<Layer> needed;
      for (Layer layer : variant.layers)
        if ((message.decoded_upstream & layer_bit(layer)) == 0) needed.push_back(layer);
      if (!needed.empty()) why |= kTechNeedsDecoding;
      std::string text = read_as_meant(variant.text, &why);
      if (why == 0 || !has_lookup(text)) continue;  // read exactly as Log4j read it, above; or no lookup
      Reading reading{resolve(text, env, limits), std::move(variant.layers)};
      if (reading.resolution.verdict == Verdict::kInert) continue;
      reading.resolution.techniques |= why;
      consider(&meant, std::move(reading), m);
    }
  }
  if (!meant) return std::nullopt;
  const size_t logged_at = meant->message;
  const std::string& logged = messages[logged_at].text;
  Detection d = make_detection(raw, messages, std::move(*meant));
  // The verdict is Log4j's, the names are the sender's.
  d.verdict = Verdict::kInert;
  d.severity = Severity::kLow;
  if (!has_lookup(logged)) {
    d.resolved = logged;
  } else if (logged_resolved[logged_at]) {
    d.resolved = std::move(*logged_resolved[logged_at]);
  } else {
    d.resolved = resolve(logged, env, limits).resolved;
  }
  return d;
}

std::optional<Detection> examine_line(std::string_view line, const LogFormatHints& hints,
                                     const LookupEnvironment& env, const EvalLimits& limits) {
  return examine_messages(line, split_log_line(line, hints), env, limits);
}

uint64_t scan_block(std::string_view block, uint64_t block_offset, uint64_t first_line,
                   const std::function<void(Detection&&)>& emit, const LookupEnvironment& env,
                   const EvalLimits& limits, const LogFormatHints& hints) {
  uint64_t line = first_line;
  size_t counted = 0;  // block[0, counted) has been counted into `line`
  const bool placeholders_inert = properties_are_literal(env);
  auto examine = [&](size_t from, size_t to, size_t line_start) {
    std::string_view text = block.substr(from, to - from);
    if (placeholders_inert && only_plain_placeholders(text)) return;
    if (std::optional<Detection> d = examine_line(text, hints, env, limits)) {
      d->line = line;
      d->offset = block_offset + line_start;
      emit(std::move(*d));
    }
  };
  for (size_t hit = find_trigger(block); hit != std::string_view::npos;) {
    size_t start = hit;
    while (start > 0 && block[start - 1] != '\n') --start;
    const void* nl = std::memchr(block.data() + hit, '\n', block.size() - hit);
    size_t end = nl ? static_cast<const char*>(nl) - block.data() : block.size();
    line += count_newlines(block.substr(counted, start - counted));
    counted = start;
    size_t text_end = end;
    if (text_end > start && block[text_end - 1] == '\r') --text_end;
    if (text_end - start <= kMaxExamined) {
      examine(start, text_end, start);
    } else {
      // A very long line: examine windows starting a little before each
      // trigger (base64 tokens begin before their trigger). Text before a
      // lookup is literal to Log4j, so a window resolves as the whole line
      // would unless one lookup is longer than the window.
      std::string_view line_text = block.substr(0, text_end);
      size_t prev_to = start;
      for (size_t h = hit; h != std::string_view::npos;) {
        size_t from = h;
        while (from > prev_to && h - from < kWindowContext && is_base64_char(block[from - 1])) --from;
        size_t to = std::min(text_end, from + kMaxExamined);
        examine(from, to, start);
        prev_to = to;
        h = to < text_end ? find_trigger(line_text, to) : std::string_view::npos;
      }
    }
    hit = end < block.size() ? find_trigger(block, end + 1) : std::string_view::npos;
  }
  uint64_t lines = (line - first_line) + count_newlines(block.substr(counted));
  if (!block.empty() && block.back() != '\n') ++lines;
  return lines;
}

}  // namespace l4s::hunt

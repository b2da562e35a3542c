#include "fleet/store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

namespace l4s::fleet {
namespace {

using nlohmann::json;

// Each migration is portable SQL (SQLite and PostgreSQL): TEXT, BIGINT,
// composite keys instead of engine-specific autoincrement.
const char* const kMigrations[] = {
    // 1: reports and what they hold.
    R"sql(
CREATE TABLE reports (
  hash TEXT PRIMARY KEY, kind TEXT NOT NULL, host TEXT NOT NULL,
  started TEXT, finished TEXT, report_time TEXT NOT NULL,
  source TEXT, imported TEXT NOT NULL, tool_version TEXT, roots TEXT,
  files BIGINT, errors BIGINT);
CREATE TABLE findings (
  report TEXT NOT NULL REFERENCES reports(hash) ON DELETE CASCADE, seq BIGINT NOT NULL,
  host TEXT NOT NULL, report_time TEXT NOT NULL, path TEXT, location TEXT NOT NULL,
  component TEXT, version TEXT, version_range TEXT, version_source TEXT, status TEXT NOT NULL,
  cves TEXT, mitigated_cves TEXT, severity TEXT, shaded_prefix TEXT, metadata_mismatch BIGINT,
  claimed_version TEXT, evidence TEXT,
  PRIMARY KEY (report, seq));
CREATE TABLE scan_errors (
  report TEXT NOT NULL REFERENCES reports(hash) ON DELETE CASCADE, seq BIGINT NOT NULL,
  host TEXT NOT NULL, location TEXT, error TEXT,
  PRIMARY KEY (report, seq));
CREATE TABLE detections (
  report TEXT NOT NULL REFERENCES reports(hash) ON DELETE CASCADE, seq BIGINT NOT NULL,
  host TEXT NOT NULL, file TEXT, line BIGINT, byte_offset BIGINT, ts TEXT, source_ip TEXT,
  raw TEXT, layers TEXT, resolved TEXT, jndi TEXT, techniques TEXT, exfiltrates TEXT,
  decoded_command TEXT, verdict TEXT, severity TEXT,
  PRIMARY KEY (report, seq));
CREATE TABLE callbacks (
  cb_key TEXT PRIMARY KEY, report TEXT NOT NULL REFERENCES reports(hash) ON DELETE CASCADE,
  cb_time TEXT, protocol TEXT, peer TEXT, listener TEXT, token TEXT, name TEXT, extras TEXT, detail TEXT);
CREATE TABLE probe_results (
  report TEXT NOT NULL REFERENCES reports(hash) ON DELETE CASCADE, seq BIGINT NOT NULL,
  prober TEXT, target TEXT, target_host TEXT, vulnerable BIGINT, sent BIGINT, hits BIGINT,
  points TEXT, first_callback TEXT,
  PRIMARY KEY (report, seq));
)sql",
    // 2: the lookups `status` and `report` make per host and over time.
    R"sql(
CREATE INDEX reports_by_host ON reports (host, report_time);
CREATE INDEX findings_by_host ON findings (host, location);
CREATE INDEX detections_by_host ON detections (host, ts);
CREATE INDEX callbacks_by_time ON callbacks (cb_time);
)sql",
    // 3: `fleet serve`: access tokens (the secret only as its hash) and the
    // record of every upload.
    R"sql(
CREATE TABLE tokens (
  name TEXT PRIMARY KEY, token_id TEXT NOT NULL UNIQUE, secret_sha256 TEXT NOT NULL,
  role TEXT NOT NULL, hosts TEXT NOT NULL, created TEXT NOT NULL, expires TEXT, revoked TEXT);
CREATE TABLE uploads (
  report TEXT NOT NULL, host TEXT NOT NULL, token TEXT NOT NULL, peer TEXT, received TEXT NOT NULL,
  outcome TEXT NOT NULL, bytes BIGINT);
CREATE INDEX uploads_by_host ON uploads (host, received);
)sql",
};

std::string to_json(const std::vector<std::string>& v) { return json(v).dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> from_json(const std::optional<std::string>& s) {
  std::vector<std::string> out;
  if (!s) return out;
  json j = json::parse(*s, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string s(const std::optional<std::string>& v) { return v ? *v : ""; }
// A double as int64, clamped (casting one out of range is undefined).
int64_t clamped(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// SQLite stores whatever a column is given: a value that is not a number
// reads as 0, one out of range is clamped.
int64_t n(const std::optional<std::string>& v) {
  if (!v || v->empty()) return 0;
  const char* begin = v->data();
  const char* end = begin + v->size();
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec == std::errc() && ptr == end) return out;
  char* stop = nullptr;
  const double d = std::strtod(begin, &stop);  // "1.5e+300", "99999999999999999999"
  return stop == begin ? 0 : clamped(d);
}

// The schema version, or an error when the store's table holds something else.
Result<int> version_of(const std::optional<std::string>& v) {
  if (!v) return 0;
  int out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size() || out < 0)
    return Error{"fleet store schema version is not a number: '" + v->substr(0, 40) + "'"};
  return out;
}

// A field of a stored JSON object; "" or 0 when absent or mistyped.
std::string text_field(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}
int64_t int_field(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->is_number_unsigned())
    return it->get<uint64_t>() > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(it->get<uint64_t>());
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) return clamped(it->get<double>());
  return 0;
}

// Strings stored must be valid UTF-8 for PostgreSQL; reports went through a
// JSON parser, so they are, except NUL which PostgreSQL refuses in TEXT.
std::string clean(const std::string& v) {
  if (v.find('\0') == std::string::npos) return v;
  std::string out = v;
  for (char& c : out)
    if (c == '\0') c = ' ';
  return out;
}

FindingStatus status_of(const std::string& v) {
  return v == "vulnerable" ? FindingStatus::kVulnerable : v == "mitigated" ? FindingStatus::kMitigated : FindingStatus::kSafe;
}
Severity severity_of_name(const std::string& v) {
  if (v == "critical") return Severity::kCritical;
  if (v == "high") return Severity::kHigh;
  if (v == "medium") return Severity::kMedium;
  if (v == "low") return Severity::kLow;
  return Severity::kNone;
}

}  // namespace

int latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

Result<std::unique_ptr<Store>> Store::open(const std::string& spec) {
  auto db = open_db(spec);
  if (!db.ok()) return Error{redact_spec(spec) + ": " + db.error()};
  std::unique_ptr<Store> store(new Store(std::move(*db)));
  if (Status st = store->migrate(); !st.ok()) return Error{redact_spec(spec) + ": " + st.error()};
  return store;
}

Status Store::migrate() {
  if (Status st = db_->exec("CREATE TABLE IF NOT EXISTS fleet_schema (version BIGINT PRIMARY KEY, applied TEXT NOT NULL)");
      !st.ok())
    return st;
  for (;;) {
    if (Status st = db_->exec(begin_sql()); !st.ok()) return st;
    if (db_->engine() == "postgresql") {
      // Two importers starting at once on a new server: one migrates, the other waits.
      if (Status st = db_->exec("SELECT pg_advisory_xact_lock(7214481)"); !st.ok()) {
        rollback();
        return st;
      }
    }
    auto rows = db_->query("SELECT MAX(version) FROM fleet_schema");
    if (!rows.ok()) {
      rollback();
      return Status::failure(rows.error());
    }
    Result<int> version = version_of((*rows)[0][0]);
    if (!version.ok()) {
      rollback();
      return Status::failure(version.error());
    }
    const int have = *version;
    if (have > latest_schema_version()) {
      rollback();
      return Status::failure("fleet store has schema version " + std::to_string(have) + ", newer than this build's " +
                             std::to_string(latest_schema_version()) + ": upgrade log4shield");
    }
    if (have == latest_schema_version()) return db_->exec("COMMIT");
    if (Status st = db_->exec(kMigrations[have]); !st.ok()) {
      rollback();
      return Status::failure("migration " + std::to_string(have + 1) + ": " + st.error());
    }
    auto ins = db_->query("INSERT INTO fleet_schema (version, applied) VALUES (?, ?)",
                          {have + 1, "migration " + std::to_string(have + 1)});
    if (!ins.ok()) {
      rollback();
      return Status::failure(ins.error());
    }
    if (Status st = db_->exec("COMMIT"); !st.ok()) return st;
  }
}

Result<int> Store::schema_version() {
  auto rows = db_->query("SELECT MAX(version) FROM fleet_schema");
  if (!rows.ok()) return Error{rows.error()};
  return version_of((*rows)[0][0]);
}

// A write transaction from the start: SQLite then waits (busy timeout) for
// another importer instead of failing when a read lock cannot be upgraded.
const char* Store::begin_sql() const { return db_->engine() == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN"; }

Status Store::begin() {
  Status st = db_->exec(begin_sql());
  in_batch_ = st.ok();
  return st;
}
Status Store::commit() {
  in_batch_ = false;
  return db_->exec("COMMIT");
}
void Store::rollback() {
  in_batch_ = false;
  (void)db_->exec("ROLLBACK");
}

Result<bool> Store::add(const Parsed& p) {
  if (in_batch_) return add_rows(p);
  if (Status st = db_->exec(begin_sql()); !st.ok()) return Error{st.error()};
  auto added = add_rows(p);
  if (!added.ok() || !*added) {
    (void)db_->exec("ROLLBACK");
    return added;
  }
  if (Status st = db_->exec("COMMIT"); !st.ok()) return Error{st.error()};
  return true;
}

Status Store::insert_rows(const char* head, size_t columns, const std::vector<Value>& values) {
  // Many rows per statement: one round trip to PostgreSQL per chunk instead of per row.
  constexpr size_t kRowsPerStatement = 64;
  const size_t rows = values.size() / columns;
  for (size_t first = 0; first < rows; first += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, rows - first);
    std::string tuple = "(";
    for (size_t c = 0; c < columns; ++c) tuple += c ? ", ?" : "?";
    tuple += ")";
    std::string sql = std::string(head) + " VALUES ";
    for (size_t i = 0; i < n; ++i) sql += (i ? ", " : "") + tuple;
    std::vector<Value> chunk(values.begin() + first * columns, values.begin() + (first + n) * columns);
    auto q = db_->query(sql, chunk);
    if (!q.ok()) return Status::failure(q.error());
  }
  return {};
}

Result<bool> Store::add_rows(const Parsed& p) {
  const ReportRow& r = p.report;
  auto ins = db_->query(
      "INSERT INTO reports (hash, kind, host, started, finished, report_time, source, imported, tool_version, roots, "
      "files, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING hash",
      {r.hash, r.kind, clean(r.host), Value::text_or_null(r.started), Value::text_or_null(r.finished), r.time,
       clean(r.source), r.imported, Value::text_or_null(r.tool_version), clean(to_json(r.roots)), r.files, r.errors});
  if (!ins.ok()) return Error{ins.error()};
  if (ins->empty()) return false;  // already imported
  int64_t seq = 0;
  std::vector<Value> values;
  for (const auto& row : p.findings) {
    const Finding& f = row.f;
    for (Value v : {Value(r.hash), Value(seq++), Value(clean(row.host)), Value(row.time), Value(clean(f.path)),
                    Value(clean(f.location)), Value(f.component), f.version ? Value(clean(*f.version)) : Value(),
                    Value::text_or_null(f.version_range), Value::text_or_null(f.version_source),
                    Value(to_string(f.status)), Value(to_json(f.cves)), Value(to_json(f.mitigated_cves)),
                    Value(to_string(f.severity)), Value::text_or_null(clean(f.shaded_prefix)),
                    Value(f.metadata_mismatch ? 1 : 0),
                    f.claimed_version ? Value(clean(*f.claimed_version)) : Value(), Value(clean(to_json(f.evidence)))})
      values.push_back(std::move(v));
  }
  if (Status st = insert_rows("INSERT INTO findings (report, seq, host, report_time, path, location, component, version, "
                              "version_range, version_source, status, cves, mitigated_cves, severity, shaded_prefix, "
                              "metadata_mismatch, claimed_version, evidence)",
                              18, values);
      !st.ok())
    return Error{st.error()};
  seq = 0;
  for (const auto& e : p.errors) {
    auto q = db_->query("INSERT INTO scan_errors (report, seq, host, location, error) VALUES (?, ?, ?, ?, ?)",
                        {r.hash, seq++, clean(e.host), clean(e.location), clean(e.error)});
    if (!q.ok()) return Error{q.error()};
  }
  seq = 0;
  for (const auto& d : p.detections) {
    json jndi = json::array();
    for (const auto& t : d.jndi)
      jndi.push_back({{"name", t.name}, {"scheme", t.scheme}, {"host", t.host}, {"port", t.port}, {"path", t.path},
                      {"remote", t.remote}});
    auto q = db_->query(
        "INSERT INTO detections (report, seq, host, file, line, byte_offset, ts, source_ip, raw, layers, resolved, jndi, "
        "techniques, exfiltrates, decoded_command, verdict, severity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?)",
        {r.hash, seq++, clean(d.host), clean(d.file), d.line, d.offset, Value::text_or_null(d.timestamp),
         Value::text_or_null(d.source_ip), clean(d.raw), to_json(d.layers), clean(d.resolved),
         clean(jndi.dump(-1, ' ', false, json::error_handler_t::replace)), to_json(d.techniques),
         clean(to_json(d.exfiltrates)), Value::text_or_null(clean(d.decoded_command)), d.verdict, d.severity});
    if (!q.ok()) return Error{q.error()};
  }
  for (const auto& c : p.callbacks) {
    auto q = db_->query(
        "INSERT INTO callbacks (cb_key, report, cb_time, protocol, peer, listener, token, name, extras, detail) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cb_key) DO NOTHING",
        {c.key, r.hash, c.time, c.protocol, clean(c.peer), clean(c.listener), clean(c.token), clean(c.name),
         clean(to_json(c.extras)), clean(c.detail)});
    if (!q.ok()) return Error{q.error()};
  }
  seq = 0;
  for (const auto& pr : p.probes) {
    auto q = db_->query(
        "INSERT INTO probe_results (report, seq, prober, target, target_host, vulnerable, sent, hits, points, "
        "first_callback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {r.hash, seq++, clean(pr.prober), clean(pr.target), clean(pr.target_host), pr.vulnerable ? 1 : 0, pr.sent,
         pr.hits, clean(to_json(pr.points)), Value::text_or_null(pr.first_callback)});
    if (!q.ok()) return Error{q.error()};
  }
  return true;
}

Result<Fleet> Store::load(bool with_evidence) {
  Fleet fleet;
  auto reports = db_->query(
      "SELECT hash, kind, host, started, finished, report_time, source, imported, tool_version, roots, files, errors "
      "FROM reports ORDER BY host, report_time, hash");
  if (!reports.ok()) return Error{reports.error()};
  for (const Row& x : *reports)
    fleet.reports.push_back({s(x[0]), s(x[1]), s(x[2]), s(x[3]), s(x[4]), s(x[5]), s(x[6]), s(x[7]), s(x[8]),
                             from_json(x[9]), n(x[10]), n(x[11])});
  auto findings = db_->query(
      "SELECT report, host, report_time, path, location, component, version, version_range, version_source, status, "
      "cves, mitigated_cves, severity, shaded_prefix, metadata_mismatch, claimed_version, " +
      std::string(with_evidence ? "evidence" : "NULL") +
      ", CASE WHEN evidence LIKE '%\"fixed by log4shield%' THEN 1 ELSE 0 END "
      "FROM findings ORDER BY host, report_time, report, seq");
  if (!findings.ok()) return Error{findings.error()};
  for (const Row& x : *findings) {
    FindingRow row{s(x[0]), s(x[1]), s(x[2]), {}};
    Finding& f = row.f;
    f.path = s(x[3]);
    f.location = s(x[4]);
    f.component = s(x[5]);
    if (x[6]) f.version = *x[6];
    f.version_range = s(x[7]);
    f.version_source = s(x[8]);
    f.status = status_of(s(x[9]));
    f.cves = from_json(x[10]);
    f.mitigated_cves = from_json(x[11]);
    f.severity = severity_of_name(s(x[12]));
    f.shaded_prefix = s(x[13]);
    f.metadata_mismatch = n(x[14]) != 0;
    if (x[15]) f.claimed_version = *x[15];
    f.evidence = from_json(x[16]);
    row.fixed_by_tool = n(x[17]) != 0;
    fleet.findings.push_back(std::move(row));
  }
  auto errors = db_->query("SELECT report, host, location, error FROM scan_errors ORDER BY host, report, seq");
  if (!errors.ok()) return Error{errors.error()};
  for (const Row& x : *errors) fleet.errors.push_back({s(x[0]), s(x[1]), s(x[2]), s(x[3])});
  auto detections = db_->query(
      "SELECT report, host, file, line, byte_offset, ts, source_ip, raw, layers, resolved, jndi, techniques, "
      "exfiltrates, decoded_command, verdict, severity FROM detections ORDER BY host, ts, report, seq");
  if (!detections.ok()) return Error{detections.error()};
  for (const Row& x : *detections) {
    DetectionRow d;
    d.report = s(x[0]);
    d.host = s(x[1]);
    d.file = s(x[2]);
    d.line = n(x[3]);
    d.offset = n(x[4]);
    d.timestamp = s(x[5]);
    d.source_ip = s(x[6]);
    d.raw = s(x[7]);
    d.layers = from_json(x[8]);
    d.resolved = s(x[9]);
    json jndi = json::parse(s(x[10]), nullptr, false);
    if (jndi.is_array())
      for (const auto& t : jndi) {
        if (!t.is_object()) continue;
        auto remote = t.find("remote");
        d.jndi.push_back({text_field(t, "name"), text_field(t, "scheme"), text_field(t, "host"),
                          text_field(t, "path"), int_field(t, "port"),
                          remote == t.end() || !remote->is_boolean() || remote->get<bool>()});
      }
    d.techniques = from_json(x[11]);
    d.exfiltrates = from_json(x[12]);
    d.decoded_command = s(x[13]);
    d.verdict = s(x[14]);
    d.severity = s(x[15]);
    fleet.detections.push_back(std::move(d));
  }
  auto callbacks = db_->query(
      "SELECT cb_key, report, cb_time, protocol, peer, listener, token, name, extras, detail FROM callbacks "
      "ORDER BY cb_time, cb_key");
  if (!callbacks.ok()) return Error{callbacks.error()};
  for (const Row& x : *callbacks)
    fleet.callbacks.push_back(
        {s(x[0]), s(x[1]), s(x[2]), s(x[3]), s(x[4]), s(x[5]), s(x[6]), s(x[7]), s(x[9]), from_json(x[8])});
  auto probes = db_->query(
      "SELECT report, prober, target, target_host, vulnerable, sent, hits, points, first_callback FROM probe_results "
      "ORDER BY target, report, seq");
  if (!probes.ok()) return Error{probes.error()};
  for (const Row& x : *probes)
    fleet.probes.push_back({s(x[0]), s(x[1]), s(x[2]), s(x[3]), n(x[4]) != 0, n(x[5]), n(x[6]), from_json(x[7]), s(x[8])});
  return fleet;
}

}  // namespace l4s::fleet

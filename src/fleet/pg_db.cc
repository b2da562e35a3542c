// The PostgreSQL engine (libpq): text parameters, statements prepared once
// per connection, notices silenced.
#include <libpq-fe.h>

#include <map>

#include "fleet/db.h"

namespace l4s::fleet {
namespace {

void ignore_notice(void*, const char*) {}

class PgDb final : public Db {
 public:
  explicit PgDb(PGconn* c) : c_(c) {}
  ~PgDb() override { PQfinish(c_); }
  std::string engine() const override { return "postgresql"; }

  Status exec(std::string_view sql) override {
    PGresult* r = PQexec(c_, std::string(sql).c_str());
    ExecStatusType st = PQresultStatus(r);
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Status::failure("postgresql: " + msg);
    return {};
  }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params) override {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size());
      PGresult* r = PQprepare(c_, name.c_str(), to_dollar_placeholders(sql).c_str(), 0, nullptr);
      ExecStatusType st = PQresultStatus(r);
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      if (st != PGRES_COMMAND_OK) return Error{"postgresql: " + msg + " in: " + sql};
      it = prepared_.emplace(sql, name).first;
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].kind == Value::kNull) continue;
      text[i] = params[i].kind == Value::kInt ? std::to_string(params[i].i) : params[i].s;
      values[i] = text[i].c_str();
    }
    PGresult* r = PQexecPrepared(c_, it->second.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                                 nullptr, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      return Error{"postgresql: " + msg};
    }
    std::vector<Row> rows(PQntuples(r));
    const int cols = PQnfields(r);
    for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
      rows[i].resize(cols);
      for (int c = 0; c < cols; ++c)
        if (!PQgetisnull(r, i, c)) rows[i][c] = std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c));
    }
    PQclear(r);
    return rows;
  }

 private:
  PGconn* c_;
  std::map<std::string, std::string> prepared_;
};

}  // namespace

Result<std::unique_ptr<Db>> open_postgresql(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error{"postgresql: cannot connect: " + msg};
  }
  PQsetNoticeProcessor(c, ignore_notice, nullptr);
  auto db = std::make_unique<PgDb>(c);
  if (Status s = db->exec("SET client_encoding TO 'UTF8'; SET client_min_messages TO warning;"); !s.ok())
    return Error{s.error()};
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace l4s::fleet

#include "core/db/session.h"

#include <unistd.h>

#include <atomic>

namespace flint::db {

namespace {
std::atomic<int> statementTimeoutMs{0};
}  // namespace

std::vector<std::string> Session::setupStatements() {
  // Searches are prepared by shape (preparedText); planning one took longer than running it
  // (about 2-4 ms against 1), and PostgreSQL's own choice kept re-planning every execution.
  // No parallel workers: Flint's statements read a page or a batch, and starting a worker took
  // 20-30 ms where the whole statement needed 1 (a generic plan of an anchored _has at ten million
  // resources, which overestimated its anchor's rows and went parallel).
  std::vector<std::string> sql{"SET plan_cache_mode = force_generic_plan", "SET max_parallel_workers_per_gather = 0"};
  if (int ms = statementTimeoutMs.load(); ms > 0) sql.push_back("SET statement_timeout = " + std::to_string(ms));
  return sql;
}

Session::Session(const std::string& url) : url_(url), conn_(std::make_unique<pqxx::connection>(url)) {
  pqxx::nontransaction tx(*conn_);
  for (const auto& sql : setupStatements()) tx.exec(sql);
  // pg_stat_activity then tells which process a connection belongs to.
  tx.exec("SET application_name = 'flint " + std::to_string(::getpid()) + "'");
}

void Session::setStatementTimeout(int milliseconds) { statementTimeoutMs = milliseconds; }

const std::string& Session::prepared(const std::string& name, const std::function<std::string()>& sql) {
  auto it = prepared_.find(name);
  if (it != prepared_.end()) return *it;
  conn_->prepare(name, sql());
  return *prepared_.insert(name).first;
}

const std::string& Session::preparedIn(const std::string& schema, const char* name, const char* sqlTemplate) {
  return prepared(std::string(name) + "@" + schema, [&] { return expandSchema(sqlTemplate, quoteIdentifier(schema)); });
}

namespace {
// Search shapes a connection keeps prepared; each holds a parse tree and maybe a plan.
constexpr size_t kMaxTextStatements = 256;
}  // namespace

std::string Session::preparedText(const std::string& sql) {
  if (auto it = byText_.find(sql); it != byText_.end()) return it->second;
  if (textOrder_.size() >= kMaxTextStatements) {
    auto oldest = byText_.find(textOrder_.front());
    conn_->unprepare(oldest->second);
    byText_.erase(oldest);
    textOrder_.pop_front();
  }
  std::string name = "t" + std::to_string(nextTextStatement_++);
  conn_->prepare(name, sql);
  byText_.emplace(sql, name);
  textOrder_.push_back(sql);
  return name;
}

std::string expandSchema(const std::string& sqlTemplate, const std::string& quotedSchema) {
  std::string sql = sqlTemplate;
  for (size_t pos = 0; (pos = sql.find("{s}", pos)) != std::string::npos; pos += quotedSchema.size())
    sql.replace(pos, 3, quotedSchema);
  return sql;
}

Transaction::Transaction(Session& session) : session_(session) {
  if (session_.ambient_ != nullptr) return;
  own_ = std::make_unique<pqxx::work>(session.connection());
  session_.ambient_ = own_.get();
}

Transaction::~Transaction() {
  if (own_) session_.ambient_ = nullptr;
}

void Transaction::commit() {
  if (!own_) return;
  own_->commit();
  session_.ambient_ = nullptr;
}

std::string quoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace flint::db

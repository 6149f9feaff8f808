#include "developer/requests/request_store.h"

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

namespace flint::developer {
namespace {

std::optional<int64_t> epochOf(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

}  // namespace

void RequestStore::keepTerms(const std::string& sha256, const std::string& version, const std::string& text) {
  tx_.exec_params0("INSERT INTO flint.terms_of_use (sha256, version, text) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                   sha256, version, text);
}

long long RequestStore::insert(long long accountId, const std::string& accessModel, const json::Value& details,
                               const std::string& termsSha256, const std::string& domainToken) {
  return tx_
      .exec_params1("INSERT INTO flint.developer_requests (account_id, access_model, details, terms_sha256, domain_token)"
                    " VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING id",
                    accountId, accessModel, json::write(details), termsSha256, domainToken)[0]
      .as<long long>();
}

std::vector<RequestRow> RequestStore::select(const std::string& where, const std::string& key) {
  std::vector<RequestRow> out;
  for (const auto& r : tx_.exec_params(
           "SELECT q.id, q.account_id, a.email, q.status, q.access_model, q.details::text, t.version, q.domain_token,"
           " extract(epoch FROM q.received_at)::bigint, extract(epoch FROM q.verified_at)::bigint,"
           " extract(epoch FROM q.enabled_at)::bigint, extract(epoch FROM q.closed_at)::bigint, coalesce(q.client_id, ''),"
           " coalesce(q.sandbox_client_id, '')"
           " FROM flint.developer_requests q JOIN flint.developer_accounts a ON a.id = q.account_id"
           " JOIN flint.terms_of_use t ON t.sha256 = q.terms_sha256 WHERE " + where,
           key)) {
    RequestRow row;
    row.id = r[0].as<long long>();
    row.accountId = r[1].as<long long>();
    row.accountEmail = r[2].as<std::string>();
    row.status = r[3].as<std::string>();
    row.accessModel = r[4].as<std::string>();
    row.details = json::parse(r[5].as<std::string>());
    row.termsVersion = r[6].as<std::string>();
    row.domainToken = r[7].as<std::string>();
    row.receivedAt = r[8].as<int64_t>();
    row.verifiedAt = epochOf(r[9]);
    row.enabledAt = epochOf(r[10]);
    row.closedAt = epochOf(r[11]);
    row.clientId = r[12].as<std::string>();
    row.sandboxClientId = r[13].as<std::string>();
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<RequestRow> RequestStore::forAccount(long long accountId) {
  return select("q.account_id = $1::bigint ORDER BY q.id DESC", std::to_string(accountId));
}

std::optional<RequestRow> RequestStore::byId(long long id, bool forUpdate) {
  auto rows = select(forUpdate ? "q.id = $1::bigint FOR UPDATE OF q" : "q.id = $1::bigint", std::to_string(id));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<RequestRow> RequestStore::open() {
  return select("q.status IN ('received', 'verified') AND q.id > $1::bigint ORDER BY q.received_at, q.id", "0");
}

std::vector<RequestRow> RequestStore::enabled(const std::string& accessModel, bool locked) {
  return select(std::string("q.status = 'enabled' AND q.access_model = $1 ORDER BY q.id") + (locked ? " FOR SHARE OF q" : ""),
                accessModel);
}

void RequestStore::setStatus(long long id, const std::string& status) {
  const char* stamp = status == "verified" ? "verified_at" : status == "enabled" ? "enabled_at" : "closed_at";
  tx_.exec_params0(std::string("UPDATE flint.developer_requests SET status = $2, ") + stamp + " = now() WHERE id = $1", id,
                   status);
}

void RequestStore::setClientId(long long id, const std::string& clientId) {
  tx_.exec_params0("UPDATE flint.developer_requests SET client_id = $2 WHERE id = $1", id, clientId);
}

void RequestStore::decide(long long id, const std::string& decision, const std::string& actor, const std::string& reason,
                          const std::string& note) {
  tx_.exec_params0("INSERT INTO flint.developer_decisions (request_id, decision, actor, reason, note)"
                   " VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''))",
                   id, decision, actor, reason, note);
}

std::vector<DecisionRow> RequestStore::decisions(long long id) {
  std::vector<DecisionRow> out;
  for (const auto& r : tx_.exec_params("SELECT decision, actor, coalesce(reason, ''), coalesce(note, ''),"
                                       " extract(epoch FROM decided_at)::bigint FROM flint.developer_decisions"
                                       " WHERE request_id = $1 ORDER BY id",
                                       id))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                   r[4].as<int64_t>()});
  return out;
}

}  // namespace flint::developer

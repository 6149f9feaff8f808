#include "bulk_export/job_store.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/instances/replica_router.h"
#include "fhir_resources/storage/index_rows_sql.h"

namespace flint::bulk {
namespace {

constexpr const char* kColumns =
    "id, instance_id, client_id, scope, patient, request_url, level, coalesce(group_id, ''),"
    " array_to_string(coalesce(members, '{}'), ' '), array_to_string(types, ' '), since, transaction_time, state,"
    " attempt, type_index, after_id, file_seq, exported, coalesce(error, ''),"
    " (extract(epoch FROM expires_at) * 1000)::bigint, (extract(epoch FROM next_poll_at) * 1000)::bigint,"
    " array_to_json(type_filters)::text, array_to_string(elements, ' '), relevant_provenance,"
    " latest_provenance, array_to_json(errors)::text, read_lsn::text";

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

ExportLevel levelOf(const std::string& name) {
  if (name == "patient") return ExportLevel::Patient;
  if (name == "group") return ExportLevel::Group;
  return ExportLevel::System;
}

JobState stateOf(const std::string& name) {
  if (name == "running") return JobState::Running;
  if (name == "completed") return JobState::Completed;
  if (name == "failed") return JobState::Failed;
  return JobState::Queued;
}

template <typename T>
std::optional<T> optionalOf(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

ExportJob jobOf(const pqxx::row& r) {
  ExportJob j;
  j.id = r[0].as<std::string>();
  j.instanceId = r[1].as<long long>();
  j.clientId = r[2].as<std::string>();
  j.scope = optionalOf<std::string>(r[3]);
  j.patient = r[4].as<std::string>();
  j.requestUrl = r[5].as<std::string>();
  j.level = levelOf(r[6].as<std::string>());
  j.groupId = r[7].as<std::string>();
  j.members = words(r[8].as<std::string>());
  j.types = words(r[9].as<std::string>());
  j.since = optionalOf<int64_t>(r[10]);
  j.transactionTime = r[11].as<int64_t>();
  j.state = stateOf(r[12].as<std::string>());
  j.attempt = r[13].as<int>();
  j.typeIndex = r[14].as<int>();
  j.afterId = r[15].as<std::string>();
  j.fileSeq = r[16].as<int>();
  j.exported = r[17].as<int64_t>();
  j.error = r[18].as<std::string>();
  j.expiresAt = optionalOf<int64_t>(r[19]);
  j.nextPollAt = optionalOf<int64_t>(r[20]);
  j.typeFilters = nlohmann::json::parse(r[21].as<std::string>()).get<std::vector<std::string>>();
  j.elements = words(r[22].as<std::string>());
  j.provenance = r[24].as<bool>()   ? ProvenanceSelection::Latest
                 : r[23].as<bool>() ? ProvenanceSelection::Relevant
                                    : ProvenanceSelection::OfType;
  j.errors = nlohmann::json::parse(r[25].as<std::string>()).get<std::vector<std::string>>();
  j.readLsn = instances::parseLsn(r[26].as<std::string>()).value_or(0);
  return j;
}

}  // namespace

const char* stateName(JobState state) {
  switch (state) {
    case JobState::Queued:
      return "queued";
    case JobState::Running:
      return "running";
    case JobState::Completed:
      return "completed";
    case JobState::Failed:
      return "failed";
  }
  return "";
}

void JobStore::create(const ExportJob& job) {
  pqxx::nontransaction tx(session_.connection());
  tx.exec_params0(
      "INSERT INTO flint.export_jobs (id, instance_id, client_id, scope, patient, request_url, level, group_id,"
      " members, types, type_filters, elements, relevant_provenance, latest_provenance, since, transaction_time,"
      " errors, read_lsn)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''), $9::text[], $10::text[],"
      " ARRAY(SELECT json_array_elements_text($11::json)), $12::text[], $13, $14, $15, $16,"
      " ARRAY(SELECT json_array_elements_text($17::json)), $18::pg_lsn)",
      job.id, job.instanceId, job.clientId, job.scope, job.patient, job.requestUrl, levelName(job.level), job.groupId,
      fhir::pgTextArray(job.members), fhir::pgTextArray(job.types), nlohmann::json(job.typeFilters).dump(),
      fhir::pgTextArray(job.elements), job.provenance != ProvenanceSelection::OfType,
      job.provenance == ProvenanceSelection::Latest, job.since, job.transactionTime, nlohmann::json(job.errors).dump(),
      instances::formatLsn(job.readLsn));
}

int JobStore::activeCount(long long instanceId, const std::string& clientId) {
  pqxx::nontransaction tx(session_.connection());
  return tx
      .exec_params1("SELECT count(*) FROM flint.export_jobs WHERE instance_id = $1 AND client_id = $2"
                    " AND state IN ('queued', 'running')",
                    instanceId, clientId)[0]
      .as<int>();
}

std::vector<std::pair<std::string, int64_t>> JobStore::countByState() {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec(
      "SELECT s.state, count(j.id) FROM unnest(ARRAY['queued', 'running', 'completed', 'failed']) AS s(state)"
      " LEFT JOIN flint.export_jobs j ON j.state = s.state GROUP BY s.state ORDER BY s.state");
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& row : r) out.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
  return out;
}

std::optional<ExportJob> JobStore::find(long long instanceId, const std::string& jobId) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(std::string("SELECT ") + kColumns + " FROM flint.export_jobs WHERE id = $1 AND instance_id = $2",
                          jobId, instanceId);
  if (r.empty()) return std::nullopt;
  return jobOf(r[0]);
}

std::vector<ExportJob> JobStore::list(long long instanceId, int limit) {
  pqxx::nontransaction tx(session_.connection());
  std::vector<ExportJob> out;
  for (const auto& r : tx.exec_params(std::string("SELECT ") + kColumns +
                                          " FROM flint.export_jobs WHERE instance_id = $1"
                                          " ORDER BY transaction_time DESC, id LIMIT $2",
                                      instanceId, limit))
    out.push_back(jobOf(r));
  return out;
}

void JobStore::setNextPoll(const std::string& jobId, int64_t atMillis) {
  pqxx::nontransaction tx(session_.connection());
  tx.exec_params0("UPDATE flint.export_jobs SET next_poll_at = to_timestamp($2 / 1000.0) WHERE id = $1", jobId,
                  atMillis);
}

void JobStore::remove(long long instanceId, const std::string& jobId) {
  pqxx::nontransaction tx(session_.connection());
  tx.exec_params0("DELETE FROM flint.export_jobs WHERE id = $1 AND instance_id = $2", jobId, instanceId);
}

std::optional<ExportJob> JobStore::claim(int leaseSeconds) {
  pqxx::work tx(session_.connection());
  auto r = tx.exec_params(std::string(
                              "UPDATE flint.export_jobs SET state = 'running', attempt = attempt + 1,"
                              " lease_until = now() + make_interval(secs => $1)"
                              " WHERE id = (SELECT id FROM flint.export_jobs"
                              "  WHERE state = 'queued' OR (state = 'running' AND lease_until < now())"
                              "  ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
                              " RETURNING ") +
                              kColumns,
                          leaseSeconds);
  tx.commit();
  if (r.empty()) return std::nullopt;
  return jobOf(r[0]);
}

bool JobStore::extendLease(const ExportJob& job, int leaseSeconds) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(
      "UPDATE flint.export_jobs SET lease_until = now() + make_interval(secs => $3), type_index = $4, after_id = $5,"
      " file_seq = $6, exported = $7 WHERE id = $1 AND attempt = $2 AND state = 'running'",
      job.id, job.attempt, leaseSeconds, job.typeIndex, job.afterId, job.fileSeq, job.exported);
  return r.affected_rows() == 1;
}

void JobStore::release(const ExportJob& job) {
  pqxx::nontransaction tx(session_.connection());
  tx.exec_params0(
      "UPDATE flint.export_jobs SET state = 'queued', lease_until = NULL WHERE id = $1 AND attempt = $2"
      " AND state = 'running'",
      job.id, job.attempt);
}

bool JobStore::complete(ExportJob& job, int retentionSeconds) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(
      "UPDATE flint.export_jobs SET state = 'completed', completed_at = now(), lease_until = NULL,"
      " expires_at = now() + make_interval(secs => $3) WHERE id = $1 AND attempt = $2 AND state = 'running'",
      job.id, job.attempt, retentionSeconds);
  if (r.affected_rows() != 1) return false;
  job.state = JobState::Completed;
  return true;
}

bool JobStore::fail(ExportJob& job, const std::string& message) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(
      "UPDATE flint.export_jobs SET state = 'failed', error = $3, completed_at = now(), lease_until = NULL,"
      " expires_at = now() + interval '1 day' WHERE id = $1 AND attempt = $2 AND state = 'running'",
      job.id, job.attempt, message);
  if (r.affected_rows() != 1) return false;
  job.state = JobState::Failed;
  return true;
}

std::vector<std::pair<long long, std::string>> JobStore::expired() {
  pqxx::nontransaction tx(session_.connection());
  std::vector<std::pair<long long, std::string>> out;
  for (const auto& r : tx.exec("SELECT instance_id, id FROM flint.export_jobs WHERE expires_at < now() LIMIT 100"))
    out.emplace_back(r[0].as<long long>(), r[1].as<std::string>());
  return out;
}

std::optional<ExportJob> findOwnJob(JobStore& store, const instances::Instance& instance, const std::string& clientId,
                                    const std::string& jobId) {
  auto job = store.find(instance.id, jobId);
  if (!job || job->clientId != clientId) return std::nullopt;
  return job;
}

}  // namespace flint::bulk

#include "bulk_export/export_files.h"

#include <nlohmann/json.hpp>

#include "bulk_export/job_store.h"
#include "core/instances/data_routing.h"
#include "fhir_resources/storage/index_rows_sql.h"

namespace flint::bulk {

std::string ExportFiles::table(const char* name) const { return db::quoteIdentifier(instance_.schema) + "." + name; }

bool ExportFiles::take(ExportJob& job) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(
      "INSERT INTO " + table("export_progress") +
          " AS p (job_id, attempt, type_index, after_id, file_seq, exported) VALUES ($1, $2, $3, $4, $5, $6)"
          " ON CONFLICT (job_id) DO UPDATE SET attempt = excluded.attempt WHERE p.attempt < excluded.attempt"
          " RETURNING type_index, after_id, file_seq, exported",
      job.id, job.attempt, job.typeIndex, job.afterId, job.fileSeq, job.exported);
  if (r.empty()) return false;
  job.typeIndex = r[0][0].as<int>();
  job.afterId = r[0][1].as<std::string>();
  job.fileSeq = r[0][2].as<int>();
  job.exported = r[0][3].as<int64_t>();
  return true;
}

bool ExportFiles::appendChunk(ExportJob& job, const ExportFile& file, const std::vector<std::string>& ids,
                              int64_t bytes, const std::string& lastId, bool newFile) {
  const int64_t lines = static_cast<int64_t>(ids.size());
  const int fileSeq = newFile && lines > 0 ? job.fileSeq + 1 : job.fileSeq;
  // One statement, so a step costs one round trip: the fenced progress update, and only if it
  // matched, the file's totals and the chunk (placed after what the file held).
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params(
      "WITH fenced AS (UPDATE " + table("export_progress") + " SET after_id = $3, file_seq = $4,"
      " exported = exported + $5 WHERE job_id = $1 AND attempt = $2 RETURNING job_id),"
      " file AS (INSERT INTO " + table("export_files") +
      " AS f (job_id, seq, resource_type, deletions, lines, bytes)"
      " SELECT job_id, $4, $6, $9, $5, $7 FROM fenced WHERE $5 > 0"
      " ON CONFLICT (job_id, seq) DO UPDATE SET lines = f.lines + $5, bytes = f.bytes + $7"
      " RETURNING f.bytes - $7 AS offset),"
      " chunk AS (INSERT INTO " + table("export_chunks") +
      " (job_id, file_seq, chunk_no, byte_offset, bytes, ids)"
      " SELECT $1, $4, coalesce((SELECT max(chunk_no) + 1 FROM " + table("export_chunks") +
      " WHERE job_id = $1 AND file_seq = $4), 0), file.offset, $7, $8::text[] FROM file)"
      " SELECT count(*) FROM fenced",
      job.id, job.attempt, lastId, fileSeq, lines, file.type, bytes, fhir::pgTextArray(ids), file.deletions);
  if (r[0][0].as<int>() != 1) return false;
  job.fileSeq = fileSeq;
  job.afterId = lastId;
  job.exported += lines;
  return true;
}

bool ExportFiles::nextType(ExportJob& job) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params("UPDATE " + table("export_progress") +
                              " SET type_index = type_index + 1, after_id = '' WHERE job_id = $1 AND attempt = $2",
                          job.id, job.attempt);
  if (r.affected_rows() != 1) return false;
  ++job.typeIndex;
  job.afterId.clear();
  return true;
}

void ExportFiles::remove(const std::string& jobId) {
  pqxx::work tx(session_.connection());
  for (const char* name : {"export_chunks", "export_files", "export_references", "export_progress"})
    tx.exec_params0("DELETE FROM " + table(name) + " WHERE job_id = $1", jobId);
  tx.commit();
}

void ExportFiles::addReferences(const std::string& jobId,
                                const std::vector<std::pair<std::string, std::string>>& references) {
  if (references.empty()) return;
  std::vector<std::string> types, ids;
  for (const auto& [type, id] : references) {
    types.push_back(type);
    ids.push_back(id);
  }
  pqxx::nontransaction tx(session_.connection());
  tx.exec_params0("INSERT INTO " + table("export_references") +
                      " (job_id, resource_type, id) SELECT $1, t, i FROM unnest($2::text[], $3::text[]) AS u(t, i)"
                      " ON CONFLICT DO NOTHING",
                  jobId, fhir::pgTextArray(types), fhir::pgTextArray(ids));
}

std::vector<std::string> ExportFiles::references(const std::string& jobId, const std::string& type,
                                                 const std::string& afterId, int limit) {
  pqxx::nontransaction tx(session_.connection());
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params("SELECT id FROM " + table("export_references") +
                                          " WHERE job_id = $1 AND resource_type = $2 AND id > $3 ORDER BY id LIMIT $4",
                                      jobId, type, afterId, limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<ExportFile> ExportFiles::files(const std::string& jobId) {
  pqxx::nontransaction tx(session_.connection());
  std::vector<ExportFile> out;
  for (const auto& r : tx.exec_params("SELECT seq, resource_type, deletions, lines, bytes FROM " +
                                          table("export_files") + " WHERE job_id = $1 ORDER BY seq",
                                      jobId))
    out.push_back({r[0].as<int>(), r[1].as<std::string>(), r[2].as<bool>(), r[3].as<int64_t>(), r[4].as<int64_t>()});
  return out;
}

std::optional<FileChunk> ExportFiles::chunkAt(const std::string& jobId, int fileSeq, int64_t offset) {
  pqxx::nontransaction tx(session_.connection());
  auto r = tx.exec_params("SELECT chunk_no, byte_offset, bytes, array_to_json(ids)::text FROM " +
                              table("export_chunks") +
                              " WHERE job_id = $1 AND file_seq = $2 AND byte_offset <= $3"
                              " ORDER BY chunk_no DESC LIMIT 1",
                          jobId, fileSeq, offset);
  if (r.empty()) return std::nullopt;
  FileChunk chunk{r[0][0].as<int>(), r[0][1].as<int64_t>(), r[0][2].as<int64_t>(),
                  nlohmann::json::parse(r[0][3].as<std::string>()).get<std::vector<std::string>>()};
  if (offset >= chunk.offset + chunk.bytes) return std::nullopt;
  return chunk;
}

void removeExport(db::Session& control, const instances::Instance& instance, const std::string& jobId) {
  JobStore(control).remove(instance.id, jobId);
  ExportFiles(instances::primarySession(instance), instance).remove(jobId);
}

}  // namespace flint::bulk

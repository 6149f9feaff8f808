// Bulk Data export 2.0: the kick-off of an export at system, Patient or Group level, its status
// (progress, then the manifest), its files and its cancellation, over jobs that any server
// process runs (ExportRunner). Transport-free: the server turns these answers into HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "bulk_export/export_request.h"
#include "core/db/session.h"
#include "core/instances/instance.h"
#include "fhir_resources/rest/access.h"
#include "fhir_resources/rest/fhir_request.h"

namespace flint::bulk {

struct ExportSettings {
  int maxConcurrentPerClient = 2;          // more running exports of one client: 429
  int64_t maxFileBytes = 100 * 1024 * 1024;  // a type's output is split into files of at most this
  int retentionSeconds = 24 * 3600;        // completed exports' files are deleted after this
  int pollSeconds = 1;                     // Retry-After while running; faster polls get 429
};

// Who asks: a client of the instance with the access its token grants, or (open-access
// instance) anyone, unrestricted.
struct Caller {
  std::string clientId;              // empty: open-access instance
  std::optional<std::string> scope;  // granted scopes; none: unrestricted
  std::string patient;
  const fhir::Access& access;
};

// An answer: JSON (an OperationOutcome, or the manifest with contentType application/json).
struct ExportResponse {
  ExportResponse(int status, std::string body, std::string contentType = "application/fhir+json")
      : status(status), body(std::move(body)), contentType(std::move(contentType)) {}
  int status = 200;
  std::string body;
  std::string contentType = "application/fhir+json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string jobId;  // a kick-off's new job
  // What the audit trail records of it beyond the request: the level and types at kick-off, the
  // counts of a completed manifest.
  std::string auditDetail;
};

// A file to send: its NDJSON from `start` to `end` (exclusive), read piece by piece.
struct FileDownload {
  int64_t size = 0;
  int64_t start = 0;
  int64_t end = 0;
  bool partial = false;  // a Range request: 206 with Content-Range
  std::string auditDetail;  // the file's type and count, for the audit trail
  // Sets the next piece (at most one stored chunk); false once `end` is reached.
  std::function<bool(std::string&)> next;
};

// The name of a job's error file below its URL.
std::string errorFileName();

// `control`: a session on the control database (the jobs); the instance's data and files are
// read from its cluster.
class BulkExport {
 public:
  // `publicUrl`: the server's external base, for polling and file URLs.
  BulkExport(std::string publicUrl, ExportSettings settings) : publicUrl_(std::move(publicUrl)), settings_(settings) {}

  // [base]/$export, [base]/Patient/$export, [base]/Group/[id]/$export.
  ExportResponse kickOff(const instances::Instance& instance, db::Session& control, const Caller& caller,
                         const fhir::FhirRequest& req, ExportLevel level, const std::string& groupId);
  ExportResponse status(const instances::Instance& instance, db::Session& control, const std::string& clientId,
                        const std::string& jobId);
  ExportResponse cancel(const instances::Instance& instance, db::Session& control, const std::string& clientId,
                        const std::string& jobId);
  // A file of a completed export by its name below the job's URL ("3.ndjson", or the error
  // file); `range` is the Range header (empty: the whole file). An ExportResponse when there is
  // nothing to send (404, 416).
  std::variant<FileDownload, ExportResponse> download(const instances::Instance& instance, db::Session& control,
                                                      const std::string& clientId, const std::string& jobId,
                                                      const std::string& name, const std::string& range);

  const ExportSettings& settings() const { return settings_; }
  // {public}/{instance}/bulk/{job}: the polling URL; files are below it.
  std::string jobUrl(const instances::Instance& instance, const std::string& jobId) const;

 private:
  std::string publicUrl_;
  ExportSettings settings_;
};

}  // namespace flint::bulk

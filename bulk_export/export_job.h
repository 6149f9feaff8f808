// A Bulk Data export job as stored: what was asked, by whom, and how far it has got.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bulk_export/export_request.h"

namespace flint::bulk {

enum class JobState { Queued, Running, Completed, Failed };

struct ExportJob {
  std::string id;  // 128 random bits, hex: the polling URL's secret part
  long long instanceId = 0;
  std::string clientId;              // empty on an open-access instance
  std::optional<std::string> scope;  // the token's granted scopes; none: unrestricted (open access)
  std::string patient;               // the token's patient context, if any
  std::string requestUrl;
  ExportLevel level = ExportLevel::System;
  std::string groupId;
  // Group: the member patients resolved at kick-off; Patient or Group with the patient
  // parameter: those patients. Empty for a Patient export of every patient.
  std::vector<std::string> members;
  std::vector<std::string> types;  // exported in this order
  std::vector<std::string> typeFilters;  // _typeFilter searches, "Type?query"
  std::vector<std::string> elements;     // _elements, "name" or "Type.name"
  ProvenanceSelection provenance = ProvenanceSelection::OfType;
  // The error file: OperationOutcomes (JSON, one per line) of what the kick-off could not honour.
  std::vector<std::string> errors;
  std::optional<int64_t> since;
  int64_t transactionTime = 0;  // ms since the epoch
  JobState state = JobState::Queued;
  int attempt = 0;  // raised by every claim: a step commits only under the attempt that claimed it
  // Progress: the type being exported (past the last type, with _since: the deletions of type
  // typeIndex - types.size()), how far it got ("#" and the last resource number listed of a
  // type, or the last id of a supporting type or of deletions), the file being filled.
  int typeIndex = 0;
  std::string afterId;
  int fileSeq = 0;
  int64_t exported = 0;
  std::string error;
  std::optional<int64_t> expiresAt;   // ms; completed jobs
  std::optional<int64_t> nextPollAt;  // ms; earlier polls are answered 429
  // The primary's WAL position at kick-off: a replica that has replayed it may serve the reads.
  uint64_t readLsn = 0;
};

const char* stateName(JobState state);

struct ExportFile {
  int seq = 0;
  std::string type;
  bool deletions = false;  // the type's deletions since _since, as transaction Bundles
  int64_t lines = 0;
  int64_t bytes = 0;
};

// One stored piece of a file: the resources (by id, in order) whose NDJSON fills `bytes` bytes
// from byte `offset` of the file on.
struct FileChunk {
  int chunkNo = 0;
  int64_t offset = 0;
  int64_t bytes = 0;
  std::vector<std::string> ids;
};

}  // namespace flint::bulk

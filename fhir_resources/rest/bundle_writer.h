// Writes searchset and history Bundles as text, splicing in each resource's stored JSON as is
// (no parse, no re-serialisation per entry).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir_resources/storage/resource_repository.h"

namespace flint::fhir {

class BundleWriter {
 public:
  BundleWriter(std::string_view type, std::string baseUrl);

  void link(std::string_view relation, std::string_view url);
  void total(int64_t count) { total_ = count; }
  void matchEntry(const ResourceRow& row, std::string_view mode = "match");
  // An OperationOutcome entry with search.mode "outcome" (e.g. parameters that were ignored).
  void outcomeEntry(const std::string& operationOutcomeJson);
  void historyEntry(const ResourceRow& row);
  // A batch/transaction-response entry; empty arguments are left out.
  void responseEntry(const std::string& status, const std::string& location, const std::string& etag,
                     const std::string& lastModified, const std::string& resourceJson, const std::string& outcomeJson);
  std::string finish();

 private:
  void beginEntry();
  std::string baseUrl_;
  std::string links_;
  std::string entries_;
  std::string head_;
  std::optional<int64_t> total_;
};

}  // namespace flint::fhir

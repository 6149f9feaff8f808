// read and vread, with the conditional read headers If-None-Match and If-Modified-Since; and the
// same reads answered many at a time.
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/fhir_router.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/request_headers.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/search/search_access.h"
#include "fhir_resources/service/resource_service.h"

#include <charconv>

namespace flint::fhir {
namespace {

bool notModified(const FhirRequest& req, const ResourceRow& row) {
  if (!req.ifNoneMatch.empty()) return parseETagVersion(req.ifNoneMatch) == row.versionId;
  if (!req.ifModifiedSince.empty()) {
    auto since = parseHttpDate(req.ifModifiedSince);
    return since && row.lastUpdated / 1000 * 1000 <= *since;
  }
  return false;
}

FhirResponse respond(const FhirRequest& req, ResourceRow row) {
  FhirResponse response;
  addVersionHeaders(response, row);
  if (notModified(req, row)) {
    response.status = 304;
    return response;
  }
  response.body = std::move(row.content);
  return response;
}

// A version number as vread takes it: digits, at least 1.
std::optional<int64_t> versionNumber(const std::string& version) {
  int64_t versionId = 0;
  auto [ptr, ec] = std::from_chars(version.data(), version.data() + version.size(), versionId);
  if (ec != std::errc() || ptr != version.data() + version.size() || versionId < 1) return std::nullopt;
  return versionId;
}

}  // namespace

FhirResponse readInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id) {
  ResourceRepository repo(ctx.session, ctx.instance);
  return respond(req, ResourceService(repo, ctx.instance).read(type, id));
}

FhirResponse vreadInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id,
                              const std::string& version) {
  auto versionId = versionNumber(version);
  if (!versionId) throw FhirError(404, "not-found", type + "/" + id + " has no version '" + version + "'");
  ResourceRepository repo(ctx.session, ctx.instance);
  return respond(req, ResourceService(repo, ctx.instance).vread(type, id, *versionId));
}

std::optional<RowKey> plainRead(const FhirRequest& req, const Access& access) {
  const auto& s = req.segments;
  if (req.method != "GET" || s.size() != 2 || !Definitions::get().isResourceType(s[0]) || !isValidId(s[1]) ||
      !access.allows(s[0], kRead) || !visibleWhole(access, s[0], kRead))
    return std::nullopt;
  return RowKey{s[0], s[1], 0};
}

db::Statement plainReadsStatement(const instances::Instance& instance, const std::vector<RowKey>& keys) {
  return ResourceRepository::currentRowsStatement(instance, keys);
}

std::vector<FhirResponse> answerPlainReads(const db::StatementResult& result, const instances::Instance& instance,
                                           const std::vector<const FhirRequest*>& requests,
                                           const std::vector<RowKey>& keys) {
  std::vector<std::optional<ResourceRow>> rows;
  try {
    rows = ResourceRepository::currentRowsFrom(result, keys.size(), instance);
  } catch (const std::exception&) {
    return std::vector<FhirResponse>(keys.size(), failureResponse());
  }
  std::vector<FhirResponse> responses;
  responses.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    try {
      responses.push_back(respond(*requests[i], ResourceService::readable(keys[i], std::move(rows[i]))));
    } catch (const FhirError& e) {
      responses.push_back(errorResponse(e));
    }
  }
  return responses;
}

}  // namespace flint::fhir

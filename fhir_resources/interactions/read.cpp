// read and vread, with the conditional read headers If-None-Match and If-Modified-Since.
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/resource_response.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/request_headers.h"
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

FhirResponse respond(const FhirRequest& req, const ResourceRow& row) {
  if (notModified(req, row)) {
    FhirResponse response;
    response.status = 304;
    addVersionHeaders(response, row);
    return response;
  }
  FhirResponse response;
  addVersionHeaders(response, row);
  response.body = row.content;
  return response;
}

}  // namespace

FhirResponse readInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id) {
  ResourceRepository repo(ctx.session, ctx.instance);
  return respond(req, ResourceService(repo).read(type, id));
}

FhirResponse vreadInteraction(FhirContext& ctx, const FhirRequest& req, const std::string& type, const std::string& id,
                              const std::string& version) {
  int64_t versionId = 0;
  auto [ptr, ec] = std::from_chars(version.data(), version.data() + version.size(), versionId);
  if (ec != std::errc() || ptr != version.data() + version.size() || versionId < 1)
    throw FhirError(404, "not-found", type + "/" + id + " has no version '" + version + "'");
  ResourceRepository repo(ctx.session, ctx.instance);
  return respond(req, ResourceService(repo).vread(type, id, versionId));
}

}  // namespace flint::fhir

#include "fhir_resources/rest/fhir_router.h"

#include "core/db/session_pool.h"
#include "core/log/log.h"
#include "core/url/query_string.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/storage/stored_content.h"
#include "fhir_resources/search/search_access.h"

namespace flint::fhir {
namespace {

[[noreturn]] void methodNotAllowed(const FhirRequest& req) {
  throw FhirError(405, "not-supported", req.method + " is not supported on this path");
}

const std::string& resourceType(const std::string& type) {
  if (!Definitions::get().isResourceType(type))
    throw FhirError(404, "not-supported", "'" + type + "' is not a FHIR R4 resource type");
  return type;
}

const std::string& resourceId(const std::string& id) {
  if (!isValidId(id)) throw FhirError(400, "invalid", "'" + id + "' is not a valid FHIR id");
  return id;
}

// POST [type]/_search carries its parameters as a form body, after any in the URL.
FhirRequest withFormParams(const FhirRequest& req) {
  if (req.contentType != "application/x-www-form-urlencoded")
    throw FhirError(415, "not-supported", "POST _search needs an application/x-www-form-urlencoded body");
  auto form = url::parseQuery(req.body);
  if (!form) throw FhirError(400, "invalid", "the form body is malformed");
  FhirRequest merged = req;
  merged.params.insert(merged.params.end(), form->begin(), form->end());
  return merged;
}

}  // namespace

FhirResponse dispatchFhirRequest(FhirContext& ctx, const FhirRequest& req) {
  const auto& s = req.segments;
  const std::string& m = req.method;
  const Access& access = ctx.access;
  // Conditional interactions search before they write, so they need both permissions.
  auto require = [&](const std::string& type, Permission p, bool conditional = false) -> const std::string& {
    requirePermission(access, type, p);
    if (conditional) requirePermission(access, type, kSearch);
    return type;
  };
  // Reads under patient/ or granular scopes: only what those scopes cover.
  auto visible = [&](const std::string& type, const std::string& id) -> const std::string& {
    if (!visibleTo(ctx, type, id, kRead, req.baseUrl))
      throw FhirError(403, "forbidden", type + "/" + id + " is outside what the access token grants");
    return id;
  };
  // Type and system history cannot be narrowed: they need unrestricted search.
  auto requireHistory = [&](const std::string& type) -> const std::string& {
    require(type, kSearch);
    if (!access.compartmentPatient(type, kSearch).empty() || !access.referencingPatient(type, kSearch).empty() ||
        access.filter(type, kSearch))
      throw FhirError(403, "forbidden", "history across " + type + " needs a scope for the whole type");
    return type;
  };
  // $validate: checking a resource for a create, update or delete needs the permission to do it.
  auto validate = [&](const std::string& type, const std::string& id) {
    if (m != "POST") methodNotAllowed(req);
    std::string mode;
    for (const auto& [name, value] : req.params)
      if (name == "mode") mode = value;
    require(type, mode == "delete" ? kDelete : mode == "update" || !id.empty() ? kUpdate : kCreate);
    return validateInteraction(ctx, req, type, id);
  };
  switch (s.size()) {
    case 0:
      // Entries of a batch or transaction come back here one by one, each checked on its own;
      // a system search checks each of its _type.
      if (m == "POST") return bundleInteraction(ctx, req);
      if (m == "GET") return systemSearchInteraction(ctx, req);
      methodNotAllowed(req);
    case 1:
      if (s[0] == "_history") {
        if (m != "GET") methodNotAllowed(req);
        if (!access.allowsEveryType(kSearch))
          throw FhirError(403, "forbidden", "system history needs a scope to search every resource type");
        return historyInteraction(ctx, req, "", "");
      }
      resourceType(s[0]);
      if (m == "GET") return searchTypeInteraction(ctx, req, require(s[0], kSearch));
      if (m == "POST" && !req.ifNoneExist.empty())
        return conditionalCreateInteraction(ctx, req, require(s[0], kCreate, true));
      if (m == "POST") return createInteraction(ctx, req, require(s[0], kCreate));
      if (m == "PUT") return conditionalUpdateInteraction(ctx, req, require(s[0], kUpdate, true));
      if (m == "PATCH") return conditionalPatchInteraction(ctx, req, require(s[0], kUpdate, true));
      if (m == "DELETE") return conditionalDeleteInteraction(ctx, req, require(s[0], kDelete, true));
      methodNotAllowed(req);
    case 2:
      resourceType(s[0]);
      if (s[1] == "_search") {
        if (m != "POST") methodNotAllowed(req);
        return searchTypeInteraction(ctx, withFormParams(req), require(s[0], kSearch));
      }
      if (s[1] == "_history") {
        if (m != "GET") methodNotAllowed(req);
        return historyInteraction(ctx, req, requireHistory(s[0]), "");
      }
      if (s[1] == "$validate") return validate(s[0], "");
      if (m == "GET") return readInteraction(ctx, req, require(s[0], kRead), visible(s[0], resourceId(s[1])));
      if (m == "PUT") return updateInteraction(ctx, req, require(s[0], kUpdate), resourceId(s[1]));
      if (m == "PATCH") return patchInteraction(ctx, req, require(s[0], kUpdate), resourceId(s[1]));
      if (m == "DELETE") return deleteInteraction(ctx, req, require(s[0], kDelete), resourceId(s[1]));
      methodNotAllowed(req);
    case 3:
      if (s[2] == "$validate") return validate(resourceType(s[0]), visible(s[0], resourceId(s[1])));
      if (s[0] == "Patient" && s[2] == "$everything") {
        if (m != "GET") methodNotAllowed(req);
        return patientEverythingInteraction(ctx, req, resourceId(s[1]));
      }
      if (s[0] == "Patient" && s[2] != "_history") {
        if (m != "GET") methodNotAllowed(req);
        return searchTypeInteraction(ctx, req, require(resourceType(s[2]), kSearch), resourceId(s[1]));
      }
      if (s[2] != "_history") break;
      if (m != "GET") methodNotAllowed(req);
      return historyInteraction(ctx, req, require(resourceType(s[0]), kRead), visible(s[0], resourceId(s[1])));
    case 4:
      if (s[2] != "_history") break;
      if (m != "GET") methodNotAllowed(req);
      return vreadInteraction(ctx, req, require(resourceType(s[0]), kRead), visible(s[0], resourceId(s[1])), s[3]);
  }
  throw FhirError(404, "not-found", "no FHIR endpoint at this path");
}

FhirResponse errorResponse(const FhirError& error) {
  FhirResponse response;
  response.status = error.status();
  response.body = operationOutcome("error", error.issues());
  return response;
}

FhirResponse errorResponse(int status, const std::string& code, const std::string& diagnostics) {
  FhirResponse response;
  response.status = status;
  response.body = operationOutcome("error", code, diagnostics);
  return response;
}

FhirResponse databaseFailureResponse(const std::string& sqlState, const std::string& message) {
  if (sqlState.empty()) {
    auto r = errorResponse(503, "transient", "the database is unavailable; retry later");
    r.failure = "the database is unavailable";
    return r;
  }
  if (sqlState == "57014") {
    auto r = errorResponse(503, "timeout", "the request took too long and was cancelled");
    r.failure = "statement timeout";
    return r;
  }
  auto r = errorResponse(500, "exception", "internal server error");
  r.failure = "SQLSTATE " + sqlState + (message.empty() ? "" : ": " + message);
  return r;
}

FhirResponse failureResponse() {
  try {
    throw;
  } catch (const FhirError& e) {
    return errorResponse(e);
  } catch (const db::ConnectionsExhausted& e) {
    auto r = errorResponse(503, "transient", e.what());
    r.headers.emplace_back("Retry-After", "1");
    r.failure = e.what();
    return r;
  } catch (const ContentDictionaryUnknown& e) {
    auto r = errorResponse(503, "transient", e.what());
    r.headers.emplace_back("Retry-After", "1");
    r.failure = e.what();
    return r;
  } catch (const pqxx::broken_connection&) {
    return databaseFailureResponse("");
  } catch (const pqxx::sql_error& e) {
    return databaseFailureResponse(e.sqlstate(), log::redacted(e.what()));
  } catch (const std::exception& e) {
    auto r = errorResponse(500, "exception", "internal server error");
    r.failure = log::redacted(e.what());
    return r;
  }
}

FhirResponse routeFhirRequest(FhirContext& ctx, const FhirRequest& req) {
  try {
    return dispatchFhirRequest(ctx, req);
  } catch (const std::exception&) {
    return failureResponse();
  }
}

}  // namespace flint::fhir

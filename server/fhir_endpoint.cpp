// The FHIR API over HTTP: content negotiation (_format, Accept, _pretty), translation of the HTTP
// request into a FhirRequest for the instance, and of the FhirResponse back.
#include <algorithm>
#include <cctype>
#include <optional>

#include "core/instances/data_routing.h"
#include "core/db/session.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/rest/fhir_router.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {
namespace {

// A request that only reads: served by a replica when the cluster has one in bounds.
bool onlyReads(const fhir::FhirRequest& req) {
  if (req.method == "GET" || req.method == "HEAD") return true;
  return req.method == "POST" && !req.segments.empty() && req.segments.back() == "_search";
}

uint64_t lsnOf(const http::HttpRequest& request, const instances::Instance& instance) {
  return instances::writePositionFor(instance, request.header("x-flint-lsn"));
}

using http::mediaType;

enum class Format { FhirJson, PlainJson, NotAcceptable };

Format formatFromName(const std::string& name) {
  std::string n = mediaType(name);
  if (n == "json" || n == "application/fhir+json" || n == "application/json+fhir") return Format::FhirJson;
  if (n == "application/json") return Format::PlainJson;
  return Format::NotAcceptable;
}

// _format wins over Accept; among Accept's types the first JSON one decides.
Format negotiate(const http::HttpRequest& req) {
  if (auto format = req.queryParam("_format")) return formatFromName(*format);
  std::string_view accept = req.header("accept");
  if (accept.empty()) return Format::FhirJson;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string type = mediaType(accept.substr(0, comma));
    if (type == "*/*" || type == "application/*" || type == "application/fhir+json" ||
        type == "application/json+fhir")
      return Format::FhirJson;
    if (type == "application/json") return Format::PlainJson;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return Format::NotAcceptable;
}

std::string prettyPrinted(const std::string& body) {
  try {
    return json::write(json::parse(body), true);
  } catch (const json::ParseError&) {
    return body;
  }
}

fhir::FhirRequest fhirRequestFrom(const http::HttpRequest& request, const std::string& baseUrl) {
  fhir::FhirRequest req;
  req.method = request.method;
  req.segments.assign(request.segments.begin() + 2, request.segments.end());
  // A trailing slash ("Patient/") names the same resource as without it.
  if (!req.segments.empty() && req.segments.back().empty()) req.segments.pop_back();
  req.params = request.query;
  req.body = request.body;
  req.contentType = mediaType(request.header("content-type"));
  req.ifMatch = request.header("if-match");
  req.ifNoneMatch = request.header("if-none-match");
  req.ifModifiedSince = request.header("if-modified-since");
  req.ifNoneExist = request.header("if-none-exist");
  req.prefer = request.header("prefer");
  req.baseUrl = baseUrl;
  return req;
}

http::HttpResponse fhirHttpResponse(const http::HttpRequest& request, Format format, fhir::FhirResponse result) {
  http::HttpResponse response;
  response.status = result.status;
  response.headers = std::move(result.headers);
  if (!result.body.empty()) {
    response.contentType = format == Format::PlainJson ? "application/json;charset=utf-8" : kFhirJson;
    auto pretty = request.queryParam("_pretty");
    response.body = pretty && *pretty == "true" ? prettyPrinted(result.body) : std::move(result.body);
  }
  return response;
}

// The token's client, user and patient on `event`, and the launch context beside the patient: the
// note (encounter) an app was opened in.
void attribute(audit::AuditEvent& event, const auth::VerifiedToken* token) {
  if (!token) return;
  event.clientId = token->claims.clientId;
  event.userId = token->claims.userId;
  event.patientId = token->claims.patient;
  if (!token->claims.encounter.empty())
    event.detail = "encounter=" + token->claims.encounter + (event.detail.empty() ? "" : ";" + event.detail);
}

}  // namespace

const fhir::Access& App::unrestrictedAccess() {
  static const fhir::Access access = fhir::Access::unrestricted();
  return access;
}

// Who read or wrote what: the path (never the query's values, which may name a patient), the
// search's parameter names, the outcome, and the token's client, user and patient.
void App::auditAccess(const instances::Instance& instance, const fhir::FhirRequest& req, int status,
                      const auth::VerifiedToken* token) {
  auto event = audit::eventOf(instance);
  event.kind = "fhir";
  event.action = req.method + " " + (req.segments.empty() ? std::string("/") : req.segments.front());
  for (const auto& segment : req.segments) event.target += (event.target.empty() ? "" : "/") + segment;
  for (const auto& [name, value] : req.params) event.detail += (event.detail.empty() ? "" : ",") + name;
  event.outcome = status;
  attribute(event, token);
  audit_.record(std::move(event));
}

void App::auditEntry(const instances::Instance& instance, const fhir::EntryAccess& entry,
                     const auth::VerifiedToken* token) {
  auto event = audit::eventOf(instance);
  event.kind = "fhir";
  event.action = entry.method + " " + (entry.target.empty() ? "/" : entry.target.substr(0, entry.target.find('/')));
  event.target = entry.target;
  event.detail = "bundle entry";
  for (size_t i = 0; i < entry.paramNames.size(); ++i) event.detail += (i == 0 ? ";" : ",") + entry.paramNames[i];
  event.outcome = entry.status;
  attribute(event, token);
  audit_.record(std::move(event));
}

http::HttpResponse App::handleFhir(const http::HttpRequest& request, const instances::Instance& instance) {
  const auto& segments = request.segments;
  // Discovery is public and JSON whatever the Accept header says.
  if (segments.size() == 4 && segments[2] == ".well-known" && segments[3] == "smart-configuration") {
    if (request.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
    return toHttp(auth_.smartConfiguration(authUrls(instance)));
  }
  const Format format = negotiate(request);
  if (format == Format::NotAcceptable)
    return outcomeResponse(406, "not-supported", "only FHIR JSON (application/fhir+json) is served");

  const std::string baseUrl = config_.publicUrl + "/" + instance.name + "/fhir";
  fhir::FhirResponse result;
  if (request.segments.size() == 3 && request.segments[2] == "metadata") {
    if (request.method != "GET")
      return outcomeResponse(405, "not-supported", request.method + " is not supported on metadata");
    result.body = capabilityStatement(baseUrl, instance.openAccess ? "" : config_.publicUrl + "/" + instance.name + "/auth");
  } else {
    fhir::FhirRequest req = fhirRequestFrom(request, baseUrl);
    auto& session = instances::primarySession(instance);
    std::shared_ptr<const auth::VerifiedToken> token;
    // An open instance needs no token, but one presented is honoured: its caller gets exactly
    // what it grants (developers test their scope handling there), and a bad one is refused.
    std::string_view authorization = request.header("authorization");
    if (!instance.openAccess || !authorization.empty()) {
      try {
        token = auth_.verifyBearer(session, instance, authorization);
      } catch (const auth::AuthorizationUnavailable&) {
        auto r = outcomeResponse(503, "transient", "authorization cannot be checked right now; retry shortly");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
      if (!token) {
        auditAccess(instance, req, 401, nullptr);
        auto r = outcomeResponse(401, "login", "a valid access token is required (Authorization: Bearer ...)");
        // RFC 6750 §3: name the error only when a token was presented.
        r.headers.emplace_back("WWW-Authenticate", authorization.empty()
                                                       ? "Bearer realm=\"" + baseUrl + "\""
                                                       : "Bearer realm=\"" + baseUrl + "\", error=\"invalid_token\"");
        return r;
      }
    }
    if (auto kickOff = exportKickOffOf(req.segments)) {
      result = exportKickOff(instance, req, token.get(), kickOff->first, kickOff->second);
    } else {
      result = runFhir(request, instance, req, token ? token->access : unrestrictedAccess());
    }
    auditAccess(instance, req, result.status, token.get());
    for (const auto& entry : result.entries) auditEntry(instance, entry, token.get());
  }
  if (result.status >= 500) logError(request, result.status, result.failure);
  return fhirHttpResponse(request, format, std::move(result));
}

fhir::FhirResponse App::runFhir(const http::HttpRequest& request, const instances::Instance& instance,
                                const fhir::FhirRequest& req, const fhir::Access& access) {
  const bool read = onlyReads(req);
  if (read && !instance.replicaUrls.empty()) {
    const std::string url = replicas_.readUrlWaiting(instance, lsnOf(request, instance));
    if (url != instance.databaseUrl) {
      auto& replica = db::Session::forThisThread(url);
      fhir::FhirContext ctx{instance, replica, settings_, access};
      auto result = fhir::routeFhirRequest(ctx, req);
      if (result.status < 500) return result;
      // Down, or a query cancelled by replay (a conflict with recovery): the primary answers.
      if (!replica.connection().is_open()) replicas_.reportDown(url);
    }
  }
  auto& primary = instances::primarySession(instance);
  fhir::FhirContext ctx{instance, primary, settings_, access};
  auto result = fhir::routeFhirRequest(ctx, req);
  if (!read && result.status < 300 && !instance.replicaUrls.empty()) {
    // At or after the write's commit record: a replica that has replayed it shows the write.
    try {
      result.headers.emplace_back("X-Flint-LSN",
                                  instances::formatWritePosition(instance, instances::committedPosition(primary)));
    } catch (const pqxx::failure&) {
      // Written all the same; reads without the position go where they may.
    }
  }
  return result;
}

// Only the ordinary case: whatever could fail or needs more than the row (an unknown instance, a
// missing token, a patient-restricted scope) goes through handle(), which reports it.
std::optional<App::PlainRead> App::plainRead(const http::HttpRequest& request) {
  const auto& s = request.segments;
  if (s.size() < 4 || s[1] != "fhir") return std::nullopt;
  PlainRead read;
  // An instance not cached (or whose trail cannot be written: 503) is answered by a worker.
  read.instance = instances_.peek(s[0]);
  if (!read.instance || !audit_.accepting(*read.instance)) return std::nullopt;
  const Format format = negotiate(request);
  if (format == Format::NotAcceptable) return std::nullopt;
  read.plainJson = format == Format::PlainJson;
  read.req = fhirRequestFrom(request, config_.publicUrl + "/" + read.instance->name + "/fhir");
  if (!read.instance->openAccess || !request.header("authorization").empty()) {
    read.token = auth_.verifyBearerRemembered(*read.instance, request.header("authorization"));
    if (!read.token) return std::nullopt;
  }
  auto key = fhir::plainRead(read.req, read.token ? read.token->access : unrestrictedAccess());
  if (!key) return std::nullopt;
  read.key = std::move(*key);
  read.readUrl = replicas_.readUrl(*read.instance, lsnOf(request, *read.instance));
  return read;
}

std::optional<std::string> App::uncachedInstance(const http::HttpRequest& request) {
  const auto& s = request.segments;
  if (s.size() < 2 || s[1] != "fhir" || instances_.knows(s[0])) return std::nullopt;
  return s[0];
}

void App::lookUpInstance(const std::string& name) {
  try {
    instances_.find(name);
  } catch (const std::exception&) {
    // The reads that waited for it go to the workers, which answer the failure.
  }
}

http::HttpResponse App::answerPlainRead(const http::HttpRequest& request, const PlainRead& read,
                                        fhir::FhirResponse result) {
  auditAccess(*read.instance, read.req, result.status, read.token.get());
  if (result.status >= 500) logError(request, result.status, result.failure);
  auto response = fhirHttpResponse(request, read.plainJson ? Format::PlainJson : Format::FhirJson, std::move(result));
  allowAnyOrigin(response);
  return response;
}

}  // namespace flint::server

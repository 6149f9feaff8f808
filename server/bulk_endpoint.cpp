// Bulk Data export over HTTP: the kick-off (from the FHIR API, token already checked), and the
// polling, cancel and file URLs under {instance}/bulk/{job}, each only for the client that
// started the export.

#include "core/db/session.h"
#include "core/instances/data_routing.h"
#include "fhir_resources/rest/fhir_router.h"
#include "fhir_resources/rest/resource_id.h"
#include "server/app.h"
#include "server/http/gzip_stream.h"
#include "server/responses.h"

namespace flint::server {
namespace {

http::HttpResponse exportHttp(bulk::ExportResponse answer) {
  http::HttpResponse response;
  response.status = answer.status;
  response.headers = std::move(answer.headers);
  if (!answer.body.empty()) {
    response.body = std::move(answer.body);
    response.contentType = answer.contentType == "application/json" ? "application/json" : kFhirJson;
  }
  return response;
}

http::HttpResponse exportHttp(fhir::FhirResponse answer) {
  bulk::ExportResponse converted(answer.status, std::move(answer.body));
  converted.headers = std::move(answer.headers);
  return exportHttp(std::move(converted));
}

}  // namespace

std::optional<std::pair<bulk::ExportLevel, std::string>> App::exportKickOffOf(const std::vector<std::string>& s) {
  if (s.size() == 1 && s[0] == "$export") return std::make_pair(bulk::ExportLevel::System, std::string());
  if (s.size() == 2 && s[0] == "Patient" && s[1] == "$export") return std::make_pair(bulk::ExportLevel::Patient, std::string());
  if (s.size() == 3 && s[0] == "Group" && s[2] == "$export") return std::make_pair(bulk::ExportLevel::Group, s[1]);
  return std::nullopt;
}

fhir::FhirResponse App::exportKickOff(const instances::Instance& instance,
                                      const fhir::FhirRequest& req, const auth::VerifiedToken* token,
                                      bulk::ExportLevel level, const std::string& groupId) {
  try {
    if (req.method != "GET" && req.method != "POST")
      throw fhir::FhirError(405, "not-supported", "$export takes GET or POST");
    if (level == bulk::ExportLevel::Group && !fhir::isValidId(groupId))
      throw fhir::FhirError(400, "invalid", "'" + groupId + "' is not a valid FHIR id");
    const fhir::Access& access = token ? token->access : unrestrictedAccess();
    bulk::Caller caller{token ? token->claims.clientId : "",
                        token ? std::optional<std::string>(token->claims.scope) : std::nullopt,
                        token ? token->claims.patient : "", access};
    auto answer = bulk_.kickOff(instance, db::Session::forThisThread(config_.databaseUrl), caller, req, level, groupId);
    if (answer.status == 202) {
      exportRunner_->wake();
      auto event = audit::eventOf(instance);
      event.kind = "bulk";
      event.action = "kick-off";
      event.clientId = caller.clientId;
      event.target = "export/" + answer.jobId;
      event.detail = answer.auditDetail;
      event.outcome = 202;
      audit_.record(std::move(event));
    }
    return {answer.status, std::move(answer.body), std::move(answer.headers)};
  } catch (...) {
    return fhir::failureResponse();
  }
}

http::HttpResponse App::handleBulk(const http::HttpRequest& request, const instances::Instance& instance) {
  const auto& s = request.segments;
  if (s.size() < 3 || s.size() > 4) return outcomeResponse(404, "not-found", "nothing is served at this path");
  auto& control = db::Session::forThisThread(config_.databaseUrl);
  std::string clientId;
  if (!instance.openAccess || !request.header("authorization").empty()) {
    std::shared_ptr<const auth::VerifiedToken> token;
    try {
      token = auth_.verifyBearer(instances::primarySession(instance), instance, request.header("authorization"));
    } catch (const auth::AuthorizationUnavailable&) {
      auto r = outcomeResponse(503, "transient", "authorization cannot be checked right now; retry shortly");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    if (!token) {
      auto r = outcomeResponse(401, "login", "the access token of the client that started the export is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    clientId = token->claims.clientId;
  }
  const std::string& jobId = s[2];
  auto event = audit::eventOf(instance);
  event.kind = "bulk";
  event.clientId = clientId;
  event.target = "export/" + jobId;
  http::HttpResponse response;
  try {
    if (s.size() == 3 && request.method == "GET") {
      event.action = "status";
      auto answer = bulk_.status(instance, control, clientId, jobId);
      event.detail = answer.auditDetail;
      response = exportHttp(std::move(answer));
    } else if (s.size() == 3 && request.method == "DELETE") {
      event.action = "cancel";
      response = exportHttp(bulk_.cancel(instance, control, clientId, jobId));
    } else if (s.size() == 4 && request.method == "GET") {
      event.action = "download";
      event.target += "/" + s[3];
      auto result = bulk_.download(instance, control, clientId, jobId, s[3], std::string(request.header("range")));
      if (auto* refused = std::get_if<bulk::ExportResponse>(&result)) {
        response = exportHttp(std::move(*refused));
      } else {
        auto& file = std::get<bulk::FileDownload>(result);
        event.detail = file.auditDetail;
        response.status = file.partial ? 206 : 200;
        response.contentType = "application/fhir+ndjson";
        response.headers.emplace_back("Accept-Ranges", "bytes");
        response.headers.emplace_back("Vary", "Accept-Encoding");
        if (file.partial)
          response.headers.emplace_back("Content-Range", "bytes " + std::to_string(file.start) + "-" +
                                                             std::to_string(file.end - 1) + "/" +
                                                             std::to_string(file.size));
        // Ranges count the file's own bytes, so a range is sent as it is.
        if (!file.partial && http::acceptsGzip(request.header("accept-encoding"))) {
          response.headers.emplace_back("Content-Encoding", "gzip");
          response.streamLength = -1;
          response.stream = http::gzipped(std::move(file.next));
        } else {
          response.streamLength = file.end - file.start;
          response.stream = std::move(file.next);
        }
      }
    } else {
      response = outcomeResponse(405, "not-supported", request.method + " is not supported here");
    }
  } catch (...) {
    response = exportHttp(fhir::failureResponse());
  }
  event.outcome = response.status;
  audit_.record(std::move(event));
  return response;
}

}  // namespace flint::server

// The authorization server over HTTP: {instance}/auth/... translated to an AuthRequest and back.
#include "core/instances/data_routing.h"
#include "core/db/session.h"
#include "server/app.h"

namespace flint::server {

auth::AuthUrls App::authUrls(const instances::Instance& instance) const {
  const std::string root = config_.publicUrl + "/" + instance.name;
  auth::AuthUrls urls{root + "/fhir", root + "/auth", "/" + instance.name + "/auth"};
  // Only practices with a patient portal are in the directory (instances served are enabled).
  if (instance.patientPortal) {
    const auto brand = directory::brandIdentifier(config_.publicUrl, instance.name);
    urls.brandBundle = config_.publicUrl + "/directory/service-base-urls";
    urls.brandIdentifierSystem = brand.system;
    urls.brandIdentifierValue = brand.value;
  }
  return urls;
}

http::HttpResponse App::handleAuth(const http::HttpRequest& request, const instances::Instance& instance) {
  auth::AuthRequest req;
  req.method = request.method;
  req.segments.assign(request.segments.begin() + 2, request.segments.end());
  req.query = request.query;
  req.body = request.body;
  req.contentType = http::mediaType(request.header("content-type"));
  req.authorization = request.header("authorization");
  req.cookie = request.header("cookie");
  return toHttp(auth_.handle(instance, instances::primarySession(instance), authUrls(instance), req));
}

http::HttpResponse App::toHttp(auth::AuthResponse result) {
  http::HttpResponse response;
  response.status = result.status;
  response.contentType = std::move(result.contentType);
  response.body = std::move(result.body);
  response.headers = std::move(result.headers);
  return response;
}

}  // namespace flint::server

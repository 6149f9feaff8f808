// GET /docs: the public API documentation, generated from the CapabilityStatement and SMART
// configuration a practice's base serves (for a practice with authorization), for anyone.
#include "auth/tokens/backend_token.h"
#include "auth/tokens/user_tokens.h"
#include "conformance/api_docs.h"
#include "server/app.h"
#include "server/responses.h"

namespace flint::server {

const std::string& App::apiDocs() {
  // Made once: everything it says is fixed for the life of the process.
  std::call_once(apiDocsOnce_, [this] { apiDocs_ = renderApiDocs(); });
  return apiDocs_;
}

std::string App::renderApiDocs() {
  const std::string root = config_.publicUrl + "/{instance}";
  auth::AuthUrls urls{root + "/fhir", root + "/auth", ""};
  conformance::ApiDocsFacts facts;
  facts.serverVersion = FLINT_VERSION;
  facts.fhirBase = urls.fhirBase;
  facts.authBase = urls.authBase;
  facts.directoryUrl = config_.publicUrl + "/directory/service-base-urls";
  facts.userAccessTokenSeconds = auth::kUserAccessTokenSeconds;
  facts.backendAccessTokenSeconds = auth::kBackendTokenSeconds;
  facts.refreshTokenDays = instances::NewInstance{}.refreshTokenDays;
  facts.termsOfUse = termsOfUse_;
  return conformance::renderApiDocs(capabilityStatement(urls.fhirBase, urls.authBase),
                                    auth_.smartConfiguration(urls).body, facts);
}

http::HttpResponse App::handleDocs(const http::HttpRequest& request) {
  if (request.method != "GET") return outcomeResponse(405, "not-supported", "use GET");
  http::HttpResponse r;
  r.contentType = "text/html;charset=utf-8";
  r.body = apiDocs();
  r.headers = {{"Cache-Control", "public, max-age=300"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"}};
  return r;
}

}  // namespace flint::server

#include "auth/launches/ehr_launch.h"

#include "auth/storage/auth_repository.h"
#include "core/clock.h"
#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "fhir_resources/rest/url_encoding.h"

namespace flint::auth {

NewLaunch createLaunch(db::Session& session, const instances::Instance& instance, const std::string& fhirBase,
                       const LaunchRecord& launch) {
  auto client = AuthRepository(session, instance).client(launch.clientId);
  if (!client || client->disabled || client->kind == "backend") throw LaunchError("clientId must name a registered app");
  NewLaunch out;
  out.id = crypto::randomToken(24);
  GrantRepository(session, instance).insertLaunch(crypto::hexEncode(crypto::sha256(out.id)), launch, epochSeconds() + kLaunchSeconds);
  if (!client->launchUri.empty()) {
    const char separator = client->launchUri.find('?') == std::string::npos ? '?' : '&';
    out.launchUrl = client->launchUri + separator + "iss=" + fhir::percentEncode(fhirBase) + "&launch=" + fhir::percentEncode(out.id);
  }
  return out;
}

}  // namespace flint::auth

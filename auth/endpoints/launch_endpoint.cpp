// POST {instance}/auth/launch: the EHR side of an EHR launch. A signed-in staff user's session
// asks to open an app with a patient (and an encounter) in context; the answer is the opaque,
// single-use launch id and the app's launch URL (launch URI with iss and launch). JSON only, so
// another site cannot make a browser post it with the staff user's cookie.

#include "auth/endpoints/endpoints.h"
#include "auth/endpoints/user_login.h"
#include "auth/launches/ehr_launch.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"

namespace flint::auth {

AuthResponse launchEndpoint(AuthContext& ctx, const AuthRequest& req) {
  if (req.method != "POST") return oauthError(405, "invalid_request", "create a launch with POST");
  if (req.contentType != "application/json") return oauthError(415, "invalid_request", "the body must be JSON");
  auto user = sessionUser(ctx, req.cookie);
  if (!user || user->kind != "staff") return oauthError(401, "access_denied", "a signed-in staff session is required");
  ctx.note.userId = user->id;
  json::Value body;
  try {
    body = json::parse(req.body);
  } catch (const json::ParseError& e) {
    return oauthError(400, "invalid_request", std::string("the body is not JSON: ") + e.what());
  }
  LaunchRecord launch;
  launch.clientId = body.stringAt("clientId").value_or("");
  launch.patientId = body.stringAt("patient").value_or("");
  launch.encounterId = body.stringAt("encounter").value_or("");
  launch.userId = user->id;
  if (launch.patientId.empty()) return oauthError(400, "invalid_request", "patient is required");
  NewLaunch made;
  try {
    made = createLaunch(ctx.session, ctx.instance, ctx.urls.fhirBase, launch);
  } catch (const LaunchError& e) {
    return oauthError(400, "invalid_request", e.what());
  }
  ctx.note.clientId = launch.clientId;
  ctx.note.patientId = launch.patientId;
  json::Value out = json::Value::object();
  out.set("launch", json::Value::string(made.id));
  if (!made.launchUrl.empty()) out.set("launchUrl", json::Value::string(made.launchUrl));
  AuthResponse r = noStoreJson(json::write(out));
  r.status = 201;
  return r;
}

AuthResponse smartStyle() {
  // A neutral style for apps that follow the EHR's look (SMART "smart_style_url").
  AuthResponse r;
  r.body = R"({"color_background":"#f4f6f8","color_error":"#8a1c12","color_highlight":"#1f5fae",)"
           R"("color_modal_backdrop":"","color_success":"#1e7a3a","color_text":"#1c2430","dim_border_radius":"6px",)"
           R"("dim_font_size":"16px","dim_spacing_size":"16px","font_family_body":"system-ui, sans-serif",)"
           R"("font_family_heading":"system-ui, sans-serif"})";
  r.headers.emplace_back("Cache-Control", "public, max-age=86400");
  return r;
}

}  // namespace flint::auth

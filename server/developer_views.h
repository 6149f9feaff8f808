// The developer programme's JSON: requests with their deadlines (the developer's view, or the
// reviewer's with the account and every decision's author), and its errors as OperationOutcome.
#pragma once

#include <string>
#include <vector>

#include "core/json/json_value.h"
#include "developer/developer_error.h"
#include "developer/enablement/app_clients.h"
#include "developer/review/review_service.h"
#include "developer/sandboxes/sandbox_service.h"
#include "server/http/http_response.h"

namespace flint::server {

json::Value requestJson(const developer::RequestRow& request, const developer::Deadlines& deadlines);
json::Value decisionsJson(const std::vector<developer::DecisionRow>& decisions, bool withAuthors);
// Where the app has a client, each with the instance's FHIR base URL (as the directory lists it).
json::Value placementsJson(const std::vector<developer::AppClients::Placement>& placements, const std::string& publicUrl);
// A request body that must be a JSON object (or may be empty, when emptyIsObject); DeveloperError 400
// otherwise.
json::Value developerBody(const std::string& body, bool emptyIsObject = false);
// A sandbox: its FHIR base, test sign-ins (with their passwords when just made), apps' clients.
json::Value sandboxJson(const developer::Sandbox& sandbox, const std::vector<auth::SeededLogin>& logins,
                        const std::string& publicUrl);
json::Value loginsJson(const std::vector<auth::SeededLogin>& logins);
// A request id from a path; DeveloperError 404 for anything that cannot be one.
long long requestIdOf(const std::string& text);
// One issue per field problem (its expression the field), or one for the error.
http::HttpResponse developerErrorResponse(const developer::DeveloperError& e);

}  // namespace flint::server

// The developer portal's HTML fragments built from the programme's values (every text escaped):
// a request's deadline rows, its decisions, where it is enabled, a sandbox's sign-ins and apps.
#pragma once

#include <string>
#include <vector>

#include "developer/review/review_service.h"
#include "developer/sandboxes/sandbox_service.h"
#include "server/developer_page_kit.h"

namespace flint::server::portal {

std::string appNameOf(const developer::RequestRow& request);
std::string flagBadge(const developer::Deadlines& deadlines);
// status, flag, received, verificationDue, and the enablement and client id rows (html).
void addRequestSummary(Values& values, const developer::RequestRow& request, const developer::Deadlines& deadlines);
std::string decisionsList(const std::vector<developer::DecisionRow>& decisions, bool withAuthors);
std::string instancesList(const std::vector<developer::AppClients::Placement>& placements, const std::string& publicUrl);
std::string loginsList(const std::vector<auth::SeededLogin>& logins);
std::string sandboxAppsList(const std::vector<developer::SandboxApp>& apps);
std::string definition(const std::string& term, const std::string& text);
std::string dateOf(int64_t epochSeconds);

}  // namespace flint::server::portal

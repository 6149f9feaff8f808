#include "server/practice_apps_provider.h"

#include "developer/developer_error.h"

namespace flint::server {

std::vector<auth::PracticeApp> PracticeAppsProvider::available(const instances::Instance& instance) {
  std::vector<auth::PracticeApp> out;
  for (const auto& p : reviews_().populationApps(instance)) {
    const auto& application = *p.app.details.find("application");
    out.push_back({p.app.id, application.stringAt("name").value_or(""),
                   p.app.details.find("organization")->stringAt("legalName").value_or(""),
                   application.stringAt("description").value_or(""), p.scope});
  }
  return out;
}

void PracticeAppsProvider::authorize(const instances::Instance& instance, long long id, const std::string& scope,
                                     const std::string& actor) {
  try {
    reviews_().authorize(id, instance, scope, actor);
  } catch (const developer::DeveloperError& e) {
    throw auth::PracticeAppsError(e.what());
  }
}

void PracticeAppsProvider::deauthorize(const instances::Instance& instance, long long id) {
  try {
    reviews_().deauthorize(id, instance);
  } catch (const developer::DeveloperError& e) {
    throw auth::PracticeAppsError(e.what());
  }
}

}  // namespace flint::server

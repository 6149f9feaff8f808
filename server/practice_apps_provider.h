// The developer programme's population apps for the authorization server's practice-apps page
// (auth::PracticeApps), through the same ReviewService the admin API uses.
#pragma once

#include <functional>

#include "auth/practice/practice_apps.h"
#include "developer/review/review_service.h"

namespace flint::server {

class PracticeAppsProvider : public auth::PracticeApps {
 public:
  // `reviews` gives the ReviewService of the calling thread's session.
  explicit PracticeAppsProvider(std::function<developer::ReviewService()> reviews) : reviews_(std::move(reviews)) {}

  std::vector<auth::PracticeApp> available(const instances::Instance& instance) override;
  void authorize(const instances::Instance& instance, long long id, const std::string& scope,
                 const std::string& actor) override;
  void deauthorize(const instances::Instance& instance, long long id) override;

 private:
  std::function<developer::ReviewService()> reviews_;
};

}  // namespace flint::server

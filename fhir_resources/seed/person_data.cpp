#include "fhir_resources/seed/person_data.h"

#include "fhir_resources/seed/fhir_builders.h"

namespace flint::fhir::seed {

const std::array<const char*, 12> kFamily = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
                                             "Miller", "Davis", "Rodriguez", "Martinez", "Nguyen", "Okafor"};
const std::array<const char*, 12> kGivenFemale = {"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Aisha",
                                                  "Sofia", "Mei", "Fatima", "Grace", "Olivia", "Ana"};
const std::array<const char*, 12> kGivenMale = {"James", "Robert", "John", "Michael", "David", "Omar",
                                                "Luis", "Wei", "Kwame", "Daniel", "Noah", "Mateo"};

namespace {
const std::array<const char*, 6> kCities = {"Springfield", "Riverside", "Fairview", "Madison", "Georgetown", "Salem"};
const std::array<const char*, 6> kStates = {"MA", "CA", "TX", "NY", "WA", "IL"};
}  // namespace

Value address(Random& rnd, const std::string& use) {
  return obj({{"use", str(use)},
              {"line", arr({str(std::to_string(rnd.between(1, 9999)) + " " + rnd.pick(kFamily) + " Street")})},
              {"city", str(rnd.pick(kCities))},
              {"state", str(rnd.pick(kStates))},
              {"postalCode", str(std::to_string(rnd.between(10000, 99999)))},
              {"country", str("US")}});
}

std::string phoneNumber(Random& rnd) { return "555-" + std::to_string(rnd.between(1000, 9999)); }

std::string npi(Random& rnd) {
  std::string digits = std::to_string(rnd.between(100000000, 199999999));
  std::string full = "80840" + digits;
  int sum = 0;
  for (int i = static_cast<int>(full.size()) - 1, pos = 0; i >= 0; --i, ++pos) {
    int d = full[i] - '0';
    if (pos % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + std::to_string((10 - sum % 10) % 10);
}

}  // namespace flint::fhir::seed

#include "fhir_resources/search/index/dated_tokens.h"

#include <unordered_map>

#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/profiles/profile_table.h"

namespace flint::fhir {
namespace {

std::string kindOf(const std::string& type, const std::string& param) {
  for (const auto* p : Definitions::get().searchParams(type))
    if (p->code == param) return p->type;
  return "";
}

const std::unordered_map<std::string, std::vector<DatedToken>>& byType() {
  static const auto pairs = [] {
    std::unordered_map<std::string, std::vector<DatedToken>> out;
    for (const auto& type : Definitions::get().resourceTypes())
      for (const auto& combination : ProfileTable::get().searchCombinations(type))
        for (const auto& token : combination)
          for (const auto& date : combination) {
            if (kindOf(type, token) != "token" || kindOf(type, date) != "date") continue;
            auto& list = out[type];
            bool known = false;
            for (const auto& d : list) known = known || (d.token == token && d.date == date);
            // '@' is in no parameter's name, so the entries' parameter is no real one's.
            if (!known) list.push_back({token, date, token + "@" + date});
          }
    return out;
  }();
  return pairs;
}

}  // namespace

const std::vector<DatedToken>& datedTokens(const std::string& type) {
  static const std::vector<DatedToken> none;
  auto it = byType().find(type);
  return it == byType().end() ? none : it->second;
}

const DatedToken* datedToken(const std::string& type, const std::string& token, const std::string& date) {
  for (const auto& d : datedTokens(type))
    if (d.token == token && d.date == date) return &d;
  return nullptr;
}

}  // namespace flint::fhir

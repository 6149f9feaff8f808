#include "fhir_resources/search/index/param_aliases.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "fhir_resources/search/index/index_rows.h"

namespace flint::fhir {
namespace {

std::string trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// `s` without parentheses that enclose all of it.
std::string unwrapped(std::string s) {
  while (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
      if (depth == 0 && i + 1 < s.size()) return s;
    }
    s = trimmed(std::string_view(s).substr(1, s.size() - 2));
  }
  return s;
}

// The top-level `|` branches of `expression` that start at `type`.
std::set<std::string> branchesOf(const std::string& expression, const std::string& type) {
  std::set<std::string> out;
  auto keep = [&](std::string_view part) {
    std::string branch = unwrapped(trimmed(part));
    if (branch == type || branch.rfind(type + ".", 0) == 0) out.insert(std::move(branch));
  };
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < expression.size(); ++i) {
    const char c = expression[i];
    if (c == '\'') quoted = !quoted;
    if (quoted) continue;
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c == '|' && depth == 0) {
      keep(std::string_view(expression).substr(start, i - start));
      start = i + 1;
    }
  }
  keep(std::string_view(expression).substr(start));
  return out;
}

bool sameShape(const SearchParamDef& a, const SearchParamDef& b) {
  if (a.type != b.type || a.components.size() != b.components.size()) return false;
  for (size_t i = 0; i < a.components.size(); ++i)
    if (a.components[i].type != b.components[i].type || a.components[i].expression != b.components[i].expression)
      return false;
  return true;
}

// For each parameter of one resource type whose branches are exactly covered by other
// parameters' (each a strict part of it), those parameters. A code that two definitions share
// is left alone: a search over several types could not tell whose rows are whose.
std::unordered_map<const SearchParamDef*, std::vector<std::string>> findAliases() {
  std::unordered_map<std::string, std::set<const SearchParamDef*>> definitionsByCode;
  for (const auto& type : Definitions::get().resourceTypes())
    for (const auto* def : indexedSearchParams(type)) definitionsByCode[def->code].insert(def);
  std::unordered_map<const SearchParamDef*, std::vector<std::string>> aliases;
  for (const auto& type : Definitions::get().resourceTypes()) {
    std::vector<std::pair<const SearchParamDef*, std::set<std::string>>> params;
    for (const auto* def : indexedSearchParams(type)) params.emplace_back(def, branchesOf(def->expression, type));
    // Smaller unions first, so that a union is built from parameters that are stored.
    std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    for (const auto& [def, branches] : params) {
      if (branches.size() < 2 || definitionsByCode[def->code].size() != 1) continue;
      std::vector<std::string> sources;
      std::set<std::string> covered;
      for (const auto& [other, otherBranches] : params) {
        if (other == def || otherBranches.empty() || otherBranches.size() >= branches.size() ||
            aliases.count(other) != 0 || !sameShape(*def, *other) ||
            !std::includes(branches.begin(), branches.end(), otherBranches.begin(), otherBranches.end()))
          continue;
        sources.push_back(other->code);
        covered.insert(otherBranches.begin(), otherBranches.end());
      }
      std::sort(sources.begin(), sources.end());
      if (covered == branches) aliases.emplace(def, std::move(sources));
    }
  }
  return aliases;
}

// For each reference parameter all of whose branches are `X.where(resolve() is T)` with one T,
// where another stored parameter of the type has exactly the branches X: that one and T, keyed
// by "Type.code".
std::unordered_map<std::string, TypedReferences> findTypedReferences() {
  static const std::string kSuffixStart = ".where(resolve() is ";
  std::unordered_map<std::string, TypedReferences> found;
  for (const auto& type : Definitions::get().resourceTypes()) {
    const auto& params = indexedSearchParams(type);
    for (const auto* def : params) {
      if (def->type != "reference" || !isStored(*def)) continue;
      const std::set<std::string> branches = branchesOf(def->expression, type);
      std::set<std::string> bases;
      std::string target;
      for (const auto& branch : branches) {
        const size_t at = branch.rfind(kSuffixStart);
        if (at == std::string::npos || branch.back() != ')') break;
        std::string branchTarget = branch.substr(at + kSuffixStart.size(), branch.size() - at - kSuffixStart.size() - 1);
        if (!target.empty() && branchTarget != target) break;
        target = std::move(branchTarget);
        bases.insert(branch.substr(0, at));
      }
      if (bases.empty() || bases.size() != branches.size()) continue;
      for (const auto* other : params)
        if (other != def && other->type == "reference" && isStored(*other) &&
            branchesOf(other->expression, type) == bases) {
          found.emplace(type + "." + def->code, TypedReferences{other->code, target});
          break;
        }
    }
  }
  return found;
}

const std::unordered_map<const SearchParamDef*, std::vector<std::string>>& aliases() {
  static const auto found = findAliases();
  return found;
}

}  // namespace

std::vector<std::string> storedParams(const SearchParamDef& def) {
  auto it = aliases().find(&def);
  return it == aliases().end() ? std::vector<std::string>{def.code} : it->second;
}

bool isStored(const SearchParamDef& def) { return aliases().count(&def) == 0; }

std::optional<TypedReferences> typedReferencesOf(const std::string& type, const std::string& code) {
  static const auto found = findTypedReferences();
  auto it = found.find(type + "." + code);
  if (it == found.end()) return std::nullopt;
  return it->second;
}

}  // namespace flint::fhir

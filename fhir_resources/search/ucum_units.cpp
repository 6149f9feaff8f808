#include "fhir_resources/search/ucum_units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

namespace flint::fhir {
namespace {

// A unit as a factor times a product of base units with exponents.
struct Dimensioned {
  long double factor = 1;
  std::map<std::string, int> bases;

  void multiply(const Dimensioned& other, int power) {
    for (int i = 0; i < std::abs(power); ++i) factor = power > 0 ? factor * other.factor : factor / other.factor;
    for (const auto& [base, exponent] : other.bases) {
      int& e = bases[base];
      e += exponent * power;
      if (e == 0) bases.erase(base);
    }
  }
};

struct Atom {
  long double factor;
  std::map<std::string, int> bases;
  bool metric;  // takes SI prefixes
};

// The UCUM atoms clinical data uses (UCUM §§ 4.1, 4.3–4.4 tables), by their case-sensitive code.
const std::unordered_map<std::string, Atom>& atoms() {
  static const std::unordered_map<std::string, Atom> table = {
      {"g", {1, {{"g", 1}}, true}},
      {"m", {1, {{"m", 1}}, true}},
      {"s", {1, {{"s", 1}}, true}},
      {"mol", {1, {{"mol", 1}}, true}},
      {"eq", {1, {{"eq", 1}}, true}},
      {"U", {1, {{"U", 1}}, true}},
      {"[iU]", {1, {{"[iU]", 1}}, true}},
      {"[IU]", {1, {{"[iU]", 1}}, true}},
      {"L", {0.001L, {{"m", 3}}, true}},
      {"l", {0.001L, {{"m", 3}}, true}},
      {"Pa", {1000, {{"g", 1}, {"m", -1}, {"s", -2}}, true}},
      {"bar", {100000000, {{"g", 1}, {"m", -1}, {"s", -2}}, true}},
      {"m[Hg]", {133322000, {{"g", 1}, {"m", -1}, {"s", -2}}, true}},
      {"m[H2O]", {9806650, {{"g", 1}, {"m", -1}, {"s", -2}}, true}},
      {"min", {60, {{"s", 1}}, false}},
      {"h", {3600, {{"s", 1}}, false}},
      {"d", {86400, {{"s", 1}}, false}},
      {"wk", {604800, {{"s", 1}}, false}},
      {"mo", {2629800, {{"s", 1}}, false}},
      {"a", {31557600, {{"s", 1}}, false}},
      {"%", {0.01L, {}, false}},
      {"[ppm]", {0.000001L, {}, false}},
      {"[lb_av]", {453.59237L, {{"g", 1}}, false}},
      {"[oz_av]", {28.349523125L, {{"g", 1}}, false}},
      {"[in_i]", {0.0254L, {{"m", 1}}, false}},
      {"[ft_i]", {0.3048L, {{"m", 1}}, false}},
      {"[mi_i]", {1609.344L, {{"m", 1}}, false}},
      {"[gal_us]", {0.003785411784L, {{"m", 3}}, false}},
      {"[foz_us]", {0.0000295735295625L, {{"m", 3}}, false}},
      {"[drp]", {0.00000005L, {{"m", 3}}, false}},
  };
  return table;
}

const std::unordered_map<std::string, long double>& prefixes() {
  static const std::unordered_map<std::string, long double> table = {
      {"Y", 1e24L}, {"Z", 1e21L}, {"E", 1e18L}, {"P", 1e15L},  {"T", 1e12L},  {"G", 1e9L},   {"M", 1e6L},
      {"k", 1e3L},  {"h", 1e2L},  {"da", 1e1L}, {"d", 1e-1L},  {"c", 1e-2L},  {"m", 1e-3L},  {"u", 1e-6L},
      {"n", 1e-9L}, {"p", 1e-12L}, {"f", 1e-15L}, {"a", 1e-18L}, {"z", 1e-21L}, {"y", 1e-24L}};
  return table;
}

// A small signed integer ("3", "-2", "+1"); nothing otherwise. Units use exponents of a few
// digits at most, and larger ones would only overflow the factor.
std::optional<int> smallInteger(const std::string& s) {
  size_t digits = s.empty() || (s[0] != '-' && s[0] != '+') ? 0 : 1;
  if (s.size() == digits || s.size() - digits > 2 || s.find_first_not_of("0123456789", digits) != std::string::npos)
    return std::nullopt;
  return std::stoi(s);
}

std::optional<Dimensioned> fromAtom(const Atom& atom, long double prefix) {
  Dimensioned d;
  d.factor = atom.factor * prefix;
  d.bases = atom.bases;
  return d;
}

// A simple unit: an atom, a prefixed metric atom, or a 10*n / 10^n factor.
std::optional<Dimensioned> simpleUnit(const std::string& s) {
  if (s.rfind("10*", 0) == 0 || s.rfind("10^", 0) == 0) {
    auto exponent = smallInteger(s.substr(3));
    if (!exponent) return std::nullopt;
    Dimensioned d;
    d.factor = std::pow(10.0L, *exponent);
    return d;
  }
  if (auto it = atoms().find(s); it != atoms().end()) return fromAtom(it->second, 1);
  for (const auto& [prefix, factor] : prefixes()) {
    if (s.size() <= prefix.size() || s.compare(0, prefix.size(), prefix) != 0) continue;
    auto it = atoms().find(s.substr(prefix.size()));
    if (it != atoms().end() && it->second.metric) return fromAtom(it->second, factor);
  }
  return std::nullopt;
}

// A component: a simple unit with an optional integer exponent ("m2", "s-1"), a bare number
// ("1", "100"), or an annotation alone ("{cells}", which counts as 1).
std::optional<std::pair<Dimensioned, int>> component(std::string s) {
  if (s.empty()) return std::nullopt;
  if (size_t brace = s.find('{'); brace != std::string::npos) {
    if (s.back() != '}') return std::nullopt;
    s = s.substr(0, brace);
    if (s.empty()) return std::make_pair(Dimensioned{}, 1);
  }
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    if (s.size() > 9) return std::nullopt;
    Dimensioned d;
    d.factor = std::stold(s);
    return std::make_pair(d, 1);
  }
  size_t digits = s.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(s[digits - 1]))) --digits;
  if (digits > 0 && digits < s.size() && (s[digits - 1] == '-' || s[digits - 1] == '+')) --digits;
  // "10*3" ends in digits that are part of the unit, not an exponent.
  if (s.rfind("10*", 0) == 0 || s.rfind("10^", 0) == 0) digits = s.size();
  auto unit = simpleUnit(s.substr(0, digits));
  auto exponent = digits == s.size() ? std::optional<int>(1) : smallInteger(s.substr(digits));
  if (!unit || !exponent) return std::nullopt;
  return std::make_pair(*unit, *exponent);
}

std::optional<CanonicalUnit> parse(const std::string& code) {
  if (code.empty() || code.size() > 64 || code.find_first_of("() ") != std::string::npos) return std::nullopt;
  Dimensioned total;
  size_t start = 0;
  int sign = 1;
  if (code[0] == '/') {
    sign = -1;
    start = 1;
  }
  while (start <= code.size()) {
    size_t end = start;
    int depth = 0;
    while (end < code.size() && (depth > 0 || (code[end] != '.' && code[end] != '/'))) {
      if (code[end] == '{') ++depth;
      if (code[end] == '}') --depth;
      ++end;
    }
    auto part = component(code.substr(start, end - start));
    if (!part) return std::nullopt;
    total.multiply(part->first, part->second * sign);
    if (end == code.size()) break;
    sign = code[end] == '/' ? -1 : 1;
    start = end + 1;
  }
  if (!std::isfinite(total.factor) || total.factor == 0) return std::nullopt;
  CanonicalUnit out{"", total.factor};
  for (const auto& [base, exponent] : total.bases)
    out.code += (out.code.empty() ? "" : ".") + base + (exponent == 1 ? "" : std::to_string(exponent));
  if (out.code.empty()) out.code = "1";
  return out;
}

}  // namespace

std::optional<CanonicalUnit> canonicalUcumUnit(const std::string& code) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::optional<CanonicalUnit>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(code);
  if (it != cache.end()) return it->second;
  auto parsed = parse(code);
  if (cache.size() < 4096) cache.emplace(code, parsed);
  return parsed;
}

std::string scaleDecimal(const std::string& decimal, long double factor) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15Lg", std::strtold(decimal.c_str(), nullptr) * factor);
  return buffer;
}

}  // namespace flint::fhir

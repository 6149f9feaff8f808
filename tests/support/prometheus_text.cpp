#include "tests/support/prometheus_text.h"

#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

namespace flint::testing {
namespace {

const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");

[[noreturn]] void fail(const std::string& line, const std::string& why) {
  throw std::runtime_error("not Prometheus text (" + why + "): " + line);
}

double parseValue(const std::string& line, const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    fail(line, "value");
  }
  if (used != text.size()) fail(line, "value");
  return v;
}

// name{a="x",b="y\"z"} value
PromSample parseSample(const std::string& line) {
  PromSample s;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  s.name = line.substr(0, i);
  if (!std::regex_match(s.name, kName)) fail(line, "metric name");
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string::npos) fail(line, "label");
      const std::string label = line.substr(i, eq - i);
      if (!std::regex_match(label, kLabelName)) fail(line, "label name");
      i = eq + 1;
      if (i >= line.size() || line[i] != '"') fail(line, "label value quote");
      std::string value;
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') {
          if (++i >= line.size()) fail(line, "escape");
          if (line[i] == 'n') value += '\n';
          else if (line[i] == '\\' || line[i] == '"') value += line[i];
          else fail(line, "escape");
        } else {
          value += line[i];
        }
      }
      if (i >= line.size()) fail(line, "unterminated label value");
      ++i;
      if (!s.labels.emplace(label, value).second) fail(line, "label twice");
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) fail(line, "unterminated labels");
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') fail(line, "space before the value");
  std::string rest = line.substr(i + 1);
  size_t space = rest.find(' ');  // an optional timestamp follows
  s.value = parseValue(line, rest.substr(0, space));
  if (space != std::string::npos && !std::regex_match(rest.substr(space + 1), std::regex("-?[0-9]+")))
    fail(line, "timestamp");
  return s;
}

// The family a sample belongs to, given the families declared.
std::string familyOf(const std::string& name, const std::map<std::string, PromFamily>& families) {
  if (families.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = families.find(base);
      if (it != families.end() && (it->second.type == "histogram" || it->second.type == "summary")) return base;
    }
  }
  return "";
}

void checkHistogram(const std::string& name, const PromFamily& f) {
  // Per series (labels without le): buckets ascending by bound and non-decreasing, +Inf = _count.
  std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
  std::map<std::map<std::string, std::string>, double> counts;
  for (const auto& s : f.samples) {
    auto labels = s.labels;
    if (s.name == name + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) throw std::runtime_error(name + ": a bucket without le");
      const double bound = le->second == "+Inf" ? INFINITY : std::stod(le->second);
      labels.erase(le);
      buckets[labels].emplace_back(bound, s.value);
    } else if (s.name == name + "_count") {
      counts[labels] = s.value;
    }
  }
  for (const auto& [labels, list] : buckets) {
    for (size_t i = 1; i < list.size(); ++i)
      if (list[i].first <= list[i - 1].first || list[i].second < list[i - 1].second)
        throw std::runtime_error(name + ": buckets not cumulative");
    if (list.empty() || !std::isinf(list.back().first)) throw std::runtime_error(name + ": no +Inf bucket");
    if (!counts.count(labels) || counts.at(labels) != list.back().second)
      throw std::runtime_error(name + ": +Inf bucket differs from _count");
  }
}

}  // namespace

std::map<std::string, PromFamily> parsePrometheusText(const std::string& text) {
  std::map<std::string, PromFamily> families;
  std::set<std::pair<std::string, std::map<std::string, std::string>>> series;
  static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) throw std::runtime_error("not Prometheus text: the last line has no newline");
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t space = rest.find(' ');
      const std::string name = rest.substr(0, space);
      if (!std::regex_match(name, kName) || space == std::string::npos) fail(line, "comment");
      auto& f = families[name];
      if (line[2] == 'T') {
        if (!f.type.empty() || !f.samples.empty()) fail(line, "TYPE twice or after samples");
        f.type = rest.substr(space + 1);
        if (!types.count(f.type)) fail(line, "type");
      } else {
        f.help = rest.substr(space + 1);
      }
      continue;
    }
    if (line[0] == '#') continue;
    PromSample s = parseSample(line);
    const std::string family = familyOf(s.name, families);
    if (family.empty() || families[family].type.empty()) fail(line, "sample of an undeclared family");
    if (!series.emplace(s.name, s.labels).second) fail(line, "series twice");
    if (families[family].type == "counter" && !(s.value >= 0)) fail(line, "negative counter");
    families[family].samples.push_back(std::move(s));
  }
  for (const auto& [name, f] : families) {
    if (f.type.empty()) throw std::runtime_error(name + ": HELP without TYPE");
    if (f.type == "histogram") checkHistogram(name, f);
  }
  return families;
}

double promValue(const std::map<std::string, PromFamily>& families, const std::string& name,
                 const std::map<std::string, std::string>& labels, const std::string& sample) {
  auto it = families.find(name);
  if (it == families.end()) return 0;
  const std::string wanted = sample.empty() ? name : sample;
  for (const auto& s : it->second.samples) {
    if (s.name != wanted) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      auto l = s.labels.find(k);
      all = all && l != s.labels.end() && l->second == v;
    }
    if (all) return s.value;
  }
  return 0;
}

}  // namespace flint::testing

// Test support: a parser of Prometheus's text exposition format (version 0.0.4) that refuses what
// a Prometheus server would: malformed lines, samples of undeclared families, a series twice,
// histograms whose buckets are not cumulative or disagree with their count.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace flint::testing {

struct PromSample {
  std::string name;  // with its _bucket/_sum/_count suffix for histograms
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::string help;
  std::vector<PromSample> samples;
};

// The families of `text` by name; throws std::runtime_error naming the offending line.
std::map<std::string, PromFamily> parsePrometheusText(const std::string& text);

// The value of family `name`'s sample `sample` (the family's own name unless given) whose labels
// include `labels`; 0 when there is none.
double promValue(const std::map<std::string, PromFamily>& families, const std::string& name,
                 const std::map<std::string, std::string>& labels, const std::string& sample = "");

}  // namespace flint::testing

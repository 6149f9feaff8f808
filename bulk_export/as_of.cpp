#include "bulk_export/as_of.h"

#include <stdexcept>

namespace flint::bulk {

std::optional<int64_t> sizeAsOf(fhir::ResourceRepository& repo, const fhir::ResourceRow& row, int64_t at,
                                const std::optional<fhir::ElementFilter>& elements) {
  const std::string* content = &row.content;
  std::optional<fhir::ResourceRow> then;
  if (row.lastUpdated > at) {
    then = repo.versionAt(row.type, row.id, at);
    if (!then || then->deleted) return std::nullopt;
    content = &then->content;
  } else if (!elements) {
    return row.contentBytes;
  }
  return static_cast<int64_t>(elements ? fhir::applyElementFilter(*content, *elements).size() : content->size());
}

std::string ndjsonAsOf(fhir::ResourceRepository& repo, const std::string& type, const std::vector<std::string>& ids,
                       int64_t at, const std::optional<fhir::ElementFilter>& elements) {
  auto rows = repo.currentOf(type, ids);
  if (rows.size() != ids.size()) throw std::runtime_error("an exported " + type + " is no longer stored");
  std::string out;
  size_t size = 0;
  for (const auto& row : rows) size += row.content.size() + 1;
  out.reserve(size);
  for (auto& row : rows) {
    if (row.lastUpdated > at) {
      auto then = repo.versionAt(type, row.id, at);
      if (!then || then->deleted) throw std::runtime_error(type + "/" + row.id + " is no longer stored as exported");
      row.content = std::move(then->content);
    }
    if (elements) row.content = fhir::applyElementFilter(row.content, *elements);
    out += row.content;
    out += '\n';
  }
  return out;
}

std::string deletionLine(const std::string& type, const std::string& id) {
  return R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":")" + type +
         "/" + id + "\"}}]}\n";
}

}  // namespace flint::bulk

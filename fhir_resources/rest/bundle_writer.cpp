#include "fhir_resources/rest/bundle_writer.h"

#include "core/json/json_writer.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/request_headers.h"

namespace flint::fhir {

BundleWriter::BundleWriter(std::string_view type, std::string baseUrl) : baseUrl_(std::move(baseUrl)) {
  head_ = R"({"resourceType":"Bundle","type":)";
  json::writeString(head_, type);
}

void BundleWriter::link(std::string_view relation, std::string_view url) {
  if (!links_.empty()) links_ += ',';
  links_ += R"({"relation":)";
  json::writeString(links_, relation);
  links_ += R"(,"url":)";
  json::writeString(links_, url);
  links_ += '}';
}

void BundleWriter::beginEntry() {
  if (!entries_.empty()) entries_ += ',';
}

void BundleWriter::matchEntry(const ResourceRow& row, std::string_view mode) {
  beginEntry();
  entries_ += R"({"fullUrl":)";
  json::writeString(entries_, baseUrl_ + "/" + row.type + "/" + row.id);
  entries_ += R"(,"resource":)";
  entries_ += row.content;
  entries_ += R"(,"search":{"mode":)";
  json::writeString(entries_, mode);
  entries_ += "}}";
}

void BundleWriter::outcomeEntry(const std::string& operationOutcomeJson) {
  beginEntry();
  entries_ += R"({"resource":)";
  entries_ += operationOutcomeJson;
  entries_ += R"(,"search":{"mode":"outcome"}})";
}

void BundleWriter::historyEntry(const ResourceRow& row) {
  beginEntry();
  const std::string url = row.type + "/" + row.id;
  entries_ += R"({"fullUrl":)";
  json::writeString(entries_, baseUrl_ + "/" + url);
  if (!row.deleted) {
    entries_ += R"(,"resource":)";
    entries_ += row.content;
  }
  entries_ += R"(,"request":{"method":)";
  json::writeString(entries_, row.method);
  entries_ += R"(,"url":)";
  json::writeString(entries_, row.method == "POST" ? row.type : url);
  entries_ += R"(},"response":{"status":)";
  json::writeString(entries_, row.deleted ? "204" : row.versionId == 1 ? "201" : "200");
  entries_ += R"(,"etag":)";
  json::writeString(entries_, etagFor(row.versionId));
  entries_ += R"(,"lastModified":)";
  json::writeString(entries_, formatInstant(row.lastUpdated));
  entries_ += "}}";
}

void BundleWriter::responseEntry(const std::string& status, const std::string& location, const std::string& etag,
                                 const std::string& lastModified, const std::string& resourceJson,
                                 const std::string& outcomeJson) {
  beginEntry();
  entries_ += '{';
  if (!resourceJson.empty()) entries_ += R"("resource":)" + resourceJson + ",";
  entries_ += R"("response":{"status":)";
  json::writeString(entries_, status);
  auto optional = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    entries_ += ",\"";
    entries_ += name;
    entries_ += "\":";
    json::writeString(entries_, value);
  };
  optional("location", location);
  optional("etag", etag);
  optional("lastModified", lastModified);
  if (!outcomeJson.empty()) entries_ += R"(,"outcome":)" + outcomeJson;
  entries_ += "}}";
}

std::string BundleWriter::finish() {
  std::string out = head_;
  out += R"(,"timestamp":)";
  json::writeString(out, formatInstant(nowMillis()));
  if (total_) out += R"(,"total":)" + std::to_string(*total_);
  if (!links_.empty()) out += R"(,"link":[)" + links_ + "]";
  if (!entries_.empty()) out += R"(,"entry":[)" + entries_ + "]";
  out += '}';
  return out;
}

}  // namespace flint::fhir

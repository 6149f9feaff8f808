#include "directory/directory_bundle.h"

#include <algorithm>
#include <unordered_set>

#include "core/crypto/digest.h"
#include "core/crypto/encoding.h"
#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "core/text/gzip.h"
#include "fhir_resources/rest/instant.h"

namespace flint::directory {
namespace {

using json::Value;

constexpr const char* kNpiSystem = "http://hl7.org/fhir/sid/us-npi";

Value str(std::string s) { return Value::string(std::move(s)); }

Value object(std::initializer_list<std::pair<const char*, Value>> members) {
  Value v = Value::object();
  for (const auto& [key, value] : members) v.set(key, value);
  return v;
}

Value reference(const std::string& typeAndId) { return object({{"reference", str(typeAndId)}}); }

Value meta(int64_t lastUpdated) { return object({{"lastUpdated", str(fhir::formatInstant(lastUpdated))}}); }

Value endpoint(const Practice& p, const std::string& publicUrl) {
  Value e = Value::object();
  e.set("resourceType", str("Endpoint"));
  e.set("id", str(p.instance));
  e.set("meta", meta(p.lastUpdated));
  Value version = object({{"url", str("http://hl7.org/fhir/StructureDefinition/endpoint-fhir-version")},
                          {"valueCode", str("4.0.1")}});
  Value extensions = Value::array();
  extensions.push(std::move(version));
  e.set("extension", std::move(extensions));
  e.set("status", str("active"));
  e.set("connectionType", object({{"system", str("http://terminology.hl7.org/CodeSystem/endpoint-connection-type")},
                                  {"code", str("hl7-fhir-rest")},
                                  {"display", str("HL7 FHIR")}}));
  e.set("name", str(p.organizationName + " FHIR R4 API"));
  Value managing = reference("Organization/" + p.instance);
  managing.set("display", str(p.organizationName));
  e.set("managingOrganization", std::move(managing));
  // Where a developer learns to use it: the public API documentation.
  Value contact = Value::array();
  contact.push(object({{"system", str("url")}, {"value", str(publicUrl + "/docs")}}));
  e.set("contact", std::move(contact));
  Value coding = Value::array();
  coding.push(object({{"system", str("http://terminology.hl7.org/CodeSystem/endpoint-payload-type")},
                      {"code", str("none")}}));
  Value payloadTypes = Value::array();
  payloadTypes.push(object({{"coding", std::move(coding)}}));
  e.set("payloadType", std::move(payloadTypes));
  Value mimeTypes = Value::array();
  mimeTypes.push(str("application/fhir+json"));
  e.set("payloadMimeType", std::move(mimeTypes));
  e.set("address", str(publicUrl + "/" + p.instance + "/fhir"));
  return e;
}

Value organization(const Practice& p, const std::string& publicUrl, bool parentPublished) {
  Value o = Value::object();
  o.set("resourceType", str("Organization"));
  o.set("id", str(p.instance));
  o.set("meta", meta(p.lastUpdated));
  const BrandIdentifier brand = brandIdentifier(publicUrl, p.instance);
  Value identifiers = Value::array();
  identifiers.push(object({{"system", str(brand.system)}, {"value", str(brand.value)}}));
  if (!p.npi.empty()) identifiers.push(object({{"system", str(kNpiSystem)}, {"value", str(p.npi)}}));
  o.set("identifier", std::move(identifiers));
  o.set("active", Value::boolean(true));
  o.set("name", str(p.organizationName));
  if (!p.address.empty()) {
    Value addresses = Value::array();
    addresses.push(json::parse(p.address));
    o.set("address", std::move(addresses));
  }
  if (parentPublished) o.set("partOf", reference("Organization/" + p.partOf));
  Value endpoints = Value::array();
  endpoints.push(reference("Endpoint/" + p.instance));
  o.set("endpoint", std::move(endpoints));
  return o;
}

std::vector<Value> locations(const Practice& p) {
  std::vector<Value> out;
  const Value list = json::parse(p.locations);
  for (const auto& item : list.items()) {
    Value l = Value::object();
    l.set("resourceType", str("Location"));
    l.set("id", str(p.instance + "-" + std::to_string(out.size() + 1)));
    l.set("meta", meta(p.lastUpdated));
    l.set("status", str("active"));
    if (auto name = item.stringAt("name")) l.set("name", str(*name));
    if (const Value* address = item.find("address")) l.set("address", *address);
    l.set("managingOrganization", reference("Organization/" + p.instance));
    Value endpoints = Value::array();
    endpoints.push(reference("Endpoint/" + p.instance));
    l.set("endpoint", std::move(endpoints));
    out.push_back(std::move(l));
  }
  return out;
}

std::string weakEtag(const std::string& body) {
  return "W/\"" + crypto::hexEncode(crypto::sha256(body).substr(0, 12)) + "\"";
}

}  // namespace

BrandIdentifier brandIdentifier(const std::string& publicUrl, const std::string& instance) {
  return {"urn:ietf:rfc:3986", publicUrl + "/" + instance};
}

DirectorySnapshot::DirectorySnapshot(const std::vector<Practice>& practices, const std::string& publicUrl,
                                     int64_t lastChangeAt)
    : base_(publicUrl + "/directory"), lastChangeAt_(lastChangeAt) {
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < practices.size(); ++i) index.emplace(practices[i].instance, static_cast<int>(i));
  practices_.reserve(practices.size());
  auto entry = [&](Value resource) {
    const std::string typeAndId = *resource.stringAt("resourceType") + "/" + *resource.stringAt("id");
    std::string text = json::write(resource);
    Value e = Value::object();
    e.set("fullUrl", str(base_ + "/" + typeAndId));
    e.set("resource", std::move(resource));
    resources_.emplace(typeAndId, std::move(text));
    return json::write(e);
  };
  for (const auto& p : practices) {
    Published published;
    auto parent = p.partOf.empty() ? index.end() : index.find(p.partOf);
    if (parent != index.end()) published.parent = parent->second;
    published.identifiers.push_back(brandIdentifier(publicUrl, p.instance).value);
    if (!p.npi.empty()) published.identifiers.push_back(p.npi);
    published.organization = entry(organization(p, publicUrl, parent != index.end()));
    published.others.push_back(entry(endpoint(p, publicUrl)));
    for (auto& location : locations(p)) published.others.push_back(entry(std::move(location)));
    practices_.push_back(std::move(published));
  }
  std::vector<const std::string*> all;
  for (const auto& p : practices_) {
    all.push_back(&p.organization);
    for (const auto& other : p.others) all.push_back(&other);
  }
  bundle_ = document(all);
  bundle_.gzipped = text::gzipCompress(bundle_.body);
}

DirectoryDocument DirectorySnapshot::document(const std::vector<const std::string*>& entries) const {
  const std::string at = fhir::formatInstant(lastChangeAt_);
  DirectoryDocument d;
  size_t size = 256;
  for (const auto* e : entries) size += e->size() + 1;
  d.body.reserve(size);
  d.body += R"({"resourceType":"Bundle","id":"service-base-urls","meta":{"lastUpdated":")" + at +
            R"("},"type":"collection","timestamp":")" + at + R"(","entry":[)";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) d.body += ',';
    d.body += *entries[i];
  }
  d.body += "]}";
  d.etag = weakEtag(d.body);
  d.lastModified = lastChangeAt_;
  return d;
}

DirectoryDocument DirectorySnapshot::brand(const std::string& identifierValue) const {
  std::vector<const std::string*> entries;
  std::unordered_set<int> included;
  for (size_t i = 0; i < practices_.size(); ++i) {
    const auto& p = practices_[i];
    if (std::find(p.identifiers.begin(), p.identifiers.end(), identifierValue) == p.identifiers.end()) continue;
    if (!included.insert(static_cast<int>(i)).second) continue;
    entries.push_back(&p.organization);
    for (const auto& other : p.others) entries.push_back(&other);
  }
  // The practices a listed one is part of come too, so that its partOf resolves in the Bundle.
  std::vector<int> listed(included.begin(), included.end());
  std::sort(listed.begin(), listed.end());
  for (int i : listed)
    for (int parent = practices_[i].parent; parent >= 0 && included.insert(parent).second;
         parent = practices_[parent].parent) {
      entries.push_back(&practices_[parent].organization);
      for (const auto& other : practices_[parent].others) entries.push_back(&other);
    }
  return document(entries);
}

std::optional<std::string> DirectorySnapshot::resource(const std::string& typeAndId) const {
  auto it = resources_.find(typeAndId);
  if (it == resources_.end()) return std::nullopt;
  return it->second;
}

}  // namespace flint::directory

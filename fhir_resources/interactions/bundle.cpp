// batch and transaction (POST [base] with a Bundle). Each entry becomes a FhirRequest and goes
// through the same interactions as an HTTP request. A transaction runs in one database
// transaction, in FHIR's order (DELETE, POST, PUT/PATCH, GET), with urn:uuid references resolved
// to the ids its creates will get and conditional references ("Patient?identifier=...") to
// their single match; any failing entry rolls everything back.
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>

#include "core/json/json_writer.h"
#include "core/url/query_string.h"
#include "fhir_resources/definitions/definitions.h"
#include "fhir_resources/interactions/interactions.h"
#include "fhir_resources/interactions/write_request.h"
#include "fhir_resources/rest/bundle_writer.h"
#include "fhir_resources/rest/fhir_error.h"
#include "fhir_resources/rest/fhir_router.h"
#include "fhir_resources/rest/instant.h"
#include "fhir_resources/rest/resource_id.h"
#include "fhir_resources/search/search_request.h"
#include "fhir_resources/validation/resource_validator.h"

namespace flint::fhir {
namespace {

using json::Value;

struct Entry {
  size_t index;
  FhirRequest request;
  std::string fullUrl;
  Value resource;  // null when the entry has none
};

int orderOf(const std::string& method) {
  if (method == "DELETE") return 0;
  if (method == "POST") return 1;
  if (method == "PUT" || method == "PATCH") return 2;
  return 3;
}

std::string base64Decode(const std::string& text) {
  std::string compact;
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact += c;
  std::string out(compact.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()), static_cast<int>(compact.size()));
  if (n < 0) throw FhirError(400, "invalid", "Binary.data is not valid base64");
  size_t padding = 0;
  while (padding < 2 && padding < compact.size() && compact[compact.size() - 1 - padding] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

// The request an entry stands for, relative to this base.
FhirRequest entryRequest(const FhirRequest& outer, const Value& entry, const std::string& where) {
  const Value* request = entry.find("request");
  FhirRequest req;
  req.method = request->stringAt("method").value_or("");
  static const char* methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(methods), std::end(methods), req.method) == std::end(methods))
    throw FhirError(400, "invalid", where + ": request.method must be one of GET, HEAD, POST, PUT, PATCH, DELETE");
  auto urlValue = request->stringAt("url");
  if (!urlValue) throw FhirError(400, "required", where + ": request.url is required");
  std::string url = *urlValue;
  if (url.rfind(outer.baseUrl + "/", 0) == 0) url = url.substr(outer.baseUrl.size() + 1);
  if (url.find("://") != std::string::npos)
    throw FhirError(400, "invalid", where + ": request.url '" + url + "' is not on this server");
  size_t q = url.find('?');
  std::string path = url.substr(0, q);
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    auto segment = url::decodeSegment(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (!segment) throw FhirError(400, "invalid", where + ": malformed request.url");
    if (!segment->empty()) req.segments.push_back(*segment);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (req.segments.empty()) throw FhirError(400, "invalid", where + ": request.url must name a resource or type");
  if (q != std::string::npos) {
    auto params = url::parseQuery(url.substr(q + 1));
    if (!params) throw FhirError(400, "invalid", where + ": malformed query in request.url");
    req.params = std::move(*params);
  }
  req.ifMatch = request->stringAt("ifMatch").value_or("");
  req.ifNoneMatch = request->stringAt("ifNoneMatch").value_or("");
  req.ifModifiedSince = request->stringAt("ifModifiedSince").value_or("");
  req.ifNoneExist = request->stringAt("ifNoneExist").value_or("");
  req.prefer = outer.prefer;
  req.baseUrl = outer.baseUrl;
  req.contentType = "application/fhir+json";
  return req;
}

// Gives every POST entry its id now, so urn:uuid references to it can be rewritten before any
// write: a conditional create that matches keeps the existing resource's id (its lock, taken
// here, holds until the transaction ends); PUT entries keep the id of their URL.
std::map<std::string, std::string> assignIds(FhirContext& ctx, std::vector<Entry>& entries) {
  std::map<std::string, std::string> byFullUrl;
  for (auto& e : entries) {
    const auto& s = e.request.segments;
    if (e.request.method == "POST" && s.size() == 1) {
      e.request.assignedId = newResourceId();
      std::string id = e.request.assignedId;
      if (!e.request.ifNoneExist.empty() && Definitions::get().isResourceType(s[0])) {
        auto criteria = url::parseQuery(e.request.ifNoneExist);
        if (!criteria) throw FhirError(400, "invalid", "Bundle.entry[" + std::to_string(e.index) + "]: bad ifNoneExist");
        ResourceRepository(ctx.session, ctx.instance).lockConditionalWrites(s[0]);
        auto matches = findConditionalMatches(ctx, s[0], *criteria, e.request.baseUrl, 2);
        if (matches.size() == 1) id = matches.front().id;
      }
      if (!e.fullUrl.empty()) byFullUrl[e.fullUrl] = s[0] + "/" + id;
    } else if (e.request.method == "PUT" && s.size() == 2 && !e.fullUrl.empty()) {
      byFullUrl[e.fullUrl] = s[0] + "/" + s[1];
    }
  }
  return byFullUrl;
}

// A conditional reference ("Patient?identifier=x|1") names the one resource its search finds.
std::string resolveConditionalReference(FhirContext& ctx, const std::string& reference, const std::string& baseUrl) {
  size_t q = reference.find('?');
  std::string type = reference.substr(0, q);
  if (!Definitions::get().isResourceType(type))
    throw FhirError(400, "invalid", "conditional reference '" + reference + "' does not name a resource type");
  auto criteria = url::parseQuery(reference.substr(q + 1));
  if (!criteria) throw FhirError(400, "invalid", "conditional reference '" + reference + "' is malformed");
  requirePermission(ctx.access, type, kSearch);
  auto matches = findConditionalMatches(ctx, type, *criteria, baseUrl, 2);
  if (matches.size() != 1)
    throw FhirError(412, matches.empty() ? "not-found" : "multiple-matches",
                    "conditional reference '" + reference + "' matches " +
                        (matches.empty() ? std::string("nothing") : std::string("more than one resource")));
  return type + "/" + matches.front().id;
}

void rewriteReferences(FhirContext& ctx, Value& v, const std::map<std::string, std::string>& byFullUrl,
                       const std::string& baseUrl) {
  if (v.isArray()) {
    for (auto& item : v.items()) rewriteReferences(ctx, item, byFullUrl, baseUrl);
  } else if (v.isObject()) {
    for (auto& [key, value] : v.members()) {
      if (key == "reference" && value.isString()) {
        auto it = byFullUrl.find(value.text());
        if (it != byFullUrl.end()) value = Value::string(it->second);
        else if (value.text().find('?') != std::string::npos)
          value = Value::string(resolveConditionalReference(ctx, value.text(), baseUrl));
      } else {
        rewriteReferences(ctx, value, byFullUrl, baseUrl);
      }
    }
  }
}

void attachBody(Entry& e, const std::string& where) {
  if (e.resource.isNull()) return;
  if (e.request.method == "PATCH") {
    // A JSON Patch travels as a Binary resource.
    if (e.resource.stringAt("resourceType") != "Binary" || !e.resource.stringAt("data"))
      throw FhirError(400, "invalid", where + ": a PATCH entry carries its patch as a Binary resource");
    e.request.contentType = e.resource.stringAt("contentType").value_or("");
    e.request.body = base64Decode(*e.resource.stringAt("data"));
    return;
  }
  e.request.body = json::write(e.resource);
}

std::string lastModifiedOf(const FhirResponse& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "Last-Modified") {
      auto ms = parseHttpDate(value);
      return ms ? formatInstant(*ms) : "";
    }
  return "";
}

std::string header(const FhirResponse& r, const char* name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

// What entry `request` did, for the audit trail: a create names the resource it made (from its
// Location), anything else its own path.
EntryAccess entryAccess(const std::string& baseUrl, const FhirRequest& request, const FhirResponse& response) {
  EntryAccess access{request.method, "", {}, response.status};
  std::string location = header(response, "Location");
  if (location.rfind(baseUrl + "/", 0) == 0) {
    location.erase(0, baseUrl.size() + 1);
    access.target = location.substr(0, location.find("/_history/"));
  } else {
    for (const auto& segment : request.segments) access.target += (access.target.empty() ? "" : "/") + segment;
  }
  for (const auto& [name, value] : request.params) access.paramNames.push_back(name);
  return access;
}

}  // namespace

FhirResponse bundleInteraction(FhirContext& ctx, const FhirRequest& req) {
  Value bundle = resourceBody(req);
  // Entries are checked one by one as they are processed, so that in a batch one bad entry
  // fails only itself; the Bundle around them is validated here.
  Value entryList;
  const bool hasEntries = bundle.find("entry") != nullptr;
  if (hasEntries) {
    entryList = std::move(*bundle.find("entry"));
    bundle.erase("entry");
  }
  validateResource(bundle, "Bundle");
  Value* list = hasEntries ? &entryList : nullptr;
  if (list != nullptr && !list->isArray()) throw FhirError(400, "structure", "entry must be an array", "Bundle.entry");
  if (list != nullptr && list->items().size() > ctx.settings.maxBundleEntries)
    throw FhirError(413, "too-costly",
                    "a batch or transaction takes at most " + std::to_string(ctx.settings.maxBundleEntries) +
                        " entries; this one has " + std::to_string(list->items().size()) + "; split it",
                    "Bundle.entry");
  const std::string type = bundle.stringAt("type").value_or("");
  if (type != "batch" && type != "transaction")
    throw FhirError(400, "invalid", "POST to the base takes a Bundle of type batch or transaction, not '" + type + "'",
                    "Bundle.type");
  const bool transaction = type == "transaction";

  std::vector<Entry> entries;
  std::vector<std::optional<FhirError>> setupErrors;
  if (list != nullptr) {
    for (size_t i = 0; i < list->items().size(); ++i) {
      Value& item = list->items()[i];
      const std::string where = "Bundle.entry[" + std::to_string(i) + "]";
      Entry e{i, {}, item.stringAt("fullUrl").value_or(""), Value()};
      if (Value* r = item.find("resource")) e.resource = std::move(*r);
      try {
        if (!item.isObject()) throw FhirError(400, "structure", where + " must be an object");
        const Value* request = item.find("request");
        if (request == nullptr || !request->isObject())
          throw FhirError(400, "required", where + ": request is required");
        e.request = entryRequest(req, item, where);
        if (e.request.segments.size() == 1 && e.request.method == "POST" && e.request.segments[0].front() == '_')
          throw FhirError(400, "not-supported", where + ": this request is not allowed in a Bundle");
        setupErrors.emplace_back();
      } catch (const FhirError& error) {
        if (transaction) throw;
        setupErrors.emplace_back(error);
      }
      entries.push_back(std::move(e));
    }
  }

  std::vector<FhirResponse> responses(entries.size());
  // The first entry always runs: a budget is for how many more may follow.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ctx.settings.bundleTimeBudgetMs);
  const std::string budget = "its time budget of " + std::to_string(ctx.settings.bundleTimeBudgetMs) + " ms";
  if (transaction) {
    db::Transaction tx(ctx.session);
    auto byFullUrl = assignIds(ctx, entries);
    for (auto& e : entries) {
      rewriteReferences(ctx, e.resource, byFullUrl, req.baseUrl);
      attachBody(e, "Bundle.entry[" + std::to_string(e.index) + "]");
    }
    std::vector<Entry*> order;
    for (auto& e : entries) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(),
                     [](const Entry* a, const Entry* b) { return orderOf(a->request.method) < orderOf(b->request.method); });
    // Consecutive plain creates (POST [type]; a conditional one searches first) are written
    // together when the next entry, or the end, comes.
    ResourceRepository repo(ctx.session, ctx.instance);
    std::optional<ResourceRepository::DeferredCreates> creates;
    for (Entry* e : order) {
      if (e != order.front() && std::chrono::steady_clock::now() > deadline)
        throw FhirError(503, "timeout",
                        "the transaction ran past " + budget + " before Bundle.entry[" + std::to_string(e->index) +
                            "]; nothing was written (split it, or raise --bundle-time-budget-ms)");
      const auto& s = e->request.segments;
      const bool create = e->request.method == "POST" && s.size() == 1 && Definitions::get().isResourceType(s[0]) &&
                          e->request.ifNoneExist.empty();
      if (!create && creates) {
        creates->flush();
        creates.reset();
      }
      if (create && !creates) creates.emplace(repo);
      try {
        responses[e->index] = dispatchFhirRequest(ctx, e->request);
      } catch (const FhirError& error) {
        std::vector<Issue> issues = error.issues();
        for (auto& issue : issues)
          issue.diagnostics = "Bundle.entry[" + std::to_string(e->index) + "] (" + e->request.method + "): " +
                              issue.diagnostics;
        throw FhirError(error.status(), std::move(issues));
      }
    }
    if (creates) creates->flush();
    tx.commit();
  } else {
    for (auto& e : entries) {
      if (setupErrors[e.index]) {
        responses[e.index] = errorResponse(*setupErrors[e.index]);
        continue;
      }
      if (e.index > 0 && std::chrono::steady_clock::now() > deadline) {
        responses[e.index] = errorResponse(503, "timeout", "not run: the batch ran past " + budget);
        continue;
      }
      try {
        attachBody(e, "Bundle.entry[" + std::to_string(e.index) + "]");
      } catch (const FhirError& error) {
        responses[e.index] = errorResponse(error);
        continue;
      }
      responses[e.index] = routeFhirRequest(ctx, e.request);
    }
  }

  BundleWriter out(transaction ? "transaction-response" : "batch-response", req.baseUrl);
  for (const auto& r : responses) {
    const bool failed = r.status >= 400;
    out.responseEntry(std::to_string(r.status), header(r, "Location"), header(r, "ETag"), lastModifiedOf(r),
                      failed ? "" : r.body, failed ? r.body : "");
  }
  FhirResponse response;
  response.body = out.finish();
  for (const auto& e : entries) {
    if (setupErrors[e.index]) continue;
    response.entries.push_back(entryAccess(req.baseUrl, e.request, responses[e.index]));
  }
  return response;
}

}  // namespace flint::fhir

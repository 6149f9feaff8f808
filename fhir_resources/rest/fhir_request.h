// A FHIR interaction as plain values, free of any transport: the server builds one from an HTTP
// request, and batch/transaction entries will be dispatched the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"
#include "fhir_resources/rest/access.h"

namespace flint::fhir {

using Params = std::vector<std::pair<std::string, std::string>>;

struct FhirRequest {
  std::string method;                 // GET, POST, PUT, DELETE, ...
  std::vector<std::string> segments;  // path below the FHIR base, percent-decoded
  Params params;                      // query (or form) parameters in order, repeats kept
  std::string body;
  std::string contentType;            // media type only, lower case; empty when absent
  std::string ifMatch;
  std::string ifNoneMatch;
  std::string ifModifiedSince;
  std::string ifNoneExist;            // conditional create criteria, as a query string
  std::string prefer;
  std::string baseUrl;                // absolute FHIR base of the instance, no trailing '/'
  // For a create inside a transaction: the id already given out to resolve urn:uuid references.
  std::string assignedId;
};

// One entry of a batch or transaction that ran, for the audit trail: its interaction, what it
// concerned (type and id, a created resource's included), its search's parameter names, its status.
struct EntryAccess {
  std::string method;
  std::string target;  // "Patient/123", "Observation" (a search or create), "" (the base)
  std::vector<std::string> paramNames;
  int status = 0;
};

struct FhirResponse {
  int status = 200;
  std::string body;  // JSON text; empty for none
  std::vector<std::pair<std::string, std::string>> headers;
  // Why a 5xx answer failed, for the server's log only (redacted, log.h; never sent).
  std::string failure;
  // A batch's or transaction's entries, each audited as an access of its own (none when a
  // transaction failed: nothing it asked for happened).
  std::vector<EntryAccess> entries;
};

struct FhirSettings {
  int defaultCount = 20;  // page size when _count is absent
  int maxCount = 1000;    // larger _count values are reduced to this
  bool conditionalDeleteMultiple = false;  // a conditional delete may delete several (up to maxCount)
  size_t maxBundleEntries = 10000;  // a larger batch or transaction is refused (413) before any entry runs
  // How long a batch or transaction may run: a transaction past it is rolled back (503), a batch's
  // entries not started by then are answered 503 (each statement has its own timeout besides).
  int bundleTimeBudgetMs = 60000;
};

// What an interaction runs against: one instance, through the calling worker's database session,
// on behalf of a caller with `access`.
struct FhirContext {
  const instances::Instance& instance;
  db::Session& session;
  const FhirSettings& settings;
  const Access& access;
};

}  // namespace flint::fhir

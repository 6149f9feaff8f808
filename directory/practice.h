// A practice as the service-base-URL directory publishes it: an enabled instance with a patient
// portal, its organisation and locations, and when its entry last changed.
#pragma once

#include <cstdint>
#include <string>

namespace flint::directory {

struct Practice {
  std::string instance;          // the instance's name: its path segment and its entries' ids
  std::string organizationName;
  std::string npi;               // empty: none
  std::string address;           // a FHIR Address as JSON text; empty: none
  std::string locations;         // JSON array of {"name", "address"}
  std::string partOf;            // the instance name of the parent organisation; empty: none
  int64_t lastUpdated = 0;       // ms since the epoch
};

// One recorded change to an instance's directory entry.
struct DirectoryChange {
  int64_t seq = 0;
  int64_t at = 0;  // ms since the epoch
  std::string instance;
  std::string action;   // created, edited, disabled, enabled
  std::string actor;    // who made it: "admin API", "cli (user)", ...
  std::string changes;  // JSON object: field → {"from", "to"}
};

}  // namespace flint::directory

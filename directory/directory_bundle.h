// The service-base-URL directory as FHIR R4 (ONC HTI-1 170.404(b)(2), SMART App Launch 2.2
// User-access Brands): one Organization per practice with its NPI, address and locations, and the
// Endpoint of its FHIR base. Built once per change into bytes every request is served from.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "directory/practice.h"

namespace flint::directory {

// The identifier every practice's Organization carries and its SMART configuration names as
// `user_access_brand_identifier`: the instance's own URL, unique even where practices share an
// NPI (a practice's production and test instances).
struct BrandIdentifier {
  std::string system;
  std::string value;
};
BrandIdentifier brandIdentifier(const std::string& publicUrl, const std::string& instance);

// A serialized directory, or part of one, with its validators.
struct DirectoryDocument {
  std::string body;
  std::string gzipped;  // the body gzip-encoded; the whole directory's only (brand views are small)
  std::string etag;  // weak: W/"..."
  int64_t lastModified = 0;  // ms since the epoch
};

class DirectorySnapshot {
 public:
  // `lastChangeAt`: when the directory last changed (ms), its Bundle's timestamp.
  DirectorySnapshot(const std::vector<Practice>& practices, const std::string& publicUrl, int64_t lastChangeAt);

  const DirectoryDocument& bundle() const { return bundle_; }
  // The entries of the practices with an identifier of that value (an NPI or the brand
  // identifier), with the Organizations they are part of; empty entries when none has it.
  DirectoryDocument brand(const std::string& identifierValue) const;
  // One resource of the directory ("Organization/x", "Endpoint/x", "Location/x-1").
  std::optional<std::string> resource(const std::string& typeAndId) const;
  size_t practices() const { return practices_.size(); }

 private:
  struct Published {
    std::vector<std::string> identifiers;  // values
    std::string organization;              // its Organization's entry, serialized
    std::vector<std::string> others;       // its Endpoint's and Locations' entries
    int parent = -1;                       // index of the Organization it is part of
  };
  DirectoryDocument document(const std::vector<const std::string*>& entries) const;

  std::string base_;  // {public}/directory: the entries' fullUrls are below it
  int64_t lastChangeAt_;
  std::vector<Published> practices_;
  std::unordered_map<std::string, std::string> resources_;
  DirectoryDocument bundle_;
};

}  // namespace flint::directory

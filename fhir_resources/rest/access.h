// What the caller of one FHIR request may do: everything (an open instance), or what its SMART
// scopes grant, per resource type and interaction, and for patient/ scopes only within one
// patient's compartment. Built by the authorization layer; enforced by the router, the search
// engine and includes, so every path obeys the same rules.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace flint::fhir {

// SMART v2 permissions; v1 read/write map onto them.
enum Permission : uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kSearch = 16 };

class Access {
 public:
  static Access unrestricted() { return Access(true); }
  static Access none() { return Access(false); }
  // Grants `permissions` on `type` ("*" for every type), adding to what is already granted.
  void grant(const std::string& type, uint8_t permissions) { byType_[type] |= permissions; }
  // Grants `permissions` on `type` within the context patient's compartment only (resources of
  // types outside the Patient compartment, such as Practitioner, are not narrowed).
  void grantForPatient(const std::string& type, uint8_t permissions) { forPatient_[type] |= permissions; }
  void setPatient(std::string patientId) { patient_ = std::move(patientId); }

  bool isUnrestricted() const { return unrestricted_; }
  bool allows(const std::string& type, Permission permission) const;
  // Whether `permission` is granted on every type without a patient restriction (as system
  // history and searches across all types need).
  bool allowsEveryType(Permission permission) const;
  // The patient whose compartment bounds `permission` on `type`, or empty when nothing does.
  const std::string& compartmentPatient(const std::string& type, Permission permission) const;

 private:
  explicit Access(bool unrestricted) : unrestricted_(unrestricted) {}
  static bool has(const std::map<std::string, uint8_t>& grants, const std::string& type, Permission permission);

  bool unrestricted_;
  std::map<std::string, uint8_t> byType_;
  std::map<std::string, uint8_t> forPatient_;
  std::string patient_;
};

// Throws a 403 FhirError unless `access` allows `permission` on `type`.
void requirePermission(const Access& access, const std::string& type, Permission permission);

}  // namespace flint::fhir

// What the caller of one FHIR request may do: everything (an open instance), or what its SMART
// scopes grant, per resource type and interaction, and for patient/ scopes only within one
// patient's compartment. Built by the authorization layer; enforced by the router, the search
// engine and includes, so every path obeys the same rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flint::fhir {

// SMART v2 permissions; v1 read/write map onto them.
enum Permission : uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kSearch = 16 };

class Access {
 public:
  static Access unrestricted() { return Access(true); }
  static Access none() { return Access(false); }
  // Grants `permissions` on `type` ("*" for every type), adding to what is already granted.
  // `forPatient`: only within the context patient's compartment (types outside the Patient
  // compartment, such as Practitioner, are not narrowed). A non-empty `param`: only resources
  // that a search `param=value` finds (SMART v2 granular scopes such as category=...).
  void grant(const std::string& type, uint8_t permissions, bool forPatient = false, std::string param = "",
             std::string value = "") {
    grants_.push_back({type, permissions, forPatient, std::move(param), std::move(value)});
  }
  void setPatient(std::string patientId) { patient_ = std::move(patientId); }

  bool isUnrestricted() const { return unrestricted_; }
  bool allows(const std::string& type, Permission permission) const;
  // Whether `permission` is granted on every type without a patient restriction (as system
  // history and searches across all types need).
  bool allowsEveryType(Permission permission) const;
  // The patient whose compartment bounds `permission` on `type`, or empty when nothing does.
  const std::string& compartmentPatient(const std::string& type, Permission permission) const;
  // For a type outside the Patient compartment under patient/ scopes only: the patient whose
  // compartment's references bound what may be seen (its practitioners, organizations, ...).
  const std::string& referencingPatient(const std::string& type, Permission permission) const;
  // The search parameter and comma-joined values that bound `permission` on `type` when only
  // granular scopes grant it, e.g. {"category", "sys|laboratory,sys|vital-signs"}.
  std::optional<std::pair<std::string, std::string>> filter(const std::string& type, Permission permission) const;

 private:
  struct Grant {
    std::string type;
    uint8_t permissions;
    bool forPatient;
    std::string param;
    std::string value;
  };
  explicit Access(bool unrestricted) : unrestricted_(unrestricted) {}
  bool applies(const Grant& g, const std::string& type, Permission permission) const;

  bool unrestricted_;
  std::vector<Grant> grants_;
  std::string patient_;
};

// Throws a 403 FhirError unless `access` allows `permission` on `type`.
void requirePermission(const Access& access, const std::string& type, Permission permission);

}  // namespace flint::fhir

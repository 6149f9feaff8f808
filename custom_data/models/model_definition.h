// CustomModels declared as JSON: the reference product's Django models (fields, Meta indexes and
// UniqueConstraints) with its metaclass rules (§4.1 of ../shared/spec/canvas-reference.md),
// checked before any table is made. Names become SQL identifiers only after these checks, and
// are always quoted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json/json_value.h"

namespace flint::custom_data {

// What a relation points at: another model of the namespace, or the clinical record by FHIR id.
enum class TargetKind { None, Model, Patient, Practitioner, Encounter };

struct FieldDefinition {
  std::string name;
  std::string type;    // text, char, integer, bigint, boolean, date, datetime, decimal, float, json, uuid,
                       // foreign_key, one_to_one, many_to_many
  std::string column;  // the column (name, or name_id for a relation); empty for many_to_many
  std::string sqlType;
  TargetKind target = TargetKind::None;
  std::string targetModel;  // for TargetKind::Model
  std::string through;      // for many_to_many
  bool primaryKey = false;
  int maxLength = 0;  // char
};

struct IndexDefinition {
  std::string name;
  std::vector<std::string> columns;
  std::vector<bool> descending;
  bool unique = false;
};

struct ModelDefinition {
  std::string name;   // as declared, e.g. RoomBooking
  std::string table;  // lower case, e.g. roombooking
  std::vector<FieldDefinition> fields;
  std::vector<IndexDefinition> indexes;  // declared, automatic (relations) and unique ones
  std::string primaryKeyColumn;          // dbid, or a one_to_one's column
  json::Value document;                  // the declaration as given, for comparing installs

  const FieldDefinition* field(const std::string& name) const;
};

struct ModelSet {
  std::vector<ModelDefinition> models;
  const ModelDefinition* model(const std::string& name) const;
};

// Throws ManifestError (custom_data/manifest/plugin_manifest.h) with every problem, each with
// its JSON path. `pluginName` is the app label relations to the clinical record are named after;
// empty for declarations already checked at their install (their related names are not re-judged).
ModelSet parseModels(const json::Value& document, const std::string& pluginName);

// The table a model's rows live in: its class name in lower case (the reference's db_table).
std::string tableNameOf(const std::string& modelName);

// The namespace's system tables, which no model may be named after.
bool isSystemTable(const std::string& table);

}  // namespace flint::custom_data

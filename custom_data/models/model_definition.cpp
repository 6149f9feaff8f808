#include "custom_data/models/model_definition.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "core/text/ascii_case.h"
#include "custom_data/manifest/plugin_manifest.h"

namespace flint::custom_data {
namespace {

using json::Value;

const std::map<std::string, std::string>& scalarTypes() {
  static const std::map<std::string, std::string> types = {
      {"text", "text"},       {"char", "text"},         {"integer", "integer"},
      {"bigint", "bigint"},   {"boolean", "boolean"},   {"date", "date"},
      {"datetime", "timestamp with time zone"},          {"decimal", ""},
      {"float", "double precision"},                     {"json", "jsonb"},
      {"uuid", "uuid"}};
  return types;
}

std::optional<TargetKind> clinicalTarget(const std::string& to) {
  if (to == "Patient") return TargetKind::Patient;
  if (to == "Practitioner" || to == "Staff") return TargetKind::Practitioner;
  if (to == "Encounter" || to == "Note") return TargetKind::Encounter;
  return std::nullopt;
}

bool isRelation(const std::string& type) { return type == "foreign_key" || type == "one_to_one" || type == "many_to_many"; }

class Parser {
 public:
  Parser(const std::string& pluginName) : plugin_(pluginName) {}

  ModelSet run(const Value& document) {
    ModelSet set;
    if (!document.isObject() || document.find("models") == nullptr || !document.find("models")->isArray()) {
      fail("$", "must be an object with a \"models\" array");
      throw ManifestError(problems_);
    }
    for (const auto& [key, value] : document.members())
      if (key != "models") fail("$." + key, "is not allowed here");
    const auto& models = document.find("models")->items();
    for (size_t i = 0; i < models.size(); ++i) set.models.push_back(model(models[i], "$.models[" + std::to_string(i) + "]"));
    crossChecks(set);
    if (!problems_.empty()) throw ManifestError(problems_);
    return set;
  }

 private:
  void fail(const std::string& path, const std::string& message) { problems_.push_back(path + ": " + message); }

  static bool identifier(const std::string& s, size_t maxLength) {
    static const std::regex pattern("^[a-z][a-z0-9_]*$");
    return !s.empty() && s.size() <= maxLength && std::regex_match(s, pattern);
  }

  ModelDefinition model(const Value& v, const std::string& path) {
    ModelDefinition m;
    m.document = v;
    if (!v.isObject()) {
      fail(path, "must be an object");
      return m;
    }
    for (const auto& [key, value] : v.members())
      if (key != "name" && key != "fields" && key != "meta") fail(path + "." + key, "is not allowed here");
    m.name = v.stringAt("name").value_or("");
    static const std::regex className("^[A-Za-z][A-Za-z0-9_]*$");
    m.table = tableNameOf(m.name);
    if (!std::regex_match(m.name, className) || m.table.size() > 40) {
      fail(path + ".name", "must be a class name (letters, digits, '_'; at most 40 characters)");
    } else if (isSystemTable(m.table)) {
      fail(path + ".name", "'" + m.table + "' is one of the namespace's own tables");
    }
    const Value* fields = v.find("fields");
    if (fields == nullptr || !fields->isArray()) {
      fail(path + ".fields", "must be an array of fields");
      return m;
    }
    for (size_t i = 0; i < fields->items().size(); ++i)
      if (auto f = field(m, fields->items()[i], path + ".fields[" + std::to_string(i) + "]")) m.fields.push_back(std::move(*f));
    std::set<std::string> names;
    for (const auto& f : m.fields)
      if (!names.insert(f.name).second) fail(path + ".fields", "'" + f.name + "' is declared twice");
    m.primaryKeyColumn = "dbid";
    for (const auto& f : m.fields)
      if (f.primaryKey) m.primaryKeyColumn = f.column;
    if (std::count_if(m.fields.begin(), m.fields.end(), [](const FieldDefinition& f) { return f.primaryKey; }) > 1)
      fail(path + ".fields", "only one field may be the primary key");
    // Every relation's column other than the key is indexed, as Django does.
    for (const auto& f : m.fields)
      if ((f.type == "foreign_key" || f.type == "one_to_one") && !f.primaryKey) {
        if (m.table.size() + 1 + f.column.size() > 63)
          fail(path + ".fields", m.name + "." + f.name + ": the name is too long to index beside the table's name");
        m.indexes.push_back({f.column, {f.column}, {false}, f.type == "one_to_one"});
      }
    if (const Value* meta = v.find("meta")) metaOf(m, *meta, path + ".meta");
    return m;
  }

  std::optional<FieldDefinition> field(const ModelDefinition& m, const Value& v, const std::string& path) {
    if (!v.isObject()) {
      fail(path, "must be an object");
      return std::nullopt;
    }
    static const std::set<std::string> options = {"name", "type", "to", "through", "related_name", "primary_key", "unique",
                                                  "max_length", "max_digits", "decimal_places", "null", "blank", "default",
                                                  "on_delete", "to_field"};
    for (const auto& [key, value] : v.members())
      if (!options.count(key)) fail(path + "." + key, "is not a field option Flint knows");
    FieldDefinition f;
    f.name = v.stringAt("name").value_or("");
    f.type = v.stringAt("type").value_or("");
    const std::string where = m.name + "." + f.name;
    if (!identifier(f.name, 59) || f.name == "dbid") {
      fail(path + ".name", "must be a lower-case identifier of at most 59 characters, not 'dbid'");
      return std::nullopt;
    }
    auto flag = [&](const char* option) {
      const Value* o = v.find(option);
      if (o != nullptr && !o->isBool()) fail(path + "." + option, "must be true or false");
      return o != nullptr && o->isBool() && o->asBool();
    };
    f.primaryKey = flag("primary_key");
    const bool unique = flag("unique");
    flag("null");
    flag("blank");
    if (!scalarTypes().count(f.type) && !isRelation(f.type)) {
      fail(path + ".type", "'" + f.type + "' is not a supported field type");
      return std::nullopt;
    }
    if (f.primaryKey && f.type == "foreign_key") fail(path + ".primary_key", where + ": primary_key on a ForeignKey; use a OneToOneField instead");
    else if (f.primaryKey && f.type != "one_to_one")
      fail(path + ".primary_key", where + ": primary_key=True is allowed only on a OneToOneField (every model has its dbid)");
    if (unique && !isRelation(f.type))
      fail(path + ".unique", where + ": unique=True is not supported; declare a unique constraint in meta.constraints");
    if (!isRelation(f.type)) {
      for (const char* relational : {"to", "through", "related_name", "on_delete", "to_field"})
        if (v.find(relational) != nullptr) fail(path + "." + relational, "only relations take this option");
      f.column = f.name;
      f.sqlType = scalarTypes().at(f.type);
      if (f.type == "decimal") {
        int digits = integer(v, "max_digits", path, 20), places = integer(v, "decimal_places", path, 10);
        if (digits < 1 || digits > 1000 || places < 0 || places > digits)
          fail(path, "a decimal needs 1 <= max_digits <= 1000 and 0 <= decimal_places <= max_digits");
        f.sqlType = "numeric(" + std::to_string(digits) + ", " + std::to_string(places) + ")";
      }
      if (f.type == "char") f.maxLength = integer(v, "max_length", path, 0);
      return f;
    }
    const std::string to = v.stringAt("to").value_or("");
    if (auto clinical = clinicalTarget(to)) {
      f.target = *clinical;
      relatedNameRule(v, path, where, to);
    } else if (std::regex_match(to, std::regex("^[A-Za-z][A-Za-z0-9_]*$"))) {
      f.target = TargetKind::Model;
      f.targetModel = to;
    } else {
      fail(path + ".to", "must name a model of the namespace, or Patient, Practitioner (Staff) or Encounter (Note)");
    }
    if (const Value* toField = v.find("to_field"); toField != nullptr && (!toField->isString() || toField->text() != "dbid"))
      fail(path + ".to_field", "relations point at the target's dbid (or its FHIR id)");
    if (f.type == "many_to_many") {
      f.through = v.stringAt("through").value_or("");
      if (f.through.empty()) fail(path + ".through", where + ": a ManyToManyField needs an explicit through model");
      return f;
    }
    if (v.find("through") != nullptr) fail(path + ".through", "only a many_to_many takes a through model");
    f.column = f.name + "_id";
    f.sqlType = f.target == TargetKind::Model ? "bigint" : "text";
    return f;
  }

  // A relation to the clinical record must name its reverse relation for this plugin only.
  void relatedNameRule(const Value& v, const std::string& path, const std::string& where, const std::string& to) {
    const std::string name = v.stringAt("related_name").value_or("");
    if (plugin_.empty() || name == "+" || name.find("%(app_label)s") != std::string::npos || name.rfind(plugin_ + "_", 0) == 0) return;
    fail(path + ".related_name", where + ": a relation to " + to +
                                     " needs a namespaced related_name: containing %(app_label)s, starting with '" +
                                     plugin_ + "_', or '+'");
  }

  int integer(const Value& v, const char* key, const std::string& path, int fallback) {
    const Value* o = v.find(key);
    if (o == nullptr) return fallback;
    if (!o->isNumber() || !std::regex_match(o->text(), std::regex("[0-9]{1,4}"))) {
      fail(path + "." + key, "must be a whole number");
      return fallback;
    }
    return std::stoi(o->text());
  }

  // Meta: indexes ({name, fields}, "-field" for descending) and unique constraints.
  void metaOf(ModelDefinition& m, const Value& meta, const std::string& path) {
    if (!meta.isObject()) {
      fail(path, "must be an object");
      return;
    }
    for (const auto& [key, value] : meta.members())
      if (key != "indexes" && key != "constraints") fail(path + "." + key, "is not allowed here (Flint names tables itself)");
    auto list = [&](const char* key, bool constraints) {
      const Value* items = meta.find(key);
      if (items == nullptr) return;
      if (!items->isArray()) {
        fail(path + "." + key, "must be an array");
        return;
      }
      for (size_t i = 0; i < items->items().size(); ++i)
        index(m, items->items()[i], path + "." + key + "[" + std::to_string(i) + "]", constraints);
    };
    list("indexes", false);
    list("constraints", true);
  }

  void index(ModelDefinition& m, const Value& v, const std::string& path, bool constraint) {
    if (!v.isObject()) {
      fail(path, "must be an object");
      return;
    }
    const std::string type = v.stringAt("type").value_or(constraint ? "" : "index");
    if (constraint && type != "unique") {
      fail(path + ".type", m.name + ": meta.constraints may only hold unique constraints (\"type\": \"unique\")");
      return;
    }
    if (!constraint && type == "unique") {
      fail(path + ".type", m.name + ": a unique constraint belongs in meta.constraints, not meta.indexes");
      return;
    }
    for (const auto& [key, value] : v.members())
      if (key != "name" && key != "fields" && key != "type") fail(path + "." + key, "is not allowed here");
    IndexDefinition index;
    index.name = v.stringAt("name").value_or("");
    index.unique = constraint;
    if (!identifier(index.name, 63 - m.table.size() - 1)) fail(path + ".name", "must be a lower-case identifier short enough to prefix with the table");
    const Value* fields = v.find("fields");
    if (fields == nullptr || !fields->isArray() || fields->items().empty()) {
      fail(path + ".fields", "must list at least one field");
      return;
    }
    for (const auto& item : fields->items()) {
      std::string name = item.isString() ? item.text() : "";
      const bool descending = !name.empty() && name[0] == '-';
      if (descending) {
        if (constraint) fail(path + ".fields", m.name + ": a unique constraint cannot order its fields ('" + name + "')");
        name = name.substr(1);
      }
      const FieldDefinition* f = m.field(name);
      if (f == nullptr || f->column.empty()) {
        fail(path + ".fields", "'" + name + "' is not a field of " + m.name + " with a column");
        return;
      }
      index.columns.push_back(f->column);
      index.descending.push_back(descending);
    }
    if (index.columns.size() == 1)
      for (const auto& automatic : m.indexes)
        if (automatic.name == automatic.columns.front() && automatic.columns == index.columns)
          fail(path, m.name + ": an index on '" + index.columns.front() + "' duplicates the index every relation gets");
    for (const auto& other : m.indexes)
      if (other.name == index.name) fail(path + ".name", "'" + index.name + "' is already an index of " + m.name);
    m.indexes.push_back(std::move(index));
  }

  // Relations must point at models that exist; a through model must relate both ends.
  void crossChecks(const ModelSet& set) {
    std::set<std::string> tables;
    for (size_t i = 0; i < set.models.size(); ++i) {
      const auto& m = set.models[i];
      if (!m.table.empty() && !tables.insert(m.table).second)
        fail("$.models[" + std::to_string(i) + "].name", "another model already has the table '" + m.table + "'");
      for (const auto& f : m.fields) {
        if (f.target == TargetKind::Model && set.model(f.targetModel) == nullptr)
          fail("$.models[" + std::to_string(i) + "]", m.name + "." + f.name + ": there is no model '" + f.targetModel + "'");
        if (f.type == "many_to_many" && !f.through.empty() && set.model(f.through) == nullptr)
          fail("$.models[" + std::to_string(i) + "]", m.name + "." + f.name + ": there is no through model '" + f.through + "'");
      }
    }
  }

  std::string plugin_;
  std::vector<std::string> problems_;
};

}  // namespace

const FieldDefinition* ModelDefinition::field(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

const ModelDefinition* ModelSet::model(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::string tableNameOf(const std::string& modelName) { return text::asciiLower(modelName); }

bool isSystemTable(const std::string& table) {
  static const std::set<std::string> system = {"namespace_auth", "attribute_hub", "custom_attribute", "schema_version",
                                               "custom_models"};
  return system.count(table) > 0;
}

ModelSet parseModels(const json::Value& document, const std::string& pluginName) { return Parser(pluginName).run(document); }

}  // namespace flint::custom_data

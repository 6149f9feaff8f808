// A list request on a model's rows as the reference product's QuerySet takes it: Django-style
// lookups (`field`, `field__gte`, `exclude__field__in`, ...), `order_by` and keyset paging,
// parsed from query parameters against the declared model, so only declared names and bound
// values ever reach SQL.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "custom_data/models/model_definition.h"

namespace flint::custom_data {

struct Condition {
  // The relations followed to reach the field (booking__room__name: room), each with the model
  // it leads to; empty for the model's own fields.
  std::vector<std::pair<const FieldDefinition*, const ModelDefinition*>> via;
  const FieldDefinition* field = nullptr;  // null: the primary key (dbid) of the last model
  std::string lookup;                      // exact, iexact, gt, gte, lt, lte, in, contains, icontains,
                                           // startswith, istartswith, isnull, range
  std::vector<std::optional<std::string>> values;  // parameter texts
  bool exclude = false;
};

struct SortKey {
  const FieldDefinition* field = nullptr;  // null: the primary key
  bool descending = false;
};

struct RowQuery {
  std::vector<Condition> conditions;
  std::vector<SortKey> order;  // always ends with the primary key
  int limit = 20;
  // After which row (its sort values, as parameter texts), from the cursor of the previous page.
  std::optional<std::vector<std::optional<std::string>>> after;
  bool countOnly = false;
};

// Throws RowError 400 naming the parameter it cannot use.
// `models`: the namespace's, through which lookups follow foreign keys.
RowQuery parseRowQuery(const ModelDefinition& model, const ModelSet& models,
                       const std::vector<std::pair<std::string, std::string>>& params);

// "a,b,c" → a, b, c: how lists of names and values are written in query parameters.
std::vector<std::string> splitList(const std::string& text, char separator = ',');

// The cursor that continues after a row with these sort values.
std::string encodeCursor(const std::vector<std::optional<std::string>>& sortValues);

}  // namespace flint::custom_data

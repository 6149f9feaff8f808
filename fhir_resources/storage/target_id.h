// How a reference's target id is kept in search_reference.target_id (bytea): a UUID written in
// lower case as its 16 bytes, any other id as its own bytes, with a zero byte appended when it
// is 16 bytes long (which would otherwise read as a UUID). Most ids are UUIDs: 37 bytes became
// 17, in the row and in the index by target.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flint::fhir {

// The stored bytes of target id `id`.
std::string storedTargetId(std::string_view id);

// The stored form of `id` as a bytea parameter's text ("\x…"), and of `ids` as a bytea[] one.
std::string storedTargetIdParam(std::string_view id);
std::string storedTargetIdsParam(const std::vector<std::string>& ids);

// The same in SQL: the stored form of the text expression `id`, and the id a stored form
// `stored` (a bytea expression) is of. Each names its argument more than once: pass a column
// or a parameter, not a subquery.
std::string storedTargetIdSql(const std::string& id);
std::string targetIdSql(const std::string& stored);

}  // namespace flint::fhir

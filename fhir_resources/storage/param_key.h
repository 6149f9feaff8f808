// The integer that names one search parameter of one resource type in the index tables. Their
// indexes lead with it, so building and probing them compares one int4 instead of two strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flint::fhir {

// The first four bytes of MD5("Type.param") as a signed big-endian integer, which PostgreSQL
// computes as ('x' || left(md5(...), 8))::bit(32)::int (migration 11). Distinct for every
// parameter the definitions give, modifier forms included (unit-tested), so the key alone
// tells rows of different parameters apart.
int32_t paramKey(std::string_view type, std::string_view param);

// Every key a resource of `type` can have index rows under: its indexed parameters in each
// form (index_rows.h), including those stored by earlier index versions. Index rows name no
// type, so these keys are what set a resource's rows apart from those of another type's
// resource with the same id.
const std::vector<int32_t>& paramKeysOf(const std::string& type);
// The keys of `type`'s reference parameters: those its rows in search_reference can have.
const std::vector<int32_t>& referenceKeysOf(const std::string& type);

}  // namespace flint::fhir

// The integer that names one search parameter of one resource type in the index tables. Their
// indexes lead with it, so building and probing them compares one int4 instead of two strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flint::fhir {

// The first four bytes of MD5("Type.param") as a signed big-endian integer, which PostgreSQL
// computes as ('x' || left(md5(...), 8))::bit(32)::int (migration 11). Distinct for every
// parameter the definitions give, modifier forms included (unit-tested), so the key alone
// tells rows of different parameters apart.
int32_t paramKey(std::string_view type, std::string_view param);

}  // namespace flint::fhir

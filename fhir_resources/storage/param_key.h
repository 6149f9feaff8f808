// The integers that name, in the index tables, one search parameter of one resource type (their
// indexes lead with it, so building and probing them compares one int4 instead of two strings)
// and a system of codes or units (8 bytes where the URI was 37 on average, in rows and indexes).
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

// The first eight bytes of MD5(system), signed big-endian: ('x' || left(md5(...), 16))::bit(64)
// ::bigint in PostgreSQL (instance migration 27). Two systems that share a key and a code would
// match each other's searches; among 2^64 keys that is not expected to happen in any instance.
int64_t systemKey(std::string_view system);

}  // namespace flint::fhir

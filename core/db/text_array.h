// A PostgreSQL text[] literal, so that a list travels as one statement parameter ($1::text[]).
#pragma once

#include <string>
#include <vector>

namespace flint::db {

std::string textArray(const std::vector<std::string>& values);

}  // namespace flint::db

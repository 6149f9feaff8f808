// The definitions of an instance's schemas as pg_dump writes them (tables, sequences and
// functions before the data; keys, indexes, statistics and triggers after it), so a copy on
// another cluster is the same down to the last index, custom data tables included.
#pragma once

#include <string>
#include <vector>

namespace flint::instances::move {

// pg_dump's `section` ("pre-data" or "post-data") of `schemas` in the database at `url`, ready to
// run on another database. The password, if any, reaches pg_dump through its environment,
// never its command line. Throws std::runtime_error when pg_dump fails.
std::string schemaDdl(const std::string& url, int serverMajorVersion, const std::vector<std::string>& schemas,
                      const std::string& section);

}  // namespace flint::instances::move

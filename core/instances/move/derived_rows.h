// Search index rows follow their resource. They have no key, and PostgreSQL 15 applies a
// replicated delete of a keyless row by scanning the whole table, so a move does not replicate
// them: the target notes the id of every resource the stream changes, and each pass replaces
// the index rows of those ids (the rows name their resource by id; the parameter implies the
// type) with the source's.
#pragma once

#include <string>
#include <vector>

#include "core/db/raw_connection.h"
#include "core/instances/move/moved_tables.h"

namespace flint::instances::move {

// On the target: the queue of changed resources (`changed`), every id changed since the copy
// (`changed_ids`, for the freeze's comparison) and the trigger that fills both as the
// subscription applies changes to `schema`.resources.
void noteChangedResources(db::RawConnection& target, const std::string& name, const std::string& schema);

// Replaces the derived rows of the resources noted so far with the source's current ones, in
// batches; returns how many resources were brought up to date.
long long syncDerivedRows(db::RawConnection& source, db::RawConnection& target, const std::string& name,
                          const std::vector<MovedTable>& tables);

}  // namespace flint::instances::move

// Where an instance's data is served from: the primary of the cluster its schema is placed on.
#pragma once

#include "core/db/session.h"
#include "core/instances/instance.h"

namespace flint::instances {

// The calling thread's session on the instance's primary.
inline db::Session& primarySession(const Instance& instance) { return db::Session::forThisThread(instance.databaseUrl); }

}  // namespace flint::instances

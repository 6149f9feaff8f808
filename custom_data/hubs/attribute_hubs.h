// AttributeHubs: schemaless attributes on hubs keyed by (type, id), as the reference product's
// AttributeHub / CustomAttribute (§4.3–4.4): each value in the typed column its JSON picks
// (string → text, integer → int, number with a fraction → decimal, boolean, object or array →
// json, {"date": ...} → date, {"timestamp": ...} → timestamp).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/db/session.h"
#include "core/instances/instance.h"
#include "custom_data/rows/row_service.h"

namespace flint::custom_data {

// /{instance}/custom-data/{namespace}/hubs[/{type}/{id}[/attributes/{name}]]: `request.key` holds
// the path below hubs ("", "{type}/{id}" or "{type}/{id}/attributes/{name}"). Throws RowError.
RowResponse handleHubs(db::Session& session, const instances::Instance& instance, const RowRequest& request);

}  // namespace flint::custom_data

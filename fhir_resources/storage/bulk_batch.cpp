#include "fhir_resources/storage/bulk_batch.h"

#include "fhir_resources/storage/param_key.h"
#include "fhir_resources/storage/stored_content.h"
#include "fhir_resources/storage/target_id.h"

namespace flint::fhir {
namespace {

enum TableIndex { kResources, kToken, kString, kReference, kDate, kNumber, kComposite };

// A tuple of an index table, started with the resource's number.
db::BinaryCopyRows& keyed(BulkBatch::Table& table, int64_t number) {
  return table.rows.row(static_cast<int16_t>(table.columns.size())).int8(number);
}

// A token's system as its key (param_key.h), or NULL for none.
db::BinaryCopyRows& systemOrNull(db::BinaryCopyRows& rows, const std::string& system) {
  return system.empty() ? rows.null() : rows.int8(systemKey(system));
}

}  // namespace

BulkBatch::BulkBatch(std::shared_ptr<const instances::ContentDictionaries> dictionaries)
    : dictionaries_(std::move(dictionaries)),
      tables_{{{"resources",
                {"resource_type", "id", "version_id", "last_updated", "deleted", "content", "content_bytes", "method", "rid"},
                {}},
               {"search_token", {"rid", "param_key", "system_key", "code", "text_norm"}, {}},
               {"search_string", {"rid", "param_key", "value_norm", "value"}, {}},
               {"search_reference", {"rid", "param_key", "target_type", "target_id", "url"}, {}},
               {"search_date", {"rid", "param_key", "low", "high"}, {}},
               {"search_number", {"rid", "param_key", "value", "system_key", "code"}, {}},
               {"search_composite",
                {"rid", "param_key", "key_system_key", "key_code", "system_key", "code", "value", "value_norm", "low", "high"},
                {}}}} {}

BulkBatch BulkBatch::sizedLike(const BulkBatch& previous) {
  BulkBatch next(previous.dictionaries_);
  for (size_t i = 0; i < next.tables_.size(); ++i) {
    const size_t used = previous.tables_[i].rows.tuples().size();
    next.tables_[i].rows.reserve(used + used / 8);
  }
  return next;
}

void BulkBatch::add(const ResourceRow& row, const IndexRows& index, int64_t number) {
  auto param = [&](const std::string& name) { return paramKey(row.type, name); };
  // A first version has no history row: resource_history holds superseded versions (docs/storage.md).
  auto& resources = tables_[kResources];
  resources.rows.row(static_cast<int16_t>(resources.columns.size()))
      .text(row.type)
      .text(row.id)
      .int8(row.versionId)
      .int8(row.lastUpdated)
      .boolean(false)
      .bytes(packContent(row.content, *dictionaries_))
      .int4(static_cast<int32_t>(row.content.size()))
      .text(row.method)
      .int8(number);
  for (const auto& t : index.tokens)
    systemOrNull(keyed(tables_[kToken], number).int4(param(t.param)), t.system).textOrNull(t.code).textOrNull(t.text);
  for (const auto& s : index.strings) keyed(tables_[kString], number).int4(param(s.param)).text(s.normalized).text(s.exact);
  for (const auto& r : index.references) {
    auto& out = keyed(tables_[kReference], number).int4(param(r.param)).textOrNull(r.targetType);
    if (r.targetId.empty()) out.null();
    else out.bytes(storedTargetId(r.targetId));
    out.textOrNull(r.url);
  }
  for (const auto& d : index.dates) keyed(tables_[kDate], number).int4(param(d.param)).int8(d.low).int8(d.high);
  for (const auto& n : index.numbers)
    systemOrNull(keyed(tables_[kNumber], number).int4(param(n.param)).numeric(n.value), n.system).textOrNull(n.code);
  for (const auto& c : index.composites) {
    auto& out = systemOrNull(keyed(tables_[kComposite], number).int4(param(c.param)), c.keySystem).text(c.keyCode);
    systemOrNull(out, c.system).textOrNull(c.code);
    if (c.value.empty()) out.null();
    else out.numeric(c.value);
    out.textOrNull(c.valueNorm);
    if (c.low) out.int8(*c.low).int8(*c.high);
    else out.null().null();
  }
  ++resources_;
}

}  // namespace flint::fhir

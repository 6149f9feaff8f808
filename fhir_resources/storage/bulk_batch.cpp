#include "fhir_resources/storage/bulk_batch.h"

#include <algorithm>
#include <string_view>

#include "core/text/word_scan.h"
#include "fhir_resources/storage/param_key.h"

namespace flint::fhir {
namespace {

enum TableIndex { kResources, kHistory, kToken, kString, kReference, kDate, kNumber, kComposite };

// COPY text escaping: a backslash and the three control characters COPY treats as delimiters.
void appendEscaped(std::string& out, std::string_view value) {
  size_t start = 0, i = 0;
  while (i < value.size()) {
    if (value.size() - i >= 8) {
      const uint64_t word = text::loadWord(value, i);
      if (!text::hasByteBelow(word, 0x20) && !text::hasByte(word, '\\')) {
        i += 8;
        continue;
      }
    }
    for (const size_t end = std::min(i + 8, value.size()); i < end; ++i) {
      char escape;
      switch (value[i]) {
        case '\\': escape = '\\'; break;
        case '\n': escape = 'n'; break;
        case '\r': escape = 'r'; break;
        case '\t': escape = 't'; break;
        default: continue;
      }
      out.append(value.data() + start, i - start);
      out += '\\';
      out += escape;
      start = i + 1;
    }
  }
  out.append(value.data() + start, value.size() - start);
}

// One COPY row of a table keyed by the resource's type and id.
class Line {
 public:
  Line(std::string& out, const ResourceRow& row) : out_(out), type_(row.type) {
    if (!out_.empty()) out_ += '\n';
    appendEscaped(out_, row.type);
    out_ += '\t';
    appendEscaped(out_, row.id);
  }
  Line& text(std::string_view v) {
    out_ += '\t';
    appendEscaped(out_, v);
    return *this;
  }
  Line& nullable(std::string_view v) {
    if (v.empty()) {
      out_ += "\t\\N";
      return *this;
    }
    return text(v);
  }
  Line& raw(std::string_view v) {
    out_ += '\t';
    out_ += v;
    return *this;
  }
  Line& integer(int64_t v) { return raw(std::to_string(v)); }
  Line& param(std::string_view name) { return integer(paramKey(type_, name)); }

 private:
  std::string& out_;
  const std::string& type_;
};

}  // namespace

BulkBatch::BulkBatch()
    : tables_{{{"resources", {"resource_type", "id", "version_id", "last_updated", "deleted", "content"}, {}},
               {"resource_history", {"resource_type", "id", "version_id", "last_updated", "method"}, {}},
               {"search_token", {"resource_type", "id", "param_key", "system", "code", "text_norm"}, {}},
               {"search_string", {"resource_type", "id", "param_key", "value_norm", "value"}, {}},
               {"search_reference", {"resource_type", "id", "param_key", "target_type", "target_id", "url"}, {}},
               {"search_date", {"resource_type", "id", "param_key", "low", "high"}, {}},
               {"search_number", {"resource_type", "id", "param_key", "value", "system", "code"}, {}},
               {"search_composite",
                {"resource_type", "id", "param_key", "key_system", "key_code", "system", "code", "value", "value_norm",
                 "low", "high"},
                {}}}} {}

void BulkBatch::add(const ResourceRow& row, const IndexRows& index) {
  Line(tables_[kResources].lines, row).integer(row.versionId).integer(row.lastUpdated).raw("f").text(row.content);
  // The history row of a current version leaves its content to the current row (docs/storage.md).
  Line(tables_[kHistory].lines, row).integer(row.versionId).integer(row.lastUpdated).text(row.method);
  for (const auto& t : index.tokens)
    Line(tables_[kToken].lines, row).param(t.param).nullable(t.system).nullable(t.code).nullable(t.text);
  for (const auto& s : index.strings) Line(tables_[kString].lines, row).param(s.param).text(s.normalized).text(s.exact);
  for (const auto& r : index.references)
    Line(tables_[kReference].lines, row).param(r.param).nullable(r.targetType).nullable(r.targetId).text(r.url);
  for (const auto& d : index.dates) Line(tables_[kDate].lines, row).param(d.param).integer(d.low).integer(d.high);
  for (const auto& n : index.numbers)
    Line(tables_[kNumber].lines, row).param(n.param).raw(n.value).nullable(n.system).nullable(n.code);
  for (const auto& c : index.composites) {
    Line line(tables_[kComposite].lines, row);
    line.param(c.param).nullable(c.keySystem).text(c.keyCode).nullable(c.system).nullable(c.code).nullable(c.value);
    line.nullable(c.valueNorm);
    if (c.low) line.integer(*c.low).integer(*c.high);
    else line.raw("\\N").raw("\\N");
  }
  ++resources_;
}

}  // namespace flint::fhir

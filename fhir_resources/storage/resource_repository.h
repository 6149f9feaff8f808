// SQL access to one instance's resources: the current version of each resource in `resources`,
// every version in `resource_history` (see docs/storage.md). Knows nothing of HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "core/db/pipelined_connection.h"
#include "core/db/session.h"
#include "core/instances/instance.h"
#include "fhir_resources/search/index/index_rows.h"

namespace flint::fhir {

class BulkBatch;

struct ResourceRow {
  std::string type;
  std::string id;
  int64_t versionId = 0;
  int64_t lastUpdated = 0;  // ms since the epoch
  bool deleted = false;
  std::string method;       // history only: POST, PUT or DELETE
  std::string content;      // the resource's JSON text; empty when deleted
  int64_t contentBytes = 0;  // its length, when only that was asked for (ListedContent::Size)
  std::vector<std::optional<std::string>> sortValues;  // search results: the values the query sorted by
  int64_t number = 0;  // search results: the resource's number (resource_number.h), their last sort key
};

// A half-open range condition on last_updated, as a search prefix reduces to.
struct InstantBound {
  enum class Op { AtLeast, Before, NotIn } op;
  int64_t value = 0;
  int64_t valueHigh = 0;  // NotIn only: excluded range [value, valueHigh)
};

// One search parameter's condition on an index table: resources with an entry of `params` that
// matches any of `anyOf` (or, negated, with none; or, for :missing, with any entry at all).
// Several params (a compartment's membership parameters) are alternatives.
struct IndexMatch {
  std::string sql;                  // a predicate on alias x with ?-placeholders, e.g. "x.code = ?"
  std::vector<std::string> values;  // one per placeholder
  std::vector<std::string> params = {};  // only entries of these of the condition's params; empty: any
};

struct ResourceQuery;

struct IndexCondition {
  enum class Table { Token, String, Reference, Date, Number, Composite } table;
  std::vector<std::string> params;
  std::vector<IndexMatch> anyOf;  // empty: any entry of the parameter
  bool negate = false;
  // Chained parameters and _has (reference parameters only), one query per resource type at the
  // other end: the entries of `params` point at a resource any of `linked` finds, or, `reverse`,
  // a resource any of `linked` finds points at the resource through its entries of `params`.
  std::vector<std::shared_ptr<ResourceQuery>> linked;
  bool reverse = false;
  // In a query over several types, a condition only on resources of this type (others pass).
  std::string onlyForType;
};

// One key results are ordered by: a column, or a search parameter (a resource's lowest value
// ascending, highest descending; resources without a value last). Ties fall to the next key,
// then to the resources' numbers.
struct SortKey {
  enum class Source { LastUpdated, Id, Token, String, Reference, Date, Number } source;
  std::vector<std::string> params;  // the index rows' params holding the sort parameter's values
  bool descending = false;
};

// A keyset position: a page continues strictly after (or, `before`, ends strictly before) the
// resource with these sort values (none where it had no value) and number.
struct Cursor {
  bool before = false;
  std::vector<std::optional<std::string>> sortValues;
  int64_t number = 0;
};

// Resources that some resource of a patient's compartment (or the patient's own record)
// references: what patient-scoped apps may see of types outside the compartment. With
// `wholeRecord`, also the patient and its compartment themselves (Patient/$everything).
struct ReferencedFromPatient {
  std::string patientId;
  // (compartment type, one of its compartment reference parameters), every such combination
  std::vector<std::pair<std::string, std::string>> members;
  bool wholeRecord = false;
};

struct ResourceQuery {
  std::vector<std::string> types;  // one for a type search; several for a system search
  std::vector<std::string> ids;  // empty: any id
  std::vector<InstantBound> lastUpdated;
  std::vector<IndexCondition> conditions;
  std::optional<ReferencedFromPatient> referencedFrom;
  bool matchesNothing = false;         // e.g. _id values that are not ids
  std::vector<SortKey> sort;           // empty: by number (resource_number.h)
  std::optional<Cursor> cursor;
  // With a `before` cursor rows come back in reverse order, nearest the cursor first.
  int limit = 20;
};

struct HistoryCursor {
  int64_t lastUpdated;
  std::string type;
  std::string id;
  int64_t versionId;
};

struct HistoryQuery {
  std::optional<std::string> type;
  std::optional<std::string> id;
  std::optional<int64_t> since;
  std::optional<HistoryCursor> before;
  int limit = 20;
};

struct CurrentState {
  int64_t versionId;
  int64_t lastUpdated;
  bool deleted;
};

// A resource to read: its current version (versionId 0) or the given one.
struct RowKey {
  std::string type;
  std::string id;
  int64_t versionId = 0;
};

class ResourceRepository {
 public:
  ResourceRepository(db::Session& session, const instances::Instance& instance);

  std::optional<ResourceRow> current(const std::string& type, const std::string& id);
  std::optional<ResourceRow> version(const std::string& type, const std::string& id, int64_t versionId);
  // The superseded version that was current at `atMillis` (the latest written at or before it),
  // for a resource updated since; nullopt when it did not exist then.
  std::optional<ResourceRow> versionAt(const std::string& type, const std::string& id, int64_t atMillis);
  // The statement reading the current versions of `keys` in `instance`, for a caller that runs
  // it on a connection of its own (db::PipelinedConnection), and its result's rows in the order
  // of the keys (none where a resource is unknown).
  static db::Statement currentRowsStatement(const instances::Instance& instance, const std::vector<RowKey>& keys);
  static std::vector<std::optional<ResourceRow>> currentRowsFrom(const db::StatementResult& result, size_t count,
                                                                 const instances::Instance& instance);
  // What is read of each resource: its row with the JSON, the row with only the JSON's length in
  // bytes and no version (from the primary key alone), or only its type and id (from the
  // indexes alone).
  enum class ListedContent { Full, Size, Keys };
  // With Keys, the rows carry type and id only (and no sort values); Size is not for lists.
  std::vector<ResourceRow> list(const ResourceQuery& query, ListedContent listed = ListedContent::Full);
  // The ids of the `sourceType` resources whose `param` points at one of `ids` of `targetType`
  // (as referencing() finds them, without reading them); with `latestPerTarget`, of those
  // pointing at each target only the most recently updated.
  std::vector<std::string> referencingIds(const std::string& sourceType, const std::string& param,
                                          const std::string& targetType, const std::vector<std::string>& ids,
                                          bool latestPerTarget = false);
  // The (type, id) of every resource of `targetTypes` that the `type` resources `ids` reference.
  std::vector<std::pair<std::string, std::string>> referencedBy(const std::string& type,
                                                                const std::vector<std::string>& ids,
                                                                const std::vector<std::string>& targetTypes);
  // Ids of `type` after `afterId` whose deletion is their current version, deleted in
  // (`after`, `until`] (ms), in id order; at most `limit`.
  std::vector<std::string> deletedIds(const std::string& type, const std::string& afterId, int64_t after,
                                      int64_t until, int limit);
  // The current rows of these resources of `type`, in the order of `ids` (none for unknown ids);
  // Full or Size.
  std::vector<ResourceRow> currentOf(const std::string& type, const std::vector<std::string>& ids,
                                     ListedContent listed = ListedContent::Full);
  // How many resources match (ignoring the cursor and limit).
  int64_t count(const ResourceQuery& query);
  std::vector<ResourceRow> history(const HistoryQuery& query);
  // Serialises conditional writes of one resource type in this instance until the enclosing
  // db::Transaction ends, so that two requests cannot both see "no match" and both create.
  void lockConditionalWrites(const std::string& type);
  // _include: the current resources that `param` of the given `type` resources points at
  // (only of `targetType` when it is not empty), at most `limit`.
  std::vector<ResourceRow> referencedBy(const std::string& type, const std::vector<std::string>& ids,
                                        const std::string& param, const std::string& targetType, int limit);
  // _revinclude: the current `sourceType` resources whose `param` points at one of `ids` of `targetType`.
  std::vector<ResourceRow> referencing(const std::string& sourceType, const std::string& param,
                                       const std::string& targetType, const std::vector<std::string>& ids, int limit);
  // Whether writes join a larger transaction (a transaction Bundle), which cannot retry alone.
  bool inSharedTransaction() const { return session_.ambient() != nullptr; }
  // Loads a batch of new resources and their index entries with COPY (the seed's fast path);
  // the ids must be new.
  void bulkInsert(const BulkBatch& batch);

  // While one is alive, first versions this thread writes through the repository's session and
  // instance inside the ambient transaction (a transaction Bundle's creates, whose ids are new)
  // are held back and COPYed together by flush(): one round trip instead of one per resource.
  // Reads meanwhile would not see them, so the holder flushes before anything else runs.
  class DeferredCreates {
   public:
    explicit DeferredCreates(ResourceRepository& repo);
    DeferredCreates(const DeferredCreates&) = delete;
    DeferredCreates& operator=(const DeferredCreates&) = delete;
    ~DeferredCreates();
    void flush();

   private:
    friend class ResourceRepository;
    // The sequence part of the next held create's number.
    int64_t nextSequenceValue();
    ResourceRepository& repo_;
    std::unique_ptr<BulkBatch> batch_;
    std::vector<int64_t> numbers_;  // taken from the instance's sequence, next last
  };
  // Current, non-deleted resources of `type` (all types if empty) after `afterKey` ("type/id"), for reindexing.
  std::vector<ResourceRow> scan(const std::string& type, const std::string& afterType, const std::string& afterId,
                                int limit);
  // Replaces the index entries of each resource, in one transaction.
  void reindex(const std::vector<ResourceRow>& rows, const std::vector<IndexRows>& index);

  // About `count` current resources' JSON from pages of the table picked at random: what a
  // content dictionary is trained on (stored_content.h).
  std::vector<std::string> sampleContent(int count);
  // Superseded versions with content after (type, id, version) in that order, for repacking.
  std::vector<ResourceRow> scanHistory(const std::string& afterType, const std::string& afterId, int64_t afterVersion,
                                       int limit);
  // Stores the rows' content again as the instance's dictionary for writes compresses it now, in
  // one transaction; `history`: rows of resource_history. A current row that has meanwhile moved
  // on to a later version is left as it is (that version was written compressed as now).
  void repack(const std::vector<ResourceRow>& rows, bool history);

  // Every write goes through one of these, so whatever must change with a resource (search
  // indexes, later) changes in the same transaction.
  class WriteTx {
   public:
    explicit WriteTx(ResourceRepository& repo);
    std::optional<CurrentState> lockCurrent(const std::string& type, const std::string& id);
    // Like lockCurrent, also returning the current content (empty when deleted).
    std::optional<CurrentState> lockCurrent(const std::string& type, const std::string& id, std::string& content);
    // Stores a version and, for a live resource, its search index entries (`index` may only be
    // null for a deletion, which removes them).
    void put(const ResourceRow& row, const IndexRows* index);
    // Commits, unless the write is part of an ambient transaction (which commits it later).
    void commit() {
      if (own_) own_->commit();
    }
    pqxx::work& transaction() { return tx_; }

   private:
    ResourceRepository& repo_;
    std::optional<pqxx::work> own_;  // unset when running inside the session's ambient transaction
    pqxx::work& tx_;
  };

 private:
  const std::string& statement(const char* name, const char* sqlTemplate);
  // The SQL of a search is shaped for the plan it runs with: `generic`, one made once for any
  // values (genericPlanFits), else one made for these.
  // " WHERE ..." selecting the query's resources (as `alias`), appending its parameters; when
  // `driver` (one of its conditions) already chose the rows, without it and the live-row check;
  // without `resources`, `alias` is the driver's numbers alone, and only conditions are checked;
  // `probeReverse` checks each _has by looking up the resource's linked entries.
  std::string whereClause(const ResourceQuery& query, std::vector<std::string>& params, const std::string& alias,
                          bool generic, const IndexCondition* driver = nullptr, bool resources = true,
                          bool probeReverse = false);
  // The FROM clause of a page read from a bounded part of the search's order, and the column
  // holding the first sort key's value where the walk reads it (else empty).
  struct Walk {
    std::string from;
    std::string sorted;
  };
  using WalkBuilder = std::function<Walk(std::vector<std::string>& params, bool generic)>;
  // " FROM ... WHERE ..." of a page drawn from at most `walk` of the searched types' resources
  // after the cursor, in number order, each probed for the query's conditions.
  std::string walkClause(const ResourceQuery& query, std::vector<std::string>& params, bool generic, int walk);
  // A page drawn from the dated token entries `entries` in their date order, latest first,
  // standing for `condition`.
  Walk datedClause(const ResourceQuery& query, const IndexCondition& condition, const IndexMatch& entries,
                   std::vector<std::string>& params, bool generic);
  // " FROM ..." of a page drawn from the string prefix `condition`'s entries value by value, each
  // value's in number order from the cursor on; nothing when the prefix has over 64 values.
  std::string prefixClause(const ResourceQuery& query, const IndexCondition& condition,
                           std::vector<std::string>& params, bool generic);
  // fromClause's end: `numbers` (" FROM (subquery)" of the numbers `driver` chose) checked for
  // the rest of the query; `numbersAlias` gets the alias the subquery was given.
  std::string fromNumbers(const ResourceQuery& query, std::vector<std::string>& params, bool generic,
                          const std::string& numbers, const IndexCondition* driver, std::string* numbersAlias = nullptr);
  // A page of `list`, from `walker`'s walk if set.
  std::vector<ResourceRow> page(const ResourceQuery& query, ListedContent listed, const WalkBuilder& walker);
  // " FROM ... WHERE ..." of a search's page or count: the numbers of its resources as `r.rid`,
  // each once unless not `unique` (for IN (...), where the planner may then probe them one by one).
  std::string fromClause(const ResourceQuery& query, std::vector<std::string>& params, bool generic,
                         bool unique = true);
  // A subquery of (resource_type, id) pairs of resources of `types` that satisfy `c`.
  std::string conditionSubquery(const IndexCondition& c, const std::vector<std::string>& types,
                                std::vector<std::string>& params, bool generic);
  // Runs a query built at run time: `generic`, as a statement prepared by its text (planned
  // once), else planned for these values.
  pqxx::result execute(const std::string& sql, const std::vector<std::string>& params, bool generic);
  // Runs a query built at run time; `history` rows carry a method instead of a deleted flag.
  std::vector<ResourceRow> rows(const std::string& sql, const std::vector<std::string>& params, bool history);

  db::Session& session_;
  std::string schema_;
  std::string quotedSchema_;
  int searchIndexVersion_;
  std::shared_ptr<const instances::ContentDictionaries> dictionaries_;
};

}  // namespace flint::fhir

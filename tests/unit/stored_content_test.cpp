#include "fhir_resources/storage/stored_content.h"

#include <gtest/gtest.h>

#include "core/db/bytea_text.h"
#include "core/json/json_writer.h"
#include "tests/unit/demo_data_set.h"

namespace flint::fhir {
namespace {

// The demo data set's JSON: the first half to train on, the second to store.
struct Corpus {
  std::vector<std::string> training, stored;
  Corpus() {
    const auto& resources = testing::demoDataSet();
    for (size_t i = 0; i < resources.size(); ++i)
      (i % 2 == 0 ? training : stored).push_back(json::write(resources[i]));
  }
};

const Corpus& corpus() {
  static const Corpus c;
  return c;
}

const std::string kZstdMagic("\x28\xB5\x2F\xFD", 4);

size_t storedBytes(const instances::ContentDictionaries& dictionaries) {
  size_t total = 0;
  for (const auto& json : corpus().stored) total += packContent(json, dictionaries).size();
  return total;
}

TEST(StoredContent, SmallJsonIsStoredAsItIs) {
  const std::string json = R"({"resourceType":"Basic","id":"a"})";
  EXPECT_EQ(packContent(json, {}), json);
  EXPECT_EQ(unpackContent(json, {}), json);
}

TEST(StoredContent, CompressesWithoutADictionaryAndReadsBack) {
  size_t raw = 0;
  for (const auto& json : corpus().stored) {
    raw += json.size();
    const std::string packed = packContent(json, {});
    if (packed != json) EXPECT_EQ(packed.substr(0, 4), kZstdMagic);
    ASSERT_EQ(unpackContent(packed, {}), json);
  }
  EXPECT_LT(storedBytes({}), raw * 6 / 10);
}

TEST(StoredContent, JsonStoredBeforeCompressionReadsAsItIs) {
  const std::string& json = corpus().stored.front();
  EXPECT_EQ(unpackContent(json, {}), json);
}

TEST(StoredContent, ADictionaryTrainedOnOtherResourcesShrinksThemFurther) {
  const TrainedDictionary trained = trainContentDictionary(corpus().training);
  ASSERT_NE(trained.number, 0u);
  instances::ContentDictionaries with;
  with.byNumber.emplace(trained.number, std::make_shared<const std::string>(trained.bytes));
  with.forWrites = trained.number;
  for (const auto& json : corpus().stored) ASSERT_EQ(unpackContent(packContent(json, with), with), json);
  EXPECT_LT(storedBytes(with), storedBytes({}) / 2);

  // Older dictionaries stay readable after a newer one takes over writes.
  instances::ContentDictionaries later = with;
  later.forWrites = 0;
  EXPECT_EQ(unpackContent(packContent(corpus().stored.back(), with), later), corpus().stored.back());

  // A process that has not loaded the dictionary yet says so, rather than failing for good.
  const std::string packed = packContent(corpus().stored.back(), with);
  EXPECT_THROW(unpackContent(packed, {}), ContentDictionaryUnknown);
}

// Dictionaries held only for a while (a sandbox's, seeded before its instance is read again) are
// each used as themselves, although a later one may be made where an earlier one lay: packed with
// the earlier one instead, the later instance's rows named a dictionary it does not have.
TEST(StoredContent, ADictionaryMadeWhereAFreedOneLayIsUsedAsItself) {
  std::vector<TrainedDictionary> trained;
  for (size_t half = 0; half < 2; ++half) {
    std::vector<std::string> samples;
    for (size_t i = half; i < corpus().training.size(); i += 2) samples.push_back(corpus().training[i]);
    trained.push_back(trainContentDictionary(samples));
  }
  ASSERT_NE(trained[0].number, trained[1].number);
  const std::string& json = corpus().stored.back();
  std::shared_ptr<const std::string> bytes;
  for (int round = 0; round < 8; ++round) {
    const TrainedDictionary& dictionary = trained[round % 2];
    // Freed just before the next is made, which the allocator then likely puts in its place.
    bytes.reset();
    bytes = std::make_shared<const std::string>(dictionary.bytes);
    instances::ContentDictionaries only;
    only.byNumber.emplace(dictionary.number, bytes);
    only.forWrites = dictionary.number;
    EXPECT_EQ(unpackContent(packContent(json, only), only), json) << "round " << round;
  }
}

TEST(StoredContent, DamagedContentIsAnError) {
  std::string packed = packContent(corpus().stored.front(), {});
  ASSERT_EQ(packed.substr(0, 4), kZstdMagic);
  EXPECT_THROW(unpackContent(packed.substr(0, packed.size() / 2), {}), std::runtime_error);
  EXPECT_THROW(unpackContent(kZstdMagic, {}), std::runtime_error);
}

TEST(StoredContent, TooFewSamplesTrainNoDictionary) {
  EXPECT_THROW(trainContentDictionary({"{}"}), std::runtime_error);
}

TEST(ByteaText, ReadsBothOutputForms) {
  EXPECT_EQ(db::byteaFromText("\\x7b00ff"), std::string("{\0\xff", 3));
  EXPECT_EQ(db::byteaFromText("\\x"), "");
  EXPECT_EQ(db::byteaFromText("a\\000b\\\\"), std::string("a\0b\\", 4));
  EXPECT_THROW(db::byteaFromText("\\x7"), std::runtime_error);
  EXPECT_THROW(db::byteaFromText("\\xzz"), std::runtime_error);
}

}  // namespace
}  // namespace flint::fhir

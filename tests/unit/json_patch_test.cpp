#include <gtest/gtest.h>

#include "core/json/json_parser.h"
#include "core/json/json_writer.h"
#include "fhir_resources/patch/json_patch.h"

using namespace flint;
using flint::fhir::applyJsonPatch;
using flint::fhir::MalformedPatch;
using flint::fhir::PatchConflict;

namespace {
std::string patched(const std::string& doc, const std::string& patch) {
  json::Value v = json::parse(doc);
  applyJsonPatch(v, json::parse(patch));
  return json::write(v);
}
}  // namespace

// Cases from RFC 6902 appendix A.
TEST(JsonPatch, Rfc6902Examples) {
  EXPECT_EQ(patched(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])"), R"({"foo":"bar","baz":"qux"})");
  EXPECT_EQ(patched(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
            R"({"foo":["bar","qux","baz"]})");
  EXPECT_EQ(patched(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"), R"({"foo":"bar"})");
  EXPECT_EQ(patched(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])"), R"({"foo":["bar","baz"]})");
  EXPECT_EQ(patched(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
            R"({"baz":"boo","foo":"bar"})");
  EXPECT_EQ(patched(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                    R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
            R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  EXPECT_EQ(patched(R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
            R"({"foo":["all","cows","eat","grass"]})");
  EXPECT_EQ(patched(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"),
            R"({"foo":["bar",["abc","def"]]})");
  EXPECT_EQ(patched(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])"), R"({"/":9,"~1":10})");
  EXPECT_EQ(patched(R"({"a":{"x":1.0,"y":[1]}})", R"([{"op":"test","path":"/a","value":{"y":[1],"x":1}}])"),
            R"({"a":{"x":1.0,"y":[1]}})");
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/b"}])"), R"({"a":1,"b":1})");
}

TEST(JsonPatch, FailuresLeaveTheDocumentUnchanged) {
  json::Value v = json::parse(R"({"a":[1,2]})");
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"/b","value":1},{"op":"remove","path":"/zzz"}])")),
               PatchConflict);
  EXPECT_EQ(json::write(v), R"({"a":[1,2]})");
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"test","path":"/a","value":[2,1]}])")), PatchConflict);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"/a/5","value":1}])")), PatchConflict);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"/a/01","value":1}])")), PatchConflict);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"replace","path":"/nope","value":1}])")), PatchConflict);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"move","from":"/a","path":"/a/0"}])")), PatchConflict);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"({"op":"add"})")), MalformedPatch);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"frobnicate","path":"/a"}])")), MalformedPatch);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"a","value":1}])")), MalformedPatch);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"/a"}])")), MalformedPatch);
  EXPECT_THROW(applyJsonPatch(v, json::parse(R"([{"op":"add","path":"/~2","value":1}])")), MalformedPatch);
  EXPECT_EQ(json::write(v), R"({"a":[1,2]})");
}

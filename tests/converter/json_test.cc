// The converter's JSON reader: values, exact integers, escapes and the
// errors hostile files get (with the byte position).
#include "converter/util/json.h"

#include <gtest/gtest.h>

#include "converter/convert.h"

namespace nibble::convert {
namespace {

std::string error_of(const std::string& text) {
  try {
    json::parse(text, "f.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Json, ParsesNestedValuesInFileOrder) {
  const json::Value v = json::parse(R"( {"b": [1, -2.5e3, true, null], "a": {"s": "x"}} )", "f.json");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.object.size(), 2u);
  EXPECT_EQ(v.object[0].first, "b");
  const json::Value* b = v.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->array.size(), 4u);
  int64_t i = 0;
  EXPECT_TRUE(b->array[0].to_int64(&i));
  EXPECT_EQ(i, 1);
  double d = 0;
  EXPECT_TRUE(b->array[1].to_double(&d));
  EXPECT_EQ(d, -2500.0);
  EXPECT_FALSE(b->array[1].to_int64(&i));  // not an integer literal
  EXPECT_TRUE(b->array[2].is_bool() && b->array[2].boolean);
  EXPECT_TRUE(b->array[3].is_null());
  EXPECT_EQ(v.find("a")->find("s")->text, "x");
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Json, IntegersAreExactTo64Bits) {
  uint64_t u = 0;
  EXPECT_TRUE(json::parse("18446744073709551615", "f").to_uint64(&u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(json::parse("18446744073709551616", "f").to_uint64(&u));
  EXPECT_FALSE(json::parse("-1", "f").to_uint64(&u));
  int64_t i = 0;
  EXPECT_TRUE(json::parse("-9223372036854775808", "f").to_int64(&i));
  EXPECT_EQ(i, INT64_MIN);
  EXPECT_FALSE(json::parse("9223372036854775808", "f").to_int64(&i));
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  const json::Value v = json::parse(R"("a\"\\\/\n\u00e9\u4e2d\ud83d\ude00")", "f");
  EXPECT_EQ(v.text, "a\"\\/\n\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

TEST(Json, ErrorsNameTheSourceAndPosition) {
  EXPECT_NE(error_of("{\"a\": 1,}").find("f.json: invalid JSON at byte 8"), std::string::npos) << error_of("{\"a\": 1,}");
  EXPECT_NE(error_of("[1, 2").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(error_of("\"abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("\"\\ud800\"").find("unpaired surrogate"), std::string::npos);
  EXPECT_NE(error_of("01").find("unexpected data after the value"), std::string::npos);
  EXPECT_NE(error_of("").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(error_of("{} x").find("unexpected data"), std::string::npos);
  EXPECT_NE(error_of("\"a\tb\"").find("control character"), std::string::npos);
}

TEST(Json, DepthIsLimited) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(error_of(deep).find("nested deeper than 64"), std::string::npos);
  EXPECT_NO_THROW(json::parse(std::string(60, '[') + std::string(60, ']'), "f"));
}

TEST(Json, PrefixParseAllowsTrailingSpaces) {
  const std::string header = "{\"x\": 1}     ";
  EXPECT_TRUE(json::parse(header.data(), header.size(), "h").is_object());
}

}  // namespace
}  // namespace nibble::convert

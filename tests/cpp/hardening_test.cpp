// Resource bounds and output safety on hostile values (issue 13): element counts that
// overflow, zero-stride views that address far more bytes than exist, text that is not
// valid UTF-8 or holds terminal control bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/pickle.h"
#include "io/torch_pickle.h"
#include "pt2tf/tensor.h"
#include "pt2tf/text.h"

namespace pt2tf {
namespace {

TEST(CheckedNumel, CountsAndRefusesOverflow) {
  EXPECT_EQ(*CheckedNumel({}), 1);
  EXPECT_EQ(*CheckedNumel({2, 3, 4}), 24);
  EXPECT_EQ(*CheckedNumel({5, 0, 1LL << 62}), 0);
  EXPECT_FALSE(CheckedNumel({1LL << 32, 1LL << 32}).ok());     // 2^64 wraps to 0 unchecked
  EXPECT_FALSE(CheckedNumel({1LL << 31, 1LL << 31}, 4).ok());  // 2^62 elements, 2^64 bytes
  EXPECT_FALSE(CheckedNumel({-1, 3}).ok());
}

TEST(TensorMake, ZeroStridesCannotHideAnOverflowingCount) {
  auto storage = Storage::Own(std::vector<std::byte>(4));
  // Every element is the same 4 bytes, so the extent check alone accepts it.
  auto t = Tensor::Make(DType::kFloat32, {1LL << 32, 1LL << 32}, {0, 0}, 0, storage);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("overflows"), std::string::npos) << t.status().message();
  auto fits = Tensor::Make(DType::kFloat32, {1 << 16, 1 << 16}, {0, 0}, 0, storage);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->numel(), int64_t{1} << 32);
  EXPECT_EQ(fits->nbytes(), uint64_t{1} << 34);
}

// A kTensor pickle value viewing `numel` float32 elements of storage "0" with `strides`.
struct SpecValue {
  pickle::Value storage, tensor;
  SpecValue(std::vector<int64_t> shape, std::vector<int64_t> strides, uint64_t numel) {
    storage.kind = pickle::Kind::kStorage;
    storage.storage = std::make_unique<pickle::StorageRef>();
    storage.storage->key = "0";
    storage.storage->dtype = DType::kFloat32;
    storage.storage->numel = numel;
    tensor.kind = pickle::Kind::kTensor;
    tensor.tensor = std::make_unique<pickle::TensorSpec>();
    tensor.tensor->storage = &storage;
    tensor.tensor->shape = std::move(shape);
    tensor.tensor->strides = std::move(strides);
  }
};

TEST(TensorBinder, OverlappingViewsAreBoundedByTheFileSize) {
  auto four_bytes = [](const pickle::StorageRef&) -> Result<std::shared_ptr<const Storage>> {
    return Storage::Own(std::vector<std::byte>(4));
  };
  // [2^16, 2^16] with zero strides: 16 GiB of elements from 4 bytes (inspect --hash took
  // longer than 10 s over it).
  SpecValue huge({1 << 16, 1 << 16}, {0, 0}, 1);
  TensorBinder binder(four_bytes, /*file_bytes=*/1000);
  auto t = binder.Bind(huge.tensor);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("overlapping views"), std::string::npos)
      << t.status().message();
  // An expanded bias (a legitimate zero-stride view) is fine.
  SpecValue bias({64, 1000}, {0, 0}, 1);
  TensorBinder binder2(four_bytes, 1000);
  EXPECT_TRUE(binder2.Bind(bias.tensor).ok());
  // Many modest views of one storage add up against the same cap.
  TensorBinder binder3(four_bytes, 1000);
  SpecValue quarter({1 << 12, 1 << 10}, {0, 0}, 1);  // 16 MiB each
  Status last;
  for (int i = 0; i < 8 && last.ok(); ++i) last = binder3.Bind(quarter.tensor).status();
  EXPECT_FALSE(last.ok());
}

TEST(TerminalText, ReplacesInvalidUtf8AndControlBytes) {
  EXPECT_EQ(TerminalText("conv1.weight"), "conv1.weight");
  EXPECT_EQ(TerminalText("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // valid UTF-8 is kept
  EXPECT_EQ(TerminalText("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(TerminalText("\xC3"), "\xEF\xBF\xBD");                  // truncated sequence
  EXPECT_EQ(TerminalText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(TerminalText("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(TerminalText("x\x1B[2Jy\r\x7F"), "x?[2Jy??");
  EXPECT_EQ(TerminalText("\xC2\x9B"
                         "31m"),
            "?31m");  // C1 CSI, which some terminals obey
  EXPECT_EQ(TerminalText("two\nlines\tok"), "two\nlines\tok");
  EXPECT_EQ(TerminalText(std::string("nul\0byte", 8)), "nul?byte");
}

TEST(JsonDump, NeverThrowsOnInvalidUtf8) {
  nlohmann::ordered_json j;
  j["name"] = std::string("in\xFFput\x1B");
  // nlohmann's default dump() throws type_error 316 here (convert --json used it).
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  std::string s = JsonDump(j);
  // JSON and terminal text replace the same bytes the same way.
  nlohmann::ordered_json same = std::string("\xE2\x82x\xC0\xAF\xED\xA0\x80\xF4\x90");
  EXPECT_EQ(JsonDump(same), "\"" + TerminalText("\xE2\x82x\xC0\xAF\xED\xA0\x80\xF4\x90") + "\"");
  EXPECT_EQ(s, "{\"name\":\"in\xEF\xBF\xBDput\\u001b\"}");
  EXPECT_EQ(nlohmann::json::parse(s)["name"], "in\xEF\xBF\xBDput\x1B");
  nlohmann::json plain = {{"k", "caf\xC3\xA9"}};
  EXPECT_EQ(JsonDump(plain, 2), "{\n  \"k\": \"caf\xC3\xA9\"\n}");  // lossless when valid
}

}  // namespace
}  // namespace pt2tf

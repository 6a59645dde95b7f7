// policy/png.h: the PNG bytes decode back to the pixels (chunk CRCs checked, IDAT inflated with
// zlib), base64 matches the RFC 4648 test vectors.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "policy/png.h"
#include "util/error.h"

namespace {

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

}  // namespace

TEST(Png, RoundTripThroughZlib) {
  const int w = 7, h = 5;
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 31 + 7);
  const std::string png = groot::png::encode_rgb(rgb.data(), w, h);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  size_t at = 8;
  std::string idat;
  std::vector<std::string> types;
  while (at < png.size()) {
    const uint32_t len = be32(png, at);
    const std::string type = png.substr(at + 4, 4);
    const std::string data = png.substr(at + 8, len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(png.data() + at + 4), uInt(len + 4));
    EXPECT_EQ(be32(png, at + 8 + len), uint32_t(crc)) << type;
    types.push_back(type);
    if (type == "IHDR") {
      EXPECT_EQ(be32(data, 0), uint32_t(w));
      EXPECT_EQ(be32(data, 4), uint32_t(h));
      EXPECT_EQ(data[8], 8);  // bit depth
      EXPECT_EQ(data[9], 2);  // RGB
    }
    if (type == "IDAT") idat += data;
    at += 12 + len;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  std::vector<uint8_t> raw(size_t(h) * (w * 3 + 1));
  uLongf n = uLongf(raw.size());
  ASSERT_EQ(uncompress(raw.data(), &n, reinterpret_cast<const Bytef*>(idat.data()), uLong(idat.size())), Z_OK);
  ASSERT_EQ(n, raw.size());
  for (int y = 0; y < h; ++y) {
    EXPECT_EQ(raw[size_t(y) * (w * 3 + 1)], 0) << "filter type none";
    for (int x = 0; x < w * 3; ++x) EXPECT_EQ(raw[size_t(y) * (w * 3 + 1) + 1 + x], rgb[size_t(y) * w * 3 + x]);
  }
  EXPECT_THROW(groot::png::encode_rgb(rgb.data(), 0, 5), groot::Error);
}

TEST(Png, Base64Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> v = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : v) EXPECT_EQ(groot::png::base64(in), out) << in;
  EXPECT_EQ(groot::png::base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

// msgpack + .npy codec of the policy server (src/serve/wire.h). Expected bytes are written out
// by hand from the msgpack spec and numpy's .npy format description, not produced by the codec.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "serve/wire.h"
#include "util/error.h"

using namespace groot::wire;

namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += char(uint8_t(b));
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "";
}

// .npy version 1.0 with the given header dict text (padded like numpy) and body.
std::string npy_v1(const std::string& dict, const std::string& body) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string s = std::string("\x93NUMPY\x01\x00", 8);
  s += char(h.size() & 0xff);
  s += char(h.size() >> 8);
  return s + h + body;
}

std::string f32_bytes(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

}  // namespace

TEST(ServeWire, DecodesScalarsContainersAndViews) {
  // {"a": [1, -2, 1.5, nil, true], "b": bin "xyz", "c": "hé"}
  std::string msg = B({0x83, 0xa1, 'a', 0x95, 0x01, 0xfe, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0xc3,
                       0xa1, 'b', 0xc4, 0x03, 'x', 'y', 'z', 0xa1, 'c', 0xa3, 'h', 0xc3, 0xa9});
  Value v = decode_msgpack(msg);
  ASSERT_TRUE(v.is_map());
  ASSERT_EQ(v.entries.size(), 3u);
  const Value* a = v.find("a");
  ASSERT_TRUE(a && a->type == Value::Type::kArray);
  ASSERT_EQ(a->items.size(), 5u);
  EXPECT_EQ(a->items[0].integer, 1);
  EXPECT_EQ(a->items[1].integer, -2);
  EXPECT_EQ(a->items[2].number, 1.5);
  EXPECT_EQ(a->items[3].type, Value::Type::kNil);
  EXPECT_TRUE(a->items[4].boolean);
  const Value* b = v.find("b");
  ASSERT_TRUE(b && b->type == Value::Type::kBin);
  EXPECT_EQ(b->bytes, "xyz");
  EXPECT_EQ(b->bytes.data(), msg.data() + 21);  // a view into the message, not a copy
  EXPECT_EQ(v.find("c")->bytes, "h\xc3\xa9");
  EXPECT_EQ(v.find("zz"), nullptr);
  // uint64 above INT64_MAX
  Value u = decode_msgpack(B({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(u.type, Value::Type::kUint);
  EXPECT_EQ(u.uinteger, UINT64_MAX);
}

TEST(ServeWire, RejectsMalformedMsgpackWithReasons) {
  EXPECT_NE(error_of([] { decode_msgpack(""); }).find("empty message"), std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0xc1})); }).find("invalid byte 0xc1 at offset 0"), std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0x92, 0x01, 0xc1})); }).find("invalid byte 0xc1 at offset 2"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0x92, 0x01})); }).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0xda, 0x00, 0x10, 'a'})); }).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0x01, 0x02})); }).find("1 trailing bytes"), std::string::npos);
  // map key that is not a string, duplicate keys, invalid UTF-8 (with its path)
  EXPECT_NE(error_of([] { decode_msgpack(B({0x81, 0x01, 0x02})); }).find("map key is not a string (got int)"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0x81, 0x91, 0x01, 0x02})); }).find("map key is not a string (got array)"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_msgpack(B({0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02})); }).find("duplicate map key 'k'"),
            std::string::npos);
  std::string e = error_of([] { decode_msgpack(B({0x81, 0xa1, 'k', 0x91, 0xa2, 0xc3, 0x28})); });
  EXPECT_NE(e.find("not valid UTF-8"), std::string::npos) << e;
  EXPECT_NE(e.find("at k[0]"), std::string::npos) << e;
  EXPECT_NE(error_of([] { decode_msgpack(B({0xa2, 0xed, 0xa0})); }).find("UTF-8"), std::string::npos);  // truncated surrogate
}

TEST(ServeWire, DeclaredSizesAreChargedBeforeAllocation) {
  Limits lim;
  lim.max_values = 1000;
  // array32 / map32 declaring 2^32-1 elements in 5 bytes: rejected from the header alone.
  std::string e = error_of([&] { decode_msgpack(B({0xdd, 0xff, 0xff, 0xff, 0xff}), lim); });
  EXPECT_NE(e.find("declares more than 1000 values"), std::string::npos) << e;
  e = error_of([&] { decode_msgpack(B({0xdf, 0xff, 0xff, 0xff, 0xff}), lim); });
  EXPECT_NE(e.find("declares more than 1000 values"), std::string::npos) << e;
  // bin32 declaring 4 GiB with 1 byte present
  e = error_of([&] { decode_msgpack(B({0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}), lim); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  // within the budget it decodes
  std::string ok = B({0xdc, 0x03, 0xe8});  // array16 of 1000
  ok.append(1000, '\xc0');
  lim.max_values = 1001;
  EXPECT_EQ(decode_msgpack(ok, lim).items.size(), 1000u);
  lim.max_values = 1000;
  EXPECT_NE(error_of([&] { decode_msgpack(ok, lim); }).find("more than 1000"), std::string::npos);
  // message size
  lim.max_message_bytes = 100;
  EXPECT_NE(error_of([&] { decode_msgpack(ok, lim); }).find("over the limit of 100"), std::string::npos);
}

TEST(ServeWire, NestingDepthIsBounded) {
  std::string deep(10000, '\x91');  // [[[[...]]]] 10000 levels
  deep += '\xc0';
  std::string e = error_of([&] { decode_msgpack(deep); });
  EXPECT_NE(e.find("nesting deeper than 32"), std::string::npos) << e;
  std::string ok(31, '\x91');
  ok += '\xc0';
  EXPECT_NO_THROW(decode_msgpack(ok));
}

TEST(ServeWire, WriterMatchesTheMsgpackSpec) {
  Writer w;
  w.map(2);
  w.str("ab");
  w.array(3);
  w.nil();
  w.boolean(false);
  w.integer(-1);
  w.str("x");
  w.bin("yz");
  EXPECT_EQ(w.bytes(), B({0x82, 0xa2, 'a', 'b', 0x93, 0xc0, 0xc2, 0xff, 0xa1, 'x', 0xc4, 0x02, 'y', 'z'}));
  Writer f;
  f.number(1.5);
  EXPECT_EQ(f.bytes(), B({0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));
}

TEST(ServeWire, ParsesNpyAsNumpyWritesIt) {
  std::string body = f32_bytes({1, 2, 3, 4, 5, 6});
  NdArray a = parse_npy(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", body), "x");
  EXPECT_EQ(a.dtype, DType::kFloat32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.shape_str(), "(2, 3)");
  ASSERT_EQ(a.nbytes(), 24u);
  EXPECT_EQ(std::memcmp(a.data(), body.data(), 24), 0);
  // 1-D, 0-D, uint8, key order and quotes as ast.literal_eval accepts them
  NdArray b = parse_npy(npy_v1("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"|u1\"}", "abc"), "x");
  EXPECT_EQ(b.dtype, DType::kUint8);
  EXPECT_EQ(b.shape_str(), "(3,)");
  NdArray c = parse_npy(npy_v1("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", std::string(8, '\1')), "x");
  EXPECT_TRUE(c.shape.empty());
  EXPECT_EQ(c.numel(), 1);
  // version 2.0 (uint32 header length) and 3.0 (UTF-8 header)
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n";
  for (int ver : {2, 3}) {
    std::string s = std::string("\x93NUMPY", 6) + char(ver) + '\0';
    s += B({int(dict.size()), 0, 0, 0}) + dict + f32_bytes({7});
    NdArray d = parse_npy(s, "x");
    EXPECT_EQ(d.numel(), 1);
  }
}

TEST(ServeWire, FortranOrderIsReorderedToC) {
  // logical [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6
  NdArray a = parse_npy(npy_v1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                               f32_bytes({1, 4, 2, 5, 3, 6})), "x");
  std::vector<float> v(6);
  std::memcpy(v.data(), a.data(), 24);
  EXPECT_EQ(v, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // 3-D: shape (2, 2, 2), element (i, j, k) = 100i + 10j + k; Fortran offset i + 2j + 4k
  std::vector<float> f(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) f[i + 2 * j + 4 * k] = float(100 * i + 10 * j + k);
  std::string body(reinterpret_cast<const char*>(f.data()), 32);
  NdArray b = parse_npy(npy_v1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }", body), "x");
  std::vector<float> c(8);
  std::memcpy(c.data(), b.data(), 32);
  EXPECT_EQ(c, (std::vector<float>{0, 1, 10, 11, 100, 101, 110, 111}));
}

TEST(ServeWire, CorruptNpyHeadersAreNamedErrors) {
  auto err = [](const std::string& npy) { return error_of([&] { parse_npy(npy, "obs.state.x"); }); };
  std::string f4 = f32_bytes({1, 2});
  struct Case {
    std::string npy, expect;
  } cases[] = {
      {"garbage", "no \\x93NUMPY magic"},
      {std::string("\x93NUMPY\x09\x00\x10\x00", 10), "unsupported .npy version 9.0"},
      {std::string("\x93NUMPY\x01\x00\xff\x00", 10) + "{}", "header declares 255 bytes, 2 present"},
      {std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12), "over the limit"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False}", f4), "missing key 'shape'"},
      {npy_v1("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", f4), "expected True or False"},
      {npy_v1("{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }", f4), "unsupported .npy dtype '<U5'"},
      {npy_v1("{'descr': 'O', 'fortran_order': False, 'shape': (2,), }", f4), "unsupported .npy dtype 'O'"},
      {npy_v1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4), "structured"},
      {npy_v1("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4), "big-endian"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", f4), "is not a tuple"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", f4), "must be a tuple"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", f4), "non-negative integer"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", f4), "unexpected key 'extra'"},
      {npy_v1("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4), "duplicate key 'descr'"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing", f4), "unexpected text"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f4), "needs 12 bytes of data, 8 present"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f4), "needs 4 bytes of data, 8 present"},
      {npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000, 1000000, 1000000), }", f4),
       "more than 2^64"},
      {npy_v1("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", "\x01\x07"), "must be 0 or 1"},
      {npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(40, '1').insert(1, ",") + "), }", f4),
       "dimension too large"},
  };
  for (const auto& c : cases) {
    std::string e = err(c.npy);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << e;
    EXPECT_EQ(e.rfind("obs.state.x", 0), 0u) << e;
  }
  std::string many = "(";
  for (int i = 0; i < 33; ++i) many += "1, ";
  EXPECT_NE(err(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': " + many + "), }", f4)).find("more than 32 dimensions"),
            std::string::npos);
}

TEST(ServeWire, WriteNpyIsNumpyVersion1) {
  std::vector<float> v = {1.5f, -2.0f};
  std::string s = write_npy(DType::kFloat32, {1, 2}, v.data());
  std::string expect_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
  ASSERT_GE(s.size(), 10u);
  EXPECT_EQ(s.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  size_t hl = uint8_t(s[8]) | uint8_t(s[9]) << 8;
  EXPECT_EQ((10 + hl) % 64, 0u);
  EXPECT_EQ(s.substr(10, expect_dict.size()), expect_dict);
  EXPECT_EQ(s[10 + hl - 1], '\n');
  EXPECT_EQ(s.substr(10 + hl), f32_bytes({1.5f, -2.0f}));
  // and it parses back
  NdArray a = parse_npy(s, "x");
  EXPECT_EQ(a.shape_str(), "(1, 2)");
  // 1-D shape is written with the trailing comma
  uint8_t px[3] = {1, 2, 3};
  EXPECT_NE(write_npy(DType::kUint8, {3}, px).find("'descr': '|u1', 'fortran_order': False, 'shape': (3,), }"),
            std::string::npos);
}

TEST(ServeWire, NdarrayWrapper) {
  std::vector<float> v = {3};
  Writer w;
  w.ndarray(write_npy(DType::kFloat32, {1}, v.data()));
  Value m = decode_msgpack(w.bytes());
  EXPECT_TRUE(is_ndarray(m));
  EXPECT_EQ(decode_ndarray(m, "k").numel(), 1);
  // a plain value, a map without the tag, as_npy not binary
  EXPECT_NE(error_of([] { decode_ndarray(decode_msgpack(B({0x01})), "k"); }).find("k: expected a numpy array"),
            std::string::npos);
  EXPECT_NE(error_of([] { decode_ndarray(decode_msgpack(B({0x80})), "k"); }).find("without \"__ndarray_class__\""),
            std::string::npos);
  Writer bad;
  bad.map(2);
  bad.str("__ndarray_class__");
  bad.boolean(true);
  bad.str("as_npy");
  bad.str("text");
  std::string bb = bad.take();
  EXPECT_NE(error_of([&] { decode_ndarray(decode_msgpack(bb), "k"); }).find("\"as_npy\" must be binary"),
            std::string::npos);
}

TEST(ServeWire, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("secret", "secre"));
  EXPECT_FALSE(constant_time_equal("secret", ""));
  EXPECT_FALSE(constant_time_equal("ab", "abab"));  // the secret cycled must not match
}

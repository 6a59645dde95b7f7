// TensorBoard event files (util/tensorboard.h) read back by an independent reader written here:
// TFRecord framing with a bit-by-bit CRC-32C, and a minimal protobuf decoder for Event/Summary/Value.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "test_util.h"
#include "util/tensorboard.h"

namespace {

uint32_t crc_bitwise(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
  }
  return ~c;
}
uint32_t mask(uint32_t c) { return ((c >> 15) | (c << 17)) + 0xa282ead8u; }

struct Pb {
  const std::string& s;
  size_t i = 0;
  uint64_t varint() {
    uint64_t v = 0;
    for (int sh = 0;; sh += 7) {
      uint8_t b = uint8_t(s.at(i++));
      v |= uint64_t(b & 0x7f) << sh;
      if (!(b & 0x80)) return v;
    }
  }
  std::string bytes() {
    uint64_t n = varint();
    std::string r = s.substr(i, n);
    i += n;
    return r;
  }
};

struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::map<std::string, float> scalars;
};

Event decode_event(const std::string& data) {
  Event e;
  Pb p{data};
  while (p.i < data.size()) {
    uint64_t key = p.varint();
    uint32_t field = uint32_t(key >> 3), wt = uint32_t(key & 7);
    if (field == 1 && wt == 1) {
      std::memcpy(&e.wall_time, data.data() + p.i, 8);
      p.i += 8;
    } else if (field == 2 && wt == 0) {
      e.step = int64_t(p.varint());
    } else if (field == 3 && wt == 2) {
      e.file_version = p.bytes();
    } else if (field == 5 && wt == 2) {
      std::string summary = p.bytes();
      Pb ps{summary};
      while (ps.i < summary.size()) {
        EXPECT_EQ(ps.varint(), (1u << 3) | 2u);
        std::string value = ps.bytes();
        Pb pv{value};
        std::string tag;
        float f = 0;
        while (pv.i < value.size()) {
          uint64_t k = pv.varint();
          if (k == ((1u << 3) | 2u)) tag = pv.bytes();
          else if (k == ((2u << 3) | 5u)) {
            std::memcpy(&f, value.data() + pv.i, 4);
            pv.i += 4;
          } else ADD_FAILURE() << "unexpected Value field " << k;
        }
        e.scalars[tag] = f;
      }
    } else {
      ADD_FAILURE() << "unexpected Event field " << field << " wire type " << wt;
      break;
    }
  }
  return e;
}

std::vector<Event> read_events(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<Event> out;
  size_t i = 0;
  while (i + 12 <= all.size()) {
    std::string lenb = all.substr(i, 8);
    uint64_t len;
    std::memcpy(&len, lenb.data(), 8);
    uint32_t lcrc;
    std::memcpy(&lcrc, all.data() + i + 8, 4);
    EXPECT_EQ(lcrc, mask(crc_bitwise(lenb)));
    std::string data = all.substr(i + 12, len);
    uint32_t dcrc;
    std::memcpy(&dcrc, all.data() + i + 12 + len, 4);
    EXPECT_EQ(dcrc, mask(crc_bitwise(data)));
    out.push_back(decode_event(data));
    i += 12 + len + 4;
  }
  EXPECT_EQ(i, all.size());
  return out;
}

}  // namespace

TEST(TensorBoard, Crc32cKnownVector) {
  // RFC 3720 test vector: CRC-32C("123456789") = 0xE3069283.
  EXPECT_EQ(groot::crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(groot::crc32c("123456789", 9), crc_bitwise("123456789"));
}

TEST(TensorBoard, EventsReadBackByIndependentReader) {
  groot::test::TempDir tmp;
  std::string path;
  {
    groot::TensorBoardWriter w((tmp / "runs").string());
    path = w.path();
    w.scalars(1, {{"train/loss", 1.5}, {"train/learning_rate", 1e-4}});
    w.scalars(300, {{"train/loss", 0.25}, {"train/grad_norm", 3.0}});
  }
  EXPECT_NE(std::filesystem::path(path).filename().string().find("events.out.tfevents."), std::string::npos);
  auto ev = read_events(path);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].file_version, "brain.Event:2");
  EXPECT_GT(ev[0].wall_time, 1.6e9);
  EXPECT_EQ(ev[1].step, 1);
  EXPECT_FLOAT_EQ(ev[1].scalars.at("train/loss"), 1.5f);
  EXPECT_FLOAT_EQ(ev[1].scalars.at("train/learning_rate"), 1e-4f);
  EXPECT_EQ(ev[2].step, 300);
  EXPECT_FLOAT_EQ(ev[2].scalars.at("train/grad_norm"), 3.0f);
}

#include "util/tensorboard.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace groot {

namespace {

// CRC-32C, reflected polynomial 0x82F63B78, byte-wise table.
struct Crc32cTable {
  uint32_t t[256];
  Crc32cTable() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
  }
};

void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  s.push_back(char(uint8_t(v)));
}

void put_fixed(std::string& s, const void* p, size_t n) { s.append(static_cast<const char*>(p), n); }

void put_bytes_field(std::string& s, uint32_t field, const std::string& bytes) {
  put_varint(s, (uint64_t(field) << 3) | 2);
  put_varint(s, bytes.size());
  s += bytes;
}

std::string event_header(double wall_time, int64_t step) {
  std::string e;
  put_varint(e, (1u << 3) | 1);  // wall_time, 64-bit
  put_fixed(e, &wall_time, 8);
  if (step != 0) {
    put_varint(e, (2u << 3) | 0);  // step, varint
    put_varint(e, uint64_t(step));
  }
  return e;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

uint32_t crc32c(const void* data, size_t n) {
  static const Crc32cTable table;
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table.t[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const void* data, size_t n) {
  const uint32_t c = crc32c(data, n);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  GROOT_CHECK(!ec, "TensorBoard: cannot create ", dir, ": ", ec.message());
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  const auto secs = int64_t(now_seconds());
  path_ = dir + "/events.out.tfevents." + std::to_string(secs) + "." + host + "." + std::to_string(getpid());
  f_ = std::fopen(path_.c_str(), "wb");
  GROOT_CHECK(f_, "TensorBoard: cannot create ", path_, ": ", std::strerror(errno));
  std::string e = event_header(now_seconds(), 0);
  put_bytes_field(e, 3, "brain.Event:2");
  write_record(e);
}

TensorBoardWriter::~TensorBoardWriter() {
  if (f_) std::fclose(f_);
}

void TensorBoardWriter::scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values) {
  std::string summary;
  for (const auto& [tag, v] : values) {
    std::string value;
    put_bytes_field(value, 1, tag);
    put_varint(value, (2u << 3) | 5);  // simple_value, 32-bit
    const float f = float(v);
    put_fixed(value, &f, 4);
    put_bytes_field(summary, 1, value);
  }
  std::string e = event_header(now_seconds(), step);
  put_bytes_field(e, 5, summary);
  write_record(e);
}

void TensorBoardWriter::write_record(const std::string& data) {
  const uint64_t len = data.size();
  const uint32_t len_crc = masked_crc32c(&len, 8);
  const uint32_t data_crc = masked_crc32c(data.data(), data.size());
  std::string rec;
  put_fixed(rec, &len, 8);
  put_fixed(rec, &len_crc, 4);
  rec += data;
  put_fixed(rec, &data_crc, 4);
  GROOT_CHECK(std::fwrite(rec.data(), 1, rec.size(), f_) == rec.size() && std::fflush(f_) == 0,
              "TensorBoard: cannot write ", path_, ": ", std::strerror(errno));
}

}  // namespace groot

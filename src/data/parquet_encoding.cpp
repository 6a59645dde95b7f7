// RLE / bit-packed hybrid encoding (definition/repetition levels, dictionary indices, RLE
// booleans) and page compression codecs (raw SNAPPY, ZSTD, GZIP).
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "data/parquet_internal.h"
#include "util/error.h"

namespace groot::pq::detail {

int bit_width_for(uint64_t max_value) {
  int w = 0;
  while (max_value) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

namespace {

void put_varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(char((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(char(v));
}

// Bit-packs the buffered literals LSB first. `final`: pad the tail with zeros to a group of 8
// (only allowed at the end of the stream); otherwise a partial group stays buffered.
void flush_literals(std::vector<uint32_t>* lit, int bw, std::string* out, bool final = true) {
  if (lit->empty()) return;
  std::vector<uint32_t> keep;
  if (final) {
    while (lit->size() % 8) lit->push_back(0);
  } else {
    keep.assign(lit->begin() + long(lit->size() / 8 * 8), lit->end());
    lit->resize(lit->size() / 8 * 8);
    if (lit->empty()) {
      lit->swap(keep);
      return;
    }
  }
  size_t groups = lit->size() / 8;
  put_varint((uint64_t(groups) << 1) | 1, out);
  size_t start = out->size();
  out->resize(start + groups * size_t(bw), '\0');
  uint8_t* dst = reinterpret_cast<uint8_t*>(&(*out)[start]);
  uint64_t bitpos = 0;
  for (uint32_t v : *lit) {
    for (int b = 0; b < bw; ++b, ++bitpos) {
      if ((v >> b) & 1) dst[bitpos >> 3] |= uint8_t(1u << (bitpos & 7));
    }
  }
  lit->swap(keep);
}

void emit_run(uint32_t value, size_t count, int bw, std::string* out) {
  put_varint(uint64_t(count) << 1, out);
  int nbytes = (bw + 7) / 8;
  for (int i = 0; i < nbytes; ++i) out->push_back(char((value >> (8 * i)) & 0xFF));
}

}  // namespace

void rle_encode(const uint32_t* v, size_t n, int bw, std::string* out) {
  std::vector<uint32_t> lit;
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) ++j;
    size_t run = j - i;
    size_t pad = (8 - lit.size() % 8) % 8;
    if (run >= pad + 8) {
      for (size_t k = 0; k < pad; ++k) lit.push_back(v[i]);
      flush_literals(&lit, bw, out);
      emit_run(v[i], run - pad, bw, out);
    } else {
      for (size_t k = i; k < j; ++k) lit.push_back(v[k]);
      if (lit.size() >= 504) flush_literals(&lit, bw, out, false);  // <= ~63 groups per run
    }
    i = j;
  }
  flush_literals(&lit, bw, out);
}

void rle_decode(const uint8_t* data, size_t size, int bw, size_t n, uint32_t* out) {
  if (bw < 0 || bw > 32) fail("RLE/bit-packed data with invalid bit width ", bw);
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  size_t produced = 0;
  const uint64_t vmask = bw == 32 ? 0xFFFFFFFFull : ((1ull << bw) - 1);
  while (produced < n) {
    // varint header
    uint64_t h = 0;
    int shift = 0;
    while (true) {
      if (p >= end) fail("RLE/bit-packed data truncated: decoded ", produced, " of ", n, " values");
      uint8_t b = *p++;
      h |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 63) fail("RLE/bit-packed data: run header varint too long");
    }
    if (h & 1) {
      uint64_t groups = h >> 1;
      uint64_t want_bytes = groups * uint64_t(bw);
      if (groups > (uint64_t(1) << 40)) fail("RLE/bit-packed data: bit-packed run of ", groups, " groups");
      size_t avail = size_t(end - p);
      size_t bytes = want_bytes < avail ? size_t(want_bytes) : avail;
      uint64_t count = bw == 0 ? groups * 8 : (uint64_t(bytes) * 8) / uint64_t(bw);
      if (count > groups * 8) count = groups * 8;
      size_t take = size_t(count < n - produced ? count : n - produced);
      if (bw == 0) {
        std::memset(out + produced, 0, take * sizeof(uint32_t));
      } else {
        uint64_t bitpos = 0;
        for (size_t k = 0; k < take; ++k) {
          // gather bw bits starting at bitpos (at most 5 bytes)
          uint64_t byte = bitpos >> 3;
          int off = int(bitpos & 7);
          uint64_t acc = 0;
          int need = (off + bw + 7) / 8;
          for (int q = 0; q < need; ++q) acc |= uint64_t(p[byte + q]) << (8 * q);
          out[produced + k] = uint32_t((acc >> off) & vmask);
          bitpos += uint64_t(bw);
        }
      }
      produced += take;
      p += bytes;
      if (take == 0 && produced < n) fail("RLE/bit-packed data truncated: decoded ", produced, " of ", n, " values");
    } else {
      uint64_t count = h >> 1;
      int nbytes = (bw + 7) / 8;
      if (size_t(end - p) < size_t(nbytes)) fail("RLE/bit-packed data truncated inside a run value");
      uint64_t value = 0;
      for (int q = 0; q < nbytes; ++q) value |= uint64_t(p[q]) << (8 * q);
      p += nbytes;
      if (value > vmask) fail("RLE run value ", value, " does not fit bit width ", bw);
      size_t take = size_t(count < n - produced ? count : n - produced);
      for (size_t k = 0; k < take; ++k) out[produced + k] = uint32_t(value);
      produced += take;
    }
  }
}

// ---- codecs --------------------------------------------------------------------------------------
int32_t codec_id(Codec c) {
  switch (c) {
    case Codec::kUncompressed:
      return kC_UNCOMPRESSED;
    case Codec::kSnappy:
      return kC_SNAPPY;
    case Codec::kZstd:
      return kC_ZSTD;
    case Codec::kGzip:
      return kC_GZIP;
  }
  fail("unknown parquet codec ", int(c));
}

static const char* codec_name(int32_t codec) {
  switch (codec) {
    case kC_UNCOMPRESSED:
      return "UNCOMPRESSED";
    case kC_SNAPPY:
      return "SNAPPY";
    case kC_GZIP:
      return "GZIP";
    case 3:
      return "LZO";
    case 4:
      return "BROTLI";
    case 5:
      return "LZ4";
    case kC_ZSTD:
      return "ZSTD";
    case 7:
      return "LZ4_RAW";
    default:
      return "unknown";
  }
}

std::string compress(int32_t codec, const std::string& raw) {
  switch (codec) {
    case kC_UNCOMPRESSED:
      return raw;
    case kC_SNAPPY: {
      std::string out;
      snappy::Compress(raw.data(), raw.size(), &out);
      return out;
    }
    case kC_ZSTD: {
      std::string out(ZSTD_compressBound(raw.size()), '\0');
      size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 1);
      if (ZSTD_isError(n)) fail("ZSTD compression failed: ", ZSTD_getErrorName(n));
      out.resize(n);
      return out;
    }
    case kC_GZIP: {
      z_stream zs{};
      if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("GZIP: deflateInit2 failed");
      std::string out(deflateBound(&zs, uLong(raw.size())) + 32, '\0');
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
      zs.avail_in = uInt(raw.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = uInt(out.size());
      int rc = deflate(&zs, Z_FINISH);
      size_t n = zs.total_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) fail("GZIP compression failed (", rc, ")");
      out.resize(n);
      return out;
    }
    default:
      fail("writing codec ", codec_name(codec), " is not supported");
  }
}

void decompress(int32_t codec, const uint8_t* data, size_t size, size_t expect, std::string* out) {
  switch (codec) {
    case kC_UNCOMPRESSED:
      if (size != expect) fail("uncompressed page holds ", size, " bytes but its header says ", expect);
      out->assign(reinterpret_cast<const char*>(data), size);
      return;
    case kC_SNAPPY: {
      size_t len = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(data), size, &len))
        fail("corrupt SNAPPY page (bad length header)");
      if (len != expect) fail("SNAPPY page decompresses to ", len, " bytes but its header says ", expect);
      out->resize(expect);
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(data), size, out->data()))
        fail("corrupt SNAPPY page data");
      return;
    }
    case kC_ZSTD: {
      out->resize(expect);
      size_t n = ZSTD_decompress(out->data(), expect, data, size);
      if (ZSTD_isError(n)) fail("corrupt ZSTD page: ", ZSTD_getErrorName(n));
      if (n != expect) fail("ZSTD page decompresses to ", n, " bytes but its header says ", expect);
      return;
    }
    case kC_GZIP: {
      out->resize(expect);
      z_stream zs{};
      if (inflateInit2(&zs, 15 + 32) != Z_OK) fail("GZIP: inflateInit2 failed");
      zs.next_in = const_cast<Bytef*>(data);
      zs.avail_in = uInt(size);
      zs.next_out = reinterpret_cast<Bytef*>(out->data());
      zs.avail_out = uInt(expect);
      bool ok = true;
      while (true) {
        if (zs.avail_out == 0) {
          // Output full: the stream must end here (a probe byte must not be produced).
          unsigned char probe;
          zs.next_out = &probe;
          zs.avail_out = 1;
          int rc = inflate(&zs, Z_NO_FLUSH);
          ok = (rc == Z_STREAM_END && zs.avail_out == 1);
          zs.avail_out = 0;
          break;
        }
        int rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
          // Concatenated gzip members are allowed.
          if (zs.avail_in > 0 && zs.avail_out > 0) {
            if (inflateReset(&zs) != Z_OK) {
              ok = false;
              break;
            }
            continue;
          }
          break;
        }
        if (rc != Z_OK) {
          ok = false;
          break;
        }
        if (zs.avail_in == 0) {
          ok = false;
          break;
        }
      }
      size_t n = expect - zs.avail_out;
      inflateEnd(&zs);
      if (!ok) fail("corrupt or truncated GZIP page");
      if (n != expect) fail("GZIP page decompresses to ", n, " bytes but its header says ", expect);
      return;
    }
    default:
      fail("pages compressed with ", codec_name(codec), " (codec id ", codec, ") are not supported");
  }
}

}  // namespace groot::pq::detail

// Internals of the in-tree Parquet codec (see parquet.h for the public interface).
//
//   parquet_thrift.cpp    Thrift compact protocol (bounds-checked reader, writer) and the subset of
//                         parquet.thrift we use: FileMetaData, SchemaElement, RowGroup, ColumnChunk,
//                         ColumnMetaData, Statistics, PageHeader (+ v1/v2/dictionary headers).
//   parquet_arrow.cpp     Arrow IPC Schema flatbuffer ("ARROW:schema" metadata): builder + checked
//                         parser, base64.
//   parquet_encoding.cpp  RLE / bit-packed hybrid (levels, dictionary indices), page compression
//                         (SNAPPY raw, ZSTD, GZIP).
//   parquet_writer.cpp    Table -> file (PLAIN values, RLE levels, data page v1 or v2, statistics).
//   parquet_reader.cpp    file -> Table (PLAIN / dictionary, v1 / v2 pages, lists, nulls, projection).
//
// Everything here throws groot::Error on malformed input; the public entry points prefix the
// message with the file name.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/parquet.h"

namespace groot::pq::detail {

// ---- parquet.thrift enums (numeric values are the wire values) ---------------------------------
enum PhysType : int32_t {
  kBOOLEAN = 0,
  kINT32 = 1,
  kINT64 = 2,
  kINT96 = 3,
  kFLOAT = 4,
  kDOUBLE = 5,
  kBYTE_ARRAY = 6,
  kFIXED_LEN_BYTE_ARRAY = 7
};
enum Repetition : int32_t { kREQUIRED = 0, kOPTIONAL = 1, kREPEATED = 2 };
enum ConvertedType : int32_t { kCT_UTF8 = 0, kCT_LIST = 3, kCT_INT_32 = 17, kCT_INT_64 = 18 };
enum Encoding : int32_t {
  kPLAIN = 0,
  kPLAIN_DICTIONARY = 2,
  kRLE = 3,
  kBIT_PACKED = 4,
  kDELTA_BINARY_PACKED = 5,
  kDELTA_LENGTH_BYTE_ARRAY = 6,
  kDELTA_BYTE_ARRAY = 7,
  kRLE_DICTIONARY = 8,
  kBYTE_STREAM_SPLIT = 9
};
enum CodecId : int32_t { kC_UNCOMPRESSED = 0, kC_SNAPPY = 1, kC_GZIP = 2, kC_ZSTD = 6 };
enum PageType : int32_t { kDATA_PAGE = 0, kINDEX_PAGE = 1, kDICTIONARY_PAGE = 2, kDATA_PAGE_V2 = 3 };
// LogicalType union member ids (field ids inside the LogicalType union).
enum LogicalId : int32_t { kLT_NONE = 0, kLT_STRING = 1, kLT_LIST = 3, kLT_INTEGER = 10 };

// ---- metadata structs ----------------------------------------------------------------------------
struct Statistics {
  std::optional<std::string> max, min;  // deprecated fields 1, 2
  std::optional<int64_t> null_count;
  std::optional<std::string> max_value, min_value;
};

struct SchemaElement {
  std::optional<int32_t> type;  // PhysType
  std::optional<int32_t> type_length;
  std::optional<int32_t> repetition;  // Repetition
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;
  int32_t logical = kLT_NONE;  // LogicalType union member
  int32_t int_bit_width = 0;   // kLT_INTEGER
  bool int_signed = true;      // kLT_INTEGER
};

struct ColumnMetaData {
  int32_t type = 0;
  std::vector<int32_t> encodings;
  std::vector<std::string> path;
  int32_t codec = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int32_t> ordinal;
};

struct FileMetaData {
  int32_t version = 2;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> kv;
  std::optional<std::string> created_by;
  int32_t num_column_orders = 0;  // TypeDefinedOrder entries (writer: one per leaf)
};

struct PageHeader {
  int32_t type = 0;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  // DATA_PAGE
  bool has_v1 = false;
  int32_t v1_num_values = 0, v1_encoding = 0, v1_def_encoding = 0, v1_rep_encoding = 0;
  // DICTIONARY_PAGE
  bool has_dict = false;
  int32_t dict_num_values = 0, dict_encoding = 0;
  // DATA_PAGE_V2
  bool has_v2 = false;
  int32_t v2_num_values = 0, v2_num_nulls = 0, v2_num_rows = 0, v2_encoding = 0;
  int32_t v2_def_len = 0, v2_rep_len = 0;
  bool v2_is_compressed = true;
  std::optional<Statistics> statistics;  // writer only (v1 or v2 header)
};

// ---- thrift (parquet_thrift.cpp) ----------------------------------------------------------------
std::string encode_file_metadata(const FileMetaData& md);
std::string encode_page_header(const PageHeader& ph);
// Decoders consume bytes from [data, data+size); *consumed = bytes used.
FileMetaData decode_file_metadata(const uint8_t* data, size_t size);
PageHeader decode_page_header(const uint8_t* data, size_t size, size_t* consumed);

// ---- Arrow schema (parquet_arrow.cpp) -----------------------------------------------------------
// Arrow Type union ids we care about.
enum ArrowType : int32_t {
  kA_NONE = 0,
  kA_INT = 2,
  kA_FLOAT = 3,
  kA_BINARY = 4,
  kA_UTF8 = 5,
  kA_BOOL = 6,
  kA_LIST = 12,
  kA_FIXED_SIZE_LIST = 16,
  kA_LARGE_BINARY = 19,
  kA_LARGE_UTF8 = 20,
  kA_LARGE_LIST = 21
};
struct ArrowField {
  std::string name;
  bool nullable = true;
  int32_t type = kA_NONE;
  int32_t list_size = 0;   // FixedSizeList
  int32_t bit_width = 0;   // Int
  bool is_signed = true;   // Int
  int32_t precision = 0;   // FloatingPoint: 0 half, 1 single, 2 double
  std::vector<ArrowField> children;
};
// The serialized IPC message (continuation marker, length, flatbuffer) of the table's schema.
std::string arrow_schema_message(const Table& table);
// Parses a serialized IPC schema message (with or without the 0xFFFFFFFF continuation marker).
std::vector<ArrowField> parse_arrow_schema_message(const std::string& msg);
std::string base64_encode(const std::string& in);
std::string base64_decode(const std::string& in);  // throws on invalid characters

// ---- encodings and codecs (parquet_encoding.cpp) -----------------------------------------------
int bit_width_for(uint64_t max_value);
// RLE / bit-packed hybrid encoding of `values` (each < 2^bit_width), without length prefix.
void rle_encode(const uint32_t* values, size_t n, int bit_width, std::string* out);
// Decodes exactly `n` values; throws if the stream ends early or a value exceeds `max_value`.
void rle_decode(const uint8_t* data, size_t size, int bit_width, size_t n, uint32_t* out);

int32_t codec_id(Codec c);
std::string compress(int32_t codec, const std::string& raw);
// Decompresses into exactly `uncompressed_size` bytes; throws on any mismatch.
void decompress(int32_t codec, const uint8_t* data, size_t size, size_t uncompressed_size, std::string* out);

}  // namespace groot::pq::detail

// In-tree Apache Parquet codec (Debian 12 ships no Arrow/Parquet C++). Narrow interface: whole
// tables of typed columns in memory, one file at a time.
//
// Written files carry the Arrow schema (ARROW:schema key-value metadata) so pyarrow/pandas read
// fixed-size lists back as fixed_size_list<float>[N]. See docs/ARCHITECTURE.md.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace groot::pq {

enum class Elem : uint8_t { kBool, kInt32, kInt64, kFloat32, kFloat64, kString };
enum class Shape : uint8_t {
  kScalar,     // one value per row
  kFixedList,  // arrow fixed_size_list<elem>[list_size]
  kList,       // arrow list<elem> / large_list<elem>: per-row offsets
};
enum class Codec : uint8_t { kUncompressed, kSnappy, kZstd, kGzip };

// One column, values flattened row-major. Exactly one value vector is used, chosen by `elem`.
struct Column {
  std::string name;
  Elem elem = Elem::kFloat32;
  Shape shape = Shape::kScalar;
  int32_t list_size = 0;  // kFixedList: values per row

  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<uint8_t> b;  // kBool: 0/1
  std::vector<std::string> str;

  std::vector<int64_t> offsets;  // kList: num_rows + 1 offsets into the value vector
  std::vector<uint8_t> valid;    // empty: no nulls; else one 0/1 per row (null rows hold no values)

  int64_t num_values() const;  // size of the active value vector
};

struct Table {
  int64_t num_rows = 0;
  std::vector<Column> columns;
  // Reader: the file's key-value metadata (e.g. "ARROW:schema", "huggingface", "pandas").
  std::vector<std::pair<std::string, std::string>> metadata;
  // read_schema only: top-level columns this codec cannot decode (structs, maps, nested lists,
  // INT96, FIXED_LEN_BYTE_ARRAY), as "name: reason". read_table throws if asked for one.
  std::vector<std::string> skipped_columns;
  const Column* find(const std::string& name) const;  // nullptr if absent
  const Column& at(const std::string& name) const;    // throws groot::Error naming the column
};

struct WriteOptions {
  Codec codec = Codec::kSnappy;
  int64_t row_group_rows = 1 << 20;  // rows per row group
  bool data_page_v2 = false;         // DATA_PAGE_V2 instead of DATA_PAGE (v1)
  int64_t page_bytes = 1 << 20;      // target uncompressed value bytes per data page
  bool statistics = true;            // min/max/null_count per column chunk
  // Also write the "huggingface" key ({"info": {"features": ...}}) as HF `datasets` (used by
  // LeRobot v2.1) does: Value(dtype) for scalars, Sequence(Value, length) for lists.
  bool huggingface_metadata = false;
  // Extra key-value metadata (appended after ARROW:schema / huggingface).
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

// The JSON that huggingface_metadata writes (exposed for tests and the converter).
std::string huggingface_metadata_json(const Table& table);

// Writes atomically (temp file + rename). Throws groot::Error on inconsistent columns or IO.
void write_table(const std::string& path, const Table& table, const WriteOptions& opt = {});
// Same, into memory.
std::string write_table_to_string(const Table& table, const WriteOptions& opt = {});

// Reads the named columns (all when empty). Throws groot::Error naming the file and what is
// wrong for unsupported or corrupt input; never reads out of bounds.
Table read_table(const std::string& path, const std::vector<std::string>& columns = {});
Table read_table_from_memory(const uint8_t* data, size_t size, const std::vector<std::string>& columns = {},
                             const std::string& name_for_errors = "<memory>");

// Schema only (names, types, row count) without decoding pages.
Table read_schema(const std::string& path);

}  // namespace groot::pq

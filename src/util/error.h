// groot::Error: the one exception type for user-facing failures. Its message must name the
// file / field / value at fault and, where possible, what to do about it. The CLI prints
// "groot <verb>: error: <message>" and exits non-zero.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace groot {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// fail("file ", path, ": demo ", name, " has ", n, " rows") -> throws groot::Error
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw Error(os.str());
}

#define GROOT_CHECK(cond, ...)              \
  do {                                      \
    if (!(cond)) ::groot::fail(__VA_ARGS__); \
  } while (0)

}  // namespace groot

#include "data/modality_py.h"

#include <cctype>
#include <cstdio>
#include <map>

#include "util/error.h"
#include "util/fs.h"

namespace groot::data {
namespace {

constexpr const char* kYamlHint =
    "; groot reads only the declarative part of a Python modality config (literals, ModalityConfig(...), "
    "ActionConfig(...), enum members, list(range(...)), register_modality_config(...)) without running "
    "Python: write this config as YAML instead (see examples/modality/franka_mcx.yaml)";
constexpr int kMaxDepth = 64;
constexpr size_t kMaxElements = 100000;

enum class Tok { Name, Int, Float, Str, Op, Newline, End };
struct Token {
  Tok kind;
  std::string text;  // name / op / decoded string / number text
  int line;
};

[[noreturn]] void refuse(const std::string& src, int line, const std::string& what) {
  fail(src, ":", line, ": ", what, " is not supported", kYamlHint);
}

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::vector<Token> tokenize(const std::string& s, const std::string& src) {
  std::vector<Token> out;
  int line = 1, depth = 0;
  size_t i = 0, n = s.size();
  bool line_start = true;
  auto push = [&](Tok k, std::string t) { out.push_back({k, std::move(t), line}); };
  while (i < n) {
    char c = s[i];
    if (line_start && depth == 0) {
      size_t j = i;
      while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\f')) ++j;
      // Indented code is refused by the parser (which first reports the statement opening the block).
      if (j > i && j < n && s[j] != '\n' && s[j] != '\r' && s[j] != '#') push(Tok::Op, "<indent>");
      line_start = false;
      i = j;
      continue;
    }
    if (c == '\n') {
      if (depth == 0 && !out.empty() && out.back().kind != Tok::Newline) push(Tok::Newline, "");
      ++line;
      ++i;
      line_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f') { ++i; continue; }
    if (c == '#') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '\\') {
      size_t j = i + 1;
      if (j < n && s[j] == '\r') ++j;
      if (j < n && s[j] == '\n') {
        ++line;
        i = j + 1;
        continue;
      }
      refuse(src, line, "a stray backslash");
    }
    if (name_start(c) || c == '"' || c == '\'') {
      // String prefixes: r / R allowed; f, b, u and combinations refused (u is harmless: allowed).
      size_t j = i;
      while (j < n && name_char(s[j])) ++j;
      std::string word = s.substr(i, j - i);
      bool is_str = j < n && (s[j] == '"' || s[j] == '\'') && word.size() <= 2;
      if (!is_str && !word.empty()) {
        push(Tok::Name, word);
        i = j;
        continue;
      }
      std::string prefix;
      for (char p : word) prefix += char(std::tolower(static_cast<unsigned char>(p)));
      if (prefix.find('f') != std::string::npos) refuse(src, line, "an f-string");
      if (prefix.find('b') != std::string::npos) refuse(src, line, "a bytes literal");
      if (!prefix.empty() && prefix != "r" && prefix != "u") refuse(src, line, "the string prefix \"" + word + "\"");
      bool raw = prefix == "r";
      i = j;
      char q = s[i];
      bool triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
      size_t qlen = triple ? 3 : 1;
      i += qlen;
      int start_line = line;
      std::string val;
      for (;;) {
        if (i >= n) fail(src, ":", start_line, ": unterminated string literal");
        char d = s[i];
        if (d == q && (!triple || (i + 2 < n && s[i + 1] == q && s[i + 2] == q))) {
          i += qlen;
          break;
        }
        if (d == '\n') {
          if (!triple) fail(src, ":", start_line, ": unterminated string literal");
          ++line;
        }
        if (d == '\\' && i + 1 < n) {
          char e = s[i + 1];
          if (raw) {
            val += d;
            val += e;
          } else if (e == 'n') {
            val += '\n';
          } else if (e == 't') {
            val += '\t';
          } else if (e == '\\' || e == '\'' || e == '"') {
            val += e;
          } else if (e == '\n') {
            ++line;
          } else {
            refuse(src, line, std::string("the string escape \\") + e);
          }
          if (e == '\n' && raw) ++line;
          i += 2;
          continue;
        }
        val += d;
        ++i;
      }
      out.push_back({Tok::Str, std::move(val), start_line});
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      bool is_float = false;
      while (j < n && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.')) {
        if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') is_float = true;
        ++j;
      }
      std::string t;
      for (size_t k = i; k < j; ++k)
        if (s[k] != '_') t += s[k];
      bool ok = !t.empty();
      if (!is_float) {
        for (char d : t) ok = ok && std::isdigit(static_cast<unsigned char>(d));
        if (ok && t.size() > 1 && t[0] == '0') ok = false;  // Python rejects 007; 0x.. is refused too
        if (ok && t.size() > 9) refuse(src, line, "the integer " + t + " (too large for an index)");
      }
      if (!ok) refuse(src, line, "the number literal \"" + s.substr(i, j - i) + "\"");
      push(is_float ? Tok::Float : Tok::Int, t);
      i = j;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      if (++depth > kMaxDepth) fail(src, ":", line, ": nesting deeper than ", kMaxDepth, " levels");
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) fail(src, ":", line, ": unmatched '", c, "'");
      --depth;
    }
    // Multi-character operators are reported as their first character's construct.
    push(Tok::Op, std::string(1, c));
    ++i;
  }
  if (depth != 0) fail(src, ": unexpected end of file inside brackets");
  if (!out.empty() && out.back().kind != Tok::Newline) push(Tok::Newline, "");
  push(Tok::End, "");
  return out;
}

// A value: JSON, plus the Python type facts the config rules need.
struct Val {
  ojson j;
  enum Kind { Json, Range, Enum, Tuple } kind = Json;
  std::string enum_class;  // Enum: "ActionRepresentation", ...
};

const std::map<std::string, std::vector<std::string>>& enums() {
  static const std::map<std::string, std::vector<std::string>> e = {
      {"ActionRepresentation", {"RELATIVE", "DELTA", "ABSOLUTE"}},
      {"ActionType", {"EEF", "NON_EEF"}},
      {"ActionFormat", {"DEFAULT", "XYZ_ROT6D", "XYZ_ROTVEC"}},
      {"EmbodimentTag", {}},  // any upper-case member; checked against the known tags later
  };
  return e;
}

std::string construct_name(const Token& t) {
  switch (t.kind) {
    case Tok::Op: {
      static const std::map<std::string, std::string> names = {
          {"+", "the operator '+'"}, {"*", "the operator '*' (or argument unpacking)"},
          {"/", "the operator '/'"}, {"%", "the operator '%'"},
          {"[", "a subscript"},      {";", "';' (several statements on one line)"},
          {"@", "a decorator"},      {"|", "the operator '|'"},
          {"<", "a comparison"},     {">", "a comparison"},
          {"!", "a comparison"},     {"&", "the operator '&'"},
          {"^", "the operator '^'"}, {"~", "the operator '~'"},
          {":", "a slice or annotation"},
          {"<indent>", "indented code (a block of if / for / def / with / class)"}};
      auto it = names.find(t.text);
      return it != names.end() ? it->second : "'" + t.text + "'";
    }
    case Tok::Name: return "'" + t.text + "'";
    case Tok::Str: return "a string here";
    case Tok::Int:
    case Tok::Float: return "a number here";
    case Tok::Newline: return "the end of the line here";
    case Tok::End: return "the end of the file here";
  }
  return "this";
}

class Parser {
 public:
  Parser(std::vector<Token> toks, std::string src) : t_(std::move(toks)), src_(std::move(src)) {}

  std::vector<PyRegistration> run() {
    std::vector<PyRegistration> regs;
    while (peek().kind != Tok::End) {
      const Token& s = peek();
      if (s.kind == Tok::Newline) { ++p_; continue; }
      if (s.kind == Tok::Str) {  // docstring / bare string statement
        while (peek().kind == Tok::Str) ++p_;
        end_statement();
        continue;
      }
      if (s.kind != Tok::Name) refuse(src_, s.line, construct_name(s) + " at the start of a statement");
      if (s.text == "import" || s.text == "from") { skip_import(); continue; }
      static const char* kw[] = {"if", "for", "while", "def", "class", "with", "try", "lambda", "global",
                                 "nonlocal", "del", "assert", "return", "async", "await", "raise",
                                 "pass", "exec", "print", "yield", "elif", "else", "match"};
      for (const char* k : kw)
        if (s.text == k) refuse(src_, s.line, "a '" + s.text + "' statement");
      // NAME = expr  |  call(...)
      if (peek(1).kind == Tok::Op && peek(1).text == "=" && !(peek(2).kind == Tok::Op && peek(2).text == "=")) {
        std::string name = s.text;
        p_ += 2;
        Val v = expr(0);
        if (peek().kind == Tok::Op && peek().text == "=") refuse(src_, peek().line, "a chained assignment");
        end_statement();
        vars_[name] = std::move(v);
        continue;
      }
      int line = s.line;
      std::string callee = dotted_name();
      if (!(peek().kind == Tok::Op && peek().text == "("))
        refuse(src_, peek().line, construct_name(peek()) + " after '" + callee + "'");
      if (last_part(callee) != "register_modality_config")
        refuse(src_, line, "the call " + callee + "() as a statement");
      regs.push_back(registration(line));
      end_statement();
    }
    return regs;
  }

 private:
  const Token& peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  bool is_op(const char* op, size_t k = 0) const { return peek(k).kind == Tok::Op && peek(k).text == op; }
  void expect(const char* op) {
    if (!is_op(op)) refuse(src_, peek().line, construct_name(peek()) + " (expected '" + op + "')");
    ++p_;
  }
  void end_statement() {
    if (peek().kind == Tok::End) return;
    if (peek().kind != Tok::Newline) refuse(src_, peek().line, construct_name(peek()));
    ++p_;
  }
  static std::string last_part(const std::string& dotted) {
    size_t d = dotted.rfind('.');
    return d == std::string::npos ? dotted : dotted.substr(d + 1);
  }
  std::string dotted_name() {
    if (peek().kind != Tok::Name) refuse(src_, peek().line, construct_name(peek()) + " (expected a name)");
    std::string s = peek().text;
    ++p_;
    while (is_op(".")) {
      ++p_;
      if (peek().kind != Tok::Name) refuse(src_, peek().line, construct_name(peek()) + " after '.'");
      s += "." + peek().text;
      ++p_;
    }
    return s;
  }
  void skip_import() {
    int line = peek().line;
    bool from = peek().text == "from";
    ++p_;
    dotted_name();
    if (from) {
      if (peek().kind != Tok::Name || peek().text != "import") refuse(src_, line, "this import form");
      ++p_;
      if (is_op("*")) {
        ++p_;
        end_statement();
        return;
      }
      bool paren = is_op("(");
      if (paren) ++p_;
      for (;;) {
        if (paren && is_op(")")) break;
        if (peek().kind != Tok::Name) refuse(src_, peek().line, construct_name(peek()) + " in an import");
        ++p_;
        if (peek().kind == Tok::Name && peek().text == "as") {
          ++p_;
          if (peek().kind != Tok::Name) refuse(src_, peek().line, construct_name(peek()) + " in an import");
          ++p_;
        }
        if (!is_op(",")) break;
        ++p_;
        if (!paren && peek().kind == Tok::Newline) refuse(src_, line, "a trailing comma in an import");
      }
      if (paren) expect(")");
    } else {
      for (;;) {
        if (peek().kind == Tok::Name && peek().text == "as") {
          ++p_;
          if (peek().kind != Tok::Name) refuse(src_, peek().line, construct_name(peek()) + " in an import");
          ++p_;
        }
        if (!is_op(",")) break;
        ++p_;
        dotted_name();
      }
    }
    end_statement();
  }

  struct Args {
    std::vector<Val> pos;
    std::vector<std::pair<std::string, Val>> kw;
    int line = 0;
  };
  Args call_args(int depth) {
    Args a;
    a.line = peek().line;
    expect("(");
    while (!is_op(")")) {
      if (is_op("*")) refuse(src_, peek().line, "argument unpacking (*args / **kwargs)");
      if (peek().kind == Tok::Name && is_op("=", 1)) {
        std::string k = peek().text;
        int line = peek().line;
        p_ += 2;
        for (auto& e : a.kw)
          if (e.first == k) fail(src_, ":", line, ": keyword argument \"", k, "\" repeated");
        a.kw.emplace_back(k, expr(depth + 1));
      } else {
        if (!a.kw.empty()) fail(src_, ":", peek().line, ": positional argument after keyword argument");
        a.pos.push_back(expr(depth + 1));
      }
      if (!is_op(",")) break;
      ++p_;
    }
    expect(")");
    return a;
  }

  Val expr(int depth) {
    if (depth > kMaxDepth) fail(src_, ":", peek().line, ": expression nested deeper than ", kMaxDepth, " levels");
    Val v = primary(depth);
    // Anything that would continue the expression is an unsupported operator / subscript / comprehension.
    const Token& n = peek();
    if (n.kind == Tok::Op && n.text != "," && n.text != ")" && n.text != "]" && n.text != "}" && n.text != ":" &&
        n.text != "=")
      refuse(src_, n.line, construct_name(n));
    if (n.kind == Tok::Name) {
      if (n.text == "for") refuse(src_, n.line, "a comprehension ('for' inside brackets)");
      if (n.text == "if") refuse(src_, n.line, "a conditional expression");
      refuse(src_, n.line, "the operator '" + n.text + "'");
    }
    if (n.kind == Tok::Str || n.kind == Tok::Int || n.kind == Tok::Float)
      refuse(src_, n.line, construct_name(n) + " (a missing comma?)");
    return v;
  }

  Val primary(int depth) {
    const Token& t = peek();
    Val v;
    switch (t.kind) {
      case Tok::Int:
        v.j = std::stoll(t.text);
        ++p_;
        return v;
      case Tok::Float:
        try {
          v.j = std::stod(t.text);
        } catch (...) {
          refuse(src_, t.line, "the number literal \"" + t.text + "\"");
        }
        ++p_;
        return v;
      case Tok::Str: {
        std::string s;
        while (peek().kind == Tok::Str) s += t_[p_++].text;  // implicit concatenation
        v.j = s;
        return v;
      }
      case Tok::Op:
        if (t.text == "-" && (peek(1).kind == Tok::Int || peek(1).kind == Tok::Float)) {
          ++p_;
          Val x = primary(depth + 1);
          if (x.j.is_number_integer()) x.j = -x.j.get<int64_t>();
          else x.j = -x.j.get<double>();
          return x;
        }
        if (t.text == "[" || t.text == "(") return sequence(depth);
        if (t.text == "{") return dict(depth);
        refuse(src_, t.line, construct_name(t));
      case Tok::Name: return name_expr(depth);
      default: refuse(src_, t.line, construct_name(t) + " (expected a value)");
    }
  }

  // True when a 'for' appears at this bracket level before the bracket closes (a comprehension).
  bool comprehension_ahead() const {
    int level = 0;
    for (size_t k = p_ + 1; k < t_.size() && t_[k].kind != Tok::End; ++k) {
      const Token& x = t_[k];
      if (x.kind == Tok::Op && (x.text == "(" || x.text == "[" || x.text == "{")) ++level;
      if (x.kind == Tok::Op && (x.text == ")" || x.text == "]" || x.text == "}") && level-- == 0) return false;
      if (level == 0 && x.kind == Tok::Name && x.text == "for") return true;
    }
    return false;
  }

  Val sequence(int depth) {
    bool tuple = is_op("(");
    const char* close = tuple ? ")" : "]";
    if (comprehension_ahead()) refuse(src_, peek().line, tuple ? "a generator expression" : "a comprehension");
    ++p_;
    Val v;
    v.j = ojson::array();
    bool comma = false;
    while (!is_op(close)) {
      if (is_op("*")) refuse(src_, peek().line, "unpacking (*x) in a literal");
      Val e = expr(depth + 1);
      v.j.push_back(e.j);
      if (v.j.size() > kMaxElements) fail(src_, ":", peek().line, ": list longer than ", kMaxElements);
      if (!is_op(",")) break;
      comma = true;
      ++p_;
    }
    expect(close);
    if (tuple && v.j.size() == 1 && !comma) {  // parenthesised expression
      Val inner;
      inner.j = v.j[0];
      return inner;
    }
    if (tuple) v.kind = Val::Tuple;
    return v;
  }

  Val dict(int depth) {
    if (comprehension_ahead()) refuse(src_, peek().line, "a comprehension");
    ++p_;
    Val v;
    v.j = ojson::object();
    while (!is_op("}")) {
      if (is_op("*")) refuse(src_, peek().line, "unpacking (**x) in a dict");
      int line = peek().line;
      Val k = expr(depth + 1);
      if (!k.j.is_string()) fail(src_, ":", line, ": dict keys must be strings, got ", k.j.dump());
      if (!is_op(":")) refuse(src_, peek().line, construct_name(peek()) + " in a dict (expected ':')");
      ++p_;
      Val e = expr(depth + 1);
      std::string key = k.j.get<std::string>();
      if (v.j.contains(key)) fail(src_, ":", line, ": dict key \"", key, "\" repeated");
      v.j[key] = e.j;
      if (!is_op(",")) break;
      ++p_;
    }
    expect("}");
    return v;
  }

  Val name_expr(int depth) {
    int line = peek().line;
    std::string name = dotted_name();
    std::string last = last_part(name);
    if (is_op("(")) return call(name, last, depth, line);
    size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      std::string cls = last_part(name.substr(0, dot));
      auto it = enums().find(cls);
      if (it == enums().end()) refuse(src_, line, "the attribute " + name);
      bool ok = it->second.empty() ? !last.empty() : false;
      for (const auto& m : it->second) ok = ok || m == last;
      if (!ok) fail(src_, ":", line, ": ", cls, " has no member ", last);
      Val v;
      v.kind = Val::Enum;
      v.enum_class = cls;
      v.j = last;
      return v;
    }
    Val v;
    if (name == "True") v.j = true;
    else if (name == "False") v.j = false;
    else if (name == "None") v.j = nullptr;
    else {
      auto it = vars_.find(name);
      if (it == vars_.end())
        refuse(src_, line, "the name '" + name + "' (only literals and variables assigned earlier in the file)");
      return it->second;
    }
    return v;
  }

  int64_t int_arg(const Val& v, int line, const char* what) {
    if (!v.j.is_number_integer()) fail(src_, ":", line, ": ", what, " expects ints, got ", v.j.dump());
    return v.j.get<int64_t>();
  }

  Val call(const std::string& name, const std::string& last, int depth, int line) {
    if (last == "range") {
      Args a = call_args(depth);
      if (!a.kw.empty() || a.pos.empty() || a.pos.size() > 3)
        fail(src_, ":", line, ": range() takes 1 to 3 int arguments");
      int64_t start = 0, stop, step = 1;
      if (a.pos.size() == 1) {
        stop = int_arg(a.pos[0], line, "range()");
      } else {
        start = int_arg(a.pos[0], line, "range()");
        stop = int_arg(a.pos[1], line, "range()");
        if (a.pos.size() == 3) step = int_arg(a.pos[2], line, "range()");
      }
      if (step == 0) fail(src_, ":", line, ": range() step must not be zero");
      Val v;
      v.kind = Val::Range;
      v.j = ojson::array();
      for (int64_t x = start; step > 0 ? x < stop : x > stop; x += step) {
        v.j.push_back(x);
        if (v.j.size() > kMaxElements) fail(src_, ":", line, ": range longer than ", kMaxElements);
      }
      return v;
    }
    if (last == "list") {
      Args a = call_args(depth);
      if (!a.kw.empty() || a.pos.size() > 1) fail(src_, ":", line, ": list() takes at most one argument");
      Val v;
      v.j = a.pos.empty() ? ojson::array() : a.pos[0].j;
      if (!v.j.is_array()) fail(src_, ":", line, ": list() of ", v.j.dump(), " is not supported", kYamlHint);
      return v;
    }
    if (last == "ModalityConfig") return modality_config(call_args(depth), line);
    if (last == "ActionConfig") return action_config(call_args(depth), line);
    refuse(src_, line, "the call " + name + "()");
  }

  // Binds positional and keyword arguments to `fields` (dataclass order); `required` first ones.
  std::map<std::string, Val> bind(const Args& a, const std::vector<std::string>& fields, size_t required,
                                  const std::string& what) {
    std::map<std::string, Val> out;
    if (a.pos.size() > fields.size())
      fail(src_, ":", a.line, ": ", what, "() takes at most ", fields.size(), " arguments");
    for (size_t i = 0; i < a.pos.size(); ++i) out[fields[i]] = a.pos[i];
    for (const auto& [k, v] : a.kw) {
      bool known = false;
      for (const auto& f : fields) known = known || f == k;
      std::string list;
      for (const auto& f : fields) list += (list.empty() ? "" : ", ") + f;
      if (!known) fail(src_, ":", a.line, ": ", what, "() has no field \"", k, "\" (fields: ", list, ")");
      if (out.count(k)) fail(src_, ":", a.line, ": ", what, "() got \"", k, "\" twice");
      out[k] = v;
    }
    for (size_t i = 0; i < required; ++i)
      if (!out.count(fields[i])) fail(src_, ":", a.line, ": ", what, "() is missing \"", fields[i], "\"");
    return out;
  }

  Val modality_config(const Args& a, int line) {
    auto f = bind(a,
                  {"delta_indices", "modality_keys", "sin_cos_embedding_keys", "mean_std_embedding_keys",
                   "action_configs"},
                  2, "ModalityConfig");
    Val v;
    v.j = ojson::object();
    for (const char* k : {"delta_indices", "modality_keys", "sin_cos_embedding_keys", "mean_std_embedding_keys",
                          "action_configs"}) {
      auto it = f.find(k);
      if (it == f.end() || it->second.j.is_null()) continue;
      const Val& x = it->second;
      if (x.kind == Val::Range)
        fail(src_, ":", line, ": ModalityConfig ", k,
             "=range(...) is not a list (upstream ModalityConfig rejects it): write list(range(...))");
      if (x.kind == Val::Tuple || !x.j.is_array())
        fail(src_, ":", line, ": ModalityConfig ", k, " must be a list, got ", x.j.dump());
      v.j[k] = x.j;
    }
    if (v.j["delta_indices"].empty()) fail(src_, ":", line, ": ModalityConfig delta_indices must not be empty");
    return v;
  }

  Val action_config(const Args& a, int line) {
    auto f = bind(a, {"rep", "type", "format", "state_key"}, 3, "ActionConfig");
    static const std::map<std::string, std::string> cls = {
        {"rep", "ActionRepresentation"}, {"type", "ActionType"}, {"format", "ActionFormat"}};
    Val v;
    v.j = ojson::object();
    for (const auto& [field, enum_cls] : cls) {
      const Val& x = f.at(field);
      if (x.kind != Val::Enum || x.enum_class != enum_cls)
        fail(src_, ":", line, ": ActionConfig ", field, "= must be an ", enum_cls, " member, got ", x.j.dump());
      v.j[field] = x.j;
    }
    auto sk = f.find("state_key");
    if (sk != f.end() && !sk->second.j.is_null()) {
      if (!sk->second.j.is_string())
        fail(src_, ":", line, ": ActionConfig state_key must be a string, got ", sk->second.j.dump());
      v.j["state_key"] = sk->second.j;
    }
    return v;
  }

  PyRegistration registration(int line) {
    Args a = call_args(0);
    auto f = bind(a, {"config", "embodiment_tag"}, 2, "register_modality_config");
    const Val& cfg = f.at("config");
    const Val& tag = f.at("embodiment_tag");
    if (tag.kind != Val::Enum || tag.enum_class != "EmbodimentTag")
      fail(src_, ":", line, ": register_modality_config embodiment_tag must be an EmbodimentTag member, got ",
           tag.j.dump());
    if (!cfg.j.is_object()) fail(src_, ":", line, ": register_modality_config config must be a dict, got ", cfg.j.dump());
    PyRegistration r;
    r.line = line;
    std::string t = tag.j.get<std::string>();
    for (auto& ch : t) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    r.config = ojson::object();
    r.config["embodiment_tag"] = t;
    for (auto it = cfg.j.begin(); it != cfg.j.end(); ++it) r.config[it.key()] = it.value();
    return r;
  }

  std::vector<Token> t_;
  std::string src_;
  size_t p_ = 0;
  std::map<std::string, Val> vars_;
};

}  // namespace

std::vector<PyRegistration> parse_modality_py(const std::string& text, const std::string& source) {
  // Python source is UTF-8 (PEP 3120): invalid bytes are a syntax error there, and an error here.
  int line = 1;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size() && !(n == 2 && c < 0xc2) && !(n == 4 && c > 0xf4);
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      fail(source, ":", line, ": invalid UTF-8 (byte ", hex, "); Python source files are UTF-8");
    }
    if (c == '\n') ++line;
    i += n;
  }
  return Parser(tokenize(text, source), source).run();
}

ModalityConfig load_modality_config_py(const fs::path& path, const std::string& embodiment_tag) {
  if (!fs::exists(path)) fail("modality config ", path.string(), ": file not found");
  std::vector<PyRegistration> regs = parse_modality_py(read_file(path), path.string());
  if (regs.empty())
    fail(path.string(), ": no register_modality_config(...) call (nothing to read)", kYamlHint);
  std::string want;
  for (char c : embodiment_tag) want += char(std::tolower(static_cast<unsigned char>(c)));
  const PyRegistration* pick = nullptr;
  std::string tags;
  for (const auto& r : regs) {
    std::string t = r.config["embodiment_tag"].get<std::string>();
    tags += (tags.empty() ? "" : ", ") + t;
    if (want.empty() ? regs.size() == 1 : t == want) pick = &r;
  }
  if (!pick) {
    if (want.empty()) fail(path.string(), ": registers several embodiments (", tags, "); pick one with --embodiment-tag");
    fail(path.string(), ": registers no config for embodiment tag \"", want, "\" (it registers: ", tags, ")");
  }
  return parse_modality_config(pick->config, path.string() + ":" + std::to_string(pick->line));
}

}  // namespace groot::data

// A small, fast JSON text builder for the simulators' responses and data files: appends to one
// string, inserts commas itself, escapes strings. `raw()` splices pre-serialised JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mahnwerk::sim {

class JsonOut {
 public:
  JsonOut& begin_object() { return open('{'); }
  JsonOut& end_object() { return close('}'); }
  JsonOut& begin_array() { return open('['); }
  JsonOut& end_array() { return close(']'); }
  JsonOut& key(std::string_view k) {
    comma();
    append_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonOut& string(std::string_view v) {
    comma();
    append_string(out_, v);
    return *this;
  }
  JsonOut& string_or_null(std::string_view v) { return v.empty() ? null() : string(v); }
  JsonOut& integer(std::int64_t v) { return raw(std::to_string(v)); }
  JsonOut& boolean(bool v) { return raw(v ? "true" : "false"); }
  JsonOut& null() { return raw("null"); }
  // A JSON value written elsewhere (a number's text, a pre-serialised object).
  JsonOut& raw(std::string_view json) {
    comma();
    out_.append(json);
    return *this;
  }
  // A line break before the next value (data files stay readable line by line).
  JsonOut& newline() {
    comma();
    out_.push_back('\n');
    suppress_comma_ = true;
    return *this;
  }
  std::string take() { return std::move(out_); }
  const std::string& str() const { return out_; }

  static void append_string(std::string& out, std::string_view v) {
    out.push_back('"');
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(ch);
      } else if (c < 0x20) {
        static const char* const hex = "0123456789abcdef";
        out.append("\\u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
      } else {
        out.push_back(ch);
      }
    }
    out.push_back('"');
  }

 private:
  JsonOut& open(char c) {
    comma();
    out_.push_back(c);
    first_.push_back(true);
    return *this;
  }
  JsonOut& close(char c) {
    out_.push_back(c);
    first_.pop_back();
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (suppress_comma_) {
      suppress_comma_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
  bool suppress_comma_ = false;
};

}  // namespace mahnwerk::sim

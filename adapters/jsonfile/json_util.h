// Shared JSON plumbing for the canonical formats and config files: reading files, parsing with
// line/column errors, and typed field access whose errors name the JSON path
// ("items[3].amount"). Numbers are kept as strings so amounts never pass through double.
#pragma once

#include <rapidjson/document.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::jsonfile {

// The flags every reader uses: numbers as strings, comments and trailing commas allowed.
inline constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                        rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag;

// The whole file. Missing or unreadable: kNotFound with the path and the system's reason.
core::Result<std::string> read_file(const std::string& path);

// Parses `text`; a syntax error becomes `error_kind` with context "<source>, line L, column C".
core::Result<rapidjson::Document> parse_json(std::string_view text, std::string_view source,
                                             core::ErrorKind error_kind = core::ErrorKind::kInvalidInput);

// 1-based line and column of a byte offset in text.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset);

// ISO 13616: two letters, two check digits, up to 30 alphanumerics; the number formed by moving
// the first four characters to the end (letters as 10..35) is 1 modulo 97. Spaces and lower
// case allowed.
bool valid_iban(std::string_view text);

// Reads the members of one JSON object. Every error names `path.member` in its context and
// carries `error_kind` (invalid input for data files, bad configuration for config files).
class Fields {
 public:
  Fields(const rapidjson::Value& object, std::string path,
         core::ErrorKind error_kind = core::ErrorKind::kInvalidInput);

  // The object itself must be an object; call first.
  core::Status check_object() const;

  bool has(const char* name) const;
  const rapidjson::Value* find(const char* name) const;
  std::string path_of(const char* name) const;

  core::Result<std::string> required_string(const char* name) const;
  core::Result<std::string> optional_string(const char* name, std::string fallback = {}) const;
  core::Result<bool> optional_bool(const char* name, bool fallback) const;
  core::Result<int> optional_int(const char* name, int fallback, int min, int max) const;
  core::Result<core::Date> required_date(const char* name) const;
  core::Result<std::optional<core::Date>> optional_date(const char* name) const;
  // An amount as a string ("1234.50") or a JSON number; negative amounts are refused
  // unless allow_negative.
  core::Result<core::Money> required_money(const char* name, core::Currency currency,
                                           bool allow_negative = false) const;
  core::Result<std::optional<core::Money>> optional_money(const char* name, core::Currency currency,
                                                          bool allow_negative = false) const;
  // An array member; absent is an empty array when `required` is false.
  core::Result<const rapidjson::Value*> array(const char* name, bool required) const;

  core::Error error(const char* name, std::string message) const;

 private:
  const rapidjson::Value& object_;
  std::string path_;
  core::ErrorKind error_kind_;
};

// The members of `object` that are not among `known` ("unknown field (expected one of: ...)")
// and, with refuse_repeats, those given twice ("field given twice"), in member order, each
// named by `f`. Strict readers use it so a misspelt key never passes silently as "absent".
std::vector<core::Error> member_problems(const rapidjson::Value& object, const Fields& f,
                                         std::initializer_list<std::string_view> known, bool refuse_repeats);

}  // namespace mahnwerk::jsonfile

// JSON plumbing: files, syntax errors with positions, typed fields with paths.
#include "adapters/jsonfile/json_util.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mahnwerk::jsonfile {

using core::Error;
using core::Result;

core::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{core::ErrorKind::kNotFound, std::string("cannot open: ") + std::strerror(errno), path};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error{core::ErrorKind::kNotFound, "cannot read", path};
  return std::move(buffer).str();
}

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

bool valid_iban(std::string_view text) {
  std::string iban;
  for (char c : text) {
    if (c != ' ') iban += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (iban.size() < 15 || iban.size() > 34) return false;
  int remainder = 0;
  for (std::size_t i = 0; i < iban.size(); ++i) {
    const char c = iban[(i + 4) % iban.size()];
    const bool letter = c >= 'A' && c <= 'Z';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !digit) return false;
    if (((i + 4) % iban.size()) < 2 && !letter) return false;
    const int value = digit ? c - '0' : c - 'A' + 10;
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder == 1;
}

core::Result<rapidjson::Document> parse_json(std::string_view text, std::string_view source,
                                             core::ErrorKind error_kind) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    const auto [line, column] = line_column(text, doc.GetErrorOffset());
    return Error{
        error_kind, std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()),
        std::string(source) + ", line " + std::to_string(line) + ", column " + std::to_string(column)};
  }
  return doc;
}

Fields::Fields(const rapidjson::Value& object, std::string path, core::ErrorKind error_kind)
    : object_(object), path_(std::move(path)), error_kind_(error_kind) {}

core::Status Fields::check_object() const {
  if (!object_.IsObject()) return Error{error_kind_, "expected an object", path_};
  return core::Ok{};
}

std::string Fields::path_of(const char* name) const {
  return path_.empty() ? std::string(name) : path_ + "." + name;
}

Error Fields::error(const char* name, std::string message) const {
  return Error{error_kind_, std::move(message), path_of(name)};
}

bool Fields::has(const char* name) const { return find(name) != nullptr; }

const rapidjson::Value* Fields::find(const char* name) const {
  if (!object_.IsObject()) return nullptr;
  const auto it = object_.FindMember(name);
  if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

Result<std::string> Fields::required_string(const char* name) const {
  const auto* v = find(name);
  if (v == nullptr) return error(name, "missing field");
  if (!v->IsString()) return error(name, "expected a string");
  return std::string(v->GetString(), v->GetStringLength());
}

Result<std::string> Fields::optional_string(const char* name, std::string fallback) const {
  if (!has(name)) return fallback;
  return required_string(name);
}

Result<bool> Fields::optional_bool(const char* name, bool fallback) const {
  const auto* v = find(name);
  if (v == nullptr) return fallback;
  if (!v->IsBool()) return error(name, "expected true or false");
  return v->GetBool();
}

Result<int> Fields::optional_int(const char* name, int fallback, int min, int max) const {
  const auto* v = find(name);
  if (v == nullptr) return fallback;
  // Numbers arrive as strings (kParseNumbersAsStringsFlag).
  if (!v->IsString()) return error(name, "expected a whole number");
  const std::string_view text(v->GetString(), v->GetStringLength());
  long long value = 0;
  bool negative = false;
  std::size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i == text.size()) return error(name, "expected a whole number, got \"" + std::string(text) + "\"");
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || value > 1'000'000'000) {
      return error(name, "expected a whole number, got \"" + std::string(text) + "\"");
    }
    value = value * 10 + (text[i] - '0');
  }
  if (negative) value = -value;
  if (value < min || value > max) {
    return error(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                           std::to_string(value));
  }
  return static_cast<int>(value);
}

Result<core::Date> Fields::required_date(const char* name) const {
  const auto* v = find(name);
  if (v == nullptr) return error(name, "missing field");
  if (!v->IsString()) return error(name, "expected a date string YYYY-MM-DD");
  auto date = core::parse_date(std::string_view(v->GetString(), v->GetStringLength()));
  if (!date) return error(name, date.error().message);
  return *date;
}

Result<std::optional<core::Date>> Fields::optional_date(const char* name) const {
  if (!has(name)) return std::optional<core::Date>{};
  auto date = required_date(name);
  if (!date) return date.error();
  return std::optional<core::Date>(*date);
}

Result<core::Money> Fields::required_money(const char* name, core::Currency currency,
                                           bool allow_negative) const {
  const auto* v = find(name);
  if (v == nullptr) return error(name, "missing field");
  if (!v->IsString()) return error(name, "expected an amount such as \"1234.50\"");
  const std::string_view text(v->GetString(), v->GetStringLength());
  auto money = core::Money::parse(text, currency);
  if (!money) return error(name, money.error().message);
  if (!allow_negative && money->is_negative()) {
    return error(name, "negative amount \"" + std::string(text) + "\" not allowed here");
  }
  return *money;
}

Result<std::optional<core::Money>> Fields::optional_money(const char* name, core::Currency currency,
                                                          bool allow_negative) const {
  if (!has(name)) return std::optional<core::Money>{};
  auto money = required_money(name, currency, allow_negative);
  if (!money) return money.error();
  return std::optional<core::Money>(*money);
}

Result<const rapidjson::Value*> Fields::array(const char* name, bool required) const {
  static const rapidjson::Value kEmpty(rapidjson::kArrayType);
  const auto* v = find(name);
  if (v == nullptr) {
    if (required) return error(name, "missing field");
    return &kEmpty;
  }
  if (!v->IsArray()) return error(name, "expected an array");
  return v;
}

std::vector<core::Error> member_problems(const rapidjson::Value& object, const Fields& f,
                                         std::initializer_list<std::string_view> known, bool refuse_repeats) {
  std::vector<core::Error> problems;
  std::vector<std::string_view> seen;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    const auto match = std::find(known.begin(), known.end(), std::string_view(name));
    if (match == known.end()) {
      std::string expected;
      for (const auto k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
      problems.push_back(f.error(name.c_str(), "unknown field (expected one of: " + expected + ")"));
      continue;
    }
    if (refuse_repeats && std::find(seen.begin(), seen.end(), *match) != seen.end()) {
      problems.push_back(f.error(name.c_str(), "field given twice"));
    }
    seen.push_back(*match);
  }
  return problems;
}

}  // namespace mahnwerk::jsonfile

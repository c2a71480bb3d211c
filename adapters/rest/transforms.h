// The named, reusable transforms of the mapping engine (docs/mappings.md, "Transforms"): JSON
// pointers into records parsed with numbers as strings, dates in the forms remote systems send
// (plain, RFC 3339 with offsets, Microsoft's /Date(ms)/, Unix seconds), amounts as JSON numbers
// or strings (never through double), enums, and computed fields (due date = date + days, open =
// gross - paid, business or consumer from the shape of a contact, joined names).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/rest/mapping.h"
#include "connector/core/date.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::rest {

// The value at an RFC 6901 pointer ("" is the value itself; "~0" and "~1" escapes), or nullptr.
const rapidjson::Value* resolve(const rapidjson::Value& value, std::string_view pointer);
// Whether `pointer` is syntactically a JSON pointer ("" or starting with '/').
bool valid_pointer(std::string_view pointer);

// A scalar as text: strings as they are, numbers (parsed as strings) as written, true/false;
// nullopt for null, objects, arrays and nullptr.
std::optional<std::string> scalar_text(const rapidjson::Value* value);

// "2024-04-08", "2023-05-14T00:00:00.000+02:00" (the day in the offset given), "...Z",
// "/Date(1700000000000)/" or "/Date(1700000000000+0100)/" (the UTC day of the instant), or
// with `unix` digits as Unix seconds. kInvalidInput naming the text otherwise.
core::Result<core::Date> parse_any_date(std::string_view text, bool unix = false);
// The instant as Unix seconds (a plain date is its midnight UTC); forms as parse_any_date.
core::Result<std::int64_t> parse_instant(std::string_view text, bool unix = false);

// A decimal amount from a JSON number or string: optional sign, digits, optional fraction; no
// exponent, no grouping. Trailing zeros beyond the currency's decimals are dropped ("12.3400"
// is 12.34 EUR); more significant decimals are invalid.
core::Result<core::Money> parse_amount(std::string_view text, core::Currency currency);

// The names the mapping may use in a field's "transform".
bool known_transform(std::string_view name);

// Applies `spec` to `record`: the canonical text of the field (dates "YYYY-MM-DD", amounts in
// decimal, kinds "business"/"consumer"), nullopt when absent and optional. An absent required
// field or a value the transform refuses is kInvalidInput naming the pointer.
core::Result<std::optional<std::string>> apply_field(const FieldSpec& spec, const rapidjson::Value& record);

// Whether `record` satisfies `condition`.
bool matches(const Condition& condition, const rapidjson::Value& record);

}  // namespace mahnwerk::rest

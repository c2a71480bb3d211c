// Named transforms of the mapping engine.
#include "adapters/rest/transforms.h"

#include <array>
#include <charconv>
#include <chrono>

namespace mahnwerk::rest {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text.substr(0, 60));
  if (text.size() > 60) out += "...";
  out += "\"";
  return out;
}

core::Error bad(std::string message) { return core::invalid_input(std::move(message)); }

// The value of one pointer segment with ~1 -> '/' and ~0 -> '~'.
std::string unescape(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '~' && i + 1 < segment.size()) {
      out += segment[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += segment[i];
    }
  }
  return out;
}

const rapidjson::Value* step(const rapidjson::Value& v, std::string_view segment) {
  if (v.IsObject()) {
    if (segment.find('~') != std::string_view::npos) {
      const std::string name = unescape(segment);
      auto it = v.FindMember(
          rapidjson::Value(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
      return it == v.MemberEnd() ? nullptr : &it->value;
    }
    auto it = v.FindMember(rapidjson::Value(
        rapidjson::StringRef(segment.data(), static_cast<rapidjson::SizeType>(segment.size()))));
    return it == v.MemberEnd() ? nullptr : &it->value;
  }
  if (v.IsArray()) {
    if (!all_digits(segment) || segment.size() > 9) return nullptr;
    const auto index = static_cast<rapidjson::SizeType>(digits_value(segment));
    return index < v.Size() ? &v[index] : nullptr;
  }
  return nullptr;
}

core::Result<core::Date> ymd(std::string_view text, std::string_view whole) {
  if (text.size() < 10 || !all_digits(text.substr(0, 4)) || text[4] != '-' ||
      !all_digits(text.substr(5, 2)) || text[7] != '-' || !all_digits(text.substr(8, 2))) {
    return bad("not a date: " + quoted(whole));
  }
  const std::chrono::year_month_day d{
      std::chrono::year{digits_value(text.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(digits_value(text.substr(5, 2)))},
      std::chrono::day{static_cast<unsigned>(digits_value(text.substr(8, 2)))}};
  if (!d.ok()) return bad("not a date: " + quoted(whole));
  return core::Date{d};
}

core::Date day_of_seconds(std::int64_t seconds) {
  const auto days =
      std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds{std::chrono::seconds{seconds}});
  return core::Date{days};
}

std::int64_t seconds_of_day(const core::Date& d) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::sys_days{d}.time_since_epoch())
      .count();
}

// "/Date(1700000000000)/", "/Date(1700000000000+0100)/", "/Date(-5)/": milliseconds since 1970 UTC.
std::optional<std::int64_t> ms_date(std::string_view text) {
  if (!text.starts_with("/Date(") || !text.ends_with(")/")) return std::nullopt;
  std::string_view inner = text.substr(6, text.size() - 8);
  std::size_t end = 0;
  if (end < inner.size() && inner[end] == '-') ++end;
  while (end < inner.size() && is_digit(inner[end])) ++end;
  std::string_view number = inner.substr(0, end);
  std::string_view rest = inner.substr(end);
  if (!rest.empty() &&
      !((rest[0] == '+' || rest[0] == '-') && rest.size() == 5 && all_digits(rest.substr(1)))) {
    return std::nullopt;
  }
  std::int64_t ms = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), ms);
  if (ec != std::errc{} || p != number.data() + number.size()) return std::nullopt;
  return ms;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Exact decimal with 6 fraction digits, for subtraction of amounts.
constexpr int kScale = 6;

core::Result<std::int64_t> scaled(std::string_view text) {
  std::string_view t = text;
  bool negative = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  const auto dot = t.find('.');
  std::string_view whole = t.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : t.substr(dot + 1);
  if (whole.empty() || !all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac)) ||
      whole.size() > 12) {
    return bad("not an amount: " + quoted(text));
  }
  while (frac.size() > kScale && frac.back() == '0') frac.remove_suffix(1);
  if (frac.size() > kScale) return bad("not an amount: " + quoted(text) + " (too many decimals)");
  std::int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  for (int i = 0; i < kScale; ++i) {
    v = v * 10 + (static_cast<std::size_t>(i) < frac.size() ? frac[static_cast<std::size_t>(i)] - '0' : 0);
  }
  return negative ? -v : v;
}

std::string unscaled(std::int64_t v) {
  const bool negative = v < 0;
  const std::uint64_t a =
      negative ? static_cast<std::uint64_t>(-(v + 1)) + 1u : static_cast<std::uint64_t>(v);
  std::string frac = std::to_string(a % 1000000u);
  frac.insert(0, static_cast<std::size_t>(kScale) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = negative ? "-" : "";
  out += std::to_string(a / 1000000u);
  if (!frac.empty()) out += "." + frac;
  return out;
}

bool truthy_present(const rapidjson::Value* v) {
  if (v == nullptr || v->IsNull()) return false;
  if (v->IsString()) return v->GetStringLength() > 0;
  if (v->IsObject()) return v->MemberCount() > 0;
  if (v->IsArray()) return !v->Empty();
  if (v->IsBool()) return v->GetBool();
  return true;
}

// A scalar's text without a copy where it has one (strings, numbers parsed as strings, true and
// false); integers parsed as such have none and go through scalar_text.
std::optional<std::string_view> scalar_view(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsString()) return std::string_view(value->GetString(), value->GetStringLength());
  if (value->IsBool()) return value->GetBool() ? std::string_view("true") : std::string_view("false");
  return std::nullopt;
}

// "YYYY-MM-DD" without printf (the date transform runs once per record and date field).
std::string day_text(const core::Date& d) {
  const int year = static_cast<int>(d.year());
  if (year < 0 || year > 9999) return core::format_date(d);
  const unsigned month = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  std::string out(10, '-');
  out[0] = static_cast<char>('0' + year / 1000);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

constexpr std::array<std::string_view, 10> kTransforms = {
    "text", "date",     "instant",  "amount",           "integer",
    "enum", "add_days", "subtract", "kind_by_presence", "join"};

}  // namespace

bool valid_pointer(std::string_view pointer) { return pointer.empty() || pointer[0] == '/'; }

const rapidjson::Value* resolve(const rapidjson::Value& value, std::string_view pointer) {
  if (pointer.empty()) return &value;
  if (pointer[0] != '/') return nullptr;
  const rapidjson::Value* v = &value;
  std::size_t pos = 1;
  while (v != nullptr) {
    const auto next = pointer.find('/', pos);
    const std::string_view segment =
        pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    v = step(*v, segment);
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return v;
}

std::optional<std::string> scalar_text(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsString()) return std::string(value->GetString(), value->GetStringLength());
  if (value->IsBool()) return std::string(value->GetBool() ? "true" : "false");
  if (value->IsInt64()) return std::to_string(value->GetInt64());
  if (value->IsUint64()) return std::to_string(value->GetUint64());
  return std::nullopt;  // null, object, array (numbers come as strings with kParseNumbersAsStringsFlag)
}

core::Result<std::int64_t> parse_instant(std::string_view text, bool unix) {
  if (unix || all_digits(text)) {
    std::int64_t s = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
    if (ec != std::errc{} || p != text.data() + text.size()) return bad("not a Unix time: " + quoted(text));
    return s;
  }
  if (auto ms = ms_date(text)) return floor_div(*ms, 1000);
  auto day = ymd(text, text);
  if (!day) return day.error();
  std::int64_t seconds = seconds_of_day(*day);
  if (text.size() == 10) return seconds;
  // RFC 3339: T or space, HH:MM:SS, optional fraction, then Z or +HH:MM / -HH:MM (or +HHMM).
  std::string_view t = text.substr(10);
  if (t.size() < 9 || (t[0] != 'T' && t[0] != 't' && t[0] != ' ') || !all_digits(t.substr(1, 2)) ||
      t[3] != ':' || !all_digits(t.substr(4, 2)) || t[6] != ':' || !all_digits(t.substr(7, 2))) {
    return bad("not a date-time: " + quoted(text));
  }
  const int hh = digits_value(t.substr(1, 2));
  const int mm = digits_value(t.substr(4, 2));
  const int ss = digits_value(t.substr(7, 2));
  if (hh > 23 || mm > 59 || ss > 60) return bad("not a date-time: " + quoted(text));
  seconds += hh * 3600 + mm * 60 + ss;
  t.remove_prefix(9);
  if (!t.empty() && t[0] == '.') {
    std::size_t i = 1;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == 1) return bad("not a date-time: " + quoted(text));
    t.remove_prefix(i);
  }
  if (t == "Z" || t == "z") return seconds;
  if (t.empty()) return bad("date-time without offset: " + quoted(text));
  if ((t[0] == '+' || t[0] == '-') && (t.size() == 6 || t.size() == 5)) {
    const std::string_view h = t.substr(1, 2);
    const std::string_view m = t.size() == 6 ? t.substr(4, 2) : t.substr(3, 2);
    if (all_digits(h) && all_digits(m) && (t.size() == 5 || t[3] == ':')) {
      const int offset = digits_value(h) * 3600 + digits_value(m) * 60;
      return t[0] == '+' ? seconds - offset : seconds + offset;
    }
  }
  return bad("not a date-time: " + quoted(text));
}

core::Result<core::Date> parse_any_date(std::string_view text, bool unix) {
  if (unix || all_digits(text)) {
    auto s = parse_instant(text, true);
    if (!s) return s.error();
    return day_of_seconds(*s);
  }
  if (auto ms = ms_date(text)) return day_of_seconds(floor_div(*ms, 1000));
  if (text.size() == 10) return ymd(text, text);
  // RFC 3339: the calendar day as written, in the offset the system gave (a voucher dated
  // "2023-05-14T00:00:00.000+02:00" is of 14 May, not of 13 May UTC). Validate the rest.
  auto instant = parse_instant(text);
  if (!instant) return instant.error();
  return ymd(text, text);
}

core::Result<core::Money> parse_amount(std::string_view text, core::Currency currency) {
  std::string_view t = text;
  const auto dot = t.find('.');
  if (dot != std::string_view::npos) {
    std::size_t keep = t.size();
    while (keep > dot + 1 + static_cast<std::size_t>(currency.exponent()) && t[keep - 1] == '0') --keep;
    if (keep == dot + 1) keep = dot;  // "12." -> "12"
    t = t.substr(0, keep);
  }
  for (char c : t) {
    if (!(is_digit(c) || c == '.' || c == '-' || c == '+')) return bad("not an amount: " + quoted(text));
  }
  auto m = core::Money::parse(t, currency);
  if (!m) return bad("not an amount: " + quoted(text));
  return m;
}

bool known_transform(std::string_view name) {
  for (auto t : kTransforms) {
    if (t == name) return true;
  }
  return false;
}

core::Result<std::optional<std::string>> apply_field(const FieldSpec& spec, const rapidjson::Value& record) {
  const auto fail = [&](const std::string& message) { return core::invalid_input(message, spec.where); };
  std::optional<std::string> raw = spec.constant;
  static const std::string kNoPointer;
  const std::string* from_p = spec.pointers.empty() ? &kNoPointer : &spec.pointers.front();
  if (spec.value_if && !spec.value_if_when.empty()) {
    bool all = true;
    for (const auto& c : spec.value_if_when) all = all && matches(c, record);
    if (all) raw = spec.value_if;
  }
  if (!raw) {
    for (const auto& p : spec.pointers) {
      const rapidjson::Value* v = resolve(record, p);
      if (v != nullptr && (v->IsString() || v->IsBool())) {
        const std::string_view t = *scalar_view(v);
        if (t.empty() && spec.pointers.size() > 1) continue;
        raw.emplace(t);
        from_p = &p;
        break;
      }
      if (auto t = scalar_text(v); t && !(t->empty() && spec.pointers.size() > 1)) {
        raw = std::move(t);
        from_p = &p;
        break;
      }
    }
  }
  const std::string& from = *from_p;
  const std::string& tf = spec.transform;
  if (tf == "kind_by_presence") {
    const auto it = spec.args.find("business_if");
    const bool business = it != spec.args.end() && truthy_present(resolve(record, it->second));
    return std::optional<std::string>(business ? "business" : "consumer");
  }
  if (tf == "join") {
    std::string out;
    const auto sep = spec.args.count("separator") ? spec.args.at("separator") : std::string(" ");
    for (const auto& p : spec.join_pointers) {
      auto t = scalar_text(resolve(record, p));
      if (!t || t->empty()) continue;
      if (!out.empty()) out += sep;
      out += *t;
    }
    if (out.empty()) {
      if (spec.optional) return std::optional<std::string>();
      return fail("none of the fields to join is present");
    }
    return std::optional<std::string>(std::move(out));
  }
  if (!raw || (raw->empty() && tf != "text")) {
    if (spec.optional) return std::optional<std::string>();
    return fail(spec.pointers.empty() ? std::string("missing") : "missing " + from);
  }
  const std::string& text = *raw;
  if (tf == "text") return raw;
  if (tf == "date") {
    auto d = parse_any_date(text, !spec.args.empty() && spec.args.count("unix") > 0);
    if (!d) return fail(from + ": " + d.error().message);
    return std::optional<std::string>(day_text(*d));
  }
  if (tf == "instant") {
    auto s = parse_instant(text, spec.args.count("unix") > 0);
    if (!s) return fail(from + ": " + s.error().message);
    return std::optional<std::string>(std::to_string(*s));
  }
  if (tf == "amount") {
    auto v = scaled(text);
    if (!v) return fail(from + ": " + v.error().message);
    return std::optional<std::string>(unscaled(*v));
  }
  if (tf == "integer") {
    std::string_view t = text;
    if (!t.empty() && t[0] == '-') t.remove_prefix(1);
    if (!all_digits(t)) return fail(from + ": not an integer: " + quoted(text));
    return raw;
  }
  if (tf == "enum") {
    auto it = spec.enum_values.find(text);
    if (it == spec.enum_values.end()) it = spec.enum_values.find("*");
    if (it == spec.enum_values.end()) return fail(from + ": unexpected value " + quoted(text));
    return std::optional<std::string>(it->second);
  }
  if (tf == "add_days") {
    auto d = parse_any_date(text);
    if (!d) return fail(from + ": " + d.error().message);
    const std::string& days_pointer = spec.args.at("days");
    auto days_text = scalar_text(resolve(record, days_pointer));
    int days = 0;
    if (days_text && !days_text->empty()) {
      auto [p, ec] = std::from_chars(days_text->data(), days_text->data() + days_text->size(), days);
      if (ec != std::errc{} || p != days_text->data() + days_text->size() || days < 0 || days > 3650) {
        return fail(days_pointer + ": not a number of days: " + quoted(*days_text));
      }
    } else if (spec.args.count("default_days")) {
      days = std::stoi(spec.args.at("default_days"));
    } else if (spec.optional) {
      return std::optional<std::string>();
    } else {
      return fail("missing " + days_pointer);
    }
    return std::optional<std::string>(core::format_date(core::add_days(*d, days)));
  }
  if (tf == "subtract") {
    auto a = scaled(text);
    if (!a) return fail(from + ": " + a.error().message);
    const std::string& minus = spec.args.at("minus");
    auto b_text = scalar_text(resolve(record, minus));
    std::int64_t b = 0;
    if (b_text && !b_text->empty()) {
      auto bv = scaled(*b_text);
      if (!bv) return fail(minus + ": " + bv.error().message);
      b = *bv;
    }
    return std::optional<std::string>(unscaled(*a - b));
  }
  return fail("unknown transform \"" + tf + "\"");
}

bool matches(const Condition& c, const rapidjson::Value& record) {
  const rapidjson::Value* v = resolve(record, c.pointer);
  if (c.op == Condition::Op::kPresent) return truthy_present(v);
  if (c.op == Condition::Op::kAbsent) return !truthy_present(v);
  std::string copy;  // only for integers parsed as such (records are parsed with numbers as strings)
  std::string_view text;
  if (auto view = scalar_view(v)) {
    text = *view;
  } else {
    copy = scalar_text(v).value_or("");
    text = copy;
  }
  switch (c.op) {
    case Condition::Op::kPresent:
      return truthy_present(v);
    case Condition::Op::kAbsent:
      return !truthy_present(v);
    case Condition::Op::kEquals:
      return !c.values.empty() && text == c.values.front();
    case Condition::Op::kNotEquals:
      return c.values.empty() || text != c.values.front();
    case Condition::Op::kContains:
      return !c.values.empty() && text.find(c.values.front()) != std::string_view::npos;
    case Condition::Op::kIn:
    case Condition::Op::kNotIn: {
      bool found = false;
      for (const auto& value : c.values) found = found || value == text;
      return c.op == Condition::Op::kIn ? found : !found;
    }
    case Condition::Op::kLess: {
      auto a = scaled(text);
      auto b = scaled(scalar_text(resolve(record, c.other)).value_or(""));
      return a && b && *a < *b;
    }
  }
  return false;
}

}  // namespace mahnwerk::rest

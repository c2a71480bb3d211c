// Error classes, envelope messages and Retry-After.
#include "adapters/http/errors.h"

#include <rapidjson/document.h>

#include <array>
#include <charconv>
#include <cstring>

namespace mahnwerk::http {
namespace {

using std::chrono::milliseconds;

struct ClassName {
  ErrorClass error_class;
  std::string_view name;
  core::ErrorKind kind;
};
constexpr std::array<ClassName, 7> kClasses{{
    {ErrorClass::kRetryable, "retryable", core::ErrorKind::kUnavailable},
    {ErrorClass::kRateLimited, "rate-limited", core::ErrorKind::kUnavailable},
    {ErrorClass::kAuth, "auth", core::ErrorKind::kUnauthorized},
    {ErrorClass::kInvalid, "invalid", core::ErrorKind::kInvalidInput},
    {ErrorClass::kConflict, "conflict", core::ErrorKind::kConflict},
    {ErrorClass::kNotFound, "not found", core::ErrorKind::kNotFound},
    {ErrorClass::kTls, "tls", core::ErrorKind::kUnauthorized},
}};

// Statuses whose class is not the default of their hundred.
struct StatusClass {
  int status;
  ErrorClass error_class;
};
constexpr std::array<StatusClass, 8> kStatuses{{
    {401, ErrorClass::kAuth},
    {403, ErrorClass::kAuth},
    {404, ErrorClass::kNotFound},
    {408, ErrorClass::kRetryable},
    {409, ErrorClass::kConflict},
    {410, ErrorClass::kNotFound},
    {412, ErrorClass::kConflict},
    {429, ErrorClass::kRateLimited},
}};

// RFC 6901 unescaping: ~1 is '/', ~0 is '~'.
std::string unescape_segment(std::string_view segment) {
  std::string out;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '~' && i + 1 < segment.size() && (segment[i + 1] == '0' || segment[i + 1] == '1')) {
      out += segment[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += segment[i];
    }
  }
  return out;
}

std::vector<std::string> split_pointer(std::string_view pointer) {
  std::vector<std::string> segments;
  if (pointer.empty()) return segments;
  if (pointer.front() == '/') pointer.remove_prefix(1);
  while (true) {
    const std::size_t slash = pointer.find('/');
    segments.push_back(unescape_segment(pointer.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    pointer.remove_prefix(slash + 1);
  }
  return segments;
}

void collect(const rapidjson::Value& value, const std::vector<std::string>& segments, std::size_t at,
             std::vector<std::string>& out) {
  if (at == segments.size()) {
    if (value.IsString()) out.emplace_back(value.GetString(), value.GetStringLength());
    return;
  }
  const std::string& segment = segments[at];
  if (value.IsObject()) {
    auto member =
        value.FindMember(rapidjson::Value(segment.c_str(), static_cast<rapidjson::SizeType>(segment.size())));
    if (member != value.MemberEnd()) collect(member->value, segments, at + 1, out);
  } else if (value.IsArray()) {
    if (segment == "*") {
      for (const auto& element : value.GetArray()) collect(element, segments, at + 1, out);
      return;
    }
    rapidjson::SizeType index = 0;
    auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (ec == std::errc() && end == segment.data() + segment.size() && index < value.Size()) {
      collect(value[index], segments, at + 1, out);
    }
  }
}

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int month_number(std::string_view name) {
  constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::vector<std::string_view> words(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(separators);
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = text.find_first_of(separators);
    out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return out;
}

// The three HTTP-date forms of RFC 9110 §5.6.7 as day, month name, year, "hh:mm:ss".
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  const std::vector<std::string_view> w = words(text, " ,-");
  std::string_view day, month, year, time;
  if (w.size() == 6 && w[5] == "GMT") {  // IMF-fixdate and RFC 850: Sun, 06 Nov 1994 08:49:37 GMT
    day = w[1], month = w[2], year = w[3], time = w[4];
  } else if (w.size() == 5) {  // asctime: Sun Nov  6 08:49:37 1994
    month = w[1], day = w[2], time = w[3], year = w[4];
  } else {
    return std::nullopt;
  }
  int d = 0, y = 0, hh = 0, mm = 0, ss = 0;
  const int m = month_number(month);
  const std::vector<std::string_view> t = words(time, ":");
  if (m == 0 || t.size() != 3 || !parse_int(day, d) || !parse_int(year, y) || !parse_int(t[0], hh) ||
      !parse_int(t[1], mm) || !parse_int(t[2], ss)) {
    return std::nullopt;
  }
  if (year.size() == 2) y += y < 70 ? 2000 : 1900;  // RFC 850's two-digit year
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
         std::chrono::seconds(ss);
}

}  // namespace

std::string_view to_string(ErrorClass error_class) {
  for (const ClassName& c : kClasses) {
    if (c.error_class == error_class) return c.name;
  }
  return "retryable";
}

core::ErrorKind error_kind(ErrorClass error_class) {
  for (const ClassName& c : kClasses) {
    if (c.error_class == error_class) return c.kind;
  }
  return core::ErrorKind::kInternal;
}

ErrorClass classify_status(int status) {
  for (const StatusClass& s : kStatuses) {
    if (s.status == status) return s.error_class;
  }
  return status >= 500 ? ErrorClass::kRetryable : ErrorClass::kInvalid;
}

ErrorClass classify_failure(Failure failure) {
  switch (failure) {
    case Failure::kTls:
      return ErrorClass::kTls;
    case Failure::kBadUrl:
    case Failure::kBodyTooLarge:
      return ErrorClass::kInvalid;
    default:
      return ErrorClass::kRetryable;
  }
}

ErrorPolicy::ErrorPolicy(std::vector<std::string> message_pointers, std::vector<Rule> rules)
    : rules_(std::move(rules)) {
  for (const std::string& p : message_pointers) pointers_.push_back(split_pointer(p));
}

ErrorClass ErrorPolicy::classify(int status, std::string_view body) const {
  for (const Rule& rule : rules_) {
    if (rule.status == status && body.find(rule.body_contains) != std::string_view::npos) return rule.as;
  }
  return classify_status(status);
}

std::string ErrorPolicy::message(std::string_view body, std::size_t max_chars) const {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(body.data(), body.size());
  if (doc.HasParseError()) return {};
  std::vector<std::string> parts;
  for (const auto& segments : pointers_) collect(doc, segments, 0, parts);
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += "; ";
    out += part;
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::sys_time<std::chrono::milliseconds> now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  long long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (!value.empty() && ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::duration_cast<milliseconds>(std::chrono::seconds(seconds));
  }
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  return *date > now ? std::chrono::duration_cast<milliseconds>(*date - now) : milliseconds(0);
}

core::Error HttpError::to_error() const {
  std::string text;
  if (status != 0) {
    text = "HTTP " + std::to_string(status) + " (" + std::string(to_string(error_class)) + ")";
  } else {
    text = std::string(to_string(failure)) + " (" + std::string(to_string(error_class)) + ")";
  }
  if (!message.empty()) text += ": " + message;
  if (may_have_committed) text += "; the request may have been processed";
  return core::Error{error_kind(error_class), std::move(text), endpoint};
}

}  // namespace mahnwerk::http

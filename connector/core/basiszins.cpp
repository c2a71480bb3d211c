// The Basiszinssatz table: validation of the half-year sequence, lookups, percent text forms.
#include "connector/core/basiszins.h"

#include <cstdlib>

namespace mahnwerk::core {
namespace {

Date half_year_start(const Date& date) { return make_date(year_of(date), month_of(date) >= 7 ? 7u : 1u, 1u); }

bool is_half_year_start(const Date& date) {
  return date.ok() && day_of(date) == 1 && (month_of(date) == 1 || month_of(date) == 7);
}

Error bad_config(std::string message, std::string context) {
  return Error{ErrorKind::kBadConfig, std::move(message), std::move(context)};
}

std::string entry_context(std::size_t i) { return "entries[" + std::to_string(i) + "].valid_from"; }

}  // namespace

std::string BasiszinsLookup::warning() const {
  if (known) return {};
  return "rate for " + format_date(half_year_start) + " not in table; used " + format_percent_bp(rate_bp) +
         " % from " + format_date(valid_from);
}

Result<BasiszinsTable> BasiszinsTable::create(std::vector<BasiszinsEntry> entries) {
  if (entries.empty()) return bad_config("the Basiszinssatz table has no entries", "entries");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Date& date = entries[i].valid_from;
    if (!is_half_year_start(date)) {
      return bad_config("valid_from " + format_date(date) + " is not a 1 January or 1 July",
                        entry_context(i));
    }
    if (i == 0) continue;
    const Date& previous = entries[i - 1].valid_from;
    const int step = half_year_index(date) - half_year_index(previous);
    if (step <= 0) {
      return bad_config("valid_from " + format_date(date) + " does not follow " + format_date(previous) +
                            " (entries must be strictly ascending)",
                        entry_context(i));
    }
    if (step > 1) {
      return bad_config("half-year " + format_date(add_months(previous, 6)) + " missing between " +
                            format_date(previous) + " and " + format_date(date),
                        entry_context(i));
    }
  }
  BasiszinsTable table;
  table.entries_ = std::move(entries);
  table.first_index_ = half_year_index(table.entries_.front().valid_from);
  constexpr std::size_t kPrecomputedAfterLast = 200;  // 100 years
  const std::size_t count = table.entries_.size() + kPrecomputedAfterLast;
  table.half_years_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    table.half_years_.push_back(table.compute_half_year(table.first_index_ + static_cast<int>(i)));
  }
  return table;
}

std::optional<BasiszinsLookup> BasiszinsTable::rate_on(const Date& date) const {
  const int offset = half_year_index(date) - half_year_index(first_date());
  if (offset < 0) return std::nullopt;
  const auto index = static_cast<std::size_t>(offset);
  const bool known = index < entries_.size();
  const BasiszinsEntry& entry = known ? entries_[index] : entries_.back();
  return BasiszinsLookup{entry.rate_bp, entry.valid_from, known, half_year_start(date)};
}

BasiszinsTable::HalfYear BasiszinsTable::compute_half_year(int index) const {
  // Floor division: index 2 * year + half, for any sign.
  const int year = index >= 0 ? index / 2 : -((-index + 1) / 2);
  const bool second = index - 2 * year == 1;
  HalfYear h;
  h.start = make_date(year, second ? 7u : 1u, 1u);
  h.end = second ? make_date(year, 12, 31) : make_date(year, 6, 30);
  h.start_day = day_number(h.start);
  h.end_day = day_number(h.end);
  if (const auto lookup = rate_on(h.start)) {
    h.rate_bp = lookup->rate_bp;
    h.known = lookup->known;
  }
  return h;
}

Result<int> parse_percent_bp(std::string_view text) {
  auto fail = [&](const char* why) {
    return invalid_input("not a percentage: \"" + std::string(text) + "\" (" + why + ")");
  };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  const auto dot = rest.find('.');
  const std::string_view whole = rest.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  if (whole.empty()) return fail("no digits before the decimal point");
  if (dot != std::string_view::npos && frac.empty()) return fail("no digits after the decimal point");
  if (frac.size() > 2) return fail("more than two decimals");
  // A percentage this large is garbage anyway; the bound keeps the basis points inside an int.
  if (whole.size() > 6) return fail("too large");
  long value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return fail("unexpected character");
    value = value * 10 + (c - '0');
  }
  long hundredths = 0;
  for (char c : frac) {
    if (c < '0' || c > '9') return fail("unexpected character");
    hundredths = hundredths * 10 + (c - '0');
  }
  if (frac.size() == 1) hundredths *= 10;
  const long bp = value * 100 + hundredths;
  return static_cast<int>(negative ? -bp : bp);
}

std::string format_percent_bp(int bp) {
  const long long magnitude = std::llabs(static_cast<long long>(bp));
  const long long cents = magnitude % 100;
  return std::string(bp < 0 ? "-" : "") + std::to_string(magnitude / 100) + "." + (cents < 10 ? "0" : "") +
         std::to_string(cents);
}

}  // namespace mahnwerk::core

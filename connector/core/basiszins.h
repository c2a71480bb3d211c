// The Basiszinssatz of § 247 BGB as a table of half-year rates (changes on 1 January and
// 1 July), loaded from config/basiszins.json at start-up. Lookups past the last entry keep the
// last known rate and say so, so a stale table never silently produces a figure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

struct BasiszinsEntry {
  Date valid_from;  // a 1 January or 1 July
  int rate_bp = 0;  // basis points, may be negative (−0.88 % = −88)
};

struct BasiszinsLookup {
  int rate_bp = 0;
  Date valid_from;       // the entry the rate comes from
  bool known = true;     // false: the date lies past the next scheduled change after the last entry
  Date half_year_start;  // 1 Jan / 1 Jul of the half-year containing the date
  // When !known: "rate for 2026-01-01 not in table; used 1.27 % from 2025-07-01".
  std::string warning() const;
};

class BasiszinsTable {
 public:
  // Validates: at least one entry, each valid_from a 1 January or 1 July, strictly ascending,
  // no half-year missing between the first and the last. Violations are kBadConfig errors.
  static Result<BasiszinsTable> create(std::vector<BasiszinsEntry> entries);

  const std::vector<BasiszinsEntry>& entries() const { return entries_; }
  Date first_date() const { return entries_.front().valid_from; }

  // The rate in force on `date`. Empty before the first entry.
  std::optional<BasiszinsLookup> rate_on(const Date& date) const;

  // One half-year as the interest computation walks them: its bounds as dates and day numbers
  // and the rate in force (what rate_on gives for any day of it).
  struct HalfYear {
    Date start;  // 1 January or 1 July
    Date end;    // 30 June or 31 December
    int start_day = 0;
    int end_day = 0;  // day_number(end)
    int rate_bp = 0;
    bool known = true;  // as BasiszinsLookup::known
  };
  // Half-years numbered consecutively: 2 * year, + 1 for the second half.
  static int half_year_index(const Date& date) { return 2 * year_of(date) + (month_of(date) >= 7 ? 1 : 0); }
  // REQUIRES: index >= half_year_index(first_date()). Precomputed up to 100 years past the
  // last entry (no date conversion per interest period), computed on the spot beyond.
  HalfYear half_year(int index) const {
    const auto offset = static_cast<std::size_t>(index - first_index_);
    if (offset < half_years_.size()) return half_years_[offset];
    return compute_half_year(index);
  }

 private:
  HalfYear compute_half_year(int index) const;

  std::vector<BasiszinsEntry> entries_;
  int first_index_ = 0;
  std::vector<HalfYear> half_years_;
};

// Parses a percentage with at most two decimals ("1.27", "-0.88", "5") into basis points.
Result<int> parse_percent_bp(std::string_view text);
// 127 -> "1.27", -88 -> "-0.88".
std::string format_percent_bp(int bp);

}  // namespace mahnwerk::core

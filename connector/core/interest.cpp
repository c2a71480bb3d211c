// § 288 interest as a Zinsstaffel: half-year periods, four day-count conventions, exact sums.
#include "connector/core/interest.h"

#include <algorithm>
#include <array>
#include <string>

namespace mahnwerk::core {
namespace {

// lcm(360, 365, 366): each year basis divides it, so rate × days / basis stays an integer.
constexpr Int128 kYearBasisLcm = 1603080;
static_assert(kInterestDenominator == 10000 * kYearBasisLcm);

struct DayCountName {
  DayCount convention;
  std::string_view name;
};
// The first row per convention is the canonical spelling; "30e/360" is the ISDA name of the
// same German method.
constexpr std::array<DayCountName, 5> kDayCountNames{{
    {DayCount::kAct365, "act/365"},
    {DayCount::kActAct, "act/act"},
    {DayCount::kAct360, "act/360"},
    {DayCount::k30E360, "30/360"},
    {DayCount::k30E360, "30e/360"},
}};

struct DebtorKindName {
  DebtorKind kind;
  std::string_view name;
};
constexpr std::array<DebtorKindName, 3> kDebtorKindNames{{
    {DebtorKind::kBusiness, "business"},
    {DebtorKind::kConsumer, "consumer"},
    {DebtorKind::kPublic, "public"},
}};

// Art. 229 § 34 EGBGB: the 9 points apply to obligations arising from contracts made on or
// after 29 July 2014; older contracts keep the 8 points of the former § 288 II.
constexpr Date kNinePointsFrom = make_date(2014, 7, 29);
constexpr int kConsumerSurchargeBp = 500;
constexpr int kBusinessSurchargeBp = 900;
constexpr int kOldBusinessSurchargeBp = 800;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

bool is_leap(int year) { return std::chrono::year{year}.is_leap(); }

// German 30/360: a day's position on a calendar of 30-day months. The 31st and the last day of
// February count as the 30th, so f(to) − f(from − 1) counts both ends and telescopes across
// period boundaries (the periods of a split add up to the unsplit count).
int thirty_360_position(const Date& date) {
  const unsigned month = month_of(date);
  unsigned day = day_of(date);
  const bool last_of_february = month == 2 && day == (is_leap(year_of(date)) ? 29u : 28u);
  if (day == 31 || last_of_february) day = 30;
  return 360 * year_of(date) + static_cast<int>(30 * month + day);
}

int year_basis(DayCount convention, int year) {
  switch (convention) {
    case DayCount::kAct365:
      return 365;
    case DayCount::kActAct:
      return is_leap(year) ? 366 : 365;
    case DayCount::kAct360:
    case DayCount::k30E360:
      return 360;
  }
  return 365;
}

Money round_interest(Int128 exact, Currency currency) {
  return Money(round_fraction(exact, kInterestDenominator, Rounding::kHalfUp), currency);
}

}  // namespace

Result<DayCount> parse_day_count(std::string_view text) {
  for (const auto& row : kDayCountNames) {
    if (iequals(text, row.name)) return row.convention;
  }
  return invalid_input("unknown day-count convention \"" + std::string(text) +
                       "\" (expected act/365, act/act, act/360 or 30/360)");
}

std::string_view to_string(DayCount convention) {
  for (const auto& row : kDayCountNames) {
    if (row.convention == convention) return row.name;
  }
  return "act/365";
}

Result<DebtorKind> parse_debtor_kind(std::string_view text) {
  for (const auto& row : kDebtorKindNames) {
    if (text == row.name) return row.kind;
  }
  return invalid_input("unknown debtor kind \"" + std::string(text) +
                       "\" (expected business, consumer or public)");
}

std::string_view to_string(DebtorKind kind) {
  for (const auto& row : kDebtorKindNames) {
    if (row.kind == kind) return row.name;
  }
  return "business";
}

int statutory_surcharge_bp(DebtorKind kind, std::optional<Date> contract_date) {
  if (is_consumer(kind)) return kConsumerSurchargeBp;
  if (contract_date && *contract_date < kNinePointsFrom) return kOldBusinessSurchargeBp;
  return kBusinessSurchargeBp;
}

Money InterestPeriod::amount() const { return round_interest(exact, principal.currency()); }

int interest_days(DayCount convention, const Date& from, const Date& to) {
  if (convention == DayCount::k30E360) {
    return thirty_360_position(to) - thirty_360_position(add_days(from, -1));
  }
  return days_between(from, to) + 1;
}

InterestAccumulator::InterestAccumulator(const BasiszinsTable& table, DayCount convention, int surcharge_bp)
    : table_(&table), convention_(convention), surcharge_bp_(surcharge_bp) {}

Status InterestAccumulator::accrue(const Money& principal, const Date& from, const Date& to) {
  if (!principal.is_positive() || to < from) return Ok{};
  if (from < table_->first_date()) {
    return invalid_input("interest from " + format_date(from) +
                         " lies before the Basiszinssatz table, which starts " +
                         format_date(table_->first_date()));
  }
  // Day counts on day numbers; the half-years' bounds and rates come precomputed from the
  // table, so a period costs no date conversion and no rate lookup.
  const int from_day = day_number(from);
  const int to_day = day_number(to);
  const int from_index = BasiszinsTable::half_year_index(from);
  for (int index = from_index;; ++index) {
    const BasiszinsTable::HalfYear half = table_->half_year(index);
    const Date start = index == from_index ? from : half.start;
    const int start_day = index == from_index ? from_day : half.start_day;
    const bool last_period = to_day <= half.end_day;
    const Date end = last_period ? to : half.end;
    const int end_day = last_period ? to_day : half.end_day;
    const int days =
        convention_ == DayCount::k30E360 ? interest_days(convention_, start, end) : end_day - start_day + 1;
    const int basis = year_basis(convention_, year_of(start));
    const int rate_bp = std::max({0, half.rate_bp + surcharge_bp_, min_rate_bp_});
    // kYearBasisLcm / basis without a division.
    const std::int64_t per_day = basis == 365   ? kYearBasisLcm / 365
                                 : basis == 366 ? kYearBasisLcm / 366
                                                : kYearBasisLcm / 360;
    const Int128 exact = static_cast<Int128>(principal.minor()) * rate_bp * days * per_day;
    exact_total_ += exact;
    // A period that only continues the previous one (same half-year, principal and rate; the
    // caller merely stopped in between) extends it, so the staircase shows real steps only.
    if (!periods_.empty() && last_to_day_ + 1 == start_day && last_index_ == index &&
        periods_.back().principal == principal && periods_.back().rate_bp == rate_bp) {
      InterestPeriod& last = periods_.back();
      last.to = end;
      last.days += days;
      last.exact += exact;
    } else {
      InterestPeriod& period = periods_.emplace_back();
      period.from = start;
      period.to = end;
      period.days = days;
      period.year_basis = basis;
      period.basiszins_bp = half.rate_bp;
      period.rate_bp = rate_bp;
      period.rate_known = half.known;
      period.principal = principal;
      period.exact = exact;
    }
    last_to_day_ = end_day;
    last_index_ = index;
    if (!half.known) {
      std::string warning = table_->rate_on(start)->warning();
      if (std::find(warnings_.begin(), warnings_.end(), warning) == warnings_.end()) {
        warnings_.push_back(std::move(warning));
      }
    }
    if (last_period) break;
  }
  return Ok{};
}

Money InterestAccumulator::rounded_total(Currency currency) const {
  return round_interest(exact_total_, currency);
}

void InterestAccumulator::clear() {
  exact_total_ = 0;
  periods_.clear();
  warnings_.clear();
}

Result<InterestResult> compute_interest(const BasiszinsTable& table, const Money& principal, const Date& from,
                                        const Date& to, DayCount convention, int surcharge_bp) {
  InterestAccumulator accumulator(table, convention, surcharge_bp);
  if (auto status = accumulator.accrue(principal, from, to); !status) return status.error();
  return InterestResult{accumulator.rounded_total(principal.currency()), accumulator.periods(),
                        accumulator.warnings()};
}

}  // namespace mahnwerk::core

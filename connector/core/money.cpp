// Money parsing, formatting, checked arithmetic and the ISO-4217 exponent table.
#include "connector/core/money.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <ostream>

namespace mahnwerk::core {
namespace {

struct CurrencyRow {
  const char* code;
  int exponent;
};

// Active ISO-4217 codes whose minor unit is not 2 decimals (ISO 4217 list one, 2024).
constexpr std::array<CurrencyRow, 26> kExceptionalExponents{{
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
    {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
    {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
    {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
}};

// Active ISO-4217 codes with 2 decimals (all others of the list above excluded).
constexpr std::array<std::string_view, 136> kTwoDecimalCodes{
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY", "COP",
    "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR",
    "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL",
    "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB",
    "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES",
    "WST", "XCD", "YER", "ZAR", "ZMW", "ZWL", "MXV", "COU", "CHE", "CHW"};

constexpr std::int64_t kPow10[] = {1, 10, 100, 1000, 10000};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses [+-]digits[sep digits] where grouping characters have already been removed.
Result<Money> parse_plain(std::string_view original, std::string_view text, char decimal_sep,
                          Currency currency) {
  auto fail = [&](std::string why) {
    return invalid_input("not an amount: \"" + std::string(original) + "\" (" + why + ")");
  };
  if (text.empty()) return fail("empty");
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const auto sep = text.find(decimal_sep);
  const std::string_view whole = text.substr(0, sep);
  const std::string_view frac = sep == std::string_view::npos ? std::string_view{} : text.substr(sep + 1);
  if (whole.empty() && frac.empty()) return fail("no digits");
  if (sep != std::string_view::npos && frac.empty()) return fail("no digits after the decimal point");
  if (whole.empty()) return fail("no digits before the decimal point");
  if (!std::all_of(whole.begin(), whole.end(), is_digit) ||
      !std::all_of(frac.begin(), frac.end(), is_digit)) {
    return fail("unexpected character");
  }
  if (static_cast<int>(frac.size()) > currency.exponent()) {
    return fail("more than " + std::to_string(currency.exponent()) + " decimals for " +
                std::string(currency.code()));
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  for (char c : whole) {
    const int d = c - '0';
    if (value > (kMax - d) / 10) return fail("too large");
    value = value * 10 + d;
  }
  std::int64_t frac_value = 0;
  for (char c : frac) frac_value = frac_value * 10 + (c - '0');
  frac_value *= kPow10[currency.exponent() - static_cast<int>(frac.size())];
  if (value > (kMax - frac_value) / currency.scale()) return fail("too large");
  value = value * currency.scale() + frac_value;
  return Money(negative ? -value : value, currency);
}

// Appends m in plain notation: a '-' for negatives, the whole units with `group_sep` between
// groups of three ('\0': none), then `decimal_sep` and exactly `exponent` decimals.
void append_formatted(std::string& out, const Money& m, char decimal_sep, char group_sep) {
  const Currency c = m.currency();
  // Work in unsigned to print INT64_MIN correctly.
  const bool negative = m.minor() < 0;
  const auto magnitude =
      negative ? 0 - static_cast<std::uint64_t>(m.minor()) : static_cast<std::uint64_t>(m.minor());
  const auto scale = static_cast<std::uint64_t>(c.scale());
  char whole[24];
  const auto whole_end = std::to_chars(whole, whole + sizeof whole, magnitude / scale).ptr;
  const auto digits = static_cast<std::size_t>(whole_end - whole);
  if (negative) out += '-';
  if (group_sep == '\0') {
    out.append(whole, digits);
  } else {
    for (std::size_t i = 0; i < digits; ++i) {
      if (i > 0 && (digits - i) % 3 == 0) out += group_sep;
      out += whole[i];
    }
  }
  if (c.exponent() > 0) {
    // Decimals: the remainder, zero-padded to the exponent.
    char frac[8] = {'0', '0', '0', '0', '0', '0', '0', '0'};
    std::uint64_t rest = magnitude % scale;
    for (int i = c.exponent() - 1; i >= 0; --i, rest /= 10) frac[i] = static_cast<char>('0' + rest % 10);
    out += decimal_sep;
    out.append(frac, static_cast<std::size_t>(c.exponent()));
  }
}

std::string format(const Money& m, char decimal_sep, char group_sep) {
  std::string out;
  append_formatted(out, m, decimal_sep, group_sep);
  return out;
}

[[noreturn]] void throw_mixed(const Money& a, const Money& b) {
  throw MoneyError("cannot combine " + std::string(a.currency().code()) + " and " +
                   std::string(b.currency().code()));
}

}  // namespace

Result<Currency> Currency::from_code(std::string_view code) {
  if (code.size() == 3) {
    for (const auto& row : kExceptionalExponents) {
      if (code == row.code) return Currency(row.code, row.exponent);
    }
    for (const auto& two : kTwoDecimalCodes) {
      if (code == two) return Currency(two.data(), 2);
    }
  }
  return invalid_input("unknown currency \"" + std::string(code) +
                       "\" (expected an ISO-4217 code such as EUR)");
}

std::int64_t Currency::scale() const { return kPow10[exponent_]; }

std::int64_t round_fraction(Int128 num, Int128 den, Rounding mode) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const bool negative = num < 0;
  const Int128 mag = negative ? -num : num;
  // Interest sums and their denominator fit 64 bits nearly always: then one 64-bit division
  // gives quotient and remainder (the 128-bit operators call a library routine for each).
  constexpr Int128 kMax64 = std::numeric_limits<std::uint64_t>::max();
  Int128 q = 0;
  Int128 r = 0;
  if (mag <= kMax64 && den <= kMax64) {
    const auto m = static_cast<std::uint64_t>(mag);
    const auto d = static_cast<std::uint64_t>(den);
    q = m / d;
    r = m % d;
  } else {
    q = mag / den;
    r = mag % den;
  }
  switch (mode) {
    case Rounding::kHalfUp:
      if (2 * r >= den) ++q;
      break;
    case Rounding::kHalfEven:
      if (2 * r > den || (2 * r == den && (q % 2) == 1)) ++q;
      break;
    case Rounding::kDown:
      break;
    case Rounding::kUp:
      if (r != 0) ++q;
      break;
  }
  if (q > std::numeric_limits<std::int64_t>::max()) throw MoneyError("rounded amount out of range");
  return static_cast<std::int64_t>(negative ? -q : q);
}

Result<Money> Money::parse(std::string_view text, Currency currency) {
  return parse_plain(text, text, '.', currency);
}

Result<Money> Money::parse_german(std::string_view text, Currency currency) {
  // Remove thousands dots, but only where they really group three digits before the comma.
  std::string plain;
  plain.reserve(text.size());
  const auto comma = text.find(',');
  const std::string_view whole = text.substr(0, comma);
  std::size_t digits_since_dot = 0;
  bool seen_dot = false;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const char c = whole[i];
    if (c == '.') {
      if ((seen_dot && digits_since_dot != 3) || digits_since_dot == 0 || i + 4 > whole.size()) {
        return invalid_input("not an amount: \"" + std::string(text) + "\" (misplaced thousands separator)");
      }
      seen_dot = true;
      digits_since_dot = 0;
      continue;
    }
    if (is_digit(c)) ++digits_since_dot;
    plain += c;
  }
  if (seen_dot && digits_since_dot != 3) {
    return invalid_input("not an amount: \"" + std::string(text) + "\" (misplaced thousands separator)");
  }
  if (comma != std::string_view::npos) plain += text.substr(comma);
  return parse_plain(text, plain, ',', currency);
}

std::string Money::to_string() const { return format(*this, '.', '\0'); }
std::string Money::to_german() const { return format(*this, ',', '.'); }
void Money::append_to(std::string& out) const { append_formatted(out, *this, '.', '\0'); }

Result<Money> Money::add(const Money& other) const {
  if (!(currency_ == other.currency_)) {
    return invalid_input("cannot add " + std::string(other.currency_.code()) + " to " +
                         std::string(currency_.code()));
  }
  std::int64_t sum = 0;
  if (__builtin_add_overflow(minor_, other.minor_, &sum)) return invalid_input("amount overflow");
  return Money(sum, currency_);
}

Result<Money> Money::subtract(const Money& other) const {
  if (!(currency_ == other.currency_)) {
    return invalid_input("cannot subtract " + std::string(other.currency_.code()) + " from " +
                         std::string(currency_.code()));
  }
  std::int64_t diff = 0;
  if (__builtin_sub_overflow(minor_, other.minor_, &diff)) return invalid_input("amount overflow");
  return Money(diff, currency_);
}

void Money::throw_bad_arithmetic(const Money& other) const {
  if (!(currency_ == other.currency_)) throw_mixed(*this, other);
  throw MoneyError("amount overflow");
}

Money Money::operator-() const {
  if (minor_ == std::numeric_limits<std::int64_t>::min()) throw MoneyError("amount overflow");
  return Money(-minor_, currency_);
}

std::strong_ordering operator<=>(const Money& a, const Money& b) {
  if (!(a.currency_ == b.currency_)) throw_mixed(a, b);
  return a.minor_ <=> b.minor_;
}

Money min(const Money& a, const Money& b) { return b < a ? b : a; }
Money max(const Money& a, const Money& b) { return a < b ? b : a; }

std::ostream& operator<<(std::ostream& out, const Money& m) {
  return out << m.to_string() << ' ' << m.currency().code();
}

}  // namespace mahnwerk::core

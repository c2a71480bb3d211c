// Money: an exact amount in integer minor units of an ISO-4217 currency. No floating point
// anywhere in a money path; rounding happens only in round_fraction, with a named mode.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

#include "connector/core/result.h"

namespace mahnwerk::core {

// 128-bit integer for exact intermediate products (rates x days x amounts). __extension__
// keeps -Wpedantic quiet about the GCC/Clang built-in type.
__extension__ typedef __int128 Int128;

// Thrown by Money's operators on int64 overflow or when two currencies are mixed. Data paths
// that can meet hostile input use the Result-returning add()/subtract() instead.
class MoneyError : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

// An ISO-4217 currency: its three-letter code and its minor-unit exponent (EUR 2, JPY 0, KWD 3).
class Currency {
 public:
  // EUR, the default of every German book.
  constexpr Currency() = default;

  // Looks up an active ISO-4217 code (upper case). Unknown codes are invalid input.
  static Result<Currency> from_code(std::string_view code);
  static constexpr Currency eur() { return Currency(); }

  std::string_view code() const { return {code_, 3}; }
  int exponent() const { return exponent_; }
  // 10^exponent: minor units per major unit.
  std::int64_t scale() const;

  friend bool operator==(const Currency& a, const Currency& b) {
    return a.code_[0] == b.code_[0] && a.code_[1] == b.code_[1] && a.code_[2] == b.code_[2];
  }

 private:
  constexpr Currency(const char* code, int exponent)
      : code_{code[0], code[1], code[2]}, exponent_(static_cast<std::int8_t>(exponent)) {}
  char code_[3] = {'E', 'U', 'R'};
  std::int8_t exponent_ = 2;
};

enum class Rounding {
  kHalfUp,    // commercial rounding (kaufmännisch): 0.5 away from zero; the default for money
  kHalfEven,  // banker's rounding
  kDown,      // toward zero (truncate)
  kUp,        // away from zero
};

// Rounds num/den (den > 0) to an integer with the given mode. Exact for all int128 inputs.
std::int64_t round_fraction(Int128 num, Int128 den, Rounding mode);

class Money {
 public:
  constexpr Money() = default;  // 0.00 EUR
  constexpr Money(std::int64_t minor, Currency currency) : minor_(minor), currency_(currency) {}
  static constexpr Money zero(Currency currency) { return Money(0, currency); }

  // "1234.56", "-0.50", "12", "12.5": a dot decimal point, at most `exponent` decimals,
  // no grouping. Leading '+' allowed. More decimals than the currency has is invalid input.
  static Result<Money> parse(std::string_view text, Currency currency = Currency::eur());
  // German notation: "1.234,56", "-0,50", "1234,5"; dots group thousands (groups of three).
  static Result<Money> parse_german(std::string_view text, Currency currency = Currency::eur());

  std::int64_t minor() const { return minor_; }
  Currency currency() const { return currency_; }
  bool is_zero() const { return minor_ == 0; }
  bool is_negative() const { return minor_ < 0; }
  bool is_positive() const { return minor_ > 0; }

  // "1234.56" / "-0.50" (canonical JSON form) and "1.234,56" (German letters).
  std::string to_string() const;
  std::string to_german() const;
  // Appends to_string() to `out` (no temporary string: for texts built in hot loops).
  void append_to(std::string& out) const;

  // Checked arithmetic as values: overflow and mixed currencies are invalid input.
  Result<Money> add(const Money& other) const;
  Result<Money> subtract(const Money& other) const;

  // Checked arithmetic that throws MoneyError (for paths whose inputs are already bounded).
  Money operator+(const Money& other) const {
    std::int64_t sum = 0;
    if (!(currency_ == other.currency_) || __builtin_add_overflow(minor_, other.minor_, &sum)) [[unlikely]] {
      throw_bad_arithmetic(other);
    }
    return Money(sum, currency_);
  }
  Money operator-(const Money& other) const {
    std::int64_t diff = 0;
    if (!(currency_ == other.currency_) || __builtin_sub_overflow(minor_, other.minor_, &diff)) [[unlikely]] {
      throw_bad_arithmetic(other);
    }
    return Money(diff, currency_);
  }
  Money operator-() const;
  Money& operator+=(const Money& other) { return *this = *this + other; }
  Money& operator-=(const Money& other) { return *this = *this - other; }

  friend bool operator==(const Money& a, const Money& b) = default;
  // REQUIRES: same currency (throws MoneyError otherwise).
  friend std::strong_ordering operator<=>(const Money& a, const Money& b);

 private:
  // Throws MoneyError naming the mixed currencies or the overflow.
  [[noreturn]] void throw_bad_arithmetic(const Money& other) const;
  std::int64_t minor_ = 0;
  Currency currency_;
};

Money min(const Money& a, const Money& b);
Money max(const Money& a, const Money& b);
// "12.50 EUR", for test failures and diagnostics.
std::ostream& operator<<(std::ostream& out, const Money& m);

}  // namespace mahnwerk::core

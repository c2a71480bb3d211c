// Money: parsing (plain and German), formatting, rounding modes, checked arithmetic.
#include "connector/core/money.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace mahnwerk::core {
namespace {

Currency currency(std::string_view code) { return Currency::from_code(code).value(); }

struct ParseCase {
  std::string_view text;
  std::string_view code;
  std::int64_t minor;
};

TEST(Money, ParsesPlainNotation) {
  const ParseCase cases[] = {
      {"1234.56", "EUR", 123456},
      {"-0.50", "EUR", -50},
      {"12", "EUR", 1200},
      {"12.5", "EUR", 1250},
      {"+3.07", "EUR", 307},
      {"0", "EUR", 0},
      {"1500", "JPY", 1500},
      {"1.234", "KWD", 1234},
      {"92233720368547758.07", "EUR", std::numeric_limits<std::int64_t>::max()},
  };
  for (const auto& c : cases) {
    auto m = Money::parse(c.text, currency(c.code));
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.error().to_string();
    EXPECT_EQ(m->minor(), c.minor) << c.text;
    EXPECT_EQ(m->currency().code(), c.code);
  }
}

TEST(Money, ParsesGermanNotation) {
  const ParseCase cases[] = {
      {"1.234,56", "EUR", 123456}, {"-0,50", "EUR", -50},           {"1234,5", "EUR", 123450},
      {"12", "EUR", 1200},         {"1.000.000", "EUR", 100000000}, {"0,07", "EUR", 7},
  };
  for (const auto& c : cases) {
    auto m = Money::parse_german(c.text, currency(c.code));
    ASSERT_TRUE(m.ok()) << c.text << ": " << m.error().to_string();
    EXPECT_EQ(m->minor(), c.minor) << c.text;
  }
}

TEST(Money, RejectsMalformedAmounts) {
  for (std::string_view bad :
       {"", "-", "1.2.3", "12.345", "abc", "1,5", ".5", "5.", "1e3", " 1", "92233720368547758.08"}) {
    EXPECT_FALSE(Money::parse(bad).ok()) << bad;
  }
  for (std::string_view bad : {"1.23,4", "12.34,5", ",5", "1,234", "1..000", ".100,00", "1.0000,00"}) {
    EXPECT_FALSE(Money::parse_german(bad).ok()) << bad;
  }
  EXPECT_FALSE(Money::parse("1.5", currency("JPY")).ok());
}

TEST(Money, FormatsBothNotations) {
  EXPECT_EQ(Money(123456, Currency::eur()).to_string(), "1234.56");
  EXPECT_EQ(Money(-50, Currency::eur()).to_string(), "-0.50");
  EXPECT_EQ(Money(123456789, Currency::eur()).to_german(), "1.234.567,89");
  EXPECT_EQ(Money(-100000, Currency::eur()).to_german(), "-1.000,00");
  EXPECT_EQ(Money(1500, currency("JPY")).to_string(), "1500");
  EXPECT_EQ(Money(1234, currency("KWD")).to_string(), "1.234");
  EXPECT_EQ(Money(std::numeric_limits<std::int64_t>::min(), Currency::eur()).to_string(),
            "-92233720368547758.08");
}

TEST(Money, AppendsTheCanonicalNotation) {
  std::string text = "total ";
  Money(123456, Currency::eur()).append_to(text);
  text += ", ";
  Money(-7, currency("CLF")).append_to(text);
  text += ", ";
  Money(-1500, currency("JPY")).append_to(text);
  EXPECT_EQ(text, "total 1234.56, -0.0007, -1500");
  for (const std::int64_t minor : {std::int64_t{0}, std::int64_t{5}, std::int64_t{-99}, std::int64_t{100000},
                                   std::numeric_limits<std::int64_t>::max()}) {
    std::string appended;
    Money(minor, currency("BHD")).append_to(appended);
    EXPECT_EQ(appended, Money(minor, currency("BHD")).to_string()) << minor;
  }
  EXPECT_EQ(Money(12345, Currency::eur()).to_german(), "123,45");
  EXPECT_EQ(Money(123456, Currency::eur()).to_german(), "1.234,56");
  EXPECT_EQ(Money(-12345678901, Currency::eur()).to_german(), "-123.456.789,01");
}

TEST(Money, KnowsCurrencyExponents) {
  EXPECT_EQ(currency("EUR").exponent(), 2);
  EXPECT_EQ(currency("JPY").exponent(), 0);
  EXPECT_EQ(currency("BHD").exponent(), 3);
  EXPECT_EQ(currency("CLF").exponent(), 4);
  EXPECT_FALSE(Currency::from_code("XYZ").ok());
  EXPECT_FALSE(Currency::from_code("eur").ok());
  EXPECT_FALSE(Currency::from_code("EURO").ok());
}

TEST(Money, RoundsWithNamedModes) {
  struct Case {
    Int128 num, den;
    Rounding mode;
    std::int64_t expected;
  };
  const Case cases[] = {
      {5, 2, Rounding::kHalfUp, 3},   {-5, 2, Rounding::kHalfUp, -3}, {7, 3, Rounding::kHalfUp, 2},
      {5, 2, Rounding::kHalfEven, 2}, {7, 2, Rounding::kHalfEven, 4}, {-5, 2, Rounding::kHalfEven, -2},
      {9, 4, Rounding::kDown, 2},     {-9, 4, Rounding::kDown, -2},   {9, 4, Rounding::kUp, 3},
      {-9, 4, Rounding::kUp, -3},     {8, 4, Rounding::kUp, 2},       {1, -2, Rounding::kHalfUp, -1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(round_fraction(c.num, c.den, c.mode), c.expected)
        << static_cast<long long>(c.num) << "/" << static_cast<long long>(c.den);
  }
}

TEST(Money, CheckedArithmeticRefusesOverflowAndMixedCurrencies) {
  const Money max(std::numeric_limits<std::int64_t>::max(), Currency::eur());
  const Money cent(1, Currency::eur());
  EXPECT_FALSE(max.add(cent).ok());
  EXPECT_THROW(max + cent, MoneyError);
  EXPECT_THROW(-Money(std::numeric_limits<std::int64_t>::min(), Currency::eur()), MoneyError);
  const Money usd(100, currency("USD"));
  EXPECT_FALSE(cent.add(usd).ok());
  EXPECT_FALSE(cent.subtract(usd).ok());
  EXPECT_THROW(cent + usd, MoneyError);
  EXPECT_THROW((void)(cent < usd), MoneyError);
  EXPECT_EQ((Money(150, Currency::eur()) - Money(200, Currency::eur())).minor(), -50);
  EXPECT_EQ(min(cent, Money(0, Currency::eur())).minor(), 0);
}

}  // namespace
}  // namespace mahnwerk::core

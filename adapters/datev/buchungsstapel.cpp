// Buchungsstapel records -> Booking. Every field is checked where it is read; a row with any bad
// field is rejected as a whole, with one error per bad field, and the next row is read.
#include "adapters/datev/buchungsstapel.h"

#include <array>
#include <utility>

namespace mahnwerk::datev {
namespace {

// The columns this reader interprets (DATEV's headings, Musterdaten format version 13).
constexpr ColumnName kNames[] = {
    {bs::kUmsatz, "Umsatz (ohne Soll/Haben-Kz)"},
    {bs::kSollHaben, "Soll/Haben-Kennzeichen"},
    {bs::kWkzUmsatz, "WKZ Umsatz"},
    {bs::kKonto, "Konto"},
    {bs::kGegenkonto, "Gegenkonto (ohne BU-Schlüssel)"},
    {bs::kBuSchluessel, "BU-Schlüssel"},
    {bs::kBelegdatum, "Belegdatum"},
    {bs::kBelegfeld1, "Belegfeld 1"},
    {bs::kBelegfeld2, "Belegfeld 2"},
    {bs::kSkonto, "Skonto"},
    {bs::kBuchungstext, "Buchungstext"},
    {bs::kPostensperre, "Postensperre"},
    {bs::kSachverhalt, "Sachverhalt"},
    {bs::kZinssperre, "Zinssperre"},
    {bs::kPostensperreBis, "Postensperre bis"},
    {bs::kFaelligkeit, "Fälligkeit"},
    {bs::kGeneralumkehr, "Generalumkehr (GU)"},
};

struct VersionColumns {
  int version;
  int columns;
};
// Column counts per format version (DATEV changelog as collected in docs/datev.md).
constexpr VersionColumns kVersionColumns[] = {{7, 116},  {8, 116},  {9, 116}, {10, 120},
                                              {11, 122}, {12, 124}, {13, 125}};

}  // namespace

bool BookingParser::parse(const Record& rec, Booking& b) {
  rec_ = &rec;
  ok_ = true;
  b = Booking{};
  b.line = rec.line;
  b.amount_cents = value(bs::kUmsatz, parse_amount_cents, std::int64_t{0});
  if (ok_ && b.amount_cents == 0) fail(bs::kUmsatz, "amount is zero");
  const std::string_view sh = raw(bs::kSollHaben);
  if (sh == "S" || sh == "s") {
    b.soll = true;
  } else if (sh == "H" || sh == "h") {
    b.soll = false;
  } else {
    fail(bs::kSollHaben, "\"" + std::string(sh) + "\" is neither S nor H");
  }
  b.currency = reader_.header().currency;
  if (const std::string_view wkz = raw(bs::kWkzUmsatz); !wkz.empty()) {
    auto c = core::Currency::from_code(wkz);
    if (c) {
      b.currency = *c;
    } else {
      fail(bs::kWkzUmsatz, "unknown currency \"" + std::string(wkz) + "\"");
    }
  }
  b.konto = value(bs::kKonto, parse_account, std::uint64_t{0});
  b.konto_digits = static_cast<int>(raw(bs::kKonto).size());
  b.gegenkonto = value(bs::kGegenkonto, parse_account, std::uint64_t{0});
  b.gegenkonto_digits = static_cast<int>(raw(bs::kGegenkonto).size());
  const std::string_view bu = raw(bs::kBuSchluessel);
  // BU-Schlüssel of two digits: the first is the Berichtigungsschlüssel; 2 = Generalumkehr.
  const bool bu_gu = bu.size() == 2 && bu[0] == '2';
  if (auto d = resolve_belegdatum(raw(bs::kBelegdatum), reader_.header())) {
    b.belegdatum = d->date;
  } else {
    fail(bs::kBelegdatum, d.error().message);
  }
  b.belegfeld1 = text(bs::kBelegfeld1, scratch1_);
  b.belegfeld2 = text(bs::kBelegfeld2, scratch2_);
  if (const std::string_view s = raw(bs::kSkonto); !s.empty())
    b.skonto_cents = value(bs::kSkonto, parse_amount_cents, std::int64_t{0});
  b.postensperre = flag(bs::kPostensperre);
  if (const std::string_view s = raw(bs::kSachverhalt); !s.empty())
    b.sachverhalt = value(bs::kSachverhalt, parse_small_int, 0);
  b.zinssperre = flag(bs::kZinssperre);
  b.postensperre_bis = optional_date(bs::kPostensperreBis);
  b.faelligkeit = optional_date(bs::kFaelligkeit);
  b.generalumkehr = flag(bs::kGeneralumkehr) || bu_gu;
  return ok_;
}

void BookingParser::fail(int column, std::string message) {
  ok_ = false;
  errors_.push_back(RowError{reader_.name(), rec_->line, column,
                             std::string(buchungsstapel_field_name(column)), std::move(message)});
}
// The field's bytes: for the ASCII fields (numbers, codes, dates) no conversion is needed; a
// quote problem is a field error.
std::string_view BookingParser::raw(int column) {
  const Field& f = rec_->at(column);
  if (f.bad_quote) fail(column, "unbalanced quote");
  return f.raw;
}
std::string_view BookingParser::text(int column, std::string& scratch) {
  auto t = field_text(rec_->at(column), reader_.format().charset, scratch);
  if (!t) {
    fail(column, t.error().message);
    return {};
  }
  return *t;
}
template <typename Parse, typename T>
T BookingParser::value(int column, Parse parse_fn, T fallback) {
  auto v = parse_fn(raw(column));
  if (!v) {
    fail(column, v.error().message);
    return fallback;
  }
  return *v;
}
bool BookingParser::flag(int column) {
  const std::string_view s = raw(column);
  if (s.empty() || s == "0") return false;
  if (s == "1") return true;
  fail(column, "\"" + std::string(s) + "\" is neither 0 nor 1");
  return false;
}
std::optional<core::Date> BookingParser::optional_date(int column) {
  const std::string_view s = raw(column);
  if (s.empty()) return std::nullopt;
  auto d = parse_ddmmyyyy(s);
  if (!d) {
    fail(column, d.error().message);
    return std::nullopt;
  }
  return *d;
}

std::string_view buchungsstapel_field_name(int column) { return column_name(kNames, column); }

int buchungsstapel_columns(int format_version) {
  for (const auto& v : kVersionColumns)
    if (v.version == format_version) return v.columns;
  return 0;
}

std::size_t expected_booking_fields(const ExtfReader& reader) {
  const std::size_t heading = reader.heading_field_count();
  if (heading >= 116 && heading <= 125) return heading;
  const int by_version = buchungsstapel_columns(reader.header().format_version);
  return by_version > 0 ? static_cast<std::size_t>(by_version) : 125;
}

core::Result<RowCounts> read_bookings(ExtfReader& reader,
                                      const std::function<void(const Booking&)>& on_booking,
                                      const std::function<void(RowError)>& on_rejected) {
  RowCounts counts;
  const std::size_t expected = expected_booking_fields(reader);
  std::vector<RowError> errors;
  BookingParser parser(reader, errors);
  Record rec;
  Booking booking;
  while (reader.next(rec)) {
    if (rec.field_count != expected || rec.too_many_fields) {
      ++counts.rejected;
      on_rejected(RowError{reader.name(),
                           rec.line,
                           0,
                           {},
                           "the record has " + std::string(rec.too_many_fields ? "more than " : "") +
                               std::to_string(rec.field_count) + " fields, expected " +
                               std::to_string(expected)});
      continue;
    }
    errors.clear();
    if (parser.parse(rec, booking)) {
      ++counts.accepted;
      on_booking(booking);
    } else {
      ++counts.rejected;
      for (auto& e : errors) on_rejected(std::move(e));
    }
  }
  if (reader.error()) return *reader.error();
  return counts;
}

}  // namespace mahnwerk::datev

// The Buchungsstapel (category 21, format versions 7..13, 116..125 columns): each record read by
// position into the fields open items need, every problem reported per row and field.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/datev/extf_reader.h"
#include "connector/core/date.h"
#include "connector/core/money.h"

namespace mahnwerk::datev {

// Column numbers (1-based, DATEV's numbering; unchanged from version 7 to 13).
namespace bs {
inline constexpr int kUmsatz = 1;
inline constexpr int kSollHaben = 2;
inline constexpr int kWkzUmsatz = 3;
inline constexpr int kKonto = 7;
inline constexpr int kGegenkonto = 8;
inline constexpr int kBuSchluessel = 9;
inline constexpr int kBelegdatum = 10;
inline constexpr int kBelegfeld1 = 11;
inline constexpr int kBelegfeld2 = 12;
inline constexpr int kSkonto = 13;
inline constexpr int kBuchungstext = 14;
inline constexpr int kPostensperre = 15;
inline constexpr int kSachverhalt = 18;
inline constexpr int kZinssperre = 19;
inline constexpr int kPostensperreBis = 111;
inline constexpr int kFaelligkeit = 117;
inline constexpr int kGeneralumkehr = 118;
}  // namespace bs

// DATEV's name of a Buchungsstapel column (1..125), for messages.
std::string_view buchungsstapel_field_name(int column);

// Columns of the Buchungsstapel layout of a format version (7..9: 116, 10: 120, 11: 122,
// 12: 124, 13: 125); 0 for an unknown version.
int buchungsstapel_columns(int format_version);

// Sachverhalt values that mark dunning postings (DATEV: "so that no further interest is computed").
inline constexpr int kSachverhaltMahnzins = 31;
inline constexpr int kSachverhaltMahngebuehr = 40;

// One booking, reduced to what open items need. Text is UTF-8.
struct Booking {
  std::size_t line = 0;
  std::int64_t amount_cents = 0;  // Umsatz, > 0
  bool soll = true;               // Soll/Haben-Kennzeichen "S" (relative to Konto)
  core::Currency currency;        // WKZ Umsatz, else the header's WKZ
  std::uint64_t konto = 0;
  std::uint64_t gegenkonto = 0;
  int konto_digits = 0;  // as written (Personenkonten have Sachkontenlänge + 1)
  int gegenkonto_digits = 0;
  core::Date belegdatum;
  std::string_view belegfeld1;  // views: valid until the next record is read
  std::string_view belegfeld2;
  std::int64_t skonto_cents = 0;
  bool postensperre = false;
  int sachverhalt = 0;
  bool zinssperre = false;
  std::optional<core::Date> postensperre_bis;
  std::optional<core::Date> faelligkeit;
  bool generalumkehr = false;  // #118 = 1, or a BU-Schlüssel with Berichtigungsschlüssel 2
};

// Parses records of `reader` into bookings. parse() returns false and appends one RowError per bad
// field when the record is not usable. Reuses its scratch text between records.
class BookingParser {
 public:
  BookingParser(const ExtfReader& reader, std::vector<RowError>& errors) : reader_(reader), errors_(errors) {}
  bool parse(const Record& rec, Booking& b);

 private:
  void fail(int column, std::string message);
  std::string_view raw(int column);
  std::string_view text(int column, std::string& scratch);
  template <typename Parse, typename T>
  T value(int column, Parse parse_fn, T fallback);
  bool flag(int column);
  std::optional<core::Date> optional_date(int column);

  const ExtfReader& reader_;
  std::vector<RowError>& errors_;
  const Record* rec_ = nullptr;
  bool ok_ = true;
  std::string scratch1_;
  std::string scratch2_;
};

// Reads every data record of an opened Buchungsstapel. Each valid record is passed to
// `on_booking` (its views valid during the call); each invalid one becomes one RowError per bad
// field in `on_rejected` and the file goes on. Returns the number of accepted rows, or the
// reader's I/O error. REQUIRES: reader.header().category == kBuchungsstapel.
struct RowCounts {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};
core::Result<RowCounts> read_bookings(ExtfReader& reader,
                                      const std::function<void(const Booking&)>& on_booking,
                                      const std::function<void(RowError)>& on_rejected);

// The expected number of fields per record: the heading line's count when it is a known
// Buchungsstapel layout (116..125), else the format version's.
std::size_t expected_booking_fields(const ExtfReader& reader);

}  // namespace mahnwerk::datev

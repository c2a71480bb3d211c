// Text as the DATEV writers put it into files: UTF-8 converted to Windows-1252 (characters it
// cannot hold are transliterated and reported, never silently replaced by '?'), field lengths,
// the Belegfeld-1 character set, quoting with doubled quotes, amounts and dates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/money.h"

namespace mahnwerk::datev {

// One change the writer had to make to a value so that DATEV accepts it.
struct TextChange {
  std::string field;   // "Buchungstext", "Belegfeld 1", "Name (Adressattyp Unternehmen)", ...
  std::string record;  // which record: "RE-2025-0101", "debtor 10001"
  std::string from;    // UTF-8, as given
  std::string to;      // UTF-8, as written
  std::string reason;  // "'ł' (U+0142) has no Windows-1252 form, written as 'l'", "cut to 60 characters"
};

// Where a writer reports changes; the context names the record being written.
class ChangeLog {
 public:
  explicit ChangeLog(std::vector<TextChange>& out) : out_(out) {}
  void set_record(std::string record) { record_ = std::move(record); }
  void add(std::string_view field, std::string_view from, std::string_view to, std::string reason);

 private:
  std::vector<TextChange>& out_;
  std::string record_;
};

// The Windows-1252 form of `utf8`, at most `max_chars` characters (0 = unlimited). Characters
// Windows-1252 lacks are transliterated (ł -> l, ő -> ö, Cyrillic after Duden, typographic
// dashes and spaces to ASCII); one without transliteration becomes '?' — each such character
// is reported in `log` under `field`, as is a cut. Line breaks and other control characters
// become spaces (reported). Invalid UTF-8 bytes are reported and written as '?'.
std::string to_cp1252(std::string_view utf8, std::string_view field, std::size_t max_chars, ChangeLog& log);

// Windows-1252 text back to UTF-8 (for messages and reports).
std::string cp1252_to_utf8(std::string_view cp1252);

// Belegfeld 1 as DATEV accepts it: at most 36 characters of A-Z a-z 0-9 $ & % * + - / (DATEV's
// OPOS key charset). Other characters become '-', reported; longer values are cut, reported.
std::string belegfeld1(std::string_view utf8, ChangeLog& log);

// Appends `cp1252` as a quoted DATEV text field: "..." with inner quotes doubled.
void append_quoted(std::string& out, std::string_view cp1252);

// "1234,56": no sign, no thousands separator, decimal comma, the currency's decimals.
std::string format_amount(const core::Money& amount);
// Belegdatum "TTMM" (the year comes from the header's period).
std::string format_ttmm(const core::Date& date);
// "TTMMJJJJ", as Fälligkeit, Leistungsdatum, Postensperre bis and Mahnsperre bis are written.
std::string format_ttmmjjjj(const core::Date& date);

}  // namespace mahnwerk::datev

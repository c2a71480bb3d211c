// The column layouts mahnwerk writes: Buchungsstapel (category 21, format version 13, 125
// columns) and Debitoren/Kreditoren (category 16, version 5, 254 columns), each column's DATEV
// heading and whether it is written as quoted text or as a bare number or date.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/datev/extf_writer_text.h"

namespace mahnwerk::datev {

struct Column {
  std::string_view heading;  // UTF-8, as in DATEV's heading line
  bool text = false;         // quoted text ("" when empty) or a bare number/date (nothing when empty)
};

extern const std::array<Column, 125> kBuchungsstapelColumns;
extern const std::array<Column, 254> kDebitorenColumns;

// 1-based numbers of the Buchungsstapel columns the writer fills (DATEV's numbering).
namespace bs_col {
inline constexpr int kUmsatz = 1;
inline constexpr int kSollHaben = 2;
inline constexpr int kWkzUmsatz = 3;
inline constexpr int kKonto = 7;
inline constexpr int kGegenkonto = 8;
inline constexpr int kBelegdatum = 10;
inline constexpr int kBelegfeld1 = 11;
inline constexpr int kBelegfeld2 = 12;
inline constexpr int kSkonto = 13;
inline constexpr int kBuchungstext = 14;
inline constexpr int kPostensperre = 15;
inline constexpr int kSachverhalt = 18;
inline constexpr int kZinssperre = 19;
inline constexpr int kZusatzArt1 = 48;
inline constexpr int kZusatzInhalt1 = 49;
inline constexpr int kPostensperreBis = 111;
inline constexpr int kFestschreibung = 114;
inline constexpr int kLeistungsdatum = 115;
inline constexpr int kFaelligkeit = 117;
}  // namespace bs_col

// 1-based numbers of the Debitoren/Kreditoren columns the writer fills.
namespace dk_col {
inline constexpr int kKonto = 1;
inline constexpr int kNameUnternehmen = 2;
inline constexpr int kNameNatPerson = 4;
inline constexpr int kVornameNatPerson = 5;
inline constexpr int kAdressattyp = 7;
inline constexpr int kKurzbezeichnung = 8;
inline constexpr int kAdressart = 15;
inline constexpr int kStrasse = 16;
inline constexpr int kPostleitzahl = 18;
inline constexpr int kOrt = 19;
inline constexpr int kLand = 20;
inline constexpr int kEmail = 33;
inline constexpr int kSprache = 101;
inline constexpr int kFaelligkeitTage = 110;
inline constexpr int kInsolvent = 221;
inline constexpr int kMahnsperreBis = 233;
}  // namespace dk_col

// Appends the heading line (Windows-1252, CRLF).
template <std::size_t N>
void append_heading_line(std::string& out, const std::array<Column, N>& layout) {
  std::vector<TextChange> none;  // the headings are Windows-1252 text
  ChangeLog log(none);
  for (std::size_t i = 0; i < N; ++i) {
    if (i != 0) out += ';';
    out += to_cp1252(layout[i].heading, "heading", 0, log);
  }
  out += "\r\n";
}

// One record of a layout, filled by DATEV's 1-based column numbers with Windows-1252 values,
// then written with the layout's quoting: every text column quoted ("" when empty), numbers
// and dates bare. Exactly N fields, CRLF.
template <std::size_t N>
class Row {
 public:
  explicit Row(const std::array<Column, N>& layout) : layout_(layout) {}
  // REQUIRES: 1 <= column <= N.
  void set(int column, std::string cp1252) {
    fields_[static_cast<std::size_t>(column - 1)] = std::move(cp1252);
  }
  void append_to(std::string& out) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (i != 0) out += ';';
      if (layout_[i].text) {
        append_quoted(out, fields_[i]);
      } else {
        out += fields_[i];
      }
    }
    out += "\r\n";
  }

 private:
  const std::array<Column, N>& layout_;
  std::array<std::string, N> fields_{};
};

}  // namespace mahnwerk::datev

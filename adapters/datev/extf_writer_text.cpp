// Text for DATEV files. Transliteration tables follow common German practice (Duden for
// Cyrillic, the base letter for Latin letters with diacritics, ö/ü for the Hungarian double
// acute) so that a name stays readable in DATEV and the change is visible in the report.
#include "adapters/datev/extf_writer_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace mahnwerk::datev {
namespace {

// Windows-1252 bytes 0x80..0x9F and the code points they stand for (0 = undefined).
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::optional<unsigned char> cp1252_byte(char32_t cp) {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) return static_cast<unsigned char>(cp);
  for (std::size_t i = 0; i < kCp1252High.size(); ++i) {
    if (kCp1252High[i] != 0 && kCp1252High[i] == cp) return static_cast<unsigned char>(0x80 + i);
  }
  return std::nullopt;
}

// Latin Extended-A, U+0100..U+017F, letters Windows-1252 lacks; "" marks ones it has
// (Œ œ Š š Ÿ Ž ž), which never reach this table.
constexpr std::array<const char*, 128> kLatinExtendedA = {
    "A",        "a",        "A",  "a",  "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",  // 0100
    "D",        "d",        "E",  "e",  "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",  // 0110
    "G",        "g",        "G",  "g",  "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",  // 0120
    "I",        "i",        "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",  // 0130
    "l",        "L",        "l",  "N",  "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",  // 0140
    "\xC3\x96", "\xC3\xB6", "",   "",   "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",  // 0150
    "",         "",         "T",  "t",  "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",  // 0160
    "\xC3\x9C", "\xC3\xBC", "U",  "u",  "W", "w", "Y", "y", "",  "Z", "z", "Z", "z", "",  "",  "s",  // 0170
};

// Cyrillic U+0410..U+044F after the Duden transliteration.
constexpr std::array<const char*, 32> kCyrillicUpper = {
    "A", "B", "W", "G", "D", "E",  "Sch", "S",    "I",   "J",       "K", "L", "M", "N", "O",  "P",
    "R", "S", "T", "U", "F", "Ch", "Z",   "Tsch", "Sch", "Schtsch", "",  "Y", "",  "E", "Ju", "Ja"};
constexpr std::array<const char*, 32> kCyrillicLower = {
    "a", "b", "w", "g", "d", "e",  "sch", "s",    "i",   "j",       "k", "l", "m", "n", "o",  "p",
    "r", "s", "t", "u", "f", "ch", "z",   "tsch", "sch", "schtsch", "",  "y", "",  "e", "ju", "ja"};

struct Special {
  char32_t cp;
  const char* to;  // UTF-8 of characters Windows-1252 has
};
constexpr std::array<Special, 27> kSpecials = {{
    {0x0218, "S"},  {0x0219, "s"},   {0x021A, "T"},  {0x021B, "t"}, {0x0401, "Jo"}, {0x0451, "jo"},
    {0x1E9E, "SS"}, {0x2010, "-"},   {0x2011, "-"},  {0x2012, "-"}, {0x2015, "-"},  {0x2212, "-"},
    {0x2002, " "},  {0x2003, " "},   {0x2004, " "},  {0x2005, " "}, {0x2006, " "},  {0x2007, " "},
    {0x2008, " "},  {0x2009, " "},   {0x200A, " "},  {0x202F, " "}, {0x200B, ""},   {0x2032, "'"},
    {0x2033, "\""}, {0x2116, "Nr."}, {0x2192, "->"},
}};

std::optional<std::string_view> transliteration(char32_t cp) {
  if (cp >= 0x0100 && cp <= 0x017F) return kLatinExtendedA[cp - 0x0100];
  if (cp >= 0x0410 && cp <= 0x042F) return kCyrillicUpper[cp - 0x0410];
  if (cp >= 0x0430 && cp <= 0x044F) return kCyrillicLower[cp - 0x0430];
  for (const Special& s : kSpecials) {
    if (s.cp == cp) return s.to;
  }
  return std::nullopt;
}

// Decodes one UTF-8 character at `pos`; nullopt for an invalid sequence (pos then moves one byte).
std::optional<char32_t> next_code_point(std::string_view in, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(in[pos]);
  std::size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || pos + len > in.size()) {
    ++pos;
    return std::nullopt;
  }
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1Fu) : len == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(in[pos + i]);
    if ((b >> 6) != 0x2) {
      ++pos;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  constexpr std::array<char32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return std::nullopt;
  }
  pos += len;
  return cp;
}

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Appends the UTF-8 text `utf8` (only characters Windows-1252 has) as Windows-1252.
void append_known_cp1252(std::string& out, std::string_view utf8) {
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    if (auto cp = next_code_point(utf8, pos)) {
      if (auto byte = cp1252_byte(*cp)) out += static_cast<char>(*byte);
    }
  }
}

bool in_belegfeld_charset(unsigned char c) {
  static constexpr std::string_view kExtra = "$&%*+-/";
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         kExtra.find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

void ChangeLog::add(std::string_view field, std::string_view from, std::string_view to, std::string reason) {
  out_.push_back(
      TextChange{std::string(field), record_, std::string(from), std::string(to), std::move(reason)});
}

std::string to_cp1252(std::string_view utf8, std::string_view field, std::size_t max_chars, ChangeLog& log) {
  const bool plain = std::all_of(utf8.begin(), utf8.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (plain && (max_chars == 0 || utf8.size() <= max_chars)) return std::string(utf8);  // the common case
  std::string out;
  out.reserve(utf8.size());
  std::vector<std::string> reasons;
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    const std::size_t start = pos;
    const std::optional<char32_t> cp = next_code_point(utf8, pos);
    if (!cp) {
      out += '?';
      reasons.push_back("byte " + std::to_string(start) + " is not valid UTF-8, written as '?'");
      continue;
    }
    if (*cp < 0x20 || *cp == 0x7F) {
      out += ' ';
      reasons.push_back("control character " + code_point_name(*cp) + " written as a space");
      continue;
    }
    if (auto byte = cp1252_byte(*cp)) {
      out += static_cast<char>(*byte);
      continue;
    }
    const std::string original(utf8.substr(start, pos - start));
    if (auto t = transliteration(*cp)) {
      append_known_cp1252(out, *t);
      reasons.push_back("'" + original + "' (" + code_point_name(*cp) +
                        ") has no Windows-1252 form, written as '" + std::string(*t) + "'");
    } else {
      out += '?';
      reasons.push_back("'" + original + "' (" + code_point_name(*cp) +
                        ") has no Windows-1252 form and no transliteration, written as '?'");
    }
  }
  if (max_chars != 0 && out.size() > max_chars) {
    out.resize(max_chars);
    reasons.push_back("cut to " + std::to_string(max_chars) + " characters");
  }
  if (!reasons.empty()) {
    std::string joined;
    for (const std::string& r : reasons) joined += (joined.empty() ? "" : "; ") + r;
    log.add(field, utf8, cp1252_to_utf8(out), std::move(joined));
  }
  return out;
}

std::string cp1252_to_utf8(std::string_view cp1252) {
  std::string out;
  out.reserve(cp1252.size());
  for (char ch : cp1252) {
    const auto b = static_cast<unsigned char>(ch);
    const char32_t cp = (b >= 0x80 && b < 0xA0) ? kCp1252High[b - 0x80u] : b;
    append_utf8(out, cp == 0 ? char32_t{0xFFFD} : cp);
  }
  return out;
}

std::string belegfeld1(std::string_view utf8, ChangeLog& log) {
  constexpr std::size_t kMax = 36;
  std::string out;
  std::vector<std::string> reasons;
  std::size_t pos = 0;
  bool replaced = false;
  while (pos < utf8.size()) {
    const std::optional<char32_t> cp = next_code_point(utf8, pos);
    if (cp && *cp < 0x80 && in_belegfeld_charset(static_cast<unsigned char>(*cp))) {
      out += static_cast<char>(*cp);
    } else {
      out += '-';
      replaced = true;
    }
  }
  if (replaced)
    reasons.emplace_back("characters outside DATEV's Belegfeld-1 set (A-Z a-z 0-9 $&%*+-/) written as '-'");
  if (out.size() > kMax) {
    out.resize(kMax);
    reasons.emplace_back("cut to 36 characters");
  }
  if (!reasons.empty()) {
    log.add("Belegfeld 1", utf8, out, reasons.size() == 1 ? reasons[0] : reasons[0] + "; " + reasons[1]);
  }
  return out;
}

void append_quoted(std::string& out, std::string_view cp1252) {
  out += '"';
  if (cp1252.find('"') == std::string_view::npos) {
    out += cp1252;
  } else {
    for (char c : cp1252) {
      if (c == '"') out += '"';
      out += c;
    }
  }
  out += '"';
}

std::string format_amount(const core::Money& amount) {
  const std::int64_t minor = amount.minor() < 0 ? -amount.minor() : amount.minor();
  const int exponent = amount.currency().exponent();
  const std::int64_t scale = amount.currency().scale();
  std::string out = std::to_string(minor / scale);
  if (exponent > 0) {
    std::string frac = std::to_string(minor % scale);
    out += ',';
    out.append(static_cast<std::size_t>(exponent) - frac.size(), '0');
    out += frac;
  }
  return out;
}

std::string format_ttmm(const core::Date& date) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u%02u", core::day_of(date), core::month_of(date));
  return buf;
}

std::string format_ttmmjjjj(const core::Date& date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u%02u%04d", core::day_of(date), core::month_of(date),
                core::year_of(date));
  return buf;
}

}  // namespace mahnwerk::datev

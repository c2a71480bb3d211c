// Character sets of DATEV files: EXTF/DTVF exports are Windows-1252 unless they start with a
// UTF-8 byte order mark. Everything inside mahnwerk is UTF-8; these functions convert at the edge.
#pragma once

#include <string>
#include <string_view>

namespace mahnwerk::datev {

enum class Charset { kWindows1252, kUtf8 };

// The charset a DATEV file declares by its first bytes: a UTF-8 BOM (EF BB BF) means UTF-8,
// anything else Windows-1252 (DATEV's default). Returns the charset and the BOM length to skip.
struct CharsetSniff {
  Charset charset = Charset::kWindows1252;
  std::size_t bom_length = 0;
};
CharsetSniff sniff_charset(std::string_view head);

// Appends `in` (Windows-1252) as UTF-8 to `out`. Bytes undefined in Windows-1252
// (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD; the caller reports them with
// first_undefined_cp1252().
void append_cp1252_as_utf8(std::string_view in, std::string& out);

// The index of the first byte of `in` that Windows-1252 leaves undefined, or npos.
std::size_t first_undefined_cp1252(std::string_view in);

// True when every byte of `in` is below 0x80 (the common case, where no conversion is needed).
bool is_ascii(std::string_view in);

// The index of the first byte of `in` that does not belong to valid UTF-8 (overlongs, surrogates
// and code points above U+10FFFF included), or npos when `in` is valid UTF-8.
std::size_t first_invalid_utf8(std::string_view in);

}  // namespace mahnwerk::datev

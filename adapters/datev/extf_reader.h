// Reading DATEV-format CSV files ("EXTF"/"DTVF"): the 31-field header line, the heading line and
// the records, streamed in large blocks so memory stays constant whatever the file size. Records
// are split into fields by position without copying; text is unquoted and converted to UTF-8
// only for the fields a caller asks for. Used by the Buchungsstapel and Debitoren readers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/datev/encoding.h"
#include "connector/core/date.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::datev {

// A problem with one place of a file: a row that could not be used, or (in check mode) a
// finding DATEV would complain about. Line and column are 1-based; 0 = the whole line / file.
struct RowError {
  std::string file;
  std::size_t line = 0;
  int column = 0;
  std::string field;  // the DATEV field name ("Belegfeld 1"), empty for whole-line problems
  std::string message;

  std::string to_string() const;  // "file:line:column (field): message"
};

// The categories mahnwerk reads.
enum class Category { kBuchungsstapel = 21, kDebitorenKreditoren = 16, kOther = 0 };

// Line 1 of an EXTF/DTVF file, as far as the readers need it. Dates are resolved; fields that
// are empty stay unset.
struct ExtfHeader {
  std::string kennzeichen;  // "EXTF" or "DTVF"
  int version = 0;          // 700, or the older 510
  int category_number = 0;  // as written (21, 16, ...)
  Category category = Category::kOther;
  std::string format_name;              // "Buchungsstapel", "Debitoren/Kreditoren"
  int format_version = 0;               // Buchungsstapel 7..13, Debitoren/Kreditoren 5
  std::string berater;                  // Beraternummer
  std::string mandant;                  // Mandantennummer
  std::optional<core::Date> wj_beginn;  // start of the fiscal year
  int sachkontenlaenge = 4;             // G/L account length; Personenkonten have one digit more
  std::optional<core::Date> datum_vom;  // batch period (Buchungsstapel)
  std::optional<core::Date> datum_bis;
  std::string bezeichnung;
  std::string festschreibung;  // "0", "1" or empty (= locked by DATEV)
  core::Currency currency;     // WKZ, EUR when empty
  std::string skr;             // Sachkontenrahmen: "03", "04" or empty
  std::size_t field_count = 0;
};

// How the file is written: what sniffing found in its first bytes.
struct FileFormat {
  Charset charset = Charset::kWindows1252;
  bool bom = false;
  bool utf8_without_bom = false;  // no BOM, but the heading line is valid UTF-8 with non-ASCII
  char delimiter = ';';
  bool crlf = false;  // the first line ends in CR LF
};

// One field of a record: the bytes between the delimiters, without surrounding quotes.
struct Field {
  std::string_view raw;
  bool quoted = false;
  bool escaped_quote = false;  // contains a doubled quote ("") to be unescaped
  bool bad_quote = false;      // an opening quote without its closing quote, or text after it
  bool finalized = true;       // false: `raw` still holds the quotes (see Record::at)
};

// Strips a field's quotes and sets its flags (for fields split by split_bounds()).
void finalize_field(Field& f);

// Maximum number of fields per record; longer records are an error of that row.
inline constexpr std::size_t kMaxFields = 512;

// A record of the file. Views point into the reader's buffer: valid until the next call of
// ExtfReader::next().
struct Record {
  std::size_t line = 0;  // 1-based line number in the file
  std::size_t field_count = 0;
  bool too_many_fields = false;
  Field* fields = nullptr;  // field_count entries, finalized on first access
  // Records from ExtfReader::next() carry only the field boundaries: field i is
  // data[starts[i] .. starts[i + 1] - 1); at() builds its Field on first access (`built`).
  const char* data = nullptr;
  const std::uint32_t* starts = nullptr;  // null: `fields` are complete
  mutable std::array<std::uint64_t, kMaxFields / 64> built{};

  // REQUIRES: 1 <= column. Columns beyond field_count read as empty.
  const Field& at(int column) const;
};

// Splits one line (without its line end) into fields. Fast path: SSE2 scanning for the
// delimiter and quotes. Returns the number of fields written to `out` (at most kMaxFields;
// `overflow` is set when the line has more).
std::size_t split_fields(std::string_view line, char delimiter, std::array<Field, kMaxFields>& out,
                         bool& overflow);

// The hot-path split: only the field boundaries, found 64 bytes at a time (quote parity by
// prefix XOR, delimiters outside quotes); fields are left unfinalized. A quote inside an
// unquoted field toggles quoting as in RFC 4180 parsers (the row then fails its column count
// or the field reports an unbalanced quote).
std::size_t split_bounds(std::string_view line, char delimiter, std::array<Field, kMaxFields>& out,
                         bool& overflow);
// The same boundaries as offsets only: starts[i] is where field i begins, starts[count] is
// line.size() + 1 (one past the virtual delimiter after the last field). Returns count.
std::size_t split_starts(std::string_view line, char delimiter,
                         std::array<std::uint32_t, kMaxFields + 1>& starts, bool& overflow);

// Field value helpers. Each returns the value or a message saying what is wrong; the caller
// adds file, line, column and field name.
//
// Text as UTF-8: unescapes doubled quotes and converts Windows-1252. `scratch` is used only when
// a copy is needed (quotes, non-ASCII); the view is valid until scratch changes.
core::Result<std::string_view> field_text(const Field& f, Charset charset, std::string& scratch);
// An amount with a decimal comma and 0..2 decimals ("1190,00", "64083", "618,9"), no sign, no
// grouping: minor units (cents). Empty is an error.
core::Result<std::int64_t> parse_amount_cents(std::string_view text);
// A German amount that may carry a sign and '.' thousands grouping (Debitoren fields).
core::Result<core::Money> parse_amount_lenient(std::string_view text, core::Currency currency);
// An account number: 1..9 digits (leading zeros allowed), not all zero.
core::Result<std::uint64_t> parse_account(std::string_view text);
// TTMMJJJJ (8 digits) as a real calendar date.
core::Result<core::Date> parse_ddmmyyyy(std::string_view text);
// TTMMJJ (6 digits), century 20xx, as used for due dates in Belegfeld 2.
core::Result<core::Date> parse_ddmmyy(std::string_view text);
// YYYYMMDD (header dates).
core::Result<core::Date> parse_yyyymmdd(std::string_view text);
// A small non-negative integer (codes, days): digits only, at most 9 of them.
core::Result<int> parse_small_int(std::string_view text);
// A percentage with a decimal comma and up to 2 decimals ("10,50") in basis points (1050).
core::Result<int> parse_percent_bp(std::string_view text);

// The Belegdatum TTMM resolved to a full date: the year that puts it inside the header's batch
// period (Datum vom .. Datum bis); when the period is absent or the day lies outside it, the
// fiscal year that starts at WJ-Beginn; without either, an error. `in_period` tells whether the
// period held the date (check mode reports dates outside it).
struct ResolvedDate {
  core::Date date;
  bool in_period = false;
};
core::Result<ResolvedDate> resolve_belegdatum(std::string_view ttmm, const ExtfHeader& header);

// Parses the header line's fields. Problems that make the file unreadable (not EXTF/DTVF,
// unknown version, unreadable category) are the error; lenient deviations are appended to
// `findings` (column and field filled, file and line left to the caller).
core::Result<ExtfHeader> parse_header(const Record& record, Charset charset, std::vector<RowError>& findings);

// Streams the records of one EXTF/DTVF file. open() reads and checks the header line and the
// heading line; next() yields the data records one by one.
class ExtfReader {
 public:
  // Opens `path`: sniffs BOM/charset, delimiter and line end, parses the header and takes line 2
  // as the heading line (unless it looks like a data record, which is then returned first by
  // next()). Errors: kNotFound (cannot open), kInvalidInput (empty file, not an EXTF/DTVF
  // header), each naming the file. Lenient deviations are collected in findings().
  static core::Result<std::unique_ptr<ExtfReader>> open(const std::string& path);
  // The same over bytes in memory (tests, fuzzing); `name` appears in errors.
  static core::Result<std::unique_ptr<ExtfReader>> from_bytes(std::string_view bytes, std::string name);

  ~ExtfReader();
  ExtfReader(const ExtfReader&) = delete;
  ExtfReader& operator=(const ExtfReader&) = delete;

  const std::string& name() const { return name_; }
  const ExtfHeader& header() const { return header_; }
  const FileFormat& format() const { return format_; }
  // Number of fields of the heading line (0 when the file has none).
  std::size_t heading_field_count() const { return heading_count_; }
  // The heading line's fields as UTF-8 text.
  const std::vector<std::string>& headings() const { return headings_; }
  // Header and heading findings found by open() (lenient deviations).
  const std::vector<RowError>& findings() const { return findings_; }

  // The next data record, or false at the end of the file. Empty lines are skipped. A read error
  // ends the stream; error() then tells it.
  bool next(Record& record);
  const std::optional<core::Error>& error() const { return error_; }

 private:
  ExtfReader() = default;
  core::Status start();
  // The next line (without its line end) into `line`; false at the end.
  bool next_line(std::string_view& line);
  bool refill();

  std::string name_;
  int fd_ = -1;
  std::string_view memory_;  // from_bytes: the whole input
  bool from_memory_ = false;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool eof_ = false;
  std::size_t line_no_ = 0;
  std::optional<std::string_view> pending_;  // line 2 when it was a data record
  std::size_t pending_line_ = 0;

  ExtfHeader header_;
  FileFormat format_;
  std::size_t heading_count_ = 0;
  std::vector<std::string> headings_;
  std::vector<RowError> findings_;
  std::optional<core::Error> error_;
  std::array<Field, kMaxFields> fields_{};
  std::array<std::uint32_t, kMaxFields + 1> starts_{};
  std::string pending_copy_;
};

// A column's DATEV heading ("Belegfeld 1"), as record readers name fields in their errors.
struct ColumnName {
  int column;
  std::string_view name;
};
// The heading of `column` in `names`; empty when it is not listed.
std::string_view column_name(std::span<const ColumnName> names, int column);

}  // namespace mahnwerk::datev

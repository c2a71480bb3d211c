// EXTF/DTVF tokenizer, field parsers and the streaming reader. The hot path (split_fields and
// the numeric parsers) allocates nothing: fields are views into the read buffer.
#include "adapters/datev/extf_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mahnwerk::datev {

using core::Date;
using core::Error;
using core::Result;

namespace {

constexpr std::size_t kBlockSize = 4u << 20;       // bytes per read(): large sequential reads
constexpr std::size_t kMaxLineLength = 64u << 20;  // a longer "line" is not a DATEV file

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

Result<Date> make_checked_date(int y, int m, int d, std::string_view text) {
  const Date date = core::make_date(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  if (m < 1 || m > 12 || d < 1 || !date.ok())
    return core::invalid_input("\"" + std::string(text) + "\" is not a calendar date");
  return date;
}

const Field kEmptyField{};

#if defined(__SSE2__)
// Bit i set where p[i] == c, for 64 bytes.
inline std::uint64_t mask64(const char* p, char c) {
  const __m128i v = _mm_set1_epi8(c);
  std::uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    m |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, v))))
         << (16 * k);
  }
  return m;
}
#else
inline std::uint64_t mask64(const char* p, char c) {
  std::uint64_t m = 0;
  for (int k = 0; k < 64; ++k) m |= static_cast<std::uint64_t>(p[k] == c) << k;
  return m;
}
#endif

}  // namespace

std::string RowError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (column > 0) out += ":" + std::to_string(column);
  if (!field.empty()) out += " (" + field + ")";
  out += ": " + message;
  return out;
}

const Field& Record::at(int column) const {
  const auto index = static_cast<std::size_t>(column - 1);
  if (index >= field_count) return kEmptyField;
  Field& f = fields[index];
  if (starts != nullptr) {
    std::uint64_t& word = built[index / 64];
    const std::uint64_t bit = std::uint64_t{1} << (index % 64);
    if ((word & bit) == 0) {
      word |= bit;
      f = Field{std::string_view(data + starts[index], starts[index + 1] - starts[index] - 1), false, false,
                false, false};
    }
  }
  if (!f.finalized) finalize_field(f);
  return f;
}

void finalize_field(Field& f) {
  if (f.finalized) return;
  f.finalized = true;
  std::string_view s = f.raw;
  if (!s.empty() && s.front() == '"') {
    f.quoted = true;
    if (s.size() >= 2 && s.back() == '"') {
      s = s.substr(1, s.size() - 2);
    } else {
      s = s.substr(1);
      f.bad_quote = true;
    }
    // Any quote left inside must come in pairs.
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '"') continue;
      if (i + 1 < s.size() && s[i + 1] == '"') {
        f.escaped_quote = true;
        ++i;
      } else {
        f.bad_quote = true;
      }
    }
  } else if (s.find('"') != std::string_view::npos) {
    f.bad_quote = true;  // a quote in the middle of an unquoted field
  }
  f.raw = s;
}

// Quote parity by prefix XOR: bit i of `x` is the parity of the quotes up to byte i, so a
// delimiter is outside quotes where that bit is clear. A doubled quote toggles twice and changes
// nothing, which is exactly CSV's escaping.
std::size_t split_bounds(std::string_view line, char delimiter, std::array<Field, kMaxFields>& out,
                         bool& overflow) {
  overflow = false;
  std::size_t count = 0;
  std::size_t start = 0;
  const char* data = line.data();
  const std::size_t n = line.size();
  std::uint64_t carry = 0;  // all ones when the previous block ended inside quotes
  char tail[64];
  for (std::size_t base = 0; base < n; base += 64) {
    const char* p = data + base;
    const bool last = base + 64 > n;
    if (last) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, p, n - base);
      p = tail;
    }
    std::uint64_t x = mask64(p, '"');
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x ^= carry;
    carry = (x >> 63) != 0 ? ~std::uint64_t{0} : 0;
    std::uint64_t delims = mask64(p, delimiter) & ~x;
    if (last) delims &= (std::uint64_t{1} << (n - base)) - 1;
    while (delims != 0) {
      const std::size_t pos = base + static_cast<std::size_t>(__builtin_ctzll(delims));
      delims &= delims - 1;
      if (count < kMaxFields) {
        out[count++] = Field{line.substr(start, pos - start), false, false, false, false};
      } else {
        overflow = true;
      }
      start = pos + 1;
    }
  }
  if (count < kMaxFields) {
    out[count++] = Field{line.substr(start), false, false, false, false};
  } else {
    overflow = true;
  }
  return count;
}

std::size_t split_starts(std::string_view line, char delimiter,
                         std::array<std::uint32_t, kMaxFields + 1>& starts, bool& overflow) {
  overflow = false;
  std::size_t count = 1;  // field 0 starts at 0
  starts[0] = 0;
  const char* data = line.data();
  const std::size_t n = line.size();
  std::uint64_t carry = 0;  // all ones when the previous block ended inside quotes
  char tail[64];
  for (std::size_t base = 0; base < n; base += 64) {
    const char* p = data + base;
    const bool last = base + 64 > n;
    if (last) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, p, n - base);
      p = tail;
    }
    std::uint64_t x = mask64(p, '"');
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x ^= carry;
    carry = (x >> 63) != 0 ? ~std::uint64_t{0} : 0;
    std::uint64_t delims = mask64(p, delimiter) & ~x;
    if (last) delims &= (std::uint64_t{1} << (n - base)) - 1;
    // No popcount: the baseline x86-64 target has no instruction for it (a libgcc call).
    while (delims != 0) {
      if (count == kMaxFields) {
        overflow = true;  // the record is rejected by its count; the rest is not needed
        break;
      }
      starts[count++] =
          static_cast<std::uint32_t>(base + 1 + static_cast<std::size_t>(__builtin_ctzll(delims)));
      delims &= delims - 1;
    }
  }
  starts[count] = static_cast<std::uint32_t>(n + 1);
  return count;
}

std::size_t split_fields(std::string_view line, char delimiter, std::array<Field, kMaxFields>& out,
                         bool& overflow) {
  const std::size_t n = split_bounds(line, delimiter, out, overflow);
  for (std::size_t i = 0; i < n; ++i) finalize_field(out[i]);
  return n;
}

Result<std::string_view> field_text(const Field& f, Charset charset, std::string& scratch) {
  if (f.bad_quote) return core::invalid_input("unbalanced quote");
  std::string_view s = f.raw;
  if (f.escaped_quote) {
    std::string unescaped;
    unescaped.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      unescaped.push_back(s[i]);
      if (s[i] == '"') ++i;  // the pair stands for one quote
    }
    scratch = std::move(unescaped);
    s = scratch;
  }
  if (is_ascii(s)) return s;
  if (charset == Charset::kUtf8) {
    if (const std::size_t bad = first_invalid_utf8(s); bad != std::string_view::npos)
      return core::invalid_input("byte " + std::to_string(bad + 1) + " is not valid UTF-8");
    return s;
  }
  if (const std::size_t bad = first_undefined_cp1252(s); bad != std::string_view::npos)
    return core::invalid_input("byte " + std::to_string(bad + 1) + " is not a Windows-1252 character");
  std::string converted;
  append_cp1252_as_utf8(s, converted);
  scratch = std::move(converted);
  return std::string_view(scratch);
}

Result<std::int64_t> parse_amount_cents(std::string_view text) {
  if (text.empty()) return core::invalid_input("amount is empty");
  std::int64_t units = 0;
  std::size_t i = 0;
  std::size_t int_digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i, ++int_digits) {
    if (int_digits >= 13) return core::invalid_input("\"" + std::string(text) + "\" has too many digits");
    units = units * 10 + (text[i] - '0');
  }
  std::int64_t cents = 0;
  std::size_t decimals = 0;
  if (i < text.size() && text[i] == ',') {
    for (++i; i < text.size() && is_digit(text[i]); ++i, ++decimals) {
      if (decimals >= 2) return core::invalid_input("\"" + std::string(text) + "\" has more than 2 decimals");
      cents = cents * 10 + (text[i] - '0');
    }
    if (decimals == 0)
      return core::invalid_input("\"" + std::string(text) + "\" has no digits after the comma");
  }
  if (i != text.size() || int_digits == 0) {
    if (text.find('.') != std::string_view::npos && text.find(',') == std::string_view::npos)
      return core::invalid_input("\"" + std::string(text) +
                                 "\" is not an amount (DATEV uses a decimal comma)");
    if (text.front() == '-' || text.front() == '+')
      return core::invalid_input("\"" + std::string(text) +
                                 "\" has a sign (the Soll/Haben-Kennzeichen carries the direction)");
    return core::invalid_input("\"" + std::string(text) + "\" is not an amount");
  }
  if (decimals == 1) cents *= 10;
  return units * 100 + cents;
}

Result<core::Money> parse_amount_lenient(std::string_view text, core::Currency currency) {
  auto m = core::Money::parse_german(text, currency);
  if (!m) return core::invalid_input("\"" + std::string(text) + "\" is not an amount");
  return m;
}

Result<std::uint64_t> parse_account(std::string_view text) {
  if (!all_digits(text) || text.size() > 9)
    return core::invalid_input("\"" + std::string(text) + "\" is not an account number (1 to 9 digits)");
  std::uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  if (v == 0) return core::invalid_input("account number 0");
  return v;
}

Result<Date> parse_ddmmyyyy(std::string_view text) {
  if (text.size() != 8 || !all_digits(text))
    return core::invalid_input("\"" + std::string(text) + "\" is not a date TTMMJJJJ");
  return make_checked_date(digits_value(text.substr(4, 4)), digits_value(text.substr(2, 2)),
                           digits_value(text.substr(0, 2)), text);
}

Result<Date> parse_ddmmyy(std::string_view text) {
  if (text.size() != 6 || !all_digits(text))
    return core::invalid_input("\"" + std::string(text) + "\" is not a date TTMMJJ");
  return make_checked_date(2000 + digits_value(text.substr(4, 2)), digits_value(text.substr(2, 2)),
                           digits_value(text.substr(0, 2)), text);
}

Result<Date> parse_yyyymmdd(std::string_view text) {
  if (text.size() != 8 || !all_digits(text))
    return core::invalid_input("\"" + std::string(text) + "\" is not a date JJJJMMTT");
  return make_checked_date(digits_value(text.substr(0, 4)), digits_value(text.substr(4, 2)),
                           digits_value(text.substr(6, 2)), text);
}

Result<int> parse_small_int(std::string_view text) {
  if (!all_digits(text) || text.size() > 9)
    return core::invalid_input("\"" + std::string(text) + "\" is not a number");
  return digits_value(text);
}

Result<int> parse_percent_bp(std::string_view text) {
  const auto cents = parse_amount_cents(text);
  if (!cents || *cents > 10000 * 100)
    return core::invalid_input("\"" + std::string(text) + "\" is not a percentage");
  return static_cast<int>(*cents);
}

Result<ResolvedDate> resolve_belegdatum(std::string_view ttmm, const ExtfHeader& header) {
  if (ttmm.size() != 4 || !all_digits(ttmm))
    return core::invalid_input("\"" + std::string(ttmm) + "\" is not a Belegdatum TTMM");
  const int day = digits_value(ttmm.substr(0, 2));
  const int month = digits_value(ttmm.substr(2, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return core::invalid_input("\"" + std::string(ttmm) + "\" is not a day and month");
  auto in = [](const Date& d, const Date& from, const Date& to) { return from <= d && d <= to; };
  if (header.datum_vom && header.datum_bis) {
    for (int y = core::year_of(*header.datum_vom); y <= core::year_of(*header.datum_bis); ++y) {
      const Date d = core::make_date(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
      if (d.ok() && in(d, *header.datum_vom, *header.datum_bis)) return ResolvedDate{d, true};
    }
  }
  if (header.wj_beginn) {
    // The fiscal year runs from WJ-Beginn for twelve months: TTMM before its start month/day
    // belongs to the following calendar year.
    const Date start = *header.wj_beginn;
    const Date end = core::add_days(core::add_months(start, 12), -1);
    for (int y = core::year_of(start); y <= core::year_of(end); ++y) {
      const Date d = core::make_date(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
      if (d.ok() && in(d, start, end)) return ResolvedDate{d, false};
    }
    return core::invalid_input("\"" + std::string(ttmm) + "\" is not a day of the fiscal year from " +
                               core::format_date(start));
  }
  return core::invalid_input("Belegdatum \"" + std::string(ttmm) +
                             "\" cannot be resolved: the header has neither Datum vom/bis nor WJ-Beginn");
}

// ---------------------------------------------------------------------------------------------
// Header

namespace {

// Header field numbers (1-based), DATEV header version 700.
enum HeaderField : int {
  kHKennzeichen = 1,
  kHVersion = 2,
  kHCategory = 3,
  kHFormatName = 4,
  kHFormatVersion = 5,
  kHBerater = 11,
  kHMandant = 12,
  kHWjBeginn = 13,
  kHSachkontenlaenge = 14,
  kHDatumVom = 15,
  kHDatumBis = 16,
  kHBezeichnung = 17,
  kHFestschreibung = 21,
  kHWkz = 22,
  kHSkr = 27,
};

constexpr std::string_view kHeaderNames[] = {"",
                                             "Kennzeichen",
                                             "Versionsnummer",
                                             "Formatkategorie",
                                             "Formatname",
                                             "Formatversion",
                                             "Erzeugt am",
                                             "Importiert",
                                             "Herkunft",
                                             "Exportiert von",
                                             "Importiert von",
                                             "Beraternummer",
                                             "Mandantennummer",
                                             "WJ-Beginn",
                                             "Sachkontenlänge",
                                             "Datum vom",
                                             "Datum bis",
                                             "Bezeichnung",
                                             "Diktatkürzel",
                                             "Buchungstyp",
                                             "Rechnungslegungszweck",
                                             "Festschreibung",
                                             "WKZ",
                                             "reserviert",
                                             "Derivatskennzeichen",
                                             "reserviert",
                                             "reserviert",
                                             "Sachkontenrahmen",
                                             "ID der Branchenlösung",
                                             "reserviert",
                                             "reserviert",
                                             "Anwendungsinformation"};

RowError header_finding(int column, std::string message) {
  return RowError{{}, 1, column, std::string(kHeaderNames[column]), std::move(message)};
}

struct CategoryName {
  int number;
  Category category;
  std::string_view name;
};
constexpr CategoryName kCategories[] = {
    {21, Category::kBuchungsstapel, "Buchungsstapel"},
    {16, Category::kDebitorenKreditoren, "Debitoren/Kreditoren"},
    {20, Category::kOther, "Kontenbeschriftungen"},
    {46, Category::kOther, "Zahlungsbedingungen"},
    {48, Category::kOther, "Diverse Adressen"},
    {65, Category::kOther, "Wiederkehrende Buchungen"},
    {66, Category::kOther, "Natural-Stapel"},
};

}  // namespace

Result<ExtfHeader> parse_header(const Record& record, Charset charset, std::vector<RowError>& findings) {
  ExtfHeader h;
  h.field_count = record.field_count;
  std::string scratch;
  auto text = [&](int column) -> std::string {
    auto t = field_text(record.at(column), charset, scratch);
    return t ? std::string(*t) : std::string();
  };
  h.kennzeichen = text(kHKennzeichen);
  if (h.kennzeichen != "EXTF" && h.kennzeichen != "DTVF")
    return core::invalid_input("not a DATEV-format file: the header starts with \"" +
                               h.kennzeichen.substr(0, 20) + "\", not \"EXTF\" or \"DTVF\"");
  if (!record.at(kHKennzeichen).quoted) findings.push_back(header_finding(kHKennzeichen, "not quoted"));
  auto version = parse_small_int(text(kHVersion));
  if (!version || (*version != 700 && *version != 510))
    return core::invalid_input("header version \"" + text(kHVersion) + "\" is neither 700 nor 510");
  h.version = *version;
  if (h.version != 700)
    findings.push_back(header_finding(kHVersion, "header version 510 (DATEV requires 700)"));
  if (h.version == 700 && record.field_count != 31)
    findings.push_back(header_finding(
        0, "the header has " + std::to_string(record.field_count) + " fields, DATEV's header 700 has 31"));
  auto category = parse_small_int(text(kHCategory));
  if (!category) return core::invalid_input("Formatkategorie \"" + text(kHCategory) + "\" is not a number");
  h.category_number = *category;
  h.format_name = text(kHFormatName);
  const CategoryName* by_number = nullptr;
  const CategoryName* by_name = nullptr;
  for (const auto& c : kCategories) {
    if (c.number == h.category_number) by_number = &c;
    if (c.name == h.format_name) by_name = &c;
  }
  if (by_number) {
    h.category = by_number->category;
    if (!by_name || by_name != by_number)
      findings.push_back(header_finding(kHFormatName, "\"" + h.format_name +
                                                          "\" does not belong to category " +
                                                          std::to_string(h.category_number) + " (\"" +
                                                          std::string(by_number->name) + "\")"));
  } else if (by_name) {
    // Lenient: a wrong number with a known name (seen in real exports) goes by the name.
    h.category = by_name->category;
    findings.push_back(header_finding(kHCategory, "unknown category " + std::to_string(h.category_number) +
                                                      "; read as " + std::to_string(by_name->number) + " (" +
                                                      std::string(by_name->name) + ") by its Formatname"));
  } else {
    findings.push_back(header_finding(kHCategory, "unknown category " + std::to_string(h.category_number)));
  }
  auto fv = parse_small_int(text(kHFormatVersion));
  if (!fv) return core::invalid_input("Formatversion \"" + text(kHFormatVersion) + "\" is not a number");
  h.format_version = *fv;
  h.berater = text(kHBerater);
  h.mandant = text(kHMandant);
  auto header_date = [&](int column, std::optional<Date>& out) {
    const std::string t = text(column);
    if (t.empty()) return;
    auto d = parse_yyyymmdd(t);
    if (d) {
      out = *d;
    } else {
      findings.push_back(header_finding(column, d.error().message));
    }
  };
  header_date(kHWjBeginn, h.wj_beginn);
  header_date(kHDatumVom, h.datum_vom);
  header_date(kHDatumBis, h.datum_bis);
  if (const std::string skl = text(kHSachkontenlaenge); !skl.empty()) {
    auto v = parse_small_int(skl);
    if (v && *v >= 4 && *v <= 8) {
      h.sachkontenlaenge = *v;
    } else {
      findings.push_back(header_finding(kHSachkontenlaenge, "\"" + skl + "\" is not 4 to 8; 4 assumed"));
    }
  }
  h.bezeichnung = text(kHBezeichnung);
  h.festschreibung = text(kHFestschreibung);
  if (const std::string wkz = text(kHWkz); !wkz.empty()) {
    auto c = core::Currency::from_code(wkz);
    if (c) {
      h.currency = *c;
    } else {
      findings.push_back(header_finding(kHWkz, "unknown currency \"" + wkz + "\"; EUR assumed"));
    }
  }
  h.skr = text(kHSkr);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Reader

ExtfReader::~ExtfReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ExtfReader>> ExtfReader::open(const std::string& path) {
  std::unique_ptr<ExtfReader> r(new ExtfReader());
  r->name_ = path;
  r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r->fd_ < 0)
    return Error{core::ErrorKind::kNotFound, std::string("cannot open: ") + std::strerror(errno), path};
#if defined(POSIX_FADV_SEQUENTIAL)
  ::posix_fadvise(r->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  r->capacity_ = kBlockSize;
  r->buffer_.reset(new char[r->capacity_]);
  if (auto st = r->start(); !st) return st.error();
  return r;
}

Result<std::unique_ptr<ExtfReader>> ExtfReader::from_bytes(std::string_view bytes, std::string name) {
  std::unique_ptr<ExtfReader> r(new ExtfReader());
  r->name_ = std::move(name);
  r->from_memory_ = true;
  r->memory_ = bytes;
  r->end_ = bytes.size();
  r->eof_ = true;
  if (auto st = r->start(); !st) return st.error();
  return r;
}

bool ExtfReader::refill() {
  if (eof_ || from_memory_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {
    if (capacity_ >= kMaxLineLength) {
      error_ = core::invalid_input("a line longer than " + std::to_string(kMaxLineLength >> 20) +
                                   " MiB: not a DATEV-format file");
      error_->context = name_;
      eof_ = true;
      return false;
    }
    std::unique_ptr<char[]> bigger(new char[capacity_ * 2]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ *= 2;
  }
  for (;;) {
    const ssize_t got = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error_ =
          Error{core::ErrorKind::kUnavailable, std::string("read failed: ") + std::strerror(errno), name_};
      eof_ = true;
      return false;
    }
    if (got == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<std::size_t>(got);
    return true;
  }
}

bool ExtfReader::next_line(std::string_view& line) {
  for (;;) {
    const char* base = from_memory_ ? memory_.data() : buffer_.get();
    const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
    if (nl == nullptr && !eof_) {
      refill();  // more bytes, or eof_ (set also on a read error)
      continue;
    }
    if (nl == nullptr && (begin_ >= end_ || error_)) return false;
    const std::size_t stop = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : end_;
    std::size_t len = stop - begin_;
    if (len > 0 && base[begin_ + len - 1] == '\r') --len;
    line = std::string_view(base + begin_, len);
    begin_ = nl ? stop + 1 : end_;
    ++line_no_;
    return true;
  }
}

core::Status ExtfReader::start() {
  // Sniff on the first block: BOM, line end, and whether BOM-less text is really UTF-8.
  if (!from_memory_) refill();
  if (error_) return *error_;
  const char* base = from_memory_ ? memory_.data() : buffer_.get();
  std::string_view head(base, end_);
  if (head.empty()) return core::invalid_input("the file is empty", name_);
  const CharsetSniff sniff = sniff_charset(head);
  format_.charset = sniff.charset;
  format_.bom = sniff.bom_length > 0;
  begin_ = sniff.bom_length;
  head.remove_prefix(sniff.bom_length);
  const std::size_t first_nl = head.find('\n');
  format_.crlf = first_nl != std::string_view::npos && first_nl > 0 && head[first_nl - 1] == '\r';
  if (!format_.bom) {
    // DATEV reads a file without BOM as Windows-1252. Exports that are UTF-8 anyway (seen in
    // DATEV's own Musterdaten) are read as UTF-8 so names survive; check reports the deviation.
    std::string_view sample = head;
    if (!eof_) {
      const std::size_t last_nl = sample.rfind('\n');
      if (last_nl != std::string_view::npos) sample = sample.substr(0, last_nl);
    }
    if (!is_ascii(sample) && first_invalid_utf8(sample) == std::string_view::npos) {
      format_.charset = Charset::kUtf8;
      format_.utf8_without_bom = true;
    }
  }
  std::string_view line;
  if (!next_line(line)) return core::invalid_input("the file is empty", name_);
  // Delimiter: ';' unless the header has none and has commas (non-conforming exports).
  if (line.find(';') == std::string_view::npos && line.find(',') != std::string_view::npos)
    format_.delimiter = ',';
  bool overflow = false;
  Record rec;
  rec.line = 1;
  rec.field_count = split_fields(line, format_.delimiter, fields_, overflow);
  rec.fields = fields_.data();
  std::vector<RowError> header_findings;
  auto header = parse_header(rec, format_.charset, header_findings);
  if (!header) return header.error().within(name_ + ":1");
  header_ = std::move(header).value();
  for (auto& f : header_findings) {
    f.file = name_;
    findings_.push_back(std::move(f));
  }
  if (format_.delimiter != ';')
    findings_.push_back({name_, 1, 0, {}, "fields are separated by ',' (DATEV uses ';')"});
  if (format_.utf8_without_bom)
    findings_.push_back(
        {name_, 0, 0, {}, "UTF-8 without byte order mark: DATEV reads such a file as Windows-1252"});
  if (!format_.crlf && first_nl != std::string_view::npos)
    findings_.push_back({name_, 1, 0, {}, "lines end in LF (DATEV expects CR LF)"});

  if (!next_line(line)) return core::Ok{};
  rec.line = 2;
  rec.field_count = split_fields(line, format_.delimiter, fields_, overflow);
  const std::string_view first = rec.at(1).raw;
  if (!first.empty() && is_digit(first.front())) {
    // No heading line: line 2 is already data. Keep a copy; the buffer moves on.
    findings_.push_back({name_, 2, 0, {}, "line 2 is a data record, not the heading line"});
    pending_copy_.assign(line);
    pending_ = pending_copy_;
    pending_line_ = 2;
    return core::Ok{};
  }
  heading_count_ = rec.field_count;
  headings_.reserve(rec.field_count);
  std::string scratch;
  for (std::size_t i = 0; i < rec.field_count; ++i) {
    auto t = field_text(fields_[i], format_.charset, scratch);
    headings_.emplace_back(t ? std::string(*t) : std::string());
  }
  return core::Ok{};
}

bool ExtfReader::next(Record& record) {
  std::string_view line;
  for (;;) {
    if (pending_) {
      line = *pending_;
      pending_.reset();
      record.line = pending_line_;
    } else {
      if (!next_line(line)) return false;
      record.line = line_no_;
    }
    if (!line.empty()) break;
  }
  bool overflow = false;
  record.field_count = split_starts(line, format_.delimiter, starts_, overflow);
  record.too_many_fields = overflow;
  record.fields = fields_.data();
  record.data = line.data();
  record.starts = starts_.data();
  record.built.fill(0);
  return true;
}

std::string_view column_name(std::span<const ColumnName> names, int column) {
  for (const auto& c : names)
    if (c.column == column) return c.name;
  return {};
}

}  // namespace mahnwerk::datev

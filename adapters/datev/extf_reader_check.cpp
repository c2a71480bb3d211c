// The strict checks of `datev check`. Field rules are a table over DATEV's column numbers; the
// column names and which columns are text come from the layout the writer uses
// (extf_writer_layout.h), so reading, checking and writing agree on one definition.
#include "adapters/datev/extf_reader_check.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/debitoren.h"
#include "adapters/datev/extf_writer_layout.h"
#include "adapters/datev/xml_reader.h"

namespace mahnwerk::datev {
namespace {

enum class Rule {
  kAmount,        // \d{1,10},\d{2}, not zero (required)
  kOptAmount,     // the same when filled
  kSollHaben,     // S | H
  kCurrency,      // ISO 4217 when filled
  kKurs,          // [1-9]\d{0,3},\d{2,6} when filled
  kAccount,       // 1..9 digits, not zero (required)
  kBuSchluessel,  // 1..4 digits when filled
  kBelegdatum,    // TTMM inside the batch period (required)
  kBelegfeld1,    // <= 36 of A-Z a-z 0-9 $ & % * + - /
  kMax12,         // text of at most 12 characters
  kMax60,         // text of at most 60 characters
  kFlag,          // 0 | 1 when filled
  kTwoDigits,     // 1..2 digits when filled
  kDate,          // TTMMJJJJ when filled
};

struct ColumnRule {
  int column;
  Rule rule;
};

constexpr ColumnRule kBuchungsstapelRules[] = {
    {bs::kUmsatz, Rule::kAmount},
    {bs::kSollHaben, Rule::kSollHaben},
    {bs::kWkzUmsatz, Rule::kCurrency},
    {4, Rule::kKurs},
    {5, Rule::kOptAmount},
    {6, Rule::kCurrency},
    {bs::kKonto, Rule::kAccount},
    {bs::kGegenkonto, Rule::kAccount},
    {bs::kBuSchluessel, Rule::kBuSchluessel},
    {bs::kBelegdatum, Rule::kBelegdatum},
    {bs::kBelegfeld1, Rule::kBelegfeld1},
    {bs::kBelegfeld2, Rule::kMax12},
    {bs::kSkonto, Rule::kOptAmount},
    {bs::kBuchungstext, Rule::kMax60},
    {bs::kPostensperre, Rule::kFlag},
    {bs::kSachverhalt, Rule::kTwoDigits},
    {bs::kZinssperre, Rule::kFlag},
    {bs::kPostensperreBis, Rule::kDate},
    {114, Rule::kFlag},
    {115, Rule::kDate},
    {116, Rule::kDate},
    {bs::kFaelligkeit, Rule::kDate},
    {bs::kGeneralumkehr, Rule::kFlag},
};

constexpr std::size_t kMaxBookingsPerFile = 99999;  // DATEV's limit per Buchungsstapel file

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool digits(std::string_view s, std::size_t min, std::size_t max) {
  return s.size() >= min && s.size() <= max && std::all_of(s.begin(), s.end(), is_digit);
}
// \d{a,b},\d{c,d}
bool decimal(std::string_view s, std::size_t int_min, std::size_t int_max, std::size_t dec_min,
             std::size_t dec_max) {
  const std::size_t comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  return digits(s.substr(0, comma), int_min, int_max) && digits(s.substr(comma + 1), dec_min, dec_max);
}
bool belegfeld1_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
         std::string_view("$&%*+-/").find(c) != std::string_view::npos;
}
// Characters, not bytes, for length limits (UTF-8 continuation bytes do not count).
std::size_t characters(std::string_view utf8) {
  return static_cast<std::size_t>(std::count_if(
      utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class Checker {
 public:
  explicit Checker(std::string path) : path_(std::move(path)) {}

  std::vector<RowError> run() {
    std::ifstream probe(path_, std::ios::binary);
    char head[256] = {};
    probe.read(head, sizeof head);
    if (probe.gcount() > 0 &&
        looks_like_xml(std::string_view(head, static_cast<std::size_t>(probe.gcount())))) {
      check_xml();
    } else {
      check_extf();
    }
    if (dropped_ > 0)
      out_.push_back({path_, 0, 0, {}, "... and " + std::to_string(dropped_) + " more problem(s)"});
    return std::move(out_);
  }

 private:
  void add(RowError e) {
    if (out_.size() < kMaxProblemsPerFile) {
      out_.push_back(std::move(e));
    } else {
      ++dropped_;
    }
  }
  void add(std::size_t line, int column, std::string_view field, std::string message) {
    add(RowError{path_, line, column, std::string(field), std::move(message)});
  }

  void check_extf() {
    auto opened = ExtfReader::open(path_);
    if (!opened) {
      add(0, 0, {}, opened.error().message);
      return;
    }
    ExtfReader& reader = **opened;
    for (const auto& f : reader.findings()) add(f);
    const ExtfHeader& h = reader.header();
    if (h.category == Category::kBuchungsstapel && h.festschreibung.empty())
      add(1, 21, "Festschreibung", "empty: DATEV locks (festschreiben) the imported batch");
    if (h.category == Category::kBuchungsstapel) {
      check_bookings(reader);
    } else if (h.category == Category::kDebitorenKreditoren) {
      check_debtors(reader);
    } else {
      add(1, 3, "Formatkategorie",
          "category " + std::to_string(h.category_number) + " is not checked by mahnwerk");
    }
    if (reader.error()) add(0, 0, {}, reader.error()->message);
  }

  void check_bookings(ExtfReader& reader) {
    const ExtfHeader& h = reader.header();
    const int by_version = buchungsstapel_columns(h.format_version);
    if (by_version == 0) {
      add(1, 5, "Formatversion",
          "Buchungsstapel format version " + std::to_string(h.format_version) + " is unknown (7 to 13)");
    } else if (reader.heading_field_count() != 0 &&
               reader.heading_field_count() != static_cast<std::size_t>(by_version)) {
      add(2, 0, {},
          "the heading line has " + std::to_string(reader.heading_field_count()) +
              " columns; format version " + std::to_string(h.format_version) + " has " +
              std::to_string(by_version));
    }
    if (!h.datum_vom || !h.datum_bis) add(1, 15, "Datum vom", "the batch period (Datum vom/bis) is missing");
    const std::size_t expected = expected_booking_fields(reader);
    Record rec;
    std::size_t rows = 0;
    std::string scratch;
    while (reader.next(rec)) {
      ++rows;
      if (rec.field_count != expected || rec.too_many_fields)
        add(rec.line, 0, {},
            "the record has " + std::to_string(rec.field_count) + " fields, expected " +
                std::to_string(expected));
      const std::size_t columns = std::min<std::size_t>(rec.field_count, kBuchungsstapelColumns.size());
      for (std::size_t i = 0; i < columns; ++i) {
        const int column = static_cast<int>(i + 1);
        const Column& layout = kBuchungsstapelColumns[i];
        const Field& f = rec.at(column);
        if (f.bad_quote) {
          add(rec.line, column, layout.heading, "unbalanced quote");
          continue;
        }
        // DATEV's own sample leaves digit-only text (Funktionsergänzung L+L) unquoted.
        if (layout.text && !f.quoted && !f.raw.empty() && !digits(f.raw, 1, f.raw.size()))
          add(rec.line, column, layout.heading, "text is not in quotes");
        if (!layout.text && f.quoted && !f.raw.empty())
          add(rec.line, column, layout.heading, "a number in quotes");
        auto text = field_text(f, reader.format().charset, scratch);
        if (!text) add(rec.line, column, layout.heading, text.error().message);
      }
      for (const ColumnRule& r : kBuchungsstapelRules) {
        const Field& f = rec.at(r.column);
        if (f.bad_quote) continue;
        auto text = field_text(f, reader.format().charset, scratch);
        if (!text) continue;
        if (auto message = violation(r.rule, *text, h); !message.empty())
          add(rec.line, r.column, kBuchungsstapelColumns[static_cast<std::size_t>(r.column - 1)].heading,
              message);
      }
    }
    if (rows > kMaxBookingsPerFile)
      add(0, 0, {}, std::to_string(rows) + " bookings: DATEV takes at most 99,999 per file");
  }

  // The message for a field that breaks its rule; empty when it is fine.
  static std::string violation(Rule rule, std::string_view v, const ExtfHeader& h) {
    const std::string quoted = "\"" + std::string(v) + "\"";
    switch (rule) {
      case Rule::kAmount:
        if (v.empty()) return "missing";
        [[fallthrough]];
      case Rule::kOptAmount:
        if (v.empty()) return {};
        if (!decimal(v, 1, 10, 2, 2)) return quoted + " is not an amount with two decimals (1234,50)";
        if (v.find_first_not_of("0,") == std::string_view::npos) return "amount is zero";
        return {};
      case Rule::kSollHaben:
        return v == "S" || v == "H" ? std::string() : quoted + " is neither S nor H";
      case Rule::kCurrency:
        return v.empty() || core::Currency::from_code(v) ? std::string()
                                                         : quoted + " is not an ISO 4217 currency";
      case Rule::kKurs:
        // DATEV's regex wants a leading 1-9, its own sample writes 0,830000: any non-zero rate.
        return v.empty() || (decimal(v, 1, 4, 2, 6) && v.find_first_not_of("0,") != std::string_view::npos)
                   ? std::string()
                   : quoted + " is not an exchange rate (1,234567)";
      case Rule::kAccount: {
        if (v.empty()) return "missing";
        auto a = parse_account(v);
        return a ? std::string() : a.error().message;
      }
      case Rule::kBuSchluessel:
        return v.empty() || digits(v, 1, 4) ? std::string()
                                            : quoted + " is not a BU-Schlüssel (1 to 4 digits)";
      case Rule::kBelegdatum: {
        auto d = resolve_belegdatum(v, h);
        if (!d) return d.error().message;
        if (!d->in_period && h.datum_vom && h.datum_bis)
          return quoted + " lies outside the batch period " + core::format_date(*h.datum_vom) + " .. " +
                 core::format_date(*h.datum_bis);
        return {};
      }
      case Rule::kBelegfeld1:
        if (v.size() > 36) return quoted + " is longer than 36 characters";
        if (!std::all_of(v.begin(), v.end(), belegfeld1_char))
          return quoted + " has characters outside A-Z a-z 0-9 $ & % * + - /";
        return {};
      case Rule::kMax12:
        return characters(v) <= 12 ? std::string() : quoted + " is longer than 12 characters";
      case Rule::kMax60:
        return characters(v) <= 60 ? std::string() : "longer than 60 characters";
      case Rule::kFlag:
        return v.empty() || v == "0" || v == "1" ? std::string() : quoted + " is neither 0 nor 1";
      case Rule::kTwoDigits:
        return v.empty() || digits(v, 1, 2) ? std::string() : quoted + " is not a two-digit code";
      case Rule::kDate: {
        if (v.empty()) return {};
        auto d = parse_ddmmyyyy(v);
        return d ? std::string() : d.error().message;
      }
    }
    return {};
  }

  void check_debtors(ExtfReader& reader) {
    if (reader.header().format_version != 5)
      add(1, 5, "Formatversion",
          "Debitoren/Kreditoren format version " + std::to_string(reader.header().format_version) +
              " (DATEV requires 5, 254 columns)");
    auto counts = read_debtors(
        reader, [](DebtorRecord) {}, [this](RowError e) { add(std::move(e)); });
    if (!counts) add(0, 0, {}, counts.error().message);
  }

  void check_xml() {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    if (bytes.find("LedgerImport") == std::string::npos && bytes.find("archive") != std::string::npos) {
      auto files = read_document_xml(bytes, path_);
      if (!files) add(0, 0, {}, files.error().to_string());
      return;
    }
    auto counts = read_ledger_xml(
        bytes, path_,
        [this](const LedgerRow& row) {
          const Rule rule = Rule::kBelegfeld1;
          if (auto m = violation(rule, row.invoice_id, ExtfHeader{}); !m.empty())
            add(row.line, 0, "invoiceId", m);
          if (row.bp_account < 10000 || row.bp_account > 699999999)
            add(row.line, 0, "bpAccountNo",
                std::to_string(row.bp_account) + " is not a debitor (10000 .. 699999999)");
        },
        [this](RowError e) { add(std::move(e)); });
    if (!counts) add(0, 0, {}, counts.error().to_string());
  }

  std::string path_;
  std::vector<RowError> out_;
  std::size_t dropped_ = 0;
};

}  // namespace

std::vector<RowError> check_file(const std::string& path) { return Checker(path).run(); }

}  // namespace mahnwerk::datev

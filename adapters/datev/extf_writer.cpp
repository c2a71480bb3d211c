// EXTF Buchungsstapel writer. The layout (headings, text or number per column) is the one of
// DATEV's own sample file (extf_writer_layout.cpp); the header follows the same sample.
#include "adapters/datev/extf_writer.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "adapters/datev/extf_writer_layout.h"

namespace mahnwerk::datev {
namespace {

constexpr std::size_t kBuchungstextMax = 60;
constexpr std::size_t kBelegfeld2Max = 12;
constexpr std::size_t kZusatzInhaltMax = 210;

bool all_digits(std::string_view s, std::size_t min_len, std::size_t max_len) {
  return s.size() >= min_len && s.size() <= max_len &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string yyyymmdd(const core::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", core::year_of(d), core::month_of(d), core::day_of(d));
  return buf;
}

std::string created_stamp(std::chrono::sys_time<std::chrono::milliseconds> t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%02d%02d%02d%03d", yyyymmdd(core::Date{day}).c_str(),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

core::Status check_booking(const Posting& b, const WriteHeader& header, std::size_t index) {
  const std::string where =
      "booking " + std::to_string(index + 1) + (b.record.empty() ? "" : " (" + b.record + ")");
  if (!b.amount.is_positive())
    return core::invalid_input("amount must be positive, got " + b.amount.to_string(), where);
  if (b.amount.currency().code() != header.currency) {
    return core::invalid_input(
        "amount in " + std::string(b.amount.currency().code()) + ", the file is in " + header.currency,
        where);
  }
  if (!all_digits(b.account, 1, 9))
    return core::invalid_input("Konto must be 1 to 9 digits: \"" + b.account + "\"", where);
  if (!all_digits(b.contra_account, 1, 9)) {
    return core::invalid_input("Gegenkonto must be 1 to 9 digits: \"" + b.contra_account + "\"", where);
  }
  if (b.belegfeld1.empty()) return core::invalid_input("Belegfeld 1 is empty", where);
  if (b.skonto && (!b.skonto->is_positive() || b.skonto->currency().code() != b.amount.currency().code())) {
    return core::invalid_input("Skonto must be positive and in the booking's currency", where);
  }
  if (b.sachverhalt != 0 && b.sachverhalt != kSachverhaltMahnzins &&
      b.sachverhalt != kSachverhaltMahngebuehr) {
    return core::invalid_input("Sachverhalt must be 31 or 40, got " + std::to_string(b.sachverhalt), where);
  }
  return core::Ok{};
}

void append_booking(std::string& out, const Posting& b, ChangeLog& log) {
  log.set_record(b.record.empty() ? b.belegfeld1 : b.record);
  Row<125> row(kBuchungsstapelColumns);
  row.set(bs_col::kUmsatz, format_amount(b.amount));
  row.set(bs_col::kSollHaben, b.debit ? "S" : "H");
  row.set(bs_col::kWkzUmsatz, std::string(b.amount.currency().code()));
  row.set(bs_col::kKonto, b.account);
  row.set(bs_col::kGegenkonto, b.contra_account);
  row.set(bs_col::kBelegdatum, format_ttmm(b.date));
  row.set(bs_col::kBelegfeld1, belegfeld1(b.belegfeld1, log));
  row.set(bs_col::kBelegfeld2, to_cp1252(b.belegfeld2, "Belegfeld 2", kBelegfeld2Max, log));
  row.set(bs_col::kBuchungstext, to_cp1252(b.text, "Buchungstext", kBuchungstextMax, log));
  if (b.skonto) row.set(bs_col::kSkonto, format_amount(*b.skonto));
  if (b.item_block) row.set(bs_col::kPostensperre, "1");
  if (b.item_block_until) row.set(bs_col::kPostensperreBis, format_ttmmjjjj(*b.item_block_until));
  if (b.sachverhalt != 0) row.set(bs_col::kSachverhalt, std::to_string(b.sachverhalt));
  if (b.interest_block) row.set(bs_col::kZinssperre, "1");
  if (!b.key.empty()) {
    row.set(bs_col::kZusatzArt1, "mahnwerk");
    row.set(bs_col::kZusatzInhalt1, to_cp1252(b.key, "Zusatzinformation- Inhalt 1", kZusatzInhaltMax, log));
  }
  row.set(bs_col::kFestschreibung, "0");
  row.set(bs_col::kLeistungsdatum, format_ttmmjjjj(b.date));
  if (b.due_date) row.set(bs_col::kFaelligkeit, format_ttmmjjjj(*b.due_date));
  row.append_to(out);
}

}  // namespace

core::Date fiscal_year_start(const core::Date& date, unsigned start_month) {
  int year = core::year_of(date);
  if (core::month_of(date) < start_month) --year;
  return core::make_date(year, start_month, 1);
}

bool valid_stem(std::string_view stem) {
  return !stem.empty() && stem.size() <= 64 && std::all_of(stem.begin(), stem.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
  });
}

core::Status check_header(const WriteHeader& h) {
  if (h.berater < 1001 || h.berater > 9999999) {
    return core::invalid_input("Beraternummer must be 1001..9999999, got " + std::to_string(h.berater),
                               "header");
  }
  if (h.mandant < 1 || h.mandant > 99999) {
    return core::invalid_input("Mandantennummer must be 1..99999, got " + std::to_string(h.mandant),
                               "header");
  }
  if (h.fiscal_year_start_month < 1 || h.fiscal_year_start_month > 12) {
    return core::invalid_input("WJ-Beginn month must be 1..12", "header");
  }
  if (h.account_length < 4 || h.account_length > 9) {
    return core::invalid_input("Sachkontenlänge must be 4..9, got " + std::to_string(h.account_length),
                               "header");
  }
  if (h.skr != "" && h.skr != "03" && h.skr != "04")
    return core::invalid_input("SKR must be 03 or 04", "header");
  if (h.currency.size() != 3) return core::invalid_input("WKZ must be an ISO 4217 code", "header");
  return core::Ok{};
}

std::string extf_header_line(const WriteHeader& h, int category, std::optional<core::Date> from,
                             std::optional<core::Date> to) {
  std::vector<TextChange> unused;
  ChangeLog log(unused);
  const bool bookings = category == 21;
  std::string out = "\"EXTF\";700;" + std::to_string(category) + ";";
  append_quoted(out, bookings ? "Buchungsstapel" : "Debitoren/Kreditoren");
  out += bookings ? ";13;" : ";5;";
  out += created_stamp(h.created) + ";;\"RE\";\"mahnwerk\";\"\";";
  out += std::to_string(h.berater) + ";" + std::to_string(h.mandant) + ";";
  const core::Date wj = fiscal_year_start(
      from.value_or(core::Date{std::chrono::floor<std::chrono::days>(h.created)}), h.fiscal_year_start_month);
  out += yyyymmdd(wj) + ";" + std::to_string(h.account_length) + ";";
  out += (from ? yyyymmdd(*from) : "") + ";" + (to ? yyyymmdd(*to) : "") + ";";
  append_quoted(out, to_cp1252(bookings ? h.description : "", "Bezeichnung", 30, log));
  out += ';';
  append_quoted(out, to_cp1252(h.dictation, "Diktatkürzel", 2, log));
  // Buchungstyp 1 (Finanzbuchführung), Rechnungslegungszweck 0, Festschreibung 0: the
  // postings stay editable in DATEV until the office reviews and commits them.
  out += bookings ? ";1;0;0;" : ";;;;";
  append_quoted(out, bookings ? h.currency : "");
  out += ";;\"\";;;";
  append_quoted(out, h.skr);
  out += ";;;\"\";\"\"";
  return out;
}

core::Result<ExtfWrite> write_buchungsstapel(const WriteHeader& header, std::span<const Posting> postings,
                                             std::string_view stem, std::size_t max_rows) {
  if (auto s = check_header(header); !s) return s.error();
  if (!valid_stem(stem))
    return core::invalid_input("file name stem must be 1..64 of A-Z a-z 0-9 - _", std::string(stem));
  if (max_rows < 1 || max_rows > kMaxRowsPerFile)
    return core::Error{core::ErrorKind::kInternal, "max_rows out of range", {}};
  for (std::size_t i = 0; i < postings.size(); ++i) {
    if (auto s = check_booking(postings[i], header, i); !s) return s.error();
  }
  // Fiscal year start (as a day number) -> indexes of its postings, in input order.
  std::map<int, std::vector<std::size_t>> by_year;
  for (std::size_t i = 0; i < postings.size(); ++i) {
    by_year[core::day_number(fiscal_year_start(postings[i].date, header.fiscal_year_start_month))].push_back(
        i);
  }
  ExtfWrite result;
  ChangeLog log(result.changes);
  for (const auto& [year_start, indexes] : by_year) {
    for (std::size_t first = 0; first < indexes.size(); first += max_rows) {
      const std::size_t last = std::min(indexes.size(), first + max_rows);
      core::Date from = postings[indexes[first]].date;
      core::Date to = from;
      for (std::size_t k = first; k < last; ++k) {
        from = std::min(from, postings[indexes[k]].date);
        to = std::max(to, postings[indexes[k]].date);
      }
      ExtfFile file;
      char name[128];
      std::snprintf(name, sizeof name, "EXTF_Buchungsstapel_%.*s_%03zu.csv", static_cast<int>(stem.size()),
                    stem.data(), result.files.size() + 1);
      file.name = name;
      file.bytes = extf_header_line(header, 21, from, to) + "\r\n";
      append_heading_line(file.bytes, kBuchungsstapelColumns);
      for (std::size_t k = first; k < last; ++k) {
        append_booking(file.bytes, postings[indexes[k]], log);
        file.keys.push_back(postings[indexes[k]].key);
      }
      file.rows = last - first;
      result.files.push_back(std::move(file));
    }
    (void)year_start;
  }
  return result;
}

}  // namespace mahnwerk::datev

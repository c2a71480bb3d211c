// Category-16 writer. The columns and their quoting are DATEV's sample layout
// (extf_writer_layout.cpp); values DATEV limits in length are cut and reported.
#include "adapters/datev/debtor_writer.h"

#include <algorithm>
#include <array>

#include "adapters/datev/extf_writer_layout.h"

namespace mahnwerk::datev {
namespace {

struct LanguageCode {
  std::string_view language;
  std::string_view datev;
};
constexpr std::array<LanguageCode, 5> kLanguages = {
    {{"de", "1"}, {"fr", "4"}, {"en", "5"}, {"es", "10"}, {"it", "19"}}};

// Field lengths of the Debitoren/Kreditoren format (DATEV Formatbeschreibung, version 5).
constexpr std::size_t kNameMax = 50;
constexpr std::size_t kPersonNameMax = 30;
constexpr std::size_t kShortNameMax = 15;
constexpr std::size_t kStreetMax = 36;
constexpr std::size_t kZipMax = 10;
constexpr std::size_t kCityMax = 30;
constexpr std::size_t kEmailMax = 60;

core::Status check_lock(const DebtorLock& lock, const WriteHeader& header, std::size_t index) {
  const std::string where = "debtor " + std::to_string(index + 1) + " (" + lock.debtor.id + ")";
  const std::string& id = lock.debtor.id;
  const bool digits = std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || id.size() != static_cast<std::size_t>(header.account_length) + 1) {
    return core::invalid_input("a Personenkonto has " + std::to_string(header.account_length + 1) +
                                   " digits (Sachkontenlänge + 1), got \"" + id + "\"",
                               where);
  }
  if (lock.debtor.name.empty()) return core::invalid_input("name is empty", where);
  if (lock.payment_terms && (*lock.payment_terms < 0 || *lock.payment_terms > 999)) {
    return core::invalid_input("Fälligkeit in Tagen must be 0..999", where);
  }
  return core::Ok{};
}

void append_record(std::string& out, const DebtorLock& lock, ChangeLog& log) {
  const core::Debtor& d = lock.debtor;
  log.set_record("debtor " + d.id);
  Row<254> row(kDebitorenColumns);
  row.set(dk_col::kKonto, d.id);
  if (d.kind == core::DebtorKind::kConsumer) {
    const std::size_t space = d.name.rfind(' ');
    const std::string first = space == std::string::npos ? "" : d.name.substr(0, space);
    const std::string last = space == std::string::npos ? d.name : d.name.substr(space + 1);
    row.set(dk_col::kNameNatPerson,
            to_cp1252(last, "Name (Adressattyp natürl. Person)", kPersonNameMax, log));
    row.set(dk_col::kVornameNatPerson,
            to_cp1252(first, "Vorname (Adressattyp natürl. Person)", kPersonNameMax, log));
    row.set(dk_col::kAdressattyp, "1");
  } else {
    row.set(dk_col::kNameUnternehmen, to_cp1252(d.name, "Name (Adressattyp Unternehmen)", kNameMax, log));
    row.set(dk_col::kAdressattyp, "2");
  }
  std::vector<TextChange> quiet;  // the short name is a cut of the name by definition
  ChangeLog quiet_log(quiet);
  row.set(dk_col::kKurzbezeichnung, to_cp1252(d.name, "Kurzbezeichnung", kShortNameMax, quiet_log));
  if (!d.address.street.empty() || !d.address.city.empty()) row.set(dk_col::kAdressart, "STR");
  row.set(dk_col::kStrasse, to_cp1252(d.address.street, "Straße", kStreetMax, log));
  row.set(dk_col::kPostleitzahl, to_cp1252(d.address.zip, "Postleitzahl", kZipMax, log));
  row.set(dk_col::kOrt, to_cp1252(d.address.city, "Ort", kCityMax, log));
  row.set(dk_col::kLand, to_cp1252(d.address.country, "Land", 2, log));
  row.set(dk_col::kEmail, to_cp1252(d.email, "E-Mail", kEmailMax, log));
  row.set(dk_col::kSprache, std::string(datev_language(d.language)));
  row.set(dk_col::kInsolvent, d.insolvent ? "1" : "0");
  if (lock.until) row.set(dk_col::kMahnsperreBis, format_ttmmjjjj(*lock.until));
  if (lock.payment_terms) row.set(dk_col::kFaelligkeitTage, std::to_string(*lock.payment_terms));
  for (const auto& [column, value] : lock.dunning_columns) {
    if (is_dunning_column(column)) row.set(column, to_cp1252(value, debitoren_field_name(column), 0, log));
  }
  row.append_to(out);
}

}  // namespace

std::string_view datev_language(std::string_view language) {
  for (const LanguageCode& l : kLanguages) {
    if (l.language == language) return l.datev;
  }
  return "";
}

core::Result<ExtfWrite> write_debitoren(const WriteHeader& header, std::span<const DebtorLock> locks,
                                        std::string_view stem) {
  if (auto s = check_header(header); !s) return s.error();
  if (!valid_stem(stem)) {
    return core::invalid_input("file name stem must be 1..64 of A-Z a-z 0-9 - _", std::string(stem));
  }
  for (std::size_t i = 0; i < locks.size(); ++i) {
    if (auto s = check_lock(locks[i], header, i); !s) return s.error();
  }
  ExtfWrite result;
  ChangeLog log(result.changes);
  ExtfFile file;
  file.name = "EXTF_Debitoren_" + std::string(stem) + ".csv";
  file.bytes = extf_header_line(header, 16, std::nullopt, std::nullopt) + "\r\n";
  append_heading_line(file.bytes, kDebitorenColumns);
  for (const DebtorLock& lock : locks) {
    append_record(file.bytes, lock, log);
    file.keys.push_back(lock.key);
  }
  file.rows = locks.size();
  result.files.push_back(std::move(file));
  return result;
}

}  // namespace mahnwerk::datev

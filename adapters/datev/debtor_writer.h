// Debtor locks back to DATEV as category-16 records (Debitoren/Kreditoren, version 5, 254
// columns): "Mahnsperre bis" for a debtor in a payment plan or a dispute. DATEV's import
// replaces a debtor's master data with the record, so every record is written in full — name,
// addressee type, address, e-mail, language, insolvency — never as a bare lock.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/datev/debitoren.h"
#include "adapters/datev/extf_writer.h"
#include "connector/core/model.h"

namespace mahnwerk::datev {

struct DebtorLock {
  core::Debtor debtor;               // id = the Personenkonto (digits); the master data written in full
  std::optional<core::Date> until;   // Mahnsperre bis (none: a master record without lock)
  std::string key;                   // idempotency key (reported in the write, not in the file)
  std::optional<int> payment_terms;  // Fälligkeit in Tagen (Debitor), 0..999
  // The debtor's OPOS dunning columns as the pull read them (DebtorRecord::dunning_columns):
  // written back unchanged, so a lock does not clear the debtor's Mahnung, Zinsberechnung,
  // Mahnzins, Mahngebühr, Verzugspauschale or Mahnfristen in DATEV. Other columns are ignored.
  std::vector<std::pair<int, std::string>> dunning_columns;
};

// The DATEV Sprache code of a language ("de" 1, "en" 5, "fr" 4, "it" 19, "es" 10); "" for others.
std::string_view datev_language(std::string_view language);

// Writes `locks` as one Debitoren/Kreditoren file, EXTF_Debitoren_<stem>.csv (header 700,
// category 16, version 5, Windows-1252, CRLF). Names: a business or public debtor goes to
// "Name (Adressattyp Unternehmen)" with Adressattyp 2; a consumer is split at the last space into
// Vorname and Name (natürliche Person), Adressattyp 1. Text changes are reported as in
// write_buchungsstapel. Errors (kInvalidInput, context "debtor N (id)"): an account that is not
// the header's Sachkontenlänge + 1 digits (a Personenkonto), an empty name; a bad header or stem.
core::Result<ExtfWrite> write_debitoren(const WriteHeader& header, std::span<const DebtorLock> locks,
                                        std::string_view stem);

}  // namespace mahnwerk::datev

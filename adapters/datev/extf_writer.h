// The EXTF Buchungsstapel writer: bookings as DATEV imports them — header 700, category 21,
// format version 13, exactly 125 fields per row, CRLF, Windows-1252, texts quoted with doubled
// quotes, Festschreibung 0, at most 99,999 rows per file, file names starting with EXTF_.
// Used for the write-back of Mahngebühren (Sachverhalt 40) and Mahnzinsen (Sachverhalt 31).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/extf_writer_text.h"
#include "connector/core/date.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::datev {

// DATEV's limit of rows per Buchungsstapel file.
inline constexpr std::size_t kMaxRowsPerFile = 99'999;

// Sachverhalt (column 18) of OPOS bookings: kSachverhaltMahnzins (31), kSachverhaltMahngebuehr
// (40), shared with the reader (buchungsstapel.h).

// The header fields the writers fill, identifying the Mandant (from the tenant's DATEV settings).
struct WriteHeader {
  int berater = 0;                       // Beraternummer, 1001..9999999
  int mandant = 0;                       // Mandantennummer, 1..99999
  unsigned fiscal_year_start_month = 1;  // WJ-Beginn: the month the fiscal year starts (1..12)
  int account_length = 4;                // Sachkontenlänge, 4..9
  std::string skr;                       // "03" | "04" | "" (Sachkontenrahmen)
  std::string description;               // Bezeichnung (UTF-8, cut to 30 characters)
  std::string dictation;                 // Diktatkürzel (up to 2 characters)
  std::string currency = "EUR";          // WKZ
  std::chrono::sys_time<std::chrono::milliseconds> created{};  // Erzeugt am, from the Clock
};

// One booking row to write (the reader's Booking is what a read row yields).
struct Posting {
  core::Money amount;                          // > 0
  bool debit = true;                           // Soll/Haben-Kennzeichen of `account`: S (true) or H
  std::string account;                         // Konto (digits): the debitor for write-backs
  std::string contra_account;                  // Gegenkonto (digits): the revenue account
  core::Date date;                             // Belegdatum
  std::string belegfeld1;                      // UTF-8; written within DATEV's charset, at most 36 characters
  std::string belegfeld2;                      // at most 12 characters
  std::string text;                            // Buchungstext (UTF-8, at most 60 characters)
  int sachverhalt = 0;                         // 0, kSachverhaltMahnzins or kSachverhaltMahngebuehr
  std::optional<core::Money> skonto;           // Skonto taken with a payment (> 0), same currency
  bool item_block = false;                     // Postensperre: no dunning, no payment run
  std::optional<core::Date> item_block_until;  // Postensperre bis
  bool interest_block = false;                 // Zinssperre
  std::optional<core::Date> due_date;          // Fälligkeit
  std::string key;     // idempotency key; written as Zusatzinformation "mahnwerk" (at most 210)
  std::string record;  // names the booking in reports ("RE-2025-0101 fee level 1")
};

struct ExtfFile {
  std::string name;   // "EXTF_Buchungsstapel_<stem>_<nnn>.csv"
  std::string bytes;  // the whole file, Windows-1252, CRLF
  std::size_t rows = 0;
  std::vector<std::string> keys;  // the bookings' keys, in row order
};

struct ExtfWrite {
  std::vector<ExtfFile> files;
  std::vector<TextChange> changes;  // every transliteration, replacement and cut
};

// Writes `bookings` as Buchungsstapel files. Bookings of different fiscal years go to different
// files (a Stapel's period, Datum vom/bis, lies within one fiscal year); each file holds at most
// `max_rows` rows; the order of `bookings` is kept within each fiscal year. `stem` (letters,
// digits, '-' and '_') makes the names unique: EXTF_Buchungsstapel_<stem>_001.csv, _002, ...
// Errors (kInvalidInput, context "booking N (record)"): amount not positive or not in the
// header's currency, account or contra account not 1..9 digits, empty Belegfeld 1, Sachverhalt
// other than 0/31/40, a bad header (Berater, Mandant, WJ month, account length), a bad stem.
// REQUIRES: 1 <= max_rows <= kMaxRowsPerFile.
core::Result<ExtfWrite> write_buchungsstapel(const WriteHeader& header, std::span<const Posting> postings,
                                             std::string_view stem, std::size_t max_rows = kMaxRowsPerFile);

// The 31-field header line (without CRLF) of a file of category 21/version 13 or 16/version 5,
// for the period [from, to] (category 21 only; empty dates for 16).
std::string extf_header_line(const WriteHeader& header, int category, std::optional<core::Date> from,
                             std::optional<core::Date> to);

// The first day of the fiscal year containing `date`.
core::Date fiscal_year_start(const core::Date& date, unsigned start_month);

// Checks shared by the writers: kInvalidInput naming the field.
core::Status check_header(const WriteHeader& header);
bool valid_stem(std::string_view stem);

}  // namespace mahnwerk::datev

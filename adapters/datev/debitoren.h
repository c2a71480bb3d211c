// Debitoren/Kreditoren master data (category 16, format version 5 with 254 columns; older
// versions leniently by position): the debtor for letters and law, and the debtor's own dunning
// settings from DATEV's OPOS master data, mapped onto a policy.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/extf_reader.h"
#include "connector/core/model.h"
#include "connector/core/money.h"
#include "connector/core/policy.h"

namespace mahnwerk::datev {

// Column numbers (1-based) of the Debitoren/Kreditoren layout, version 5.
namespace dk {
inline constexpr int kKonto = 1;
inline constexpr int kNameUnternehmen = 2;
inline constexpr int kNameNatPerson = 4;
inline constexpr int kVornameNatPerson = 5;
inline constexpr int kNameKeineAngabe = 6;
inline constexpr int kAdressattyp = 7;
inline constexpr int kStrasse = 16;
inline constexpr int kPostleitzahl = 18;
inline constexpr int kOrt = 19;
inline constexpr int kLand = 20;
inline constexpr int kEmail = 33;
inline constexpr int kSprache = 101;
inline constexpr int kFaelligkeitTage = 110;
inline constexpr int kMahnung = 121;
inline constexpr int kMahnlimitBetrag = 127;
inline constexpr int kMahnlimitProzent = 128;
inline constexpr int kZinsberechnung = 129;
inline constexpr int kMahnzinssatz1 = 130;  // .. 132
inline constexpr int kInsolvent = 221;
inline constexpr int kMahnsperreBis = 233;
inline constexpr int kGebuehrenberechnung = 236;
inline constexpr int kMahngebuehr1 = 237;  // .. 239
inline constexpr int kPauschalenberechnung = 240;
inline constexpr int kVerzugspauschale1 = 241;  // .. 243
inline constexpr int kFristberechnung = 250;
inline constexpr int kMahnfrist1 = 251;  // .. 253
inline constexpr int kLetzteFrist = 254;
}  // namespace dk

std::string_view debitoren_field_name(int column);

// DATEV's "MPD-Schlüsselung gilt" (0 or empty: the client-wide setting applies), "own value" (1)
// and "keine Berechnung" (9) for interest, fees and the flat fee.
enum class Calculation { kPolicy, kOwn, kNone };

// The debtor's own dunning settings. Unset members leave the policy as it is. How each maps onto
// core::Policy: see apply_dunning_settings() and docs/datev.md.
struct DunningSettings {
  bool no_dunning = false;                      // Mahnung 9: keine Mahnung
  std::uint8_t level_mask = 0;                  // Mahnung 1..7: bit k = DATEV level k+1 allowed; 0 = policy
  std::optional<core::Money> min_amount;        // Mahnlimit Betrag
  std::optional<int> min_percent_bp;            // Mahnlimit %
  Calculation interest = Calculation::kPolicy;  // Zinsberechnung (2 Staffel = policy)
  std::array<std::optional<int>, 3> interest_rate_bp;         // Mahnzinssatz 1..3 (% p.a.)
  Calculation fee = Calculation::kPolicy;                     // Gebührenberechnung
  std::array<std::optional<core::Money>, 3> fee_amount;       // Mahngebühr 1..3
  Calculation flat_fee = Calculation::kPolicy;                // Pauschalenberechnung
  std::array<std::optional<core::Money>, 3> flat_fee_amount;  // Verzugspauschale 1..3
  bool own_deadlines = false;                                 // Fristberechnung bei Debitor = 1
  std::array<std::optional<int>, 3> deadline_days;            // Mahnfrist 1..3: days after the due date
  std::optional<int> last_deadline_days;                      // Letzte Frist
};

// DunningSettings as one line of text and back, so the state store can keep them between runs
// (sync::DebtorSettings; the DATEV adapter's debtor_policy() reads them back). Only set members
// are written, as "key=value" pairs joined by ";" in a fixed order — "mahnung=9",
// "mask=3", "limit=50.00 EUR", "limit_percent=150" (bp), "interest=own|none", "rate1=1050" (bp),
// "fee=own|none", "fee1=5.00 EUR", "flat_fee=own|none", "flat_fee1=40.00 EUR",
// "deadlines=own", "days1=14", "last_days=10"; "" when every member is unset (the policy applies).
std::string settings_text(const DunningSettings& settings);
// kInvalidInput naming the pair for text settings_text() does not write.
core::Result<DunningSettings> parse_settings_text(std::string_view text);

// One account of the master data file.
struct DebtorRecord {
  core::Debtor debtor;                    // id = the account number
  bool creditor = false;                  // a Kreditor (70000..): read, not a debtor
  std::optional<int> payment_terms_days;  // Fälligkeit in Tagen (Debitor), due date rule 3
  DunningSettings dunning;
  // The OPOS dunning columns exactly as read (#121 Mahnung .. #132 Mahnzinssatz 3, #236
  // Gebührenberechnung .. #254 Letzte Frist; the non-empty ones, by column number), so that a
  // category-16 record written back (debtor_writer.h) keeps them: DATEV's import replaces the
  // whole record, and DunningSettings does not hold every code (Zinsberechnung 2 and 0 read alike).
  std::vector<std::pair<int, std::string>> dunning_columns;
};

// Whether `column` is one of the dunning columns kept in DebtorRecord::dunning_columns.
constexpr bool is_dunning_column(int column) {
  return (column >= dk::kMahnung && column <= dk::kMahnzinssatz1 + 2) ||
         (column >= dk::kGebuehrenberechnung && column <= dk::kLetzteFrist);
}

// Reads every record of an opened Debitoren/Kreditoren file; like read_bookings().
// REQUIRES: reader.header().category == kDebitorenKreditoren.
core::Result<RowCounts> read_debtors(ExtfReader& reader, const std::function<void(DebtorRecord)>& on_record,
                                     const std::function<void(RowError)>& on_rejected);

// The policy for one debtor: `base` with the debtor's DATEV settings applied. DATEV's levels
// 1..3 are the policy's levels 0..2.
//   Mahnung 9 / level mask   -> not a policy setting: the reader sets the debtor's block
//                               (Mahnung 9) ; levels outside the mask keep no fee, no flat fee
//   Mahnlimit Betrag / %     -> min_amount / min_percent_bp
//   Zinsberechnung 9         -> interest off on every level (read_files() also marks the
//                               debtor's items interest_blocked); 1 with Mahnzinssatz: not a
//                               policy setting: the reader sets Debtor::agreed_interest_bp
//   Gebührenberechnung 1 / 9 -> levels[k].fee.fixed = Mahngebühr k+1 / no fee
//   Pauschalenberechnung 1/9 -> flat_fee_b2b on the first level with a Verzugspauschale / off
//   Fristberechnung 1        -> levels[0].days_after_due = Mahnfrist 1, later levels
//                               days_after_previous = the difference of the Mahnfristen
// The result is not validated here; callers run core::validate() as for any policy.
core::Policy apply_dunning_settings(const core::Policy& base, const DunningSettings& settings);

// The policy for a debtor whose settings are kept as settings_text() (the state store, a state
// file's "dunning_settings"): parse_settings_text() + apply_dunning_settings(), not validated.
// kInvalidInput: text parse_settings_text() refuses. The DATEV adapter's debtor_policy() and the
// commands that read a state file (sync::DebtorPolicyFn) both use it.
core::Result<core::Policy> debtor_policy(const core::Policy& base, std::string_view settings);

}  // namespace mahnwerk::datev

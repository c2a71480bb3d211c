// Open items derived from bookings the way DATEV's OPOS does it: the item is (Personenkonto,
// Belegfeld 1); invoices, payments, partial payments, credit notes, Skonto and reversals on it
// are netted; the due date, the locks and the dunning postings (Sachverhalt 40/31) are taken from
// its postings. Plus read_files(), the one entry point that turns DATEV files into debtors,
// open items, payments and rejected rows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/datev/buchungsstapel.h"
#include "adapters/datev/debitoren.h"
#include "adapters/datev/extf_reader.h"
#include "connector/core/model.h"

namespace mahnwerk::datev {

// Which account numbers are debitor Personenkonten: Sachkontenlänge + 1 digits, first digit 1..6
// (with Sachkontenlänge 4: 10000..69999; 70000..99999 are Kreditoren). DATEV ledger XSD,
// documentation of bpAccountNo.
bool is_debitor_account(std::uint64_t account, int sachkontenlaenge);

// What the DATEV locks of an item say. Postensperre without a date has no end.
struct ItemLocks {
  bool postensperre = false;                   // #15 Mahn-/Zahlsperre
  std::optional<core::Date> postensperre_bis;  // #111
  bool zinssperre = false;                     // #19: no default interest on this item
};

// An open item as derived, with what the canonical model cannot hold.
struct DerivedItem {
  core::OpenItem item;  // id "<Personenkonto>/<Belegfeld 1>", number = Belegfeld 1
  ItemLocks locks;
};

// What a derivation found besides the open items.
struct DerivationCounts {
  std::size_t bookings = 0;          // bookings on a debitor account
  std::size_t other_bookings = 0;    // bookings on Sach- and Kreditorenkonten only
  std::size_t closed = 0;            // items netted to zero
  std::size_t dunning_postings = 0;  // Sachverhalt 40 / 31 postings (never dunned as invoices)
};

// Accumulates bookings; finish() yields the open items. Memory is one entry per item that is
// open at the moment (an item that nets to zero is dropped), not per booking.
class OpenItemDeriver {
 public:
  // `payment_terms_days`: debitor -> "Fälligkeit in Tagen" of its master record (due date rule 3).
  explicit OpenItemDeriver(int sachkontenlaenge = 4) : sachkontenlaenge_(sachkontenlaenge) {}

  void set_sachkontenlaenge(int length) { sachkontenlaenge_ = length; }
  // The chart ("03", "04" or empty) decides which contra accounts are money accounts, so a
  // credit on a debitor is a payment (dated, allocated under § 366/367) and not a credit note.
  void set_chart(std::string skr) { skr_ = std::move(skr); }

  // Adds one booking. A booking with both accounts debitors moves the amount between them.
  // A booking mixing currencies on one item is returned as an error (the item keeps its state).
  core::Status add(const Booking& booking);

  // The items that are open (positive balance, not a dunning posting), sorted by debtor and
  // number, with due dates by DATEV's order of rules: Fälligkeit (#117), Belegfeld 2 as TTMMJJ,
  // the debtor's payment terms (`terms`: debitor -> days), else none (the policy's default).
  // Credit balances (overpayments) become unapplied payments of the debtor. Payments on open
  // items are listed so the claim engine can allocate them.
  struct Result {
    std::vector<DerivedItem> items;
    std::vector<core::Payment> payments;
    std::vector<DerivedItem> dunning_items;  // open fee/interest postings (Sachverhalt 40/31)
  };
  Result finish(const std::unordered_map<std::string, int>& terms = {}) const;

  const DerivationCounts& counts() const { return counts_; }
  std::size_t live_items() const { return live_; }

 private:
  struct PaymentEntry {
    int day = 0;  // day_number of the Belegdatum
    std::int64_t cents = 0;
  };
  struct Acc {
    core::Currency currency;
    std::int64_t invoiced = 0;  // gross: invoices less reversals (GU) of invoices
    std::int64_t balance = 0;   // open amount
    int first_day = 0;          // earliest invoice Belegdatum (day number), 0 = none yet
    int any_day = 0;            // Belegdatum of the first posting (fallback invoice date)
    int last_day = 0;           // latest posting
    int faelligkeit = 0;        // day number, 0 = none
    int belegfeld2_due = 0;     // day number, 0 = none
    bool postensperre = false;
    int postensperre_bis = 0;
    bool zinssperre = false;
    std::int64_t dunning = 0;  // fees and interest posted on it (Sachverhalt 40 / 31)
    std::vector<PaymentEntry> payments;
  };
  struct Key {
    std::uint64_t account;
    std::string number;
  };
  // The items open at the moment: entries (reused after an item clears, so a cleared item's
  // payment list keeps its capacity) found through a flat open-addressing index (linear probing,
  // backward-shift deletion; each slot holds the entry and 32 bits of its hash).
  struct Entry {
    Key key;
    Acc acc;
    std::uint64_t hash = 0;
    bool live = false;
  };
  struct Slot {
    std::uint32_t entry = kNoEntry;
    std::uint32_t tag = 0;
  };
  static constexpr std::uint32_t kNoEntry = 0xFFFFFFFFu;
  static std::uint64_t hash_of(std::uint64_t account, std::string_view number);
  // The entry of (account, number), created (with `currency`) when absent.
  Entry& find_or_add(std::uint64_t account, std::string_view number, core::Currency currency);
  void remove(Entry& entry);
  void grow();

  core::Status post(std::uint64_t account, bool debit, const Booking& b, bool contra_is_money);
  bool is_money_account(std::uint64_t account, int digits) const;
  bool has_chart() const { return skr_ == "03" || skr_ == "04"; }

  int sachkontenlaenge_;
  std::string skr_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;  // entries_ not live
  std::vector<Slot> slots_;          // size a power of two, at most half full
  std::size_t live_ = 0;
  DerivationCounts counts_;
};

// Everything read from a set of DATEV files.
struct FileSummary {
  std::string file;
  std::string format;  // "Buchungsstapel", "Debitoren/Kreditoren", "LedgerImport", "document.xml"
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};

struct ReadResult {
  std::vector<DebtorRecord> debtors;  // from category 16 (and XML customer data)
  std::vector<DerivedItem> items;     // open items
  std::vector<core::Payment> payments;
  std::vector<DerivedItem> dunning_items;
  std::vector<RowError> rejected;  // at most kMaxRejectedKept; rejected_total counts all
  std::size_t rejected_total = 0;
  std::vector<FileSummary> files;
  DerivationCounts counts;
};

inline constexpr std::size_t kMaxRejectedKept = 10000;

// Reads EXTF/DTVF Buchungsstapel and Debitoren/Kreditoren files and DATEV XML (LedgerImport,
// document.xml) in the given order, derives the open items of all bookings together, and applies
// the debtors' payment terms to due dates. A file that cannot be read at all (missing, not a
// DATEV file, unsupported category) becomes one rejected entry (line 0) and the others go on.
ReadResult read_files(const std::vector<std::string>& paths);

}  // namespace mahnwerk::datev

// The DATEV folder adapter (issue 5, "The folder adapter"): the embedded default that needs no
// server. DATEV exports dropped into the tenant's inbox are read as the source's whole state;
// fee, interest and lock write-backs become EXTF files in the outbox, which the office imports
// into DATEV; each inbox file read is kept in the archive. docs/datev-writing.md describes it.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/datev/accounts.h"
#include "adapters/datev/debtor_writer.h"
#include "adapters/datev/extf_writer.h"
#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"

namespace mahnwerk::datev {

// The manifest of written files in the outbox folder (hidden, so DATEV's import ignores it):
// one line per event, tab-separated, appended and fsync'd:
//   W <file> <row> <key>   a row of <file> is about to be written (before the file exists)
//   D <file>               <file> is complete and durable (renamed into place, folder synced)
// A key counts as written once its file has a D line — or, after a crash between the rename and
// the D line, once the file exists (the next push or lookup adds the D line).
inline constexpr std::string_view kManifestFile = ".mahnwerk-manifest";

struct DatevSettings {
  std::string inbox;    // DATEV exports (EXTF/DTVF CSV, LedgerImport XML) are dropped here
  std::string outbox;   // EXTF files for DATEV to import; the manifest
  std::string archive;  // a copy of every distinct inbox file read, named <digest16>_<name>
  WriteHeader header;   // Berater, Mandant, WJ-Beginn month, Sachkontenlänge, SKR, Diktatkürzel
  RevenueAccounts accounts;
  bool xml = false;  // fees and interest as a DATEV XML ZIP (LedgerImport) instead of EXTF
};

// The settings from a tenant's office configuration: TenantConfig::settings ("inbox", "outbox",
// "archive" — folders; "berater", "mandant" — numbers; optional "skr" (SKR03 | SKR04, default
// SKR03), "fiscal_year_start" (month 1..12, default 1), "account_length" (Sachkontenlänge, default
// 4), "dictation", "format" (extf | xml, default extf)) and TenantConfig::accounts (empty: the chart's
// defaults). kBadConfig naming the setting, with `context` (the tenant) in front. Relative folders are made
// absolute against `base_dir` (the folder of the file that names them; empty: the working directory).
core::Result<DatevSettings> datev_settings(const std::map<std::string, std::string>& settings,
                                           std::string_view fee_revenue, std::string_view interest_revenue,
                                           const std::string& context = {}, const std::string& base_dir = {});

// A fee or interest write-back as its outbox payload carries it (connector/sync/commit_plan.cpp):
//   {"type": "fee"|"flat_fee"|"interest", "item", "number", "debtor", "level", "amount",
//    "currency", "date", optional "account" (revenue account), optional "level_name"}
struct ChargeWriteBack {
  std::string type;
  std::string item;
  std::string number;  // invoice number = Belegfeld 1
  std::string debtor;  // Personenkonto
  int level = 0;
  std::string level_name;
  core::Money amount;
  core::Date date;
  std::string account;
};
// kInvalidInput naming the member ("payload.amount").
core::Result<ChargeWriteBack> parse_charge_payload(std::string_view json);
std::string charge_payload(const ChargeWriteBack& charge);

// A debtor lock write-back: {"type": "block", "debtor", "until", optional "reason"}. The full
// category-16 record takes the debtor's master data from the adapter's last pull.
struct BlockWriteBack {
  std::string debtor;
  core::Date until;
  std::string reason;
};
core::Result<BlockWriteBack> parse_block_payload(std::string_view json);
std::string block_payload(const BlockWriteBack& block);

// The posting of a charge on the debitor against the revenue account: Soll on the Personenkonto,
// Sachverhalt 40 (fee, flat fee) or 31 (interest), Belegfeld 1 the invoice number, Buchungstext
// "Mahngebühr RE-1 1. Mahnung" / "Verzugspauschale ..." / "Verzugszinsen ...".
Posting charge_posting(const ChargeWriteBack& charge, const RevenueAccounts& accounts, std::string key);

// Capabilities: incremental (the cursor is a digest of the distinct inbox files), lookup (from
// the manifest); push_kinds fee, flat_fee, interest, block. One instance per tenant; several
// processes may share an outbox (every push and lookup holds an exclusive flock on the manifest).
class DatevAdapter final : public sync::Adapter {
 public:
  // `clock` names the written files and stamps their headers; it must outlive the adapter.
  DatevAdapter(DatevSettings settings, const sync::Clock& clock);
  ~DatevAdapter() override;

  std::string name() const override { return "datev"; }
  sync::Capabilities capabilities() const override;

  // Reads every distinct file of the inbox (same bytes under two names: read once) with the DATEV
  // reader as one source: debtors, open items, payments, rejected rows (file, line, column,
  // field). The cursor is a hex SHA-256 over the files' digests; with a cursor equal to it the
  // delta is empty with full = false. Any rejected row makes the delta full = false, so that a
  // bad row never closes an item. New files are copied to the archive (fsync'd) before the delta
  // is returned. Errors: kNotFound for a missing inbox, kUnavailable for read or archive failures.
  core::Result<sync::Delta> pull(const std::optional<std::string>& cursor) override;

  // push_batch of one entry.
  sync::PushResult push(const sync::OutboxEntry& entry) override;

  // Writes the entries whose keys are not written yet into files — fees and interest into
  // Buchungsstapel files (with format xml: one ZIP, mahnwerk_<YYYYMMDD_HHMMSS>_<nnnn>.zip, of LedgerImport
  // files and document.xml), locks into one Debitoren file — each written to a temporary name, fsync'd,
  // renamed, the folder fsync'd, then recorded in the manifest; only then are they kLanded, with remote
  // reference "<file>:<row>". A key already written is kLanded with its first file and row, nothing is
  // written again. kRejected: unknown kind, bad payload, a lock for a debtor whose master data is unknown, a
  // posting DATEV would refuse. kRetryable: the outbox or manifest cannot be created, locked, written or
  // synced (nothing of that batch counts as written).
  std::vector<sync::PushResult> push_batch(std::span<const sync::OutboxEntry> entries) override;

  // kLanded with "<file>:<row>" when the manifest shows the key written, kAbsent when not,
  // kUnknown when the manifest cannot be read.
  sync::LookupResult lookup(const sync::OutboxEntry& entry) override;

  // `base` with a debtor's own DATEV dunning settings applied (apply_dunning_settings()); the
  // settings are the text a pull delivered in Delta::debtor_settings (settings_text()).
  core::Result<core::Policy> debtor_policy(const core::Policy& base,
                                           std::string_view settings) const override;

  // Every text change (transliteration, cut) of the files written by this instance so far.
  const std::vector<TextChange>& changes() const { return changes_; }
  // The files written by this instance so far, in order.
  const std::vector<std::string>& written_files() const { return written_; }

 private:
  struct Written {
    std::string file;
    std::size_t row = 0;
  };
  core::Status lock_and_refresh();
  void unlock();
  core::Status append_manifest(const std::string& lines);
  core::Status write_files(const std::vector<ExtfFile>& files);
  // The postings as one ZIP of LedgerImport files and document.xml; rows are the postings' order.
  core::Result<ExtfWrite> xml_archive(const WriteHeader& header, std::span<const Posting> postings,
                                      const std::string& stem) const;

  DatevSettings settings_;
  const sync::Clock& clock_;
  int manifest_fd_ = -1;
  std::unordered_map<std::string, Written> written_keys_;  // key -> file, row (files with D)
  std::size_t file_groups_ = 0;                            // distinct files in the manifest
  std::unordered_map<std::string, core::Debtor> debtors_;  // master data of the last pull
  // What a category-16 record written back keeps of the last pull besides the master data.
  struct KeptColumns {
    std::optional<int> payment_terms;
    std::vector<std::pair<int, std::string>> dunning_columns;
  };
  std::unordered_map<std::string, KeptColumns> kept_;
  std::vector<TextChange> changes_;
  std::vector<std::string> written_;
};

}  // namespace mahnwerk::datev

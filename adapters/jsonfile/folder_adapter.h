// The canonical JSON folder adapter (issue 4, "Adapters in this issue"; docs/outbox.md): reads a
// tenant's debtors, items and payments as canonical JSON (DESIGN.md §4) from an inbox folder and
// writes each write-back as one JSON line to an outbox folder, exactly once per idempotency key.
// It runs the whole product end to end without an accounting system and lets scripts integrate
// systems mahnwerk has no adapter for.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"

namespace mahnwerk::jsonfile {

// The inbox files, each a JSON array of canonical records (comments and trailing commas allowed):
//   items.json     required: an inbox without it is an error, never "every item was paid"
//   debtors.json   optional (absent: no debtors delivered)
//   payments.json  optional; payments carry no id in the canonical model, so each gets
//                  sync::payment_key (its fields plus its occurrence among identical ones)
inline constexpr std::string_view kItemsFile = "items.json";
inline constexpr std::string_view kDebtorsFile = "debtors.json";
inline constexpr std::string_view kPaymentsFile = "payments.json";
// The outbox file: one JSON object per line, appended and fsync'd per write-back:
//   {"key":"…","tenant":"…","kind":"fee","target":"item:RE-1","payload":{…},"time":"2025-06-30T06:00:00Z"}
inline constexpr std::string_view kWritebacksFile = "writebacks.jsonl";

struct FolderSettings {
  std::string inbox;   // folder with the files above
  std::string outbox;  // folder for writebacks.jsonl; created on the first push
};

// The adapter's settings from a tenant's office configuration (TenantConfig::settings):
// "inbox" and "outbox", both required. kBadConfig naming the missing one, context `context`.
core::Result<FolderSettings> folder_settings(const std::map<std::string, std::string>& settings,
                                             const std::string& context = {});

// Capabilities: incremental (the cursor is a digest of the inbox files), idempotency_header (a
// repeated push of a key is recognised in the outbox file and not written again), lookup;
// push_kinds empty: every kind is written.
//
// Thread-compatible: one instance per tenant and thread. Several instances, also in several
// processes, may share an outbox folder: every push and lookup takes an exclusive flock on the
// outbox file and first reads what others appended since.
class FolderAdapter final : public sync::Adapter {
 public:
  // `clock` stamps the "time" of each written line; it must outlive the adapter.
  FolderAdapter(FolderSettings settings, const sync::Clock& clock);
  ~FolderAdapter() override;

  std::string name() const override { return "jsonfile"; }
  sync::Capabilities capabilities() const override;

  // Reads the inbox. The cursor is a hex SHA-256 over the inbox files' names and contents (an
  // absent optional file differs from an empty one). With a cursor equal to the digest of the current files,
  // returns an empty delta with full = false (nothing changed) after reading but not parsing them. Otherwise
  // the whole inbox with full = true, unless a record of items.json was rejected: then full = false, so that
  // a bad row never looks like a paid invoice. Records that do not parse (or repeat an id) go to
  // Delta::rejected with the file and the field ("items[3].amount") and the rest is delivered. Errors:
  // kNotFound for a missing inbox or items.json; kInvalidInput for a file that is not JSON or not an array
  // (context: file, line, column); kUnavailable for read errors.
  core::Result<sync::Delta> pull(const std::optional<std::string>& cursor) override;

  // Appends the entry's line unless its key is in the outbox file already. kLanded with the
  // remote reference "writebacks.jsonl:<line>" in both cases (a repeated push names the line
  // written first); kRejected for a payload that is not JSON; kRetryable when the folder or file
  // cannot be created, locked, written or synced (the line is then not counted as written: a
  // later push or lookup finds it only if it reached the disk whole).
  sync::PushResult push(const sync::OutboxEntry& entry) override;

  // push() for many entries under one lock, with one write and one fdatasync for all new lines.
  // When the write or sync fails, no new line counts as written: the result of the first new
  // entry is kRetryable and the entries after it are not tried (Adapter::push_batch).
  std::vector<sync::PushResult> push_batch(std::span<const sync::OutboxEntry> entries) override;

  // kLanded with the line's reference when the key is in the outbox file, kAbsent when it is not
  // (or the file does not exist), kUnknown when the file cannot be read.
  sync::LookupResult lookup(const sync::OutboxEntry& entry) override;

 private:
  // Opens the outbox file (creating it with its folder when `create`), takes the lock and reads
  // lines appended since the last call into the index. A last line without its newline is a
  // write torn by a crash: it is cut off the file (it never counted as landed).
  core::Status refresh_locked(bool create);
  void unlock();

  FolderSettings settings_;
  const sync::Clock& clock_;
  int fd_ = -1;
  std::uint64_t indexed_size_ = 0;                      // bytes of the outbox file already in index_
  std::size_t lines_ = 0;                               // complete lines in the file
  std::unordered_map<std::string, std::size_t> index_;  // idempotency key -> line (1-based)
};

}  // namespace mahnwerk::jsonfile

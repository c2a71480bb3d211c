// The DATEV folder adapter. Durability follows the usual recipe — temporary name, fsync, rename,
// fsync of the folder — and the manifest records intent (W) before a file exists and completion
// (D) after, so that a crash at any point leaves each key either written once or not at all.
#include "adapters/datev/datev_adapter.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "adapters/datev/open_items.h"
#include "adapters/datev/xml_writer.h"
#include "adapters/jsonfile/json_util.h"
#include "connector/sync/audit.h"
#include "connector/sync/store.h"

namespace mahnwerk::datev {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorKind;

std::string system_error(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

Error bad_config(std::string message, const std::string& context, std::string_view field) {
  return Error{ErrorKind::kBadConfig, std::move(message),
               (context.empty() ? "" : context + ", ") + "settings." + std::string(field)};
}

core::Result<int> setting_int(const std::map<std::string, std::string>& s, const char* name, int fallback,
                              int min, int max, const std::string& context) {
  const auto it = s.find(name);
  if (it == s.end() || it->second.empty()) {
    if (fallback < min) return bad_config("required", context, name);
    return fallback;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc{} || end != it->second.data() + it->second.size() || value < min || value > max) {
    return bad_config("must be a number from " + std::to_string(min) + " to " + std::to_string(max) +
                          ", got \"" + it->second + "\"",
                      context, name);
  }
  return value;
}

// Writes `bytes` as dir/name: temporary name, fsync, rename, fsync of the folder.
core::Status write_durably(const std::string& dir, const std::string& name, std::string_view bytes) {
  const std::string tmp = dir + "/.tmp-" + name;
  const std::string final_path = dir + "/" + name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error{ErrorKind::kUnavailable, system_error("cannot create"), tmp};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e{ErrorKind::kUnavailable, system_error("cannot write"), tmp};
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e{ErrorKind::kUnavailable, system_error("cannot sync"), tmp};
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    Error e{ErrorKind::kUnavailable, system_error("cannot rename into place"), final_path};
    ::unlink(tmp.c_str());
    return e;
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Error{ErrorKind::kUnavailable, system_error("cannot open folder"), dir};
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return Error{ErrorKind::kUnavailable, system_error("cannot sync folder"), dir};
  return core::Ok{};
}

core::Result<std::string> read_whole(const std::string& path) {
  auto text = jsonfile::read_file(path);
  if (!text) return Error{ErrorKind::kUnavailable, text.error().message, path};
  return text;
}

// --- payloads

core::Result<rapidjson::Document> parse_payload(std::string_view json) {
  return jsonfile::parse_json(json, "payload");
}

std::string json_string(const std::initializer_list<std::pair<const char*, std::string>>& fields,
                        const char* int_name = nullptr, int int_value = 0) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  if (int_name != nullptr) {
    w.Key(int_name);
    w.Int(int_value);
  }
  w.EndObject();
  return buffer.GetString();
}

struct KindText {
  std::string_view type;
  std::string_view text;
  int sachverhalt;
  bool interest;
};
constexpr KindText kKinds[] = {
    {"fee", "Mahngebühr", kSachverhaltMahngebuehr, false},
    {"flat_fee", "Verzugspauschale", kSachverhaltMahngebuehr, false},
    {"interest", "Verzugszinsen", kSachverhaltMahnzins, true},
};

const KindText* kind_of(std::string_view type) {
  for (const KindText& k : kKinds) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

std::string level_text(int level, const std::string& name) {
  if (!name.empty()) return name;
  return level == 0 ? "Zahlungserinnerung" : std::to_string(level) + ". Mahnung";
}

// The debtor's master data from the reader's record.
core::Debtor debtor_of(const DebtorRecord& r) { return r.debtor; }

std::string row_where(const RowError& e) {
  std::string where = "line " + std::to_string(e.line);
  if (e.column > 0) where += ", column " + std::to_string(e.column);
  if (!e.field.empty()) where += " (" + e.field + ")";
  return where;
}

}  // namespace

// --- settings

core::Result<DatevSettings> datev_settings(const std::map<std::string, std::string>& settings,
                                           std::string_view fee_revenue, std::string_view interest_revenue,
                                           const std::string& context, const std::string& base_dir) {
  DatevSettings out;
  for (const auto& [name, target] :
       {std::pair{"inbox", &out.inbox}, {"outbox", &out.outbox}, {"archive", &out.archive}}) {
    const auto it = settings.find(name);
    if (it == settings.end() || it->second.empty()) return bad_config("required: a folder", context, name);
    fs::path folder(it->second);
    if (folder.is_relative() && !base_dir.empty()) folder = fs::path(base_dir) / folder;
    *target = folder.lexically_normal().string();
  }
  if (out.inbox == out.outbox || out.inbox == out.archive || out.outbox == out.archive) {
    return bad_config("inbox, outbox and archive must be three different folders", context, "outbox");
  }
  MW_ASSIGN_OR_RETURN(out.header.berater, setting_int(settings, "berater", 0, 1001, 9999999, context));
  MW_ASSIGN_OR_RETURN(out.header.mandant, setting_int(settings, "mandant", 0, 1, 99999, context));
  int month = 1;
  MW_ASSIGN_OR_RETURN(month, setting_int(settings, "fiscal_year_start", 1, 1, 12, context));
  out.header.fiscal_year_start_month = static_cast<unsigned>(month);
  MW_ASSIGN_OR_RETURN(out.header.account_length, setting_int(settings, "account_length", 4, 4, 8, context));
  Chart chart = Chart::kSkr03;
  if (auto it = settings.find("skr"); it != settings.end()) {
    auto parsed = parse_chart(it->second);
    if (!parsed) return bad_config(parsed.error().message, context, "skr");
    chart = *parsed;
  }
  out.header.skr = std::string(skr_code(chart));
  if (auto it = settings.find("dictation"); it != settings.end()) out.header.dictation = it->second;
  if (auto it = settings.find("format"); it != settings.end()) {
    if (it->second != "extf" && it->second != "xml")
      return bad_config("must be extf or xml", context, "format");
    out.xml = it->second == "xml";
  }
  out.header.description = "mahnwerk Mahngebühren/Zinsen";
  auto accounts = revenue_accounts(chart, fee_revenue, interest_revenue);
  if (!accounts) {
    Error e = accounts.error();
    if (!context.empty()) e.context = context + ", " + e.context;
    return e;
  }
  out.accounts = *accounts;
  return out;
}

// --- payloads

core::Result<ChargeWriteBack> parse_charge_payload(std::string_view json) {
  rapidjson::Document doc;
  MW_ASSIGN_OR_RETURN(doc, parse_payload(json));
  const jsonfile::Fields f(doc, "payload");
  if (auto s = f.check_object(); !s) return s.error();
  ChargeWriteBack c;
  MW_ASSIGN_OR_RETURN(c.type, f.required_string("type"));
  if (kind_of(c.type) == nullptr)
    return f.error("type", "must be fee, flat_fee or interest, got \"" + c.type + "\"");
  MW_ASSIGN_OR_RETURN(c.item, f.optional_string("item"));
  MW_ASSIGN_OR_RETURN(c.number, f.required_string("number"));
  MW_ASSIGN_OR_RETURN(c.debtor, f.required_string("debtor"));
  MW_ASSIGN_OR_RETURN(c.level, f.optional_int("level", 0, 0, 99));
  MW_ASSIGN_OR_RETURN(c.level_name, f.optional_string("level_name"));
  std::string currency_code;
  MW_ASSIGN_OR_RETURN(currency_code, f.optional_string("currency", "EUR"));
  auto currency = core::Currency::from_code(currency_code);
  if (!currency) return f.error("currency", currency.error().message);
  MW_ASSIGN_OR_RETURN(c.amount, f.required_money("amount", *currency));
  MW_ASSIGN_OR_RETURN(c.date, f.required_date("date"));
  MW_ASSIGN_OR_RETURN(c.account, f.optional_string("account"));
  return c;
}

std::string charge_payload(const ChargeWriteBack& c) {
  return json_string({{"type", c.type},
                      {"item", c.item},
                      {"number", c.number},
                      {"debtor", c.debtor},
                      {"level_name", c.level_name},
                      {"amount", c.amount.to_string()},
                      {"currency", std::string(c.amount.currency().code())},
                      {"date", core::format_date(c.date)},
                      {"account", c.account}},
                     "level", c.level);
}

core::Result<BlockWriteBack> parse_block_payload(std::string_view json) {
  rapidjson::Document doc;
  MW_ASSIGN_OR_RETURN(doc, parse_payload(json));
  const jsonfile::Fields f(doc, "payload");
  if (auto s = f.check_object(); !s) return s.error();
  BlockWriteBack b;
  MW_ASSIGN_OR_RETURN(b.debtor, f.required_string("debtor"));
  MW_ASSIGN_OR_RETURN(b.until, f.required_date("until"));
  MW_ASSIGN_OR_RETURN(b.reason, f.optional_string("reason"));
  return b;
}

std::string block_payload(const BlockWriteBack& b) {
  return json_string(
      {{"type", "block"}, {"debtor", b.debtor}, {"until", core::format_date(b.until)}, {"reason", b.reason}});
}

Posting charge_posting(const ChargeWriteBack& c, const RevenueAccounts& accounts, std::string key) {
  const KindText* kind = kind_of(c.type);
  Posting p;
  p.amount = c.amount;
  p.debit = true;
  p.account = c.debtor;
  p.contra_account = !c.account.empty()                  ? c.account
                     : kind != nullptr && kind->interest ? accounts.interest
                                                         : accounts.fee;
  p.date = c.date;
  p.belegfeld1 = c.number;
  p.text = std::string(kind != nullptr ? kind->text : "Mahnkosten") + " " + c.number + " " +
           level_text(c.level, c.level_name);
  p.sachverhalt = kind != nullptr ? kind->sachverhalt : kSachverhaltMahngebuehr;
  p.key = std::move(key);
  p.record = c.number + " " + c.type + " level " + std::to_string(c.level);
  return p;
}

// --- the adapter

DatevAdapter::DatevAdapter(DatevSettings settings, const sync::Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

DatevAdapter::~DatevAdapter() { unlock(); }

sync::Capabilities DatevAdapter::capabilities() const {
  sync::Capabilities c;
  c.incremental = true;
  c.idempotency_header = true;  // a repeated key is recognised in the manifest and never written twice
  c.lookup = true;
  c.push_kinds = {"fee", "flat_fee", "interest", "block"};
  return c;
}

core::Result<sync::Delta> DatevAdapter::pull(const std::optional<std::string>& cursor) {
  std::error_code ec;
  if (!fs::is_directory(settings_.inbox, ec))
    return Error{ErrorKind::kNotFound, "inbox folder does not exist", settings_.inbox};
  std::vector<fs::path> names;
  for (const auto& entry : fs::directory_iterator(settings_.inbox, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.empty() && name[0] != '.') names.push_back(entry.path());
  }
  if (ec) return Error{ErrorKind::kUnavailable, "cannot list: " + ec.message(), settings_.inbox};
  std::sort(names.begin(), names.end());
  // The same bytes dropped twice (under any name) are one file: read once, posted once.
  std::vector<std::string> paths;
  std::vector<std::pair<std::string, std::string>> new_archive;  // archive name, source path
  std::set<std::string> digests;
  for (const fs::path& p : names) {
    std::string bytes;
    MW_ASSIGN_OR_RETURN(bytes, read_whole(p.string()));
    const std::string digest = sync::sha256_hex(bytes);
    if (!digests.insert(digest).second) continue;
    paths.push_back(p.string());
    const std::string archived = digest.substr(0, 16) + "_" + p.filename().string();
    if (!fs::exists(fs::path(settings_.archive) / archived, ec))
      new_archive.emplace_back(archived, std::move(bytes));
  }
  std::string joined;
  for (const std::string& d : digests) joined += d + "\n";
  const std::string next_cursor = sync::sha256_hex(joined);
  sync::Delta delta;
  delta.next_cursor = next_cursor;
  if (cursor && *cursor == next_cursor) {
    delta.full = false;
    return delta;
  }
  fs::create_directories(settings_.archive, ec);
  for (const auto& [name, bytes] : new_archive) {
    if (auto s = write_durably(settings_.archive, name, bytes); !s) return s.error();
  }
  ReadResult read = read_files(paths);
  delta.full = read.rejected_total == 0;
  debtors_.clear();
  kept_.clear();
  for (const DebtorRecord& r : read.debtors) {
    if (r.creditor) continue;
    debtors_[r.debtor.id] = debtor_of(r);
    kept_[r.debtor.id] = {r.payment_terms_days, r.dunning_columns};
    delta.debtors.push_back(debtor_of(r));
    // Mahnung, Mahnlimit, Mahngebühr, Verzugspauschale, Mahnfristen: kept by the store, applied
    // by the job through debtor_policy().
    if (std::string text = settings_text(r.dunning); !text.empty()) {
      delta.debtor_settings.push_back({r.debtor.id, std::move(text)});
    }
  }
  for (DerivedItem& d : read.items) delta.items.push_back(std::move(d.item));
  std::unordered_map<std::string, int> occurrences;
  for (const core::Payment& p : read.payments) {
    const std::string first = sync::payment_key(p, 0);
    const int occurrence = occurrences[first]++;
    delta.payments.push_back({occurrence == 0 ? first : sync::payment_key(p, occurrence), p});
  }
  for (const RowError& e : read.rejected) delta.rejected.push_back({e.file, row_where(e), e.message});
  return delta;
}

core::Result<core::Policy> DatevAdapter::debtor_policy(const core::Policy& base,
                                                       std::string_view settings) const {
  return datev::debtor_policy(base, settings);
}

void DatevAdapter::unlock() {
  if (manifest_fd_ >= 0) {
    ::flock(manifest_fd_, LOCK_UN);
    ::close(manifest_fd_);
    manifest_fd_ = -1;
  }
}

core::Status DatevAdapter::lock_and_refresh() {
  std::error_code ec;
  fs::create_directories(settings_.outbox, ec);
  if (ec) return Error{ErrorKind::kUnavailable, "cannot create folder: " + ec.message(), settings_.outbox};
  const std::string path = settings_.outbox + "/" + std::string(kManifestFile);
  manifest_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (manifest_fd_ < 0) return Error{ErrorKind::kUnavailable, system_error("cannot open"), path};
  while (::flock(manifest_fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      Error e{ErrorKind::kUnavailable, system_error("cannot lock"), path};
      unlock();
      return e;
    }
  }
  std::string text;
  MW_ASSIGN_OR_RETURN(text, read_whole(path));
  // A last line without its newline was torn by a crash; it is ignored (never counted).
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::size_t>>> intents;  // file -> keys
  std::vector<std::string> intent_order;
  std::unordered_set<std::string> done;
  written_keys_.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    std::vector<std::string_view> parts;
    std::size_t p = 0;
    while (true) {
      const std::size_t tab = line.find('\t', p);
      parts.push_back(line.substr(p, tab == std::string_view::npos ? std::string_view::npos : tab - p));
      if (tab == std::string_view::npos) break;
      p = tab + 1;
    }
    if (parts[0] == "W" && parts.size() == 4) {
      std::string file(parts[1]);
      if (!intents.count(file)) intent_order.push_back(file);
      std::size_t row = 0;
      std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), row);
      intents[file].emplace_back(std::string(parts[3]), row);
    } else if (parts[0] == "D" && parts.size() == 2) {
      done.insert(std::string(parts[1]));
    }
  }
  file_groups_ = intent_order.size();
  std::string repairs;
  for (const std::string& file : intent_order) {
    bool landed = done.count(file) != 0;
    if (!landed && fs::exists(fs::path(settings_.outbox) / file, ec)) {
      landed = true;  // renamed into place, then the process died before the D line
      repairs += "D\t" + file + "\n";
    }
    if (!landed) continue;
    for (const auto& [key, row] : intents[file]) written_keys_.try_emplace(key, Written{file, row});
  }
  if (!repairs.empty()) return append_manifest(repairs);
  return core::Ok{};
}

core::Status DatevAdapter::append_manifest(const std::string& lines) {
  const std::string path = settings_.outbox + "/" + std::string(kManifestFile);
  std::size_t done = 0;
  while (done < lines.size()) {
    const ssize_t n = ::write(manifest_fd_, lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{ErrorKind::kUnavailable, system_error("cannot append"), path};
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(manifest_fd_) != 0) return Error{ErrorKind::kUnavailable, system_error("cannot sync"), path};
  return core::Ok{};
}

core::Result<ExtfWrite> DatevAdapter::xml_archive(const WriteHeader& header,
                                                  std::span<const Posting> postings,
                                                  const std::string& stem) const {
  const std::map<std::string, core::Debtor> debtors(debtors_.begin(), debtors_.end());
  auto xml = write_ledger_import(header, postings, debtors);
  if (!xml) return xml.error();
  auto zip = pack_xml_archive(*xml);
  if (!zip) return zip.error();
  ExtfWrite out;
  out.changes = std::move(xml->changes);
  ExtfFile file;
  file.name = stem + ".zip";
  file.bytes = std::move(zip).value();
  for (const Posting& p : postings) file.keys.push_back(p.key);
  file.rows = postings.size();
  out.files.push_back(std::move(file));
  return out;
}

core::Status DatevAdapter::write_files(const std::vector<ExtfFile>& files) {
  for (const ExtfFile& file : files) {
    std::string intent;
    for (std::size_t row = 0; row < file.keys.size(); ++row) {
      intent += "W\t" + file.name + "\t" + std::to_string(row + 1) + "\t" + file.keys[row] + "\n";
    }
    if (auto s = append_manifest(intent); !s) return s;
    if (auto s = write_durably(settings_.outbox, file.name, file.bytes); !s) return s;
    if (auto s = append_manifest("D\t" + file.name + "\n"); !s) return s;
    for (std::size_t row = 0; row < file.keys.size(); ++row) {
      written_keys_.try_emplace(file.keys[row], Written{file.name, row + 1});
    }
    ++file_groups_;
    written_.push_back(file.name);
  }
  return core::Ok{};
}

sync::PushResult DatevAdapter::push(const sync::OutboxEntry& entry) {
  return push_batch(std::span<const sync::OutboxEntry>(&entry, 1)).front();
}

std::vector<sync::PushResult> DatevAdapter::push_batch(std::span<const sync::OutboxEntry> entries) {
  std::vector<sync::PushResult> results(entries.size());
  auto fail_all = [&](sync::PushOutcome outcome, const std::string& message) {
    for (sync::PushResult& r : results) {
      if (r.outcome == sync::PushOutcome::kLanded && r.remote_reference.empty()) {
        r.outcome = outcome;
        r.message = message;
      }
    }
    return results;
  };
  if (auto s = lock_and_refresh(); !s) return fail_all(sync::PushOutcome::kRetryable, s.error().to_string());
  std::vector<Posting> postings;
  std::vector<std::size_t> posting_entry;
  std::vector<DebtorLock> locks;
  std::vector<std::size_t> lock_entry;
  std::unordered_map<std::string, std::size_t> first_of_key;  // a key repeated within the batch: one write
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const sync::OutboxEntry& e = entries[i];
    sync::PushResult& r = results[i];
    if (auto it = written_keys_.find(e.idempotency_key); it != written_keys_.end()) {
      r.remote_reference = it->second.file + ":" + std::to_string(it->second.row);
      continue;
    }
    if (!first_of_key.try_emplace(e.idempotency_key, i).second)
      continue;  // takes the first one's result below
    if (e.kind == "block") {
      auto block = parse_block_payload(e.payload);
      if (!block) {
        r = {sync::PushOutcome::kRejected, "", block.error().to_string(), std::nullopt};
        continue;
      }
      const auto d = debtors_.find(block->debtor);
      if (d == debtors_.end()) {
        r = {sync::PushOutcome::kRejected, "",
             "debtor " + block->debtor + " unknown: a category-16 record needs the master data of a pull",
             std::nullopt};
        continue;
      }
      const KeptColumns& kept = kept_[block->debtor];
      locks.push_back({d->second, block->until, e.idempotency_key, kept.payment_terms, kept.dunning_columns});
      lock_entry.push_back(i);
    } else if (kind_of(e.kind) != nullptr) {
      auto charge = parse_charge_payload(e.payload);
      if (!charge) {
        r = {sync::PushOutcome::kRejected, "", charge.error().to_string(), std::nullopt};
        continue;
      }
      postings.push_back(charge_posting(*charge, settings_.accounts, e.idempotency_key));
      posting_entry.push_back(i);
    } else {
      r = {sync::PushOutcome::kRejected, "", "the DATEV adapter does not write \"" + e.kind + "\" entries",
           std::nullopt};
    }
  }
  WriteHeader header = settings_.header;
  header.created = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  char stem[64];
  const auto day = std::chrono::floor<std::chrono::days>(clock_.now());
  const std::chrono::hh_mm_ss hms(clock_.now() - day);
  const core::Date date{day};
  std::snprintf(stem, sizeof stem, "mahnwerk_%04d%02u%02u_%02d%02d%02d_%04zu", core::year_of(date),
                core::month_of(date), core::day_of(date), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                file_groups_ + 1);
  std::vector<ExtfFile> files;
  auto written_ok = [&](const core::Result<ExtfWrite>& w, const std::vector<std::size_t>& owners) {
    if (!w) {
      for (std::size_t i : owners)
        results[i] = {sync::PushOutcome::kRejected, "", w.error().to_string(), std::nullopt};
      return;
    }
    changes_.insert(changes_.end(), w->changes.begin(), w->changes.end());
    files.insert(files.end(), w->files.begin(), w->files.end());
  };
  if (!postings.empty() && !settings_.xml)
    written_ok(write_buchungsstapel(header, postings, stem), posting_entry);
  if (!postings.empty() && settings_.xml) written_ok(xml_archive(header, postings, stem), posting_entry);
  if (!locks.empty()) written_ok(write_debitoren(header, locks, stem), lock_entry);
  if (auto s = write_files(files); !s) {
    // Files already completed keep their keys (written_keys_); the rest is retried.
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (results[i].outcome != sync::PushOutcome::kLanded || !results[i].remote_reference.empty()) continue;
      if (written_keys_.count(entries[i].idempotency_key)) continue;
      results[i] = {sync::PushOutcome::kRetryable, "", s.error().to_string(), std::nullopt};
    }
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (results[i].outcome != sync::PushOutcome::kLanded) continue;
    if (auto it = written_keys_.find(entries[i].idempotency_key); it != written_keys_.end()) {
      results[i].remote_reference = it->second.file + ":" + std::to_string(it->second.row);
    }
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto first = first_of_key.find(entries[i].idempotency_key);
    if (first != first_of_key.end() && first->second != i) results[i] = results[first->second];
  }
  unlock();
  return results;
}

sync::LookupResult DatevAdapter::lookup(const sync::OutboxEntry& entry) {
  sync::LookupResult result;
  if (auto s = lock_and_refresh(); !s) {
    unlock();
    result.message = s.error().to_string();
    return result;
  }
  if (auto it = written_keys_.find(entry.idempotency_key); it != written_keys_.end()) {
    result.outcome = sync::LookupOutcome::kLanded;
    result.remote_reference = it->second.file + ":" + std::to_string(it->second.row);
  } else {
    result.outcome = sync::LookupOutcome::kAbsent;
  }
  unlock();
  return result;
}

}  // namespace mahnwerk::datev

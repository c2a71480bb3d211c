// The canonical JSON folder adapter (folder_adapter.h). Records are read by the canonical state
// reader (state_json.h) so the folder accepts exactly what every other canonical file accepts.
#include "adapters/jsonfile/folder_adapter.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "adapters/jsonfile/json_util.h"
#include "adapters/jsonfile/state_json.h"
#include "connector/sync/audit.h"
#include "connector/sync/drain.h"

namespace mahnwerk::jsonfile {
namespace {

using core::Error;
using core::ErrorKind;

struct InboxSection {
  std::string_view file;
  std::string_view member;  // the section of the canonical state document
  bool required;
};
constexpr InboxSection kSections[] = {
    {kDebtorsFile, "debtors", false},
    {kItemsFile, "items", true},
    {kPaymentsFile, "payments", false},
};

struct InboxFile {
  const InboxSection* section = nullptr;
  std::string path;
  std::optional<std::string> text;  // nullopt: absent
};

std::string system_error(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

// The file's bytes; nullopt when it does not exist.
core::Result<std::optional<std::string>> read_optional(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Error{ErrorKind::kUnavailable, system_error("cannot open"), path};
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e{ErrorKind::kUnavailable, system_error("cannot read"), path};
      ::close(fd);
      return e;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

core::Result<std::vector<InboxFile>> read_inbox(const std::string& inbox) {
  std::error_code ec;
  if (!std::filesystem::is_directory(inbox, ec))
    return Error{ErrorKind::kNotFound, "inbox folder does not exist", inbox};
  std::vector<InboxFile> files;
  for (const auto& section : kSections) {
    InboxFile file{&section, inbox + "/" + std::string(section.file), std::nullopt};
    MW_ASSIGN_OR_RETURN(file.text, read_optional(file.path));
    if (!file.text && section.required)
      return Error{ErrorKind::kNotFound, "the inbox has no " + std::string(section.file), inbox};
    files.push_back(std::move(file));
  }
  return files;
}

std::string digest_of(const std::vector<InboxFile>& files) {
  std::string fields;
  sync::append_netstring(fields, "mahnwerk-inbox-v1");
  for (const auto& file : files) {
    sync::append_netstring(fields, file.section->file);
    sync::append_netstring(fields, file.text ? sync::sha256_hex(*file.text) : "absent");
  }
  return sync::sha256_hex(fields);
}

// Moves the records of `from` into `to` (only one section of `from` is filled).
void append_records(core::State& from, core::State& to) {
  auto move_all = [](auto& source, auto& target) {
    target.insert(target.end(), std::make_move_iterator(source.begin()),
                  std::make_move_iterator(source.end()));
  };
  move_all(from.debtors, to.debtors);
  move_all(from.items, to.items);
  move_all(from.payments, to.payments);
}

// The file's records as a canonical state document: {"items": <the file's array>}. The newline
// ends a trailing line comment of the file.
core::Result<core::State> parse_whole(const InboxFile& file) {
  std::string wrapped;
  wrapped.reserve(file.text->size() + file.section->member.size() + 8);
  wrapped.append("{\"").append(file.section->member).append("\":").append(*file.text).append("\n}");
  return parse_state(wrapped, file.path);
}

std::string_view id_of(const core::State& one) {
  if (!one.debtors.empty()) return one.debtors.front().id;
  if (!one.items.empty()) return one.items.front().id;
  return {};  // payments have no id
}

// The slow path after parse_whole failed: the file as a DOM (a syntax error is the pull's error,
// naming line and column), then each record on its own through the canonical reader, so one bad
// record costs only itself.
core::Status parse_each(const InboxFile& file, core::State& out, std::vector<sync::Rejected>& rejected) {
  rapidjson::Document doc;
  MW_ASSIGN_OR_RETURN(doc, parse_json(*file.text, file.path));
  const std::string member(file.section->member);
  if (!doc.IsArray()) return core::invalid_input("expected a JSON array of " + member, file.path);
  std::unordered_set<std::string> ids;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const std::string where = member + "[" + std::to_string(i) + "]";
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc[i].Accept(writer);
    const std::string one =
        "{\"" + member + "\":[" + std::string(buffer.GetString(), buffer.GetSize()) + "]}";
    auto parsed = parse_state(one, "");
    if (!parsed) {
      std::string context = parsed.error().context;
      const std::string first = member + "[0]";
      if (context.compare(0, first.size(), first) == 0) context.replace(0, first.size(), where);
      rejected.push_back({file.path, context.empty() ? where : context, parsed.error().message});
      continue;
    }
    const std::string_view id = id_of(*parsed);
    if (!id.empty() && !ids.emplace(id).second) {
      rejected.push_back({file.path, where + ".id", "duplicate id \"" + std::string(id) + "\""});
      continue;
    }
    append_records(parsed.value(), out);
  }
  return core::Ok{};
}

// payment_key ids: the occurrence among identical payments keeps them apart.
std::vector<sync::PulledPayment> with_ids(std::vector<core::Payment>& payments) {
  std::vector<sync::PulledPayment> pulled;
  pulled.reserve(payments.size());
  std::map<std::string, int> occurrences;
  for (auto& payment : payments) {
    const int occurrence = occurrences[sync::payment_key(payment, 0)]++;
    pulled.push_back({sync::payment_key(payment, occurrence), std::move(payment)});
  }
  return pulled;
}

// One outbox line (folder_adapter.h).
core::Result<std::string> writeback_line(const sync::OutboxEntry& entry, std::string_view time) {
  if (auto s = sync::check_json(entry.payload, "payload of outbox entry " + entry.idempotency_key); !s)
    return s.error();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto field = [&writer](const char* name, std::string_view value) {
    writer.Key(name);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  writer.StartObject();
  field("key", entry.idempotency_key);
  field("tenant", entry.tenant);
  field("kind", entry.kind);
  field("target", entry.target);
  writer.Key("payload");
  writer.RawValue(entry.payload.data(), entry.payload.size(), rapidjson::kObjectType);
  field("time", time);
  writer.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line.push_back('\n');
  return line;
}

core::Status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{ErrorKind::kUnavailable, system_error("cannot write"), path};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return core::Ok{};
}

// Makes a new directory entry durable.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string reference(std::size_t line) { return std::string(kWritebacksFile) + ":" + std::to_string(line); }

}  // namespace

core::Result<FolderSettings> folder_settings(const std::map<std::string, std::string>& settings,
                                             const std::string& context) {
  FolderSettings out;
  for (auto [name, target] : {std::pair{"inbox", &out.inbox}, std::pair{"outbox", &out.outbox}}) {
    const auto it = settings.find(name);
    if (it == settings.end() || it->second.empty()) {
      return Error{ErrorKind::kBadConfig,
                   std::string("the jsonfile adapter needs settings.") + name + " (a folder)", context};
    }
    *target = it->second;
  }
  return out;
}

FolderAdapter::FolderAdapter(FolderSettings settings, const sync::Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

FolderAdapter::~FolderAdapter() {
  if (fd_ >= 0) ::close(fd_);
}

sync::Capabilities FolderAdapter::capabilities() const { return {true, true, true, {}}; }

core::Result<sync::Delta> FolderAdapter::pull(const std::optional<std::string>& cursor) {
  std::vector<InboxFile> files;
  MW_ASSIGN_OR_RETURN(files, read_inbox(settings_.inbox));
  sync::Delta delta;
  delta.next_cursor = digest_of(files);
  if (cursor && *cursor == delta.next_cursor) {
    delta.full = false;
    return delta;
  }
  core::State records;
  for (const auto& file : files) {
    if (!file.text) continue;
    auto whole = parse_whole(file);
    if (whole) {
      append_records(whole.value(), records);
      continue;
    }
    const std::size_t rejected_before = delta.rejected.size();
    if (auto s = parse_each(file, records, delta.rejected); !s) return s.error();
    // A rejected item is missing from the delta, but it may well be open: not a full picture.
    if (file.section->member == "items" && delta.rejected.size() > rejected_before) delta.full = false;
  }
  delta.debtors = std::move(records.debtors);
  delta.items = std::move(records.items);
  delta.payments = with_ids(records.payments);
  return delta;
}

core::Status FolderAdapter::refresh_locked(bool create) {
  const std::string path = settings_.outbox + "/" + std::string(kWritebacksFile);
  if (fd_ < 0) {
    if (create) {
      std::error_code ec;
      std::filesystem::create_directories(settings_.outbox, ec);
      if (ec)
        return Error{ErrorKind::kUnavailable, "cannot create the outbox folder: " + ec.message(),
                     settings_.outbox};
    }
    fd_ = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd_ < 0) {
      return Error{errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kUnavailable,
                   system_error("cannot open"), path};
    }
    if (create) sync_directory(settings_.outbox);
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) return Error{ErrorKind::kUnavailable, system_error("cannot lock"), path};
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    unlock();
    return Error{ErrorKind::kUnavailable, system_error("cannot stat"), path};
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < indexed_size_) {  // shortened by someone else: read it again from the start
    index_.clear();
    lines_ = 0;
    indexed_size_ = 0;
  }
  if (size == indexed_size_) return core::Ok{};
  std::string tail(size - indexed_size_, '\0');
  std::size_t got = 0;
  while (got < tail.size()) {
    const ssize_t n =
        ::pread(fd_, tail.data() + got, tail.size() - got, static_cast<off_t>(indexed_size_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      unlock();
      return Error{ErrorKind::kUnavailable, system_error("cannot read"), path};
    }
    got += static_cast<std::size_t>(n);
  }
  std::size_t start = 0;
  for (std::size_t end = tail.find('\n'); end != std::string::npos; end = tail.find('\n', start)) {
    const std::string_view line(tail.data() + start, end - start);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(line.data(), line.size());
    const auto key =
        !doc.HasParseError() && doc.IsObject() ? doc.FindMember("key") : rapidjson::Value::MemberIterator();
    if (doc.HasParseError() || !doc.IsObject() || key == doc.MemberEnd() || !key->value.IsString()) {
      unlock();
      return Error{ErrorKind::kInvalidInput, "not a write-back line (a JSON object with a \"key\")",
                   path + ", line " + std::to_string(lines_ + 1)};
    }
    ++lines_;
    index_.try_emplace(std::string(key->value.GetString(), key->value.GetStringLength()), lines_);
    start = end + 1;
  }
  indexed_size_ += start;
  if (start < tail.size()) {
    // A line without its newline: a write cut short by a crash. Its push never reported landed;
    // cutting it off lets the next push of that key write it whole.
    if (::ftruncate(fd_, static_cast<off_t>(indexed_size_)) != 0 || ::fdatasync(fd_) != 0) {
      unlock();
      return Error{ErrorKind::kUnavailable, system_error("cannot cut off a torn last line"), path};
    }
  }
  return core::Ok{};
}

void FolderAdapter::unlock() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

sync::PushResult FolderAdapter::push(const sync::OutboxEntry& entry) {
  return push_batch(std::span<const sync::OutboxEntry>(&entry, 1)).front();
}

std::vector<sync::PushResult> FolderAdapter::push_batch(std::span<const sync::OutboxEntry> entries) {
  std::vector<sync::PushResult> results(entries.size());
  const std::string time = sync::format_rfc3339(clock_.now());
  std::vector<std::optional<std::string>> candidates(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto line = writeback_line(entries[i], time);
    if (line) {
      candidates[i] = std::move(*line);
    } else {
      results[i] = {sync::PushOutcome::kRejected, {}, line.error().to_string(), std::nullopt};
    }
  }
  if (std::none_of(candidates.begin(), candidates.end(), [](const auto& c) { return c.has_value(); }))
    return results;  // nothing to write: no file is created
  if (auto s = refresh_locked(true); !s) {
    // Nothing can be written now; the first entry says why and the rest were not tried.
    results.resize(1);
    results[0] = {sync::PushOutcome::kRetryable, {}, s.error().to_string(), std::nullopt};
    return results;
  }
  // The new lines, each under its key's line number; a key written earlier (or twice in this
  // batch) lands on the line written first.
  std::string lines;
  std::size_t next_line = lines_;
  std::unordered_map<std::string_view, std::size_t> in_batch;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!candidates[i]) continue;
    const std::string& key = entries[i].idempotency_key;
    std::size_t line_number = 0;
    if (const auto it = index_.find(key); it != index_.end()) {
      line_number = it->second;
    } else if (const auto b = in_batch.find(key); b != in_batch.end()) {
      line_number = b->second;
    } else {
      lines += *candidates[i];
      line_number = ++next_line;
      in_batch.emplace(key, line_number);
    }
    results[i] = {sync::PushOutcome::kLanded, reference(line_number), {}, std::nullopt};
  }
  if (lines.empty()) {
    unlock();
    return results;
  }
  const std::string path = settings_.outbox + "/" + std::string(kWritebacksFile);
  core::Status written = write_all(fd_, lines, path);
  if (written && ::fdatasync(fd_) != 0)
    written = Error{ErrorKind::kUnavailable, system_error("cannot sync"), path};
  if (!written) {
    // Not durable, so not landed: take back what may have reached the file. The entries the
    // file held already landed all the same; the first new one says why, the rest were not tried.
    if (::ftruncate(fd_, static_cast<off_t>(indexed_size_)) == 0) ::fdatasync(fd_);
    unlock();
    std::size_t keep = 0;
    while (keep < entries.size() && !in_batch.contains(entries[keep].idempotency_key)) ++keep;
    results.resize(keep + 1);
    results[keep] = {sync::PushOutcome::kRetryable, {}, written.error().to_string(), std::nullopt};
    return results;
  }
  indexed_size_ += lines.size();
  lines_ = next_line;
  for (const auto& [key, line] : in_batch) index_.emplace(std::string(key), line);
  unlock();
  return results;
}

sync::LookupResult FolderAdapter::lookup(const sync::OutboxEntry& entry) {
  if (auto s = refresh_locked(false); !s) {
    if (s.error().kind == ErrorKind::kNotFound) return {sync::LookupOutcome::kAbsent, {}, {}};
    return {sync::LookupOutcome::kUnknown, {}, s.error().to_string()};
  }
  const auto it = index_.find(entry.idempotency_key);
  unlock();
  if (it == index_.end()) return {sync::LookupOutcome::kAbsent, {}, {}};
  return {sync::LookupOutcome::kLanded, reference(it->second), {}};
}

}  // namespace mahnwerk::jsonfile

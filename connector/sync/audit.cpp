// Audit events: canonical form, SHA-256 chain and its verification.
#include "connector/sync/audit.h"

#include <openssl/evp.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <array>
#include <stdexcept>

namespace mahnwerk::sync {
namespace {

// Bumped if the serialisation ever changes, so old and new hashes can never be confused.
constexpr std::string_view kCanonicalTag = "mahnwerk-audit-v1";

bool is_digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return false;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

int number_at(std::string_view text, std::size_t pos, std::size_t count) {
  int n = 0;
  for (std::size_t i = pos; i < pos + count; ++i) n = n * 10 + (text[i] - '0');
  return n;
}

// "YYYY-MM-DDTHH:MM:SS[.fraction]Z": the one timestamp form of the trail, so times sort as text.
bool is_rfc3339_utc(std::string_view t) {
  if (t.size() < 20 || !is_digits(t, 0, 4) || t[4] != '-' || !is_digits(t, 5, 2) || t[7] != '-' ||
      !is_digits(t, 8, 2) || t[10] != 'T' || !is_digits(t, 11, 2) || t[13] != ':' || !is_digits(t, 14, 2) ||
      t[16] != ':' || !is_digits(t, 17, 2)) {
    return false;
  }
  const int month = number_at(t, 5, 2), day = number_at(t, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || number_at(t, 11, 2) > 23 ||
      number_at(t, 14, 2) > 59 || number_at(t, 17, 2) > 60) {
    return false;
  }
  std::size_t pos = 19;
  if (t[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  return pos + 1 == t.size() && t[pos] == 'Z';
}

// Well-formed JSON, checked without building a document (and without reading numbers as double).
std::optional<std::string> json_error(std::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseStopWhenDoneFlag;
  const rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  if (result.IsError()) {
    return std::string(rapidjson::GetParseError_En(result.Code())) + " at offset " +
           std::to_string(result.Offset());
  }
  // kParseStopWhenDoneFlag stops after the first value; anything but whitespace after it is wrong.
  for (std::size_t i = stream.Tell(); i < text.size(); ++i) {
    const char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return "text after the JSON value at offset " + std::to_string(i);
  }
  return std::nullopt;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

}  // namespace

void append_netstring(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return to_hex(digest.data(), size);
}

std::string canonical_form(const AuditEvent& event) {
  std::string out;
  out.reserve(128 + event.time.size() + event.tenant.size() + event.actor.size() + event.kind.size() +
              event.subject.size() + event.data.size());
  append_netstring(out, kCanonicalTag);
  append_netstring(out, std::to_string(event.sequence));
  append_netstring(out, event.time);
  append_netstring(out, event.tenant);
  append_netstring(out, event.actor);
  append_netstring(out, event.kind);
  append_netstring(out, event.subject);
  append_netstring(out, event.data);
  append_netstring(out, event.previous_hash);
  return out;
}

std::string audit_hash(const AuditEvent& event) { return sha256_hex(canonical_form(event)); }

core::Status check_json(std::string_view text, std::string_view what) {
  if (auto error = json_error(text)) return core::invalid_input("not JSON: " + *error, std::string(what));
  return core::Ok{};
}

core::Status check_draft(const AuditDraft& draft) {
  if (!is_rfc3339_utc(draft.time)) {
    return core::invalid_input(
        "time \"" + draft.time + "\" is not an RFC 3339 UTC timestamp (2025-06-30T06:00:00Z)", "audit event");
  }
  if (draft.actor.empty()) return core::invalid_input("actor is empty", "audit event");
  if (draft.kind.empty()) return core::invalid_input("kind is empty", "audit event");
  if (draft.subject.empty()) return core::invalid_input("subject is empty", "audit event");
  return check_json(draft.data, "audit event data");
}

AuditEvent seal_event(std::string_view tenant, const AuditDraft& draft, const AuditEvent* previous) {
  AuditEvent event;
  event.sequence = previous == nullptr ? 1 : previous->sequence + 1;
  event.time = draft.time;
  event.tenant = std::string(tenant);
  event.actor = draft.actor;
  event.kind = draft.kind;
  event.subject = draft.subject;
  event.data = draft.data;
  event.previous_hash = previous == nullptr ? std::string(kGenesisHash) : previous->hash;
  event.hash = audit_hash(event);
  return event;
}

std::optional<ChainBreak> find_chain_break(std::span<const AuditEvent> events,
                                           std::optional<std::string_view> expected_head) {
  std::string_view previous_hash = kGenesisHash;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const AuditEvent& event = events[i];
    const auto expected = static_cast<std::int64_t>(i) + 1;
    // Order checks first: a removed, inserted or swapped event shows as a wrong number or link,
    // which names the place better than the hash mismatch that follows from it.
    if (event.sequence != expected) {
      return ChainBreak{expected, "expected sequence " + std::to_string(expected) + ", found " +
                                      std::to_string(event.sequence) +
                                      " (event removed, inserted or reordered)"};
    }
    if (event.tenant != events.front().tenant) {
      return ChainBreak{expected, "event of tenant \"" + event.tenant + "\" in the chain of \"" +
                                      events.front().tenant + "\""};
    }
    if (event.previous_hash != previous_hash) {
      return ChainBreak{expected, "previous hash does not match the hash of the event before it"};
    }
    if (audit_hash(event) != event.hash) {
      return ChainBreak{expected, "hash does not match the event's content (event changed)"};
    }
    previous_hash = event.hash;
  }
  if (expected_head && *expected_head != previous_hash) {
    const auto next = static_cast<std::int64_t>(events.size()) + 1;
    return ChainBreak{next,
                      "the chain does not end with the expected head hash (events removed at the end, "
                      "or the chain rewritten)"};
  }
  return std::nullopt;
}

core::Status verify_chain(std::span<const AuditEvent> events, std::optional<std::string_view> expected_head) {
  const auto broken = find_chain_break(events, expected_head);
  if (!broken) return core::Ok{};
  const std::string tenant = events.empty() ? std::string() : events.front().tenant;
  return core::invalid_input("audit chain of tenant \"" + tenant + "\" is broken at sequence " +
                             std::to_string(broken->sequence) + ": " + broken->reason);
}

}  // namespace mahnwerk::sync

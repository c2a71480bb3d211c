// The audit trail (Dokumentation, GoBD): append-only events of one tenant, chained by SHA-256.
// Each event's hash covers all of its fields and the previous event's hash, so a changed,
// removed, inserted or reordered event breaks the chain at the first place it touches.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "connector/core/result.h"

namespace mahnwerk::sync {

// One chain per tenant, not one for the whole office: a Mandant's trail can be handed to an
// auditor (Betriebsprüfer) and verified on its own without disclosing other Mandanten, and
// workers syncing different tenants append without contending for one global chain head.
struct AuditEvent {
  std::int64_t sequence = 0;  // 1, 2, 3, ... within the tenant; no gaps
  std::string time;           // RFC 3339 UTC: "2025-06-30T06:00:00Z" (fractions allowed)
  std::string tenant;
  std::string actor;          // "sync", "user:anna", "scheduler"
  std::string kind;           // "pulled", "notice_sent", "fee_charged", "pushed", ...
  std::string subject;        // what it is about: "item:RE-2025-0101", "debtor:D-7", "tenant"
  std::string data;           // JSON text with the details
  std::string previous_hash;  // hex SHA-256 of the previous event; kGenesisHash for the first
  std::string hash;           // hex SHA-256 of this event (audit_hash)
};

// The previous hash of a tenant's first event: 64 zeros.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The event as its author states it; the chain adds sequence, previous hash and hash.
struct AuditDraft {
  std::string time;
  std::string actor;
  std::string kind;
  std::string subject;
  std::string data = "{}";
};

// The canonical serialisation that is hashed: a version tag, then every field except `hash` as
// a netstring ("<length>:<bytes>,") in a fixed order. Length prefixes make it unambiguous: no
// choice of field contents can make two different events serialise alike.
std::string canonical_form(const AuditEvent& event);

// Appends `field` as a netstring: "<length>:<bytes>,".
void append_netstring(std::string& out, std::string_view field);

// Lower-case hex SHA-256 of `bytes`. Throws std::runtime_error only when OpenSSL itself fails
// (out of memory), which is a start-up-class failure, not a data error.
std::string sha256_hex(std::string_view bytes);

// Lower-case hex SHA-256 of canonical_form(event).
std::string audit_hash(const AuditEvent& event);

// Checks that `text` is one well-formed JSON value (numbers are not converted); invalid input
// naming `what` otherwise.
core::Status check_json(std::string_view text, std::string_view what);

// Checks a draft: time is RFC 3339 UTC ("Z"), actor, kind and subject are non-empty, data is
// well-formed JSON. Errors are invalid input naming the field.
core::Status check_draft(const AuditDraft& draft);

// The next event of `tenant`'s chain after `previous` (nullopt: the first event), sealed with its
// hash. REQUIRES: check_draft(draft) succeeded.
AuditEvent seal_event(std::string_view tenant, const AuditDraft& draft, const AuditEvent* previous);

// Where and why a chain is broken.
struct ChainBreak {
  std::int64_t sequence = 0;  // the first sequence number that does not verify
  std::string reason;
};

// Walks a tenant's whole chain in stored order (sequence 1 first) and returns the first break,
// or nullopt when every event verifies: sequence numbers 1, 2, 3, ... without gaps, one tenant
// throughout, each previous_hash equal to the hash before it (kGenesisHash for the first), each
// hash equal to audit_hash of its content.
// A chain cut off at its end, or rewritten entirely with fresh hashes, verifies by itself; pass
// the last hash recorded elsewhere (a printout, a report, another system) as `expected_head` to
// catch that too.
std::optional<ChainBreak> find_chain_break(std::span<const AuditEvent> events,
                                           std::optional<std::string_view> expected_head = {});

// find_chain_break as a Status: Ok, or invalid input "audit chain of tenant T is broken at
// sequence N: <reason>".
core::Status verify_chain(std::span<const AuditEvent> events,
                          std::optional<std::string_view> expected_head = {});

}  // namespace mahnwerk::sync

// The idempotency key of a write-back (issue 4, "Outbox: exactly once"): derived only from what
// the write-back is — never from time, attempt or payload — so re-running a job after a crash
// derives the same key and the outbox (and a remote system that deduplicates) sees one entry.
#pragma once

#include <string>
#include <string_view>

namespace mahnwerk::sync {

// Lower-case hex SHA-256 of the tag "mahnwerk-outbox-v1" and the four fields as netstrings
// (audit.h append_netstring), so no two different tuples share a key.
//   tenant         the Mandant ("berger")
//   kind           the outbox kind ("fee", "interest", "dunning_document", "letter", "block", ...)
//   target         what it changes remotely ("item:RE-2025-0101", "plan:P-7")
//   discriminator  what makes it one of several for the same target: the dunning level ("1"),
//                  the installment ("3"), a status ("defaulted"); may be empty.
// 64 characters; stable across versions (changing it would re-send every write-back).
std::string outbox_key(std::string_view tenant, std::string_view kind, std::string_view target,
                       std::string_view discriminator);

}  // namespace mahnwerk::sync

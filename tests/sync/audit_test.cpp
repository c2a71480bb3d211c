// The audit hash chain: built, verified, and every kind of tampering found at the right place.
#include "connector/sync/audit.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace mahnwerk::sync {
namespace {

AuditDraft draft(int n) {
  return AuditDraft{"2025-06-30T06:00:0" + std::to_string(n) + "Z", "sync", "notice_sent",
                    "item:RE-" + std::to_string(n), R"({"level":1,"amount":"12.50"})"};
}

std::vector<AuditEvent> chain(int length, std::string_view tenant = "holzwerk") {
  std::vector<AuditEvent> events;
  for (int i = 1; i <= length; ++i) {
    events.push_back(seal_event(tenant, draft(i), events.empty() ? nullptr : &events.back()));
  }
  return events;
}

// The sequence named by the first break, or 0 when the chain verifies.
std::int64_t break_at(const std::vector<AuditEvent>& events) {
  auto broken = find_chain_break(events);
  return broken ? broken->sequence : 0;
}

TEST(Audit, ChainIsBuiltAndVerifies) {
  const auto events = chain(5);
  EXPECT_EQ(events[0].sequence, 1);
  EXPECT_EQ(events[0].previous_hash, kGenesisHash);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(events[i].previous_hash, events[i - 1].hash);
  }
  EXPECT_EQ(events[4].hash.size(), 64u);
  EXPECT_TRUE(verify_chain(events).ok());
  EXPECT_TRUE(verify_chain(events, events.back().hash).ok());
  EXPECT_TRUE(verify_chain(std::vector<AuditEvent>{}).ok());
}

TEST(Audit, HashIsSha256OfTheCanonicalForm) {
  AuditEvent e;
  e.sequence = 1;
  e.time = "2025-01-01T00:00:00Z";
  e.tenant = "t";
  e.actor = "a";
  e.kind = "k";
  e.subject = "s";
  e.data = "{}";
  e.previous_hash = std::string(kGenesisHash);
  EXPECT_EQ(canonical_form(e), "17:mahnwerk-audit-v1,1:1,20:2025-01-01T00:00:00Z,1:t,1:a,1:k,1:s,2:{},64:" +
                                   std::string(kGenesisHash) + ",");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(audit_hash(e), sha256_hex(canonical_form(e)));
}

TEST(Audit, FieldBoundariesAreUnambiguous) {
  auto a = chain(1)[0];
  auto b = a;
  a.actor = "ab";
  a.kind = "c";
  b.actor = "a";
  b.kind = "bc";
  EXPECT_NE(audit_hash(a), audit_hash(b));
}

TEST(Audit, ChangedDataIsFoundAtItsEvent) {
  auto events = chain(5);
  events[2].data = R"({"level":1,"amount":"1.25"})";
  EXPECT_EQ(break_at(events), 3);
  const auto status = verify_chain(events);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(status.error().message.find("holzwerk"), std::string::npos);
  EXPECT_NE(status.error().message.find("sequence 3"), std::string::npos) << status.error().message;
}

TEST(Audit, ChangedTimeIsFound) {
  auto events = chain(5);
  events[3].time = "2025-06-29T06:00:04Z";
  EXPECT_EQ(break_at(events), 4);
}

TEST(Audit, EveryChangedFieldIsFound) {
  using Field = std::string AuditEvent::*;
  for (Field field : {&AuditEvent::time, &AuditEvent::tenant, &AuditEvent::actor, &AuditEvent::kind,
                      &AuditEvent::subject, &AuditEvent::data, &AuditEvent::hash}) {
    auto events = chain(3);
    events[0].*field += "x";
    EXPECT_EQ(break_at(events), 1);
  }
}

TEST(Audit, RemovedEventIsFound) {
  auto events = chain(5);
  events.erase(events.begin() + 2);
  EXPECT_EQ(break_at(events), 3);
  auto first_removed = chain(3);
  first_removed.erase(first_removed.begin());
  EXPECT_EQ(break_at(first_removed), 1);
}

TEST(Audit, RemovedAndRenumberedEventIsFoundByItsLink) {
  auto events = chain(5);
  events.erase(events.begin() + 2);
  for (std::size_t i = 2; i < events.size(); ++i) events[i].sequence -= 1;
  EXPECT_EQ(break_at(events), 3);
}

TEST(Audit, SwappedEventsAreFound) {
  auto events = chain(5);
  std::swap(events[1], events[2]);
  EXPECT_EQ(break_at(events), 2);
  // Swapped and renumbered: the links give it away.
  std::swap(events[1].sequence, events[2].sequence);
  EXPECT_EQ(break_at(events), 2);
}

TEST(Audit, InsertedEventIsFound) {
  auto events = chain(4);
  // A forged event properly linked to event 2, pushed in before the original event 3.
  AuditEvent forged = seal_event("holzwerk", draft(9), &events[1]);
  events.insert(events.begin() + 2, forged);
  EXPECT_EQ(break_at(events), 4);  // the forged one links fine; the original 3 (now 4th) does not
  for (std::size_t i = 3; i < events.size(); ++i) events[i].sequence += 1;
  EXPECT_EQ(break_at(events), 4);
}

TEST(Audit, ChangedPreviousHashIsFound) {
  auto events = chain(4);
  events[2].previous_hash = events[0].hash;
  EXPECT_EQ(break_at(events), 3);
  // Even with the event's own hash recomputed, the link to event 2 is broken.
  events[2].hash = audit_hash(events[2]);
  EXPECT_EQ(break_at(events), 3);
}

TEST(Audit, TruncatedTailIsFoundOnlyAgainstAKnownHead) {
  auto events = chain(5);
  const std::string head = events.back().hash;
  events.pop_back();
  EXPECT_EQ(break_at(events), 0);
  const auto broken = find_chain_break(events, head);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->sequence, 5);
}

TEST(Audit, EventOfAnotherTenantIsFound) {
  auto events = chain(3);
  events[1] = seal_event("other", draft(2), &events[0]);
  events[2] = seal_event("holzwerk", draft(3), &events[1]);
  EXPECT_EQ(break_at(events), 2);
}

TEST(Audit, DraftsAreChecked) {
  EXPECT_TRUE(check_draft(draft(1)).ok());
  EXPECT_TRUE(check_draft({"2025-06-30T06:00:00.123456Z", "a", "k", "s", "[]"}).ok());
  const AuditDraft bad[] = {
      {"2025-06-30 06:00:00", "a", "k", "s", "{}"},     {"2025-06-30T06:00:00+02:00", "a", "k", "s", "{}"},
      {"2025-13-30T06:00:00Z", "a", "k", "s", "{}"},    {"2025-06-30T06:00:00.Z", "a", "k", "s", "{}"},
      {"2025-06-30T06:00:00Z", "", "k", "s", "{}"},     {"2025-06-30T06:00:00Z", "a", "", "s", "{}"},
      {"2025-06-30T06:00:00Z", "a", "k", "", "{}"},     {"2025-06-30T06:00:00Z", "a", "k", "s", "{"},
      {"2025-06-30T06:00:00Z", "a", "k", "s", "{} {}"}, {"2025-06-30T06:00:00Z", "a", "k", "s", ""},
  };
  for (const auto& d : bad) {
    const auto status = check_draft(d);
    ASSERT_FALSE(status.ok()) << d.time << " " << d.data;
    EXPECT_EQ(status.error().kind, core::ErrorKind::kInvalidInput);
  }
}

}  // namespace
}  // namespace mahnwerk::sync

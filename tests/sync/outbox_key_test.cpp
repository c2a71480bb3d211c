// outbox_key: stable, distinct per field, and not fooled by moving text between fields.
#include "connector/sync/outbox_key.h"

#include <gtest/gtest.h>

#include <set>

#include "connector/sync/audit.h"

namespace mahnwerk::sync {
namespace {

TEST(OutboxKey, IsStableHexSha256) {
  const std::string key = outbox_key("berger", "fee", "item:RE-1", "1");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key, outbox_key("berger", "fee", "item:RE-1", "1"));
  // Pinned: changing the derivation would re-send every stored write-back.
  std::string fields;
  append_netstring(fields, "mahnwerk-outbox-v1");
  for (const char* f : {"berger", "fee", "item:RE-1", "1"}) append_netstring(fields, f);
  EXPECT_EQ(key, sha256_hex(fields));
}

TEST(OutboxKey, EveryFieldMattersAndFieldsDoNotRunTogether) {
  const std::set<std::string> keys = {
      outbox_key("berger", "fee", "item:RE-1", "1"),      outbox_key("huber", "fee", "item:RE-1", "1"),
      outbox_key("berger", "interest", "item:RE-1", "1"), outbox_key("berger", "fee", "item:RE-2", "1"),
      outbox_key("berger", "fee", "item:RE-1", "2"),      outbox_key("berger", "fee", "item:RE-1", ""),
      outbox_key("berger", "fee", "item:RE-11", ""),      outbox_key("bergerfee", "", "item:RE-1", "1"),
  };
  EXPECT_EQ(keys.size(), 8u);
}

}  // namespace
}  // namespace mahnwerk::sync

#include "connector/sync/outbox_key.h"

#include "connector/sync/audit.h"

namespace mahnwerk::sync {

std::string outbox_key(std::string_view tenant, std::string_view kind, std::string_view target,
                       std::string_view discriminator) {
  // The version tag lets a future key scheme coexist with stored keys without colliding.
  std::string fields;
  append_netstring(fields, "mahnwerk-outbox-v1");
  append_netstring(fields, tenant);
  append_netstring(fields, kind);
  append_netstring(fields, target);
  append_netstring(fields, discriminator);
  return sha256_hex(fields);
}

}  // namespace mahnwerk::sync

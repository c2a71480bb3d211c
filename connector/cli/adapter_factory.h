// The adapter of a tenant, built from its office configuration: the one place that knows which
// Adapter implementation serves which `adapter` kind. The sync job itself sees only sync::Adapter.
#pragma once

#include <memory>

#include "adapters/jsonfile/office_config.h"
#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"

namespace mahnwerk::cli {

// jsonfile: the canonical JSON folder adapter (settings inbox and outbox); datev: the DATEV
// files; rest: the declarative REST engine with the tenant's mapping (docs/mappings.md), found by
// name in $MAHNWERK_MAPPINGS_DIR, the installed mappings or the source tree's mappings/.
// `clock` stamps write-backs; it must outlive the adapter.
core::Result<std::unique_ptr<sync::Adapter>> make_adapter(const jsonfile::TenantConfig& tenant,
                                                          const sync::Clock& clock);

}  // namespace mahnwerk::cli

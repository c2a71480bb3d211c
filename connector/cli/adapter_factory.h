// The adapter of a tenant, built from its office configuration: the one place that knows which
// Adapter implementation serves which `adapter` kind. The sync job itself sees only sync::Adapter.
#pragma once

#include <memory>

#include "adapters/jsonfile/office_config.h"
#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"

namespace mahnwerk::cli {

// jsonfile: the canonical JSON folder adapter (settings inbox and outbox). datev and rest are
// kBadConfig ("... adapter not built yet"), context the tenant's file and id, until they exist.
// `clock` stamps write-backs; it must outlive the adapter.
core::Result<std::unique_ptr<sync::Adapter>> make_adapter(const jsonfile::TenantConfig& tenant,
                                                          const sync::Clock& clock);

}  // namespace mahnwerk::cli

// Adapter kinds to implementations.
#include "connector/cli/adapter_factory.h"

#include "adapters/jsonfile/folder_adapter.h"

namespace mahnwerk::cli {

core::Result<std::unique_ptr<sync::Adapter>> make_adapter(const jsonfile::TenantConfig& tenant,
                                                          const sync::Clock& clock) {
  const std::string context = tenant.source + ", tenant \"" + tenant.id + "\"";
  switch (tenant.adapter) {
    case jsonfile::AdapterKind::kJsonfile: {
      auto settings = jsonfile::folder_settings(tenant.settings, context + ", settings");
      if (!settings) return settings.error();
      return std::unique_ptr<sync::Adapter>(
          std::make_unique<jsonfile::FolderAdapter>(std::move(settings).value(), clock));
    }
    case jsonfile::AdapterKind::kDatev:
      return core::Error{core::ErrorKind::kBadConfig, "datev adapter not built yet", context};
    case jsonfile::AdapterKind::kRest:
      return core::Error{core::ErrorKind::kBadConfig, "rest adapter not available yet", context};
  }
  return core::Error{core::ErrorKind::kBadConfig, "unknown adapter", context};
}

}  // namespace mahnwerk::cli

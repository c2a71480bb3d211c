// Adapter kinds to implementations.
#include "connector/cli/adapter_factory.h"

#include <filesystem>

#include "adapters/datev/datev_adapter.h"
#include "adapters/jsonfile/folder_adapter.h"
#include "adapters/rest/rest_adapter.h"

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
    case jsonfile::AdapterKind::kDatev: {
      // Relative folders are relative to the file that defines the tenant.
      auto settings = datev::datev_settings(tenant.settings, tenant.accounts.fee_revenue,
                                            tenant.accounts.interest_revenue, context,
                                            std::filesystem::path(tenant.source).parent_path().string());
      if (!settings) return settings.error();
      return std::unique_ptr<sync::Adapter>(
          std::make_unique<datev::DatevAdapter>(std::move(settings).value(), clock));
    }
    case jsonfile::AdapterKind::kRest: {
      // Relative paths (mapping file, CA file, token file) are relative to the tenant's file.
      auto settings = rest::rest_settings(tenant.settings, tenant.id, context,
                                          std::filesystem::path(tenant.source).parent_path().string());
      if (!settings) return settings.error();
      auto mapping = rest::find_mapping(settings->mapping,
                                        rest::mapping_dirs({MAHNWERK_INSTALL_DATA_DIR "/mappings",
                                                            MAHNWERK_SOURCE_CONFIG_DIR "/../mappings"}));
      if (!mapping) return mapping.error().within(context + ", settings.mapping");
      if (!tenant.credentials) {
        return core::Error{core::ErrorKind::kBadConfig,
                           "the rest adapter needs credentials (env:NAME or file:PATH)",
                           context + ", credentials"};
      }
      auto secret = jsonfile::resolve_secret(*tenant.credentials, context + ", credentials");
      if (!secret) return secret.error();
      return rest::make_rest_adapter(std::move(mapping).value(), std::move(settings).value(),
                                     secret->reveal(), clock);
    }
  }
  return core::Error{core::ErrorKind::kBadConfig, "unknown adapter", context};
}

}  // namespace mahnwerk::cli

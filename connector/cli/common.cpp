// Start-up data lookup and error reporting shared by the subcommands.
#include "connector/cli/common.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "adapters/jsonfile/basiszins_json.h"
#include "connector/cli/exit_codes.h"

namespace mahnwerk::cli {
namespace fs = std::filesystem;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

}  // namespace

std::string find_data_file(const std::string& name) {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("MAHNWERK_DATA_DIR"); dir != nullptr && *dir != '\0') {
    candidates.emplace_back(fs::path(dir) / name);
  }
  if (const fs::path exe = executable_dir(); !exe.empty()) {
    candidates.push_back(exe / ".." / "share" / "mahnwerk" / name);
  }
  candidates.emplace_back(fs::path(MAHNWERK_INSTALL_DATA_DIR) / name);
  candidates.emplace_back(fs::path(MAHNWERK_SOURCE_CONFIG_DIR) / name);
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return (fs::path(MAHNWERK_SOURCE_CONFIG_DIR) / name).string();
}

core::Result<core::BasiszinsTable> load_basiszins_table(const LawOptions& options) {
  const std::string path =
      options.basiszins_file.empty() ? find_data_file("basiszins.json") : options.basiszins_file;
  auto table = jsonfile::load_basiszins(path);
  if (!table && table.error().kind == core::ErrorKind::kNotFound) {
    // The rate table is configuration: missing means the installation is incomplete.
    core::Error e = table.error();
    e.kind = core::ErrorKind::kBadConfig;
    e.message = "Basiszinssatz table " + e.message + " (set --basiszins or MAHNWERK_DATA_DIR)";
    return e;
  }
  return table;
}

core::Result<core::HolidayCalendar> make_calendar(const LawOptions& options) {
  auto region = core::parse_region(options.region);
  if (!region) return region.error().within("--region");
  return core::HolidayCalendar(*region);
}

core::Result<core::Date> parse_date_option(const std::string& option, const std::string& value) {
  auto date = core::parse_date(value);
  if (!date) return date.error().within(option);
  return date;
}

int report(const core::Error& error) {
  std::cerr << "mahnwerk: " << error.to_string() << "\n";
  return exit_code_for(error.kind);
}

}  // namespace mahnwerk::cli

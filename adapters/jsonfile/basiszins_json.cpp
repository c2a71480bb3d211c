// config/basiszins.json -> core::BasiszinsTable.
#include "adapters/jsonfile/basiszins_json.h"

#include <vector>

#include "adapters/jsonfile/json_util.h"

namespace mahnwerk::jsonfile {
namespace {

using core::Result;

constexpr core::ErrorKind kConfigError = core::ErrorKind::kBadConfig;

Result<core::BasiszinsEntry> parse_entry(const rapidjson::Value& value, std::size_t index) {
  const Fields f(value, "entries[" + std::to_string(index) + "]", kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  core::BasiszinsEntry entry;
  MW_ASSIGN_OR_RETURN(entry.valid_from, f.required_date("valid_from"));
  std::string rate;
  MW_ASSIGN_OR_RETURN(rate, f.required_string("rate"));
  auto bp = core::parse_percent_bp(rate);
  if (!bp) return f.error("rate", bp.error().message);
  entry.rate_bp = *bp;
  return entry;
}

Result<core::BasiszinsTable> parse_document(const rapidjson::Document& doc) {
  const Fields root(doc, "", kConfigError);
  if (auto s = root.check_object(); !s) return s.error();
  const rapidjson::Value* array = nullptr;
  MW_ASSIGN_OR_RETURN(array, root.array("entries", true));
  std::vector<core::BasiszinsEntry> entries;
  entries.reserve(array->Size());
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    core::BasiszinsEntry entry;
    MW_ASSIGN_OR_RETURN(entry, parse_entry((*array)[i], i));
    entries.push_back(entry);
  }
  // Order, gaps and half-year starts: BasiszinsTable names the entry ("entries[3].valid_from").
  return core::BasiszinsTable::create(std::move(entries));
}

}  // namespace

Result<core::BasiszinsTable> parse_basiszins(std::string_view json, std::string_view source_name) {
  auto doc = parse_json(json, source_name, kConfigError);
  if (!doc) return doc.error();
  auto table = parse_document(*doc);
  if (!table) return table.error().within(source_name);
  return table;
}

Result<core::BasiszinsTable> load_basiszins(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_basiszins(*text, path);
}

}  // namespace mahnwerk::jsonfile

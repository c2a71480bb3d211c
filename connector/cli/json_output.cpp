// Shared JSON output pieces.
#include "connector/cli/json_output.h"

namespace mahnwerk::cli {

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  write_string(w, key);
  w.StartArray();
  for (const auto& v : values) write_string(w, v);
  w.EndArray();
}

void write_periods(JsonWriter& w, std::span<const core::InterestPeriod> periods) {
  write_string(w, "periods");
  w.StartArray();
  for (const auto& p : periods) {
    w.StartObject();
    write_field(w, "from", p.from);
    write_field(w, "to", p.to);
    write_field(w, "days", p.days);
    write_field(w, "year_basis", p.year_basis);
    write_field(w, "basiszins", core::format_percent_bp(p.basiszins_bp));
    write_field(w, "rate", core::format_percent_bp(p.rate_bp));
    write_field(w, "rate_known", p.rate_known);
    write_field(w, "principal", p.principal);
    write_field(w, "amount", p.amount());
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace mahnwerk::cli

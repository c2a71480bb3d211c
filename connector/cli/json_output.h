// JSON output of the commands: RapidJSON's writer with the canonical forms for money, dates,
// percentages and interest periods, so every command prints them the same way.
#pragma once

#include <rapidjson/filewritestream.h>
#include <rapidjson/prettywriter.h>

#include <cstdio>

#include <span>
#include <string_view>
#include <vector>

#include "connector/core/interest.h"
#include "connector/core/money.h"

namespace mahnwerk::cli {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::FileWriteStream>;

// Streams one JSON document to stdout while it is written (a large proposal never sits in
// memory as text), through stdio like the tables, with a newline at the end.
class StdoutJson {
 public:
  StdoutJson() : stream_(stdout, buffer_, sizeof buffer_), writer_(stream_) {}
  ~StdoutJson() {
    stream_.Flush();
    std::fputc('\n', stdout);
  }
  StdoutJson(const StdoutJson&) = delete;
  StdoutJson& operator=(const StdoutJson&) = delete;
  JsonWriter& writer() { return writer_; }

 private:
  char buffer_[1 << 16];
  rapidjson::FileWriteStream stream_;
  JsonWriter writer_;
};

inline void write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void write_field(JsonWriter& w, std::string_view key, std::string_view value) {
  write_string(w, key);
  write_string(w, value);
}
inline void write_field(JsonWriter& w, std::string_view key, const core::Money& m) {
  write_field(w, key, m.to_string());
}
inline void write_field(JsonWriter& w, std::string_view key, const core::Date& d) {
  write_field(w, key, core::format_date(d));
}
inline void write_field(JsonWriter& w, std::string_view key, int value) {
  write_string(w, key);
  w.Int(value);
}
inline void write_field(JsonWriter& w, std::string_view key, bool value) {
  write_string(w, key);
  w.Bool(value);
}
void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values);
// [{"from", "to", "days", "year_basis", "basiszins", "rate", "principal", "amount"}]
void write_periods(JsonWriter& w, std::span<const core::InterestPeriod> periods);

}  // namespace mahnwerk::cli

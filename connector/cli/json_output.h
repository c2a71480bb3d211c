// JSON output of the commands: RapidJSON's writer with the canonical forms for money, dates,
// percentages and interest periods, so every command prints them the same way.
#pragma once

#include <rapidjson/prettywriter.h>

#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "connector/core/interest.h"
#include "connector/core/money.h"

namespace mahnwerk::cli {

// RapidJSON output stream onto stdout that hands full buffers to a writer thread, so the
// kernel's copy of a large document (a proposal runs to hundreds of MB) overlaps the
// formatting. The thread starts only when the first buffer fills: small outputs stay on the
// calling thread. Bytes reach stdout in order; a write error is ignored, as with
// FileWriteStream. REQUIRES: nothing else writes to stdout while the stream is open.
class StdoutStream {
 public:
  using Ch = char;
  StdoutStream();
  ~StdoutStream();  // writes what is left and waits for the writer thread
  StdoutStream(const StdoutStream&) = delete;
  StdoutStream& operator=(const StdoutStream&) = delete;

  void Put(char c) {
    if (current_ == end_) hand_off();
    *current_++ = c;
  }
  // Put() for each of `n` bytes, copied in blocks. `data` may be null when n is 0 (an empty
  // string_view): memcpy must not see it then.
  void write(const char* data, std::size_t n) {
    if (n == 0) return;
    while (n > static_cast<std::size_t>(end_ - current_)) {
      const auto room = static_cast<std::size_t>(end_ - current_);
      std::memcpy(current_, data, room);
      current_ += room;
      data += room;
      n -= room;
      hand_off();
    }
    std::memcpy(current_, data, n);
    current_ += n;
  }
  void fill(char c, std::size_t n) {
    while (n > static_cast<std::size_t>(end_ - current_)) {
      const auto room = static_cast<std::size_t>(end_ - current_);
      std::memset(current_, c, room);
      current_ += room;
      n -= room;
      hand_off();
    }
    std::memset(current_, c, n);
    current_ += n;
  }
  // Hands the filled part of the current buffer on (not necessarily written yet).
  void Flush();

 private:
  struct Shared;
  void hand_off();

  char* current_ = nullptr;
  char* end_ = nullptr;
  std::unique_ptr<Shared> shared_;
};

// RapidJSON's generic stream helpers, found by argument-dependent lookup: the indentation of
// the pretty writer as one block, and string bytes through the bounds-checked Put() (the
// generic PutReserve cannot make room).
inline void PutN(StdoutStream& stream, char c, std::size_t n) { stream.fill(c, n); }
inline void PutReserve(StdoutStream&, std::size_t) {}
inline void PutUnsafe(StdoutStream& stream, char c) { stream.Put(c); }

// True when `s` needs no escaping in JSON (no control character, quote or backslash): then its
// bytes go out as they are, which is what RapidJSON's writer produces for them.
bool json_plain(const char* s, std::size_t n);

// RapidJSON's pretty writer (4-space indent) whose strings that need no escaping — nearly all
// of them — are copied in one block instead of byte by byte. Output is byte-identical.
class JsonWriter : public rapidjson::PrettyWriter<StdoutStream> {
 public:
  using Base = rapidjson::PrettyWriter<StdoutStream>;
  using Base::Base;
  using Base::Key;
  using Base::String;

  bool String(const char* str, rapidjson::SizeType length, bool copy = false) {
    if (!json_plain(str, length)) return Base::String(str, length, copy);
    PrettyPrefix(rapidjson::kStringType);
    os_->Put('"');
    os_->write(str, length);
    os_->Put('"');
    return true;
  }
  bool Key(const char* str, rapidjson::SizeType length, bool copy = false) {
    return String(str, length, copy);
  }
};

// Streams one JSON document to stdout while it is written (a large proposal never sits in
// memory as text), through stdio like the tables, with a newline at the end.
class StdoutJson {
 public:
  StdoutJson() : writer_(stream_) {}
  ~StdoutJson() {
    stream_.Flush();
    stream_.Put('\n');
  }
  StdoutJson(const StdoutJson&) = delete;
  StdoutJson& operator=(const StdoutJson&) = delete;
  JsonWriter& writer() { return writer_; }

 private:
  StdoutStream stream_;  // declared first: destroyed after the writer, then flushes and joins
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

// Shared JSON output pieces.
#include "connector/cli/json_output.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

namespace mahnwerk::cli {

// Buffers circulate between the formatting thread (filling) and the writer thread (writing):
// with several in flight neither side waits for the other as long as they keep pace.
struct StdoutStream::Shared {
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;
  static constexpr std::size_t kBuffers = 4;

  struct Chunk {
    char* data;
    std::size_t size;
  };

  Shared() {
    for (std::size_t i = 0; i < kBuffers; ++i) {
      storage.push_back(std::make_unique<char[]>(kBufferSize));
      free.push_back(storage.back().get());
    }
  }

  void write_loop() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return !full.empty() || done; });
      if (full.empty()) return;
      const Chunk chunk = full.front();
      full.pop_front();
      lock.unlock();
      std::fwrite(chunk.data, 1, chunk.size, stdout);
      lock.lock();
      free.push_back(chunk.data);
      changed.notify_all();
    }
  }

  std::vector<std::unique_ptr<char[]>> storage;
  char* begin = nullptr;  // of the buffer being filled
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Chunk> full;  // to write, in order
  std::vector<char*> free;
  bool done = false;
  std::thread writer;
};

StdoutStream::StdoutStream() : shared_(std::make_unique<Shared>()) {
  shared_->begin = shared_->free.back();
  shared_->free.pop_back();
  current_ = shared_->begin;
  end_ = current_ + Shared::kBufferSize;
}

StdoutStream::~StdoutStream() {
  Flush();
  if (!shared_->writer.joinable()) return;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->done = true;
  }
  shared_->changed.notify_all();
  shared_->writer.join();
}

void StdoutStream::hand_off() {
  Shared& s = *shared_;
  const auto size = static_cast<std::size_t>(current_ - s.begin);
  if (!s.writer.joinable()) {
    if (current_ != end_) {  // a flush before the first buffer filled: no thread needed
      std::fwrite(s.begin, 1, size, stdout);
      current_ = s.begin;
      return;
    }
    s.writer = std::thread([&s] { s.write_loop(); });
  }
  std::unique_lock lock(s.mutex);
  s.full.push_back({s.begin, size});
  s.changed.notify_all();
  s.changed.wait(lock, [&] { return !s.free.empty(); });
  s.begin = s.free.back();
  s.free.pop_back();
  current_ = s.begin;
  end_ = current_ + Shared::kBufferSize;
}

void StdoutStream::Flush() {
  if (current_ != shared_->begin) hand_off();
}

bool json_plain(const char* s, std::size_t n) {
  std::size_t i = 0;
#ifdef __SSE2__
  // 16 bytes at a time: any byte <= 0x1F (unsigned), '"' or '\\'.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    __m128i v;
    std::memcpy(&v, s + i, 16);
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
    const __m128i special = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    if (_mm_movemask_epi8(_mm_or_si128(control, special)) != 0) return false;
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

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

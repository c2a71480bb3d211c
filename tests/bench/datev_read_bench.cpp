// datev_read_bench lines|read FILE: one measured pass over a Buchungsstapel.
//   lines: the machine's limit for the file — read() in 4 MiB blocks, count '\n', nothing else.
//   read:  mahnwerk's reader — every record split and parsed, open items derived (read_files).
// Prints one line "mode bytes seconds MB/s result"; peak memory is measured from outside
// (/usr/bin/time in datev_read_bench.sh), so each pass runs in its own process.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "adapters/datev/open_items.h"

namespace {

long long count_lines(const char* path, long long& bytes) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  constexpr std::size_t kBlock = 4u << 20;
  std::unique_ptr<char[]> buf(new char[kBlock]);
  long long lines = 0;
  bytes = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.get(), kBlock);
    if (n <= 0) break;
    bytes += n;
    lines += std::count(buf.get(), buf.get() + n, '\n');
  }
  ::close(fd);
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: datev_read_bench lines|read FILE\n");
    return 64;
  }
  const std::string mode = argv[1];
  const auto start = std::chrono::steady_clock::now();
  long long bytes = 0;
  std::string result;
  if (mode == "lines") {
    const long long lines = count_lines(argv[2], bytes);
    if (lines < 0) {
      std::perror(argv[2]);
      return 66;
    }
    result = std::to_string(lines) + " lines";
  } else if (mode == "read") {
    const auto r = mahnwerk::datev::read_files({argv[2]});
    if (r.files.empty()) {
      std::fprintf(stderr, "%s\n", r.rejected.empty() ? "nothing read" : r.rejected[0].to_string().c_str());
      return 65;
    }
    std::FILE* f = std::fopen(argv[2], "rb");
    std::fseek(f, 0, SEEK_END);
    bytes = std::ftell(f);
    std::fclose(f);
    result = std::to_string(r.files[0].accepted) + " bookings, " + std::to_string(r.items.size()) +
             " open items, " + std::to_string(r.counts.closed) + " cleared, " +
             std::to_string(r.rejected_total) + " rejected";
  } else {
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 64;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s %lld %.3f %.0f %s\n", mode.c_str(), bytes, seconds,
              static_cast<double>(bytes) / 1e6 / seconds, result.c_str());
  return 0;
}

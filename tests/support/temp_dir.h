// Test support shared by the test programs: a temporary folder and the source tree's location.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mahnwerk::testing {

// A fresh folder /tmp/<prefix>_XXXXXX, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "mahnwerk_test") {
    std::string pattern = "/tmp/" + std::string(prefix) + "_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The source tree (MAHNWERK_SOURCE_DIR, set by ctest for every test): config/, mappings/ and the
// golden inputs are read from there. Throws when it is not set, so a test never reads from an
// unrelated working directory.
inline std::string source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  if (dir == nullptr) throw std::runtime_error("MAHNWERK_SOURCE_DIR is not set");
  return dir;
}

}  // namespace mahnwerk::testing

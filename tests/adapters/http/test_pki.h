// A certificate authority made at test time with OpenSSL's C API: no key is committed and
// nothing is downloaded. Issues server certificates for given DNS names and IP addresses.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace mahnwerk::http::testing {

struct Issued {
  std::string cert_pem;
  std::string key_pem;
};

class TestCa {
 public:
  explicit TestCa(const std::string& name);  // throws std::runtime_error when OpenSSL fails
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_pem() const { return cert_pem_; }
  // A server certificate (EC P-256, SHA-256, 1 day) with these subject alternative names.
  Issued issue(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) const;

 private:
  struct Keys;
  std::unique_ptr<Keys> keys_;
  std::string cert_pem_;
};

// A fresh temporary directory, removed with its files by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to `name` in the directory; returns the file's path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace mahnwerk::http::testing

// Test CA and server certificates with OpenSSL 3's C API (EC P-256 keys: fast to generate).
#include "tests/adapters/http/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mahnwerk::http::testing {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter>;
using Cert = std::unique_ptr<X509, Deleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

Key new_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  check(BIO_read(bio, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size()), "BIO_read");
  return out;
}

std::string pem_of(X509* cert) {
  std::unique_ptr<BIO, Deleter> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return drain(bio.get());
}

std::string pem_of(EVP_PKEY* key) {
  std::unique_ptr<BIO, Deleter> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM key");
  return drain(bio.get());
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Deleter> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "X509 extension");
}

// An unsigned certificate for `key` named `cn`, issued by `issuer` (self-issued when null).
Cert make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, long serial) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert.get();
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  return cert;
}

}  // namespace

struct TestCa::Keys {
  Key key;
  Cert cert;
};

TestCa::TestCa(const std::string& name) : keys_(std::make_unique<Keys>()) {
  keys_->key = new_key();
  keys_->cert = make_cert(keys_->key.get(), name, nullptr, 1);
  X509* ca = keys_->cert.get();
  add_extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  check(X509_sign(ca, keys_->key.get(), EVP_sha256()) > 0, "sign CA");
  cert_pem_ = pem_of(ca);
}

TestCa::~TestCa() = default;

Issued TestCa::issue(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) const {
  static long serial = 100;
  Key key = new_key();
  const std::string cn = dns_names.empty() ? ips.at(0) : dns_names.front();
  Cert cert = make_cert(key.get(), cn, keys_->cert.get(), ++serial);
  std::string san;
  for (const std::string& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const std::string& ip : ips) san += (san.empty() ? "IP:" : ",IP:") + ip;
  add_extension(cert.get(), keys_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), keys_->cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), keys_->cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), keys_->cert.get(), NID_authority_key_identifier, "keyid:always");
  add_extension(cert.get(), keys_->cert.get(), NID_subject_alt_name, san);
  check(X509_sign(cert.get(), keys_->key.get(), EVP_sha256()) > 0, "sign server certificate");
  return Issued{pem_of(cert.get()), pem_of(key.get())};
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mahnwerk-http-XXXXXX").string();
  check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

}  // namespace mahnwerk::http::testing

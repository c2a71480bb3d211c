// DATEV XML write-back: LedgerImport v6.0 and document.xml validated with xmllint against DATEV's
// XSDs (tests/data/datev-reference/xsd/v060), the ZIP read back with libzip, errors.
#include "adapters/datev/xml_writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "adapters/datev/datev_adapter.h"

namespace mahnwerk::datev {
namespace {

namespace fs = std::filesystem;

std::string xsd_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/datev-reference/xsd/v060";
}

WriteHeader header() {
  WriteHeader h;
  h.berater = 29098;
  h.mandant = 4711;
  h.created = std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} + std::chrono::hours{18};
  return h;
}

std::vector<Posting> postings() {
  const RevenueAccounts accounts = default_revenue_accounts(Chart::kSkr03);
  auto charge = [&](std::string type, std::string number, std::int64_t cents, int level) {
    ChargeWriteBack c;
    c.type = std::move(type);
    c.number = std::move(number);
    c.debtor = "10001";
    c.level = level;
    c.amount = core::Money(cents, core::Currency::eur());
    c.date = core::make_date(2025, 6, 30);
    return charge_posting(c, accounts, "k-" + c.type + c.number);
  };
  return {charge("fee", "RE-2025-0101", 250, 1), charge("interest", "RE-2025-0101", 1234, 1),
          charge("flat_fee", "AR-78/13", 4000, 1)};
}

std::map<std::string, core::Debtor> debtors() {
  core::Debtor d;
  d.id = "10001";
  d.name = "Möbel Testgruber GmbH & Co. KG <Nürnberg>";
  d.address.city = "Nürnberg";
  return {{d.id, d}};
}

// xmllint --schema XSD FILE; the exit status (0 = valid).
int xmllint(const std::string& xsd, const std::string& file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("xmllint", "xmllint", "--noout", "--schema", xsd.c_str(), file.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class XmlWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mahnwerk-xml-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    if (!fs::exists(xsd_dir())) GTEST_SKIP() << "DATEV XSDs not available at " << xsd_dir();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string save(const XmlFile& f) {
    const std::string path = dir_ + "/" + f.name;
    std::ofstream(path, std::ios::binary) << f.bytes;
    return path;
  }
  std::string dir_;
};

TEST_F(XmlWriterTest, LedgerImportAndDocumentValidateAgainstDatevsXsds) {
  auto xml = write_ledger_import(header(), postings(), debtors());
  ASSERT_TRUE(xml.ok()) << xml.error().to_string();
  ASSERT_EQ(xml->ledgers.size(), 2u);  // one per invoice
  EXPECT_EQ(xml->ledgers[0].name, "Mahnkosten_RE-2025-0101.xml");
  EXPECT_EQ(xml->ledgers[1].name, "Mahnkosten_AR-78-13.xml");
  for (const XmlFile& f : xml->ledgers) {
    EXPECT_EQ(xmllint(xsd_dir() + "/Belegverwaltung_online_ledger_import_v060.xsd", save(f)), 0) << f.bytes;
  }
  EXPECT_EQ(xmllint(xsd_dir() + "/Document_v060.xsd", save(xml->document)), 0) << xml->document.bytes;
  const std::string& first = xml->ledgers[0].bytes;
  EXPECT_NE(first.find("consolidatedAmount=\"14.84\""), std::string::npos) << first;
  EXPECT_NE(first.find("consolidatedInvoiceId=\"RE-2025-0101\""), std::string::npos);
  EXPECT_NE(first.find("<accountNo>2700</accountNo>"), std::string::npos);
  EXPECT_NE(first.find("<accountNo>2650</accountNo>"), std::string::npos);
  EXPECT_NE(first.find("<bpAccountNo>10001</bpAccountNo>"), std::string::npos);
  EXPECT_NE(first.find("&lt;Nürnberg&gt;"), std::string::npos);  // escaped by the XML library
  EXPECT_EQ(first.find("<tax>"), std::string::npos);             // outside VAT
  EXPECT_NE(xml->document.bytes.find("datafile=\"Mahnkosten_AR-78-13.xml\""), std::string::npos);
  EXPECT_NE(xml->document.bytes.find("<date>2025-06-30T18:00:00</date>"), std::string::npos);
}

TEST_F(XmlWriterTest, AnXsdViolationIsCaughtByTheValidationItself) {
  auto xml = write_ledger_import(header(), postings(), debtors());
  ASSERT_TRUE(xml.ok());
  XmlFile broken = xml->ledgers[0];
  const std::size_t at = broken.bytes.find("<amount>2.50</amount>");
  ASSERT_NE(at, std::string::npos);
  broken.bytes.replace(at, 21, "<amount>2,50</amount>");
  EXPECT_NE(xmllint(xsd_dir() + "/Belegverwaltung_online_ledger_import_v060.xsd", save(broken)), 0);
}

TEST_F(XmlWriterTest, PacksDocumentAndLedgersIntoOneZip) {
  auto xml = write_ledger_import(header(), postings(), debtors());
  ASSERT_TRUE(xml.ok());
  auto zipped = pack_xml_archive(*xml);
  ASSERT_TRUE(zipped.ok()) << zipped.error().to_string();
  EXPECT_EQ(zipped->substr(0, 4), std::string("PK\x03\x04", 4));
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(zipped->data(), zipped->size(), 0, &error);
  ASSERT_NE(src, nullptr);
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY, &error);
  ASSERT_NE(archive, nullptr);
  ASSERT_EQ(zip_get_num_entries(archive, 0), 3);
  EXPECT_STREQ(zip_get_name(archive, 0, 0), "document.xml");
  for (zip_uint64_t i = 0; i < 3; ++i) {
    const XmlFile& expected = i == 0 ? xml->document : xml->ledgers[i - 1];
    EXPECT_STREQ(zip_get_name(archive, i, 0), expected.name.c_str());
    zip_file_t* f = zip_fopen_index(archive, i, 0);
    ASSERT_NE(f, nullptr);
    std::string bytes(expected.bytes.size() + 1, '\0');
    const zip_int64_t n = zip_fread(f, bytes.data(), bytes.size());
    zip_fclose(f);
    bytes.resize(static_cast<std::size_t>(n));
    EXPECT_EQ(bytes, expected.bytes);
  }
  zip_close(archive);
}

TEST_F(XmlWriterTest, RefusesWhatTheSchemaWouldRefuse) {
  auto p = postings();
  p[0].account = "1200";  // a Sachkonto, not a debitor
  auto xml = write_ledger_import(header(), p, {});
  ASSERT_FALSE(xml.ok());
  EXPECT_NE(xml.error().context.find("posting 1"), std::string::npos);
  p = postings();
  p[1].amount = core::Money(0, core::Currency::eur());
  EXPECT_FALSE(write_ledger_import(header(), p, {}).ok());
}

}  // namespace
}  // namespace mahnwerk::datev

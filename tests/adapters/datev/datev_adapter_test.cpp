// The DATEV folder adapter in real temporary folders: settings, pull (digest cursor, duplicates
// read once, archive), push (durable files, manifest, exactly once per key, crash windows),
// lookup, and the round trip of written files through the reader.
#include "adapters/datev/datev_adapter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/datev/open_items.h"
#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

namespace fs = std::filesystem;
using core::make_date;
using core::Money;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mahnwerk-datev-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::map<std::string, std::string> settings_map(const TempDir& dir) {
  return {{"inbox", dir / "inbox"}, {"outbox", dir / "outbox"}, {"archive", dir / "archive"},
          {"berater", "29098"},     {"mandant", "55003"},       {"skr", "SKR03"}};
}

DatevSettings settings(const TempDir& dir) { return datev_settings(settings_map(dir), "", "").value(); }

const sync::ManualClock& clock() {
  static const sync::ManualClock c(std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} +
                                   std::chrono::hours{6});
  return c;
}

sync::OutboxEntry charge_entry(std::string type, std::string number, std::int64_t cents, int level = 1) {
  ChargeWriteBack c;
  c.type = type;
  c.item = "10001/" + number;
  c.number = number;
  c.debtor = "10001";
  c.level = level;
  c.amount = Money(cents, core::Currency::eur());
  c.date = make_date(2025, 6, 30);
  sync::OutboxEntry e;
  e.tenant = "demo";
  e.kind = type == "interest" ? "interest" : "fee";
  e.target = "item:" + c.item;
  e.idempotency_key = "key-" + type + "-" + number + "-" + std::to_string(level);
  e.payload = charge_payload(c);
  return e;
}

// A Buchungsstapel with invoices, written by our own writer (so this also round-trips it).
std::string invoices_file(const std::vector<std::pair<std::string, std::int64_t>>& invoices) {
  std::vector<Posting> postings;
  for (const auto& [number, cents] : invoices) {
    Posting p;
    p.amount = Money(cents, core::Currency::eur());
    p.account = "10001";
    p.contra_account = "8400";
    p.date = make_date(2025, 5, 2);
    p.belegfeld1 = number;
    p.text = "Rechnung " + number;
    p.due_date = make_date(2025, 5, 16);
    postings.push_back(p);
  }
  WriteHeader h;
  h.berater = 29098;
  h.mandant = 55003;
  h.skr = "03";
  return write_buchungsstapel(h, postings, "inv").value().files.at(0).bytes;
}

std::string debtors_file() {
  core::Debtor d;
  d.id = "10001";
  d.name = "Möbel Testgruber GmbH";
  d.address = {"Nelkenteststraße 125", "90482", "Nürnberg", "DE"};
  d.email = "op@testgruber.example";
  WriteHeader h;
  h.berater = 29098;
  h.mandant = 55003;
  return write_debitoren(h, std::vector<DebtorLock>{{d, make_date(2020, 1, 1), "", std::nullopt, {}}}, "deb")
      .value()
      .files.at(0)
      .bytes;
}

TEST(DatevSettings, ReadsFoldersNumbersAndAccountDefaults) {
  TempDir dir;
  auto s = datev_settings(settings_map(dir), "", "");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->accounts.fee, "2700");
  EXPECT_EQ(s->accounts.interest, "2650");
  EXPECT_EQ(s->header.berater, 29098);
  EXPECT_EQ(s->header.skr, "03");
  auto m = settings_map(dir);
  m["skr"] = "04";
  EXPECT_EQ(datev_settings(m, "", "").value().accounts.interest, "7100");
  EXPECT_EQ(datev_settings(m, "4831", "").value().accounts.fee, "4831");
  m.erase("archive");
  auto missing = datev_settings(m, "", "", "tenants[0]");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(missing.error().context, "tenants[0], settings.archive");
  m = settings_map(dir);
  m["mandant"] = "abc";
  EXPECT_EQ(datev_settings(m, "", "").error().context, "settings.mandant");
}

TEST(DatevAdapter, PushWritesOneDurableExtfFileAndLandsEachEntryWithFileAndRow) {
  TempDir dir;
  DatevAdapter adapter(settings(dir), clock());
  const std::vector<sync::OutboxEntry> entries = {charge_entry("fee", "RE-1", 250),
                                                  charge_entry("interest", "RE-1", 1234),
                                                  charge_entry("flat_fee", "RE-2", 4000)};
  const auto results = adapter.push_batch(entries);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_EQ(r.outcome, sync::PushOutcome::kLanded) << r.message;
  const std::string file = "EXTF_Buchungsstapel_mahnwerk_20250630_060000_0001_001.csv";
  EXPECT_EQ(results[0].remote_reference, file + ":1");
  EXPECT_EQ(results[2].remote_reference, file + ":3");
  EXPECT_EQ(files_in(dir / "outbox"), (std::vector<std::string>{std::string(kManifestFile), file}));
  const std::string bytes = read_all(dir / "outbox/" + file);
  EXPECT_NE(bytes.find("2,50;\"S\";\"EUR\";;;\"\";10001;2700;"), std::string::npos);
  EXPECT_NE(bytes.find("12,34;\"S\";\"EUR\";;;\"\";10001;2650;"), std::string::npos);
  EXPECT_NE(bytes.find("\"Verzugspauschale RE-2 1. Mahnung\""), std::string::npos);
  const std::string manifest = read_all(dir / "outbox/" + std::string(kManifestFile));
  EXPECT_NE(manifest.find("W\t" + file + "\t1\tkey-fee-RE-1-1\n"), std::string::npos);
  EXPECT_NE(manifest.find("D\t" + file + "\n"), std::string::npos);
  EXPECT_LT(manifest.find("W\t"), manifest.find("D\t"));
}

TEST(DatevAdapter, ARepeatedKeyLandsWithTheFirstFileAndIsNeverWrittenTwice) {
  TempDir dir;
  const auto fee = charge_entry("fee", "RE-1", 250);
  std::string first;
  {
    DatevAdapter adapter(settings(dir), clock());
    first = adapter.push(fee).remote_reference;
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(adapter.push(fee).remote_reference, first);
    const auto twice = adapter.push_batch(std::vector<sync::OutboxEntry>{fee, fee});
    EXPECT_EQ(twice[0].remote_reference, first);
    EXPECT_EQ(twice[1].remote_reference, first);
  }
  DatevAdapter restarted(settings(dir), clock());  // a new process: the manifest remembers
  EXPECT_EQ(restarted.push(fee).remote_reference, first);
  EXPECT_EQ(restarted.lookup(fee).outcome, sync::LookupOutcome::kLanded);
  EXPECT_EQ(restarted.lookup(fee).remote_reference, first);
  EXPECT_EQ(restarted.lookup(charge_entry("fee", "RE-9", 250)).outcome, sync::LookupOutcome::kAbsent);
  EXPECT_EQ(files_in(dir / "outbox").size(), 2u);  // the manifest and one file
}

TEST(DatevAdapter, ACrashBeforeTheRenameLeavesTheKeyUnwrittenAndTheNextPushWritesIt) {
  TempDir dir;
  const auto fee = charge_entry("fee", "RE-1", 250);
  // What a process killed after the intent line, before its file was renamed into place, leaves.
  write_file(dir / "outbox/.mahnwerk-manifest",
             "W\tEXTF_Buchungsstapel_x_001.csv\t1\t" + fee.idempotency_key + "\n");
  write_file(dir / "outbox/.tmp-EXTF_Buchungsstapel_x_001.csv", "half a fi");
  DatevAdapter adapter(settings(dir), clock());
  EXPECT_EQ(adapter.lookup(fee).outcome, sync::LookupOutcome::kAbsent);
  const auto r = adapter.push(fee);
  EXPECT_EQ(r.outcome, sync::PushOutcome::kLanded);
  EXPECT_EQ(r.remote_reference, "EXTF_Buchungsstapel_mahnwerk_20250630_060000_0002_001.csv:1");
}

TEST(DatevAdapter, ACrashAfterTheRenameCountsTheFileAsWritten) {
  TempDir dir;
  const auto fee = charge_entry("fee", "RE-1", 250);
  // Killed after the rename, before the D line: the file is complete, so the key is written.
  write_file(dir / "outbox/.mahnwerk-manifest", "W\tEXTF_Buchungsstapel_x_001.csv\t1\t" +
                                                    fee.idempotency_key +
                                                    "\nW\tEXTF_Buchungsstapel_x_0");  // + a torn line
  write_file(dir / "outbox/EXTF_Buchungsstapel_x_001.csv", "complete");
  DatevAdapter adapter(settings(dir), clock());
  EXPECT_EQ(adapter.lookup(fee).remote_reference, "EXTF_Buchungsstapel_x_001.csv:1");
  EXPECT_EQ(adapter.push(fee).remote_reference, "EXTF_Buchungsstapel_x_001.csv:1");
  EXPECT_NE(read_all(dir / "outbox/.mahnwerk-manifest").find("D\tEXTF_Buchungsstapel_x_001.csv\n"),
            std::string::npos);
  EXPECT_EQ(files_in(dir / "outbox").size(), 2u);
}

TEST(DatevAdapter, RejectsWhatItCannotWriteAndWritesTheRest) {
  TempDir dir;
  DatevAdapter adapter(settings(dir), clock());
  auto bad_amount = charge_entry("fee", "RE-1", 250);
  bad_amount.payload =
      R"({"type": "fee", "number": "RE-1", "debtor": "10001", "amount": "x", "date": "2025-06-30"})";
  auto letter = charge_entry("fee", "RE-2", 250);
  letter.kind = "letter";
  auto bad_account = charge_entry("fee", "RE-3", 250);
  bad_account.idempotency_key = "k3";
  bad_account.payload =
      R"({"type": "fee", "number": "RE-3", "debtor": "Kunde", "amount": "1.00", "date": "2025-06-30"})";
  auto block = charge_entry("fee", "RE-4", 250);
  block.kind = "block";
  block.payload = block_payload({"10001", make_date(2025, 12, 31), "plan"});
  const auto ok = charge_entry("fee", "RE-5", 250);
  const auto r =
      adapter.push_batch(std::vector<sync::OutboxEntry>{bad_amount, letter, bad_account, block, ok});
  EXPECT_EQ(r[0].outcome, sync::PushOutcome::kRejected);
  EXPECT_NE(r[0].message.find("payload.amount"), std::string::npos);
  EXPECT_EQ(r[1].outcome, sync::PushOutcome::kRejected);
  EXPECT_EQ(r[2].outcome, sync::PushOutcome::kRejected);  // Konto must be digits; its batch is refused whole
  EXPECT_EQ(r[3].outcome, sync::PushOutcome::kRejected);  // no master data pulled yet
  EXPECT_NE(r[3].message.find("master data"), std::string::npos);
  EXPECT_EQ(r[4].outcome, sync::PushOutcome::kRejected);  // same Buchungsstapel as the bad Konto
  EXPECT_EQ(adapter.push(ok).outcome, sync::PushOutcome::kLanded);
}

TEST(DatevAdapter, PullReadsTheInboxAsOneSourceAndArchivesEachDistinctFile) {
  TempDir dir;
  write_file(dir / "inbox/EXTF_Buchungsstapel_2025.csv", invoices_file({{"RE-1", 11900}, {"RE-2", 5000}}));
  write_file(dir / "inbox/EXTF_Debitoren.csv", debtors_file());
  DatevAdapter adapter(settings(dir), clock());
  auto delta = adapter.pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_TRUE(delta->full);
  EXPECT_TRUE(delta->rejected.empty()) << delta->rejected[0].where << ": " << delta->rejected[0].message;
  ASSERT_EQ(delta->items.size(), 2u);
  EXPECT_EQ(delta->items[0].number, "RE-1");
  EXPECT_EQ(delta->items[0].open_amount.to_string(), "119.00");
  ASSERT_EQ(delta->debtors.size(), 1u);
  EXPECT_EQ(delta->debtors[0].name, "Möbel Testgruber GmbH");
  EXPECT_EQ(files_in(dir / "archive").size(), 2u);

  // Unchanged inbox: an empty incremental delta.
  auto again = adapter.pull(delta->next_cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->full);
  EXPECT_TRUE(again->items.empty());
  EXPECT_EQ(again->next_cursor, delta->next_cursor);

  // The same export dropped a second time under another name is read once: nothing doubles.
  write_file(dir / "inbox/Kopie von EXTF_Buchungsstapel_2025.csv",
             invoices_file({{"RE-1", 11900}, {"RE-2", 5000}}));
  auto twice = adapter.pull(delta->next_cursor);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->next_cursor, delta->next_cursor);
  EXPECT_FALSE(twice->full);
  auto whole = adapter.pull(std::nullopt);
  ASSERT_EQ(whole->items.size(), 2u);
  EXPECT_EQ(whole->items[0].open_amount.to_string(), "119.00");
  EXPECT_EQ(files_in(dir / "archive").size(), 2u);
}

TEST(DatevAdapter, WrittenFeesRoundTripThroughTheReaderAsDunningPostingsNotInvoices) {
  TempDir dir;
  write_file(dir / "inbox/EXTF_Buchungsstapel_2025.csv", invoices_file({{"RE-1", 11900}}));
  DatevAdapter adapter(settings(dir), clock());
  ASSERT_TRUE(adapter.pull(std::nullopt).ok());
  const auto r = adapter.push_batch(std::vector<sync::OutboxEntry>{charge_entry("fee", "RE-1", 250),
                                                                   charge_entry("interest", "RE-1", 1234)});
  ASSERT_EQ(r[0].outcome, sync::PushOutcome::kLanded);
  const std::string written =
      dir / "outbox/" + r[0].remote_reference.substr(0, r[0].remote_reference.find(':'));
  const ReadResult read = read_files({dir / "inbox/EXTF_Buchungsstapel_2025.csv", written});
  EXPECT_EQ(read.rejected_total, 0u) << (read.rejected.empty() ? "" : read.rejected[0].to_string());
  ASSERT_EQ(read.items.size(), 1u);
  EXPECT_EQ(read.items[0].item.number, "RE-1");
  EXPECT_EQ(read.items[0].item.open_amount.to_string(), "119.00");  // fees are not the invoice
  EXPECT_EQ(read.counts.dunning_postings, 2u);
}

TEST(DatevAdapter, LocksAreWrittenAsFullDebitorenRecordsWithTheMasterDataOfThePull) {
  TempDir dir;
  write_file(dir / "inbox/EXTF_Debitoren.csv", debtors_file());
  write_file(dir / "inbox/EXTF_Buchungsstapel_2025.csv", invoices_file({{"RE-1", 11900}}));
  DatevAdapter adapter(settings(dir), clock());
  ASSERT_TRUE(adapter.pull(std::nullopt).ok());
  sync::OutboxEntry e;
  e.tenant = "demo";
  e.kind = "block";
  e.target = "debtor:10001";
  e.idempotency_key = "block-10001";
  e.payload = block_payload({"10001", make_date(2025, 12, 31), "plan"});
  const auto r = adapter.push(e);
  ASSERT_EQ(r.outcome, sync::PushOutcome::kLanded) << r.message;
  EXPECT_EQ(r.remote_reference, "EXTF_Debitoren_mahnwerk_20250630_060000_0001.csv:1");
  const ReadResult read = read_files({dir / "outbox/EXTF_Debitoren_mahnwerk_20250630_060000_0001.csv"});
  EXPECT_EQ(read.rejected_total, 0u) << (read.rejected.empty() ? "" : read.rejected[0].to_string());
  ASSERT_EQ(read.debtors.size(), 1u);
  EXPECT_EQ(read.debtors[0].debtor.name, "Möbel Testgruber GmbH");
  EXPECT_EQ(read.debtors[0].debtor.email, "op@testgruber.example");
  ASSERT_TRUE(read.debtors[0].debtor.block_until.has_value());
  EXPECT_EQ(*read.debtors[0].debtor.block_until, make_date(2025, 12, 31));
}

// DATEV's import replaces the whole debtor record: a lock written back keeps the debtor's own
// OPOS dunning columns and payment terms exactly as the pull read them (Zinsberechnung 2 too,
// which the settings do not tell apart from 0), so importing it clears none of them.
TEST(DatevAdapter, LocksKeepTheDebtorsOwnDunningColumnsAndPaymentTerms) {
  TempDir dir;
  std::map<int, std::string> fields = {{1, "10001"}, {2, "\"Möbel Testgruber GmbH\""},
                                       {7, "\"2\""}, {110, "30"},
                                       {121, "3"},   {127, "50,00"},
                                       {129, "2"},   {130, "12,50"},
                                       {236, "1"},   {238, "0,50"},
                                       {240, "9"},   {250, "1"},
                                       {251, "14"},  {254, "10"}};
  write_file(dir / "inbox/EXTF_Debitoren.csv", std::string(testing::kDebitorenHeader) + "\r\n" +
                                                   testing::heading(254, "Konto") + "\r\n" +
                                                   testing::record(fields, 254) + "\r\n");
  write_file(dir / "inbox/EXTF_Buchungsstapel_2025.csv", invoices_file({{"RE-1", 11900}}));
  DatevAdapter adapter(settings(dir), clock());
  ASSERT_TRUE(adapter.pull(std::nullopt).ok());
  sync::OutboxEntry e;
  e.tenant = "demo";
  e.kind = "block";
  e.target = "debtor:10001";
  e.idempotency_key = "block-10001";
  e.payload = block_payload({"10001", make_date(2025, 12, 31), "plan"});
  const auto r = adapter.push(e);
  ASSERT_EQ(r.outcome, sync::PushOutcome::kLanded) << r.message;
  const std::string written = read_all(dir / "outbox/EXTF_Debitoren_mahnwerk_20250630_060000_0001.csv");
  const auto lines = testing::split_lines_crlf(written);
  ASSERT_EQ(lines.size(), 3u);
  const auto record = testing::split_record(lines[2]);
  ASSERT_EQ(record.size(), 254u);
  for (const auto& [column, value] : fields) {
    if (column == 2 || column == 7) continue;  // rewritten from the model (same content)
    std::string unquoted = value;
    std::erase(unquoted, '"');
    EXPECT_EQ(record[static_cast<std::size_t>(column - 1)], unquoted) << "column " << column;
  }
  EXPECT_EQ(record[232], "31122025");  // Mahnsperre bis, the lock itself
  // Read back, the debtor has the same settings as before.
  const ReadResult read = read_files({dir / "outbox/EXTF_Debitoren_mahnwerk_20250630_060000_0001.csv"});
  ASSERT_EQ(read.debtors.size(), 1u);
  EXPECT_EQ(settings_text(read.debtors[0].dunning),
            "mask=3;limit=50.00 EUR;rate1=1250;fee=own;fee2=0.50 EUR;"
            "flat_fee=none;deadlines=own;days1=14;last_days=10");
  EXPECT_EQ(read.debtors[0].payment_terms_days, 30);
}

}  // namespace
}  // namespace mahnwerk::datev

namespace mahnwerk::datev {
namespace {

// The example Mandant of config/examples/datev (generated by tests/bench/generate_datev_example)
// reads without a rejected row and holds every case the demo shows.
TEST(DatevExample, ReadsWithoutRejectsAndHoldsEveryCase) {
  const char* source = std::getenv("MAHNWERK_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  TempDir dir;
  auto m = settings_map(dir);
  m["inbox"] = std::string(source) + "/config/examples/datev/inbox";
  DatevAdapter adapter(datev_settings(m, "", "").value(), clock());
  auto delta = adapter.pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_TRUE(delta->rejected.empty())
      << delta->rejected[0].source << " " << delta->rejected[0].where << ": " << delta->rejected[0].message;
  EXPECT_TRUE(delta->full);
  ASSERT_EQ(delta->debtors.size(), 300u);
  std::size_t consumers = 0, blocked = 0, english = 0;
  for (const core::Debtor& d : delta->debtors) {
    consumers += d.kind == core::DebtorKind::kConsumer;
    blocked += d.block_until.has_value();
    english += d.language == "en";
  }
  EXPECT_GT(consumers, 50u);
  EXPECT_LT(consumers, 250u);
  EXPECT_GT(blocked, 0u);
  EXPECT_GT(english, 0u);
  std::size_t partly_paid = 0, item_blocks = 0, with_due = 0;
  for (const core::OpenItem& item : delta->items) {
    partly_paid += item.open_amount.minor() < item.amount.minor();
    item_blocks += item.block_until.has_value();
    with_due += item.due_date.has_value();
  }
  EXPECT_GT(delta->items.size(), 300u);
  EXPECT_LT(delta->items.size(), 2000u);
  EXPECT_GT(partly_paid, 20u);  // partial payments and partial credit notes
  EXPECT_GT(item_blocks, 0u);
  EXPECT_EQ(with_due, delta->items.size());  // Fälligkeit, Belegfeld 2 or the debtor's terms
  std::printf(
      "example: %zu debtors (%zu consumers, %zu blocked), %zu open items (%zu partly paid), %zu payments\n",
      delta->debtors.size(), consumers, blocked, delta->items.size(), partly_paid, delta->payments.size());
}

}  // namespace
}  // namespace mahnwerk::datev

namespace mahnwerk::datev {
namespace {

TEST(DatevAdapter, WithFormatXmlWritesOneZipOfLedgerImportsExactlyOncePerKey) {
  TempDir dir;
  auto m = settings_map(dir);
  m["format"] = "xml";
  DatevAdapter adapter(datev_settings(m, "", "").value(), clock());
  const std::vector<sync::OutboxEntry> entries = {charge_entry("fee", "RE-1", 250),
                                                  charge_entry("interest", "RE-1", 1234)};
  const auto r = adapter.push_batch(entries);
  ASSERT_EQ(r[0].outcome, sync::PushOutcome::kLanded) << r[0].message;
  EXPECT_EQ(r[0].remote_reference, "mahnwerk_20250630_060000_0001.zip:1");
  EXPECT_EQ(r[1].remote_reference, "mahnwerk_20250630_060000_0001.zip:2");
  const std::string zip = read_all(dir / "outbox/mahnwerk_20250630_060000_0001.zip");
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(adapter.push(entries[1]).remote_reference, r[1].remote_reference);
  EXPECT_EQ(files_in(dir / "outbox").size(), 2u);
  m["format"] = "csv";
  EXPECT_FALSE(datev_settings(m, "", "").ok());
}

}  // namespace
}  // namespace mahnwerk::datev

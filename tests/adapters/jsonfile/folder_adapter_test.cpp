// The canonical JSON folder adapter in real temporary folders: full pulls, the unchanged-inbox
// cursor, rejected rows with file and field, payment ids, the write-back file's idempotency
// across adapter instances, and recovery from a line torn by a crash.
#include "adapters/jsonfile/folder_adapter.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mahnwerk::jsonfile {
namespace {

using testing::TempDir;

using std::chrono::seconds;
using std::chrono::sys_seconds;

void write(const std::string& path, std::string_view text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

constexpr std::string_view kDebtors = R"([
  {"id": "D1", "name": "Muster GmbH", "kind": "business"},
  {"id": "C1", "name": "Erika Mustermann", "kind": "consumer"},
])";
constexpr std::string_view kItems = R"([
  // comments and trailing commas as everywhere in canonical JSON
  {"id": "i1", "number": "RE-1", "debtor": "D1", "invoice_date": "2025-01-10", "due_date": "2025-02-09",
   "amount": "1190.00", "open_amount": "590.00"},
  {"id": "i2", "debtor": "C1", "invoice_date": "2025-03-01", "amount": "99.50"},
] // a comment on the last line)";
constexpr std::string_view kPayments = R"([
  {"item": "i1", "date": "2025-03-01", "amount": "600.00", "reference": "RE-1"},
  {"debtor": "C1", "date": "2025-04-01", "amount": "10.00"},
  {"debtor": "C1", "date": "2025-04-01", "amount": "10.00"}
])";

class FolderAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(inbox() + "/debtors.json", kDebtors);
    write(inbox() + "/items.json", kItems);
    write(inbox() + "/payments.json", kPayments);
  }
  std::string inbox() const { return dir_.path() + "/in"; }
  std::string outbox() const { return dir_.path() + "/out"; }
  std::string writebacks() const { return outbox() + "/writebacks.jsonl"; }
  std::unique_ptr<FolderAdapter> make() const {
    return std::make_unique<FolderAdapter>(FolderSettings{inbox(), outbox()}, clock_);
  }

  TempDir dir_{"mahnwerk_folder_adapter_test"};
  sync::ManualClock clock_{sys_seconds(seconds(1'751'263'200))};  // 2025-06-30T06:00:00Z
};

sync::OutboxEntry entry(const std::string& key, const std::string& payload = R"({"amount":"5.00"})") {
  sync::OutboxEntry e;
  e.tenant = "t";
  e.kind = "fee";
  e.target = "item:i1";
  e.idempotency_key = key;
  e.payload = payload;
  return e;
}

TEST_F(FolderAdapterTest, PullsTheWholeInbox) {
  auto a = make();
  const auto caps = a->capabilities();
  EXPECT_TRUE(caps.incremental);
  EXPECT_TRUE(caps.idempotency_header);
  EXPECT_TRUE(caps.lookup);
  EXPECT_EQ(a->name(), "jsonfile");

  auto delta = a->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_TRUE(delta->full);
  EXPECT_TRUE(delta->rejected.empty());
  EXPECT_FALSE(delta->creditor.has_value());
  ASSERT_EQ(delta->debtors.size(), 2u);
  EXPECT_EQ(delta->debtors[1].kind, core::DebtorKind::kConsumer);
  ASSERT_EQ(delta->items.size(), 2u);
  EXPECT_EQ(delta->items[0].number, "RE-1");
  EXPECT_EQ(delta->items[0].open_amount.minor(), 59000);
  EXPECT_EQ(delta->items[1].open_amount.minor(), 9950);
  ASSERT_EQ(delta->payments.size(), 3u);
  EXPECT_EQ(delta->payments[0].id, sync::payment_key(delta->payments[0].payment, 0));
  // Two identical payments stay two: their occurrence tells them apart.
  EXPECT_EQ(delta->payments[1].id, sync::payment_key(delta->payments[1].payment, 0));
  EXPECT_EQ(delta->payments[2].id, sync::payment_key(delta->payments[2].payment, 1));
  EXPECT_NE(delta->payments[1].id, delta->payments[2].id);
  EXPECT_EQ(delta->next_cursor.size(), 64u);
}

TEST_F(FolderAdapterTest, UnchangedInboxGivesAnEmptyDeltaAndAChangeAFullOne) {
  auto a = make();
  auto first = a->pull(std::nullopt);
  ASSERT_TRUE(first.ok());
  auto again = a->pull(first->next_cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->full);
  EXPECT_TRUE(again->items.empty() && again->debtors.empty() && again->payments.empty());
  EXPECT_EQ(again->next_cursor, first->next_cursor);
  // A fresh instance (the next run) computes the same digest.
  EXPECT_EQ(make()->pull(first->next_cursor)->next_cursor, first->next_cursor);

  write(inbox() + "/payments.json", "[]");
  auto changed = a->pull(first->next_cursor);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(changed->full);
  EXPECT_EQ(changed->items.size(), 2u);
  EXPECT_TRUE(changed->payments.empty());
  EXPECT_NE(changed->next_cursor, first->next_cursor);

  // An absent optional file is not the same as an empty one.
  std::filesystem::remove(inbox() + "/payments.json");
  auto absent = a->pull(changed->next_cursor);
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->full);
  EXPECT_NE(absent->next_cursor, changed->next_cursor);
}

TEST_F(FolderAdapterTest, BadRowsAreRejectedWithFileAndFieldAndTheRestIsDelivered) {
  write(inbox() + "/items.json", R"([
    {"id": "i1", "debtor": "D1", "invoice_date": "2025-01-10", "amount": "1190.00"},
    {"id": "i2", "debtor": "D1", "invoice_date": "2025-01-10", "amount": "12,50"},
    {"id": "i3", "debtor": "D1", "invoice_date": "2025-02-30", "amount": "1.00"},
    {"id": "i1", "debtor": "D1", "invoice_date": "2025-01-10", "amount": "1.00"},
    {"id": "i4", "debtor": "D1", "invoice_date": "2025-01-10", "amount": "7.00"},
  ])");
  write(inbox() + "/payments.json", R"([
    {"item": "i1", "date": "2025-03-01", "amount": "0.00"},
    {"item": "i1", "date": "2025-03-01", "amount": "10.00"}
  ])");
  auto delta = make()->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  ASSERT_EQ(delta->items.size(), 2u);
  EXPECT_EQ(delta->items[0].id, "i1");
  EXPECT_EQ(delta->items[1].id, "i4");
  EXPECT_EQ(delta->payments.size(), 1u);
  EXPECT_EQ(delta->debtors.size(), 2u);
  // Rejected items might still be open: the delta no longer shows the whole source.
  EXPECT_FALSE(delta->full);
  ASSERT_EQ(delta->rejected.size(), 4u);
  const std::string items = inbox() + "/items.json";
  EXPECT_EQ(delta->rejected[0].source, items);
  EXPECT_EQ(delta->rejected[0].where, "items[1].amount");
  EXPECT_EQ(delta->rejected[1].where, "items[2].invoice_date");
  EXPECT_EQ(delta->rejected[2].where, "items[3].id");
  EXPECT_NE(delta->rejected[2].message.find("duplicate id \"i1\""), std::string::npos);
  EXPECT_EQ(delta->rejected[3].source, inbox() + "/payments.json");
  EXPECT_EQ(delta->rejected[3].where, "payments[0].amount");
  for (const auto& r : delta->rejected) EXPECT_FALSE(r.message.empty()) << r.where;
}

TEST_F(FolderAdapterTest, RejectedPaymentsAloneKeepTheDeltaFull) {
  write(inbox() + "/payments.json", R"([{"item": "i1", "amount": "10.00"}])");
  auto delta = make()->pull(std::nullopt);
  ASSERT_TRUE(delta.ok());
  EXPECT_TRUE(delta->full);
  ASSERT_EQ(delta->rejected.size(), 1u);
  EXPECT_EQ(delta->rejected[0].where, "payments[0].date");
}

TEST_F(FolderAdapterTest, UnreadableInboxesAreErrorsNamingTheFile) {
  write(inbox() + "/items.json", "[\n  {\"id\": \"i1\",,}\n]");
  auto syntax = make()->pull(std::nullopt);
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_EQ(syntax.error().context, inbox() + "/items.json, line 2, column 15");

  write(inbox() + "/items.json", R"({"items": []})");
  auto not_array = make()->pull(std::nullopt);
  ASSERT_FALSE(not_array.ok());
  EXPECT_EQ(not_array.error().context, inbox() + "/items.json");
  EXPECT_NE(not_array.error().message.find("array"), std::string::npos);

  std::filesystem::remove(inbox() + "/items.json");
  auto missing = make()->pull(std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kNotFound);
  EXPECT_NE(missing.error().message.find("items.json"), std::string::npos);

  auto no_folder = FolderAdapter({dir_.path() + "/nowhere", outbox()}, clock_).pull(std::nullopt);
  ASSERT_FALSE(no_folder.ok());
  EXPECT_EQ(no_folder.error().kind, core::ErrorKind::kNotFound);
}

TEST_F(FolderAdapterTest, OnlyItemsAreRequired) {
  std::filesystem::remove(inbox() + "/debtors.json");
  std::filesystem::remove(inbox() + "/payments.json");
  auto delta = make()->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(delta->items.size(), 2u);
  EXPECT_TRUE(delta->debtors.empty());
}

TEST_F(FolderAdapterTest, PushWritesOneFsyncedLinePerKey) {
  auto a = make();
  auto first = a->push(entry("k1"));
  EXPECT_EQ(first.outcome, sync::PushOutcome::kLanded) << first.message;
  EXPECT_EQ(first.remote_reference, "writebacks.jsonl:1");
  clock_.advance(seconds(60));
  auto second = a->push(entry("k2", R"({"amount":"40.00","text":"Verzugspauschale § 288 V"})"));
  EXPECT_EQ(second.remote_reference, "writebacks.jsonl:2");

  const auto lines = lines_of(writebacks());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            R"({"key":"k1","tenant":"t","kind":"fee","target":"item:i1","payload":{"amount":"5.00"},)"
            R"("time":"2025-06-30T06:00:00Z"})");
  EXPECT_EQ(lines[1],
            R"({"key":"k2","tenant":"t","kind":"fee","target":"item:i1","payload":{"amount":"40.00",)"
            R"("text":"Verzugspauschale § 288 V"},"time":"2025-06-30T06:01:00Z"})");
}

TEST_F(FolderAdapterTest, ARepeatedKeyLandsWithoutASecondLineAcrossInstances) {
  EXPECT_EQ(make()->push(entry("k1")).outcome, sync::PushOutcome::kLanded);
  auto a = make();
  auto b = make();
  EXPECT_EQ(b->push(entry("k2")).remote_reference, "writebacks.jsonl:2");
  // a opened before b wrote: it still sees k2 (it reads what others appended before each push).
  auto again = a->push(entry("k2"));
  EXPECT_EQ(again.outcome, sync::PushOutcome::kLanded);
  EXPECT_EQ(again.remote_reference, "writebacks.jsonl:2");
  EXPECT_EQ(a->push(entry("k1")).remote_reference, "writebacks.jsonl:1");
  EXPECT_EQ(a->push(entry("k3")).remote_reference, "writebacks.jsonl:3");
  EXPECT_EQ(b->push(entry("k3")).remote_reference, "writebacks.jsonl:3");
  EXPECT_EQ(lines_of(writebacks()).size(), 3u);
}

TEST_F(FolderAdapterTest, ABatchWritesEachNewKeyOnceAndNamesEveryEntrysLine) {
  ASSERT_EQ(make()->push(entry("k1")).outcome, sync::PushOutcome::kLanded);
  auto a = make();
  const std::vector<sync::OutboxEntry> batch{entry("k2"), entry("k1"), entry("bad", "{amount: 5"),
                                             entry("k3"), entry("k2")};
  const auto results = a->push_batch(batch);
  ASSERT_EQ(results.size(), batch.size());
  const std::pair<sync::PushOutcome, std::string> expected[] = {
      {sync::PushOutcome::kLanded, "writebacks.jsonl:2"},
      {sync::PushOutcome::kLanded, "writebacks.jsonl:1"},  // written before: not again
      {sync::PushOutcome::kRejected, ""},
      {sync::PushOutcome::kLanded, "writebacks.jsonl:3"},
      {sync::PushOutcome::kLanded, "writebacks.jsonl:2"},  // twice in the batch: one line
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(results[i].outcome, expected[i].first) << i << ": " << results[i].message;
    EXPECT_EQ(results[i].remote_reference, expected[i].second) << i;
  }
  const auto lines = lines_of(writebacks());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].rfind(R"({"key":"k2",)", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind(R"({"key":"k3",)", 0), 0u) << lines[2];
  // Another instance and a second batch agree with the file.
  EXPECT_EQ(make()->lookup(entry("k3")).remote_reference, "writebacks.jsonl:3");
  const auto again = make()->push_batch(std::vector<sync::OutboxEntry>{entry("k3"), entry("k4")});
  EXPECT_EQ(again[0].remote_reference, "writebacks.jsonl:3");
  EXPECT_EQ(again[1].remote_reference, "writebacks.jsonl:4");
  EXPECT_EQ(lines_of(writebacks()).size(), 4u);
}

TEST_F(FolderAdapterTest, ABatchThatCannotBeWrittenStopsAtItsFirstEntry) {
  write(dir_.path() + "/blocker", "a file where the outbox folder should be");
  FolderAdapter a({inbox(), dir_.path() + "/blocker/out"}, clock_);
  const auto results = a.push_batch(std::vector<sync::OutboxEntry>{entry("k1"), entry("k2")});
  ASSERT_EQ(results.size(), 1u);  // k2 was not tried
  EXPECT_EQ(results[0].outcome, sync::PushOutcome::kRetryable);
}

TEST_F(FolderAdapterTest, LookupAnswersFromTheFile) {
  auto a = make();
  EXPECT_EQ(a->lookup(entry("k1")).outcome, sync::LookupOutcome::kAbsent);  // no file yet
  EXPECT_FALSE(std::filesystem::exists(outbox()));                          // and lookup made none
  ASSERT_EQ(make()->push(entry("k1")).outcome, sync::PushOutcome::kLanded);
  auto found = a->lookup(entry("k1"));
  EXPECT_EQ(found.outcome, sync::LookupOutcome::kLanded);
  EXPECT_EQ(found.remote_reference, "writebacks.jsonl:1");
  EXPECT_EQ(a->lookup(entry("k2")).outcome, sync::LookupOutcome::kAbsent);
}

TEST_F(FolderAdapterTest, ATornLastLineIsDroppedOnTheNextOpen) {
  ASSERT_EQ(make()->push(entry("k1")).outcome, sync::PushOutcome::kLanded);
  const std::string good = read(writebacks());
  // A crash in the middle of writing k2's line: no newline at the end.
  write(writebacks(), good + R"({"key":"k2","tenant":"t","kind":"fee","tar)");

  auto a = make();
  EXPECT_EQ(a->lookup(entry("k2")).outcome, sync::LookupOutcome::kAbsent);
  EXPECT_EQ(read(writebacks()), good);  // cut off, not left for a later append to glue onto
  EXPECT_EQ(a->lookup(entry("k1")).outcome, sync::LookupOutcome::kLanded);
  auto pushed = a->push(entry("k2"));
  EXPECT_EQ(pushed.outcome, sync::PushOutcome::kLanded);
  EXPECT_EQ(pushed.remote_reference, "writebacks.jsonl:2");
  const auto lines = lines_of(writebacks());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind(R"({"key":"k2",)", 0), 0u) << lines[1];
}

TEST_F(FolderAdapterTest, ACorruptLineInTheMiddleIsNotGuessedAround) {
  write(writebacks(), "{\"key\":\"k1\"}\nnot json\n");
  auto pushed = make()->push(entry("k2"));
  EXPECT_EQ(pushed.outcome, sync::PushOutcome::kRetryable);
  EXPECT_NE(pushed.message.find("line 2"), std::string::npos) << pushed.message;
  auto looked = make()->lookup(entry("k1"));
  EXPECT_EQ(looked.outcome, sync::LookupOutcome::kUnknown);
  EXPECT_EQ(read(writebacks()), "{\"key\":\"k1\"}\nnot json\n");
}

TEST_F(FolderAdapterTest, APayloadThatIsNotJsonIsRejected) {
  auto pushed = make()->push(entry("k1", "{amount: 5"));
  EXPECT_EQ(pushed.outcome, sync::PushOutcome::kRejected);
  EXPECT_NE(pushed.message.find("k1"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(writebacks()));
}

TEST_F(FolderAdapterTest, AnOutboxThatCannotBeCreatedIsRetryable) {
  write(dir_.path() + "/blocker", "a file where the outbox folder should be");
  FolderAdapter a({inbox(), dir_.path() + "/blocker/out"}, clock_);
  auto pushed = a.push(entry("k1"));
  EXPECT_EQ(pushed.outcome, sync::PushOutcome::kRetryable);
  EXPECT_NE(pushed.message.find("outbox"), std::string::npos) << pushed.message;
}

TEST(FolderSettings, NeedsInboxAndOutbox) {
  auto ok = folder_settings({{"inbox", "/srv/in"}, {"outbox", "/srv/out"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->inbox, "/srv/in");
  EXPECT_EQ(ok->outbox, "/srv/out");
  auto missing = folder_settings({{"inbox", "/srv/in"}}, "office.json, tenants[0].settings");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(missing.error().context, "office.json, tenants[0].settings");
  EXPECT_NE(missing.error().message.find("outbox"), std::string::npos);
}

}  // namespace
}  // namespace mahnwerk::jsonfile

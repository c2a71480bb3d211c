// Tenants are walled off (DESIGN.md principle 7): two tenants of one office with their own
// folders and credentials, deliberately sharing record ids ("1", "D1"), synced by the real
// binary into one state file. Nothing of alpha — record, outbox line, audit event, letter text or
// secret — may appear in bravo's data, outbox or command output, and vice versa; no secret
// appears anywhere at all.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "connector/store/sqlite_store.h"
#include "tests/cli/process.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk {
namespace {

using testing::source_dir;

using testing::read_file;
using testing::run_mahnwerk;
using testing::TempDir;

struct Tenant {
  std::string id;
  std::string marker;  // in every name and number of this tenant's records
  std::string amount;  // an amount only this tenant has
  std::string secret;
};

const Tenant kAlpha{"alpha", "ALPHAZ", "1111.11", "s3cr3t-alpha-7f3a9c"};
const Tenant kBravo{"bravo", "BRAVOQ", "2222.22", "s3cr3t-bravo-91c2e4"};

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// Everything below `dir` as one string (file names included): where a leak would show.
std::string everything_in(const std::string& dir) {
  std::string all;
  if (!std::filesystem::exists(dir)) return all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    all += e.path().string() + "\n";
    if (e.is_regular_file()) all += read_file(e.path().string());
  }
  return all;
}

class TenantIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tenants;
    for (const Tenant* t : {&kAlpha, &kBravo}) {
      const std::string in = dir_.file(t->id + "/inbox/");
      write(in + "debtors.json", R"([{"id":"D1","name":"Kunde )" + t->marker +
                                     R"(","kind":"business",)"
                                     R"("email":"buchhaltung@)" +
                                     t->marker + R"(.example"}])");
      write(in + "items.json", R"([{"id":"1","number":"RE-)" + t->marker +
                                   R"(-1","debtor":"D1","invoice_date":"2025-03-01",)"
                                   R"("due_date":"2025-03-15","amount":")" +
                                   t->amount +
                                   R"(","currency":"EUR"},)"
                                   R"({"id":"2","number":"RE-)" +
                                   t->marker +
                                   R"(-2","debtor":"D1","invoice_date":"2025-04-01",)"
                                   R"("due_date":"2025-04-15","amount":"595.00","currency":"EUR"}])");
      write(in + "payments.json", R"([{"item":"2","date":"2025-05-02","amount":"100.00","currency":"EUR",)"
                                  R"("reference":"Zahlung )" +
                                      t->marker + R"("}])");
      tenants += std::string(tenants.empty() ? "" : ",") + R"({"id":")" + t->id + R"(","name":"Mandant )" +
                 t->marker + R"(","creditor":{"name":"Firma )" + t->marker +
                 R"( GmbH","address":{"street":"Am Markt 1","zip":"04109","city":"Leipzig","country":"DE"},)"
                 R"("iban":"DE02120300000000202051"},"adapter":"jsonfile",)"
                 R"("settings":{"inbox":")" +
                 t->id + R"(/inbox","outbox":")" + t->id +
                 R"(/outbox"},)"
                 R"("credentials":")" +
                 credentials(*t) + R"(","policy":")" + source_dir() +
                 R"(/config/policies/standard.json","schedule":"daily 06:00","approval":"auto",)"
                 R"("accounts":{"fee_revenue":"2700","interest_revenue":"2650"}})";
    }
    write(dir_.file("office.json"), R"({"tenants":[)" + tenants + "]}");
    // bravo's secret lives in a file (mode 0600), alpha's in the environment.
    write(dir_.file("secrets/bravo.key"), kBravo.secret + "\n");
    ::chmod(dir_.file("secrets/bravo.key").c_str(), 0600);
  }

  static std::string credentials(const Tenant& t) {
    return t.id == "alpha" ? "env:MAHNWERK_TEST_ALPHA_TOKEN" : "file:secrets/bravo.key";
  }

  testing::ProcessResult mahnwerk(std::vector<std::string> args) {
    args.insert(args.end(), {"--state", dir_.file("state")});
    auto r = run_mahnwerk(args, {"MAHNWERK_TEST_ALPHA_TOKEN=" + kAlpha.secret});
    outputs_ += r.out + r.err;
    return r;
  }

  static void expect_none_of(const Tenant& t, const std::string& text, const std::string& where) {
    for (const std::string& needle : {t.marker, t.amount, t.secret, "\"" + t.id + "\"", "tenant " + t.id}) {
      EXPECT_EQ(text.find(needle), std::string::npos) << where << " shows \"" << needle << "\" of " << t.id;
    }
  }

  TempDir dir_;
  std::string outputs_;
};

TEST_F(TenantIsolation, NothingOfOneTenantReachesTheOther) {
  const auto check = run_mahnwerk({"config", "check", "--config", dir_.file("office.json")},
                                  {"MAHNWERK_TEST_ALPHA_TOKEN=" + kAlpha.secret});
  ASSERT_EQ(check.exit_code, 0) << check.err;  // both credentials resolve
  outputs_ += check.out + check.err;
  const auto sync =
      mahnwerk({"sync", "--all", "--config", dir_.file("office.json"), "--as-of", "2025-06-30"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err << sync.out;

  // Each tenant's outbox folder holds its own write-backs only.
  const std::string alpha_out = everything_in(dir_.file("alpha/outbox"));
  const std::string bravo_out = everything_in(dir_.file("bravo/outbox"));
  ASSERT_NE(alpha_out.find(kAlpha.marker), std::string::npos) << "alpha pushed nothing to test with";
  ASSERT_NE(bravo_out.find(kBravo.marker), std::string::npos) << "bravo pushed nothing to test with";
  expect_none_of(kAlpha, bravo_out, "bravo's outbox");
  expect_none_of(kBravo, alpha_out, "alpha's outbox");

  // The store, through operations naming one tenant.
  auto store = store::open_sqlite_store(dir_.file("state/mahnwerk.db"));
  ASSERT_TRUE(store.ok());
  auto tx = (*store)->begin(sync::Access::kReadOnly);
  ASSERT_TRUE(tx.ok());
  for (const auto& [self, other] : {std::pair{&kAlpha, &kBravo}, std::pair{&kBravo, &kAlpha}}) {
    auto state = (*tx)->load_state(self->id);
    ASSERT_TRUE(state.ok());
    ASSERT_EQ(state->items.size(), 2u);
    for (const auto& item : state->items) EXPECT_NE(item.number.find(self->marker), std::string::npos);
    for (const auto& d : state->debtors) EXPECT_NE(d.name.find(self->marker), std::string::npos);
    ASSERT_EQ(state->payments.size(), 1u);
    EXPECT_NE(state->payments[0].reference.find(self->marker), std::string::npos);
    std::string rows;
    auto events = (*tx)->list_audit(self->id);
    ASSERT_TRUE(events.ok());
    EXPECT_FALSE(events->empty());
    for (const auto& e : *events) {
      EXPECT_EQ(e.tenant, self->id);
      rows += e.subject + e.data + e.actor + "\n";
    }
    for (auto s : {sync::OutboxState::kPending, sync::OutboxState::kSent, sync::OutboxState::kConfirmed,
                   sync::OutboxState::kFailed}) {
      auto entries = (*tx)->list_outbox(self->id, s);
      ASSERT_TRUE(entries.ok());
      for (const auto& e : *entries) {
        EXPECT_EQ(e.tenant, self->id);
        rows += e.target + e.payload + e.remote_reference + "\n";
      }
    }
    expect_none_of(*other, rows, "the store rows of " + self->id);
  }
  tx->get()->rollback();

  // Commands naming bravo see bravo only.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"history", "--tenant", "bravo", "--item", "1", "--json"},
           {"history", "--tenant", "bravo", "--debtor", "D1"},
           {"status", "--tenant", "bravo", "--json"},
           {"outbox", "list", "--tenant", "bravo", "--json"},
           {"plan", "list", "--tenant", "bravo", "--json"},
           {"audit", "verify", "--tenant", "bravo", "--json"},
       }) {
    const auto r = mahnwerk(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    expect_none_of(kAlpha, r.out + r.err, args[0] + " --tenant bravo");
  }
  // No secret anywhere: outputs, outboxes, inboxes, the state database (raw bytes, WAL included).
  const std::string state_bytes = everything_in(dir_.file("state"));
  for (const Tenant* t : {&kAlpha, &kBravo}) {
    for (const std::string* text :
         {static_cast<const std::string*>(&outputs_), &alpha_out, &bravo_out, &state_bytes}) {
      EXPECT_EQ(text->find(t->secret), std::string::npos) << t->id << "'s secret leaked";
    }
  }
}

}  // namespace
}  // namespace mahnwerk

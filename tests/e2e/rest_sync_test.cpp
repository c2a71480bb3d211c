// End to end: a tenant on each simulator (tests/sim) synced by the real job (connector/sync)
// through the real REST engine (adapters/rest, mappings/) over loopback HTTPS — pull, proposals
// committed (approval auto), write-back drained — then the same sync under every fault. The
// simulator's final state must hold each write-back exactly once, the store every open item.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>

#include "adapters/http/beast_transport.h"
#include "adapters/http/client.h"
#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "adapters/rest/rest_adapter.h"
#include "connector/store/sqlite_store.h"
#include "connector/sync/job.h"
#include "tests/adapters/http/test_pki.h"
#include "tests/sim/sim_server.h"
#include "tests/support/bundled_config.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk {
namespace {

using testing::source_dir;

using sim::Created;
using sim::Data;
using sim::Invoice;
using sim::SimServer;
using sim::System;

class NoSleep final : public sync::Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

// The write-back's marker ("mahnwerk:<key>") as the simulator received it.
std::string marker_of(const Created& c, System system) {
  const std::string field = system == System::kLexoffice ? "\"remark\":\"" : "\"customerInternalNote\":\"";
  const std::size_t at = c.body.find(field);
  if (at == std::string::npos) return "";
  const std::size_t start = at + field.size();
  return c.body.substr(start, c.body.find('"', start) - start);
}

class Tenant {
 public:
  Tenant(System system, int invoices, const std::string& faults)
      : system_(system),
        clock_(std::chrono::sys_days{std::chrono::year{2026} / 11 / 2} + std::chrono::hours{6}),
        http_clock_(http::TimePoint(std::chrono::sys_days{std::chrono::year{2026} / 11 / 2})),
        sleeper_(http_clock_, transport_) {
    sim::GenerateOptions g;
    g.system = system;
    g.invoices = invoices;
    g.seed = 21;
    g.today = "2026-11-02";
    data_ = sim::generate(g);
    sim::SimOptions options;
    options.data = data_;
    options.faults = faults;
    options.rate = std::make_unique<sim::RateSettings>();
    options.rate->off = true;
    sim_ = std::make_unique<SimServer>(std::move(options));
    ca_file_ = dir_.write("ca.pem", sim_->ca_pem());

    auto mapping = rest::find_mapping(system == System::kLexoffice ? "lexoffice" : "sevdesk",
                                      {source_dir() + "/mappings"});
    if (!mapping) throw std::runtime_error(mapping.error().to_string());
    rest::RestSettings settings;
    settings.mapping = mapping.value().name;
    settings.base_url = sim_->origin();
    settings.ca_file = ca_file_;
    settings.rate_per_second = 0.0;
    settings.credential = "e2e/" + settings.mapping;
    adapter_ = std::make_unique<rest::RestAdapter>(
        std::move(mapping).value(), settings, sim_->api_key(), transport_, clock_,
        http::ClientEnvironment{&http_clock_, &sleeper_, nullptr, nullptr});

    auto opened = store::open_sqlite_store(dir_.path() + "/mahnwerk.db");
    if (!opened) throw std::runtime_error(opened.error().to_string());
    store_ = std::move(opened).value();
    table_.emplace(testing::bundled_basiszins());
    settings_.tenant = "e2e";
    settings_.name = "E2E GmbH";
    settings_.creditor.name = "E2E GmbH";
    settings_.policy = testing::standard_policy();
    settings_.approval = sync::Approval::kAuto;
    settings_.basiszins = &*table_;
    options_.lease_owner = "e2e:1";
    options_.sleeper = &no_sleep_;
  }

  sync::JobReport run() {
    auto report = sync::run_job(*store_, *adapter_, settings_, clock_, options_);
    if (!report) throw std::runtime_error(report.error().to_string());
    return std::move(report).value();
  }

  // Item ids the store holds as open.
  std::set<std::string> open_in_store() {
    auto tx = store_->begin(sync::Access::kReadOnly);
    if (!tx) throw std::runtime_error(tx.error().to_string());
    auto state = tx.value()->load_state("e2e");
    if (!state) throw std::runtime_error(state.error().to_string());
    std::set<std::string> ids;
    for (const core::OpenItem& i : state.value().items) {
      if (i.open_amount.minor() > 0) ids.insert(i.id);
    }
    return ids;
  }

  // Invoices the source holds as open receivables, as the mapping asks for them.
  std::set<std::string> open_in_source() const {
    std::set<std::string> ids;
    for (const Invoice& i : data_.invoices) {
      const bool open =
          system_ == System::kLexoffice
              ? i.status == "open" && !i.archived &&
                    (i.type == "invoice" || i.type == "salesinvoice" || i.type == "downpaymentinvoice")
              : (i.status == "200" || i.status == "750") && i.type != "MA";
      // Invoices on lexoffice's collective contact (contactId null) have no debtor: the mapping
      // leaves them out.
      if (open && i.open_cents > 0 && !i.contact_id.empty()) ids.insert(i.id);
    }
    return ids;
  }

  bool dunnable(const std::string& target) const {
    for (const Invoice& i : data_.invoices) {
      if ("item:" + i.id == target) return system_ != System::kLexoffice || i.type != "salesinvoice";
    }
    return true;
  }

  // Write-backs that ended failed: only those the system refuses by contract (lexoffice takes no
  // dunning for a bookkeeping voucher, type salesinvoice: 406).
  void expect_failed_only_where_refused() {
    auto tx = store_->begin(sync::Access::kReadOnly);
    auto failed = tx.value()->list_outbox("e2e", sync::OutboxState::kFailed);
    ASSERT_TRUE(failed);
    for (const sync::OutboxEntry& e : failed.value()) {
      EXPECT_FALSE(dunnable(e.target)) << e.kind << " " << e.target << ": " << e.last_error;
      EXPECT_NE(e.last_error.find("406"), std::string::npos) << e.last_error;
    }
  }

  // Nothing lost, nothing extra: the store's open items are the source's.
  void expect_same_open_items() {
    const std::set<std::string> stored = open_in_store(), source = open_in_source();
    std::vector<std::string> missing, extra;
    std::set_difference(source.begin(), source.end(), stored.begin(), stored.end(),
                        std::back_inserter(missing));
    std::set_difference(stored.begin(), stored.end(), source.begin(), source.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << missing.front();
    if (!extra.empty()) {
      for (const Invoice& i : data_.invoices) {
        if (i.id == extra.front()) {
          ADD_FAILURE() << extra.size() << " extra, first " << i.id << " " << i.type << " " << i.status
                        << " open " << i.open_cents << " contact '" << i.contact_id << "' archived "
                        << i.archived;
        }
      }
    }
  }

  std::size_t count(sync::OutboxState state) {
    auto n = store_->begin(sync::Access::kReadOnly);
    auto list = n.value()->list_outbox("e2e", state);
    return list ? list.value().size() : 0;
  }

  // Each confirmed write-back exists in the simulator exactly once; nothing else was created.
  void expect_exactly_once() {
    std::map<std::string, int> made;
    for (const Created& c : sim_->created()) ++made[marker_of(c, system_)];
    auto tx = store_->begin(sync::Access::kReadOnly);
    auto confirmed = tx.value()->list_outbox("e2e", sync::OutboxState::kConfirmed);
    ASSERT_TRUE(confirmed);
    std::size_t expected = 0;
    for (const sync::OutboxEntry& e : confirmed.value()) {
      if (e.remote_reference.empty()) continue;  // a kind this system takes no write for
      ++expected;
      EXPECT_EQ(made["mahnwerk:" + e.idempotency_key], 1) << e.idempotency_key;
    }
    EXPECT_EQ(sim_->created().size(), expected);
    for (const auto& [marker, n] : made) EXPECT_EQ(n, 1) << marker;
  }

  SimServer& sim() { return *sim_; }

 private:
  System system_;
  Data data_;
  std::unique_ptr<SimServer> sim_;
  http::testing::TempDir dir_;
  std::string ca_file_;
  http::BeastTransport transport_;
  sync::ManualClock clock_;
  http::ManualClock http_clock_;
  http::VirtualSleeper sleeper_;
  std::unique_ptr<rest::RestAdapter> adapter_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<core::BasiszinsTable> table_;
  sync::TenantSettings settings_;
  sync::JobOptions options_;
  NoSleep no_sleep_;
};

// 1,500 invoices keep the suite fast (about 10 s per system in Debug); the issue's 25,000
// (16,000 open lexoffice items: more than the 10,000 window, so the engine slices) run with
// MAHNWERK_E2E_INVOICES=25000 (about 140 s per system in Debug).
int invoices_for_full_runs() {
  const char* n = std::getenv("MAHNWERK_E2E_INVOICES");
  return n ? std::atoi(n) : 1'500;
}

// The fault cases run at their own small size unless MAHNWERK_E2E_INVOICES asks for the
// issue's size for every case (24 cases at 25,000 invoices: well over an hour in Debug).
int invoices_for_fault_runs(int own) {
  const char* n = std::getenv("MAHNWERK_E2E_INVOICES");
  return n ? std::atoi(n) : own;
}

class RestSyncE2e : public ::testing::TestWithParam<System> {};

TEST_P(RestSyncE2e, FullSyncPullsEveryOpenItemAndWritesEachDunningOnce) {
  Tenant t(GetParam(), invoices_for_full_runs(), "");
  const sync::JobReport first = t.run();
  EXPECT_EQ(first.outcome, sync::JobOutcome::kCommitted) << first.message;
  t.expect_same_open_items();
  EXPECT_GT(first.pushed, 0);
  EXPECT_EQ(t.count(sync::OutboxState::kPending), 0u);
  t.expect_failed_only_where_refused();
  t.expect_exactly_once();
  const std::size_t created = t.sim().created().size();
  const sync::JobReport again = t.run();  // same day: nothing new to write
  EXPECT_EQ(again.outbox_created, 0);
  EXPECT_EQ(t.sim().created().size(), created);
  t.expect_exactly_once();
}

INSTANTIATE_TEST_SUITE_P(Systems, RestSyncE2e, ::testing::Values(System::kLexoffice, System::kSevdesk),
                         [](const auto& p) { return std::string(sim::to_string(p.param)); });

struct FaultCase {
  System system;
  std::string name;
  std::string spec;
  int invoices = 400;  // sevDesk list faults: enough for a second page of 1,000
};

void PrintTo(const FaultCase& f, std::ostream* os) { *os << f.spec; }

class RestSyncUnderFaults : public ::testing::TestWithParam<FaultCase> {};

// The sync runs under the fault, then once more without it: whatever the fault broke is
// repaired by the re-run, nothing is written twice and nothing is lost.
TEST_P(RestSyncUnderFaults, ReRunConvergesWithEachWriteExactlyOnce) {
  const FaultCase& f = GetParam();
  Tenant t(f.system, invoices_for_fault_runs(f.invoices), f.spec);
  t.run();
  EXPECT_GT(t.sim().faults_fired(), 0) << "the fault never fired: " << f.spec;
  t.sim().set_faults("");
  const sync::JobReport repair = t.run();
  EXPECT_TRUE(repair.outcome == sync::JobOutcome::kCommitted ||
              repair.outcome == sync::JobOutcome::kNothingToDo)
      << repair.message;
  t.expect_same_open_items();
  EXPECT_EQ(t.count(sync::OutboxState::kPending), 0u);
  EXPECT_EQ(t.count(sync::OutboxState::kSent), 0u);
  t.expect_failed_only_where_refused();
  t.expect_exactly_once();
}

std::vector<FaultCase> fault_cases() {
  std::vector<FaultCase> cases;
  const std::pair<System, std::string> writes[] = {{System::kLexoffice, "dunnings"},
                                                   {System::kSevdesk, "createInvoiceReminder"}};
  const std::pair<System, std::string> lists[] = {{System::kLexoffice, "voucherlist"},
                                                  {System::kSevdesk, "Invoice"}};
  for (const auto& [system, route] : writes) {
    const std::string s(sim::to_string(system));
    cases.push_back({system, s + "_504_after_commit", "504@" + route + ":every=3"});
    cases.push_back({system, s + "_drop_after_commit", "drop@" + route + ":every=4,commit=1"});
    cases.push_back({system, s + "_drop_before_write", "drop@" + route + ":every=4"});
    cases.push_back({system, s + "_429_on_write", "429@" + route + ":every=2"});
    cases.push_back({system, s + "_500_on_write", "500@" + route + ":every=5"});
    cases.push_back({system, s + "_delay_on_write", "delay@" + route + ":every=50,ms=50"});
  }
  for (const auto& [system, route] : lists) {
    const std::string s(sim::to_string(system));
    const int n = system == System::kSevdesk ? 1'700 : 400;
    cases.push_back({system, s + "_429_on_pages", "429@" + route + ":every=2", n});
    cases.push_back({system, s + "_500_on_pages", "500@" + route + ":every=2", n});
    cases.push_back({system, s + "_truncated_page", "truncate@" + route + ":every=2", n});
    cases.push_back({system, s + "_dropped_page", "drop@" + route + ":every=2", n});
    cases.push_back({system, s + "_duplicate_page", "duplicate@" + route + ":every=2", n});
    cases.push_back({system, s + "_504_on_pages", "504@" + route + ":nth=2", n});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Faults, RestSyncUnderFaults, ::testing::ValuesIn(fault_cases()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace mahnwerk

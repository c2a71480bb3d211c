// The sync job with the DATEV folder adapter: the debtors' own dunning settings of a Debitoren
// file (Mahnung, Mahngebühr, Gebührenberechnung) reach the Mahnvorschlag through the state store,
// also in a later run that reads no new file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "adapters/datev/datev_adapter.h"
#include "adapters/datev/debitoren.h"
#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "connector/store/sqlite_store.h"
#include "connector/sync/job.h"
#include "tests/adapters/datev/datev_test_util.h"
#include "tests/support/bundled_config.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::sync {
namespace {

using testing::source_dir;
using testing::TempDir;

using core::make_date;
using datev::testing::booking;
using datev::testing::buchungsstapel;
using datev::testing::heading;
using datev::testing::kDebitorenHeader;
using datev::testing::record;

void write_file(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::chrono::sys_seconds morning(core::Date day) {
  return std::chrono::sys_seconds{std::chrono::sys_days{day}} + std::chrono::hours{6};
}

// Five consumers with one invoice each (1,000.00, due 2024-03-15); their DATEV settings:
//   10100 none (the tenant's policy), 10200 Gebührenberechnung 1 with Mahngebühr 2 = 0,50,
//   10300 Mahnung 9 (keine Mahnung), 10400 Gebührenberechnung 9 (keine Gebühr),
//   10500 Mahngebühr 2 = 5,00 (above the 0.76 material cost of a letter: unlawful).
class JobDatevTest : public ::testing::Test {
 protected:
  JobDatevTest() : clock_(morning(make_date(2024, 3, 25))) {
    auto opened = store::open_sqlite_store(dir_.file("mahnwerk.db"));
    if (!opened) throw std::runtime_error(opened.error().to_string());
    store_ = std::move(opened).value();
    table_.emplace(testing::bundled_basiszins());
    settings_.tenant = "holz";
    settings_.name = "Holzwerk";
    settings_.creditor.name = "Holzwerk GmbH";
    settings_.policy = testing::standard_policy();
    settings_.approval = Approval::kAuto;
    settings_.basiszins = &*table_;
    options_.lease_owner = "test:1";

    const std::map<std::string, std::map<int, std::string>> own = {
        {"10100", {}},           {"10200", {{236, "1"}, {238, "0,50"}}}, {"10300", {{121, "9"}}},
        {"10400", {{236, "9"}}}, {"10500", {{236, "1"}, {238, "5,00"}}},
    };
    std::string debitoren = std::string(kDebitorenHeader) + "\r\n" + heading(254, "Konto") + "\r\n";
    std::vector<std::string> bookings;
    for (const auto& [konto, fields] : own) {
      auto f = fields;
      f[1] = konto;
      f[4] = "\"Kunde " + konto + "\"";
      f[5] = "\"Erika\"";
      f[7] = "\"1\"";  // natürliche Person: a consumer
      debitoren += record(f, 254) + "\r\n";
      bookings.push_back(booking("1000,00", "S", konto, "8400", "0103", "RE-" + konto, {{117, "15032024"}}));
    }
    write_file(dir_.file("inbox/EXTF_Debitoren.csv"), debitoren);
    write_file(dir_.file("inbox/EXTF_Buchungsstapel.csv"), buchungsstapel(bookings));
    auto datev = datev::datev_settings({{"inbox", dir_.file("inbox")},
                                        {"outbox", dir_.file("outbox")},
                                        {"archive", dir_.file("archive")},
                                        {"berater", "29098"},
                                        {"mandant", "55003"},
                                        {"skr", "SKR03"}},
                                       "", "");
    if (!datev) throw std::runtime_error(datev.error().to_string());
    adapter_.emplace(std::move(datev).value(), clock_);
  }

  JobReport run(core::Date day) {
    clock_.set(morning(day));
    auto report = run_job(*store_, *adapter_, settings_, clock_, options_);
    if (!report) throw std::runtime_error(report.error().to_string());
    return std::move(report).value();
  }

  core::State state() {
    auto tx = store_->begin(Access::kReadOnly);
    if (!tx) throw std::runtime_error(tx.error().to_string());
    return *(*tx)->load_state("holz");
  }

  // The levels of the notices on the debtor's invoice, and its fee charges by level.
  std::vector<int> notice_levels(const core::State& s, const std::string& konto) {
    std::vector<int> levels;
    for (const auto& n : s.notices) {
      if (n.item == konto + "/RE-" + konto) levels.push_back(n.level);
    }
    return levels;
  }
  std::map<int, core::Money> fees(const core::State& s, const std::string& konto) {
    std::map<int, core::Money> out;
    for (const auto& c : s.charges) {
      if (c.item == konto + "/RE-" + konto && c.kind == core::ChargeKind::kFee)
        out.emplace(c.level, c.amount);
    }
    return out;
  }

  TempDir dir_{"mahnwerk_job_datev_test"};
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<core::BasiszinsTable> table_;
  TenantSettings settings_;
  JobOptions options_;
  std::optional<datev::DatevAdapter> adapter_;
};

TEST_F(JobDatevTest, DebtorsOwnDunningSettingsDecideNoticesAndFees) {
  // Zahlungserinnerung (no fee) for everyone but the debtor with Mahnung 9 and the one whose
  // settings are unlawful.
  const JobReport first = run(make_date(2024, 3, 25));
  EXPECT_EQ(first.proposed_notices, 3) << first.message;
  core::State s = state();
  EXPECT_EQ(notice_levels(s, "10100"), std::vector<int>{0});
  EXPECT_EQ(notice_levels(s, "10200"), std::vector<int>{0});
  EXPECT_TRUE(notice_levels(s, "10300").empty());  // keine Mahnung
  EXPECT_EQ(notice_levels(s, "10400"), std::vector<int>{0});
  EXPECT_TRUE(notice_levels(s, "10500").empty());
  const auto warned = std::find_if(first.warnings.begin(), first.warnings.end(), [](const std::string& w) {
    return w.find("debtor 10500") != std::string::npos && w.find("no notice") != std::string::npos;
  });
  EXPECT_NE(warned, first.warnings.end());

  // The settings are kept by the store: a run that reads no new file still applies them.
  {
    auto tx = store_->begin(Access::kReadOnly);
    auto stored = (*tx)->load_debtor_settings("holz");
    ASSERT_TRUE(stored.ok()) << stored.error().to_string();
    ASSERT_EQ(stored->size(), 4u);  // 10100 has none
    EXPECT_EQ((*stored)[0].debtor, "10200");
    EXPECT_EQ((*stored)[0].settings, "fee=own;fee2=0.50 EUR");
  }
  // 1. Mahnung: the tenant's 0.76, the debtor's own 0.50, none with Gebührenberechnung 9.
  const JobReport second = run(make_date(2024, 4, 23));
  EXPECT_EQ(second.pulled, 0);  // the inbox is unchanged: nothing read
  s = state();
  EXPECT_EQ(notice_levels(s, "10100"), (std::vector<int>{0, 1}));
  EXPECT_EQ(notice_levels(s, "10200"), (std::vector<int>{0, 1}));
  EXPECT_EQ(notice_levels(s, "10400"), (std::vector<int>{0, 1}));
  EXPECT_TRUE(notice_levels(s, "10300").empty());
  EXPECT_EQ(fees(s, "10100"), (std::map<int, core::Money>{{1, core::Money(76, core::Currency::eur())}}));
  EXPECT_EQ(fees(s, "10200"), (std::map<int, core::Money>{{1, core::Money(50, core::Currency::eur())}}));
  EXPECT_TRUE(fees(s, "10400").empty());
}

TEST(DunningSettingsText, RoundTripsEverySettingAndRefusesWhatItDoesNotWrite) {
  datev::DunningSettings all;
  all.no_dunning = true;
  all.level_mask = 3;
  all.min_amount = core::Money(5000, core::Currency::eur());
  all.min_percent_bp = 150;
  all.interest = datev::Calculation::kOwn;
  all.interest_rate_bp = {1050, std::nullopt, 1212};
  all.fee = datev::Calculation::kOwn;
  all.fee_amount = {std::nullopt, core::Money(50, core::Currency::eur()),
                    core::Money(76, core::Currency::eur())};
  all.flat_fee = datev::Calculation::kNone;
  all.flat_fee_amount = {core::Money(4000, core::Currency::eur()), std::nullopt, std::nullopt};
  all.own_deadlines = true;
  all.deadline_days = {14, 28, std::nullopt};
  all.last_deadline_days = 10;
  const std::string text = datev::settings_text(all);
  EXPECT_EQ(text,
            "mahnung=9;mask=3;limit=50.00 EUR;limit_percent=150;interest=own;rate1=1050;rate3=1212;fee=own;"
            "fee2=0.50 EUR;fee3=0.76 EUR;flat_fee=none;flat_fee1=40.00 EUR;deadlines=own;days1=14;days2=28;"
            "last_days=10");
  auto back = datev::parse_settings_text(text);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(datev::settings_text(*back), text);
  EXPECT_EQ(datev::settings_text(datev::DunningSettings{}), "");
  for (const char* bad :
       {"mahnung=1", "mask=8", "fee2=0.50", "fee=some", "rate4=100", "days1=-1", "colour=red"}) {
    auto parsed = datev::parse_settings_text(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::kInvalidInput) << bad;
    EXPECT_NE(parsed.error().context.find(bad), std::string::npos) << parsed.error().to_string();
  }
}

}  // namespace
}  // namespace mahnwerk::sync

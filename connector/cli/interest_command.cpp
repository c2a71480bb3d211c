// `mahnwerk interest`: statutory default interest on one amount over a date range.
#include <cstdio>
#include <iostream>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/core/interest.h"

namespace mahnwerk::cli {
namespace {

struct InterestArgs {
  std::string amount;
  std::string currency = "EUR";
  std::string from;
  std::string to;
  std::string debtor;
  std::string convention = "act/365";
  std::string contract_date;
  bool json = false;
  LawOptions law;
};

void print_table(const core::InterestResult& r, const core::DebtorKind kind, int surcharge_bp,
                 core::DayCount convention) {
  std::printf("Verzugszinsen (§ 288 BGB), %s: Basiszinssatz + %s points, %s\n",
              std::string(core::to_string(kind)).c_str(), core::format_percent_bp(surcharge_bp).c_str(),
              std::string(core::to_string(convention)).c_str());
  std::printf("%-10s  %-10s  %5s  %5s  %7s  %14s  %12s\n", "from", "to", "days", "basis", "rate %",
              "principal", "interest");
  for (const auto& p : r.periods) {
    std::printf("%-10s  %-10s  %5d  %5d  %7s  %14s  %12s\n", core::format_date(p.from).c_str(),
                core::format_date(p.to).c_str(), p.days, p.year_basis,
                core::format_percent_bp(p.rate_bp).c_str(), p.principal.to_string().c_str(),
                p.amount().to_string().c_str());
  }
  std::printf("%-10s  %-10s  %5s  %5s  %7s  %14s  %12s %s\n", "total", "", "", "", "", "",
              r.total.to_string().c_str(), std::string(r.total.currency().code()).c_str());
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
}

void print_json(const core::InterestResult& r, const InterestArgs& args, core::DebtorKind kind,
                int surcharge_bp, core::DayCount convention) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "interest", r.total);
  write_field(w, "currency", r.total.currency().code());
  write_field(w, "principal", args.amount);
  write_field(w, "from", args.from);
  write_field(w, "to", args.to);
  write_field(w, "debtor", core::to_string(kind));
  write_field(w, "surcharge", core::format_percent_bp(surcharge_bp));
  write_field(w, "convention", core::to_string(convention));
  write_periods(w, r.periods);
  write_strings(w, "warnings", r.warnings);
  w.EndObject();
}

int run(const InterestArgs& args) {
  auto currency = core::Currency::from_code(args.currency);
  if (!currency) return report(currency.error().within("--currency"));
  auto amount = core::Money::parse(args.amount, *currency);
  if (!amount) return report(amount.error().within("--amount"));
  if (amount->is_negative())
    return report(core::invalid_input("negative amount \"" + args.amount + "\"", "--amount"));
  auto from = parse_date_option("--from", args.from);
  if (!from) return report(from.error());
  auto to = parse_date_option("--to", args.to);
  if (!to) return report(to.error());
  if (*to < *from) return report(core::invalid_input("--to lies before --from", "--to"));
  auto kind = core::parse_debtor_kind(args.debtor);
  if (!kind) return report(kind.error().within("--debtor"));
  auto convention = core::parse_day_count(args.convention);
  if (!convention) return report(convention.error().within("--convention"));
  std::optional<core::Date> contract;
  if (!args.contract_date.empty()) {
    auto c = parse_date_option("--contract-date", args.contract_date);
    if (!c) return report(c.error());
    contract = *c;
  }
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());

  const int surcharge = core::statutory_surcharge_bp(*kind, contract);
  auto result = core::compute_interest(*table, *amount, *from, *to, *convention, surcharge);
  if (!result) return report(result.error());
  for (const auto& w : result->warnings) std::cerr << "mahnwerk: warning: " << w << "\n";
  if (args.json) {
    print_json(*result, args, *kind, surcharge, *convention);
  } else {
    print_table(*result, *kind, surcharge, *convention);
  }
  return kExitOk;
}

}  // namespace

void add_law_options(CLI::App& command, LawOptions& options) {
  command.add_option("--basiszins", options.basiszins_file,
                     "Basiszinssatz table (JSON); default: basiszins.json from the data directory");
  command.add_option("--region", options.region, "holiday region for § 193 BGB: DE or DE-BY, DE-NW, ...")
      ->capture_default_str();
}

void register_interest_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InterestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "interest", "Statutory default interest (§ 288 BGB) on an amount, split at every Basiszinssatz change");
  cmd->add_option("--amount", args->amount, "principal, e.g. 1000.00")->required();
  cmd->add_option("--currency", args->currency, "ISO-4217 currency")->capture_default_str();
  cmd->add_option("--from", args->from, "first interest day, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--to", args->to, "last interest day, YYYY-MM-DD (inclusive)")->required();
  cmd->add_option("--debtor", args->debtor, "consumer (+5 points) or business (+9 points)")
      ->required()
      ->check(CLI::IsMember({"consumer", "business", "public"}));
  cmd->add_option("--convention", args->convention, "day count: act/365, act/act, act/360, 30/360")
      ->capture_default_str();
  cmd->add_option("--contract-date", args->contract_date,
                  "date of the contract; before 2014-07-29 a business pays 8 points, not 9");
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  add_law_options(*cmd, args->law);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace mahnwerk::cli

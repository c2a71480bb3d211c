// `mahnwerk claim`: what every open item's debtor owes under German law on a given day.
#include <cstdio>
#include <iostream>
#include <map>

#include "adapters/jsonfile/state_json.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/core/claim.h"

namespace mahnwerk::cli {
namespace {

struct ClaimArgs {
  std::string input;
  std::string as_of;
  std::string convention = "act/365";
  int receipt_days = 3;
  bool no_flat_fee = false;
  bool json = false;
  LawOptions law;
};

std::string verzug_text(const core::ItemClaim& c) {
  return c.verzug.start ? core::format_date(*c.verzug.start) : "-";
}

// Sums per currency, in code order (deterministic output).
struct Totals {
  core::Money principal, interest, costs, total;
};

std::map<std::string, Totals> totals_of(const core::State& state, const core::ClaimSet& set) {
  std::map<std::string, Totals> totals;
  for (const auto& c : set.claims) {
    const core::Currency cur = state.items[c.item_index].currency();
    auto [it, inserted] =
        totals.try_emplace(std::string(cur.code()), Totals{core::Money::zero(cur), core::Money::zero(cur),
                                                           core::Money::zero(cur), core::Money::zero(cur)});
    it->second.principal += c.principal_open;
    it->second.interest += c.interest_open;
    it->second.costs += c.costs_open;
    it->second.total += c.open_total;
  }
  return totals;
}

void print_table(const core::State& state, const core::ClaimSet& set, const core::Date& as_of) {
  std::printf("Claims as of %s (§§ 286, 288, 366, 367 BGB)\n", core::format_date(as_of).c_str());
  std::printf("%-14s %-12s %-10s %-15s %12s %10s %8s %12s %-10s\n", "item", "debtor", "default", "ground",
              "principal", "interest", "costs", "open total", "limitation");
  for (const auto& c : set.claims) {
    const auto& item = state.items[c.item_index];
    std::printf("%-14s %-12s %-10s %-15s %12s %10s %8s %12s %-10s\n", item.number.c_str(),
                item.debtor.c_str(), verzug_text(c).c_str(),
                std::string(core::to_string(c.verzug.ground)).c_str(), c.principal_open.to_string().c_str(),
                c.interest_open.to_string().c_str(), c.costs_open.to_string().c_str(),
                c.open_total.to_string().c_str(), core::format_date(c.limitation.limitation_date).c_str());
  }
  for (const auto& [code, t] : totals_of(state, set)) {
    std::printf("%-14s %-12s %-10s %-15s %12s %10s %8s %12s %s\n", "total", "", "", "",
                t.principal.to_string().c_str(), t.interest.to_string().c_str(), t.costs.to_string().c_str(),
                t.total.to_string().c_str(), code.c_str());
  }
  for (const auto& c : set.claims) {
    for (const auto& w : c.warnings) {
      std::printf("warning: %s: %s\n", state.items[c.item_index].number.c_str(), w.c_str());
    }
  }
}

void write_payments(JsonWriter& w, const core::State& state,
                    std::span<const core::PaymentApplication> payments) {
  write_string(w, "payments");
  w.StartArray();
  for (const auto& p : payments) {
    const core::Payment& payment = state.payments[p.payment_index];
    w.StartObject();
    write_field(w, "date", payment.date);
    write_field(w, "amount", payment.amount);
    write_field(w, "reference", payment.reference);
    write_field(w, "designated", p.designated);
    write_field(w, "to_costs", p.to_costs);
    write_field(w, "to_interest", p.to_interest);
    write_field(w, "to_principal", p.to_principal);
    w.EndObject();
  }
  w.EndArray();
}

void print_json(const core::State& state, const core::ClaimSet& set, const core::Date& as_of) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "as_of", as_of);
  write_string(w, "claims");
  w.StartArray();
  for (const auto& c : set.claims) {
    const auto& item = state.items[c.item_index];
    w.StartObject();
    write_field(w, "item", item.id);
    write_field(w, "number", item.number);
    write_field(w, "debtor", item.debtor);
    write_field(w, "currency", item.currency().code());
    write_string(w, "verzug_start");
    if (c.verzug.start) {
      write_string(w, core::format_date(*c.verzug.start));
    } else {
      w.Null();
    }
    write_field(w, "ground", core::to_string(c.verzug.ground));
    write_field(w, "interest", c.interest);
    write_field(w, "flat_fee", c.flat_fee);
    write_field(w, "flat_fee_creditable", c.flat_fee.is_positive());
    write_field(w, "open_principal", c.principal_open);
    write_field(w, "open_interest", c.interest_open);
    write_field(w, "open_costs", c.costs_open);
    write_field(w, "open_total", c.open_total);
    write_field(w, "limitation_date", c.limitation.limitation_date);
    write_periods(w, set.periods_of(c));
    write_payments(w, state, set.payments_of(c));
    write_strings(w, "warnings", c.warnings);
    write_field(w, "explanation", set.explanation(c, state));
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "totals");
  w.StartObject();
  for (const auto& [code, t] : totals_of(state, set)) {
    write_string(w, code);
    w.StartObject();
    write_field(w, "open_principal", t.principal);
    write_field(w, "open_interest", t.interest);
    write_field(w, "open_costs", t.costs);
    write_field(w, "open_total", t.total);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

int run(const ClaimArgs& args) {
  auto as_of = parse_date_option("--as-of", args.as_of);
  if (!as_of) return report(as_of.error());
  auto convention = core::parse_day_count(args.convention);
  if (!convention) return report(convention.error().within("--convention"));
  auto calendar = make_calendar(args.law);
  if (!calendar) return report(calendar.error());
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto state = jsonfile::load_state(args.input);
  if (!state) return report(state.error());

  const core::ClaimPolicy policy{args.receipt_days, *convention, !args.no_flat_fee};
  const core::ClaimEngine engine(*table, *calendar, policy);
  auto claims = engine.compute(*state, *as_of);
  if (!claims) return report(claims.error().within(args.input));
  for (const auto& c : claims->claims) {
    for (const auto& w : c.warnings)
      std::cerr << "mahnwerk: warning: " << state->items[c.item_index].number << ": " << w << "\n";
  }
  if (args.json) {
    print_json(*state, *claims, *as_of);
  } else {
    print_table(*state, *claims, *as_of);
  }
  return kExitOk;
}

}  // namespace

void register_claim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClaimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "claim",
      "Per open item: default start and ground, interest, € 40 flat fee, payments, open total, limitation");
  cmd->add_option("--input", args->input, "canonical state JSON (debtors, items, payments, notices)")
      ->required();
  cmd->add_option("--as-of", args->as_of, "the day to compute for, YYYY-MM-DD")->required();
  cmd->add_option("--convention", args->convention, "day count: act/365, act/act, act/360, 30/360")
      ->capture_default_str();
  cmd->add_option("--receipt-assumption-days", args->receipt_days,
                  "days from sending to receipt when the receipt date is unknown")
      ->capture_default_str()
      ->check(CLI::Range(0, 60));
  cmd->add_flag("--no-flat-fee", args->no_flat_fee, "do not claim the € 40 Verzugspauschale (§ 288 V BGB)");
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  add_law_options(*cmd, args->law);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace mahnwerk::cli

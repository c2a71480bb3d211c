// `mahnwerk plan`: payment plans (Ratenzahlung). `plan propose` freezes what a debtor owes on the
// agreement day and prints the installment schedule, as a table or as the canonical plan JSON.
#include <cstdio>
#include <iostream>
#include <memory>

#include "adapters/jsonfile/state_json.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/core/plan.h"

namespace mahnwerk::cli {
namespace {

struct ProposeArgs {
  std::string input;
  std::string debtor;
  std::vector<std::string> items;
  int installments = 0;
  std::string max_installment;
  std::string first;
  std::string as_of;
  std::string interval = "monthly";
  std::string interest_rate;
  std::string id;
  int default_after_missed = 2;
  int grace_days = 7;
  std::string convention = "act/365";
  int receipt_days = 3;
  bool no_flat_fee = false;
  bool json = false;
  LawOptions law;
};

std::string item_numbers(const core::State& state, const core::PaymentPlan& plan) {
  std::string out;
  for (const auto& id : plan.items) {
    for (const auto& item : state.items) {
      if (item.id == id) out += (out.empty() ? "" : ", ") + item.number;
    }
  }
  return out;
}

std::string debtor_name(const core::State& state, const std::string& id) {
  for (const auto& d : state.debtors) {
    if (d.id == id) return d.name;
  }
  return {};
}

void print_table(const core::State& state, const core::PaymentPlan& plan, const core::Date& first_due) {
  const std::string code(plan.total.currency().code());
  std::printf("Payment plan %s for debtor %s (%s), agreed %s\n", plan.id.c_str(), plan.debtor.c_str(),
              debtor_name(state, plan.debtor).c_str(), core::format_date(plan.agreed_on).c_str());
  std::printf("Items: %s\n", item_numbers(state, plan).c_str());
  std::printf("%-34s %12s\n", "principal", plan.principal.to_string().c_str());
  std::printf("%-34s %12s\n", "costs", plan.costs.to_string().c_str());
  std::printf("%-34s %12s\n", "default interest to agreement", plan.interest.to_string().c_str());
  const std::string rate = "plan interest " + core::format_percent_bp(plan.plan_interest_bp) + " % p.a.";
  std::printf("%-34s %12s\n", rate.c_str(), plan.plan_interest.to_string().c_str());
  std::printf("%-34s %12s %s\n\n", "total", plan.total.to_string().c_str(), code.c_str());

  std::printf("%4s  %-10s  %12s\n", "#", "due", "amount");
  bool any_shifted = false;
  for (std::size_t k = 0; k < plan.installments.size(); ++k) {
    const auto& inst = plan.installments[k];
    const core::Date nominal = core::nominal_due(first_due, plan.interval, static_cast<int>(k));
    const bool shifted = nominal != inst.due;
    any_shifted = any_shifted || shifted;
    const std::string note = shifted ? "  * " + core::format_date(nominal) : "";
    std::printf("%4zu  %-10s  %12s%s\n", k + 1, core::format_date(inst.due).c_str(),
                inst.amount.to_string().c_str(), note.c_str());
  }
  std::printf("%4s  %-10s  %12s %s\n", "", "total", plan.total.to_string().c_str(), code.c_str());
  if (any_shifted) std::printf("* moved from the date shown to the next business day (§ 193 BGB)\n");
  std::printf("\n%s\n", core::explain(plan).c_str());
}

void print_json(const core::PaymentPlan& plan) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "id", plan.id);
  write_field(w, "debtor", plan.debtor);
  write_strings(w, "items", plan.items);
  write_field(w, "agreed_on", plan.agreed_on);
  write_field(w, "currency", plan.total.currency().code());
  write_field(w, "principal", plan.principal);
  write_field(w, "costs", plan.costs);
  write_field(w, "interest", plan.interest);
  write_field(w, "plan_interest_rate", core::format_percent_bp(plan.plan_interest_bp));
  write_field(w, "plan_interest", plan.plan_interest);
  write_field(w, "total", plan.total);
  write_field(w, "interval", core::to_string(plan.interval));
  write_string(w, "installments");
  w.StartArray();
  for (const auto& inst : plan.installments) {
    w.StartObject();
    write_field(w, "due", inst.due);
    write_field(w, "amount", inst.amount);
    write_field(w, "paid", inst.paid);
    w.EndObject();
  }
  w.EndArray();
  write_field(w, "default_after_missed", plan.default_after_missed);
  write_field(w, "grace_days", plan.grace_days);
  write_string(w, "final_notice_date");
  if (plan.final_notice_date) {
    write_string(w, core::format_date(*plan.final_notice_date));
  } else {
    w.Null();
  }
  write_field(w, "status", core::to_string(plan.status));
  write_field(w, "explanation", core::explain(plan));
  w.EndObject();
}

// The currency of the debtor's items (EUR when there are none), for --max-installment.
core::Currency currency_of_debtor(const core::State& state, const std::string& debtor) {
  for (const auto& item : state.items) {
    if (item.debtor == debtor) return item.currency();
  }
  return core::Currency::eur();
}

// --interval, --interest-rate and the dates; the rest of the request is copied.
core::Result<core::PlanRequest> make_request(const ProposeArgs& args, const core::State& state) {
  core::PlanRequest r;
  r.id = args.id;
  r.debtor = args.debtor;
  r.items = args.items;
  r.installments = args.installments;
  r.default_after_missed = args.default_after_missed;
  r.grace_days = args.grace_days;
  MW_ASSIGN_OR_RETURN(r.first_due, parse_date_option("--first", args.first));
  auto interval = core::parse_plan_interval(args.interval);
  if (!interval) return interval.error().within("--interval");
  r.interval = *interval;
  if (!args.interest_rate.empty()) {
    auto bp = core::parse_percent_bp(args.interest_rate);
    if (!bp) return bp.error().within("--interest-rate");
    r.plan_interest_bp = *bp;
  }
  if (!args.max_installment.empty()) {
    auto max = core::Money::parse(args.max_installment, currency_of_debtor(state, args.debtor));
    if (!max) return max.error().within("--max-installment");
    r.max_installment = *max;
  }
  return r;
}

// An error about a request field ("first_due", "items[1]") names the option that set it; any
// other (the claim engine's "items[3].debtor", "payments[0]") names a field of the input file.
core::Error in_terms_of_options(core::Error e, const std::string& input) {
  static const std::pair<const char*, const char*> kOptions[] = {
      {"debtor", "--debtor"},
      {"items", "--items"},
      {"installments", "--installments"},
      {"max_installment", "--max-installment"},
      {"first_due", "--first"},
      {"plan_interest_bp", "--interest-rate"},
      {"default_after_missed", "--default-after-missed"},
      {"grace_days", "--grace-days"},
      {"id", "--id"},
  };
  for (const auto& [field, option] : kOptions) {
    const std::string_view name(field);
    const bool indexed =
        e.context.rfind(std::string(name) + "[", 0) == 0 && e.context.find('.') == std::string::npos;
    if (e.context == name || indexed) {
      e.context = option + e.context.substr(name.size());
      return e;
    }
  }
  return e.within(input);
}

int run_propose(const ProposeArgs& args) {
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
  auto request = make_request(args, *state);
  if (!request) return report(request.error());

  const core::ClaimEngine engine(*table, *calendar,
                                 core::ClaimPolicy{args.receipt_days, *convention, !args.no_flat_fee});
  auto plan = core::propose_plan(*state, *request, *as_of, engine, *calendar);
  if (!plan) return report(in_terms_of_options(plan.error(), args.input));
  // The frozen interest depends on the Basiszinssatz: a stale table must not pass silently.
  if (auto claims = engine.compute(*state, *as_of)) {
    for (const auto& c : claims->claims) {
      const auto& item = state->items[c.item_index];
      if (!core::plan_covers(*plan, item.id)) continue;
      for (const auto& w : c.warnings) std::cerr << "mahnwerk: warning: " << item.number << ": " << w << "\n";
    }
  }
  if (args.json) {
    print_json(*plan);
  } else {
    print_table(*state, *plan, request->first_due);
  }
  return kExitOk;
}

void register_propose(CLI::App& plan, int& exit_code) {
  auto args = std::make_shared<ProposeArgs>();
  CLI::App* cmd = plan.add_subcommand("propose",
                                      "Propose an installment plan: freeze principal, costs and interest on "
                                      "the agreement day and split them");
  cmd->add_option("--input", args->input, "canonical state JSON (debtors, items, payments, notices, plans)")
      ->required();
  cmd->add_option("--debtor", args->debtor, "the debtor's id")->required();
  cmd->add_option("--items", args->items, "item ids, comma-separated; default: all the debtor's open items")
      ->delimiter(',');
  auto* count = cmd->add_option("--installments", args->installments, "number of installments (1-120)");
  auto* max = cmd->add_option("--max-installment", args->max_installment,
                              "largest installment the debtor can pay, e.g. 250.00; the count follows");
  count->excludes(max);
  cmd->add_option("--first", args->first, "due date of the first installment, YYYY-MM-DD")->required();
  cmd->add_option("--as-of", args->as_of, "the agreement day: figures are frozen as of it, YYYY-MM-DD")
      ->required();
  cmd->add_option("--interval", args->interval, "monthly, biweekly or weekly")
      ->capture_default_str()
      ->check(CLI::IsMember({"monthly", "biweekly", "weekly"}));
  cmd->add_option("--interest-rate", args->interest_rate,
                  "plan interest in percent p.a., simple, act/365 on the falling principal (default: none)");
  cmd->add_option("--id", args->id, "plan id; default: <debtor>-<YYYYMMDD of --as-of>");
  cmd->add_option("--default-after-missed", args->default_after_missed,
                  "consecutive installments in arrears before the remainder falls due")
      ->capture_default_str();
  cmd->add_option("--grace-days", args->grace_days,
                  "days after a due date before an installment is in arrears")
      ->capture_default_str();
  cmd->add_option("--convention", args->convention,
                  "day count of default interest: act/365, act/act, act/360, 30/360")
      ->capture_default_str();
  cmd->add_option("--receipt-assumption-days", args->receipt_days,
                  "days from sending to receipt when the receipt date is unknown")
      ->capture_default_str()
      ->check(CLI::Range(0, 60));
  cmd->add_flag("--no-flat-fee", args->no_flat_fee, "do not claim the € 40 Verzugspauschale (§ 288 V BGB)");
  cmd->add_flag("--json", args->json, "print the plan as canonical JSON instead of a table");
  add_law_options(*cmd, args->law);
  cmd->callback([args, &exit_code] { exit_code = run_propose(*args); });
}

}  // namespace

void register_plan_command(CLI::App& app, int& exit_code) {
  CLI::App* plan =
      app.add_subcommand("plan", "Payment plans (Ratenzahlung): propose a plan for a debtor's items");
  plan->require_subcommand(1);
  register_propose(*plan, exit_code);
}

}  // namespace mahnwerk::cli

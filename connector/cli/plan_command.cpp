// `mahnwerk plan`: payment plans (Ratenzahlung). `plan propose` freezes what a debtor owes on the
// agreement day and prints the installment schedule, as a table or as the canonical plan JSON.
// `plan create|list|cancel` persist plans of a tenant in the state store: each change is stored
// with its audit event and its write-back (outbox kind "plan_status") in one transaction.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "adapters/jsonfile/state_json.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/core/plan.h"
#include "connector/sync/drain.h"
#include "connector/sync/outbox_key.h"

namespace mahnwerk::cli {
namespace {

struct ProposeArgs {
  std::string input;      // propose
  std::string state_dir;  // create, list, cancel
  std::string tenant;
  std::string by;
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

// The plan `args` ask for on `state`, proposed by the core; warns on stderr when the
// Basiszinssatz table is stale for a covered item. Errors name the option, or a field of `source`.
core::Result<core::PaymentPlan> compute_plan(const ProposeArgs& args, const core::State& state,
                                             const std::string& source) {
  core::Date as_of;
  MW_ASSIGN_OR_RETURN(as_of, parse_date_option("--as-of", args.as_of));
  auto convention = core::parse_day_count(args.convention);
  if (!convention) return convention.error().within("--convention");
  core::HolidayCalendar calendar;
  MW_ASSIGN_OR_RETURN(calendar, make_calendar(args.law));
  core::BasiszinsTable table;
  MW_ASSIGN_OR_RETURN(table, load_basiszins_table(args.law));
  core::PlanRequest request;
  MW_ASSIGN_OR_RETURN(request, make_request(args, state));

  const core::ClaimEngine engine(table, calendar,
                                 core::ClaimPolicy{args.receipt_days, *convention, !args.no_flat_fee});
  auto plan = core::propose_plan(state, request, as_of, engine, calendar);
  if (!plan) return in_terms_of_options(plan.error(), source);
  // The frozen interest depends on the Basiszinssatz: a stale table must not pass silently.
  if (auto claims = engine.compute(state, as_of)) {
    for (const auto& c : claims->claims) {
      const auto& item = state.items[c.item_index];
      if (!core::plan_covers(*plan, item.id)) continue;
      for (const auto& w : c.warnings) std::cerr << "mahnwerk: warning: " << item.number << ": " << w << "\n";
    }
  }
  return plan;
}

int run_propose(const ProposeArgs& args) {
  auto state = jsonfile::load_state(args.input);
  if (!state) return report(state.error());
  auto plan = compute_plan(args, *state, args.input);
  if (!plan) return report(plan.error());
  if (args.json) {
    print_json(*plan);
  } else {
    auto first = parse_date_option("--first", args.first);
    print_table(*state, *plan, *first);
  }
  return kExitOk;
}

// The options `plan propose` and `plan create` share: what to put into the plan.
void add_plan_options(CLI::App& cmd, ProposeArgs& args) {
  cmd.add_option("--debtor", args.debtor, "the debtor's id")->required();
  cmd.add_option("--items", args.items, "item ids, comma-separated; default: all the debtor's open items")
      ->delimiter(',');
  auto* count = cmd.add_option("--installments", args.installments, "number of installments (1-120)");
  auto* max = cmd.add_option("--max-installment", args.max_installment,
                             "largest installment the debtor can pay, e.g. 250.00; the count follows");
  count->excludes(max);
  cmd.add_option("--first", args.first, "due date of the first installment, YYYY-MM-DD")->required();
  cmd.add_option("--as-of", args.as_of, "the agreement day: figures are frozen as of it, YYYY-MM-DD")
      ->required();
  cmd.add_option("--interval", args.interval, "monthly, biweekly or weekly")
      ->capture_default_str()
      ->check(CLI::IsMember({"monthly", "biweekly", "weekly"}));
  cmd.add_option("--interest-rate", args.interest_rate,
                 "plan interest in percent p.a., simple, act/365 on the falling principal (default: none)");
  cmd.add_option("--id", args.id, "plan id; default: <debtor>-<YYYYMMDD of --as-of>");
  cmd.add_option("--default-after-missed", args.default_after_missed,
                 "consecutive installments in arrears before the remainder falls due")
      ->capture_default_str();
  cmd.add_option("--grace-days", args.grace_days, "days after a due date before an installment is in arrears")
      ->capture_default_str();
  cmd.add_option("--convention", args.convention,
                 "day count of default interest: act/365, act/act, act/360, 30/360")
      ->capture_default_str();
  cmd.add_option("--receipt-assumption-days", args.receipt_days,
                 "days from sending to receipt when the receipt date is unknown")
      ->capture_default_str()
      ->check(CLI::Range(0, 60));
  cmd.add_flag("--no-flat-fee", args.no_flat_fee, "do not claim the € 40 Verzugspauschale (§ 288 V BGB)");
  add_law_options(cmd, args.law);
}

void register_propose(CLI::App& plan, int& exit_code) {
  auto args = std::make_shared<ProposeArgs>();
  CLI::App* cmd = plan.add_subcommand("propose",
                                      "Propose an installment plan: freeze principal, costs and interest on "
                                      "the agreement day and split them");
  cmd->add_option("--input", args->input, "canonical state JSON (debtors, items, payments, notices, plans)")
      ->required();
  add_plan_options(*cmd, *args);
  cmd->add_flag("--json", args->json, "print the plan as canonical JSON instead of a table");
  cmd->callback([args, &exit_code] { exit_code = run_propose(*args); });
}

// --- persisted plans

// "user:<--by>", else "user:$USER": who agreed or cancelled, for the audit trail.
std::string actor(const std::string& by) {
  if (!by.empty()) return "user:" + by;
  const char* user = std::getenv("USER");
  return std::string("user:") + (user != nullptr && *user != '\0' ? user : "operator");
}

// What the source system is told about a plan (outbox kind "plan_status").
std::string plan_payload(const core::PaymentPlan& plan, std::string_view reason) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](std::string_view v) { w.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); };
  w.StartObject();
  str("plan");
  str(plan.id);
  str("debtor");
  str(plan.debtor);
  str("items");
  w.StartArray();
  for (const auto& id : plan.items) str(id);
  w.EndArray();
  str("status");
  str(core::to_string(plan.status));
  str("agreed_on");
  str(core::format_date(plan.agreed_on));
  str("currency");
  str(plan.total.currency().code());
  str("total");
  str(plan.total.to_string());
  str("installments");
  w.StartArray();
  for (const auto& inst : plan.installments) {
    w.StartObject();
    str("due");
    str(core::format_date(inst.due));
    str("amount");
    str(inst.amount.to_string());
    w.EndObject();
  }
  w.EndArray();
  if (!reason.empty()) {
    str("reason");
    str(reason);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Stores `plan` as it is now, with its audit event (`event`: "plan_agreed", "plan_cancelled")
// and its plan_status write-back, keyed by (tenant, plan, status) so a repeated command never
// sends twice. Returns the audit event.
core::Result<sync::AuditEvent> record_plan(sync::Transaction& tx, const std::string& tenant,
                                           const core::PaymentPlan& plan, const std::string& event,
                                           const std::string& by, std::string_view reason) {
  if (auto stored = tx.upsert_plan(tenant, plan); !stored) return stored.error();
  const std::string payload = plan_payload(plan, reason);
  const std::string subject = "plan:" + plan.id;
  const sync::AuditDraft draft{sync::format_rfc3339(sync::SystemClock().now()), actor(by), event, subject,
                               payload};
  auto audited = tx.append_audit(tenant, draft);
  if (!audited) return audited.error();
  sync::OutboxEntry entry;
  entry.tenant = tenant;
  entry.kind = "plan_status";
  entry.target = subject;
  const std::string status(core::to_string(plan.status));
  entry.idempotency_key = sync::outbox_key(tenant, entry.kind, entry.target, status);
  entry.payload = payload;
  if (auto queued = tx.insert_outbox_if_absent(entry); !queued) return queued.error();
  return audited;
}

int run_create(const ProposeArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto tx = (*store)->begin();
  if (!tx) return report(tx.error());
  auto state = (*tx)->load_state(args.tenant);
  if (!state) return report(state.error().within("--tenant"));
  const std::string source = "tenant " + args.tenant;
  auto plan = compute_plan(args, *state, source);
  if (!plan) return report(plan.error());
  auto event = record_plan(**tx, args.tenant, *plan, "plan_agreed", args.by, "");
  if (!event) return report(event.error().within(source));
  if (auto committed = (*tx)->commit(); !committed) return report(committed.error());
  if (args.json) {
    print_json(*plan);
  } else {
    auto first = parse_date_option("--first", args.first);
    print_table(*state, *plan, *first);
    std::printf("\nStored plan %s for tenant %s (audit event %lld, write-back queued).\n", plan->id.c_str(),
                args.tenant.c_str(), static_cast<long long>(event->sequence));
  }
  return kExitOk;
}

struct ListArgs {
  std::string state_dir;
  std::string tenant;
  std::string debtor;
  bool json = false;
};

core::Money paid_of(const core::PaymentPlan& plan) {
  core::Money paid = core::Money::zero(plan.total.currency());
  for (const auto& inst : plan.installments) paid += inst.paid;
  return paid;
}

int run_list(const ListArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto tx = (*store)->begin(sync::Access::kReadOnly);
  if (!tx) return report(tx.error());
  auto state = (*tx)->load_state(args.tenant);
  if (!state) return report(state.error().within("--tenant"));
  std::vector<const core::PaymentPlan*> plans;
  for (const auto& p : state->plans) {
    if (args.debtor.empty() || p.debtor == args.debtor) plans.push_back(&p);
  }
  if (args.json) {
    StdoutJson out;
    JsonWriter& w = out.writer();
    w.StartArray();
    for (const auto* p : plans) {
      w.StartObject();
      write_field(w, "id", p->id);
      write_field(w, "debtor", p->debtor);
      write_strings(w, "items", p->items);
      write_field(w, "agreed_on", p->agreed_on);
      write_field(w, "currency", p->total.currency().code());
      write_field(w, "total", p->total);
      write_field(w, "paid", paid_of(*p));
      write_field(w, "installments", static_cast<int>(p->installments.size()));
      write_field(w, "status", core::to_string(p->status));
      w.EndObject();
    }
    w.EndArray();
    return kExitOk;
  }
  if (plans.empty()) {
    std::printf("No payment plans for tenant %s.\n", args.tenant.c_str());
    return kExitOk;
  }
  std::printf("%-24s %-12s %-10s %14s %14s %5s  %s\n", "plan", "debtor", "agreed", "total", "paid", "inst.",
              "status");
  for (const auto* p : plans) {
    const std::string code(p->total.currency().code());
    std::printf("%-24s %-12s %-10s %10s %s %10s %s %5zu  %s\n", p->id.c_str(), p->debtor.c_str(),
                core::format_date(p->agreed_on).c_str(), p->total.to_string().c_str(), code.c_str(),
                paid_of(*p).to_string().c_str(), code.c_str(), p->installments.size(),
                std::string(core::to_string(p->status)).c_str());
  }
  return kExitOk;
}

struct CancelArgs {
  std::string state_dir;
  std::string tenant;
  std::string id;
  std::string reason;
  std::string by;
};

int run_cancel(const CancelArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto tx = (*store)->begin();
  if (!tx) return report(tx.error());
  auto state = (*tx)->load_state(args.tenant);
  if (!state) return report(state.error().within("--tenant"));
  auto found =
      std::find_if(state->plans.begin(), state->plans.end(), [&](const auto& p) { return p.id == args.id; });
  if (found == state->plans.end()) {
    return report(core::Error{core::ErrorKind::kNotFound, "no payment plan \"" + args.id + "\"",
                              "tenant " + args.tenant});
  }
  // Only a running plan can be cancelled: a completed or defaulted one has ended already.
  if (found->status != core::PlanStatus::kActive) {
    return report(core::Error{
        core::ErrorKind::kConflict,
        "plan \"" + args.id + "\" is " + std::string(core::to_string(found->status)) + ", not active",
        "tenant " + args.tenant});
  }
  core::PaymentPlan cancelled = *found;
  cancelled.status = core::PlanStatus::kCancelled;
  auto event = record_plan(**tx, args.tenant, cancelled, "plan_cancelled", args.by, args.reason);
  if (!event) return report(event.error().within("tenant " + args.tenant));
  if (auto committed = (*tx)->commit(); !committed) return report(committed.error());
  std::printf(
      "Cancelled plan %s for tenant %s (audit event %lld, write-back queued); its items are dunned again.\n",
      args.id.c_str(), args.tenant.c_str(), static_cast<long long>(event->sequence));
  return kExitOk;
}

void register_create(CLI::App& plan, int& exit_code) {
  auto args = std::make_shared<ProposeArgs>();
  CLI::App* cmd = plan.add_subcommand(
      "create", "Agree a payment plan for a debtor of a tenant: store it, audit it, queue its write-back");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id")->required();
  add_plan_options(*cmd, *args);
  cmd->add_option("--by", args->by, "who agreed the plan, for the audit trail (default: $USER)");
  cmd->add_flag("--json", args->json, "print the plan as canonical JSON instead of a table");
  cmd->callback([args, &exit_code] { exit_code = run_create(*args); });
}

void register_list(CLI::App& plan, int& exit_code) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd = plan.add_subcommand("list", "List a tenant's stored payment plans and their status");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id")->required();
  cmd->add_option("--debtor", args->debtor, "only this debtor's plans");
  cmd->add_flag("--json", args->json, "print the plans as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_list(*args); });
}

void register_cancel(CLI::App& plan, int& exit_code) {
  auto args = std::make_shared<CancelArgs>();
  CLI::App* cmd =
      plan.add_subcommand("cancel", "Cancel an active payment plan: dunning of its items resumes");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id")->required();
  cmd->add_option("--id", args->id, "the plan id")->required();
  cmd->add_option("--reason", args->reason, "why, for the audit trail and the write-back");
  cmd->add_option("--by", args->by, "who cancelled it (default: $USER)");
  cmd->callback([args, &exit_code] { exit_code = run_cancel(*args); });
}

}  // namespace

void register_plan_command(CLI::App& app, int& exit_code) {
  CLI::App* plan =
      app.add_subcommand("plan", "Payment plans (Ratenzahlung): propose, create, list and cancel");
  plan->require_subcommand(1);
  register_propose(*plan, exit_code);
  register_create(*plan, exit_code);
  register_list(*plan, exit_code);
  register_cancel(*plan, exit_code);
}

}  // namespace mahnwerk::cli

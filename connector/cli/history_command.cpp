// `mahnwerk history`: every audit event about one item, or about one debtor together with the
// debtor's items and payment plans — pulled, overdue, notice sent, fee charged, payment
// allocated, plan agreed, pushed, confirmed — in the order they happened (audit sequence).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"

namespace mahnwerk::cli {
namespace {

struct HistoryArgs {
  std::string state_dir;
  std::string tenant;
  std::string item;
  std::string debtor;
  bool json = false;
};

// The audit subjects that make up the history asked for. An id the tenant's records do not know
// is kNotFound — unless events name it (an item can be gone from the source while its trail stays).
struct Subjects {
  std::string title;  // "item RE-1", "debtor D-7"
  std::vector<std::string> names;
};

// An item's history includes the plans that cover it (plan agreed, cancelled, defaulted); a
// debtor's includes its items and plans.
Subjects subjects_for(const HistoryArgs& args, const core::State& state) {
  if (!args.item.empty()) {
    Subjects s{"item " + args.item, {"item:" + args.item}};
    for (const auto& plan : state.plans) {
      if (std::ranges::find(plan.items, args.item) != plan.items.end()) s.names.push_back("plan:" + plan.id);
    }
    return s;
  }
  Subjects s{"debtor " + args.debtor, {"debtor:" + args.debtor}};
  for (const auto& item : state.items) {
    if (item.debtor == args.debtor) s.names.push_back("item:" + item.id);
  }
  for (const auto& plan : state.plans) {
    if (plan.debtor == args.debtor) s.names.push_back("plan:" + plan.id);
  }
  return s;
}

bool known(const HistoryArgs& args, const core::State& state) {
  if (!args.item.empty()) {
    return std::ranges::any_of(state.items, [&](const auto& i) { return i.id == args.item; });
  }
  return std::ranges::any_of(state.debtors, [&](const auto& d) { return d.id == args.debtor; }) ||
         std::ranges::any_of(state.items, [&](const auto& i) { return i.debtor == args.debtor; });
}

core::Result<std::vector<sync::AuditEvent>> history(sync::Store& store, const HistoryArgs& args,
                                                    Subjects& subjects) {
  auto tx = store.begin(sync::Access::kReadOnly);
  if (!tx) return tx.error();
  auto state = (*tx)->load_state(args.tenant);
  if (!state) return state.error().within("--tenant");
  subjects = subjects_for(args, *state);
  std::vector<sync::AuditEvent> events;
  for (const auto& subject : subjects.names) {
    auto found = (*tx)->list_audit_by_subject(args.tenant, subject);
    if (!found) return found.error();
    events.insert(events.end(), std::make_move_iterator(found->begin()),
                  std::make_move_iterator(found->end()));
  }
  // Each subject's events come in sequence order; together they must be too.
  std::ranges::sort(events, {}, &sync::AuditEvent::sequence);
  if (events.empty() && !known(args, *state)) {
    return core::Error{core::ErrorKind::kNotFound, "no such " + subjects.title + " and no events about it",
                       "tenant " + args.tenant};
  }
  return events;
}

void print_text(const HistoryArgs& args, const Subjects& subjects,
                const std::vector<sync::AuditEvent>& events) {
  std::printf("History of %s (tenant %s): %zu event(s)\n", subjects.title.c_str(), args.tenant.c_str(),
              events.size());
  if (events.empty()) return;
  std::printf("%6s  %-20s  %-20s  %-22s  %-12s  %s\n", "seq", "time", "kind", "subject", "actor", "data");
  for (const auto& e : events) {
    std::printf("%6lld  %-20s  %-20s  %-22s  %-12s  %s\n", static_cast<long long>(e.sequence), e.time.c_str(),
                e.kind.c_str(), e.subject.c_str(), e.actor.c_str(), e.data.c_str());
  }
}

void print_json(const HistoryArgs& args, const Subjects& subjects,
                const std::vector<sync::AuditEvent>& events) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "tenant", args.tenant);
  write_strings(w, "subjects", subjects.names);
  write_string(w, "events");
  w.StartArray();
  for (const auto& e : events) {
    w.StartObject();
    write_string(w, "sequence");
    w.Int64(e.sequence);
    write_field(w, "time", e.time);
    write_field(w, "actor", e.actor);
    write_field(w, "kind", e.kind);
    write_field(w, "subject", e.subject);
    // The store accepted only well-formed JSON (check_draft), so it is embedded as it is.
    write_string(w, "data");
    w.RawValue(e.data.data(), e.data.size(), rapidjson::kObjectType);
    write_field(w, "hash", e.hash);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

int run_history(const HistoryArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  Subjects subjects;
  auto events = history(**store, args, subjects);
  if (!events) return report(events.error());
  if (args.json) {
    print_json(args, subjects, *events);
  } else {
    print_text(args, subjects, *events);
  }
  return kExitOk;
}

}  // namespace

void register_history_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<HistoryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "history", "Every audit event about an item, or about a debtor with its items and plans, in order");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id")->required();
  auto* item = cmd->add_option("--item", args->item, "an item id (the source's id)");
  auto* debtor =
      cmd->add_option("--debtor", args->debtor, "a debtor id: its own events and its items' and plans'");
  item->excludes(debtor);
  cmd->add_flag("--json", args->json, "print the events as JSON");
  cmd->callback([args, &exit_code] {
    if (args->item.empty() == args->debtor.empty()) {
      std::cerr << "mahnwerk: history: give --item ID or --debtor ID\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = run_history(*args);
  });
}

}  // namespace mahnwerk::cli

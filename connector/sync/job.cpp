// The sync job (job.h): one class walks the steps; each step is a transaction of its own, except
// in a dry run, where all of them share one that is rolled back at the end.
#include "connector/sync/job.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "connector/core/proposal.h"
#include "connector/sync/audit.h"
#include "connector/sync/debtor_policies.h"
#include "connector/sync/failpoint.h"
#include "connector/sync/lease.h"
#include "connector/sync/reconcile.h"

namespace mahnwerk::sync {
namespace {

constexpr std::string_view kSourceStream = "source";

constexpr std::pair<JobOutcome, std::string_view> kOutcomeNames[] = {
    {JobOutcome::kCommitted, "committed"},
    {JobOutcome::kNothingToDo, "nothing_to_do"},
    {JobOutcome::kAwaitingApproval, "awaiting_approval"},
    {JobOutcome::kStale, "stale"},
    {JobOutcome::kPullFailed, "pull_failed"},
};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// What a stored proposal was computed from: the state and, where the source gave debtors their
// own dunning settings, those too (they change the proposal). Without settings: state_digest.
core::Result<std::string> input_digest(Transaction& tx, std::string_view tenant, const core::State& state,
                                       const core::Date& as_of) {
  auto settings = tx.load_debtor_settings(tenant);
  if (!settings) return settings.error();
  std::string digest = state_digest(state, as_of);
  if (settings->empty()) return digest;
  for (const DebtorSettings& d : *settings) {
    append_netstring(digest, d.debtor);
    append_netstring(digest, d.settings);
  }
  return sha256_hex(digest);
}

// Gives the tenant's lease back on every path out of the job. Declared before any transaction
// of the job, so it runs when none is open (one transaction per store at a time).
class LeaseGuard {
 public:
  LeaseGuard(Store& store, std::string tenant, std::string owner)
      : store_(store), tenant_(std::move(tenant)), owner_(std::move(owner)) {}
  ~LeaseGuard() {
    if (!held_) return;
    // A failed release leaves the lease to expire; the next run takes it over then.
    auto tx = store_.begin();
    if (!tx) return;
    if ((*tx)->release_lease(tenant_, owner_)) (void)(*tx)->commit();
  }
  LeaseGuard(const LeaseGuard&) = delete;
  LeaseGuard& operator=(const LeaseGuard&) = delete;

  // Registers the tenant (name from the settings) and takes its lease in one short transaction;
  // a lease of a holder that options.lease_holder_gone declares gone is taken over (lease.h).
  core::Status acquire(std::string_view name, std::chrono::sys_seconds now, const JobOptions& options) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    if (auto s = (*tx)->upsert_tenant({tenant_, std::string(name)}); !s) return s;
    auto lease = take_lease(**tx, tenant_, owner_, now, options.lease_ttl, options.lease_holder_gone);
    if (!lease) return lease.error();
    if (auto s = (*tx)->commit(); !s) return s;
    held_ = true;
    ttl_ = options.lease_ttl;
    renewed_at_ = now;
    return core::Ok{};
  }

  // Extends the held lease to now + ttl once a third of the ttl has passed since it was taken or
  // last extended, so that a long pull or drain never runs on an expired lease (which another
  // process could take over). Between steps only: one short transaction, none when not due.
  // kConflict when the lease was lost (it expired and someone else took it): the job must stop.
  core::Status renew(std::chrono::sys_seconds now) {
    if (!held_ || now - renewed_at_ < ttl_ / 3) return core::Ok{};
    auto tx = store_.begin();
    if (!tx) return tx.error();
    auto lease = (*tx)->acquire_lease(tenant_, owner_, now, ttl_);
    if (!lease) {
      if (lease.error().kind == core::ErrorKind::kConflict) held_ = false;  // not ours to release
      return lease.error().within("renewing the lease of tenant " + quoted(tenant_));
    }
    if (auto s = (*tx)->commit(); !s) return s;
    renewed_at_ = now;
    return core::Ok{};
  }

 private:
  Store& store_;
  std::string tenant_;
  std::string owner_;
  bool held_ = false;
  std::chrono::seconds ttl_{0};
  std::chrono::sys_seconds renewed_at_{};
};

// Why the freshness gate holds notices back, or nullopt when the data is fresh enough.
std::optional<std::string> stale_because(const TenantRuns& runs, std::chrono::sys_seconds now,
                                         std::chrono::seconds max_age) {
  if (runs.last_pull && !runs.last_pull->ok) {
    return "the last pull (" + format_rfc3339(runs.last_pull->time) + ") failed: " + runs.last_pull->message;
  }
  if (!runs.last_ok_pull) return std::string("the tenant has never been pulled successfully");
  if (now - runs.last_ok_pull->time > max_age) {
    return "the last successful pull (" + format_rfc3339(runs.last_ok_pull->time) + ") is older than " +
           std::to_string(std::chrono::duration_cast<std::chrono::minutes>(max_age).count()) + " minutes";
  }
  return std::nullopt;
}

core::Result<JobReport> drain_into(Store& store, Adapter& adapter, const TenantSettings& settings,
                                   const Clock& clock, const JobOptions& options, JobReport report) {
  ThreadSleeper thread_sleeper;
  Sleeper& sleeper = options.sleeper != nullptr ? *options.sleeper : thread_sleeper;
  DrainOptions drain_options = options.drain;
  drain_options.actor = settings.actor;
  auto drained = drain(store, adapter, settings.tenant, clock, sleeper, drain_options);
  if (!drained) return drained.error().within("draining the outbox of tenant " + quoted(settings.tenant));
  report.pushed += drained->confirmed;
  report.deferred += drained->deferred;
  report.failed += drained->failed;
  for (const auto& e : drained->entries) {
    if (e.step != DrainStep::kConfirmed) {
      report.warnings.push_back(std::string(to_string(e.step)) + " " + e.kind + " " + e.target + ": " +
                                e.message);
    }
  }
  return report;
}

class Job {
 public:
  Job(Store& store, Adapter& adapter, const TenantSettings& settings, const Clock& clock,
      const JobOptions& options)
      : store_(store),
        adapter_(adapter),
        s_(settings),
        options_(options),
        now_(clock.now()),
        time_(format_rfc3339(now_)) {
    report_.tenant = settings.tenant;
    report_.dry_run = options.dry_run;
    report_.as_of = options.as_of ? *options.as_of : core::Date{std::chrono::floor<std::chrono::days>(now_)};
  }

  JobReport& report() { return report_; }
  std::chrono::sys_seconds now() const { return now_; }

  core::Result<std::optional<std::string>> cursor() {
    if (options_.full || !adapter_.capabilities().incremental) return std::optional<std::string>();
    auto tx = store_.begin(Access::kReadOnly);
    if (!tx) return tx.error();
    auto value = (*tx)->get_cursor(s_.tenant, kSourceStream);
    // A tenant a dry run has never seen has no cursor yet.
    if (!value && value.error().kind == core::ErrorKind::kNotFound) return std::optional<std::string>();
    return value;
  }

  // The pull failed: recorded (except in a dry run) so the gate and `status` show it.
  core::Status record_pull_failure(const core::Error& error) {
    report_.outcome = JobOutcome::kPullFailed;
    report_.pull_error = error;
    report_.message = "no notices: the pull failed: " + error.to_string();
    if (options_.dry_run) return core::Ok{};
    auto tx = store_.begin();
    if (!tx) return tx.error();
    Transaction& t = **tx;
    if (auto s = t.record_pull(s_.tenant, {now_, false, error.to_string()}); !s) return s;
    if (auto a = t.append_audit(s_.tenant,
                                {time_, s_.actor, "pull_failed", "tenant",
                                 json_object({{"adapter", adapter_.name()}, {"error", error.to_string()}})});
        !a)
      return a.error();
    if (auto s = t.record_run(s_.tenant, {now_, "pull_failed", error.to_string()}); !s) return s;
    return t.commit();
  }

  // Steps 3 to 7 of run_job.
  core::Status process(const Delta& delta) {
    std::size_t first_new_payment = 0;
    {
      auto tx = begin_step();
      if (!tx) return tx.error();
      if (options_.dry_run) {
        if (auto s = (*tx)->upsert_tenant({s_.tenant, s_.name}); !s) return s;
      }
      auto upserted = store_delta(**tx, delta);
      if (!upserted) return upserted.error();
      first_new_payment = *upserted;
      if (auto s = end_step(); !s) return s;
    }
    if (!options_.dry_run) failpoint("after_upsert");

    core::State state;
    {
      auto tx = begin_step();
      if (!tx) return tx.error();
      ReconcileReport r;
      const ReconcileInput in{s_.tenant,     &s_.policy, s_.basiszins, &s_.calendar,
                              report_.as_of, time_,      s_.actor,     first_new_payment};
      auto reconciled = reconcile(**tx, in, r);
      if (!reconciled) return reconciled.error();
      state = std::move(reconciled).value();
      report_.payments_allocated = r.payments_allocated;
      report_.closed += r.items_paid;
      report_.plans_updated = r.plans_updated;
      report_.events = r.events;
      for (auto& w : r.warnings) report_.warnings.push_back(std::move(w));
      if (auto s = end_step(); !s) return s;
    }
    if (!options_.dry_run) failpoint("after_reconcile");

    auto tx = begin_step();
    if (!tx) return tx.error();
    auto runs = (*tx)->get_runs(s_.tenant);
    if (!runs) return runs.error();
    if (auto why = stale_because(*runs, now_, s_.max_pull_age)) {
      report_.outcome = JobOutcome::kStale;
      report_.message = "no notices: " + *why;
      if (auto s = (*tx)->record_run(s_.tenant, {now_, "stale", *why}); !s) return s;
      return end_step();
    }
    auto proposal = propose_all(**tx, state);
    if (!proposal) return proposal.error().within("tenant " + quoted(s_.tenant));
    report_.plan = build_commit_plan(s_.tenant, state, s_.policy, *proposal, s_.accounts);
    keep_pushable_kinds(report_.plan, adapter_.capabilities().push_kinds);
    report_.proposed_notices = static_cast<int>(report_.plan.letters.size());
    report_.proposed_charges = static_cast<int>(report_.plan.charges.size());
    if (!options_.dry_run) failpoint("after_propose");
    if (auto s = approve_or_store(**tx, state); !s) return s;
    if (auto s =
            (*tx)->record_run(s_.tenant, {now_, std::string(to_string(report_.outcome)), report_.message});
        !s)
      return s;
    if (auto s = end_step(); !s) return s;
    if (!options_.dry_run) failpoint("after_commit");
    return core::Ok{};
  }

  void finish() {
    // A dry run's one transaction is rolled back here: it changed nothing.
    if (tx_) tx_->rollback();
    tx_.reset();
  }

 private:
  core::Result<Transaction*> begin_step() {
    if (tx_) return tx_.get();  // dry run: one transaction throughout
    auto tx = store_.begin();
    if (!tx) return tx.error();
    tx_ = std::move(tx).value();
    return tx_.get();
  }
  core::Status end_step() {
    if (options_.dry_run) return core::Ok{};
    auto s = tx_->commit();
    tx_.reset();
    return s;
  }

  core::Status audit(Transaction& tx, std::string kind, std::string subject, std::string data) {
    auto a =
        tx.append_audit(s_.tenant, {time_, s_.actor, std::move(kind), std::move(subject), std::move(data)});
    if (!a) return a.error();
    return core::Ok{};
  }

  // Step 3. Returns the index of the first payment this run stored (in load order).
  core::Result<std::size_t> store_delta(Transaction& tx, const Delta& delta) {
    auto before = tx.load_state(s_.tenant);
    if (!before) return before.error();
    std::unordered_set<std::string> known;
    for (const auto& item : before->items) known.insert(item.id);

    if (!s_.creditor.name.empty()) {
      if (auto s = tx.put_creditor(s_.tenant, s_.creditor); !s) return s.error();
    } else if (delta.creditor) {
      if (auto s = tx.put_creditor(s_.tenant, *delta.creditor); !s) return s.error();
    }
    report_.pulled = static_cast<int>(delta.debtors.size() + delta.items.size() + delta.payments.size());
    auto stored_settings = tx.load_debtor_settings(s_.tenant);
    if (!stored_settings) return stored_settings.error();
    std::unordered_map<std::string_view, std::string_view> stored, pulled;
    for (const auto& d : *stored_settings) stored.emplace(d.debtor, d.settings);
    for (const auto& d : delta.debtor_settings) pulled.emplace(d.debtor, d.settings);
    for (const auto& d : delta.debtors) {
      auto w = tx.upsert_debtor(s_.tenant, d);
      if (!w) return w.error();
      // The debtor's own dunning settings follow its record; written only where they changed,
      // so a source without such settings costs no statement per debtor.
      const auto was = stored.find(d.id);
      const auto now = pulled.find(d.id);
      const std::string_view old_settings = was == stored.end() ? std::string_view() : was->second;
      const std::string_view new_settings = now == pulled.end() ? std::string_view() : now->second;
      bool changed = *w == Upsert::kWritten;
      if (old_settings != new_settings) {
        auto ws = tx.put_debtor_settings(s_.tenant, d.id, new_settings);
        if (!ws) return ws.error();
        changed = changed || *ws == Upsert::kWritten;
      }
      if (changed) ++report_.upserted;
    }
    for (const auto& item : delta.items) {
      auto w = tx.upsert_item(s_.tenant, item);
      if (!w) return w.error();
      if (*w == Upsert::kUnchanged) continue;
      ++report_.upserted;
      if (auto s = audit(tx, "pulled", "item:" + item.id,
                         json_object({{"change", known.contains(item.id) ? "changed" : "new"},
                                      {"number", item.number},
                                      {"amount", item.amount.to_string()},
                                      {"open_amount", item.open_amount.to_string()},
                                      {"currency", item.currency().code()},
                                      {"source_version", item.source_version}}));
          !s)
        return s.error();
    }
    for (const auto& p : delta.payments) {
      auto w = tx.upsert_payment(s_.tenant, p.id, p.payment);
      if (!w) return w.error();
      if (*w == Upsert::kUnchanged) continue;
      ++report_.upserted;
      const std::string subject =
          p.payment.item.empty() ? "debtor:" + p.payment.debtor : "item:" + p.payment.item;
      if (auto s = audit(tx, "payment_pulled", subject,
                         json_object({{"id", p.id},
                                      {"date", core::format_date(p.payment.date)},
                                      {"amount", p.payment.amount.to_string()},
                                      {"currency", p.payment.amount.currency().code()},
                                      {"reference", p.payment.reference}}));
          !s)
        return s.error();
    }
    for (const auto& r : delta.rejected) {
      ++report_.rejected;
      report_.warnings.push_back("rejected " + r.source + ", " + r.where + ": " + r.message);
      if (auto s = audit(tx, "rejected", "source",
                         json_object({{"source", r.source}, {"where", r.where}, {"message", r.message}}));
          !s)
        return s.error();
    }
    if (delta.full) {
      if (auto s = close_missing(tx, *before, delta); !s) return s.error();
    }
    if (!delta.next_cursor.empty()) {
      if (auto s = tx.set_cursor(s_.tenant, kSourceStream, delta.next_cursor); !s) return s.error();
    }
    const std::string summary = std::to_string(delta.items.size()) + " items, " +
                                std::to_string(delta.payments.size()) + " payments, " +
                                std::to_string(delta.rejected.size()) + " rejected";
    if (auto s = tx.record_pull(s_.tenant, {now_, true, summary}); !s) return s.error();
    return before->payments.size();
  }

  // The Mahnvorschlag with every debtor under its own policy: the tenant's, or the tenant's with
  // the debtor's own dunning settings applied (Adapter::debtor_policy; debtor_policies.h). A
  // debtor whose settings give no valid policy gets no notice and a warning. The commit plan
  // explains charges with the tenant's policy: the settings change amounts, limits and days,
  // never level names, channels or the material cost.
  core::Result<core::Proposal> propose_all(Transaction& tx, const core::State& state) {
    auto settings = tx.load_debtor_settings(s_.tenant);
    if (!settings) return settings.error();
    auto proposed = propose_with_debtor_settings(
        state, s_.policy, *settings,
        [this](const core::Policy& base, std::string_view text) {
          return adapter_.debtor_policy(base, text);
        },
        report_.as_of, *s_.basiszins, s_.calendar);
    if (!proposed) return proposed.error();
    DebtorPolicyProposal& result = proposed.value();
    for (std::string& w : result.warnings) report_.warnings.push_back(std::move(w));
    return std::move(result.proposal);
  }

  // A full delta is the source's whole state: a stored open item it no longer lists was paid or
  // cancelled there, and is closed here.
  core::Status close_missing(Transaction& tx, const core::State& before, const Delta& delta) {
    std::unordered_set<std::string> listed;
    for (const auto& item : delta.items) listed.insert(item.id);
    for (core::OpenItem item : before.items) {
      if (listed.contains(item.id) || item.open_amount.is_zero()) continue;
      const core::Money was = item.open_amount;
      item.open_amount = core::Money::zero(item.currency());
      if (auto w = tx.upsert_item(s_.tenant, item); !w) return w.error();
      ++report_.closed;
      if (auto s = audit(tx, "closed", "item:" + item.id,
                         json_object({{"open_amount_before", was.to_string()},
                                      {"reason", "no longer listed by the source (full pull)"}}));
          !s)
        return s;
    }
    return core::Ok{};
  }

  // Step 7: auto commits the plan, manual stores it for a person.
  core::Status approve_or_store(Transaction& tx, const core::State& state) {
    const CommitPlan& plan = report_.plan;
    if (plan.empty()) {
      report_.outcome = JobOutcome::kNothingToDo;
      return core::Ok{};
    }
    if (s_.approval == Approval::kAuto) {
      auto counts = write_commit_plan(tx, plan, time_, s_.actor);
      if (!counts) return counts.error();
      report_.committed_notices = counts->notices;
      report_.committed_charges = counts->charges;
      report_.outbox_created = counts->outbox;
      report_.outcome = JobOutcome::kCommitted;
      return core::Ok{};
    }
    const std::string body = to_json(plan);
    auto input = input_digest(tx, s_.tenant, state, report_.as_of);
    if (!input) return input.error();
    const std::string digest = std::move(input).value();
    auto pending = tx.list_proposals(s_.tenant, ProposalStatus::kPending);
    if (!pending) return pending.error();
    report_.outcome = JobOutcome::kAwaitingApproval;
    // The same proposal of the same state is already waiting: keep it (and its id).
    if (!pending->empty() && pending->front().input_digest == digest && pending->front().body == body) {
      report_.proposal_id = pending->front().id;
    } else {
      StoredProposal p;
      p.tenant = s_.tenant;
      p.created_at = now_;
      p.as_of = report_.as_of;
      p.body = body;
      p.input_digest = digest;
      auto stored = tx.insert_proposal(p);
      if (!stored) return stored.error();
      report_.proposal_id = stored->id;
      if (auto s = audit(tx, "proposal_stored", "tenant",
                         json_object({{"proposal", std::to_string(stored->id)},
                                      {"notices", std::to_string(plan.letters.size())},
                                      {"charges", std::to_string(plan.charges.size())}}));
          !s)
        return s;
    }
    report_.message = options_.dry_run ? std::string("would be stored as a pending proposal for approval")
                                       : "proposal " + std::to_string(*report_.proposal_id) +
                                             " awaits approval: mahnwerk proposal approve " +
                                             std::to_string(*report_.proposal_id);
    return core::Ok{};
  }

  Store& store_;
  Adapter& adapter_;
  const TenantSettings& s_;
  const JobOptions& options_;
  std::chrono::sys_seconds now_;
  std::string time_;
  JobReport report_;
  std::unique_ptr<Transaction> tx_;
};

}  // namespace

std::string_view to_string(JobOutcome outcome) {
  for (const auto& [value, name] : kOutcomeNames) {
    if (value == outcome) return name;
  }
  return "nothing_to_do";
}

core::Result<JobReport> run_job(Store& store, Adapter& adapter, const TenantSettings& settings,
                                const Clock& clock, const JobOptions& options) {
  LeaseGuard lease(store, settings.tenant, options.lease_owner);
  Job job(store, adapter, settings, clock, options);
  if (!options.dry_run) {
    if (auto s = lease.acquire(settings.name, job.now(), options); !s) return s.error();
  }
  auto cursor = job.cursor();
  if (!cursor) return cursor.error();
  auto delta = adapter.pull(*cursor);
  if (!delta) {
    if (auto s = job.record_pull_failure(delta.error()); !s) return s.error();
    if (options.dry_run) return std::move(job.report());
    return drain_into(store, adapter, settings, clock, options, std::move(job.report()));
  }
  if (!options.dry_run) {
    failpoint("after_pull");
    if (auto s = lease.renew(clock.now()); !s) return s.error();
  }
  auto processed = job.process(*delta);
  job.finish();
  if (!processed) return processed.error();
  if (options.dry_run) return std::move(job.report());
  if (auto s = lease.renew(clock.now()); !s) return s.error();
  return drain_into(store, adapter, settings, clock, options, std::move(job.report()));
}

core::Result<JobReport> approve_proposal(Store& store, Adapter& adapter, const TenantSettings& settings,
                                         const Clock& clock, std::int64_t id, std::string_view by,
                                         const JobOptions& options) {
  const auto now = clock.now();
  const std::string time = format_rfc3339(now);
  const std::string actor = "user:" + std::string(by);
  LeaseGuard lease(store, settings.tenant, options.lease_owner);
  if (auto s = lease.acquire(settings.name, now, options); !s) return s.error();
  JobReport report;
  report.tenant = settings.tenant;
  report.proposal_id = id;
  {
    auto begun = store.begin();
    if (!begun) return begun.error();
    Transaction& tx = **begun;
    auto p = tx.get_proposal(id);
    if (!p) return p.error();
    const std::string what = "proposal " + std::to_string(id) + " of tenant " + quoted(p->tenant);
    if (p->tenant != settings.tenant) {
      return core::Error{core::ErrorKind::kInvalidInput,
                         what + " does not belong to tenant " + quoted(settings.tenant), store.location()};
    }
    if (p->status != ProposalStatus::kPending) {
      return core::Error{core::ErrorKind::kConflict,
                         what + " is already " + std::string(to_string(p->status)), store.location()};
    }
    auto runs = tx.get_runs(settings.tenant);
    if (!runs) return runs.error();
    if (auto why = stale_because(*runs, now, settings.max_pull_age)) {
      return core::Error{core::ErrorKind::kConflict, what + " is stale, run sync again: " + *why,
                         store.location()};
    }
    auto state = tx.load_state(settings.tenant);
    if (!state) return state.error();
    auto input = input_digest(tx, settings.tenant, *state, p->as_of);
    if (!input) return input.error();
    if (*input != p->input_digest) {
      return core::Error{core::ErrorKind::kConflict,
                         what + " is stale, run sync again: the tenant's state changed since it was computed",
                         store.location()};
    }
    auto plan = commit_plan_from_json(p->body);
    if (!plan) return plan.error().within(what);
    report.as_of = plan->as_of;
    auto counts = write_commit_plan(tx, *plan, time, actor);
    if (!counts) return counts.error();
    report.committed_notices = counts->notices;
    report.committed_charges = counts->charges;
    report.outbox_created = counts->outbox;
    report.proposed_notices = static_cast<int>(plan->letters.size());
    report.proposed_charges = static_cast<int>(plan->charges.size());
    if (auto d = tx.decide_proposal(id, ProposalStatus::kApproved, by, now, ""); !d) return d.error();
    if (auto a = tx.append_audit(settings.tenant, {time, actor, "proposal_approved", "tenant",
                                                   json_object({{"proposal", std::to_string(id)}})});
        !a)
      return a.error();
    const std::string message = "proposal " + std::to_string(id) + " approved by " + std::string(by);
    if (auto s = tx.record_run(settings.tenant, {now, "committed", message}); !s) return s.error();
    if (auto s = tx.commit(); !s) return s.error();
    report.plan = std::move(plan).value();
    report.outcome = JobOutcome::kCommitted;
    report.message = message;
  }
  failpoint("after_commit");
  return drain_into(store, adapter, settings, clock, options, std::move(report));
}

core::Result<StoredProposal> reject_proposal(Store& store, const Clock& clock, std::int64_t id,
                                             std::string_view by, std::string_view reason) {
  if (reason.empty()) {
    return core::Error{core::ErrorKind::kInvalidInput, "a rejection needs a reason",
                       "proposal " + std::to_string(id)};
  }
  const auto now = clock.now();
  auto begun = store.begin();
  if (!begun) return begun.error();
  Transaction& tx = **begun;
  auto decided = tx.decide_proposal(id, ProposalStatus::kRejected, by, now, reason);
  if (!decided) return decided.error();
  if (auto a = tx.append_audit(decided->tenant,
                               {format_rfc3339(now), "user:" + std::string(by), "proposal_rejected", "tenant",
                                json_object({{"proposal", std::to_string(id)}, {"reason", reason}})});
      !a)
    return a.error();
  if (auto s = tx.commit(); !s) return s.error();
  return decided;
}

}  // namespace mahnwerk::sync

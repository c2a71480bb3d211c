// Building, serialising and writing a commit plan.
#include "connector/sync/commit_plan.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <algorithm>

#include <charconv>

#include "connector/sync/audit.h"
#include "connector/sync/outbox_key.h"

namespace mahnwerk::sync {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void put(Writer& w, std::string_view key, int value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int(value);
}

std::string item_target(const std::string& id) { return "item:" + id; }

OutboxEntry entry(std::string tenant, std::string kind, std::string target, std::string key,
                  std::string payload) {
  OutboxEntry e;
  e.tenant = std::move(tenant);
  e.kind = std::move(kind);
  e.target = std::move(target);
  e.idempotency_key = std::move(key);
  e.payload = std::move(payload);
  return e;
}

// The payload of a write-back: what the adapter needs to book or send it, amounts as strings.
struct PayloadFields {
  std::string kind;  // "fee", "flat_fee", "interest", "dunning_document"
  const core::OpenItem* item = nullptr;
  int level = 0;
  std::string amount;
  std::string currency;
  std::string account;
  std::string date;
  std::string text;
};

std::string payload_json(std::string_view tenant, const PayloadFields& f) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "tenant", tenant);
  put(w, "type", f.kind);
  put(w, "item", f.item->id);
  put(w, "number", f.item->number);
  put(w, "debtor", f.item->debtor);
  put(w, "level", f.level);
  if (!f.amount.empty()) {
    put(w, "amount", f.amount);
    put(w, "currency", f.currency);
  }
  if (!f.account.empty()) put(w, "account", f.account);
  put(w, "date", f.date);
  if (!f.text.empty()) put(w, "text", f.text);
  w.EndObject();
  return buffer.GetString();
}

std::string_view outbox_kind_of(core::ChargeKind kind) {
  return kind == core::ChargeKind::kInterest ? "interest" : "fee";
}

// --- reading the body back

class BodyReader {
 public:
  const std::optional<core::Error>& error() const { return error_; }

  std::string text(const rapidjson::Value& object, const char* key, const std::string& where) {
    if (!object.IsObject() || !object.HasMember(key) || !object[key].IsString()) {
      fail(where + "." + key, "missing or not a string");
      return {};
    }
    return std::string(object[key].GetString(), object[key].GetStringLength());
  }
  int integer(const rapidjson::Value& object, const char* key, const std::string& where) {
    const std::string t = text(object, key, where);  // numbers are read as strings
    int value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc{} || end != t.data() + t.size()) fail(where + "." + key, "not an integer");
    return value;
  }
  core::Date date(const rapidjson::Value& object, const char* key, const std::string& where) {
    auto d = core::parse_date(text(object, key, where));
    if (!d) {
      fail(where + "." + key, d.error().message);
      return core::Date{};
    }
    return *d;
  }
  core::Money money(const rapidjson::Value& object, const std::string& where) {
    auto currency = core::Currency::from_code(text(object, "currency", where));
    if (!currency) {
      fail(where + ".currency", currency.error().message);
      return core::Money{};
    }
    auto amount = core::Money::parse(text(object, "amount", where), *currency);
    if (!amount) {
      fail(where + ".amount", amount.error().message);
      return core::Money{};
    }
    return *amount;
  }
  const rapidjson::Value& array(const rapidjson::Value& object, const char* key) {
    static const rapidjson::Value kEmpty(rapidjson::kArrayType);
    if (!object.HasMember(key) || !object[key].IsArray()) {
      fail(key, "missing or not an array");
      return kEmpty;
    }
    return object[key];
  }

 private:
  void fail(const std::string& where, const std::string& message) {
    if (!error_) error_ = core::Error{core::ErrorKind::kInvalidInput, "proposal body: " + message, where};
  }
  std::optional<core::Error> error_;
};

core::ChargeKind charge_kind(std::string_view text, bool& ok) {
  for (core::ChargeKind k :
       {core::ChargeKind::kFee, core::ChargeKind::kFlatFee, core::ChargeKind::kInterest}) {
    if (core::to_string(k) == text) return k;
  }
  ok = false;
  return core::ChargeKind::kFee;
}

}  // namespace

std::string json_object(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  for (const auto& [key, value] : fields) put(w, key, value);
  w.EndObject();
  return buffer.GetString();
}

std::size_t keep_pushable_kinds(CommitPlan& plan, const std::vector<std::string>& push_kinds) {
  if (push_kinds.empty()) return 0;
  return std::erase_if(plan.outbox, [&](const OutboxEntry& entry) {
    return std::find(push_kinds.begin(), push_kinds.end(), entry.kind) == push_kinds.end();
  });
}

CommitPlan build_commit_plan(std::string_view tenant, const core::State& state, const core::Policy& policy,
                             const core::Proposal& proposal, const PayloadAccounts& accounts) {
  CommitPlan plan;
  plan.tenant = std::string(tenant);
  plan.as_of = proposal.as_of;
  const std::string as_of = core::format_date(proposal.as_of);
  std::string text;
  for (const core::Notice& n : proposal.notices) {
    const core::Debtor& debtor = state.debtors[n.debtor_index];
    const std::string& level_name = policy.levels[static_cast<std::size_t>(n.level)].name;
    PlannedNotice letter{debtor.id,
                         n.level,
                         level_name,
                         std::string(n.currency.code()),
                         n.total.to_string(),
                         core::format_date(n.deadline),
                         {}};
    for (const core::NoticeItem& ni : n.items) {
      const core::OpenItem& item = state.items[ni.item_index];
      letter.items.push_back(item.id);
      if (!ni.escalated) continue;  // already at this level: listed again, no new notice
      plan.notices.push_back({item.id, ni.level, proposal.as_of, std::nullopt});
      PayloadFields f{"dunning_document",
                      &item,
                      ni.level,
                      ni.open_amount.to_string(),
                      std::string(n.currency.code()),
                      "",
                      as_of,
                      level_name};
      plan.outbox.push_back(
          entry(std::string(tenant), "dunning_document", item_target(item.id),
                outbox_key(tenant, "dunning_document", item_target(item.id), std::to_string(ni.level)),
                payload_json(tenant, f)));
    }
    for (const core::ProposedCharge& c : n.charges) {
      const core::OpenItem& item = state.items[c.item_index];
      plan.charges.push_back({item.id, c.kind, c.level, c.amount, proposal.as_of});
      text.clear();
      core::explain(text, c, policy);
      const std::string_view kind = outbox_kind_of(c.kind);
      PayloadFields f{
          std::string(core::to_string(c.kind)),
          &item,
          c.level,
          c.amount.to_string(),
          std::string(c.amount.currency().code()),
          c.kind == core::ChargeKind::kInterest ? accounts.interest_revenue : accounts.fee_revenue,
          as_of,
          text};
      const std::string discriminator = std::string(core::to_string(c.kind)) + ":" + std::to_string(c.level);
      plan.outbox.push_back(entry(std::string(tenant), std::string(kind), item_target(item.id),
                                  outbox_key(tenant, kind, item_target(item.id), discriminator),
                                  payload_json(tenant, f)));
      plan.audit.push_back({"", "",
                            c.kind == core::ChargeKind::kInterest ? "interest_charged" : "fee_charged",
                            item_target(item.id),
                            json_object({{"kind", core::to_string(c.kind)},
                                         {"level", std::to_string(c.level)},
                                         {"amount", c.amount.to_string()},
                                         {"currency", c.amount.currency().code()},
                                         {"explanation", text}})});
    }
    for (const std::string& id : letter.items) {
      plan.audit.push_back({"", "", "notice_sent", item_target(id),
                            json_object({{"debtor", debtor.id},
                                         {"level", std::to_string(n.level)},
                                         {"level_name", level_name},
                                         {"total", letter.total},
                                         {"currency", letter.currency},
                                         {"deadline", letter.deadline}})});
    }
    plan.letters.push_back(std::move(letter));
  }
  for (const core::FinalActionProposal& f : proposal.final_actions) {
    plan.audit.push_back({"", "", "final_action_proposed", "debtor:" + state.debtors[f.debtor_index].id,
                          json_object({{"action", core::to_string(f.action)},
                                       {"total", f.total.to_string()},
                                       {"explanation", f.explanation}})});
  }
  return plan;
}

std::string to_json(const CommitPlan& plan) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  put(w, "tenant", plan.tenant);
  put(w, "as_of", core::format_date(plan.as_of));
  w.Key("letters");
  w.StartArray();
  for (const auto& l : plan.letters) {
    w.StartObject();
    put(w, "debtor", l.debtor);
    put(w, "level", l.level);
    put(w, "level_name", l.level_name);
    put(w, "currency", l.currency);
    put(w, "total", l.total);
    put(w, "deadline", l.deadline);
    w.Key("items");
    w.StartArray();
    for (const auto& id : l.items) w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("notices");
  w.StartArray();
  for (const auto& n : plan.notices) {
    w.StartObject();
    put(w, "item", n.item);
    put(w, "level", n.level);
    put(w, "date", core::format_date(n.date));
    w.EndObject();
  }
  w.EndArray();
  w.Key("charges");
  w.StartArray();
  for (const auto& c : plan.charges) {
    w.StartObject();
    put(w, "item", c.item);
    put(w, "kind", core::to_string(c.kind));
    put(w, "level", c.level);
    put(w, "amount", c.amount.to_string());
    put(w, "currency", c.amount.currency().code());
    put(w, "date", core::format_date(c.date));
    w.EndObject();
  }
  w.EndArray();
  w.Key("outbox");
  w.StartArray();
  for (const auto& e : plan.outbox) {
    w.StartObject();
    put(w, "kind", e.kind);
    put(w, "target", e.target);
    put(w, "key", e.idempotency_key);
    put(w, "payload", e.payload);
    w.EndObject();
  }
  w.EndArray();
  w.Key("audit");
  w.StartArray();
  for (const auto& a : plan.audit) {
    w.StartObject();
    put(w, "kind", a.kind);
    put(w, "subject", a.subject);
    put(w, "data", a.data);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

core::Result<CommitPlan> commit_plan_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return core::Error{core::ErrorKind::kInvalidInput, "proposal body is not a JSON object", "proposal"};
  }
  BodyReader r;
  CommitPlan plan;
  plan.tenant = r.text(doc, "tenant", "");
  plan.as_of = r.date(doc, "as_of", "");
  const auto& letters = r.array(doc, "letters");
  for (rapidjson::SizeType i = 0; i < letters.Size(); ++i) {
    const std::string where = "letters[" + std::to_string(i) + "]";
    const auto& l = letters[i];
    PlannedNotice n{r.text(l, "debtor", where),
                    r.integer(l, "level", where),
                    r.text(l, "level_name", where),
                    r.text(l, "currency", where),
                    r.text(l, "total", where),
                    r.text(l, "deadline", where),
                    {}};
    if (l.IsObject() && l.HasMember("items") && l["items"].IsArray()) {
      for (const auto& id : l["items"].GetArray()) {
        if (id.IsString()) n.items.emplace_back(id.GetString(), id.GetStringLength());
      }
    }
    plan.letters.push_back(std::move(n));
  }
  const auto& notices = r.array(doc, "notices");
  for (rapidjson::SizeType i = 0; i < notices.Size(); ++i) {
    const std::string where = "notices[" + std::to_string(i) + "]";
    plan.notices.push_back({r.text(notices[i], "item", where), r.integer(notices[i], "level", where),
                            r.date(notices[i], "date", where), std::nullopt});
  }
  const auto& charges = r.array(doc, "charges");
  for (rapidjson::SizeType i = 0; i < charges.Size(); ++i) {
    const std::string where = "charges[" + std::to_string(i) + "]";
    const auto& c = charges[i];
    bool ok = true;
    const core::ChargeKind kind = charge_kind(r.text(c, "kind", where), ok);
    if (!ok) return core::Error{core::ErrorKind::kInvalidInput, "proposal body: unknown charge kind", where};
    plan.charges.push_back({r.text(c, "item", where), kind, r.integer(c, "level", where), r.money(c, where),
                            r.date(c, "date", where)});
  }
  const auto& outbox = r.array(doc, "outbox");
  for (rapidjson::SizeType i = 0; i < outbox.Size(); ++i) {
    const std::string where = "outbox[" + std::to_string(i) + "]";
    const auto& e = outbox[i];
    plan.outbox.push_back(entry(plan.tenant, r.text(e, "kind", where), r.text(e, "target", where),
                                r.text(e, "key", where), r.text(e, "payload", where)));
  }
  const auto& audit = r.array(doc, "audit");
  for (rapidjson::SizeType i = 0; i < audit.Size(); ++i) {
    const std::string where = "audit[" + std::to_string(i) + "]";
    plan.audit.push_back({"", "", r.text(audit[i], "kind", where), r.text(audit[i], "subject", where),
                          r.text(audit[i], "data", where)});
  }
  if (r.error()) return *r.error();
  return plan;
}

core::Result<CommitCounts> write_commit_plan(Transaction& tx, const CommitPlan& plan, std::string_view time,
                                             std::string_view actor) {
  CommitCounts counts;
  for (const auto& n : plan.notices) {
    auto s = tx.insert_notice(plan.tenant, n);
    if (s) ++counts.notices;
    // kConflict: stored by an earlier run of this plan; the database keeps it once.
    if (!s && s.error().kind != core::ErrorKind::kConflict) return s.error();
  }
  for (const auto& c : plan.charges) {
    auto s = tx.insert_charge(plan.tenant, c);
    if (s) ++counts.charges;
    if (!s && s.error().kind != core::ErrorKind::kConflict) return s.error();
  }
  for (const auto& e : plan.outbox) {
    auto inserted = tx.insert_outbox_if_absent(e);
    if (!inserted) return inserted.error();
    if (inserted->inserted) ++counts.outbox;
  }
  for (const auto& draft : plan.audit) {
    AuditDraft stamped = draft;
    stamped.time = std::string(time);
    stamped.actor = std::string(actor);
    if (auto appended = tx.append_audit(plan.tenant, stamped); !appended) return appended.error();
  }
  return counts;
}

std::string state_digest(const core::State& state, const core::Date& as_of) {
  // Netstrings keep fields apart; a tag per record kind keeps the record lists apart.
  std::string f;
  append_netstring(f, "mahnwerk-state-v1");
  append_netstring(f, core::format_date(as_of));
  auto opt = [&f](const std::optional<core::Date>& d) {
    append_netstring(f, d ? core::format_date(*d) : "");
  };
  auto flag = [&f](bool b) { append_netstring(f, b ? "1" : "0"); };
  auto money = [&f](const core::Money& m) {
    append_netstring(f, m.to_string());
    append_netstring(f, m.currency().code());
  };
  for (const auto& d : state.debtors) {
    append_netstring(f, "debtor");
    append_netstring(f, d.id);
    append_netstring(f, core::to_string(d.kind));
    opt(d.block_until);
    flag(d.insolvent);
    // Written only when set, behind a tag of its own, so the digest of a state without an agreed
    // rate is what it was before the field existed (pending proposals do not turn stale).
    if (d.agreed_interest_bp) {
      append_netstring(f, "agreed_interest_bp");
      append_netstring(f, std::to_string(*d.agreed_interest_bp));
    }
  }
  for (const auto& i : state.items) {
    append_netstring(f, "item");
    append_netstring(f, i.id);
    append_netstring(f, i.debtor);
    append_netstring(f, core::format_date(i.invoice_date));
    opt(i.due_date);
    flag(i.due_date_agreed);
    opt(i.received_date);
    money(i.amount);
    money(i.open_amount);
    flag(i.consumer_notice);
    flag(i.disputed);
    opt(i.block_until);
    append_netstring(f, i.source_version);
    if (i.interest_blocked) append_netstring(f, "interest_blocked");  // as above: only when set
  }
  for (const auto& p : state.payments) {
    append_netstring(f, "payment");
    append_netstring(f, p.item);
    append_netstring(f, p.debtor);
    append_netstring(f, core::format_date(p.date));
    money(p.amount);
  }
  for (const auto& n : state.notices) {
    append_netstring(f, "notice");
    append_netstring(f, n.item);
    append_netstring(f, std::to_string(n.level));
  }
  for (const auto& c : state.charges) {
    append_netstring(f, "charge");
    append_netstring(f, c.item);
    append_netstring(f, core::to_string(c.kind));
    append_netstring(f, std::to_string(c.level));
  }
  for (const auto& p : state.plans) {
    append_netstring(f, "plan");
    append_netstring(f, p.id);
    append_netstring(f, core::to_string(p.status));
    for (const auto& inst : p.installments) money(inst.paid);
  }
  return sha256_hex(f);
}

}  // namespace mahnwerk::sync

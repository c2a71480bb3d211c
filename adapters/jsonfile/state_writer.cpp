// core::State -> canonical JSON, with RapidJSON's streaming writer.
#include "adapters/jsonfile/state_writer.h"

#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string_view>
#include <unordered_map>

#include "connector/core/basiszins.h"

namespace mahnwerk::jsonfile {
namespace {

using Writer = rapidjson::Writer<rapidjson::OStreamWrapper>;

class StateWriter {
 public:
  // `settings`: the debtors' own dunning settings, written into their records.
  StateWriter(Writer& w, std::span<const sync::DebtorSettings> settings) : w_(w) {
    for (const sync::DebtorSettings& d : settings) {
      if (!d.settings.empty()) settings_of_.emplace(d.debtor, d.settings);
    }
  }

  void key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void string(std::string_view k, std::string_view v) {
    key(k);
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void nonempty(std::string_view k, std::string_view v) {
    if (!v.empty()) string(k, v);
  }
  void date(std::string_view k, const core::Date& d) { string(k, core::format_date(d)); }
  void date(std::string_view k, const std::optional<core::Date>& d) {
    if (d) date(k, *d);
  }
  void money(std::string_view k, const core::Money& m) { string(k, m.to_string()); }
  void flag(std::string_view k, bool v) {
    if (v) {
      key(k);
      w_.Bool(true);
    }
  }
  void integer(std::string_view k, int v) {
    key(k);
    w_.Int(v);
  }
  void currency(const core::Money& m) {
    if (!(m.currency() == core::Currency::eur())) string("currency", m.currency().code());
  }

  void address(const core::Address& a) {
    if (a.street.empty() && a.zip.empty() && a.city.empty() && a.country.empty()) return;
    key("address");
    w_.StartObject();
    nonempty("street", a.street);
    nonempty("zip", a.zip);
    nonempty("city", a.city);
    nonempty("country", a.country);
    w_.EndObject();
  }

  void creditor(const core::Creditor& c) {
    key("creditor");
    w_.StartObject();
    nonempty("name", c.name);
    address(c.address);
    nonempty("email", c.email);
    nonempty("phone", c.phone);
    nonempty("iban", c.iban);
    nonempty("bic", c.bic);
    nonempty("bank", c.bank);
    nonempty("vat_id", c.vat_id);
    w_.EndObject();
  }

  void debtor(const core::Debtor& d) {
    w_.StartObject();
    string("id", d.id);
    nonempty("name", d.name);
    string("kind", core::to_string(d.kind));
    nonempty("email", d.email);
    string("language", d.language);
    address(d.address);
    date("block_until", d.block_until);
    nonempty("block_reason", d.block_reason);
    flag("insolvent", d.insolvent);
    if (d.agreed_interest_bp) string("agreed_interest_rate", core::format_percent_bp(*d.agreed_interest_bp));
    if (const auto own = settings_of_.find(d.id); own != settings_of_.end())
      string("dunning_settings", own->second);
    w_.EndObject();
  }

  void item(const core::OpenItem& i) {
    w_.StartObject();
    string("id", i.id);
    string("number", i.number);
    string("debtor", i.debtor);
    date("invoice_date", i.invoice_date);
    date("due_date", i.due_date);
    flag("due_date_agreed", i.due_date_agreed);
    date("received_date", i.received_date);
    date("contract_date", i.contract_date);
    money("amount", i.amount);
    money("open_amount", i.open_amount);
    currency(i.amount);
    flag("consumer_notice", i.consumer_notice);
    flag("disputed", i.disputed);
    flag("interest_blocked", i.interest_blocked);
    date("block_until", i.block_until);
    nonempty("source_version", i.source_version);
    w_.EndObject();
  }

  void payment(const core::Payment& p) {
    w_.StartObject();
    nonempty("item", p.item);
    nonempty("debtor", p.debtor);
    date("date", p.date);
    money("amount", p.amount);
    currency(p.amount);
    nonempty("reference", p.reference);
    w_.EndObject();
  }

  void notice(const core::NoticeRecord& n) {
    w_.StartObject();
    string("item", n.item);
    integer("level", n.level);
    date("date", n.date);
    date("received_date", n.received_date);
    w_.EndObject();
  }

  void charge(const core::ChargeRecord& c) {
    w_.StartObject();
    string("item", c.item);
    string("kind", core::to_string(c.kind));
    integer("level", c.level);
    money("amount", c.amount);
    currency(c.amount);
    date("date", c.date);
    w_.EndObject();
  }

  void plan(const core::PaymentPlan& p) {
    w_.StartObject();
    string("id", p.id);
    string("debtor", p.debtor);
    key("items");
    w_.StartArray();
    for (const auto& id : p.items) w_.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w_.EndArray();
    date("agreed_on", p.agreed_on);
    currency(p.principal);
    money("principal", p.principal);
    money("costs", p.costs);
    money("interest", p.interest);
    if (p.plan_interest_bp != 0) string("plan_interest_rate", core::format_percent_bp(p.plan_interest_bp));
    money("plan_interest", p.plan_interest);
    money("total", p.total);
    string("interval", core::to_string(p.interval));
    key("installments");
    w_.StartArray();
    for (const auto& inst : p.installments) {
      w_.StartObject();
      date("due", inst.due);
      money("amount", inst.amount);
      money("paid", inst.paid);
      w_.EndObject();
    }
    w_.EndArray();
    integer("default_after_missed", p.default_after_missed);
    integer("grace_days", p.grace_days);
    date("final_notice_date", p.final_notice_date);
    string("status", core::to_string(p.status));
    w_.EndObject();
  }

  template <typename T, typename Write>
  void list(std::string_view name, const std::vector<T>& records, Write write) {
    key(name);
    w_.StartArray();
    for (const auto& r : records) (this->*write)(r);
    w_.EndArray();
  }

 private:
  Writer& w_;
  std::unordered_map<std::string_view, std::string_view> settings_of_;
};

bool has_creditor(const core::Creditor& c) { return !c.name.empty() || !c.iban.empty(); }

}  // namespace

void write_state(std::ostream& out, const core::State& state,
                 std::span<const sync::DebtorSettings> debtor_settings) {
  rapidjson::OStreamWrapper stream(out);
  Writer writer(stream);
  StateWriter w(writer, debtor_settings);
  writer.StartObject();
  if (has_creditor(state.creditor)) w.creditor(state.creditor);
  w.list("debtors", state.debtors, &StateWriter::debtor);
  w.list("items", state.items, &StateWriter::item);
  w.list("payments", state.payments, &StateWriter::payment);
  w.list("notices", state.notices, &StateWriter::notice);
  w.list("charges", state.charges, &StateWriter::charge);
  w.list("plans", state.plans, &StateWriter::plan);
  writer.EndObject();
  out << '\n';
}

}  // namespace mahnwerk::jsonfile

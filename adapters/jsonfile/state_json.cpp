// Canonical state JSON -> core::State.
#include "adapters/jsonfile/state_json.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <fcntl.h>
#include <rapidjson/error/en.h>
#include <rapidjson/filereadstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "adapters/jsonfile/json_util.h"
#include "connector/core/basiszins.h"
#include "connector/core/id_index.h"
#include "connector/core/plan.h"

namespace mahnwerk::jsonfile {
namespace {

using core::Error;
using core::Result;

std::string element_path(const char* array, std::size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

Result<core::Currency> currency_of(const Fields& f, core::Currency fallback) {
  const auto* v = f.find("currency");
  if (v == nullptr) return fallback;
  if (!v->IsString()) return f.error("currency", "expected a currency code such as \"EUR\"");
  auto c = core::Currency::from_code(std::string_view(v->GetString(), v->GetStringLength()));
  if (!c) return f.error("currency", c.error().message);
  return *c;
}

// An optional `address` object into `out`; country defaults to "DE".
core::Status parse_address(const Fields& f, core::Address& out) {
  const auto* address = f.find("address");
  if (address == nullptr) return core::Ok{};
  const Fields a(*address, f.path_of("address"));
  if (auto s = a.check_object(); !s) return s.error();
  MW_ASSIGN_OR_RETURN(out.street, a.optional_string("street"));
  MW_ASSIGN_OR_RETURN(out.zip, a.optional_string("zip"));
  MW_ASSIGN_OR_RETURN(out.city, a.optional_string("city"));
  MW_ASSIGN_OR_RETURN(out.country, a.optional_string("country", "DE"));
  return core::Ok{};
}

Result<core::Debtor> parse_debtor(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::Debtor d;
  MW_ASSIGN_OR_RETURN(d.id, f.required_string("id"));
  MW_ASSIGN_OR_RETURN(d.name, f.optional_string("name"));
  std::string kind;
  MW_ASSIGN_OR_RETURN(kind, f.required_string("kind"));
  auto parsed_kind = core::parse_debtor_kind(kind);
  if (!parsed_kind) return f.error("kind", parsed_kind.error().message);
  d.kind = *parsed_kind;
  MW_ASSIGN_OR_RETURN(d.email, f.optional_string("email"));
  MW_ASSIGN_OR_RETURN(d.language, f.optional_string("language", "de"));
  if (d.language != "de" && d.language != "en") {
    return f.error("language", "expected \"de\" or \"en\", got \"" + d.language + "\"");
  }
  if (auto s = parse_address(f, d.address); !s) return s.error();
  MW_ASSIGN_OR_RETURN(d.block_until, f.optional_date("block_until"));
  MW_ASSIGN_OR_RETURN(d.block_reason, f.optional_string("block_reason"));
  MW_ASSIGN_OR_RETURN(d.insolvent, f.optional_bool("insolvent", false));
  if (const auto* rate = f.find("agreed_interest_rate")) {  // § 288 III BGB, p.a.
    if (!rate->IsString()) return f.error("agreed_interest_rate", "expected a percentage such as \"12.50\"");
    auto bp = core::parse_percent_bp(std::string_view(rate->GetString(), rate->GetStringLength()));
    if (!bp) return f.error("agreed_interest_rate", bp.error().message);
    if (*bp < 0) return f.error("agreed_interest_rate", "a negative agreed interest rate");
    d.agreed_interest_bp = *bp;
  }
  return d;
}

// A debtor's own dunning settings (StateDocument), kept as the text the source gave.
core::Status parse_dunning_settings(const rapidjson::Value& v, const std::string& path,
                                    const std::string& debtor, std::vector<sync::DebtorSettings>& out) {
  const Fields f(v, path);
  std::string text;
  MW_ASSIGN_OR_RETURN(text, f.optional_string("dunning_settings"));
  if (!text.empty()) out.push_back({debtor, std::move(text)});
  return core::Ok{};
}

Result<core::OpenItem> parse_item(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::OpenItem item;
  MW_ASSIGN_OR_RETURN(item.id, f.required_string("id"));
  MW_ASSIGN_OR_RETURN(item.number, f.optional_string("number", item.id));
  MW_ASSIGN_OR_RETURN(item.debtor, f.required_string("debtor"));
  MW_ASSIGN_OR_RETURN(item.invoice_date, f.required_date("invoice_date"));
  MW_ASSIGN_OR_RETURN(item.due_date, f.optional_date("due_date"));
  MW_ASSIGN_OR_RETURN(item.due_date_agreed, f.optional_bool("due_date_agreed", false));
  MW_ASSIGN_OR_RETURN(item.received_date, f.optional_date("received_date"));
  MW_ASSIGN_OR_RETURN(item.contract_date, f.optional_date("contract_date"));
  core::Currency currency;
  MW_ASSIGN_OR_RETURN(currency, currency_of(f, core::Currency::eur()));
  MW_ASSIGN_OR_RETURN(item.amount, f.required_money("amount", currency));
  std::optional<core::Money> open;
  MW_ASSIGN_OR_RETURN(open, f.optional_money("open_amount", currency));
  item.open_amount = open.value_or(item.amount);
  if (item.open_amount > item.amount) {
    return f.error("open_amount", "open amount " + item.open_amount.to_string() +
                                      " exceeds the invoice amount " + item.amount.to_string());
  }
  if (item.due_date && *item.due_date < item.invoice_date) {
    return f.error("due_date", "due date " + core::format_date(*item.due_date) +
                                   " lies before the invoice date " + core::format_date(item.invoice_date));
  }
  MW_ASSIGN_OR_RETURN(item.consumer_notice, f.optional_bool("consumer_notice", false));
  MW_ASSIGN_OR_RETURN(item.disputed, f.optional_bool("disputed", false));
  MW_ASSIGN_OR_RETURN(item.interest_blocked, f.optional_bool("interest_blocked", false));
  MW_ASSIGN_OR_RETURN(item.block_until, f.optional_date("block_until"));
  MW_ASSIGN_OR_RETURN(item.source_version, f.optional_string("source_version"));
  return item;
}

Result<core::Payment> parse_payment(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::Payment p;
  MW_ASSIGN_OR_RETURN(p.item, f.optional_string("item"));
  MW_ASSIGN_OR_RETURN(p.debtor, f.optional_string("debtor"));
  if (p.item.empty() && p.debtor.empty()) return f.error("item", "a payment names an item or a debtor");
  MW_ASSIGN_OR_RETURN(p.date, f.required_date("date"));
  core::Currency currency;
  MW_ASSIGN_OR_RETURN(currency, currency_of(f, core::Currency::eur()));
  MW_ASSIGN_OR_RETURN(p.amount, f.required_money("amount", currency));
  if (p.amount.is_zero()) return f.error("amount", "a payment of zero");
  MW_ASSIGN_OR_RETURN(p.reference, f.optional_string("reference"));
  return p;
}

Result<core::NoticeRecord> parse_notice(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::NoticeRecord n;
  MW_ASSIGN_OR_RETURN(n.item, f.required_string("item"));
  MW_ASSIGN_OR_RETURN(n.level, f.optional_int("level", 0, 0, 99));
  MW_ASSIGN_OR_RETURN(n.date, f.required_date("date"));
  MW_ASSIGN_OR_RETURN(n.received_date, f.optional_date("received_date"));
  return n;
}

constexpr std::array<std::pair<std::string_view, core::ChargeKind>, 3> kChargeKinds{{
    {"fee", core::ChargeKind::kFee},
    {"flat_fee", core::ChargeKind::kFlatFee},
    {"interest", core::ChargeKind::kInterest},
}};

Result<core::ChargeRecord> parse_charge(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::ChargeRecord c;
  MW_ASSIGN_OR_RETURN(c.item, f.required_string("item"));
  std::string kind;
  MW_ASSIGN_OR_RETURN(kind, f.required_string("kind"));
  const auto it =
      std::find_if(kChargeKinds.begin(), kChargeKinds.end(), [&](const auto& k) { return k.first == kind; });
  if (it == kChargeKinds.end()) {
    return f.error("kind", "unknown charge kind \"" + kind + "\" (fee, flat_fee, interest)");
  }
  c.kind = it->second;
  MW_ASSIGN_OR_RETURN(c.level, f.optional_int("level", 0, 0, 99));
  core::Currency currency;
  MW_ASSIGN_OR_RETURN(currency, currency_of(f, core::Currency::eur()));
  MW_ASSIGN_OR_RETURN(c.amount, f.required_money("amount", currency));
  MW_ASSIGN_OR_RETURN(c.date, f.required_date("date"));
  return c;
}

Result<core::Installment> parse_installment(const rapidjson::Value& v, const std::string& path,
                                            core::Currency currency) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::Installment inst;
  MW_ASSIGN_OR_RETURN(inst.due, f.required_date("due"));
  MW_ASSIGN_OR_RETURN(inst.amount, f.required_money("amount", currency));
  if (!inst.amount.is_positive()) return f.error("amount", "an installment of zero");
  std::optional<core::Money> paid;
  MW_ASSIGN_OR_RETURN(paid, f.optional_money("paid", currency));
  inst.paid = paid.value_or(core::Money::zero(currency));
  if (inst.paid > inst.amount) {
    return f.error(
        "paid", "paid " + inst.paid.to_string() + " exceeds the installment of " + inst.amount.to_string());
  }
  return inst;
}

// The installments of a plan: ascending due dates, adding up to the plan total.
core::Status parse_installments(const Fields& f, core::PaymentPlan& plan) {
  const rapidjson::Value* array = nullptr;
  MW_ASSIGN_OR_RETURN(array, f.array("installments", true));
  if (array->Empty()) return f.error("installments", "a plan needs at least one installment");
  if (array->Size() > static_cast<rapidjson::SizeType>(core::kMaxInstallments)) {
    return f.error("installments", "more than " + std::to_string(core::kMaxInstallments) + " installments");
  }
  const core::Currency currency = plan.total.currency();
  core::Money sum = core::Money::zero(currency);
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    const std::string path = f.path_of("installments") + "[" + std::to_string(i) + "]";
    auto inst = parse_installment((*array)[i], path, currency);
    if (!inst) return inst.error();
    if (!plan.installments.empty() && !(plan.installments.back().due < inst->due)) {
      return core::invalid_input(
          "due date " + core::format_date(inst->due) + " does not follow the previous one", path + ".due");
    }
    MW_ASSIGN_OR_RETURN(sum, sum.add(inst->amount));
    plan.installments.push_back(std::move(inst).value());
  }
  if (sum != plan.total) {
    return f.error("installments", "installments add up to " + sum.to_string() + ", the plan total is " +
                                       plan.total.to_string());
  }
  return core::Ok{};
}

core::Status parse_plan_items(const Fields& f, std::vector<std::string>& out) {
  const rapidjson::Value* array = nullptr;
  MW_ASSIGN_OR_RETURN(array, f.array("items", true));
  if (array->Empty()) return f.error("items", "a plan covers at least one item");
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    const auto& v = (*array)[i];
    if (!v.IsString() || v.GetStringLength() == 0) {
      return core::invalid_input("expected an item id", f.path_of("items") + "[" + std::to_string(i) + "]");
    }
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return core::Ok{};
}

// The frozen amounts, plan interest and total: total = principal + costs + interest + plan
// interest; a stated total that disagrees is refused.
core::Status parse_plan_amounts(const Fields& f, core::PaymentPlan& plan) {
  core::Currency currency;
  MW_ASSIGN_OR_RETURN(currency, currency_of(f, core::Currency::eur()));
  MW_ASSIGN_OR_RETURN(plan.principal, f.required_money("principal", currency));
  std::optional<core::Money> amount;
  MW_ASSIGN_OR_RETURN(amount, f.optional_money("costs", currency));
  plan.costs = amount.value_or(core::Money::zero(currency));
  MW_ASSIGN_OR_RETURN(amount, f.optional_money("interest", currency));
  plan.interest = amount.value_or(core::Money::zero(currency));
  MW_ASSIGN_OR_RETURN(amount, f.optional_money("plan_interest", currency));
  plan.plan_interest = amount.value_or(core::Money::zero(currency));
  if (const auto* rate = f.find("plan_interest_rate")) {
    if (!rate->IsString()) return f.error("plan_interest_rate", "expected a percentage such as \"5.00\"");
    auto bp = core::parse_percent_bp(std::string_view(rate->GetString(), rate->GetStringLength()));
    if (!bp) return f.error("plan_interest_rate", bp.error().message);
    if (*bp < 0) return f.error("plan_interest_rate", "a negative plan interest rate");
    plan.plan_interest_bp = *bp;
  }
  core::Money sum;
  MW_ASSIGN_OR_RETURN(sum, plan.principal.add(plan.costs));
  MW_ASSIGN_OR_RETURN(sum, sum.add(plan.interest));
  MW_ASSIGN_OR_RETURN(sum, sum.add(plan.plan_interest));
  MW_ASSIGN_OR_RETURN(amount, f.optional_money("total", currency));
  if (amount && *amount != sum) {
    return f.error("total", "total " + amount->to_string() +
                                " differs from principal + costs + interest + plan "
                                "interest = " +
                                sum.to_string());
  }
  plan.total = sum;
  return core::Ok{};
}

Result<core::PaymentPlan> parse_plan(const rapidjson::Value& v, const std::string& path) {
  const Fields f(v, path);
  if (auto s = f.check_object(); !s) return s.error();
  core::PaymentPlan plan;
  MW_ASSIGN_OR_RETURN(plan.id, f.required_string("id"));
  MW_ASSIGN_OR_RETURN(plan.debtor, f.required_string("debtor"));
  if (auto s = parse_plan_items(f, plan.items); !s) return s.error();
  MW_ASSIGN_OR_RETURN(plan.agreed_on, f.required_date("agreed_on"));
  if (auto s = parse_plan_amounts(f, plan); !s) return s.error();
  std::string text;
  MW_ASSIGN_OR_RETURN(text, f.optional_string("interval", "monthly"));
  auto interval = core::parse_plan_interval(text);
  if (!interval) return f.error("interval", interval.error().message);
  plan.interval = *interval;
  if (auto s = parse_installments(f, plan); !s) return s.error();
  MW_ASSIGN_OR_RETURN(plan.default_after_missed,
                      f.optional_int("default_after_missed", 2, 1, core::kMaxInstallments));
  MW_ASSIGN_OR_RETURN(plan.grace_days, f.optional_int("grace_days", 7, 0, 365));
  MW_ASSIGN_OR_RETURN(plan.final_notice_date, f.optional_date("final_notice_date"));
  MW_ASSIGN_OR_RETURN(text, f.optional_string("status", "active"));
  auto status = core::parse_plan_status(text);
  if (!status) return f.error("status", status.error().message);
  plan.status = *status;
  return plan;
}

core::Status parse_creditor(const Fields& root, core::Creditor& out) {
  const auto* v = root.find("creditor");
  if (v == nullptr) return core::Ok{};
  const Fields f(*v, "creditor");
  if (auto s = f.check_object(); !s) return s.error();
  MW_ASSIGN_OR_RETURN(out.name, f.optional_string("name"));
  if (auto s = parse_address(f, out.address); !s) return s.error();
  MW_ASSIGN_OR_RETURN(out.email, f.optional_string("email"));
  MW_ASSIGN_OR_RETURN(out.phone, f.optional_string("phone"));
  MW_ASSIGN_OR_RETURN(out.iban, f.optional_string("iban"));
  if (!out.iban.empty() && !valid_iban(out.iban)) {
    return f.error("iban", "not a valid IBAN: \"" + out.iban + "\" (check digits or format)");
  }
  MW_ASSIGN_OR_RETURN(out.bic, f.optional_string("bic"));
  MW_ASSIGN_OR_RETURN(out.bank, f.optional_string("bank"));
  MW_ASSIGN_OR_RETURN(out.vat_id, f.optional_string("vat_id"));
  return core::Ok{};
}

// Ids must be unique within their list; `id_of` points to a record's id. The first repetition
// in list order is reported. (core::IdIndex with prefetching, not std::unordered_set: a million
// item ids are checked in a fraction of the time, without a node allocation per id.)
template <typename T, typename IdOf>
core::Status check_unique(const std::vector<T>& records, const char* name, IdOf id_of) {
  core::IdIndex seen(records.size());
  core::KeyStream stream(seen, records.size(), [&](std::size_t i) { return id_of(records[i]); });
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!seen.insert(stream.take(i).key).second) {
      return core::invalid_input("duplicate id \"" + *id_of(records[i]) + "\"",
                                 element_path(name, i) + ".id");
    }
  }
  return core::Ok{};
}

// The checks across records, once every record is read.
core::Status check_state(const core::State& state) {
  if (auto s = check_unique(state.debtors, "debtors", [](const core::Debtor& d) { return &d.id; }); !s) {
    return s;
  }
  if (auto s = check_unique(state.items, "items", [](const core::OpenItem& i) { return &i.id; }); !s) {
    return s;
  }
  return check_unique(state.plans, "plans", [](const core::PaymentPlan& p) { return &p.id; });
}

// Counts lines while RapidJSON reads, so a syntax error names its line and column without the
// whole text in memory.
template <typename Stream>
class LineCountingStream {
 public:
  using Ch = typename Stream::Ch;
  explicit LineCountingStream(Stream& inner) : inner_(inner) {}
  Ch Peek() const { return inner_.Peek(); }
  Ch Take() {
    const Ch c = inner_.Take();
    if (c == '\n') {
      ++line_;
      line_start_ = inner_.Tell();
    }
    return c;
  }
  std::size_t Tell() const { return inner_.Tell(); }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }
  std::size_t line() const { return line_; }
  std::size_t column_of(std::size_t offset) const { return offset - line_start_ + 1; }

 private:
  Stream& inner_;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
};

// A SAX handler that reads the state record by record: each element of a top-level array (and
// the creditor object) is collected into a small reusable DOM and handed to its record parser,
// so memory holds the parsed State and one record, never the whole document.
class StateHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, StateHandler> {
 public:
  StateHandler() : pool_(pool_buffer_, sizeof pool_buffer_), record_(&pool_) {}

  core::State& state() { return state_; }
  std::vector<sync::DebtorSettings>& debtor_settings() { return settings_; }
  const std::optional<core::Error>& error() const { return error_; }
  // The root members read so far.
  const std::unordered_set<std::string>& seen() const { return seen_; }
  // True between two records of the `items` array (the last event completed one).
  bool between_items() const {
    return !error_ && section_ == Section::kItems && depth_ == 2 && record_depth_ == 0 && skip_depth_ == 0;
  }

  bool Null() {
    return scalar([&] { return record_.Null(); }, true);
  }
  bool Bool(bool b) {
    return scalar([&] { return record_.Bool(b); });
  }
  bool Int(int i) {
    return scalar([&] { return record_.Int(i); });
  }
  bool Uint(unsigned u) {
    return scalar([&] { return record_.Uint(u); });
  }
  bool Int64(std::int64_t i) {
    return scalar([&] { return record_.Int64(i); });
  }
  bool Uint64(std::uint64_t u) {
    return scalar([&] { return record_.Uint64(u); });
  }
  bool Double(double d) {
    return scalar([&] { return record_.Double(d); });
  }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
    return scalar([&] { return record_.RawNumber(str, length, copy); });
  }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    return scalar([&] { return record_.String(str, length, copy); });
  }

  bool StartObject() {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    return open([&] { return record_.StartObject(); }, true);
  }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    if (record_depth_ > 0) return record_.Key(str, length, copy);
    if (skip_depth_ == 0) key_.assign(str, length);
    return true;
  }
  bool EndObject(rapidjson::SizeType members) {
    if (at_root_level()) {
      depth_ = 0;
      return true;
    }
    return close([&] { return record_.EndObject(members); });
  }
  bool StartArray() {
    return open([&] { return record_.StartArray(); }, false);
  }
  bool EndArray(rapidjson::SizeType elements) {
    if (depth_ == 2 && record_depth_ == 0 && skip_depth_ == 0) {  // a section ends
      depth_ = 1;
      return true;
    }
    return close([&] { return record_.EndArray(elements); });
  }

  // Generator for Document::Populate: a record's events were already pushed onto the record
  // document's stack by forwarding them; Populate only moves that one value to its root.
  bool operator()(rapidjson::Document&) const { return true; }

 private:
  enum class Section { kDebtors, kItems, kPayments, kNotices, kCharges, kPlans, kCreditor, kIgnored };

  static Section section_of(const std::string& key) {
    static constexpr std::array<std::pair<std::string_view, Section>, 7> kSections{{
        {"debtors", Section::kDebtors},
        {"items", Section::kItems},
        {"payments", Section::kPayments},
        {"notices", Section::kNotices},
        {"charges", Section::kCharges},
        {"plans", Section::kPlans},
        {"creditor", Section::kCreditor},
    }};
    for (const auto& [name, section] : kSections) {
      if (key == name) return section;
    }
    return Section::kIgnored;
  }

  bool at_root_level() const { return depth_ == 1 && record_depth_ == 0 && skip_depth_ == 0; }

  bool fail(Error e) {
    error_ = std::move(e);
    return false;
  }

  // A value directly in the root object, named key_: sections are arrays, the creditor an
  // object, null means absent, and other members are skipped.
  bool begin_member(bool is_array, bool is_object, bool is_null) {
    section_ = section_of(key_);
    if (section_ == Section::kIgnored || is_null) return true;
    const bool fits = section_ == Section::kCreditor ? is_object : is_array;
    if (!fits)
      return fail(Error{core::ErrorKind::kInvalidInput,
                        section_ == Section::kCreditor ? "expected an object" : "expected an array", key_});
    if (!seen_.insert(key_).second) return fail(core::invalid_input("field given twice", key_));
    index_ = 0;
    return true;
  }

  template <typename Emit>
  bool scalar(Emit emit, bool is_null = false) {
    if (record_depth_ > 0) return emit();
    if (skip_depth_ > 0) return true;
    if (depth_ == 0) return fail(core::invalid_input("expected a JSON object at the top"));
    if (depth_ == 1) return begin_member(false, false, is_null);
    // A scalar element of a section array: a whole record of one value (refused by its parser).
    if (!emit()) return false;
    return finish_record();
  }

  template <typename Emit>
  bool open(Emit emit, bool is_object) {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (depth_ == 0) return fail(core::invalid_input("expected a JSON object at the top"));
    if (at_root_level()) {
      if (!begin_member(!is_object, is_object, false)) return false;
      if (section_ == Section::kIgnored) {
        skip_depth_ = 1;
        return true;
      }
      if (!is_object) {  // a section array: its elements are the records
        depth_ = 2;
        return true;
      }
    }
    ++record_depth_;
    return emit();
  }

  template <typename Emit>
  bool close(Emit emit) {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    if (!emit()) return false;
    if (--record_depth_ > 0) return true;
    return finish_record();
  }

  bool finish_record() {
    record_.Populate(*this);
    core::Status status = core::Ok{};
    switch (section_) {
      case Section::kDebtors:
        status = add(parse_debtor, "debtors", state_.debtors);
        if (status)
          status = parse_dunning_settings(record_, element_path("debtors", index_ - 1),
                                          state_.debtors.back().id, settings_);
        break;
      case Section::kItems:
        status = add(parse_item, "items", state_.items);
        break;
      case Section::kPayments:
        status = add(parse_payment, "payments", state_.payments);
        break;
      case Section::kNotices:
        status = add(parse_notice, "notices", state_.notices);
        break;
      case Section::kCharges:
        status = add(parse_charge, "charges", state_.charges);
        break;
      case Section::kPlans:
        status = add(parse_plan, "plans", state_.plans);
        break;
      case Section::kCreditor: {
        rapidjson::Document root(&pool_);
        root.SetObject();
        root.AddMember("creditor", record_, pool_);
        status = parse_creditor(Fields(root, ""), state_.creditor);
        break;
      }
      case Section::kIgnored:
        break;
    }
    record_.SetNull();
    pool_.Clear();
    if (!status) return fail(status.error());
    return true;
  }

  template <typename Parse, typename T>
  core::Status add(Parse parse, const char* name, std::vector<T>& out) {
    auto parsed = parse(record_, element_path(name, index_++));
    if (!parsed) return parsed.error();
    out.push_back(std::move(parsed).value());
    return core::Ok{};
  }

  char pool_buffer_[16384];
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document record_;
  core::State state_;
  std::vector<sync::DebtorSettings> settings_;
  std::optional<core::Error> error_;
  std::string key_;
  std::unordered_set<std::string> seen_;
  Section section_ = Section::kIgnored;
  std::size_t index_ = 0;
  int depth_ = 0;         // 0: before/after the root; 1: inside the root object; 2: in a section
  int record_depth_ = 0;  // nesting inside the record being collected
  int skip_depth_ = 0;    // nesting inside a skipped (unknown) member
};

// Parses from `stream`; `where(offset)` gives the {line, column} of a syntax error's offset.
template <typename Stream, typename Where>
core::Result<StateDocument> read_state(Stream& stream, std::string_view source, Where where) {
  StateHandler handler;
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, handler);
  if (handler.error()) return handler.error()->within(source);
  if (result.IsError()) {
    const auto [line, column] = where(result.Offset());
    return core::invalid_input(
        std::string("malformed JSON: ") + rapidjson::GetParseError_En(result.Code()),
        std::string(source) + ", line " + std::to_string(line) + ", column " + std::to_string(column));
  }
  if (auto s = check_state(handler.state()); !s) return s.error().within(source);
  return StateDocument{std::move(handler.state()), std::move(handler.debtor_settings())};
}

// Reads through a stream that counts lines as it goes (for input not in memory as a whole).
template <typename Stream>
core::Result<StateDocument> read_state_counting(Stream& input, std::string_view source) {
  LineCountingStream<Stream> stream(input);
  return read_state(stream, source, [&stream](std::size_t offset) {
    return std::pair<std::size_t, std::size_t>(stream.line(), stream.column_of(offset));
  });
}

// A regular file mapped read-only, followed by at least one zero byte: RapidJSON's plain
// string stream reads it without a per-character bounds check or line count, and a syntax
// error's line and column are counted afterwards from the text. RapidJSON ends the input at the
// first zero byte whatever the stream, so a file with a zero byte reads the same either way.
// The pages are file-backed: they leave memory with the mapping, when the file is parsed.
class MappedFile {
 public:
  // Maps `fd` when it is a non-empty regular file; otherwise (or when mapping fails) empty.
  explicit MappedFile(int fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return;
    const auto size = static_cast<std::size_t>(st.st_size);
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    // Reserve the file's pages plus one zero page, then map the file over the front: the
    // bytes after the end of the file are zero (the rest of its last page and the page after).
    const std::size_t length = (size + page - 1) / page * page + page;
    void* base = mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return;
    if (mmap(base, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
      munmap(base, length);
      return;
    }
    madvise(base, size, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(base);
    size_ = size;
    length_ = length;
  }
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<char*>(data_), length_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The file's bytes; data()[size()] is a zero byte. Null when not mapped.
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t length_ = 0;
};

// Reads a mapped file in one part. (Reading a large file in two parts on two threads saves
// about a quarter of the reading time, but the second thread's malloc arena keeps about 15 MB
// more in the peak memory of a 1M-item `propose`, which must stay under 1 GiB.)
core::Result<StateDocument> read_mapped(const MappedFile& mapped, std::string_view source) {
  const std::string_view text(mapped.data(), mapped.size());
  rapidjson::StringStream stream(mapped.data());
  return read_state(stream, source, [text](std::size_t offset) { return line_column(text, offset); });
}

}  // namespace

core::Result<StateDocument> parse_state_document(std::string_view json, std::string_view source) {
  rapidjson::MemoryStream memory(json.data(), json.size());
  return read_state_counting(memory, source);
}

core::Result<StateDocument> load_state_document(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return core::Error{core::ErrorKind::kNotFound, std::string("cannot open: ") + std::strerror(errno), path};
  }
  core::Result<StateDocument> document = StateDocument{};
  if (const MappedFile mapped(fileno(file)); mapped.data() != nullptr) {
    document = read_mapped(mapped, path);
  } else {
    char buffer[1 << 16];
    rapidjson::FileReadStream input(file, buffer, sizeof buffer);
    document = read_state_counting(input, path);
  }
  std::fclose(file);
  return document;
}

core::Result<core::State> parse_state(std::string_view json, std::string_view source) {
  auto document = parse_state_document(json, source);
  if (!document) return document.error();
  return std::move(document.value().state);
}

core::Result<core::State> load_state(const std::string& path) {
  auto document = load_state_document(path);
  if (!document) return document.error();
  return std::move(document.value().state);
}

}  // namespace mahnwerk::jsonfile

// Canonical state JSON -> core::State.
#include "adapters/jsonfile/state_json.h"

#include <unordered_set>

#include "adapters/jsonfile/json_util.h"

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
  if (const auto* address = f.find("address")) {
    const Fields a(*address, f.path_of("address"));
    if (auto s = a.check_object(); !s) return s.error();
    MW_ASSIGN_OR_RETURN(d.address.street, a.optional_string("street"));
    MW_ASSIGN_OR_RETURN(d.address.zip, a.optional_string("zip"));
    MW_ASSIGN_OR_RETURN(d.address.city, a.optional_string("city"));
    MW_ASSIGN_OR_RETURN(d.address.country, a.optional_string("country", "DE"));
  }
  MW_ASSIGN_OR_RETURN(d.block_until, f.optional_date("block_until"));
  MW_ASSIGN_OR_RETURN(d.block_reason, f.optional_string("block_reason"));
  MW_ASSIGN_OR_RETURN(d.insolvent, f.optional_bool("insolvent", false));
  return d;
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

// Parses every element of array `name` with `parse`, appending to `out`.
template <typename T, typename Parse>
core::Status parse_array(const Fields& root, const char* name, Parse parse, std::vector<T>& out) {
  const rapidjson::Value* array = nullptr;
  MW_ASSIGN_OR_RETURN(array, root.array(name, false));
  out.reserve(array->Size());
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    auto parsed = parse((*array)[i], element_path(name, i));
    if (!parsed) return parsed.error();
    out.push_back(std::move(parsed).value());
  }
  return core::Ok{};
}

// Ids must be unique within their list; `id_of` extracts the id.
template <typename T, typename IdOf>
core::Status check_unique(const std::vector<T>& records, const char* name, IdOf id_of) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!seen.insert(id_of(records[i])).second) {
      return core::invalid_input("duplicate id \"" + std::string(id_of(records[i])) + "\"",
                                 element_path(name, i) + ".id");
    }
  }
  return core::Ok{};
}

Result<core::State> parse_document(const rapidjson::Value& doc) {
  const Fields root(doc, "");
  if (auto s = root.check_object(); !s) return core::invalid_input("expected a JSON object at the top");
  core::State state;
  if (auto s = parse_array(root, "debtors", parse_debtor, state.debtors); !s) return s.error();
  if (auto s = parse_array(root, "items", parse_item, state.items); !s) return s.error();
  if (auto s = parse_array(root, "payments", parse_payment, state.payments); !s) return s.error();
  if (auto s = parse_array(root, "notices", parse_notice, state.notices); !s) return s.error();
  if (auto s = check_unique(state.debtors, "debtors", [](const core::Debtor& d) -> std::string_view { return d.id; }); !s) {
    return s.error();
  }
  if (auto s = check_unique(state.items, "items", [](const core::OpenItem& i) -> std::string_view { return i.id; }); !s) {
    return s.error();
  }
  return state;
}

}  // namespace

core::Result<core::State> parse_state(std::string_view json, std::string_view source) {
  auto doc = parse_json(json, source);
  if (!doc) return doc.error();
  auto state = parse_document(*doc);
  if (!state) return state.error().within(source);
  return state;
}

core::Result<core::State> load_state(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_state(*text, path);
}

}  // namespace mahnwerk::jsonfile

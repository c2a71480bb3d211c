// LedgerImport / document.xml reading with pugixml. Element names are matched without their
// namespace prefix; the namespace URI is checked on the root.
#include "adapters/datev/xml_reader.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cstring>

namespace mahnwerk::datev {
namespace {

constexpr std::string_view kLedgerNamespace = "http://xml.datev.de/bedi/tps/ledger/v060";
constexpr std::string_view kDocumentNamespace = "http://xml.datev.de/bedi/tps/document/v06.0";

// The local part of a (possibly prefixed) element or attribute name.
std::string_view local_name(const char* name) {
  std::string_view s(name);
  const std::size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c : node.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

// 1-based line of a node from its byte offset in the document.
std::size_t line_of(std::string_view bytes, pugi::xml_node node) {
  const auto offset = node.offset_debug();
  if (offset < 0) return 0;
  const std::size_t end = std::min(bytes.size(), static_cast<std::size_t>(offset));
  return 1 + static_cast<std::size_t>(
                 std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

core::Result<pugi::xml_document*> parse(pugi::xml_document& doc, std::string_view bytes,
                                        const std::string& name) {
  const pugi::xml_parse_result r =
      doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_auto);
  if (!r) {
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(
                bytes.begin(),
                bytes.begin() + std::min<std::ptrdiff_t>(r.offset, static_cast<std::ptrdiff_t>(bytes.size())),
                '\n'));
    return core::invalid_input(std::string("not well-formed XML: ") + r.description(),
                               name + ":" + std::to_string(line));
  }
  return &doc;
}

std::string_view namespace_of(pugi::xml_node root) {
  const std::string_view n(root.name());
  const std::size_t colon = n.find(':');
  const std::string attr =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(n.substr(0, colon));
  return root.attribute(attr.c_str()).as_string();
}

class RowParser {
 public:
  RowParser(std::string_view bytes, const std::string& name, std::vector<RowError>& errors)
      : bytes_(bytes), name_(name), errors_(errors) {}

  bool parse(pugi::xml_node node, const core::Currency& default_currency, LedgerRow& row) {
    ok_ = true;
    node_ = node;
    row = LedgerRow{};
    row.line = line_of(bytes_, node);
    row.invoice_id = required("invoiceId");
    if (auto c = text("currencyCode"); !c.empty()) {
      auto cur = core::Currency::from_code(c);
      if (!cur) fail("currencyCode", "unknown currency \"" + c + "\"");
      currency_ = cur ? *cur : default_currency;
    } else {
      currency_ = default_currency;
    }
    if (const std::string a = required("amount"); !a.empty()) {
      auto m = core::Money::parse(a, currency_);
      if (!m) {
        fail("amount", "\"" + a + "\" is not an amount");
      } else if (m->is_zero()) {
        fail("amount", "amount is zero");
      } else {
        row.amount = *m;
      }
    }
    row.date = date("date", true).value_or(core::Date{});
    row.due_date = date("dueDate", false);
    row.paid_at = date("paidAt", false);
    account("bpAccountNo", true, row.bp_account, row.bp_account_digits);
    account("accountNo", false, row.account, row.account_digits);
    row.dunning_block = text("paymentConditionsId") == "9";
    row.customer_name = text("customerName");
    row.customer_city = text("customerCity");
    return ok_;
  }

 private:
  void fail(std::string_view element, std::string message) {
    ok_ = false;
    errors_.push_back(RowError{name_, line_of(bytes_, node_), 0, std::string(element), std::move(message)});
  }
  std::string text(std::string_view element) {
    pugi::xml_node c = child(node_, element);
    return c ? std::string(c.child_value()) : std::string();
  }
  std::string required(std::string_view element) {
    std::string t = text(element);
    if (t.empty()) fail(element, "missing");
    return t;
  }
  std::optional<core::Date> date(std::string_view element, bool needed) {
    const std::string t = needed ? required(element) : text(element);
    if (t.empty()) return std::nullopt;
    auto d = core::parse_date(t);
    if (!d) {
      fail(element, "\"" + t + "\" is not a date YYYY-MM-DD");
      return std::nullopt;
    }
    return *d;
  }
  void account(std::string_view element, bool needed, std::uint64_t& out, int& digits) {
    const std::string t = needed ? required(element) : text(element);
    if (t.empty()) return;
    auto a = parse_account(t);
    if (!a) {
      fail(element, a.error().message);
      return;
    }
    out = *a;
    digits = static_cast<int>(t.size());
  }

  std::string_view bytes_;
  const std::string& name_;
  std::vector<RowError>& errors_;
  pugi::xml_node node_;
  core::Currency currency_;
  bool ok_ = true;
};

}  // namespace

bool looks_like_xml(std::string_view head) {
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && head[first] == '<';
}

core::Result<RowCounts> read_ledger_xml(std::string_view bytes, const std::string& name,
                                        const std::function<void(const LedgerRow&)>& on_row,
                                        const std::function<void(RowError)>& on_rejected) {
  pugi::xml_document doc;
  if (auto p = parse(doc, bytes, name); !p) return p.error();
  const pugi::xml_node root = doc.document_element();
  if (local_name(root.name()) != "LedgerImport")
    return core::invalid_input("the root element is <" + std::string(root.name()) + ">, not <LedgerImport>",
                               name);
  if (namespace_of(root) != kLedgerNamespace)
    return core::invalid_input(
        "namespace \"" + std::string(namespace_of(root)) + "\" is not " + std::string(kLedgerNamespace),
        name);
  RowCounts counts;
  std::vector<RowError> errors;
  RowParser parser(bytes, name, errors);
  LedgerRow row;
  for (pugi::xml_node consolidate : root.children()) {
    if (consolidate.type() != pugi::node_element || local_name(consolidate.name()) != "consolidate") continue;
    core::Currency currency;
    if (const char* code = consolidate.attribute("consolidatedCurrencyCode").as_string(); *code != '\0') {
      if (auto c = core::Currency::from_code(code)) currency = *c;
    }
    for (pugi::xml_node node : consolidate.children()) {
      if (node.type() != pugi::node_element || local_name(node.name()) != "accountsReceivableLedger")
        continue;
      errors.clear();
      if (parser.parse(node, currency, row)) {
        ++counts.accepted;
        on_row(row);
      } else {
        ++counts.rejected;
        for (auto& e : errors) on_rejected(std::move(e));
      }
    }
  }
  return counts;
}

core::Result<std::vector<std::string>> read_document_xml(std::string_view bytes, const std::string& name) {
  pugi::xml_document doc;
  if (auto p = parse(doc, bytes, name); !p) return p.error();
  const pugi::xml_node root = doc.document_element();
  if (local_name(root.name()) != "archive" || namespace_of(root) != kDocumentNamespace)
    return core::invalid_input(
        "not a DATEV document archive (<archive> in " + std::string(kDocumentNamespace) + ")", name);
  std::vector<std::string> files;
  for (pugi::xml_node document : child(root, "content").children()) {
    if (document.type() != pugi::node_element || local_name(document.name()) != "document") continue;
    for (pugi::xml_node ext : document.children()) {
      if (ext.type() != pugi::node_element || local_name(ext.name()) != "extension") continue;
      if (local_name(ext.attribute("xsi:type").as_string()) != "accountsReceivableLedger") continue;
      if (const char* file = ext.attribute("datafile").as_string(); *file != '\0') files.emplace_back(file);
    }
  }
  return files;
}

Booking booking_of(const LedgerRow& row) {
  Booking b;
  b.line = row.line;
  b.amount_cents = row.amount.is_negative() ? -row.amount.minor() : row.amount.minor();
  b.soll = !row.amount.is_negative();
  b.currency = row.amount.currency();
  b.konto = row.bp_account;
  b.konto_digits = row.bp_account_digits;
  b.gegenkonto = row.account;
  b.gegenkonto_digits = row.account_digits;
  b.belegdatum = row.date;
  b.belegfeld1 = row.invoice_id;
  b.faelligkeit = row.due_date;
  b.postensperre = row.dunning_block;
  return b;
}

}  // namespace mahnwerk::datev

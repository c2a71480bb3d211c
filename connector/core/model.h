// The canonical model (DESIGN.md §4): debtors, open items, payments and the notice history of
// one Mandant. Adapters produce it; the claim engine and the dunning core read it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/interest.h"
#include "connector/core/money.h"

namespace mahnwerk::core {

struct Address {
  std::string street;
  std::string zip;
  std::string city;
  std::string country;  // ISO 3166-1 alpha-2, "DE"
};

struct Debtor {
  std::string id;
  std::string name;
  DebtorKind kind = DebtorKind::kBusiness;
  std::string email;
  std::string language = "de";  // "de" | "en"
  Address address;
  std::optional<Date> block_until;
  std::string block_reason;
  bool insolvent = false;
};

struct OpenItem {
  std::string id;      // the source system's id
  std::string number;  // invoice number
  std::string debtor;  // Debtor::id
  Date invoice_date;
  std::optional<Date> due_date;
  // True when the due date was agreed by contract (§ 286 II Nr. 1); a date printed only on the
  // invoice is unilateral and does not put the debtor in default by itself (BGH III ZR 91/07).
  bool due_date_agreed = false;
  std::optional<Date> received_date;  // receipt of the invoice; absent: policy assumption
  std::optional<Date> contract_date;  // decides 8 or 9 points for old B2B contracts
  Money amount;                       // gross
  Money open_amount;                  // gross, as the books show it
  bool consumer_notice = false;       // the invoice carried the § 286 III hint
  bool disputed = false;
  std::optional<Date> block_until;
  std::string source_version;

  Currency currency() const { return amount.currency(); }
};

struct Payment {
  std::string item;    // the item it pays (Tilgungsbestimmung), or empty
  std::string debtor;  // the debtor, for payments not applied to an item
  Date date;
  Money amount;
  std::string reference;
};

// A dunning notice sent earlier (history): which item, at which level, when.
struct NoticeRecord {
  std::string item;
  int level = 0;  // 0 = Zahlungserinnerung, 1 = 1. Mahnung, ...
  Date date;      // sent
  std::optional<Date> received_date;  // receipt; absent: sent + receipt assumption
};

struct State {
  std::vector<Debtor> debtors;
  std::vector<OpenItem> items;
  std::vector<Payment> payments;
  std::vector<NoticeRecord> notices;
};

}  // namespace mahnwerk::core

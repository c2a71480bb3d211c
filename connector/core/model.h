// The canonical model (DESIGN.md §4): debtors, open items, payments and the notice history of
// one Mandant. Adapters produce it; the claim engine and the dunning core read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  // A default interest rate agreed with this debtor, p.a. in basis points (§ 288 III BGB: a
  // higher rate on another legal ground). The claim engine uses it for every period in which it
  // is above the statutory rate; the statutory rate stays the minimum.
  std::optional<int> agreed_interest_bp;
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
  // No default interest is claimed on this item (DATEV Zinssperre, #19): the claim engine accrues
  // none and says so; Verzug, the € 40 flat fee and Mahngebühren are unaffected. (Declared here,
  // in the padding after due_date_agreed: the item stays at 192 bytes, a million of them 8 MB less.)
  bool interest_blocked = false;
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
  int level = 0;                      // 0 = Zahlungserinnerung, 1 = 1. Mahnung, ...
  Date date;                          // sent
  std::optional<Date> received_date;  // receipt; absent: sent + receipt assumption
};

// One byte: a ProposedCharge keeps its 96 bytes with the agreed-rate members (proposal.h).
enum class ChargeKind : std::uint8_t { kFee, kFlatFee, kInterest };
std::string_view to_string(ChargeKind kind);  // "fee" | "flat_fee" | "interest"

// A charge booked earlier (history): what was claimed on which item at which level.
struct ChargeRecord {
  std::string item;
  ChargeKind kind = ChargeKind::kFee;
  int level = 0;
  Money amount;
  Date date;
};

enum class PlanInterval { kMonthly, kBiweekly, kWeekly };
enum class PlanStatus { kActive, kCompleted, kDefaulted, kCancelled };
std::string_view to_string(PlanInterval interval);  // "monthly" | "biweekly" | "weekly"
std::string_view to_string(PlanStatus status);      // "active" | "completed" | "defaulted" | "cancelled"

struct Installment {
  Date due;  // after § 193
  Money amount;
  Money paid;  // allocated so far
};

// A Ratenzahlungsvereinbarung: the agreed total frozen at agreement and its installments.
struct PaymentPlan {
  std::string id;
  std::string debtor;
  std::vector<std::string> items;  // OpenItem ids covered
  Date agreed_on;
  Money principal;           // frozen at agreement
  Money costs;               // fees and flat fees owed at agreement
  Money interest;            // default interest accrued up to agreement
  int plan_interest_bp = 0;  // optional interest on the plan (p.a.)
  Money plan_interest;       // total plan interest over the term
  Money total;               // principal + costs + interest + plan_interest
  PlanInterval interval = PlanInterval::kMonthly;
  std::vector<Installment> installments;
  int default_after_missed = 2;  // consecutive installments in arrears (Verfallklausel)
  int grace_days = 7;
  std::optional<Date> final_notice_date;  // § 498: the two-week notice, once sent
  PlanStatus status = PlanStatus::kActive;
};

// The creditor (the Mandant) as letters show it.
struct Creditor {
  std::string name;
  Address address;
  std::string email;
  std::string phone;
  std::string iban;
  std::string bic;
  std::string bank;
  std::string vat_id;
};

struct State {
  Creditor creditor;
  std::vector<Debtor> debtors;
  std::vector<OpenItem> items;
  std::vector<Payment> payments;
  std::vector<NoticeRecord> notices;
  std::vector<ChargeRecord> charges;
  std::vector<PaymentPlan> plans;
};

}  // namespace mahnwerk::core

// Letters: the data a dunning notice or a payment-plan event puts into a template, the set of
// compiled templates (language x name x format), and rendering to HTML and plain text. Pure:
// the caller reads template files and writes letters; config/templates/README.md lists every
// variable letter_data() provides.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/model.h"
#include "connector/core/money.h"
#include "connector/core/policy.h"
#include "connector/core/proposal.h"
#include "connector/core/result.h"
#include "connector/core/template.h"

namespace mahnwerk::core {

// Positive and plan letters, each rendered with the template of the same name.
enum class LetterEventKind {
  kPartialPayment,       // thanks for a partial payment: amount, date, new balance
  kPlanAgreed,           // confirmation of an installment plan with its schedule
  kPlanCompleted,        // thanks: the last installment is paid
  kInstallmentReminder,  // friendly reminder of one installment not yet received
};
std::string_view to_string(LetterEventKind kind);  // "partial_payment" | "plan_agreed" | ...

// What happened, as a letter needs it. Callers (the plan engine, the payment matcher, tests)
// fill it without depending on each other.
struct LetterEvent {
  LetterEventKind kind = LetterEventKind::kPartialPayment;
  std::size_t debtor_index = 0;  // into State::debtors
  Date date;                     // the letter's date
  std::string reference;         // payment reference or plan id; part of the file stem
  Currency currency;
  std::vector<std::size_t> items;  // into State::items: the items concerned, listed with
                                   // their open amounts as the state shows them
  // partial_payment: the payment received; installment_reminder: the installment due;
  // plan_agreed / plan_completed: unused (the plan's figures are used).
  Money amount;
  // partial_payment / plan_completed: the payment's date; installment_reminder: the
  // installment's due date.
  std::optional<Date> amount_date;
  Money balance;                 // what is still open after the event
  std::optional<Date> deadline;  // pay the balance / the installment by this day
  // Required for plan_agreed, plan_completed and installment_reminder.
  std::optional<PaymentPlan> plan;
};

// Fills a plan event from a PaymentPlan of the state: debtor, items, currency, balance (total
// minus installments paid) and the plan itself. amount, amount_date and deadline are left for
// the caller. Errors: the plan's debtor or an item id not in `state` (invalid input).
Result<LetterEvent> plan_letter_event(const State& state, const PaymentPlan& plan, LetterEventKind kind,
                                      const Date& date);

// Everything needed to render one letter.
struct LetterData {
  std::string template_name;  // the level's template, or the event's kind
  std::string language;       // the debtor's: "de" | "en"
  std::string file_stem;      // deterministic and filesystem-safe (see below)
  TemplateValue values;       // the variables (config/templates/README.md)
};

// The data of a dunning notice from propose(). Dates and amounts are written in the debtor's
// language: German "31.12.2025" and "1.234,56"; English "31 December 2025" and "1,234.56"
// (day-month-year spelled out: unambiguous on both sides of the Atlantic). ISO dates are
// available as *_iso. The file stem is "<as_of>_<debtor id>_L<level>_<template>" and, for a
// currency other than EUR, "_<currency>": "2025-06-30_10001_L1_mahnung".
// The § 286 III hint (consumer_hint) is set for a consumer at the first level only: later
// levels follow a notice that already put the debtor in default (§ 286 I).
// Errors: indexes outside `state`, a level outside `policy` or amounts in another currency
// (internal: the notice was not proposed for these inputs); a debtor language other than de /
// en, a creditor without name or IBAN (invalid input).
Result<LetterData> letter_data(const Notice& notice, const State& state, const Policy& policy,
                               const Date& as_of);

// The data of a plan or payment event. The file stem is "<date>_<debtor id>_<kind>" and, with a
// reference, "_<reference>": "2025-07-15_10001_partial_payment_UEB-4711".
// Errors: as above; a plan kind without `plan` (invalid input).
Result<LetterData> letter_data(const LetterEvent& event, const State& state);

enum class LetterFormat { kHtml, kText };
std::string_view extension(LetterFormat format);  // "html" | "txt"

// Compiled templates keyed by language, name and format. Compile once, render many.
class TemplateSet {
 public:
  // Compiles and stores (replacing) "<language>/<name>.<ext>". A parse error is bad
  // configuration with context "<language>/<name>.<ext>, line L, column C".
  Status add(std::string_view language, std::string_view name, LetterFormat format, std::string_view text);
  // nullptr when absent.
  const Template* find(std::string_view language, std::string_view name, LetterFormat format) const;
  std::size_t size() const { return templates_.size(); }
  // "de/mahnung.html", ... in order.
  std::vector<std::string> keys() const;

 private:
  std::map<std::string, Template, std::less<>> templates_;
};

struct Letter {
  std::string file_stem;
  std::string html;
  std::string text;
};

// Renders `<language>/<template_name>` as HTML (escaped) and text; the file stem is taken from
// the data's `letter.file_stem`. A letter with a blank where a figure belongs must not go out,
// so a missing template (either format) and any name the data lacks are bad configuration,
// naming the template and the names.
Result<Letter> render_letter(const TemplateSet& templates, std::string_view template_name,
                             std::string_view language, const TemplateValue& data);
Result<Letter> render_letter(const TemplateSet& templates, const LetterData& data);

// A file-name component: [A-Za-z0-9._-] kept, other characters replaced by '-'; when anything
// was replaced or the text is longer than 40 bytes, a hash of the original is appended so that
// distinct ids never share a name. Empty text becomes "none".
std::string file_name_component(std::string_view text);

}  // namespace mahnwerk::core

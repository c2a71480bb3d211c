// The simulators' database: contacts, invoices and payments of one lexoffice or sevDesk
// account, loaded from a JSON data file (docs/simulators.md) or made up by the generator.
// Amounts are integer cents; dates are kept as the API spells them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mahnwerk::sim {

enum class System { kLexoffice, kSevdesk };
std::string_view to_string(System system);   // "lexoffice" | "sevdesk"
System parse_system(std::string_view text);  // throws std::invalid_argument

struct Contact {
  std::string id;
  bool company = true;  // false: a private person
  std::string name;     // company name
  std::string salutation, first_name, last_name;
  std::int64_t number = 0;  // customer number
  std::string email, street, zip, city, country = "DE";
  std::string created, updated;  // sevDesk only (lexoffice contacts carry no dates)
  int version = 1;
};

struct Invoice {
  std::string id;
  std::string number;
  std::string type;        // lexoffice voucherType ("invoice"); sevDesk invoiceType ("RE", "MA")
  std::string status;      // lexoffice draft|open|paid|paidoff|voided; sevDesk 100|200|750|1000
  std::string contact_id;  // empty: lexoffice's collective contact (contactId null)
  std::string contact_name;
  std::string voucher_date, due_date, created, updated;  // API date strings (due: lexoffice only)
  int time_to_pay = 14;                                  // sevDesk: days from invoiceDate
  std::int64_t total_cents = 0;
  std::int64_t open_cents = 0;      // lexoffice openAmount; sevDesk sumGross - paidAmount
  bool amounts_as_strings = false;  // lexoffice: "74.80" instead of 74.8
  int version = 1;
  std::string tax_type = "net";
  bool archived = false;
  int dunning_level = 0;                   // sevDesk
  std::int64_t reminder_charge_cents = 0;  // sevDesk reminder (MA)
  std::string origin_id;                   // sevDesk reminder: the invoice it reminds of
  std::string note;                        // sevDesk customerInternalNote
  std::vector<std::string> related;        // lexoffice: ids of dunnings made from it
};

struct Payment {
  std::string invoice_id;
  std::string type = "manualPayment";  // lexoffice paymentItemType
  std::string date;                    // API date string
  std::int64_t amount_cents = 0;
};

struct Data {
  System system = System::kLexoffice;
  std::string api_key;
  std::string organization_id;
  std::string today;  // yyyy-MM-dd: the day "overdue" is computed against; empty: the system date
  std::vector<Contact> contacts;
  std::vector<Invoice> invoices;
  std::vector<Payment> payments;
};

// Throws std::runtime_error naming the field on a malformed data file.
Data load_data(std::string_view json);
Data load_data_file(const std::string& path);
std::string to_json(const Data& data);

struct GenerateOptions {
  System system = System::kLexoffice;
  int invoices = 1000;
  int contacts = 0;  // 0: invoices / 5 (at least 1)
  std::uint64_t seed = 1;
  std::string today = "2026-11-02";
};
Data generate(const GenerateOptions& options);

// Helpers shared with the server.
std::int64_t parse_cents(std::string_view decimal);  // "74.8", "-3", "1337.00"; throws on junk
std::string format_decimal(std::int64_t cents, bool min_one_fraction_digit);  // 7480 -> "74.8"
std::string format_cents(std::int64_t cents);                                 // 7480 -> "74.80"
// Milliseconds since the epoch of "2023-05-14T16:52:21.000+02:00" (ms and offset optional,
// "Z" allowed); INT64_MIN when it is not such a date.
std::int64_t parse_instant_ms(std::string_view text);
// Europe/Berlin local time of `epoch_ms`: "yyyy-MM-ddTHH:mm:ss.SSS+01:00" (with_ms) or without ms.
std::string format_berlin(std::int64_t epoch_ms, bool with_ms);
std::int64_t days_from_civil(int y, int m, int d);
// "2026-11-02" -> days since 1970-01-01; INT64_MIN on junk.
std::int64_t parse_day(std::string_view text);

}  // namespace mahnwerk::sim

// Writes an office for the sync benchmark (tests/bench/sync_bench.sh): TENANTS tenants on the
// jsonfile folder adapter, each with an inbox of ITEMS items (a tenth with a partial payment)
// and ITEMS / 10 debtors from the deterministic state generator, approval auto under the shipped
// standard policy. Usage: generate_office OUT_DIR TENANTS ITEMS POLICY_FILE
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/bench/state_generator.h"

namespace {

using mahnwerk::core::format_date;

// The canonical JSON arrays of the inbox (DESIGN.md §4), written directly: the generator must
// not depend on the code it measures.
void write_debtors(const std::string& path, const mahnwerk::core::State& s) {
  std::ofstream out(path);
  out << "[\n";
  for (std::size_t i = 0; i < s.debtors.size(); ++i) {
    const auto& d = s.debtors[i];
    out << R"({"id":")" << d.id << R"(","name":")" << d.name << R"(","kind":")"
        << (d.kind == mahnwerk::core::DebtorKind::kConsumer ? "consumer" : "business")
        << R"(","address":{"street":"Hauptstraße )" << i + 1
        << R"(","zip":"10115","city":"Berlin","country":"DE"}})" << (i + 1 < s.debtors.size() ? ",\n" : "\n");
  }
  out << "]\n";
}

void write_items(const std::string& path, const mahnwerk::core::State& s) {
  std::ofstream out(path);
  out << "[\n";
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    const auto& it = s.items[i];
    out << R"({"id":")" << it.id << R"(","number":")" << it.number << R"(","debtor":")" << it.debtor
        << R"(","invoice_date":")" << format_date(it.invoice_date) << R"(","due_date":")"
        << format_date(*it.due_date) << R"(","due_date_agreed":)" << (it.due_date_agreed ? "true" : "false")
        << R"(,"amount":")" << it.amount.to_string() << R"(","open_amount":")" << it.open_amount.to_string()
        << R"(","currency":"EUR","consumer_notice":)" << (it.consumer_notice ? "true" : "false") << "}"
        << (i + 1 < s.items.size() ? ",\n" : "\n");
  }
  out << "]\n";
}

void write_payments(const std::string& path, const mahnwerk::core::State& s) {
  std::ofstream out(path);
  out << "[\n";
  for (std::size_t i = 0; i < s.payments.size(); ++i) {
    const auto& p = s.payments[i];
    out << R"({"item":")" << p.item << R"(","date":")" << format_date(p.date) << R"(","amount":")"
        << p.amount.to_string() << R"(","currency":"EUR","reference":")" << p.reference << "\"}"
        << (i + 1 < s.payments.size() ? ",\n" : "\n");
  }
  out << "]\n";
}

void write_tenant(const std::string& path, int t, const std::string& policy) {
  const std::string id = "t" + std::to_string(t);
  std::ofstream out(path);
  out << "{\n"
      << R"(  "id": ")" << id << R"(", "name": "Mandant )" << t << "\",\n"
      << R"(  "creditor": {"name": "Mandant )" << t
      << R"( GmbH", "address": {"street": "Am Markt 1", "zip": "04109", "city": "Leipzig", "country": "DE"},)"
      << R"( "email": "buchhaltung@)" << id << R"(.example", "iban": "DE02120300000000202051"},)"
      << "\n"
      << R"(  "adapter": "jsonfile", "settings": {"inbox": ")" << id << R"(/inbox", "outbox": ")" << id
      << R"(/outbox"},)"
      << "\n"
      << R"(  "policy": ")" << policy << R"(", "schedule": "daily 06:00", "approval": "auto",)"
      << "\n"
      << R"(  "accounts": {"fee_revenue": "2700", "interest_revenue": "2650"})"
      << "\n}\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: generate_office OUT_DIR TENANTS ITEMS POLICY_FILE\n";
    return 64;
  }
  const std::string dir = argv[1];
  const int tenants = std::atoi(argv[2]);
  const int items = std::atoi(argv[3]);
  const std::string policy = std::filesystem::absolute(argv[4]).string();
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/tenants.d");
  const auto state = mahnwerk::bench::make_state(items, std::max(1, items / 10), true);
  for (int t = 0; t < tenants; ++t) {
    const std::string inbox = dir + "/t" + std::to_string(t) + "/inbox";
    fs::create_directories(inbox);
    write_debtors(inbox + "/debtors.json", state);
    write_items(inbox + "/items.json", state);
    write_payments(inbox + "/payments.json", state);
    char name[32];
    std::snprintf(name, sizeof name, "/tenants.d/t%05d.json", t);
    write_tenant(dir + name, t, policy);
  }
  std::ofstream(dir + "/office.json") << "{\"tenants_dir\": \"tenants.d\"}\n";
  std::cout << tenants << " tenants x " << items << " items in " << dir << "\n";
  return 0;
}

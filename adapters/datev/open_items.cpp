// Netting bookings into open items. Signs are taken relative to the Personenkonto: Soll on the
// debitor raises the receivable, Haben lowers it; when the debitor is the Gegenkonto the sides
// swap. A reversal (Generalumkehr) is booked on the opposite side in DATEV's files, so its sign
// is already right; it only tells that a Haben reverses an invoice (less gross amount) rather
// than paying it, and that a Soll reverses a payment.
#include "adapters/datev/open_items.h"

#include <algorithm>
#include <functional>

namespace mahnwerk::datev {

using core::Date;
using core::Money;

bool is_debitor_account(std::uint64_t account, int sachkontenlaenge) {
  std::uint64_t low = 1;
  for (int i = 0; i < sachkontenlaenge; ++i) low *= 10;  // 10^SKL: first Personenkonto
  return account >= low && account < 7 * low;
}

std::uint64_t OpenItemDeriver::hash_of(std::uint64_t account, std::string_view number) {
  std::uint64_t h = std::hash<std::string_view>{}(number) ^ (account * 0x9E3779B97F4A7C15ULL);
  h ^= h >> 29;  // mix the account's bits into the low bits the index uses
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 32);
}

void OpenItemDeriver::grow() {
  const std::size_t size = slots_.empty() ? 1024 : slots_.size() * 2;
  slots_.assign(size, Slot{});
  const std::size_t mask = size - 1;
  for (std::uint32_t e = 0; e < entries_.size(); ++e) {
    if (!entries_[e].live) continue;
    std::size_t i = entries_[e].hash & mask;
    while (slots_[i].entry != kNoEntry) i = (i + 1) & mask;
    slots_[i] = Slot{e, static_cast<std::uint32_t>(entries_[e].hash >> 32)};
  }
}

OpenItemDeriver::Entry& OpenItemDeriver::find_or_add(std::uint64_t account, std::string_view number,
                                                     core::Currency currency) {
  if ((live_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t h = hash_of(account, number);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  for (; slots_[i].entry != kNoEntry; i = (i + 1) & mask) {
    if (slots_[i].tag != tag) continue;
    Entry& e = entries_[slots_[i].entry];
    if (e.key.account == account && e.key.number == number) return e;
  }
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[index];
  e.key.account = account;
  e.key.number.assign(number.data(), number.size());
  std::vector<PaymentEntry> payments = std::move(e.acc.payments);
  payments.clear();
  e.acc = Acc{};
  e.acc.payments = std::move(payments);  // keeps its capacity
  e.acc.currency = currency;
  e.hash = h;
  e.live = true;
  slots_[i] = Slot{index, tag};
  ++live_;
  return e;
}

void OpenItemDeriver::remove(Entry& entry) {
  const std::size_t mask = slots_.size() - 1;
  const auto index = static_cast<std::uint32_t>(&entry - entries_.data());
  std::size_t i = entry.hash & mask;
  while (slots_[i].entry != index) i = (i + 1) & mask;
  // Backward-shift deletion: move later members of the probe run into the hole.
  for (std::size_t j = (i + 1) & mask; slots_[j].entry != kNoEntry; j = (j + 1) & mask) {
    const std::size_t home = entries_[slots_[j].entry].hash & mask;
    // slots_[j] may move to i when its home is not in (i, j] (cyclically).
    if (((j - home) & mask) >= ((j - i) & mask)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  entry.live = false;
  free_.push_back(index);
  --live_;
}

// Geldkonten (Kasse, Bank, Geldtransit) of the standard charts, on the four-digit base: SKR03
// class 1 money accounts 1000-1399, SKR04 1460 (Geldtransit) and 1600-1899. Without a chart,
// every contra account counts as money for credits (a credit is then a payment at its date), but
// a debit is then always a charge (never taken for a returned payment).
bool OpenItemDeriver::is_money_account(std::uint64_t account, int digits) const {
  if (skr_ != "03" && skr_ != "04") return true;
  if (digits > sachkontenlaenge_) return false;  // a Personenkonto
  std::uint64_t base = account;
  for (int i = 4; i < sachkontenlaenge_; ++i) base /= 10;
  if (skr_ == "03") return base >= 1000 && base <= 1399;
  return base == 1460 || (base >= 1600 && base <= 1899);
}

core::Status OpenItemDeriver::add(const Booking& b) {
  const bool konto_debitor =
      b.konto_digits == sachkontenlaenge_ + 1 && is_debitor_account(b.konto, sachkontenlaenge_);
  const bool gegen_debitor =
      b.gegenkonto_digits == sachkontenlaenge_ + 1 && is_debitor_account(b.gegenkonto, sachkontenlaenge_);
  if (!konto_debitor && !gegen_debitor) {
    ++counts_.other_bookings;
    return core::Ok{};
  }
  ++counts_.bookings;
  if (b.sachverhalt == kSachverhaltMahngebuehr || b.sachverhalt == kSachverhaltMahnzins)
    ++counts_.dunning_postings;
  if (konto_debitor) {
    if (auto st = post(b.konto, b.soll, b, is_money_account(b.gegenkonto, b.gegenkonto_digits)); !st)
      return st;
  }
  if (gegen_debitor) {
    if (auto st = post(b.gegenkonto, !b.soll, b, is_money_account(b.konto, b.konto_digits)); !st) return st;
  }
  return core::Ok{};
}

core::Status OpenItemDeriver::post(std::uint64_t account, bool debit, const Booking& b,
                                   bool contra_is_money) {
  Entry& entry = find_or_add(account, b.belegfeld1, b.currency);
  if (!(entry.acc.currency == b.currency)) {
    return core::invalid_input("currency " + std::string(b.currency.code()) + " differs from the item's " +
                               std::string(entry.acc.currency.code()));
  }
  Acc& a = entry.acc;
  const int day = core::day_number(b.belegdatum);
  if (a.any_day == 0) a.any_day = day;
  a.last_day = std::max(a.last_day, day);
  const bool dunning = b.sachverhalt == kSachverhaltMahngebuehr || b.sachverhalt == kSachverhaltMahnzins;
  if (debit) {
    a.balance += b.amount_cents;
    if (dunning) {
      a.dunning += b.amount_cents;
    } else if (b.generalumkehr || (contra_is_money && has_chart())) {
      // A reversed payment or a returned direct debit: the last payments no longer count.
      std::int64_t left = b.amount_cents;
      while (left > 0 && !a.payments.empty()) {
        PaymentEntry& p = a.payments.back();
        const std::int64_t take = std::min(left, p.cents);
        p.cents -= take;
        left -= take;
        if (p.cents == 0) a.payments.pop_back();
      }
      if (left > 0 && !b.generalumkehr) a.invoiced += left;  // more than was paid: a charge
    } else {
      a.invoiced += b.amount_cents;
      if (a.first_day == 0 || day < a.first_day) a.first_day = day;
      if (b.faelligkeit && a.faelligkeit == 0) a.faelligkeit = core::day_number(*b.faelligkeit);
      if (a.belegfeld2_due == 0 && b.belegfeld2.size() == 6) {
        if (auto d = parse_ddmmyy(b.belegfeld2)) a.belegfeld2_due = core::day_number(*d);
      }
    }
  } else {
    const std::int64_t credit = b.amount_cents + b.skonto_cents;
    a.balance -= credit;
    if (b.generalumkehr) {
      if (dunning) {
        a.dunning -= b.amount_cents;
      } else {
        a.invoiced -= b.amount_cents;  // the invoice is reversed, not paid
      }
    } else if (contra_is_money || b.skonto_cents > 0) {
      // A payment; its Skonto part is a reduction of the claim, not money received.
      a.payments.push_back({day, b.amount_cents});
    }
    // Otherwise a credit note (revenue account): it reduces the claim from the start.
  }
  a.postensperre = a.postensperre || b.postensperre;
  a.zinssperre = a.zinssperre || b.zinssperre;
  if (b.postensperre_bis)
    a.postensperre_bis = std::max(a.postensperre_bis, core::day_number(*b.postensperre_bis));
  if (a.balance == 0) {
    remove(entry);  // cleared: DATEV's OPOS shows it as ausgeglichen
    ++counts_.closed;
  }
  return core::Ok{};
}

OpenItemDeriver::Result OpenItemDeriver::finish(const std::unordered_map<std::string, int>& terms) const {
  Result out;
  std::vector<const Entry*> order;
  order.reserve(live_);
  for (const Entry& entry : entries_) {
    if (entry.live) order.push_back(&entry);
  }
  std::sort(order.begin(), order.end(), [](const Entry* x, const Entry* y) {
    return x->key.account != y->key.account ? x->key.account < y->key.account : x->key.number < y->key.number;
  });
  for (const Entry* entry : order) {
    const Key& k = entry->key;
    const Acc& a = entry->acc;
    const std::string debtor = std::to_string(k.account);
    if (a.balance < 0) {
      // A credit balance: money the debtor has in hand, for the claim engine to allocate.
      core::Payment p;
      p.debtor = debtor;
      p.date = core::from_day_number(a.last_day);
      p.amount = Money(-a.balance, a.currency);
      p.reference = k.number;
      out.payments.push_back(std::move(p));
      continue;
    }
    DerivedItem d;
    core::OpenItem& item = d.item;
    item.id = debtor + "/" + k.number;
    item.number = k.number;
    item.debtor = debtor;
    item.invoice_date = core::from_day_number(a.first_day != 0 ? a.first_day : a.any_day);
    // Payments go to costs first (§ 367 BGB): what was credited on the item pays the posted fees
    // and interest before the principal; the principal still open is the balance less the rest.
    const std::int64_t credited = a.invoiced + a.dunning - a.balance;
    const std::int64_t dunning_open = std::clamp<std::int64_t>(a.dunning - credited, 0, a.balance);
    const std::int64_t principal_open = a.balance - dunning_open;
    const bool dunning_only = a.invoiced <= 0 && a.dunning > 0;
    item.amount = Money(dunning_only ? a.balance : std::max(a.invoiced, principal_open), a.currency);
    item.open_amount = Money(dunning_only ? a.balance : principal_open, a.currency);
    if (a.faelligkeit != 0) {
      item.due_date = core::from_day_number(a.faelligkeit);
    } else if (a.belegfeld2_due != 0) {
      item.due_date = core::from_day_number(a.belegfeld2_due);
    } else if (auto t = terms.find(debtor); t != terms.end() && t->second > 0) {
      item.due_date = core::add_days(item.invoice_date, t->second);
    }
    d.locks.postensperre = a.postensperre;
    d.locks.zinssperre = a.zinssperre;
    item.interest_blocked = a.zinssperre;  // the claim engine charges no interest on it
    if (a.postensperre_bis != 0) {
      d.locks.postensperre_bis = core::from_day_number(a.postensperre_bis);
      item.block_until = d.locks.postensperre_bis;
    } else if (a.postensperre) {
      item.disputed = true;  // a lock without end: dunning stops until it is lifted
    }
    if (dunning_only) {
      out.dunning_items.push_back(std::move(d));
      continue;
    }
    if (principal_open == 0) continue;
    for (const PaymentEntry& p : a.payments) {
      core::Payment pay;
      pay.item = item.id;
      pay.debtor = debtor;
      pay.date = core::from_day_number(p.day);
      pay.amount = Money(p.cents, a.currency);
      pay.reference = k.number;
      out.payments.push_back(std::move(pay));
    }
    out.items.push_back(std::move(d));
  }
  return out;
}

}  // namespace mahnwerk::datev

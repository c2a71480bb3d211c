// IdIndex: an open-addressing hash index from string ids (owned by the caller, e.g. the ids of
// State::items) to their positions. Built once per computation; a flat table of 16-byte slots
// that hold the id's first eight bytes, so ids of up to eight bytes are matched without
// touching the strings, and batch operations prefetch their slots: a million ids cost no
// allocation per id and about one cache miss per lookup.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace mahnwerk::core {

class IdIndex {
 public:
  // A hashed id: compute once, prefetch(), then find() or insert().
  struct Key {
    std::string_view id;
    std::uint64_t hash = 0;
    std::uint64_t prefix = 0;  // the first eight bytes, zero-padded
    std::uint32_t tag = 0;     // upper hash bits, bit 8 set, low byte min(size, 255); never 0
  };

  static Key key(std::string_view id) {
    Key k;
    k.id = id;
    k.hash = hash(id);
    std::memcpy(&k.prefix, id.data(), id.size() < 8 ? id.size() : 8);
    const auto size_byte = static_cast<std::uint32_t>(id.size() < 255 ? id.size() : 255);
    k.tag = (static_cast<std::uint32_t>(k.hash >> 32) & 0xFFFFFE00u) | 0x100u | size_byte;
    return k;
  }

  // Sized for `expected` ids at a load factor of at most 1/2.
  explicit IdIndex(std::size_t expected = 0) { reset(expected); }

  void reset(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < 2 * expected) capacity *= 2;
    slots_.assign(capacity, Slot{});
    keys_.clear();
    keys_.reserve(expected);
    mask_ = capacity - 1;
  }

  // Adds `id` -> size(). Returns false (and adds nothing) when the id is already there.
  // The string must outlive the index.
  bool insert(std::string_view id) { return insert(key(id)).second; }
  // The same for a hashed id: {position of the id, whether it was added}.
  std::pair<std::uint32_t, bool> insert(const Key& k) {
    if (2 * (keys_.size() + 1) > slots_.size()) grow();
    const auto position = static_cast<std::uint32_t>(keys_.size());
    const std::uint32_t found = place(k, position);
    if (found != position) return {found, false};
    keys_.push_back(k.id);
    return {position, true};
  }

  std::optional<std::uint32_t> find(std::string_view id) const { return find(key(id)); }
  std::optional<std::uint32_t> find(const Key& k) const {
    for (std::size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return std::nullopt;
      if (matches(s, k)) return s.position;
    }
  }

  // Brings the slot a lookup of `k` starts at into the cache (a hint; no effect on results).
  void prefetch(const Key& k) const { __builtin_prefetch(&slots_[k.hash & mask_]); }

  std::size_t size() const { return keys_.size(); }

 private:
  struct Slot {
    std::uint32_t tag = 0;  // Key::tag; 0: empty
    std::uint32_t position = 0;
    std::uint64_t prefix = 0;
  };

  // Equal tags and prefixes decide ids of up to eight bytes: the tag holds the exact size.
  bool matches(const Slot& s, const Key& k) const {
    return s.tag == k.tag && s.prefix == k.prefix && (k.id.size() <= 8 || keys_[s.position] == k.id);
  }

  static std::uint64_t hash(std::string_view s) {
    // 8 bytes at a time, multiply-xorshift mixing (wyhash-like); ids are short.
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s.data() + i, 8);
      h = (h ^ chunk) * 0xBF58476D1CE4E5B9ULL;
      h ^= h >> 31;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * 0x94D049BB133111EBULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
  }

  // Puts `k` at `position` unless it is there already; returns the position it has.
  std::uint32_t place(const Key& k, std::uint32_t position) {
    for (std::size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.tag == 0) {
        s = Slot{k.tag, position, k.prefix};
        return position;
      }
      if (s.position < keys_.size() && matches(s, k)) return s.position;
    }
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (std::uint32_t p = 0; p < keys_.size(); ++p) place(key(keys_[p]), p);
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
  std::size_t mask_ = 0;
};

// Hashes the ids of records 0, 1, 2, ... kAhead records ahead of the one taken and prefetches
// their slots, so the cache misses of consecutive lookups overlap instead of queueing.
// id_of(r) returns a pointer to record r's id (anything a string_view can be made from), or
// null for a record without one.
template <typename IdOf>
class KeyStream {
 public:
  static constexpr std::size_t kAhead = 16;

  struct Pending {
    IdIndex::Key key;
    bool none = false;  // the record has no id
  };

  KeyStream(const IdIndex& index, std::size_t count, IdOf id_of)
      : index_(index), count_(count), id_of_(id_of) {
    for (std::size_t r = 0; r < kAhead && r < count; ++r) load(r);
  }

  // REQUIRES: r is 0 on the first call and one more on each next call. The reference stays
  // valid until the next call.
  const Pending& take(std::size_t r) {
    if (r + kAhead < count_) load(r + kAhead);  // another slot than r's: the ring holds 2 * kAhead
    return ring_[r % kRing];
  }

 private:
  static constexpr std::size_t kRing = 2 * kAhead;

  void load(std::size_t r) {
    Pending& p = ring_[r % kRing];
    const auto* id = id_of_(r);
    p.none = id == nullptr;
    if (p.none) return;
    p.key = IdIndex::key(*id);
    index_.prefetch(p.key);
  }

  const IdIndex& index_;
  std::size_t count_;
  IdOf id_of_;
  Pending ring_[kRing];
};

// Resolves the ids that records name (a payment's item, a notice's item) against a list of
// records with ids, indexing only the names — typically far fewer than the records — and
// scanning the records once in order. Usage: add() every name, resolve() once, then target().
// Where several records share an id, the last one is the target.
class NameResolver {
 public:
  static constexpr std::uint32_t kUnresolved = 0xFFFFFFFFu;

  void reset(std::size_t expected_names) {
    names_.reset(expected_names);
    targets_.clear();
    last_name_ = {};
    last_slot_ = kUnresolved;
  }

  // Registers a name; returns its slot for target(). The string must outlive the resolver.
  std::uint32_t add(std::string_view name) {
    // Histories list an item's records together: a repeated name needs no hashing.
    if (last_slot_ != kUnresolved && name == last_name_) return last_slot_;
    last_name_ = name;
    last_slot_ = names_.insert(IdIndex::key(name)).first;
    return last_slot_;
  }

  // Registers *name_of(r) for r in [0, count) into slots[r]; a null name_of(r) (a record that
  // names nothing) gets kUnresolved. The same as add() one by one, with prefetching.
  template <typename NameOf>
  void add_all(std::size_t count, NameOf name_of, std::uint32_t* slots) {
    KeyStream stream(names_, count, name_of);
    for (std::size_t r = 0; r < count; ++r) {
      const auto& p = stream.take(r);
      if (p.none) {
        slots[r] = kUnresolved;
      } else if (last_slot_ != kUnresolved && p.key.id == last_name_) {
        slots[r] = last_slot_;
      } else {
        last_name_ = p.key.id;
        last_slot_ = names_.insert(p.key).first;
        slots[r] = last_slot_;
      }
    }
  }

  // Looks every record's id up once: *id_of(i) for i in [0, count) (id_of returns a pointer,
  // as for add_all).
  template <typename IdOf>
  void resolve(std::size_t count, IdOf id_of) {
    targets_.assign(names_.size(), kUnresolved);
    if (names_.size() == 0) return;
    KeyStream stream(names_, count, id_of);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& p = stream.take(i);
      if (p.none) continue;
      if (const auto slot = names_.find(p.key)) targets_[*slot] = static_cast<std::uint32_t>(i);
    }
  }

  // The record a slot names, or kUnresolved.
  std::uint32_t target(std::uint32_t slot) const { return targets_[slot]; }

 private:
  IdIndex names_;
  std::vector<std::uint32_t> targets_;
  std::string_view last_name_;
  std::uint32_t last_slot_ = kUnresolved;
};

}  // namespace mahnwerk::core

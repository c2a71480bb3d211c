// IdIndex: an open-addressing hash index from string ids (owned by the caller, e.g. the ids of
// State::items) to their positions. Built once per computation; a flat table of 8-byte slots,
// so a million ids cost no allocation per id and few cache misses per lookup.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace mahnwerk::core {

class IdIndex {
 public:
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

  // Adds `id` -> keys().size(). Returns false (and adds nothing) when the id is already there.
  // The string must outlive the index.
  bool insert(std::string_view id) {
    if (2 * (keys_.size() + 1) > slots_.size()) grow();
    const auto position = static_cast<std::uint32_t>(keys_.size());
    if (!place(id, hash(id), position)) return false;
    keys_.push_back(id);
    return true;
  }

  std::optional<std::uint32_t> find(std::string_view id) const {
    const std::uint64_t h = hash(id);
    const auto tag = static_cast<std::uint32_t>(h >> 32) | 1u;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return std::nullopt;
      if (s.tag == tag && keys_[s.position] == id) return s.position;
    }
  }

  std::size_t size() const { return keys_.size(); }

 private:
  struct Slot {
    std::uint32_t tag = 0;  // upper hash bits, never 0 for a used slot
    std::uint32_t position = 0;
  };

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

  bool place(std::string_view id, std::uint64_t h, std::uint32_t position) {
    const auto tag = static_cast<std::uint32_t>(h >> 32) | 1u;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.tag == 0) {
        s = Slot{tag, position};
        return true;
      }
      if (s.tag == tag && keys_.size() > s.position && keys_[s.position] == id) return false;
    }
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (std::uint32_t p = 0; p < keys_.size(); ++p) place(keys_[p], hash(keys_[p]), p);
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
  std::size_t mask_ = 0;
};

}  // namespace mahnwerk::core

namespace mahnwerk::core {

// Resolves the ids that records name (a payment's item, a notice's item) against a list of
// records with ids, indexing only the names — typically far fewer than the records — and
// scanning the records once in order. Usage: add() every name, resolve() once, then target().
class NameResolver {
 public:
  static constexpr std::uint32_t kUnresolved = 0xFFFFFFFFu;

  void reset(std::size_t expected_names) {
    names_.reset(expected_names);
    targets_.clear();
  }

  // Registers a name; returns its slot for target(). The string must outlive the resolver.
  std::uint32_t add(std::string_view name) {
    if (names_.insert(name)) return static_cast<std::uint32_t>(names_.size() - 1);
    return *names_.find(name);
  }

  // Looks every record's id up once: id_of(i) for i in [0, count).
  template <typename IdOf>
  void resolve(std::size_t count, IdOf id_of) {
    targets_.assign(names_.size(), kUnresolved);
    if (names_.size() == 0) return;
    for (std::size_t i = 0; i < count; ++i) {
      if (const auto slot = names_.find(id_of(i))) targets_[*slot] = static_cast<std::uint32_t>(i);
    }
  }

  // The record a slot names, or kUnresolved.
  std::uint32_t target(std::uint32_t slot) const { return targets_[slot]; }

 private:
  IdIndex names_;
  std::vector<std::uint32_t> targets_;
};

}  // namespace mahnwerk::core

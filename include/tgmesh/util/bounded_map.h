#pragma once
// A map that keeps at most `capacity` entries, forgetting the oldest first (insertion order; a
// replaced value keeps its place). For what the bridge remembers about its recent messages.
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <utility>

namespace tgmesh {

template <class K, class V>
class BoundedMap {
  public:
    explicit BoundedMap(size_t capacity) : capacity_(capacity) {}

    // Adds or replaces the value of `key`; returns the entry a new key pushed out, if any.
    std::optional<std::pair<K, V>> put(const K& key, V value) {
        auto [it, inserted] = entries_.insert_or_assign(key, std::move(value));
        if (!inserted) return std::nullopt;
        order_.push_back(key);
        if (order_.size() <= capacity_) return std::nullopt;
        auto oldest = entries_.find(order_.front());
        std::pair<K, V> evicted{oldest->first, std::move(oldest->second)};
        entries_.erase(oldest);
        order_.pop_front();
        return evicted;
    }
    V* find(const K& key) {
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }
    const V* find(const K& key) const {
        auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second;
    }
    size_t size() const { return entries_.size(); }
    void clear() {
        entries_.clear();
        order_.clear();
    }
    // f(key, value) for every entry, oldest first.
    template <class F>
    void for_each(F&& f) const {
        for (const K& key : order_)
            f(key, entries_.at(key));
    }

  private:
    size_t capacity_;
    std::map<K, V> entries_;
    std::deque<K> order_;  // oldest first
};

}  // namespace tgmesh

#pragma once
// RAII and typed accessors for cJSON. Numbers are read through valuedouble because valueint
// saturates at INT_MAX (Telegram chat ids are 52-bit).
#include <cjson/cJSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tgmesh::json {

struct Deleter {
    void operator()(cJSON* item) const { cJSON_Delete(item); }
};
using Ptr = std::unique_ptr<cJSON, Deleter>;

// Parses a buffer that need not be NUL-terminated; null on malformed input.
Ptr parse(std::string_view text);
std::string print(const cJSON* item);

const cJSON* member(const cJSON* object, const char* key);
std::optional<std::string> get_string(const cJSON* object, const char* key);
// The largest integer cJSON keeps exactly both ways. It parses numbers into a double and
// prints them with a round-trip check that tolerates one ulp, so a larger integer can be
// written off by one or two (as 4.5035996273705e+15): the state file and request bodies would
// carry another offset or chat id. Telegram ids fit in 52 bits. (Found by fuzz/fuzz_state.)
constexpr int64_t kMaxExactInt = (int64_t{1} << 52) - 1;

// Integral JSON number within [min, max]; nullopt for fractions, out-of-range, other types.
std::optional<int64_t> get_int(const cJSON* object, const char* key, int64_t min = -kMaxExactInt,
                               int64_t max = kMaxExactInt);
std::optional<double> get_number(const cJSON* object, const char* key);
// A number that fits a float (|v| <= FLT_MAX): a larger double would become infinity, shown as
// "SNR inf dB" and saved as null. (Found by fuzz/fuzz_state.)
std::optional<float> get_float(const cJSON* object, const char* key);
std::optional<bool> get_bool(const cJSON* object, const char* key);

Ptr make_object();
Ptr make_array();
// Adds members; returns the object so calls can be chained on one line.
cJSON* add_string(cJSON* object, const char* key, std::string_view value);
// Exact for |value| <= kMaxExactInt (see above).
cJSON* add_int(cJSON* object, const char* key, int64_t value);
cJSON* add_number(cJSON* object, const char* key, double value);
cJSON* add_bool(cJSON* object, const char* key, bool value);
// Takes ownership of child.
cJSON* add_item(cJSON* object, const char* key, Ptr child);
void append(cJSON* array, Ptr child);

}  // namespace tgmesh::json

#include "tgmesh/util/json.h"

#include <cmath>
#include <limits>

namespace tgmesh::json {

Ptr parse(std::string_view text) {
    if (text.empty()) return nullptr;
    const char* end = nullptr;
    return Ptr(cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, 0));
}

std::string print(const cJSON* item) {
    char* raw = cJSON_PrintUnformatted(item);
    if (raw == nullptr) return {};
    std::string out(raw);
    cJSON_free(raw);
    return out;
}

const cJSON* member(const cJSON* object, const char* key) {
    if (!cJSON_IsObject(object)) return nullptr;
    return cJSON_GetObjectItemCaseSensitive(object, key);
}

std::optional<std::string> get_string(const cJSON* object, const char* key) {
    const cJSON* item = member(object, key);
    if (!cJSON_IsString(item) || item->valuestring == nullptr) return std::nullopt;
    return std::string(item->valuestring);
}

std::optional<int64_t> get_int(const cJSON* object, const char* key, int64_t min, int64_t max) {
    const cJSON* item = member(object, key);
    if (!cJSON_IsNumber(item)) return std::nullopt;
    double v = item->valuedouble;
    if (!std::isfinite(v) || v != std::floor(v)) return std::nullopt;
    if (v < static_cast<double>(min) || v > static_cast<double>(max)) return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<double> get_number(const cJSON* object, const char* key) {
    const cJSON* item = member(object, key);
    if (!cJSON_IsNumber(item) || !std::isfinite(item->valuedouble)) return std::nullopt;
    return item->valuedouble;
}

std::optional<float> get_float(const cJSON* object, const char* key) {
    auto v = get_number(object, key);
    if (!v || std::fabs(*v) > static_cast<double>(std::numeric_limits<float>::max())) {
        return std::nullopt;
    }
    return static_cast<float>(*v);
}

std::optional<bool> get_bool(const cJSON* object, const char* key) {
    const cJSON* item = member(object, key);
    if (!cJSON_IsBool(item)) return std::nullopt;
    return cJSON_IsTrue(item) != 0;
}

Ptr make_object() {
    return Ptr(cJSON_CreateObject());
}
Ptr make_array() {
    return Ptr(cJSON_CreateArray());
}

cJSON* add_string(cJSON* object, const char* key, std::string_view value) {
    // cJSON copies with strlen, so build a NUL-terminated copy; embedded NULs end the string.
    cJSON_AddItemToObject(object, key, cJSON_CreateString(std::string(value).c_str()));
    return object;
}

cJSON* add_int(cJSON* object, const char* key, int64_t value) {
    cJSON_AddItemToObject(object, key, cJSON_CreateNumber(static_cast<double>(value)));
    return object;
}

cJSON* add_number(cJSON* object, const char* key, double value) {
    cJSON_AddItemToObject(object, key, cJSON_CreateNumber(value));
    return object;
}

cJSON* add_bool(cJSON* object, const char* key, bool value) {
    cJSON_AddItemToObject(object, key, cJSON_CreateBool(value ? 1 : 0));
    return object;
}

cJSON* add_item(cJSON* object, const char* key, Ptr child) {
    cJSON_AddItemToObject(object, key, child.release());
    return object;
}

void append(cJSON* array, Ptr child) {
    cJSON_AddItemToArray(array, child.release());
}

}  // namespace tgmesh::json

#pragma once
// Glue between protobuf-c structs and tgmesh's byte strings. Private to plugin/mesh.
#include <protobuf-c/protobuf-c.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meshtastic.pb-c.h"
#include "tgmesh/util/bytes.h"

namespace tgmesh::mesh::pb {

// Owns a message returned by protobuf_c_message_unpack.
struct MessageDeleter {
    void operator()(void* message) const {
        protobuf_c_message_free_unpacked(static_cast<ProtobufCMessage*>(message), nullptr);
    }
};
template <class T>
using Unpacked = std::unique_ptr<T, MessageDeleter>;

template <class T>
Unpacked<T> unpack(const ProtobufCMessageDescriptor& descriptor, BytesView bytes) {
    return Unpacked<T>(reinterpret_cast<T*>(
        protobuf_c_message_unpack(&descriptor, nullptr, bytes.size(), byte_ptr(bytes))));
}

inline Bytes pack(const ProtobufCMessage* message) {
    Bytes out(protobuf_c_message_get_packed_size(message), '\0');
    protobuf_c_message_pack(message, reinterpret_cast<uint8_t*>(out.data()));
    return out;
}

inline Bytes to_bytes(const ProtobufCBinaryData& data) {
    return Bytes(reinterpret_cast<const char*>(data.data), data.len);
}

// A view of bytes for packing; protobuf-c takes a non-const pointer but does not write.
inline ProtobufCBinaryData binary_view(BytesView bytes) {
    return ProtobufCBinaryData{
        bytes.size(), const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(bytes.data()))};
}

inline std::string to_string(const char* text) {
    return text ? std::string(text) : std::string();
}

template <class T>
std::optional<T> opt(protobuf_c_boolean has, T value) {
    return has ? std::optional<T>(value) : std::nullopt;
}

// The other way: sets an optional field (its has_ flag and value) when `value` holds one.
template <class Field, class T>
void set(protobuf_c_boolean& has, Field& field, const std::optional<T>& value) {
    if (!value) return;
    has = 1;
    field = static_cast<Field>(*value);
}
// A bool sent only when true (proto3's default), or bytes sent only when not empty.
inline void set_true(protobuf_c_boolean& has, protobuf_c_boolean& field, bool value) {
    if (!value) return;
    has = 1;
    field = 1;
}
inline void set_bytes(protobuf_c_boolean& has, ProtobufCBinaryData& field, BytesView value) {
    if (value.empty()) return;
    has = 1;
    field = binary_view(value);
}
// A proto3 implicit field (no `optional`): sent only when not zero.
template <class Field, class T>
void set_nonzero(protobuf_c_boolean& has, Field& field, T value) {
    if (value == T{}) return;
    has = 1;
    field = static_cast<Field>(value);
}
// A string sent only when not empty (proto3's default). protobuf-c does not write through it.
inline void set_string(char*& field, const std::string& value) {
    if (!value.empty()) field = const_cast<char*>(value.c_str());
}

// The first `max` items of a repeated scalar field, as read.
template <class T>
std::vector<T> first(const T* items, size_t count, size_t max) {
    return count == 0 ? std::vector<T>() : std::vector<T>(items, items + std::min(count, max));
}
// The other way: points a repeated scalar field at `values` (which must outlive the packing).
template <class T>
void set_repeated(size_t& count, T*& field, const std::vector<T>& values) {
    count = values.size();
    field = const_cast<T*>(values.data());
}

}  // namespace tgmesh::mesh::pb

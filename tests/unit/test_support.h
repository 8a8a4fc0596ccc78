#pragma once
// Helpers shared by the unit tests: CMocka in C++, vectors, and the fakes of tests/fakes/.
#include <string>
#include <vector>

#include "fake_ports.h"
#include "tgmesh/util/bytes.h"
#include "tgmesh/util/json.h"

// CMocka last: it defines macros (fail, ...) that clash with the standard library.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

namespace test {

// Every drop reason's name (under $SYS/broker/tgmesh/drops/, in getStatus and the logs), written
// out here so that a renamed or missing one fails.
inline const std::vector<std::string> kDropNames = {"malformed",
                                                    "undecryptable",
                                                    "pki_not_for_us",
                                                    "pki_unknown_sender",
                                                    "duplicate",
                                                    "own_packet",
                                                    "other_channel",
                                                    "dm_not_for_us",
                                                    "empty_text",
                                                    "gateway_echo",
                                                    "inbound_queue_full",
                                                    "telegram_queue_full",
                                                    "telegram_rejected",
                                                    "mesh_queue_full",
                                                    "telegram_gave_up",
                                                    "decoded",
                                                    "key_mismatch",
                                                    "control_flood",
                                                    "blocked"};

// tests/vectors/<name> parsed; fails the test if missing or malformed.
tgmesh::json::Ptr load_vectors(const char* name);
tgmesh::Bytes hex(const std::string& text);

using FakeClock = tgmesh::fakes::Clock;
using FakePublisher = tgmesh::fakes::Publisher;
using FakeLogger = tgmesh::fakes::Logger;
using FakeStore = tgmesh::fakes::Store;

// Requests wait until the test answers them.
class FakeHttp : public tgmesh::fakes::Http {
  public:
    // Removes and returns the oldest pending request for `method`; fails the test if none.
    Pending take(const std::string& method);
};

}  // namespace test

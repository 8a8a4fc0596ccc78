#pragma once
#include <string>

#include "tgmesh/base/ports.h"

namespace tgmesh::adapters {

// The state file on disk: replaced atomically (temp file, fsync, rename, fsync of the
// directory), mode 0600, so a crash leaves either the old or the new document.
class FileStore : public StateStore {
  public:
    explicit FileStore(std::string path) : path_(std::move(path)) {}
    Loaded load() override;
    Status save(const std::string& text) override;
    std::string move_aside() override;

  private:
    std::string path_;
};

}  // namespace tgmesh::adapters

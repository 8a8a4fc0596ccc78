#pragma once
#include <string>

#include "tgmesh/core/ports.h"

namespace tgmesh::adapters {

// The state file on disk: replaced atomically (temp file, fsync, rename, fsync of the
// directory), mode 0600, so a crash leaves either the old or the new document.
class FileStore : public core::StateStore {
  public:
    explicit FileStore(std::string path) : path_(std::move(path)) {}
    Loaded load() override;
    bool save(const std::string& text, std::string& error) override;
    std::string move_aside() override;

  private:
    std::string path_;
};

}  // namespace tgmesh::adapters

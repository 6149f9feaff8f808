// `flint keys rotate --instance NAME`: new signing keys for an instance's authorization server.
// Tokens signed before stay valid, and the old id_token key stays published, for an hour.
#include <iostream>

#include "auth/keys/key_store.h"
#include "server/cli/commands.h"

namespace flint::server {

int keysCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.size() != 3 || args[0] != "rotate" || args[1] != "--instance") {
    std::cerr << "usage: flint keys rotate --instance NAME\n";
    return 2;
  }
  db::Session session(config.databaseUrl);
  const auto instance = instanceNamed(session, args[2]);
  refuseWhileMoving(session.connection(), instance);
  db::Session data(instance.databaseUrl);
  auth::KeyStore::rotate(data, instance);
  std::cout << "rotated the signing keys of " << instance.name << "\n";
  return 0;
}

}  // namespace flint::server

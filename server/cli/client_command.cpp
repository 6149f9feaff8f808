// `flint client ...`: register, list, disable and enable an instance's SMART clients; issue a
// backend service a token without its signed assertion (operators, benchmarks).
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/clients/client_registry.h"
#include "auth/tokens/backend_token.h"
#include "core/db/migrations.h"
#include "core/instances/instance_store.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint client create --instance NAME --name NAME --type public|confidential-symmetric|confidential-asymmetric|backend
                      --scope SCOPES [--redirect-uri URI]... [--launch-uri URI] [--jwks-file FILE | --jwks-url URL]
  flint client list --instance NAME
  flint client disable|enable --instance NAME CLIENT_ID
  flint client token --instance NAME CLIENT_ID --scope SCOPES
                      (an access token for a backend service, as its token request would give)
)";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw auth::ClientError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int clientCommand(const Config& config, const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string& verb = args[0];
  std::string instanceName, clientId;
  auth::NewClient n;
  try {
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) throw auth::ClientError(a + " needs a value");
        return args[++i];
      };
      if (a == "--instance") instanceName = value();
      else if (a == "--name") n.name = value();
      else if (a == "--type") n.kind = value();
      else if (a == "--scope") n.scope = value();
      else if (a == "--redirect-uri") n.redirectUris.push_back(value());
      else if (a == "--launch-uri") n.launchUri = value();
      else if (a == "--jwks-file") n.jwks = readFile(value());
      else if (a == "--jwks-url") n.jwksUrl = value();
      else if (a.rfind("--", 0) != 0 && clientId.empty()) clientId = a;
      else throw auth::ClientError("unknown option " + a);
    }
    if (instanceName.empty()) throw auth::ClientError("--instance is required");
    db::Session session(config.databaseUrl);
    db::migrateAll(session.connection());
    auto instance = instances::findInstance(session.connection(), instanceName);
    if (!instance) throw auth::ClientError("there is no instance named '" + instanceName + "'");
    if (verb != "list") refuseWhileMoving(session.connection(), *instance);
    db::Session data(instance->databaseUrl);
    auth::AuthRepository repo(data, *instance);
    if (verb == "create" && clientId.empty()) {
      auto registered = auth::registerClient(repo, n);
      std::cout << "client_id\t" << registered.record.id << "\n";
      // Shown this once: only its hash is kept.
      if (!registered.secret.empty()) std::cout << "client_secret\t" << registered.secret << "\n";
      std::cout << "scope\t" << registered.record.scope << "\n";
      return 0;
    }
    if (verb == "list" && clientId.empty()) {
      for (const auto& c : repo.clients())
        std::cout << c.id << "\t" << c.kind << "\t" << c.name << "\t" << c.scope << (c.disabled ? "\tdisabled" : "")
                  << "\n";
      return 0;
    }
    if (verb == "token" && !clientId.empty()) {
      auto client = repo.client(clientId);
      if (!client || client->disabled || client->kind != "backend")
        throw auth::ClientError("no enabled backend service " + clientId);
      auth::KeyStore keys;
      auto issued = auth::issueBackendToken(data, *instance, keys, *client, n.scope);
      if (!issued) throw auth::ClientError("none of the scopes is pre-authorised for this client");
      std::cout << issued->accessToken << "\n";
      return 0;
    }
    if ((verb == "disable" || verb == "enable") && !clientId.empty()) {
      if (!repo.setClientDisabled(clientId, verb == "disable")) throw auth::ClientError("no client " + clientId);
      std::cout << verb << "d client " << clientId << "\n";
      return 0;
    }
  } catch (const auth::ClientError& e) {
    std::cerr << "flint: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace flint::server

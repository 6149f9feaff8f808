#include <fstream>
#include <iostream>
#include <sstream>

#include "core/json/json_parser.h"
#include "custom_data/plugins/plugin_installer.h"
#include "server/cli/commands.h"

namespace flint::server {
namespace {

const char* kUsage = R"(usage:
  flint plugin install --instance NAME CANVAS_MANIFEST.json [--models MODELS.json] [--read-key KEY] [--read-write-key KEY]
  flint plugin list --instance NAME
  flint plugin uninstall --instance NAME PLUGIN      (its custom data stays)
)";

json::Value readJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::ParseError& e) {
    throw std::runtime_error(path + " is not JSON: " + e.what());
  }
}

}  // namespace

int pluginCommand(const Config& config, const std::vector<std::string>& args) {
  std::string verb = args.empty() ? "" : args[0], instanceName;
  std::vector<std::string> positional;
  custom_data::InstallRequest request;
  std::string modelsFile;
  for (size_t i = 1; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::runtime_error(args[i] + " needs a value");
      return args[++i];
    };
    if (args[i] == "--instance") instanceName = value();
    else if (args[i] == "--read-key") request.readKey = value();
    else if (args[i] == "--read-write-key") request.readWriteKey = value();
    else if (args[i] == "--models") modelsFile = value();
    else if (args[i].rfind("--", 0) == 0) throw std::runtime_error("unknown option " + args[i]);
    else positional.push_back(args[i]);
  }
  const bool known = (verb == "install" && positional.size() == 1) || (verb == "list" && positional.empty()) ||
                     (verb == "uninstall" && positional.size() == 1);
  if (!known || instanceName.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  db::Session session(config.databaseUrl);
  const instances::Instance instance = instanceNamed(session, instanceName);
  if (verb != "list") refuseWhileMoving(session.connection(), instance);
  db::Session data(instance.databaseUrl);
  try {
    if (verb == "install") {
      request.manifest = readJsonFile(positional[0]);
      if (!modelsFile.empty()) request.models = readJsonFile(modelsFile);
      auto result = custom_data::installPlugin(data.connection(), instance, request);
      std::cout << "installed plugin " << result.plugin.name << " " << result.plugin.version;
      if (!result.plugin.ns.empty()) std::cout << " (namespace " << result.plugin.ns << ", " << result.plugin.access << ")";
      std::cout << "\n";
      if (result.keys)
        std::cout << "created namespace " << result.plugin.ns << "; its keys are shown only now:\n"
                  << custom_data::kReadKeyName << "\t" << result.keys->read << "\n"
                  << custom_data::kReadWriteKeyName << "\t" << result.keys->readWrite << "\n";
      return 0;
    }
    if (verb == "list") {
      for (const auto& p : custom_data::listPlugins(data.connection(), instance))
        std::cout << p.name << "\t" << p.version << "\t" << (p.ns.empty() ? "-" : p.ns + " (" + p.access + ")") << "\t"
                  << p.installedAt << "\n";
      return 0;
    }
    if (!custom_data::uninstallPlugin(data.connection(), instance, positional[0])) {
      std::cerr << "flint plugin: there is no plugin '" << positional[0] << "'\n";
      return 1;
    }
    std::cout << "uninstalled plugin " << positional[0] << "; its custom data stays\n";
    return 0;
  } catch (const custom_data::InstallError& e) {
    std::cerr << "flint plugin: " << e.what() << "\n";
    for (const auto& problem : e.problems()) std::cerr << "  " << problem << "\n";
    return 1;
  }
}

}  // namespace flint::server

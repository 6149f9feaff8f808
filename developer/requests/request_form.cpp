#include "developer/requests/request_form.h"

#include <sstream>

namespace flint::developer {
namespace {

using json::Value;

const char* kTextFields[] = {
    "organization.legalName", "organization.domain", "organization.identifier.kind", "organization.identifier.state",
    "organization.identifier.number", "contact.name", "contact.email", "application.name", "application.description",
    "application.accessModel", "application.launchUri", "application.jwksUrl", "attestations.privacyPolicyUrl",
    "attestations.termsUrl", "termsOfUse.version"};
const char* kCheckboxes[] = {"attestations.lawfulUse", "attestations.compliance", "termsOfUse.accepted"};
const char* kRedirectUris = "application.redirectUris";

std::string trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n"), end = s.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

// The object at the path's parent in `root`, made as needed; `leaf` is set to the last name.
Value& parentOf(Value& root, const std::string& path, std::string& leaf) {
  Value* at = &root;
  size_t start = 0;
  for (size_t dot = path.find('.'); dot != std::string::npos; start = dot + 1, dot = path.find('.', start)) {
    const std::string name = path.substr(start, dot - start);
    if (at->find(name) == nullptr) at->set(name, Value::object());
    at = at->find(name);
  }
  leaf = path.substr(start);
  return *at;
}

const Value* at(const Value& root, const std::string& path) {
  const Value* v = &root;
  size_t start = 0;
  for (size_t dot = path.find('.');; start = dot + 1, dot = path.find('.', start)) {
    v = v->isObject() ? v->find(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start)) : nullptr;
    if (v == nullptr || dot == std::string::npos) return v;
  }
}

}  // namespace

Value requestFromForm(const std::map<std::string, std::string>& form) {
  Value request = Value::object();
  std::string leaf;
  for (const char* path : kTextFields) {
    const auto it = form.find(path);
    if (it == form.end() || trimmed(it->second).empty()) continue;
    parentOf(request, path, leaf).set(leaf, Value::string(trimmed(it->second)));
  }
  for (const char* path : kCheckboxes) {
    const auto it = form.find(path);
    parentOf(request, path, leaf).set(leaf, Value::boolean(it != form.end() && it->second == "true"));
  }
  Value uris = Value::array();
  if (const auto it = form.find(kRedirectUris); it != form.end()) {
    std::istringstream lines(it->second);
    for (std::string line; std::getline(lines, line);)
      if (!trimmed(line).empty()) uris.push(Value::string(trimmed(line)));
  }
  parentOf(request, kRedirectUris, leaf).set(leaf, std::move(uris));
  return request;
}

std::map<std::string, std::string> formFromRequest(const Value& request) {
  std::map<std::string, std::string> form;
  for (const char* path : kTextFields)
    if (const Value* v = at(request, path); v != nullptr && v->isString()) form[path] = v->text();
  for (const char* path : kCheckboxes)
    if (const Value* v = at(request, path); v != nullptr && v->isBool() && v->asBool()) form[path] = "true";
  if (const Value* uris = at(request, kRedirectUris); uris != nullptr && uris->isArray()) {
    std::string lines;
    for (const auto& uri : uris->items()) lines += uri.text() + "\n";
    form[kRedirectUris] = lines;
  }
  return form;
}

}  // namespace flint::developer
